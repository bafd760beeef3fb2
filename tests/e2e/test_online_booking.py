"""Journeys 1, 2 and 4 of PRODUCT.md in a real browser (Playwright + Debian's Chromium).

Each journey reads what the patient sees, runs axe-core on every page of the flow (no serious or
critical violation) and checks the database afterwards. The journeys select elements by form
field ids and classes, not by wording, so the same script runs in English, German and Turkish.
"""

from __future__ import annotations

import re
import time
from datetime import timedelta

import pytest
from django.utils import timezone

from bookings.engine.rules import local_date
from bookings.models import (
    Appointment,
    AppointmentStatus,
    OutgoingEmail,
    Patient,
    Plan,
    PlanStatus,
)
from tests.e2e.conftest import axe_check, screenshot
from tests.factories import ArticleFactory

PATIENT = {
    "full_name": "Elif Kaya",
    "email": "elif@example.com",
    "phone": "+49 170 555 0199",
    "date_of_birth": "1990-05-17",
}


class Journey:
    """Steps a patient takes, with the time spent in the browser kept apart from axe's."""

    def __init__(self, page, name: str, *, shots: str = "", axe: bool = True) -> None:
        self.page = page
        # axe-core is JavaScript: with JavaScript off it cannot run (the same pages are checked
        # with it on in the other journeys).
        self.axe = axe
        self.name = name
        self.shots = shots
        self.axe_seconds = 0.0
        self.started = time.perf_counter()
        self.pages: list[str] = []

    def check(self, step: str) -> None:
        self.pages.append(step)
        if self.axe:
            started = time.perf_counter()
            axe_check(self.page, f"{self.name}: {step}")
            self.axe_seconds += time.perf_counter() - started
        if self.shots:
            screenshot(self.page, f"booking-{step}-{self.shots}")

    def user_seconds(self) -> float:
        return time.perf_counter() - self.started - self.axe_seconds


def submit(page, form_selector: str) -> None:
    with page.expect_navigation():
        page.locator(f"{form_selector} button[type=submit]").first.click()


def answer_all_no(page) -> None:
    for radio in page.locator("form.screening-form input[type=radio][value=no]").all():
        radio.check()


def book_a_course(page, *, language: str, journey: Journey, change_third_visit: bool = False):
    """From the protocol page to the confirmation page."""
    page.locator("a.book-button").first.click()
    page.wait_for_url(re.compile(r"/book/acne-scar-renewal/$"))
    assert page.locator("html").get_attribute("lang") == language
    journey.check("1-screening")
    answer_all_no(page)
    submit(page, "form.screening-form")

    page.wait_for_url(re.compile(r"/times/$"))
    visits = page.locator(".visit-list .visit")
    assert visits.count() == 3
    journey.check("2-times")
    if change_third_visit:
        page.locator(".visit-change").nth(2).click()
        journey.check("2b-change-visit")
        free_days = page.locator(".day-grid a.day")
        free_days.nth(free_days.count() - 1).click()  # the latest day the rules allow
        page.locator(".opening-grid input[type=radio]").first.check()
        submit(page, "form.opening-form")
        page.wait_for_url(re.compile(r"/times/$"))
    with page.expect_navigation():
        page.locator("a[href$='/book/acne-scar-renewal/details/']").first.click()

    journey.check("3-details")
    page.fill("#id_full_name", PATIENT["full_name"])
    page.fill("#id_email", PATIENT["email"])
    page.fill("#id_phone", PATIENT["phone"])
    page.fill("#id_date_of_birth", PATIENT["date_of_birth"])
    page.select_option("#id_preferred_language", language)
    submit(page, "form.details-form")

    page.wait_for_url(re.compile(r"/review/$"))
    assert PATIENT["full_name"] in page.locator("main").inner_text()
    journey.check("4-review")
    page.check("#id_consent")
    submit(page, "form:has(#id_consent)")

    page.wait_for_url(re.compile(r"/book/done/$"))
    journey.check("5-done")


def open_the_protocol_from_the_guide(page, language: str, clinic) -> None:
    """Home → "What is an exosome?" → the acne scar protocol, as journey 1 begins."""
    ArticleFactory(
        title="What is an exosome?",
        slug="what-is-an-exosome",
        reviewed_by=clinic.clinicians[0],
        related_protocols=[clinic.protocol],
    )
    page.goto(f"/{language}/")
    page.goto(f"/{language}/learn/what-is-an-exosome/")
    with page.expect_navigation():
        page.locator(f"a[href='/{language}/treatments/acne-scar-renewal/']").first.click()


