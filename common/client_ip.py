"""The client's address, by one rule for every user of it: lockouts, sign-in logs, rate limits."""

from __future__ import annotations

import ipaddress

from django.conf import settings
from django.http import HttpRequest


def client_ip(request: HttpRequest) -> str | None:
    """The client's address for lockouts and login logs.

    Behind a proxy we trust (TRUST_X_FORWARDED_PROTO), the last X-Forwarded-For entry is the one
    our proxy added; anything left of it came from the client and could be forged. Without such a
    proxy, only the socket's address counts.
    """
    address = request.META.get("REMOTE_ADDR", "")
    if settings.SECURE_PROXY_SSL_HEADER:
        forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "")
        if forwarded:
            address = forwarded.split(",")[-1].strip()
    try:
        return str(ipaddress.ip_address(address))
    except ValueError:  # no address (a request built in code, a Unix socket): lock by username
        return None
