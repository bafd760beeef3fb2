"""`export_patient`: everything about the patient in a zip of JSON and photo files, audited."""

import json
import zipfile
from io import BytesIO

import pytest
from django.core.management import CommandError, call_command

from clinical.models import AuditEntry, photo_storage
from privacy.services import patient_export
from tests.clinical.conftest import staff_user


def exported(records) -> tuple[dict, zipfile.ZipFile]:
    archive = zipfile.ZipFile(BytesIO(patient_export(patient=records.patient)))
    return json.loads(archive.read("data.json")), archive


def test_the_export_holds_details_plans_answers_consent_records_and_emails(records):
    data, _ = exported(records)
    rows = data["data"]

    patient = rows["bookings.patient"][0]
    assert patient["full_name"] == "Zelda Quuxington"
    assert patient["email"] == "zelda.quux@example.org"
    assert patient["phone"] == "+49 170 4242424"
    assert {plan["id"] for plan in rows["bookings.plan"]} == {
        records.treated_plan.pk,
        records.untreated_plan.pk,
    }
    assert len(rows["bookings.appointment"]) == 4
    assert {answer["question_text"] for answer in rows["bookings.screeninganswer"]} == {
        "Do you take blood thinners?"
    }
    assert rows["clinical.treatmentrecord"][0]["lot_number"] == "LOT-RECALL-7"
    assert {email["subject"]: email["status"] for email in rows["bookings.outgoingemail"]} == {
        "Your course is booked": "sent",
        "See you tomorrow": "pending",
    }
    assert len(rows["bookings.sentreminder"]) == 1
    assert len(rows["bookings.managelink"]) == 2
    assert all("token_hash" not in link for link in rows["bookings.managelink"])
    consent = next(iter(data["references"]["bookings.consenttext"].values()))
    assert consent["body"] == "I agree to the exosome treatment (consent v1)."
    assert "Dr. Anna Weber" in data["references"]["bookings.clinician"].values()


def test_the_export_holds_every_photo_file_byte_for_byte(records):
    data, archive = exported(records)

    assert len(data["data"]["clinical.photo"]) == 2
    for photo in records.photos:
        for field in ("image", "thumbnail"):
            with photo_storage().open(getattr(photo, field).name, "rb") as stored:
                assert archive.read(f"files/clinical.photo/{photo.pk}-{field}.jpg") == stored.read()


def test_the_export_holds_nothing_of_another_patient(records):
    data, archive = exported(records)

    assert "Bea Bystander" not in json.dumps(data)
    assert f"{records.bystander_photo.pk}-image" not in " ".join(archive.namelist())


def test_the_command_writes_the_zip_and_an_audit_entry(records, tmp_path):
    manager = staff_user("lena", "Clinic manager")
    output = tmp_path / "export.zip"

    call_command("export_patient", records.patient.pk, by="lena", output=output)

    archive = zipfile.ZipFile(output)
    assert "Zelda Quuxington" in archive.read("data.json").decode()
    assert output.stat().st_mode & 0o077 == 0, "health data: readable by the operator only"
    entry = AuditEntry.objects.get(object_type="patient")
    assert (entry.user, entry.action, entry.object_id) == (manager, "export", records.patient.pk)


def test_the_command_needs_a_staff_member_to_answer_for_it(records, tmp_path):
    with pytest.raises(CommandError, match="no active staff account"):
        call_command("export_patient", records.patient.pk, by="nobody", output=tmp_path / "x.zip")

    assert not (tmp_path / "x.zip").exists()
    assert not AuditEntry.objects.filter(object_type="patient").exists()