def assert_one_confirmed_course(language: str) -> Plan:
    plan = Plan.objects.select_related("patient").get()
    assert plan.status == PlanStatus.CONFIRMED
    assert plan.patient.email == PATIENT["email"]
    assert plan.patient.preferred_language == language
    assert plan.consent_text.language == language and plan.consent_language == language
    assert plan.appointments.filter(status=AppointmentStatus.BOOKED).count() == 3
    assert plan.screening_answers.count() > 0
    email = OutgoingEmail.objects.get(plan=plan)
    assert email.template == "booking_confirmed"
    assert email.attachments[0]["filename"] == "treatment-course.ics"
    assert f"/{language}/manage/" in email.body_text
    return plan


@pytest.mark.parametrize("language", ["en", "de", "tr"])
def test_journey_1_books_a_course_at_desktop_width(page, small_clinic, language, capsys):
    journey = Journey(page, f"journey 1 ({language})", shots="desktop" if language == "en" else "")
    open_the_protocol_from_the_guide(page, language, small_clinic)
    book_a_course(page, language=language, journey=journey)

    assert page.locator("h1").count() == 1
    assert page.locator(".visit-list .visit").count() == 3
    assert_one_confirmed_course(language)
    with capsys.disabled():
        print(
            f"\njourney 1 ({language}, desktop): {journey.user_seconds():.2f} s in the browser "
            f"over {len(journey.pages)} pages (+{journey.axe_seconds:.2f} s of axe checks)"
        )


def test_journey_1_at_phone_width(phone_page, small_clinic):
    journey = Journey(phone_page, "journey 1 (390 px)", shots="phone")
    open_the_protocol_from_the_guide(phone_page, "en", small_clinic)
    book_a_course(phone_page, language="en", journey=journey)
    # Nothing wider than the screen: no sideways scrolling on a phone.
    width = phone_page.evaluate("document.documentElement.scrollWidth")
    assert width <= 390
    assert_one_confirmed_course("en")


def test_journey_1_without_javascript(new_page, small_clinic):
    page = new_page(javascript=False)
    journey = Journey(page, "journey 1 (no JavaScript)", shots="desktop", axe=False)
    open_the_protocol_from_the_guide(page, "en", small_clinic)
    book_a_course(page, language="en", journey=journey, change_third_visit=True)
    assert_one_confirmed_course("en")


def test_journey_2_moves_session_2_and_cancels_session_3_from_the_link(page, small_clinic):
    journey = Journey(page, "journey 2", shots="desktop")
    page.goto("/en/treatments/acne-scar-renewal/")
    # Session 3 as late as the rules allow, so that session 2 has days to move to.
    book_a_course(page, language="en", journey=journey, change_third_visit=True)
    plan = Plan.objects.get()
    link = re.search(r"/en/manage/[\w-]+/", OutgoingEmail.objects.get().body_text).group(0)
    second = plan.appointments.get(sequence=2)
    first_day = local_date(plan.appointments.get(sequence=1).start)

    page.goto(link)
    journey.check("manage")
    assert page.locator(".visit-list .visit").count() == 3
    page.locator(f"a[href$='/visits/{second.pk}/move/']").click()
    journey.check("manage-move")
    offered = [
        timezone.datetime.strptime(href.split("day=")[1], "%Y-%m-%d").date()
        for href in page.locator(".day-grid a.day").evaluate_all(
            "links => links.map(link => link.getAttribute('href'))"
        )
    ]
    assert offered and all(21 <= (day - first_day).days <= 35 for day in offered)
    target = next(day for day in offered if day != local_date(second.start))
    page.locator(f".day-grid a.day[href='?day={target.isoformat()}']").click()
    page.locator(".opening-grid input[type=radio]").first.check()
    submit(page, "form.opening-form")
    page.wait_for_url(re.compile(r"/manage/[\w-]+/$"))
    assert page.locator(".alert-success").count() == 1
    second.refresh_from_db()
    assert local_date(second.start) == target

    third = plan.appointments.get(sequence=3)
    page.locator(f"a[href$='/visits/{third.pk}/cancel/']").click()
    journey.check("manage-cancel")
    submit(page, "main form")
    page.wait_for_url(re.compile(r"/manage/[\w-]+/$"))
    assert page.locator(".visit-cancelled").count() == 1

    assert Appointment.objects.get(pk=third.pk).status == AppointmentStatus.CANCELLED
    assert Plan.objects.get().status == PlanStatus.CONFIRMED
    templates = list(OutgoingEmail.objects.order_by("pk").values_list("template", flat=True))
    assert templates == ["booking_confirmed", "booking_changed", "booking_cancelled"]

    # A tampered link shows nothing of the plan and offers a new one.
    page.goto(link[:-2] + "x/")
    assert "Elif" not in page.locator("body").inner_text()
    assert page.locator("form.new-link-form").count() == 1
    journey.check("manage-invalid")


