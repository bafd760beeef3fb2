"""Findings of an adversarial review of the staff-side booking workflows (reception status
changes, reminders, duplicate merge): each test names a way the code was broken."""

import threading
import time as clock
from datetime import timedelta

import pytest
from django.db import DatabaseError, OperationalError, connection, transaction
from django.urls import reverse
from django.utils import timezone, translation

from bookings.engine import placing
from bookings.engine.errors import ClinicBusy, InvalidPlanState, NotFound
from bookings.engine.patients import patient_merge
from bookings.models import (
    Appointment,
    AppointmentStatus,
    OutgoingEmail,
    Patient,
    Plan,
    PlanStatus,
    ScreeningOutcome,
    ScreeningQuestion,
    SentReminder,
)
from bookings.notify import reminders as reminders_module
from bookings.reception import desk as desk_module
from bookings.reception.workflows import (
    appointment_cancel_by_clinic,
    appointment_check_in,
    appointment_complete,
    appointment_mark_no_show,
)
from tests.bookings.reception_fixtures import *  # noqa: F403 (the personas' fixtures)
from tests.bookings.reception_fixtures import confirmed_plan, local, put, sign_in, today
from tests.bookings.test_admin_phone_booking import BOOK, booking_data
from tests.factories import PatientFactory

pytestmark = pytest.mark.django_db

on_postgresql = pytest.mark.skipif(
    connection.vendor != "postgresql",
    reason="row locks exist only on PostgreSQL (CI runs these there)",
)


def visit_in(minutes: int, course, clinician, *, status=PlanStatus.CONFIRMED, **patient):
    plan = confirmed_plan(course, clinician, PatientFactory(**patient))
    if status != PlanStatus.CONFIRMED:
        Plan.objects.filter(pk=plan.pk).update(status=status)
    return put(plan, timezone.now() + timedelta(minutes=minutes))


# --- the caller's plan_id is not trusted ------------------------------------------------------


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


# --- database errors by SQLSTATE, never by words ---------------------------------------------


class _GermanLockTimeout(Exception):
    """What psycopg raises on a German server: the words translated, the code not."""

    sqlstate = "55P03"


def test_a_lock_timeout_in_another_language_is_clinic_busy_not_a_server_error(
    course, weber, monkeypatch
):
    visit = visit_in(5, course, weber)

    def lock_timeout(moment):
        error = OperationalError("FEHLER:  Sperrzeitüberschreitung")
        error.__cause__ = _GermanLockTimeout()
        raise error

    # The check-in rule reads the local date inside the locked transaction (bookings.desk).
    monkeypatch.setattr(desk_module, "local_date", lock_timeout)

    with pytest.raises(ClinicBusy):
        appointment_check_in(appointment=visit)
    visit.refresh_from_db()
    assert visit.status == AppointmentStatus.BOOKED


# --- one rule for completing a course -------------------------------------------------------


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


# --- locks that cannot deadlock with the engine (PostgreSQL) --------------------------------


@on_postgresql
@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_merging_a_patient_while_their_visit_is_being_moved_does_not_deadlock(course, weber):
    """A booking locks the plan, then the patient. A merge that locks the patients first and
    then rewrites their plans waits for the booking while the booking waits for it."""
    keep = PatientFactory(full_name="Maria Schneider")
    duplicate = PatientFactory(full_name="maria schneider", date_of_birth=keep.date_of_birth)
    visit = put(confirmed_plan(course, weber, duplicate), timezone.now() + timedelta(days=3))
    plan_locked, outcome = threading.Event(), {}

    def booking_locks_plan_then_patient():
        Plan.objects.select_for_update(no_key=True, of=("self",)).get(pk=visit.plan_id)
        plan_locked.set()
        clock.sleep(0.5)  # the merge starts meanwhile
        list(Patient.objects.select_for_update(no_key=True).filter(pk=duplicate.pk))

    thread = threading.Thread(
        target=lambda: _run_and_record(booking_locks_plan_then_patient, outcome, "booking")
    )
    thread.start()
    plan_locked.wait(10)
    try:
        patient_merge(keep=keep, duplicate=duplicate)
    except Exception as error:
        outcome["merge"] = error
    thread.join(20)

    assert outcome == {}, outcome
    assert Plan.objects.get(pk=visit.plan_id).patient_id == keep.pk
    assert not Patient.objects.filter(pk=duplicate.pk).exists()


def _run_and_record(work, outcome: dict, name: str) -> None:
    try:
        with transaction.atomic():
            work()
    except Exception as error:
        outcome[name] = error
    finally:
        connection.close()


