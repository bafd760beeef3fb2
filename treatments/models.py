from __future__ import annotations

from decimal import Decimal

from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from common.search import text_search

MIN_SESSIONS = 1
MAX_SESSIONS = 3


class Source(models.TextChoices):
    """Where a protocol's exosomes come from."""

    MSC_READY_MADE = "msc_ready_made", _("Ready-made MSC exosomes")
    MSC_OWN_ADIPOSE = "msc_own_adipose", _("Your own adipose MSC exosomes")
    PRP_OWN = "prp_own", _("Your own PRP exosomes")


class Procedure(models.TextChoices):
    """The procedure the exosomes are applied right after."""

    MICRONEEDLING = "microneedling", _("Microneedling")
    RF_MICRONEEDLING = "rf_microneedling", _("RF microneedling")
    FRACTIONAL_LASER = "fractional_laser", _("Fractional laser")

    @property
    def needs_device(self) -> bool:
        # The clinic owns few lasers; each laser session must reserve one for its whole length.
        return self == Procedure.FRACTIONAL_LASER


SOURCE_EXPLANATIONS = {
    Source.MSC_READY_MADE: _(
        "A ready-made preparation of exosomes collected from cultured mesenchymal stem cells, "
        "usually from donated fat tissue. Nothing needs to be taken from you beforehand, so the "
        "course can start straight away."
    ),
    Source.MSC_OWN_ADIPOSE: _(
        "Exosomes made from your own fat tissue. A small amount of fat is removed under local "
        "anaesthetic (lipoaspiration); a laboratory grows the stem cells and collects the "
        "exosomes they release."
    ),
    Source.PRP_OWN: _(
        "Exosomes made from your own blood. Blood is drawn as for a routine test, the platelets "
        "are separated (platelet-rich plasma, PRP) and a laboratory collects the exosomes."
    ),
}

PROCEDURE_EXPLANATIONS = {
    Procedure.MICRONEEDLING: _(
        "Fine needles make tiny channels in the skin; the exosome preparation is applied right "
        "after, while the channels are open."
    ),
    Procedure.RF_MICRONEEDLING: _(
        "Microneedling that also delivers radio-frequency energy to warm the deeper skin; the "
        "exosome preparation is applied right after."
    ),
    Procedure.FRACTIONAL_LASER: _(
        "A laser treats the skin in a fine grid of tiny spots, leaving the skin in between "
        "intact; the exosome preparation is applied right after."
    ),
}

PREPARATION_NAMES = {
    Source.MSC_OWN_ADIPOSE.value: _("lipoaspiration"),
    Source.PRP_OWN.value: _("blood draw"),
}

# Sources made from the patient's own tissue: they need a preparation visit and lab time first.
AUTOLOGOUS_SOURCES = (Source.MSC_OWN_ADIPOSE.value, Source.PRP_OWN.value)


class ProductSource(models.TextChoices):
    """Where a product's exosomes come from: what a recall and the patient need to know."""

    DONOR = "donor", _("Ready-made, from donor cells")
    OWN_BLOOD = "own_blood", _("Made from the patient's own blood")
    OWN_FAT = "own_fat", _("Made from the patient's own fat")


# A lot of an own-source product belongs to one patient and is never used for anyone else.
OWN_PRODUCT_SOURCES = (ProductSource.OWN_BLOOD.value, ProductSource.OWN_FAT.value)