@pytest.mark.parametrize("language", ["en", "de", "tr"])
def test_journey_4_a_pregnant_patient_is_told_kindly_before_anything_is_booked(
    page, small_clinic, language, settings
):
    journey = Journey(page, f"journey 4 ({language})", shots="desktop" if language == "en" else "")
    page.goto(f"/{language}/treatments/acne-scar-renewal/")
    page.locator("a.book-button").first.click()
    answer_all_no(page)
    # The first question is the pregnancy question (position 10).
    page.locator("form.screening-form input[type=radio][value=yes]").first.check()
    submit(page, "form.screening-form")

    text = page.locator("main").inner_text()
    assert settings.CLINIC_PHONE in text and settings.CLINIC_EMAIL in text
    pregnancy = {"en": "pregnant", "de": "schwanger", "tr": "Hamile"}[language]
    assert pregnancy in text
    journey.check("blocked")
    assert (Plan.objects.count(), Patient.objects.count(), Appointment.objects.count()) == (
        0,
        0,
        0,
    )


def test_a_hold_that_ran_out_sends_the_patient_back_to_choose(page, small_clinic):
    page.goto("/en/treatments/acne-scar-renewal/")
    page.locator("a.book-button").first.click()
    answer_all_no(page)
    submit(page, "form.screening-form")
    with page.expect_navigation():
        page.locator("a[href$='/details/']").first.click()
    page.fill("#id_full_name", PATIENT["full_name"])
    page.fill("#id_email", PATIENT["email"])
    page.fill("#id_phone", PATIENT["phone"])
    page.fill("#id_date_of_birth", PATIENT["date_of_birth"])
    submit(page, "form.details-form")
    Plan.objects.update(hold_expires_at=timezone.now() - timedelta(seconds=1))
    page.check("#id_consent")
    submit(page, "form:has(#id_consent)")
    page.wait_for_url(re.compile(r"/times/$"))
    assert page.locator(".alert-warning, .alert-info").count() >= 1
    assert not Plan.objects.filter(status=PlanStatus.CONFIRMED).exists()


def tab_to(page, selector: str, *, limit: int = 60) -> None:
    """Press Tab until the element matching `selector` has the focus (keyboard only)."""
    for _ in range(limit):
        page.keyboard.press("Tab")
        if page.evaluate(f"document.activeElement.matches({selector!r})"):
            return
    pytest.fail(f"{selector} cannot be reached with the Tab key")


def test_the_flow_works_with_the_keyboard_alone(page, small_clinic):
    page.goto("/en/treatments/acne-scar-renewal/")
    tab_to(page, "a.book-button")
    with page.expect_navigation():
        page.keyboard.press("Enter")

    groups = page.locator("form.screening-form fieldset").count()
    tab_to(page, "form.screening-form input[type=radio]")
    for _ in range(groups):
        page.keyboard.press("ArrowDown")  # from "Yes" to "No", which selects it
        page.keyboard.press("Tab")  # on to the next question (or the button)
    assert page.locator("form.screening-form input[value=no]:checked").count() == groups
    assert page.evaluate("document.activeElement.type") == "submit"
    with page.expect_navigation():
        page.keyboard.press("Enter")

    tab_to(page, "a[href$='/details/']")
    with page.expect_navigation():
        page.keyboard.press("Enter")
    tab_to(page, "#id_full_name")
    page.keyboard.type(PATIENT["full_name"])
    page.keyboard.press("Tab")
    page.keyboard.type(PATIENT["email"])
    page.keyboard.press("Tab")
    page.keyboard.type(PATIENT["phone"])
    page.keyboard.press("Tab")
    page.keyboard.type("17051990")  # the date field takes digits in the browser's order
    tab_to(page, "form.details-form button[type=submit]")
    with page.expect_navigation():
        page.keyboard.press("Enter")

    tab_to(page, "#id_consent")
    page.keyboard.press("Space")
    tab_to(page, "form:has(#id_consent) button[type=submit]")
    with page.expect_navigation():
        page.keyboard.press("Enter")
    page.wait_for_url(re.compile(r"/book/done/$"))
    assert Plan.objects.get().status == PlanStatus.CONFIRMED
