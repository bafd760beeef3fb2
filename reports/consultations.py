"""Consultations in the clinic's reports (issue 18, item 7): how many were held or booked in
the period, and the share that led to a course. Three queries whatever the period.

A consultation "led to a course" when the same patient had a course confirmed after the
consultation started (booked from the clinician's recommendation link or any other way); the
number booked through a recommendation link is shown apart.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.utils.formats import number_format
from django.utils.translation import gettext as _

from bookings.models import (
    AppointmentKind,
    AppointmentStatus,
    Plan,
    PlanKind,
    Recommendation,
)
from reports.selectors import ReportScope, ratio
from reports.tables import Table, percent


@dataclass
class ConsultationNumbers:
    booked: int
    recommended: int
    led_to_course: int
    via_recommendation: int

    @property
    def course_share(self) -> float | None:
        return ratio(self.led_to_course, self.booked)


def consultation_report(*, scope: ReportScope) -> ConsultationNumbers:
    visits = list(
        scope.appointments()
        .filter(kind=AppointmentKind.CONSULTATION)
        .exclude(status=AppointmentStatus.CANCELLED)
        .filter(plan__confirmed_at__isnull=False)
        .values_list("plan_id", "plan__patient_id", "start")
    )
    patient_ids = {patient_id for _plan, patient_id, _start in visits}
    courses: dict[int, list] = {}
    for patient_id, confirmed_at in Plan.objects.filter(
        kind=PlanKind.COURSE, confirmed_at__isnull=False, patient_id__in=patient_ids
    ).values_list("patient_id", "confirmed_at"):
        courses.setdefault(patient_id, []).append(confirmed_at)
    plan_ids = [plan_id for plan_id, _patient, _start in visits]
    recommended: set[int] = set()
    via: set[int] = set()
    for consultation_id, booked_plan_id in Recommendation.objects.filter(
        consultation_id__in=plan_ids
    ).values_list("consultation_id", "booked_plan_id"):
        recommended.add(consultation_id)
        if booked_plan_id is not None:
            via.add(consultation_id)
    led = sum(
        1
        for plan_id, patient_id, start in visits
        if plan_id in via or any(when >= start for when in courses.get(patient_id, ()))
    )
    return ConsultationNumbers(
        booked=len(visits),
        recommended=len(recommended),
        led_to_course=led,
        via_recommendation=len(via),
    )


def consultation_table(report: ConsultationNumbers) -> Table:
    return Table(
        slug="consultations",
        caption=_("Consultations"),
        headers=[
            _("Consultations"),
            _("With a recommendation"),
            _("Led to a course"),
            _("Of these, booked from the recommendation"),
            _("Share that led to a course"),
        ],
        rows=[
            [
                report.booked,
                report.recommended,
                report.led_to_course,
                report.via_recommendation,
                "" if report.course_share is None else f"{report.course_share:.4f}",
            ]
        ],
        display=[
            [
                number_format(report.booked),
                number_format(report.recommended),
                number_format(report.led_to_course),
                number_format(report.via_recommendation),
                percent(report.course_share),
            ]
        ],
    )
