"""Findings of an adversarial review of staff sign-in, headers and failure modes (issue 13)."""

import time

import pytest
from django.contrib.auth.models import Group

from clinic.middleware import LAST_SEEN_SESSION_KEY
from tests.factories import UserFactory
from tests.second_factor import login_with_second_factor

pytestmark = pytest.mark.django_db


def test_a_clinician_without_the_staff_flag_still_gets_the_idle_timeout(client, settings):
    # The clinician area checks the medical permission, not is_staff, and the admin's "add user"
    # leaves is_staff off: such an account reads medical data in /<lang>/staff/, so its session
    # must end after the idle limit and at browser close like every other staff session.
    settings.STAFF_SESSION_IDLE_MINUTES = 30
    user = UserFactory(username="doc2", is_staff=False)
    user.groups.add(Group.objects.get(name="Clinician"))
    login_with_second_factor(client, user)

    assert client.get("/en/staff/").status_code == 200
    assert client.session.get_expire_at_browser_close()

    session = client.session
    session[LAST_SEEN_SESSION_KEY] = int(time.time()) - 31 * 60
    session.save()
    response = client.get("/en/staff/")

    assert response.status_code == 302
    assert response["Location"].startswith("/en/staff/login/")
    assert "_auth_user_id" not in client.session
