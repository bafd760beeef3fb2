"""Who may see which patient's medical data: one home for the rule, used by views and admin.

- Medical data at all: `bookings.view_screeninganswer` (Clinician, Clinic manager, superusers).
- Which patients: a clinic manager (`clinical.view_all_patients`) sees every patient; a
  clinician sees the patients they are assigned to — the responsible clinician of one of the
  patient's plans, or the clinician of one of their appointments. Everything else is a 404.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import TYPE_CHECKING

from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.db.models import Q, QuerySet
from django.http import HttpRequest, HttpResponse
from django.urls import reverse

from bookings.models import Appointment, Clinician, Patient, Plan
from clinical.roles import ALL_PATIENTS_PERMISSION, MEDICAL_DATA_PERMISSION

if TYPE_CHECKING:
    from django.contrib.auth.models import AbstractBaseUser, AnonymousUser

    User = AbstractBaseUser | AnonymousUser


def can_see_medical_data(user: User) -> bool:
    return user.is_active and user.has_perm(MEDICAL_DATA_PERMISSION)


def sees_every_patient(user: User) -> bool:
    return user.is_active and user.has_perm(ALL_PATIENTS_PERMISSION)


def clinician_of(user: User) -> Clinician | None:
    """The user's clinician profile, if they have one (cached on the user object)."""
    if not user.is_authenticated:
        return None
    try:
        return user.clinician
    except Clinician.DoesNotExist:
        return None


def patients_visible_to(user: User) -> QuerySet[Patient]:
    if not can_see_medical_data(user):
        return Patient.objects.none()
    if sees_every_patient(user):
        return Patient.objects.all()
    clinician = clinician_of(user)
    if clinician is None:
        return Patient.objects.none()
    assigned_plans = Plan.objects.filter(
        Q(clinician=clinician)
        | Q(pk__in=Appointment.objects.filter(clinician=clinician).values("plan_id"))
    )
    return Patient.objects.filter(pk__in=assigned_plans.values("patient_id"))


def plans_visible_to(user: User) -> QuerySet[Plan]:
    if sees_every_patient(user) and can_see_medical_data(user):
        return Plan.objects.all()
    return Plan.objects.filter(patient__in=patients_visible_to(user))


def appointments_visible_to(user: User) -> QuerySet[Appointment]:
    if sees_every_patient(user) and can_see_medical_data(user):
        return Appointment.objects.all()
    return Appointment.objects.filter(plan__patient__in=patients_visible_to(user))


def medical_staff_required(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """Anonymous visitors go to the staff sign-in; signed-in staff without access to medical
    data (reception) are refused with 403."""

    @wraps(view)
    def wrapper(request: HttpRequest, *args: object, **kwargs: object) -> HttpResponse:
        if not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path(), reverse("clinical:login"))
        if not can_see_medical_data(request.user):
            raise PermissionDenied
        return view(request, *args, **kwargs)

    return wrapper
