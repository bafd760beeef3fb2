"""The clinic manager's staff accounts page (`/<lang>/staff/team/`): thin views over
`clinic.accounts.staff`. Behind the second factor like every page under /<lang>/staff/."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth import get_user_model
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import pgettext
from django.views.decorators.http import require_http_methods, require_POST

from clinic.accounts import staff
from clinic.accounts.forms import StaffInviteForm
from clinical.roles import CLINIC_MANAGER, CLINICIAN, RECEPTION
from common.client_ip import client_ip

MANAGE_STAFF = "clinic.manage_staff"


def _role_choices() -> list[tuple[str, str]]:
    labels = {
        RECEPTION: pgettext("staff role", "Reception"),
        CLINICIAN: pgettext("staff role", "Clinician"),
        CLINIC_MANAGER: pgettext("staff role", "Clinic manager"),
    }
    return [(role, labels[role]) for role in staff.INVITABLE_ROLES]


def _manager_only(request: HttpRequest) -> HttpResponse | None:
    if not request.user.is_authenticated:
        return redirect_to_login(request.get_full_path(), reverse("clinical:login"))
    if not (request.user.is_active and request.user.has_perm(MANAGE_STAFF)):
        raise PermissionDenied
    return None


@require_http_methods(["GET", "HEAD", "POST"])
def staff_list(request: HttpRequest) -> HttpResponse:
    if (refused := _manager_only(request)) is not None:
        return refused
    form = StaffInviteForm(request.POST or None, roles=_role_choices())
    if request.method == "POST" and form.is_valid():
        invited = staff.staff_invite(
            by=request.user,
            invitation=staff.Invitation(**form.cleaned_data),
            ip=client_ip(request),
        )
        names = {
            "name": invited.user.get_full_name() or invited.user.username,
            "email": invited.user.email,
        }
        if invited.link_sent:
            messages.success(
                request,
                _("%(name)s is invited: the setup link is on its way to %(email)s.") % names,
            )
        else:
            messages.warning(
                request,
                _(
                    "The account of %(name)s is created, but the email with the setup link could "
                    "not be sent to %(email)s. Please try again in a few minutes with “Send a new "
                    "setup link” in the list below."
                )
                % names,
            )
        return redirect("staff-accounts:list")
    labels = dict(_role_choices())
    accounts = list(staff.staff_accounts())
    for account in accounts:
        account.role_names = [labels.get(g.name, g.name) for g in account.groups.all()]
        account.manageable = account.is_active and not account.is_superuser
        account.is_me = account.pk == request.user.pk
    usernames = {account.pk: account.username for account in accounts}
    events = list(staff.staff_account_events())
    for event in events:
        event.account_name = usernames.get(event.object_id, f"#{event.object_id}")
    return render(
        request,
        "accounts/staff_list.html",
        {"accounts": accounts, "form": form, "events": events},
        status=400 if form.errors else 200,
    )


def _account(account_id: int):
    return get_object_or_404(get_user_model(), pk=account_id)


@require_POST
def staff_deactivate(request: HttpRequest, account_id: int) -> HttpResponse:
    if (refused := _manager_only(request)) is not None:
        return refused
    account = _account(account_id)
    try:
        staff.staff_deactivate(by=request.user, account=account, ip=client_ip(request))
    except staff.StaffActionRefused:
        messages.error(request, _("This account cannot be changed here."))
    else:
        messages.success(
            request,
            _("%(name)s can no longer sign in.") % {"name": account.get_full_name() or account},
        )
    return redirect("staff-accounts:list")


@require_POST
def staff_reset_second_factor(request: HttpRequest, account_id: int) -> HttpResponse:
    if (refused := _manager_only(request)) is not None:
        return refused
    account = _account(account_id)
    try:
        sent = staff.staff_second_factor_reset(
            by=request.user, account=account, ip=client_ip(request)
        )
    except staff.StaffActionRefused:
        messages.error(request, _("This account cannot be changed here."))
        return redirect("staff-accounts:list")
    if not sent:
        messages.warning(
            request,
            _(
                "The old authenticator and recovery codes of %(name)s no longer work, but the "
                "email with the new setup link could not be sent to %(email)s. Please try again "
                "in a few minutes with “Send a new setup link”."
            )
            % {"name": account.get_full_name() or account, "email": account.email},
        )
    else:
        messages.success(
            request,
            _(
                "The old authenticator and recovery codes of %(name)s no longer work; a new "
                "setup link is on its way to %(email)s."
            )
            % {"name": account.get_full_name() or account, "email": account.email},
        )
    return redirect("staff-accounts:list")
