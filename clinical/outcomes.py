"""Outcomes for the clinic: per protocol and per lot, from a fixed number of queries.

Every number is an aggregate over the clinic's records (the page shows no patient). A group with
fewer than MIN_GROUP_PATIENTS patients shows only "fewer than 5": small groups would be both
meaningless as percentages and close to identifying. Rates of adverse events are sessions with at
least one adverse event per 100 sessions, with the Wilson score 95% interval (it stays inside
0–100 and behaves at 0 events, unlike the normal approximation).
"""

from __future__ import annotations

import math
from collections import defaultdict
from dataclasses import dataclass, field

from django.db.models import Count, Q

from clinical.models import AdverseEvent, CourseOutcome, FollowUp, Impression, Lot, TreatmentRecord
from treatments.models import Protocol

MIN_GROUP_PATIENTS = 5
Z_95 = 1.959963984540054


def wilson_interval(successes: int, trials: int, z: float = Z_95) -> tuple[float, float]:
    """The Wilson score interval for a proportion (Wilson 1927; Newcombe 1998, method 3)."""
    if trials <= 0:
        return (0.0, 0.0)
    # A proportion outside [0, 1] (more successes than trials) would put a negative number under
    # the square root; clamp it so a counting slip shows a wrong number, never a server error.
    p = min(1.0, max(0.0, successes / trials))
    denominator = 1 + z * z / trials
    centre = (p + z * z / (2 * trials)) / denominator
    half = z * math.sqrt(p * (1 - p) / trials + z * z / (4 * trials * trials)) / denominator
    return (max(0.0, centre - half), min(1.0, centre + half))


@dataclass
class Group:
    key: int
    label: str
    short_label: str = ""
    sessions: int = 0
    patients: int = 0
    follow_ups_sent: int = 0
    follow_ups_answered: int = 0
    sessions_with_event: int = 0
    events: int = 0
    serious_events: int = 0
    impressions: dict[int, int] = field(default_factory=dict)
    satisfaction: dict[int, int] = field(default_factory=dict)
    would_again: int = 0
    # Hidden although it has 5 patients or more, so that a small group cannot be worked out by
    # subtraction (see `suppress_complements`).
    complement: bool = False

    @property
    def suppressed(self) -> bool:
        return self.patients < MIN_GROUP_PATIENTS or self.complement

    @property
    def response_rate(self) -> float | None:
        if not self.follow_ups_sent:
            return None
        return 100 * self.follow_ups_answered / self.follow_ups_sent

    @property
    def event_rate(self) -> float:
        return 100 * self.sessions_with_event / self.sessions if self.sessions else 0.0

    @property
    def event_interval(self) -> tuple[float, float]:
        low, high = wilson_interval(self.sessions_with_event, self.sessions)
        return (100 * low, 100 * high)

    @property
    def answers(self) -> int:
        return sum(self.impressions.values())

    @property
    def impression_rows(self) -> list[tuple[str, int, float]]:
        """(label, count, percent) from "very much improved" to "worse"."""
        total = self.answers or 1
        return [
            (
                str(label),
                self.impressions.get(value, 0),
                100 * self.impressions.get(value, 0) / total,
            )
            for value, label in Impression.choices
        ]

    @property
    def satisfaction_rows(self) -> list[tuple[int, int, float]]:
        total = sum(self.satisfaction.values()) or 1
        return [
            (score, self.satisfaction.get(score, 0), 100 * self.satisfaction.get(score, 0) / total)
            for score in (5, 4, 3, 2, 1)
        ]


def _fill(groups: dict[int, Group], rows, key: str, **names: str) -> None:
    for row in rows:
        group = groups.get(row[key])
        if group is not None:
            for attribute, column in names.items():
                setattr(group, attribute, row[column])


