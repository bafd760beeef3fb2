"""App dependencies point one way: treatments ← bookings ← education (docs/architecture.md).

Only views, the outermost layer, may look back (the protocol page lists its education pages;
the booking pages render the consent text with the education pages' Markdown renderer). Models,
services, admin and everything else may not: the cache clearing that the treatments and bookings
admins need lives in `common.content_cache`.
"""

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
# An app must not import the apps listed for it (migrations are generated and left out).
FORBIDDEN = {"treatments": {"bookings", "education"}, "bookings": {"education"}}


def is_view(path: Path) -> bool:
    return path.name == "views.py" or "views" in path.parts


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
        if not is_view(path)
    )

    assert wrong == []
