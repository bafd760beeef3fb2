"""The clinic manager's staff accounts page: invite, deactivate, reset a lost authenticator."""

import re
from smtplib import SMTPServerDisconnected
from unittest import mock

import pytest
from django.contrib.auth import get_user_model
from django.test import Client
from django.urls import reverse
from django_otp.plugins.otp_static.models import StaticDevice
from django_otp.plugins.otp_totp.models import TOTPDevice

from bookings.models import Clinician
from clinic.accounts import services
from clinic.models import KnownDevice
from clinical.models import AuditEntry
from clinical.roles import CLINICIAN
from tests.clinical.conftest import sign_in, staff_user

pytestmark = pytest.mark.django_db

PAGE = "/en/staff/team/"
PASSWORD = "correct horse battery staple"
MAIL_SERVER_DOWN = mock.patch(
    "clinic.accounts.enrolment.send_mail", side_effect=SMTPServerDisconnected("mail is down")
)


def invite(client: Client, **fields: str):
    data = {
        "first_name": "Jonas",
        "last_name": "Becker",
        "email": "jonas@clinic.example",
        "username": "jonas",
        "role": CLINICIAN,
        **fields,
    }
    return client.post(PAGE, data)


def link_in(message) -> str:
    return re.search(r"https?://[^/\s]+(/\w\w/account/enrol/[\w-]+/)", message.body).group(1)


def test_the_manager_invites_a_clinician_who_gets_a_one_time_link(client, manager, mailoutbox):
    sign_in(client, manager)

    response = invite(client)

    assert response.status_code == 302
    jonas = get_user_model().objects.get(username="jonas")
    assert jonas.is_staff and not jonas.is_superuser and not jonas.has_usable_password()
    assert list(jonas.groups.values_list("name", flat=True)) == [CLINICIAN]
    assert Clinician.objects.get(user=jonas).display_name == "Jonas Becker"
    (email,) = mailoutbox
    assert email.to == ["jonas@clinic.example"]
    assert "/en/account/enrol/" in email.body
    entry = AuditEntry.objects.get()
    assert (entry.user, entry.action, entry.object_type, entry.object_id) == (
        manager,
        "invite",
        "staff_account",
        jonas.pk,
    )
    page = client.get(PAGE)
    row = re.search(r'<tr data-username="jonas".*?</tr>', page.text, re.S).group(0)
    assert "not set up" in row and "never" in row
    assert "lena · Invited · jonas" in page.text, "the recent changes: who, what, whom"

    # Jonas chooses a password from the link; the link is then used up.
    jonas_browser = Client()
    link = link_in(email)
    chosen = jonas_browser.post(
        link, {"new_password1": "a long new pass phrase", "new_password2": "a long new pass phrase"}
    )
    assert chosen.status_code == 302
    assert jonas_browser.get(chosen["Location"]).status_code == 200
    assert Client().get(link).status_code == 404


def test_no_one_can_be_invited_as_superuser_or_without_a_role(client, manager):
    sign_in(client, manager)

    for role in ("superuser", "", "Admin"):
        response = invite(client, role=role, username=f"x{role}")
        assert response.status_code == 400
    assert not get_user_model().objects.filter(username__startswith="x").exists()
    assert not AuditEntry.objects.exists()


def test_only_the_clinic_manager_may_open_or_use_the_page(client, clinician, receptionist, manager):
    target = staff_user("someone", CLINICIAN)
    actions = [
        reverse("staff-accounts:deactivate", args=[target.pk]),
        reverse("staff-accounts:reset-second-factor", args=[target.pk]),
    ]
    assert client.get(PAGE)["Location"].startswith("/en/staff/login/")
    for user in (clinician.user, receptionist):
        browser = sign_in(Client(), user)
        assert browser.get(PAGE).status_code == 403
        assert invite(browser).status_code == 403
        for action in actions:
            assert browser.post(action).status_code == 403
    target.refresh_from_db()
    assert target.is_active
    assert not get_user_model().objects.filter(username="jonas").exists()
    assert not AuditEntry.objects.exists()


def test_deactivating_ends_the_colleagues_sign_in_and_is_audited(client, manager, clinician):
    colleague = sign_in(Client(), clinician.user)
    assert colleague.get("/en/staff/").status_code == 200
    sign_in(client, manager)

    response = client.post(reverse("staff-accounts:deactivate", args=[clinician.user.pk]))

    assert response.status_code == 302
    clinician.user.refresh_from_db()
    clinician.refresh_from_db()
    assert not clinician.user.is_active and not clinician.active
    assert colleague.get("/en/staff/").status_code == 302, "the open session ends"
    assert AuditEntry.objects.get().action == "deactivate"
    assert "deactivated" in client.get(PAGE).text


