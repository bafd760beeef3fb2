"""Reception's own admin pages: the day's agenda, phone bookings, rescheduling, status changes,
the CSV export and the patient merge.

They are mounted by the model admins in `bookings/admin.py` (`get_urls`), wrapped by
`admin_site.admin_view` (staff login, CSRF) and check their own permission. None of them runs
inside a transaction: every write goes through a service that opens its own (the booking engine's
are durable), and a refusal (`BookingError`) is shown with its message and writes nothing.
"""

from __future__ import annotations

import csv
import logging
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from decimal import ROUND_HALF_UP, Decimal

from django import forms
from django.conf import settings
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db.models import Q, QuerySet
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect, QueryDict
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST, require_safe

from bookings.engine.availability import Calendar, VisitSpec
from bookings.engine.errors import BookingError, NoCourseFits
from bookings.engine.patients import (
    patient_duplicates,
    patient_merge,
    patients_search,
)
from bookings.engine.placing import (
    Channel,
    ConsentEvidence,
    booking_place,
    consent_text_current,
    plan_consent_record,
    proposal_new_id,
)
from bookings.engine.planner import ProposedVisit, course_propose
from bookings.engine.rules import (
    BookingRules,
    appointment_title,
    clinic_zone,
    day_window_for,
    expected_sequences,
    local_date,
    visit_kind,
    visit_title,
)
from bookings.engine.screening import screening_questions, screening_snapshot
from bookings.models import (
    Appointment,
    AppointmentKind,
    AppointmentStatus,
    Clinician,
    ConsentMethod,
    ConsentText,
    ConsultationSettings,
    Patient,
    Plan,
    PlanStatus,
)
from bookings.notify.booking_emails import plan_notify_booked
from bookings.reception import desk
from bookings.reception import workflows as reception
from bookings.reception.calendar import day_is_open, next_open_day
from bookings.reception.caller import CallerForm, caller_identity, place_by_phone
from treatments.models import Protocol

logger = logging.getLogger(__name__)

# --- shared bits -----------------------------------------------------------------------------


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


def _day_bounds(day: date) -> tuple[datetime, datetime]:
    """The instants a local day runs between: 23, 24 or 25 hours on the clock-change days."""
    zone = clinic_zone()
    return (
        datetime.combine(day, time.min, tzinfo=zone),
        datetime.combine(day + timedelta(days=1), time.min, tzinfo=zone),
    )


def _choice_value(visit: ProposedVisit) -> str:
    return f"{visit.clinician_id}|{int(visit.start.timestamp())}"


def _parse_choice(value: str, *, sequence: int, minutes: int) -> ProposedVisit | None:
    try:
        clinician_id, seconds = (int(part) for part in value.split("|"))
        start = datetime.fromtimestamp(seconds, tz=clinic_zone())
    except (ValueError, OverflowError, OSError):
        return None
    return ProposedVisit(sequence=sequence, start=start, clinician_id=clinician_id, minutes=minutes)


def _time_label(visit: ProposedVisit, clinicians: dict[int, str]) -> str:
    local = visit.start.astimezone(clinic_zone())
    return f"{local:%H:%M} · {clinicians.get(visit.clinician_id, '?')}"


# --- the agenda ----------------------------------------------------------------------------------


# Days reception may type: 0001-01-01 or 9999-12-31 are dates, but the day before or after
# them (and their bounds in UTC) are not, which was a server error.
FIRST_DAY, LAST_DAY = date(1900, 1, 1), date(2999, 12, 31)
DAY_VALIDATORS = [MinValueValidator(FIRST_DAY), MaxValueValidator(LAST_DAY)]


class AgendaDayForm(forms.Form):
    day = forms.DateField(label=gettext_lazy("Day"), required=False, validators=DAY_VALIDATORS)


@dataclass
class AgendaColumn:
    title: str
    visits: list[Appointment] = field(default_factory=list)
    is_devices: bool = False


