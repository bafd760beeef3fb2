"""`erase_patient`: personal and medical data and files gone everywhere; a trace and the lot log
stay without identity (docs/privacy.md)."""

import threading
import time as clock
from datetime import timedelta
from unittest import mock

import pytest
from django.apps import apps
from django.core.management import CommandError, call_command
from django.db import connection, models, transaction
from django.utils import timezone

from bookings.engine.errors import NotFound
from bookings.models import OutgoingEmail, Patient, Plan, ScreeningAnswer
from bookings.notify.emails import email_deliver
from clinical.models import AuditEntry, Photo, TreatmentRecord, photo_storage
from privacy.models import ErasureRecord
from privacy.services import ERASED_DATE_OF_BIRTH, patient_erase
from tests.bookings.reception_fixtures import *  # noqa: F403 (the personas' fixtures)
from tests.bookings.reception_fixtures import confirmed_plan, put
from tests.clinical.conftest import staff_user
from tests.factories import PatientFactory
from tests.privacy.conftest import MARKERS

TEXT_FIELDS = (models.CharField, models.TextField, models.JSONField, models.EmailField)


def rows_mentioning(marker: str) -> list[str]:
    """Every row of every table whose text mentions `marker`."""
    found = []
    for model in apps.get_models():
        for field in model._meta.concrete_fields:
            if isinstance(field, TEXT_FIELDS):
                lookup = "icontains" if not isinstance(field, models.JSONField) else "contains"
                if isinstance(field, models.JSONField):
                    hits = [
                        row.pk
                        for row in model._base_manager.all()
                        if marker.lower() in str(getattr(row, field.attname)).lower()
                    ]
                else:
                    hits = list(
                        model._base_manager.filter(
                            **{f"{field.name}__{lookup}": marker}
                        ).values_list("pk", flat=True)
                    )
                found += [f"{model._meta.label}.{field.name} #{pk}" for pk in hits]
    return found


@pytest.fixture
def manager(db):
    return staff_user("lena", "Clinic manager")


def test_nothing_personal_is_left_in_any_table(records, manager):
    for marker in MARKERS:
        assert rows_mentioning(marker), f"the fixture must contain {marker}"

    patient_erase(patient=records.patient, erased_by=manager)

    for marker in MARKERS:
        assert rows_mentioning(marker) == [], marker


def test_photos_and_thumbnails_are_gone_from_storage_and_others_stay(
    records, manager, django_capture_on_commit_callbacks
):
    storage = photo_storage()
    files = [name for photo in records.photos for name in (photo.image.name, photo.thumbnail.name)]
    kept = records.bystander_photo
    assert all(storage.exists(name) for name in files)

    with django_capture_on_commit_callbacks(execute=True):
        patient_erase(patient=records.patient, erased_by=manager)

    assert not any(storage.exists(name) for name in files)
    assert not Photo.objects.filter(pk__in=[p.pk for p in records.photos]).exists()
    assert storage.exists(kept.image.name)
    assert storage.exists(kept.thumbnail.name)


def test_queued_and_sent_emails_are_gone_and_a_queued_one_is_never_sent(
    records, manager, mailoutbox
):
    patient_erase(patient=records.patient, erased_by=manager)

    assert not OutgoingEmail.objects.filter(to="zelda.quux@example.org").exists()
    assert email_deliver(email_id=records.pending_email.pk) is False
    assert mailoutbox == []


def test_the_lot_log_stays_without_identity_and_a_trace_is_kept(records, manager):
    patient_erase(patient=records.patient, erased_by=manager)

    record = TreatmentRecord.objects.get(pk=records.record.pk)
    assert record.lot_number == "LOT-RECALL-7"
    assert (record.reactions, record.notes) == ("", "")
    anonymous = record.appointment.plan.patient
    assert (anonymous.full_name, anonymous.email, anonymous.phone) == ("—", "", "")
    assert anonymous.date_of_birth == ERASED_DATE_OF_BIRTH
    assert not Plan.objects.filter(pk=records.untreated_plan.pk).exists()
    assert not ScreeningAnswer.objects.filter(plan__patient=anonymous).exists()
    trace = ErasureRecord.objects.get(patient_number=records.patient.pk)
    assert trace.erased_by == manager
    assert trace.removed["clinical.photo"] == 2
    assert trace.removed["clinical.photo files"] == 4
    assert trace.removed["bookings.outgoingemail"] == 2
    assert trace.kept == {
        "bookings.plan": 1,
        "bookings.appointment": 2,
        "clinical.treatmentrecord": 1,
        "bookings.patient": 1,
        # The anonymous lot-level safety data: the own-blood lot, the adverse event (its free
        # text emptied) and the clinic's recall text of that lot.
        "clinical.lot": 1,
        "clinical.adverseevent": 1,
        "clinical.recalltext": 1,
    }


