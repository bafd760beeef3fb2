"""The online booking funnel: one count per step and flow, no personal data, no cookie."""

import pytest
from django.utils import timezone, translation

from bookings.engine.funnel import funnel_increment
from bookings.models import FunnelDay
from tests.bookings.online import answer_screening, book, consent_post, hold, url
from tests.clinic_data import seed_small_clinic

pytestmark = pytest.mark.django_db


@pytest.fixture
def protocol():
    return seed_small_clinic().protocol


def steps(language: str = "en") -> dict[str, int]:
    return dict(
        FunnelDay.objects.filter(language=language, date=timezone.localdate()).values_list(
            "step", "count"
        )
    )


def test_a_booking_counts_each_step_once_even_with_reloads(client, protocol):
    client.get(url("start", protocol))
    answer_screening(client, protocol)
    client.get(url("times", protocol))
    client.get(url("times", protocol))  # a reload
    client.get(url("start", protocol))  # back to the screening of the same flow
    client.get(url("details", protocol))
    client.get(url("details", protocol))
    hold(client, protocol)
    response = client.post(url("review", protocol), consent_post(client, protocol))

    assert response.status_code == 302
    assert steps() == {
        "started": 1,
        "times_shown": 1,
        "details": 1,
        "held": 1,
        "confirmed": 1,
    }
    row = FunnelDay.objects.get(step="held")
    assert (row.protocol_id, row.language, row.date) == (protocol.pk, "en", timezone.localdate())


def test_a_booking_sent_for_review_counts_as_review_not_confirmed(client, protocol):
    book(client, protocol, yes_to="anticoagulants")

    assert steps()["review"] == 1
    assert "confirmed" not in steps()


def test_a_blocking_answer_counts_as_blocked_in_the_pages_language(client, protocol):
    with translation.override("de"):
        client.get(url("start", protocol))
        answer_screening(client, protocol, yes_to="pregnant")

    assert steps("de") == {"started": 1, "blocked": 1}


def test_counting_starts_no_session_for_a_visitor_who_only_looks(client, protocol, settings):
    response = client.get(url("start", protocol))

    # Only the form's CSRF cookie, as before: counting adds no session and no cookie of its own.
    assert set(response.cookies) <= {settings.CSRF_COOKIE_NAME}
    assert steps() == {"started": 1}


def test_the_counter_is_one_atomic_upsert(protocol):
    day = timezone.localdate()
    for _ in range(3):
        funnel_increment(day=day, protocol_id=protocol.pk, language="tr", step="held")

    assert FunnelDay.objects.get(language="tr").count == 3
