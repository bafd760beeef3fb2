"""The dashboard's session rows, built in Python (clinical/templatetags/session_rows.py), are the
markup the template loop they replace rendered, character for character."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.template import engines
from django.template.loader import render_to_string
from django.utils import translation

from bookings.models import (
    Appointment,
    AppointmentKind,
    AppointmentStatus,
    Patient,
    Plan,
    PlanStatus,
)
from clinical.models import TreatmentRecord
from treatments.models import Protocol

pytestmark = pytest.mark.django_db

# templates/clinical/includes/session_table.html before the rows moved into the tag.
TEMPLATE_LOOP = """{% load i18n %}{% if sessions %}
<div class="table-responsive">
  <table class="table align-middle">
    <thead><tr>
      <th scope="col">{% translate "When" %}</th>
      <th scope="col">{% translate "Patient" %}</th>
      <th scope="col">{% translate "Visit" %}</th>
      <th scope="col">{% translate "Status" %}</th>
      <th scope="col">{% translate "Record" %}</th>
    </tr></thead>
    <tbody>
    {% for session in sessions %}
      <tr>
        <td><time datetime="{{ session.start|date:'c' }}">{{ session.start|date:"D j M, H:i" }}</time></td>
        <td><a href="{% if session.kind == "consultation" %}{% url 'clinical:consultation' session.plan_id %}{% else %}{% url 'clinical:plan-detail' session.plan_id %}{% endif %}">{{ session.plan.patient.full_name }}</a><br><span class="small text-body-secondary">{{ session.plan.protocol.name }}</span></td>
        <td>{{ session.get_kind_display }}{% if session.kind == "session" %} {{ session.sequence }}/{{ session.plan.protocol.session_count }}{% endif %}</td>
        <td>{{ session.get_status_display }}{% if session.plan.status != "confirmed" %}<br><span class="small">{{ session.plan.get_status_display }}</span>{% endif %}</td>
        <td>{% if session.kind == "consultation" %}<a href="{% url 'clinical:consultation' session.plan_id %}">{% translate "Open" %}</a>{% else %}<a href="{% url 'clinical:session-detail' session.pk %}">{% if session.treatment_record %}{% translate "View record" %}{% elif session.kind == "session" and session.start <= now %}{% translate "Record treatment" %}{% else %}{% translate "Open" %}{% endif %}</a>{% endif %}</td>
      </tr>
    {% endfor %}
    </tbody>
  </table>
</div>
{% else %}
<p>{{ empty_text }}</p>
{% endif %}
"""  # noqa: E501

BERLIN = ZoneInfo("Europe/Berlin")
NOW = datetime(2026, 10, 25, 12, 0, tzinfo=BERLIN)


def _session(
    pk: int,
    *,
    kind: str = AppointmentKind.SESSION,
    status: str = AppointmentStatus.BOOKED,
    plan_status: str = PlanStatus.CONFIRMED,
    start: datetime = NOW + timedelta(days=1),
    name: str = "Maria Schneider",
    protocol: str | None = "Skin renewal",
    record: bool = False,
) -> Appointment:
    plan = Plan(
        pk=1000 + pk,
        status=plan_status,
        patient=Patient(pk=2000 + pk, full_name=name),
        protocol=Protocol(pk=3000 + pk, name=protocol, session_count=3) if protocol else None,
    )
    session = Appointment(
        pk=pk, plan=plan, kind=kind, status=status, sequence=2, start=start, end=start
    )
    if record:
        session.treatment_record = TreatmentRecord(pk=4000 + pk)
    return session


SESSIONS = [
    _session(1),
    _session(2, record=True, status=AppointmentStatus.COMPLETED, start=NOW - timedelta(days=2)),
    _session(3, start=NOW - timedelta(hours=1), status=AppointmentStatus.IN_TREATMENT),
    _session(4, kind=AppointmentKind.CONSULTATION, plan_status=PlanStatus.AWAITING_REVIEW),
    _session(10, kind=AppointmentKind.CONSULTATION, protocol=None),  # no course chosen yet
    _session(5, kind=AppointmentKind.PREPARATION, plan_status=PlanStatus.HELD),
    _session(9, kind=AppointmentKind.PREPARATION, start=NOW - timedelta(hours=3)),
    _session(6, name='Zoë <b>"Bold"</b> & Co', protocol="Laser & <PRP>"),
    # The night the clocks go back: 02:30 happens twice in Berlin.
    _session(7, start=datetime(2026, 10, 25, 0, 30, tzinfo=ZoneInfo("UTC"))),
    _session(8, start=datetime(2026, 10, 25, 1, 30, tzinfo=ZoneInfo("UTC"))),
]


@pytest.mark.parametrize("language", ["en", "de", "tr"])
@pytest.mark.parametrize("sessions", [SESSIONS, []], ids=["rows", "none"])
def test_the_rows_are_the_template_loops_markup(language, sessions):
    context = {"sessions": sessions, "now": NOW, "empty_text": "No sessions today."}
    with translation.override(language):
        expected = engines["django"].from_string(TEMPLATE_LOOP).render(context)
        rendered = render_to_string("clinical/includes/session_table.html", context)

    assert rendered == expected
    if sessions:
        assert "Zoë &lt;b&gt;&quot;Bold&quot;&lt;/b&gt; &amp; Co" in rendered
        assert rendered.count("<tr>") == len(sessions) + 1
