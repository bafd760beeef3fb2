"""Lot recall: which patients and sessions received lot X, on one page and as CSV."""

import csv
import io
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from bookings.models import OutgoingEmail, Patient, PlanStatus
from clinical import recall
from clinical.models import AuditEntry, Lot, LotStatus, RecallNotice
from tests.clinical.conftest import sign_in
from tests.factories import PatientFactory, TreatmentRecordFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def recalled(make_plan, clinician, other_clinician):
    """Lot AB-1 went to three sessions (two patients, two clinicians); other lots elsewhere."""
    past = timezone.now() - timedelta(days=40)
    maria = PatientFactory(full_name="Maria Schneider", phone="+49 30 111")
    ayse = PatientFactory(full_name="Ayşe Demir", email='=HYPERLINK("x")@example.com')
    bob = PatientFactory(full_name="Bob Other")
    maria_plan = make_plan(
        clinician=clinician, patient=maria, status=PlanStatus.CONFIRMED, first_start=past
    )
    ayse_plan = make_plan(
        clinician=other_clinician, patient=ayse, status=PlanStatus.CONFIRMED, first_start=past
    )
    bob_plan = make_plan(
        clinician=clinician, patient=bob, status=PlanStatus.CONFIRMED, first_start=past
    )
    matching = [
        TreatmentRecordFactory(
            appointment=maria_plan.appointments.get(sequence=1),
            recorded_by=clinician,
            lot_number="AB-1",
        ),
        TreatmentRecordFactory(
            appointment=maria_plan.appointments.get(sequence=2),
            recorded_by=clinician,
            lot_number="AB-1",
        ),
        TreatmentRecordFactory(
            appointment=ayse_plan.appointments.get(sequence=1),
            recorded_by=other_clinician,
            lot_number="AB-1",
        ),
    ]
    # Near misses: another lot, a lot that merely contains the number.
    TreatmentRecordFactory(
        appointment=bob_plan.appointments.get(sequence=1), recorded_by=clinician, lot_number="AB-10"
    )
    TreatmentRecordFactory(
        appointment=bob_plan.appointments.get(sequence=2), recorded_by=clinician, lot_number="XAB-1"
    )
    # The page lists them by session time.
    return sorted(matching, key=lambda record: (record.appointment.start, record.pk))


def test_lot_search_returns_exactly_the_matching_sessions(client, manager, recalled):
    sign_in(client, manager)

    response = client.get(reverse("clinical:lot-recall"), {"lot": " ab-1 "})

    assert response.status_code == 200
    assert [record.pk for record in response.context["records"]] == [r.pk for r in recalled]
    page = response.content.decode()
    assert "Lot AB-1: 3 sessions" in page
    assert "Maria Schneider" in page and "Ayşe Demir" in page and "Bob Other" not in page
    assert "Dr. Anna Weber" in page and "Dr. Mehmet Yilmaz" in page
    assert AuditEntry.objects.filter(object_type="treatment_record").count() == 3


def test_the_csv_export_lists_the_same_sessions_with_dates_and_clinicians(
    client, manager, recalled
):
    sign_in(client, manager)

    response = client.get(reverse("clinical:lot-recall"), {"lot": "AB-1", "format": "csv"})

    assert response["Content-Type"].startswith("text/csv")
    assert response["Content-Disposition"] == 'attachment; filename="lot-AB-1.csv"'
    rows = list(csv.DictReader(io.StringIO(response.content.decode())))
    assert len(rows) == 3
    assert {row["patient"] for row in rows} == {"Maria Schneider", "Ayşe Demir"}
    assert {row["clinician"] for row in rows} == {"Dr. Anna Weber", "Dr. Mehmet Yilmaz"}
    assert {row["lot_number"] for row in rows} == {"AB-1"}
    first = recalled[0].appointment
    assert rows[0]["session_date"] == timezone.localtime(first.start).strftime("%Y-%m-%d %H:%M")
    # A phone number stays a phone number; a formula is defused.
    assert "+49 30 111" in {row["patient_phone"] for row in rows}
    assert all(not row["patient_email"].startswith("=") for row in rows)
    assert AuditEntry.objects.filter(action="export").count() == 3


