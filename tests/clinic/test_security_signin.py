"""Staff sign-in: lockout per username and address, second factor for medical data, idle timeout."""

import time
from datetime import timedelta
from unittest import mock

import pytest
import time_machine
from axes.models import AccessAttempt
from django.contrib.auth.hashers import MD5PasswordHasher
from django.contrib.auth.models import Group
from django.test import Client
from django.utils import timezone
from django_otp.oath import TOTP
from django_otp.plugins.otp_static.models import StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from clinic.accounts import services
from clinic.accounts.enrolment import enrolment_link_issue, enrolment_link_path
from clinic.accounts.services import LAST_SEEN_SESSION_KEY
from clinic.models import AccountSignInThrottle, EnrolmentPurpose, KnownDevice
from common.client_ip import client_ip
from tests.factories import UserFactory
from tests.second_factor import login_with_second_factor

pytestmark = pytest.mark.django_db

PASSWORD = "correct horse battery staple"
ADMIN_LOGIN = "/admin/login/?next=/admin/"


@pytest.fixture
def limit(settings) -> int:
    settings.AXES_FAILURE_LIMIT = 3
    return 3


def role_user(username: str, role: str | None = None, **fields: object):
    user = UserFactory(username=username, is_staff=True, **fields)
    if role:
        user.groups.add(Group.objects.get(name=role))
    return user


@pytest.fixture
def reception_user():
    return role_user("desk", "Reception")


@pytest.fixture
def clinician_user():
    return role_user("doc", "Clinician")


def sign_in(client: Client, username: str, password: str, ip: str = "10.0.0.1"):
    return client.post(ADMIN_LOGIN, {"username": username, "password": password}, REMOTE_ADDR=ip)


def signed_in(client: Client) -> bool:
    return "_auth_user_id" in client.session


def current_code(device: TOTPDevice) -> str:
    totp = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)
    totp.time = time.time()
    return f"{totp.token():06d}"


# --- Lockout ------------------------------------------------------------------------------------


def test_after_the_limit_the_right_password_is_refused_for_that_username_and_address(
    client, reception_user, limit
):
    for _ in range(limit - 1):
        response = sign_in(client, "desk", "wrong")
        assert response.status_code == 200  # the login form again, with its error
    assert sign_in(client, "desk", "wrong").status_code == 429  # the limit-th failure locks

    locked = sign_in(client, "desk", PASSWORD)

    assert locked.status_code == 429
    assert "Sign-in paused" in locked.text
    assert "15 minutes" in locked.text
    assert not signed_in(client)


def test_a_lock_holds_only_that_username_from_that_address(client, reception_user, limit):
    role_user("colleague", "Reception")
    for _ in range(limit):
        sign_in(client, "desk", "wrong", ip="10.0.0.1")

    # The same user from another address (the clinic manager's office) still signs in …
    assert sign_in(Client(), "desk", PASSWORD, ip="10.0.0.2").status_code == 302
    # … and so does a colleague at the same reception desk.
    other = Client()
    assert sign_in(other, "colleague", PASSWORD, ip="10.0.0.1").status_code == 302
    assert signed_in(other)


def test_the_lock_lifts_after_the_cool_off(client, reception_user, limit, settings):
    for _ in range(limit):
        sign_in(client, "desk", "wrong")
    assert sign_in(client, "desk", PASSWORD).status_code == 429

    with time_machine.travel(settings.AXES_COOLOFF_TIME + timedelta(seconds=1)):
        response = sign_in(client, "desk", PASSWORD)

    assert response.status_code == 302
    assert signed_in(client)


