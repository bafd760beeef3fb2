"""Who sees which reports, what the page shows, the CSV beside each table, and query counts."""

import csv
import io
from datetime import datetime, timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from bookings.models import (
    Appointment,
    AppointmentKind,
    AppointmentStatus,
    FunnelDay,
    OfferStatus,
    Plan,
    WaitlistEntry,
    WaitlistOffer,
    WaitlistStatus,
)
from tests.factories import ClinicianFactory, PatientFactory
from tests.reports.conftest import MONDAY, SUNDAY, at, weekday

pytestmark = pytest.mark.usefixtures("frozen")

PERIOD = {"first": MONDAY.isoformat(), "last": SUNDAY.isoformat()}


def page(client, **params):
    return client.get(reverse("reports:overview"), {**PERIOD, **params})


def csv_rows(client, table: str, **params) -> list[list[str]]:
    response = client.get(reverse("reports:csv", kwargs={"table": table}), {**PERIOD, **params})
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    return list(csv.reader(io.StringIO(response.content.decode())))


def test_the_manager_sees_charts_and_tables_of_the_whole_clinic(week, manager, signed_in):
    response = page(signed_in(manager))

    html = response.content.decode()
    assert response.status_code == 200
    assert html.count('role="img"') == 4  # weekly bars, heat map, revenue bars, funnel
    assert "<desc" in html
    assert "Dr. Anna Weber" in html and "Dr. Mehmet Yilmaz" in html
    assert "27 %" in html  # 360 of 1,320 open minutes
    assert "1,533.33" in html  # booked revenue
    assert "Online booking funnel" in html
    assert 'style="' not in html.split("<main", 1)[-1]  # nothing the CSP would block


def test_a_clinician_sees_only_their_own_numbers_whatever_the_query_says(week, signed_in):
    client = signed_in(week.anna.user)

    response = page(client, clinician=week.mehmet.pk)

    html = response.content.decode()
    assert response.status_code == 200
    assert "My reports" in html
    assert "Dr. Mehmet Yilmaz" not in html
    assert "Online booking funnel" not in html
    rows = csv_rows(client, "utilisation-weeks", clinician=week.mehmet.pk)
    assert rows[1][:3] == ["2027-W09", "840", "240"]
    assert client.get(reverse("reports:csv", kwargs={"table": "funnel"})).status_code == 404


def test_reception_cannot_see_reports(week, receptionist, signed_in):
    client = signed_in(receptionist)

    assert page(client).status_code == 403
    response = client.get(reverse("reports:csv", kwargs={"table": "revenue"}), PERIOD)
    assert response.status_code == 403
    assert b"Skin renewal" not in response.content


def test_anonymous_visitors_are_sent_to_the_staff_sign_in(week, client):
    response = page(client)

    assert response.status_code == 302
    assert reverse("clinical:login") in response["Location"]


def test_every_table_downloads_as_csv_with_raw_numbers(week, manager, signed_in):
    client = signed_in(manager)

    revenue = csv_rows(client, "revenue")
    assert revenue[0][0] == "Treatment"
    assert revenue[-1] == ["All", "1533.33", "933.33", "600.00", "300.00", "300.00"]
    funnel = csv_rows(client, "funnel")
    assert funnel[-1][:3] == ["All", "", "13"]
    turnaround = csv_rows(client, "turnaround")
    assert turnaround[1] == ["4", "3", "1", "7.00", "24.00", "1"]
    for table in (
        "utilisation-days",
        "utilisation-heatmap",
        "utilisation-clinicians",
        "attendance",
    ):
        assert len(csv_rows(client, table)) > 1


def test_a_protocol_name_cannot_become_a_spreadsheet_formula(week, manager, signed_in):
    week.skin.name = "=HYPERLINK(1)"
    week.skin.save()

    rows = csv_rows(signed_in(manager), "revenue")

    assert [row[0] for row in rows if "HYPERLINK" in row[0]] == ["'=HYPERLINK(1)"]


def test_a_period_ending_before_it_starts_is_refused_politely(week, manager, signed_in):
    response = page(signed_in(manager), first=SUNDAY.isoformat(), last=MONDAY.isoformat())

    assert response.status_code == 200
    assert "The end of the period is before its start." in response.content.decode()


@pytest.mark.parametrize(
    "first, last", [("9999-12-31", "9999-12-31"), ("0001-01-01", "0001-01-01")]
)
@pytest.mark.parametrize("where", ["page", "csv"])
def test_a_period_at_the_ends_of_the_calendar_is_refused_politely(
    week, manager, signed_in, first, last, where
):
    client = signed_in(manager)
    target = (
        reverse("reports:overview")
        if where == "page"
        else reverse("reports:csv", kwargs={"table": "revenue"})
    )
    response = client.get(target, {"first": first, "last": last})

    assert response.status_code in (200, 400)
    if where == "page":
        assert "Choose dates between 2000 and 2099." in response.content.decode()


