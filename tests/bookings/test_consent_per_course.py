"""Consent is specific to the course: its risks follow the procedure and the exosome source.

Each combination of procedure and source has its own versioned text in every language; a plan
records the exact version its patient accepted; a changed text is a new version, and a version
that was accepted never changes.
"""

import pytest
from django.test import Client

from bookings import demo
from bookings.engine.consent import consent_text_publish
from bookings.models import ConsentText, Plan, PlanStatus
from tests.bookings.online import book
from tests.clinic_data import seed_small_clinic
from treatments.models import Procedure, Source

pytestmark = pytest.mark.django_db

LANGUAGES = ["en", "de", "tr"]

# What a patient must read for each procedure and source, in each language.
PROCEDURE_RISKS = {
    Procedure.FRACTIONAL_LASER: {
        "en": ["crusts", "weeks or months", "antiviral"],
        "de": ["verkrustet", "Wochen oder Monate", "antivirales Mittel"],
        "tr": ["kabuklanır", "aylarca", "antiviral"],
    },
    Procedure.MICRONEEDLING: {
        "en": ["granulomas"],
        "de": ["Granulome"],
        "tr": ["granülom"],
    },
    Procedure.RF_MICRONEEDLING: {
        "en": ["granulomas", "heat"],
        "de": ["Granulome", "Wärme"],
        "tr": ["granülom", "ısı"],
    },
}
SOURCE_RISKS = {
    Source.MSC_READY_MADE: {
        "en": ["donor cells"],
        "de": ["Spenderzellen"],
        "tr": ["donör hücrelerden"],
    },
    Source.MSC_OWN_ADIPOSE: {
        "en": ["bruising", "infection", "uneven skin contour"],
        "de": ["Blutergüsse", "Infektion", "unebene Hautkontur"],
        "tr": ["morarma", "enfeksiyon", "düzensiz kontur"],
    },
    Source.PRP_OWN: {
        "en": ["blood is taken"],
        "de": ["Blut abgenommen"],
        "tr": ["kanım alınır"],
    },
}


@pytest.mark.parametrize("language", LANGUAGES)
@pytest.mark.parametrize("procedure", list(Procedure))
@pytest.mark.parametrize("source", list(Source))
def test_every_procedure_and_source_has_its_own_consent_with_its_risks(procedure, source, language):
    demo.seed_consent()

    text = ConsentText.objects.get(language=language, procedure=procedure, source=source, version=1)

    for risk in PROCEDURE_RISKS[procedure][language] + SOURCE_RISKS[source][language]:
        assert risk in text.body, f"{procedure} + {source} ({language}) lacks {risk!r}"
    for other in Source:
        if other != source:  # the first phrase of each source is its own
            assert SOURCE_RISKS[other][language][0] not in text.body


def test_the_laser_consent_no_longer_says_only_weeks_of_redness_or_antiviral_only_if_prone():
    demo.seed_consent()
    laser = ConsentText.objects.get(
        language="en", procedure=Procedure.FRACTIONAL_LASER, source=Source.MSC_READY_MADE
    )
    general = ConsentText.objects.get(language="en", procedure="", source="")

    assert "for everyone" in laser.body and "months" in laser.body
    # The general text (kept for courses without their own) never named these risks.
    assert "crusts" not in general.body and "granulomas" not in general.body


def test_each_course_records_the_consent_of_its_own_procedure_and_source(client: Client):
    clinic = seed_small_clinic()  # ready-made + microneedling, and own PRP + microneedling

    book(client, clinic.protocol)
    book(Client(), clinic.prp_protocol, email="ayse@example.com", full_name="Ayşe Demir")

    ready_made = Plan.objects.get(protocol=clinic.protocol)
    own_prp = Plan.objects.get(protocol=clinic.prp_protocol)
    assert ready_made.status == own_prp.status == PlanStatus.CONFIRMED
    assert (ready_made.consent_text.procedure, ready_made.consent_text.source) == (
        Procedure.MICRONEEDLING,
        Source.MSC_READY_MADE,
    )
    assert (own_prp.consent_text.procedure, own_prp.consent_text.source) == (
        Procedure.MICRONEEDLING,
        Source.PRP_OWN,
    )
    assert ready_made.consent_text.version == own_prp.consent_text.version == 1
    assert "donor cells" in ready_made.consent_text.body
    assert "blood is taken" in own_prp.consent_text.body
    assert "donor cells" not in own_prp.consent_text.body


def test_a_changed_course_consent_is_a_new_version_and_the_accepted_one_never_changes(
    client: Client,
):
    clinic = seed_small_clinic()
    book(client, clinic.protocol)
    accepted = Plan.objects.get().consent_text
    accepted_body = accepted.body

    newer = consent_text_publish(
        language="en",
        procedure=clinic.protocol.procedure,
        source=clinic.protocol.source,
        title=accepted.title,
        body=accepted_body + "\n\nA sentence the clinic added.",
    )
    book(Client(), clinic.protocol, email="ayse@example.com", full_name="Ayşe Demir")

    assert newer.version == accepted.version + 1
    accepted.refresh_from_db()
    assert accepted.body == accepted_body
    first, second = Plan.objects.order_by("pk")
    assert first.consent_text == accepted
    assert second.consent_text == newer
    # Other combinations keep their own numbering.
    assert (
        ConsentText.objects.filter(
            language="en", procedure=Procedure.MICRONEEDLING, source=Source.PRP_OWN
        )
        .order_by("-version")
        .first()
        .version
        == 1
    )


def test_a_course_without_a_text_in_its_language_gets_the_english_one_of_its_combination():
    clinic = seed_small_clinic()
    ConsentText.objects.filter(
        language="tr", procedure=clinic.protocol.procedure, source=clinic.protocol.source
    ).delete()

    chosen = ConsentText.objects.for_course(clinic.protocol, "tr")

    assert (chosen.language, chosen.procedure, chosen.source) == (
        "en",
        clinic.protocol.procedure,
        clinic.protocol.source,
    )


def test_only_a_course_without_any_specific_text_falls_back_to_the_general_one():
    clinic = seed_small_clinic()
    ConsentText.objects.filter(
        procedure=clinic.protocol.procedure, source=clinic.protocol.source
    ).delete()

    chosen = ConsentText.objects.for_course(clinic.protocol, "de")

    assert (chosen.language, chosen.procedure, chosen.source) == ("de", "", "")
