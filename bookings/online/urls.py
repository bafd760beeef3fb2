from django.urls import path

from bookings.online import consultation, views
from bookings.online import waitlist as waitlist_pages
from common.robots import noindex

app_name = "bookings"

# Every booking, manage and waitlist page is a patient's own step: none is ever indexed
# (tests/bookings/test_noindex.py checks that each pattern here is wrapped).
urlpatterns = [
    # Consultations (issue 18): before "book/<slug>/", which would take "consultation" as a slug.
    path("book/consultation/", noindex(consultation.consultation_book), name="consultation"),
    path(
        "book/consultation/done/",
        noindex(consultation.consultation_done),
        name="consultation-done",
    ),
    path("book/recommended/<str:token>/", noindex(consultation.recommended), name="recommended"),
    path("book/done/", noindex(views.book_done), name="done"),
    path("book/<slug:slug>/", noindex(views.book_start), name="start"),
    path("book/<slug:slug>/times/", noindex(views.book_times), name="times"),
    path(
        "book/<slug:slug>/times/<int:sequence>/",
        noindex(views.book_change_visit),
        name="change-visit",
    ),
    path("book/<slug:slug>/details/", noindex(views.book_details), name="details"),
    path("book/<slug:slug>/review/", noindex(views.book_review), name="review"),
    path("book/<slug:slug>/cancel/", noindex(views.book_abandon), name="abandon"),
    path("manage/new-link/", noindex(views.manage_new_link), name="manage-new-link"),
    path("manage/new-link/sent/", noindex(views.manage_link_sent), name="manage-link-sent"),
    path("manage/<str:token>/", noindex(views.manage), name="manage"),
    path(
        "manage/<str:token>/calendar.ics",
        noindex(views.manage_calendar),
        name="manage-calendar",
    ),
    path(
        "manage/<str:token>/cancel/", noindex(views.manage_cancel_plan), name="manage-cancel-plan"
    ),
    path("manage/<str:token>/consent/", noindex(views.manage_consent), name="manage-consent"),
    path(
        "manage/<str:token>/visits/<int:pk>/move/",
        noindex(views.manage_move),
        name="manage-move",
    ),
    path(
        "manage/<str:token>/visits/<int:pk>/cancel/",
        noindex(views.manage_cancel_visit),
        name="manage-cancel-visit",
    ),
    # The waitlist's pages (bookings/online/waitlist.py), each wrapped in noindex there.
    *waitlist_pages.urlpatterns,
]
