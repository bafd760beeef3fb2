"""Education personas: the reviewing dermatologist, and the site seeded from the real content."""

import re
import tomllib

import pytest

from education import demo as education_demo
from tests.factories import ClinicianFactory
from treatments import demo as treatments_demo

LANGUAGES = ["en", "de", "tr"]

with (education_demo.CONTENT_DIR / "pages.toml").open("rb") as toml_file:
    SEEDED_PAGES = tomllib.load(toml_file)["page"]


@pytest.fixture
def reviewer(db):
    return ClinicianFactory(display_name="Dr. med. Anna Weber", qualification="Dermatologist")


@pytest.fixture
def seeded_site(reviewer):
    """The demo catalogue and every education page from education/content/."""
    treatments_demo.seed()
    return education_demo.seed(reviewer=reviewer)


def page_text(path: str) -> dict[str, str]:
    return education_demo.read_page_file(education_demo.CONTENT_DIR / path)


def json_ld_blocks(html: str) -> list[str]:
    return re.findall(
        r'<script type="application/ld\+json"(?: nonce="[^"]+")?>(.*?)</script>', html, re.DOTALL
    )


def heading_levels(html: str) -> list[int]:
    """The levels of the page's headings, in document order (1 for <h1>, 2 for <h2>, …)."""
    return [int(level) for level in re.findall(r"<h([1-6])\b", html)]


def element_ids(html: str) -> list[str]:
    """Every id="…" on the page, duplicates included."""
    return re.findall(r'\sid="([^"]*)"', html)
