"""Pages that search engines must not index: a patient's booking steps and manage pages.

A page that is someone's own step (a booking in progress, a manage link, a waitlist entry) is
never a search result: `noindex` sets the `X-Robots-Tag` header on every response of the view
(also on redirects and files, which carry no <meta>), and the templates add the <meta> tag.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps

from django.http import HttpRequest, HttpResponse

ROBOTS_NOINDEX = "noindex, nofollow"


def noindex(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    @wraps(view)
    def wrapped(request: HttpRequest, *args: object, **kwargs: object) -> HttpResponse:
        response = view(request, *args, **kwargs)
        response["X-Robots-Tag"] = ROBOTS_NOINDEX
        return response

    wrapped.noindex = True  # type: ignore[attr-defined]
    return wrapped
