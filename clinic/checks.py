"""Deploy checks of our own, run by `manage.py check --deploy`."""

from django.conf import settings
from django.core.checks import Tags, Warning, register


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
