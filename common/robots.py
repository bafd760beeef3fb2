"""Pages that search engines must not index: a patient's booking steps and manage pages.

A page that is someone's own step (a booking in progress, a manage link, a waitlist entry) is
never a search result: `noindex` sets the `X-Robots-Tag` header on every response of the view
(also on redirects, files and 404 answers, which carry no <meta>), and the templates add the
<meta> tag.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps

from django.core.handlers.exception import response_for_exception
from django.http import Http404, HttpRequest, HttpResponse

ROBOTS_NOINDEX = "noindex, nofollow"


def noindex(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    @wraps(view)
    def wrapped(request: HttpRequest, *args: object, **kwargs: object) -> HttpResponse:
        try:
            response = view(request, *args, **kwargs)
        except Http404 as missing:
            # An unknown course or link answers the site's 404 page, rendered here (as Django
            # would) so that the error is marked too: its URL still names someone's step.
            response = response_for_exception(request, missing)
        response["X-Robots-Tag"] = ROBOTS_NOINDEX
        return response

    wrapped.noindex = True  # type: ignore[attr-defined]
    return wrapped
