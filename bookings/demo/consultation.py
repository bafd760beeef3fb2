"""The demo's consultation settings: a free 20-minute talk with the two demo doctors, so the
"Talk to a clinician first" booking works in the demo instead of asking the patient to call.

Seeding keeps what the clinic changed (the length, a price, the clinicians, or switching
consultations off) unless it is told to refresh the demo values.
"""

from __future__ import annotations

from bookings.models import Clinician, ConsultationSettings

MINUTES = 20
PRICE = None  # free: a consultation before paying is what the feature is for
# The doctors, not the nurse: a consultation is where a protocol is chosen with the patient.
CLINICIAN_USERNAMES = ("dr.weber", "dr.yilmaz")


def seed_consultation(*, refresh: bool = False) -> ConsultationSettings:
    """Create the one settings row if there is none (switched off counts as one); with refresh,
    put the demo values back on the first row."""
    consultation = ConsultationSettings.objects.order_by("pk").first()
    if consultation is not None and not refresh:
        return consultation
    if consultation is None:
        consultation = ConsultationSettings()
    consultation.active = True
    consultation.minutes = MINUTES
    consultation.price = PRICE
    consultation.save()
    consultation.clinicians.set(Clinician.objects.filter(user__username__in=CLINICIAN_USERNAMES))
    return consultation
