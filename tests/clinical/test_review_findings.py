"""Findings of an adversarial review of the clinical services: each test names a way the code
was broken."""

import io
from datetime import timedelta
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone, translation
from PIL import Image

from bookings.engine.errors import InvalidPlanState
from bookings.models import Appointment, AppointmentStatus, Plan, PlanStatus
from clinical import services
from clinical.models import Photo, TreatmentRecord
from tests.clinical.conftest import sign_in
from tests.factories import TreatmentRecordFactory

pytestmark = pytest.mark.django_db


def details() -> services.TreatmentDetails:
    return services.TreatmentDetails(
        product_name="ExoSkin",
        lot_number="X1",
        expiry_date=timezone.localdate() + timedelta(days=300),
        areas=["cheeks"],
        needle_depth_mm=Decimal("0.5"),
        passes=1,
    )


def test_a_record_is_refused_by_the_sessions_stored_plan_not_the_callers_plan_id(
    make_plan, clinician, patient
):
    started = timezone.now() - timedelta(hours=1)
    awaiting = make_plan(
        clinician=clinician, patient=patient, status=PlanStatus.AWAITING_REVIEW, first_start=started
    )
    confirmed = make_plan(
        clinician=clinician,
        status=PlanStatus.CONFIRMED,
        first_start=started - timedelta(days=2),
    )
    stale = Appointment.objects.get(plan=awaiting, sequence=1)
    stale.plan_id = confirmed.pk  # a stale or tampered object

    with pytest.raises(services.RecordRefused):
        services.treatment_record_complete(
            appointment=stale, clinician=clinician, details=details()
        )

    assert TreatmentRecord.objects.count() == 0
    assert Appointment.objects.get(pk=stale.pk).status == AppointmentStatus.BOOKED


def test_recording_the_only_session_completes_the_course_through_the_one_rule(
    make_plan, clinician, patient
):
    plan = make_plan(
        sessions=1,
        clinician=clinician,
        patient=patient,
        status=PlanStatus.CONFIRMED,
        first_start=timezone.now() - timedelta(hours=1),
    )
    session = plan.appointments.get(sequence=1)

    services.treatment_record_complete(appointment=session, clinician=clinician, details=details())

    plan.refresh_from_db()
    assert plan.status == PlanStatus.COMPLETED
    assert plan.hold_expires_at is None


# --- a clinician reaching another clinician's patient through the booking admin -------------


def _with_note(make_plan, clinician, patient):
    plan = make_plan(clinician=clinician, patient=patient, status=PlanStatus.CONFIRMED)
    Plan.objects.filter(pk=plan.pk).update(review_note="Isotretinoin stopped in May")
    return plan


def test_a_clinician_does_not_read_another_clinicians_review_note_in_the_admin(
    client, clinician, other_clinician, make_plan, patient
):
    plan = _with_note(make_plan, other_clinician, patient)
    sign_in(client, clinician.user)

    response = client.get(reverse("admin:bookings_plan_change", args=[plan.pk]))

    assert "Isotretinoin" not in response.text


def test_a_clinician_still_reads_the_review_note_of_their_own_patient(
    client, clinician, make_plan, patient
):
    plan = _with_note(make_plan, clinician, patient)
    sign_in(client, clinician.user)

    response = client.get(reverse("admin:bookings_plan_change", args=[plan.pk]))

    assert response.status_code == 200
    assert "Isotretinoin" in response.text


def test_a_clinician_cannot_probe_review_notes_with_a_list_filter(
    client, clinician, other_clinician, make_plan, patient
):
    _with_note(make_plan, other_clinician, patient)
    sign_in(client, clinician.user)
    url = reverse("admin:bookings_plan_changelist")

    hit = client.get(url, {"review_note__icontains": "Isotretinoin"})
    miss = client.get(url, {"review_note__icontains": "no such words"})

    listed = [r.status_code == 200 and patient.full_name in r.text for r in (hit, miss)]
    assert listed[0] == listed[1]


# --- photos belong to sessions that have started ---------------------------------------------


def _jpeg() -> io.BytesIO:
    buffer = io.BytesIO()
    Image.new("RGB", (64, 48), "white").save(buffer, "JPEG")
    buffer.seek(0)
    return buffer


