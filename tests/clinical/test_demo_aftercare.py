"""`make run` shows care after the visit: answered follow-ups, one urgent, one adverse event and
an outcomes page with enough demo courses to draw its charts."""

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.urls import reverse

from clinical.models import AdverseEvent, FollowUp
from tests.second_factor import login_with_second_factor

pytestmark = pytest.mark.django_db


def test_the_demo_has_follow_ups_one_urgent_an_adverse_event_and_charts(settings, client):
    settings.DEBUG = True
    call_command("seed_demo")
    call_command("seed_demo")  # idempotent: nothing is added twice

    assert FollowUp.objects.filter(answered_at__isnull=False).count() >= 20
    assert FollowUp.objects.urgent_open().count() == 1
    assert AdverseEvent.objects.count() == 1
    login_with_second_factor(client, get_user_model().objects.get(username="dr.weber"))
    dashboard = client.get(reverse("clinical:dashboard")).content.decode()
    assert "Urgent: follow-up answers to act on" in dashboard
    assert "Demo Aftercare Urgent" in dashboard

    outcomes = client.get(reverse("clinical:outcomes"))
    shown = [group for group in outcomes.context["by_protocol"] if not group.suppressed]
    assert len(shown) == 2 and all(group.answers >= 5 for group in shown)
    assert outcomes.content.decode().count("<rect ") >= 8
