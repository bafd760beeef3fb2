"""Who sees what: a clinician their own patients, a clinic manager everyone, reception and
anonymous visitors no medical data — in the staff pages and in the admin."""

import re

import pytest
from django.urls import reverse

from bookings.models import Plan, PlanStatus
from clinical.models import AuditEntry, Photo, TreatmentRecord
from tests.clinical.conftest import sign_in
from tests.factories import TreatmentRecordFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def plan(make_plan, clinician, patient):
    return make_plan(clinician=clinician, patient=patient)


@pytest.fixture
def recorded_session(make_plan, clinician):
    plan = make_plan(clinician=clinician, status=PlanStatus.CONFIRMED)
    session = plan.appointments.get(sequence=1)
    TreatmentRecordFactory(appointment=session, recorded_by=clinician, lot_number="SECRETLOT1")
    return session


def staff_pages(plan, session) -> list[str]:
    return [
        reverse("clinical:dashboard"),
        reverse("clinical:plan-detail", args=[plan.pk]),
        reverse("clinical:plan-photos", args=[plan.pk]),
        reverse("clinical:session-detail", args=[session.pk]),
        reverse("clinical:lot-recall") + "?lot=SECRETLOT1",
    ]


def test_an_anonymous_visitor_is_sent_to_the_staff_sign_in_page(client, plan, recorded_session):
    for url in staff_pages(plan, recorded_session):
        response = client.get(url)
        assert response.status_code == 302, url
        assert response["Location"].startswith(reverse("clinical:login") + "?next=")
    login_page = client.get(reverse("clinical:login"))
    assert "Staff sign-in" in login_page.content.decode()
    assert AuditEntry.objects.count() == 0


def test_the_staff_sign_in_is_a_standard_django_login(client, clinician):
    response = client.post(
        reverse("clinical:login"),
        {"username": "anna", "password": "correct horse battery staple"},
    )
    assert response.status_code == 302
    assert response["Location"] == reverse("clinical:dashboard")
    assert client.session["_auth_user_id"] == str(clinician.user.pk)


def test_another_clinicians_plan_session_and_record_answer_404(
    client, plan, recorded_session, other_clinician
):
    sign_in(client, other_clinician.user)
    for url in staff_pages(plan, recorded_session)[1:4]:
        assert client.get(url).status_code == 404, url
    review = client.post(
        reverse("clinical:plan-review", args=[plan.pk]), {"decision": "approve", "note": ""}
    )
    assert review.status_code == 404
    plan.refresh_from_db()
    assert plan.status == PlanStatus.AWAITING_REVIEW
    # Their own dashboard and the lot search do not show the other clinician's patient either.
    dashboard = client.get(reverse("clinical:dashboard")).content.decode()
    assert "Maria Schneider" not in dashboard
    lots = client.get(reverse("clinical:lot-recall") + "?lot=SECRETLOT1").content.decode()
    assert "0 sessions" in lots
    assert AuditEntry.objects.count() == 0


def test_a_clinician_sees_a_patient_they_treat_in_one_visit(client, plan, other_clinician):
    plan.appointments.filter(sequence=3).update(clinician=other_clinician)
    sign_in(client, other_clinician.user)
    assert client.get(reverse("clinical:plan-detail", args=[plan.pk])).status_code == 200


def test_the_clinic_manager_sees_every_patient(client, plan, recorded_session, manager):
    sign_in(client, manager)
    for url in staff_pages(plan, recorded_session):
        assert client.get(url).status_code == 200, url
    assert "Maria Schneider" in client.get(reverse("clinical:dashboard")).content.decode()


def test_reception_is_refused_in_every_staff_page(client, plan, recorded_session, receptionist):
    sign_in(client, receptionist)
    for url in staff_pages(plan, recorded_session):
        response = client.get(url)
        assert response.status_code == 403, url
        assert "SECRETLOT1" not in response.content.decode()
        assert "anticoagulants" not in response.content.decode()
    refused = client.post(
        reverse("clinical:plan-review", args=[plan.pk]), {"decision": "approve", "note": ""}
    )
    assert refused.status_code == 403
    plan.refresh_from_db()
    assert plan.status == PlanStatus.AWAITING_REVIEW
    assert AuditEntry.objects.count() == 0


