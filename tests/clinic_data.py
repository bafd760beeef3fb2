"""A small clinic in the test database: two protocols, two clinicians working every day.

Used by unit tests and by the browser tests (`small_clinic` in tests/e2e/conftest.py). It lives
here, not in the browser tests' conftest, so that importing it does not load that conftest.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import time
from decimal import Decimal


@dataclass
class SmallClinic:
    protocol: object  # ready-made MSC + microneedling, 3 sessions, for acne scars
    prp_protocol: object  # own PRP: a blood draw, lab time, 2 sessions
    clinicians: list
    indication: object


def seed_small_clinic() -> SmallClinic:
    """Two protocols and two clinicians working every day 08:00–20:00, with the demo
    screening questions and consent texts. Call it inside a test with database access."""
    from bookings import demo
    from bookings.models import WorkingHours
    from tests.factories import ClinicianFactory, IndicationFactory, ProtocolFactory

    acne = IndicationFactory(slug="acne-scars", name="Acne scars")
    protocol = ProtocolFactory(
        name="Acne scar renewal",
        slug="acne-scar-renewal",
        session_count=3,
        min_interval_days=21,
        max_interval_days=35,
        price=Decimal("1350.00"),
        summary="Three microneedling sessions with ready-made exosomes for acne scars.",
        aftercare="Avoid make-up for 24 hours and use sun protection.",
        indications=[acne],
    )
    prp_protocol = ProtocolFactory(
        name="Own PRP renewal",
        slug="own-prp-renewal",
        autologous_prp=True,
        session_count=2,
        min_interval_days=21,
        max_interval_days=35,
        indications=[acne],
    )
    clinicians = [
        ClinicianFactory(display_name=name, protocols=[protocol, prp_protocol])
        for name in ("Dr. Anna Weber", "Dr. Mehmet Yılmaz")
    ]
    WorkingHours.objects.bulk_create(
        WorkingHours(clinician=clinician, weekday=day, start=time(8), end=time(20))
        for clinician in clinicians
        for day in range(7)
    )
    demo.seed_screening()
    demo.seed_consent()
    return SmallClinic(
        protocol=protocol, prp_protocol=prp_protocol, clinicians=clinicians, indication=acne
    )
