"""How a visit of a course is named to patients and staff, in one place.

Pages, emails, calendar files and the admin all name visits; a course of one session has no
"Session 1 of 1", so its only session is simply "Session".
"""

from __future__ import annotations

from django.utils.translation import gettext as _

from bookings.models import PREPARATION_SEQUENCE


def visit_title(*, sequence: int, session_count: int, preparation_name: str = "") -> str:
    """ "Session 2 of 3", "Session" (a one-session course) or "Preparation visit (blood draw)"."""
    if sequence == PREPARATION_SEQUENCE:
        if preparation_name:
            return _("Preparation visit (%(what)s)") % {"what": preparation_name}
        return _("Preparation visit")
    if session_count == 1:
        return _("Session")
    return _("Session %(number)s of %(count)s") % {"number": sequence, "count": session_count}
