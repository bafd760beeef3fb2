from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class DemoAccount(models.Model):
    """Marks a user account that `manage.py seed_demo` created.

    seed_demo changes only accounts marked here: an account with a demo username that it did not
    create (a clinic's real `admin`) is never given the published demo password. Deleting the
    user deletes the mark, so a real account later created with that name stays real.
    """

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="demo_account",
        verbose_name=_("user"),
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("demo account")
        verbose_name_plural = _("demo accounts")

    def __str__(self) -> str:
        return f"demo account {self.user_id}"


class EnrolmentPurpose(models.TextChoices):
    INVITATION = "invitation", _("Invitation")
    RESET = "reset", _("Lost authenticator")


class EnrolmentLink(models.Model):
    """A one-time, expiring link that lets a staff member set up their second factor.

    Only the SHA-256 of the token is stored, so the table cannot be used to enrol anyone: the
    link itself exists only in the email (or the demo's terminal). The password alone never
    enrols a second factor (clinic.accounts.enrolment).
    """

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="enrolment_links",
        verbose_name=_("user"),
    )
    token_hash = models.CharField(max_length=64, unique=True)
    purpose = models.CharField(_("purpose"), max_length=12, choices=EnrolmentPurpose.choices)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("created by"),
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    expires_at = models.DateTimeField(_("expires at"))
    used_at = models.DateTimeField(_("used at"), null=True, blank=True)

    class Meta:
        verbose_name = _("enrolment link")
        verbose_name_plural = _("enrolment links")
        # The staff accounts page: the Clinic manager role holds it (clinical/roles.py).
        permissions = [("manage_staff", _("Can invite, deactivate and reset staff accounts"))]

    def __str__(self) -> str:
        return f"enrolment link {self.pk} for user {self.user_id}"


class KnownDevice(models.Model):
    """A browser that completed a full sign-in (password and second factor) for this user.

    It carries a long random cookie; only its hash is stored. Failures of other people against
    the same username do not pause sign-in from here (docs/security.md).
    """

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="known_devices"
    )
    token_hash = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(auto_now_add=True)
    last_used_at = models.DateTimeField(auto_now=True)
    # Wrong passwords typed from this browser; at the lockout limit it stops being trusted.
    failures = models.PositiveSmallIntegerField(default=0)

    def __str__(self) -> str:
        return f"known device {self.pk} of user {self.user_id}"


class AccountSignInThrottle(models.Model):
    """Wrong passwords for one username from every address together (unknown browsers only)."""

    username = models.CharField(max_length=150, unique=True)
    failures = models.PositiveIntegerField(default=0)
    last_failure_at = models.DateTimeField()
    paused_until = models.DateTimeField(null=True, blank=True)
    alerted_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"sign-in throttle {self.pk}"


class CalendarFeed(models.Model):
    """A clinician's private calendar subscription; the URL's token is stored only hashed."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="calendar_feed"
    )
    token_hash = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(auto_now_add=True)
    last_fetched_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"calendar feed of user {self.user_id}"
