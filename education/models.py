from __future__ import annotations

from django.db import models
from django.db.models import Prefetch
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from clinic.search import text_search
from treatments.models import Indication, Protocol

SUMMARY_MAX_LENGTH = 300


class ArticleQuerySet(models.QuerySet["Article"]):
    def published(self) -> ArticleQuerySet:
        return self.filter(published=True)

    def for_listing(self) -> ArticleQuerySet:
        return self.select_related("reviewed_by")

    def for_page(self) -> ArticleQuerySet:
        """Everything an article page shows, in four queries whatever the number of rows."""
        return self.select_related("reviewed_by").prefetch_related(
            "sources",
            Prefetch(
                "related_protocols",
                queryset=Protocol.objects.published(),
                to_attr="published_protocols",
            ),
            Prefetch("related_indications", queryset=Indication.objects.all()),
        )

    def search(self, query: str, language: str) -> ArticleQuerySet:
        return text_search(self, query, language, weighted_fields=("title", "summary", "body"))


class Article(models.Model):
    """A patient-education page: one Markdown body per language, sourced and medically reviewed."""

    title = models.CharField(_("title"), max_length=160)
    slug = models.SlugField(
        _("slug"),
        max_length=160,
        unique=True,
        help_text=_("The same in every language: only the language prefix of the address changes."),
    )
    summary = models.CharField(
        _("summary"),
        max_length=SUMMARY_MAX_LENGTH,
        help_text=_("One or two sentences. Shown under the title and in search engines."),
    )
    body = models.TextField(
        _("body"),
        help_text=_(
            "Markdown. Start sections with ## (the page title is the main heading) and "
            "subsections with ###. A table of contents appears when there are three or more "
            "sections."
        ),
    )
    reviewed_by = models.ForeignKey(
        "bookings.Clinician",
        on_delete=models.PROTECT,
        related_name="reviewed_articles",
        verbose_name=_("medically reviewed by"),
    )
    last_reviewed = models.DateField(_("last reviewed"))
    published = models.BooleanField(_("published"), default=False)
    order = models.PositiveSmallIntegerField(_("order"), default=0)
    related_protocols = models.ManyToManyField(
        Protocol, related_name="articles", blank=True, verbose_name=_("related protocols")
    )
    related_indications = models.ManyToManyField(
        Indication, related_name="articles", blank=True, verbose_name=_("related indications")
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = ArticleQuerySet.as_manager()

    class Meta:
        ordering = ["order", "slug"]
        verbose_name = _("education page")
        verbose_name_plural = _("education pages")

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("education:article-detail", kwargs={"slug": self.slug})


class Source(models.Model):
    """A study, review or official notice a page is based on; cited as written, not translated."""

    article = models.ForeignKey(
        Article, on_delete=models.CASCADE, related_name="sources", verbose_name=_("page")
    )
    title = models.CharField(_("title"), max_length=400)
    publisher = models.CharField(_("publisher or journal"), max_length=200)
    year = models.PositiveSmallIntegerField(_("year"))
    url = models.URLField(_("link"), max_length=500, blank=True)
    order = models.PositiveSmallIntegerField(_("order"), default=0)

    class Meta:
        ordering = ["order", "pk"]
        verbose_name = _("source")
        verbose_name_plural = _("sources")

    def __str__(self) -> str:
        return f"{self.title} ({self.publisher}, {self.year})"
