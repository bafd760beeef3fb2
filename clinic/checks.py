"""Deploy checks of our own, run by `manage.py check --deploy`."""

from django.conf import settings
from django.core.checks import CheckMessage, Error, Tags, Warning, register
from django.db import DatabaseError
from django.db.models import Q


@register(Tags.caches, deploy=True)
def shared_cache(app_configs: object, **kwargs: object) -> list[Warning]:
    backend = settings.CACHES["default"]["BACKEND"]
    if backend.endswith("LocMemCache"):
        return [
            Warning(
                "The cache is per process (LocMemCache): an edit in the admin would clear cached "
                "education pages in one worker only.",
                hint="Set REDIS_URL, e.g. redis://127.0.0.1:6379/0.",
                id="clinic.W001",
            )
        ]
    return []


# Backends that never deliver: patient emails (with manage links) would be printed into the log,
# kept in memory, written to local files, or dropped.
NON_DELIVERING_EMAIL_BACKENDS = (
    "django.core.mail.backends.console.EmailBackend",
    "django.core.mail.backends.locmem.EmailBackend",
    "django.core.mail.backends.filebased.EmailBackend",
    "django.core.mail.backends.dummy.EmailBackend",
)


@register(Tags.security, deploy=True)
def email_is_delivered(app_configs: object, **kwargs: object) -> list[Error]:
    if settings.DEBUG or settings.EMAIL_BACKEND not in NON_DELIVERING_EMAIL_BACKENDS:
        return []
    return [
        Error(
            f"EMAIL_BACKEND is {settings.EMAIL_BACKEND} with DEBUG off: patient emails, with "
            "their manage links, would not be delivered (the console backend writes them into "
            "the server log).",
            hint="Set EMAIL_BACKEND=django.core.mail.backends.smtp.EmailBackend and EMAIL_HOST.",
            id="clinic.E002",
        )
    ]


@register("demo", deploy=True)
def no_demo_password(app_configs: object, **kwargs: object) -> list[CheckMessage]:
    """No active staff account may still have the demo password published in the README."""
    from django.contrib.auth import get_user_model
    from django.contrib.auth.hashers import check_password

    from clinic.demo import DEMO_PASSWORD

    try:
        staff = list(
            get_user_model()
            .objects.filter(is_active=True)
            # A role (group) or a permission makes an account staff too: the clinician area
            # checks permissions, not is_staff. Patients have no accounts.
            .filter(
                Q(is_staff=True)
                | Q(is_superuser=True)
                | Q(groups__isnull=False)
                | Q(user_permissions__isnull=False)
            )
            .distinct()
            .values_list("pk", "password")
        )
    except DatabaseError as exc:
        return [
            Warning(
                f"Could not check staff passwords against the demo password: {exc}",
                hint="Run the deploy check where the database is reachable and migrated.",
                id="clinic.W003",
            )
        ]
    # hashers.check_password, not user.check_password: a check must not rewrite any hash.
    exposed = [pk for pk, encoded in staff if check_password(DEMO_PASSWORD, encoded)]
    if not exposed:
        return []
    return [
        Error(
            f"{len(exposed)} active staff account(s) still use the published demo password "
            f"(user ids {', '.join(map(str, exposed))}).",
            hint="Give them their own passwords, or deactivate them, before going live.",
            id="clinic.E003",
        )
    ]
