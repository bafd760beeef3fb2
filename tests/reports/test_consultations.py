"""The clinic's numbers for consultations (issue 18, item 7): how many were booked in the
period and the share that led to a course."""

from datetime import timedelta

import pytest
from django.urls import reverse

from bookings.models import (
    Appointment,
    AppointmentKind,
    AppointmentStatus,
    Plan,
    PlanKind,
    PlanStatus,
    Recommendation,
)
from reports.consultations import consultation_report
from reports.selectors import ReportScope
from reports.tables import percent
from tests.factories import ClinicianFactory, PatientFactory, ProtocolFactory
from tests.reports.conftest import MONDAY, SUNDAY, at, weekday

pytestmark = pytest.mark.django_db


def consultation(clinician, patient, start, *, status=AppointmentStatus.COMPLETED):
    plan = Plan.objects.create(
        patient=patient,
        kind=PlanKind.CONSULTATION,
        clinician=clinician,
        status=PlanStatus.CONFIRMED,
        confirmed_at=start - timedelta(days=3),
    )
    Appointment.objects.create(
        plan=plan,
        kind=AppointmentKind.CONSULTATION,
        sequence=1,
        start=start,
        end=start + timedelta(minutes=20),
        clinician=clinician,
        status=status,
    )
    return plan


def course(clinician, patient, protocol, confirmed_at):
    return Plan.objects.create(
        patient=patient,
        protocol=protocol,
        clinician=clinician,
        status=PlanStatus.CONFIRMED,
        confirmed_at=confirmed_at,
    )


@pytest.fixture
def four_consultations():
    """Four consultations in the week: one led to a course from the recommendation link, one
    to a course booked otherwise, one to nothing, and one was cancelled (not counted). A course
    the patient had before the consultation does not count."""
    protocol = ProtocolFactory()
    anna = ClinicianFactory(protocols=[protocol])
    maria, ayse, jonas, lea = (PatientFactory() for _ in range(4))
    first = consultation(anna, maria, at(weekday(0), "10:00"))
    recommendation = Recommendation.objects.create(
        consultation=first,
        protocol=protocol,
        recommended_by=anna,
        token_hash="a" * 64,
        booked_plan=course(anna, maria, protocol, at(weekday(1), "09:00")),
    )
    consultation(anna, ayse, at(weekday(1), "10:00"))
    course(anna, ayse, protocol, at(weekday(4), "12:00"))
    consultation(anna, jonas, at(weekday(2), "10:00"))
    course(anna, jonas, protocol, at(weekday(0), "08:00"))  # before: not "led to"
    consultation(anna, lea, at(weekday(3), "10:00"), status=AppointmentStatus.CANCELLED)
    return recommendation


def test_consultations_booked_and_the_share_that_led_to_a_course(four_consultations):
    report = consultation_report(scope=ReportScope(first=MONDAY, last=SUNDAY))

    assert report.booked == 3
    assert report.recommended == 1
    assert report.led_to_course == 2
    assert report.via_recommendation == 1
    assert report.course_share == pytest.approx(2 / 3)


def test_the_manager_sees_the_consultation_numbers_on_the_reports_page(
    four_consultations, manager, signed_in
):
    response = signed_in(manager).get(
        reverse("reports:overview"), {"first": MONDAY.isoformat(), "last": SUNDAY.isoformat()}
    )
    table = response.context["t"]["consultations"]
    assert table.display == [["3", "1", "2", "1", percent(2 / 3)]]
    assert "Share that led to a course" in response.content.decode()
