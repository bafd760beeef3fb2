"""Findings of an adversarial review of the patient-facing booking flow and the manage link:
each test names a way the flow was broken, through the test client as a patient would."""

from datetime import timedelta

import pytest
from django.contrib.sessions.models import Session
from django.core import mail
from django.utils import timezone

from bookings.engine.errors import InvalidPlanState
from bookings.engine.placing import Channel, ConsentEvidence, booking_place
from bookings.engine.rules import BookingRules, local_date
from bookings.models import (
    ConsentText,
    OutgoingEmail,
    Patient,
    Plan,
    PlanStatus,
    ScreeningAnswer,
)
from bookings.notify.emails import emails_send_due
from bookings.online.booking_times import visits_from_session
from bookings.online.views import FLOW_IDLE_SECONDS, SESSION_KEY
from tests.bookings.online import (
    DETAILS,
    answer_screening,
    book,
    consent_post,
    hold,
    url,
    with_proposal,
)
from tests.clinic_data import seed_small_clinic

pytestmark = pytest.mark.django_db


@pytest.fixture
def clinic():
    return seed_small_clinic()


@pytest.fixture
def protocol(clinic):
    return clinic.protocol


# --- plain-text emails are not HTML ------------------------------------------------------------


def test_the_plain_text_email_writes_names_as_typed_not_as_html_entities(client, protocol):
    protocol.aftercare = "Avoid make-up & sun for 24 hours."
    protocol.save()

    book(client, protocol, full_name="Aoife O'Brien <Dr>")
    emails_send_due()

    (message,) = mail.outbox
    assert "Hello Aoife O'Brien <Dr>," in message.body
    assert "Avoid make-up & sun for 24 hours." in message.body
    assert "&#x27;" not in message.body and "&amp;" not in message.body
    # The HTML part still escapes what the patient typed.
    html = message.alternatives[0][0]
    assert "O&#x27;Brien &lt;Dr&gt;" in html
    assert "<Dr>" not in html


# --- every field fits its column -----------------------------------------------------------------


def test_an_email_address_too_long_to_store_is_a_message_not_a_server_error(client, protocol):
    answer_screening(client, protocol)
    too_long = (
        "a" * 250 + "@example.com"
    )  # valid to the email validator (<= 320), not to the column

    response = hold(client, protocol, email=too_long)

    assert response.status_code == 200
    assert response.context["form"].errors["email"]
    assert Patient.objects.count() == 0 and Plan.objects.count() == 0
    # What was typed stays in the form.
    assert DETAILS["full_name"] in response.content.decode()


# --- a hold that ran out between the review page and the confirmation --------------------------


def test_confirming_after_the_hold_ran_out_stores_no_answers_and_no_consent(client, protocol):
    answer_screening(client, protocol, yes_to="anticoagulant")
    hold(client, protocol)
    plan = Plan.objects.get()
    answers = client.session[SESSION_KEY]["answers"]
    Plan.objects.filter(pk=plan.pk).update(hold_expires_at=timezone.now() - timedelta(seconds=1))

    with pytest.raises(InvalidPlanState):
        booking_place(
            channel=Channel.ONLINE,
            protocol=protocol,
            visits=visits_from_session(client.session[SESSION_KEY]["visits"]),
            proposal_id=client.session[SESSION_KEY]["proposal"],
            answers=answers,
            patient=plan.patient,
            consent=ConsentEvidence(
                text=ConsentText.objects.filter(language="en").latest("version")
            ),
        )

    plan.refresh_from_db()
    # Health answers and a consent on a course that was never booked would outlive it (and make
    # the guest look like one who completed a booking, so retention would never remove them).
    assert ScreeningAnswer.objects.count() == 0
    assert plan.consent_text_id is None and plan.consented_at is None
    assert plan.status == PlanStatus.HELD
    assert OutgoingEmail.objects.count() == 0


# --- an earliest date with nothing free is not silently ignored ----------------------------------


