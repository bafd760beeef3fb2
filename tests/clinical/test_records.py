"""Treatment records: the lot, the procedure's settings, completion of the session."""

from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone, translation

from bookings.engine.rules import clinic_zone
from bookings.models import Appointment, AppointmentStatus, PlanStatus
from clinical import services
from clinical.models import AuditEntry, Lot, LotStatus, TreatmentRecord
from tests.clinical.conftest import sign_in
from tests.factories import LotFactory, PatientFactory, ProductFactory, TreatmentRecordFactory
from treatments.models import ProductSource

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def stock_lot():
    """Lot "ab-2031" in stock, as typed at the goods-in desk; usable for 200 more days."""
    return LotFactory(lot_number="ab-2031", expiry_date=timezone.localdate() + timedelta(days=200))


@pytest.fixture
def past_session(make_plan, clinician, patient):
    """Session 1 of a confirmed plan, which took place an hour ago."""
    plan = make_plan(
        clinician=clinician,
        patient=patient,
        status=PlanStatus.CONFIRMED,
        first_start=timezone.now() - timedelta(hours=1),
    )
    return plan.appointments.get(sequence=1)


def record_form(**overrides) -> dict:
    data = {
        "lot": str(Lot.objects.get(lot_key="AB2031").pk),
        "quantity_used": "1",
        "needle_depth_mm": "0.5",
        "passes": "2",
        "areas": ["cheeks", "forehead"],
        "reactions": "Mild redness",
        "notes": "Tolerated well",
    }
    data.update(overrides)
    return data


def record_url(session) -> str:
    return reverse("clinical:session-record", args=[session.pk])


def test_recording_a_session_stores_the_lot_and_completes_the_session(
    client, clinician, past_session
):
    sign_in(client, clinician.user)

    response = client.post(record_url(past_session), record_form())

    assert response.status_code == 302
    record = TreatmentRecord.objects.get()
    assert record.appointment == past_session
    assert record.lot == Lot.objects.get(lot_key="AB2031")
    # The label's text is kept with the session as it was entered at goods-in.
    assert (record.lot_number, record.product_name) == ("ab-2031", "ExoSkin 10B")
    assert record.needle_depth_mm == Decimal("0.5")
    assert record.areas == ["cheeks", "forehead"]
    assert record.recorded_by == clinician
    past_session.refresh_from_db()
    assert past_session.status == AppointmentStatus.COMPLETED
    # The course goes on: two sessions to come.
    assert past_session.plan.status == PlanStatus.CONFIRMED
    assert AuditEntry.objects.filter(action="create", object_id=record.pk).count() == 1
    page = client.get(reverse("clinical:session-detail", args=[past_session.pk]))
    assert "ab-2031" in page.content.decode()


def test_an_expired_lot_is_not_offered_and_is_refused(client, clinician, past_session):
    # Expired the day before the session (its day in the clinic: near midnight, not today).
    session_day = past_session.start.astimezone(clinic_zone()).date()
    expired = LotFactory(lot_number="OLD-1", expiry_date=session_day - timedelta(days=1))
    sign_in(client, clinician.user)

    page = client.get(reverse("clinical:session-detail", args=[past_session.pk]))
    assert "OLD-1" not in page.content.decode() and "ab-2031" in page.content.decode()
    response = client.post(record_url(past_session), record_form(lot=str(expired.pk)))

    assert response.status_code == 400
    content = response.content.decode()
    assert "Select a valid choice" in content
    # What the clinician typed is still in the form.
    assert "Tolerated well" in content
    assert TreatmentRecord.objects.count() == 0
    past_session.refresh_from_db()
    assert past_session.status == AppointmentStatus.BOOKED


def lot_details(lot: Lot) -> services.TreatmentDetails:
    return services.TreatmentDetails(
        lot=lot, areas=["cheeks"], needle_depth_mm=Decimal("0.5"), passes=1
    )


def test_the_service_refuses_an_expired_lot_too(clinician, past_session):
    expired = LotFactory(lot_number="X1", expiry_date=date(2020, 1, 1))
    with pytest.raises(services.RecordRefused, match="Lot X1 expired on 2020-01-01"):
        services.treatment_record_complete(
            appointment=past_session, clinician=clinician, details=lot_details(expired)
        )
    assert TreatmentRecord.objects.count() == 0


