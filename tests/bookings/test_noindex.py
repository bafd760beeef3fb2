"""Booking, manage and waitlist pages are never indexed: <meta name="robots"> and X-Robots-Tag.

They are a patient's own steps (and a manage link is a secret), so a search engine that finds a
link to one must neither list it nor follow it. Issue 20, item 9.
"""

import re

import pytest
from django.urls import URLPattern, get_resolver

from bookings.models import Plan
from bookings.notify.emails import emails_send_due
from tests.bookings.online import answer_screening, book, hold, url
from tests.clinic_data import seed_small_clinic

pytestmark = pytest.mark.django_db

META = '<meta name="robots" content="noindex, nofollow">'


def all_patterns(resolver=None, namespace: str = "", route: str = ""):
    """(namespace, full route, pattern) for every view URL of the site."""
    resolver = resolver or get_resolver()
    for pattern in resolver.url_patterns:
        if isinstance(pattern, URLPattern):
            yield namespace, route + str(pattern.pattern), pattern
        else:
            yield from all_patterns(
                pattern, pattern.namespace or namespace, route + str(pattern.pattern)
            )


def booking_patterns() -> list[URLPattern]:
    """The booking flow, manage and waitlist URLs: the bookings namespace, and any other URL
    whose address is a booking, manage or waitlist step (a waitlist added elsewhere later)."""
    return [
        pattern
        for namespace, route, pattern in all_patterns()
        if namespace == "bookings" or any(word in route for word in ("waitlist", "manage/"))
        if not route.startswith(("admin/", "staff/"))
    ]


def assert_not_indexed(response) -> None:
    assert response["X-Robots-Tag"] == "noindex, nofollow", response.request["PATH_INFO"]
    if response.status_code != 302 and response["Content-Type"].startswith("text/html"):
        assert META in response.text, response.request["PATH_INFO"]


def test_every_booking_manage_and_waitlist_url_is_wrapped_in_noindex():
    patterns = booking_patterns()

    assert len(patterns) >= 14
    unwrapped = [p.name for p in patterns if not getattr(p.callback, "noindex", False)]
    assert "manage-consent" in {p.name for p in patterns}
    assert unwrapped == []


def test_the_booking_steps_are_not_indexed(client):
    clinic = seed_small_clinic()
    protocol = clinic.protocol

    assert_not_indexed(client.get(url("start", protocol)))
    answer_screening(client, protocol)
    assert_not_indexed(client.get(url("times", protocol)))
    assert_not_indexed(client.get(url("details", protocol)))
    hold(client, protocol)
    assert_not_indexed(client.get(url("review", protocol)))


def test_the_done_and_manage_pages_are_not_indexed(client):
    from django.core import mail

    clinic = seed_small_clinic()
    redirect = book(client, clinic.protocol)
    emails_send_due()
    token = re.search(r"/manage/([\w-]+)/", mail.outbox[0].body).group(1)
    first = Plan.objects.get().appointments.order_by("sequence").last()

    assert_not_indexed(redirect)
    assert_not_indexed(client.get(url("done")))
    assert_not_indexed(client.get(url("manage", token=token)))
    assert_not_indexed(client.get(url("manage-calendar", token=token)))
    assert_not_indexed(client.get(url("manage-move", token=token, pk=first.pk)))
    assert_not_indexed(client.get(url("manage-cancel-visit", token=token, pk=first.pk)))
    assert_not_indexed(client.get(url("manage-cancel-plan", token=token)))
    assert_not_indexed(client.get(url("manage-new-link")))
    assert_not_indexed(client.get(url("manage-link-sent")))
    invalid = client.get(url("manage", token="not-a-real-token"))
    assert invalid.status_code == 404
    assert_not_indexed(invalid)


@pytest.mark.parametrize(
    "path",
    [
        "/en/book/no-such-course/",
        "/en/book/no-such-course/review/",
        "/en/manage/not-a-real-token/",
        "/en/manage/not-a-real-token/consent/",
        "/en/manage/not-a-real-token/calendar.ics",
    ],
)
def test_an_unknown_course_or_link_answers_a_404_that_is_not_indexed(client, path):
    seed_small_clinic()

    response = client.get(path)

    assert response.status_code == 404
    assert response["X-Robots-Tag"] == "noindex, nofollow"


def test_public_pages_stay_indexable(client):
    clinic = seed_small_clinic()

    for path in ["/en/", clinic.protocol.get_absolute_url()]:
        response = client.get(path)
        assert "X-Robots-Tag" not in response
        assert 'name="robots"' not in response.text
