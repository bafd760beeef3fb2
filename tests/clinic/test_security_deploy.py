"""`check --deploy` fails while patient email would go to the log or a demo password is live."""

import pytest
from django.contrib.auth.hashers import PBKDF2PasswordHasher
from django.core.management import call_command
from django.core.management.base import SystemCheckError

from clinic.demo import DEMO_PASSWORD
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def deploy_check(tag: str) -> None:
    call_command("check", "--deploy", "--tag", tag)


def test_the_deploy_check_fails_while_a_staff_account_has_the_demo_password(settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    user = UserFactory(username="anyone", is_staff=True, password=DEMO_PASSWORD)

    with pytest.raises(SystemCheckError, match=rf"clinic\.E003.*user ids {user.pk}\)"):
        deploy_check("demo")

    user.set_password("a-password-of-their-own")
    user.save()
    deploy_check("demo")  # passes


def test_inactive_and_non_staff_accounts_with_the_demo_password_do_not_fail_it():
    UserFactory(username="gone", is_staff=True, is_active=False, password=DEMO_PASSWORD)
    UserFactory(username="not-staff", password=DEMO_PASSWORD)

    deploy_check("demo")


def test_a_superuser_with_the_demo_password_fails_it():
    UserFactory(username="root", is_superuser=True, password=DEMO_PASSWORD)

    with pytest.raises(SystemCheckError, match=r"clinic\.E003"):
        deploy_check("demo")


def test_the_check_rewrites_no_password_hash(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.PBKDF2PasswordHasher"]
    # Fewer iterations than today's default: a sign-in would rewrite this hash.
    old_hash = PBKDF2PasswordHasher().encode(DEMO_PASSWORD, "somesalt", iterations=1000)
    user = UserFactory(username="old", is_staff=True)
    user.password = old_hash
    user.save()

    with pytest.raises(SystemCheckError, match=r"clinic\.E003"):
        deploy_check("demo")

    user.refresh_from_db()
    assert user.password == old_hash


def test_the_deploy_check_fails_with_the_console_email_backend_when_debug_is_off(settings):
    settings.DEBUG = False
    settings.EMAIL_BACKEND = "django.core.mail.backends.console.EmailBackend"

    with pytest.raises(SystemCheckError, match=r"clinic\.E002"):
        deploy_check("security")

    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    deploy_check("security")  # passes: warnings do not fail it at this level
