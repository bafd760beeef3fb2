"""From consultation to course (issue 18): after a consultation the clinician recommends a
protocol; the patient's email link opens the booking of it with the recommendation applied
(screening first), and the course booked from it is linked to the recommendation."""

import re
from datetime import timedelta

import pytest
from django.contrib.auth.models import Group
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from bookings.engine.rules import local_date
from bookings.models import (
    Appointment,
    AppointmentKind,
    ConsultationRequest,
    OutgoingEmail,
    Plan,
    PlanKind,
    PlanStatus,
    Recommendation,
)
from clinical.roles import CLINICIAN
from tests.bookings.online import DETAILS, answer_screening, consent_post, url, with_proposal
from tests.clinic_data import seed_small_clinic
from tests.clinical.conftest import sign_in
from tests.factories import PatientFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def clinic():
    clinic = seed_small_clinic()
    for clinician in clinic.clinicians:
        clinician.user.is_staff = True
        clinician.user.save()
        clinician.user.groups.add(Group.objects.get(name=CLINICIAN))
    return clinic


@pytest.fixture
def anna(clinic):
    return clinic.clinicians[0]


@pytest.fixture
def mehmet(clinic):
    return clinic.clinicians[1]


@pytest.fixture
def maria(db):
    return PatientFactory(
        full_name=DETAILS["full_name"],
        email=DETAILS["email"],
        date_of_birth=DETAILS["date_of_birth"],
        preferred_language="en",
    )


@pytest.fixture
def consultation(anna, maria):
    """Maria's consultation with Dr. Weber, an hour ago (setup: straight into the calendar)."""
    start = timezone.now() - timedelta(hours=1)
    plan = Plan.objects.create(
        patient=maria, kind=PlanKind.CONSULTATION, clinician=anna, status=PlanStatus.CONFIRMED
    )
    Appointment.objects.create(
        plan=plan,
        kind=AppointmentKind.CONSULTATION,
        sequence=1,
        start=start,
        end=start + timedelta(minutes=20),
        clinician=anna,
    )
    ConsultationRequest.objects.create(plan=plan, topics=["costs"], message="Acne scars")
    return plan


def recommend(client, consultation, protocol, **extra):
    return client.post(
        reverse("clinical:consultation", kwargs={"plan_id": consultation.pk}),
        {"protocol": protocol.pk, **extra},
        follow=True,
    )


def link_in(email: OutgoingEmail) -> str:
    return re.search(r"https?://[^/\s]+(/\S+/book/recommended/\S+/)", email.body_text).group(1)


def test_the_clinician_sees_what_the_patient_wants_to_discuss(clinic, anna, consultation):
    page = sign_in(Client(), anna.user).get(
        reverse("clinical:consultation", kwargs={"plan_id": consultation.pk})
    )
    text = page.content.decode()
    assert "Costs and number of sessions" in text
    assert "Acne scars" in text
    assert "Recommend a course" in text


def test_the_recommendation_link_applies_the_protocol_clinician_and_earliest_start_and_links_the_plan(  # noqa: E501
    clinic, anna, mehmet, maria, consultation
):
    earliest = local_date(timezone.now()) + timedelta(days=10)
    recommend(
        sign_in(Client(), anna.user),
        consultation,
        clinic.protocol,
        clinician=mehmet.pk,
        earliest_start=earliest.isoformat(),
        note="Three sessions should be enough to judge.",
    )
    recommendation = Recommendation.objects.get(consultation=consultation)
    assert recommendation.recommended_by == anna
    assert recommendation.booked_plan is None
    email = OutgoingEmail.objects.get(template="recommendation")
    assert email.to == maria.email
    assert "not a promise of results" in email.body_text
    assert "Three sessions should be enough to judge." in email.body_text
    token = link_in(email).rstrip("/").rsplit("/", 1)[1]
    assert recommendation.token_hash != token  # only the hash is stored

    patient = Client()
    opened = patient.get(link_in(email))
    assert opened["Location"] == url("start", clinic.protocol)  # screening still comes first
    assert patient.get(url("times", clinic.protocol))["Location"] == url("start", clinic.protocol)
    answer_screening(patient, clinic.protocol)
    times = patient.get(url("times", clinic.protocol))
    assert "follow your clinician's recommendation" in times.content.decode()
    visits = times.context["visits"]
    assert {v["clinician"] for v in visits} == {mehmet.display_name}
    assert local_date(visits[0]["start"]) >= earliest
    patient.post(url("details", clinic.protocol), with_proposal(patient, DETAILS))
    patient.post(url("review", clinic.protocol), consent_post(patient, clinic.protocol))

    course = Plan.objects.get(kind=PlanKind.COURSE, patient=maria)
    assert course.status == PlanStatus.CONFIRMED
    recommendation.refresh_from_db()
    assert recommendation.booked_plan == course
    dashboard = sign_in(Client(), anna.user).get(reverse("clinical:dashboard")).content.decode()
    assert "My recommendations" in dashboard
    assert "Booked" in dashboard and "Not booked yet" not in dashboard


def test_a_course_booked_by_someone_else_from_the_link_is_not_linked(clinic, anna, consultation):
    recommend(sign_in(Client(), anna.user), consultation, clinic.protocol)
    email = OutgoingEmail.objects.get(template="recommendation")
    stranger = Client()
    stranger.get(link_in(email))
    answer_screening(stranger, clinic.protocol)
    stranger.get(url("times", clinic.protocol))
    stranger.post(
        url("details", clinic.protocol),
        with_proposal(stranger, {**DETAILS, "email": "ayse@example.com"}),
    )
    stranger.post(url("review", clinic.protocol), consent_post(stranger, clinic.protocol))

    assert Plan.objects.filter(kind=PlanKind.COURSE, patient__email="ayse@example.com").exists()
    assert Recommendation.objects.get().booked_plan is None


def test_an_unknown_or_altered_link_token_gives_404(client, clinic, anna, consultation):
    recommend(sign_in(Client(), anna.user), consultation, clinic.protocol)
    good = link_in(OutgoingEmail.objects.get(template="recommendation"))
    assert client.get(good[:-3] + "xx/").status_code == 404
    assert client.get(url("recommended", token="not-a-token")).status_code == 404


def test_another_clinicians_patient_consultation_gives_404(clinic, mehmet, consultation):
    page = sign_in(Client(), mehmet.user).get(
        reverse("clinical:consultation", kwargs={"plan_id": consultation.pk})
    )
    assert page.status_code == 404
    assert not Recommendation.objects.exists()


def test_no_recommendation_before_the_consultation_has_taken_place(clinic, anna, consultation):
    consultation.appointments.update(
        start=timezone.now() + timedelta(days=1),
        end=timezone.now() + timedelta(days=1, minutes=20),
    )
    response = recommend(sign_in(Client(), anna.user), consultation, clinic.protocol)
    assert response.status_code == 403
    assert not Recommendation.objects.exists()