@require_safe
def agenda(request: HttpRequest) -> TemplateResponse:
    """The day's visits per clinician, plus a column for the lasers, in the clinic's zone."""
    _require(request, "bookings.view_appointment")
    today = local_date(timezone.now())
    form = AgendaDayForm(request.GET or None)
    day = today
    if form.is_valid() and form.cleaned_data["day"]:
        day = form.cleaned_data["day"]
    elif form.is_bound and not form.is_valid():
        messages.warning(request, _("That is not a date; showing today."))
    start, end = _day_bounds(day)
    visits = list(
        Appointment.objects.filter(start__gte=start, start__lt=end)
        .exclude(status=AppointmentStatus.CANCELLED)
        .select_related("plan__patient", "plan__protocol", "clinician", "device")
        .order_by("start", "clinician__display_name")
    )
    working = Clinician.objects.filter(active=True, working_hours__weekday=day.weekday())
    columns: dict[int, AgendaColumn] = {
        clinician.pk: AgendaColumn(clinician.display_name)
        for clinician in Clinician.objects.filter(
            Q(pk__in=working.values("pk")) | Q(pk__in={visit.clinician_id for visit in visits})
        ).order_by("display_name")
    }
    devices = AgendaColumn(_("Lasers"), is_devices=True)
    for visit in visits:
        visit.title = appointment_title(visit)
        visit.state = desk.visit_state(visit)
        visit.state_label = desk.visit_state_label(visit)
        visit.local_start = visit.start.astimezone(clinic_zone())
        visit.local_end = visit.end.astimezone(clinic_zone())
        columns[visit.clinician_id].visits.append(visit)
        if visit.device_id:
            devices.visits.append(visit)
    all_columns = list(columns.values())
    if devices.visits:
        all_columns.append(devices)
    return TemplateResponse(
        request,
        "admin/bookings/agenda.html",
        _context(
            request,
            _("Agenda for %(day)s") % {"day": date_format(day, "l, j F Y")},
            day=day,
            is_today=day == today,
            previous_day=day - timedelta(days=1),
            next_day=day + timedelta(days=1),
            today=today,
            columns=all_columns,
            # A day nobody works leads on to the next open day (not a dead end).
            next_open_day=None if day_is_open(day) else next_open_day(day),
            calendar_url=reverse("admin:bookings_appointment_calendar"),
            visit_count=len(visits),
            can_book=request.user.has_perms(["bookings.add_plan", "bookings.add_appointment"]),
        ),
    )


# --- phone booking -------------------------------------------------------------------------------


class PhoneBookingForm(CallerForm):
    """Who, what, with whom, from when. A new caller's details when no patient is given."""

    protocol = forms.ModelChoiceField(
        label=gettext_lazy("Treatment"), queryset=Protocol.objects.filter(published=True)
    )
    clinician = forms.ModelChoiceField(
        label=gettext_lazy("Clinician"),
        queryset=Clinician.objects.filter(active=True),
        required=False,
        empty_label=gettext_lazy("First available"),
    )
    earliest = forms.DateField(
        label=gettext_lazy("Earliest date"), widget=forms.DateInput(attrs={"type": "date"})
    )
    # The empty calendar slot reception clicked (POSIX seconds): the first visit's wished start.
    slot = forms.IntegerField(required=False, widget=forms.HiddenInput, min_value=0)

    def clean(self) -> dict[str, object]:
        data = super().clean()
        protocol, clinician = data.get("protocol"), data.get("clinician")
        if protocol and clinician and not clinician.protocols.filter(pk=protocol.pk).exists():
            self.add_error(
                "clinician",
                _("%(clinician)s does not perform %(protocol)s.")
                % {"clinician": clinician, "protocol": protocol},
            )
        return data


@dataclass
class VisitRow:
    """One visit of the course on the phone booking page: its day and the valid times."""

    sequence: int
    title: str
    day: date
    options: list[tuple[str, str]]
    selected: str


def _slot_initial(query: QueryDict) -> dict[str, object]:
    """An empty calendar slot's clinician and start, for the form's first values."""
    initial: dict[str, object] = {}
    clinician = query.get("clinician", "")
    if clinician.isascii() and clinician.isdigit():
        initial["clinician"] = int(clinician)
    start = query.get("start", "")
    if start.isascii() and start.isdigit():
        try:
            moment = datetime.fromtimestamp(int(start), tz=clinic_zone())
        except (ValueError, OverflowError, OSError):
            return initial
        if FIRST_DAY <= moment.date() <= LAST_DAY:
            initial["earliest"] = moment.date()
            initial["slot"] = int(start)
    return initial


