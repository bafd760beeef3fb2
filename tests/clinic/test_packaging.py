"""Every project app is shipped: an app in INSTALLED_APPS that `pip install .` leaves out works in
a checkout and fails on a server installed from the package (issue 22: `privacy` was missing)."""

import tomllib
from pathlib import Path

from django.apps import apps
from setuptools import find_packages

ROOT = Path(__file__).resolve().parents[2]


def packaged() -> set[str]:
    config = tomllib.loads((ROOT / "pyproject.toml").read_text())
    include = config["tool"]["setuptools"]["packages"]["find"]["include"]
    return set(find_packages(where=str(ROOT), include=include))


def project_packages() -> set[str]:
    """Every Python package of this repository outside tests and benchmarks."""
    return {
        path.parent.relative_to(ROOT).as_posix().replace("/", ".")
        for path in ROOT.glob("*/**/__init__.py")
        if path.relative_to(ROOT).parts[0] not in {"tests", "benchmarks", ".venv", "node_modules"}
    }


def test_every_installed_project_app_is_a_packaged_package():
    project_apps = {
        config.name
        for config in apps.get_app_configs()
        if Path(config.path).resolve().is_relative_to(ROOT)
        and ".venv" not in Path(config.path).parts
    }
    assert {"privacy", "clinical", "bookings"} <= project_apps

    assert project_apps - packaged() == set()


def test_every_package_of_the_project_is_packaged():
    assert project_packages() - packaged() == set()
