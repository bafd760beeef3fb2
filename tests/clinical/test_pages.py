"""What the clinician reads: the dashboard and the plan page."""

from datetime import date, timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from bookings.models import Plan, PlanStatus
from clinical.models import AuditEntry
from tests.clinical.conftest import ANTICOAGULANTS, sign_in
from tests.factories import PatientFactory, TreatmentRecordFactory

pytestmark = pytest.mark.django_db


def test_the_dashboard_lists_my_plans_awaiting_review_oldest_first_with_the_urgent_ones_marked(
    client, clinician, other_clinician, make_plan, settings
):
    settings.CLINICAL_REVIEW_URGENT_HOURS = 48
    now = timezone.now()
    newer = make_plan(
        clinician=clinician,
        patient=PatientFactory(full_name="Newer Patient"),
        first_start=now + timedelta(days=10),
    )
    older = make_plan(
        clinician=clinician,
        patient=PatientFactory(full_name="Older Patient"),
        first_start=now + timedelta(hours=30),
    )
    Plan.objects.filter(pk=older.pk).update(created_at=now - timedelta(hours=5))
    Plan.objects.filter(pk=newer.pk).update(created_at=now - timedelta(hours=1))
    make_plan(clinician=other_clinician, patient=PatientFactory(full_name="Not Mine"))
    sign_in(client, clinician.user)

    response = client.get(reverse("clinical:dashboard"))

    awaiting = response.context["awaiting"]
    assert [plan.pk for plan in awaiting] == [older.pk, newer.pk]
    assert [plan.is_urgent for plan in awaiting] == [True, False]
    page = response.content.decode()
    assert "Not Mine" not in page
    assert page.index("Older Patient") < page.index("Newer Patient")
    assert page.count(">urgent<") == 1
    assert "5\xa0hours" in page  # how long the older plan has waited


def test_the_dashboard_shows_my_sessions_today_and_later_this_week(
    client, clinician, other_clinician, make_plan
):
    now = timezone.localtime()
    today_late = now.replace(hour=23, minute=0, second=0, microsecond=0)
    mine_today = make_plan(
        clinician=clinician,
        status=PlanStatus.CONFIRMED,
        patient=PatientFactory(full_name="Today Patient"),
        first_start=today_late,
    )
    make_plan(
        clinician=other_clinician,
        status=PlanStatus.CONFIRMED,
        patient=PatientFactory(full_name="Colleague Patient"),
        first_start=today_late,
    )
    sign_in(client, clinician.user)

    response = client.get(reverse("clinical:dashboard"))

    assert [s.plan_id for s in response.context["today"]] == [mine_today.pk]
    assert "Colleague Patient" not in response.content.decode()
    week_end = date.fromordinal(now.date().toordinal() + 8)  # the seven days after today
    for session in response.context["later_this_week"]:
        assert now.date() < timezone.localtime(session.start).date() < week_end


def test_the_plan_page_shows_the_patient_the_flagged_answer_first_and_the_consent(
    client, clinician, make_plan
):
    patient = PatientFactory(
        full_name="Maria Schneider", date_of_birth=date(1984, 6, 2), preferred_language="de"
    )
    plan = make_plan(clinician=clinician, patient=patient)
    earlier = make_plan(
        clinician=clinician,
        patient=patient,
        status=PlanStatus.COMPLETED,
        first_start=timezone.now() - timedelta(days=200),
    )
    TreatmentRecordFactory(
        appointment=earlier.appointments.first(), recorded_by=clinician, lot_number="OLD-LOT-7"
    )
    sign_in(client, clinician.user)

    response = client.get(reverse("clinical:plan-detail", args=[plan.pk]))

    page = response.content.decode()
    today = timezone.localdate()
    age = today.year - 1984 - ((today.month, today.day) < (6, 2))
    assert f"{age} (born 2 Jun 1984)" in page
    assert "German" in page
    answers = response.context["answers"]
    assert [a.question_text for a in answers] == [
        ANTICOAGULANTS,
        "Are you pregnant or breastfeeding?",
    ]
    assert page.index(ANTICOAGULANTS) < page.index("Are you pregnant")
    assert "1 flagged" in page
    assert "version 1" in page
    assert "OLD-LOT-7" in page  # the earlier course's record
    assert reverse("clinical:plan-detail", args=[earlier.pk]) in page
    assert "Approve plan" in page


def test_a_decided_plan_has_no_review_form_and_says_who_decided(client, clinician, make_plan):
    plan = make_plan(clinician=clinician)
    sign_in(client, clinician.user)
    client.post(
        reverse("clinical:plan-review", args=[plan.pk]), {"decision": "approve", "note": ""}
    )
    page = client.get(reverse("clinical:plan-detail", args=[plan.pk])).content.decode()
    assert "Approve plan" not in page
    assert "decided by Dr. Anna Weber" in page


def test_treatment_records_in_the_admin_are_scoped_and_every_opening_is_audited(
    client, clinician, other_clinician, make_plan
):
    mine = make_plan(clinician=clinician, status=PlanStatus.CONFIRMED)
    theirs = make_plan(clinician=other_clinician, status=PlanStatus.CONFIRMED)
    my_record = TreatmentRecordFactory(appointment=mine.appointments.first(), recorded_by=clinician)
    their_record = TreatmentRecordFactory(
        appointment=theirs.appointments.first(), recorded_by=other_clinician
    )
    sign_in(client, clinician.user)

    listing = client.get("/admin/clinical/treatmentrecord/")
    assert list(listing.context["cl"].result_list) == [my_record]
    assert client.get(f"/admin/clinical/treatmentrecord/{their_record.pk}/change/").status_code in (
        302,
        404,
    )
    opened = client.get(f"/admin/clinical/treatmentrecord/{my_record.pk}/change/")
    assert opened.status_code == 200
    assert list(AuditEntry.objects.values_list("object_type", "object_id")) == [
        ("treatment_record", my_record.pk)
    ]
    # Read-only: the admin offers no save and refuses a change.
    assert 'name="_save"' not in opened.content.decode()
    client.post(f"/admin/clinical/treatmentrecord/{my_record.pk}/change/", {"lot_number": "X"})
    my_record.refresh_from_db()
    assert my_record.lot_number != "X"


def test_the_dashboard_offers_to_record_only_sessions_that_have_started(
    client, clinician, make_plan
):
    now = timezone.localtime()
    started = make_plan(
        clinician=clinician,
        status=PlanStatus.CONFIRMED,
        # Started, and today (also just after midnight).
        first_start=max(now - timedelta(minutes=30), now.replace(hour=0, minute=0, second=1)),
        sessions=1,
    )
    sign_in(client, clinician.user)
    page = client.get(reverse("clinical:dashboard")).content.decode()
    record_link = reverse("clinical:session-detail", args=[started.appointments.get().pk])
    assert f'<a href="{record_link}">Record treatment</a>' in page
