"""The team page: who treats patients, with their qualifications, linked from the booking flow."""

import pytest
from django.urls import reverse
from django.utils import translation

from bookings import demo as bookings_demo
from bookings.models import Clinician
from tests.bookings.online import answer_screening, book, url
from tests.clinic_data import seed_small_clinic
from tests.factories import ClinicianFactory, ProtocolFactory

pytestmark = pytest.mark.django_db


def team_url(language: str = "en") -> str:
    with translation.override(language):
        return reverse("education:team")


def test_the_team_page_lists_active_clinicians_with_qualifications_and_courses(
    client, django_assert_max_num_queries
):
    shown = ProtocolFactory(name="Acne scar renewal", published=True)
    draft = ProtocolFactory(name="Secret draft course", published=False)
    ClinicianFactory(
        display_name="Dr. med. Anna Weber",
        qualification="Dermatologist",
        qualifications="Specialist in dermatology\n\nTrained in microneedling\n",
        protocols=[shown, draft],
    )
    ClinicianFactory(display_name="Dr. Gone Away", active=False)

    with django_assert_max_num_queries(6):
        html = client.get(team_url()).text

    assert '<h1 class="mb-3">Our team</h1>' in html
    assert "Dr. med. Anna Weber" in html
    assert "Dermatologist" in html
    assert "<li>Specialist in dermatology</li><li>Trained in microneedling</li>" in html
    assert f'<a href="{shown.get_absolute_url()}">Acne scar renewal</a>' in html
    assert "Secret draft course" not in html
    assert "Dr. Gone Away" not in html


@pytest.mark.parametrize(
    ("language", "marker"),
    [
        ("en", "[Demo profile of a fictional person"),
        ("de", "[Demoprofil einer erfundenen Person"),
        ("tr", "[Kurgusal bir kişinin demo profili"),
    ],
)
def test_the_demo_team_is_plainly_marked_as_demo_in_every_language(client, language, marker):
    from treatments import demo as treatments_demo

    treatments_demo.seed()
    bookings_demo.seed()

    html = client.get(team_url(language)).text

    for clinician in Clinician.objects.all():
        assert clinician.display_name in html
        assert getattr(clinician, f"qualifications_{language}").startswith(marker)
    assert html.count(marker) == Clinician.objects.count()


def test_a_clinician_whose_account_was_deactivated_in_the_user_admin_is_not_listed(client):
    ClinicianFactory(display_name="Dr. Still Here")
    gone = ClinicianFactory(display_name="Dr. Left Long Ago")
    gone.user.is_active = False
    gone.user.save()

    html = client.get(team_url()).text

    assert "Dr. Still Here" in html
    assert "Dr. Left Long Ago" not in html


def test_the_times_page_links_to_the_team(client):
    clinic = seed_small_clinic()
    answer_screening(client, clinic.protocol)

    html = client.get(url("times", clinic.protocol)).text

    assert f'<a href="{team_url()}">Who are the clinicians?</a>' in html


def test_the_done_page_links_to_the_team(client):
    clinic = seed_small_clinic()

    response = book(client, clinic.protocol)
    html = client.get(response.url).text

    assert response.url == url("done")
    assert f'<a href="{team_url()}">Meet the clinicians who will treat you</a>' in html
