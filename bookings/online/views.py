"""The public booking pages: screening → times → details (hold) → consent and review → done,
and the manage pages behind a patient's link.

Views stay thin: every decision is a call to the engine (`services`, `planner`, `rules`), the
screening rule (`screening`) or the online booking workflows (`booking_flow`). What the patient
has typed travels in the server-side session (key `booking`) until the course is confirmed; it is
cleared at confirmation and when the patient walks away.
"""

from __future__ import annotations

import json
from datetime import date, datetime

from crispy_forms.utils import render_crispy_form
from django.contrib import messages
from django.db.models import Prefetch, QuerySet
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.safestring import SafeString
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from bookings.engine.errors import BookingError, InvalidPlanState, ProposalChanged
from bookings.engine.patients import PatientDetails
from bookings.engine.placing import (
    Channel,
    ConsentEvidence,
    booking_place,
    consent_text_current,
    plan_consent_record,
    proposal_new_id,
    screening_blocks_booking,
    screening_needs_review,
)
from bookings.engine.rules import BookingRules, visit_title
from bookings.engine.screening import (
    flagged,
    screening_questions,
    screening_snapshot,
)
from bookings.engine.tokens import manage_link_find
from bookings.models import (
    OPEN_PLAN_STATUSES,
    Appointment,
    AppointmentKind,
    AppointmentStatus,
    Clinician,
    ConsentText,
    ManageLink,
    Plan,
    PlanKind,
    PlanStatus,
)
from bookings.notify.booking_emails import plan_notify_booked, review_deadline
from bookings.notify.ics import plan_calendar
from bookings.online import ratelimit
from bookings.online.booking_flow import (
    appointment_cancel_online,
    appointment_move_online,
    booking_release,
    holds_release_for_email,
    manage_link_resend,
    patient_busy_times,
    plan_cancel_online,
)
from bookings.online.booking_times import (
    course_from,
    visit_times,
    visits_from_session,
    visits_to_session,
)
from bookings.online.consultation import recommendation_apply, recommendation_link_booked
from bookings.online.forms import (
    ConfirmForm,
    CourseSearchForm,
    NewLinkForm,
    OpeningChoiceForm,
    PatientDetailsForm,
    ScreeningForm,
)
from bookings.online.funnel import FunnelStep, funnel_completed, funnel_step
from common.compiled import compiled
from common.db import reads_in_one_transaction
from common.generations import CONTENT
from common.rendering import render_markdown
from treatments.models import Protocol

SESSION_KEY = "booking"
DONE_KEY = "booking_done"
# Long enough to read the consent slowly and come back to a tab; short enough that answers
# typed on a shared computer are gone the same day.
FLOW_IDLE_SECONDS = 2 * 60 * 60
# How often a step that changes nothing still writes the session, to move the idle expiry on.
FLOW_TOUCH_SECONDS = 10 * 60
# Every page that shows what a patient typed, their answers or their plan is sent with
# `never_cache` (Cache-Control: no-store, private): after the patient leaves a shared computer,
# the browser's cache and back button do not show it to the next person.


# --- helpers ----------------------------------------------------------------------------------


def _protocol(slug: str) -> Protocol:
    """The published protocol of this booking address.

    Every step of every booking reads it, and a query costs more than half a millisecond of CPU
    however small (issue 22): it is read through the shared cache under the public pages'
    content generation, which every save of a protocol or product renews
    (treatments/signals.py), so an unpublished course is refused at the next step as before.
    """
    return CONTENT.read_through(
        f"booking-protocol:{slug}",
        lambda: get_object_or_404(Protocol.objects.published(), slug=slug),
    )


def _flow(request: HttpRequest, protocol: Protocol) -> dict | None:
    flow = request.session.get(SESSION_KEY)
    # As loaded, so that _save_flow can tell a step that changed nothing.
    request.booking_flow_as_loaded = _flow_fingerprint(flow)
    if flow and flow.get("visits") and not flow.get("proposal"):
        flow["proposal"] = proposal_new_id()  # a session from before proposals had ids
    return flow if flow and flow.get("protocol") == protocol.pk else None


def _flow_fingerprint(flow: dict | None) -> str:
    return json.dumps(flow, sort_keys=True, default=str)


