"""The public booking flow, step by step: screening, times, details and hold, consent, confirm."""

from datetime import timedelta

import pytest
import time_machine
from django.contrib.sessions.models import Session
from django.core import mail
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from bookings.engine.availability import free_start_times
from bookings.engine.errors import InvalidPlanState
from bookings.engine.placing import Channel, ConsentEvidence, booking_place
from bookings.engine.rules import BookingRules, local_date
from bookings.models import (
    Appointment,
    ConsentText,
    ManageLink,
    OutgoingEmail,
    Patient,
    Plan,
    PlanStatus,
    ScreeningAnswer,
)
from bookings.notify.emails import emails_send_due
from bookings.online.booking_times import visits_from_session
from bookings.online.views import DONE_KEY, FLOW_IDLE_SECONDS, FLOW_TOUCH_SECONDS, SESSION_KEY
from tests.bookings.online import (
    DETAILS,
    adult_birthday,
    answer_screening,
    book,
    consent_post,
    hold,
    screening_post,
    url,
    with_proposal,
)
from tests.clinic_data import seed_small_clinic
from tests.factories import PatientFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def clinic():
    return seed_small_clinic()


@pytest.fixture
def protocol(clinic):
    return clinic.protocol


def counts() -> tuple[int, int, int]:
    return Plan.objects.count(), Patient.objects.count(), Appointment.objects.count()


# --- Screening ---------------------------------------------------------------------------------


def test_the_protocol_page_has_a_book_button(client, protocol):
    page = client.get(protocol.get_absolute_url()).content.decode()
    assert url("start", protocol) in page
    assert "Book this treatment" in page


def test_a_blocking_answer_ends_the_flow_kindly_and_writes_nothing(client, protocol, settings):
    response = answer_screening(client, protocol, yes_to="pregnant")

    page = response.content.decode()
    assert response.status_code == 200
    assert "cannot be booked online" in page
    assert settings.CLINIC_PHONE in page and settings.CLINIC_EMAIL in page
    assert "Are you pregnant" in page  # says which answer it is about
    assert counts() == (0, 0, 0)
    assert SESSION_KEY not in client.session  # the answers are not kept either
    # The times page cannot be reached by typing its address.
    assert client.get(url("times", protocol))["Location"] == url("start", protocol)


def test_the_blocked_page_speaks_the_patients_language(client, protocol):
    response = client.post(
        f"/tr{url('start', protocol)[3:]}", screening_post(protocol, yes_to="pregnant")
    )
    page = response.content.decode()
    assert 'lang="tr"' in page
    assert "Hamile" in page
    assert counts() == (0, 0, 0)


def test_every_question_must_be_answered_and_answers_given_are_kept(client, protocol):
    data = screening_post(protocol)
    first, *rest = data
    data.pop(first)
    response = client.post(url("start", protocol), data)
    page = response.content.decode()
    assert response.status_code == 200
    assert "Please answer yes or no." in page
    assert 'id="error-summary"' in page
    # What was answered is still ticked.
    assert page.count("checked") == len(rest)
    assert SESSION_KEY not in client.session


# --- Times ---------------------------------------------------------------------------------------


def test_the_whole_course_is_proposed_with_every_visit(client, clinic):
    answer_screening(client, clinic.prp_protocol)
    response = client.get(url("times", clinic.prp_protocol))
    visits = response.context["visits"]
    assert [v["sequence"] for v in visits] == [0, 1, 2]
    assert visits[0]["label"].startswith("Preparation visit")
    assert (local_date(visits[1]["start"]) - local_date(visits[0]["start"])).days >= 14
    page = response.content.decode()
    assert "Preparation visit (blood draw)" in page
    assert "Session 2 of 2" in page


def test_a_chosen_clinician_and_earliest_date_shape_the_proposal(client, clinic, protocol):
    answer_screening(client, protocol)
    second = clinic.clinicians[1]
    earliest = timezone.localdate() + timedelta(days=10)
    response = client.get(
        url("times", protocol), {"clinician": second.pk, "earliest": earliest.isoformat()}
    )
    visits = response.context["visits"]
    assert local_date(visits[0]["start"]) == earliest
    assert visits[0]["clinician"] == second.display_name


