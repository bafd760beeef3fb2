"""The site layout's parts that are the same on many pages (templates/base.html), built once.

Every dynamic page renders the layout: about a millisecond of a booking step's four or five
(issue 22), most of it the footer's translated texts and links, the language switcher's loop
and the static files' manifest lookups. The footer depends only on the language and the script
prefix, so it is rendered once per process for each; the switcher depends on the page, so it is
built in Python. Their markup is the template's, character for character
(tests/clinic/test_layout_tags.py renders both and compares them).
"""

from __future__ import annotations

import functools
import html

from django import template
from django.template.loader import render_to_string
from django.urls import get_script_prefix
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import get_language, get_language_info

from common.context_processors import _MEMO_CLEARERS, _layout_urls, clinic_details
from common.markup import conditional_escape

register = template.Library()


@register.simple_tag
def site_footer() -> SafeString:
    return _footer(get_language(), get_script_prefix())


@functools.lru_cache(maxsize=64)
def _footer(language: str, script_prefix: str) -> SafeString:
    return render_to_string(
        "includes/site_footer.html",
        {"clinic": clinic_details(), "layout_urls": _layout_urls(language, script_prefix)},
    )


_MEMO_CLEARERS.append(_footer.cache_clear)


@functools.cache
def _local_name(code: str) -> str:
    return html.escape(get_language_info(code)["name_local"])


@register.simple_tag(takes_context=True)
def language_switcher(context: template.Context) -> SafeString:
    """This page in every language: the current one marked, the others linked."""
    current = context.get("LANGUAGE_CODE")
    items = []
    for alternate in context.get("language_alternates", ()):
        code = html.escape(alternate["code"])
        name = _local_name(alternate["code"])
        inner = (
            f'<span aria-hidden="true">{code.upper()}</span>'
            f'<span class="visually-hidden">{name}</span>'
        )
        if alternate["code"] == current:
            item = (
                f'<span class="lang-link current" aria-current="true" lang="{code}" '
                f'title="{name}">{inner}</span>'
            )
        else:
            item = (
                f'<a class="lang-link" href="{html.escape(alternate["url"])}" hreflang="{code}" '
                f'lang="{code}" title="{name}">{inner}</a>'
            )
        # The whitespace the template's loop left around each item.
        items.append(f"\n            \n              {item}\n            \n          ")
    # Every value above is escaped.
    return mark_safe("".join(items))


@register.simple_tag(takes_context=True)
def head_links(context: template.Context) -> SafeString:
    """The page's canonical address and its address in every language (hreflang), absolute.

    The template asked the request for its host five times, each checked against
    ALLOWED_HOSTS, in a loop: a tenth of a millisecond on every dynamic page (issue 22)."""
    request = context.get("request")
    if request is None:  # an error page rendered without its request: as the template wrote it
        origin, path = "://", ""
    else:
        origin, path = f"{request.scheme}://{request.get_host()}", request.path
    origin = conditional_escape(origin)
    alternates = "".join(
        f'\n  <link rel="alternate" hreflang="{conditional_escape(alternate["code"])}"'
        f' href="{origin}{conditional_escape(alternate["url"])}">\n  '
        for alternate in context.get("language_alternates", ())
    )
    x_default = conditional_escape(context.get("x_default_url", ""))
    # Every value is escaped.
    return mark_safe(
        f'\n  <link rel="canonical" href="{origin}{conditional_escape(path)}">\n  {alternates}'
        f'\n  <link rel="alternate" hreflang="x-default" href="{origin}{x_default}">\n  '
    )
