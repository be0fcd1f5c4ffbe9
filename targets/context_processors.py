from django.utils.functional import SimpleLazyObject

from indicators.access import can_review
from indicators.notify import nav_counts

from . import reports


def navigation(request):
    """The county selector, the demo-data flag (kept per data version), whether the user reviews uploads, and
    the counts beside the links (unread notifications, uploads awaiting review)."""
    user = getattr(request, "user", None)
    counts = SimpleLazyObject(lambda: nav_counts(request))
    return {**reports.navigation(), "can_review": can_review(user), "nav_counts": counts}