def test_reception_sees_no_answers_records_or_photos_in_the_admin(
    client, plan, recorded_session, receptionist
):
    sign_in(client, receptionist)
    for model in ("bookings/screeninganswer", "clinical/treatmentrecord", "clinical/photo"):
        listing = client.get(f"/admin/{model}/")
        assert listing.status_code in (403, 404), model
    record = TreatmentRecord.objects.get()
    assert client.get(f"/admin/clinical/treatmentrecord/{record.pk}/change/").status_code in (
        403,
        404,
    )
    index = client.get("/admin/").content.decode()
    assert "Treatment records" not in index
    assert "Screening answers" not in index
    assert "Photos" not in index
    # Wherever reception may look at a plan in the admin, the answers are not on it.
    plan_admin = client.get(f"/admin/bookings/plan/{plan.pk}/change/")
    assert "anticoagulants" not in plan_admin.content.decode()
    assert AuditEntry.objects.count() == 0


def test_a_patient_without_a_staff_account_cannot_reach_staff_pages(client, plan):
    """Patients have no accounts: they are anonymous visitors here, and a user who is not
    staff is refused like reception."""
    from tests.factories import UserFactory

    sign_in(client, UserFactory(username="patient-with-account"))
    assert client.get(reverse("clinical:plan-detail", args=[plan.pk])).status_code == 403


# --- a clinician reaching another clinician's patient through the booking admin -------------


def _with_note(make_plan, clinician, patient):
    plan = make_plan(clinician=clinician, patient=patient, status=PlanStatus.CONFIRMED)
    Plan.objects.filter(pk=plan.pk).update(review_note="Isotretinoin stopped in May")
    return plan


def test_a_clinician_does_not_read_another_clinicians_review_note_in_the_admin(
    client, clinician, other_clinician, make_plan, patient
):
    plan = _with_note(make_plan, other_clinician, patient)
    sign_in(client, clinician.user)

    response = client.get(reverse("admin:bookings_plan_change", args=[plan.pk]))

    assert "Isotretinoin" not in response.text


def test_a_clinician_still_reads_the_review_note_of_their_own_patient(
    client, clinician, make_plan, patient
):
    plan = _with_note(make_plan, clinician, patient)
    sign_in(client, clinician.user)

    response = client.get(reverse("admin:bookings_plan_change", args=[plan.pk]))

    assert response.status_code == 200
    assert "Isotretinoin" in response.text


def test_a_clinician_cannot_probe_review_notes_with_a_list_filter(
    client, clinician, other_clinician, make_plan, patient
):
    _with_note(make_plan, other_clinician, patient)
    sign_in(client, clinician.user)
    url = reverse("admin:bookings_plan_changelist")

    hit = client.get(url, {"review_note__icontains": "Isotretinoin"})
    miss = client.get(url, {"review_note__icontains": "no such words"})

    listed = [r.status_code == 200 and patient.full_name in r.text for r in (hit, miss)]
    assert listed[0] == listed[1]


# --- Consistent 404 outside one's scope (issue 21, item 7) ---------------------------------------


def out_of_scope_addresses(plan, session) -> list[str]:
    """Every page that names one object of another clinician's patient, staff pages and admin."""
    record = TreatmentRecord.objects.get(appointment=session)
    photo = Photo.objects.create(
        appointment=session,
        kind="before",
        area="cheeks",
        image="a.jpg",
        thumbnail="b.jpg",
        width=1,
        height=1,
        taken_by=session.clinician,
    )
    return [
        reverse("clinical:plan-detail", args=[plan.pk]),
        reverse("clinical:plan-photos", args=[plan.pk]),
        reverse("clinical:session-detail", args=[session.pk]),
        reverse("clinical:photo-file", args=[photo.pk, "full"]),
        f"/admin/bookings/plan/{plan.pk}/change/",
        f"/admin/bookings/appointment/{session.pk}/change/",
        f"/admin/bookings/patient/{plan.patient_id}/change/",
        f"/admin/clinical/treatmentrecord/{record.pk}/change/",
        f"/admin/clinical/photo/{photo.pk}/change/",
    ]


