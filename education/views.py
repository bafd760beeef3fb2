from collections.abc import Callable

from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.utils.translation import get_language
from django.views.decorators.http import require_safe

from common.context_processors import page_in_every_language
from common.page_cache import cached_response
from common.rendering import render_markdown
from education import seo
from education.forms import SearchForm
from education.models import Article
from treatments.models import Protocol


def _cached_page(
    request: HttpRequest, *, page: str, render_page: Callable[[], HttpResponse]
) -> HttpResponse:
    """Serve a page from the cache (no queries), or render it and cache it.

    Cached pages must hold nothing per visitor: no messages, no CSRF token, no user name, and
    nothing of the query string (their switcher and hreflang links are built from the path
    alone). The key ignores the query string, so a shared link with ?utm_source=… or ?fbclid=…
    is served from the cache like the plain URL. The rules shared by every cached public page
    (anonymous visitors only, CSP nonces, CSRF) are in `common.page_cache`.
    """
    return cached_response(request, page=f"education:{page}", render_page=render_page)


@require_safe
def article_list(request: HttpRequest) -> HttpResponse:
    def render_page() -> HttpResponse:
        articles = Article.objects.published().for_listing()
        return render(
            request,
            "education/article_list.html",
            {
                "articles": articles,
                "form": SearchForm(),
                **page_in_every_language(request.path_info),
            },
        )

    return _cached_page(request, page="index", render_page=render_page)


@require_safe
def article_detail(request: HttpRequest, slug: str) -> HttpResponse:
    def render_page() -> HttpResponse:
        article = get_object_or_404(Article.objects.published().for_page(), slug=slug)
        url = request.build_absolute_uri(article.get_absolute_url())
        structured_data = seo.medical_web_page(article=article, url=url, language=get_language())
        return render(
            request,
            "education/article_detail.html",
            {
                "article": article,
                "body": render_markdown(article.body),
                "json_ld": seo.json_ld(structured_data),
                **page_in_every_language(request.path_info),
            },
        )

    return _cached_page(request, page=f"article:{slug}", render_page=render_page)


@require_safe
def search(request: HttpRequest) -> HttpResponse:
    form = SearchForm(request.GET)
    query = form.cleaned_data["q"] if form.is_valid() else ""
    language = get_language()
    articles = list(Article.objects.published().search(query, language)) if query else []
    protocols = list(Protocol.objects.published().search(query, language)) if query else []
    return render(
        request,
        "education/search.html",
        {
            "form": form,
            "query": query,
            "articles": articles,
            "protocols": protocols,
            "result_count": len(articles) + len(protocols),
        },
    )
