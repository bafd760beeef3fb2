"""Django set up for a benchmark module run as a script against a seeded database."""

from __future__ import annotations

import os

import django


def setup(*, secret_key: str) -> None:
    """Production-like settings (DEBUG off) unless the environment says otherwise; DATABASE_URL
    names the database. `secret_key` matters where the script's output must be accepted by a
    server (signed sessions)."""
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "clinic.settings")
    os.environ.setdefault("DEBUG", "false")
    os.environ.setdefault("SECRET_KEY", secret_key)
    os.environ.setdefault("ALLOWED_HOSTS", "127.0.0.1,localhost,testserver")
    os.environ.setdefault("SECURE_SSL_REDIRECT", "false")
    os.environ.setdefault("LOG_LEVEL", "WARNING")
    django.setup()
