"""Clinical sits on top: it depends on bookings and treatments, and nothing depends on it
(except the project package, clinic, which may import every app)."""

from pathlib import Path

import pytest

from tests.clinic.test_dependencies import imported_apps

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.parametrize("app", ["treatments", "bookings", "education"])
def test_no_app_imports_the_clinical_app(app):
    modules = [path for path in (ROOT / app).rglob("*.py") if "migrations" not in path.parts]
    assert modules
    assert [str(path) for path in modules if "clinical" in imported_apps(path)] == []


def test_the_clinical_app_imports_only_bookings_and_treatments_of_the_apps():
    modules = [path for path in (ROOT / "clinical").rglob("*.py") if "migrations" not in path.parts]
    imported = set().union(*(imported_apps(path) for path in modules))
    # `clinic` only for its neutral building blocks (e.g. common.admin_base), as bookings does.
    assert imported & {"clinic", "treatments", "bookings", "education"} <= {
        "bookings",
        "treatments",
        "clinic",
    }
    assert imported & {"education", "privacy"} == set()
