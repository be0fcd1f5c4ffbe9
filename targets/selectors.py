"""Reads of the dashboard: querysets turned into plain records and into the DataFrames the gap engine and
the pages take (fixed column names, a fixed number of queries whatever the number of regions)."""

from dataclasses import dataclass

import pandas as pd
from django.db.models import BooleanField, Case, CharField, Count, Exists, IntegerField, Value, When

from indicators.access import visible_uploads
from indicators.ingest.units import UnitError, convert
from indicators.models import Cluster, Indicator, IndicatorAlias, Observation, Region, RegionGroup, Upload

from .models import PolicyDocument, QualitativeGoal, Target

PROVINCE_CODE = "330000"


def target_records():
    """Every target as a flat dict with the export contract's keys, value and unit as the document states them."""
    frame = targets_frame().drop(columns=["value", "unit"])
    frame = frame.rename(columns={"stated_value": "value", "stated_unit": "unit"})
    return frame.astype(object).where(frame.notna(), None).to_dict("records")


@dataclass
class EngineInputs:
    """Everything targets/gaps.py needs, as plain DataFrames (see the module docstring there), and the
    catalog the pages show beside it (regions, groups and clusters, documents)."""

    observations: pd.DataFrame
    indicators: pd.DataFrame
    scopes: pd.DataFrame
    members: pd.DataFrame
    targets: pd.DataFrame
    lineage: dict
    regions: pd.DataFrame
    groupings: pd.DataFrame
    documents: pd.DataFrame


def observations_frame(include_submitted=False):
    """Values the dashboard uses: approved by default; with include_submitted, the current version
    of each key (a submitted value awaiting review wins over the approved one). One query, unsorted: the engine
    does not depend on the order, and sorting 78,000 rows cost SQLite a temporary B-tree."""
    rows = Observation.objects.filter(indicator__kind=Indicator.Kind.BASE).order_by()
    if include_submitted:
        rows = rows.filter(is_current=True)
    else:
        rows = rows.filter(status=Observation.Status.APPROVED)
    frame = pd.DataFrame.from_records(
        rows.values_list("region__code", "indicator__code", "year", "value"),
        columns=["region_code", "indicator_code", "year", "value"],
    )
    return frame.astype({"region_code": "object", "indicator_code": "object", "year": "int64", "value": "float64"})


def indicators_frame():
    """Indicator definitions with the codes of their numerator, denominator and growth series (one query)."""
    values = Indicator.objects.values_list(
        "code", "name", "kind", "numerator__code", "denominator__code", "factor", "direction", "unit", "growth_of__code"
    )
    columns = ["code", "name", "kind", "numerator", "denominator", "factor", "direction", "unit", "growth_of"]
    frame = pd.DataFrame.from_records(list(values), columns=columns)
    return frame.astype({"factor": "float64"})


REGION_COLUMNS = ["id", "code", "name", "short_name", "level", "parent_code", "valid_from", "valid_to", "note"]


def regions_frame():
    """Every region (current and historical) with its parent code, by code (one query).

    ``demo_data``, the same on every row, says whether approved demo statistics are loaded: it rides along
    so that the navigation, which reads this frame, costs no query of its own."""
    demo = Exists(Upload.objects.filter(source=Upload.Source.DEMO, status=Upload.Status.APPROVED))
    fields = [f if f != "parent_code" else "parent__code" for f in REGION_COLUMNS]
    values = Region.objects.annotate(demo_data=demo).values_list(*fields, "demo_data")
    return pd.DataFrame.from_records(list(values), columns=[*REGION_COLUMNS, "demo_data"])


GROUPING_COLUMNS = ["kind", "id", "slug", "name", "parent", "tier", "is_demo", "excerpt", "order"]


def groupings_frame():
    """Region groups and 415X clusters, one row per direct member (region_code, role, member_is_demo) and
    one without a member for an empty one, ordered as the admin orders them (one query, a UNION)."""
    text = CharField()
    groups = RegionGroup.objects.order_by().values_list(
        Value("group", text), "id", "slug", "name", Value(None, text), Value("", text), "is_demo", Value("", text),
        Value(0, IntegerField()), "memberships__region__code", Value("member", text), Value(False, BooleanField()),
    )  # fmt: skip
    clusters = Cluster.objects.order_by().values_list(
        Value("cluster", text), "id", "slug", "name", "parent__slug", "tier", "is_demo", "excerpt", "order",
        "memberships__region__code", "memberships__role", "memberships__is_demo",
    )  # fmt: skip
    columns = [*GROUPING_COLUMNS, "region_code", "role", "member_is_demo"]
    frame = pd.DataFrame.from_records(list(groups.union(clusters, all=True)), columns=columns)
    return frame.sort_values(["kind", "order", "slug", "region_code"], ignore_index=True, na_position="first")


