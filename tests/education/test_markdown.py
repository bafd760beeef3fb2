"""Page bodies are Markdown rendered to safe HTML: nothing an author types can run script."""

import re

import pytest

from common.rendering import render_markdown
from tests.education.conftest import json_ld_blocks
from tests.factories import ArticleFactory

MALICIOUS = """## Harmless heading

<script>alert(1)</script>

<img src=x onerror=alert(1)>

[click me](javascript:alert(1)) and [data](data:text/html;base64,PHNjcmlwdD4=)

<a href="#" onclick="alert(1)">raw link</a>

<iframe src="https://evil.example"></iframe>
"""


def test_markdown_cannot_inject_a_script():
    html = render_markdown(MALICIOUS).html

    assert "<script" not in html
    assert "alert(1)</script>" not in html
    assert "onerror" not in html
    assert "onclick" not in html
    assert "javascript:" not in html
    assert "data:text/html" not in html
    assert "<img" not in html
    assert "<iframe" not in html
    assert "click me" in html
    assert '<h2 id="harmless-heading">Harmless heading</h2>' in html


@pytest.mark.django_db
def test_a_page_with_a_malicious_body_has_no_script_but_its_json_ld(client):
    article = ArticleFactory(body=MALICIOUS)

    html = client.get(article.get_absolute_url()).text

    assert len(re.findall(r"<script\b", html)) == 1
    assert len(json_ld_blocks(html)) == 1
    assert "onerror" not in html
    assert "javascript:" not in html


def test_markdown_keeps_what_authors_need():
    html = render_markdown(
        "## Sessions\n\nSee [our FAQ](../faq/) or [the FDA](https://www.fda.gov/) "
        "or [mail us](mailto:hello@example.com).\n\n"
        "### Downtime\n\n1. one\n2. two\n\n- **bold** and *italic*\n\n"
        "> a quote\n\n| Study | People |\n|---|---|\n| Split-face | 25 |\n"
    ).html

    assert '<a href="../faq/"' in html
    assert '<a href="https://www.fda.gov/" rel="noopener noreferrer">' in html
    assert 'href="mailto:hello@example.com"' in html
    assert '<h3 id="downtime">Downtime</h3>' in html
    assert "<ol>" in html and "<strong>bold</strong>" in html and "<em>italic</em>" in html
    assert "<blockquote>" in html
    assert "<td>Split-face</td>" in html


def test_headings_stay_below_the_page_title():
    html = render_markdown("# A title by mistake\n\n###### Too deep\n").html

    assert "<h1" not in html
    assert '<h2 id="a-title-by-mistake">' in html
    assert "<h6" not in html and '<h4 id="too-deep">' in html


def test_sections_for_the_table_of_contents_are_the_h2_headings():
    body = render_markdown("## Über uns & mehr\n\n### Detail\n\n## Risiken\n\n## Main\n")

    assert [(section.id, section.title) for section in body.sections] == [
        ("über-uns-mehr", "Über uns & mehr"),
        ("risiken", "Risiken"),
        # "main" is the id of the page's <main>, which the skip link targets.
        ("main-section", "Main"),
    ]
    assert body.has_table_of_contents


def test_short_pages_have_no_table_of_contents():
    assert not render_markdown("## One\n\n## Two\n").has_table_of_contents


def test_a_heading_never_takes_an_id_the_page_template_uses():
    html = render_markdown("## Article title\n\n## On this page\n\n## Site search q\n").html

    # "article-title" is the page's <h1>, "site-search-q" the header's search box.
    assert '<h2 id="article-title-section">Article title</h2>' in html
    assert '<h2 id="on-this-page">On this page</h2>' in html
    assert '<h2 id="site-search-q-section">Site search q</h2>' in html
