"""Browser tests: Playwright driving Debian's Chromium against pytest-django's live server.

Shared by every area's end-to-end tests (`tests/e2e/test_*.py`). What you get:

- every test here is marked `e2e` and skipped, with a plain reason, when /usr/bin/chromium is
  missing (`.ci/run` installs it; `make test` says so when it is not there);
- `browser` (one Chromium per test session) and `page` (a fresh desktop-sized context per test,
  1280×900), `phone_page` (390×844), or `new_page(width=…, height=…, javascript=…)` for more;
- `small_clinic`: a small clinic in the database the live server reads (two protocols, two
  clinicians working every day, the demo screening questions and consent texts);
- `axe_check(page, name)`: runs axe-core on the page and fails on any serious or critical
  violation, naming the rule and the elements;
- `screenshot(page, name)`: saves docs/screenshots/<name>.png when E2E_SCREENSHOTS=1 (for the
  README), and does nothing otherwise, so a CI run never changes the working tree.

Playwright's sync API runs an event loop in the test's thread, which Django's ORM refuses to be
called from; the tests only call the ORM between browser steps, so that check is switched off
while this package's tests run (set before the browser starts, restored after it closes), and
never for the rest of the suite: unit tests keep Django's check.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from tests.clinic_data import SmallClinic, seed_small_clinic

__all__ = ["SmallClinic", "axe_check", "screenshot", "seed_small_clinic"]

CHROMIUM = os.environ.get("E2E_CHROMIUM", "/usr/bin/chromium")
SCREENSHOTS = Path(__file__).resolve().parents[2] / "docs" / "screenshots"
E2E_DIR = Path(__file__).resolve().parent


def chromium_missing_reason() -> str | None:
    if Path(CHROMIUM).exists() or shutil.which(CHROMIUM):
        return None
    return (
        f"browser tests skipped: Chromium is not installed at {CHROMIUM} "
        "(install it with `apt-get install -y chromium`; .ci/run does)"
    )


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    reason = chromium_missing_reason()
    for item in items:
        if E2E_DIR not in Path(str(item.fspath)).resolve().parents:
            continue
        item.add_marker(pytest.mark.e2e)
        if reason:
            item.add_marker(pytest.mark.skip(reason=reason))


@pytest.fixture(scope="package", autouse=True)
def _orm_next_to_playwright() -> Iterator[None]:
    """Let the ORM run in a thread with Playwright's event loop, for this package only.

    Package-scoped (not session): it is undone after the last browser test, so tests collected
    after tests/e2e in the same run do not inherit it.
    """
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
        yield


@pytest.fixture(scope="package")
def browser(_orm_next_to_playwright) -> Iterator[object]:
    # Package scope: the event loop stops with the browser, before the ORM check is back on.
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(
            executable_path=CHROMIUM, args=["--no-sandbox", "--disable-dev-shm-usage"]
        )
        yield chromium
        chromium.close()


@pytest.fixture(autouse=True)
def _cookies_over_plain_http(settings) -> None:
    """The live server speaks plain HTTP; production's secure-only cookies would be dropped."""
    settings.SESSION_COOKIE_SECURE = False
    settings.CSRF_COOKIE_SECURE = False
    settings.SECURE_SSL_REDIRECT = False


@pytest.fixture
def new_page(browser, live_server) -> Iterator[Callable[..., object]]:
    """Open a page in a fresh context: `new_page(width=390, javascript=False)`."""
    contexts = []

    def open_page(
        *, width: int = 1280, height: int = 900, javascript: bool = True, locale: str = "en-GB"
    ):
        context = browser.new_context(
            viewport={"width": width, "height": height},
            java_script_enabled=javascript,
            locale=locale,
            base_url=live_server.url,
        )
        context.set_default_timeout(15_000)
        contexts.append(context)
        return context.new_page()

    yield open_page
    for context in contexts:
        context.close()


@pytest.fixture
def page(new_page):
    return new_page()


@pytest.fixture
def phone_page(new_page):
    return new_page(width=390, height=844)


# --- Accessibility and screenshots -----------------------------------------------------------

BLOCKING_IMPACTS = ("serious", "critical")


def axe_violations(page) -> list[dict]:
    """The serious and critical axe-core violations on the page as it is now."""
    from axe_playwright_python.sync_playwright import Axe

    results = Axe().run(page)
    return [
        violation
        for violation in results.response["violations"]
        if violation.get("impact") in BLOCKING_IMPACTS
    ]


def axe_check(page, name: str = "") -> None:
    """Fail with the rule, its help text and the offending elements when axe finds a problem.

    Needs JavaScript: in a context with JavaScript disabled Playwright's evaluate() never returns.
    """
    violations = axe_violations(page)
    if violations:
        lines = [f"axe-core found serious/critical violations on {name or page.url}:"]
        for violation in violations:
            targets = ", ".join(
                " ".join(node.get("target", [])) for node in violation.get("nodes", [])[:5]
            )
            lines.append(
                f"- {violation['id']} ({violation['impact']}): {violation['help']} → {targets}"
            )
        pytest.fail("\n".join(lines))


def screenshot(page, name: str) -> None:
    """A full-page PNG for the README, only when E2E_SCREENSHOTS=1."""
    if os.environ.get("E2E_SCREENSHOTS") != "1":
        return
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / f"{name}.png"), full_page=True)


# --- A small clinic ----------------------------------------------------------------------------


@pytest.fixture
def small_clinic(live_server) -> SmallClinic:
    # live_server brings a transactional database the server thread can read.
    return seed_small_clinic()
