from django.http import HttpRequest, HttpResponse
from django.urls import path

PAGE = b"<!doctype html><html lang='en'><title>bare</title><p>A bare Django view.</p></html>"


def bare(request: HttpRequest) -> HttpResponse:
    return HttpResponse(PAGE)


urlpatterns = [path("", bare, name="bare")]