def _save_flow(request: HttpRequest, flow: dict) -> None:
    now = int(timezone.now().timestamp())
    if (
        getattr(request, "booking_flow_as_loaded", None) == _flow_fingerprint(flow)
        # A clock set back since the last write counts as due, so the expiry still moves on.
        and 0 <= now - flow.get("touched", 0) < FLOW_TOUCH_SECONDS
    ):
        # Nothing changed (a page reloaded, a step only read): no session write, so the page
        # runs no transaction (issue 22). The idle expiry below moves on at the next change or
        # after FLOW_TOUCH_SECONDS, so it ends at most that much earlier than the last step.
        return
    flow["touched"] = now
    request.session[SESSION_KEY] = flow
    if not request.user.is_authenticated:
        # A flow abandoned by closing the tab must not keep health answers and details for
        # Django's default two weeks, nor show them pre-filled to the next person at a shared
        # computer: a patient's session (patients have no accounts; staff sessions are left to
        # StaffSessionMiddleware) ends FLOW_IDLE_SECONDS after the last step, server side too.
        request.session.set_expiry(FLOW_IDLE_SECONDS)


def _clear_flow(request: HttpRequest) -> None:
    request.session.pop(SESSION_KEY, None)


def _base_url(request: HttpRequest) -> str:
    return request.build_absolute_uri("/").rstrip("/")


def _clinicians(protocol: Protocol) -> list[Clinician]:
    return list(Clinician.objects.filter(active=True, protocols=protocol).order_by("display_name"))


def _visit_label(protocol: Protocol | None, sequence: int) -> str:
    if protocol is None:  # a consultation without a treatment asked about (issue 18)
        return visit_title(kind=AppointmentKind.CONSULTATION, sequence=1, session_count=1)
    return visit_title(
        sequence=sequence,
        session_count=protocol.session_count,
        preparation_name=str(protocol.preparation_name),
    )


def _plan_visit_label(plan: Plan, sequence: int) -> str:
    # A consultation is labelled as one, also when the patient asked about a treatment.
    return _visit_label(None if plan.kind == PlanKind.CONSULTATION else plan.protocol, sequence)


def _visit_rows(protocol: Protocol, visits: list, names: dict[int, str]) -> list[dict]:
    """What the pages show for each visit (proposed visits or appointments alike)."""
    return [
        {
            "sequence": visit.sequence,
            "label": _visit_label(protocol, visit.sequence),
            "start": visit.start,
            "end": visit.end,
            "clinician": names.get(visit.clinician_id, ""),
            "is_preparation": visit.sequence == 0,
        }
        for visit in visits
    ]


def _held_plan_is_live(flow: dict, now: datetime) -> Plan | None:
    plan_id = flow.get("plan_id")
    if not plan_id:
        return None
    return Plan.objects.live_holds(now).filter(pk=plan_id).first()


def _propose(flow: dict, visits: list) -> None:
    """A new course for the pages to show: it gets a new proposal id (engine.placing)."""
    flow["visits"] = visits_to_session(visits)
    flow["proposal"] = proposal_new_id()


def _page_is_stale(request: HttpRequest, flow: dict) -> bool:
    """The page posted a course other than the session's current one (another tab changed it)."""
    return request.POST.get("proposal", "") != flow.get("proposal")


def _release_hold(flow: dict) -> None:
    if flow.get("plan_id"):
        booking_release(plan_id=flow.pop("plan_id"))


# A blank screening form (nobody has answered yet: the first step of nearly every booking) renders
# the same HTML for the same questions in the same language; crispy's rendering of ten or so
# questions was a quarter of the step (issue 22). Keyed on the questions' text itself, so an
# edited question is a new key, never a stale page; bounded, as the key space is small anyway.
_BLANK_SCREENING: dict[tuple, SafeString] = {}
_BLANK_SCREENING_MAX = 256


def _blank_screening_html(form: ScreeningForm) -> SafeString:
    key = (
        get_language(),
        tuple((q.pk, str(q.text), str(q.explanation)) for q in form.questions),
    )
    html = _BLANK_SCREENING.get(key)
    if html is None:
        if len(_BLANK_SCREENING) >= _BLANK_SCREENING_MAX:
            _BLANK_SCREENING.clear()
        html = _BLANK_SCREENING[key] = render_crispy_form(form)
    return html


def _too_many(request: HttpRequest, limit: ratelimit.Limit) -> bool:
    if ratelimit.rate_limit_exceeded(request, limit):
        messages.error(
            request,
            _(
                "Too many attempts from your connection in a short time. Please wait a few "
                "minutes and try again, or call us."
            ),
        )
        return True
    return False