def test_changing_a_visit_offers_only_days_that_keep_the_course_rules(client, protocol):
    answer_screening(client, protocol)
    proposed = client.get(url("times", protocol)).context["visits"]
    page = client.get(url("change-visit", protocol, sequence=2))
    days = [choice.day for choice in page.context["times"].days]
    first_day, third_day = local_date(proposed[0]["start"]), local_date(proposed[2]["start"])
    assert days, "some days are offered"
    for day in days:
        assert 21 <= (day - first_day).days <= 35
        assert 21 <= (third_day - day).days <= 35

    # Session 3 has a window of 15 days after session 2: choose another day and time.
    page = client.get(url("change-visit", protocol, sequence=3))
    second_day = local_date(proposed[1]["start"])
    days = [choice.day for choice in page.context["times"].days]
    assert all(21 <= (day - second_day).days <= 35 for day in days)
    target = next(c.day for c in page.context["times"].days if c.free and c.day != third_day)
    day_page = client.get(url("change-visit", protocol, sequence=3), {"day": target.isoformat()})
    value = list(day_page.context["form"].openings)[-1]
    response = client.post(
        url("change-visit", protocol, sequence=3), {"opening": value, "day": target.isoformat()}
    )
    assert response.status_code == 302
    visits = client.get(url("times", protocol)).context["visits"]
    assert local_date(visits[2]["start"]) == target
    assert visits[2]["start"].isoformat() == value.split("|")[0]


def test_a_time_that_is_not_offered_is_refused_on_change(client, protocol):
    answer_screening(client, protocol)
    client.get(url("times", protocol))
    response = client.post(
        url("change-visit", protocol, sequence=2), {"opening": "2020-01-01T10:00:00+00:00|1"}
    )
    assert response.status_code == 200
    assert "no longer free" in response.content.decode()


# --- Details and hold ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("date_of_birth", "2999-01-01", "cannot be in the future"),
        ("email", "maria-at-example", "Enter a valid email address."),
        ("phone", "call me maybe", "digits only"),
        ("date_of_birth", adult_birthday(16), "aged 18 or over"),
        ("full_name", " ", "This field is required."),
    ],
)
def test_bad_details_are_refused_next_to_the_field_and_nothing_is_held(
    client, protocol, settings, field, value, message
):
    answer_screening(client, protocol)
    response = hold(client, protocol, **{field: value})
    page = response.content.decode()
    assert response.status_code == 200
    assert message in page
    assert 'id="error-summary"' in page
    assert f'href="#div_id_{field}"' in page
    assert counts() == (0, 0, 0)
    # The other fields keep what was typed.
    kept = DETAILS["full_name"] if field != "full_name" else DETAILS["email"]
    assert kept in page
    if field == "date_of_birth" and "18" in message:
        assert settings.CLINIC_PHONE in page


def test_holding_writes_a_held_plan_and_says_until_when(client, protocol):
    answer_screening(client, protocol)
    response = hold(client, protocol)
    assert response["Location"] == url("review", protocol)
    plan = Plan.objects.get()
    assert plan.status == PlanStatus.HELD
    assert plan.patient.email == DETAILS["email"]
    review = client.get(url("review", protocol)).content.decode()
    until = timezone.localtime(plan.hold_expires_at).strftime("%H:%M")
    assert f"held until {until}" in review


def test_a_slot_taken_between_showing_and_holding_returns_to_times_with_everything_kept(
    client, protocol, another_client
):
    answer_screening(client, protocol)
    client.get(url("times", protocol))
    # Someone else books the very same times first.
    answer_screening(another_client, protocol)
    book(another_client, protocol, email="other@example.com")
    assert Plan.objects.count() == 1

    response = client.post(url("details", protocol), with_proposal(client, DETAILS))

    assert response["Location"] == url("times", protocol)
    follow = client.get(response["Location"])
    page = follow.content.decode()
    assert "just taken" in page
    assert Plan.objects.count() == 1
    assert not Patient.objects.filter(email=DETAILS["email"]).exists()
    # Details and answers are kept; new times are proposed.
    flow = client.session[SESSION_KEY]
    assert flow["details"]["full_name"] == DETAILS["full_name"]
    assert flow["answers"]
    assert follow.context["visits"]
    details_page = client.get(url("details", protocol)).content.decode()
    assert DETAILS["full_name"] in details_page


