from django.conf import settings
from django.utils.functional import SimpleLazyObject

from indicators.access import can_review
from indicators.notify import nav_counts

from . import reports


def navigation(request):
    """The county selector, the demo-data flag (kept per data version), whether the user reviews uploads, the
    counts beside the links (unread notifications, uploads awaiting review), and the year a data page shows with
    its coverage (set by targets.views.with_year). An anonymous visitor of a private dashboard sees no
    navigation: nothing but the login form (not even the county names)."""
    user = getattr(request, "user", None)
    show_nav = bool(user and user.is_authenticated) or settings.DASHBOARD_PUBLIC
    if not show_nav:
        return {"show_nav": False, "can_review": False, "as_of": None}
    counts = SimpleLazyObject(lambda: nav_counts(request))
    return {
        **reports.navigation(),
        **{"show_nav": True, "can_review": can_review(user), "nav_counts": counts},
        "as_of": getattr(request, "as_of", None),
    }
