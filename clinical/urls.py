from django.urls import path

from clinical import consultations, views

app_name = "clinical"

urlpatterns = [
    path("login/", views.StaffLoginView.as_view(), name="login"),
    path("logout/", views.StaffLogoutView.as_view(), name="logout"),
    path("", views.dashboard, name="dashboard"),
    path("plans/<int:plan_id>/", views.plan_detail, name="plan-detail"),
    path("plans/<int:plan_id>/review/", views.plan_review, name="plan-review"),
    path("plans/<int:plan_id>/photos/", views.plan_photos, name="plan-photos"),
    path("sessions/<int:appointment_id>/", views.session_detail, name="session-detail"),
    path("sessions/<int:appointment_id>/record/", views.session_record, name="session-record"),
    path("sessions/<int:appointment_id>/photos/", views.session_photo_add, name="photo-add"),
    path(
        "photos/<int:photo_id>/<str:variant>.jpg",
        views.photo_file,
        name="photo-file",
    ),
    path(
        "consultations/<int:plan_id>/",
        consultations.consultation_detail,
        name="consultation",
    ),
    path("lots/", views.lot_recall, name="lot-recall"),
]