@pytest.mark.parametrize(
    ("status", "message"),
    [(LotStatus.RECALLED, "is recalled"), (LotStatus.QUARANTINED, "is quarantined")],
)
def test_a_recalled_or_quarantined_lot_cannot_be_recorded(
    client, clinician, past_session, status, message
):
    recall = (
        {"recall_reason": "Supplier notice", "recalled_at": timezone.now()}
        if status == LotStatus.RECALLED
        else {}
    )
    blocked = LotFactory(lot_number="BLK-1", status=status, **recall)
    sign_in(client, clinician.user)
    response = client.post(record_url(past_session), record_form(lot=str(blocked.pk)))
    assert response.status_code == 400
    assert "BLK-1" not in response.content.decode()
    with pytest.raises(services.RecordRefused, match=message):
        services.treatment_record_complete(
            appointment=past_session, clinician=clinician, details=lot_details(blocked)
        )
    assert TreatmentRecord.objects.count() == 0


def test_another_patients_own_blood_lot_can_never_be_recorded(client, clinician, past_session):
    own_blood = ProductFactory(name="Own PRP prep", source=ProductSource.OWN_BLOOD, donor_tissue="")
    someone_else = PatientFactory(full_name="Somebody Else")
    theirs = LotFactory(product=own_blood, lot_number="PRP-77", patient=someone_else)
    mine = LotFactory(product=own_blood, lot_number="PRP-78", patient=past_session.plan.patient)
    sign_in(client, clinician.user)

    page = client.get(reverse("clinical:session-detail", args=[past_session.pk])).content.decode()
    assert "PRP-78" in page and "PRP-77" not in page
    refused = client.post(record_url(past_session), record_form(lot=str(theirs.pk)))
    assert refused.status_code == 400
    with pytest.raises(services.RecordRefused, match="another patient's own blood or fat"):
        services.treatment_record_complete(
            appointment=past_session, clinician=clinician, details=lot_details(theirs)
        )
    assert TreatmentRecord.objects.count() == 0

    accepted = client.post(record_url(past_session), record_form(lot=str(mine.pk)))
    assert accepted.status_code == 302
    assert TreatmentRecord.objects.get().lot == mine


def test_a_lot_expiring_on_the_day_of_the_session_is_accepted(client, clinician, past_session):
    session_day = timezone.localtime(past_session.start).date()
    today_lot = LotFactory(lot_number="DAY-1", expiry_date=session_day)
    sign_in(client, clinician.user)
    response = client.post(record_url(past_session), record_form(lot=str(today_lot.pk)))
    assert response.status_code == 302
    assert TreatmentRecord.objects.count() == 1


def test_microneedling_needs_depth_and_passes(client, clinician, past_session):
    sign_in(client, clinician.user)
    response = client.post(record_url(past_session), record_form(needle_depth_mm="", passes=""))
    assert response.status_code == 400
    assert response.content.decode().count("Required for Microneedling.") == 2
    assert TreatmentRecord.objects.count() == 0


def test_laser_needs_energy_density_and_passes(client, clinician, make_plan, laser_protocol):
    plan = make_plan(
        clinician=clinician,
        status=PlanStatus.CONFIRMED,
        plan_protocol=laser_protocol,
        first_start=timezone.now() - timedelta(hours=3),
    )
    session = plan.appointments.get(sequence=1)
    sign_in(client, clinician.user)

    missing = client.post(record_url(session), record_form(needle_depth_mm=""))
    assert missing.status_code == 400
    assert missing.content.decode().count("Required for Fractional laser.") == 2
    assert TreatmentRecord.objects.count() == 0

    done = client.post(
        record_url(session), record_form(energy_mj="20", density_percent="15", passes="2")
    )
    assert done.status_code == 302
    record = TreatmentRecord.objects.get()
    assert (record.energy_mj, record.density_percent, record.needle_depth_mm) == (
        Decimal("20"),
        15,
        None,
    )


def test_the_last_session_completes_the_course(clinician, make_plan):
    plan = make_plan(
        clinician=clinician,
        status=PlanStatus.CONFIRMED,
        sessions=1,
        first_start=timezone.now() - timedelta(hours=2),
    )
    details = services.TreatmentDetails(
        lot=LotFactory(lot_number="L1", expiry_date=date(2099, 1, 1)),
        areas=["scalp"],
        needle_depth_mm=Decimal("1.0"),
        passes=3,
    )
    services.treatment_record_complete(
        appointment=plan.appointments.get(), clinician=clinician, details=details
    )
    plan.refresh_from_db()
    assert plan.status == PlanStatus.COMPLETED


