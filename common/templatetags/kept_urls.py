"""`{% url %}` that keeps, per process, the address of a view taken without arguments.

Loaded as a template builtin (settings.TEMPLATES), so it replaces Django's tag in every template,
the admin's included. Django reverses on every use: about 16 µs, and an admin page has nine
(the user links, the breadcrumbs, the calendar's controls), the failed look-up of the admin
docs' address among them (issue 22).

Without arguments, a reversal depends only on the URLconf (ROOT_URLCONF or the request's own),
the script prefix, the active language (the language prefix and translated paths) and the
current app's namespace; all of them are in the key, and every kept address is dropped when a
setting changes (tests). With arguments (an id per object) it reverses as Django does: keeping
those would only fill memory. The tag's syntax and output are Django's own
(tests/clinic/test_kept_urls.py compares the two).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django import template
from django.conf import settings
from django.core.signals import setting_changed
from django.template import defaulttags
from django.urls import NoReverseMatch, get_script_prefix, get_urlconf, reverse
from django.utils.html import conditional_escape
from django.utils.translation import get_language

register = template.Library()

# Reversals kept: a view's address or, as the exception's arguments, why there is none (never the
# exception itself: its traceback holds the page that asked, request and all). Bounded in case a
# template reverses names from variables.
KEPT = 2000
_kept: dict[tuple, str | _Missing] = {}


class _Missing(tuple):
    """The arguments of a NoReverseMatch, raised again for every later lookup."""


class KeptURLNode(defaulttags.URLNode):
    def render(self, context: template.Context) -> str:
        if self.args or self.kwargs:
            return super().render(context)
        view_name = self.view_name.resolve(context)
        try:
            url = reverse_kept(view_name, current_app_of(context))
        except NoReverseMatch:
            if self.asvar is None:
                raise
            url = ""
        if self.asvar:
            context[self.asvar] = url
            return ""
        return conditional_escape(url) if context.autoescape else url


def current_app_of(context: template.Context) -> str | None:
    """The namespace Django's `{% url %}` reverses in."""
    try:
        return context.request.current_app
    except AttributeError:
        try:
            return context.request.resolver_match.namespace
        except AttributeError:
            return None


def reverse_kept(view_name: Any, current_app: str | None = None, args: tuple = ()) -> str:
    """`reverse(view_name, args=args, current_app=current_app)`, kept. `args` only ever from a
    small fixed set (a stand-in id whose place in the address is then filled in): every
    distinct one is kept."""
    key = (
        view_name,
        args,
        current_app,
        get_urlconf(),
        settings.ROOT_URLCONF,
        get_script_prefix(),
        get_language(),
    )
    try:
        kept = _kept.get(key)
    except TypeError:  # an unhashable view name: Django's error, from Django
        return reverse(view_name, args=args, current_app=current_app)
    if kept is None:
        try:
            kept = reverse(view_name, args=args, current_app=current_app)
        except NoReverseMatch as missing:
            kept = _Missing(missing.args)
        if len(_kept) >= KEPT:
            _kept.clear()
        _kept[key] = kept
    if isinstance(kept, _Missing):
        raise NoReverseMatch(*kept)
    return kept


# A stand-in id: an address with an object's id is one kept reversal with the id put in its place.
_STAND_IN_ID = 2_147_483_647


def id_url(view_name: str, current_app: str | None = None) -> Callable[[int], str]:
    """`reverse(view_name, args=[pk], current_app=current_app)` for an `<int:pk>` address, as a
    function of `pk` made from one kept reversal with a stand-in id: pages list many objects,
    and a reversal per row cost more than the row (issue 22)."""
    before, stand_in, after = reverse_kept(view_name, current_app, args=(_STAND_IN_ID,)).partition(
        str(_STAND_IN_ID)
    )
    if not stand_in or str(_STAND_IN_ID) in after:  # not exactly once: reverse as usual
        return lambda pk: reverse(view_name, args=[pk], current_app=current_app)
    return lambda pk: f"{before}{int(pk)}{after}"


@register.tag
def url(parser: template.base.Parser, token: template.base.Token) -> defaulttags.URLNode:
    node = defaulttags.url(parser, token)
    return KeptURLNode(node.view_name, node.args, node.kwargs, node.asvar)


def _forget(**_kwargs: Any) -> None:
    _kept.clear()


setting_changed.connect(_forget, dispatch_uid="kept-urls-forget")
