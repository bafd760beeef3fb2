from django.urls import path

from education import info_views, views

app_name = "education"

urlpatterns = [
    path("learn/", views.article_list, name="article-list"),
    path("learn/<slug:slug>/", views.article_detail, name="article-detail"),
    path("search/", views.search, name="search"),
    path("impressum/", info_views.legal_page, {"kind": "impressum"}, name="impressum"),
    path("privacy/", info_views.legal_page, {"kind": "privacy"}, name="privacy"),
    path("contact/", info_views.contact, name="contact"),
    path("team/", info_views.team, name="team"),
]
