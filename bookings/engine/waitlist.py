"""The waitlist: freed times offered, one patient at a time, as whole courses.

A patient joins with a window for the first visit (earliest and latest day), a clinician and a
time of day they prefer; the entry is active only once they confirm it from the emailed link
(purpose-bound tokens: only their SHA-256 hashes are stored, as for manage links).

Every freeing (engine.freed) leads, after its commit, to `offers_search()`: the active entries
of the protocols concerned, oldest first, are asked in memory whether the planner finds a whole
course in their window on one calendar per protocol — a fixed number of queries whatever the
number of entries (docs/performance.md). The first entry that fits gets ONE offer: the course is
held for it (a held plan placed through `booking_place`) until the offer expires
(WAITLIST_OFFER_MINUTES). Claiming is finishing that held plan through `booking_place`
(screening, consent, confirm). An offer that runs out passes the same freed time to the next
entry (`offers_expire`); an entry gets one freed time at most once (`freed_key`).

The engine sends no email: `offer_sender_register()` is the seam `bookings.notify.waitlist`
fills; the email row is written in the offer's own transaction (the outbox), so exactly once.
"""

from __future__ import annotations

import contextlib
import hashlib
import logging
import secrets
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Count, Min, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy

from bookings.engine.availability import Calendar
from bookings.engine.errors import (
    BookingError,
    InvalidPlanState,
    ProposalChanged,
    ReplacedPlanChanged,
)
from bookings.engine.freed import FreedTime
from bookings.engine.placing import Channel, booking_place, proposal_new_id
from bookings.engine.planner import course_propose_within
from bookings.engine.rules import BookingRules, aware, clinic_zone, local_date
from bookings.engine.services import plan_cancel
from bookings.models import (
    OPEN_PLAN_STATUSES,
    AppointmentStatus,
    Clinician,
    OfferStatus,
    Patient,
    Plan,
    PlanStatus,
    TimeOfDay,
    WaitlistEntry,
    WaitlistOffer,
    WaitlistStatus,
)
from treatments.models import Protocol

logger = logging.getLogger(__name__)

NOON = time(12, 0)


class OfferGone(BookingError):
    """The offer ran out, was claimed by someone else's course, or was withdrawn."""

    default_message = gettext_lazy(
        "Sorry, these times are no longer held for you: the offer has ended or someone else "
        "took them first. Nothing was booked, and you are still on the waitlist."
    )


def waitlist_token_hash(token: str) -> str:
    return hashlib.sha256(f"waitlist:{token}".encode()).hexdigest()


def waitlist_token_new() -> str:
    return secrets.token_urlsafe(32)


@dataclass(frozen=True)
class JoinedEntry:
    entry: WaitlistEntry
    verify_token: str
    leave_token: str


# --- the email seam ---------------------------------------------------------------------------

# kind ("verify", "offer") → sender(entry_or_offer, tokens). Registered by bookings.notify.
_senders: dict[str, Callable[..., None]] = {}


def offer_sender_register(kind: str, sender: Callable[..., None]) -> None:
    _senders[kind] = sender


def _notify(kind: str, **kwargs: object) -> None:
    sender = _senders.get(kind)
    if sender is None:
        raise RuntimeError(f"No sender is registered for the waitlist email {kind!r}.")
    sender(**kwargs)


# --- joining, confirming, leaving ------------------------------------------------------------


def waitlist_join(
    *,
    patient: Patient,
    protocol: Protocol,
    earliest: date,
    latest: date,
    clinician: Clinician | None = None,
    time_of_day: str = TimeOfDay.ANY,
    plan: Plan | None = None,
    now: datetime | None = None,
) -> JoinedEntry:
    """Add an unconfirmed entry and queue the confirmation email (one transaction)."""
    now = aware(now or timezone.now())
    if earliest > latest:
        raise ValueError("The earliest day must not be after the latest.")
    if plan is not None and (plan.patient_id != patient.pk or plan.protocol_id != protocol.pk):
        raise ValueError("An earlier start is asked for the patient's own course of this protocol.")
    verify, leave = waitlist_token_new(), waitlist_token_new()
    with transaction.atomic():
        entry = WaitlistEntry.objects.create(
            patient=patient,
            protocol=protocol,
            clinician=clinician,
            plan=plan,
            earliest_date=max(earliest, local_date(now)),
            latest_date=latest,
            time_of_day=time_of_day,
            verify_token_hash=waitlist_token_hash(verify),
            leave_token_hash=waitlist_token_hash(leave),
        )
        _notify("verify", entry=entry, verify_token=verify, leave_token=leave)
    return JoinedEntry(entry=entry, verify_token=verify, leave_token=leave)