def test_a_clinician_finds_only_their_own_patients_sessions(client, clinician, recalled):
    sign_in(client, clinician.user)

    response = client.get(reverse("clinical:lot-recall"), {"lot": "AB-1"})

    maria_sessions = [r.pk for r in recalled if r.recorded_by.display_name == "Dr. Anna Weber"]
    assert [record.pk for record in response.context["records"]] == maria_sessions
    assert len(maria_sessions) == 2


def test_an_unknown_lot_says_so(client, manager, recalled):
    sign_in(client, manager)
    response = client.get(reverse("clinical:lot-recall"), {"lot": "NOPE"})
    assert "No session received this lot." in response.content.decode()
    assert AuditEntry.objects.count() == 0


def test_a_lot_with_url_characters_still_exports(client, manager, make_plan, clinician):
    plan = make_plan(
        clinician=clinician,
        status=PlanStatus.CONFIRMED,
        first_start=timezone.now() - timedelta(days=40),
    )
    TreatmentRecordFactory(
        appointment=plan.appointments.first(), recorded_by=clinician, lot_number="A&B#1"
    )
    sign_in(client, manager)
    page = client.get(reverse("clinical:lot-recall"), {"lot": "a&b#1"})
    csv_url = page.context["csv_url"]
    rows = list(csv.DictReader(io.StringIO(client.get(csv_url).content.decode())))
    assert [row["lot_number"] for row in rows] == ["A&B#1"]


# --- Issue 17, bug 7: whose sessions the list covers, and matching however the number is typed ---


def test_a_clinician_is_told_the_list_is_their_patients_only_and_how_many_more_exist(
    client, clinician, recalled
):
    sign_in(client, clinician.user)

    page = client.get(reverse("clinical:lot-recall"), {"lot": "AB-1"}).content.decode()

    assert "Lot AB-1: 2 sessions" in page
    assert "Only the sessions of your own patients are listed." in page
    assert (
        "1 more session of this lot belongs to other clinicians' patients and is not "
        "shown here." in page
    )
    assert "ask a clinic manager for the complete list" in page
    # The count only: nothing of the other clinician's patient.
    assert "Ayşe Demir" not in page and "Dr. Mehmet Yilmaz" not in page


def test_a_manager_is_told_the_list_is_the_whole_clinic(client, manager, recalled):
    sign_in(client, manager)
    page = client.get(reverse("clinical:lot-recall"), {"lot": "AB-1"}).content.decode()
    assert "All sessions of the clinic that received this lot are listed." in page
    assert "Only the sessions of your own patients" not in page


@pytest.mark.parametrize(
    "typed", ["EXO 2026 0412", "exo-2026-0412", "EXO20260412", "Exo–2026 0412"]
)
def test_lot_search_ignores_case_spaces_and_dashes(client, manager, make_plan, clinician, typed):
    plan = make_plan(
        clinician=clinician,
        status=PlanStatus.CONFIRMED,
        first_start=timezone.now() - timedelta(days=40),
    )
    record = TreatmentRecordFactory(
        appointment=plan.appointments.first(), recorded_by=clinician, lot_number="EXO-2026-0412"
    )
    sign_in(client, manager)
    response = client.get(reverse("clinical:lot-recall"), {"lot": typed})
    assert [r.pk for r in response.context["records"]] == [record.pk]
    assert "Lot EXO-2026-0412: 1 session" in response.content.decode()


# --- Recall by a clinic manager ----------------------------------------------------------------


