"""The front desk's calendar in the admin: the day and week grid, the visit panel, its actions
(each through a reception service, each logged with its reason), the cancel page and the print
sheets.

The grid works without JavaScript (every block and every free slot is a link); the script
`static/bookings/calendar.js` only adds dragging, which posts to the move page — the engine
decides there, and the page asks for a confirmation. Nothing inline: the CSP allows only our own
static files.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST, require_safe

from bookings.engine.errors import BookingError
from bookings.engine.rules import appointment_title, clinic_zone, local_date
from bookings.models import Appointment, OutgoingEmail, OutgoingEmailStatus
from bookings.notify.emails import email_deliver
from bookings.notify.reminders import reminder_send
from bookings.reception import desk
from bookings.reception import workflows as reception
from bookings.reception.admin_views import DAY_VALIDATORS, STATUS_ACTIONS, STATUS_BUTTONS
from bookings.reception.calendar import (
    ROW_MINUTES,
    CalendarView,
    Cell,
    Column,
    calendar_load,
)
from common.db import reads_in_one_transaction


def _require(request: HttpRequest, *permissions: str) -> None:
    if not request.user.has_perms(permissions):
        raise PermissionDenied


def _context(request: HttpRequest, title: str, **extra: object) -> dict[str, object]:
    return {
        **admin.site.each_context(request),
        "title": title,
        "opts": Appointment._meta,
        **extra,
    }


class CalendarForm(forms.Form):
    day = forms.DateField(required=False, validators=DAY_VALIDATORS)
    view = forms.ChoiceField(choices=[("day", "day"), ("week", "week")], required=False)
    # The week of one clinician ("c-<id>") or device ("d-<id>"), or everyone day by day ("all").
    who = forms.RegexField(regex=r"^(all|[cd]-\d{1,9})$", required=False)


def _week_of(grid: CalendarView, who: str) -> tuple[list[Column], list[tuple[str, str]], str]:
    """One resource's seven days side by side (a closed column where it does not work), the
    resources of the week for the switcher, and the chosen one's name."""
    resources: dict[str, str] = {}
    for calendar_day in grid.days:
        for column in calendar_day.columns:
            resources.setdefault(column.key, column.title)
    if who not in resources:
        who = next(iter(resources), "")
    columns = []
    for calendar_day in grid.days:
        column = next((c for c in calendar_day.columns if c.key == who), None)
        if column is None:
            column = Column(who, resources.get(who, ""), calendar_day.day)
            zone = clinic_zone()
            column.cells = [
                Cell(datetime.combine(calendar_day.day, row_time, tzinfo=zone), False, False)
                for row_time in grid.times
            ]
        columns.append(column)
    return (columns if who else []), list(resources.items()), resources.get(who, "")


def _visit(appointment_id: int) -> Appointment:
    return get_object_or_404(
        Appointment.objects.select_related(
            "plan__patient", "plan__protocol", "clinician", "device"
        ),
        pk=appointment_id,
    )


def _calendar_url(day: date, view: str = "day", who: str = "", *, base: str = "") -> str:
    """The grid of `day`; `base` is the calendar's path when the caller has reversed it already
    (the grid links to itself six times)."""
    base = base or reverse("admin:bookings_appointment_calendar")
    url = f"{base}?view={view}&day={day:%Y-%m-%d}"
    return f"{url}&who={who}" if who else url


def _back(request: HttpRequest, fallback: str) -> str:
    target = request.POST.get("next") or request.GET.get("next") or ""
    if target and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return fallback


# --- the grid -----------------------------------------------------------------------------------


