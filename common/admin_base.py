"""Admin building blocks shared by the apps (a neutral module: every app may import it)."""

from django.contrib import admin
from django.http import HttpRequest


class ReadOnlyAdmin(admin.ModelAdmin):
    """An admin that lists and shows rows but never adds, changes or deletes them: rows that only
    a service may write (emails, the audit log, medical records, the agenda's appointments)."""

    def has_add_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False
