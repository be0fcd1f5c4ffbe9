from django.core.cache import cache

from indicators import versioning
from indicators.models import Region, Upload


def navigation(request):
    """The county selector and the demo-data flag, cached per data version (no query on a hit)."""
    key = f"zj:{versioning.key()}:nav"
    nav = cache.get(key)
    if nav is None:
        nav = {
            "nav_counties": list(
                Region.objects.filter(level="county", valid_to__isnull=True).order_by("code").values("code", "name")
            ),
            "demo_data": Upload.objects.filter(source=Upload.Source.DEMO, status=Upload.Status.APPROVED).exists(),
        }
        cache.set(key, nav, 3600)
    from indicators.access import can_review

    return {**nav, "can_review": can_review(getattr(request, "user", None))}
