"""Booking a consultation online (issue 18): one page, no medical screening, the same
confirmation email with a calendar file and a manage link."""

import re

import pytest
from django.test import Client

from bookings.models import (
    Appointment,
    AppointmentKind,
    ConsultationRequest,
    ConsultationSettings,
    ManageLink,
    OutgoingEmail,
    Plan,
    PlanKind,
    PlanStatus,
)
from tests.bookings.online import DETAILS, book, url
from tests.clinic_data import seed_small_clinic

pytestmark = pytest.mark.django_db


@pytest.fixture
def clinic():
    clinic = seed_small_clinic()
    offer = ConsultationSettings.objects.create(minutes=20, price=None)
    offer.clinicians.set([clinic.clinicians[0]])
    return clinic


def first_time(client, **query):
    page = client.get(url("consultation"), query)
    _day, openings = page.context["days"][0]
    value, opening = openings[0]
    return page, value, opening


def test_the_home_page_and_every_protocol_page_offer_a_consultation_first(client, clinic):
    home = client.get("/en/").content.decode()
    assert url("consultation") in home
    protocol_page = client.get(clinic.protocol.get_absolute_url()).content.decode()
    assert "Talk to a clinician first" in protocol_page
    assert f"{url('consultation')}?protocol={clinic.protocol.slug}" in protocol_page


def test_the_page_says_plainly_what_a_consultation_is_and_what_it_costs(client, clinic):
    page, _value, _opening = first_time(client)
    text = page.content.decode()
    assert "20-minute conversation" in text
    assert "It is not a promise of treatment" in text
    assert "The consultation is free." in text
    assert "health questions" not in text.lower()  # no medical screening gate


def test_a_patient_books_a_consultation_online_and_gets_the_email_with_calendar_and_link(
    client, clinic
):
    _page, value, opening = first_time(client, protocol=clinic.protocol.slug)
    response = client.post(
        url("consultation"),
        {
            **DETAILS,
            "slot": value,
            "topics": ["costs", "results"],
            "message": "Will it help my scars?",
            "protocol": clinic.protocol.slug,
            "proposal": "p-1",
        },
        follow=True,
    )

    plan = Plan.objects.get(kind=PlanKind.CONSULTATION)
    assert plan.status == PlanStatus.CONFIRMED
    assert plan.protocol == clinic.protocol
    assert plan.patient.email == DETAILS["email"]
    visit = Appointment.objects.get(plan=plan)
    assert visit.kind == AppointmentKind.CONSULTATION
    assert visit.start == opening.start
    assert visit.clinician == clinic.clinicians[0]
    assert ConsultationRequest.objects.get(plan=plan).topics == ["costs", "results"]
    assert "Your consultation is booked" in response.content.decode()
    email = OutgoingEmail.objects.get(plan=plan)
    assert email.subject == "Your consultation is booked"
    assert "not a promise of treatment" in email.body_text
    assert "/manage/" in email.body_text
    assert email.attachments[0]["filename"].endswith(".ics")
    assert ManageLink.objects.filter(plan=plan).count() == 1


def test_a_time_taken_meanwhile_is_refused_kindly_and_nothing_is_booked(client, clinic):
    _page, value, _opening = first_time(client)
    data = {**DETAILS, "slot": value, "proposal": "p-1"}
    client.post(url("consultation"), data)
    second = Client()  # another visitor, who saw the same free time
    response = second.post(
        url("consultation"),
        {**data, "email": "ayse@example.com", "full_name": "Ayşe Demir", "proposal": "p-2"},
    )
    assert response.status_code == 200
    assert "no longer free" in response.content.decode()
    assert Plan.objects.filter(kind=PlanKind.CONSULTATION).count() == 1


