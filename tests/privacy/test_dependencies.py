"""Privacy sits on top of every app (it reads them all to export and erase); no app imports it."""

from pathlib import Path

import pytest

from tests.clinic.test_dependencies import imported_apps

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.parametrize("app", ["clinic", "treatments", "bookings", "education", "clinical"])
def test_no_app_imports_the_privacy_app(app):
    modules = [path for path in (ROOT / app).rglob("*.py") if "migrations" not in path.parts]
    assert modules

    assert [str(path) for path in modules if "privacy" in imported_apps(path)] == []
