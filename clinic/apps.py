from django.apps import AppConfig


class ClinicConfig(AppConfig):
    """The project package: site-wide pages, template tags and the demo data command."""

    name = "clinic"
    verbose_name = "Clinic"

    def ready(self) -> None:
        from clinic import checks  # noqa: F401  (registers the deploy checks)
        from clinic.accounts import auth_cache, signals

        signals.connect()
        auth_cache.connect()
