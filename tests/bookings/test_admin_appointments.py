"""Reception's appointment list and page: filters, search, a fixed number of queries, and the
actions (check in, complete, no-show, cancel, move), each through a service and each refusing
with a message when the state does not allow it."""

from datetime import timedelta

import pytest
from django.conf import settings
from django.contrib.admin.models import LogEntry
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone, translation

from bookings.engine.errors import ConsentMissing, InvalidPlanState
from bookings.models import (
    Appointment,
    AppointmentStatus,
    OutgoingEmail,
    OutgoingEmailStatus,
    Plan,
    PlanStatus,
)
from bookings.notify.reminders import reminders_send_due
from bookings.reception.workflows import (
    appointment_cancel_by_clinic,
    appointment_check_in,
    appointment_complete,
    appointment_mark_no_show,
)
from tests.bookings.reception_fixtures import *  # noqa: F403 (the personas' fixtures)  # noqa: F403 (the personas' fixtures)
from tests.bookings.reception_fixtures import (
    confirmed_plan,
    local,
    put,
    today,
    visit_in,
)
from tests.factories import ConsentTextFactory, PatientFactory

pytestmark = pytest.mark.django_db

CHANGELIST = reverse("admin:bookings_appointment_changelist")


def act(client, action: str, *appointments):
    return client.post(
        CHANGELIST,
        {"action": action, "_selected_action": [a.pk for a in appointments]},
        follow=True,
    )


def visit_now(course, clinician, **patient):
    """A visit of a confirmed course starting right now (so it is today, whatever the hour)."""
    plan = confirmed_plan(course, clinician, PatientFactory(**patient))
    return put(plan, timezone.now().replace(microsecond=0))


def test_the_list_shows_start_in_the_clinics_zone_patient_protocol_and_session(
    reception, course, weber
):
    plan = confirmed_plan(course, weber, PatientFactory(full_name="Maria Schneider"))
    put(plan, local(today() + timedelta(days=3), "10:15"), sequence=2)

    page = reception.get(CHANGELIST).text

    assert "Maria Schneider" in page
    assert "Skin renewal" in page
    assert "Session 2 of 3" in page
    assert "10:15" in page
    assert "Dr. Anna Weber" in page


def test_the_list_filters_today_and_searches_by_phone(reception, course, weber):
    today_visit = visit_now(course, weber, full_name="Today Patient", phone="+49 170 555")
    later = confirmed_plan(course, weber, PatientFactory(full_name="Later Patient"))
    put(later, local(today() + timedelta(days=9), "11:00"))

    todays = reception.get(CHANGELIST, {"day": "today"}).text
    found = reception.get(CHANGELIST, {"q": "170 555"}).text

    assert "Today Patient" in todays and "Later Patient" not in todays
    assert "Today Patient" in found and "Later Patient" not in found
    assert today_visit.plan.patient.full_name in found


def test_the_list_runs_the_same_number_of_queries_for_10_and_100_appointments(
    reception, course, weber, yilmaz
):
    def make(count: int, offset: int) -> None:
        for index in range(count):
            clinician = (weber, yilmaz)[index % 2]
            plan = confirmed_plan(course, clinician)
            put(plan, local(today() + timedelta(days=offset + index), "10:00"))

    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            response = reception.get(CHANGELIST)
        assert response.status_code == 200
        return len(captured)

    make(10, 1)
    reception.get(CHANGELIST)  # the session's first request reads the account into the cache
    small = queries()
    make(90, 200)
    large = queries()

    assert Appointment.objects.count() == 100
    assert small == large
    assert large <= 15  # budget: session, user, groups/permissions, counts, one page of rows


def test_check_in_marks_todays_visit_checked_in(reception, reception_user, course, weber):
    appointment = visit_now(course, weber)

    response = act(reception, "check_in", appointment)

    appointment.refresh_from_db()
    assert appointment.status == AppointmentStatus.CHECKED_IN
    assert "Checked in 1 visit." in response.text
    entry = LogEntry.objects.get(object_id=str(appointment.pk))
    assert entry.user == reception_user
    assert entry.get_change_message() == "Checked in."


def test_check_in_of_a_later_day_is_refused_with_a_message(reception, course, weber):
    plan = confirmed_plan(course, weber)
    appointment = put(plan, local(today() + timedelta(days=2), "10:00"))

    response = act(reception, "check_in", appointment)

    appointment.refresh_from_db()
    assert appointment.status == AppointmentStatus.BOOKED
    assert "Only today&#x27;s visits can be checked in." in response.text


