"""A signed-in staff member's account, permissions, clinician profile and authenticator are read
through the cache (clinic.accounts.auth_cache), and every change to them takes effect at the
next request (issue 22)."""

from __future__ import annotations

import re

import pytest
from django.contrib.auth.models import Group, Permission
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from clinic.accounts.services import second_factor_remove
from clinic.accounts.staff import staff_deactivate
from clinical.roles import CLINICIAN
from common.generations import STAFF
from tests.clinical.conftest import sign_in

pytestmark = pytest.mark.django_db

DASHBOARD = reverse("clinical:dashboard")
ACCOUNT_TABLES = re.compile(r'FROM "(auth_user|auth_permission|auth_group|otp_\w+)"')


@pytest.fixture
def signed_in(client, clinician):
    sign_in(client, clinician.user)
    assert client.get(DASHBOARD).status_code == 200  # the account is in the cache now
    return client


def test_a_staff_page_reads_no_account_permission_or_authenticator_row(signed_in):
    with CaptureQueriesContext(connection) as queries:
        page = signed_in.get(DASHBOARD)

    assert "Good to see you, Dr. Anna Weber" in page.text
    assert not [q["sql"] for q in queries if ACCOUNT_TABLES.search(q["sql"])]


def test_a_deactivated_account_is_signed_out_at_its_next_request(signed_in, clinician, manager):
    # staff_deactivate updates the row without a signal; it must renew the cache itself.
    staff_deactivate(by=manager, account=clinician.user)

    page = signed_in.get(DASHBOARD)

    assert page.status_code == 302
    assert page["Location"].startswith(reverse("clinical:login"))


def test_an_account_saved_inactive_is_signed_out_at_its_next_request(signed_in, clinician):
    clinician.user.is_active = False
    clinician.user.save()

    assert signed_in.get(DASHBOARD).status_code == 302


def test_a_new_password_ends_the_other_sessions_at_their_next_request(signed_in, clinician):
    clinician.user.set_password("a completely new passphrase")
    clinician.user.save()

    page = signed_in.get(DASHBOARD)

    assert page.status_code == 302
    assert page["Location"].startswith(reverse("clinical:login"))


def test_an_account_taken_out_of_its_role_is_refused_at_its_next_request(signed_in, clinician):
    clinician.user.groups.remove(Group.objects.get(name=CLINICIAN))

    assert signed_in.get(DASHBOARD).status_code == 403


def test_a_role_losing_a_permission_refuses_its_members_at_their_next_request(signed_in):
    medical = Permission.objects.get(
        content_type__app_label="bookings", codename="view_screeninganswer"
    )
    Group.objects.get(name=CLINICIAN).permissions.remove(medical)

    assert signed_in.get(DASHBOARD).status_code == 403


def test_a_removed_authenticator_asks_for_the_second_factor_again(signed_in, clinician):
    second_factor_remove(user=clinician.user)

    page = signed_in.get(DASHBOARD)

    assert page.status_code == 302
    assert page["Location"].startswith(reverse("accounts:enrol"))


def test_a_renamed_clinician_profile_shows_at_the_next_request(signed_in, clinician):
    clinician.display_name = "Dr. Anna Weber-Kaya"
    clinician.save()

    assert "Good to see you, Dr. Anna Weber-Kaya" in signed_in.get(DASHBOARD).text


def test_a_change_without_a_signal_shows_once_the_generation_ends(signed_in, clinician):
    """A queryset update sends no signal: the cached account stays until the generation's
    minute is over (simulated here by the generation key expiring), never longer."""
    type(clinician.user).objects.filter(pk=clinician.user.pk).update(is_active=False)
    assert signed_in.get(DASHBOARD).status_code == 200  # still the cached account

    cache.delete(STAFF.key)

    assert signed_in.get(DASHBOARD).status_code == 302


def test_without_a_cache_every_request_reads_the_account(client, clinician, settings):
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.dummy.DummyCache"}}
    sign_in(client, clinician.user)
    assert client.get(DASHBOARD).status_code == 200

    type(clinician.user).objects.filter(pk=clinician.user.pk).update(is_active=False)

    assert client.get(DASHBOARD).status_code == 302


def test_the_admin_sidebar_follows_a_permission_change_at_the_next_request(client, receptionist):
    """The admin's app list is kept per staff member (clinic/admin_site.py) and renewed with the
    account's permissions."""
    requests = reverse("admin:privacy_patientdatarequest_changelist")
    sign_in(client, receptionist)
    assert requests not in client.get(reverse("admin:index")).text

    receptionist.user_permissions.add(
        Permission.objects.get(content_type__app_label="clinical", codename="view_all_patients")
    )

    assert requests in client.get(reverse("admin:index")).text


def test_the_admin_sidebar_is_kept_per_language(client, receptionist):
    sign_in(client, receptionist)
    english = client.get(reverse("admin:index"), HTTP_ACCEPT_LANGUAGE="en").text
    german = client.get(reverse("admin:index"), HTTP_ACCEPT_LANGUAGE="de").text

    assert ">Bookings<" in english
    assert ">Buchungen<" in german


def test_a_deactivation_made_while_one_worker_skips_the_cache_signs_out_the_other_workers(
    shared_redis, client, clinician, manager
):
    """One slow Redis answer opens the breaker of the manager's worker for ten seconds; Redis is
    up for every other worker, which keep serving the cached account. The renewal of the STAFF
    generation is the write that signs the account out everywhere: it must not be dropped by
    this worker's breaker while the other workers still read the cache."""
    import time

    from django.core.cache import caches

    sign_in(client, clinician.user)
    assert client.get(DASHBOARD).status_code == 200  # the account is in Redis now

    caches["default"]._down_until = time.monotonic() + 10  # the manager's worker: breaker open
    staff_deactivate(by=manager, account=clinician.user)
    caches["default"]._down_until = 0.0  # the clinician's next request, on another worker

    page = client.get(DASHBOARD)

    assert page.status_code == 302


@pytest.mark.django_db(transaction=True)
def test_a_rolled_back_permission_grant_is_not_kept_in_the_cache(receptionist):
    """The generation is renewed at once "so the rest of this request reads the change": a read
    in the same transaction stores the uncommitted account under the new token. When the
    transaction then rolls back, no after-commit renewal comes, and the rolled-back permission
    stays in the cache for the rest of the generation."""
    from django.db import transaction

    from clinic.accounts.auth_cache import CachedModelBackend

    backend = CachedModelBackend()
    every_patient = Permission.objects.get(
        content_type__app_label="clinical", codename="view_all_patients"
    )
    with pytest.raises(RuntimeError), transaction.atomic():
        receptionist.user_permissions.add(every_patient)
        backend.get_user(receptionist.pk)  # e.g. request.user, later in the same request
        raise RuntimeError("the save fails: everything is rolled back")

    assert not receptionist.user_permissions.exists()
    assert not backend.get_user(receptionist.pk).has_perm("clinical.view_all_patients")


def test_the_account_and_its_authenticator_come_from_one_round_trip(signed_in, cache_reads):
    page = signed_in.get(DASHBOARD)

    assert "Good to see you, Dr. Anna Weber" in page.text
    staff_reads = [keys for keys in cache_reads if STAFF.key in keys]
    assert len(staff_reads) == 1
    assert [key.split(":")[1] for key in staff_reads[0][1:]] == ["user", "device"]
