from django.urls import path

from bookings.online import views

app_name = "bookings"

urlpatterns = [
    path("book/done/", views.book_done, name="done"),
    path("book/<slug:slug>/", views.book_start, name="start"),
    path("book/<slug:slug>/times/", views.book_times, name="times"),
    path("book/<slug:slug>/times/<int:sequence>/", views.book_change_visit, name="change-visit"),
    path("book/<slug:slug>/details/", views.book_details, name="details"),
    path("book/<slug:slug>/review/", views.book_review, name="review"),
    path("book/<slug:slug>/cancel/", views.book_abandon, name="abandon"),
    path("manage/new-link/", views.manage_new_link, name="manage-new-link"),
    path("manage/new-link/sent/", views.manage_link_sent, name="manage-link-sent"),
    path("manage/<str:token>/", views.manage, name="manage"),
    path("manage/<str:token>/calendar.ics", views.manage_calendar, name="manage-calendar"),
    path("manage/<str:token>/cancel/", views.manage_cancel_plan, name="manage-cancel-plan"),
    path("manage/<str:token>/consent/", views.manage_consent, name="manage-consent"),
    path("manage/<str:token>/visits/<int:pk>/move/", views.manage_move, name="manage-move"),
    path(
        "manage/<str:token>/visits/<int:pk>/cancel/",
        views.manage_cancel_visit,
        name="manage-cancel-visit",
    ),
]
