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


def ingest_catalog(current_year=None):
    """The plain catalog the spreadsheet parser matches against (3 queries)."""
    import datetime

    from .ingest.catalog import IndicatorSpec, IngestCatalog, RegionSpec
    from .models import Indicator, IndicatorAlias

    aliases = defaultdict(list)
    until = defaultdict(dict)
    for indicator_id, alias, valid_until in IndicatorAlias.objects.values_list("indicator_id", "alias", "valid_until"):
        aliases[indicator_id].append(alias)
        if valid_until:
            until[indicator_id][alias] = valid_until
    # plain rows, not model instances: this runs on every upload and preview
    indicators = [
        IndicatorSpec(
            code=code,
            name=name,
            unit=unit,
            aliases=tuple(aliases[pk]),
            aliases_until=until[pk],
            nonnegative=growth_of is None,
            is_share=unit == "%" and growth_of is None,
            growth_of=growth_of,
        )
        for pk, code, name, unit, growth_of in Indicator.objects.values_list(
            "pk", "code", "name", "unit", "growth_of__code"
        )
    ]
    successors = {}
    for pred_code, succ_code, succ_from in Region.predecessors.through.objects.values_list(
        "to_region__code", "from_region__code", "from_region__valid_from"
    ):
        successors.setdefault(pred_code, []).append((succ_from or 0, succ_code))
    regions = [
        RegionSpec(
            code=code,
            name=name,
            short_name=short_name,
            level=level,
            valid_from=valid_from,
            valid_to=valid_to,
            successor=max(successors[code])[1] if valid_to is not None and code in successors else None,
        )
        for code, name, short_name, level, valid_from, valid_to in Region.objects.values_list(
            "code", "name", "short_name", "level", "valid_from", "valid_to"
        )
    ]
    year = current_year or datetime.date.today().year
    return IngestCatalog(indicators=indicators, regions=regions, current_year=year)


def observation_records(region=None, year=None, status="approved"):
    """Observations as export records; `approved` gives the approved value of each key, `all` every version."""
    from .models import Observation

    rows = Observation.objects.all()
    if status == "approved":
        rows = rows.filter(status=Observation.Status.APPROVED)
    if region:
        rows = rows.filter(region__code=region)
    if year:
        rows = rows.filter(year=year)
    fields = ["region__code", "region__name", "indicator__code", "indicator__name", "year", "value"]
    rows = rows.order_by("region__code", "indicator__order", "indicator__code", "year", "version").values(
        *fields, "indicator__unit", "status", "upload_id"
    )
    return [
        {
            "region_code": r["region__code"],
            "region_name": r["region__name"],
            "indicator_code": r["indicator__code"],
            "indicator_name": r["indicator__name"],
            "year": r["year"],
            "value": r["value"],
            "unit": r["indicator__unit"],
            "status": r["status"],
            "upload_id": r["upload_id"],
        }
        for r in rows
    ]
