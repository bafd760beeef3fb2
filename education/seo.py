"""schema.org structured data for education pages (MedicalWebPage with its review and sources)."""

from __future__ import annotations

import json

from django.conf import settings
from django.utils.safestring import SafeString, mark_safe

from common.templatetags.security import http_url
from education.models import Article

# The same escaping as Django's json_script: "</script>" or "<!--" in a title cannot end the
# script element early.
_JSON_SCRIPT_ESCAPES = {ord("<"): "\\u003C", ord(">"): "\\u003E", ord("&"): "\\u0026"}


def medical_web_page(*, article: Article, url: str, language: str) -> dict[str, object]:
    """The page as schema.org MedicalWebPage; `article` must come from `for_page()`."""
    reviewer = article.reviewed_by
    reviewed_by: dict[str, object] = {"@type": "Person", "name": reviewer.display_name}
    if reviewer.qualification:
        reviewed_by["jobTitle"] = reviewer.qualification
    citations = []
    for source in article.sources.all():
        citation: dict[str, object] = {
            "@type": "CreativeWork",
            "name": source.title,
            "publisher": {"@type": "Organization", "name": source.publisher},
            "datePublished": str(source.year),
        }
        # Search engines show this as a link: http(s) only, like every stored URL in an href.
        if link := http_url(source.url):
            citation["url"] = link
        citations.append(citation)
    data: dict[str, object] = {
        "@context": "https://schema.org",
        "@type": "MedicalWebPage",
        "name": article.title,
        "headline": article.title,
        "description": article.summary,
        "inLanguage": language,
        "url": url,
        "lastReviewed": article.last_reviewed.isoformat(),
        "reviewedBy": reviewed_by,
        "medicalAudience": {"@type": "MedicalAudience", "audienceType": "Patient"},
        "publisher": {"@type": "MedicalClinic", "name": settings.CLINIC_NAME},
        "citation": citations,
    }
    about = [
        {"@type": "MedicalCondition", "name": indication.name}
        for indication in article.related_indications.all()
    ]
    if about:
        data["about"] = about
    return data


def json_ld(data: dict[str, object]) -> SafeString:
    """JSON for a <script type="application/ld+json"> element (escaped like json_script)."""
    text = json.dumps(data, ensure_ascii=False, separators=(",", ":"))
    return mark_safe(text.translate(_JSON_SCRIPT_ESCAPES))