def test_a_manager_cannot_deactivate_themselves_or_a_superuser(client, manager):
    boss = get_user_model().objects.create_superuser("root", "root@clinic.example", PASSWORD)
    sign_in(client, manager)

    client.post(reverse("staff-accounts:deactivate", args=[boss.pk]))
    client.post(reverse("staff-accounts:deactivate", args=[manager.pk]))
    client.post(reverse("staff-accounts:reset-second-factor", args=[boss.pk]))

    boss.refresh_from_db()
    manager.refresh_from_db()
    assert boss.is_active and manager.is_active
    assert TOTPDevice.objects.filter(user=manager).exists()
    assert not AuditEntry.objects.exists()


def test_resetting_a_lost_authenticator_revokes_it_and_emails_a_new_link(
    client, manager, clinician, mailoutbox
):
    user = clinician.user
    user.set_password(PASSWORD)
    user.save()
    TOTPDevice.objects.create(user=user, name="app", confirmed=True)
    old_codes = services.recovery_codes_replace(user=user)
    KnownDevice.objects.create(user=user, token_hash="x" * 64)
    sign_in(client, manager)

    response = client.post(reverse("staff-accounts:reset-second-factor", args=[user.pk]))

    assert response.status_code == 302
    assert not TOTPDevice.objects.filter(user=user).exists()
    assert not StaticDevice.objects.filter(user=user).exists()
    assert not KnownDevice.objects.filter(user=user).exists()
    assert services.second_factor_verify(user=user, token=old_codes[0]) is None
    (email,) = mailoutbox
    assert email.to == [user.email] and "reset your authenticator" in email.body
    entry = AuditEntry.objects.get()
    assert (entry.user, entry.action, entry.object_id) == (manager, "reset_2fa", user.pk)

    # The colleague opens the link with their password and may set up a new app.
    browser = Client()
    opened = browser.post(link_in(email), {"password": PASSWORD})
    assert opened.status_code == 302
    assert "<svg" in browser.get(opened["Location"]).text


def test_the_page_shows_last_sign_in_and_second_factor_status(client, manager, clinician):
    from django.utils import timezone

    get_user_model().objects.filter(pk=clinician.user.pk).update(last_login=timezone.now())
    TOTPDevice.objects.create(user=clinician.user, name="app", confirmed=True)
    sign_in(client, manager)

    page = client.get(PAGE).text

    row = re.search(r'<tr data-username="anna".*?</tr>', page, re.S).group(0)
    assert "set up" in row and "not set up" not in row and "never" not in row
    assert "Reset lost authenticator" in row


# --- the mail server is down ------------------------------------------------------------------


def test_an_invitation_while_the_mail_server_is_down_keeps_the_account_and_says_to_resend(
    manager, mailoutbox
):
    client = sign_in(Client(raise_request_exception=False), manager)

    with MAIL_SERVER_DOWN:
        response = invite(client)
    page = client.get(PAGE).text

    jonas = get_user_model().objects.get(username="jonas")
    assert response.status_code == 302
    assert "the email with the setup link could not be sent to jonas@clinic.example" in page
    assert AuditEntry.objects.filter(action="invite", object_id=jonas.pk).exists()
    # The link can be issued again: "Send a new setup link" emails a fresh one.
    client.post(f"{PAGE}{jonas.pk}/reset-second-factor/")
    (email,) = mailoutbox
    assert email.to == ["jonas@clinic.example"] and "/en/account/enrol/" in email.body


def test_a_reset_while_the_mail_server_is_down_says_so_and_can_be_sent_again(manager, mailoutbox):
    colleague = staff_user("jonas", CLINICIAN, email="jonas@clinic.example")
    TOTPDevice.objects.create(user=colleague, name="lost phone", confirmed=True)
    client = sign_in(Client(raise_request_exception=False), manager)
    reset = f"{PAGE}{colleague.pk}/reset-second-factor/"

    with MAIL_SERVER_DOWN:
        response = client.post(reset, follow=True)

    assert response.status_code == 200
    assert "the email with the new setup link could not be sent" in response.text
    assert not TOTPDevice.objects.filter(user=colleague).exists()
    client.post(reset)
    (email,) = mailoutbox
    assert email.to == [colleague.email] and "/en/account/enrol/" in email.body
