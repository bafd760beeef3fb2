"""A clinician's private calendar subscription (.ics): their own visits, no health data."""

import pytest
from django.test import Client
from icalendar import Calendar

from bookings.models import AppointmentStatus, PlanStatus
from clinic.models import CalendarFeed
from tests.clinical.conftest import sign_in
from tests.factories import PatientFactory

pytestmark = pytest.mark.django_db

SETTINGS_PAGE = "/en/staff/calendar/"


def turn_on(client: Client) -> str:
    client.post(SETTINGS_PAGE, {"action": "enable"})
    page = client.get(SETTINGS_PAGE)
    return page.context["new_url"].removeprefix("http://testserver")


def events(ics: bytes) -> list:
    return list(Calendar.from_ical(ics).walk("VEVENT"))


def test_a_clinician_subscribes_to_their_own_visits_without_health_data(
    client, clinician, other_clinician, make_plan
):
    patient = PatientFactory(
        full_name="Maria Schneider", email="maria@example.com", phone="+49 30 555 0101"
    )
    mine = make_plan(clinician=clinician, patient=patient, status=PlanStatus.CONFIRMED)
    theirs = make_plan(clinician=other_clinician, status=PlanStatus.CONFIRMED)
    sign_in(client, clinician.user)

    url = turn_on(client)
    response = Client().get(url)  # a calendar app: no session, no cookies

    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/calendar")
    feed = events(response.content)
    first = mine.appointments.get(sequence=1)
    assert len(feed) == 2, "sessions on days 10 and 40; day 70 is past the 8 weeks"
    summaries = [str(event["SUMMARY"]) for event in feed]
    assert summaries[0] == "M. S. – Skin renewal: Session 1 of 3"
    assert feed[0].decoded("DTSTART") == first.start.replace(microsecond=0)
    assert str(feed[0].decoded("DTSTART").tzinfo) == "Europe/Berlin"
    text = response.content.decode()
    for secret in (
        "Maria",
        "Schneider",
        "maria@example.com",
        "555 0101",
        "anticoagulants",
        "pregnant",
        theirs.patient.full_name,
    ):
        assert secret not in text, secret


def test_only_the_next_weeks_and_no_cancelled_or_held_visits(
    client, clinician, make_plan, settings
):
    settings.CALENDAR_FEED_WEEKS = 5
    plan = make_plan(clinician=clinician, status=PlanStatus.CONFIRMED)  # days 10, 40, 70
    plan.appointments.filter(sequence=2).update(status=AppointmentStatus.CANCELLED)
    make_plan(clinician=clinician, status=PlanStatus.HELD)
    sign_in(client, clinician.user)

    feed = events(Client().get(turn_on(client)).content)

    assert [str(event["SUMMARY"]).rsplit(": ", 1)[1] for event in feed] == ["Session 1 of 3"]


def test_the_address_is_stored_hashed_and_a_new_one_or_turning_off_revokes_it(
    client, clinician, make_plan
):
    make_plan(clinician=clinician, status=PlanStatus.CONFIRMED)
    sign_in(client, clinician.user)

    first = turn_on(client)
    token = first.rsplit("/", 1)[1].removesuffix(".ics")
    assert token not in CalendarFeed.objects.get().token_hash
    assert "shown only now" not in client.get(SETTINGS_PAGE).text, "the address is shown once"

    second = turn_on(client)
    assert Client().get(first).status_code == 404
    assert Client().get(second).status_code == 200

    client.post(SETTINGS_PAGE, {"action": "revoke"})
    assert Client().get(second).status_code == 404
    assert not CalendarFeed.objects.exists()


def test_a_deactivated_clinicians_feed_stops(client, clinician, make_plan):
    sign_in(client, clinician.user)
    url = turn_on(client)
    clinician.user.is_active = False
    clinician.user.save()

    assert Client().get(url).status_code == 404
    assert Client().get("/calendar/not-a-token.ics").status_code == 404


def test_the_settings_page_is_for_clinicians_behind_the_second_factor(
    client, clinician, receptionist, manager
):
    client.force_login(clinician.user)
    assert client.get(SETTINGS_PAGE)["Location"].startswith("/en/account/")
    assert sign_in(Client(), receptionist).get(SETTINGS_PAGE).status_code == 403
    assert sign_in(Client(), manager).get(SETTINGS_PAGE).status_code == 404, "no visits of own"