def _course_from(
    protocol: Protocol,
    clinician: Clinician | None,
    earliest: date,
    now: datetime,
    *,
    slot: int | None = None,
) -> list[ProposedVisit]:
    """The planner's course with its first visit on `earliest` or the first day after that fits.

    The planner starts "as early as possible"; for a later date the first opening of each day is
    tried in turn (whether a course fits depends only on the first visit's day). A calendar slot
    reception clicked is tried first, as the first visit's start.
    """
    if slot is not None:
        start = datetime.fromtimestamp(slot, tz=clinic_zone())
        if start > now and local_date(start) == earliest:
            try:
                return course_propose(
                    protocol=protocol,
                    first_start=start,
                    clinician=clinician,
                    now=now,
                    online=False,
                )
            except BookingError:
                pass  # that exact time does not fit this treatment: the day's first that does
    if earliest <= local_date(now):
        return course_propose(protocol=protocol, clinician=clinician, now=now, online=False)
    rules = BookingRules.from_settings()
    calendar = Calendar(
        protocol=protocol,
        first_day=earliest,
        last_day=rules.last_day(now),
        now=now,
        online=False,
        clinician_ids=[clinician.pk] if clinician else None,
    )
    spec = VisitSpec.for_visit(protocol, expected_sequences(protocol)[0])
    refusal: NoCourseFits | None = None
    for day in calendar.days():
        openings = calendar.openings(day, spec)
        if not openings:
            continue
        try:
            return course_propose(
                protocol=protocol,
                first_start=openings[0].start,
                clinician=clinician,
                now=now,
                online=False,
            )
        except NoCourseFits as error:
            refusal = error
    raise refusal or NoCourseFits()


def _visit_rows(
    protocol: Protocol,
    clinician: Clinician | None,
    days: dict[int, date],
    chosen: dict[int, str],
    now: datetime,
) -> list[VisitRow]:
    """For each visit, the valid start times on its day (one calendar load for all of them)."""
    calendar = Calendar(
        protocol=protocol,
        first_day=min(days.values()),
        last_day=max(days.values()),
        now=now,
        online=False,
        clinician_ids=[clinician.pk] if clinician else None,
    )
    names = dict(Clinician.objects.values_list("pk", "display_name"))
    rows = []
    for sequence in expected_sequences(protocol):
        day = days[sequence]
        openings = calendar.openings(day, VisitSpec.for_visit(protocol, sequence))
        options = [(_choice_value(opening), _time_label(opening, names)) for opening in openings]
        values = [value for value, _label in options]
        selected = chosen.get(sequence) if chosen.get(sequence) in values else ""
        rows.append(
            VisitRow(
                sequence=sequence,
                title=visit_title(
                    kind=visit_kind(sequence),
                    sequence=sequence,
                    session_count=protocol.session_count,
                    preparation_name=str(protocol.preparation_name),
                ),
                day=day,
                options=options,
                selected=selected or (values[0] if values else ""),
            )
        )
    return rows


