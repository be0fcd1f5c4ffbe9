"""Site-wide doors: where a login lands."""

from django.conf import settings
from django.contrib.auth import views as auth_views
from django.shortcuts import resolve_url
from django.urls import reverse

from indicators.access import COUNTY, role_of
from indicators.models import Region


def landing_url(user):
    """Where a login without a page of its own to return to lands: a county official on their county's page
    (the first of theirs by code), everyone else on the province overview."""
    if role_of(user) == COUNTY:
        code = Region.objects.filter(officials__user=user, valid_to__isnull=True).order_by("code")
        code = code.values_list("code", flat=True).first()
        if code:
            return reverse("targets:county", args=[code])
    return resolve_url(settings.LOGIN_REDIRECT_URL)


class LoginView(auth_views.LoginView):
    def get_success_url(self):
        url = super().get_success_url()
        return landing_url(self.request.user) if url == resolve_url(settings.LOGIN_REDIRECT_URL) else url
