"""Stock: lots entered by the manager in the admin, and free-text lot numbers migrated into lots."""

import importlib
from datetime import date, timedelta

import pytest
from django.apps import apps
from django.urls import reverse
from django.utils import timezone

from bookings.models import PlanStatus
from clinical.models import Lot, TreatmentRecord
from tests.factories import ProductFactory, TreatmentRecordFactory
from tests.second_factor import login_with_second_factor
from treatments.models import ProductSource

pytestmark = pytest.mark.django_db

migration = importlib.import_module("clinical.migrations.0009_lots_from_free_text")


def test_free_text_lot_numbers_become_lots_matched_without_case_spaces_or_dashes(
    make_plan, clinician
):
    past = timezone.now() - timedelta(days=60)
    first = make_plan(clinician=clinician, status=PlanStatus.CONFIRMED, first_start=past)
    second = make_plan(clinician=clinician, status=PlanStatus.CONFIRMED, first_start=past)
    typed = ["EXO 2026 0412", "exo-2026-0412", "OTHER-1"]
    sessions = [
        first.appointments.get(sequence=1),
        second.appointments.get(sequence=1),
        second.appointments.get(sequence=2),
    ]
    for session, lot_number in zip(sessions, typed, strict=True):
        TreatmentRecordFactory(appointment=session, recorded_by=clinician, lot_number=lot_number)
    # As before this change: text only, no lot row.
    TreatmentRecord.objects.update(lot=None)
    Lot.objects.all().delete()

    migration.lots_from_records(apps, None)

    lots = {lot.lot_key: lot for lot in Lot.objects.all()}
    assert set(lots) == {"EXO20260412", "OTHER1"}
    assert lots["EXO20260412"].quantity_received == 2
    # As entered at the earliest session (the second plan starts 70 minutes before the first).
    assert lots["EXO20260412"].lot_number == "exo-2026-0412"
    assert TreatmentRecord.objects.filter(lot__isnull=True).count() == 0


def test_the_manager_enters_a_lot_and_cannot_mark_it_recalled_in_the_admin(client, manager):
    product = ProductFactory()
    login_with_second_factor(client, manager)
    add = reverse("admin:clinical_lot_add")
    form = client.get(add).content.decode()
    assert 'value="quarantined"' in form and 'value="recalled"' not in form

    response = client.post(
        add,
        {
            "product": product.pk,
            "lot_number": "exo-2026-0500",
            "expiry_date": "2027-06-30",
            "received_on": "2026-11-01",
            "quantity_received": "12",
            "status": "in_use",
        },
    )

    assert response.status_code == 302
    lot = Lot.objects.get()
    assert (lot.lot_key, lot.quantity_received) == ("EXO20260500", 12)


def test_an_own_blood_lot_needs_its_patient(client, manager):
    own = ProductFactory(name="Own PRP", source=ProductSource.OWN_BLOOD, donor_tissue="")
    login_with_second_factor(client, manager)
    response = client.post(
        reverse("admin:clinical_lot_add"),
        {
            "product": own.pk,
            "lot_number": "PRP-1",
            "expiry_date": (date.today() + timedelta(days=10)).isoformat(),
            "received_on": date.today().isoformat(),
            "quantity_received": "1",
            "status": "in_use",
        },
    )
    assert response.status_code == 200
    assert "belongs to that patient" in response.content.decode()
    assert not Lot.objects.exists()


def _lot_form(product, number: str) -> dict[str, object]:
    return {
        "product": product.pk,
        "lot_number": number,
        "expiry_date": "2027-06-30",
        "received_on": "2026-11-01",
        "quantity_received": "12",
        "status": "in_use",
    }


@pytest.mark.parametrize("second", ["exo 2026 0412", "EXO\u20132026\u20130412", "Exo-2026-0412 "])
def test_a_second_lot_with_the_same_normalised_number_is_a_form_error(client, manager, second):
    product = ProductFactory()
    login_with_second_factor(client, manager)
    add = reverse("admin:clinical_lot_add")
    assert client.post(add, _lot_form(product, "EXO-2026-0412")).status_code == 302
    client.raise_request_exception = False
    response = client.post(add, _lot_form(product, second))
    assert response.status_code == 200  # the form again, with the error
    assert "already has a lot with this number" in response.content.decode()
    assert Lot.objects.count() == 1


def test_the_same_lot_number_for_another_product_is_accepted(client, manager):
    login_with_second_factor(client, manager)
    add = reverse("admin:clinical_lot_add")
    assert client.post(add, _lot_form(ProductFactory(), "EXO-2026-0412")).status_code == 302
    assert (
        client.post(
            add, _lot_form(ProductFactory(name="Other exosomes"), "exo 2026 0412")
        ).status_code
        == 302
    )
    assert Lot.objects.count() == 2


@pytest.mark.parametrize("number", ["- - -", "\u2013", "  "])
def test_a_lot_number_without_a_letter_or_digit_is_refused(client, manager, number):
    """Its key would be "": every other such lot, and any search for "-", would match it."""
    product = ProductFactory()
    login_with_second_factor(client, manager)
    client.raise_request_exception = False
    response = client.post(reverse("admin:clinical_lot_add"), _lot_form(product, number))
    assert response.status_code == 200
    assert not Lot.objects.exists()
    if number.strip():
        assert "needs at least one letter or digit" in response.content.decode()
