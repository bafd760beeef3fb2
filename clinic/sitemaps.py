"""sitemap.xml: every public page in every language, with hreflang alternates.

Only published protocols and education pages are listed; drafts never appear. Each entry's
`lastmod` is when the page's own row last changed (`updated_at`): a re-worded protocol or guide
shows up as changed even when its medical review date stays the same. A listing page changed
when the newest row it lists changed; a page without such a row (the team) has no lastmod.
"""

from datetime import datetime
from functools import cached_property

from django.contrib.sitemaps import Sitemap
from django.db.models import Max, QuerySet
from django.urls import reverse

from education.models import Article, InfoPage
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

    @cached_property
    def _last_changes(self) -> dict[str, datetime | None]:
        # Once per sitemap, not once per page and language: four small queries.
        protocols = Protocol.objects.published().aggregate(last=Max("updated_at"))["last"]
        articles = Article.objects.published().aggregate(last=Max("updated_at"))["last"]
        info_pages = dict(InfoPage.objects.values_list("kind", "updated_at"))
        return {
            "home": max(filter(None, [protocols, articles]), default=None),
            "treatments:protocol-list": protocols,
            "education:article-list": articles,
            **{f"education:{kind}": changed for kind, changed in info_pages.items()},
        }

    def lastmod(self, item: str) -> datetime | None:
        return self._last_changes.get(item)


class ProtocolSitemap(TranslatedSitemap):
    priority = 0.7

    def items(self) -> QuerySet[Protocol]:
        return Protocol.objects.published().order_by("display_order", "slug")

    def lastmod(self, protocol: Protocol) -> datetime:
        return protocol.updated_at


class ArticleSitemap(TranslatedSitemap):
    priority = 0.7

    def items(self) -> QuerySet[Article]:
        return Article.objects.published().order_by("order", "slug")

    def lastmod(self, article: Article) -> datetime:
        return article.updated_at


SITEMAPS = {"pages": PageSitemap, "protocols": ProtocolSitemap, "learn": ArticleSitemap}
