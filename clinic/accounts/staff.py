"""Staff accounts, managed by the clinic manager: invite, deactivate, reset a lost authenticator.

Every action writes an audit entry (who did it, to which account, when, from where) in the same
transaction; emails go out after it commits. A manager can give the Reception, Clinician and
Clinic manager roles, never superuser rights, and cannot act on a superuser or on themselves.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.contrib.auth import get_user_model
from django.contrib.auth.base_user import AbstractBaseUser
from django.contrib.auth.models import Group
from django.db import transaction
from django.db.models import Exists, OuterRef, Q, QuerySet
from django_otp.plugins.otp_totp.models import TOTPDevice

from bookings.models import Clinician
from clinic.accounts.enrolment import enrolment_link_email, enrolment_link_issue
from clinic.accounts.services import second_factor_remove
from clinic.accounts.signin import known_devices_forget
from clinic.models import CalendarFeed, EnrolmentPurpose
from clinical.models import AuditAction, AuditEntry, AuditObject
from clinical.roles import CLINIC_MANAGER, CLINICIAN, RECEPTION

INVITABLE_ROLES = (RECEPTION, CLINICIAN, CLINIC_MANAGER)


class StaffActionRefused(Exception):
    """The action is not allowed on this account (a superuser, oneself, already inactive)."""


@dataclass(frozen=True)
class Invitation:
    username: str
    first_name: str
    last_name: str
    email: str
    role: str


def staff_accounts() -> QuerySet:
    """Every staff account (the staff flag or a role), with its roles and whether it has an
    authenticator; a fixed number of queries whatever the number of accounts."""
    confirmed = TOTPDevice.objects.filter(user=OuterRef("pk"), confirmed=True)
    return (
        get_user_model()
        .objects.filter(Q(is_staff=True) | Q(groups__name__in=INVITABLE_ROLES))
        .distinct()
        .annotate(has_authenticator=Exists(confirmed))
        .prefetch_related("groups")
        .order_by("-is_active", "last_name", "first_name", "username")
    )


def staff_account_events(*, limit: int = 30) -> QuerySet[AuditEntry]:
    return (
        AuditEntry.objects.filter(object_type=AuditObject.STAFF_ACCOUNT)
        .select_related("user")
        .order_by("-at", "-id")[:limit]
    )


def _audit(*, by: AbstractBaseUser, action: str, account: AbstractBaseUser, ip: str | None) -> None:
    AuditEntry.objects.create(
        user=by,
        action=action,
        object_type=AuditObject.STAFF_ACCOUNT,
        object_id=account.pk,
        ip_address=ip,
    )


def _refuse_unless_manageable(*, by: AbstractBaseUser, account: AbstractBaseUser) -> None:
    if account.is_superuser:
        raise StaffActionRefused("superuser")
    if account.pk == by.pk:
        raise StaffActionRefused("self")


@dataclass(frozen=True)
class Invited:
    user: AbstractBaseUser
    link_sent: bool  # False: the mail server failed; "Send a new setup link" issues another


def staff_invite(*, by: AbstractBaseUser, invitation: Invitation, ip: str | None = None) -> Invited:
    """A new staff account with one role and no usable password; the colleague chooses one and
    sets up the authenticator from the emailed one-time link."""
    if invitation.role not in INVITABLE_ROLES:
        raise StaffActionRefused("role")
    with transaction.atomic():
        user = get_user_model().objects.create_user(
            username=invitation.username,
            email=invitation.email,
            first_name=invitation.first_name,
            last_name=invitation.last_name,
            password=None,
            is_staff=True,
        )
        user.groups.set([Group.objects.get(name=invitation.role)])
        if invitation.role == CLINICIAN:
            # The calendar and the reviews need a clinician profile; without working hours
            # nobody can book them yet, so it stays out of the online booking until set up.
            name = f"{invitation.first_name} {invitation.last_name}".strip()
            Clinician.objects.create(user=user, display_name=name or invitation.username)
        token = enrolment_link_issue(user=user, purpose=EnrolmentPurpose.INVITATION, by=by)
        _audit(by=by, action=AuditAction.INVITE, account=user, ip=ip)
    sent = enrolment_link_email(user=user, token=token, purpose=EnrolmentPurpose.INVITATION)
    return Invited(user=user, link_sent=sent)


def staff_deactivate(
    *, by: AbstractBaseUser, account: AbstractBaseUser, ip: str | None = None
) -> None:
    """The account can no longer sign in (its sessions end at their next request); its audit
    trail stays. Its calendar feed and trusted browsers are revoked."""
    _refuse_unless_manageable(by=by, account=account)
    if not account.is_active:
        raise StaffActionRefused("inactive")
    with transaction.atomic():
        # A save, not a queryset update: its signal drops the cached account
        # (clinic.accounts.auth_cache), so the sessions end at their next request.
        account.is_active = False
        account.save(update_fields=["is_active"])
        Clinician.objects.filter(user=account).update(active=False)
        CalendarFeed.objects.filter(user=account).delete()
        known_devices_forget(user=account)
        _audit(by=by, action=AuditAction.DEACTIVATE, account=account, ip=ip)


def staff_second_factor_reset(
    *, by: AbstractBaseUser, account: AbstractBaseUser, ip: str | None = None
) -> bool:
    """A lost phone: the authenticator and every recovery code stop working, no browser stays
    trusted, and the colleague gets a new one-time link to set up a new one. False when the
    email could not be sent (the reset stands; running it again issues a new link)."""
    _refuse_unless_manageable(by=by, account=account)
    if not account.is_active:
        raise StaffActionRefused("inactive")
    with transaction.atomic():
        second_factor_remove(user=account)
        known_devices_forget(user=account)
        token = enrolment_link_issue(user=account, purpose=EnrolmentPurpose.RESET, by=by)
        _audit(by=by, action=AuditAction.RESET_SECOND_FACTOR, account=account, ip=ip)
    return enrolment_link_email(user=account, token=token, purpose=EnrolmentPurpose.RESET)
