"""Factories for the test personas and the catalogue."""

from decimal import Decimal

import factory
from django.contrib.auth import get_user_model

from treatments.models import Indication, Procedure, Protocol, Source


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

    class Params:
        autologous_prp = factory.Trait(
            source=Source.PRP_OWN, preparation_minutes=30, lab_lead_days=14
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