@pytest.fixture
def another_client():
    from django.test import Client

    return Client()


def test_the_back_button_and_a_second_hold_never_hold_twice(client, protocol):
    answer_screening(client, protocol)
    hold(client, protocol)
    client.post(url("details", protocol), with_proposal(client, DETAILS))  # back, and submit again
    assert Plan.objects.filter(status=PlanStatus.HELD).count() == 1
    assert Patient.objects.count() == 1


def test_a_returning_patient_is_linked_and_nothing_of_their_record_is_shown(client, protocol):
    known = PatientFactory(
        full_name="Maria Old-Name",
        email=DETAILS["email"],
        date_of_birth="1986-04-23",
        phone="+49 111 999",
    )
    answer_screening(client, protocol)
    hold(client, protocol)
    review = client.get(url("review", protocol)).content.decode()
    assert Plan.objects.get().patient == known
    assert Patient.objects.count() == 1
    assert "Old-Name" not in review and "+49 111 999" not in review

    # Same email, another birthday: a different person.
    other = PatientFactory(email="shared@example.com", date_of_birth="1970-01-01")
    client.post(
        url("details", protocol), with_proposal(client, {**DETAILS, "email": "shared@example.com"})
    )
    assert Plan.objects.filter(status=PlanStatus.HELD).get().patient != other


def test_a_hold_that_ran_out_sends_the_patient_back_to_choose(client, protocol):
    answer_screening(client, protocol)
    hold(client, protocol)
    data = consent_post(client, protocol)
    Plan.objects.update(hold_expires_at=timezone.now() - timedelta(seconds=1))

    response = client.post(url("review", protocol), data)

    assert response["Location"] == url("times", protocol)
    page = client.get(response["Location"]).content.decode()
    assert "ran out" in page
    assert not Plan.objects.filter(status=PlanStatus.CONFIRMED).exists()
    assert OutgoingEmail.objects.count() == 0


# --- Consent, confirm ---------------------------------------------------------------------------


