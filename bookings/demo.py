"""Demo clinic staff and calendar: clinicians, their working hours, one laser, holidays.

Idempotent: every row is found by a natural key and refreshed.
"""

from datetime import date, datetime, time

from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import timezone

from bookings.models import Clinician, Device, TimeOff, Weekday, WorkingHours
from clinic.seeding import demo_row
from treatments.models import Procedure, Protocol

WEEKDAYS = [Weekday.MONDAY, Weekday.TUESDAY, Weekday.WEDNESDAY, Weekday.THURSDAY, Weekday.FRIDAY]

CLINICIANS = [
    {
        "username": "dr.weber",
        "first_name": "Anna",
        "last_name": "Weber",
        "display_name": "Dr. med. Anna Weber",
        "qualification": {"en": "Dermatologist", "de": "Dermatologin", "tr": "Dermatolog"},
        "protocols": "all",
        # A split shift: mornings and afternoons with a lunch break.
        "hours": [(day, time(9), time(13)) for day in WEEKDAYS]
        + [(day, time(14), time(18)) for day in WEEKDAYS],
    },
    {
        "username": "dr.yilmaz",
        "first_name": "Mehmet",
        "last_name": "Yılmaz",
        "display_name": "Dr. Mehmet Yılmaz",
        "qualification": {
            "en": "Aesthetic physician",
            "de": "Arzt für ästhetische Medizin",
            "tr": "Estetik hekim",
        },
        "protocols": "all",
        "hours": [(day, time(10), time(18)) for day in [*WEEKDAYS[1:], Weekday.SATURDAY]],
    },
    {
        "username": "l.hoffmann",
        "first_name": "Lena",
        "last_name": "Hoffmann",
        "display_name": "Lena Hoffmann",
        "qualification": {
            "en": "Nurse specialist in aesthetic dermatology",
            "de": "Fachpflegekraft für ästhetische Dermatologie",
            "tr": "Estetik dermatoloji uzman hemşiresi",
        },
        # Microneedling and blood draws, but neither lasers nor lipoaspiration.
        "protocols": "no_laser_no_lipo",
        "hours": [
            (day, time(8), time(14)) for day in [Weekday.MONDAY, Weekday.WEDNESDAY, Weekday.FRIDAY]
        ],
    },
]

DEVICES = [("Fractional CO2 laser", Procedure.FRACTIONAL_LASER)]

CLINIC_CLOSURES = [
    (date(2026, 12, 24), date(2026, 12, 27), "Christmas"),
    (date(2026, 12, 31), date(2027, 1, 2), "New Year"),
    (date(2027, 4, 2), date(2027, 4, 6), "Easter"),
]


def _protocols_for(rule: str) -> list[Protocol]:
    protocols = list(Protocol.objects.all())
    if rule == "all":
        return protocols
    return [
        protocol
        for protocol in protocols
        if protocol.procedure != Procedure.FRACTIONAL_LASER and protocol.source != "msc_own_adipose"
    ]


@transaction.atomic
def seed(*, refresh: bool = False) -> list[Clinician]:
    """Create the missing demo clinicians, devices and closures (all again when refreshing)."""
    clinicians = []
    for data in CLINICIANS:
        user, _ = demo_row(
            get_user_model(),
            refresh=refresh,
            username=data["username"],
            defaults={
                "first_name": data["first_name"],
                "last_name": data["last_name"],
                "email": f"{data['username']}@clinic.example",
                "is_staff": True,
            },
        )
        clinician, created = demo_row(
            Clinician,
            refresh=refresh,
            user=user,
            defaults={
                "display_name": data["display_name"],
                **{
                    f"qualification_{language}": text
                    for language, text in data["qualification"].items()
                },
                "active": True,
            },
        )
        if created or refresh:
            clinician.protocols.set(_protocols_for(data["protocols"]))
            clinician.working_hours.all().delete()
            WorkingHours.objects.bulk_create(
                WorkingHours(clinician=clinician, weekday=day, start=start, end=end)
                for day, start, end in data["hours"]
            )
        clinicians.append(clinician)

    for name, procedure in DEVICES:
        demo_row(
            Device, refresh=refresh, name=name, defaults={"procedure": procedure, "active": True}
        )

    zone = timezone.get_current_timezone()
    for first_day, day_after, reason in CLINIC_CLOSURES:
        demo_row(
            TimeOff,
            refresh=refresh,
            clinician=None,
            start=datetime.combine(first_day, time.min, tzinfo=zone),
            defaults={
                "end": datetime.combine(day_after, time.min, tzinfo=zone),
                "reason": reason,
            },
        )
    return clinicians


def lead_clinician() -> Clinician:
    """The dermatologist who medically reviews the demo education pages."""
    return Clinician.objects.get(user__username=CLINICIANS[0]["username"])
