"""The staff roles: one group per role and exactly the permissions it holds.

The data migrations `0002_staff_roles` and `0004_manager_sign_in_lockouts` (and any later one
that changes this table) apply it;
tests/clinical/test_roles.py checks the groups in the database against it.

"Can see medical data" means `user.has_perm("bookings.view_screeninganswer")`: the Clinician and
Clinic manager roles (and superusers), never Reception. "Sees every patient" means
`clinical.view_all_patients`: only the Clinic manager; a clinician sees the patients of the plans
and appointments they are assigned to.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from django.apps.registry import Apps

RECEPTION = "Reception"
CLINICIAN = "Clinician"
CLINIC_MANAGER = "Clinic manager"

MEDICAL_DATA_PERMISSION = "bookings.view_screeninganswer"
ALL_PATIENTS_PERMISSION = "clinical.view_all_patients"

_RECEPTION = {
    "bookings.view_patient",
    "bookings.add_patient",
    "bookings.change_patient",
    "bookings.view_plan",
    "bookings.add_plan",
    "bookings.change_plan",
    "bookings.view_appointment",
    "bookings.add_appointment",
    "bookings.change_appointment",
    "bookings.view_clinician",
    "bookings.view_device",
    "bookings.view_workinghours",
    "bookings.view_timeoff",
    "bookings.add_timeoff",
    "bookings.change_timeoff",
    "bookings.delete_timeoff",
    "bookings.view_outgoingemail",
    "treatments.view_protocol",
    # That a follow-up was sent and whether it is answered (never the answers).
    "clinical.view_followup",
}

_CLINICIAN = {
    "bookings.view_patient",
    "bookings.view_plan",
    "bookings.view_appointment",
    "bookings.view_screeninganswer",
    "bookings.view_consenttext",
    "bookings.view_clinician",
    "clinical.view_treatmentrecord",
    "clinical.add_treatmentrecord",
    "clinical.change_treatmentrecord",
    "clinical.view_photo",
    "clinical.add_photo",
    "clinical.view_lot",
    "treatments.view_product",
}

# django-axes: the manager sees sign-in attempts and lockouts, and lifts a lockout by deleting
# the attempt (migration 0004, which depends on axes, applies these).
_SIGN_IN_LOCKOUTS = {
    "axes.view_accessattempt",
    "axes.delete_accessattempt",
    "axes.view_accesslog",
    "axes.view_accessfailurelog",
}

_MANAGER_ONLY = _SIGN_IN_LOCKOUTS | {
    # Deleting a patient is how the clinic merges a duplicate; only the manager may.
    "bookings.delete_patient",
    "bookings.add_screeningquestion",
    "bookings.change_screeningquestion",
    "bookings.delete_screeningquestion",
    "bookings.add_consenttext",
    "bookings.change_consenttext",
    "bookings.delete_consenttext",
    "clinical.view_auditentry",
    "clinical.view_all_patients",
    # The staff accounts page: invite, deactivate, reset a lost authenticator (clinic migration
    # 0003 applies it once the permission exists).
    "clinic.manage_staff",
    # Stock: the manager enters products and the lots received (a recall is done on the lot's
    # page, with a reason: clinical.recall).
    "treatments.add_product",
    "treatments.change_product",
    "clinical.add_lot",
    "clinical.change_lot",
}

# Apps whose permissions may not exist yet when an earlier migration applies the roles: their own
# data migration applies them again (clinic/migrations/0003_staff_accounts_role.py).
_APPLIED_BY_THEIR_OWN_MIGRATION = frozenset({"clinic"})

ROLES: dict[str, frozenset[str]] = {
    RECEPTION: frozenset(_RECEPTION),
    CLINICIAN: frozenset(_CLINICIAN),
    CLINIC_MANAGER: frozenset(_RECEPTION | _CLINICIAN | _MANAGER_ONLY),
}


def roles_apply(apps: Apps) -> None:
    """Give each role's group exactly its permissions (creating the group if needed).

    Called by data migrations with the historical `apps`, and by tests that run after a
    transactional test emptied the tables (`django.apps.apps`). Permissions of an app that is not in
    the migration state at that point (an app installed later, such as django-axes) are left for
    the later migration that depends on that app and calls this again; any other missing
    permission is an error.
    """
    from django.contrib.auth.management import create_permissions

    # Permissions are normally created after all migrations ran (post_migrate); create them now
    # so the groups can be given them on a fresh database.
    present = set()
    for app_config in apps.get_app_configs():
        present.add(app_config.label)
        if getattr(app_config, "models_module", None) is None:
            # A migration's historical app: create_permissions skips apps without models.
            app_config.models_module = True
            create_permissions(app_config, apps=apps, verbosity=0)
            app_config.models_module = None
        else:
            create_permissions(app_config, apps=apps, verbosity=0)

    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    for name, codenames in ROLES.items():
        wanted = []
        for dotted in sorted(codenames):
            app_label, codename = dotted.split(".")
            if app_label not in present:
                continue
            permission = Permission.objects.filter(
                content_type__app_label=app_label, codename=codename
            ).first()
            if permission is None and app_label in _APPLIED_BY_THEIR_OWN_MIGRATION:
                continue  # that app's later migration calls this again
            if permission is None and _model_added_later(apps, app_label, codename):
                continue  # a later migration (after the model's own) applies this again
            if permission is None:
                raise LookupError(f"The permission {dotted} does not exist.")
            wanted.append(permission)
        group, _created = Group.objects.get_or_create(name=name)
        group.permissions.set(wanted)


def _model_added_later(apps: Apps, app_label: str, codename: str) -> bool:
    """A default permission ("view_lot") of a model not yet in this migration state."""
    action, _sep, model_name = codename.partition("_")
    if action not in {"view", "add", "change", "delete"}:
        return False
    try:
        apps.get_model(app_label, model_name)
    except LookupError:
        return True
    return False
