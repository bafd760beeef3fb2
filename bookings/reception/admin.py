"""The admin: clinic set-up (clinicians and their hours, devices, time off) and reception's day
(appointments, plans, patients, the agenda, phone bookings, reminders, the CSV export).

Plans and appointments are never edited through a model form: their pages are read-only, and
every change is an action or a page of `bookings/admin_views.py` that calls a service (lock,
re-check, write). Nothing medical (screening answers, treatment records, photos) is reachable
from the reception pages.
"""

from collections.abc import Callable
from datetime import datetime, time, timedelta

from django.conf import settings
from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext
from modeltranslation.admin import TranslationAdmin

from bookings.engine.errors import BookingError
from bookings.engine.patients import (
    parse_day,
    patient_duplicates,
    patients_matching,
    patients_with_duplicate_flag,
)
from bookings.engine.rules import appointment_title, clinic_zone, local_date
from bookings.models import (
    AgendaDay,
    Appointment,
    AppointmentStatus,
    Clinician,
    Device,
    OutgoingEmail,
    OutgoingEmailStatus,
    Patient,
    Plan,
    TimeOff,
    WorkingHours,
)
from bookings.notify.emails import email_deliver
from bookings.notify.reminders import reminder_expected
from bookings.reception import admin_calendar, admin_views
from bookings.reception.desk import visit_state_label, visit_verdicts
from common.admin_base import ReadOnlyAdmin
from common.content_cache import ClearsEducationCacheAdmin


class WorkingHoursInline(admin.TabularInline):
    model = WorkingHours
    extra = 0


@admin.register(Clinician)
class ClinicianAdmin(ClearsEducationCacheAdmin, TranslationAdmin):
    # Name and qualification appear on cached education pages ("medically reviewed by").
    list_display = ["display_name", "qualification", "active"]
    list_filter = ["active", "protocols"]
    search_fields = ["display_name", "user__username", "user__email"]
    filter_horizontal = ["protocols"]
    autocomplete_fields = ["user"]
    inlines = [WorkingHoursInline]


@admin.register(Device)
class DeviceAdmin(admin.ModelAdmin):
    list_display = ["name", "procedure", "active"]
    list_filter = ["procedure", "active"]
    search_fields = ["name"]


@admin.register(TimeOff)
class TimeOffAdmin(admin.ModelAdmin):
    list_display = ["__str__", "clinician", "start", "end", "reason"]
    list_filter = ["clinician"]
    list_select_related = ["clinician"]
    date_hierarchy = "start"
    search_fields = ["reason", "clinician__display_name"]


# --- Reception: appointments, plans, patients, the agenda ---------------------------------------


def _when(moment: datetime) -> str:
    return date_format(moment.astimezone(clinic_zone()), "D j M Y, H:i")


class DayFilter(admin.SimpleListFilter):
    """Today, tomorrow or this week, as local days in the clinic's zone."""

    title = gettext_lazy("day")
    parameter_name = "day"

    def lookups(self, request: HttpRequest, model_admin: admin.ModelAdmin) -> list[tuple]:
        return [("today", _("Today")), ("tomorrow", _("Tomorrow")), ("week", _("This week"))]

    def queryset(self, request: HttpRequest, queryset: QuerySet) -> QuerySet:
        today = local_date(timezone.now())
        spans = {
            "today": (today, 1),
            "tomorrow": (today + timedelta(days=1), 1),
            "week": (today - timedelta(days=today.weekday()), 7),
        }
        if self.value() not in spans:
            return queryset
        first, days = spans[self.value()]
        zone = clinic_zone()
        return queryset.filter(
            start__gte=datetime.combine(first, time.min, tzinfo=zone),
            start__lt=datetime.combine(first + timedelta(days=days), time.min, tzinfo=zone),
        )


class ChangedOnlyByServices:
    """Plans and appointments: pages are read-only, no add, no delete.

    The change permission still unlocks the actions (which call services); only the page of one
    object refuses plain form edits.
    """

    def has_add_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return obj is None and super().has_change_permission(request)


def _run_on_each(
    request: HttpRequest, queryset: QuerySet, action: str, done: Callable[[int], str]
) -> None:
    """Call the action's service per appointment; each refusal is reported with its message."""
    service, logged = admin_views.STATUS_ACTIONS[action]
    count = 0
    for appointment in queryset.select_related("plan__patient"):
        try:
            service(appointment=appointment)
        except BookingError as error:
            messages.error(
                request,
                f"{_when(appointment.start)} · {appointment.plan.patient}: {error.message}",
            )
        else:
            admin_views.log_reception_change(request, appointment, logged)
            count += 1
    if count:
        messages.success(request, done(count) % {"count": count})


