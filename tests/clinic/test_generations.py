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


def test_entries_read_together_come_from_one_round_trip(cache_reads):
    GENERATION.read_through("test:one", lambda: "one")
    GENERATION.read_through("test:two", lambda: "two")
    cache_reads.clear()

    with GENERATION.prefetched(["test:one", "test:two"]):
        assert GENERATION.read_through("test:one", lambda: "not read") == "one"
        assert GENERATION.read_through("test:two", lambda: "not read") == "two"

    assert cache_reads == [[GENERATION.key, "test:one", "test:two"]]


def test_what_the_round_trip_missed_is_loaded_and_kept(cache_reads):
    with GENERATION.prefetched(["test:new"]):
        assert GENERATION.read_through("test:new", lambda: "loaded") == "loaded"

    assert GENERATION.read_through("test:new", lambda: "loaded again") == "loaded"


def test_an_entry_of_an_earlier_generation_is_not_taken_from_the_round_trip():
    GENERATION.read_through("test:entry", lambda: "old")
    GENERATION.renew()

    with GENERATION.prefetched(["test:entry"]):
        assert GENERATION.read_through("test:entry", lambda: "new") == "new"


def test_a_second_read_other_keys_and_reads_after_the_block_go_to_the_cache(cache_reads):
    GENERATION.read_through("test:entry", lambda: "first")
    other = Generation("test:other-generation", 60)
    cache_reads.clear()

    with GENERATION.prefetched(["test:entry"]):
        GENERATION.read_through("test:entry", lambda: "not read")
        GENERATION.renew()  # e.g. a change made in the same request
        assert GENERATION.read_through("test:entry", lambda: "after the change") == (
            "after the change"
        )
        GENERATION.read_through("test:elsewhere", lambda: "elsewhere")
        other.read_through("test:entry", lambda: "another generation's")
    GENERATION.read_through("test:entry", lambda: "not read")

    assert cache_reads == [
        [GENERATION.key, "test:entry"],
        [GENERATION.key, "test:entry"],
        [GENERATION.key, "test:elsewhere"],
        [other.key, "test:entry"],
        [GENERATION.key, "test:entry"],
    ]


def test_nothing_to_read_together_makes_no_round_trip(cache_reads):
    with GENERATION.prefetched([]):
        pass

    assert cache_reads == []


def test_a_renewal_in_the_block_makes_the_keys_not_read_yet_stale_too():
    """Found in review: the second key was given from the snapshot taken before the renewal."""
    GENERATION.read_through("test:account", lambda: "account")
    GENERATION.read_through("test:device", lambda: "the deleted device")

    with GENERATION.prefetched(["test:account", "test:device"]):
        assert GENERATION.read_through("test:account", lambda: "not read") == "account"
        GENERATION.renew()  # e.g. the device deleted in this request
        device = GENERATION.read_through("test:device", lambda: None)

    assert device is None


OTHER = Generation("test:other-generation", 60)


@pytest.mark.parametrize("inner", [GENERATION, OTHER], ids=["same generation", "another"])
def test_a_renewal_in_a_nested_block_makes_the_outer_blocks_keys_stale_too(inner):
    """Found in review: only the innermost block was made stale."""
    GENERATION.read_through("test:outer", lambda: "before")
    with GENERATION.prefetched(["test:outer"]):
        with inner.prefetched(["test:inner"]):
            GENERATION.renew()
        assert GENERATION.read_through("test:outer", lambda: "after") == "after"