def test_complete_needs_a_checked_in_visit_and_then_completes_it(reception, course, weber):
    appointment = visit_now(course, weber)

    refused = act(reception, "complete", appointment)
    appointment.refresh_from_db()
    assert appointment.status == AppointmentStatus.BOOKED
    assert "Only a checked-in visit can be completed" in refused.text

    act(reception, "check_in", appointment)
    act(reception, "complete", appointment)
    appointment.refresh_from_db()
    assert appointment.status == AppointmentStatus.COMPLETED


def test_completing_the_last_visit_completes_the_course(reception, course, weber):
    appointment = visit_now(course, weber)
    plan = appointment.plan

    act(reception, "check_in", appointment)
    act(reception, "complete", appointment)

    plan.refresh_from_db()
    assert plan.status == PlanStatus.COMPLETED


def test_no_show_marks_todays_visit_and_refuses_a_future_day(reception, course, weber):
    now_visit = visit_now(course, weber)
    # Started the grace period ago (a no-show is refused before that).
    grace = timedelta(minutes=settings.RECEPTION_NO_SHOW_GRACE_MINUTES + 1)
    Appointment.objects.filter(pk=now_visit.pk).update(
        start=now_visit.start - grace, end=now_visit.end - grace
    )
    plan = confirmed_plan(course, weber)
    future = put(plan, local(today() + timedelta(days=4), "10:00"))

    act(reception, "mark_no_show", now_visit)
    response = act(reception, "mark_no_show", future)

    now_visit.refresh_from_db()
    future.refresh_from_db()
    assert now_visit.status == AppointmentStatus.NO_SHOW
    assert future.status == AppointmentStatus.BOOKED
    assert "cannot be marked as a no-show yet" in response.text


def test_cancel_cancels_the_visit_and_emails_the_patient(reception, course, weber):
    plan = confirmed_plan(course, weber, PatientFactory(email="ada@example.com"))
    first = put(plan, local(today() + timedelta(days=3), "10:00"), sequence=1)
    put(plan, local(today() + timedelta(days=25), "10:00"), sequence=2)

    response = act(reception, "cancel", first)

    first.refresh_from_db()
    assert first.status == AppointmentStatus.CANCELLED
    email = OutgoingEmail.objects.get()
    assert email.template == "booking_cancelled"  # the same email as a cancel online
    assert email.to == "ada@example.com"
    assert "Session 1 of 3" in email.body_text and "10:00" in email.body_text
    assert "/manage/" in email.body_text
    assert {a["filename"] for a in email.attachments} == {
        "treatment-course.ics",
        "cancelled-visits.ics",
    }
    assert email.status == OutgoingEmailStatus.PENDING
    assert "Cancelled 1 visit; the patient is emailed." in response.text


def test_cancel_of_a_visit_already_cancelled_is_refused_and_sends_nothing(reception, course, weber):
    plan = confirmed_plan(course, weber)
    appointment = put(plan, local(today() + timedelta(days=3), "10:00"))
    Appointment.objects.filter(pk=appointment.pk).update(status=AppointmentStatus.CANCELLED)

    response = act(reception, "cancel", appointment)

    assert "can no longer be changed" in response.text
    assert not OutgoingEmail.objects.exists()


def test_the_appointment_page_is_read_only_with_buttons_that_call_the_services(
    reception, course, weber
):
    appointment = visit_now(course, weber)
    url = reverse("admin:bookings_appointment_change", args=[appointment.pk])

    page = reception.get(url).text
    posted = reception.post(url, {"status": "completed", "start_0": "2030-01-01"})
    appointment.refresh_from_db()
    assert appointment.status == AppointmentStatus.BOOKED  # no plain form save
    assert posted.status_code in (302, 403)

    assert 'name="action" value="check_in"' in page
    # The visit has started: the engine would refuse a move, so it is not offered.
    assert reverse("admin:bookings_appointment_reschedule", args=[appointment.pk]) not in page
    status_url = reverse("admin:bookings_appointment_status", args=[appointment.pk])
    followed = reception.post(status_url, {"action": "check_in"}, follow=True)
    appointment.refresh_from_db()
    assert appointment.status == AppointmentStatus.CHECKED_IN
    assert "Checked in." in followed.text


def test_the_appointment_page_shows_what_reminder_was_sent_and_when(reception, course, weber):
    plan = confirmed_plan(course, weber)
    appointment = put(plan, timezone.now() + timedelta(hours=5))
    # Booked two days ago: a visit booked inside the reminder window gets no reminder.
    Appointment.objects.filter(pk=appointment.pk).update(
        updated_at=timezone.now() - timedelta(days=2)
    )
    url = reverse("admin:bookings_appointment_change", args=[appointment.pk])

    before = reception.get(url).text
    reminders_send_due()
    pending = reception.get(url).text
    OutgoingEmail.objects.update(status=OutgoingEmailStatus.SENT, sent_at=timezone.now())
    sent = reception.get(url).text

    assert "None yet" in before
    assert "pending: waiting for the mail server" in pending
    assert "sent " in sent and "pending" not in sent