@admin.register(Appointment)
class AppointmentAdmin(ChangedOnlyByServices, admin.ModelAdmin):
    list_display = ["when", "patient", "protocol", "visit", "clinician", "device", "state"]
    list_display_links = ["when"]
    list_filter = [DayFilter, "clinician", "status", "plan__protocol"]
    search_fields = ["plan__patient__full_name", "plan__patient__email", "plan__patient__phone"]
    search_help_text = gettext_lazy("Patient name, email or phone.")
    date_hierarchy = "start"
    list_select_related = ["plan__patient", "plan__protocol", "clinician", "device"]
    list_per_page = 100
    actions = ["check_in", "complete", "mark_no_show", "cancel"]
    fields = [
        "when",
        "patient_link",
        "plan_link",
        "visit",
        "clinician",
        "device",
        "status",
        "reminders",
    ]
    readonly_fields = fields
    change_list_template = "admin/bookings/appointment/change_list.html"
    change_form_template = "admin/bookings/appointment/change_form.html"

    def get_queryset(self, request: HttpRequest) -> QuerySet[Appointment]:
        return super().get_queryset(request).select_related(*self.list_select_related)

    def get_search_results(
        self, request: HttpRequest, queryset: QuerySet[Appointment], search_term: str
    ) -> tuple[QuerySet[Appointment], bool]:
        if not search_term.strip():
            return queryset, False
        # The patient search's own rule: a phone number however it is typed, names normalised.
        patients = Patient.objects.filter(patients_matching(search_term)).values("pk")
        return queryset.filter(plan__patient__in=patients), False

    def get_urls(self) -> list:
        view = self.admin_site.admin_view
        return [
            *admin_calendar.calendar_urls(view),
            path("book/", view(admin_views.phone_booking), name="bookings_appointment_book"),
            path("export/", view(admin_views.export), name="bookings_appointment_export"),
            path(
                "<int:appointment_id>/reschedule/",
                view(admin_views.reschedule),
                name="bookings_appointment_reschedule",
            ),
            path(
                "<int:appointment_id>/status/",
                view(admin_views.appointment_status),
                name="bookings_appointment_status",
            ),
            *super().get_urls(),
        ]

    def change_view(
        self,
        request: HttpRequest,
        object_id: str,
        form_url: str = "",
        extra_context: dict | None = None,
    ) -> HttpResponse:
        appointment = self.get_object(request, object_id)
        buttons: list[tuple[str, str]] = []
        can_move = False
        can_change = appointment is not None and request.user.has_perm(
            "bookings.change_appointment"
        )
        if can_change:
            # Only what the engine would allow now (bookings.desk): no check-in for tomorrow.
            verdicts = visit_verdicts(appointment, timezone.now())
            buttons = [
                (name, label)
                for name, label in admin_views.STATUS_BUTTONS
                if verdicts[name].allowed
            ]
            can_move = verdicts["move"].allowed
        context = {
            **(extra_context or {}),
            # "Patient · Session 2 of 3 · time" reads better for reception than the model's str().
            "subtitle": _appointment_heading(appointment) if appointment else "",
            "status_buttons": buttons,
            "can_move": can_move,
            # No treatment without consent: reception records consent given at the desk.
            # Offered for any booked visit of the course (a consent is not tied to today).
            "consent_text": admin_views.consent_text_for(appointment)
            if can_change
            and appointment.status == AppointmentStatus.BOOKED
            and not appointment.plan.has_consent()
            else None,
        }
        return super().change_view(request, object_id, form_url, extra_context=context)

    @admin.display(description=gettext_lazy("start"), ordering="start")
    def when(self, obj: Appointment) -> str:
        return _when(obj.start)

    @admin.display(description=gettext_lazy("patient"), ordering="plan__patient__full_name")
    def patient(self, obj: Appointment) -> str:
        return obj.plan.patient.full_name

    @admin.display(description=gettext_lazy("protocol"), ordering="plan__protocol__name")
    def protocol(self, obj: Appointment) -> str:
        return obj.plan.title

    @admin.display(description=gettext_lazy("visit"))
    def visit(self, obj: Appointment) -> str:
        return appointment_title(obj)

    @admin.display(description=gettext_lazy("status"), ordering="status")
    def state(self, obj: Appointment) -> str:
        # "Awaiting review" rather than "Booked" for a course a clinician has not approved yet.
        return visit_state_label(obj)

    @admin.display(description=gettext_lazy("patient"))
    def patient_link(self, obj: Appointment) -> str:
        url = reverse("admin:bookings_patient_change", args=[obj.plan.patient_id])
        return format_html('<a href="{}">{}</a>', url, obj.plan.patient.full_name)

    @admin.display(description=gettext_lazy("course"))
    def plan_link(self, obj: Appointment) -> str:
        url = reverse("admin:bookings_plan_change", args=[obj.plan_id])
        return format_html(
            '<a href="{}">{}</a> ({})', url, obj.plan.title, obj.plan.get_status_display()
        )

    @admin.display(description=gettext_lazy("reminders"))
    def reminders(self, obj: Appointment) -> str:
        """What was sent and when; "pending" is an email the mail server has not taken yet."""
        sent = list(obj.sent_reminders.select_related("email").order_by("created_at"))
        if not sent and not reminder_expected(obj):
            return _("None, and none will go out for this visit.")
        if not sent:
            hours = settings.REMINDER_HOURS_BEFORE
            return ngettext(
                "None yet. A reminder goes out %(hours)s hour before the visit.",
                "None yet. A reminder goes out %(hours)s hours before the visit.",
                hours,
            ) % {"hours": hours}
        return format_html(
            "<ul class='reception-list'>{}</ul>",
            format_html_join("", "<li>{}</li>", ((_reminder_line(r),) for r in sent)),
        )

    @admin.action(description=gettext_lazy("Check in"), permissions=["change"])
    def check_in(self, request: HttpRequest, queryset: QuerySet[Appointment]) -> None:
        _run_on_each(
            request,
            queryset,
            "check_in",
            lambda n: ngettext("Checked in %(count)s visit.", "Checked in %(count)s visits.", n),
        )

    @admin.action(description=gettext_lazy("Complete"), permissions=["change"])
    def complete(self, request: HttpRequest, queryset: QuerySet[Appointment]) -> None:
        _run_on_each(
            request,
            queryset,
            "complete",
            lambda n: ngettext("Completed %(count)s visit.", "Completed %(count)s visits.", n),
        )

    @admin.action(description=gettext_lazy("Mark as no-show"), permissions=["change"])
    def mark_no_show(self, request: HttpRequest, queryset: QuerySet[Appointment]) -> None:
        _run_on_each(
            request,
            queryset,
            "no_show",
            lambda n: ngettext(
                "Marked %(count)s visit as no-show.", "Marked %(count)s visits as no-show.", n
            ),
        )

    @admin.action(description=gettext_lazy("Cancel and email the patient"), permissions=["change"])
    def cancel(self, request: HttpRequest, queryset: QuerySet[Appointment]) -> None:
        _run_on_each(
            request,
            queryset,
            "cancel",
            lambda n: ngettext(
                "Cancelled %(count)s visit; the patient is emailed.",
                "Cancelled %(count)s visits; the patients are emailed.",
                n,
            ),
        )


