"""Factories for the test personas and the catalogue."""

from datetime import UTC, date, datetime
from decimal import Decimal

import factory
from django.contrib.auth import get_user_model

from clinical.models import lot_key
from treatments.models import Indication, Procedure, Product, ProductSource, Protocol, Source


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = get_user_model()
        django_get_or_create = ("username",)

    username = factory.Sequence(lambda n: f"user{n}")
    email = factory.LazyAttribute(lambda user: f"{user.username}@example.com")
    password = factory.django.Password("correct horse battery staple")


class IndicationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Indication
        django_get_or_create = ("slug",)

    slug = factory.Sequence(lambda n: f"indication-{n}")
    name = factory.LazyAttribute(lambda indication: indication.slug.replace("-", " ").title())


class ProductFactory(factory.django.DjangoModelFactory):
    """A ready-made product from donor cells (one row per name)."""

    class Meta:
        model = Product
        django_get_or_create = ("name",)

    name = "ExoSkin 10B"
    maker = "Exo Labs"
    source = ProductSource.DONOR
    donor_tissue = "umbilical cord"
    regulatory_status = "Sold as a cosmetic; not approved as a medicine."


class ProtocolFactory(factory.django.DjangoModelFactory):
    """A ready-made MSC protocol with microneedling, three sessions 21–35 days apart."""

    class Meta:
        model = Protocol
        skip_postgeneration_save = True

    name = factory.Sequence(lambda n: f"Protocol {n}")
    slug = factory.Sequence(lambda n: f"protocol-{n}")
    source = Source.MSC_READY_MADE
    procedure = Procedure.MICRONEEDLING
    session_count = 3
    min_interval_days = 21
    max_interval_days = 35
    session_minutes = 60
    preparation_minutes = 0
    lab_lead_days = 0
    price = Decimal("1200.00")
    summary = "A course of exosome sessions."
    description = "What the course is for."
    what_to_expect = "Redness for a day or two."
    aftercare = "Sun protection."
    published = True
    product = factory.SubFactory(ProductFactory)

    class Params:
        autologous_prp = factory.Trait(
            source=Source.PRP_OWN, preparation_minutes=30, lab_lead_days=14, product=None
        )
        laser = factory.Trait(procedure=Procedure.FRACTIONAL_LASER)

    @factory.post_generation
    def indications(self, create: bool, extracted: list[Indication] | None, **kwargs: object):
        if create and extracted:
            self.indications.set(extracted)


class ClinicianFactory(factory.django.DjangoModelFactory):
    """A clinician; pass `protocols=[…]` for what they perform, `hours=[…]` for their shifts."""

    class Meta:
        model = "bookings.Clinician"
        skip_postgeneration_save = True

    user = factory.SubFactory(UserFactory, is_staff=True)
    display_name = factory.Sequence(lambda n: f"Dr. Clinician {n}")
    qualification = "Dermatologist"

    @factory.post_generation
    def protocols(self, create: bool, extracted: list[Protocol] | None, **kwargs: object):
        if create and extracted:
            self.protocols.set(extracted)

    @factory.post_generation
    def hours(self, create: bool, extracted: list[tuple] | None, **kwargs: object):
        """Shifts as (weekday, "HH:MM", "HH:MM") tuples."""
        if create and extracted:
            from bookings.models import WorkingHours

            WorkingHours.objects.bulk_create(
                WorkingHours(clinician=self, weekday=day, start=start, end=end)
                for day, start, end in extracted
            )


class DeviceFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "bookings.Device"

    name = factory.Sequence(lambda n: f"Fractional laser {n}")
    procedure = Procedure.FRACTIONAL_LASER


class PatientFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "bookings.Patient"

    full_name = factory.Sequence(lambda n: f"Patient {n}")
    email = factory.Sequence(lambda n: f"patient{n}@example.com")
    phone = "+49 30 1234567"
    date_of_birth = factory.Faker("date_of_birth", minimum_age=20, maximum_age=70)


class ArticleFactory(factory.django.DjangoModelFactory):
    """A published education page in English; pass `related_protocols=[…]` to link treatments."""

    class Meta:
        model = "education.Article"
        skip_postgeneration_save = True

    title = factory.Sequence(lambda n: f"Guide {n}")
    slug = factory.Sequence(lambda n: f"guide-{n}")
    summary = "What this guide explains, in two sentences."
    body = "## What it is\n\nPlain words.\n"
    reviewed_by = factory.SubFactory(ClinicianFactory)
    last_reviewed = date(2026, 11, 16)
    published = True

    @factory.post_generation
    def related_protocols(self, create: bool, extracted: list[Protocol] | None, **kwargs: object):
        if create and extracted:
            self.related_protocols.set(extracted)

    @factory.post_generation
    def related_indications(
        self, create: bool, extracted: list[Indication] | None, **kwargs: object
    ):
        if create and extracted:
            self.related_indications.set(extracted)


class SourceFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "education.Source"

    article = factory.SubFactory(ArticleFactory)
    title = factory.Sequence(lambda n: f"A split-face study of exosomes, part {n}")
    publisher = "Journal of Cosmetic Dermatology"
    year = 2023
    url = factory.Sequence(lambda n: f"https://doi.org/10.1111/jocd.{n}")
    order = factory.Sequence(lambda n: n)


class ScreeningAnswerFactory(factory.django.DjangoModelFactory):
    """A "no" to a harmless question; pass `answer=True, outcome="review"` for a flagged one."""

    class Meta:
        model = "bookings.ScreeningAnswer"

    question = None
    question_text = factory.Sequence(lambda n: f"Screening question {n}?")
    answer = False
    outcome = "fine"
    position = factory.Sequence(lambda n: n)


class ConsentTextFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "bookings.ConsentText"
        django_get_or_create = ("language", "procedure", "source", "version")

    language = "en"
    procedure = ""  # the general text; a course-specific one names its procedure and source
    source = ""
    version = 1
    title = "Consent to exosome treatment"
    body = "I understand the treatment, its risks and alternatives."
    published_at = factory.LazyFunction(lambda: datetime(2026, 1, 5, 9, 0, tzinfo=UTC))


class LotFactory(factory.django.DjangoModelFactory):
    """A lot of stock in use (one row per product and lot number however typed)."""

    class Meta:
        model = "clinical.Lot"
        django_get_or_create = ("product", "lot_key")

    product = factory.SubFactory(ProductFactory)
    lot_number = factory.Sequence(lambda n: f"LOT{n:05d}")
    lot_key = factory.LazyAttribute(lambda lot: lot_key(lot.lot_number))
    expiry_date = date(2030, 12, 31)
    received_on = date(2025, 1, 1)
    quantity_received = 20


class TreatmentRecordFactory(factory.django.DjangoModelFactory):
    """A microneedling session record; pass `appointment=` and `recorded_by=` (and `lot_number=`
    for a lot of that number, created once)."""

    class Meta:
        model = "clinical.TreatmentRecord"

    product_name = "ExoSkin 10B"
    lot_number = factory.Sequence(lambda n: f"LOT{n:05d}")
    expiry_date = date(2030, 12, 31)
    lot = factory.SubFactory(
        LotFactory,
        lot_number=factory.SelfAttribute("..lot_number"),
        expiry_date=factory.SelfAttribute("..expiry_date"),
    )
    needle_depth_mm = Decimal("0.50")
    passes = 2
    areas = factory.LazyFunction(lambda: ["full_face"])
    reactions = "Mild redness."
    notes = ""
