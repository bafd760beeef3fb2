from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class TreatmentsConfig(AppConfig):
    name = "treatments"
    verbose_name = _("Treatments")

    def ready(self) -> None:
        from django.db.models.signals import post_delete, post_save

        from treatments.models import Product, Protocol
        from treatments.signals import protocol_changed

        for model in (Protocol, Product):
            post_save.connect(protocol_changed, sender=model, dispatch_uid=f"changed-{model}")
            post_delete.connect(protocol_changed, sender=model, dispatch_uid=f"gone-{model}")
