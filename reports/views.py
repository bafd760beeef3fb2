"""The reports pages under the staff area (`/<lang>/staff/reports/`).

The staff area's rules hold here too: the second factor is required by path
(`clinic.middleware.SecondFactorMiddleware`), and `medical_staff_required` refuses reception with
403 as every other staff page does. A clinic manager sees the whole clinic and may narrow it to
one clinician; a clinician sees only their own numbers (the scope is fixed to them, whatever the
query string says) and not the booking funnel, which belongs to no clinician. The pages show
aggregates only — no patient, no plan — so they write no audit entries (clinical/audit.py audits
looks at medical data).
"""

from __future__ import annotations

import csv
from dataclasses import dataclass

from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_safe

from bookings.models import FunnelStep
from clinical.access import clinician_of, medical_staff_required, sees_every_patient
from reports import charts
from reports.consultations import consultation_report, consultation_table
from reports.forms import ReportFilterForm, last_month
from reports.selectors import (
    FUNNEL_ORDER,
    ReportScope,
    attendance_report,
    funnel_report,
    revenue_report,
    turnaround_report,
    utilisation_report,
)
from reports.tables import (
    WEEKDAYS,
    Table,
    attendance_table,
    funnel_table,
    hours,
    money,
    percent,
    revenue_tables,
    turnaround_table,
    utilisation_tables,
)
from reports.waitlist import waitlist_report, waitlist_table


@dataclass(frozen=True)
class Viewer:
    everyone: bool
    clinician_id: int | None


def _viewer(request: HttpRequest) -> Viewer:
    if sees_every_patient(request.user):
        return Viewer(everyone=True, clinician_id=None)
    clinician = clinician_of(request.user)
    if clinician is None:
        raise PermissionDenied  # medical access but no clinician profile: nothing is "theirs"
    return Viewer(everyone=False, clinician_id=clinician.pk)


def _form_and_scope(request: HttpRequest, viewer: Viewer) -> tuple[ReportFilterForm, ReportScope]:
    first, last = last_month(timezone.localdate())
    data = request.GET.copy()
    data.setdefault("first", first.isoformat())
    data.setdefault("last", last.isoformat())
    form = ReportFilterForm(data, choose_clinician=viewer.everyone)
    if form.is_valid():
        cleaned = form.cleaned_data
        first, last = cleaned["first"], cleaned["last"]
        chosen = cleaned.get("clinician")
        device, protocol = cleaned.get("device"), cleaned.get("protocol")
    else:
        chosen = device = protocol = None
    scope = ReportScope(
        first=first,
        last=last,
        clinician_id=viewer.clinician_id
        if not viewer.everyone
        else (chosen.pk if chosen else None),
        device_id=device.pk if device else None,
        protocol_id=protocol.pk if protocol else None,
    )
    return form, scope


def _tables(scope: ReportScope, viewer: Viewer) -> tuple[dict[str, Table], dict]:
    utilisation = utilisation_report(scope=scope)
    attendance = attendance_report(scope=scope)
    revenue = revenue_report(scope=scope)
    turnaround = turnaround_report(scope=scope)
    tables = {
        **utilisation_tables(utilisation),
        "attendance": attendance_table(attendance),
        **revenue_tables(revenue),
        "turnaround": turnaround_table(turnaround),
        "consultations": consultation_table(consultation_report(scope=scope)),  # issue 18
    }
    reports = {
        "utilisation": utilisation,
        "attendance": attendance,
        "revenue": revenue,
        "turnaround": turnaround,
    }
    if viewer.everyone:
        funnel = funnel_report(scope=scope)
        tables["funnel"] = funnel_table(funnel)
        reports["funnel"] = funnel
        tables["waitlist"] = waitlist_table(waitlist_report(scope=scope))  # issue 18
    return tables, reports


