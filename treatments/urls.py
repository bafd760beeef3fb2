from django.urls import path

from treatments import views

app_name = "treatments"

urlpatterns = [
    path("", views.protocol_list, name="protocol-list"),
    path("<slug:slug>/", views.protocol_detail, name="protocol-detail"),
]
