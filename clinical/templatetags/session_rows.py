"""The rows of the dashboard's session tables, built in Python.

The template loop cost about 0.4 ms per session (two date filters, three URL tags, three choice
labels and a dozen lookups, each through the template engine): a clinician with thirty sessions
in the coming week waited 12 ms for the rows alone (issue 22). The markup is the template's,
character for character; tests/clinical/test_session_rows.py renders both and compares them.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime

from django import template
from django.db.models import TextChoices
from django.utils.dates import MONTHS_3, WEEKDAYS_ABBR
from django.utils.html import conditional_escape
from django.utils.safestring import SafeString, mark_safe
from django.utils.timezone import template_localtime
from django.utils.translation import gettext

from bookings.models import Appointment, AppointmentKind, AppointmentStatus, PlanStatus
from common.templatetags.kept_urls import id_url

register = template.Library()


def _label(choices: type[TextChoices], value: str) -> str:
    """What get_FOO_display() shows, without building and hashing the whole choices dict (with
    every label translated) on each call, which was most of this tag's time."""
    try:
        return str(choices(value).label)
    except ValueError:
        return value


def _when(start: datetime) -> str:
    """The date filter's "D j M, H:i" (the template's), without parsing the format each time."""
    weekday, month = WEEKDAYS_ABBR[start.weekday()], MONTHS_3[start.month].title()
    return f"{weekday} {start.day} {month}, {start.hour:02d}:{start.minute:02d}"


@dataclass(frozen=True)
class _Links:
    """The rows' addresses, each from one kept reversal (common.templatetags.kept_urls)."""

    consultation: Callable[[int], str]
    plan: Callable[[int], str]
    session: Callable[[int], str]

    @classmethod
    def make(cls) -> _Links:
        return cls(
            id_url("clinical:consultation"),
            id_url("clinical:plan-detail"),
            id_url("clinical:session-detail"),
        )


def _row(session: Appointment, now: datetime, links: _Links) -> str:
    start = template_localtime(session.start)
    plan = session.plan
    # A consultation has no protocol; the template showed nothing for it.
    protocol_name = plan.protocol.name if plan.protocol is not None else ""
    if session.kind == AppointmentKind.CONSULTATION:
        patient_url = record_url = links.consultation(session.plan_id)
        record = gettext("Open")
    else:
        patient_url = links.plan(session.plan_id)
        record_url = links.session(session.pk)
        # A reverse one-to-one without a row raises an AttributeError subclass, as in a template.
        if getattr(session, "treatment_record", None):
            record = gettext("View record")
        elif session.kind == AppointmentKind.SESSION and session.start <= now:
            record = gettext("Record treatment")
        else:
            record = gettext("Open")
    visit = conditional_escape(_label(AppointmentKind, session.kind))
    if session.kind == AppointmentKind.SESSION:
        visit += f" {session.sequence}/{plan.protocol.session_count}"
    status = conditional_escape(_label(AppointmentStatus, session.status))
    if plan.status != PlanStatus.CONFIRMED:
        plan_status = conditional_escape(_label(PlanStatus, plan.status))
        status += f'<br><span class="small">{plan_status}</span>'
    return (
        "\n      <tr>\n"
        f'        <td><time datetime="{start.isoformat()}">'
        f"{conditional_escape(_when(start))}</time></td>\n"
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
    links = _Links.make()
    return mark_safe("".join(_row(session, now, links) for session in sessions))