def test_anonymous_visitors_are_sent_to_the_login(client):
    response = client.get(CHANGELIST)

    assert response.status_code == 302
    assert reverse("admin:login") in response["Location"]


# --- moving a visit ---------------------------------------------------------------------------


def test_the_move_page_offers_only_free_times_and_moves_the_visit(reception, course, weber):
    day = today() + timedelta(days=5)
    appointment = put(confirmed_plan(course, weber), local(day, "10:00"))
    other = put(confirmed_plan(course, weber), local(day, "13:00"))
    url = reverse("admin:bookings_appointment_reschedule", args=[appointment.pk])

    page = reception.get(url, {"day": day.isoformat()})
    options = [label for _value, label in page.context["options"]]
    assert "13:00 · Dr. Anna Weber" not in options  # taken by the other visit
    assert "09:00 · Dr. Anna Weber" in options
    chosen = next(value for value, label in page.context["options"] if label.startswith("15:00"))

    response = reception.post(
        url, {"day": day.isoformat(), "visit": chosen, "confirm": "1"}, follow=True
    )

    appointment.refresh_from_db()
    assert appointment.start == local(day, "15:00")
    assert "Moved to" in response.text
    assert "Moved to" in LogEntry.objects.get(object_id=str(appointment.pk)).get_change_message()
    email = OutgoingEmail.objects.get(plan=appointment.plan)
    assert email.template == "booking_changed"
    assert "15:00" in email.body_text
    other.refresh_from_db()
    assert other.start == local(day, "13:00")


def test_moving_onto_a_time_just_taken_is_refused_with_the_public_message(reception, course, weber):
    day = today() + timedelta(days=5)
    appointment = put(confirmed_plan(course, weber), local(day, "10:00"))
    url = reverse("admin:bookings_appointment_reschedule", args=[appointment.pk])
    page = reception.get(url, {"day": day.isoformat()})
    chosen = next(value for value, label in page.context["options"] if label.startswith("14:00"))
    put(confirmed_plan(course, weber), local(day, "14:00"))  # someone else, meanwhile

    response = reception.post(url, {"day": day.isoformat(), "visit": chosen, "confirm": "1"})

    appointment.refresh_from_db()
    assert appointment.start == local(day, "10:00")
    assert response.status_code == 200
    assert "That time was just taken. Please choose another time." in response.text


# --- the caller's plan_id is not trusted ------------------------------------------------------


@pytest.mark.usefixtures("midday")
def test_check_in_decides_on_the_visits_stored_plan_not_the_callers_plan_id(course, weber):
    awaiting = visit_in(5, course, weber, status=PlanStatus.AWAITING_REVIEW)
    other_confirmed = visit_in(120, course, weber)
    stale = Appointment.objects.get(pk=awaiting.pk)
    stale.plan_id = other_confirmed.plan_id  # a stale or tampered object

    with pytest.raises(InvalidPlanState):
        appointment_check_in(appointment=stale)

    awaiting.refresh_from_db()
    assert awaiting.status == AppointmentStatus.BOOKED


def test_cancel_by_clinic_emails_the_visits_own_patient_not_the_callers_plan(course, weber):
    visit = visit_in(3 * 24 * 60, course, weber, email="maria@example.org")
    someone_else = visit_in(5 * 24 * 60, course, weber, email="someone.else@example.org")
    stale = Appointment.objects.get(pk=visit.pk)
    stale.plan_id = someone_else.plan_id

    appointment_cancel_by_clinic(appointment=stale)

    recipients = list(OutgoingEmail.objects.values_list("to", flat=True))
    assert recipients == ["maria@example.org"]
    someone_else.refresh_from_db()
    assert someone_else.status == AppointmentStatus.BOOKED


# --- one rule for completing a course -------------------------------------------------------


@pytest.mark.usefixtures("midday")
def test_completing_the_last_visit_at_reception_completes_the_course(course, weber):
    visit = visit_in(5, course, weber)
    appointment_check_in(appointment=visit)
    appointment_complete(appointment=visit)
    plan = Plan.objects.get(pk=visit.plan_id)
    assert plan.status == PlanStatus.COMPLETED
    assert plan.hold_expires_at is None


# --- Appointment's name is the clinic's wall clock ------------------------------------------