def test_confirming_books_the_course_records_consent_and_answers_and_clears_the_session(
    client, protocol, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = book(client, protocol)
    assert response["Location"] == url("done")
    plan = Plan.objects.get()
    assert plan.status == PlanStatus.CONFIRMED
    assert plan.consent_text.language == "en" and plan.consent_text.version == 1
    assert plan.consent_language == "en" and plan.consented_at is not None
    answers = ScreeningAnswer.objects.filter(plan=plan)
    assert answers.count() > 0 and not any(a.answer for a in answers)
    assert SESSION_KEY not in client.session
    assert client.session[DONE_KEY] == plan.pk
    done = client.get(url("done")).content.decode()
    assert "Your course is booked" in done
    # One email, with the calendar file and the manage link.
    email = OutgoingEmail.objects.get()
    assert email.template == "booking_confirmed"
    assert emails_send_due() == 1
    message = mail.outbox[0]
    assert message.attachments[0][0] == "treatment-course.ics"
    assert "/en/manage/" in message.body
    assert "Session 3 of 3" in message.body
    assert "1,350 EUR" in message.body
    assert ManageLink.objects.filter(plan=plan).count() == 1


def test_consent_is_required(client, protocol):
    answer_screening(client, protocol)
    hold(client, protocol)
    data = consent_post(client, protocol)
    del data["consent"]
    response = client.post(url("review", protocol), data)
    assert "Please tick the box" in response.content.decode()
    assert Plan.objects.get().status == PlanStatus.HELD


def test_an_answer_that_needs_review_sends_the_plan_to_a_clinician(client, protocol):
    response = book(client, protocol, yes_to="anticoagulants")
    plan = Plan.objects.get()
    assert plan.status == PlanStatus.AWAITING_REVIEW
    flagged = [a for a in plan.screening_answers.all() if a.is_flagged]
    assert [a.question_text for a in flagged] == [
        "Do you take blood thinners (anticoagulants), or do you have a bleeding disorder?"
    ]
    done = client.get(response["Location"]).content.decode()
    assert "a clinician will confirm" in done
    assert OutgoingEmail.objects.get().template == "booking_awaiting_review"


def test_a_double_submitted_confirmation_makes_one_plan_and_one_email(client, protocol):
    answer_screening(client, protocol)
    hold(client, protocol)
    data = consent_post(client, protocol)
    first = client.post(url("review", protocol), data)
    second = client.post(url("review", protocol), data)
    assert first["Location"] == second["Location"] == url("done")
    assert Plan.objects.count() == 1
    assert Plan.objects.get().status == PlanStatus.CONFIRMED
    assert OutgoingEmail.objects.count() == 1
    assert ManageLink.objects.count() == 1


def test_the_same_confirmation_processed_twice_in_parallel_is_still_one_email(protocol, client):
    """Two requests that both read the session before either finished (the session-less race)."""
    from bookings.engine.placing import Channel, ConsentEvidence, booking_place
    from bookings.models import ConsentText
    from bookings.notify.booking_emails import plan_notify_booked
    from bookings.online.booking_times import visits_from_session

    answer_screening(client, protocol)
    hold(client, protocol)
    plan = Plan.objects.get()
    flow = client.session[SESSION_KEY]
    answers = flow["answers"]
    consent = ConsentText.objects.for_course(protocol, "en")
    for _ in range(2):
        booking_place(
            channel=Channel.ONLINE,
            protocol=protocol,
            visits=visits_from_session(flow["visits"]),
            proposal_id=flow["proposal"],
            answers=answers,
            patient=plan.patient,
            consent=ConsentEvidence(text=consent),
            after_commit=lambda placed: plan_notify_booked(
                plan=placed, base_url="https://clinic.example"
            ),
        )
    assert OutgoingEmail.objects.count() == 1
    assert plan.screening_answers.count() == len(answers)


def test_walking_away_releases_the_hold_and_forgets_the_answers(client, protocol):
    answer_screening(client, protocol)
    hold(client, protocol)
    response = client.post(url("abandon", protocol))
    assert response["Location"] == protocol.get_absolute_url()
    assert SESSION_KEY not in client.session
    plan = Plan.objects.get()
    assert plan.status == PlanStatus.CANCELLED
    assert not plan.appointments.active().exists()


def test_a_confirmed_courses_times_are_no_longer_free(client, protocol):
    book(client, protocol)
    plan = Plan.objects.get()
    for appointment in plan.appointments.all():
        free = free_start_times(
            protocol=protocol,
            day=local_date(appointment.start),
            clinician=appointment.clinician,
        )
        assert appointment.start not in [opening.start for opening in free]


def test_the_screening_is_asked_in_german_and_turkish(client, protocol):
    for language, words in [("de", "Sind Sie schwanger"), ("tr", "Hamile misiniz")]:
        page = client.get(f"/{language}{url('start', protocol)[3:]}").content.decode()
        assert f'lang="{language}"' in page
        assert words in page


class BrokenMailServer:
    def __init__(self, *args, **kwargs) -> None:
        pass

    def send_messages(self, messages) -> int:
        raise ConnectionRefusedError("mail server down")


def test_a_failing_mail_server_delays_the_confirmation_but_it_is_sent_once(
    client, protocol, settings
):
    settings.EMAIL_BACKEND = "tests.bookings.test_booking_flow.BrokenMailServer"
    book(client, protocol)
    assert Plan.objects.get().status == PlanStatus.CONFIRMED  # the booking does not wait
    assert emails_send_due() == 0
    email = OutgoingEmail.objects.get()
    assert email.status == "pending" and email.attempts == 1 and email.next_attempt_at

    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    later = email.next_attempt_at + timedelta(seconds=1)
    assert emails_send_due(now=later) == 1
    assert emails_send_due(now=later + timedelta(hours=1)) == 0
    assert len(mail.outbox) == 1
    assert OutgoingEmail.objects.get().status == "sent"


def test_holding_and_confirming_are_rate_limited_per_address(client, protocol):
    answer_screening(client, protocol)
    client.get(url("times", protocol))
    for _ in range(10):
        client.post(url("details", protocol), with_proposal(client, DETAILS))
    held = Plan.objects.filter(status=PlanStatus.HELD).count()

    response = client.post(url("details", protocol), with_proposal(client, DETAILS))

    assert response.status_code == 429
    assert "Too many attempts" in response.content.decode()
    assert Plan.objects.filter(status=PlanStatus.HELD).count() == held
    # Another address is not affected.
    other = type(client)(REMOTE_ADDR="203.0.113.9")
    answer_screening(other, protocol)
    assert hold(other, protocol, email="x@example.com")["Location"] == url("review", protocol)


# --- one proposal, one plan; no oracle (engine.placing) ---------------------------------------


def test_confirming_in_a_stale_tab_books_nothing_and_says_so(client, protocol):
    answer_screening(client, protocol)
    hold(client, protocol)
    tab_a = consent_post(client, protocol)  # tab A shows the first course, ready to confirm
    # Tab B, same session: a later start, and those times held instead.
    later = (timezone.localdate() + timedelta(days=10)).isoformat()
    client.get(url("times", protocol), {"earliest": later})
    hold(client, protocol)
    held = Plan.objects.get(status=PlanStatus.HELD)

    response = client.post(url("review", protocol), tab_a, follow=True)

    assert "Nothing was booked: the times on that page were changed" in response.content.decode()
    assert not Plan.objects.exclude(status__in=[PlanStatus.HELD, PlanStatus.CANCELLED]).exists()
    assert Plan.objects.get(pk=held.pk).status == PlanStatus.HELD  # tab B's course, unconfirmed
    assert OutgoingEmail.objects.count() == 0
    # The page now shows tab B's course, which can be confirmed knowingly.
    assert response.context["plan"].pk == held.pk


def test_details_sent_from_a_stale_tab_are_kept_and_hold_nothing(client, protocol):
    answer_screening(client, protocol)
    client.get(url("times", protocol))
    tab_a = with_proposal(client, {**DETAILS, "full_name": "Maria Anna Schneider"})
    # Tab B, same session: a later start, so other times.
    later = (timezone.localdate() + timedelta(days=10)).isoformat()
    client.get(url("times", protocol), {"earliest": later})

    response = client.post(url("details", protocol), tab_a, follow=True)

    assert "the times on that page were changed" in response.content.decode()
    assert not Plan.objects.exists()  # nothing held for times the patient never saw
    details_page = client.get(url("details", protocol)).content.decode()
    assert 'value="Maria Anna Schneider"' in details_page  # nothing typed is lost


def test_a_stranger_is_not_told_that_a_patient_has_visits_at_those_times(client, protocol, clinic):
    weber, yilmaz = clinic.clinicians
    answer_screening(client, protocol)
    client.get(url("times", protocol), {"clinician": weber.pk})
    first = visits_from_session(client.session[SESSION_KEY]["visits"])[0]
    # Maria has a visit with Dr. Yılmaz at the very time this course starts with Dr. Weber.
    maria = PatientFactory(
        email=DETAILS["email"], date_of_birth=DETAILS["date_of_birth"], preferred_language="de"
    )
    theirs = Plan.objects.create(
        patient=maria, protocol=protocol, clinician=yilmaz, status=PlanStatus.CONFIRMED
    )
    Appointment.objects.create(
        plan=theirs,
        kind="session",
        sequence=1,
        start=first.start,
        end=first.end,
        clinician=yilmaz,
    )

    # Whoever types her email and birthday (here in Turkish) has proven nothing.
    response = client.post(
        url("details", protocol),
        with_proposal(client, {**DETAILS, "preferred_language": "tr"}),
        follow=True,
    )

    page = response.content.decode()
    assert "already have another appointment" not in page
    assert "not available" in page  # other times are offered, without saying why
    assert not Plan.objects.filter(patient=maria, status=PlanStatus.HELD).exists()
    maria.refresh_from_db()
    assert maria.preferred_language == "de"  # only a link sent to her email may change it


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

    # Once that time has passed the next person at this browser sees nothing of it: neither
    # the row nor the cached copy (sessions are read from the cache first) outlives it.
    later = timezone.now() + timedelta(seconds=FLOW_IDLE_SECONDS + 61)
    with time_machine.travel(later, tick=False):
        page = client.get(url("start", protocol)).content.decode()
        assert "checked" not in page
        assert client.get(url("details", protocol))["Location"] == url("start", protocol)


def test_a_reload_writes_no_session_but_a_patient_still_reading_keeps_their_flow(client, protocol):
    answer_screening(client, protocol)
    client.get(url("times", protocol))
    key = client.session.session_key
    expires = Session.objects.get(session_key=key).expire_date

    # Reading the same page again changes nothing: no write (issue 22), the same expiry.
    client.get(url("times", protocol))
    assert Session.objects.get(session_key=key).expire_date == expires

    # A patient who keeps reading for longer than FLOW_TOUCH_SECONDS moves the expiry on, so the
    # flow does not end FLOW_IDLE_SECONDS after their last change while they are still here.
    later = timezone.now() + timedelta(seconds=FLOW_TOUCH_SECONDS + 5)
    with time_machine.travel(later, tick=False):
        client.get(url("times", protocol))
        assert Session.objects.get(session_key=key).expire_date > expires + timedelta(
            seconds=FLOW_TOUCH_SECONDS
        )
    # A clock set back since the last write does not freeze the expiry either.
    earlier = timezone.now() - timedelta(hours=3)
    with time_machine.travel(earlier, tick=False):
        client.get(url("times", protocol))
        assert Session.objects.get(session_key=key).expire_date < expires


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


# --- the protocol is read through the content cache (issue 22) ---------------------------------


def protocol_queries(client, address: str) -> int:
    with CaptureQueriesContext(connection) as captured:
        assert client.get(address).status_code in (200, 302, 404)
    return sum('"treatments_protocol"' in query["sql"] for query in captured)


def test_each_step_reads_the_course_from_the_cache_until_it_is_saved(client, protocol):
    answer_screening(client, protocol)
    assert protocol_queries(client, url("times", protocol)) == 0  # read once, by the first step

    # Unpublished outside the admin (a shell, a data fix): refused at the very next step.
    protocol.published = False
    protocol.save()
    assert client.get(url("times", protocol)).status_code == 404

    # Published again with a longer session: the next page shows the new length, not a copy.
    protocol.published = True
    protocol.session_minutes = protocol.session_minutes + 15
    protocol.save()
    page = client.get(url("times", protocol))
    assert page.status_code == 200
    assert page.context["protocol"].session_minutes == protocol.session_minutes


def test_a_new_search_that_finds_nothing_gives_back_the_held_times_and_confirms_nothing(
    client, protocol
):
    answer_screening(client, protocol)
    hold(client, protocol)  # the course is held; the review page is next
    held = Plan.objects.get()
    review_tab = consent_post(client, protocol)  # the review page, open in another tab
    rules = BookingRules.from_settings()
    beyond = rules.last_day(timezone.now()) + timedelta(days=10)

    page = client.get(url("times", protocol), {"earliest": beyond.isoformat()})
    assert "no free times" in page.content.decode()
    # Back to the review tab, which still shows the hold, and confirm.
    confirm = client.post(url("review", protocol), review_tab)

    assert confirm.status_code == 302  # on to choose times again, kindly
    held.refresh_from_db()
    assert held.status == PlanStatus.CANCELLED  # its times are free for others again
    assert not Plan.objects.filter(status=PlanStatus.CONFIRMED).exists()
    assert client.get(confirm["Location"], follow=True).status_code == 200
