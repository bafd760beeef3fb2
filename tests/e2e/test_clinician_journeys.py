"""Journeys 3 and 7 of PRODUCT.md in a real browser, with axe-core on every staff page.

3. A patient who answers "I take anticoagulants" books online and gets a plan awaiting review;
   the clinician signs in (password, then the second factor), sees it on the dashboard, reads
   the answers, approves it with a note; the patient is emailed once.
7. After the session the clinician records the lot number and uploads a photo; the photo shows
   for the clinician, and its address answers 404 to reception and to an anonymous visitor.
"""

from __future__ import annotations

import io
import re
from datetime import timedelta

import pytest
from django.contrib.auth.models import Group
from django.core import mail
from django.urls import reverse
from django.utils import timezone
from PIL import Image

from bookings.models import (
    Appointment,
    AppointmentKind,
    AppointmentStatus,
    OutgoingEmail,
    Plan,
    PlanStatus,
    ScreeningQuestion,
)
from bookings.notify.emails import emails_send_due
from clinical.models import AuditEntry, Photo, TreatmentRecord
from clinical.roles import CLINICIAN, RECEPTION
from tests.clinical.conftest import staff_roles_ensure
from tests.e2e.conftest import axe_check, screenshot
from tests.factories import ConsentTextFactory, LotFactory, PatientFactory, UserFactory
from tests.second_factor import authenticator_code

PASSWORD = "correct horse battery staple"


@pytest.fixture(autouse=True)
def _private_photo_storage(settings, tmp_path) -> None:
    settings.STORAGES = {
        **settings.STORAGES,
        "clinical_photos": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": tmp_path / "photos", "base_url": None},
        },
    }


def make_clinicians_staff(clinic) -> None:
    staff_roles_ensure()  # the live server's database is emptied after each test
    group = Group.objects.get(name=CLINICIAN)
    for clinician in clinic.clinicians:
        clinician.user.groups.add(group)


def staff_sign_in(page, user, *, next_path: str) -> None:
    """The staff sign-in page, then the second factor (every staff account has one)."""
    code = authenticator_code(user)
    page.goto(f"{reverse('clinical:login')}?next={next_path}")
    axe_check(page, "staff sign-in")
    page.fill("#id_username", user.get_username())
    page.fill("#id_password", PASSWORD)
    with page.expect_navigation():
        page.locator("main form button[type=submit]").click()
    if code is not None and "/verify/" in page.url:
        page.fill("#id_code", code)
        with page.expect_navigation():
            page.locator("main form button[type=submit]").click()
    page.wait_for_url(re.compile(re.escape(next_path) + "$"))


def book_with_the_anticoagulant_answer(page) -> None:
    """Journey 3's patient: every answer "no" except blood thinners."""
    question = ScreeningQuestion.objects.get(text_en__startswith="Do you take blood thinners")
    page.goto("/en/treatments/acne-scar-renewal/")
    page.locator("a.book-button").first.click()
    page.wait_for_url(re.compile(r"/book/acne-scar-renewal/$"))
    for radio in page.locator("form.screening-form input[type=radio][value=no]").all():
        radio.check()
    page.locator(f"input[name=q{question.pk}][value=yes]").check()
    with page.expect_navigation():
        page.locator("form.screening-form button[type=submit]").first.click()
    page.wait_for_url(re.compile(r"/times/$"))
    with page.expect_navigation():
        page.locator("a[href$='/book/acne-scar-renewal/details/']").first.click()
    page.fill("#id_full_name", "Elif Kaya")
    page.fill("#id_email", "elif@example.com")
    page.fill("#id_phone", "+49 170 555 0199")
    page.fill("#id_date_of_birth", "1990-05-17")
    page.select_option("#id_preferred_language", "de")
    with page.expect_navigation():
        page.locator("form.details-form button[type=submit]").first.click()
    page.wait_for_url(re.compile(r"/review/$"))
    page.check("#id_consent")
    with page.expect_navigation():
        page.locator("form:has(#id_consent) button[type=submit]").first.click()
    page.wait_for_url(re.compile(r"/book/done/$"))


def test_journey_3_a_flagged_booking_is_approved_by_the_clinician_and_the_patient_emailed(
    page, new_page, small_clinic
):
    make_clinicians_staff(small_clinic)
    book_with_the_anticoagulant_answer(page)
    plan = Plan.objects.select_related("clinician__user", "patient").get()
    assert plan.status == PlanStatus.AWAITING_REVIEW
    emails_before = OutgoingEmail.objects.count()

    clinician_page = new_page()
    dashboard = reverse("clinical:dashboard")
    staff_sign_in(clinician_page, plan.clinician.user, next_path=dashboard)
    awaiting = clinician_page.locator("section[aria-labelledby=awaiting-heading]")
    assert "Elif Kaya" in awaiting.inner_text()
    axe_check(clinician_page, "dashboard")
    screenshot(clinician_page, "clinician-dashboard")

    with clinician_page.expect_navigation():
        awaiting.get_by_role("link", name="Elif Kaya").click()
    text = clinician_page.locator("main").inner_text()
    # The flagged answer first, in the words the patient read.
    first_answer = clinician_page.locator(".list-group-item").first.inner_text()
    assert "blood thinners" in first_answer and "Yes" in first_answer
    assert "Consent to" in text or "version 1" in text
    axe_check(clinician_page, "plan page")
    screenshot(clinician_page, "clinician-plan-review")

    clinician_page.fill("#id_note", "Apixaban paused two days before each session, as agreed.")
    with clinician_page.expect_navigation():
        clinician_page.get_by_role("button", name="Approve plan").click()
    assert "The plan is approved" in clinician_page.locator("main").inner_text()
    axe_check(clinician_page, "plan page after approval")

    plan.refresh_from_db()
    assert plan.status == PlanStatus.CONFIRMED
    assert plan.reviewed_by == plan.clinician
    assert plan.review_note.startswith("Apixaban")
    assert set(plan.appointments.values_list("status", flat=True)) == {AppointmentStatus.BOOKED}
    approved = OutgoingEmail.objects.filter(plan=plan, template="plan_approved")
    assert approved.count() == 1
    assert OutgoingEmail.objects.count() == emails_before + 1
    mail.outbox.clear()
    emails_send_due()
    sent = [message for message in mail.outbox if message.subject == approved.get().subject]
    assert len(sent) == 1 and sent[0].to == ["elif@example.com"]
    assert "Apixaban" not in sent[0].body