def lineage_map():
    """Old code → current code for units that were renamed or merged whole (one successor only).

    Splits (余杭 → 余杭 + 临平, 江干 → 上城 + 钱塘) are not remapped: the kept code's series breaks
    in 2021, which the region note says; cities and the province still sum every unit valid that year.
    """
    from indicators.selectors import region_lineage

    return region_lineage().current_codes()


def scopes_and_members(regions, lineage, groupings):
    """The scope table and membership table for every place the dashboard reports on (no query)."""
    counties = regions[regions["level"] == "county"]
    current = counties[counties["valid_to"].isna()]
    # Cities and the province sum every unit valid in a year; units remapped by lineage are
    # already folded into their successor, so they are left out to avoid counting twice.
    summed = counties[~counties["code"].isin(lineage)]
    scope_rows = [("province", PROVINCE_CODE, "province")]
    member_rows = [("province", code, "member") for code in summed["code"]]
    for city in regions[(regions["level"] == "city") & regions["valid_to"].isna()].itertuples():
        key = f"city:{city.code}"
        scope_rows.append((key, city.code, "city"))
        member_rows += [(key, code, "member") for code in summed.loc[summed["parent_code"] == city.code, "code"]]
    for code in current["code"]:
        scope_rows.append((f"county:{code}", code, "county"))
        member_rows.append((f"county:{code}", code, "member"))
    groups = groupings[groupings["kind"] == "group"]
    scope_rows += [(f"group:{slug}", None, "group") for slug in groups["slug"].unique()]
    member_rows += [
        (f"group:{slug}", code, "member") for slug, code in _members(groups)[["slug", "region_code"]].values
    ]
    clusters = groupings[groupings["kind"] == "cluster"]
    roles = {}
    for slug, code, role in _members(clusters)[["slug", "region_code", "role"]].values:
        roles.setdefault(slug, {})[code] = role
    children = {}
    for slug, parent in clusters.drop_duplicates("slug").dropna(subset=["parent"])[["slug", "parent"]].values:
        children.setdefault(parent, []).append(slug)
    for slug in clusters["slug"].unique():
        scope_rows.append((f"cluster:{slug}", None, "cluster"))
        merged = dict(roles.get(slug, {}))
        # A world-class group is the union of its clusters; a county core anywhere counts as core.
        for child in children.get(slug, []):
            for code, role in roles.get(child, {}).items():
                if merged.get(code) != "core":
                    merged[code] = role
        member_rows += [(f"cluster:{slug}", code, role) for code, role in merged.items()]
    # The 415X system as a whole reports at province level, like the province.
    scope_rows.append(("clusters:415x", PROVINCE_CODE, "province"))
    scopes = pd.DataFrame(scope_rows, columns=["scope", "reported_code", "level"])
    members = pd.DataFrame(member_rows, columns=["scope", "region_code", "role"])
    return scopes, members


def _members(groupings):
    return groupings[groupings["region_code"].notna()]


def _canonical(value, unit, canonical_unit):
    """A target value in its indicator's canonical unit (2.5 万亿元 → 25000 亿元); unchanged when the
    units are not convertible (e.g. 个 for a count, or an unnamed unit)."""
    if value is None or pd.isna(value) or not unit or unit == canonical_unit:
        return value
    try:
        return convert(value, unit, canonical_unit)
    except (UnitError, ValueError, TypeError):
        return value


RATE_KINDS = {"avg_annual_growth", "annual_decline", "change_vs_base", "annual_increase_points"}


def targets_frame(document=None):
    """Targets in engine shape, values converted to the indicator's canonical unit, with what the pages
    show beside them: the value and unit as the document states them, text, clause, composite weight,
    and the document's title and plan period (one query)."""
    rows = Target.objects.select_related("document", "indicator", "threshold_indicator", "composite_weight")
    if document:
        rows = rows.filter(document__code=document)
    frame = pd.DataFrame.from_records([_target_record(t) for t in rows.order_by("document", "seq")])
    if not frame.empty:
        frame["base_year"] = frame["base_year"].astype("Int64")
    return frame


