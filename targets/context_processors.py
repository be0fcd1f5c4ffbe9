from django.conf import settings
from django.utils.functional import SimpleLazyObject

from indicators.access import can_review
from indicators.notify import nav_counts

from . import reports


def navigation(request):
    """The county selector (places, then groups), the demo-data flag (kept per data version), whether the user
    reviews uploads, the counts beside the links (unread notifications, uploads awaiting review), and the year a data page shows with
    its coverage (set by targets.views.with_year). An anonymous visitor of a private dashboard sees no
    navigation: nothing but the login form (not even the county names)."""
    user = getattr(request, "user", None)
    show_nav = bool(user and user.is_authenticated) or settings.DASHBOARD_PUBLIC
    if not show_nav:
        return {"show_nav": False, "can_review": False, "as_of": None}
    counts = SimpleLazyObject(lambda: nav_counts(request))
    # the jump box suggests the groups after the places: the heatmap filter's list, on the data pages only (they
    # have loaded the engine inputs it comes from; elsewhere, e.g. the upload pages, it would cost their queries,
    # and typing a group's name still finds it)
    as_of = getattr(request, "as_of", None)
    groups = SimpleLazyObject(lambda: [name for _id, name in reports.filter_choices()["group"]] if as_of else [])
    return {
        **reports.navigation(),
        **{"show_nav": True, "can_review": can_review(user), "nav_counts": counts, "nav_groups": groups},
        "as_of": as_of,
        # the jump box's list is rendered once per data version, release, language and kind of page ({% cache %} in
        # base.html): ~100 places and the groups cost every request a few milliseconds of template otherwise
        "data_version": SimpleLazyObject(reports.page_version),
        "nav_with_groups": bool(as_of),
    }