def test_a_photo_for_a_session_that_has_not_started_is_refused_and_nothing_is_stored(
    make_plan, clinician, patient
):
    plan = make_plan(
        clinician=clinician,
        patient=patient,
        status=PlanStatus.CONFIRMED,
        first_start=timezone.now() + timedelta(days=2),
    )
    future = plan.appointments.get(sequence=1)

    with pytest.raises(InvalidPlanState, match="once the session has started"):
        services.photo_add(
            appointment=future, clinician=clinician, kind="before", area="cheeks", upload=_jpeg()
        )

    assert Photo.objects.count() == 0


def test_the_session_page_says_photos_come_once_the_session_has_started(
    client, make_plan, clinician, patient
):
    plan = make_plan(
        clinician=clinician,
        patient=patient,
        status=PlanStatus.CONFIRMED,
        first_start=timezone.now() + timedelta(days=2),
    )
    future = plan.appointments.get(sequence=1)
    sign_in(client, clinician.user)

    page = client.get(reverse("clinical:session-detail", args=[future.pk])).text
    posted = client.post(
        reverse("clinical:photo-add", args=[future.pk]),
        {
            "kind": "before",
            "area": "cheeks",
            "image": SimpleUploadedFile("cheek.jpg", _jpeg().read(), content_type="image/jpeg"),
        },
    )

    assert "Photos can be added once the session has started." in page
    assert reverse("clinical:photo-add", args=[future.pk]) not in page  # no form to fill in
    assert posted.status_code == 400
    assert "Photos can be added once the session has started." in posted.text
    assert Photo.objects.count() == 0


# --- translated status labels are used as they are, never lower-cased ------------------------


def test_reviewing_a_cancelled_plan_names_it_in_turkish_without_a_stray_dot(
    make_plan, clinician, patient
):
    plan = make_plan(clinician=clinician, patient=patient, status=PlanStatus.CANCELLED)

    with translation.override("tr"), pytest.raises(services.ReviewRefused) as refusal:
        services.plan_approve(plan=plan, reviewer=clinician)

    assert "“İptal edildi”" in refusal.value.message
    assert "\u0307" not in refusal.value.message  # "i̇ptal": lower() of a dotted capital İ
    assert Plan.objects.get(pk=plan.pk).status == PlanStatus.CANCELLED


def test_recording_a_cancelled_session_names_it_in_turkish_without_a_stray_dot(
    make_plan, clinician, patient
):
    plan = make_plan(
        clinician=clinician,
        patient=patient,
        status=PlanStatus.CONFIRMED,
        first_start=timezone.now() - timedelta(hours=1),
    )
    session = plan.appointments.get(sequence=1)
    Appointment.objects.filter(pk=session.pk).update(status=AppointmentStatus.CANCELLED)

    with translation.override("tr"), pytest.raises(services.RecordRefused) as refusal:
        services.treatment_record_complete(
            appointment=session, clinician=clinician, details=details()
        )

    assert "“İptal edildi”" in refusal.value.message
    assert "\u0307" not in refusal.value.message
    assert TreatmentRecord.objects.count() == 0


def test_a_second_decision_on_a_declined_plan_says_it_was_declined_and_by_whom(
    make_plan, clinician, patient
):
    plan = make_plan(clinician=clinician, patient=patient)
    services.plan_decline(plan=plan, reviewer=clinician, note="Needs a GP letter first")

    with pytest.raises(services.ReviewRefused) as refusal:
        services.plan_approve(plan=plan, reviewer=clinician)

    assert f"already declined by {clinician}" in refusal.value.message
    assert Plan.objects.get(pk=plan.pk).status == PlanStatus.DECLINED


def test_leaving_the_record_form_is_not_the_word_for_cancelling_a_visit(
    client, make_plan, clinician, patient
):
    plan = make_plan(
        clinician=clinician,
        patient=patient,
        status=PlanStatus.CONFIRMED,
        first_start=timezone.now() - timedelta(hours=1),
    )
    session = plan.appointments.get(sequence=1)
    TreatmentRecordFactory(appointment=session, recorded_by=clinician)
    sign_in(client, clinician.user)
    with translation.override("de"):
        url = reverse("clinical:session-detail", args=[session.pk])  # /de/staff/…

    page = client.get(f"{url}?edit=1").text

    with translation.override("de"):
        cancel_a_visit = translation.gettext("Cancel")
        go_back = translation.pgettext("go back", "Cancel")
    assert cancel_a_visit == "Stornieren"  # German's word for cancelling a booking
    assert f'href="{url}">{go_back}</a>' in page
    assert cancel_a_visit not in page