def test_a_locked_attempt_is_refused_before_any_password_hash_is_computed(client, limit):
    # Unknown usernames cost a hash too (Django hashes to hide which accounts exist).
    with (
        mock.patch.object(MD5PasswordHasher, "encode", wraps=MD5PasswordHasher().encode) as encode,
        mock.patch.object(MD5PasswordHasher, "verify", wraps=MD5PasswordHasher().verify) as verify,
    ):
        for _ in range(limit):
            sign_in(client, "nobody", "guess")
        hashed_before_the_lock = encode.call_count + verify.call_count
        encode.reset_mock()
        verify.reset_mock()

        for _ in range(5):
            assert sign_in(client, "nobody", "guess").status_code == 429

        assert hashed_before_the_lock >= limit
        assert encode.call_count + verify.call_count == 0


def test_lockouts_are_listed_in_the_admin_for_a_manager_to_lift(client, reception_user, limit):
    for _ in range(limit):
        sign_in(client, "desk", "wrong", ip="10.0.0.9")
    admin = UserFactory(username="boss", is_staff=True, is_superuser=True)
    manager = Client()
    login_with_second_factor(manager, admin)

    page = manager.get("/admin/axes/accessattempt/")

    assert page.status_code == 200
    assert "10.0.0.9" in page.text
    attempt = AccessAttempt.objects.get()
    assert (attempt.username, attempt.failures_since_start) == ("desk", limit)


def test_behind_a_trusted_proxy_the_lock_uses_the_address_the_proxy_saw(
    client, reception_user, limit, settings
):
    settings.SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    for _ in range(limit):
        client.post(
            ADMIN_LOGIN,
            {"username": "desk", "password": "wrong"},
            REMOTE_ADDR="127.0.0.1",
            HTTP_X_FORWARDED_FOR="6.6.6.6, 203.0.113.7",
        )

    assert AccessAttempt.objects.get().ip_address == "203.0.113.7"


# --- Many addresses: the account-wide limit and known devices (issue 21) ----------------------


def guess_from_many_addresses(username: str, *, addresses: int, per_address: int) -> list[int]:
    statuses = []
    for n in range(addresses):
        attacker = Client()
        for _ in range(per_address):
            response = sign_in(attacker, username, "guess", ip=f"198.51.100.{n + 1}")
            statuses.append(response.status_code)
    return statuses


def full_sign_in(client: Client, username: str, ip: str = "10.0.0.1"):
    """Password, then the authenticator's code, as at the desk every morning."""
    assert sign_in(client, username, PASSWORD, ip=ip).status_code == 302
    device = TOTPDevice.objects.get(user__username=username)
    return client.post(
        "/en/account/verify/", {"code": current_code(device), "next": "/admin/"}, REMOTE_ADDR=ip
    )


@pytest.fixture
def managers():
    return [role_user("boss", "Clinic manager", email="boss@clinic.example")]


def test_sixty_guesses_from_twelve_addresses_then_the_right_password_do_not_sign_in(
    client, reception_user, managers, mailoutbox
):
    """The probe's finding: 60 wrong guesses from 12 addresses, then the right password, signed
    in. The username+address lock alone allowed it (5 per address)."""
    statuses = guess_from_many_addresses("desk", addresses=12, per_address=5)

    right = sign_in(client, "desk", PASSWORD, ip="198.51.100.13")

    assert right.status_code == 429
    assert "from a new browser is paused" in right.text
    assert not signed_in(client)
    assert statuses.count(429) >= 60 - 10, "after 10 failures the guesses are not even checked"
    alerts = [m for m in mailoutbox if "Many wrong passwords" in m.subject]
    assert len(alerts) == 1, "one email per wave, not one per guess"
    assert set(alerts[0].to) == {reception_user.email, "boss@clinic.example"}
    assert "desk" in alerts[0].subject


