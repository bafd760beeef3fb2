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
