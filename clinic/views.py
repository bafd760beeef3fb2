from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils import translation
from django.views.decorators.http import require_GET

from education.models import Article
from treatments.models import Protocol

HOME_LEARN_PAGES = 4


def home(request: HttpRequest) -> HttpResponse:
    featured = Protocol.objects.published().for_listing()[:3]
    learn_pages = Article.objects.published()[:HOME_LEARN_PAGES]
    return render(
        request, "home.html", {"featured_protocols": featured, "learn_pages": learn_pages}
    )


@require_GET
def robots_txt(request: HttpRequest) -> HttpResponse:
    # Search result pages are endless combinations of the same content: keep crawlers out.
    search_paths = []
    for code, _name in settings.LANGUAGES:
        with translation.override(code):
            search_paths.append(reverse("education:search"))
    return render(
        request,
        "robots.txt",
        {
            "search_paths": search_paths,
            "sitemap_url": request.build_absolute_uri(reverse("sitemap")),
        },
        content_type="text/plain",
    )