def _date_param(value: str | None) -> date | None:
    try:
        return date.fromisoformat(value) if value else None
    except ValueError:
        return None


# --- 1. Screening -------------------------------------------------------------------------------


@never_cache
@require_http_methods(["GET", "HEAD", "POST"])
def book_start(request: HttpRequest, slug: str) -> HttpResponse:
    protocol = _protocol(slug)
    questions = screening_questions(protocol)
    flow = _flow(request, protocol)
    if request.method == "POST":
        form = ScreeningForm(request.POST, questions=questions)
        if form.is_valid():
            snapshot = screening_snapshot(questions, form.answers())
            previous = request.session.get(SESSION_KEY) or {}
            if screening_blocks_booking(snapshot):
                # Nothing is kept: no answers in the session, no hold, no rows.
                funnel_step(request, None, protocol=protocol, step=FunnelStep.BLOCKED)
                _release_hold(previous)
                _clear_flow(request)
                return render(
                    request,
                    "bookings/blocked.html",
                    {"protocol": protocol, "reasons": flagged(snapshot)},
                )
            same = previous.get("protocol") == protocol.pk
            if not same:
                _release_hold(previous)
            flow = {**(previous if same else {}), "protocol": protocol.pk, "answers": snapshot}
            _save_flow(request, flow)
            return redirect("bookings:times", slug=protocol.slug)
    else:
        initial = {}
        if flow:
            initial = {
                f"q{item['question_id']}": "yes" if item["answer"] else "no"
                for item in flow.get("answers", [])
            }
        form = ScreeningForm(questions=questions, initial=initial)
        funnel_step(request, flow, protocol=protocol, step=FunnelStep.STARTED)
    # A form of no questions renders as whitespace: the template then says there are none.
    blank = bool(form.fields) and not form.is_bound and not form.initial
    return render(
        request,
        "bookings/screening.html",
        {
            "protocol": protocol,
            "form": form,
            "blank_form_html": _blank_screening_html(form) if blank else None,
            "step": 1,
        },
    )


# --- 2. Times -----------------------------------------------------------------------------------


@never_cache
@require_safe
def book_times(request: HttpRequest, slug: str) -> HttpResponse:
    protocol = _protocol(slug)
    flow = _flow(request, protocol)
    if flow is None:
        return redirect("bookings:start", slug=protocol.slug)
    clinicians = _clinicians(protocol)
    names = {c.pk: c.display_name for c in clinicians}
    searching = "clinician" in request.GET or "earliest" in request.GET
    recommendation = recommendation_apply(request, flow, protocol)  # issue 18
    search = CourseSearchForm(
        request.GET if searching else None,
        clinicians=clinicians,
        initial=flow.get("search", {}),
    )
    if searching and search.is_valid():
        chosen = search.cleaned_data["clinician"]
        earliest = search.cleaned_data["earliest"]
        flow["search"] = {
            "clinician": chosen,
            "earliest": earliest.isoformat() if earliest else None,
        }
        flow.pop("visits", None)
    problem = None
    if "visits" not in flow and not search.errors:
        settings_ = flow.get("search", {})
        chosen_id = settings_.get("clinician")
        details = flow.get("details")
        try:
            visits = course_from(
                protocol=protocol,
                clinician=next((c for c in clinicians if c.pk == chosen_id), None),
                earliest=_date_param(settings_.get("earliest")),
                # Once the details are known: clear of the patient's own other visits.
                busy=patient_busy_times(
                    email=details["email"],
                    date_of_birth=details["date_of_birth"],
                    except_plan_id=flow.get("plan_id"),
                )
                if details
                else (),
            )
        except BookingError as error:
            problem = error.message
        else:
            _propose(flow, visits)
            funnel_step(request, flow, protocol=protocol, step=FunnelStep.TIMES_SHOWN)
        # New times: a hold on older ones is given back, also when none were found, so that
        # the review page cannot confirm times the patient has moved away from.
        _release_hold(flow)
    _save_flow(request, flow)
    visits = visits_from_session(flow.get("visits", []))
    held = _held_plan_is_live(flow, timezone.now())
    return render(
        request,
        "bookings/times.html",
        {
            "protocol": protocol,
            "search": search,
            "problem": problem,
            "visits": _visit_rows(protocol, visits, names),
            "held": held,
            "recommended": recommendation is not None,
            "step": 2,
        },
    )


