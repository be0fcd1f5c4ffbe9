"""Reads of the indicators app; the one place that turns querysets into DataFrames."""

import datetime
from collections import defaultdict
from dataclasses import dataclass

from django.db.models import F

from .ingest.catalog import IndicatorSpec, IngestCatalog, RegionSpec
from .models import ClusterMembership, GroupMembership, Indicator, IndicatorAlias, Observation, Region


@dataclass(frozen=True)
class Lineage:
    """Who took over from whom: (old code, new code) links between regions, with the first and last year
    of each unit in them (``valid_to`` None: the unit still exists)."""

    links: list
    valid_from: dict
    valid_to: dict

    def absorbed(self, codes):
        """``codes`` with the units they took over that no longer exist (柯桥区 330603 → also 绍兴县 330621); one
        that still exists is another unit (临平区 330113, carved out of 余杭区 330110 → 330113 only)."""
        out = set(codes)
        while more := {old for old, new in self.links if new in out and self.valid_to[old] is not None} - out:
            out |= more
        return out

    def successor(self, code):
        """Where an ended unit's data goes: its newest successor (江干区 330104 → 钱塘区 330114), else None."""
        new = [n for o, n in self.links if o == code and self.valid_to[o] is not None]
        return max(new, key=lambda n: (self.valid_from[n] or 0, n), default=None)

    def current_codes(self):
        """Old code → current code for units that ended and went whole to one successor (a rename or a
        merge: 绍兴县 330621 → 柯桥区 330603); splits are not remapped."""
        news = defaultdict(list)
        for old, new in self.links:
            if self.valid_to[old] is not None:
                news[old].append(new)
        current = {old: new[0] for old, new in news.items() if len(new) == 1}
        for _ in list(current):  # a rename of a rename: follow the chain to the end
            current = {old: current.get(new, new) for old, new in current.items()}
        return current


def region_lineage():
    """The predecessor links between regions as a Lineage (one query)."""
    # The through table points from a region (from_region) to one of its predecessors (to_region).
    fields = [f"{side}_region__{name}" for side in ("to", "from") for name in ("code", "valid_from", "valid_to")]
    lineage = Lineage(links=[], valid_from={}, valid_to={})
    for old, old_from, old_to, new, new_from, new_to in Region.predecessors.through.objects.values_list(*fields):
        lineage.links.append((old, new))
        lineage.valid_from.update({old: old_from, new: new_from})
        lineage.valid_to.update({old: old_to, new: new_to})
    return lineage


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
    lineage = region_lineage()
    formed_from = defaultdict(list)
    for old, new in lineage.links:
        formed_from[new].append(old)
    regions = [
        RegionSpec(
            code=code,
            name=name,
            short_name=short_name,
            level=level,
            valid_from=valid_from,
            valid_to=valid_to,
            successor=lineage.successor(code),
            predecessors=tuple(sorted(formed_from[code])),
        )
        for code, name, short_name, level, valid_from, valid_to in Region.objects.values_list(
            "code", "name", "short_name", "level", "valid_from", "valid_to"
        )
    ]
    year = current_year or datetime.date.today().year
    return IngestCatalog(indicators=indicators, regions=regions, current_year=year)


def observation_records(region=None, year=None, status="approved"):
    """Observations as export records; `approved` gives the approved value of each key, `all` every version."""
    rows = Observation.objects.all()
    if status == "approved":
        rows = rows.filter(status=Observation.Status.APPROVED)
    if region:
        rows = rows.filter(region__code=region)
    if year:
        rows = rows.filter(year=year)
    return list(
        rows.order_by("region__code", "indicator__order", "indicator__code", "year", "version").values(
            "year",
            "value",
            "status",
            "upload_id",
            region_code=F("region__code"),
            region_name=F("region__name"),
            indicator_code=F("indicator__code"),
            indicator_name=F("indicator__name"),
            unit=F("indicator__unit"),
        )
    )
