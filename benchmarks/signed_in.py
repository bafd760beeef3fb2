"""Who `make loadtest` is when it asks for staff and manage pages: prints their keys as JSON.

`python -m benchmarks.signed_in` (DATABASE_URL pointing at a database `seed_demo` filled) makes
a signed-in session past the second factor for the demo reception account and the demo
clinician, as signing in with a password and an authenticator code would leave it, and a manage
link for a demo patient's confirmed course, and the day the reception calendar is measured on
(the first day after today with a visit). The load test sends these as cookies and addresses,
so it measures the pages, not the sign-in (whose password hashing is slow on purpose).
"""

from __future__ import annotations

import json
import sys
from datetime import datetime, time, timedelta

from benchmarks import standalone

# `make serve`'s default: sessions are signed with it, and a staff session carries a hash of it.
standalone.setup(secret_key="local-serve-only-not-secret")

from importlib import import_module  # noqa: E402

from django.conf import settings  # noqa: E402
from django.contrib.auth import (  # noqa: E402
    BACKEND_SESSION_KEY,
    HASH_SESSION_KEY,
    SESSION_KEY,
    get_user_model,
)
from django.utils import timezone  # noqa: E402
from django_otp import DEVICE_ID_SESSION_KEY  # noqa: E402
from django_otp.plugins.otp_totp.models import TOTPDevice  # noqa: E402

from bookings.engine.rules import clinic_zone, local_date  # noqa: E402
from bookings.engine.tokens import manage_link_create  # noqa: E402
from bookings.models import Appointment, AppointmentStatus, Plan, PlanStatus  # noqa: E402

# The demo accounts of clinic/demo.py.
STAFF = {"reception": "reception", "clinician": "dr.weber"}


def signed_in_session(username: str) -> str:
    user = get_user_model().objects.get(username=username)
    device, _ = TOTPDevice.objects.get_or_create(
        user=user, name="loadtest", defaults={"confirmed": True}
    )
    # The project's session engine, as SessionMiddleware finds it (the benchmarks sit below the
    # project shell and do not import it).
    session = import_module(settings.SESSION_ENGINE).SessionStore()
    session[SESSION_KEY] = str(user.pk)
    session[BACKEND_SESSION_KEY] = settings.AUTHENTICATION_BACKENDS[-1]
    session[HASH_SESSION_KEY] = user.get_session_auth_hash()
    session[DEVICE_ID_SESSION_KEY] = device.persistent_id
    session.set_expiry(0)  # as StaffSessionMiddleware leaves a staff session
    session.create()
    return session.session_key


def main() -> int:
    plan = (
        Plan.objects.filter(status=PlanStatus.CONFIRMED, appointments__start__gt=timezone.now())
        .order_by("pk")
        .first()
    )
    if plan is None:
        sys.exit("no confirmed demo course with visits ahead: run seed_demo first")
    keys = {role: signed_in_session(username) for role, username in STAFF.items()}
    keys["manage_token"] = manage_link_create(plan=plan)
    # The reception calendar is measured on a working day with visits, as the desk sees it on
    # most days (today may be a closed Sunday: a lighter page).
    tomorrow = local_date(timezone.now()) + timedelta(days=1)
    next_visit = (
        Appointment.objects.filter(start__gte=datetime.combine(tomorrow, time.min, clinic_zone()))
        .exclude(status=AppointmentStatus.CANCELLED)
        .order_by("start")
        .first()
    )
    if next_visit is None:
        sys.exit("no demo visit ahead: run seed_demo first")
    keys["calendar_day"] = local_date(next_visit.start).isoformat()
    print(json.dumps(keys))
    return 0


if __name__ == "__main__":
    sys.exit(main())
