from django.apps import AppConfig


class CommonConfig(AppConfig):
    # An app only so that its template tags ({% load security %}) are found; it has no models.
    name = "common"
