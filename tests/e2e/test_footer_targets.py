"""Footer links are big enough to tap on a phone: axe-core's `target-size` rule at 390 px.

Issue 20, item 10: "Contact and opening hours" and "Legal notice (Impressum)" failed WCAG 2.2's
target size (24 × 24 CSS px, or enough space around a smaller target) on every English and
Turkish page, where the words wrap so that two small inline links sit close together.
"""

from __future__ import annotations

import pytest

from tests.factories import ArticleFactory, ProtocolFactory

pytestmark = pytest.mark.django_db(transaction=True)


def target_size_violations(page) -> list[str]:
    from axe_playwright_python.sync_playwright import Axe

    results = Axe().run(page, options={"runOnly": {"type": "rule", "values": ["target-size"]}})
    return [
        f"{violation['id']}: " + ", ".join(" ".join(node["target"]) for node in violation["nodes"])
        for violation in results.response["violations"]
    ]


@pytest.fixture
def pages(live_server) -> list[str]:
    guide = ArticleFactory(
        slug="what-is-an-exosome",
        title="What is an exosome?",
        title_tr="Eksozom nedir?",
        body="## Tiny messengers\n\nCells release them.\n",
        body_tr="## Küçük haberciler\n\nHücreler onları salgılar.\n",
    )
    protocol = ProtocolFactory(slug="acne-laser", name="Acne scar laser course")
    return ["/{language}/", guide.get_absolute_url()[3:], protocol.get_absolute_url()[3:]]


@pytest.mark.parametrize("language", ["en", "tr"])
def test_no_target_size_violation_at_390_px_on_home_guide_and_protocol(
    new_page, live_server, pages, language
):
    page = new_page(width=390, height=844)
    found = {}
    for path in pages:
        address = path.format(language=language) if "{" in path else f"/{language}{path}"
        page.goto(address)
        assert page.locator("footer.site-footer a").count() >= 3
        violations = target_size_violations(page)
        if violations:
            found[address] = violations

    assert found == {}


def test_the_team_page_passes_axe_on_a_phone(new_page, live_server):
    from tests.e2e.conftest import axe_check
    from tests.factories import ClinicianFactory

    protocol = ProtocolFactory(slug="acne-laser", name="Acne scar laser course")
    ClinicianFactory(
        display_name="Dr. med. Anna Weber",
        qualifications="Specialist in dermatology\nTrained in microneedling",
        protocols=[protocol],
    )
    page = new_page(width=390, height=844)

    page.goto("/en/team/")

    assert page.get_by_role("heading", level=1).inner_text() == "Our team"
    assert page.get_by_role("link", name="Acne scar laser course").is_visible()
    axe_check(page, "team page at 390 px")
    assert target_size_violations(page) == []
