"""A course of one or two sessions is described in words that fit its number (ngettext).

Issue 20: "all 2 sessions", "1 session, 45 minutes each" and "Price for the whole course" for a
course of a single session.
"""

import pytest
from django.template.loader import render_to_string

from bookings.engine.rules import visit_title
from tests.factories import ProtocolFactory

pytestmark = pytest.mark.django_db


def test_a_single_session_course_page_speaks_of_one_session(client):
    protocol = ProtocolFactory(session_count=1, session_minutes=45)

    text = client.get(protocol.get_absolute_url()).text

    assert "1 session of 45 minutes</dd>" in text
    assert "minutes each" not in text
    assert "Price (1 session)</dt>" in text
    assert "whole course" not in text
    assert "The consultation and the session, with numbing cream" in text


def test_a_two_session_course_page_never_says_all_2_sessions(client):
    protocol = ProtocolFactory(session_count=2, session_minutes=60)

    text = client.get(protocol.get_absolute_url()).text

    assert "all 2" not in text
    assert "each of the 2 sessions, with numbing cream" in text
    assert "2 sessions of 60 minutes each</dd>" in text
    assert "Price for the whole course (2 sessions)</dt>" in text


def test_the_only_session_of_a_course_is_not_session_1_of_1():
    assert visit_title(sequence=1, session_count=1) == "Session"
    assert visit_title(sequence=2, session_count=3) == "Session 2 of 3"
    assert visit_title(sequence=0, session_count=1, preparation_name="blood draw") == (
        "Preparation visit (blood draw)"
    )


def test_a_single_session_confirmation_names_the_session_and_its_price_in_the_singular():
    protocol = ProtocolFactory(session_count=1, price="450.00")

    text = render_to_string(
        "emails/booking_confirmed.txt",
        {"protocol": protocol, "appointments": [], "currency": "EUR", "patient": None},
    )

    assert "Price (1 session): 450 EUR" in text
    assert "whole course" not in text


@pytest.mark.parametrize(
    ("hours", "wording"), [(1, "up to 1 hour before"), (24, "up to 24 hours before")]
)
def test_the_too_late_to_change_message_counts_hours_in_the_right_form(settings, hours, wording):
    from bookings.engine.rules import BookingRules
    from bookings.engine.services import _cancellation_notice_message

    settings.BOOKING_CANCELLATION_NOTICE_HOURS = hours

    assert wording in _cancellation_notice_message(BookingRules.from_settings())


def test_a_one_session_course_is_cancelled_as_the_course_not_the_whole_course(client):
    import re

    from django.core import mail

    from bookings.notify.emails import emails_send_due
    from tests.bookings.online import book, url
    from tests.clinic_data import seed_small_clinic

    clinic = seed_small_clinic()
    clinic.protocol.session_count = 1
    clinic.protocol.save()
    book(client, clinic.protocol)
    emails_send_due()
    token = re.search(r"/manage/([\w-]+)/", mail.outbox[0].body).group(1)

    manage = client.get(url("manage", token=token)).text
    confirm = client.get(url("manage-cancel-plan", token=token)).text

    assert ">Cancel the course</a>" in manage
    assert "Cancel the course?</h1>" in confirm
    assert "whole course" not in manage + confirm