def test_the_pause_grows_with_each_failure_and_stops_at_the_cap(client, reception_user, settings):
    settings.LOGIN_ACCOUNT_FAILURE_LIMIT = 3
    settings.LOGIN_ACCOUNT_PAUSE_MAX_MINUTES = 4
    guess_from_many_addresses("desk", addresses=3, per_address=1)  # 3rd failure: 1 minute
    pauses = []
    with time_machine.travel(timezone.now(), tick=False) as clock:
        for _ in range(4):
            throttle = AccountSignInThrottle.objects.get(username="desk")
            pauses.append(round((throttle.paused_until - timezone.now()).total_seconds() / 60))
            assert sign_in(Client(), "desk", PASSWORD, ip="10.9.9.9").status_code == 429
            clock.shift(throttle.paused_until - timezone.now() + timedelta(seconds=1))
            assert sign_in(Client(), "desk", "guess", ip="10.9.9.9").status_code == 200

        assert pauses == [1, 2, 4, 4]
        clock.shift(timedelta(minutes=4, seconds=1))
        late = Client()
        assert sign_in(late, "desk", PASSWORD, ip="10.9.9.9").status_code == 302
        assert signed_in(late), "once the pause is over, the right password works again"


def test_someone_elses_failures_do_not_lock_a_colleague_out_of_their_own_computer(
    client, reception_user, managers
):
    """Guest Wi-Fi shares the clinic's address: a guesser there locks the username+address
    pair and pauses the account, but the receptionist's own computer still signs in."""
    TOTPDevice.objects.create(user=reception_user, name="app", confirmed=True)
    assert full_sign_in(client, "desk").status_code == 302
    known = client.cookies["clinic_known_device"].value
    assert KnownDevice.objects.filter(user=reception_user).count() == 1

    for _ in range(30):
        sign_in(Client(), "desk", "guess", ip="10.0.0.1")
    guess_from_many_addresses("desk", addresses=6, per_address=5)
    assert sign_in(Client(), "desk", PASSWORD, ip="10.0.0.1").status_code == 429

    desk = Client()
    desk.cookies["clinic_known_device"] = known
    assert sign_in(desk, "desk", PASSWORD, ip="10.0.0.1").status_code == 302
    assert desk.get("/admin/").status_code == 302, "still needs the second factor"
    assert sign_in(Client(), "desk", PASSWORD).status_code == 429, "an unknown browser: paused"


def test_a_known_device_stops_being_trusted_after_its_own_wrong_passwords(
    client, reception_user, limit
):
    TOTPDevice.objects.create(user=reception_user, name="app", confirmed=True)
    full_sign_in(client, "desk")
    known = client.cookies["clinic_known_device"].value
    desk = Client()
    desk.cookies["clinic_known_device"] = known

    for _ in range(limit):
        sign_in(desk, "desk", "wrong", ip="10.0.0.1")
    for _ in range(limit):
        sign_in(desk, "desk", "wrong", ip="10.0.0.1")

    assert sign_in(desk, "desk", PASSWORD, ip="10.0.0.1").status_code == 429
    assert not signed_in(desk)


def test_the_known_device_cookie_holds_no_account_data_and_only_its_hash_is_stored(
    client, reception_user
):
    TOTPDevice.objects.create(user=reception_user, name="app", confirmed=True)
    response = full_sign_in(client, "desk")

    cookie = response.cookies["clinic_known_device"]
    assert cookie["httponly"] and cookie["samesite"] == "Lax"
    assert "desk" not in cookie.value
    assert not KnownDevice.objects.filter(token_hash=cookie.value).exists()


# --- Second factor ------------------------------------------------------------------------------


def test_a_clinician_without_an_authenticator_is_sent_to_set_one_up(client, clinician_user):
    client.force_login(clinician_user)

    for path in ("/admin/", "/admin/bookings/patient/", "/en/staff/"):
        response = client.get(path)
        assert response.status_code == 302, path
        assert response["Location"].startswith("/en/account/two-factor/?next="), path


def test_a_clinician_with_an_authenticator_must_enter_a_code_first(client, clinician_user):
    TOTPDevice.objects.create(user=clinician_user, name="app", confirmed=True)
    client.force_login(clinician_user)

    for path, verify_page in (("/admin/", "/en/account/"), ("/de/staff/", "/de/account/")):
        response = client.get(path)
        assert response.status_code == 302
        assert response["Location"].startswith(f"{verify_page}verify/?next=")


