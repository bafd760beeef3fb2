"""The reports' tables: one definition serves the HTML table, the CSV download and the chart.

A `Table` keeps raw values (minutes, shares 0–1, amounts) for the CSV and formatted text for the
page, so a spreadsheet gets numbers and a person gets "72 %" in their language's format.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from django.utils.formats import number_format
from django.utils.translation import gettext as _
from django.utils.translation import pgettext_lazy

from bookings.models import FunnelStep
from reports.selectors import (
    FUNNEL_ORDER,
    Attendance,
    Funnel,
    Revenue,
    Turnaround,
    Utilisation,
    UtilisationRow,
)

WEEKDAYS = (
    pgettext_lazy("short weekday", "Mon"),
    pgettext_lazy("short weekday", "Tue"),
    pgettext_lazy("short weekday", "Wed"),
    pgettext_lazy("short weekday", "Thu"),
    pgettext_lazy("short weekday", "Fri"),
    pgettext_lazy("short weekday", "Sat"),
    pgettext_lazy("short weekday", "Sun"),
)


@dataclass
class Table:
    slug: str
    caption: str
    headers: list[str]
    rows: list[list[object]]  # raw values, for the CSV
    display: list[list[str]]  # the same cells as shown on the page
    csv_url: str = ""
    # When the page shows the numbers in another shape than the CSV (the heat map's grid).
    display_headers: list[str] | None = None

    @property
    def page_headers(self) -> list[str]:
        return self.display_headers or self.headers


def percent(share: float | None) -> str:
    # Rounded, not cut: 2 of 3 is 67 %, not 66 % (number_format drops the decimals).
    return "–" if share is None else f"{number_format(round(share * 100), 0)} %"


def hours(minutes: int) -> str:
    return number_format(minutes / 60, 1)


def money(amount: Decimal) -> str:
    return number_format(amount, 2, force_grouping=True)


def _utilisation_table(slug: str, caption: str, first: str, rows: list[UtilisationRow]) -> Table:
    return Table(
        slug=slug,
        caption=caption,
        headers=[first, _("Open hours"), _("Booked hours"), _("Utilisation")],
        rows=[
            [row.label, row.open_minutes, row.booked_minutes, _raw_share(row.share)] for row in rows
        ],
        display=[
            [row.label, hours(row.open_minutes), hours(row.booked_minutes), percent(row.share)]
            for row in rows
        ],
    )


def _raw_share(share: float | None) -> str:
    return "" if share is None else f"{share:.4f}"


def utilisation_tables(report: Utilisation) -> dict[str, Table]:
    tables = {
        "utilisation-weeks": _utilisation_table(
            "utilisation-weeks", _("Utilisation by week"), _("Week"), report.weeks
        ),
        "utilisation-days": _utilisation_table(
            "utilisation-days", _("Utilisation by day"), _("Day"), report.days
        ),
        "utilisation-clinicians": _utilisation_table(
            "utilisation-clinicians",
            _("Utilisation by clinician"),
            _("Clinician"),
            report.clinicians,
        ),
    }
    heat_rows = []
    used_hours = sorted(
        {
            hour
            for hours_of_day in report.heat
            for hour, cell in enumerate(hours_of_day)
            if cell.open_minutes or cell.booked_minutes
        }
    )
    for weekday, hours_of_day in enumerate(report.heat):
        for hour in used_hours:
            cell = hours_of_day[hour]
            label = f"{WEEKDAYS[weekday]} {hour:02d}:00"
            heat_rows.append(
                [label, cell.open_minutes, cell.booked_minutes, _raw_share(cell.share)]
            )
    # On the page: a grid like the chart (weekdays down, hours across), each cell the share.
    heat_display = [
        [str(WEEKDAYS[weekday]), *(percent(hours_of_day[hour].share) for hour in used_hours)]
        for weekday, hours_of_day in enumerate(report.heat)
    ]
    tables["utilisation-heatmap"] = Table(
        slug="utilisation-heatmap",
        caption=_("Utilisation by weekday and hour (the period's days added up)"),
        headers=[_("Weekday and hour"), _("Open hours"), _("Booked hours"), _("Utilisation")],
        rows=heat_rows,
        display=heat_display if used_hours else [],
        display_headers=[_("Weekday"), *(f"{hour:02d}:00" for hour in used_hours)],
    )
    return tables


def attendance_table(report: Attendance) -> Table:
    headers = [
        _("Clinician or treatment"),
        _("Attended"),
        _("No-shows"),
        _("No-show rate"),
        _("Cancelled"),
        _("Cancelled late"),
        _("Not recorded"),
    ]
    rows, display = [], []
    for group, items in ((_("Clinician"), report.clinicians), (_("Treatment"), report.protocols)):
        for row in [*items]:
            label = f"{group}: {row.label}"
            rows.append(
                [
                    label,
                    row.attended,
                    row.no_shows,
                    _raw_share(row.no_show_rate),
                    row.cancelled,
                    row.late_cancelled,
                    row.unrecorded,
                ]
            )
            display.append(
                [
                    label,
                    str(row.attended),
                    str(row.no_shows),
                    percent(row.no_show_rate),
                    str(row.cancelled),
                    str(row.late_cancelled),
                    str(row.unrecorded),
                ]
            )
    total = report.total
    rows.append(
        [
            _("All"),
            total.attended,
            total.no_shows,
            _raw_share(total.no_show_rate),
            total.cancelled,
            total.late_cancelled,
            total.unrecorded,
        ]
    )
    display.append(
        [
            _("All"),
            str(total.attended),
            str(total.no_shows),
            percent(total.no_show_rate),
            str(total.cancelled),
            str(total.late_cancelled),
            str(total.unrecorded),
        ]
    )
    return Table(
        slug="attendance",
        caption=_("No-shows and cancellations"),
        headers=headers,
        rows=rows,
        display=display,
    )


def revenue_tables(report: Revenue) -> dict[str, Table]:
    currency = report.currency
    headers = [
        _("Booked (%(currency)s)") % {"currency": currency},
        _("Delivered (%(currency)s)") % {"currency": currency},
        _("Lost to cancellations (%(currency)s)") % {"currency": currency},
        _("Lost to no-shows (%(currency)s)") % {"currency": currency},
        _("Awaiting review, not booked (%(currency)s)") % {"currency": currency},
    ]
    tables = {}
    for slug, caption, first, items in (
        ("revenue", _("Revenue by treatment"), _("Treatment"), report.protocols),
        ("revenue-weeks", _("Revenue by week"), _("Week"), report.weeks),
    ):
        all_rows = [*items, report.total] if slug == "revenue" else list(items)
        tables[slug] = Table(
            slug=slug,
            caption=caption,
            headers=[first, *headers],
            rows=[
                [
                    _("All") if row is report.total else row.label,
                    row.booked,
                    row.delivered,
                    row.lost_cancelled,
                    row.lost_no_show,
                    row.awaiting_review,
                ]
                for row in all_rows
            ],
            display=[
                [
                    _("All") if row is report.total else row.label,
                    money(row.booked),
                    money(row.delivered),
                    money(row.lost_cancelled),
                    money(row.lost_no_show),
                    money(row.awaiting_review),
                ]
                for row in all_rows
            ],
        )
    return tables


def turnaround_table(report: Turnaround) -> Table:
    def h(value: float | None) -> str:
        return "–" if value is None else number_format(value, 1)

    return Table(
        slug="turnaround",
        caption=_("Review turnaround"),
        headers=[
            _("Decisions"),
            _("Approved"),
            _("Declined"),
            _("Median (hours)"),
            _("90th percentile (hours)"),
            _("Awaiting review now"),
        ],
        rows=[
            [
                report.decided,
                report.approved,
                report.declined,
                "" if report.median_hours is None else f"{report.median_hours:.2f}",
                "" if report.p90_hours is None else f"{report.p90_hours:.2f}",
                report.waiting_now,
            ]
        ],
        display=[
            [
                str(report.decided),
                str(report.approved),
                str(report.declined),
                h(report.median_hours),
                h(report.p90_hours),
                str(report.waiting_now),
            ]
        ],
    )


def funnel_table(report: Funnel) -> Table:
    labels = dict(FunnelStep.choices)
    headers = [_("Treatment"), _("Language")]
    for step in FUNNEL_ORDER:
        headers += [str(labels[step]), _("Left after: %(step)s") % {"step": labels[step]}]
    headers += [
        str(labels[FunnelStep.BLOCKED]),
        str(labels[FunnelStep.CONFIRMED]),
        str(labels[FunnelStep.REVIEW]),
        _("Booked of started"),
    ]
    rows, display = [], []
    for row in [*report.rows, report.total]:
        first = [_("All"), ""] if row is report.total else [row.protocol, row.language]
        cells: list[object] = list(first)
        for step in FUNNEL_ORDER:
            cells += [row.count(step), row.abandoned_after(step)]
        cells += [
            row.count(FunnelStep.BLOCKED),
            row.count(FunnelStep.CONFIRMED),
            row.count(FunnelStep.REVIEW),
        ]
        rows.append([*cells, _raw_share(row.conversion)])
        display.append([str(cell) for cell in cells] + [percent(row.conversion)])
    return Table(
        slug="funnel",
        caption=_("Online booking funnel"),
        headers=headers,
        rows=rows,
        display=display,
    )
