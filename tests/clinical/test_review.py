"""Reviewing a plan: approve or decline through the booking services, email the patient once,
and never decide a plan twice."""

import pytest
from django.core import mail
from django.urls import reverse
from django.utils import translation

from bookings.models import AppointmentStatus, OutgoingEmail, Plan, PlanStatus
from bookings.notify.emails import emails_send_due
from clinical import services
from clinical.models import AuditEntry
from tests.clinical.conftest import sign_in

pytestmark = pytest.mark.django_db


def review_url(plan: Plan) -> str:
    return reverse("clinical:plan-review", args=[plan.pk])


def snapshot(plan: Plan) -> tuple:
    plan.refresh_from_db()
    return (
        plan.status,
        plan.reviewed_by_id,
        plan.reviewed_at,
        plan.review_note,
        sorted(plan.appointments.values_list("pk", "status")),
        OutgoingEmail.objects.count(),
    )


def enqueued_deliveries() -> list[list]:
    """The delivery tasks on the tasks queue (the database backend), as their arguments."""
    from django_tasks_db.models import DBTaskResult

    return [
        row.args_kwargs["args"]
        for row in DBTaskResult.objects.filter(task_path__endswith="deliver_email")
    ]


def test_approving_confirms_the_plan_keeps_its_visits_and_emails_the_patient_once(
    client, clinician, patient, make_plan, django_capture_on_commit_callbacks
):
    plan = make_plan(clinician=clinician, patient=patient)
    sign_in(client, clinician.user)

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            review_url(plan), {"decision": "approve", "note": "Paused apixaban as agreed."}
        )

    assert response.status_code == 302
    plan.refresh_from_db()
    assert plan.status == PlanStatus.CONFIRMED
    assert plan.reviewed_by == clinician
    assert plan.reviewed_at is not None
    assert plan.review_note == "Paused apixaban as agreed."
    assert set(plan.appointments.values_list("status", flat=True)) == {AppointmentStatus.BOOKED}
    email = OutgoingEmail.objects.get()
    assert (email.template, email.to, email.plan_id) == ("plan_approved", patient.email, plan.pk)
    assert enqueued_deliveries() == [[email.pk]]  # one delivery task, after the commit
    # In the patient's language (German), and the clinical note is not in the email.
    assert "Skin renewal" in email.subject
    assert "apixaban" not in email.body_text
    assert emails_send_due() == 1
    assert len(mail.outbox) == 1
    page = client.get(reverse("clinical:plan-detail", args=[plan.pk]))
    assert "The plan is approved; the patient is emailed." in page.content.decode()


def test_declining_needs_a_note_frees_the_times_and_emails_the_patient_once(
    client, clinician, patient, make_plan, django_capture_on_commit_callbacks
):
    plan = make_plan(clinician=clinician, patient=patient)
    sign_in(client, clinician.user)
    before = snapshot(plan)

    without_note = client.post(review_url(plan), {"decision": "decline", "note": "  "})

    assert without_note.status_code == 400
    assert "Please write why the plan is declined." in without_note.content.decode()
    assert snapshot(plan) == before

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            review_url(plan), {"decision": "decline", "note": "INR unstable; see in person."}
        )

    assert response.status_code == 302
    plan.refresh_from_db()
    assert plan.status == PlanStatus.DECLINED
    assert plan.reviewed_by == clinician
    assert plan.review_note == "INR unstable; see in person."
    assert set(plan.appointments.values_list("status", flat=True)) == {AppointmentStatus.CANCELLED}
    email = OutgoingEmail.objects.get()
    assert email.template == "plan_declined"
    assert enqueued_deliveries() == [[email.pk]]
    assert "INR" not in email.body_text
    assert emails_send_due() == 1
    assert len(mail.outbox) == 1
    assert mail.outbox[0].to == [patient.email]


@pytest.mark.parametrize("second", ["approve", "decline"])
def test_a_plan_cannot_be_decided_twice_by_the_same_or_another_clinician(
    client, clinician, other_clinician, patient, make_plan, client_for, second
):
    plan = make_plan(clinician=clinician, patient=patient)
    # The other clinician treats one of the visits, so may see and review the plan too.
    plan.appointments.filter(sequence=2).update(clinician=other_clinician)
    sign_in(client, clinician.user)
    client.post(review_url(plan), {"decision": "approve", "note": ""})
    after_first = snapshot(plan)

    for reviewer_client in (client, client_for(other_clinician.user)):
        response = reviewer_client.post(
            review_url(plan), {"decision": second, "note": "Second opinion"}, follow=True
        )
        assert "already approved by Dr. Anna Weber" in response.content.decode()
        assert "Nothing was changed." in response.content.decode()
        assert snapshot(plan) == after_first
    assert OutgoingEmail.objects.count() == 1


def test_a_held_plan_is_not_reviewable(client, clinician, make_plan):
    plan = make_plan(clinician=clinician, status=PlanStatus.HELD)
    sign_in(client, clinician.user)
    before = snapshot(plan)

    response = client.post(review_url(plan), {"decision": "approve"}, follow=True)

    assert "not awaiting review" in response.content.decode()
    assert snapshot(plan) == before


def test_a_decision_is_audited_without_medical_content(client, clinician, make_plan):
    plan = make_plan(clinician=clinician)
    sign_in(client, clinician.user)

    client.post(review_url(plan), {"decision": "approve", "note": "Secret note"})

    entry = AuditEntry.objects.get(action="approve")
    assert (entry.user, entry.object_type, entry.object_id) == (clinician.user, "plan", plan.pk)
    assert entry.ip_address == "127.0.0.1"
    assert "Secret" not in str(AuditEntry.objects.values().filter(pk=entry.pk).first())


# --- translated status labels are used as they are, never lower-cased ------------------------


def test_reviewing_a_cancelled_plan_names_it_in_turkish_without_a_stray_dot(
    make_plan, clinician, patient
):
    plan = make_plan(clinician=clinician, patient=patient, status=PlanStatus.CANCELLED)

    with translation.override("tr"), pytest.raises(services.ReviewRefused) as refusal:
        services.plan_approve(plan=plan, reviewer=clinician)

    assert "“İptal edildi”" in refusal.value.message
    assert "\u0307" not in refusal.value.message  # "i̇ptal": lower() of a dotted capital İ
    assert Plan.objects.get(pk=plan.pk).status == PlanStatus.CANCELLED


def test_a_second_decision_on_a_declined_plan_says_it_was_declined_and_by_whom(
    make_plan, clinician, patient
):
    plan = make_plan(clinician=clinician, patient=patient)
    services.plan_decline(plan=plan, reviewer=clinician, note="Needs a GP letter first")

    with pytest.raises(services.ReviewRefused) as refusal:
        services.plan_approve(plan=plan, reviewer=clinician)

    assert f"already declined by {clinician}" in refusal.value.message
    assert Plan.objects.get(pk=plan.pk).status == PlanStatus.DECLINED
