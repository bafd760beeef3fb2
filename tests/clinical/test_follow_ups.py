"""Follow-up after each session: sent once, to the right people, and what a worrying answer does."""

import re
import threading
from datetime import timedelta

import pytest
import time_machine
from django.conf import settings
from django.db import connection
from django.urls import reverse
from django.utils import timezone, translation

from bookings.models import AppointmentStatus, OutgoingEmail, PlanStatus
from clinical import aftercare
from clinical.models import AdverseEvent, AuditEntry, CourseOutcome, FollowUp, FollowUpStop
from tests.factories import TreatmentRecordFactory

pytestmark = pytest.mark.django_db

DELAY = timedelta(hours=48)


@pytest.fixture
def treated(make_plan, clinician, patient):
    """Session 1 of Maria's course, completed and recorded 50 hours ago (lot EXO-2026-0412)."""
    plan = make_plan(
        clinician=clinician,
        patient=patient,
        status=PlanStatus.CONFIRMED,
        first_start=timezone.now() - timedelta(hours=50),
        flagged=False,
    )
    session = plan.appointments.get(sequence=1)
    session.status = AppointmentStatus.COMPLETED
    session.save()
    TreatmentRecordFactory(appointment=session, recorded_by=clinician, lot_number="EXO-2026-0412")
    return session


def follow_up_emails():
    return OutgoingEmail.objects.filter(template="follow_up")


def link_in(email: OutgoingEmail) -> str:
    return re.search(r"https?://\S+/aftercare/\S+/", email.body_text).group(0)


def test_a_completed_session_gets_one_follow_up_after_48_hours_in_the_patients_language(treated):
    with time_machine.travel(treated.start + DELAY - timedelta(minutes=1)):
        assert aftercare.follow_ups_send_due() == 0
    assert aftercare.follow_ups_send_due() == 1
    assert aftercare.follow_ups_send_due() == 0

    email = follow_up_emails().get()
    assert email.to == treated.plan.patient.email
    assert "Wie geht es Ihrer Haut" in email.subject or "How is your skin" in email.subject
    follow_up = FollowUp.objects.get()
    token = link_in(email).rstrip("/").rsplit("/", 1)[1]
    # Only the hash is stored; the link works for FOLLOW_UP_LINK_DAYS.
    assert token not in follow_up.token_hash and aftercare.token_hash(token) == follow_up.token_hash
    assert follow_up.expires_at - follow_up.sent_at == timedelta(days=settings.FOLLOW_UP_LINK_DAYS)


@pytest.mark.parametrize("status", [AppointmentStatus.CANCELLED, AppointmentStatus.NO_SHOW])
def test_no_follow_up_for_a_cancelled_or_no_show_visit(treated, status):
    treated.status = status
    treated.save()
    assert aftercare.follow_ups_send_due() == 0
    assert not follow_up_emails().exists()


def test_no_follow_up_for_an_erased_patient_nor_one_who_stopped_them(treated, make_plan, clinician):
    patient = treated.plan.patient
    patient.email = ""  # what erasure leaves (privacy.services.patient_erase)
    patient.full_name = "—"
    patient.save()
    assert aftercare.follow_ups_send_due() == 0

    patient.email = "maria@example.org"
    patient.save()
    FollowUpStop.objects.create(patient=patient, stopped_at=timezone.now())
    assert aftercare.follow_ups_send_due() == 0
    assert not follow_up_emails().exists()


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
@pytest.mark.skipif(
    connection.vendor != "postgresql",
    reason="two runs at once need PostgreSQL's row locks and concurrent writers (CI runs it)",
)
def test_two_runs_at_once_send_the_follow_up_exactly_once(treated):
    barrier = threading.Barrier(2)
    results: list[object] = [None, None]

    def run(index: int) -> None:
        try:
            barrier.wait()
            results[index] = aftercare.follow_ups_send_due()
        except Exception as error:  # reported by the assertion below
            results[index] = error
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(i,)) for i in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)

    assert sorted(results) == [0, 1]
    assert FollowUp.objects.count() == 1
    assert follow_up_emails().count() == 1