def _appointment_heading(appointment: Appointment) -> str:
    when = _when(appointment.start)
    return f"{appointment.plan.patient} · {appointment_title(appointment)} · {when}"


def _reminder_line(reminder: object) -> str:
    email = reminder.email
    prefix = _("For the visit at %(start)s, queued %(queued)s") % {
        "start": _when(reminder.appointment_start),
        "queued": _when(reminder.created_at),
    }
    if email is None:
        return prefix
    if email.status == "sent":
        state = _("sent %(when)s") % {"when": _when(email.sent_at)}
    elif email.status == "failed":
        state = _("not delivered: gave up after %(attempts)s attempts (%(error)s)") % {
            "attempts": email.attempts,
            "error": email.last_error,
        }
    elif email.attempts:
        state = _("pending: attempt %(attempts)s failed (%(error)s), next try %(when)s") % {
            "attempts": email.attempts,
            "error": email.last_error,
            "when": _when(email.next_attempt_at) if email.next_attempt_at else "—",
        }
    else:
        state = _("pending: waiting for the mail server")
    return f"{prefix}: {state}"


@admin.register(AgendaDay)
class AgendaDayAdmin(ReadOnlyAdmin):
    """The agenda's place on the admin index; its page is `admin_views.agenda`."""

    def has_view_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return request.user.has_perm("bookings.view_appointment")

    def changelist_view(self, request: HttpRequest, extra_context: dict | None = None):
        return self.admin_site.admin_view(admin_views.agenda)(request)


class AppointmentInline(admin.TabularInline):
    model = Appointment
    fields = ["when", "visit", "clinician", "device", "status"]
    readonly_fields = fields
    extra = 0
    can_delete = False
    show_change_link = True

    def get_queryset(self, request: HttpRequest) -> QuerySet[Appointment]:
        return (
            super()
            .get_queryset(request)
            .select_related("plan__protocol", "clinician", "device")
            .order_by("sequence", "start")
        )

    def has_add_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False

    @admin.display(description=gettext_lazy("start"))
    def when(self, obj: Appointment) -> str:
        return _when(obj.start)

    @admin.display(description=gettext_lazy("visit"))
    def visit(self, obj: Appointment) -> str:
        return appointment_title(obj)