def phone_booking(request: HttpRequest) -> TemplateResponse | HttpResponseRedirect:
    """Book a whole course for a caller: propose, adjust among valid times, screen, book.

    GET shows the empty form (a known patient by id, or an empty calendar slot's clinician and
    time, are the only things it takes from the URL). Everything reception types is POSTed, so a
    caller's name, email and birth date never reach the browser history or a proxy's log: a POST
    with `step=show` proposes the course (reads only), any other POST books it with
    `plan_book(online=False)`; a refusal re-shows the page with everything as it was typed.
    """
    _require(request, "bookings.add_plan", "bookings.add_appointment")
    if request.method not in ("GET", "HEAD", "POST"):
        return HttpResponse(status=405)
    data = request.POST if request.method == "POST" else QueryDict()
    initial = {"earliest": local_date(timezone.now()), **_slot_initial(request.GET)}
    form = PhoneBookingForm(data if "protocol" in data else None, initial=initial)
    now = timezone.now()
    context: dict[str, object] = {"form": form, "rows": [], "questions": [], "answers": {}}
    patient = None
    if form.is_bound and form.is_valid():
        patient = form.cleaned_data["patient"]
        protocol = form.cleaned_data["protocol"]
        clinician = form.cleaned_data["clinician"]
        days, chosen = _days_and_choices(data, protocol)
        try:
            if days is None:
                course = _course_from(
                    protocol,
                    clinician,
                    form.cleaned_data["earliest"],
                    now,
                    slot=form.cleaned_data.get("slot"),
                )
                days = {visit.sequence: visit.day for visit in course}
                chosen = {visit.sequence: _choice_value(visit) for visit in course}
            context["rows"] = _visit_rows(protocol, clinician, days, chosen, now)
        except BookingError as error:
            messages.error(request, error.message)
        context["questions"] = screening_questions(protocol)
        context["answers"] = {
            question.pk: data.get(f"q-{question.pk}", "") for question in context["questions"]
        }
        context["screening"] = [
            (question, context["answers"][question.pk]) for question in context["questions"]
        ]
        # The course this page shows; booking it twice (a double click) books it once.
        context["proposal"] = request.POST.get("proposal", "")[:64] or proposal_new_id()
        if request.method == "POST" and context["rows"] and data.get("step") != "show":
            booked = _book(request, form, protocol, context)
            if booked is not None:
                return booked
    elif form.is_bound:
        # Keep showing the chosen patient while reception fixes the rest of the form.
        patient = _patient_from(data.get("patient", ""))
    elif "patient" in request.GET:
        patient = _patient_from(request.GET.get("patient", ""))
        form = PhoneBookingForm(initial={**initial, "patient": patient})
        context["form"] = form
    context["patient"] = patient
    # PostgreSQL text cannot hold NUL: a pasted "\x00" would be a DataError (a 500), not a search.
    context["find"] = request.GET.get("find", "").replace("\x00", "").strip()[:100]
    if patient is None and context["find"]:
        context["found"] = list(patients_search(context["find"])[:10])
    context["new_patient_fields"] = [
        context["form"][name]
        for name in ("full_name", "email", "phone", "date_of_birth", "preferred_language")
    ]
    context["course_fields"] = [
        context["form"][name] for name in ("protocol", "clinician", "earliest")
    ]
    return TemplateResponse(
        request,
        "admin/bookings/phone_booking.html",
        _context(request, _("Book a course by phone"), **context),
        status=200,
    )


def _patient_from(raw: str) -> Patient | None:
    # isdigit() alone accepts "²", which int() refuses: ASCII digits only.
    return Patient.objects.filter(pk=int(raw)).first() if raw.isascii() and raw.isdigit() else None


def _days_and_choices(
    data: object, protocol: Protocol
) -> tuple[dict[int, date] | None, dict[int, str]]:
    """The days and times reception adjusted, or (None, {}) to ask the planner."""
    days: dict[int, date] = {}
    chosen: dict[int, str] = {}
    for sequence in expected_sequences(protocol):
        raw = data.get(f"day-{sequence}", "")
        try:
            days[sequence] = date.fromisoformat(raw)
        except ValueError:
            return None, {}
        if not FIRST_DAY <= days[sequence] <= LAST_DAY:
            return None, {}
        chosen[sequence] = data.get(f"visit-{sequence}", "")
    return days, chosen


