"""Reception sets up the clinic in the admin: clinicians, hours, devices, time off."""

import pytest
from django.urls import reverse

from bookings.models import TimeOff, WorkingHours
from tests.bookings.conftest import MONDAY, at, days_after

pytestmark = pytest.mark.django_db

PAGES = [
    "admin:bookings_clinician_changelist",
    "admin:bookings_clinician_add",
    "admin:bookings_device_changelist",
    "admin:bookings_timeoff_changelist",
    "admin:bookings_timeoff_add",
]


@pytest.mark.parametrize("name", PAGES)
def test_set_up_pages_load_for_staff(receptionist_client, clinician, name):
    response = receptionist_client.get(reverse(name))

    assert response.status_code == 200


@pytest.mark.parametrize("name", PAGES)
def test_set_up_pages_are_closed_to_anonymous_visitors(client, name):
    response = client.get(reverse(name))

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("admin:login"))


def test_plans_and_appointments_cannot_be_added_around_the_services(receptionist_client):
    response = receptionist_client.get(reverse("admin:index"))
    index = response.text

    # What is absent only counts on the page itself, not on a redirect to the login page.
    assert response.status_code == 200
    assert reverse("admin:bookings_appointment_changelist") in index
    assert reverse("admin:bookings_plan_changelist") in index
    assert reverse("admin:bookings_appointment_add") not in index
    assert reverse("admin:bookings_plan_add") not in index
    assert receptionist_client.get(reverse("admin:bookings_appointment_add")).status_code == 403


def test_a_shift_ending_before_it_starts_is_refused_with_a_message(receptionist_client, clinician):
    url = reverse("admin:bookings_clinician_change", args=[clinician.pk])
    data = {
        "user": clinician.user.pk,
        "display_name": clinician.display_name,
        "qualification_en": clinician.qualification,
        "active": "on",
        "protocols": [p.pk for p in clinician.protocols.all()],
        "working_hours-TOTAL_FORMS": "1",
        "working_hours-INITIAL_FORMS": "0",
        "working_hours-0-weekday": "0",
        "working_hours-0-start": "17:00",
        "working_hours-0-end": "09:00",
    }

    response = receptionist_client.post(url, data)

    assert "A shift must end after it starts." in response.text
    assert not WorkingHours.objects.filter(clinician=clinician, start="17:00").exists()


def test_a_clinic_closure_is_added_without_a_clinician(receptionist_client):
    day = days_after(MONDAY, 10)
    response = receptionist_client.post(
        reverse("admin:bookings_timeoff_add"),
        {
            "clinician": "",
            "start_0": day.isoformat(),
            "start_1": "00:00",
            "end_0": days_after(day, 1).isoformat(),
            "end_1": "00:00",
            "reason": "Public holiday",
        },
    )

    assert response.status_code == 302
    closure = TimeOff.objects.get()
    assert closure.clinician is None
    assert closure.start == at(day, "00:00")
