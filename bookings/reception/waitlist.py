"""Reception's waitlist (admin): who waits for which protocol, their window, since when, the
offers sent and the status; send an offer by hand, remove an entry; the clinic's numbers on top
(docs/waitlist.md). Entries are written only by the waitlist's services."""

from __future__ import annotations

from django.contrib import admin, messages
from django.db.models import Count, QuerySet
from django.http import HttpRequest, HttpResponse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from bookings.engine.waitlist import offer_by_hand, waitlist_end, waitlist_numbers
from bookings.models import WaitlistEntry, WaitlistOffer, WaitlistStatus
from common.admin_base import ReadOnlyAdmin


class OfferInline(admin.TabularInline):
    model = WaitlistOffer
    extra = 0
    can_delete = False
    fields = ["created_at", "first_start", "expires_at", "status", "claimed_at", "by_hand"]
    readonly_fields = fields

    def has_add_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False


@admin.register(WaitlistEntry)
class WaitlistEntryAdmin(ReadOnlyAdmin):
    change_list_template = "admin/bookings/waitlistentry/change_list.html"
    list_display = [
        "patient",
        "protocol",
        "earliest_date",
        "latest_date",
        "clinician",
        "time_of_day",
        "created_at",
        "offers_sent",
        "status",
    ]
    list_filter = ["protocol", "status"]
    search_fields = ["patient__full_name", "patient__email"]
    list_select_related = ["patient", "protocol", "clinician"]
    ordering = ["protocol", "created_at"]
    fields = [
        "patient",
        "protocol",
        "plan",
        "earliest_date",
        "latest_date",
        "clinician",
        "time_of_day",
        "status",
        "created_at",
        "verified_at",
        "ended_at",
    ]
    readonly_fields = fields
    inlines = [OfferInline]
    actions = ["send_offer", "remove_entries"]

    def get_queryset(self, request: HttpRequest) -> QuerySet[WaitlistEntry]:
        return super().get_queryset(request).annotate(offer_count=Count("offers"))

    @admin.display(description=gettext_lazy("offers sent"), ordering="offer_count")
    def offers_sent(self, entry: WaitlistEntry) -> int:
        return entry.offer_count

    def changelist_view(
        self, request: HttpRequest, extra_context: dict | None = None
    ) -> HttpResponse:
        protocol = request.GET.get("protocol__id__exact")
        numbers = waitlist_numbers(
            protocol_id=int(protocol) if protocol and protocol.isdigit() else None
        )
        return super().changelist_view(request, {**(extra_context or {}), "numbers": numbers})

    @admin.action(description=gettext_lazy("Send an offer now"), permissions=["view"])
    def send_offer(self, request: HttpRequest, queryset: QuerySet[WaitlistEntry]) -> None:
        sent = 0
        for entry in queryset.filter(status=WaitlistStatus.ACTIVE):
            if offer_by_hand(entry=entry) is not None:
                sent += 1
        messages.info(
            request,
            ngettext(
                "%(sent)s offer sent. An entry with an open offer, or with no whole course in "
                "its window, gets none.",
                "%(sent)s offers sent. An entry with an open offer, or with no whole course in "
                "its window, gets none.",
                sent,
            )
            % {"sent": sent},
        )

    @admin.action(description=gettext_lazy("Remove from the waitlist"), permissions=["view"])
    def remove_entries(self, request: HttpRequest, queryset: QuerySet[WaitlistEntry]) -> None:
        removed = 0
        for entry in queryset.filter(status__in=[WaitlistStatus.UNVERIFIED, WaitlistStatus.ACTIVE]):
            waitlist_end(entry=entry, status=WaitlistStatus.REMOVED)
            removed += 1
        messages.info(
            request, _("%(count)s removed; their open offers were withdrawn.") % {"count": removed}
        )
