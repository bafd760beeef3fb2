from __future__ import annotations

from django.db import models
from django.db.models import Prefetch
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from common.search import text_search
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
    next_review = models.DateField(
        _("next review due"),
        null=True,
        blank=True,
        help_text=_("When a clinician will read this page again against its sources."),
    )
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


class Citation(models.Model):
    """A study, review or official notice; cited as published, not translated."""

    title = models.CharField(_("title"), max_length=400)
    publisher = models.CharField(_("publisher or journal"), max_length=200)
    year = models.PositiveSmallIntegerField(_("year"))
    url = models.URLField(_("link"), max_length=500, blank=True)
    order = models.PositiveSmallIntegerField(_("order"), default=0)

    class Meta:
        abstract = True
        ordering = ["order", "pk"]

    def __str__(self) -> str:
        return f"{self.title} ({self.publisher}, {self.year})"


class Source(Citation):
    """A source an education page is based on."""

    article = models.ForeignKey(
        Article, on_delete=models.CASCADE, related_name="sources", verbose_name=_("page")
    )

    class Meta(Citation.Meta):
        verbose_name = _("source")
        verbose_name_plural = _("sources")


class ProtocolReview(models.Model):
    """Who medically reviewed a protocol's patient text, when, and the sources it rests on.

    Kept here rather than on `Protocol`: the reviewer is a `bookings.Clinician`, and the
    catalogue app must not depend on the booking app (treatments ← bookings ← education).
    """

    protocol = models.OneToOneField(
        Protocol, on_delete=models.CASCADE, related_name="review", verbose_name=_("protocol")
    )
    reviewed_by = models.ForeignKey(
        "bookings.Clinician",
        on_delete=models.PROTECT,
        related_name="reviewed_protocols",
        verbose_name=_("medically reviewed by"),
    )
    last_reviewed = models.DateField(_("last reviewed"))
    next_review = models.DateField(
        _("next review due"),
        null=True,
        blank=True,
        help_text=_("When a clinician will read this page again against its sources."),
    )

    class Meta:
        ordering = ["protocol__display_order", "protocol__name"]
        verbose_name = _("protocol review")
        verbose_name_plural = _("protocol reviews")

    def __str__(self) -> str:
        return str(self.protocol)


class ProtocolSource(Citation):
    """A source a protocol page's medical statements rest on."""

    review = models.ForeignKey(
        ProtocolReview,
        on_delete=models.CASCADE,
        related_name="sources",
        verbose_name=_("protocol review"),
    )

    class Meta(Citation.Meta):
        verbose_name = _("protocol source")
        verbose_name_plural = _("protocol sources")


class InfoPageKind(models.TextChoices):
    IMPRESSUM = "impressum", _("Legal notice (Impressum)")
    PRIVACY = "privacy", _("Privacy notice")
    CONTACT = "contact", _("Contact and opening hours")


class InfoPageQuerySet(models.QuerySet["InfoPage"]):
    def of_kind(self, kind: str) -> InfoPage | None:
        return self.filter(kind=kind).first()


class InfoPage(models.Model):
    """A practical or legal page the clinic writes itself: Impressum, privacy notice, contact.

    One row per kind, one Markdown text per language; the contact page adds the opening hours
    computed from the clinicians' working hours.
    """

    kind = models.CharField(_("page"), max_length=20, choices=InfoPageKind.choices, unique=True)
    title = models.CharField(_("title"), max_length=160)
    body = models.TextField(
        _("text"), help_text=_("Markdown. Start sections with ## (the title is the main heading).")
    )
    updated_at = models.DateTimeField(_("last changed"), auto_now=True)

    objects = InfoPageQuerySet.as_manager()

    class Meta:
        ordering = ["kind"]
        verbose_name = _("practical or legal page")
        verbose_name_plural = _("practical and legal pages")

    def __str__(self) -> str:
        return self.get_kind_display()

    def get_absolute_url(self) -> str:
        return reverse(f"education:{self.kind}")