def test_severe_swelling_and_fever_show_what_to_do_now_and_raise_an_urgent_item(
    client, treated, clinician, receptionist, client_for
):
    aftercare.follow_ups_send_due()
    url = link_in(follow_up_emails().get()).split("://", 1)[1].split("/", 1)[1]
    url = "/" + url
    form = client.get(url)
    assert form.status_code == 200 and url.startswith("/de/aftercare/")
    assert 'name="swelling"' in form.content.decode()

    answers = dict.fromkeys(
        ["redness", "pain", "bruising", "itching", "crusting", "dark_patches"], "mild"
    )
    response = client.post(url, {**answers, "swelling": "severe", "infection": "moderate"})

    page = response.content.decode()
    assert "Was Sie jetzt tun sollten" in page  # "What to do now", in the patient's German
    assert settings.CLINIC_PHONE in page and settings.CLINIC_AFTER_HOURS_PHONE in page
    assert "112" in page
    follow_up = FollowUp.objects.get()
    assert follow_up.urgent and follow_up.answered_at is not None
    clinic_email = OutgoingEmail.objects.get(template="follow_up_urgent")
    assert clinic_email.to == settings.CLINIC_EMAIL
    # Nothing medical and no name in the clinic's inbox: a link to sign in.
    assert "swelling" not in clinic_email.body_text.lower()
    assert treated.plan.patient.full_name not in clinic_email.body_text
    # Reopening the link shows the advice again, never the form a second time.
    assert "Was Sie jetzt tun sollten" in client.get(url).content.decode()

    with translation.override("en"):  # the clinician's English staff area
        dashboard_url = reverse("clinical:dashboard")
    dashboard = client_for(clinician.user).get(dashboard_url).content.decode()
    assert "Urgent: follow-up answers to act on" in dashboard
    assert treated.plan.patient.full_name in dashboard

    reception = client_for(receptionist).get(reverse("clinical:session-detail", args=[treated.pk]))
    assert reception.status_code == 403
    assert AuditEntry.objects.filter(object_type="follow_up").count() == 0

    staff = client_for(clinician.user)
    session_page = staff.get(reverse("clinical:session-detail", args=[treated.pk])).content.decode()
    assert "Signs of infection" in session_page and "Severe" in session_page
    assert AuditEntry.objects.filter(
        object_type="follow_up", object_id=follow_up.pk, action="view", user=clinician.user
    ).exists()


def test_a_clinician_confirms_the_answer_as_an_adverse_event_linked_to_the_lot(
    client, treated, clinician, client_for
):
    aftercare.follow_ups_send_due()
    follow_up = FollowUp.objects.get()
    aftercare.follow_up_answer(
        follow_up=follow_up,
        answers={**dict.fromkeys(aftercare.SYMPTOMS, "none"), "swelling": "severe"},
        comment="Fever 38.9",
    )
    staff = client_for(clinician.user)
    prefilled = staff.get(
        reverse("clinical:session-detail", args=[treated.pk]), {"from_follow_up": "1"}
    )
    initial = prefilled.context["event_form"].initial
    assert "Swelling: Severe" in initial["description"] and initial["severity"] == "severe"

    response = staff.post(
        reverse("clinical:adverse-event-add", args=[treated.pk]),
        {
            "follow_up": "1",
            "event-onset": timezone.localdate().isoformat(),
            "event-description": "Severe swelling and fever after microneedling",
            "event-severity": "severe",
            "event-other_important": "on",
            "event-outcome": "ongoing",
            "event-relatedness": "possible",
        },
    )

    event = AdverseEvent.objects.get()
    assert response.status_code == 302
    assert event.lot.lot_number == "EXO-2026-0412" and event.follow_up == follow_up
    follow_up.refresh_from_db()
    assert follow_up.urgent_seen_by == clinician
    summary = staff.get(reverse("clinical:adverse-event", args=[event.pk])).content.decode()
    assert "This event is serious: report it" in summary
    assert "Paul-Ehrlich-Institut" in summary and "AkdÄ" in summary
    assert "M. S." in summary and "EXO-2026-0412" in summary
    dashboard = staff.get(reverse("clinical:dashboard")).content.decode()
    assert "Urgent: follow-up answers to act on" not in dashboard


def test_an_unknown_or_expired_link_opens_nothing(client, treated):
    assert client.get("/en/aftercare/not-a-real-token/").status_code == 404
    aftercare.follow_ups_send_due()
    url = "/" + link_in(follow_up_emails().get()).split("://", 1)[1].split("/", 1)[1]
    with time_machine.travel(
        timezone.now() + timedelta(days=settings.FOLLOW_UP_LINK_DAYS, hours=1)
    ):
        response = client.get(url)
    assert response.status_code == 404
    # Maria reads German: the link is /de/…
    assert "Dieser Link funktioniert nicht" in response.content.decode()