def test_an_appointment_is_named_by_the_clinics_local_time_not_utc(course, weber):
    plan = confirmed_plan(course, weber)
    # 10:00 in Berlin in summer is 08:00 UTC; in winter it is 09:00 UTC.
    summer = put(plan, local(today().replace(month=7, day=1), "10:00"))
    winter = put(plan, local(today().replace(month=1, day=5), "10:00"), sequence=2)
    for visit in (summer, winter):
        stored = Appointment.objects.get(pk=visit.pk)  # read back: the database gives UTC
        assert "10:00" in str(stored), str(stored)


# --- a no-show needs a confirmed course, as a check-in does ----------------------------------


@pytest.mark.parametrize("status", [PlanStatus.HELD, PlanStatus.AWAITING_REVIEW])
@pytest.mark.usefixtures("midday")
def test_a_visit_of_a_course_that_is_not_confirmed_cannot_be_marked_as_a_no_show(
    course, weber, status
):
    visit = visit_in(-30, course, weber)  # started half an hour ago; the patient is not here
    held_until = timezone.now() + timedelta(minutes=10) if status == PlanStatus.HELD else None
    Plan.objects.filter(pk=visit.plan_id).update(status=status, hold_expires_at=held_until)

    with pytest.raises(InvalidPlanState, match="not confirmed"):
        appointment_mark_no_show(appointment=visit)

    visit.refresh_from_db()
    assert visit.status == AppointmentStatus.BOOKED
    assert Plan.objects.get(pk=visit.plan_id).status == status


# --- translated status labels are used as they are, never lower-cased ------------------------


@pytest.mark.parametrize(
    "change", [appointment_check_in, appointment_complete, appointment_mark_no_show]
)
@pytest.mark.usefixtures("midday")
def test_a_refusal_names_a_cancelled_visit_in_turkish_without_a_stray_dot(course, weber, change):
    visit = visit_in(-10, course, weber)
    Appointment.objects.filter(pk=visit.pk).update(status=AppointmentStatus.CANCELLED)

    with translation.override("tr"), pytest.raises(InvalidPlanState) as refusal:
        change(appointment=visit)

    assert "“İptal edildi”" in refusal.value.message
    assert "\u0307" not in refusal.value.message  # "i̇ptal": lower() of a dotted capital İ


@pytest.mark.usefixtures("midday")
def test_a_refusal_names_a_course_awaiting_review_in_english_as_the_label_reads(course, weber):
    visit = visit_in(-10, course, weber, status=PlanStatus.AWAITING_REVIEW)

    with translation.override("en"), pytest.raises(InvalidPlanState) as refusal:
        appointment_check_in(appointment=visit)

    assert "(its status is “Awaiting clinician review”)" in refusal.value.message


# --- no visit takes place without the patient's consent --------------------------------------


def test_a_visit_of_a_course_without_consent_can_be_neither_checked_in_nor_completed(course, weber):
    # A phone booking is confirmed with its consent pending: the visit is a treatment.
    visit = visit_now(course, weber)
    Plan.objects.filter(pk=visit.plan_id).update(consent_text=None, consented_at=None)

    with pytest.raises(ConsentMissing):
        appointment_check_in(appointment=visit)
    Appointment.objects.filter(pk=visit.pk).update(status=AppointmentStatus.CHECKED_IN)
    with pytest.raises(ConsentMissing):
        appointment_complete(appointment=visit)

    visit.refresh_from_db()
    assert visit.status == AppointmentStatus.CHECKED_IN  # as set above, never completed


def test_reception_records_consent_given_in_person_then_checks_the_patient_in(
    reception, reception_user, course, weber
):
    text = ConsentTextFactory()
    visit = visit_now(course, weber)
    Plan.objects.filter(pk=visit.plan_id).update(consent_text=None, consented_at=None)
    page_url = reverse("admin:bookings_appointment_change", args=[visit.pk])
    status_url = reverse("admin:bookings_appointment_status", args=[visit.pk])

    page = reception.get(page_url).text
    assert "Consent pending." in page and "The patient consented in person" in page
    assert "The visit can be checked in once the consent is recorded." in page
    refused = reception.post(status_url, {"action": "check_in"}, follow=True).text
    assert "The patient has not consented to this course yet." in refused
    visit.refresh_from_db()
    assert visit.status == AppointmentStatus.BOOKED

    reception.post(status_url, {"action": "consent_in_person"})
    reception.post(status_url, {"action": "check_in"})

    plan = Plan.objects.get(pk=visit.plan_id)
    assert plan.consent_text == text and plan.consent_recorded_by == reception_user
    visit.refresh_from_db()
    assert visit.status == AppointmentStatus.CHECKED_IN
