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
    path("plans/<int:plan_id>/rating/", views.plan_rating, name="plan-rating"),
    path("sessions/<int:appointment_id>/", views.session_detail, name="session-detail"),
    path("sessions/<int:appointment_id>/record/", views.session_record, name="session-record"),
    path("sessions/<int:appointment_id>/photos/", views.session_photo_add, name="photo-add"),
    path(
        "sessions/<int:appointment_id>/follow-up/handled/",
        views.follow_up_handled,
        name="follow-up-handled",
    ),
    path(
        "sessions/<int:appointment_id>/adverse-events/",
        views.adverse_event_add,
        name="adverse-event-add",
    ),
    path("adverse-events/<int:event_id>/", views.adverse_event_detail, name="adverse-event"),
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
    path("outcomes/", views.outcomes, name="outcomes"),
    path("lots/", views.lot_recall, name="lot-recall"),
    path("lots/<int:lot_id>/", views.lot_detail, name="lot-detail"),
    path("lots/<int:lot_id>/recall/", views.lot_recall_mark, name="lot-recall-mark"),
    path("lots/<int:lot_id>/notices/", views.lot_notices_send, name="lot-notices"),
]