@require_safe
@reads_in_one_transaction
def calendar(request: HttpRequest) -> TemplateResponse:
    """A day or a week (Monday to Sunday) as a time grid, a column per clinician and device."""
    _require(request, "bookings.view_appointment")
    now = timezone.now()
    today = local_date(now)
    form = CalendarForm(request.GET or None)
    day, view, who = today, "day", ""
    if form.is_valid():
        day = form.cleaned_data["day"] or today
        view = form.cleaned_data["view"] or "day"
        who = form.cleaned_data["who"] or ""
    elif form.is_bound:
        messages.warning(request, _("That is not a date; showing today."))
    first = day - timedelta(days=day.weekday()) if view == "week" else day
    days = 7 if view == "week" else 1
    grid = calendar_load(first_day=first, days=days, now=now)
    step = timedelta(days=days)
    link = functools.partial(_calendar_url, base=reverse("admin:bookings_appointment_calendar"))
    week_columns: list[Column] = []
    resources: list[tuple[str, str]] = []
    who_title = ""
    if view == "week" and who != "all":
        week_columns, resources, who_title = _week_of(grid, who)
        who = week_columns[0].key if week_columns else "all"
    elif view == "week":
        _columns, resources, _title = _week_of(grid, "")
    can_book = request.user.has_perms(["bookings.add_plan", "bookings.add_appointment"])
    can_change = request.user.has_perm("bookings.change_appointment")
    closed = view == "day" and not grid.days[0].is_open
    title = (
        _("Week of %(day)s") % {"day": date_format(first, "j F Y")}
        if view == "week"
        else date_format(day, "l, j F Y")
    )
    return TemplateResponse(
        request,
        "admin/bookings/calendar/grid.html",
        _context(
            request,
            _("Calendar: %(what)s") % {"what": title},
            grid=grid,
            view=view,
            day=day,
            first=first,
            today=today,
            previous_url=link(first - step if view == "week" else day - step, view, who),
            next_url=link(first + step if view == "week" else day + step, view, who),
            today_url=link(today, view, who),
            day_url=link(day, "day"),
            week_url=link(day, "week"),
            here=link(day, view, who),
            next_open_day=grid.next_open_day if closed else None,
            now=now,
            who=who,
            who_title=who_title,
            resources=resources,
            week_columns=week_columns,
            row_minutes=ROW_MINUTES,
            row_count=len(grid.times),
            now_row=int(grid.now_row) if grid.now_row is not None else None,
            now_quarter=int((grid.now_row % 1) * 4) if grid.now_row is not None else 0,
            can_book=can_book,
            can_change=can_change,
            book_url=reverse("admin:bookings_appointment_book"),
            late_minutes=desk.late_after().seconds // 60,
        ),
    )


# --- the visit panel ----------------------------------------------------------------------------


@require_safe
def visit_panel(request: HttpRequest, appointment_id: int) -> TemplateResponse:
    """One visit: who, what, when, its state, and the actions possible now (or why not)."""
    _require(request, "bookings.view_appointment")
    visit = _visit(appointment_id)
    now = timezone.now()
    verdicts = desk.visit_verdicts(visit, now)
    can_change = request.user.has_perm("bookings.change_appointment")
    local_start = visit.start.astimezone(clinic_zone())
    back = _back(request, _calendar_url(local_start.date()))
    last_email = (
        OutgoingEmail.objects.filter(plan_id=visit.plan_id).order_by("-created_at", "-pk").first()
    )
    return TemplateResponse(
        request,
        "admin/bookings/calendar/panel.html",
        _context(
            request,
            f"{visit.plan.patient.full_name} · {appointment_title(visit)}",
            visit=visit,
            visit_title=appointment_title(visit),
            local_start=local_start,
            local_end=visit.end.astimezone(clinic_zone()),
            state_label=desk.visit_state_label(visit),
            late=desk.is_late(visit, now),
            buttons=[(name, label) for name, label in STATUS_BUTTONS if verdicts[name].allowed]
            if can_change
            else [],
            can_move=can_change and verdicts["move"].allowed,
            can_cancel=can_change and verdicts["cancel"].allowed,
            can_remind=can_change and verdicts["remind"].allowed,
            refusals=[
                (desk.ACTION_LABELS[name], verdict.reason)
                for name, verdict in verdicts.items()
                if not verdict.allowed and name in ("check_in", "no_show", "move", "complete")
            ],
            last_email=last_email,
            can_resend=can_change
            and last_email is not None
            and last_email.status != OutgoingEmailStatus.SENT,
            back=back,
        ),
    )