class Product(models.Model):
    """An exosome product the clinic applies, as its supplier names it; lots are in `clinical`."""

    name = models.CharField(_("name"), max_length=160)
    maker = models.CharField(_("maker"), max_length=160)
    source = models.CharField(_("source"), max_length=16, choices=ProductSource.choices)
    donor_tissue = models.CharField(
        _("donor tissue"),
        max_length=160,
        blank=True,
        help_text=_(
            "For ready-made products: the tissue the donor cells come from, for example "
            "umbilical cord or adipose (fat) tissue."
        ),
    )
    regulatory_status = models.TextField(
        _("regulatory status"),
        help_text=_(
            "In plain words: how the product is placed on the market (for example as a "
            "cosmetic) and that it is not approved as a medicine."
        ),
    )
    supplier = models.CharField(_("supplier"), max_length=160, blank=True)
    is_demo = models.BooleanField(
        _("demo product"),
        default=False,
        help_text=_("A fictional product of the demo data; its pages say so."),
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("product")
        verbose_name_plural = _("products")
        constraints = [
            models.CheckConstraint(
                name="product_donor_tissue_only_for_donor_source",
                condition=Q(source="donor") | Q(donor_tissue=""),
                violation_error_message=_("Only a ready-made product has a donor tissue."),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.maker})"

    @property
    def is_own_source(self) -> bool:
        return self.source in OWN_PRODUCT_SOURCES


class IndicationQuerySet(models.QuerySet["Indication"]):
    def with_published_protocols(self) -> IndicationQuerySet:
        return self.filter(protocols__published=True).distinct()


class Indication(models.Model):
    slug = models.SlugField(_("slug"), max_length=80, unique=True)
    name = models.CharField(_("name"), max_length=120)
    description = models.TextField(_("short description"), blank=True)
    display_order = models.PositiveSmallIntegerField(_("display order"), default=0)

    objects = IndicationQuerySet.as_manager()

    class Meta:
        ordering = ["display_order", "slug"]
        verbose_name = _("indication")
        verbose_name_plural = _("indications")

    def __str__(self) -> str:
        return self.name


class ProtocolQuerySet(models.QuerySet["Protocol"]):
    def published(self) -> ProtocolQuerySet:
        """Shown and bookable: published, and a ready-made course names its product (the
        patient consents to a course of an unapproved product; they must know which one)."""
        return self.filter(published=True).filter(
            Q(source__in=AUTOLOGOUS_SOURCES) | Q(product__isnull=False)
        )

    def for_indication(self, slug: str) -> ProtocolQuerySet:
        return self.filter(indications__slug=slug)

    def from_source(self, source: str) -> ProtocolQuerySet:
        return self.filter(source=source)

    def for_listing(self) -> ProtocolQuerySet:
        return self.select_related("product").prefetch_related("indications")

    def search(self, query: str, language: str) -> ProtocolQuerySet:
        return text_search(
            self, query, language, weighted_fields=("name", "summary", "description")
        )


class Protocol(models.Model):
    """What the clinic sells: a course of exosome sessions after a combined procedure."""

    name = models.CharField(_("name"), max_length=160)
    slug = models.SlugField(_("slug"), max_length=160, unique=True)
    source = models.CharField(_("exosome source"), max_length=32, choices=Source.choices)
    indications = models.ManyToManyField(
        Indication, related_name="protocols", verbose_name=_("indications")
    )
    procedure = models.CharField(_("combined procedure"), max_length=32, choices=Procedure.choices)
    session_count = models.PositiveSmallIntegerField(
        _("sessions in the course"),
        default=MAX_SESSIONS,
        validators=[MinValueValidator(MIN_SESSIONS), MaxValueValidator(MAX_SESSIONS)],
        help_text=_("From 1 to 3."),
    )
    min_interval_days = models.PositiveSmallIntegerField(
        _("minimum days between sessions"), default=21, validators=[MinValueValidator(1)]
    )
    max_interval_days = models.PositiveSmallIntegerField(
        _("maximum days between sessions"), default=35, validators=[MinValueValidator(1)]
    )
    session_minutes = models.PositiveSmallIntegerField(
        _("session length (minutes)"),
        default=60,
        validators=[MinValueValidator(5), MaxValueValidator(480)],
    )
    preparation_minutes = models.PositiveSmallIntegerField(
        _("preparation visit length (minutes)"),
        default=0,
        help_text=_(
            "Blood draw or lipoaspiration before the course. Required for the patient's own "
            "exosomes, 0 for ready-made ones."
        ),
    )
    lab_lead_days = models.PositiveSmallIntegerField(
        _("lab lead time (days)"),
        default=0,
        help_text=_(
            "Days the lab needs between the preparation visit and the first session. Required "
            "for the patient's own exosomes, 0 for ready-made ones."
        ),
    )
    price = models.DecimalField(
        _("course price"),
        max_digits=8,
        decimal_places=2,
        validators=[MinValueValidator(Decimal("0"))],
    )
    summary = models.CharField(_("summary"), max_length=300)
    description = models.TextField(_("description"))
    what_to_expect = models.TextField(_("what to expect and downtime"))
    aftercare = models.TextField(_("aftercare"))
    how_to_prepare = models.TextField(
        _("how to prepare"),
        blank=True,
        help_text=_("What the patient does in the weeks and days before the first session."),
    )
    results_timing = models.TextField(
        _("results: when they can be judged"),
        blank=True,
        help_text=_("When a change can first be judged, and what the studies measured when."),
    )
    # What the clinic applies: patients have a right to know the product and that it is not an
    # approved medicine. Required before a ready-made course is published (`clean`, `published`).
    product = models.ForeignKey(
        Product,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="protocols",
        verbose_name=_("product"),
    )
    published = models.BooleanField(_("published"), default=False)
    display_order = models.PositiveSmallIntegerField(_("display order"), default=0)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = ProtocolQuerySet.as_manager()

    class Meta:
        ordering = ["display_order", "name"]
        verbose_name = _("protocol")
        verbose_name_plural = _("protocols")
        constraints = [
            models.CheckConstraint(
                name="protocol_session_count_1_to_3",
                condition=Q(session_count__gte=MIN_SESSIONS, session_count__lte=MAX_SESSIONS),
                violation_error_message=_("A course has 1 to 3 sessions."),
            ),
            models.CheckConstraint(
                name="protocol_interval_min_le_max",
                condition=Q(min_interval_days__gte=1)
                & Q(min_interval_days__lte=models.F("max_interval_days")),
                violation_error_message=_(
                    "The minimum days between sessions must be at least 1 and not more than "
                    "the maximum."
                ),
            ),
            models.CheckConstraint(
                name="protocol_autologous_needs_preparation",
                condition=(
                    Q(source__in=AUTOLOGOUS_SOURCES, preparation_minutes__gt=0, lab_lead_days__gt=0)
                    | (
                        ~Q(source__in=AUTOLOGOUS_SOURCES)
                        & Q(preparation_minutes=0, lab_lead_days=0)
                    )
                ),
                violation_error_message=_(
                    "The patient's own exosomes need a preparation visit and a lab lead time; "
                    "ready-made exosomes need neither."
                ),
            ),
            models.CheckConstraint(
                name="protocol_session_minutes_positive",
                condition=Q(session_minutes__gt=0),
            ),
            models.CheckConstraint(name="protocol_price_not_negative", condition=Q(price__gte=0)),
        ]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("treatments:protocol-detail", kwargs={"slug": self.slug})

    @property
    def is_autologous(self) -> bool:
        return self.source in AUTOLOGOUS_SOURCES

    @property
    def needs_device(self) -> bool:
        return Procedure(self.procedure).needs_device

    @property
    def source_explanation(self) -> str:
        return SOURCE_EXPLANATIONS[Source(self.source)]

    @property
    def preparation_name(self) -> str:
        """What happens at the preparation visit, in plain words ("" for ready-made exosomes)."""
        return PREPARATION_NAMES.get(self.source, "")

    @property
    def procedure_explanation(self) -> str:
        return PROCEDURE_EXPLANATIONS[Procedure(self.procedure)]

    def clean(self) -> None:
        # The same rules as the check constraints, attached to the fields a person must change.
        errors: dict[str, str] = {}
        if (
            self.min_interval_days is not None
            and self.max_interval_days is not None
            and self.min_interval_days > self.max_interval_days
        ):
            errors["max_interval_days"] = _(
                "The maximum days between sessions must not be less than the minimum (%(min)s)."
            ) % {"min": self.min_interval_days}
        if self.source in AUTOLOGOUS_SOURCES:
            if not self.preparation_minutes:
                errors["preparation_minutes"] = _(
                    "The patient's own exosomes need a preparation visit: enter its length in "
                    "minutes."
                )
            if not self.lab_lead_days:
                errors["lab_lead_days"] = _(
                    "The patient's own exosomes need lab time before the first session: enter "
                    "the days."
                )
        elif self.source:
            if self.preparation_minutes:
                errors["preparation_minutes"] = _(
                    "Ready-made exosomes need no preparation visit: set this to 0."
                )
            if self.lab_lead_days:
                errors["lab_lead_days"] = _("Ready-made exosomes need no lab time: set this to 0.")
        if (
            self.published
            and self.source
            and self.source not in AUTOLOGOUS_SOURCES
            and self.product_id is None
        ):
            errors["product"] = _(
                "A ready-made course cannot be published without its product: choose it."
            )
        if self.product_id is not None and self.source:
            wanted = {
                Source.MSC_READY_MADE.value: ProductSource.DONOR,
                Source.MSC_OWN_ADIPOSE.value: ProductSource.OWN_FAT,
                Source.PRP_OWN.value: ProductSource.OWN_BLOOD,
            }[self.source]
            if self.product.source != wanted:
                errors["product"] = _(
                    "This product is “%(product_source)s”; the course needs “%(wanted)s”."
                ) % {"product_source": self.product.get_source_display(), "wanted": wanted.label}
        if errors:
            raise ValidationError(errors)