def test_an_earliest_date_with_no_free_time_says_so_instead_of_proposing_earlier_times(
    client, protocol
):
    answer_screening(client, protocol)
    rules = BookingRules.from_settings()
    beyond = rules.last_day(timezone.now()) + timedelta(days=10)

    response = client.get(url("times", protocol), {"earliest": beyond.isoformat()})

    assert response.status_code == 200
    # Before: the course from today, as if the date had not been asked for.
    assert all(local_date(v["start"]) >= beyond for v in response.context["visits"])
    assert response.context["visits"] == []
    assert response.context["problem"]
    assert "no free times" in response.content.decode()
    # Nothing to hold: the details page sends the patient back.
    assert client.get(url("details", protocol)).status_code == 302


# --- an abandoned flow does not keep health answers for weeks -----------------------------------


def test_an_abandoned_flow_keeps_answers_and_details_for_hours_not_weeks(
    client, protocol, settings
):
    answer_screening(client, protocol, yes_to="anticoagulant")
    hold(client, protocol)
    session = client.session
    assert session[SESSION_KEY]["answers"] and session[SESSION_KEY]["details"]

    # Server side (the session row) and in the browser (the cookie), not Django's two weeks.
    row = Session.objects.get(session_key=session.session_key)
    assert row.expire_date <= timezone.now() + timedelta(seconds=FLOW_IDLE_SECONDS + 60)
    assert 0 < int(client.cookies[settings.SESSION_COOKIE_NAME]["max-age"]) <= FLOW_IDLE_SECONDS

    # Once that time has passed the next person at this browser sees nothing of it.
    Session.objects.filter(pk=row.pk).update(expire_date=timezone.now() - timedelta(seconds=1))
    page = client.get(url("start", protocol)).content.decode()
    assert "checked" not in page
    assert client.get(url("details", protocol))["Location"] == url("start", protocol)


# --- past the rate limit the page is the same page -----------------------------------------------


def test_past_the_hold_limit_the_details_page_keeps_the_times_and_the_real_hold_time(
    client, protocol, settings
):
    settings.BOOKING_HOLD_MINUTES = 45
    answer_screening(client, protocol)
    client.get(url("times", protocol))
    for _ in range(10):
        client.post(url("details", protocol), with_proposal(client, DETAILS))

    response = client.post(url("details", protocol), with_proposal(client, DETAILS))

    page = response.content.decode()
    assert response.status_code == 429
    assert "Too many attempts" in page
    assert "45 minutes" in page and "20 minutes" not in page
    assert "Your chosen times" in page and "Session 3 of 3" in page
    assert DETAILS["email"] in page  # what was typed is still there


# --- "Stop and delete my answers" on a stale tab -------------------------------------------------


def test_stopping_from_a_stale_tab_of_another_treatment_gives_back_the_held_times(client, clinic):
    answer_screening(client, clinic.protocol)
    hold(client, clinic.protocol)
    held = Plan.objects.get()
    assert held.status == PlanStatus.HELD

    # The patient presses "Stop and delete my answers" on an old tab of the PRP course.
    response = client.post(url("abandon", clinic.prp_protocol))

    assert response.status_code == 302
    assert SESSION_KEY not in client.session
    held.refresh_from_db()
    assert held.status == PlanStatus.CANCELLED  # not held for nobody until it runs out
    assert not held.appointments.active().exists()


# --- a confirmation whose flow was stopped in another tab ---------------------------------------


def test_confirming_a_flow_stopped_in_another_tab_never_shows_an_earlier_booking_as_done(
    client, clinic
):
    book(client, clinic.protocol)  # an earlier booking in this browser: the done page shows it
    first = Plan.objects.get()
    answer_screening(client, clinic.prp_protocol)
    hold(client, clinic.prp_protocol, email="partner@example.com")  # another person, same browser
    confirm = consent_post(client, clinic.prp_protocol)
    client.post(url("abandon", clinic.prp_protocol))  # "Stop" pressed in another tab

    response = client.post(url("review", clinic.prp_protocol), confirm, follow=True)

    assert response.redirect_chain[0][0] == url("start", clinic.prp_protocol)
    assert "Nothing was booked" in response.content.decode()
    assert not Plan.objects.filter(protocol=clinic.prp_protocol, status=PlanStatus.CONFIRMED)
    assert Plan.objects.get(pk=first.pk).status == PlanStatus.CONFIRMED


