"""Unit tests keep Django's "no ORM inside an event loop" check. Only the browser tests switch it
off (tests/e2e/conftest.py), and only while they run: a leak would hide real async bugs."""

import asyncio

import pytest
from django.contrib.auth import get_user_model
from django.core.exceptions import SynchronousOnlyOperation

import tests.clinic_data  # noqa: F401  (the shared seeding helper must not switch it off)

pytestmark = pytest.mark.django_db


def test_the_orm_refuses_to_run_inside_an_event_loop_in_unit_tests():
    async def count_users() -> int:
        return get_user_model().objects.count()

    with pytest.raises(SynchronousOnlyOperation):
        asyncio.run(count_users())
