"""Who may see which patient's medical data: one home for the rule, used by views and admin.

- Medical data at all: `bookings.view_screeninganswer` (Clinician, Clinic manager, superusers).
- Which patients: a clinic manager (`clinical.view_all_patients`) sees every patient; a
  clinician sees the patients they are assigned to — the responsible clinician of one of the
  patient's plans, or the clinician of one of their appointments. Everything else is a 404.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
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


@dataclass(frozen=True)
class Scope:
    """Whose medical data a user may see, as plain values (a compiled query's arguments)."""

    everyone: bool = False
    clinician_id: int | None = None  # the patients assigned to this clinician


def scope_of(user: User) -> Scope:
    if not can_see_medical_data(user):
        return Scope()
    if sees_every_patient(user):
        return Scope(everyone=True)
    clinician = clinician_of(user)
    return Scope(clinician_id=clinician.pk if clinician else None)


def _assigned_patient_ids(clinician_id: int) -> QuerySet:
    """The ids of the patients a clinician is assigned to (as a subquery)."""
    return Plan.objects.filter(
        Q(clinician_id=clinician_id)
        | Q(pk__in=Appointment.objects.filter(clinician_id=clinician_id).values("plan_id"))
    ).values("patient_id")


def visible_in(
    rows: QuerySet, patient_id: str, *, everyone: bool, clinician_id: int | None
) -> QuerySet:
    """`rows` narrowed to a scope's patients; `patient_id` is the lookup from their model to the
    patient's id ("patient_id", "plan__patient_id", "appointment__plan__patient_id").

    The assigned patients' ids are compared directly, one subquery deep: this runs on every
    staff page, and each level of nesting costs the ORM and PostgreSQL's planner time (issue 22).
    """
    if everyone:
        return rows
    if clinician_id is None:
        return rows.none()
    return rows.filter(**{f"{patient_id}__in": _assigned_patient_ids(clinician_id)})


def visible_to(user: User, rows: QuerySet, patient_id: str) -> QuerySet:
    """`rows` narrowed to the patients `user` may see (see `visible_in`)."""
    scope = scope_of(user)
    return visible_in(rows, patient_id, everyone=scope.everyone, clinician_id=scope.clinician_id)


def patients_visible_to(user: User) -> QuerySet[Patient]:
    return visible_to(user, Patient.objects.all(), "pk")


def plans_visible_to(user: User) -> QuerySet[Plan]:
    return visible_to(user, Plan.objects.all(), "patient_id")


def appointments_visible_to(user: User) -> QuerySet[Appointment]:
    return visible_to(user, Appointment.objects.all(), "plan__patient_id")


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
