"""One rule, two spellings: `Appointment.objects.blocking(now)` and the hand-written SQL of
`availability._busy_rows` must pick the same appointments, on random data, on both databases."""

import random
from datetime import timedelta

import pytest

from bookings.engine.availability import _busy_rows
from bookings.models import Appointment, AppointmentKind, AppointmentStatus, Plan, PlanStatus
from tests.bookings.conftest import MONDAY, NOW, at
from tests.factories import ClinicianFactory, DeviceFactory, PatientFactory

pytestmark = pytest.mark.django_db


def random_calendar(rng: random.Random, clinicians, devices, patient, protocol) -> None:
    # Slots 100 minutes apart, so nothing overlaps (PostgreSQL's constraints would refuse it).
    for slot in sorted(rng.sample(range(3 * 24 * 60 // 100), 30)):
        status = rng.choice(list(PlanStatus.values))
        plan = Plan.objects.create(
            patient=patient,
            protocol=protocol,
            clinician=rng.choice(clinicians),
            status=status,
            # Holds that ran out, run out exactly now, or still run; other states keep none.
            hold_expires_at=NOW + timedelta(minutes=rng.choice([-30, 0, 1, 30]))
            if status == PlanStatus.HELD
            else None,
        )
        start = at(MONDAY, "08:00") + timedelta(minutes=100 * slot)
        Appointment.objects.create(
            plan=plan,
            kind=AppointmentKind.SESSION,
            sequence=1,
            start=start,
            end=start + timedelta(minutes=rng.choice([30, 45, 60, 90])),
            clinician=rng.choice(clinicians),
            device=rng.choice([None, *devices]),
            status=rng.choice(list(AppointmentStatus.values)),
        )


@pytest.mark.parametrize("seed", range(3))
def test_the_sql_of_the_calendar_blocks_exactly_what_the_queryset_method_blocks(protocol, seed):
    rng = random.Random(seed)
    clinicians = [ClinicianFactory(protocols=[protocol]) for _ in range(3)]
    devices = [DeviceFactory() for _ in range(2)]
    random_calendar(rng, clinicians, devices, PatientFactory(), protocol)
    window_start, window_end = at(MONDAY, "12:00"), at(MONDAY, "12:00") + timedelta(days=2)
    asked_clinicians = [clinicians[0].pk, clinicians[1].pk]
    asked_devices = [devices[0].pk]

    from_sql = sorted(
        (clinician_id, device_id or 0, round(start), round(end))
        for kind, clinician_id, device_id, start, end in _busy_rows(
            start=window_start,
            end=window_end,
            now=NOW,
            clinician_ids=asked_clinicians,
            device_ids=asked_devices,
            ignore_ids=[],
        )
        if kind == "booked"
    )
    from_queryset = sorted(
        (a.clinician_id, a.device_id or 0, round(a.start.timestamp()), round(a.end.timestamp()))
        for a in Appointment.objects.blocking(NOW)
        .filter(start__lt=window_end, end__gt=window_start)
        .filter(clinician_id__in=asked_clinicians)
        | Appointment.objects.blocking(NOW)
        .filter(start__lt=window_end, end__gt=window_start)
        .filter(device_id__in=asked_devices)
    )

    assert from_queryset, "the random calendar should block something in the window"
    assert from_sql == from_queryset
    # And the rule itself: nothing cancelled, no no-show, no hold that has run out.
    assert not any(
        a.status in (AppointmentStatus.CANCELLED, AppointmentStatus.NO_SHOW)
        or (a.plan.status == PlanStatus.HELD and a.plan.hold_expires_at <= NOW)
        for a in Appointment.objects.blocking(NOW).select_related("plan")
    )