def _book(
    request: HttpRequest, form: PhoneBookingForm, protocol: Protocol, context: dict[str, object]
) -> HttpResponseRedirect | None:
    """Book what the page shows. None when refused (the page is shown again with the message).

    The engine places it (`booking_place`, channel phone): the screening outcome, the search for
    the caller among the patients, and "consent pending" (reception cannot consent for the
    caller; the patient accepts the text from their email, or gives it in person at check-in).
    """
    visits = []
    for row in context["rows"]:
        spec = VisitSpec.for_visit(protocol, row.sequence)
        visit = _parse_choice(
            request.POST.get(f"visit-{row.sequence}", ""),
            sequence=row.sequence,
            minutes=spec.minutes,
        )
        if visit is None:
            messages.error(request, _("Please choose a time for every visit."))
            return None
        visits.append(visit)
    questions = context["questions"]
    answers = context["answers"]
    if any(answers[question.pk] not in ("yes", "no") for question in questions):
        messages.error(request, _("Please record an answer to every screening question."))
        return None
    snapshot = screening_snapshot(
        questions, {question.pk: answers[question.pk] == "yes" for question in questions}
    )
    patient, details, new_patient_confirmed = caller_identity(request, form)
    base_url = request.build_absolute_uri("/").rstrip("/")
    plan = place_by_phone(
        request,
        context,
        lambda: booking_place(
            channel=Channel.PHONE,
            protocol=protocol,
            visits=visits,
            proposal_id=context["proposal"],
            answers=snapshot,
            patient=patient,
            details=details,
            new_patient_confirmed=new_patient_confirmed,
            # The same confirmation (or "awaiting review") email with the manage link as online;
            # it asks the patient to read and accept the consent.
            after_commit=lambda placed: plan_notify_booked(plan=placed, base_url=base_url),
        ),
    )
    if plan is None:
        return None
    admin.site.get_model_admin(Plan).log_addition(request, plan, _("Booked by phone."))
    if plan.status == PlanStatus.AWAITING_REVIEW:
        messages.warning(
            request,
            _(
                "Booked. A screening answer needs a clinician's review: the course waits for "
                "their approval, and the patient will be emailed."
            ),
        )
    else:
        messages.success(
            request,
            _("Booked %(protocol)s for %(patient)s, first visit %(when)s.")
            % {
                "protocol": protocol,
                "patient": plan.patient,
                "when": date_format(visits[0].start.astimezone(clinic_zone()), "l j F Y, H:i"),
            },
        )
    messages.info(
        request,
        _(
            "Consent pending: the patient is emailed a link to read and accept the consent. "
            "If they give it in person instead, record it at check-in."
        ),
    )
    return HttpResponseRedirect(reverse("admin:bookings_patient_change", args=[plan.patient_id]))


# --- reschedule -----------------------------------------------------------------------------------


class RescheduleDayForm(forms.Form):
    day = forms.DateField(
        label=gettext_lazy("Day"),
        widget=forms.DateInput(attrs={"type": "date"}),
        validators=DAY_VALIDATORS,
    )


def reschedule(
    request: HttpRequest, appointment_id: int
) -> TemplateResponse | HttpResponseRedirect:
    """Move a visit to one of the valid times of a day inside the course's allowed window."""
    _require(request, "bookings.change_appointment")
    appointment = get_object_or_404(
        Appointment.objects.select_related("plan__patient", "plan__protocol", "clinician"),
        pk=appointment_id,
    )
    change_url = reverse("admin:bookings_appointment_change", args=[appointment.pk])
    protocol = appointment.plan.protocol
    now = timezone.now()
    rules = BookingRules.from_settings()
    others = list(appointment.plan.appointments.active().exclude(pk=appointment.pk))
    earliest, latest = day_window_for(protocol, sequence=appointment.sequence, others=others)
    today = local_date(now)
    earliest = max(earliest or today, today)
    latest = min(latest or rules.last_day(now), rules.last_day(now))
    source = request.POST if request.method == "POST" else request.GET
    form = RescheduleDayForm(source if "day" in source else None)
    day = local_date(appointment.start)
    if form.is_valid():
        day = form.cleaned_data["day"]
    if not earliest <= day <= latest:
        if form.is_bound:
            messages.warning(request, _("That day does not keep the course's time rules."))
        day = earliest if day < earliest else latest
    spec = VisitSpec.for_visit(protocol, appointment.sequence)
    openings: list[ProposedVisit] = []
    if earliest <= latest:
        calendar = Calendar(
            protocol=protocol,
            first_day=day,
            last_day=day,
            now=now,
            online=False,
            ignore_appointment_ids=[appointment.pk],
        )
        openings = calendar.openings(day, spec)
    names = dict(Clinician.objects.values_list("pk", "display_name"))
    current = _current_choice(appointment)
    confirm: ProposedVisit | None = None
    if request.method == "POST":
        visit = _parse_choice(
            request.POST.get("visit", ""), sequence=appointment.sequence, minutes=spec.minutes
        )
        if visit is None or visit.clinician_id not in names:
            # A tampered value naming no clinician would reach the service as clinician=None,
            # which keeps the current one: the visit would move to a time nobody offered.
            messages.error(request, _("Please choose a new time."))
        elif _choice_value(visit) == current:
            # The list opens on the current time: "Move" without a change moves nothing.
            messages.info(request, _("That is the visit's current time; nothing was changed."))
        elif request.POST.get("confirm") != "1":
            # Dragged on the calendar or chosen in the list: show what changes, then confirm.
            confirm = visit
        else:
            try:
                reception.appointment_move_by_clinic(
                    appointment=appointment,
                    new_start=visit.start,
                    clinician=Clinician.objects.filter(pk=visit.clinician_id).first(),
                    base_url=request.build_absolute_uri("/").rstrip("/"),
                )
            except BookingError as error:
                messages.error(request, error.message)
            else:
                moved = _("Moved to %(when)s.") % {
                    "when": date_format(visit.start.astimezone(clinic_zone()), "l j F Y, H:i")
                }
                log_reception_change(request, appointment, moved)
                messages.success(request, moved)
                return HttpResponseRedirect(change_url)
    return TemplateResponse(
        request,
        "admin/bookings/reschedule.html",
        _context(
            request,
            _("Move %(visit)s of %(patient)s")
            % {"visit": appointment_title(appointment), "patient": appointment.plan.patient},
            appointment=appointment,
            visit_title=appointment_title(appointment),
            local_start=appointment.start.astimezone(clinic_zone()),
            day=day,
            earliest=earliest,
            latest=latest,
            options=[(_choice_value(o), _time_label(o, names)) for o in openings],
            selected=request.POST.get("visit") or current,
            confirm=confirm,
            confirm_value=_choice_value(confirm) if confirm else "",
            confirm_start=confirm.start.astimezone(clinic_zone()) if confirm else None,
            confirm_clinician=names.get(confirm.clinician_id) if confirm else "",
            change_url=change_url,
        ),
    )


