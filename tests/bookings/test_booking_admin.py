"""Screening questions and consent texts are edited in the admin; an accepted text is frozen."""

import pytest
from django.urls import reverse

from bookings import demo
from bookings.models import ConsentText, Plan, ScreeningQuestion
from tests.bookings.online import book
from tests.clinic_data import seed_small_clinic

pytestmark = pytest.mark.django_db


def test_screening_questions_are_listed_and_editable_in_three_languages(receptionist_client):
    demo.seed_screening()
    question = ScreeningQuestion.objects.first()
    listing = receptionist_client.get(reverse("admin:bookings_screeningquestion_changelist"))
    assert listing.status_code == 200
    assert question.text_en in listing.content.decode()
    form = receptionist_client.get(
        reverse("admin:bookings_screeningquestion_change", args=[question.pk])
    ).content.decode()
    for language in ("en", "de", "tr"):
        assert f'name="text_{language}"' in form


def test_a_consent_text_that_was_accepted_cannot_be_changed_or_deleted(receptionist_client, client):
    clinic = seed_small_clinic()
    book(client, clinic.protocol)
    accepted = Plan.objects.get().consent_text
    unused = ConsentText.objects.filter(language="tr", plans__isnull=True).first()

    page = receptionist_client.get(
        reverse("admin:bookings_consenttext_change", args=[accepted.pk])
    ).content.decode()
    assert 'name="body"' not in page  # shown read-only
    response = receptionist_client.post(
        reverse("admin:bookings_consenttext_change", args=[accepted.pk]),
        {"language": "en", "version": 1, "title": "Changed", "body": "Changed"},
    )
    assert response.status_code == 403
    assert ConsentText.objects.get(pk=accepted.pk).title != "Changed"
    deleting = receptionist_client.post(
        reverse("admin:bookings_consenttext_delete", args=[accepted.pk]), {"post": "yes"}
    )
    assert deleting.status_code == 403
    assert ConsentText.objects.filter(pk=accepted.pk).exists()

    editable = receptionist_client.get(
        reverse("admin:bookings_consenttext_change", args=[unused.pk])
    ).content.decode()
    assert 'name="body"' in editable


def test_seeding_keeps_the_clinics_questions_and_never_rewrites_consent():
    demo.seed_screening()
    demo.seed_consent()
    ScreeningQuestion.objects.update(text_en="Edited by the clinic")
    ConsentText.objects.filter(language="de").update(title="Geändert")
    texts = ConsentText.objects.count()
    demo.seed_screening()
    demo.seed_consent()
    assert set(ScreeningQuestion.objects.values_list("text_en", flat=True)) == {
        "Edited by the clinic"
    }
    assert set(ConsentText.objects.filter(language="de").values_list("title", flat=True)) == {
        "Geändert"
    }
    assert ConsentText.objects.count() == texts
