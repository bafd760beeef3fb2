"""Any save or delete of a protocol or product starts a new content generation.

The public pages are cached under it, and the booking flow reads its protocol through it
(bookings/online/views.py): an edit outside the admin (a shell, seed_demo, a data fix) shows at
once too, not only the admin's (common.content_cache.ClearsEducationCacheAdmin). A queryset
`.update()` sends no signal; its change shows when the generation ends (a minute at most).
"""

from __future__ import annotations

from common.generations import CONTENT

# Now, so this request sees the change, and again after commit, so a visitor who read the old row
# in between does not keep it cached for the rest of the generation.
protocol_changed = CONTENT.renew_now_and_after_commit