def test_reception_must_pass_a_second_factor(client, reception_user):
    client.force_login(reception_user)

    response = client.get("/admin/")

    assert response.status_code == 302
    assert response["Location"].startswith("/en/account/two-factor/?next=")
    TOTPDevice.objects.create(user=reception_user, name="app", confirmed=True)
    response = client.get("/admin/bookings/appointment/")
    assert response["Location"].startswith("/en/account/verify/?next=")


def test_password_sign_in_then_the_code_opens_the_admin(client, clinician_user, settings):
    # django-otp makes a wrong code wait a second before the next try; not what this tests.
    settings.OTP_TOTP_THROTTLE_FACTOR = 0
    device = TOTPDevice.objects.create(user=clinician_user, name="app", confirmed=True)
    assert sign_in(client, "doc", PASSWORD).status_code == 302
    assert client.get("/admin/").status_code == 302

    wrong = client.post("/en/account/verify/", {"code": "000000", "next": "/admin/"})
    assert wrong.status_code == 200
    assert "That code did not work" in wrong.text
    assert client.get("/admin/").status_code == 302

    right = client.post("/en/account/verify/", {"code": current_code(device), "next": "/admin/"})

    assert right.status_code == 302 and right["Location"] == "/admin/"
    assert client.get("/admin/").status_code == 200


def test_verifying_gives_the_session_a_new_key(client, clinician_user):
    device = TOTPDevice.objects.create(user=clinician_user, name="app", confirmed=True)
    client.force_login(clinician_user)
    before = client.session.session_key

    client.post("/en/account/verify/", {"code": current_code(device)})

    assert client.session.session_key != before
    assert client.get("/admin/").status_code == 200


def open_enrolment_link(client: Client, user, password: str = PASSWORD):
    """What the staff member does with the emailed link: open it, type the password."""
    token = enrolment_link_issue(user=user, purpose=EnrolmentPurpose.RESET, by=None)
    link = enrolment_link_path(token=token)
    response = client.post(link, {"password": password}, REMOTE_ADDR="10.0.0.1")
    return link, response


def test_the_password_alone_cannot_enrol_a_second_factor(client, clinician_user):
    """The probe's finding: whoever had the password enrolled the first authenticator."""
    assert sign_in(client, "doc", PASSWORD).status_code == 302

    page = client.get("/en/account/two-factor/?next=/en/staff/")
    code = current_code(TOTPDevice(key=services.totp_new_key()))
    posted = client.post("/en/account/two-factor/", {"code": code, "next": "/en/staff/"})

    assert page.status_code == 403
    assert "needs the one-time link" in page.text
    assert "<svg" not in page.text, "no QR code, no secret"
    assert posted.status_code == 403
    assert not TOTPDevice.objects.exists()
    assert not StaticToken.objects.exists()
    assert client.get("/en/staff/").status_code == 302
    assert client.get("/admin/").status_code == 302


def test_an_enrolment_link_works_once_and_expires(client, clinician_user, settings):
    link, opened = open_enrolment_link(client, clinician_user)
    assert opened.status_code == 302
    assert opened["Location"].startswith("/en/account/two-factor/")

    again = Client().post(link, {"password": PASSWORD})
    assert again.status_code == 404
    assert "no longer works" in again.text

    token = enrolment_link_issue(user=clinician_user, purpose=EnrolmentPurpose.RESET, by=None)
    with time_machine.travel(timedelta(hours=settings.STAFF_ENROLMENT_LINK_HOURS, seconds=1)):
        late = Client().get(enrolment_link_path(token=token))
    assert late.status_code == 404


