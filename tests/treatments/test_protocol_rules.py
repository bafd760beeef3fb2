"""A protocol's course rules hold in forms (clear messages) and in the database (constraints)."""

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.forms import modelform_factory

from tests.factories import IndicationFactory, ProtocolFactory
from treatments.models import Protocol, Source

pytestmark = pytest.mark.django_db

ProtocolForm = modelform_factory(
    Protocol,
    fields=[
        "name_en",
        "slug",
        "source",
        "indications",
        "procedure",
        "session_count",
        "min_interval_days",
        "max_interval_days",
        "session_minutes",
        "preparation_minutes",
        "lab_lead_days",
        "price",
        "summary_en",
        "description_en",
        "what_to_expect_en",
        "aftercare_en",
    ],
)


def valid_form_data(**changes: object) -> dict[str, object]:
    data = {
        "name_en": "Acne scar course",
        "slug": "acne-scar-course",
        "source": Source.MSC_READY_MADE,
        "indications": [IndicationFactory(slug="acne-scars").pk],
        "procedure": "fractional_laser",
        "session_count": 3,
        "min_interval_days": 28,
        "max_interval_days": 42,
        "session_minutes": 75,
        "preparation_minutes": 0,
        "lab_lead_days": 0,
        "price": "1650.00",
        "summary_en": "Three laser sessions.",
        "description_en": "For acne scars.",
        "what_to_expect_en": "Redness.",
        "aftercare_en": "Sun protection.",
    }
    data.update(changes)
    return data


def test_a_valid_protocol_form_saves():
    form = ProtocolForm(data=valid_form_data())

    assert form.is_valid(), form.errors
    protocol = form.save()
    assert Protocol.objects.get(pk=protocol.pk).session_count == 3


@pytest.mark.parametrize("sessions", [0, 4])
def test_form_refuses_a_course_of_zero_or_four_sessions(sessions):
    form = ProtocolForm(data=valid_form_data(session_count=sessions))

    assert not form.is_valid()
    assert "session_count" in form.errors
    assert not Protocol.objects.exists()


@pytest.mark.parametrize("sessions", [0, 4])
def test_database_refuses_a_course_of_zero_or_four_sessions(sessions):
    with (
        pytest.raises(IntegrityError, match="protocol_session_count_1_to_3"),
        transaction.atomic(),
    ):
        ProtocolFactory(session_count=sessions)
    assert not Protocol.objects.exists()


def test_form_refuses_a_minimum_interval_above_the_maximum():
    form = ProtocolForm(data=valid_form_data(min_interval_days=30, max_interval_days=20))

    assert not form.is_valid()
    assert form.errors["max_interval_days"] == [
        "The maximum days between sessions must not be less than the minimum (30)."
    ]


def test_database_refuses_a_minimum_interval_above_the_maximum():
    with (
        pytest.raises(IntegrityError, match="protocol_interval_min_le_max"),
        transaction.atomic(),
    ):
        ProtocolFactory(min_interval_days=30, max_interval_days=20)
    assert not Protocol.objects.exists()


def test_form_refuses_an_autologous_protocol_without_preparation():
    form = ProtocolForm(
        data=valid_form_data(source=Source.PRP_OWN, preparation_minutes=0, lab_lead_days=0)
    )

    assert not form.is_valid()
    assert "preparation visit" in form.errors["preparation_minutes"][0]
    assert "lab time" in form.errors["lab_lead_days"][0]


@pytest.mark.parametrize(("preparation_minutes", "lab_lead_days"), [(0, 14), (30, 0), (0, 0)])
def test_database_refuses_an_autologous_protocol_without_preparation(
    preparation_minutes, lab_lead_days
):
    with (
        pytest.raises(IntegrityError, match="protocol_autologous_needs_preparation"),
        transaction.atomic(),
    ):
        ProtocolFactory(
            source=Source.MSC_OWN_ADIPOSE,
            preparation_minutes=preparation_minutes,
            lab_lead_days=lab_lead_days,
        )


def test_database_refuses_a_preparation_visit_for_ready_made_exosomes():
    with (
        pytest.raises(IntegrityError, match="protocol_autologous_needs_preparation"),
        transaction.atomic(),
    ):
        ProtocolFactory(source=Source.MSC_READY_MADE, preparation_minutes=30, lab_lead_days=14)
    assert not Protocol.objects.exists()


def test_an_autologous_protocol_with_preparation_and_lab_time_is_accepted():
    form = ProtocolForm(
        data=valid_form_data(source=Source.PRP_OWN, preparation_minutes=30, lab_lead_days=14)
    )

    assert form.is_valid(), form.errors
    assert form.save().is_autologous


def test_a_model_validation_error_names_the_rule_not_a_database_error():
    protocol = ProtocolFactory.build(
        session_count=3, min_interval_days=40, max_interval_days=10, published=False
    )

    with pytest.raises(ValidationError) as excinfo:
        protocol.full_clean()

    assert excinfo.value.message_dict == {
        "max_interval_days": [
            "The maximum days between sessions must not be less than the minimum (40)."
        ]
    }


def test_model_validation_of_an_autologous_protocol_names_both_missing_fields():
    protocol = ProtocolFactory.build(source=Source.PRP_OWN, preparation_minutes=0, lab_lead_days=0)

    with pytest.raises(ValidationError) as excinfo:
        protocol.full_clean()

    assert set(excinfo.value.message_dict) == {"preparation_minutes", "lab_lead_days"}


def test_a_ready_made_protocol_without_a_product_cannot_be_published_nor_booked(client):
    from treatments.models import Protocol

    protocol = ProtocolFactory(product=None, slug="no-product")

    with pytest.raises(ValidationError) as excinfo:
        protocol.full_clean()
    assert "without its product" in str(excinfo.value.message_dict["product"])
    # Published in the table by mistake: still neither listed, shown nor bookable.
    assert not Protocol.objects.published().filter(pk=protocol.pk).exists()
    assert client.get("/en/treatments/no-product/").status_code == 404
    assert client.get("/en/book/no-product/").status_code == 404


def test_the_protocol_page_shows_the_product_and_never_a_placeholder(client):
    from tests.factories import ProductFactory

    product = ProductFactory(name="DemoExo UC (demo product)", is_demo=True)
    ProtocolFactory(product=product, slug="with-product")

    page = client.get("/en/treatments/with-product/").content.decode()

    assert "DemoExo UC (demo product)" in page and "Demo" in page
    assert "Exo Labs" in page and "umbilical cord" in page
    assert "Sold as a cosmetic; not approved as a medicine." in page
    assert "Not entered by the clinic yet" not in page and "Placeholder" not in page
