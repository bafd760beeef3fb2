from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from treatments.models import Protocol


def home(request: HttpRequest) -> HttpResponse:
    featured = Protocol.objects.published().for_listing()[:3]
    return render(request, "home.html", {"featured_protocols": featured})


@require_GET
def robots_txt(request: HttpRequest) -> HttpResponse:
    return render(request, "robots.txt", content_type="text/plain")
