"""A patient with something in every kind of row the clinic holds, and a bystander who must be
left alone. Every personal value carries a marker, so "nothing left" can be checked by scanning
the whole database for it."""

from __future__ import annotations

import io
from dataclasses import dataclass
from datetime import timedelta

import pytest
from django.contrib.admin.models import CHANGE, LogEntry
from django.utils import timezone
from PIL import Image

from bookings.models import (
    Appointment,
    AppointmentKind,
    AppointmentStatus,
    ConsultationRequest,
    ManageLink,
    OutgoingEmail,
    OutgoingEmailStatus,
    Patient,
    Plan,
    PlanStatus,
    Recommendation,
    ReminderKind,
    SentReminder,
    WaitlistEntry,
    WaitlistOffer,
    WaitlistStatus,
)
from clinical.models import (
    AdverseEvent,
    CourseOutcome,
    FollowUp,
    FollowUpStop,
    Photo,
    RecallNotice,
    RecallText,
    TreatmentRecord,
)
from clinical.services import photo_add
from tests.clinical.conftest import staff_roles_ensure, staff_user
from tests.factories import (
    ClinicianFactory,
    ConsentTextFactory,
    LotFactory,
    PatientFactory,
    ProductFactory,
    ProtocolFactory,
    ScreeningAnswerFactory,
    TreatmentRecordFactory,
)

MARKERS = ("Quuxington", "zelda.quux@example.org", "+49 170 4242424", "ZQ-private-note")


@pytest.fixture(autouse=True)
def _staff_roles(db) -> None:
    staff_roles_ensure()


@pytest.fixture(autouse=True)
def _private_photo_storage(settings, tmp_path) -> None:
    settings.STORAGES = {
        **settings.STORAGES,
        "clinical_photos": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": tmp_path / "photos", "base_url": None},
        },
    }


def jpeg(colour: str = "red") -> io.BytesIO:
    buffer = io.BytesIO()
    Image.new("RGB", (64, 48), colour).save(buffer, format="JPEG")
    buffer.seek(0)
    return buffer


@dataclass
class Records:
    patient: Patient
    treated_plan: Plan
    untreated_plan: Plan
    record: TreatmentRecord
    photos: list[Photo]
    pending_email: OutgoingEmail
    bystander: Patient
    bystander_photo: Photo


_slot = iter(range(1000))


def course(patient: Patient, clinician, protocol, *, status: str, treated: bool) -> Plan:
    start = timezone.now() - timedelta(days=60) + timedelta(hours=3 * next(_slot))
    plan = Plan.objects.create(
        patient=patient,
        protocol=protocol,
        clinician=clinician,
        status=status,
        consent_text=ConsentTextFactory(body="I agree to the exosome treatment (consent v1)."),
        consented_at=timezone.now() - timedelta(days=61),
        consent_language="en",
        review_note=f"Spoke with {patient.full_name} about the course",
    )
    for number in (1, 2):
        Appointment.objects.create(
            plan=plan,
            kind=AppointmentKind.SESSION,
            sequence=number,
            start=start + timedelta(days=30 * (number - 1)),
            end=start + timedelta(days=30 * (number - 1), minutes=60),
            clinician=clinician,
            status=AppointmentStatus.COMPLETED if treated else AppointmentStatus.BOOKED,
        )
    ScreeningAnswerFactory(plan=plan, question_text="Do you take blood thinners?", answer=True)
    ManageLink.objects.create(plan=plan, token_hash=f"{plan.pk:064d}")
    return plan