@admin.register(Plan)
class PlanAdmin(ChangedOnlyByServices, admin.ModelAdmin):
    list_display = ["patient", "protocol", "clinician", "status", "created_at"]
    list_filter = ["status", "protocol", "clinician"]
    search_fields = ["patient__full_name", "patient__email", "patient__phone"]
    list_select_related = ["patient", "protocol", "clinician"]
    date_hierarchy = "created_at"
    inlines = [AppointmentInline]
    # Screening answers are never shown here; the clinician's review note only to those who may
    # see medical data.
    reception_fields = [
        "patient",
        "protocol",
        "clinician",
        "status",
        "hold_expires_at",
        "reviewed_by",
        "reviewed_at",
        "consent_text",
        "consented_at",
        "consent_language",
        "created_at",
    ]

    def get_fields(self, request: HttpRequest, obj: object = None) -> list[str]:
        if request.user.has_perm("bookings.view_screeninganswer"):
            return [*self.reception_fields, "review_note"]
        return list(self.reception_fields)

    def get_readonly_fields(self, request: HttpRequest, obj: object = None) -> list[str]:
        return self.get_fields(request, obj)

    def lookup_allowed(self, lookup: str, value: str, request: HttpRequest) -> bool:
        # Django allows any filter on a local field in the URL (?review_note__icontains=…):
        # counting the rows it lists would tell reception what the clinician's note says.
        if lookup.split("__")[0] == "review_note" and not request.user.has_perm(
            "bookings.view_screeninganswer"
        ):
            return False
        return super().lookup_allowed(lookup, value, request)


class PossibleDuplicateFilter(admin.SimpleListFilter):
    title = gettext_lazy("possible duplicate")
    parameter_name = "duplicate"

    def lookups(self, request: HttpRequest, model_admin: admin.ModelAdmin) -> list[tuple]:
        return [("yes", _("Yes"))]

    def queryset(self, request: HttpRequest, queryset: QuerySet) -> QuerySet:
        return queryset.filter(has_duplicate=True) if self.value() == "yes" else queryset