@never_cache
@require_http_methods(["GET", "HEAD", "POST"])
@reads_in_one_transaction
def book_change_visit(request: HttpRequest, slug: str, sequence: int) -> HttpResponse:
    protocol = _protocol(slug)
    flow = _flow(request, protocol)
    if flow is None or "visits" not in flow:
        return redirect("bookings:start", slug=protocol.slug)
    visits = visits_from_session(flow["visits"])
    current = next((v for v in visits if v.sequence == sequence), None)
    if current is None:
        raise Http404
    wanted = _date_param(request.POST.get("day") or request.GET.get("day")) or current.day
    times = visit_times(
        protocol=protocol,
        sequence=sequence,
        others=visits,
        wanted_day=wanted,
    )
    # Whose free times they are: the calendar's clinicians (the page names no one else).
    names = times.clinician_names
    form = OpeningChoiceForm(
        request.POST if request.method == "POST" else None,
        openings=times.openings,
        clinician_names=names,
        initial={"opening": f"{current.start.isoformat()}|{current.clinician_id}"},
    )
    if request.method == "POST" and form.is_valid():
        opening = form.chosen()
        _release_hold(flow)  # the held course is not this one any more
        _propose(
            flow,
            [
                v
                if v.sequence != sequence
                else type(v)(
                    sequence=sequence,
                    start=opening.start,
                    clinician_id=opening.clinician_id,
                    minutes=opening.minutes,
                )
                for v in visits
            ],
        )
        _save_flow(request, flow)
        messages.success(request, _("Changed. Here is your course with the new time."))
        return redirect("bookings:times", slug=protocol.slug)
    return render(
        request,
        "bookings/change_visit.html",
        {
            "protocol": protocol,
            "label": _visit_label(protocol, sequence),
            "current": _visit_rows(protocol, [current], names)[0],
            "times": times,
            "form": form,
            "back_url": reverse("bookings:times", kwargs={"slug": protocol.slug}),
            "step": 2,
        },
    )


# --- 3. Details and hold ------------------------------------------------------------------------


@never_cache
@require_http_methods(["GET", "HEAD", "POST"])
def book_details(request: HttpRequest, slug: str) -> HttpResponse:
    protocol = _protocol(slug)
    flow = _flow(request, protocol)
    if flow is None or not flow.get("visits"):
        return redirect("bookings:start", slug=protocol.slug)
    initial = flow.get("details") or {"preferred_language": get_language()}

    def page(form: PatientDetailsForm, status: int = 200) -> HttpResponse:
        names = {c.pk: c.display_name for c in _clinicians(protocol)}
        return render(
            request,
            "bookings/details.html",
            {
                "protocol": protocol,
                "form": form,
                "visits": _visit_rows(protocol, visits_from_session(flow["visits"]), names),
                "hold_minutes": BookingRules.from_settings().hold.seconds // 60,
                "proposal": flow.get("proposal", ""),
                "step": 3,
            },
            status=status,
        )

    if request.method == "POST":
        form = PatientDetailsForm(request.POST)
        if form.is_valid():
            details = form.as_session()
            if flow.get("details") != details:
                _release_hold(flow)  # a hold for other details is not this patient's
            # Kept first, so nothing typed is lost if the times were just taken or changed in
            # another tab: the details page shows them again.
            flow["details"] = details
            _save_flow(request, flow)
        if _page_is_stale(request, flow):
            messages.warning(request, ProposalChanged.default_message)
            return redirect("bookings:times", slug=protocol.slug)
        if form.is_valid():
            if _too_many(request, ratelimit.HOLD):
                # The same page as before (chosen times, the real hold time), with the message.
                return page(form, status=429)
            # One email holds one course at a time (one query when there is nothing to free).
            holds_release_for_email(
                email=form.cleaned_data["email"], keep_proposal_id=flow["proposal"]
            )
            try:
                # Idempotent: a double click or a retry of this page holds one plan.
                plan = booking_place(
                    channel=Channel.ONLINE,
                    protocol=protocol,
                    visits=visits_from_session(flow["visits"]),
                    proposal_id=flow["proposal"],
                    answers=flow["answers"],
                    details=PatientDetails(**form.cleaned_data),
                    hold=True,
                )
            except BookingError as error:
                messages.error(
                    request,
                    _("%(problem)s Your answers and details are kept; here are new times.")
                    % {"problem": error.message},
                )
                flow.pop("visits", None)
                _save_flow(request, flow)
                return redirect("bookings:times", slug=protocol.slug)
            flow["plan_id"] = plan.pk
            funnel_step(request, flow, protocol=protocol, step=FunnelStep.HELD)
            _save_flow(request, flow)
            return redirect("bookings:review", slug=protocol.slug)
    else:
        form = PatientDetailsForm(initial=initial)
        funnel_step(request, flow, protocol=protocol, step=FunnelStep.DETAILS)
    return page(form)


