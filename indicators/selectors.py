"""Reads of the indicators app; the one place that turns querysets into DataFrames."""

from collections import defaultdict

from .models import ClusterMembership, GroupMembership, Region


def region_records(include_historical=False):
    """Regions as plain dicts with their group and cluster slugs (3 queries)."""
    regions = Region.objects.select_related("parent").order_by("code")
    if not include_historical:
        regions = regions.filter(valid_to__isnull=True)
    groups = defaultdict(list)
    for code, slug in GroupMembership.objects.values_list("region__code", "group__slug").order_by("group__slug"):
        groups[code].append(slug)
    clusters = defaultdict(list)
    for code, slug in ClusterMembership.objects.values_list("region__code", "cluster__slug").order_by("cluster__slug"):
        clusters[code].append(slug)
    return [
        {
            "code": r.code,
            "name": r.name,
            "short_name": r.short_name,
            "level": r.level,
            "parent_code": r.parent.code if r.parent else None,
            "groups": groups.get(r.code, []),
            "clusters": clusters.get(r.code, []),
            "valid_from": r.valid_from,
            "valid_to": r.valid_to,
        }
        for r in regions
    ]
