"""Issue 18, journey (a) in a real browser: a patient books a consultation online from the home
page; after it, the clinician recommends a protocol; the patient books that course from the
link in the recommendation email (screening first), and the course is linked to it."""

from __future__ import annotations

import re
from datetime import timedelta

from django.urls import reverse
from django.utils import timezone

from bookings.engine.rules import local_date
from bookings.models import (
    ConsultationRequest,
    ConsultationSettings,
    OutgoingEmail,
    Plan,
    PlanKind,
    PlanStatus,
    Recommendation,
)
from tests.e2e.conftest import axe_check
from tests.e2e.test_clinician_journeys import make_clinicians_staff, staff_sign_in
from tests.e2e.test_online_booking import PATIENT, answer_all_no, submit


def test_journey_a_consultation_then_recommendation_then_the_course_from_the_email_link(
    small_clinic, new_page
):
    anna, mehmet = small_clinic.clinicians
    make_clinicians_staff(small_clinic)
    offer = ConsultationSettings.objects.create(minutes=20, price=None)
    offer.clinicians.set([anna])

    # 1. The patient books a consultation from the home page.
    patient = new_page()
    patient.goto("/en/")
    with patient.expect_navigation():
        patient.locator("a[href='/en/book/consultation/']").first.click()
    assert "It is not a promise of treatment" in patient.locator("main").inner_text()
    axe_check(patient, "consultation: book")
    # Not the first time offered: it is within a quarter of an hour of the lead time, and a
    # quarter-hour passing between showing the page and sending it (as it did once in CI) makes
    # it too soon, rightly refused.
    patient.locator("form.consultation-form label.btn").last.click()
    patient.check("input[name=topics][value=results]")
    patient.fill("#id_message", "Will it help my acne scars?")
    patient.fill("#id_full_name", PATIENT["full_name"])
    patient.fill("#id_email", PATIENT["email"])
    patient.fill("#id_phone", PATIENT["phone"])
    patient.fill("#id_date_of_birth", PATIENT["date_of_birth"])
    submit(patient, "form.consultation-form")
    patient.wait_for_url(re.compile(r"/book/consultation/done/$"))
    assert "Your consultation is booked" in patient.locator("main").inner_text()
    axe_check(patient, "consultation: done")
    consultation = Plan.objects.get(kind=PlanKind.CONSULTATION)
    assert consultation.status == PlanStatus.CONFIRMED
    assert ConsultationRequest.objects.get(plan=consultation).topics == ["results"]
    assert OutgoingEmail.objects.filter(
        plan=consultation, template="consultation_confirmed"
    ).exists()

    # The consultation takes place (its time is moved to the past: the clock is not).
    started = timezone.now() - timedelta(hours=1)
    consultation.appointments.update(start=started, end=started + timedelta(minutes=20))

    # 2. The clinician sees it on the dashboard and recommends a protocol.
    clinician = new_page()
    dashboard = reverse("clinical:dashboard")
    staff_sign_in(clinician, anna.user, next_path=dashboard)
    detail = reverse("clinical:consultation", kwargs={"plan_id": consultation.pk})
    clinician.goto(detail)
    assert "Will it help my acne scars?" in clinician.locator("main").inner_text()
    axe_check(clinician, "consultation: clinician")
    earliest = local_date(timezone.now()) + timedelta(days=7)
    clinician.select_option("#id_protocol", str(small_clinic.protocol.pk))
    clinician.select_option("#id_clinician", str(mehmet.pk))
    clinician.fill("#id_earliest_start", earliest.isoformat())
    clinician.fill("#id_note", "Three sessions, then we look at the result together.")
    submit(clinician, "form.recommendation-form")
    clinician.wait_for_url(re.compile(re.escape(detail) + "$"))
    assert "Not booked yet" in clinician.locator("main").inner_text()

    # 3. The patient books the recommended course from the email link, screening first.
    email = OutgoingEmail.objects.get(template="recommendation")
    link = re.search(r"https?://[^/\s]+(/\S+/book/recommended/\S+/)", email.body_text).group(1)
    patient.goto(link)
    patient.wait_for_url(re.compile(r"/book/acne-scar-renewal/$"))
    answer_all_no(patient)
    submit(patient, "form.screening-form")
    patient.wait_for_url(re.compile(r"/times/$"))
    assert patient.locator(".recommended-note").count() == 1
    assert mehmet.display_name in patient.locator(".visit-list").inner_text()
    axe_check(patient, "recommended course: times")
    with patient.expect_navigation():
        patient.locator("a[href$='/book/acne-scar-renewal/details/']").first.click()
    patient.fill("#id_full_name", PATIENT["full_name"])
    patient.fill("#id_email", PATIENT["email"])
    patient.fill("#id_phone", PATIENT["phone"])
    patient.fill("#id_date_of_birth", PATIENT["date_of_birth"])
    submit(patient, "form.details-form")
    patient.wait_for_url(re.compile(r"/review/$"))
    patient.check("#id_consent")
    submit(patient, "form:has(#id_consent)")
    patient.wait_for_url(re.compile(r"/book/done/$"))

    course = Plan.objects.get(kind=PlanKind.COURSE)
    assert course.patient_id == consultation.patient_id
    assert local_date(course.appointments.order_by("start").first().start) >= earliest
    assert {a.clinician_id for a in course.appointments.all()} == {mehmet.pk}
    assert Recommendation.objects.get().booked_plan == course

    # 4. The clinician sees that the recommendation became a booking.
    clinician.goto(dashboard)
    assert "Booked" in clinician.locator(".recommendations").inner_text()