@pytest.fixture
def records(db) -> Records:
    protocol = ProtocolFactory(name="Skin renewal")
    clinician = ClinicianFactory(
        display_name="Dr. Anna Weber", user=staff_user("anna", None), protocols=[protocol]
    )
    patient = PatientFactory(
        full_name="Zelda Quuxington", email="zelda.quux@example.org", phone="+49 170 4242424"
    )
    treated = course(patient, clinician, protocol, status=PlanStatus.COMPLETED, treated=True)
    untreated = course(patient, clinician, protocol, status=PlanStatus.CANCELLED, treated=False)
    session = treated.appointments.order_by("sequence").first()
    record = TreatmentRecordFactory(
        appointment=session,
        recorded_by=clinician,
        lot_number="LOT-RECALL-7",
        reactions="ZQ-private-note: redness",
        notes="Zelda Quuxington asked about ZQ-private-note",
    )
    photos = [
        photo_add(appointment=session, clinician=clinician, kind=kind, area="cheeks", upload=jpeg())
        for kind in ("before", "after")
    ]
    sent = OutgoingEmail.objects.create(
        patient=patient,
        plan=treated,
        template="booking_confirmed",
        to=patient.email,
        subject="Your course is booked",
        body_text="Dear Zelda Quuxington, …",
        status=OutgoingEmailStatus.SENT,
        sent_at=timezone.now(),
    )
    pending = OutgoingEmail.objects.create(
        patient=patient,
        plan=treated,
        template="reminder",
        to=patient.email,
        subject="See you tomorrow",
        body_text="Dear Zelda Quuxington, see you tomorrow.",
    )
    SentReminder.objects.create(
        appointment=session,
        kind=ReminderKind.DAY_BEFORE,
        appointment_start=session.start,
        email=sent,
    )

    # A waitlist entry with an offer (issue 18): exported, and deleted on erasure.
    entry = WaitlistEntry.objects.create(
        patient=patient,
        protocol=protocol,
        earliest_date=session.start.date(),
        latest_date=session.start.date(),
        status=WaitlistStatus.ACTIVE,
        verify_token_hash="v" * 64,
        leave_token_hash="l" * 64,
    )
    WaitlistOffer.objects.create(
        entry=entry,
        plan=untreated,
        freed_key="k",
        freed_at=timezone.now(),
        proposal_id="p",
        claim_token_hash="c" * 64,
        first_start=session.start,
        expires_at=timezone.now(),
    )

    # A consultation with what the patient wanted to discuss and the clinician's recommendation
    # (issue 18): exported, and deleted on erasure.
    ConsultationRequest.objects.create(
        plan=untreated, topics=["risks"], message="Zelda Quuxington asks about ZQ-private-note"
    )
    Recommendation.objects.create(
        consultation=untreated,
        protocol=protocol,
        recommended_by=clinician,
        note="For Zelda Quuxington: ZQ-private-note",
        token_hash="r" * 64,
        booked_plan=treated,
    )

    # Care after the visit: an own-blood lot, a follow-up answer, a stop, an outcome, an adverse
    # event and a recall notice (clinical models reachable from the patient).
    own_lot = LotFactory(
        product=ProductFactory(name="Own PRP prep", source="own_blood", donor_tissue=""),
        lot_number="PRP-ZQ-1",
        patient=patient,
    )
    RecallText.objects.create(lot=own_lot, language="en", subject="Recall", body="A recall.")
    follow_up = FollowUp.objects.create(
        appointment=session,
        token_hash="f" * 64,
        sent_at=timezone.now(),
        expires_at=timezone.now() + timedelta(days=14),
        answered_at=timezone.now(),
        swelling="severe",
        infection="mild",
        comment="ZQ-private-note: swelling and fever",
        urgent=True,
    )
    FollowUpStop.objects.create(patient=patient, stopped_at=timezone.now())
    CourseOutcome.objects.create(
        plan=treated,
        token_hash="o" * 64,
        sent_at=timezone.now(),
        expires_at=timezone.now() + timedelta(days=14),
        impression=4,
        comment="ZQ-private-note: happy",
    )
    AdverseEvent.objects.create(
        appointment=session,
        lot=record.lot,
        follow_up=follow_up,
        onset=session.start.date(),
        description="ZQ-private-note: swelling, fever",
        severity="severe",
        other_important=True,
        outcome="resolved",
        relatedness="possible",
        reported_by=clinician,
    )
    RecallNotice.objects.create(
        lot=record.lot, patient=patient, sent_by=clinician.user, queued_at=timezone.now()
    )

    # The admin's history of staff changes names the rows it is about.
    reception = staff_user("rita", "Reception")
    for obj, message in (
        (patient, "Changed phone."),
        (treated, "Booked by phone for Zelda Quuxington."),
    ):
        LogEntry.objects.log_actions(
            user_id=reception.pk, queryset=[obj], action_flag=CHANGE, change_message=message
        )

    bystander = PatientFactory(full_name="Bea Bystander", email="bea@example.org")
    other = course(bystander, clinician, protocol, status=PlanStatus.COMPLETED, treated=True)
    other_session = other.appointments.order_by("sequence").first()
    TreatmentRecordFactory(appointment=other_session, recorded_by=clinician)
    bystander_photo = photo_add(
        appointment=other_session, clinician=clinician, kind="before", area="cheeks", upload=jpeg()
    )
    return Records(
        patient=patient,
        treated_plan=treated,
        untreated_plan=untreated,
        record=record,
        photos=photos,
        pending_email=pending,
        bystander=bystander,
        bystander_photo=bystander_photo,
    )
