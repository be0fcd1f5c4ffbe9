"""Reads of the targets app: targets as records and as the DataFrames the gap engine takes."""

from dataclasses import dataclass

import pandas as pd

from indicators.ingest.units import UnitError, convert
from indicators.models import Cluster, ClusterMembership, GroupMembership, Indicator, Observation, Region, RegionGroup

from .models import Target

PROVINCE_CODE = "330000"


def target_records():
    """Every target as a flat dict with the export contract's keys (1 query)."""
    rows = Target.objects.select_related("document", "indicator").order_by(
        "document__period_start", "document__code", "seq"
    )
    return [
        {
            "target_id": t.pk,
            "document": t.document.code,
            "clause": t.clause,
            "indicator_code": t.indicator.code,
            "indicator_name": t.indicator.name,
            "label": t.label,
            "kind": t.kind,
            "comparator": t.comparator,
            "value": t.value,
            "unit": t.unit,
            "target_year": t.target_year,
            "base_year": t.base_year,
            "per_year": t.per_year,
            "scope": t.scope,
            "share_of": t.share_of or None,
            "policy_input": t.policy_input,
            "excerpt": t.excerpt,
            "note": t.note,
        }
        for t in rows
    ]


@dataclass
class EngineInputs:
    """Everything targets/gaps.py needs, as plain DataFrames (see the module docstring there)."""

    observations: pd.DataFrame
    indicators: pd.DataFrame
    scopes: pd.DataFrame
    members: pd.DataFrame
    targets: pd.DataFrame
    lineage: dict
    regions: pd.DataFrame


def observations_frame(include_submitted=False):
    """Values the dashboard uses: approved by default; with include_submitted, the current version
    of each key (a submitted value awaiting review wins over the approved one). One query."""
    rows = Observation.objects.filter(indicator__kind=Indicator.Kind.BASE)
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


def regions_frame():
    """Every region (current and historical) with its parent code (one query)."""
    values = Region.objects.values_list("code", "name", "short_name", "level", "parent__code", "valid_from", "valid_to")
    return pd.DataFrame.from_records(
        list(values), columns=["code", "name", "short_name", "level", "parent_code", "valid_from", "valid_to"]
    )


def lineage_map():
    """Old code → current code for units that were renamed or merged whole (one successor only).

    Splits (余杭 → 余杭 + 临平, 江干 → 上城 + 钱塘) are not remapped: the kept code's series breaks
    in 2021, which the region note says; cities and the province still sum every unit valid that year.
    """
    from indicators.selectors import region_lineage

    return region_lineage().current_codes()


def scopes_and_members(regions, lineage):
    """The scope table and membership table for every place the dashboard reports on (3 queries)."""
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
    for slug in RegionGroup.objects.values_list("slug", flat=True):
        scope_rows.append((f"group:{slug}", None, "group"))
    member_rows += [
        (f"group:{slug}", code, "member")
        for slug, code in GroupMembership.objects.values_list("group__slug", "region__code")
    ]
    clusters = list(Cluster.objects.values_list("slug", "parent__slug"))
    roles = {}
    for slug, code, role in ClusterMembership.objects.values_list("cluster__slug", "region__code", "role"):
        roles.setdefault(slug, {})[code] = role
    children = {}
    for slug, parent in clusters:
        if parent:
            children.setdefault(parent, []).append(slug)
    for slug, _parent in clusters:
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
    """Targets in engine shape, values converted to the indicator's canonical unit (one query)."""
    rows = Target.objects.select_related("document", "indicator", "threshold_indicator").order_by("document", "seq")
    if document:
        rows = rows.filter(document__code=document)
    records = []
    for t in rows:
        own_unit = t.kind in RATE_KINDS or t.kind == "threshold_count"
        value = t.value if own_unit else _canonical(t.value, t.unit, t.indicator.unit)
        threshold = t.threshold_indicator
        records.append(
            {
                "target_id": t.pk,
                "document": t.document.code,
                "indicator_code": t.indicator.code,
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
                "threshold_value": _canonical(t.threshold_value, t.threshold_unit, threshold.unit)
                if threshold
                else None,
                "threshold_members": t.threshold_members or None,
            }
        )
    frame = pd.DataFrame.from_records(records)
    if not frame.empty:
        frame["base_year"] = frame["base_year"].astype("Int64")
    return frame


def engine_inputs(include_submitted=False, document=None):
    """All engine inputs in a fixed number of queries, whatever the number of counties."""
    regions = regions_frame()
    lineage = lineage_map()
    scopes, members = scopes_and_members(regions, lineage)
    return EngineInputs(
        observations=observations_frame(include_submitted),
        indicators=indicators_frame(),
        scopes=scopes,
        members=members,
        targets=targets_frame(document),
        lineage=lineage,
        regions=regions,
    )