def test_an_enrolment_link_is_stored_only_hashed(clinician_user):
    from clinic.models import EnrolmentLink

    token = enrolment_link_issue(user=clinician_user, purpose=EnrolmentPurpose.RESET, by=None)

    stored = EnrolmentLink.objects.get()
    assert token not in stored.token_hash
    assert len(stored.token_hash) == 64


def test_the_link_with_a_wrong_password_enrols_nothing(client, clinician_user):
    link, response = open_enrolment_link(client, clinician_user, password="wrong")

    assert response.status_code == 200
    assert "not the password of this account" in response.text
    assert not signed_in(client)
    assert Client().get(link).status_code == 200, "a wrong password does not use the link up"


def test_enrolment_confirms_the_app_and_shows_recovery_codes_once(client, clinician_user):
    open_enrolment_link(client, clinician_user)
    page = client.get("/en/account/two-factor/?next=/en/staff/")
    assert page.status_code == 200
    assert "<svg" in page.text
    key = client.session["otp_enrol_key"]
    assert TOTPDevice.objects.count() == 0, "nothing is stored before the code is confirmed"

    code = current_code(TOTPDevice(key=key))
    confirmed = client.post("/en/account/two-factor/", {"code": code, "next": "/en/staff/"})

    assert confirmed.status_code == 302
    assert confirmed["Location"].startswith("/en/account/recovery-codes/")
    device = TOTPDevice.objects.get(user=clinician_user)
    assert device.confirmed and device.key == key
    codes_page = client.get(confirmed["Location"])
    shown = codes_page.context["codes"]
    stored = set(
        StaticToken.objects.filter(device__user=clinician_user).values_list("token", flat=True)
    )
    assert len(shown) == len(stored) == services.RECOVERY_CODE_COUNT
    assert all(code in codes_page.text for code in shown)
    assert not any(code.replace("-", "") in stored for code in shown), "stored only hashed"
    assert 'href="/en/staff/"' in codes_page.text
    again = client.get("/en/account/recovery-codes/")
    assert not any(code in again.text for code in shown), "shown only once"
    assert client.get("/admin/").status_code == 200


def test_a_wrong_code_at_enrolment_stores_nothing(client, clinician_user):
    open_enrolment_link(client, clinician_user)
    client.get("/en/account/two-factor/")

    response = client.post("/en/account/two-factor/", {"code": "123456"})

    assert "That code did not match" in response.text
    assert not TOTPDevice.objects.exists()
    assert not StaticToken.objects.exists()


def test_the_password_alone_cannot_replace_an_authenticator(client, clinician_user):
    TOTPDevice.objects.create(user=clinician_user, name="app", confirmed=True)
    client.force_login(clinician_user)

    response = client.get("/en/account/two-factor/")

    assert response.status_code == 302
    assert response["Location"].startswith("/en/account/verify/")


def test_a_recovery_code_works_once(client, clinician_user):
    TOTPDevice.objects.create(user=clinician_user, name="app", confirmed=True)
    codes = services.recovery_codes_replace(user=clinician_user)
    client.force_login(clinician_user)

    used = client.post("/en/account/verify/", {"code": codes[0].upper()})
    assert used.status_code == 302
    assert client.get("/admin/").status_code == 200
    assert services.recovery_codes_left(user=clinician_user) == len(codes) - 1

    second = Client()
    second.force_login(clinician_user)
    again = second.post("/en/account/verify/", {"code": codes[0]})
    assert again.status_code == 200
    assert second.get("/admin/").status_code == 302


def test_new_recovery_codes_replace_the_old_ones(client, clinician_user, settings):
    settings.OTP_STATIC_THROTTLE_FACTOR = 0  # the wrong (old) code would delay the next try
    old = services.recovery_codes_replace(user=clinician_user)
    login_with_second_factor(client, clinician_user)

    client.post("/en/account/recovery-codes/")

    new = client.get("/en/account/recovery-codes/")
    shown = new.context["codes"]
    assert len(shown) == services.RECOVERY_CODE_COUNT and set(shown).isdisjoint(old)
    assert all(code in new.text for code in shown)
    second = Client()
    second.force_login(clinician_user)
    assert second.post("/en/account/verify/", {"code": old[0]}).status_code == 200
    assert second.post("/en/account/verify/", {"code": shown[0]}).status_code == 302