def _current_choice(appointment: Appointment) -> str:
    """The move page's value for where the visit is now (so the list opens on it)."""
    return f"{appointment.clinician_id}|{int(appointment.start.timestamp())}"


# --- status changes from the appointment page -------------------------------------------------

STATUS_ACTIONS = {
    "check_in": (reception.appointment_check_in, gettext_lazy("Checked in.")),
    "in_treatment": (reception.appointment_start_treatment, gettext_lazy("In treatment.")),
    "complete": (reception.appointment_complete, gettext_lazy("Marked as completed.")),
    "no_show": (reception.appointment_mark_no_show, gettext_lazy("Marked as a no-show.")),
    "undo_no_show": (
        reception.appointment_undo_no_show,
        gettext_lazy("No-show undone: the visit is booked again."),
    ),
    "cancel": (
        reception.appointment_cancel_by_clinic,
        gettext_lazy("Cancelled; the patient is emailed."),
    ),
}


# The buttons of the appointment page and the visit panel, each shown only when allowed.
STATUS_BUTTONS = [
    ("check_in", gettext_lazy("Check in")),
    ("in_treatment", gettext_lazy("In treatment")),
    ("complete", gettext_lazy("Complete")),
    ("no_show", gettext_lazy("No-show")),
    ("undo_no_show", gettext_lazy("Undo no-show")),
]


def log_reception_change(request: HttpRequest, obj: object, message: str) -> None:
    """A line in the object's admin history (who checked in, moved, cancelled): the services
    write the rows, this records who asked."""
    admin.site.get_model_admin(type(obj)).log_change(request, obj, str(message))


@require_POST
def appointment_status(request: HttpRequest, appointment_id: int) -> HttpResponseRedirect:
    _require(request, "bookings.change_appointment")
    appointment = get_object_or_404(Appointment, pk=appointment_id)
    if request.POST.get("action") == "consent_in_person":
        _consent_in_person(request, appointment)
        return HttpResponseRedirect(
            reverse("admin:bookings_appointment_change", args=[appointment.pk])
        )
    action = STATUS_ACTIONS.get(request.POST.get("action", ""))
    if action is None:
        messages.error(request, _("Unknown action."))
    else:
        service, done = action
        try:
            service(appointment=appointment)
        except BookingError as error:
            messages.error(request, error.message)
        else:
            log_reception_change(request, appointment, done)
            messages.success(request, done)
    return HttpResponseRedirect(reverse("admin:bookings_appointment_change", args=[appointment.pk]))


