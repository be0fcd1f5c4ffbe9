"""Reads of the indicators app; the one place that turns querysets into DataFrames."""

import datetime
from collections import defaultdict
from dataclasses import dataclass

from django.db.models import F, Q

from .ingest.catalog import IndicatorSpec, IndustrySpec, IngestCatalog, RegionSpec
from .ingest.checks import Rule
from .models import (
    Cluster,
    ClusterMembership,
    Confidence,
    GroupMembership,
    Indicator,
    IndicatorAlias,
    Industry,
    Observation,
    Region,
    RegionGroup,
    ValidationRule,
)


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


@dataclass(frozen=True)
class Member:
    """One region on a group's list or in a cluster, as in force on a given day, with where that comes from."""

    kind: str  # "group" | "cluster"
    slug: str
    name: str
    region_code: str
    region_name: str
    role: str  # "" for a group; a ClusterMembership.Role value for a cluster
    since: datetime.date | None
    until: datetime.date | None
    designation_round: int | None
    source: str
    confidence: str
    demo: bool


def _in_force(as_of):
    """The one rule of a dated membership: in force on since ≤ day < until (an empty bound is open)."""
    return (Q(since__isnull=True) | Q(since__lte=as_of)) & (Q(until__isnull=True) | Q(until__gt=as_of))


def members_as_of(as_of=None, *, group=None, cluster=None):
    """The memberships in force on ``as_of`` (default today) of one group, one cluster, or (neither given)
    every group and cluster; a list of Member ordered by kind, slug, region code and role. A threshold group
    stores no members (its members follow from the data each year), so it gives none here."""
    as_of = as_of or datetime.date.today()
    out = []
    if cluster is None:
        rows = GroupMembership.objects.filter(_in_force(as_of), group__kind=RegionGroup.Kind.LIST)
        if group is not None:
            rows = rows.filter(group__slug=group)
        fields = ["group__slug", "group__name", "region__code", "region__name", "since", "until", "source"]
        for slug, name, code, region_name, since, until, source, confidence, group_demo in rows.values_list(
            *fields, "confidence", "group__is_demo"
        ):
            demo = confidence == Confidence.DEMO or (group_demo and not confidence)
            out.append(Member("group", slug, name, code, region_name, "", since, until, None, source, confidence, demo))
    if group is None:
        rows = ClusterMembership.objects.filter(_in_force(as_of))
        if cluster is not None:
            rows = rows.filter(cluster__slug=cluster)
        fields = ["cluster__slug", "cluster__name", "region__code", "region__name", "role", "since", "until"]
        for row in rows.values_list(*fields, "designation_round", "source", "confidence", "is_demo"):
            slug, name, code, region_name, role, since, until, rnd, source, confidence, demo = row
            out.append(
                Member("cluster", slug, name, code, region_name, role, since, until, rnd, source, confidence, demo)
            )
    return sorted(out, key=lambda m: (m.kind != "group", m.slug, m.region_code, m.role))


def region_records(include_historical=False, as_of=None):
    """Regions as plain dicts with the groups and clusters they belong to on ``as_of`` (default today) and,
    per cluster, the role and where the membership comes from (3 queries)."""
    regions = Region.objects.select_related("parent").order_by("code")
    if not include_historical:
        regions = regions.filter(valid_to__isnull=True)
    groups, clusters, roles = defaultdict(list), defaultdict(list), defaultdict(list)
    for m in members_as_of(as_of):
        if m.kind == "group":
            groups[m.region_code].append(m.slug)
            continue
        if m.slug not in clusters[m.region_code]:
            clusters[m.region_code].append(m.slug)
        roles[m.region_code].append(
            {"cluster": m.slug, "cluster_name": m.name, "role": m.role, "demo": m.demo, "source": m.source}
        )
    return [
        {
            "code": r.code,
            "name": r.name,
            "short_name": r.short_name,
            "level": r.level,
            "parent_code": r.parent.code if r.parent else None,
            "groups": groups.get(r.code, []),
            "clusters": clusters.get(r.code, []),
            "cluster_roles": roles.get(r.code, []),
            "valid_from": r.valid_from,
            "valid_to": r.valid_to,
        }
        for r in regions
    ]


def ingest_catalog(current_year=None):
    """The plain catalog the spreadsheet parser matches against (4 queries)."""
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
            nonnegative=growth_of is None and not allow_negative,
            is_share=unit == "%" and growth_of is None,
            growth_of=growth_of,
        )
        for pk, code, name, unit, growth_of, allow_negative in Indicator.objects.values_list(
            "pk", "code", "name", "unit", "growth_of__code", "allow_negative"
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
    industries = [IndustrySpec(code, name) for code, name in Industry.objects.values_list("code", "name")]
    clusters = dict(Cluster.objects.values_list("slug", "name"))
    return IngestCatalog(
        indicators=indicators, regions=regions, current_year=year, industries=industries, clusters=clusters
    )


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
        rows.order_by(
            "region__code", "indicator__order", "indicator__code", "industry", "cluster", "year", "version"
        ).values(
            "industry",
            "cluster",
            "year",
            "value",
            "status",
            "upload_id",
            "flag",
            "note",
            region_code=F("region__code"),
            region_name=F("region__name"),
            indicator_code=F("indicator__code"),
            indicator_name=F("indicator__name"),
            unit=F("indicator__unit"),
        )
    )


def validation_rules():
    """The active validation rules as plain Rules (one query)."""
    rows = ValidationRule.objects.filter(is_active=True).values_list(
        "name", "left__code", "operator", "right__code", "importance"
    )
    return [Rule(*row) for row in rows]


def current_values(regions, indicators, years):
    """(region, indicator, industry, cluster, year) → the current value on file, for those regions, indicators
    (codes) and years: what the checks compare an upload with. Read by id and named through two small lookups,
    as services reads a roll-up's keys."""
    region_codes = dict(Region.objects.filter(code__in=set(regions)).values_list("pk", "code"))
    indicator_codes = dict(Indicator.objects.filter(code__in=set(indicators)).values_list("pk", "code"))
    rows = Observation.objects.filter(
        region__in=region_codes, indicator__in=indicator_codes, year__in=set(years), is_current=True
    ).order_by()
    fields = ("region_id", "indicator_id", "industry", "cluster", "year", "value")
    return {(region_codes[r], indicator_codes[i], n, c, y): v for r, i, n, c, y, v in rows.values_list(*fields)}