def test_a_patient_never_treated_is_deleted_whole(records, manager):
    records.record.delete()

    patient_erase(patient=records.patient, erased_by=manager)

    assert not Patient.objects.filter(pk=records.patient.pk).exists()
    assert not Plan.objects.filter(patient_id=records.patient.pk).exists()
    assert ErasureRecord.objects.get(patient_number=records.patient.pk).kept == {}


def test_the_bystander_keeps_everything(records, manager):
    before = Patient.objects.get(pk=records.bystander.pk)

    patient_erase(patient=records.patient, erased_by=manager)

    after = Patient.objects.get(pk=records.bystander.pk)
    assert (after.full_name, after.email) == (before.full_name, before.email)
    assert Plan.objects.filter(patient=after).count() == 1
    assert Photo.objects.filter(pk=records.bystander_photo.pk).exists()


def test_a_failure_half_way_changes_nothing_and_deletes_no_file(
    records, manager, django_capture_on_commit_callbacks
):
    photo = records.photos[0]
    with (
        django_capture_on_commit_callbacks(execute=True),
        mock.patch.object(ErasureRecord.objects, "create", side_effect=RuntimeError("disk full")),
        pytest.raises(RuntimeError),
    ):
        patient_erase(patient=records.patient, erased_by=manager)

    assert Patient.objects.get(pk=records.patient.pk).full_name == "Zelda Quuxington"
    assert Photo.objects.filter(pk=photo.pk).exists()
    assert photo_storage().exists(photo.image.name)
    assert OutgoingEmail.objects.filter(pk=records.pending_email.pk).exists()


def test_the_command_shows_first_and_erases_only_with_yes(records, manager, capsys):
    with pytest.raises(CommandError, match="Nothing erased"):
        call_command("erase_patient", records.patient.pk, by="lena")
    assert "clinical.photo: 2 deleted" in capsys.readouterr().out
    assert Patient.objects.get(pk=records.patient.pk).full_name == "Zelda Quuxington"
    assert not AuditEntry.objects.filter(object_type="patient").exists()

    call_command("erase_patient", records.patient.pk, by="lena", yes=True)

    assert rows_mentioning("Quuxington") == []
    entry = AuditEntry.objects.get(object_type="patient")
    assert (entry.user, entry.action, entry.object_id) == (manager, "erase", records.patient.pk)


# --- erasure takes the engine's locks in the engine's order (PostgreSQL) ----------------------


@pytest.mark.skipif(
    connection.vendor != "postgresql",
    reason="row locks exist only on PostgreSQL (CI runs these there)",
)
@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_erasing_a_patient_while_their_visit_is_being_moved_neither_deadlocks_nor_errors(
    course, weber, settings
):
    """A booking locks the plan, then the patient. An erasure that locked the patient first and
    then deleted the plans waited for the booking while the booking waited for it; and it had
    no lock timeout, so a long booking made it hang instead of saying "busy"."""
    settings.BOOKING_LOCK_TIMEOUT_SECONDS = 5
    patient = PatientFactory(full_name="Maria Schneider")
    visit = put(confirmed_plan(course, weber, patient), timezone.now() + timedelta(days=3))
    plan_locked, outcome = threading.Event(), {}

    def booking_locks_plan_then_patient() -> None:
        try:
            with transaction.atomic():
                Plan.objects.select_for_update(no_key=True, of=("self",)).get(pk=visit.plan_id)
                plan_locked.set()
                clock.sleep(0.5)  # the erasure starts meanwhile
                list(Patient.objects.select_for_update(no_key=True).filter(pk=patient.pk))
        except Exception as error:
            outcome["booking"] = error
        finally:
            connection.close()

    thread = threading.Thread(target=booking_locks_plan_then_patient)
    thread.start()
    plan_locked.wait(10)
    try:
        patient_erase(patient=patient, erased_by=None)
    except Exception as error:
        outcome["erase"] = error
    thread.join(20)

    assert outcome == {}, outcome
    assert not Patient.objects.filter(pk=patient.pk).exists()
    assert not Plan.objects.filter(pk=visit.plan_id).exists()


def test_erasing_a_patient_someone_erased_a_moment_ago_is_refused_not_a_server_error():
    patient = PatientFactory(full_name="Maria Schneider")
    stale = Patient.objects.get(pk=patient.pk)
    patient_erase(patient=patient, erased_by=None)

    with pytest.raises(NotFound):
        patient_erase(patient=stale, erased_by=None)

    assert ErasureRecord.objects.count() == 1
