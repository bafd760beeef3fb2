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
