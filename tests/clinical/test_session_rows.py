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
    Clinician,
    Patient,
    Plan,
    PlanStatus,
)
from clinical.models import FollowUp, TreatmentRecord
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


# templates/clinical/dashboard.html's two loops before the tags, verbatim.
AWAITING_LOOP = """{% load i18n %}        {% for plan in awaiting %}
          <tr{% if plan.is_urgent %} class="table-warning"{% endif %}>
            <td><a href="{% url 'clinical:plan-detail' plan.pk %}">{{ plan.patient.full_name }}</a>{% if plan.is_urgent %} <span class="badge text-bg-danger">{% translate "urgent" %}</span>{% endif %}</td>
            <td>{{ plan.protocol.name }}</td>
            <td>{{ plan.created_at|timesince:now }}</td>
            <td>{% if plan.first_visit %}<time datetime="{{ plan.first_visit|date:'c' }}">{{ plan.first_visit|date:"D j M, H:i" }}</time>{% else %}–{% endif %}</td>
            {% if sees_everyone %}<td>{{ plan.clinician.display_name }}</td>{% endif %}
          </tr>
        {% endfor %}"""  # noqa: E501
URGENT_LOOP = """{% load i18n %}      {% for item in urgent_follow_ups %}
      <li class="list-group-item list-group-item-danger d-flex flex-wrap justify-content-between gap-2">
        <a href="{% url 'clinical:session-detail' item.appointment_id %}">{{ item.appointment.plan.patient.full_name }} · {{ item.appointment.plan.protocol.name }}, {% translate "session" %} {{ item.appointment.sequence }}</a>
        <span>{% translate "answered" %} <time datetime="{{ item.answered_at|date:'c' }}">{{ item.answered_at|date:"D j M, H:i" }}</time> · {{ item.appointment.plan.patient.phone|default:"–" }}</span>
      </li>
      {% endfor %}"""  # noqa: E501


def _awaiting(pk: int, *, urgent: bool, first_visit: datetime | None, name: str) -> Plan:
    plan = Plan(
        pk=5000 + pk,
        patient=Patient(pk=6000 + pk, full_name=name),
        protocol=Protocol(pk=7000 + pk, name="Laser & <PRP>"),
        clinician=Clinician(pk=8000 + pk, display_name='Dr. <A> & "B"'),
        created_at=NOW - timedelta(days=pk, hours=pk),
    )
    plan.is_urgent, plan.first_visit = urgent, first_visit
    return plan


AWAITING = [
    _awaiting(1, urgent=True, first_visit=NOW + timedelta(hours=5), name="Maria Schneider"),
    _awaiting(2, urgent=False, first_visit=None, name='Zoë <b>"Bold"</b> & Co'),
    _awaiting(
        3, urgent=False, first_visit=datetime(2026, 10, 25, 0, 30, tzinfo=ZoneInfo("UTC")), name="A"
    ),
]


@pytest.mark.parametrize("language", ["en", "de", "tr"])
@pytest.mark.parametrize("sees_everyone", [True, False])
def test_the_awaiting_rows_are_the_template_loops_markup(language, sees_everyone):
    context = {"awaiting": AWAITING, "now": NOW, "sees_everyone": sees_everyone}
    # The tag takes the loop's place in the template, after the same indentation.
    tag = "{% load session_rows %}        {% awaiting_rows awaiting now sees_everyone %}"
    with translation.override(language):
        rendered = engines["django"].from_string(tag).render(context)
        assert rendered == engines["django"].from_string(AWAITING_LOOP).render(context)
    assert rendered.count("<tr") == 3 and rendered.count("table-warning") == 1
    assert ("Dr. &lt;A&gt;" in rendered) is sees_everyone
    assert "Zoë &lt;b&gt;&quot;Bold&quot;&lt;/b&gt; &amp; Co" in rendered


@pytest.mark.parametrize("language", ["en", "de", "tr"])
def test_the_urgent_follow_ups_are_the_template_loops_markup(language):
    follow_ups = []
    for pk, phone in ((1, "+49 170 <1>"), (2, "")):
        session = _session(pk, name=f"Patient <{pk}>")
        session.plan.patient.phone = phone
        follow_up = FollowUp(pk=pk, appointment=session, answered_at=NOW - timedelta(hours=pk))
        follow_ups.append(follow_up)
    context = {"urgent_follow_ups": follow_ups}
    tag = "{% load session_rows %}      {% urgent_items urgent_follow_ups %}"
    with translation.override(language):
        rendered = engines["django"].from_string(tag).render(context)
        assert rendered == engines["django"].from_string(URGENT_LOOP).render(context)
    assert (
        rendered.count("<li") == 2 and "+49 170 &lt;1&gt;" in rendered and " · –</span>" in rendered
    )


def test_a_plan_or_follow_up_without_a_treatment_or_an_answer_time_shows_blanks_as_before():
    """Found in review: the Python rows read `protocol.name` and `answered_at` unchecked, where
    the template showed nothing (the dashboard was a server error with such a row)."""
    plan = _awaiting(4, urgent=False, first_visit=None, name="No treatment")
    plan.protocol = None
    context = {"awaiting": [plan], "now": NOW, "sees_everyone": True}
    tag = "{% load session_rows %}        {% awaiting_rows awaiting now sees_everyone %}"
    rendered = engines["django"].from_string(tag).render(context)
    assert rendered == engines["django"].from_string(AWAITING_LOOP).render(context)

    session = _session(11, protocol=None)
    follow_ups = [
        FollowUp(pk=11, appointment=session, answered_at=None),
        FollowUp(pk=12, appointment=_session(12), answered_at=None),
    ]
    context = {"urgent_follow_ups": follow_ups}
    tag = "{% load session_rows %}      {% urgent_items urgent_follow_ups %}"
    rendered = engines["django"].from_string(tag).render(context)
    assert rendered == engines["django"].from_string(URGENT_LOOP).render(context)
    assert '<time datetime=""></time>' in rendered


def test_a_naive_time_is_shown_as_it_is_as_the_date_filter_does():
    plan = _awaiting(5, urgent=False, first_visit=datetime(2026, 3, 29, 2, 30), name="Naive")
    context = {"awaiting": [plan], "now": NOW, "sees_everyone": False}
    tag = "{% load session_rows %}        {% awaiting_rows awaiting now sees_everyone %}"
    rendered = engines["django"].from_string(tag).render(context)
    assert rendered == engines["django"].from_string(AWAITING_LOOP).render(context)