@admin.register(Patient)
class PatientAdmin(admin.ModelAdmin):
    list_display = [
        "full_name",
        "email",
        "phone",
        "date_of_birth",
        "preferred_language",
        "duplicate_flag",
    ]
    list_filter = [PossibleDuplicateFilter, "preferred_language"]
    search_fields = ["full_name", "email", "phone"]
    search_help_text = gettext_lazy(
        "Name, email, phone, or a date of birth (2026-03-01 or 01.03.2026)."
    )
    fields = [
        "full_name",
        "email",
        "phone",
        "date_of_birth",
        "preferred_language",
        "courses",
        "possible_duplicates",
    ]
    readonly_fields = ["courses", "possible_duplicates"]
    change_form_template = "admin/bookings/patient/change_form.html"

    def get_queryset(self, request: HttpRequest) -> QuerySet[Patient]:
        return patients_with_duplicate_flag(super().get_queryset(request))

    def get_search_results(
        self, request: HttpRequest, queryset: QuerySet[Patient], search_term: str
    ) -> tuple[QuerySet[Patient], bool]:
        day = parse_day(search_term)
        if day is not None:
            return queryset.filter(date_of_birth=day), False
        if not search_term.strip():
            return queryset, False
        # Names and phone numbers by their normalised keys (the engine's one rule).
        return queryset.filter(patients_matching(search_term)), False

    def has_delete_permission(self, request: HttpRequest, obj: object = None) -> bool:
        # A patient with courses cannot be deleted; duplicates are merged (clinic manager only).
        return False

    def get_object(self, request: HttpRequest, object_id: str, from_field: str | None = None):
        patient = super().get_object(request, object_id, from_field)
        if patient is not None:
            # Read by `possible_duplicates`, which is not given the request.
            patient.may_merge = request.user.has_perm("bookings.delete_patient")
        return patient

    def get_urls(self) -> list:
        return [
            path(
                "<int:patient_id>/merge/<int:duplicate_id>/",
                self.admin_site.admin_view(admin_views.patient_merge_view),
                name="bookings_patient_merge",
            ),
            *super().get_urls(),
        ]

    @admin.display(description=gettext_lazy("possible duplicate"), boolean=True)
    def duplicate_flag(self, obj: Patient) -> bool:
        return bool(getattr(obj, "has_duplicate", False))

    @admin.display(description=gettext_lazy("courses and visits"))
    def courses(self, obj: Patient) -> str:
        if obj.pk is None:
            return "—"
        plans = (
            Plan.objects.filter(patient=obj)
            .select_related("protocol", "clinician")
            .prefetch_related("appointments__clinician")
        )
        rows = []
        for plan in plans:
            visits = sorted(plan.appointments.all(), key=lambda visit: visit.sequence)
            for visit in visits:
                visit.plan = plan
            rows.append(
                format_html(
                    '<li><a href="{}">{}</a> · {} · {}<ul>{}</ul></li>',
                    reverse("admin:bookings_plan_change", args=[plan.pk]),
                    plan.title,
                    plan.clinician,
                    plan.get_status_display(),
                    format_html_join(
                        "",
                        '<li><a href="{}">{}</a>: {} · {} · {}</li>',
                        (
                            (
                                reverse("admin:bookings_appointment_change", args=[visit.pk]),
                                appointment_title(visit),
                                _when(visit.start),
                                visit.clinician,
                                visit.get_status_display(),
                            )
                            for visit in visits
                        ),
                    ),
                )
            )
        if not rows:
            return _("No courses yet.")
        return format_html(
            "<ul class='reception-list'>{}</ul>",
            format_html_join("", "{}", ((row,) for row in rows)),
        )

    @admin.display(description=gettext_lazy("possible duplicates"))
    def possible_duplicates(self, obj: Patient) -> str:
        if obj.pk is None:
            return "—"
        others = patient_duplicates(obj)
        if not others:
            return _("None.")
        may_merge = getattr(obj, "may_merge", False)
        items = []
        for other in others:
            link = format_html(
                '<a href="{}">{}</a> ({}, {})',
                reverse("admin:bookings_patient_change", args=[other.pk]),
                other.full_name,
                other.email,
                date_format(other.date_of_birth),
            )
            if may_merge:
                link = format_html(
                    '{} · <a href="{}">{}</a>',
                    link,
                    reverse("admin:bookings_patient_merge", args=[obj.pk, other.pk]),
                    _("merge into this patient"),
                )
            items.append((link,))
        return format_html(
            "<ul class='reception-list'>{}</ul>", format_html_join("", "<li>{}</li>", items)
        )

    def change_view(
        self,
        request: HttpRequest,
        object_id: str,
        form_url: str = "",
        extra_context: dict | None = None,
    ) -> HttpResponse:
        context = {
            **(extra_context or {}),
            "can_book": request.user.has_perms(["bookings.add_plan", "bookings.add_appointment"]),
        }
        return super().change_view(request, object_id, form_url, extra_context=context)


@admin.register(OutgoingEmail)
class OutgoingEmailAdmin(ReadOnlyAdmin):
    """Every email to a patient and whether the mail server has taken it. Bodies are never shown:
    a pending one still holds the patient's manage link."""

    list_display = ["created_at", "to", "template", "subject", "status", "attempts", "sent_at"]
    list_filter = ["status", "template"]
    search_fields = ["to", "subject", "patient__full_name"]
    list_select_related = ["patient"]
    date_hierarchy = "created_at"
    fields = [
        "patient",
        "plan",
        "template",
        "to",
        "subject",
        "status",
        "attempts",
        "last_error",
        "next_attempt_at",
        "created_at",
        "sent_at",
    ]
    readonly_fields = fields
    actions = ["send_now"]

    @admin.action(description=gettext_lazy("Try to send now"), permissions=["view"])
    def send_now(self, request: HttpRequest, queryset: QuerySet[OutgoingEmail]) -> None:
        """Deliver pending emails now (e.g. once the mail server is back), without waiting."""
        pending = list(
            queryset.filter(status=OutgoingEmailStatus.PENDING).values_list("pk", flat=True)
        )
        # A retry that is not due yet is made due: reception asked for it now.
        OutgoingEmail.objects.filter(pk__in=pending).update(next_attempt_at=None)
        sent = sum(email_deliver(email_id=pk) for pk in pending)
        messages.info(
            request,
            ngettext(
                "%(sent)s of %(count)s pending email sent.",
                "%(sent)s of %(count)s pending emails sent.",
                len(pending),
            )
            % {"sent": sent, "count": len(pending)},
        )


# --- Online booking: screening questions and consent texts ----------------------------------------
# Kept in their own module so this file's reception admin and the booking admin do not collide.
from bookings.reception import admin_booking  # noqa: E402, F401  (registers ScreeningQuestion, ConsentText)
