"""App dependencies point one way: treatments ← bookings ← education (docs/architecture.md).

Only the protocol page looks back (it lists its education pages, `treatments/views.py`); the
cache clearing that the treatments and bookings admins need lives in `clinic.content_cache`.
"""

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
# An app must not import the apps listed for it (migrations are generated and left out).
FORBIDDEN = {"treatments": {"bookings", "education"}, "bookings": {"education"}}
DOCUMENTED_EXCEPTIONS = {("treatments/views.py", "education")}


def imported_apps(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(), filename=str(path))
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module.split(".")[0])
    return names


@pytest.mark.parametrize("app", sorted(FORBIDDEN))
def test_an_inner_app_does_not_import_an_outer_one(app):
    modules = [path for path in (ROOT / app).rglob("*.py") if "migrations" not in path.parts]
    assert modules, f"no modules found for {app}"

    wrong = sorted(
        f"{path.relative_to(ROOT)} imports {other}"
        for path in modules
        for other in imported_apps(path) & FORBIDDEN[app]
        if (str(path.relative_to(ROOT)), other) not in DOCUMENTED_EXCEPTIONS
    )

    assert wrong == []