def test_merging_a_duplicate_someone_merged_a_moment_ago_is_refused_not_a_server_error(
    course, weber
):
    keep = PatientFactory(full_name="Maria Schneider")
    duplicate = PatientFactory(full_name="maria schneider", date_of_birth=keep.date_of_birth)
    stale = Patient.objects.get(pk=duplicate.pk)
    patient_merge(keep=keep, duplicate=duplicate)  # the first click

    with pytest.raises(NotFound):
        patient_merge(keep=keep, duplicate=stale)  # the second, with the page's old objects

    assert Patient.objects.filter(pk=keep.pk).exists()


# --- reception cannot probe medical data through the admin's URL filters --------------------

MEDICAL_PROBES = [
    ("admin:bookings_plan_changelist", "review_note__icontains"),
    ("admin:bookings_plan_changelist", "screening_answers__question_text__icontains"),
    ("admin:bookings_appointment_changelist", "plan__review_note__icontains"),
    ("admin:bookings_appointment_changelist", "treatment_record__notes__icontains"),
    ("admin:bookings_patient_changelist", "plans__review_note__icontains"),
]


@pytest.mark.parametrize(("changelist", "lookup"), MEDICAL_PROBES)
def test_reception_cannot_filter_lists_by_medical_text(
    reception, course, weber, changelist, lookup
):
    plan = confirmed_plan(course, weber, PatientFactory(full_name="Maria Schneider"))
    Plan.objects.filter(pk=plan.pk).update(review_note="Anticoagulant dose checked with GP")
    put(plan, local(today() + timedelta(days=3), "10:00"))
    url = reverse(changelist)

    hit = reception.get(url, {lookup: "Anticoagulant"})
    miss = reception.get(url, {lookup: "no such words"})

    # Whatever the answer (refused, or the filter ignored), it must not differ by the note.
    listed = [r.status_code == 200 and "Maria Schneider" in r.text for r in (hit, miss)]
    assert listed[0] == listed[1], (hit.status_code, miss.status_code)


# --- malformed input to reception's admin pages: a message, never a server error -------------


@pytest.mark.parametrize("raw", ["²", "٣", "99999999999999999999999", "-1", "1e3"])
def test_the_phone_booking_page_survives_any_patient_id_in_the_url(reception, raw):
    response = reception.get(reverse("admin:bookings_appointment_book"), {"patient": raw})
    assert response.status_code == 200


@pytest.mark.parametrize(
    "visit",
    [
        "99999999999999999999999|1900000000",
        "1|99999999999999999999",
        "-5|1900000000",
        "1|-99999999999",
        "|",
        "1|2|3",
    ],
)
def test_moving_to_a_malformed_or_impossible_time_is_a_message(reception, course, weber, visit):
    appointment = visit_in(3 * 24 * 60, course, weber)
    before = (appointment.start, appointment.clinician_id)

    response = reception.post(
        reverse("admin:bookings_appointment_reschedule", args=[appointment.pk]),
        {"day": "", "visit": visit},
        follow=True,
    )

    assert response.status_code == 200
    appointment.refresh_from_db()
    assert (appointment.start, appointment.clinician_id) == before


# --- a mail server that never answers ----------------------------------------------------------


def test_the_smtp_connection_gives_up_on_a_mail_server_that_never_answers():
    from django.core.mail import get_connection

    smtp = get_connection("django.core.mail.backends.smtp.EmailBackend")
    assert smtp.timeout is not None
    assert 0 < smtp.timeout <= 300


@pytest.mark.parametrize("day", ["0001-01-01", "9999-12-31"])
def test_the_agenda_and_export_survive_the_first_and_last_day_a_date_can_be(reception, day):
    agenda = reception.get(reverse("admin:bookings_agendaday_changelist"), {"day": day})
    export = reception.get(reverse("admin:bookings_appointment_export"), {"start": day, "end": day})
    assert agenda.status_code == 200
    assert export.status_code == 200


@pytest.mark.parametrize("earliest", ["0001-01-01", "9999-12-31"])
def test_the_phone_booking_page_survives_an_earliest_date_at_the_ends_of_the_calendar(
    reception, course, weber, earliest
):
    patient = PatientFactory()
    response = reception.post(
        reverse("admin:bookings_appointment_book"),
        {
            "step": "show",
            "patient": patient.pk,
            "protocol": course.pk,
            "clinician": "",
            "earliest": earliest,
        },
    )
    assert response.status_code == 200
    assert not Plan.objects.filter(patient=patient).exists()


@pytest.mark.parametrize("day", ["0001-01-01", "9999-12-31"])
def test_the_phone_booking_page_survives_adjusted_days_at_the_ends_of_the_calendar(
    reception, course, weber, day
):
    patient = PatientFactory()
    today_ = today().isoformat()
    response = reception.post(
        reverse("admin:bookings_appointment_book"),
        {
            "patient": patient.pk,
            "protocol": course.pk,
            "clinician": "",
            "earliest": today_,
            "day-1": day,
            "day-2": day,
            "day-3": day,
        },
    )
    assert response.status_code == 200
    assert not Plan.objects.filter(patient=patient).exists()


