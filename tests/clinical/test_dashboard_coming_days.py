"""The clinician's dashboard lists the coming days' sessions whatever the weekday (issue 17,
bug 9: on a Sunday "later this week" was empty although sessions followed on Monday)."""

from datetime import date, datetime, time, timedelta

import pytest
import time_machine
from django.urls import reverse

from bookings.engine.rules import clinic_zone
from tests.bookings.reception_fixtures import confirmed_plan, put
from tests.clinical.conftest import sign_in

pytestmark = pytest.mark.django_db

SUNDAY = date(2027, 3, 14)


def at(day: date, hhmm: str) -> datetime:
    hours, minutes = map(int, hhmm.split(":"))
    return datetime.combine(day, time(hours, minutes), tzinfo=clinic_zone())


def test_on_a_sunday_mondays_sessions_are_listed_as_coming_up(client, clinician, protocol):
    monday_visit = put(confirmed_plan(protocol, clinician), at(SUNDAY + timedelta(days=1), "09:00"))
    put(confirmed_plan(protocol, clinician), at(SUNDAY + timedelta(days=8), "09:00"))  # too far
    with time_machine.travel(at(SUNDAY, "10:00"), tick=False):
        sign_in(client, clinician.user)
        page = client.get(reverse("clinical:dashboard"))

    assert [session.pk for session in page.context["later_this_week"]] == [monday_visit.pk]
