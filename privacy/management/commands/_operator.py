from django.contrib.auth import get_user_model
from django.contrib.auth.models import AbstractBaseUser
from django.core.management.base import CommandError

from bookings.models import Patient


def operator(username: str) -> AbstractBaseUser:
    """The staff member on whose behalf the command runs (named in the audit log)."""
    user = get_user_model().objects.filter(username=username, is_staff=True, is_active=True).first()
    if user is None:
        raise CommandError(f"--by {username!r}: no active staff account with that username.")
    return user


def patient(number: int) -> Patient:
    found = Patient.objects.filter(pk=number).first()
    if found is None:
        raise CommandError(f"No patient number {number}.")
    return found
