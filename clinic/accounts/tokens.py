"""Random tokens for links and cookies, stored only as their SHA-256.

The tokens are 256 random bits, so a fast hash is enough: nobody can guess one from its hash,
and a leaked table opens nothing.
"""

from __future__ import annotations

import hashlib
import secrets


def token_new() -> str:
    return secrets.token_urlsafe(32)


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()
