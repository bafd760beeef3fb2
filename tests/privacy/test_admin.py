"""The clinic manager exports and erases from the admin; both audited; nobody else can."""

import zipfile
from io import BytesIO

import pytest
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.test import Client
from django.urls import reverse

from bookings.models import Patient
from clinical.models import AuditEntry
from tests.clinical.conftest import sign_in, staff_user

CHANGELIST = reverse("admin:privacy_patientdatarequest_changelist")


@pytest.fixture
def manager_client(db) -> Client:
    return sign_in(Client(), staff_user("lena", "Clinic manager"))


def act(client: Client, action: str, patient: Patient, **extra: str):
    return client.post(CHANGELIST, {"action": action, ACTION_CHECKBOX_NAME: [patient.pk], **extra})


def test_the_manager_downloads_the_export_and_it_is_audited(records, manager_client):
    response = act(manager_client, "export_data", records.patient)

    assert response.status_code == 200
    assert response["Content-Type"] == "application/zip"
    assert "no-store" in response["Cache-Control"]
    archive = zipfile.ZipFile(BytesIO(response.content))
    assert "Zelda Quuxington" in archive.read("data.json").decode()
    entry = AuditEntry.objects.get(object_type="patient")
    assert (entry.user.username, entry.action, entry.object_id) == (
        "lena",
        "export",
        records.patient.pk,
    )
    assert entry.ip_address == "127.0.0.1"


def test_erasing_asks_first_then_erases_and_is_audited(records, manager_client):
    asked = act(manager_client, "erase_data", records.patient)

    assert asked.status_code == 200
    assert "Erase this patient" in asked.text
    assert "Photos" in asked.text and "Kept without identity" in asked.text
    assert Patient.objects.get(pk=records.patient.pk).full_name == "Zelda Quuxington"

    done = act(manager_client, "erase_data", records.patient, confirm="erase")

    assert done.status_code == 302
    assert Patient.objects.get(pk=records.patient.pk).full_name == "—"
    entry = AuditEntry.objects.get(object_type="patient")
    assert (entry.action, entry.object_id) == ("erase", records.patient.pk)
    listing = manager_client.get(CHANGELIST).text
    assert "Quuxington" not in listing


@pytest.mark.parametrize("role", ["Reception", "Clinician"])
def test_other_staff_can_neither_see_the_page_nor_act(records, role):
    client = sign_in(Client(), staff_user("someone", role))

    assert client.get(CHANGELIST).status_code == 403
    act(client, "export_data", records.patient)
    act(client, "erase_data", records.patient, confirm="erase")

    assert Patient.objects.get(pk=records.patient.pk).full_name == "Zelda Quuxington"
    assert not AuditEntry.objects.filter(object_type="patient").exists()
    assert "Privacy" not in client.get(reverse("admin:index")).text
