"""The CSP nonce placeholder: what templates write, and what the middleware swaps per response.

Its own module so that the page cache, the template tag and the middleware can all use it
without importing each other (the middleware renders the 503 page through clinic.views, which
uses the page cache).
"""

from __future__ import annotations

import functools

from django.conf import settings
from django.utils.crypto import salted_hmac


# Where the nonce goes in templates of cached pages ({% csp_nonce %}): the cached HTML keeps the
# placeholder, and every response gets its own nonce here. The placeholder is derived from
# SECRET_KEY (the same in every worker, so cached pages work everywhere) and never leaves the
# server: a public string would be swapped for the nonce wherever a visitor typed it (a search
# term), handing any HTML injection a valid <script nonce>.
@functools.cache
def _nonce_placeholder(secret_key: str) -> bytes:
    digest = salted_hmac("clinic.middleware.NONCE_PLACEHOLDER", "v1", secret=secret_key)
    return f"csp-nonce-{digest.hexdigest()[:32]}".encode("ascii")


def nonce_placeholder() -> bytes:
    # Computed on first use, not at import: commands that sign nothing run without SECRET_KEY.
    return _nonce_placeholder(settings.SECRET_KEY)