def waitlist_verify(*, token: str, now: datetime | None = None) -> WaitlistEntry | None:
    """The patient confirmed from the email: the entry becomes active (once; None if unknown)."""
    now = aware(now or timezone.now())
    if not token or len(token) > 100:
        return None
    entry = WaitlistEntry.objects.filter(verify_token_hash=waitlist_token_hash(token)).first()
    if entry is None:
        return None
    WaitlistEntry.objects.filter(pk=entry.pk, status=WaitlistStatus.UNVERIFIED).update(
        status=WaitlistStatus.ACTIVE, verified_at=now
    )
    entry.refresh_from_db()
    return entry


def waitlist_entry_for_leave_token(token: str) -> WaitlistEntry | None:
    if not token or len(token) > 100:
        return None
    return WaitlistEntry.objects.filter(leave_token_hash=waitlist_token_hash(token)).first()


def waitlist_leave(*, token: str, now: datetime | None = None) -> WaitlistEntry | None:
    """Leave from any waitlist email: the entry ends and an open offer is given back."""
    entry = waitlist_entry_for_leave_token(token)
    if entry is None:
        return None
    return waitlist_end(entry=entry, status=WaitlistStatus.LEFT, now=now)


def waitlist_end(
    *, entry: WaitlistEntry, status: str = WaitlistStatus.REMOVED, now: datetime | None = None
) -> WaitlistEntry:
    """End an entry (the patient left, or reception removed it); its open offer is withdrawn
    and the held course released, which frees the time for the next entry."""
    now = aware(now or timezone.now())
    with transaction.atomic():
        WaitlistEntry.objects.filter(
            pk=entry.pk, status__in=[WaitlistStatus.UNVERIFIED, WaitlistStatus.ACTIVE]
        ).update(status=status, ended_at=now)
        plan_ids = list(
            WaitlistOffer.objects.filter(entry=entry, status=OfferStatus.OPEN).values_list(
                "plan_id", flat=True
            )
        )
        WaitlistOffer.objects.filter(entry=entry, status=OfferStatus.OPEN).update(
            status=OfferStatus.WITHDRAWN
        )
    for plan in Plan.objects.filter(pk__in=[p for p in plan_ids if p], status=PlanStatus.HELD):
        with contextlib.suppress(BookingError):  # it ran out meanwhile: nothing is held
            plan_cancel(plan=plan, online=False, now=now)
    entry.refresh_from_db()
    return entry


# --- offers -----------------------------------------------------------------------------------


def offer_length(now: datetime) -> timedelta:
    return timedelta(minutes=settings.WAITLIST_OFFER_MINUTES)


def _time_of_day_ok(preference: str) -> Callable[[datetime], bool] | None:
    if preference == TimeOfDay.MORNING:
        return lambda start: start.astimezone(clinic_zone()).time() < NOON
    if preference == TimeOfDay.AFTERNOON:
        return lambda start: start.astimezone(clinic_zone()).time() >= NOON
    return None


