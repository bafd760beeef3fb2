"""The manage link: see the plan, move a visit within the course rules, cancel, download the .ics,
and get a new link; tampered, expired and revoked links show nothing."""

import re
from datetime import timedelta

import pytest
from django.core import mail
from django.test import Client
from django.utils import timezone

from bookings.engine.patients import PatientDetails
from bookings.engine.placing import Channel, consent_text_current
from bookings.engine.rules import local_date
from bookings.engine.tokens import (
    MANAGE_LINK_DAYS_AFTER_LAST_VISIT,
    manage_link_create,
    token_hash,
)
from bookings.models import (
    Appointment,
    AppointmentStatus,
    ManageLink,
    OutgoingEmail,
    Plan,
    PlanStatus,
)
from bookings.notify.emails import emails_send_due
from tests.bookings.online import book, url
from tests.bookings.test_booking_place import MARIA, place
from tests.clinic_data import seed_small_clinic

pytestmark = pytest.mark.django_db


@pytest.fixture
def clinic():
    return seed_small_clinic()


@pytest.fixture
def booked(client, clinic):
    """A confirmed 3-session course; returns (plan, token) with the token read from the email."""
    book(client, clinic.protocol)
    emails_send_due()
    token = re.search(r"/manage/([\w-]+)/", mail.outbox[0].body).group(1)
    mail.outbox.clear()
    return Plan.objects.get(), token


def session(plan: Plan, number: int) -> Appointment:
    return plan.appointments.get(sequence=number, status=AppointmentStatus.BOOKED)


def test_only_a_hash_of_the_token_is_stored(booked):
    plan, token = booked
    link = ManageLink.objects.get(plan=plan)
    assert link.token_hash == token_hash(token)
    assert token not in link.token_hash
    assert OutgoingEmail.objects.get().body_text == ""  # cleared once sent


def test_the_manage_page_lists_the_plan(client, booked):
    plan, token = booked
    page = client.get(url("manage", token=token)).content.decode()
    assert plan.protocol.name in page
    for appointment in plan.appointments.all():
        assert timezone.localtime(appointment.start).strftime("%H:%M") in page
    assert url("manage-calendar", token=token) in page


@pytest.mark.parametrize("how", ["tampered", "revoked", "expired", "unknown"])
def test_a_bad_link_is_a_404_that_shows_nothing_and_offers_a_new_link(client, booked, how):
    plan, token = booked
    if how == "tampered":
        token = token[:-1] + ("A" if token[-1] != "A" else "B")
    elif how == "revoked":
        ManageLink.objects.update(revoked_at=timezone.now())
    elif how == "expired":
        # The course ended more than the margin ago.
        long_ago = timezone.now() - timedelta(days=MANAGE_LINK_DAYS_AFTER_LAST_VISIT + 1)
        for days, appointment in enumerate(plan.appointments.order_by("sequence")):
            end = long_ago - timedelta(days=days)
            Appointment.objects.filter(pk=appointment.pk).update(
                start=end - timedelta(hours=1), end=end
            )
    else:
        token = "x" * 43
    for address in [
        url("manage", token=token),
        url("manage-calendar", token=token),
        url("manage-cancel-plan", token=token),
        url("manage-move", token=token, pk=session(plan, 2).pk if how != "expired" else 1),
    ]:
        response = client.get(address)
        page = response.content.decode()
        assert response.status_code == 404
        assert plan.patient.full_name not in page
        assert plan.protocol.name not in page
        assert "Send me a new link" in page
    response = client.post(url("manage-cancel-plan", token=token))
    assert response.status_code == 404
    assert Plan.objects.get().status == PlanStatus.CONFIRMED


def test_an_appointment_of_another_plan_is_a_404(client, booked, clinic):
    plan, token = booked
    other = Appointment.objects.exclude(plan=plan).first()
    if other is None:
        book(Client(), clinic.protocol, email="other@example.com")
        other = Appointment.objects.exclude(plan=plan).first()
    assert client.get(url("manage-move", token=token, pk=other.pk)).status_code == 404
    response = client.post(url("manage-cancel-visit", token=token, pk=other.pk))
    assert response.status_code == 404
    assert Appointment.objects.get(pk=other.pk).status == AppointmentStatus.BOOKED


def test_moving_a_session_offers_only_days_within_the_course_rules_and_emails_the_change(
    client, booked
):
    plan, token = booked
    third = session(plan, 3)
    second_day = local_date(session(plan, 2).start)
    page = client.get(url("manage-move", token=token, pk=third.pk))
    days = page.context["times"].days
    assert days
    assert all(21 <= (choice.day - second_day).days <= 35 for choice in days)
    target = next(c.day for c in days if c.free and c.day != local_date(third.start))
    page = client.get(url("manage-move", token=token, pk=third.pk), {"day": target.isoformat()})
    value = next(iter(page.context["form"].openings))

    response = client.post(
        url("manage-move", token=token, pk=third.pk), {"opening": value, "day": target.isoformat()}
    )

    assert response["Location"] == url("manage", token=token)
    third.refresh_from_db()
    assert local_date(third.start) == target
    assert third.start.isoformat() == value.split("|")[0]
    email = OutgoingEmail.objects.get(template="booking_changed")
    assert emails_send_due() == 1
    assert mail.outbox[0].attachments[0][0] == "treatment-course.ics"
    assert email.plan == plan