# --- 4. Consent, review and confirm -------------------------------------------------------------


@never_cache
@require_http_methods(["GET", "HEAD", "POST"])
@reads_in_one_transaction
def book_review(request: HttpRequest, slug: str) -> HttpResponse:
    protocol = _protocol(slug)
    flow = _flow(request, protocol)
    if flow is None:
        if request.method == "POST":
            done = request.session.get(DONE_KEY)
            if done and Plan.objects.filter(pk=done, protocol=protocol).exists():
                return redirect("bookings:done")  # the same confirmation sent twice
            # The flow was stopped in another tab (or ran out): never show an earlier booking
            # of another treatment as if this one had been confirmed.
            messages.warning(
                request,
                _(
                    "Nothing was booked: this booking was stopped in another tab or window, or "
                    "was left too long. Please start again."
                ),
            )
        return redirect("bookings:start", slug=protocol.slug)
    if not flow.get("plan_id") or not flow.get("details"):
        return redirect("bookings:details", slug=protocol.slug)
    if "visits" not in flow:  # a hold whose times are being chosen again
        return redirect("bookings:times", slug=protocol.slug)
    now = timezone.now()
    plan = (
        Plan.objects.filter(pk=flow["plan_id"])
        .select_related("patient")
        .prefetch_related(
            Prefetch("appointments", queryset=Appointment.objects.select_related("clinician"))
        )
        .first()
    )
    if plan is not None and plan.status in (PlanStatus.CONFIRMED, PlanStatus.AWAITING_REVIEW):
        return redirect("bookings:done")
    if plan is None or not plan.hold_is_live(now):
        flow.pop("plan_id", None)
        flow.pop("visits", None)
        _save_flow(request, flow)
        messages.warning(
            request,
            _(
                "The times we held for you ran out, so others could book them. Your answers "
                "and details are kept: please choose times again."
            ),
        )
        return redirect("bookings:times", slug=protocol.slug)
    language = get_language()
    consent = consent_text_current(protocol, language)
    if consent is None:
        raise Http404("No consent text is published.")
    form = ConfirmForm(request.POST or None, consent_text=consent, shown=flow.get("consent_shown"))
    if request.method == "POST" and _page_is_stale(request, flow):
        # Confirming a tab that showed another course would book times this patient never saw.
        messages.warning(request, ProposalChanged.default_message)
        return redirect("bookings:review", slug=protocol.slug)
    if request.method == "POST" and form.is_valid():
        if _too_many(request, ratelimit.CONFIRM):
            return redirect("bookings:review", slug=protocol.slug)
        shown = form.cleaned_data["consent_text"]
        accepted = consent if shown == consent.pk else ConsentText.objects.get(pk=shown)
        base_url = _base_url(request)
        try:
            plan = booking_place(
                channel=Channel.ONLINE,
                protocol=protocol,
                visits=visits_from_session(flow["visits"]),
                proposal_id=flow["proposal"],
                answers=flow["answers"],
                patient=plan.patient,
                consent=ConsentEvidence(text=accepted),
                after_commit=lambda placed: plan_notify_booked(plan=placed, base_url=base_url),
            )
        except ProposalChanged as error:
            messages.warning(request, error.message)
            return redirect("bookings:review", slug=protocol.slug)
        except InvalidPlanState:
            return redirect("bookings:review", slug=protocol.slug)  # shows "ran out"
        funnel_completed(request, flow, protocol=protocol, plan=plan)
        recommendation_link_booked(request, plan)  # issue 18: a course booked from a link
        _clear_flow(request)
        request.session[DONE_KEY] = plan.pk
        return redirect("bookings:done")
    # What this page shows is the only other version a confirmation may name (see ConfirmForm).
    flow["consent_shown"] = consent.pk
    _save_flow(request, flow)
    appointments = [a for a in plan.appointments.all() if a.is_active]
    names = {a.clinician_id: a.clinician.display_name for a in appointments}
    return render(
        request,
        "bookings/review.html",
        {
            "protocol": protocol,
            "plan": plan,
            "visits": _visit_rows(protocol, appointments, names),
            "details": flow["details"],
            "answers": flow["answers"],
            "needs_review": screening_needs_review(flow["answers"]),
            "review_by": review_deadline(now),
            "consent": consent,
            # Markdown written by the clinic, sanitised like the education pages.
            "consent_html": render_markdown(consent.body).html,
            "form": form,
            "proposal": flow.get("proposal", ""),
            "step": 4,
        },
    )


