"""Every look at medical data leaves one audit row per object per request; rows cannot be
changed or deleted, from the site, the admin or the ORM."""

from datetime import timedelta

import pytest
from django.db import connection, transaction
from django.urls import reverse
from django.utils import timezone

from bookings.models import PlanStatus
from clinical.models import AuditEntry
from tests.clinical.conftest import sign_in
from tests.factories import TreatmentRecordFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def recorded_plan(make_plan, clinician, patient):
    plan = make_plan(
        clinician=clinician,
        patient=patient,
        status=PlanStatus.CONFIRMED,
        first_start=timezone.now() - timedelta(days=70),
    )
    records = [
        TreatmentRecordFactory(appointment=appointment, recorded_by=clinician)
        for appointment in plan.appointments.order_by("sequence")[:2]
    ]
    return plan, records


def test_each_view_of_a_plan_writes_one_row_for_its_screening_and_one_per_record_shown(
    client, clinician, recorded_plan
):
    plan, records = recorded_plan
    sign_in(client, clinician.user)

    client.get(reverse("clinical:plan-detail", args=[plan.pk]))

    rows = sorted(AuditEntry.objects.values_list("object_type", "object_id"))
    assert rows == [("screening", plan.pk), *sorted(("treatment_record", r.pk) for r in records)]
    entry = AuditEntry.objects.first()
    assert (entry.user, entry.action, entry.ip_address) == (clinician.user, "view", "127.0.0.1")

    client.get(reverse("clinical:plan-detail", args=[plan.pk]))
    assert AuditEntry.objects.count() == 2 * len(rows)


def test_a_session_page_writes_one_row_for_its_record(client, clinician, recorded_plan):
    _plan, records = recorded_plan
    sign_in(client, clinician.user)

    client.get(reverse("clinical:session-detail", args=[records[0].appointment_id]))

    assert list(AuditEntry.objects.values_list("action", "object_type", "object_id")) == [
        ("view", "treatment_record", records[0].pk)
    ]


def test_the_dashboard_shows_no_medical_data_and_writes_no_audit_row(
    client, clinician, recorded_plan
):
    sign_in(client, clinician.user)
    client.get(reverse("clinical:dashboard"))
    assert AuditEntry.objects.count() == 0


def test_audit_rows_hold_no_medical_content(client, clinician, recorded_plan):
    plan, _records = recorded_plan
    sign_in(client, clinician.user)
    client.get(reverse("clinical:plan-detail", args=[plan.pk]))
    stored = str(list(AuditEntry.objects.values()))
    for medical in ("anticoagulants", "Mild redness", "ExoSkin", "LOT", "Maria"):
        assert medical not in stored


def test_audit_entries_cannot_be_changed_or_deleted_through_the_orm(clinician):
    entry = AuditEntry.objects.create(
        user=clinician.user, action="view", object_type="photo", object_id=1
    )
    entry.object_id = 2
    with pytest.raises(PermissionError):
        entry.save()
    with pytest.raises(PermissionError):
        entry.delete()
    with pytest.raises(PermissionError):
        AuditEntry.objects.all().update(object_id=3)
    with pytest.raises(PermissionError):
        AuditEntry.objects.all().delete()
    entry.refresh_from_db()
    assert entry.object_id == 1


@pytest.mark.postgres
def test_on_postgresql_the_database_refuses_to_change_or_delete_an_audit_entry(clinician):
    if connection.vendor != "postgresql":
        pytest.skip("the append-only trigger exists on PostgreSQL only")
    entry = AuditEntry.objects.create(
        user=clinician.user, action="view", object_type="photo", object_id=1
    )
    for sql in (
        "UPDATE clinical_auditentry SET object_id = 9",
        "DELETE FROM clinical_auditentry",
    ):
        with (
            pytest.raises(Exception, match="append-only"),
            transaction.atomic(),
            connection.cursor() as cursor,
        ):
            cursor.execute(sql)
    entry.refresh_from_db()
    assert entry.object_id == 1


def test_audit_entries_are_listed_and_filtered_for_the_clinic_manager_in_the_admin(
    client, manager, clinician, recorded_plan
):
    plan, _records = recorded_plan
    sign_in(client, clinician.user)
    client.get(reverse("clinical:plan-detail", args=[plan.pk]))
    sign_in(client, manager)

    listing = client.get("/admin/clinical/auditentry/", {"object_type__exact": "screening"})

    assert listing.status_code == 200
    assert list(listing.context["cl"].result_list) == list(
        AuditEntry.objects.filter(object_type="screening")
    )
    assert listing.context["cl"].result_count == 1


@pytest.mark.parametrize("who", ["manager", "superuser"])
def test_no_one_can_add_change_or_delete_an_audit_entry_in_the_admin(
    client, manager, clinician, who
):
    user = (
        manager
        if who == "manager"
        else UserFactory(username="root", is_staff=True, is_superuser=True)
    )
    entry = AuditEntry.objects.create(
        user=clinician.user, action="view", object_type="photo", object_id=1
    )
    sign_in(client, user)
    base = "/admin/clinical/auditentry/"

    assert client.get(f"{base}add/").status_code == 403
    change = client.get(f"{base}{entry.pk}/change/")
    assert change.status_code == 200  # view only
    assert 'name="_save"' not in change.content.decode()
    assert client.post(f"{base}{entry.pk}/change/", {"object_id": 5}).status_code == 403
    assert client.get(f"{base}{entry.pk}/delete/").status_code == 403
    assert client.post(f"{base}{entry.pk}/delete/", {"post": "yes"}).status_code == 403
    bulk = client.post(
        base, {"action": "delete_selected", "_selected_action": [entry.pk], "post": "yes"}
    )
    assert bulk.status_code in (200, 302, 403)
    entry.refresh_from_db()
    assert entry.object_id == 1
    assert AuditEntry.objects.count() == 1


def test_the_audit_list_is_not_for_clinicians_or_reception(client, clinician, receptionist):
    for user in (clinician.user, receptionist):
        sign_in(client, user)
        assert client.get("/admin/clinical/auditentry/").status_code == 403


@pytest.mark.parametrize("term", ["12", "anna", "not-a-number"])
def test_the_audit_list_can_be_searched_by_user_object_id_or_address(
    client, manager, clinician, term
):
    AuditEntry.objects.create(user=clinician.user, action="view", object_type="photo", object_id=12)
    sign_in(client, manager)
    response = client.get("/admin/clinical/auditentry/", {"q": term})
    assert response.status_code == 200
    expected = 0 if term == "not-a-number" else 1
    assert response.context["cl"].result_count == expected


def test_behind_the_clinics_proxy_the_audit_records_the_clients_address_not_the_proxys(
    rf, settings, clinician
):
    """One client-IP rule for the audit, the rate limits and the sign-in lockouts."""
    from clinical.audit import audit_record
    from clinical.models import AuditObject

    settings.SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    request = rf.get("/", REMOTE_ADDR="10.0.0.2", HTTP_X_FORWARDED_FOR="203.0.113.9")
    request.user = clinician.user

    (entry,) = audit_record(request=request, object_type=AuditObject.SCREENING, object_ids=[1])

    assert entry.ip_address == "203.0.113.9"