def test_every_object_outside_a_clinicians_scope_is_a_404_like_one_that_does_not_exist(
    client, plan, recorded_session, other_clinician
):
    """The probe's finding: another clinician could tell existing ids from missing ones.
    Out of scope and not there must answer the same, in the staff pages and the admin."""
    sign_in(client, other_clinician.user)
    for url in out_of_scope_addresses(recorded_session.plan, recorded_session):
        response = client.get(url)
        missing = client.get(re.sub(r"/\d+/", "/987654/", url, count=1))
        assert response.status_code == 404, url
        assert missing.status_code == 404, url
        assert "Maria Schneider" not in response.text and "SECRETLOT1" not in response.text
    for post in (
        reverse("clinical:session-record", args=[recorded_session.pk]),
        reverse("clinical:photo-add", args=[recorded_session.pk]),
        reverse("clinical:plan-review", args=[recorded_session.plan.pk]),
    ):
        assert client.post(post, {}).status_code == 404, post
    assert AuditEntry.objects.count() == 0


def test_the_admin_lists_only_a_clinicians_own_patients_bookings(
    client, plan, recorded_session, other_clinician, receptionist
):
    sign_in(client, other_clinician.user)
    for listing in (
        "/admin/bookings/plan/",
        "/admin/bookings/appointment/",
        "/admin/bookings/patient/",
    ):
        page = client.get(listing)
        assert page.status_code == 200, listing
        assert "Maria Schneider" not in page.text, listing
    # Reception runs the desk: it still sees every booking (and no medical data).
    desk = sign_in(type(client)(), receptionist)
    assert "Maria Schneider" in desk.get("/admin/bookings/patient/").text


@pytest.fixture
def two_answered_follow_ups(make_plan, clinician):
    """Two answered follow-ups: Alice reported severe signs of infection, Bruno nothing."""
    from datetime import timedelta

    from django.utils import timezone

    from bookings.models import AppointmentStatus
    from clinical.models import FollowUp
    from tests.factories import PatientFactory

    made = {}
    for name, infection, comment in (
        ("Alice Infected", "severe", "pus and fever since yesterday"),
        ("Bruno Fine", "none", ""),
    ):
        plan = make_plan(
            clinician=clinician,
            patient=PatientFactory(full_name=name),
            status=PlanStatus.CONFIRMED,
            first_start=timezone.now() - timedelta(days=3),
            flagged=False,
            sessions=1,
        )
        session = plan.appointments.get()
        session.status = AppointmentStatus.COMPLETED
        session.save()
        made[name] = FollowUp.objects.create(
            appointment=session,
            token_hash=f"{session.pk:064d}",
            sent_at=timezone.now() - timedelta(days=1),
            expires_at=timezone.now() + timedelta(days=10),
            answered_at=timezone.now(),
            infection=infection,
            comment=comment,
            urgent=infection == "severe",
        )
    return made


@pytest.mark.parametrize(
    "query",
    [
        {"infection": "severe"},
        {"urgent__exact": "1"},
        {"comment__icontains": "pus"},
        {"infection__in": "severe,moderate"},
    ],
)
def test_reception_cannot_filter_follow_ups_by_their_answers_in_the_admin(
    client, receptionist, two_answered_follow_ups, query
):
    sign_in(client, receptionist)
    url = reverse("admin:clinical_followup_changelist")
    alice = reverse(
        "admin:clinical_followup_change", args=[two_answered_follow_ups["Alice Infected"].pk]
    )
    bruno = reverse(
        "admin:clinical_followup_change", args=[two_answered_follow_ups["Bruno Fine"].pk]
    )
    plain = client.get(url).content.decode()
    assert alice in plain and bruno in plain  # reception sees that follow-ups were sent
    assert "pus and fever" not in plain and "severe" not in plain.lower()
    client.raise_request_exception = False
    response = client.get(url, query)
    page = response.content.decode()
    # Either the lookup is refused, or it does not narrow the list down to Alice's session.
    narrowed = response.status_code == 200 and alice in page and bruno not in page
    assert not narrowed, f"{query} lists only the patient who reported severe infection"


def test_reception_may_still_narrow_follow_ups_by_the_date_they_were_sent(
    client, receptionist, two_answered_follow_ups
):
    # The admin's date filter reads the clinic's calendar day, not UTC's (they differ at night).
    from django.utils import timezone

    sent = timezone.localtime(two_answered_follow_ups["Alice Infected"].sent_at)
    sign_in(client, receptionist)
    response = client.get(
        reverse("admin:clinical_followup_changelist"),
        {"sent_at__year": sent.year, "sent_at__month": sent.month, "sent_at__day": sent.day},
    )
    assert response.status_code == 200
    assert (
        reverse("admin:clinical_followup_change", args=[two_answered_follow_ups["Bruno Fine"].pk])
        in response.content.decode()
    )