def test_a_move_that_breaks_the_course_rules_is_refused_and_changes_nothing(client, booked):
    plan, token = booked
    second = session(plan, 2)
    before = second.start
    # The day after session 1: far too early for session 2.
    too_early = session(plan, 1).start + timedelta(days=1)
    response = client.post(
        url("manage-move", token=token, pk=second.pk),
        {"opening": f"{too_early.isoformat()}|{second.clinician_id}"},
    )
    assert response.status_code == 200
    assert "no longer free" in response.content.decode()
    second.refresh_from_db()
    assert second.start == before
    assert not OutgoingEmail.objects.filter(template="booking_changed").exists()


def test_cancelling_one_session_asks_first_then_cancels_and_emails(client, booked):
    plan, token = booked
    third = session(plan, 3)
    confirm_page = client.get(url("manage-cancel-visit", token=token, pk=third.pk))
    assert "Yes, cancel this session" in confirm_page.content.decode()
    assert Appointment.objects.get(pk=third.pk).status == AppointmentStatus.BOOKED

    response = client.post(url("manage-cancel-visit", token=token, pk=third.pk))

    assert response["Location"] == url("manage", token=token)
    assert Appointment.objects.get(pk=third.pk).status == AppointmentStatus.CANCELLED
    assert Plan.objects.get().status == PlanStatus.CONFIRMED
    email = OutgoingEmail.objects.get(template="booking_cancelled")
    assert [a["filename"] for a in email.attachments] == [
        "treatment-course.ics",
        "cancelled-visits.ics",
    ]
    page = client.get(url("manage", token=token)).content.decode()
    assert "cancelled" in page


def test_cancelling_within_the_notice_period_is_refused_online(client, booked, settings):
    plan, token = booked
    settings.BOOKING_CANCELLATION_NOTICE_HOURS = 24 * 400
    third = session(plan, 3)
    response = client.post(url("manage-cancel-visit", token=token, pk=third.pk))
    page = client.get(response["Location"]).content.decode()
    assert "call" in page
    assert Appointment.objects.get(pk=third.pk).status == AppointmentStatus.BOOKED
    assert not OutgoingEmail.objects.filter(template="booking_cancelled").exists()


def test_cancelling_the_whole_course(client, booked):
    plan, token = booked
    response = client.post(url("manage-cancel-plan", token=token))
    assert response["Location"] == url("manage", token=token)
    plan.refresh_from_db()
    assert plan.status == PlanStatus.CANCELLED
    assert not plan.appointments.active().exists()
    email = OutgoingEmail.objects.get(template="booking_cancelled")
    assert len(email.attachments) == 2


def test_the_calendar_file_downloads(client, booked):
    _plan, token = booked
    response = client.get(url("manage-calendar", token=token))
    assert response["Content-Type"] == "text/calendar"
    assert b"BEGIN:VCALENDAR" in response.content


@pytest.mark.parametrize("known", [True, False])
def test_asking_for_a_new_link_answers_the_same_whether_or_not_the_email_is_known(
    client, booked, known
):
    plan, old_token = booked
    email = plan.patient.email if known else "nobody@example.com"
    response = client.post(url("manage-new-link"), {"email": email})
    assert response["Location"] == url("manage-link-sent")
    page = client.get(response["Location"]).content.decode()
    assert "If this address belongs to a booking" in page
    emails_send_due()
    if known:
        assert len(mail.outbox) == 1
        new_token = re.search(r"/manage/([\w-]+)/", mail.outbox[0].body).group(1)
        assert client.get(url("manage", token=old_token)).status_code == 404
        assert client.get(url("manage", token=new_token)).status_code == 200
    else:
        assert mail.outbox == []
        assert client.get(url("manage", token=old_token)).status_code == 200


def test_asking_for_new_links_is_rate_limited(client, booked):
    plan, _token = booked
    for _ in range(5):
        client.post(url("manage-new-link"), {"email": "nobody@example.com"})
    response = client.post(url("manage-new-link"), {"email": plan.patient.email})
    assert response.status_code == 429
    assert "Too many attempts" in response.content.decode()
    assert ManageLink.objects.filter(plan=plan).count() == 1  # no new link was made
    # The page shows the address typed: never kept by a browser or a proxy.
    assert f'value="{plan.patient.email}"' in response.content.decode()
    assert "no-store" in response["Cache-Control"]
    assert "no-store" in client.get(url("manage-new-link"))["Cache-Control"]


# --- consent from the manage link (a course booked by phone) ---------------------------------


JONAS = PatientDetails(
    full_name="Jonas Berg",
    email="jonas@example.com",
    phone="030 5550999",
    date_of_birth="1979-02-03",
    preferred_language="en",
)


def test_the_consent_page_refuses_the_text_another_course_showed_in_the_same_browser(clinic):
    # One browser opens the consent page of the microneedling course, then posts the PRP
    # course's consent naming the microneedling text: the PRP course is not consented with it.
    needling = place(Channel.PHONE, clinic.protocol, details=MARIA)
    prp = place(Channel.PHONE, clinic.prp_protocol, details=JONAS)
    needling_text = consent_text_current(clinic.protocol, "en")
    assert needling_text.pk != consent_text_current(clinic.prp_protocol, "en").pk
    browser = Client()
    needling_page = url("manage-consent", token=manage_link_create(plan=needling))
    prp_page = url("manage-consent", token=manage_link_create(plan=prp))
    assert browser.get(needling_page).status_code == 200

    response = browser.post(prp_page, {"consent": "on", "consent_text": needling_text.pk})

    prp.refresh_from_db()
    assert not prp.has_consent() and prp.consent_text_id is None
    assert "Please read the consent text again and confirm." in response.content.decode()