def _more_data(week, copies: int) -> None:
    """Many more visits, plans and funnel days of the same shapes, in the same week."""
    extra = ClinicianFactory(display_name="Dr. Extra", protocols=[week.skin])
    plans = Plan.objects.bulk_create(
        Plan(
            patient=PatientFactory(),
            protocol=week.skin if n % 2 else week.laser,
            clinician=week.anna,
            status="confirmed",
            confirmed_at=at(MONDAY, "08:00"),
            review_requested_at=at(MONDAY, "07:00"),
            reviewed_at=at(MONDAY, "07:00") + timedelta(hours=n % 9),
            reviewed_by=week.anna,
        )
        for n in range(copies)
    )
    Appointment.objects.bulk_create(
        Appointment(
            plan=plan,
            kind=AppointmentKind.SESSION,
            sequence=1 + n % 3,
            # A clinician of their own, never two visits at once (PostgreSQL's exclusion
            # constraint): up to 18 a day, 70 minutes apart from midnight.
            start=at(weekday(n % 7), "00:00") + timedelta(minutes=70 * (n // 7)),
            end=at(weekday(n % 7), "01:00") + timedelta(minutes=70 * (n // 7)),
            clinician=extra,
            status=(AppointmentStatus.COMPLETED, AppointmentStatus.NO_SHOW)[n % 2],
        )
        for n, plan in enumerate(plans)
    )
    FunnelDay.objects.bulk_create(
        FunnelDay(date=weekday(n), protocol=week.laser, language=lang, step="started", count=5)
        for n in range(7)
        for lang in ("en", "tr")
    )


def _queries(client, **params) -> int:
    with CaptureQueriesContext(connection) as captured:
        response = page(client, **params)
    assert response.status_code == 200
    return len(captured)


def test_the_page_runs_the_same_number_of_queries_for_little_and_much_data(
    week, manager, signed_in
):
    client = signed_in(manager)
    page(client)  # the first request of a session also writes the session's last-seen time
    small = _queries(client)
    small_filtered = _queries(client, clinician=week.anna.pk, protocol=week.skin.pk)
    small_csv = len(csv_rows(client, "revenue"))

    _more_data(week, copies=120)
    # New clinicians' accounts renew the staff cache: the next request reads the account again.
    page(client)

    assert _queries(client) == small
    assert _queries(client, clinician=week.anna.pk, protocol=week.skin.pk) == small_filtered
    # Session, user, permissions and second factor; the filter form's three lists; 14 for the
    # five reports (docs/performance.md).
    assert small <= 24
    assert len(csv_rows(client, "revenue")) == small_csv  # same protocols, more money


def test_waitlist_fills_count_the_periods_offers_claims_and_the_median_time_to_rebook(
    week, manager, signed_in
):
    """Three offers sent in the week, two claimed 30 and 90 minutes after the time was freed
    (median 60), and one offer of the week before, which the period leaves out."""
    entry = WaitlistEntry.objects.create(
        patient=PatientFactory(),
        protocol=week.skin,
        earliest_date=MONDAY,
        latest_date=SUNDAY,
        status=WaitlistStatus.ACTIVE,
        verify_token_hash="v" * 64,
        leave_token_hash="l" * 64,
    )

    def offer(number: int, sent: datetime, claimed_after: int | None) -> None:
        made = WaitlistOffer.objects.create(
            entry=entry,
            freed_key=f"freed-{number}",
            freed_at=sent,
            proposal_id=f"p{number}",
            claim_token_hash=f"{number}" * 64,
            first_start=sent + timedelta(days=3),
            expires_at=sent + timedelta(hours=2),
            status=OfferStatus.OPEN if claimed_after is None else OfferStatus.CLAIMED,
            claimed_at=None if claimed_after is None else sent + timedelta(minutes=claimed_after),
        )
        WaitlistOffer.objects.filter(pk=made.pk).update(created_at=sent)

    offer(1, at(MONDAY, "09:00"), 30)
    offer(2, at(weekday(2), "12:00"), 90)
    offer(3, at(SUNDAY, "18:00"), None)
    offer(4, at(MONDAY, "09:00") - timedelta(days=3), 10)  # before the period
    client = signed_in(manager)

    assert csv_rows(client, "waitlist")[1] == ["3", "2", "0.6667", "60"]
    html = page(client).content.decode()
    assert "Waitlist fills" in html and "67 %" in html
    # A clinician's reports show no waitlist: an offer belongs to the patient who waited.
    assert "Waitlist fills" not in page(signed_in(week.anna.user)).content.decode()
