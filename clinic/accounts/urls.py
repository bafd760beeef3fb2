from django.urls import path

from clinic.accounts import views

app_name = "accounts"

urlpatterns = [
    path("verify/", views.verify, name="verify"),
    path("two-factor/", views.enrol, name="enrol"),
    path("recovery-codes/", views.recovery_codes, name="recovery-codes"),
    path("enrol/<str:token>/", views.enrol_link, name="enrol-link"),
]
