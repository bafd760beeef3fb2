"""The rows of the dashboard's session tables, built in Python.

The template loop cost about 0.4 ms per session (two date filters, three URL tags, three choice
labels and a dozen lookups, each through the template engine): a clinician with thirty sessions
in the coming week waited 12 ms for the rows alone (issue 22). The markup is the template's,
character for character; tests/clinical/test_session_rows.py renders both and compares them.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from django import template
from django.db.models import TextChoices
from django.utils.dates import MONTHS_3, WEEKDAYS_ABBR
from django.utils.safestring import SafeString, mark_safe
from django.utils.timesince import timesince
from django.utils.translation import gettext

from bookings.models import Appointment, AppointmentKind, AppointmentStatus, Plan, PlanStatus
from clinical.models import FollowUp
from common.markup import conditional_escape, current_zone, local
from common.templatetags.kept_urls import id_url

register = template.Library()


class _Table:
    """What the rows of one table share, worked out once: their addresses (each from one kept
    reversal, common.templatetags.kept_urls), the current time zone, and each label and day or
    month name translated (a lazy translation is looked up again at every use)."""

    def __init__(self) -> None:
        self.consultation = id_url("clinical:consultation")
        self.plan = id_url("clinical:plan-detail")
        self.session = id_url("clinical:session-detail")
        self.zone = current_zone()
        self._texts: dict[tuple, str] = {}
        self._names: dict[tuple[int, int], tuple[str, str]] = {}

    def label(self, choices: type[TextChoices], value: str) -> str:
        """What get_FOO_display() shows, escaped, without building and hashing the whole choices
        dict (with every label translated) on each call."""
        key = (choices, value)
        if key not in self._texts:
            try:
                self._texts[key] = conditional_escape(str(choices(value).label))
            except ValueError:
                self._texts[key] = conditional_escape(value)
        return self._texts[key]

    def when(self, start: datetime) -> str:
        """The date filter's "D j M, H:i" (the template's), escaped, without parsing the format."""
        key = (start.weekday(), start.month)
        names = self._names.get(key)
        if names is None:
            names = self._names[key] = (str(WEEKDAYS_ABBR[key[0]]), MONTHS_3[key[1]].title())
        weekday, month = names
        return conditional_escape(
            f"{weekday} {start.day} {month}, {start.hour:02d}:{start.minute:02d}"
        )

    def local(self, moment: datetime) -> datetime:
        """`template_localtime`: an aware time in the current zone, a naive one as it is."""
        return local(moment, self.zone)


def _row(session: Appointment, now: datetime, table: _Table) -> str:
    start = table.local(session.start)
    plan = session.plan
    # A consultation has no protocol; the template showed nothing for it.
    protocol_name = _protocol_name(plan)
    if session.kind == AppointmentKind.CONSULTATION:
        patient_url = record_url = table.consultation(session.plan_id)
        record = gettext("Open")
    else:
        patient_url = table.plan(session.plan_id)
        record_url = table.session(session.pk)
        # A reverse one-to-one without a row raises an AttributeError subclass, as in a template.
        if getattr(session, "treatment_record", None):
            record = gettext("View record")
        elif session.kind == AppointmentKind.SESSION and session.start <= now:
            record = gettext("Record treatment")
        else:
            record = gettext("Open")
    visit = table.label(AppointmentKind, session.kind)
    if session.kind == AppointmentKind.SESSION:
        visit += f" {session.sequence}/{plan.protocol.session_count}"
    status = table.label(AppointmentStatus, session.status)
    if plan.status != PlanStatus.CONFIRMED:
        status += f'<br><span class="small">{table.label(PlanStatus, plan.status)}</span>'
    return (
        "\n      <tr>\n"
        f'        <td><time datetime="{start.isoformat()}">{table.when(start)}</time></td>\n'
        f'        <td><a href="{conditional_escape(patient_url)}">'
        f"{conditional_escape(plan.patient.full_name)}</a><br>"
        f'<span class="small text-body-secondary">{conditional_escape(protocol_name)}</span>'
        "</td>\n"
        f"        <td>{visit}</td>\n"
        f"        <td>{status}</td>\n"
        f'        <td><a href="{conditional_escape(record_url)}">{conditional_escape(record)}</a>'
        "</td>\n"
        "      </tr>\n    "
    )


@register.simple_tag
def session_rows(sessions: Iterable[Appointment], now: datetime) -> SafeString:
    # Every value in a row is escaped, or is a number.
    table = _Table()
    return mark_safe("".join(_row(session, now, table) for session in sessions))


WARNING = ' class="table-warning"'


@register.simple_tag
def awaiting_rows(plans: Iterable[Plan], now: datetime, sees_everyone: bool) -> SafeString:
    """The plans awaiting review: patient (urgent marked), treatment, how long it has waited, the
    first visit, and for those who see everyone the clinician."""
    table = _Table()
    urgent = f' <span class="badge text-bg-danger">{gettext("urgent")}</span>'
    rows = []
    for plan in plans:
        first = plan.first_visit
        first_visit = (
            f'<time datetime="{table.local(first).isoformat()}">{table.when(table.local(first))}'
            "</time>"
            if first
            else "–"
        )
        clinician = (
            f"<td>{conditional_escape(plan.clinician.display_name)}</td>" if sees_everyone else ""
        )
        rows.append(
            f"\n          <tr{WARNING if plan.is_urgent else ''}>\n"
            f'            <td><a href="{conditional_escape(table.plan(plan.pk))}">'
            f"{conditional_escape(plan.patient.full_name)}</a>{urgent if plan.is_urgent else ''}"
            "</td>\n"
            f"            <td>{conditional_escape(_protocol_name(plan))}</td>\n"
            f"            <td>{conditional_escape(_timesince(plan.created_at, now))}</td>\n"
            f"            <td>{first_visit}</td>\n"
            f"            {clinician}\n"
            "          </tr>\n        "
        )
    # Every value is escaped, or a translation of the project's own text.
    return mark_safe("".join(rows))


@register.simple_tag
def urgent_items(follow_ups: Iterable[FollowUp]) -> SafeString:
    """The follow-up answers to act on: the session, when the patient answered, their phone."""
    table = _Table()
    session, answered = gettext("session"), gettext("answered")
    items = []
    for item in follow_ups:
        visit = item.appointment
        patient = visit.plan.patient
        # `|date` shows nothing for no time (an answer not recorded).
        when = table.local(item.answered_at) if item.answered_at else None
        iso, answered_at = (when.isoformat(), table.when(when)) if when else ("", "")
        items.append(
            '\n      <li class="list-group-item list-group-item-danger d-flex flex-wrap'
            ' justify-content-between gap-2">\n'
            f'        <a href="{conditional_escape(table.session(item.appointment_id))}">'
            f"{conditional_escape(patient.full_name)} · "
            f"{conditional_escape(_protocol_name(visit.plan))}, {session} {visit.sequence}</a>\n"
            f'        <span>{answered} <time datetime="{iso}">'
            f"{answered_at}</time> · {conditional_escape(patient.phone or '–')}</span>\n"
            "      </li>\n      "
        )
    # Every value is escaped, or a translation of the project's own text.
    return mark_safe("".join(items))


def _protocol_name(plan: Plan) -> str:
    """`{{ plan.protocol.name }}`: nothing for a plan without a treatment (a consultation)."""
    return plan.protocol.name if plan.protocol is not None else ""


def _timesince(value: datetime | None, now: datetime | None) -> str:
    """The `timesince` filter: "" for no value or one it cannot compare."""
    if not value:
        return ""
    try:
        return timesince(value, now) if now else timesince(value)
    except (ValueError, TypeError):
        return ""
