from django.urls import path

from clinic.accounts import calendar_views

app_name = "calendar-settings"

urlpatterns = [path("", calendar_views.feed_settings, name="settings")]
