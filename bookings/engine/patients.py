"""Patients: finding possible duplicates, and merging one into another.

A duplicate is usually the same person booked twice — once online, once on the phone — with a
typo somewhere. Two patients are *possible duplicates* when they share the date of birth and
either the email address (case-insensitive, spaces trimmed) or the normalised name
(`normalise_name`: NFKC, case-folded, whitespace collapsed). Only a
clinic manager (`bookings.delete_patient`) may merge: the duplicate's plans, emails and anything
else that points at it move to the patient that is kept, and the duplicate is deleted.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from datetime import date, datetime

import phonenumbers
from django.conf import settings
from django.db import models
from django.db.models import Exists, OuterRef, Q, QuerySet
from django.db.models.functions import Lower, Trim
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from bookings.engine.errors import NotFound, PatientAlreadyBooked
from bookings.engine.locks import booking_transaction, lock_patients, lock_plans
from bookings.engine.rules import clinic_zone
from bookings.models import Appointment, Patient, Plan


def _same_person_as() -> Q:
    return Q(date_of_birth=OuterRef("date_of_birth")) & (
        Q(email_key=OuterRef("email_key")) | Q(name_normalised=OuterRef("name_normalised"))
    )


def _with_keys(patients: QuerySet[Patient]) -> QuerySet[Patient]:
    # Names compare by their stored normalised form (NFKC, case-folded, whitespace collapsed:
    # "Jane  Doe" is "jane doe"), the same key as `patient_matches`.
    return patients.annotate(email_key=Lower(Trim("email")))


def patients_with_duplicate_flag(patients: QuerySet[Patient]) -> QuerySet[Patient]:
    """Annotate `has_duplicate`: one subquery in the same SQL, whatever the number of rows."""
    others = _with_keys(Patient.objects.all()).filter(_same_person_as()).exclude(pk=OuterRef("pk"))
    return _with_keys(patients).annotate(has_duplicate=Exists(others))


# A search term that is a phone number: digits with the usual separators, at least 6 digits.
_PHONE_CHARACTERS = set("0123456789+-/(). ")
_PHONE_MIN_DIGITS = 6


def patients_matching(term: str) -> Q:
    """The condition of `patients_search`: name (normalised), email or phone, where a phone
    number matches however it is typed ("0170 5550101", "01705550101", "+491705550101")."""
    term = term.replace("\x00", "").strip()  # PostgreSQL text cannot hold NUL (a DataError)
    condition = (
        Q(name_normalised__contains=normalise_name(term))
        | Q(email__icontains=term)
        | Q(phone__icontains=term)
    )
    digits = "".join(character for character in term if character.isdigit())
    if set(term) <= _PHONE_CHARACTERS and len(digits) >= _PHONE_MIN_DIGITS:
        e164 = normalise_phone(term)
        if e164:
            condition |= Q(phone_normalised=e164)
        # A part of a number as typed without spaces ("5550101"), or the national number. Only
        # with enough significant digits: "000000" would be "" after the zeros, in every number.
        significant = digits.lstrip("0")
        if len(significant) >= _PHONE_MIN_DIGITS:
            condition |= Q(phone_normalised__contains=significant)
    return condition


def patients_search(term: str) -> QuerySet[Patient]:
    """Patients whose name, email or phone matches the term (see `patients_matching`), or born
    on the date it names (2026-03-01, 01.03.2026 or 01/03/2026)."""
    day = parse_day(term)
    if day is not None:
        return Patient.objects.filter(date_of_birth=day)
    return Patient.objects.filter(patients_matching(term))


def parse_day(term: str) -> date | None:
    for pattern in ("%Y-%m-%d", "%d.%m.%Y", "%d/%m/%Y"):
        try:
            return datetime.strptime(term.strip(), pattern).date()
        except ValueError:
            continue
    return None


def patient_duplicates(patient: Patient) -> list[Patient]:
    """The other patients who may be this one (the keys of `patients_with_duplicate_flag`)."""
    email_key = patient.email.strip().lower()
    return list(
        _with_keys(Patient.objects.exclude(pk=patient.pk))
        .filter(date_of_birth=patient.date_of_birth)
        .filter(Q(email_key=email_key) | Q(name_normalised=normalise_name(patient.full_name)))
        .order_by("created_at")
    )


def patient_merge(*, keep: Patient, duplicate: Patient) -> Patient:
    """Move everything of `duplicate` to `keep`, fill `keep`'s empty fields, delete `duplicate`.

    One booking transaction (lock timeout, `ClinicBusy`/`NotFound` instead of database errors);
    both patients' plans and then both rows are locked in id order, the engine's lock order, so
    a merge cannot deadlock with a booking or another merge. Every model that points at a
    patient is moved, so apps added later (the clinical records) are merged too.
    """
    if keep.pk == duplicate.pk:
        raise ValueError("A patient cannot be merged into itself.")

    with booking_transaction():
        # The engine's lock order (engine.locks): their plans by id first, then the patients.
        # Locking the patients first and then rewriting plans a booking holds (it locks the plan,
        # then the patient) would wait in a circle with that booking.
        both = [keep.pk, duplicate.pk]
        lock_plans(Plan.objects.filter(patient_id__in=both).values_list("pk", flat=True))
        # The duplicate is deleted: no new plan may point at it now.
        locked = lock_patients(both, deleting=True)
        if len(locked) != 2:
            raise NotFound(_("One of these patients no longer exists. Please look again."))
        kept, gone = locked[keep.pk], locked[duplicate.pk]
        _refuse_overlapping_visits(kept, gone)
        for relation in Patient._meta.related_objects:
            if relation.many_to_many or not isinstance(relation.field, models.ForeignKey):
                continue
            relation.related_model._base_manager.filter(**{relation.field.name: gone}).update(
                **{relation.field.name: kept}
            )
        if not kept.phone and gone.phone:
            kept.phone = gone.phone
            kept.save(update_fields=["phone"])
        gone.delete()
        return kept


def _refuse_overlapping_visits(kept: Patient, gone: Patient) -> None:
    """One person cannot be at two visits at once: merging two patients whose visits overlap
    would book the kept one twice at the same time (the engine refuses that for a booking).
    Read under the plans' locks, so no booking can add such a visit meanwhile."""
    now = timezone.now()
    theirs = Appointment.objects.blocking(now).filter(
        plan__patient_id=gone.pk, start__lt=OuterRef("end"), end__gt=OuterRef("start")
    )
    clash = (
        Appointment.objects.blocking(now)
        .filter(plan__patient_id=kept.pk)
        .filter(Exists(theirs))
        .order_by("start")
        .first()
    )
    if clash is not None:
        raise PatientAlreadyBooked(
            _(
                "%(kept)s and %(gone)s both have a visit at %(when)s, so they cannot be merged: "
                "cancel or move one of those visits first. Nothing was changed."
            )
            % {
                "kept": kept,
                "gone": gone,
                "when": date_format(clash.start.astimezone(clinic_zone()), "DATETIME_FORMAT"),
            }
        )