def _charts(reports: dict) -> dict:
    utilisation = reports["utilisation"]
    revenue = reports["revenue"]
    weeks = utilisation.weeks
    # The hours the clinic was open or busy in the period (all 24 when it never was).
    used = [
        hour
        for hour in range(24)
        if any(day[hour].open_minutes or day[hour].booked_minutes for day in utilisation.heat)
    ]
    shown_hours = list(range(min(used), max(used) + 1)) if used else list(range(24))
    result = {
        "utilisation_weeks": charts.bar_chart(
            title=_("Utilisation by week"),
            description=_(
                "Bars show the booked share of open hours for each week of the period; the table "
                "below lists every number."
            ),
            bars=[charts.Bar(row.label, row.share or 0, percent(row.share)) for row in weeks],
            maximum=1,
        ),
        "heat_map": charts.heat_map(
            title=_("Utilisation by weekday and hour"),
            description=_(
                "Darker cells are busier hours; white cells are hours with no open time. The "
                "table below lists every hour with open or booked time."
            ),
            rows=[str(day) for day in WEEKDAYS],
            columns=[f"{hour:02d}" for hour in shown_hours],
            shares=[[day[hour].share for hour in shown_hours] for day in utilisation.heat],
            cell_text=lambda d, column: (
                _("%(share)s of %(hours)s open hours")
                % {
                    "share": percent(utilisation.heat[d][shown_hours[column]].share),
                    "hours": hours(utilisation.heat[d][shown_hours[column]].open_minutes),
                }
            ),
        ),
        "revenue_weeks": charts.bar_chart(
            title=_("Delivered revenue by week"),
            description=_(
                "Bars show the value of completed sessions in each week (%(currency)s); the "
                "table below lists booked, delivered and lost revenue."
            )
            % {"currency": revenue.currency},
            bars=[
                charts.Bar(row.label, float(row.delivered), money(row.delivered))
                for row in revenue.weeks
            ],
        ),
    }
    if "funnel" in reports:
        total = reports["funnel"].total
        labels = dict(FunnelStep.choices)
        result["funnel"] = charts.bar_chart(
            title=_("Online booking funnel"),
            description=_(
                "Bars show how many booking flows reached each step in the period, all "
                "treatments and languages together; the table below splits them."
            ),
            bars=[
                *(
                    charts.Bar(str(labels[step]), total.count(step), str(total.count(step)))
                    for step in FUNNEL_ORDER
                ),
                charts.Bar(_("Booked"), total.booked, str(total.booked)),
            ],
        )
    return result


@require_safe
@medical_staff_required
def overview(request: HttpRequest) -> HttpResponse:
    viewer = _viewer(request)
    form, scope = _form_and_scope(request, viewer)
    tables, reports = _tables(scope, viewer)
    query = request.GET.urlencode()
    for slug, table in tables.items():
        table.csv_url = reverse("reports:csv", kwargs={"table": slug}) + (
            f"?{query}" if query else ""
        )
    total = reports["utilisation"].total
    return render(
        request,
        "reports/overview.html",
        {
            "form": form,
            "scope": scope,
            "viewer": viewer,
            # Slugs with underscores, so the template can name each table.
            "t": {slug.replace("-", "_"): table for slug, table in tables.items()},
            "charts": _charts(reports),
            "reports": reports,
            "utilisation_total": {
                "share": percent(total.share),
                "booked": hours(total.booked_minutes),
                "open": hours(total.open_minutes),
            },
            "currency": reports["revenue"].currency,
            "revenue_total": {
                name: money(getattr(reports["revenue"].total, name))
                for name in ("booked", "delivered", "awaiting_review")
            },
        },
    )


@require_safe
@medical_staff_required
def table_csv(request: HttpRequest, table: str) -> HttpResponse:
    viewer = _viewer(request)
    _form, scope = _form_and_scope(request, viewer)
    tables, _reports = _tables(scope, viewer)
    if table not in tables:
        raise Http404
    chosen = tables[table]
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = (
        f'attachment; filename="{chosen.slug}-{scope.first:%Y-%m-%d}-to-{scope.last:%Y-%m-%d}.csv"'
    )
    response["Cache-Control"] = "no-store"
    writer = csv.writer(response)
    writer.writerow(_csv_safe(header) for header in chosen.headers)
    for row in chosen.rows:
        writer.writerow(_csv_safe(cell) for cell in row)
    return response


def _csv_safe(value: object) -> object:
    """Text a spreadsheet would run as a formula (=, +, -, @) is prefixed with an apostrophe;
    numbers stay numbers."""
    if isinstance(value, str) and value[:1] in ("=", "+", "-", "@", "\t", "\r"):
        return "'" + value
    return value