def test_a_manager_recalls_a_lot_with_a_reason_and_it_can_no_longer_be_chosen(
    client, manager, recalled
):
    lot = recalled[0].lot
    sign_in(client, manager)

    no_reason = client.post(reverse("clinical:lot-recall-mark", args=[lot.pk]), {"reason": ""})
    assert no_reason.status_code == 400
    lot.refresh_from_db()
    assert lot.status == LotStatus.IN_USE

    done = client.post(
        reverse("clinical:lot-recall-mark", args=[lot.pk]),
        {"reason": "Supplier recall 2026-11-30: endotoxin above limit"},
    )
    assert done.status_code == 302
    lot.refresh_from_db()
    assert (lot.status, lot.recall_reason, lot.recalled_by) == (
        LotStatus.RECALLED,
        "Supplier recall 2026-11-30: endotoxin above limit",
        manager,
    )
    assert not Lot.objects.usable_for(
        patient=recalled[0].appointment.plan.patient, on=timezone.localdate()
    ).filter(pk=lot.pk)
    page = client.get(reverse("clinical:lot-detail", args=[lot.pk])).content.decode()
    assert "3 sessions, 2 patient(s) exposed" in page
    assert "Maria Schneider" in page and "Ayşe Demir" in page and "Bob Other" not in page
    assert "endotoxin above limit" in page


def test_a_clinician_cannot_recall_or_open_the_managers_lot_page(client, clinician, recalled):
    lot = recalled[0].lot
    sign_in(client, clinician.user)
    assert client.get(reverse("clinical:lot-detail", args=[lot.pk])).status_code == 403
    response = client.post(reverse("clinical:lot-recall-mark", args=[lot.pk]), {"reason": "x"})
    assert response.status_code == 403
    lot.refresh_from_db()
    assert lot.status == LotStatus.IN_USE


def test_the_recall_notice_is_emailed_to_each_exposed_patient_once_in_their_language(
    client, manager, recalled
):
    lot = recalled[0].lot
    maria, ayse = (
        Patient.objects.get(full_name="Maria Schneider"),
        Patient.objects.get(full_name="Ayşe Demir"),
    )
    Patient.objects.filter(pk=ayse.pk).update(preferred_language="tr")
    sign_in(client, manager)
    client.post(reverse("clinical:lot-recall-mark", args=[lot.pk]), {"reason": "Supplier recall"})
    form = client.get(reverse("clinical:lot-detail", args=[lot.pk])).context["notice_form"]
    data = {name: field.initial for name, field in form.fields.items()}
    data["body_en"] = "Edited English text about lot AB-1."
    data["body_tr"] = "AB-1 partisi hakkında düzenlenmiş metin."

    first = client.post(reverse("clinical:lot-notices", args=[lot.pk]), data)
    second = client.post(reverse("clinical:lot-notices", args=[lot.pk]), data)

    assert first.status_code == second.status_code == 302
    emails = OutgoingEmail.objects.filter(template="lot_recall").order_by("to")
    assert [email.patient for email in emails] == sorted([maria, ayse], key=lambda p: p.email)
    by_patient = {email.patient_id: email for email in emails}
    assert "Edited English text about lot AB-1." in by_patient[maria.pk].body_text
    assert "AB-1 partisi hakkında düzenlenmiş metin." in by_patient[ayse.pk].body_text
    assert RecallNotice.objects.filter(lot=lot).count() == 2
    page = client.get(reverse("clinical:lot-detail", args=[lot.pk])).content.decode()
    assert "0 patients have not been sent the notice yet." in page


def test_notices_are_not_sent_before_the_recall_nor_to_an_erased_patient(manager, recalled):
    lot = recalled[0].lot
    texts = recall.recall_texts(lot=lot)
    with pytest.raises(recall.RecallRefused):
        recall.recall_notices_send(lot=lot, sent_by=manager, texts=texts)
    recall.lot_recall(lot=lot, recalled_by=manager, reason="Supplier recall")
    lot.refresh_from_db()
    Patient.objects.filter(full_name="Ayşe Demir").update(email="", full_name="—")

    assert recall.recall_notices_send(lot=lot, sent_by=manager, texts=texts) == 1
    assert recall.recall_notices_send(lot=lot, sent_by=manager, texts=texts) == 0
    assert OutgoingEmail.objects.filter(template="lot_recall").count() == 1