# --- The same person again: normalised names and phone numbers --------------------------------


# Turkish has a dotted (İ i) and a dotless (I ı) letter i; casefold() maps "I" to a dotted "i",
# so "YILMAZ" and "Yılmaz" would differ. Whether a capital I is Turkish cannot be known from the
# name alone, so all four fold to one "i": a name typed in capitals still finds its record (a
# rare false match is only offered to reception, who decides).
_DOTTED_AND_DOTLESS_I = str.maketrans({"İ": "i", "I": "i", "ı": "i"})


def normalise_name(name: str) -> str:
    """A name as compared: Unicode NFKC, case-folded, whitespace collapsed, Turkish i folded.

    "  Ayşe   YILMAZ " and "ayşe yılmaz" compare equal; so do a name typed with a compatibility
    character (a full-width letter, a ligature) and the plain one.
    """
    folded = unicodedata.normalize("NFKC", name or "").translate(_DOTTED_AND_DOTLESS_I)
    return " ".join(folded.casefold().split())


def normalise_phone(phone: str, *, region: str | None = None) -> str:
    """A phone number in E.164 ("+4930123456"), or "" when it is not a possible number.

    Numbers without a country code are read as numbers of the clinic's country
    (settings.CLINIC_COUNTRY), so "030 123456" and "+49 30 123456" compare equal.
    """
    if not (phone or "").strip():
        return ""
    try:
        number = phonenumbers.parse(phone, region or settings.CLINIC_COUNTRY)
    except phonenumbers.NumberParseException:
        return ""
    if not phonenumbers.is_possible_number(number):
        return ""
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def patient_normalise(*, sender: type[Patient], instance: Patient, **kwargs: object) -> None:
    """Before every save of a patient (connected in BookingsConfig.ready): the compared columns."""
    instance.name_normalised = normalise_name(instance.full_name)
    instance.phone_normalised = normalise_phone(instance.phone)


@dataclass(frozen=True)
class PatientDetails:
    """What a caller or a visitor tells about themselves."""

    full_name: str
    email: str
    phone: str
    date_of_birth: date
    preferred_language: str


@dataclass(frozen=True)
class PatientMatch:
    """An existing patient who may be the caller, and why, with the visits they have."""

    patient: Patient
    reasons: tuple[str, ...]
    visits: tuple[Appointment, ...]


def patient_identity_keys(details: PatientDetails) -> list[str]:
    """Every key by which `patient_matches` may find this person (for the placement's locks):
    the email, the normalised phone, the normalised name with the date of birth."""
    email = details.email.strip().lower()
    phone = normalise_phone(details.phone)
    name = normalise_name(details.full_name)
    keys = [f"email:{email}"] if email else []
    if phone:
        keys.append(f"phone:{phone}")
    if name and details.date_of_birth:
        keys.append(f"name:{name}|{details.date_of_birth}")
    return keys


def patient_matches(details: PatientDetails, *, now: datetime | None = None) -> list[PatientMatch]:
    """The existing patients who may be this person: the same email, or the same phone number,
    or the same name and date of birth (names and phones normalised). For staff only: the list
    names patients, so the public booking pages never show it."""
    now = now or timezone.now()
    email = details.email.strip()
    phone = normalise_phone(details.phone)
    name = normalise_name(details.full_name)
    found = Q(email__iexact=email) if email else Q(pk__in=[])
    if phone:
        found |= Q(phone_normalised=phone)
    if name and details.date_of_birth:
        found |= Q(name_normalised=name, date_of_birth=details.date_of_birth)
    matches = []
    for patient in Patient.objects.filter(found).order_by("created_at", "pk"):
        reasons = []
        if email and patient.email.strip().lower() == email.lower():
            reasons.append(_("same email"))
        if phone and patient.phone_normalised == phone:
            reasons.append(_("same phone number"))
        same_birthday = patient.date_of_birth == details.date_of_birth
        if name and patient.name_normalised == name and same_birthday:
            reasons.append(_("same name and date of birth"))
        visits = tuple(
            Appointment.objects.blocking(now)
            .filter(plan__patient=patient, end__gt=now)
            .select_related("plan__protocol", "clinician")
            .order_by("start")
        )
        matches.append(PatientMatch(patient=patient, reasons=tuple(reasons), visits=visits))
    return matches
