"""Shared by the demo loaders behind `manage.py seed_demo`."""

from __future__ import annotations

from typing import Any, TypeVar

from django.db.models import Model

M = TypeVar("M", bound=Model)


def demo_row(
    model: type[M], *, refresh: bool, defaults: dict[str, Any], **lookup: Any
) -> tuple[M, bool]:
    """Create a demo row if it is missing; overwrite an existing one only when refreshing.

    `make run` seeds on every start, so without --refresh what the clinic changed in the admin
    (a price, an unpublished protocol, the admin's password) must survive.
    """
    if refresh:
        return model.objects.update_or_create(defaults=defaults, **lookup)
    return model.objects.get_or_create(defaults=defaults, **lookup)
