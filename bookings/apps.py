from django.apps import AppConfig
from django.db.models.signals import pre_save
from django.utils.translation import gettext_lazy as _


class BookingsConfig(AppConfig):
    name = "bookings"
    verbose_name = _("Bookings")

    def ready(self) -> None:
        # The admin lives with reception (bookings/reception/admin.py), where admin.autodiscover()
        # does not look.
        from bookings.engine.patients import patient_normalise
        from bookings.models import Patient
        from bookings.notify.booking_emails import notices_register
        from bookings.notify.consultation_emails import consultation_notices_register
        from bookings.notify.waitlist import waitlist_register
        from bookings.reception import admin, consultation_admin  # noqa: F401
        from bookings.reception import waitlist as waitlist_admin  # noqa: F401

        pre_save.connect(patient_normalise, sender=Patient, dispatch_uid="patient_normalise")
        notices_register()  # how the engine's notices reach the patient (engine.notices)
        consultation_notices_register()
        waitlist_register()  # the waitlist's emails and its search after every freed time
        # Time off removed or hours added free time too (engine.freed).
        from django.db.models.signals import post_delete, post_save

        from bookings.engine.freed import clinic_time_added
        from bookings.models import TimeOff, WorkingHours

        post_delete.connect(clinic_time_added, sender=TimeOff, dispatch_uid="freed_time_off")
        post_save.connect(clinic_time_added, sender=WorkingHours, dispatch_uid="freed_hours")
