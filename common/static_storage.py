"""The static files storage: WhiteNoise's compressed, hashed files, with each URL worked out once
per process.

`{% static %}` asks the storage for a file's URL on every use, and the manifest storage answers
by splitting, unquoting, looking up, joining and quoting the name again: about 13 µs, eight
times on an admin page (issue 22). The answer depends only on the name, the manifest loaded
when the storage was made and DEBUG (Django caches STATIC_URL and a new storage comes with new
settings), so it is kept. A name missing from the manifest still raises every time.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from whitenoise.storage import CompressedManifestStaticFilesStorage

# `{% static %}` takes only the project's own names, but a template variable could pass others:
# the kept URLs never grow past this.
KEPT_URLS = 2000


class StaticFilesStorage(CompressedManifestStaticFilesStorage):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._urls: dict[str, str] = {}

    def url(self, name: str, force: bool = False) -> str:
        if settings.DEBUG or force:  # unhashed (DEBUG), or asked to hash anyway: as Django does
            return super().url(name, force)
        url = self._urls.get(name)
        if url is None:
            url = super().url(name)
            if len(self._urls) >= KEPT_URLS:
                self._urls.clear()
            self._urls[name] = url
        return url