def offers_search(
    *,
    freed: FreedTime,
    now: datetime | None = None,
    entry_ids: list[int] | None = None,
    by_hand: bool = False,
) -> WaitlistOffer | None:
    """Offer a freed time to the oldest active entry that a whole course now fits (module doc).

    Queries: one for the offer-held plans, one for the candidate entries (with the first start
    of a course they already have), one for today's offers per patient, and the calendar's
    (at most three) per protocol — whatever the number of entries. Then one placement.
    """
    now = aware(now or timezone.now())
    today = local_date(now)
    if (
        not by_hand
        and freed.plan_ids
        and WaitlistOffer.objects.filter(
            plan_id__in=freed.plan_ids, status=OfferStatus.EXPIRED
        ).count()
        == len(freed.plan_ids)
    ):
        # Only offer holds ran out: `offers_expire` passes them on (with their freed key).
        return None
    candidates = (
        WaitlistEntry.objects.waiting(today)
        .filter(protocol_id__in=freed.protocol_ids, protocol__published=True)
        .exclude(offers__status=OfferStatus.OPEN)
        .exclude(offers__freed_key=freed.key)
        .select_related("protocol", "clinician", "patient")
        .annotate(
            current_start=Min(
                "plan__appointments__start",
                filter=Q(plan__appointments__status=AppointmentStatus.BOOKED),
            )
        )
        .order_by("created_at", "pk")
    )
    if entry_ids is not None:
        candidates = candidates.filter(pk__in=entry_ids)
    candidates = list(candidates)
    if not candidates:
        return None
    day_start = datetime.combine(today, time(0), tzinfo=clinic_zone())
    offered_today = dict(
        WaitlistOffer.objects.filter(
            entry__patient_id__in={c.patient_id for c in candidates}, created_at__gte=day_start
        )
        .values_list("entry__patient_id")
        .annotate(n=Count("pk"))
    )
    calendars = {}
    for entry in candidates:
        if (
            not by_hand
            and offered_today.get(entry.patient_id, 0) >= settings.WAITLIST_OFFERS_PER_DAY
        ):
            continue
        if entry.plan_id is not None and entry.current_start is None:
            continue  # the course to move earlier is over or gone
        if entry.protocol_id not in calendars:
            calendars[entry.protocol_id] = _whole_horizon_calendar(entry.protocol, now)
        latest = entry.latest_date
        if entry.current_start is not None:
            # An earlier start only: the first visit at least a day before the current one.
            latest = min(latest, local_date(entry.current_start) - timedelta(days=1))
        visits = course_propose_within(
            protocol=entry.protocol,
            calendar=calendars[entry.protocol_id],
            earliest=entry.earliest_date,
            latest=latest,
            clinician=entry.clinician,
            first_start_ok=_time_of_day_ok(entry.time_of_day),
        )
        if visits is None:
            continue
        offer = _offer_make(entry=entry, visits=visits, freed=freed, now=now, by_hand=by_hand)
        if offer is not None:
            return offer
    return None


def _whole_horizon_calendar(protocol: Protocol, now: datetime) -> Calendar:
    """The whole horizon read at once (not week by week, as `planner.course_calendar` does for
    one proposal): the entries' windows spread over it, and the search must cost the same
    queries for 10 entries as for 1,000."""
    rules = BookingRules.from_settings()
    return Calendar(
        protocol=protocol,
        first_day=local_date(rules.earliest_start(now, online=True)),
        last_day=rules.last_day(now),
        now=now,
        online=True,
        rules=rules,
    )


def _offer_make(
    *, entry: WaitlistEntry, visits: list, freed: FreedTime, now: datetime, by_hand: bool
) -> WaitlistOffer | None:
    """Hold the course for the entry, then record the offer and queue its email together."""
    proposal_id = proposal_new_id()
    try:
        plan = booking_place(
            channel=Channel.ONLINE,
            protocol=entry.protocol,
            visits=visits,
            proposal_id=proposal_id,
            answers=[],
            patient=entry.patient,
            hold=True,
            now=now,
        )
    except BookingError:
        return None  # taken meanwhile, or the patient has visits then: the next entry
    claim = waitlist_token_new()
    expires_at = now + offer_length(now)
    try:
        with transaction.atomic():
            offer = WaitlistOffer.objects.create(
                entry=entry,
                plan=plan,
                freed_key=freed.key,
                freed_at=freed.freed_at,
                proposal_id=proposal_id,
                claim_token_hash=waitlist_token_hash(claim),
                first_start=min(visit.start for visit in visits),
                expires_at=expires_at,
                by_hand=by_hand,
            )
            # The hold lasts as long as the offer (the plan was placed with the short hold).
            Plan.objects.filter(pk=plan.pk, status=PlanStatus.HELD).update(
                hold_expires_at=expires_at
            )
            _notify("offer", offer=offer, claim_token=claim, now=now)
    except IntegrityError:
        # Another search offered this entry something meanwhile (one open offer, one per
        # freed time): give the hold back.
        with contextlib.suppress(BookingError):
            plan_cancel(plan=plan, online=False, now=now)
        return None
    return offer