def test_the_manage_link_of_a_consultation_shows_it_and_cancels_it_without_asking_consent(
    client, clinic
):
    _page, value, _opening = first_time(client)
    client.post(url("consultation"), {**DETAILS, "slot": value, "proposal": "p-1"})
    email = OutgoingEmail.objects.get(template="consultation_confirmed")
    manage = re.search(r"https?://[^/\s]+(/\S+/manage/\S+/)", email.body_text).group(1)

    page = client.get(manage).content.decode()
    assert "Consultation" in page
    assert "consent is still needed" not in page
    visit = Appointment.objects.get(plan__kind=PlanKind.CONSULTATION)
    assert f"/visits/{visit.pk}/move/" not in page  # cancelled and booked again instead
    cancel_url = manage + f"visits/{visit.pk}/cancel/"
    assert cancel_url in page
    client.post(cancel_url)
    visit.refresh_from_db()
    assert visit.status == "cancelled"


@pytest.mark.parametrize("asked", ["\x00", "acne\x00scars", "no such course", "x" * 500])
def test_an_odd_or_unknown_course_in_the_address_shows_the_page_without_a_course(
    client, clinic, asked
):
    """The course a patient asks about comes from the address: anything that is not a published
    course's slug (a NUL character that PostgreSQL refuses, a typo) is simply ignored."""
    page = client.get(url("consultation"), {"protocol": asked})

    assert page.status_code == 200
    assert page.context["days"]


def manage_link_of_the_consultation(client, **asked: str) -> str:
    _page, value, _opening = first_time(client, **asked)
    client.post(url("consultation"), {**DETAILS, "slot": value, "proposal": "p-1", **asked})
    email = OutgoingEmail.objects.get(template="consultation_confirmed")
    return re.search(r"https?://[^/\s]+(/\S+/manage/\S+/)", email.body_text).group(1)


def test_the_move_address_of_a_consultation_says_kindly_to_book_again(client, clinic):
    manage = manage_link_of_the_consultation(client)
    visit = Appointment.objects.get(plan__kind=PlanKind.CONSULTATION)
    booked_at = visit.start

    for method in (client.get, client.post):
        response = method(manage + f"visits/{visit.pk}/move/", follow=True)
        assert response.redirect_chain[-1][0] == manage
        assert "cannot be moved" in response.content.decode()

    visit.refresh_from_db()
    assert visit.status == "booked" and visit.start == booked_at


def test_the_consent_address_of_a_consultation_asks_for_no_consent(client, clinic):
    manage = manage_link_of_the_consultation(client)

    response = client.get(manage + "consent/", follow=True)

    assert response.redirect_chain[-1][0] == manage
    assert "Consultation" in response.content.decode()
    assert not Plan.objects.get(kind=PlanKind.CONSULTATION).has_consent()


def test_a_refused_consultation_keeps_everything_the_patient_typed(client, clinic):
    book(Client(), clinic.protocol)  # Maria's course, booked earlier
    first = Appointment.objects.order_by("start").first()
    other = next(c for c in clinic.clinicians if c.pk != first.clinician_id)
    ConsultationSettings.objects.get().clinicians.set([other])
    page = client.get(url("consultation"))
    value = next(
        value
        for _day, openings in page.context["days"]
        for value, opening in openings
        if opening.start == first.start  # Maria is at her first session then
    )
    typed = {**DETAILS, "slot": value, "proposal": "p-1", "message": "Will it help my scars?"}

    response = client.post(url("consultation"), typed)

    assert response.status_code == 200
    assert not Plan.objects.filter(kind=PlanKind.CONSULTATION).exists()
    text = response.content.decode()
    assert "Will it help my scars?" in text
    assert DETAILS["phone"] in text and DETAILS["email"] in text
    assert response.context["form"].errors["slot"]  # the reason, beside the times


def test_a_consultation_about_a_course_is_called_a_consultation_on_its_cancel_page(client, clinic):
    manage = manage_link_of_the_consultation(client, protocol=clinic.protocol.slug)
    visit = Appointment.objects.get(plan__kind=PlanKind.CONSULTATION)
    assert visit.plan.protocol == clinic.protocol

    page = client.get(manage + f"visits/{visit.pk}/cancel/")

    assert page.context["label"] == "Consultation"
    assert "Session 1 of" not in page.content.decode()