@require_POST
def book_abandon(request: HttpRequest, slug: str) -> HttpResponse:
    protocol = _protocol(slug)
    # Whatever flow the session holds is deleted, so its hold is given back too, even when the
    # button was pressed on a stale tab of another treatment (else those times stayed held).
    flow = request.session.get(SESSION_KEY)
    if flow:
        _release_hold(flow)
    _clear_flow(request)
    messages.info(request, _("Nothing was booked, and the answers you gave us have been deleted."))
    return redirect(protocol.get_absolute_url())


@never_cache
@require_safe
@reads_in_one_transaction
def book_done(request: HttpRequest) -> HttpResponse:
    plan_id = request.session.get(DONE_KEY)
    plan = (
        Plan.objects.filter(pk=plan_id)
        .select_related("protocol", "patient")
        .prefetch_related(
            Prefetch("appointments", queryset=Appointment.objects.select_related("clinician"))
        )
        .first()
        if plan_id
        else None
    )
    if plan is None:
        raise Http404
    appointments = [a for a in plan.appointments.all() if a.is_active]
    names = {a.clinician_id: a.clinician.display_name for a in appointments}
    return render(
        request,
        "bookings/done.html",
        {
            "plan": plan,
            "protocol": plan.protocol,
            "visits": _visit_rows(plan.protocol, appointments, names),
            "awaiting_review": plan.status == PlanStatus.AWAITING_REVIEW,
            "review_by": review_deadline(plan.consented_at or timezone.now()),
            "step": 5,
        },
    )


# --- Manage link --------------------------------------------------------------------------------


class _InvalidLink(Exception):
    pass


def _link(token: str) -> ManageLink:
    link = manage_link_find(token)
    if link is None:
        raise _InvalidLink
    return link


def _invalid_link(request: HttpRequest) -> HttpResponse:
    return render(request, "bookings/manage_invalid.html", {"form": NewLinkForm()}, status=404)


def _plan_appointment(link: ManageLink, pk: int) -> Appointment:
    """An appointment of this link's plan; anything else is 404."""
    return get_object_or_404(
        Appointment.objects.select_related("clinician"), pk=pk, plan_id=link.plan_id
    )


def _changeable(appointment: Appointment, plan: Plan, rules: BookingRules, now: datetime) -> bool:
    return (
        plan.status in OPEN_PLAN_STATUSES
        and appointment.status == AppointmentStatus.BOOKED
        and appointment.start - now >= rules.cancellation_notice
    )


def manage_view(view):
    """Turns an unknown, revoked or expired token into the "send me a new link" 404 page."""

    def wrapped(request: HttpRequest, token: str, *args: object, **kwargs: object) -> HttpResponse:
        try:
            link = _link(token)
        except _InvalidLink:
            return _invalid_link(request)
        return view(request, link, token, *args, **kwargs)

    wrapped.__name__ = view.__name__
    wrapped.__doc__ = view.__doc__
    return wrapped


@compiled
def _visits_of(*, plan_id: int) -> QuerySet[Appointment]:
    """The manage page's visits, compiled once per process (issue 22)."""
    return (
        Appointment.objects.filter(plan_id=plan_id)
        .select_related("clinician")
        .order_by("sequence", "start")
    )