@require_POST
def visit_action(request: HttpRequest, appointment_id: int) -> HttpResponseRedirect:
    """A status change, a reminder now or a resend from the panel; logged with what was done."""
    _require(request, "bookings.change_appointment")
    visit = _visit(appointment_id)
    action = request.POST.get("action", "")
    back = _back(request, reverse("admin:bookings_appointment_panel", args=[visit.pk]))
    if action in STATUS_ACTIONS:
        service, done = STATUS_ACTIONS[action]
        if action == "cancel":  # cancelling asks for a reason first: its own page
            return HttpResponseRedirect(
                reverse("admin:bookings_appointment_cancel", args=[visit.pk])
            )
        try:
            service(appointment=visit)
        except BookingError as error:
            messages.error(request, error.message)
        else:
            _log(request, visit, str(done))
            messages.success(request, done)
    elif action == "remind":
        if reminder_send(appointment=visit, ahead_of_time=True):
            _log(request, visit, _("Reminder sent now by the desk."))
            messages.success(request, _("The reminder is on its way to the patient."))
        else:
            messages.error(
                request,
                _(
                    "No reminder was sent: this visit's reminder already went out for this "
                    "time, or the visit is not a booked visit of a confirmed course."
                ),
            )
    elif action == "resend":
        email = (
            OutgoingEmail.objects.filter(plan_id=visit.plan_id)
            .order_by("-created_at", "-pk")
            .first()
        )
        if email is None or email.status == OutgoingEmailStatus.SENT:
            messages.error(
                request,
                _(
                    "The last email was delivered, and its text is not kept after sending; "
                    "send the reminder instead."
                ),
            )
        else:
            # A failed or waiting email is made due now; the mail server decides the rest.
            OutgoingEmail.objects.filter(pk=email.pk).update(
                status=OutgoingEmailStatus.PENDING, next_attempt_at=None
            )
            sent = email_deliver(email_id=email.pk)
            _log(request, visit, _("Last email resent by the desk."))
            messages.success(
                request,
                _("The email was sent.")
                if sent
                else _("The email is waiting for the mail server."),
            )
    else:
        messages.error(request, _("Unknown action."))
    return HttpResponseRedirect(back)


def _log(request: HttpRequest, visit: Appointment, message: str) -> None:
    admin.site.get_model_admin(Appointment).log_change(request, visit, message)


# --- cancelling with a reason -----------------------------------------------------------------


CANCEL_REASONS = [
    ("patient_asked", gettext_lazy("The patient asked to cancel")),
    ("patient_ill", gettext_lazy("The patient is ill")),
    ("clinician_absent", gettext_lazy("The clinician is absent")),
    ("device", gettext_lazy("The device is out of order")),
    ("medical", gettext_lazy("Medical reason (see the clinician)")),
    ("other", gettext_lazy("Other (write below)")),
]


class CancelForm(forms.Form):
    reason = forms.ChoiceField(
        label=gettext_lazy("Reason"), choices=CANCEL_REASONS, widget=forms.RadioSelect
    )
    note = forms.CharField(
        label=gettext_lazy("Note (optional; never medical details)"),
        max_length=200,
        required=False,
    )

    def clean(self) -> dict[str, object]:
        data = super().clean()
        if data.get("reason") == "other" and not data.get("note"):
            self.add_error("note", _("Please say why."))
        return data


