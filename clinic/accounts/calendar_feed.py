"""A clinician's private calendar subscription: their own visits for the next weeks as .ics.

The URL carries a random token; only its SHA-256 is stored, so the address is shown once, when
it is made. Turning the feed off, or making a new address, makes the old one answer 404 at once.
The feed holds what a clinician's diary needs and nothing more: the time, the treatment,
"Session 2 of 3" and the patient's initials — no names, contact details, screening answers,
notes or records, since a calendar app syncs it to servers outside the clinic.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from django.conf import settings
from django.contrib.auth.base_user import AbstractBaseUser
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from icalendar import Calendar, Event, Timezone

from bookings.engine.rules import clinic_zone
from bookings.models import Appointment, AppointmentStatus, Clinician, PlanStatus
from bookings.notify.ics import appointment_sequence, clinic_domain, visit_title
from clinic.accounts.tokens import token_hash, token_new
from clinic.models import CalendarFeed

PRODID = "-//Lumen Skin Clinic//Clinician calendar//EN"
# Visits of plans the clinic counts on; held plans may still vanish within minutes.
FEED_PLAN_STATUSES = (PlanStatus.AWAITING_REVIEW, PlanStatus.CONFIRMED)


@transaction.atomic
def calendar_feed_enable(*, user: AbstractBaseUser) -> str:
    """A new private address for `user`'s feed; any earlier address stops working."""
    token = token_new()
    CalendarFeed.objects.update_or_create(user=user, defaults={"token_hash": token_hash(token)})
    return token


def calendar_feed_revoke(*, user: AbstractBaseUser) -> None:
    CalendarFeed.objects.filter(user=user).delete()


def calendar_feed_path(token: str) -> str:
    return reverse("calendar-feed", args=[token])


def calendar_feed_find(*, token: str) -> tuple[CalendarFeed, Clinician] | None:
    """The feed and its clinician, if the token is current and the account still active."""
    feed = (
        CalendarFeed.objects.select_related("user__clinician")
        .filter(token_hash=token_hash(token), user__is_active=True)
        .first()
    )
    if feed is None:
        return None
    try:
        return feed, feed.user.clinician
    except Clinician.DoesNotExist:
        return None


def initials(full_name: str) -> str:
    return " ".join(f"{part[0]}." for part in full_name.split() if part[:1].isalpha()) or "–"


def calendar_feed_ics(*, clinician: Clinician, now: datetime | None = None) -> bytes:
    """The clinician's visits from yesterday to CALENDAR_FEED_WEEKS ahead (one query)."""
    now = now or timezone.now()
    visits = list(
        Appointment.objects.filter(
            clinician=clinician,
            start__gte=now - timedelta(days=1),
            start__lt=now + timedelta(weeks=settings.CALENDAR_FEED_WEEKS),
            plan__status__in=FEED_PLAN_STATUSES,
        )
        .exclude(status=AppointmentStatus.CANCELLED)
        .select_related("plan__protocol", "plan__patient", "device")
        .order_by("start")
    )
    calendar = Calendar()
    calendar.add("prodid", PRODID)
    calendar.add("version", "2.0")
    calendar.add("method", "PUBLISH")
    calendar.add("x-wr-calname", _("%(clinic)s – my visits") % {"clinic": settings.CLINIC_NAME})
    # Calendar apps poll at their own pace; this asks for about hourly.
    calendar.add("refresh-interval", timedelta(hours=1), parameters={"VALUE": "DURATION"})
    calendar.add("x-published-ttl", "PT1H")
    zone = clinic_zone()
    if visits:
        calendar.add_component(
            Timezone.from_tzinfo(
                zone,
                tzid=settings.TIME_ZONE,
                first_date=visits[0].start.astimezone(zone).date() - timedelta(days=366),
                last_date=visits[-1].end.astimezone(zone).date() + timedelta(days=366),
            )
        )
    for visit in visits:
        plan = visit.plan
        event = Event()
        event.add("uid", f"clinician-visit-{visit.pk}@{clinic_domain()}")
        event.add("sequence", appointment_sequence(visit))
        event.add("dtstamp", now)
        event.add("dtstart", visit.start.astimezone(zone))
        event.add("dtend", visit.end.astimezone(zone))
        event.add("summary", f"{initials(plan.patient.full_name)} – {visit_title(plan, visit)}")
        if visit.device is not None:
            event.add("location", visit.device.name)
        event.add("class", "PRIVATE")
        event.add("transp", "OPAQUE")
        calendar.add_component(event)
    return calendar.to_ical()


def calendar_feed_fetched(*, feed: CalendarFeed) -> None:
    CalendarFeed.objects.filter(pk=feed.pk).update(last_fetched_at=timezone.now())
