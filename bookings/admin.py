"""Clinic set-up in the admin: clinicians and their hours, devices, time off.

Plans and appointments are deliberately not editable here yet: every change to them must go
through bookings.services (lock, re-check, write). The reception agenda comes with its own issue.
"""

from django.contrib import admin
from modeltranslation.admin import TranslationAdmin

from bookings.models import Clinician, Device, TimeOff, WorkingHours
from clinic.content_cache import ClearsEducationCacheAdmin


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

# --- Online booking: screening questions and consent texts ----------------------------------------
# Kept in their own module so this file's reception admin and the booking admin do not collide.
from bookings import admin_booking  # noqa: E402, F401  (registers ScreeningQuestion, ConsentText)