def offer_for_claim_token(token: str) -> WaitlistOffer | None:
    if not token or len(token) > 100:
        return None
    return (
        WaitlistOffer.objects.filter(claim_token_hash=waitlist_token_hash(token))
        .select_related("entry__patient", "entry__protocol", "plan")
        .first()
    )


def offer_is_claimable(offer: WaitlistOffer, now: datetime) -> bool:
    return (
        offer.status == OfferStatus.OPEN
        and offer.expires_at > now
        and offer.plan is not None
        and offer.plan.hold_is_live(now)
    )


def offer_claim(
    *,
    offer: WaitlistOffer,
    answers: list,
    consent: object,
    after_commit: Callable[[Plan], None] | None = None,
    now: datetime | None = None,
) -> Plan:
    """Claim: finish the held course through `booking_place` (screening, consent, confirm).

    Refuses with `OfferGone` when the offer ended or its times went to someone else, and with
    the engine's errors otherwise (a blocking answer: `ScreeningBlocks`); the entry then stays
    on the list. On success the entry is fulfilled (and a moved course's later one cancelled).
    """
    now = aware(now or timezone.now())
    current = (
        WaitlistOffer.objects.filter(pk=offer.pk)
        .select_related("plan", "entry__patient", "entry__protocol")
        .first()
    )
    if current is None:
        raise OfferGone()
    if (
        current.status == OfferStatus.CLAIMED
        and current.plan is not None
        and current.plan.status in OPEN_PLAN_STATUSES
    ):
        return current.plan  # claimed already (a second click)
    if not offer_is_claimable(current, now):
        raise OfferGone()
    try:
        plan = _claim_place(offer=current, answers=answers, consent=consent, now=now)
    except ReplacedPlanChanged:
        raise  # the course to move changed: said as it is (the held one stays held)
    except (InvalidPlanState, ProposalChanged):
        # The hold ran out between the check and the lock (or was released): said kindly.
        raise OfferGone() from None
    if after_commit is not None:
        try:
            after_commit(plan)
        except Exception:
            logger.exception("Offer %s claimed, but its after-commit step failed", offer.pk)
    return _claim_finish(offer=current, plan=plan, now=now)


def _claim_place(*, offer: WaitlistOffer, answers: list, consent: object, now: datetime) -> Plan:
    entry = offer.entry
    return booking_place(
        channel=Channel.ONLINE,
        protocol=entry.protocol,
        visits=[],
        proposal_id=offer.proposal_id,
        answers=answers,
        patient=entry.patient,
        consent=consent,
        hold=False,
        now=now,
        # Moving a booked course earlier: the old one is cancelled in the same transaction.
        replaces_plan_id=entry.plan_id,
    )


def _claim_finish(*, offer: WaitlistOffer, plan: Plan, now: datetime) -> Plan:
    entry = offer.entry
    with transaction.atomic():
        WaitlistOffer.objects.filter(pk=offer.pk).update(status=OfferStatus.CLAIMED, claimed_at=now)
        WaitlistEntry.objects.filter(pk=entry.pk).update(
            status=WaitlistStatus.FULFILLED, ended_at=now
        )
    return plan


def offers_expire(*, now: datetime | None = None) -> int:
    """Offers that ran out unclaimed: mark them, and pass each freed time to the next entry."""
    now = aware(now or timezone.now())
    with transaction.atomic():
        expired = list(
            WaitlistOffer.objects.select_for_update(skip_locked=True)
            .filter(status=OfferStatus.OPEN, expires_at__lte=now)
            .select_related("entry")
        )
        WaitlistOffer.objects.filter(pk__in=[o.pk for o in expired]).update(
            status=OfferStatus.EXPIRED
        )
    for offer in expired:
        offers_search(
            freed=FreedTime(
                key=offer.freed_key,
                protocol_ids=(offer.entry.protocol_id,),
                plan_ids=(),
                freed_at=offer.freed_at,
            ),
            now=now,
        )
    return len(expired)