def test_a_second_confirmation_of_the_same_booking_still_lands_on_the_done_page(client, protocol):
    answer_screening(client, protocol)
    hold(client, protocol)
    confirm = consent_post(client, protocol)
    assert client.post(url("review", protocol), confirm)["Location"] == url("done")

    assert client.post(url("review", protocol), confirm)["Location"] == url("done")
    assert Plan.objects.count() == 1 and OutgoingEmail.objects.count() == 1


# --- a returning patient's second course --------------------------------------------------------


def test_a_returning_patients_new_times_step_past_their_own_visits(client, clinic):
    book(client, clinic.protocol)  # Maria's first course
    first = Plan.objects.get()
    answer_screening(client, clinic.prp_protocol)

    # The first proposal may overlap her own visits (the page does not know her yet): the hold
    # says so and promises new times…
    response = hold(client, clinic.prp_protocol)
    if response["Location"] == url("times", clinic.prp_protocol):
        # …which must really be new: before, the same clashing times came back for ever.
        response = hold(client, clinic.prp_protocol)

    assert response["Location"] == url("review", clinic.prp_protocol)
    second = Plan.objects.exclude(pk=first.pk).get()
    assert second.patient_id == first.patient_id and second.status == PlanStatus.HELD
    mine = [(a.start, a.end) for a in first.appointments.all()]
    for visit in second.appointments.all():
        assert not any(visit.start < end and start < visit.end for start, end in mine)


# --- the consent recorded is the consent shown ---------------------------------------------------


def publish_consent(language: str, version: int, *, ago: timedelta) -> ConsentText:
    return ConsentText.objects.create(
        language=language,
        version=version,
        title=f"Consent v{version}",
        body="Older or other wording.",
        published_at=timezone.now() - ago,
    )


@pytest.mark.parametrize("language, version", [("en", 0), ("de", 7)])
def test_a_confirmation_naming_a_consent_text_it_was_not_shown_is_refused(
    client, protocol, language, version
):
    other = publish_consent(language, version, ago=timedelta(days=400))
    answer_screening(client, protocol)
    hold(client, protocol)
    client.get(url("review", protocol))

    response = client.post(
        url("review", protocol),
        with_proposal(client, {"consent": "on", "consent_text": other.pk}),
    )

    assert response.status_code == 200
    assert "Please read the consent text again" in response.content.decode()
    plan = Plan.objects.get()
    assert plan.status == PlanStatus.HELD and plan.consent_text_id is None
    assert ScreeningAnswer.objects.count() == 0


def test_the_version_shown_is_recorded_even_if_a_newer_one_came_out_meanwhile(client, protocol):
    answer_screening(client, protocol)
    hold(client, protocol)
    confirm = consent_post(client, protocol)  # the review page shows version 1
    shown = ConsentText.objects.get(pk=confirm["consent_text"])
    publish_consent("en", shown.version + 1, ago=timedelta(seconds=1))

    response = client.post(url("review", protocol), confirm)

    assert response["Location"] == url("done")
    assert Plan.objects.get().consent_text == shown


# --- personal pages are not kept in the browser's cache ------------------------------------------


def test_pages_with_answers_details_or_the_plan_are_not_stored_by_the_browser(client, protocol):
    answer_screening(client, protocol, yes_to="anticoagulant")
    pages = [url("start", protocol), url("times", protocol)]
    hold(client, protocol)
    pages += [url("details", protocol), url("review", protocol)]
    responses = {page: client.get(page) for page in pages}
    client.post(url("review", protocol), consent_post(client, protocol))
    emails_send_due()
    token = mail.outbox[0].body.split("/manage/")[1].split("/")[0]
    for page in (url("done"), url("manage", token=token), url("manage-calendar", token=token)):
        responses[page] = client.get(page)

    for page, response in responses.items():
        assert response.status_code == 200, page
        assert "no-store" in response.get("Cache-Control", ""), page
