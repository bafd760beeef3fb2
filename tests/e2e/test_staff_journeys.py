"""Issue 21 in a real browser: the clinic manager invites a clinician, who enrols from the emailed
link; the manager resets a lost authenticator; a clinician subscribes to their calendar feed.
axe-core runs on every new page."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core import mail
from django.utils import timezone
from django_otp.plugins.otp_totp.models import TOTPDevice
from icalendar import Calendar

from bookings.models import Appointment, AppointmentKind, Plan, PlanStatus
from clinical.roles import CLINIC_MANAGER, CLINICIAN
from tests.clinical.conftest import staff_roles_ensure
from tests.e2e.conftest import axe_check, screenshot
from tests.factories import PatientFactory, UserFactory
from tests.second_factor import authenticator_code, code_for_secret

PASSWORD = "correct horse battery staple"
NEW_PASSWORD = "a long new pass phrase 2026"


def staff(username: str, role: str, **fields):
    staff_roles_ensure()  # the live server's database is emptied after each test
    user = UserFactory(username=username, password=PASSWORD, is_staff=True, **fields)
    user.groups.add(Group.objects.get(name=role))
    return user


def sign_in(page, user, path: str) -> None:
    """Password on the staff sign-in page, then the code from the user's app."""
    code = authenticator_code(user)
    page.goto(f"/en/staff/login/?next={path}")
    page.fill("#id_username", user.get_username())
    page.fill("#id_password", PASSWORD)
    with page.expect_navigation():
        page.locator("main form button[type=submit]").click()
    page.fill("#id_code", code)
    with page.expect_navigation():
        page.locator("main form button[type=submit]").click()
    page.wait_for_url(re.compile(re.escape(path) + "$"))


def emailed_link(to: str) -> str:
    message = [m for m in mail.outbox if m.to == [to]][-1]
    return re.search(r"https?://[^/\s]+(/en/account/enrol/[\w-]+/)", message.body).group(1)


def set_up_the_app(page) -> None:
    """What the staff member does on the setup page: scan (here: read the typed key), enter
    the app's code, see the recovery codes once."""
    page.wait_for_url(re.compile(r"/account/two-factor/"))
    axe_check(page, "set up sign-in codes")
    secret = page.locator("code.otp-secret").inner_text()
    page.fill("#id_code", code_for_secret(secret))
    with page.expect_navigation():
        page.locator("main form button[type=submit]").click()
    page.wait_for_url(re.compile(r"/account/recovery-codes/"))
    assert "Recovery codes" in page.locator("main").inner_text()


@pytest.fixture
def manager(live_server):
    return staff("lena", CLINIC_MANAGER, email="lena@clinic.example")


def test_the_manager_invites_a_clinician_who_enrols_from_the_emailed_link(page, new_page, manager):
    sign_in(page, manager, "/en/staff/team/")
    axe_check(page, "staff accounts")
    page.get_by_label("First name").fill("Jonas")
    page.get_by_label("Last name").fill("Becker")
    page.get_by_label("Email").fill("jonas@clinic.example")
    page.get_by_label("Username").fill("jonas")
    page.get_by_label("Role").select_option(label="Clinician")
    with page.expect_navigation():
        page.get_by_role("button", name="Send the invitation").click()
    assert "Jonas Becker is invited" in page.locator("main").inner_text()
    row = page.locator("tr[data-username=jonas]")
    assert "not set up" in row.inner_text() and "never" in row.inner_text()
    screenshot(page, "staff-accounts")

    jonas = new_page()
    jonas.goto(emailed_link("jonas@clinic.example"))
    axe_check(jonas, "enrolment link")
    jonas.fill("#id_new_password1", NEW_PASSWORD)
    jonas.fill("#id_new_password2", NEW_PASSWORD)
    with jonas.expect_navigation():
        jonas.locator("main form button[type=submit]").click()
    set_up_the_app(jonas)
    with jonas.expect_navigation():
        jonas.get_by_role("link", name=re.compile("Continue|continue")).first.click()
    assert jonas.url.endswith("/en/staff/")
    assert "Good to see you, Jonas Becker" in jonas.locator("main").inner_text()

    user = get_user_model().objects.get(username="jonas")
    assert TOTPDevice.objects.filter(user=user, confirmed=True).count() == 1
    page.reload()
    assert "not set up" not in page.locator("tr[data-username=jonas]").inner_text()


def test_the_manager_resets_a_lost_authenticator(page, new_page, manager):
    doc = staff("doc", CLINICIAN, email="doc@clinic.example", first_name="Mia", last_name="Roth")
    old = TOTPDevice.objects.create(user=doc, name="Authenticator app", confirmed=True)
    sign_in(page, manager, "/en/staff/team/")

    with page.expect_navigation():
        page.get_by_role("button", name="Reset lost authenticator – doc").click()
    assert "no longer work" in page.locator("main").inner_text()
    assert not TOTPDevice.objects.filter(pk=old.pk).exists()

    # Mia opens the emailed link on her new phone's browser, proves her password, sets up anew.
    mia = new_page()
    mia.goto(emailed_link("doc@clinic.example"))
    mia.fill("#id_password", PASSWORD)
    with mia.expect_navigation():
        mia.locator("main form button[type=submit]").click()
    set_up_the_app(mia)
    new = TOTPDevice.objects.get(user=doc)
    assert new.confirmed and new.key != old.key
    assert mia.goto(emailed_link("doc@clinic.example")).status == 404, "the link worked once"


def test_a_clinician_subscribes_to_the_calendar_feed_without_health_data(page, small_clinic):
    clinician = small_clinic.clinicians[0]
    staff_roles_ensure()
    clinician.user.groups.add(Group.objects.get(name=CLINICIAN))
    patient = PatientFactory(full_name="Elif Kaya", email="elif@example.com")
    plan = Plan.objects.create(
        patient=patient,
        protocol=small_clinic.protocol,
        clinician=clinician,
        status=PlanStatus.CONFIRMED,
    )
    start = timezone.now().replace(microsecond=0) + timedelta(days=3)
    Appointment.objects.create(
        plan=plan,
        kind=AppointmentKind.SESSION,
        sequence=2,
        start=start,
        end=start + timedelta(minutes=60),
        clinician=clinician,
    )

    sign_in(page, clinician.user, "/en/staff/")
    with page.expect_navigation():
        page.get_by_role("link", name="Calendar subscription").click()
    axe_check(page, "calendar subscription")
    with page.expect_navigation():
        page.get_by_role("button", name="Turn on the calendar subscription").click()
    url = page.locator("code.calendar-feed-url").inner_text()
    screenshot(page, "calendar-subscription")

    response = page.request.get(url)  # what a calendar app fetches: no session needed
    assert response.status == 200
    body = response.body()
    (event,) = Calendar.from_ical(body).walk("VEVENT")
    assert str(event["SUMMARY"]) == f"E. K. – {small_clinic.protocol.name}: Session 2 of 3"
    assert event.decoded("DTSTART") == start
    text = body.decode()
    for secret in ("Elif", "Kaya", "elif@example.com", patient.phone):
        assert secret not in text