def waitlist_end_passed(*, now: datetime | None = None) -> int:
    """Entries whose latest day has passed end (the offer search ignores them anyway)."""
    now = aware(now or timezone.now())
    return WaitlistEntry.objects.filter(
        status__in=[WaitlistStatus.UNVERIFIED, WaitlistStatus.ACTIVE],
        latest_date__lt=local_date(now),
    ).update(status=WaitlistStatus.LEFT, ended_at=now)


def waitlist_patient(*, full_name: str, email: str, date_of_birth: date, language: str) -> Patient:
    """The patient a waitlist request is for: online semantics, as `booking_place` — the same
    email and date of birth is the returning patient, used as stored (nothing is changed or
    shown); otherwise a new record. Nothing is active before the email is confirmed."""
    existing = (
        Patient.objects.filter(email__iexact=email.strip(), date_of_birth=date_of_birth)
        .order_by("pk")
        .first()
    )
    if existing is not None:
        return existing
    return Patient.objects.create(
        full_name=full_name,
        email=email.strip(),
        date_of_birth=date_of_birth,
        preferred_language=language,
    )


def waitlist_join_for_plan(
    *, plan: Plan, earliest: date, latest: date, now: datetime | None = None
) -> WaitlistEntry:
    """ "I'd take an earlier start for my whole course": asked from the patient's manage link
    (which proves the address), so the entry is active at once; no confirmation email."""
    now = aware(now or timezone.now())
    with transaction.atomic():
        entry = WaitlistEntry.objects.create(
            patient_id=plan.patient_id,
            protocol_id=plan.protocol_id,
            clinician_id=plan.clinician_id,
            plan=plan,
            earliest_date=max(earliest, local_date(now)),
            latest_date=latest,
            status=WaitlistStatus.ACTIVE,
            verified_at=now,
            verify_token_hash=waitlist_token_hash(waitlist_token_new()),
            leave_token_hash=waitlist_token_hash(waitlist_token_new()),
        )
    return entry


# --- numbers for the clinic -------------------------------------------------------------------


@dataclass(frozen=True)
class WaitlistNumbers:
    entries: int  # confirmed entries ever (active, fulfilled, left, removed after confirming)
    waiting: int  # active now
    offers_sent: int
    claimed: int
    median_minutes_to_rebook: float | None  # from the time freed to the claim


def waitlist_numbers(*, protocol_id: int | None = None) -> WaitlistNumbers:
    """Entries, offers, claims and the median time from freed to rebooked (three queries)."""
    entries = WaitlistEntry.objects.filter(verified_at__isnull=False)
    offers = WaitlistOffer.objects.all()
    if protocol_id is not None:
        entries = entries.filter(protocol_id=protocol_id)
        offers = offers.filter(entry__protocol_id=protocol_id)
    counts = entries.aggregate(
        total=Count("pk"), waiting=Count("pk", filter=Q(status=WaitlistStatus.ACTIVE))
    )
    offer_counts = offers.aggregate(
        sent=Count("pk"), claimed=Count("pk", filter=Q(status=OfferStatus.CLAIMED))
    )
    waits = sorted(
        (claimed_at - freed_at).total_seconds() / 60
        for freed_at, claimed_at in offers.filter(status=OfferStatus.CLAIMED).values_list(
            "freed_at", "claimed_at"
        )
    )
    median = None
    if waits:
        middle = len(waits) // 2
        median = waits[middle] if len(waits) % 2 else (waits[middle - 1] + waits[middle]) / 2
    return WaitlistNumbers(
        entries=counts["total"],
        waiting=counts["waiting"],
        offers_sent=offer_counts["sent"],
        claimed=offer_counts["claimed"],
        median_minutes_to_rebook=median,
    )


def offer_by_hand(*, entry: WaitlistEntry, now: datetime | None = None) -> WaitlistOffer | None:
    """Reception sends this entry an offer now (the daily limit does not apply; one open offer
    per entry still does). None when no whole course fits its window."""
    now = aware(now or timezone.now())
    return offers_search(
        freed=FreedTime(
            key=f"hand-{secrets.token_hex(8)}",
            protocol_ids=(entry.protocol_id,),
            plan_ids=(),
            freed_at=now,
        ),
        now=now,
        entry_ids=[entry.pk],
        by_hand=True,
    )
