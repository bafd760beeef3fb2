from django.conf import settings
from django.conf.urls.i18n import i18n_patterns
from django.contrib import admin
from django.contrib.sitemaps.views import sitemap
from django.urls import include, path
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_safe

from clinic import views
from clinic.accounts import calendar_views
from clinic.sitemaps import SITEMAPS
from education.info_views import favicon

# Reception works in the admin all day: it carries the clinic's name, not Django's.
admin.site.site_header = settings.CLINIC_NAME
admin.site.site_title = settings.CLINIC_NAME
admin.site.index_title = _("The clinic's day")

urlpatterns = [
    path("admin/", admin.site.urls),
    path("robots.txt", views.robots_txt, name="robots-txt"),
    path("favicon.ico", favicon, name="favicon"),
    path("sitemap.xml", require_safe(sitemap), {"sitemaps": SITEMAPS}, name="sitemap"),
    # For load balancers: readiness (database and cache) and liveness (the process answers).
    path("healthz", views.healthz, name="healthz"),
    path("livez", views.livez, name="livez"),
    # A clinician's private calendar subscription (the token is the key; calendar apps cannot
    # sign in). Outside the language prefix: the address must never change.
    path("calendar/<str:token>.ics", calendar_views.feed, name="calendar-feed"),
]

# The education pages come first after home: Django tries the patterns in order and every include
# that does not match costs its whole list, so the education pages, last behind the booking flow's
# patterns, were resolved slowest of all public pages (issue 22).
urlpatterns += i18n_patterns(
    path("", views.home, name="home"),
    path("", include("education.urls")),
    path("treatments/", include("treatments.urls")),
    path("", include("bookings.online.urls")),
    # Before the clinician area's include: the same /staff/ prefix (and second factor).
    path("staff/team/", include("clinic.accounts.staff_urls")),
    path("staff/calendar/", include("clinic.accounts.calendar_urls")),
    path("staff/reports/", include("reports.urls")),
    path("staff/", include("clinical.urls")),
    # The patient's follow-up after a session, reached by the link in its email (clinical).
    path("aftercare/", include("clinical.patient_urls")),
    path("account/", include("clinic.accounts.urls")),
)

# Branded error pages in the visitor's language (clinic/views.py); 404 uses templates/404.html.
handler400 = "clinic.views.bad_request"
handler403 = "clinic.views.permission_denied"
handler500 = "clinic.views.server_error"