def visit_cancel(
    request: HttpRequest, appointment_id: int
) -> TemplateResponse | HttpResponseRedirect:
    """Cancel for the clinic: a reason, a confirmation, then the service (which emails)."""
    _require(request, "bookings.change_appointment")
    if request.method not in ("GET", "HEAD", "POST"):
        raise PermissionDenied
    visit = _visit(appointment_id)
    verdict = desk.change_verdict(
        status=visit.status,
        plan_status=visit.plan.status,
        start=visit.start,
        now=timezone.now(),
    )
    local_start = visit.start.astimezone(clinic_zone())
    back = _calendar_url(local_start.date())
    form = CancelForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and verdict.allowed and form.is_valid():
        reason = dict(CANCEL_REASONS)[form.cleaned_data["reason"]]
        note = form.cleaned_data["note"]
        try:
            reception.appointment_cancel_by_clinic(
                appointment=visit, base_url=request.build_absolute_uri("/").rstrip("/")
            )
        except BookingError as error:
            messages.error(request, error.message)
        else:
            logged = _("Cancelled by the clinic: %(reason)s.") % {"reason": reason}
            if note:
                logged = f"{logged} {note}"
            _log(request, visit, logged)
            messages.success(
                request,
                _("Cancelled; %(patient)s is emailed at %(email)s.")
                % {"patient": visit.plan.patient.full_name, "email": visit.plan.patient.email},
            )
            return HttpResponseRedirect(back)
    return TemplateResponse(
        request,
        "admin/bookings/calendar/cancel.html",
        _context(
            request,
            _("Cancel %(visit)s of %(patient)s")
            % {"visit": appointment_title(visit), "patient": visit.plan.patient},
            visit=visit,
            visit_title=appointment_title(visit),
            local_start=local_start,
            verdict=verdict,
            form=form,
            back=reverse("admin:bookings_appointment_panel", args=[visit.pk]),
        ),
    )


# --- print sheets -------------------------------------------------------------------------------


@dataclass(frozen=True)
class PrintSheet:
    """One printed page: a column's visits, then how to prepare for each of their treatments,
    once per treatment (the protocol's translated `how_to_prepare`, in the reader's language)."""

    title: str
    device_id: int | None
    blocks: list
    preparations: list[tuple[str, str]]

    @classmethod
    def of(cls, column) -> PrintSheet:
        preparations: dict[int, tuple[str, str]] = {}
        for block in column.blocks:
            protocol = block.appointment.plan.protocol
            if protocol is not None and protocol.how_to_prepare and protocol.pk not in preparations:
                preparations[protocol.pk] = (protocol.name, protocol.how_to_prepare)
        return cls(
            title=column.title,
            device_id=column.device_id,
            blocks=column.blocks,
            preparations=list(preparations.values()),
        )


@require_safe
def print_day(request: HttpRequest) -> TemplateResponse:
    """One sheet per clinician and one per device: times, patients, phones, preparation notes."""
    _require(request, "bookings.view_appointment")
    form = CalendarForm(request.GET or None)
    day = local_date(timezone.now())
    if form.is_valid() and form.cleaned_data["day"]:
        day = form.cleaned_data["day"]
    grid = calendar_load(first_day=day, days=1, now=timezone.now())
    sheets = [PrintSheet.of(column) for column in grid.days[0].columns if column.blocks]
    return TemplateResponse(
        request,
        "admin/bookings/calendar/print.html",
        _context(
            request,
            _("Day sheets for %(day)s") % {"day": date_format(day, "l, j F Y")},
            day=day,
            sheets=sheets,
            back=_calendar_url(day),
        ),
    )


def calendar_urls(view) -> list:
    """Mounted by `AppointmentAdmin.get_urls` (wrapped by `admin_site.admin_view`)."""
    return [
        path("calendar/", view(calendar), name="bookings_appointment_calendar"),
        path("calendar/print/", view(print_day), name="bookings_appointment_print"),
        path("<int:appointment_id>/panel/", view(visit_panel), name="bookings_appointment_panel"),
        path("<int:appointment_id>/act/", view(visit_action), name="bookings_appointment_act"),
        path(
            "<int:appointment_id>/cancel/",
            view(visit_cancel),
            name="bookings_appointment_cancel",
        ),
    ]