def test_the_patient_can_stop_follow_ups_from_the_link(client, treated, make_plan, clinician):
    aftercare.follow_ups_send_due()
    url = "/" + link_in(follow_up_emails().get()).split("://", 1)[1].split("/", 1)[1]
    response = client.post(url + "stop/")
    assert "Keine Nachfragen mehr" in response.content.decode()  # in the patient's German
    assert FollowUpStop.objects.filter(patient=treated.plan.patient).exists()
    second = treated.plan.appointments.get(sequence=2)
    second.start = timezone.now() - timedelta(hours=49)
    second.end = second.start + timedelta(hours=1)
    second.status = AppointmentStatus.COMPLETED
    second.save()
    assert aftercare.follow_ups_send_due() == 0


def test_reception_sees_that_a_follow_up_is_pending_or_answered_but_never_the_answer(
    treated, receptionist, client_for
):
    aftercare.follow_ups_send_due()
    follow_up = FollowUp.objects.get()
    aftercare.follow_up_answer(
        follow_up=follow_up,
        answers={**dict.fromkeys(aftercare.SYMPTOMS, "none"), "swelling": "severe"},
        comment="ZQ-secret: fever",
    )
    reception = client_for(receptionist)

    listing = reception.get(reverse("admin:clinical_followup_changelist")).content.decode()
    detail = reception.get(reverse("admin:clinical_followup_change", args=[follow_up.pk]))

    assert "icon-yes" in listing  # answered
    page = detail.content.decode()
    assert detail.status_code == 200
    assert "ZQ-secret" not in page and "Severe" not in page and "severe" not in page
    assert AuditEntry.objects.filter(object_type="follow_up").count() == 0


def test_the_follow_up_is_due_48_real_hours_after_a_session_across_the_clock_change(
    make_plan, clinician, patient
):
    """Saturday 28 March 2026, 10:00 in Berlin; the clocks go forward that night, so 48 hours
    later is Monday 11:00 on the wall clock, not 10:00."""
    from zoneinfo import ZoneInfo

    from django.utils.timezone import datetime

    berlin = ZoneInfo("Europe/Berlin")
    start = datetime(2026, 3, 28, 10, 0, tzinfo=berlin)
    with time_machine.travel(start - timedelta(days=40)):
        plan = make_plan(
            clinician=clinician, patient=patient, status=PlanStatus.CONFIRMED, first_start=start
        )
    session = plan.appointments.get(sequence=1)
    session.start, session.end = start, start + timedelta(hours=1)
    session.status = AppointmentStatus.COMPLETED
    session.save()

    with time_machine.travel(datetime(2026, 3, 30, 10, 59, tzinfo=berlin)):
        assert aftercare.follow_ups_send_due() == 0
    with time_machine.travel(datetime(2026, 3, 30, 11, 0, tzinfo=berlin)):
        assert aftercare.follow_ups_send_due() == 1


def test_the_outcome_question_goes_once_12_weeks_after_the_course_and_is_answered_once(
    client, make_plan, clinician, patient, client_for
):
    plan = make_plan(
        clinician=clinician,
        patient=patient,
        status=PlanStatus.COMPLETED,
        first_start=timezone.now() - timedelta(weeks=13),
        sessions=1,
        flagged=False,
    )
    session = plan.appointments.get()
    session.status = AppointmentStatus.COMPLETED
    session.save()
    # The clinician's own rating may come first; it does not count as asking the patient.
    aftercare.outcome_rate(plan=plan, clinician=clinician, impression=4)

    with time_machine.travel(session.start + timedelta(weeks=12) - timedelta(minutes=1)):
        assert aftercare.outcomes_send_due() == 0
    assert aftercare.outcomes_send_due() == 1
    assert aftercare.outcomes_send_due() == 0

    email = OutgoingEmail.objects.get(template="outcome")
    url = re.search(r"https?://[^/]+(/\S+/aftercare/outcome/\S+/)", email.body_text).group(1)
    answer = {"impression": "3", "satisfaction": "4", "would_again": "yes", "comment": "Fine"}
    assert client.post(url, answer).status_code == 200
    client.post(url, {**answer, "impression": "1"})  # a second answer changes nothing

    outcome = CourseOutcome.objects.get(plan=plan)
    assert (outcome.impression, outcome.satisfaction, outcome.would_again) == (3, 4, True)
    assert (outcome.clinician_impression, outcome.rated_by) == (4, clinician)
    page = client_for(clinician.user).get(reverse("clinical:plan-detail", args=[plan.pk]))
    assert "Improved" in page.content.decode() or "Verbessert" in page.content.decode()
    assert AuditEntry.objects.filter(object_type="outcome", object_id=outcome.pk).exists()