def test_a_session_still_to_come_cannot_be_recorded(client, clinician, make_plan):
    plan = make_plan(clinician=clinician, status=PlanStatus.CONFIRMED)
    session = plan.appointments.get(sequence=1)
    sign_in(client, clinician.user)
    response = client.post(record_url(session), record_form())
    assert response.status_code == 400
    assert "This session has not started yet." in response.content.decode()
    assert TreatmentRecord.objects.count() == 0


def test_only_the_clinician_who_treated_records_the_session(client, past_session, other_clinician):
    past_session.plan.appointments.filter(sequence=2).update(clinician=other_clinician)
    sign_in(client, other_clinician.user)  # may see the patient, did not treat this session
    page = client.get(reverse("clinical:session-detail", args=[past_session.pk]))
    assert page.status_code == 200
    assert "Save record" not in page.content.decode()
    response = client.post(record_url(past_session), record_form())
    assert response.status_code == 403
    assert TreatmentRecord.objects.count() == 0


def test_a_session_is_recorded_once_and_corrections_keep_the_rules(client, clinician, past_session):
    sign_in(client, clinician.user)
    client.post(record_url(past_session), record_form())
    record = TreatmentRecord.objects.get()

    other = LotFactory(lot_number="AB-2032", expiry_date=date(2099, 1, 1))
    corrected = client.post(record_url(past_session), record_form(lot=str(other.pk)))
    assert corrected.status_code == 302
    record.refresh_from_db()
    assert record.lot_number == "AB-2032"

    expired = LotFactory(lot_number="OLD-2", expiry_date=date(2000, 1, 1))
    refused = client.post(record_url(past_session), record_form(lot=str(expired.pk)))
    assert refused.status_code == 400
    record.refresh_from_db()
    assert record.lot_number == "AB-2032"
    assert TreatmentRecord.objects.count() == 1
    with pytest.raises(services.RecordRefused):
        services.treatment_record_complete(
            appointment=past_session,
            clinician=clinician,
            details=services.TreatmentDetails.from_form(
                {**record_form(), "lot": other, "passes": 1}
            ),
        )


def test_a_session_still_to_come_shows_no_record_form(client, clinician, make_plan):
    plan = make_plan(clinician=clinician, status=PlanStatus.CONFIRMED)
    sign_in(client, clinician.user)
    page = client.get(reverse("clinical:session-detail", args=[plan.appointments.first().pk]))
    content = page.content.decode()
    assert "The treatment can be recorded once the session has started." in content
    assert "Save record" not in content


def test_a_correction_keeps_the_earlier_version_and_shows_who_changed_what(
    client, clinician, manager, past_session
):
    sign_in(client, clinician.user)
    client.post(record_url(past_session), record_form())
    other = LotFactory(lot_number="AB-2032", expiry_date=date(2099, 1, 1))
    client.post(record_url(past_session), record_form(lot=str(other.pk), notes="Corrected lot"))

    record = TreatmentRecord.objects.get()
    versions = list(record.history.order_by("history_date", "history_id"))
    assert [v.lot_number for v in versions] == ["ab-2031", "AB-2032"]
    assert [v.history_user for v in versions] == [clinician.user, clinician.user]
    # The earlier lot is what a recall of it needs: it is found by the history.
    assert TreatmentRecord.history.filter(lot__lot_key="AB2031").values("id").get()["id"] == (
        record.pk
    )

    sign_in(client, manager)
    before = AuditEntry.objects.filter(object_type="treatment_record", action="view").count()
    page = client.get(reverse("clinical:session-detail", args=[past_session.pk])).content.decode()
    assert "History: 2 versions" in page
    assert "<del>ab-2031</del> → <ins>AB-2032</ins>" in page
    assert "Dr. Anna Weber" in page
    after = AuditEntry.objects.filter(object_type="treatment_record", action="view").count()
    assert after == before + 1


def details() -> services.TreatmentDetails:
    return services.TreatmentDetails(
        lot=LotFactory(lot_number="X1", expiry_date=timezone.localdate() + timedelta(days=300)),
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
