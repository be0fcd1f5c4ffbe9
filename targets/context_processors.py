from indicators.access import can_review

from . import reports


def navigation(request):
    """The county selector, the demo-data flag (kept per data version) and whether the user reviews uploads."""
    return {**reports.navigation(), "can_review": can_review(getattr(request, "user", None))}