def consent_text_for(appointment: Appointment) -> ConsentText | None:
    """The consent text reception shows a patient who consents at the desk (their language)."""
    return consent_text_current(
        appointment.plan.protocol, appointment.plan.patient.preferred_language
    )


def _consent_in_person(request: HttpRequest, appointment: Appointment) -> None:
    """The patient read and accepted the consent at the clinic: recorded with who saw it."""
    text = consent_text_for(appointment)
    if text is None:
        messages.error(request, _("No consent text is published."))
        return
    evidence = ConsentEvidence(
        text=text, method=ConsentMethod.IN_PERSON, recorded_by_id=request.user.pk
    )
    try:
        plan = plan_consent_record(plan=appointment.plan, consent=evidence)
    except BookingError as error:
        messages.error(request, error.message)
        return
    done = _("Consent given in person recorded (version %(version)s).") % {
        "version": plan.consent_text.version
    }
    log_reception_change(request, plan, done)
    messages.success(request, done)


# --- CSV export ------------------------------------------------------------------------------

EXPORT_MAX_DAYS = 366


class ExportForm(forms.Form):
    start = forms.DateField(
        label=gettext_lazy("From"),
        widget=forms.DateInput(attrs={"type": "date"}),
        validators=DAY_VALIDATORS,
    )
    end = forms.DateField(
        label=gettext_lazy("Until (inclusive)"),
        widget=forms.DateInput(attrs={"type": "date"}),
        validators=DAY_VALIDATORS,
    )
    # German Excel opens a comma-separated file as one column; it expects semicolons.
    separator = forms.ChoiceField(
        label=gettext_lazy("Separator"),
        choices=[
            (",", gettext_lazy("Comma (,)")),
            (";", gettext_lazy("Semicolon (;) for German Excel")),
        ],
        initial=",",
        required=False,
    )
    file_format = forms.ChoiceField(
        label=gettext_lazy("File"),
        choices=[("csv", "CSV"), ("xlsx", gettext_lazy("Excel workbook (.xlsx)"))],
        initial="csv",
        required=False,
    )

    def clean(self) -> dict[str, object]:
        data = super().clean()
        start, end = data.get("start"), data.get("end")
        if start and end:
            if end < start:
                self.add_error("end", _("The end must not be before the start."))
            elif (end - start).days >= EXPORT_MAX_DAYS:
                self.add_error(
                    "end", _("Export at most %(days)s days at a time.") % {"days": EXPORT_MAX_DAYS}
                )
        return data


def visit_price(appointment: Appointment) -> Decimal:
    """The visit's share of the course price: split over the sessions, the last one taking the
    rounding remainder so a course's rows add up to its price; preparation visits are free."""
    protocol = appointment.plan.protocol
    if appointment.kind == AppointmentKind.CONSULTATION:
        # Issue 18: the consultation's price now (it is not stored per booking).
        offer = ConsultationSettings.objects.current()
        return offer.price if offer and offer.price else Decimal("0.00")
    if appointment.is_preparation:
        return Decimal("0.00")
    share = (protocol.price / protocol.session_count).quantize(
        Decimal("0.01"), rounding=ROUND_HALF_UP
    )
    if appointment.sequence == protocol.session_count:
        return protocol.price - share * (protocol.session_count - 1)
    return share


def _csv_cell(value: object) -> str:
    """Text a spreadsheet would run as a formula (=, +, -, @) is prefixed with an apostrophe."""
    text = str(value)
    return f"'{text}" if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text


