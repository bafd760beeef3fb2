from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class BookingsConfig(AppConfig):
    name = "bookings"
    verbose_name = _("Bookings")

    def ready(self) -> None:
        # The admin lives with reception (bookings/reception/admin.py), where admin.autodiscover()
        # does not look.
        from bookings.reception import admin  # noqa: F401
