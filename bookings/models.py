from __future__ import annotations

from datetime import datetime

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from treatments.models import Procedure, Protocol, Source


def _clinic_wall_clock(moment: datetime | None) -> str:
    """Names shown to staff (admin titles, history, selects) use the clinic's clock, not UTC."""
    if moment is None:
        return "–"
    if timezone.is_aware(moment):
        moment = timezone.localtime(moment, timezone.get_default_timezone())
    return f"{moment:%Y-%m-%d %H:%M}"


class Clinician(models.Model):
    """A member of staff who treats patients, reviews plans and may review education pages."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="clinician"
    )
    display_name = models.CharField(_("display name"), max_length=120)
    qualification = models.CharField(_("qualification"), max_length=160, blank=True)
    # Shown to patients on the team page (issue 20: "who the clinicians are").
    qualifications = models.TextField(
        _("qualifications"),
        blank=True,
        help_text=_(
            "Shown on the team page: degrees, specialist title, registration and training in "
            "the treatments, one item per line."
        ),
    )
    protocols = models.ManyToManyField(
        Protocol, related_name="clinicians", blank=True, verbose_name=_("protocols performed")
    )
    active = models.BooleanField(_("active"), default=True)

    class Meta:
        ordering = ["display_name"]
        verbose_name = _("clinician")
        verbose_name_plural = _("clinicians")

    def __str__(self) -> str:
        return self.display_name

    def qualification_items(self) -> list[str]:
        """The qualifications as the team page lists them: one per non-empty line."""
        return [line.strip() for line in (self.qualifications or "").splitlines() if line.strip()]


class DeviceQuerySet(models.QuerySet["Device"]):
    def for_procedure(self, procedure: str) -> DeviceQuerySet:
        return self.filter(active=True, procedure=procedure)


class Device(models.Model):
    """A scarce machine (a fractional laser) that a session reserves for its whole length."""

    name = models.CharField(_("name"), max_length=80, unique=True)
    procedure = models.CharField(_("procedure"), max_length=32, choices=Procedure.choices)
    active = models.BooleanField(_("active"), default=True)

    objects = DeviceQuerySet.as_manager()

    class Meta:
        ordering = ["name"]
        verbose_name = _("device")
        verbose_name_plural = _("devices")

    def __str__(self) -> str:
        return self.name


class Weekday(models.IntegerChoices):
    MONDAY = 0, _("Monday")
    TUESDAY = 1, _("Tuesday")
    WEDNESDAY = 2, _("Wednesday")
    THURSDAY = 3, _("Thursday")
    FRIDAY = 4, _("Friday")
    SATURDAY = 5, _("Saturday")
    SUNDAY = 6, _("Sunday")


class WorkingHoursQuerySet(models.QuerySet["WorkingHours"]):
    def of_clinicians_performing(self, protocol: Protocol) -> WorkingHoursQuerySet:
        """The shifts of the active clinicians who perform this protocol."""
        return self.filter(clinician__active=True, clinician__protocols=protocol)


class WorkingHours(models.Model):
    """A clinician's regular shift in the clinic's local wall-clock time; several a day allowed."""

    clinician = models.ForeignKey(Clinician, on_delete=models.CASCADE, related_name="working_hours")
    weekday = models.PositiveSmallIntegerField(_("weekday"), choices=Weekday.choices)
    start = models.TimeField(_("from"))
    end = models.TimeField(_("until"))

    objects = WorkingHoursQuerySet.as_manager()

    class Meta:
        ordering = ["clinician", "weekday", "start"]
        verbose_name = _("working hours")
        verbose_name_plural = _("working hours")
        constraints = [
            models.CheckConstraint(
                name="working_hours_start_before_end",
                condition=Q(start__lt=F("end")),
                violation_error_message=_("A shift must end after it starts."),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_weekday_display()} {self.start:%H:%M}–{self.end:%H:%M}"

    def clean(self) -> None:
        if self.start and self.end and self.start >= self.end:
            raise ValidationError({"end": _("A shift must end after it starts.")})


class TimeOff(models.Model):
    """Leave for one clinician, or a closure of the whole clinic when no clinician is set."""

    clinician = models.ForeignKey(
        Clinician,
        on_delete=models.CASCADE,
        related_name="time_off",
        null=True,
        blank=True,
        help_text=_("Leave empty to close the whole clinic (public holiday)."),
    )
    start = models.DateTimeField(_("from"))
    end = models.DateTimeField(_("until"))
    reason = models.CharField(_("reason"), max_length=120, blank=True)

    class Meta:
        ordering = ["start"]
        verbose_name = _("time off")
        verbose_name_plural = _("time off")
        constraints = [
            models.CheckConstraint(
                name="time_off_start_before_end",
                condition=Q(start__lt=F("end")),
                violation_error_message=_("Time off must end after it starts."),
            ),
        ]

    def __str__(self) -> str:
        who = self.clinician or _("Whole clinic")
        return f"{who}: {_clinic_wall_clock(self.start)} – {_clinic_wall_clock(self.end)}"

    def clean(self) -> None:
        if self.start and self.end and self.start >= self.end:
            raise ValidationError({"end": _("Time off must end after it starts.")})


class Patient(models.Model):
    full_name = models.CharField(_("full name"), max_length=160)
    email = models.EmailField(_("email"))
    phone = models.CharField(_("phone"), max_length=40, blank=True)
    date_of_birth = models.DateField(_("date of birth"))
    preferred_language = models.CharField(
        _("preferred language"),
        max_length=8,
        choices=settings.LANGUAGES,
        default=settings.LANGUAGE_CODE,
    )
    created_at = models.DateTimeField(auto_now_add=True)
    # Filled before every save (engine.patients.patient_normalise, connected in apps.py): finding
    # the same person again compares these, never what was typed ("Ayşe  YILMAZ" = "ayşe yılmaz").
    name_normalised = models.CharField(max_length=160, blank=True, editable=False)
    phone_normalised = models.CharField(max_length=40, blank=True, editable=False)

    class Meta:
        ordering = ["full_name"]
        verbose_name = _("patient")
        verbose_name_plural = _("patients")
        # Duplicate detection and the admin's date-of-birth search look patients up by it.
        indexes = [
            models.Index(fields=["date_of_birth"], name="patient_date_of_birth"),
            models.Index(fields=["phone_normalised"], name="patient_phone_normalised"),
            models.Index(fields=["name_normalised", "date_of_birth"], name="patient_name_birth"),
        ]

    def __str__(self) -> str:
        return self.full_name

    def save(self, *args: object, **kwargs: object) -> None:
        update_fields = kwargs.get("update_fields")
        if update_fields is not None and not {"full_name", "phone"}.isdisjoint(update_fields):
            # The normalised columns are recomputed before the save; store them with it.
            kwargs["update_fields"] = {*update_fields, "name_normalised", "phone_normalised"}
        super().save(*args, **kwargs)


class PlanStatus(models.TextChoices):
    HELD = "held", _("Held (being completed)")
    AWAITING_REVIEW = "awaiting_review", _("Awaiting clinician review")
    CONFIRMED = "confirmed", _("Confirmed")
    DECLINED = "declined", _("Declined")
    CANCELLED = "cancelled", _("Cancelled")
    COMPLETED = "completed", _("Completed")


# A plan in one of these states keeps its appointments in the calendar.
OPEN_PLAN_STATUSES = (
    PlanStatus.HELD.value,
    PlanStatus.AWAITING_REVIEW.value,
    PlanStatus.CONFIRMED.value,
)


class ConsentMethod(models.TextChoices):
    """How the patient gave consent. Reception never consents for a patient on the phone."""

    ONLINE = "online", _("Accepted online by the patient")
    IN_PERSON = "in_person", _("Given in person")


class PlanKind(models.TextChoices):
    COURSE = "course", _("Course")
    CONSULTATION = "consultation", _("Consultation")


class PlanQuerySet(models.QuerySet["Plan"]):
    def expired_holds(self, now: datetime) -> PlanQuerySet:
        """Held plans whose hold ran out: their times are free for others (see `blocking`)."""
        return self.filter(status=PlanStatus.HELD, hold_expires_at__lte=now)

    def live_holds(self, now: datetime) -> PlanQuerySet:
        """Held plans whose hold still keeps their times (the twin of `Plan.hold_is_live`)."""
        return self.filter(status=PlanStatus.HELD, hold_expires_at__gt=now)

    def without_consent(self) -> PlanQuerySet:
        """Plans the patient has not consented to yet (the twin of `Plan.has_consent`)."""
        return self.filter(consent_text__isnull=True)


class Plan(models.Model):
    """A patient's booked course of one protocol: its appointments and their review."""

    patient = models.ForeignKey(Patient, on_delete=models.PROTECT, related_name="plans")
    # A consultation (issue 18) is a plan of kind "consultation" with one visit; its protocol is
    # the treatment the patient asked about, or none (booked from the home page).
    kind = models.CharField(
        _("kind"), max_length=16, choices=PlanKind.choices, default=PlanKind.COURSE
    )
    protocol = models.ForeignKey(
        Protocol, on_delete=models.PROTECT, related_name="plans", null=True, blank=True
    )
    clinician = models.ForeignKey(
        Clinician,
        on_delete=models.PROTECT,
        related_name="plans",
        help_text=_("The clinician responsible for the course."),
    )
    status = models.CharField(
        _("status"), max_length=20, choices=PlanStatus.choices, default=PlanStatus.HELD
    )
    hold_expires_at = models.DateTimeField(
        _("hold expires at"),
        null=True,
        blank=True,
        help_text=_("A held plan that is not completed by then frees its times."),
    )
    reviewed_by = models.ForeignKey(
        Clinician,
        on_delete=models.PROTECT,
        related_name="reviewed_plans",
        null=True,
        blank=True,
    )
    reviewed_at = models.DateTimeField(_("reviewed at"), null=True, blank=True)
    review_note = models.TextField(_("review note"), blank=True)
    consent_text = models.ForeignKey(
        "ConsentText",
        on_delete=models.PROTECT,
        related_name="plans",
        null=True,
        blank=True,
        verbose_name=_("consent accepted"),
    )
    consented_at = models.DateTimeField(_("consented at"), null=True, blank=True)
    consent_language = models.CharField(_("consent language"), max_length=8, blank=True)
    # For the clinic's reports (reports app): when the plan went to a clinician for review, and
    # when it was first confirmed (a confirmed plan counts as booked revenue, and only a visit of
    # a plan that was once confirmed counts as a cancellation; lapsed holds never do).
    review_requested_at = models.DateTimeField(_("review requested at"), null=True, blank=True)
    confirmed_at = models.DateTimeField(_("confirmed at"), null=True, blank=True)
    consent_method = models.CharField(
        _("consent given"), max_length=16, choices=ConsentMethod.choices, blank=True
    )
    consent_recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("consent recorded by"),
        help_text=_("The member of staff who saw the patient consent in person."),
    )
    # The course the booking page showed (engine.placing): placing it twice gives one plan, and
    # a confirmation from a page that showed another course is refused.
    proposal_id = models.CharField(max_length=64, blank=True, editable=False)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    objects = PlanQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("plan")
        verbose_name_plural = _("plans")
        constraints = [
            models.CheckConstraint(
                name="plan_course_has_protocol",
                condition=Q(kind=PlanKind.CONSULTATION) | Q(protocol__isnull=False),
            ),
            models.CheckConstraint(
                name="plan_held_has_expiry",
                condition=~Q(status=PlanStatus.HELD) | Q(hold_expires_at__isnull=False),
            ),
            # One open plan per proposal: a double click or a retry cannot hold a course twice.
            models.UniqueConstraint(
                fields=["proposal_id"],
                condition=~Q(proposal_id="") & Q(status__in=OPEN_PLAN_STATUSES),
                name="plan_one_open_per_proposal",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.protocol} – {self.patient}"

    @property
    def title(self) -> str:
        """What staff pages call the plan: the protocol's name, or "Consultation" (issue 18:
        a consultation from the home page has no protocol)."""
        if self.kind == PlanKind.CONSULTATION:
            return str(_("Consultation"))
        return str(self.protocol.name) if self.protocol else ""

    def has_consent(self) -> bool:
        """The patient consented to this course (online, or in person at the clinic).

        Until then a clinician cannot approve the plan and nobody can record a treatment.
        """
        return self.consent_text_id is not None

    def hold_is_live(self, now: datetime) -> bool:
        """A held plan still keeping its times (the twin of `PlanQuerySet.live_holds`)."""
        return (
            self.status == PlanStatus.HELD
            and self.hold_expires_at is not None
            and self.hold_expires_at > now
        )


class AppointmentKind(models.TextChoices):
    PREPARATION = "preparation", _("Preparation visit")
    SESSION = "session", _("Session")
    CONSULTATION = "consultation", _("Consultation")


class AppointmentStatus(models.TextChoices):
    BOOKED = "booked", _("Booked")
    CHECKED_IN = "checked_in", _("Checked in")
    IN_TREATMENT = "in_treatment", _("In treatment")
    COMPLETED = "completed", _("Completed")
    NO_SHOW = "no_show", _("No-show")
    CANCELLED = "cancelled", _("Cancelled")


# A visit in one of these states no longer occupies its clinician and device (see `blocking`).
NOT_BLOCKING_STATUSES = (AppointmentStatus.CANCELLED, AppointmentStatus.NO_SHOW)

# The visit before the sessions of an autologous course (blood draw or lipoaspiration).
PREPARATION_SEQUENCE = 0


class AppointmentQuerySet(models.QuerySet["Appointment"]):
    def active(self) -> AppointmentQuerySet:
        """Appointments that are part of their course (everything but cancelled)."""
        return self.exclude(status=AppointmentStatus.CANCELLED)

    def scheduled(self, now: datetime) -> AppointmentQuerySet:
        """Appointments that were given their time, whatever their outcome: all but cancelled
        ones and those of held plans whose hold has run out (the reports' booked minutes)."""
        return self.active().filter(
            ~Q(plan__status=PlanStatus.HELD) | Q(plan__hold_expires_at__gt=now)
        )

    def blocking(self, now: datetime) -> AppointmentQuerySet:
        """Appointments that occupy their clinician and device at `now`.

        The one statement of the rule: every appointment blocks unless it is cancelled, a
        no-show (the patient did not come: reception may give the rest of that time away), or
        its plan's hold has run out. `availability._busy_rows` repeats it in SQL for speed (a
        test compares the two on random data), and the exclusion constraints (migration 0017)
        leave out the same two states.
        """
        return self.scheduled(now).exclude(status__in=NOT_BLOCKING_STATUSES)


class Appointment(models.Model):
    """One visit: a preparation visit (sequence 0) or session 1–3 of a plan.

    On PostgreSQL, exclusion constraints (migrations 0002 and 0017) make overlapping blocking
    appointments (neither cancelled nor no-show) of one clinician, or of one device, impossible
    whatever the application does.
    """

    plan = models.ForeignKey(Plan, on_delete=models.CASCADE, related_name="appointments")
    kind = models.CharField(_("kind"), max_length=16, choices=AppointmentKind.choices)
    sequence = models.PositiveSmallIntegerField(
        _("sequence"), help_text=_("0 for the preparation visit, then 1, 2, 3 for the sessions.")
    )
    start = models.DateTimeField(_("start"))
    end = models.DateTimeField(_("end"))
    clinician = models.ForeignKey(Clinician, on_delete=models.PROTECT, related_name="appointments")
    device = models.ForeignKey(
        Device, on_delete=models.PROTECT, related_name="appointments", null=True, blank=True
    )
    status = models.CharField(
        _("status"),
        max_length=16,
        choices=AppointmentStatus.choices,
        default=AppointmentStatus.BOOKED,
    )
    # Set by every cancellation path (bookings.services): a cancellation inside the notice
    # period (BOOKING_CANCELLATION_NOTICE_HOURS) counts as late in the reports.
    cancelled_at = models.DateTimeField(_("cancelled at"), null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = AppointmentQuerySet.as_manager()

    class Meta:
        ordering = ["start"]
        verbose_name = _("appointment")
        verbose_name_plural = _("appointments")
        indexes = [
            models.Index(fields=["clinician", "start"], name="appointment_clinician_start"),
            models.Index(fields=["device", "start"], name="appointment_device_start"),
            models.Index(fields=["start"], name="appointment_start"),
        ]
        constraints = [
            models.CheckConstraint(
                name="appointment_start_before_end", condition=Q(start__lt=F("end"))
            ),
            models.CheckConstraint(
                name="appointment_kind_matches_sequence",
                condition=Q(kind=AppointmentKind.PREPARATION, sequence=0)
                | Q(kind=AppointmentKind.SESSION, sequence__gte=1, sequence__lte=3)
                | Q(kind=AppointmentKind.CONSULTATION, sequence=1),
            ),
            models.UniqueConstraint(
                fields=["plan", "sequence"],
                condition=~Q(status=AppointmentStatus.CANCELLED),
                name="appointment_one_active_per_plan_sequence",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.sequence} – {_clinic_wall_clock(self.start)}"

    @property
    def is_active(self) -> bool:
        return self.status != AppointmentStatus.CANCELLED

    @property
    def is_preparation(self) -> bool:
        """The visit before the sessions of an autologous course (PREPARATION_SEQUENCE)."""
        return self.sequence == PREPARATION_SEQUENCE


# --- Screening and consent ------------------------------------------------------------------------


class ScreeningOutcome(models.TextChoices):
    """What a "yes" to a screening question means for online booking."""

    FINE = "fine", _("Fine: no action")
    REVIEW = "review", _("Needs clinician review")
    BLOCK = "block", _("Cannot be booked online")


class ScreeningQuestionQuerySet(models.QuerySet["ScreeningQuestion"]):
    def for_protocol(self, protocol: Protocol) -> ScreeningQuestionQuerySet:
        """The active questions that apply to this protocol's source and procedure."""
        return self.filter(
            Q(source="") | Q(source=protocol.source),
            Q(procedure="") | Q(procedure=protocol.procedure),
            active=True,
        )


class ScreeningQuestion(models.Model):
    """A yes/no health question asked before a course is booked (text translated en/de/tr)."""

    text = models.CharField(_("question"), max_length=300)
    explanation = models.CharField(
        _("why we ask"),
        max_length=400,
        blank=True,
        help_text=_("Shown to the patient under the question."),
    )
    source = models.CharField(
        _("only for source"),
        max_length=32,
        blank=True,
        choices=Source.choices,
        help_text=_("Leave empty to ask for every source."),
    )
    procedure = models.CharField(
        _("only for procedure"),
        max_length=32,
        blank=True,
        choices=Procedure.choices,
        help_text=_("Leave empty to ask for every combined procedure."),
    )
    yes_outcome = models.CharField(
        _("if the answer is yes"),
        max_length=16,
        choices=ScreeningOutcome.choices,
        default=ScreeningOutcome.REVIEW,
    )
    position = models.PositiveSmallIntegerField(_("position"), default=0)
    active = models.BooleanField(_("active"), default=True)

    objects = ScreeningQuestionQuerySet.as_manager()

    class Meta:
        ordering = ["position", "id"]
        verbose_name = _("screening question")
        verbose_name_plural = _("screening questions")

    def __str__(self) -> str:
        return self.text


class ScreeningAnswer(models.Model):
    """One answer of a plan's screening, with the question as the patient saw it.

    The text and outcome are copied, so editing or deleting a question never rewrites history.
    """

    plan = models.ForeignKey(Plan, on_delete=models.CASCADE, related_name="screening_answers")
    question = models.ForeignKey(
        ScreeningQuestion,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="answers",
    )
    question_text = models.CharField(_("question as asked"), max_length=300)
    answer = models.BooleanField(_("answer"))
    outcome = models.CharField(
        _("outcome"),
        max_length=16,
        choices=ScreeningOutcome.choices,
        help_text=_("What this answer meant when it was given."),
    )
    position = models.PositiveSmallIntegerField(_("position"), default=0)

    class Meta:
        ordering = ["plan", "position", "id"]
        verbose_name = _("screening answer")
        verbose_name_plural = _("screening answers")

    def __str__(self) -> str:
        return self.question_text

    @property
    def is_flagged(self) -> bool:
        """A "yes" whose outcome is not fine: the clinician reads these first."""
        return self.answer and self.outcome != ScreeningOutcome.FINE


class ConsentTextQuerySet(models.QuerySet["ConsentText"]):
    def for_course(
        self, protocol: Protocol, language: str, *, now: datetime | None = None
    ) -> ConsentText | None:
        """The newest published text for this course's procedure and source.

        Risks differ by procedure (laser, microneedling) and source (donor cells, the patient's
        own fat or blood), so a text written for the course's exact combination comes first: in
        the patient's language, else in English. Only when the clinic has none for it does the
        general text (no procedure, no source) apply.
        """
        texts = list(
            self.filter(
                published_at__lte=now or timezone.now(),
                language__in={language, "en"},
                procedure__in={protocol.procedure, ""},
                source__in={protocol.source, ""},
            ).order_by("-version")
        )
        preference = [
            (protocol.procedure, protocol.source, language),
            (protocol.procedure, protocol.source, "en"),
            ("", "", language),
            ("", "", "en"),
        ]
        for procedure, source, lang in preference:
            for text in texts:
                if (text.procedure, text.source, text.language) == (procedure, source, lang):
                    return text
        return None


class ConsentText(models.Model):
    """A versioned consent text in one language. A new version never rewrites an accepted one.

    A text is written for one combination of procedure and source (its risks are specific), or
    for none (the general text). Versions count per language and combination.
    """

    language = models.CharField(_("language"), max_length=8, choices=settings.LANGUAGES)
    procedure = models.CharField(
        _("for procedure"),
        max_length=32,
        blank=True,
        choices=Procedure.choices,
        help_text=_("Leave empty for the general text used when no specific one exists."),
    )
    source = models.CharField(
        _("for source"),
        max_length=32,
        blank=True,
        choices=Source.choices,
        help_text=_("Leave empty for the general text used when no specific one exists."),
    )
    version = models.PositiveIntegerField(_("version"))
    title = models.CharField(_("title"), max_length=200)
    body = models.TextField(_("text"), help_text=_("Markdown."))
    published_at = models.DateTimeField(_("published at"))
    created_at = models.DateTimeField(auto_now_add=True)

    objects = ConsentTextQuerySet.as_manager()

    class Meta:
        ordering = ["language", "procedure", "source", "-version"]
        verbose_name = _("consent text")
        verbose_name_plural = _("consent texts")
        constraints = [
            models.UniqueConstraint(
                fields=["language", "procedure", "source", "version"],
                name="consent_text_one_per_course_language_version",
            ),
        ]

    def __str__(self) -> str:
        course = " + ".join(filter(None, [self.procedure, self.source])) or "general"
        return f"{self.title} ({self.language}, {course}, v{self.version})"


# --- Outgoing email (an outbox: written in the booking's transaction, sent by the tasks worker) ---


class OutgoingEmailStatus(models.TextChoices):
    PENDING = "pending", _("Pending")
    SENT = "sent", _("Sent")
    FAILED = "failed", _("Gave up")


class OutgoingEmail(models.Model):
    """One email to a patient, kept until it is sent so that a mail server outage loses nothing.

    The body (which may carry a manage link) is cleared once the email has been sent; the subject,
    recipient, template and times stay as the record of what was sent.
    """

    patient = models.ForeignKey(
        Patient, on_delete=models.CASCADE, related_name="emails", null=True, blank=True
    )
    plan = models.ForeignKey(
        Plan, on_delete=models.SET_NULL, related_name="emails", null=True, blank=True
    )
    template = models.CharField(_("template"), max_length=80)
    to = models.EmailField(_("to"))
    subject = models.CharField(_("subject"), max_length=300)
    body_text = models.TextField(blank=True)
    body_html = models.TextField(blank=True)
    attachments = models.JSONField(
        default=list,
        blank=True,
        help_text="[{filename, content_type, content (base64)}]; cleared once sent.",
    )
    status = models.CharField(
        _("status"),
        max_length=16,
        choices=OutgoingEmailStatus.choices,
        default=OutgoingEmailStatus.PENDING,
    )
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    next_attempt_at = models.DateTimeField(_("next attempt at"), null=True, blank=True)
    last_error = models.CharField(_("last error"), max_length=300, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    sent_at = models.DateTimeField(_("sent at"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("outgoing email")
        verbose_name_plural = _("outgoing emails")
        indexes = [models.Index(fields=["status", "next_attempt_at"], name="email_due")]

    def __str__(self) -> str:
        return f"{self.template} → {self.to}"


# --- Reminders ------------------------------------------------------------------------------------


class ReminderKind(models.TextChoices):
    DAY_BEFORE = "day_before", _("Day-before reminder")


class SentReminder(models.Model):
    """A reminder claimed for one appointment at one start time: the guard against sending twice.

    The row is inserted in the same transaction as the reminder's outbox email, and the unique
    constraint lets only one of two concurrent runs insert it. The start is part of the key, so a
    rescheduled appointment gets a fresh reminder for its new time.
    """

    appointment = models.ForeignKey(
        Appointment, on_delete=models.CASCADE, related_name="sent_reminders"
    )
    kind = models.CharField(_("kind"), max_length=16, choices=ReminderKind.choices)
    appointment_start = models.DateTimeField(_("for the visit at"))
    email = models.ForeignKey(
        OutgoingEmail,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="reminders",
        verbose_name=_("email"),
    )
    created_at = models.DateTimeField(_("queued at"), auto_now_add=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("sent reminder")
        verbose_name_plural = _("sent reminders")
        constraints = [
            models.UniqueConstraint(
                fields=["appointment", "kind", "appointment_start"],
                name="sent_reminder_once_per_appointment_kind_start",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} – {self.appointment_start:%Y-%m-%d %H:%M}"


class AgendaDay(Appointment):
    """No table of its own: puts the day's agenda on the admin index (bookings/admin.py)."""

    class Meta:
        proxy = True
        verbose_name = _("agenda")
        verbose_name_plural = _("agenda of the day")


# --- Manage links (online booking) ----------------------------------------------------------------


class ManageLinkQuerySet(models.QuerySet["ManageLink"]):
    def usable(self) -> ManageLinkQuerySet:
        """Not revoked. Whether it has expired depends on the plan's visits (engine.tokens)."""
        return self.filter(revoked_at__isnull=True)


class ManageLink(models.Model):
    """A patient's link to see, move or cancel a plan. Only a hash of the token is stored.

    The token itself exists only in the email that carries it; anyone who reads this table
    cannot rebuild a working link. It works until the plan's last visit plus a margin
    (`BOOKING_MANAGE_LINK_DAYS_AFTER`), and stops working when revoked (a new link was asked for).
    """

    plan = models.ForeignKey(Plan, on_delete=models.CASCADE, related_name="manage_links")
    token_hash = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    revoked_at = models.DateTimeField(_("revoked at"), null=True, blank=True)

    objects = ManageLinkQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("manage link")
        verbose_name_plural = _("manage links")

    def __str__(self) -> str:
        return f"{self.plan} ({self.created_at:%Y-%m-%d})"


# --- The online booking funnel (aggregate daily counters, no personal data) ---------------------


class FunnelStep(models.TextChoices):
    """A step of the online booking, counted once per booking flow (bookings.funnel)."""

    STARTED = "started", _("Screening started")
    BLOCKED = "blocked", _("Blocked by screening")
    TIMES_SHOWN = "times_shown", _("Times shown")
    DETAILS = "details", _("Details page")
    HELD = "held", _("Times held")
    CONFIRMED = "confirmed", _("Confirmed")
    REVIEW = "review", _("Sent for clinician review")


class FunnelDay(models.Model):
    """How many booking flows reached a step on one local day, per protocol and language.

    Only counts: no session id, address, patient or time of day, so nothing here identifies
    anyone. Rows are incremented with one atomic upsert (bookings.funnel.funnel_step).
    """

    date = models.DateField(_("date"))
    protocol = models.ForeignKey(Protocol, on_delete=models.CASCADE, related_name="funnel_days")
    language = models.CharField(_("language"), max_length=8)
    step = models.CharField(_("step"), max_length=16, choices=FunnelStep.choices)
    count = models.PositiveIntegerField(_("count"), default=0)

    class Meta:
        ordering = ["date", "protocol", "language", "step"]
        verbose_name = _("booking funnel day")
        verbose_name_plural = _("booking funnel days")
        constraints = [
            models.UniqueConstraint(
                fields=["date", "protocol", "language", "step"], name="funnel_day_one_counter"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.date} {self.protocol_id} {self.language} {self.step}: {self.count}"


class RateLimitCounter(models.Model):
    """Online booking rate-limit counts, kept here while the shared cache (Redis) is unreachable
    (bookings/online/rate_counter.py)."""

    key = models.CharField(max_length=200, unique=True)
    count = models.PositiveIntegerField(default=0)
    expires_at = models.DateTimeField(db_index=True)

    def __str__(self) -> str:
        return self.key


# --- Waitlist (issue 18: freed times offered to patients who want an earlier start) ----------


class TimeOfDay(models.TextChoices):
    ANY = "any", _("Any time")
    MORNING = "morning", _("Morning (before 12:00)")
    AFTERNOON = "afternoon", _("Afternoon (from 12:00)")


class WaitlistStatus(models.TextChoices):
    UNVERIFIED = "unverified", _("Waiting for email confirmation")
    ACTIVE = "active", _("Active")
    FULFILLED = "fulfilled", _("Fulfilled")
    LEFT = "left", _("Left")
    REMOVED = "removed", _("Removed by the clinic")


class WaitlistEntryQuerySet(models.QuerySet["WaitlistEntry"]):
    def waiting(self, today) -> WaitlistEntryQuerySet:
        """Confirmed entries whose window has not passed: the only ones that get offers."""
        return self.filter(status=WaitlistStatus.ACTIVE, latest_date__gte=today)


class WaitlistEntry(models.Model):
    """A patient who wants a course of a protocol to start earlier, within a window of days.

    Only its email confirmation makes it active (the token's SHA-256 hash is kept, nothing
    else); `plan` is set when the patient already has a booked course to be moved earlier.
    """

    patient = models.ForeignKey(Patient, on_delete=models.CASCADE, related_name="waitlist")
    protocol = models.ForeignKey(Protocol, on_delete=models.CASCADE, related_name="waitlist")
    clinician = models.ForeignKey(
        Clinician, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    plan = models.ForeignKey(
        Plan, on_delete=models.CASCADE, null=True, blank=True, related_name="waitlist_entries"
    )
    earliest_date = models.DateField(_("earliest first visit"))
    latest_date = models.DateField(_("latest first visit"))
    time_of_day = models.CharField(
        _("time of day"), max_length=16, choices=TimeOfDay.choices, default=TimeOfDay.ANY
    )
    status = models.CharField(
        _("status"),
        max_length=16,
        choices=WaitlistStatus.choices,
        default=WaitlistStatus.UNVERIFIED,
    )
    verify_token_hash = models.CharField(max_length=64, unique=True)
    leave_token_hash = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(_("since"), auto_now_add=True)
    verified_at = models.DateTimeField(_("confirmed at"), null=True, blank=True)
    ended_at = models.DateTimeField(_("ended at"), null=True, blank=True)

    objects = WaitlistEntryQuerySet.as_manager()

    class Meta:
        ordering = ["created_at", "pk"]
        verbose_name = _("waitlist entry")
        verbose_name_plural = _("waitlist")
        constraints = [
            models.CheckConstraint(
                condition=Q(earliest_date__lte=F("latest_date")), name="waitlist_window_order"
            ),
        ]
        indexes = [models.Index(fields=["status", "protocol", "created_at"], name="waitlist_find")]

    def __str__(self) -> str:
        return f"{self.patient} – {self.protocol}"


class OfferStatus(models.TextChoices):
    OPEN = "open", _("Open")
    CLAIMED = "claimed", _("Claimed")
    EXPIRED = "expired", _("Expired")
    WITHDRAWN = "withdrawn", _("Withdrawn")


class WaitlistOffer(models.Model):
    """One freed course offered to one entry, held for it (as a held plan) until `expires_at`.

    `freed_key` names the freed time that led to it: an entry is offered one freed time once.
    """

    entry = models.ForeignKey(WaitlistEntry, on_delete=models.CASCADE, related_name="offers")
    plan = models.OneToOneField(
        Plan, on_delete=models.SET_NULL, null=True, blank=True, related_name="waitlist_offer"
    )
    freed_key = models.CharField(max_length=64)
    freed_at = models.DateTimeField(_("time freed at"))
    proposal_id = models.CharField(max_length=64, editable=False)
    claim_token_hash = models.CharField(max_length=64, unique=True)
    status = models.CharField(
        _("status"), max_length=16, choices=OfferStatus.choices, default=OfferStatus.OPEN
    )
    first_start = models.DateTimeField(_("first visit"))
    created_at = models.DateTimeField(_("sent at"), auto_now_add=True)
    expires_at = models.DateTimeField(_("expires at"))
    claimed_at = models.DateTimeField(_("claimed at"), null=True, blank=True)
    by_hand = models.BooleanField(_("sent by reception"), default=False)

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("waitlist offer")
        verbose_name_plural = _("waitlist offers")
        constraints = [
            # Never twice for the same freed time and entry; one open offer per entry.
            models.UniqueConstraint(fields=["entry", "freed_key"], name="offer_once_per_freed"),
            models.UniqueConstraint(
                fields=["entry"], condition=Q(status="open"), name="offer_one_open_per_entry"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.entry} ({self.get_status_display()})"


# --- Consultations and recommendations (issue 18) ----------------------------------------------


class ConsultationSettingsQuerySet(models.QuerySet["ConsultationSettings"]):
    def current(self) -> ConsultationSettings | None:
        """The clinic's consultation settings, or None when consultations are not offered."""
        return self.filter(active=True).order_by("pk").first()


class ConsultationSettings(models.Model):
    """How the clinic offers a consultation: one row, edited in the admin."""

    active = models.BooleanField(_("consultations offered"), default=True)
    minutes = models.PositiveSmallIntegerField(
        _("length in minutes"),
        default=20,
        help_text=_("How long a consultation is in the calendar."),
    )
    price = models.DecimalField(
        _("price (EUR)"),
        max_digits=8,
        decimal_places=2,
        null=True,
        blank=True,
        help_text=_("Leave empty when the consultation is free."),
    )
    clinicians = models.ManyToManyField(
        Clinician,
        related_name="consultation_settings",
        blank=True,
        verbose_name=_("clinicians who offer consultations"),
    )

    objects = ConsultationSettingsQuerySet.as_manager()

    class Meta:
        verbose_name = _("consultation settings")
        verbose_name_plural = _("consultation settings")
        constraints = [
            models.CheckConstraint(
                name="consultation_settings_minutes_positive", condition=Q(minutes__gte=5)
            ),
            models.CheckConstraint(
                name="consultation_settings_price_not_negative",
                condition=Q(price__isnull=True) | Q(price__gte=0),
            ),
        ]

    def __str__(self) -> str:
        return str(_("Consultation settings"))

    @property
    def is_free(self) -> bool:
        return self.price is None or self.price == 0


class ConsultationTopic(models.TextChoices):
    """What the patient would like to discuss (optional; no medical screening here)."""

    WHICH_TREATMENT = "which_treatment", _("Which treatment suits my skin")
    RESULTS = "results", _("What results are realistic")
    COSTS = "costs", _("Costs and number of sessions")
    RISKS = "risks", _("Risks and side effects")
    OTHER = "other", _("Something else")


class ConsultationRequest(models.Model):
    """What the patient wrote when booking a consultation (a consultation plan's extra facts)."""

    plan = models.OneToOneField(Plan, on_delete=models.CASCADE, related_name="consultation")
    topics = models.JSONField(_("topics"), default=list, blank=True)
    message = models.TextField(_("what the patient would like to discuss"), blank=True)

    class Meta:
        verbose_name = _("consultation request")
        verbose_name_plural = _("consultation requests")

    def __str__(self) -> str:
        return f"{self.plan}"

    def topic_labels(self) -> list[str]:
        labels = dict(ConsultationTopic.choices)
        return [str(labels[topic]) for topic in self.topics if topic in labels]


class Recommendation(models.Model):
    """A clinician's recommendation after a consultation: a protocol the patient may book.

    The patient gets a link carrying a token; only its hash is stored (like ManageLink). A plan
    booked from the link is recorded in `booked_plan`, so the clinician sees which
    recommendations became bookings.
    """

    consultation = models.ForeignKey(Plan, on_delete=models.CASCADE, related_name="recommendations")
    protocol = models.ForeignKey(Protocol, on_delete=models.PROTECT, related_name="recommendations")
    clinician = models.ForeignKey(
        Clinician,
        on_delete=models.PROTECT,
        related_name="recommendations",
        null=True,
        blank=True,
        help_text=_("Leave empty when any clinician who performs the protocol may treat."),
    )
    earliest_start = models.DateField(_("earliest start"), null=True, blank=True)
    note = models.TextField(_("note for the patient"), blank=True)
    recommended_by = models.ForeignKey(
        Clinician, on_delete=models.PROTECT, related_name="recommendations_made"
    )
    token_hash = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    booked_plan = models.ForeignKey(
        Plan,
        on_delete=models.SET_NULL,
        related_name="from_recommendations",
        null=True,
        blank=True,
        verbose_name=_("booked course"),
    )

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("recommendation")
        verbose_name_plural = _("recommendations")

    def __str__(self) -> str:
        return f"{self.protocol} ({self.created_at:%Y-%m-%d})"