def test_the_next_address_after_verifying_stays_on_this_site(client, clinician_user):
    device = TOTPDevice.objects.create(user=clinician_user, name="app", confirmed=True)
    client.force_login(clinician_user)

    response = client.post(
        "/en/account/verify/", {"code": current_code(device), "next": "https://evil.example/"}
    )

    assert response["Location"] == "/admin/"


def test_sign_out_stays_reachable_before_the_second_factor(client, clinician_user):
    client.force_login(clinician_user)

    response = client.post("/admin/logout/")

    assert response.status_code == 200
    assert not signed_in(client)


# --- Staff sessions -----------------------------------------------------------------------------


def test_a_staff_session_ends_at_browser_close(client, reception_user):
    sign_in(client, "desk", PASSWORD)

    cookie = client.cookies["sessionid"]
    assert cookie["expires"] == "" and cookie["max-age"] == ""
    assert client.session.get_expire_at_browser_close()


def test_a_staff_session_ends_after_the_idle_limit(client, reception_user, settings):
    settings.STAFF_SESSION_IDLE_MINUTES = 30
    login_with_second_factor(client, reception_user)
    session = client.session
    session[LAST_SEEN_SESSION_KEY] = int(time.time()) - 29 * 60
    session.save()
    assert client.get("/admin/").status_code == 200

    session = client.session
    session[LAST_SEEN_SESSION_KEY] = int(time.time()) - 31 * 60
    session.save()
    response = client.get("/admin/")

    assert response.status_code == 302
    assert response["Location"].startswith("/admin/login/")
    assert not signed_in(client)


def test_the_staff_area_sign_in_leads_a_clinician_to_the_second_factor(client, clinician_user):
    signed = client.post(
        "/en/staff/login/", {"username": "doc", "password": PASSWORD}, REMOTE_ADDR="10.0.0.1"
    )
    assert signed.status_code == 302
    assert signed_in(client)

    response = client.get("/en/staff/")

    assert response.status_code == 302
    assert response["Location"] == "/en/account/two-factor/?next=%2Fen%2Fstaff%2F"


def test_the_staff_area_sign_in_is_locked_like_the_admin(client, clinician_user, limit):
    for _ in range(limit):
        client.post("/en/staff/login/", {"username": "doc", "password": "wrong"})

    response = client.post("/en/staff/login/", {"username": "doc", "password": PASSWORD})

    assert response.status_code == 429
    assert not signed_in(client)


def test_a_request_without_an_address_is_locked_by_username_alone(rf, settings):
    settings.SECURE_PROXY_SSL_HEADER = None
    request = rf.get("/")
    request.META.pop("REMOTE_ADDR", None)
    forged = rf.get("/", HTTP_X_FORWARDED_FOR="203.0.113.7")

    assert client_ip(request) is None  # a database inet column refuses "unknown"
    assert client_ip(forged) == "127.0.0.1", "X-Forwarded-For is not believed"


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


def test_the_first_account_of_a_new_clinic_gets_its_link_from_a_command(clinician_user):
    """After `createsuperuser` there is no manager to send an invitation."""
    from io import StringIO

    from django.core.management import call_command

    TOTPDevice.objects.create(user=clinician_user, name="lost phone", confirmed=True)
    out = StringIO()

    call_command("staff_enrolment_link", "doc", "--reset", stdout=out)

    link = out.getvalue().split("http://127.0.0.1:8000", 1)[1].strip()
    assert not TOTPDevice.objects.filter(user=clinician_user).exists()
    browser = Client()
    assert browser.post(link, {"password": PASSWORD}).status_code == 302
    assert browser.get("/en/account/two-factor/").status_code == 200
