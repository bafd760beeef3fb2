"""Issue 21: the clinic manager opens last month's reports and sees charts and tables."""

from __future__ import annotations

import re
from datetime import datetime, time, timedelta

from django.contrib.auth.models import Group
from django.utils import timezone

from bookings.engine.rules import clinic_zone
from bookings.models import (
    Appointment,
    AppointmentKind,
    AppointmentStatus,
    FunnelDay,
    Plan,
    PlanStatus,
)
from clinical.roles import CLINIC_MANAGER
from reports.forms import last_month
from tests.clinical.conftest import staff_roles_ensure
from tests.e2e.conftest import axe_check, screenshot, seed_small_clinic
from tests.e2e.test_clinician_journeys import PASSWORD, staff_sign_in
from tests.factories import PatientFactory, UserFactory


def last_month_of_visits(clinic) -> None:
    first, last = last_month(timezone.localdate())
    zone = clinic_zone()
    statuses = [AppointmentStatus.COMPLETED] * 3 + [AppointmentStatus.NO_SHOW]
    day, n = first, 0
    while day <= last:
        start = datetime.combine(day, time(10), tzinfo=zone)
        plan = Plan.objects.create(
            patient=PatientFactory(),
            protocol=clinic.protocol,
            clinician=clinic.clinicians[n % 2],
            status=PlanStatus.CONFIRMED,
            confirmed_at=start - timedelta(days=20),
        )
        Appointment.objects.create(
            plan=plan,
            kind=AppointmentKind.SESSION,
            sequence=1,
            start=start,
            end=start + timedelta(minutes=60),
            clinician=plan.clinician,
            status=statuses[n % len(statuses)],
        )
        FunnelDay.objects.create(
            date=day, protocol=clinic.protocol, language="en", step="started", count=4
        )
        FunnelDay.objects.create(
            date=day, protocol=clinic.protocol, language="en", step="confirmed", count=1
        )
        day += timedelta(days=2)
        n += 1


def test_the_manager_opens_last_months_reports_and_sees_charts_and_tables(page):
    clinic = seed_small_clinic()
    staff_roles_ensure()
    last_month_of_visits(clinic)
    manager = UserFactory(username="lena", is_staff=True, password=PASSWORD)
    manager.groups.add(Group.objects.get(name=CLINIC_MANAGER))

    staff_sign_in(page, manager, next_path="/en/staff/")
    with page.expect_navigation():
        page.get_by_role("link", name="Reports").click()
    page.wait_for_url(re.compile(r"/en/staff/reports/$"))

    first, last = last_month(timezone.localdate())
    assert page.input_value("#id_first") == first.isoformat()
    assert page.input_value("#id_last") == last.isoformat()
    charts = page.locator("svg[role=img]")
    assert charts.count() == 4
    assert page.get_by_role("img", name="Utilisation by week", exact=True).is_visible()
    assert page.get_by_role("img", name="Utilisation by weekday and hour").is_visible()
    assert page.get_by_role("table").count() >= 6
    assert page.get_by_role(
        "link", name=re.compile("Download .Revenue by treatment. as CSV")
    ).count()
    revenue = page.locator("table", has=page.locator("th", has_text="Delivered (EUR)")).first
    assert "Acne scar renewal" in revenue.inner_text()
    axe_check(page, "reports")
    screenshot(page, "reports-manager")

    # On a phone the page itself does not scroll sideways: wide charts and tables scroll in
    # their own keyboard-reachable regions.
    page.set_viewport_size({"width": 390, "height": 844})
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    axe_check(page, "reports on a phone")
