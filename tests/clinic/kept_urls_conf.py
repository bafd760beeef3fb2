"""A second URLconf for tests/clinic/test_kept_urls.py: the same names at other addresses, and
one app under two instance namespaces."""

from django.http import HttpResponse
from django.urls import include, path


def page(request):
    return HttpResponse()


pages = ([path("page", page, name="page")], "kept")

urlpatterns = [
    path("elsewhere/livez", page, name="livez"),
    path("one/", include(pages, namespace="one")),
    path("two/", include(pages, namespace="two")),
    path("objects/<int:pk>/", page, name="object"),
    # The stand-in id itself in the path: id_url must not put the id there too.
    path("2147483647/<int:pk>/", page, name="odd-object"),
]
