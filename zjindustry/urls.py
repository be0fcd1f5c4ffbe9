from django.contrib import admin
from django.http import HttpResponse
from django.urls import include, path


def healthz(request):
    """Liveness probe: no database query, so it answers even when the database is slow."""
    return HttpResponse("ok", content_type="text/plain")


urlpatterns = [
    path("healthz", healthz, name="healthz"),
    path("i18n/", include("django.conf.urls.i18n")),
    path("admin/", admin.site.urls),
    path("accounts/", include("django.contrib.auth.urls")),
    path("", include("indicators.urls")),
    path("", include("targets.urls")),
]
