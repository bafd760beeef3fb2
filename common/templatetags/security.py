"""Template helpers for the Content-Security-Policy and for links to addresses from the database."""

from datetime import timedelta
from urllib.parse import urlsplit

from django import template

from common.csp import nonce_placeholder

register = template.Library()

SAFE_LINK_SCHEMES = frozenset({"http", "https"})


@register.simple_tag
def csp_nonce() -> str:
    """The nonce for an inline <script>: `<script nonce="{% csp_nonce %}">`.

    Writes a placeholder that clinic.middleware.SecurityHeadersMiddleware swaps for this
    response's nonce, so a page cached whole still gets a fresh nonce matching its header.
    """
    return nonce_placeholder().decode("ascii")


@register.filter
def http_url(value: object) -> str:
    """The address if it is an absolute http(s) URL, else "" (never javascript:, data:, …).

    For every URL that comes from the database and ends up in an href: the admin form validates
    them, but rows written another way (a shell, an import, a data migration) are not.
    """
    text = str(value or "").strip()
    try:
        parts = urlsplit(text)
    except ValueError:
        return ""
    if parts.scheme.lower() in SAFE_LINK_SCHEMES and parts.netloc:
        return text
    return ""


@register.filter
def minutes(value: timedelta | None) -> int:
    """A duration in whole minutes (the lockout page's cool-off)."""
    return int(value.total_seconds() // 60) if value else 0