@require_safe
def export(request: HttpRequest) -> HttpResponse:
    _require(request, "bookings.view_appointment")
    form = ExportForm(request.GET or None)
    if not form.is_valid():
        return TemplateResponse(
            request,
            "admin/bookings/export.html",
            _context(request, _("Export appointments"), form=form),
        )
    first, last = form.cleaned_data["start"], form.cleaned_data["end"]
    start, _end = _day_bounds(first)
    _start, end = _day_bounds(last)
    rows = (
        Appointment.objects.filter(start__gte=start, start__lt=end)
        .select_related("plan__patient", "plan__protocol", "clinician")
        .order_by("start", "pk")
    )
    name = f"appointments-{first:%Y-%m-%d}-to-{last:%Y-%m-%d}"
    if form.cleaned_data.get("file_format") == "xlsx":
        return _export_xlsx(_export_rows(rows), name)
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{name}.csv"'
    # The byte order mark makes Excel read the file as UTF-8 (names with ü, ş, é).
    response.write("\ufeff")
    writer = csv.writer(response, delimiter=form.cleaned_data.get("separator") or ",")
    for row in _export_rows(rows):
        writer.writerow(_csv_cell(value) for value in row)
    return response


def _export_rows(rows: QuerySet[Appointment]) -> Iterator[list[object]]:
    """The header, then one row per visit: the same columns for the CSV and the spreadsheet."""
    currency = {"currency": settings.CLINIC_CURRENCY}
    yield [
        _("date"),
        _("time"),
        _("patient"),
        _("protocol"),
        _("session"),
        _("clinician"),
        _("price (%(currency)s)") % currency,
        _("status"),
        _("booked revenue (%(currency)s)") % currency,
    ]
    for appointment in rows.iterator(chunk_size=500):
        local = appointment.start.astimezone(clinic_zone())
        price = visit_price(appointment)
        # Awaiting a clinician's review (or a hold) is not booked revenue yet; nor is a
        # cancelled or missed visit.
        revenue = price if desk.counts_as_booked_revenue(appointment) else Decimal("0.00")
        yield [
            f"{local:%Y-%m-%d}",
            f"{local:%H:%M}",
            appointment.plan.patient.full_name,
            appointment.plan.title,
            appointment_title(appointment),
            appointment.clinician.display_name,
            price,
            desk.visit_state_label(appointment),
            revenue,
        ]


def _export_xlsx(rows: Iterator[list[object]], name: str) -> HttpResponse:
    """The same rows as an .xlsx (openpyxl, write-only: memory stays flat for a long range).
    Text that a spreadsheet would run as a formula gets the same apostrophe as in the CSV."""
    from openpyxl import Workbook

    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(title=_("Appointments")[:31])
    for row in rows:
        sheet.append([value if isinstance(value, Decimal) else _csv_cell(value) for value in row])
    response = HttpResponse(
        content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )
    response["Content-Disposition"] = f'attachment; filename="{name}.xlsx"'
    workbook.save(response)
    return response


# --- patient merge --------------------------------------------------------------------------------


def patient_merge_view(
    request: HttpRequest, patient_id: int, duplicate_id: int
) -> TemplateResponse | HttpResponseRedirect:
    """A clinic manager confirms, then the duplicate's courses move to this patient."""
    _require(request, "bookings.delete_patient", "bookings.change_patient")
    keep = get_object_or_404(Patient, pk=patient_id)
    duplicate = get_object_or_404(Patient, pk=duplicate_id)
    if duplicate.pk not in {other.pk for other in patient_duplicates(keep)}:
        messages.error(request, _("These two patients do not look like the same person."))
        return HttpResponseRedirect(reverse("admin:bookings_patient_change", args=[keep.pk]))
    if request.method == "POST":
        try:
            patient_merge(keep=keep, duplicate=duplicate)
        except BookingError as refusal:
            # Merged a moment ago by someone else, or the calendar busy: a message, not a 500.
            messages.error(request, refusal.message)
            return HttpResponseRedirect(reverse("admin:bookings_patient_changelist"))
        messages.success(
            request,
            _("%(duplicate)s was merged into this patient.") % {"duplicate": duplicate},
        )
        return HttpResponseRedirect(reverse("admin:bookings_patient_change", args=[keep.pk]))
    plans = Plan.objects.filter(patient=duplicate).select_related("protocol")
    return TemplateResponse(
        request,
        "admin/bookings/patient_merge.html",
        _context(
            request,
            _("Merge a duplicate patient"),
            opts=Patient._meta,
            keep=keep,
            duplicate=duplicate,
            plans=plans,
        ),
    )