@never_cache
@require_safe
@reads_in_one_transaction
@manage_view
def manage(request: HttpRequest, link: ManageLink, token: str) -> HttpResponse:
    plan = link.plan
    now = timezone.now()
    rules = BookingRules.from_settings()
    appointments = _visits_of.rows(plan_id=plan.pk)
    rows = []
    for appointment in appointments:
        changeable = _changeable(appointment, plan, rules, now)
        consultation = plan.kind == PlanKind.CONSULTATION
        rows.append(
            {
                "appointment": appointment,
                "label": _plan_visit_label(plan, appointment.sequence),
                # A consultation is cancelled and booked again (moving it: not built yet).
                "can_move": changeable and not consultation,
                "can_cancel": changeable and appointment.sequence > 0,
            }
        )
    upcoming = [a for a in appointments if a.status == AppointmentStatus.BOOKED and a.start > now]
    can_cancel_plan = (
        plan.kind != PlanKind.CONSULTATION  # its one visit is cancelled on its own row
        and plan.status in OPEN_PLAN_STATUSES
        and bool(upcoming)
        and all(a.start - now >= rules.cancellation_notice for a in upcoming)
    )
    return render(
        request,
        "bookings/manage.html",
        {
            "plan": plan,
            "protocol": plan.protocol,
            "rows": rows,
            "token": token,
            "can_cancel_plan": can_cancel_plan,
            # A consultation treats nobody: no treatment consent is asked for (issue 18).
            "consent_pending": plan.status in OPEN_PLAN_STATUSES
            and not plan.has_consent()
            and plan.kind != PlanKind.CONSULTATION,
            "notice_hours": int(rules.cancellation_notice.total_seconds() // 3600),
        },
    )


def _manage_consent_shown_key(plan: Plan) -> str:
    # One key per plan: a browser that opened the consent pages of two courses must not accept
    # for one course the text shown for the other.
    return f"manage_consent_shown:{plan.pk}"


@never_cache
@require_http_methods(["GET", "HEAD", "POST"])
@manage_view
def manage_consent(request: HttpRequest, link: ManageLink, token: str) -> HttpResponse:
    """The patient reads and accepts the consent for a course booked without it (by phone).

    The link came to the patient's own email, so this is the patient consenting, as online.
    """
    plan = link.plan
    # A consultation treats nobody: there is no treatment consent to give (issue 18).
    if plan.has_consent() or plan.kind == PlanKind.CONSULTATION:
        return redirect("bookings:manage", token=token)
    consent = consent_text_current(plan.protocol, get_language())
    if consent is None:
        raise Http404("No consent text is published.")
    form = ConfirmForm(
        request.POST or None,
        consent_text=consent,
        shown=request.session.get(_manage_consent_shown_key(plan)),
    )
    if request.method == "POST" and form.is_valid():
        shown = form.cleaned_data["consent_text"]
        accepted = consent if shown == consent.pk else ConsentText.objects.get(pk=shown)
        try:
            plan_consent_record(plan=plan, consent=ConsentEvidence(text=accepted))
        except BookingError as error:
            messages.error(request, error.message)
        else:
            messages.success(request, _("Thank you. Your consent is recorded with your course."))
        return redirect("bookings:manage", token=token)
    request.session[_manage_consent_shown_key(plan)] = consent.pk
    return render(
        request,
        "bookings/manage_consent.html",
        {
            "plan": plan,
            "protocol": plan.protocol,
            "token": token,
            "consent": consent,
            "consent_html": render_markdown(consent.body).html,
            "form": form,
        },
    )


@never_cache
@require_http_methods(["GET", "HEAD", "POST"])
@reads_in_one_transaction
@manage_view
def manage_move(request: HttpRequest, link: ManageLink, token: str, pk: int) -> HttpResponse:
    plan = link.plan
    # The visit and the rest of its course in one read.
    course = list(plan.appointments.select_related("clinician"))
    appointment = next((a for a in course if a.pk == pk), None)
    if appointment is None:
        raise Http404
    if plan.kind == PlanKind.CONSULTATION:
        # Not offered on the manage page: a consultation is cancelled and booked again.
        messages.error(
            request, _("A consultation cannot be moved: please cancel it and book a new time.")
        )
        return redirect("bookings:manage", token=token)
    rules = BookingRules.from_settings()
    if not _changeable(appointment, plan, rules, timezone.now()):
        messages.error(request, _("This visit can no longer be moved online. Please call us."))
        return redirect("bookings:manage", token=token)
    others = [a for a in course if a.is_active and a.pk != appointment.pk]
    wanted = _date_param(request.POST.get("day") or request.GET.get("day"))
    times = visit_times(
        protocol=plan.protocol,
        sequence=appointment.sequence,
        others=others,
        wanted_day=wanted or timezone.localtime(appointment.start).date(),
        ignore_appointment_ids=(appointment.pk,),
    )
    form = OpeningChoiceForm(
        request.POST if request.method == "POST" else None,
        openings=[o for o in times.openings if o.start != appointment.start],
        clinician_names=times.clinician_names,
    )
    if request.method == "POST" and form.is_valid():
        opening = form.chosen()
        try:
            appointment_move_online(
                appointment=appointment,
                new_start=opening.start,
                clinician_id=opening.clinician_id,
                token=token,
                base_url=_base_url(request),
            )
        except BookingError as error:
            messages.error(request, error.message)
            return redirect(
                reverse("bookings:manage-move", kwargs={"token": token, "pk": pk})
                + f"?day={times.selected.isoformat() if times.selected else ''}"
            )
        messages.success(
            request, _("Your visit was moved. We have emailed you the updated calendar file.")
        )
        return redirect("bookings:manage", token=token)
    return render(
        request,
        "bookings/manage_move.html",
        {
            "plan": plan,
            "protocol": plan.protocol,
            "appointment": appointment,
            "label": _plan_visit_label(plan, appointment.sequence),
            "times": times,
            "form": form,
            "token": token,
            "back_url": reverse("bookings:manage", kwargs={"token": token}),
        },
    )


@never_cache
@require_http_methods(["GET", "HEAD", "POST"])
@reads_in_one_transaction
@manage_view
def manage_cancel_visit(
    request: HttpRequest, link: ManageLink, token: str, pk: int
) -> HttpResponse:
    plan = link.plan
    appointment = _plan_appointment(link, pk)
    if request.method == "POST":
        try:
            appointment_cancel_online(
                appointment=appointment, token=token, base_url=_base_url(request)
            )
        except BookingError as error:
            messages.error(request, error.message)
        else:
            messages.success(
                request, _("The session was cancelled. We have emailed you a confirmation.")
            )
        return redirect("bookings:manage", token=token)
    return render(
        request,
        "bookings/manage_cancel.html",
        {
            "plan": plan,
            "protocol": plan.protocol,
            "appointment": appointment,
            "label": _plan_visit_label(plan, appointment.sequence),
            "token": token,
            "whole_plan": False,
        },
    )


@never_cache
@require_http_methods(["GET", "HEAD", "POST"])
@manage_view
def manage_cancel_plan(request: HttpRequest, link: ManageLink, token: str) -> HttpResponse:
    plan = link.plan
    if request.method == "POST":
        try:
            plan_cancel_online(plan=plan, token=token, base_url=_base_url(request))
        except BookingError as error:
            messages.error(request, error.message)
        else:
            messages.success(
                request, _("Your course was cancelled. We have emailed you a confirmation.")
            )
        return redirect("bookings:manage", token=token)
    return render(
        request,
        "bookings/manage_cancel.html",
        {"plan": plan, "protocol": plan.protocol, "token": token, "whole_plan": True},
    )


@never_cache
@require_safe
@reads_in_one_transaction
@manage_view
def manage_calendar(request: HttpRequest, link: ManageLink, token: str) -> HttpResponse:
    plan = link.plan
    appointments = list(plan.appointments.order_by("sequence", "start"))
    response = HttpResponse(plan_calendar(plan, appointments), content_type="text/calendar")
    response["Content-Disposition"] = 'attachment; filename="treatment-course.ics"'
    return response


@never_cache  # shows the email address typed
@require_http_methods(["GET", "HEAD", "POST"])
def manage_new_link(request: HttpRequest) -> HttpResponse:
    if request.method == "POST":
        form = NewLinkForm(request.POST)
        if form.is_valid():
            if _too_many(request, ratelimit.RESEND_LINK):
                return render(request, "bookings/manage_new_link.html", {"form": form}, status=429)
            manage_link_resend(email=form.cleaned_data["email"], base_url=_base_url(request))
            # The same answer whether or not we know the address.
            return redirect("bookings:manage-link-sent")
    else:
        form = NewLinkForm()
    return render(request, "bookings/manage_new_link.html", {"form": form})


@require_safe
def manage_link_sent(request: HttpRequest) -> HttpResponse:
    return render(request, "bookings/manage_link_sent.html")
