"""Issue 19's journey in a real browser: a patient opens the 48-hour link and reports severe
swelling and fever, and sees what to do now; the clinician sees the urgent item and confirms it
as an adverse event linked to the lot; the manager recalls the lot and the exposed patients are
emailed once."""

from __future__ import annotations

import re
from datetime import timedelta

from django.contrib.auth.models import Group
from django.urls import reverse
from django.utils import timezone

from bookings.models import (
    Appointment,
    AppointmentKind,
    AppointmentStatus,
    OutgoingEmail,
    Plan,
    PlanStatus,
)
from clinical import aftercare
from clinical.models import AdverseEvent, FollowUp, LotStatus, RecallNotice
from clinical.roles import CLINIC_MANAGER
from tests.e2e.conftest import axe_check, screenshot
from tests.e2e.test_clinician_journeys import PASSWORD, make_clinicians_staff, staff_sign_in
from tests.factories import (
    ConsentTextFactory,
    LotFactory,
    PatientFactory,
    TreatmentRecordFactory,
    UserFactory,
)


def treated_session(clinic, clinician, patient, lot, *, hours_ago: int, minutes: int = 0):
    started = timezone.now() - timedelta(hours=hours_ago, minutes=minutes)
    plan = Plan.objects.create(
        patient=patient,
        protocol=clinic.protocol,
        clinician=clinician,
        status=PlanStatus.CONFIRMED,
        consent_text=ConsentTextFactory(language="en", version=100 + patient.pk),
        consented_at=started - timedelta(days=3),
        consent_language="en",
    )
    session = Appointment.objects.create(
        plan=plan,
        kind=AppointmentKind.SESSION,
        sequence=1,
        start=started,
        end=started + timedelta(minutes=60),
        clinician=clinician,
        status=AppointmentStatus.COMPLETED,
    )
    TreatmentRecordFactory(appointment=session, recorded_by=clinician, lot_number=lot.lot_number)
    return session


def test_follow_up_urgent_item_adverse_event_and_recall(page, new_page, small_clinic, live_server):
    make_clinicians_staff(small_clinic)
    clinician = small_clinic.clinicians[0]
    lot = LotFactory(lot_number="EXO-2026-0412")
    elif_ = PatientFactory(full_name="Elif Kaya", email="elif@example.com", preferred_language="en")
    jonas = PatientFactory(full_name="Jonas Berg", email="jonas@example.com")
    session = treated_session(small_clinic, clinician, elif_, lot, hours_ago=49)
    treated_session(small_clinic, clinician, jonas, lot, hours_ago=24 * 20, minutes=90)

    # The job runs (cron): Elif's session is 49 hours ago, so her follow-up goes out.
    assert aftercare.follow_ups_send_due() == 1
    email = OutgoingEmail.objects.get(template="follow_up")
    link = re.search(r"https?://\S+(/en/aftercare/\S+/)", email.body_text).group(1)

    # The patient opens the link and reports severe swelling and fever (signs of infection).
    patient_page = new_page(width=390, height=844)
    patient_page.goto(live_server.url + link)
    axe_check(patient_page, "follow-up form")
    for name in ("redness", "pain", "bruising", "itching", "crusting", "dark_patches"):
        patient_page.check(f"input[name={name}][value=mild]")
    patient_page.check("input[name=swelling][value=severe]")
    patient_page.check("input[name=infection][value=severe]")
    patient_page.fill("#id_comment", "Fever 38.9 since last night")
    with patient_page.expect_navigation():
        patient_page.get_by_role("button", name="Send my answer").click()
    advice = patient_page.locator(".what-to-do-now")
    assert "What to do now" in advice.inner_text()
    assert "+49" in advice.inner_text() and "112" in advice.inner_text()
    axe_check(patient_page, "follow-up: what to do now")
    screenshot(patient_page, "aftercare-what-to-do-now")

    # The clinician sees the urgent item and confirms it as an adverse event linked to the lot.
    staff_sign_in(page, clinician.user, next_path=reverse("clinical:dashboard"))
    urgent = page.locator(".urgent-follow-ups")
    assert "Elif Kaya" in urgent.inner_text()
    axe_check(page, "dashboard with an urgent follow-up")
    with page.expect_navigation():
        urgent.get_by_role("link", name=re.compile("Elif Kaya")).click()
    with page.expect_navigation():
        page.get_by_role("link", name="Confirm as an adverse event").click()
    assert "Swelling: Severe" in page.locator("#id_event-description").input_value()
    page.check("#id_event-other_important")
    page.select_option("#id_event-outcome", "ongoing")
    page.select_option("#id_event-relatedness", "possible")
    with page.expect_navigation():
        page.get_by_role("button", name="Save the adverse event").click()
    assert "This event is serious: report it" in page.locator("main").inner_text()
    axe_check(page, "adverse event summary")
    event = AdverseEvent.objects.get()
    assert (event.lot, event.appointment, event.follow_up) == (lot, session, FollowUp.objects.get())
    page.goto(reverse("clinical:dashboard"))
    assert page.locator(".urgent-follow-ups").count() == 0

    # The manager recalls the lot and emails the exposed patients, once.
    manager = UserFactory(username="lena", is_staff=True)
    manager.set_password(PASSWORD)
    manager.save()
    manager.groups.add(Group.objects.get(name=CLINIC_MANAGER))
    manager_page = new_page(width=1280, height=900)
    staff_sign_in(manager_page, manager, next_path=reverse("clinical:lot-recall"))
    manager_page.fill("#id_lot", "exo 2026 0412")
    with manager_page.expect_navigation():
        manager_page.get_by_role("button", name="Search").click()
    assert "Lot EXO-2026-0412: 2 sessions" in manager_page.locator("main").inner_text()
    with manager_page.expect_navigation():
        manager_page.get_by_role("link", name=re.compile("lot EXO-2026-0412")).click()
    manager_page.fill("#id_reason", "Supplier recall notice of 2026-12-01: sterility not assured")
    with manager_page.expect_navigation():
        manager_page.get_by_role("button", name="Recall the lot").click()
    axe_check(manager_page, "recalled lot with notice form")
    with manager_page.expect_navigation():
        manager_page.get_by_role("button", name="Email the recall notice").click()
    assert "2 recall notices are queued" in manager_page.locator("main").inner_text()
    assert manager_page.get_by_role("button", name="Email the recall notice").is_disabled()
    screenshot(manager_page, "lot-recall-notices")

    lot.refresh_from_db()
    assert lot.status == LotStatus.RECALLED
    recall_emails = OutgoingEmail.objects.filter(template="lot_recall")
    assert sorted(email.to for email in recall_emails) == ["elif@example.com", "jonas@example.com"]
    assert RecallNotice.objects.count() == 2
