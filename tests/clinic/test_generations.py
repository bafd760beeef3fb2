"""Cache generations (common/generations.py): entries count while their generation lasts."""

from __future__ import annotations

import pickle

import pytest
from django.core.cache import cache

from common.generations import Generation

GENERATION = Generation("test:generation", 60)


def test_an_entry_is_read_back_until_the_generation_is_renewed():
    loads = []

    def load() -> str:
        loads.append(1)
        return f"value {len(loads)}"

    assert GENERATION.read_through("test:entry", load) == "value 1"
    assert GENERATION.read_through("test:entry", load) == "value 1"

    GENERATION.renew()

    assert GENERATION.read_through("test:entry", load) == "value 2"


@pytest.mark.parametrize("error", [pickle.UnpicklingError, AttributeError, ImportError])
def test_an_entry_this_code_cannot_read_back_is_a_miss(monkeypatch, error):
    """E.g. an entry naming a model class that a deploy renamed."""

    def unreadable(*args, **kwargs):
        raise error("stored by another version of the code")

    monkeypatch.setattr(cache, "get_many", unreadable)

    assert GENERATION.read_through("test:entry", lambda: "from the database") == (
        "from the database"
    )
