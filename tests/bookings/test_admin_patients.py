"""Patients in the admin: search (name, email, phone, date of birth), their courses and visits on
their page, possible duplicates flagged and merged by a clinic manager only, and nothing medical
for reception."""

import threading
import time as clock
from datetime import date, timedelta

import pytest
from django.apps import apps
from django.urls import NoReverseMatch, reverse
from django.utils import timezone, translation

from bookings.engine.errors import NotFound
from bookings.engine.patients import patient_duplicates, patient_merge
from bookings.models import (
    Appointment,
    AppointmentStatus,
    OutgoingEmail,
    Patient,
    Plan,
    ScreeningAnswer,
    ScreeningOutcome,
)
from tests.bookings.reception_fixtures import *  # noqa: F403 (the personas' fixtures)  # noqa: F403 (the personas' fixtures)
from tests.bookings.reception_fixtures import (
    confirmed_plan,
    local,
    on_postgresql,
    put,
    run_and_record,
    sign_in,
    today,
)
from tests.factories import PatientFactory

pytestmark = pytest.mark.django_db

PATIENTS = reverse("admin:bookings_patient_changelist")
BIRTHDAY = date(1985, 4, 12)


def test_patients_are_found_by_name_email_phone_and_date_of_birth(reception):
    PatientFactory(
        full_name="Maria Schneider",
        email="maria@example.com",
        phone="+49 170 222",
        date_of_birth=BIRTHDAY,
    )
    PatientFactory(full_name="Other Person", date_of_birth=date(1970, 1, 1))

    for term in ("Schneider", "maria@example", "170 222", "1985-04-12", "12.04.1985"):
        page = reception.get(PATIENTS, {"q": term}).text
        assert "Maria Schneider" in page, term
        assert "Other Person" not in page, term


def test_the_patient_page_lists_their_courses_and_visits(reception, course, weber):
    patient = PatientFactory(full_name="Maria Schneider")
    plan = confirmed_plan(course, weber, patient)
    visit = put(plan, local(today() + timedelta(days=3), "10:00"), sequence=1)

    page = reception.get(reverse("admin:bookings_patient_change", args=[patient.pk])).text

    assert reverse("admin:bookings_plan_change", args=[plan.pk]) in page
    assert reverse("admin:bookings_appointment_change", args=[visit.pk]) in page
    assert "Session 1 of 3" in page
    assert "Book a course by phone" in page


def test_same_email_or_same_name_with_the_same_birthday_are_possible_duplicates(db):
    maria = PatientFactory(
        full_name="Maria Schneider", email="maria@example.com", date_of_birth=BIRTHDAY
    )
    same_email = PatientFactory(
        full_name="M. Schneider", email="MARIA@example.com ", date_of_birth=BIRTHDAY
    )
    same_name = PatientFactory(
        full_name="maria schneider", email="other@example.com", date_of_birth=BIRTHDAY
    )
    PatientFactory(
        full_name="Maria Schneider", email="maria@example.com", date_of_birth=date(1990, 1, 1)
    )

    assert {p.pk for p in patient_duplicates(maria)} == {same_email.pk, same_name.pk}


def test_the_list_flags_possible_duplicates_and_filters_them(reception):
    PatientFactory(full_name="Maria Schneider", email="maria@example.com", date_of_birth=BIRTHDAY)
    PatientFactory(full_name="Maria Schneider", email="m.s@example.com", date_of_birth=BIRTHDAY)
    PatientFactory(full_name="Unique Person", date_of_birth=date(1970, 1, 1))

    flagged = reception.get(PATIENTS, {"duplicate": "yes"})

    assert flagged.text.count("Maria Schneider") == 2
    assert "Unique Person" not in flagged.text


def test_a_clinic_manager_merges_a_duplicate_and_its_courses_move(client, manager, course, weber):
    keep = PatientFactory(
        full_name="Maria Schneider", email="maria@example.com", date_of_birth=BIRTHDAY, phone=""
    )
    duplicate = PatientFactory(
        full_name="maria schneider",
        email="maria@example.com",
        date_of_birth=BIRTHDAY,
        phone="+49 1",
    )
    plan = confirmed_plan(course, weber, duplicate)
    OutgoingEmail.objects.create(patient=duplicate, template="x", to=duplicate.email, subject="s")
    sign_in(client, manager)
    url = reverse("admin:bookings_patient_merge", args=[keep.pk, duplicate.pk])

    page = client.get(reverse("admin:bookings_patient_change", args=[keep.pk])).text
    assert url in page
    confirm = client.get(url)
    assert "Skin renewal" in confirm.text
    client.post(url)

    assert not Patient.objects.filter(pk=duplicate.pk).exists()
    plan.refresh_from_db()
    assert plan.patient == keep
    assert OutgoingEmail.objects.get().patient == keep
    keep.refresh_from_db()
    assert keep.phone == "+49 1"


