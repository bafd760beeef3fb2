"""Waitlist fills in the clinic's reports (issue 21, item 1; issue 18, item 7): offers sent in
the period, how many were claimed, and the median time from the moment a time was freed to the
claim that rebooked it. One query whatever the period; clinic-wide (the manager's view), as
an offer belongs to the patient who waited, not to one clinician.
"""

from __future__ import annotations

from dataclasses import dataclass
from statistics import median

from django.utils.formats import number_format
from django.utils.translation import gettext as _

from bookings.models import OfferStatus, WaitlistOffer
from reports.selectors import ReportScope, ratio
from reports.tables import Table, percent


@dataclass
class WaitlistFills:
    offers_sent: int
    claimed: int
    median_minutes_to_rebook: float | None

    @property
    def fill_share(self) -> float | None:
        return ratio(self.claimed, self.offers_sent)


def waitlist_report(*, scope: ReportScope) -> WaitlistFills:
    offers = WaitlistOffer.objects.filter(
        created_at__gte=scope.starts_at, created_at__lt=scope.ends_at
    )
    if scope.protocol_id:
        offers = offers.filter(entry__protocol_id=scope.protocol_id)
    # One query: each offer's status and times (a period's offers are a handful, not thousands).
    rows = list(offers.values_list("status", "freed_at", "claimed_at"))
    waits = [
        (claimed_at - freed_at).total_seconds() / 60
        for status, freed_at, claimed_at in rows
        if status == OfferStatus.CLAIMED and claimed_at is not None
    ]
    return WaitlistFills(
        offers_sent=len(rows),
        claimed=len(waits),
        median_minutes_to_rebook=median(waits) if waits else None,
    )


def waitlist_table(report: WaitlistFills) -> Table:
    minutes = report.median_minutes_to_rebook
    return Table(
        slug="waitlist",
        caption=_("Waitlist fills"),
        headers=[
            _("Offers sent"),
            _("Claimed"),
            _("Share claimed"),
            _("Median minutes from freed to rebooked"),
        ],
        rows=[
            [
                report.offers_sent,
                report.claimed,
                "" if report.fill_share is None else f"{report.fill_share:.4f}",
                "" if minutes is None else f"{minutes:.0f}",
            ]
        ],
        display=[
            [
                number_format(report.offers_sent),
                number_format(report.claimed),
                percent(report.fill_share),
                "–" if minutes is None else number_format(round(minutes)),
            ]
        ],
    )