def outcomes_by(dimension: str) -> list[Group]:
    """The groups of one dimension ("protocol" or "lot"), in seven queries whatever the data."""
    if dimension == "protocol":
        record_key = "appointment__plan__protocol"
        follow_up_key = "appointment__plan__protocol"
        event_key = "appointment__plan__protocol"
        outcome_key = "plan__protocol"
        labels = dict(Protocol.objects.values_list("pk", "name").order_by("name"))
        short = dict(labels)
    else:
        record_key = "lot"
        follow_up_key = "appointment__treatment_record__lot"
        event_key = "lot"
        outcome_key = "plan__appointments__treatment_record__lot"
        lots = list(Lot.objects.select_related("product").order_by("product__name", "lot_key"))
        labels = {lot.pk: f"{lot.product.name} · {lot.lot_number}" for lot in lots}
        short = {lot.pk: lot.lot_number for lot in lots}
    groups = {pk: Group(key=pk, label=label, short_label=short[pk]) for pk, label in labels.items()}
    _fill(
        groups,
        TreatmentRecord.objects.values(record_key).annotate(
            n_sessions=Count("pk"),
            n_patients=Count("appointment__plan__patient", distinct=True),
        ),
        record_key,
        sessions="n_sessions",
        patients="n_patients",
    )
    _fill(
        groups,
        FollowUp.objects.values(follow_up_key).annotate(
            n_sent=Count("pk"), n_answered=Count("pk", filter=Q(answered_at__isnull=False))
        ),
        follow_up_key,
        follow_ups_sent="n_sent",
        follow_ups_answered="n_answered",
    )
    serious = (
        Q(hospitalisation=True)
        | Q(life_threatening=True)
        | Q(lasting_harm=True)
        | Q(other_important=True)
    )
    _fill(
        groups,
        # Only sessions that count as sessions (they have a treatment record): a visit completed
        # at the desk without a record can carry an event but is not in the denominator.
        AdverseEvent.objects.filter(appointment__treatment_record__isnull=False)
        .values(event_key)
        .annotate(
            n_sessions=Count("appointment", distinct=True),
            n_events=Count("pk"),
            n_serious=Count("pk", filter=serious),
        ),
        event_key,
        sessions_with_event="n_sessions",
        events="n_events",
        serious_events="n_serious",
    )
    answered = CourseOutcome.objects.filter(answered_at__isnull=False)
    impressions: dict[int, dict[int, int]] = defaultdict(dict)
    for row in answered.values(outcome_key, "impression").annotate(n=Count("pk", distinct=True)):
        impressions[row[outcome_key]][row["impression"]] = row["n"]
    satisfaction: dict[int, dict[int, int]] = defaultdict(dict)
    for row in answered.values(outcome_key, "satisfaction").annotate(n=Count("pk", distinct=True)):
        satisfaction[row[outcome_key]][row["satisfaction"]] = row["n"]
    again = dict(
        answered.filter(would_again=True)
        .values(outcome_key)
        .annotate(n=Count("pk", distinct=True))
        .values_list(outcome_key, "n")
    )
    for pk, group in groups.items():
        group.impressions = impressions.get(pk, {})
        group.satisfaction = satisfaction.get(pk, {})
        group.would_again = again.get(pk, 0)
    return [group for group in groups.values() if group.sessions]


def suppress_complements(by_protocol: list[Group], by_lot: list[Group]) -> None:
    """Complementary suppression, in one query: a shown protocol never has exactly one hidden lot.

    A protocol row minus its shown lot rows would give the one hidden lot's numbers exactly
    (8 patients - 6 = the 2 of the hidden lot). So when exactly one of a protocol's lots is hidden,
    its smallest shown lot is hidden too; hiding a lot can leave another protocol with exactly one,
    so this repeats until no protocol does. Two hidden lots give only their sum, of 5 or more.
    """
    protocols = {group.key: group for group in by_protocol}
    lots = {group.key: group for group in by_lot}
    lots_of: dict[int, set[int]] = defaultdict(set)
    used = TreatmentRecord.objects.filter(lot__isnull=False).values_list(
        "appointment__plan__protocol", "lot"
    )
    for protocol_id, lot_id in used.distinct():
        if lot_id in lots:
            lots_of[protocol_id].add(lot_id)
    changed = True
    while changed:
        changed = False
        for protocol_id, lot_ids in lots_of.items():
            protocol = protocols.get(protocol_id)
            if protocol is None or protocol.suppressed:
                continue
            hidden = [lots[pk] for pk in lot_ids if lots[pk].suppressed]
            shown = [lots[pk] for pk in lot_ids if not lots[pk].suppressed]
            if len(hidden) == 1 and shown:
                min(
                    shown, key=lambda group: (group.patients, group.sessions, group.key)
                ).complement = True
                changed = True
