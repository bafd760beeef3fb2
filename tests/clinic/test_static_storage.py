"""The production static files storage keeps each file's hashed URL (common/static_storage.py)."""

from __future__ import annotations

import json

import pytest
from django.test import override_settings
from whitenoise.storage import CompressedManifestStaticFilesStorage

from common import static_storage
from common.static_storage import StaticFilesStorage


@pytest.fixture
def storage(tmp_path) -> StaticFilesStorage:
    manifest = {"version": "1.1", "hash": "x", "paths": {"site.css": "site.0123abcd.css"}}
    (tmp_path / "staticfiles.json").write_text(json.dumps(manifest))
    return StaticFilesStorage(location=tmp_path, base_url="/static/")


@pytest.fixture
def lookups(monkeypatch) -> list[str]:
    """The names the manifest storage itself was asked about."""
    asked: list[str] = []
    url = CompressedManifestStaticFilesStorage.url

    def counted(self, name, force=False):
        asked.append(name)
        return url(self, name, force)

    monkeypatch.setattr(CompressedManifestStaticFilesStorage, "url", counted)
    return asked


def test_settings_use_it():
    from clinic import settings

    assert settings.STORAGES["staticfiles"]["BACKEND"] == "common.static_storage.StaticFilesStorage"


@override_settings(DEBUG=False)
def test_a_files_hashed_url_is_worked_out_once(storage, lookups):
    assert storage.url("site.css") == "/static/site.0123abcd.css"
    assert storage.url("site.css") == "/static/site.0123abcd.css"
    assert lookups == ["site.css"]


@override_settings(DEBUG=True)
def test_with_debug_on_the_plain_name_is_served_and_nothing_is_kept(storage, lookups):
    assert storage.url("site.css") == "/static/site.css"
    with override_settings(DEBUG=False):
        assert storage.url("site.css") == "/static/site.0123abcd.css"
    assert lookups == ["site.css", "site.css"]


@override_settings(DEBUG=False)
def test_a_name_missing_from_the_manifest_fails_every_time(storage):
    for _attempt in range(2):
        with pytest.raises(ValueError, match="Missing staticfiles manifest entry"):
            storage.url("missing.css")


@override_settings(DEBUG=False)
def test_the_kept_urls_never_grow_past_the_limit(storage, monkeypatch):
    monkeypatch.setattr(static_storage, "KEPT_URLS", 3)
    monkeypatch.setattr(storage, "manifest_strict", False)
    for number in range(10):
        storage.url(f"dir/{number}/")  # a directory is never hashed: no manifest entry needed
    assert len(storage._urls) <= 3
    assert storage.url("site.css") == "/static/site.0123abcd.css"