def test_reception_cannot_merge(reception, course):
    keep = PatientFactory(full_name="Maria Schneider", date_of_birth=BIRTHDAY)
    duplicate = PatientFactory(full_name="Maria Schneider", date_of_birth=BIRTHDAY)
    url = reverse("admin:bookings_patient_merge", args=[keep.pk, duplicate.pk])

    page = reception.get(reverse("admin:bookings_patient_change", args=[keep.pk])).text
    response = reception.post(url)

    assert url not in page
    assert response.status_code == 403
    assert Patient.objects.filter(pk=duplicate.pk).exists()


def test_patients_who_are_not_duplicates_are_not_merged(client, manager):
    keep = PatientFactory(full_name="Maria Schneider", date_of_birth=BIRTHDAY)
    stranger = PatientFactory(full_name="Somebody Else", date_of_birth=date(1970, 1, 1))
    sign_in(client, manager)

    response = client.post(
        reverse("admin:bookings_patient_merge", args=[keep.pk, stranger.pk]), follow=True
    )

    assert "do not look like the same person" in response.text
    assert Patient.objects.filter(pk=stranger.pk).exists()


def test_merging_a_patient_into_itself_is_refused(db):
    patient = PatientFactory()

    with pytest.raises(ValueError):
        patient_merge(keep=patient, duplicate=patient)


# --- nothing medical for reception ---------------------------------------------------------------


def test_reception_has_no_permission_on_screening_answers_records_or_photos(reception_user):
    medical = ["bookings.view_screeninganswer", "bookings.change_screeninganswer"]
    if apps.is_installed("clinical"):
        medical += [
            "clinical.view_treatmentrecord",
            "clinical.view_photo",
            "clinical.view_all_patients",
        ]

    assert not any(reception_user.has_perm(permission) for permission in medical)
    assert not reception_user.has_perm("bookings.delete_patient")
    assert not reception_user.has_perm("bookings.delete_plan")
    assert not reception_user.has_perm("bookings.delete_appointment")
    assert reception_user.has_perms(
        ["bookings.add_plan", "bookings.change_appointment", "bookings.view_patient"]
    )


def test_reception_sees_no_screening_answer_anywhere_it_can_reach(reception, course, weber):
    patient = PatientFactory(full_name="Maria Schneider")
    plan = confirmed_plan(course, weber, patient)
    plan.review_note = "Anticoagulant dose checked with GP"
    plan.save()
    visit = put(plan, local(today() + timedelta(days=3), "10:00"))
    ScreeningAnswer.objects.create(
        plan=plan,
        question_text="Do you take blood thinners?",
        answer=True,
        outcome=ScreeningOutcome.REVIEW,
    )

    pages = [
        reverse("admin:bookings_patient_change", args=[patient.pk]),
        reverse("admin:bookings_plan_change", args=[plan.pk]),
        reverse("admin:bookings_appointment_change", args=[visit.pk]),
        reverse("admin:bookings_plan_changelist"),
        reverse("admin:index"),
    ]
    for url in pages:
        text = reception.get(url).text
        assert "Do you take blood thinners?" not in text, url
        assert "Anticoagulant dose" not in text, url
    try:
        answers_url = reverse("admin:bookings_screeninganswer_changelist")
    except NoReverseMatch:
        return  # not in the admin at all
    assert reception.get(answers_url).status_code in (302, 403, 404)


def test_reception_cannot_edit_a_plan_around_the_services(reception, course, weber):
    plan = confirmed_plan(course, weber)
    url = reverse("admin:bookings_plan_change", args=[plan.pk])

    response = reception.post(url, {"status": "cancelled"})

    plan.refresh_from_db()
    assert plan.status == "confirmed"
    assert response.status_code == 403
    assert Plan.objects.count() == 1


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
        target=lambda: run_and_record(booking_locks_plan_then_patient, outcome, "booking")
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