def photo_file(tmp_path) -> str:
    """A phone photo: sideways (EXIF orientation 6) with GPS coordinates."""
    image = Image.new("RGB", (64, 48), (180, 120, 110))
    exif = Image.Exif()
    exif[0x0112] = 6
    exif[0x8825] = {1: "N", 2: (52.0, 31.0, 12.0), 3: "E", 4: (13.0, 24.0, 36.0)}
    path = tmp_path / "IMG_2041 Elif cheek.jpg"
    buffer = io.BytesIO()
    image.save(buffer, format="JPEG", exif=exif)
    path.write_bytes(buffer.getvalue())
    return str(path)


def test_journey_7_lot_number_and_photo_visible_to_the_clinician_only(
    page, new_page, small_clinic, live_server, tmp_path
):
    make_clinicians_staff(small_clinic)
    clinician = small_clinic.clinicians[0]
    started = timezone.now() - timedelta(hours=1)
    plan = Plan.objects.create(
        patient=PatientFactory(full_name="Elif Kaya"),
        protocol=small_clinic.protocol,
        clinician=clinician,
        status=PlanStatus.CONFIRMED,
        consent_text=ConsentTextFactory(language="en", version=99),
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
    )

    # The lot comes from stock (a list of usable lots), not from free text.
    lot = LotFactory(lot_number="EXO-2611-A", expiry_date=timezone.localdate() + timedelta(180))

    session_url = reverse("clinical:session-detail", args=[session.pk])
    staff_sign_in(page, clinician.user, next_path=reverse("clinical:dashboard"))
    page.goto(session_url)
    axe_check(page, "session page, record form")
    page.select_option("#id_lot", str(lot.pk))
    page.fill("#id_needle_depth_mm", "0.5")
    page.fill("#id_passes", "2")
    page.check("input[name=areas][value=cheeks]")
    page.fill("#id_reactions", "Mild redness")
    with page.expect_navigation():
        page.get_by_role("button", name="Save record and complete the session").click()
    assert "EXO-2611-A" in page.locator("main").inner_text()

    page.check("input[name=kind][value=before]")
    page.select_option("#id_area", "cheeks")
    page.set_input_files("#id_image", photo_file(tmp_path))
    with page.expect_navigation():
        page.get_by_role("button", name="Upload photo").click()
    assert "The photo is saved." in page.locator("main").inner_text()
    thumbnail = page.locator("main figure img").first
    thumbnail.wait_for()
    # The thumbnail is loading="lazy": below the fold at 1280×900 the browser does not fetch it
    # until it is scrolled near. Scroll to it and wait for the request to finish (loaded or
    # broken), then check it really loaded.
    thumbnail.scroll_into_view_if_needed()
    page.wait_for_function("(img) => img.complete", arg=thumbnail.element_handle())
    assert page.evaluate(
        "(img) => img.complete && img.naturalWidth > 0", thumbnail.element_handle()
    )
    axe_check(page, "session page with record and photo")
    screenshot(page, "clinician-session-record")

    record = TreatmentRecord.objects.get()
    assert (record.lot_number, record.appointment_id) == ("EXO-2611-A", session.pk)
    session.refresh_from_db()
    assert session.status == AppointmentStatus.COMPLETED
    photo = Photo.objects.get()
    photo_url = reverse("clinical:photo-file", args=[photo.pk, "full"])

    shown = page.goto(photo_url)
    assert shown.status == 200
    assert shown.headers["cache-control"] == "no-store"
    assert shown.headers["content-type"] == "image/jpeg"
    image = Image.open(io.BytesIO(shown.body()))
    assert len(image.getexif()) == 0 and image.size == (48, 64)  # upright, no GPS

    for where in ("plan-photos", "lot-recall"):
        url = (
            reverse("clinical:plan-photos", args=[plan.pk])
            if where == "plan-photos"
            else reverse("clinical:lot-recall") + "?lot=EXO-2611-A"
        )
        page.goto(url)
        assert page.locator("main").inner_text()
        axe_check(page, where)
    assert "Elif Kaya" in page.locator("main").inner_text()

    receptionist = UserFactory(username="front-desk", password=PASSWORD, is_staff=True)
    receptionist.groups.add(Group.objects.get(name=RECEPTION))
    reception_page = new_page()
    staff_sign_in(reception_page, receptionist, next_path=reverse("clinical:dashboard"))
    assert "Elif Kaya" not in reception_page.content()  # refused: no medical data for reception
    assert reception_page.goto(photo_url).status == 404
    assert reception_page.goto(session_url).status == 403
    assert reception_page.goto(f"/admin/clinical/photo/{photo.pk}/change/").status in (403, 404)

    anonymous = new_page()
    assert anonymous.goto(photo_url).status == 404
    anonymous.goto(session_url)
    assert anonymous.url.endswith(f"{reverse('clinical:login')}?next={session_url}")
    assert not AuditEntry.objects.filter(user=receptionist).exists()
