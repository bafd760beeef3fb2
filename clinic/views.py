from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.views.decorators.http import require_safe

from education.models import Article
from treatments.models import Protocol

HOME_LEARN_PAGES = 4


def home(request: HttpRequest) -> HttpResponse:
    featured = Protocol.objects.published().for_listing()[:3]
    learn_pages = Article.objects.published()[:HOME_LEARN_PAGES]
    return render(
        request, "home.html", {"featured_protocols": featured, "learn_pages": learn_pages}
    )


@require_safe
def robots_txt(request: HttpRequest) -> HttpResponse:
    # Search pages are not disallowed: they carry <meta name="robots" content="noindex, follow">,
    # which a crawler only sees if it may fetch them.
    return render(
        request,
        "robots.txt",
        {"sitemap_url": request.build_absolute_uri(reverse("sitemap"))},
        content_type="text/plain",
    )