@pytest.mark.parametrize("day", ["0001-01-01", "9999-12-31"])
def test_the_move_page_survives_a_day_at_the_ends_of_the_calendar(reception, course, weber, day):
    appointment = visit_in(3 * 24 * 60, course, weber)
    url = reverse("admin:bookings_appointment_reschedule", args=[appointment.pk])
    assert reception.get(url, {"day": day}).status_code == 200


# --- a phone booking that cannot be finished is taken back, never a 500 ----------------------


def test_a_phone_booking_that_fails_midway_leaves_no_plan_and_no_new_caller(
    reception, course, weber, phone_questions, monkeypatch
):
    """One transaction places the course with its answers: a failure leaves nothing behind."""
    details = {
        "full_name": "Jonas Becker",
        "email": "jonas@example.com",
        "date_of_birth": "1990-05-04",
        "preferred_language": "de",
        "protocol": course.pk,
        "clinician": weber.pk,
        "earliest": (today() + timedelta(days=2)).isoformat(),
    }
    page = reception.post(BOOK, {**details, "step": "show"})
    data = booking_data(page)

    def fail(**kwargs):
        raise DatabaseError()

    monkeypatch.setattr(placing, "screening_answers_save", fail)

    response = reception.post(BOOK, data)

    assert response.status_code == 200
    assert "Nothing was booked" in response.text
    assert not Patient.objects.filter(email="jonas@example.com").exists()
    assert not Plan.objects.exists()
    assert not Appointment.objects.exists()
    assert not OutgoingEmail.objects.exists()

    monkeypatch.undo()
    reception.post(BOOK, data)  # trying again books once, for one new patient
    patient = Patient.objects.get(email="jonas@example.com")
    assert Plan.objects.get(patient=patient).status == PlanStatus.CONFIRMED
    assert patient.plans.get().screening_answers.count() == 2


@pytest.fixture
def phone_caller(db):
    return PatientFactory(full_name="Maria Schneider", email="maria@example.com")


@pytest.fixture
def phone_questions(db):
    ScreeningQuestion.objects.all().delete()  # only this test's questions
    return {
        "pregnant": ScreeningQuestion.objects.create(
            text="Are you pregnant?", yes_outcome=ScreeningOutcome.BLOCK, position=1
        ),
        "blood": ScreeningQuestion.objects.create(
            text="Do you take blood thinners?", yes_outcome=ScreeningOutcome.REVIEW, position=2
        ),
    }


# --- a merge never books one patient twice at the same time ----------------------------------


def test_merging_two_patients_whose_visits_overlap_is_refused_and_changes_nothing(
    client, manager, course, weber, yilmaz
):
    keep = PatientFactory(full_name="Maria Schneider", email="maria@example.com")
    duplicate = PatientFactory(
        full_name="maria schneider", email="maria@example.com", date_of_birth=keep.date_of_birth
    )
    start = local(today() + timedelta(days=3), "10:00")
    kept_visit = put(confirmed_plan(course, weber, keep), start)
    their_visit = put(confirmed_plan(course, yilmaz, duplicate), start + timedelta(minutes=30))
    sign_in(client, manager)

    response = client.post(
        reverse("admin:bookings_patient_merge", args=[keep.pk, duplicate.pk]), follow=True
    )

    assert "cannot be merged" in response.text
    assert "Nothing was changed." in response.text
    assert Patient.objects.filter(pk=duplicate.pk).exists()
    assert Plan.objects.get(pk=their_visit.plan_id).patient_id == duplicate.pk
    assert Plan.objects.get(pk=kept_visit.plan_id).patient_id == keep.pk


def test_merging_two_patients_whose_visits_only_touch_or_were_cancelled_goes_ahead(
    course, weber, yilmaz
):
    keep = PatientFactory(full_name="Maria Schneider", email="maria@example.com")
    duplicate = PatientFactory(
        full_name="maria schneider", email="maria@example.com", date_of_birth=keep.date_of_birth
    )
    start = local(today() + timedelta(days=3), "10:00")
    put(confirmed_plan(course, weber, keep), start)
    put(confirmed_plan(course, yilmaz, duplicate), start + timedelta(minutes=60))  # right after
    cancelled = put(confirmed_plan(course, yilmaz, duplicate), start - timedelta(minutes=30))
    Appointment.objects.filter(pk=cancelled.pk).update(status=AppointmentStatus.CANCELLED)

    patient_merge(keep=keep, duplicate=duplicate)

    assert not Patient.objects.filter(pk=duplicate.pk).exists()
    assert Plan.objects.filter(patient=keep).count() == 3


# --- a no-show needs a confirmed course, as a check-in does ----------------------------------