def _target_record(t):
    own_unit = t.kind in RATE_KINDS or t.kind == "threshold_count"
    value = t.value if own_unit else _canonical(t.value, t.unit, t.indicator.unit)
    threshold = t.threshold_indicator
    weight = getattr(t, "composite_weight", None)
    return {
        "target_id": t.pk,
        "document": t.document.code,
        "indicator_code": t.indicator.code,
        "indicator_name": t.indicator.name,
        "label": t.label,
        "kind": t.kind,
        "comparator": t.comparator,
        "value": float(value),
        "unit": t.unit if own_unit else t.indicator.unit,
        "target_year": t.target_year,
        "base_year": t.base_year if t.base_year else pd.NA,
        "period_start": t.document.period_start,
        "per_year": t.per_year,
        "scope": t.scope,
        "share_of": t.share_of or None,
        "policy_input": t.policy_input,
        "threshold_indicator": threshold.code if threshold else None,
        "threshold_comparator": t.threshold_comparator or None,
        "threshold_value": _canonical(t.threshold_value, t.threshold_unit, threshold.unit) if threshold else None,
        "threshold_members": t.threshold_members or None,
        "seq": t.seq,
        "clause": t.clause,
        "stated_value": t.value,
        "stated_unit": t.unit,
        "text": str(t),
        "note": t.note,
        "excerpt": t.excerpt,
        "weight": weight.weight if weight else None,
        "document_title": t.document.title,
        "period_end": t.document.period_end,
    }


def engine_inputs(include_submitted=False, document=None, regions=None):
    """All engine inputs in a fixed number of queries, whatever the number of counties (``regions``, when
    the caller already holds regions_frame(), is not read again)."""
    regions = regions_frame() if regions is None else regions
    lineage = lineage_map()
    groupings = groupings_frame()
    scopes, members = scopes_and_members(regions, lineage, groupings)
    targets = targets_frame(document)
    documents = targets.reindex(columns=["document", "document_title", "period_start", "period_end"])
    return EngineInputs(
        observations=observations_frame(include_submitted),
        indicators=indicators_frame(),
        scopes=scopes,
        members=members,
        targets=targets,
        lineage=lineage,
        regions=regions,
        groupings=groupings,
        documents=documents.drop_duplicates("document").sort_values(["period_end", "period_start"], ascending=False),
    )


# Reads of single pages (one query each).


def english_names():
    """The catalog's English names where it has them: {"indicator"|"region"|"group"|"cluster"|"document": {code or
    slug: name}} (five small queries, asked only by an English page)."""
    named = {"indicator": (Indicator, "code"), "region": (Region, "code"), "group": (RegionGroup, "slug"),
             "cluster": (Cluster, "slug")}  # fmt: skip
    names = {
        kind: dict(model.objects.exclude(name_en="").order_by().values_list(key, "name_en"))
        for kind, (model, key) in named.items()
    }
    return names | {"document": dict(PolicyDocument.objects.exclude(title_en="").values_list("code", "title_en"))}


def predecessors(code):
    """The units a region was formed from, e.g. 绍兴县 for 柯桥区."""
    return list(Region.objects.filter(successors__code=code).values("code", "name"))


def county_uploads(user, code, limit=20):
    """The newest uploads naming the county that the user may see."""
    return list(visible_uploads(user).filter(regions__code=code).order_by("-uploaded_at")[:limit])


def document(code):
    return PolicyDocument.objects.filter(code=code).first()


def qualitative_goals(code):
    return list(QualitativeGoal.objects.filter(document__code=code))


def indicator(code):
    return Indicator.objects.select_related("numerator", "denominator", "growth_of").filter(code=code).first()


def aliases(code):
    return list(IndicatorAlias.objects.filter(indicator__code=code))


def document_list():
    return PolicyDocument.objects.annotate(target_count=Count("targets"))


def indicator_list():
    """Every indicator, grouped by who reports it (county, then city, then province), in catalog order within."""
    level = Case(*(When(level=v, then=n) for n, v in enumerate(Indicator.Level.values)), default=len(Indicator.Level))
    return Indicator.objects.select_related("numerator", "denominator").order_by(level, "order", "code")


def cluster_list():
    return Cluster.objects.select_related("parent").annotate(member_count=Count("memberships"))
