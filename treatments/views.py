from django.db.models import Prefetch
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.views.decorators.http import require_safe

from common.page_cache import cached_public_page
from education.models import Article
from treatments.forms import CatalogFilterForm
from treatments.models import Indication, Protocol, Source


# Served from the cache per filter; edits in the admin show at once (clinic/page_cache.py).
@require_safe
@cached_public_page(query=("indication", "source"))
def protocol_list(request: HttpRequest) -> HttpResponse:
    indications = list(Indication.objects.with_published_protocols())
    form = CatalogFilterForm(request.GET, indications=indications)
    protocols = Protocol.objects.published().for_listing()
    form.is_valid()
    # A bad value in one filter is reported and dropped; the other filter still applies.
    selected_indication = form.cleaned_data.get("indication", "")
    selected_source = form.cleaned_data.get("source", "")
    if selected_indication:
        protocols = protocols.for_indication(selected_indication)
    if selected_source:
        protocols = protocols.from_source(selected_source)
    return render(
        request,
        "treatments/protocol_list.html",
        {
            "protocols": protocols,
            "indications": indications,
            "sources": Source.choices,
            "selected_indication": selected_indication,
            "selected_source": selected_source,
            "filter_errors": [error for errors in form.errors.values() for error in errors],
        },
    )


@require_safe
@cached_public_page()
def protocol_detail(request: HttpRequest, slug: str) -> HttpResponse:
    protocols = Protocol.objects.published().for_listing()
    read_first = Prefetch(
        "articles", queryset=Article.objects.published(), to_attr="published_articles"
    )
    protocol = get_object_or_404(protocols.prefetch_related(read_first), slug=slug)
    return render(request, "treatments/protocol_detail.html", {"protocol": protocol})
