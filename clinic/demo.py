"""The demo accounts `manage.py seed_demo` creates, and how it tells demo data from real data.

Every demo account shares one password, printed by `make run` and published in the README: the
deploy check (clinic.E003) fails while any active staff account still has it.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group

from clinical import roles

DEMO_PASSWORD = "exosome-demo-2026"

# Addresses reserved for examples (RFC 2606 and 6761): no real patient can have one, so a
# patient at any other address is real data.
RESERVED_EMAIL_DOMAINS = ("example.com", "example.net", "example.org")
RESERVED_EMAIL_SUFFIXES = (".example", ".invalid", ".test", ".localhost")


@dataclass(frozen=True)
class DemoUser:
    username: str
    first_name: str
    last_name: str
    role: str | None  # a group name from clinical.roles; None for the superuser
    superuser: bool = False


DEMO_USERS = [
    DemoUser("admin", "Demo", "Admin", role=None, superuser=True),
    DemoUser("reception", "Demo", "Reception", role=roles.RECEPTION),
    # The lead demo clinician (bookings.demo creates the account with the clinician's calendar).
    DemoUser("dr.weber", "Anna", "Weber", role=roles.CLINICIAN),
    DemoUser("manager", "Demo", "Manager", role=roles.CLINIC_MANAGER),
]


def role_group(name: str) -> Group:
    """The group of a staff role. It must exist: the roles come from a data migration."""
    try:
        return Group.objects.get(name=name)
    except Group.DoesNotExist:
        raise LookupError(
            f"The staff role group {name!r} does not exist. Run `manage.py migrate`: the "
            "clinical app's data migration creates the roles (clinical/roles.py)."
        ) from None


def real_data_found() -> list[str]:
    """What in this database seed_demo did not create, counted (never named): user accounts not
    marked as demo accounts, and patients with an address outside the reserved example domains."""
    from bookings.models import Patient

    found = []
    accounts = get_user_model().objects.filter(demo_account__isnull=True).count()
    if accounts:
        found.append(f"{accounts} user account(s) seed_demo did not create")
    patients = Patient.objects.all()
    for domain in RESERVED_EMAIL_DOMAINS:
        patients = patients.exclude(email__iendswith=f"@{domain}")
    for suffix in RESERVED_EMAIL_SUFFIXES:
        patients = patients.exclude(email__iendswith=suffix)
    patients = patients.count()
    if patients:
        found.append(f"{patients} patient(s) with a real email address")
    return found
