from django.urls import path

from clinical import patient_views

app_name = "aftercare"

urlpatterns = [
    path("outcome/<str:token>/", patient_views.outcome, name="outcome"),
    path("<str:token>/", patient_views.follow_up, name="follow-up"),
    path("<str:token>/stop/", patient_views.follow_up_stop, name="follow-up-stop"),
]
