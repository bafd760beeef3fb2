"""The booking flow's step list and day picker, built in Python
(bookings/templatetags/booking_flow.py), give exactly the markup of the includes they replace."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from django.template import engines
from django.utils import translation

from bookings.online.booking_times import DayChoice, VisitTimes
from treatments.models import Protocol

# templates/bookings/includes/day_picker.html and steps.html before the tags, verbatim.
OLD_DAY_PICKER = """{% load i18n %}
{# Plain links: works without JavaScript and with the keyboard; the chosen day is aria-current. #}
<nav class="day-picker" aria-labelledby="day-picker-title">
  <h2 class="h5" id="day-picker-title">{% translate "Choose a day" %}</h2>
  <p class="small text-body-secondary" id="day-picker-help">{% translate "Only days that keep the time your course needs between visits are shown. Days without a free time are greyed out." %}</p>
  <ul class="list-unstyled day-grid">
    {% for choice in times.days %}
    <li>
      {% if choice.free %}
      <a class="day{% if choice.day == times.selected %} selected{% endif %}" href="?day={{ choice.day|date:'Y-m-d' }}"{% if choice.day == times.selected %} aria-current="date"{% endif %}>
        <span class="day-name">{{ choice.day|date:"D" }}</span> <span class="day-date">{{ choice.day|date:"j M" }}</span>
      </a>
      {% else %}
      <span class="day full"><span class="day-name">{{ choice.day|date:"D" }}</span> <span class="day-date">{{ choice.day|date:"j M" }}</span><span class="visually-hidden"> – {% translate "no free time" %}</span></span>
      {% endif %}
    </li>
    {% endfor %}
  </ul>
</nav>
"""  # noqa: E501
OLD_STEPS = """{% load i18n %}
<nav class="booking-steps mb-4" aria-label="{% translate 'Booking steps' %}">
  <p class="booking-protocol mb-2"><span class="text-body-secondary">{% translate "Booking" %}:</span> <a href="{{ protocol.get_absolute_url }}">{{ protocol.name }}</a></p>
  <ol class="list-unstyled d-flex flex-wrap gap-2 mb-0">
    {% translate "Health questions" as s1 %}{% translate "Times" as s2 %}{% translate "Your details" as s3 %}{% translate "Consent and confirm" as s4 %}
    <li class="step{% if step == 1 %} current{% elif step > 1 %} done{% endif %}"{% if step == 1 %} aria-current="step"{% endif %}><span class="step-number">1</span> {{ s1 }}</li>
    <li class="step{% if step == 2 %} current{% elif step > 2 %} done{% endif %}"{% if step == 2 %} aria-current="step"{% endif %}><span class="step-number">2</span> {{ s2 }}</li>
    <li class="step{% if step == 3 %} current{% elif step > 3 %} done{% endif %}"{% if step == 3 %} aria-current="step"{% endif %}><span class="step-number">3</span> {{ s3 }}</li>
    <li class="step{% if step == 4 %} current{% elif step > 4 %} done{% endif %}"{% if step == 4 %} aria-current="step"{% endif %}><span class="step-number">4</span> {{ s4 }}</li>
  </ol>
</nav>
"""  # noqa: E501

START = date(2027, 3, 8)


def render(source: str, context: dict) -> str:
    return engines["django"].from_string(source).render(context)


@pytest.mark.parametrize("language", ["en", "de", "tr"])
@pytest.mark.parametrize("selected", [None, START + timedelta(days=4), date(2027, 1, 1)])
def test_the_day_picker_is_marked_up_as_the_include_did(language, selected):
    """Three weeks across a month's end, some days full, the chosen day or none."""
    days = [DayChoice(START + timedelta(days=n * 2), free=n % 3 != 1) for n in range(16)]
    times = VisitTimes(days=days, selected=selected, openings=[])
    with translation.override(language):
        new = render("{% load booking_flow %}{% day_picker times %}", {"times": times})
        assert new == render(OLD_DAY_PICKER, {"times": times})
    assert new.count('class="day full"') == 5
    assert ('aria-current="date"' in new) is (selected == START + timedelta(days=4))
    assert 'href="?day=2027-04-01"' in new


def test_a_visit_without_days_has_an_empty_picker():
    times = VisitTimes(days=[], selected=None, openings=[])
    new = render("{% load booking_flow %}{% day_picker times %}", {"times": times})
    assert new == render(OLD_DAY_PICKER, {"times": times})


@pytest.mark.parametrize("language", ["en", "de", "tr"])
@pytest.mark.parametrize("step", [1, 2, 3, 4])
def test_the_steps_are_marked_up_as_the_include_did(language, step):
    protocol = Protocol(slug="skin-renewal", name='Skin <renewal> & "more"')
    context = {"protocol": protocol, "step": step}
    with translation.override(language):
        new = render("{% load booking_flow %}{% booking_steps protocol step %}", context)
        assert new == render(OLD_STEPS, context)
    assert new.count('aria-current="step"') == 1 and new.count(" done") == step - 1
    assert "Skin &lt;renewal&gt; &amp; &quot;more&quot;" in new