@pytest.mark.parametrize("status", [PlanStatus.HELD, PlanStatus.AWAITING_REVIEW])
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


# --- a reminder run: each reminder on its own, never waiting for ever -------------------------


def test_one_reminder_that_fails_does_not_stop_the_others_and_is_logged_by_id_only(
    course, weber, monkeypatch, caplog
):
    broken = visit_in(3 * 60, course, weber, full_name="Zelda Quuxington")
    fine = visit_in(5 * 60, course, weber)
    # Booked two days ago: a visit booked inside its reminder window gets no reminder.
    Appointment.objects.update(updated_at=timezone.now() - timedelta(days=2))
    context = reminders_module._reminder_context

    def fails_for_one(appointment):
        if appointment.pk == broken.pk:
            raise ValueError("Zelda Quuxington: template broke")
        return context(appointment)

    monkeypatch.setattr(reminders_module, "_reminder_context", fails_for_one)

    with caplog.at_level("ERROR", logger="bookings.notify.reminders"):
        claimed = reminders_module.reminders_send_due()

    assert claimed == 1
    assert list(SentReminder.objects.values_list("appointment_id", flat=True)) == [fine.pk]
    assert OutgoingEmail.objects.filter(plan_id=broken.plan_id).count() == 0  # rolled back
    assert str(broken.pk) in caplog.text
    assert "Zelda" not in caplog.text

    monkeypatch.setattr(reminders_module, "_reminder_context", context)
    assert reminders_module.reminders_send_due() == 1  # the next run sends it


@pytest.mark.postgres
@on_postgresql
@pytest.mark.django_db(transaction=True)
def test_a_reminder_run_waits_for_a_busy_plan_no_longer_than_the_lock_timeout(
    course, weber, settings
):
    settings.BOOKING_LOCK_TIMEOUT_SECONDS = 1
    busy = visit_in(3 * 60, course, weber)
    free = visit_in(5 * 60, course, weber)
    locked, outcome = threading.Event(), {}

    def a_long_booking_holds_the_plan():
        Plan.objects.select_for_update(no_key=True, of=("self",)).get(pk=busy.plan_id)
        locked.set()
        clock.sleep(4)

    thread = threading.Thread(
        target=lambda: _run_and_record(a_long_booking_holds_the_plan, outcome, "booking")
    )
    thread.start()
    locked.wait(10)
    started = clock.monotonic()
    try:
        claimed = reminders_module.reminders_send_due()
    finally:
        elapsed = clock.monotonic() - started
        thread.join(20)

    assert outcome == {}, outcome
    assert elapsed < 3
    assert claimed == 1
    assert list(SentReminder.objects.values_list("appointment_id", flat=True)) == [free.pk]


# --- translated status labels are used as they are, never lower-cased ------------------------


@pytest.mark.parametrize(
    "change", [appointment_check_in, appointment_complete, appointment_mark_no_show]
)
def test_a_refusal_names_a_cancelled_visit_in_turkish_without_a_stray_dot(course, weber, change):
    visit = visit_in(-10, course, weber)
    Appointment.objects.filter(pk=visit.pk).update(status=AppointmentStatus.CANCELLED)

    with translation.override("tr"), pytest.raises(InvalidPlanState) as refusal:
        change(appointment=visit)

    assert "“İptal edildi”" in refusal.value.message
    assert "\u0307" not in refusal.value.message  # "i̇ptal": lower() of a dotted capital İ


def test_a_refusal_names_a_course_awaiting_review_in_english_as_the_label_reads(course, weber):
    visit = visit_in(-10, course, weber, status=PlanStatus.AWAITING_REVIEW)

    with translation.override("en"), pytest.raises(InvalidPlanState) as refusal:
        appointment_check_in(appointment=visit)

    assert "(its status is “Awaiting clinician review”)" in refusal.value.message


# --- "Cancel" meaning "go back" is its own string ---------------------------------------------


def test_the_merge_pages_go_back_link_is_not_the_word_for_cancelling_a_visit(
    client, manager, course
):
    keep = PatientFactory(full_name="Maria Schneider", email="maria@example.com")
    duplicate = PatientFactory(
        full_name="maria schneider", email="maria@example.com", date_of_birth=keep.date_of_birth
    )
    sign_in(client, manager)
    url = reverse("admin:bookings_patient_merge", args=[keep.pk, duplicate.pk])
    back = reverse("admin:bookings_patient_change", args=[keep.pk])

    page = client.get(url, HTTP_ACCEPT_LANGUAGE="de").text

    with translation.override("de"):
        cancel_a_visit = translation.gettext("Cancel")
        go_back = translation.pgettext("go back", "Cancel")
    assert cancel_a_visit == "Stornieren"  # German's word for cancelling a booking
    assert f'<a href="{back}">{go_back}</a>' in page
    assert cancel_a_visit not in page
