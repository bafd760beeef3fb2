from django.urls import path

from clinic.accounts import staff_views

app_name = "staff-accounts"

urlpatterns = [
    path("", staff_views.staff_list, name="list"),
    path("<int:account_id>/deactivate/", staff_views.staff_deactivate, name="deactivate"),
    path(
        "<int:account_id>/reset-second-factor/",
        staff_views.staff_reset_second_factor,
        name="reset-second-factor",
    ),
]
