"""sitemap.xml: every public page in every language, with hreflang alternates.

Only published protocols and education pages are listed; drafts never appear.
"""

from datetime import date, datetime

from django.contrib.sitemaps import Sitemap
from django.db.models import QuerySet
from django.urls import reverse

from education.models import Article
from treatments.models import Protocol


class TranslatedSitemap(Sitemap):
    i18n = True
    alternates = True
    x_default = True


class PageSitemap(TranslatedSitemap):
    priority = 0.8
    changefreq = "weekly"

    def items(self) -> list[str]:
        return [
            "home",
            "treatments:protocol-list",
            "education:article-list",
            "education:contact",
            "education:impressum",
            "education:privacy",
            "education:team",
        ]

    def location(self, item: str) -> str:
        return reverse(item)


class ProtocolSitemap(TranslatedSitemap):
    priority = 0.7

    def items(self) -> QuerySet[Protocol]:
        return (
            Protocol.objects.published().select_related("review").order_by("display_order", "slug")
        )

    def lastmod(self, protocol: Protocol) -> date | datetime:
        # The medical review date, not the time a seed or an unrelated edit touched the row.
        review = getattr(protocol, "review", None)
        return review.last_reviewed if review else protocol.updated_at


class ArticleSitemap(TranslatedSitemap):
    priority = 0.7

    def items(self) -> QuerySet[Article]:
        return Article.objects.published().order_by("order", "slug")

    def lastmod(self, article: Article) -> date:
        return article.last_reviewed


SITEMAPS = {"pages": PageSitemap, "protocols": ProtocolSitemap, "learn": ArticleSitemap}
