"""Reads of the dashboard: querysets turned into plain records and into the DataFrames the gap engine and
the pages take (fixed column names, a fixed number of queries whatever the number of regions)."""

import datetime
from dataclasses import dataclass

import numpy as np
import pandas as pd
from django.db.models import (
    BooleanField,
    Case,
    CharField,
    Count,
    DateField,
    Exists,
    FloatField,
    IntegerField,
    Q,
    Value,
    When,
)

from indicators.access import visible_uploads
from indicators.ingest.units import UnitError, convert
from indicators.models import (
    Cluster,
    ClusterMembership,
    Indicator,
    IndicatorAlias,
    Industry,
    Observation,
    Region,
    RegionGroup,
    Upload,
)
from indicators.selectors import region_lineage

from . import gaps, scopes
from .models import PolicyDocument, QualitativeGoal, Target, TiangongAward

PROVINCE_CODE = "330000"


def target_records():
    """Every target as a flat dict with the export contract's keys, value and unit as the document states them."""
    frame = targets_frame().drop(columns=["value", "unit", "membership_as_of", "indicator_industry"])
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
    predecessor_links: list  # (predecessor code, successor code) for every recorded link
    regions: pd.DataFrame
    groupings: pd.DataFrame
    documents: pd.DataFrame
    catalog: scopes.Catalog
    awards: pd.DataFrame  # 天工鼎: year, region_code, region_name, source, source_url, note


def observations_frame(include_submitted=False):
    """Values the dashboard uses, with their industry ("" = whole economy): approved by default; with
    include_submitted, the current version of each key (a submitted value awaiting review wins over the
    approved one). Ratios reported as such (a derived indicator's own rows) come too. One query, unsorted:
    the engine does not depend on the order, and sorting 78,000 rows cost SQLite a temporary B-tree.

    ``scope`` is None except on a back-series row (a split-off unit's figure for a year before it existed,
    按现行区划): that row names its county scope ('county:330113'), so the engine shows it in the unit's own
    series and never adds it to a city, province or group sum (gaps' scoped rows; see methodology.md). A
    back-series figure of an industry or a cluster has no scope of its own to name and is left out."""
    rows = Observation.objects.filter(Q(back_series=False) | Q(industry="", cluster="")).order_by()
    if include_submitted:
        rows = rows.filter(is_current=True)
    else:
        rows = rows.filter(status=Observation.Status.APPROVED)
    columns = ["region_code", "indicator_code", "year", "value", "industry", "cluster"]
    frame = pd.DataFrame.from_records(
        rows.values_list("region__code", "indicator__code", "year", "value", "industry", "cluster", "back_series"),
        columns=[*columns, "back_series"],
    )
    back = frame["back_series"].to_numpy(dtype=bool)
    scope = np.full(len(frame), None, dtype=object)
    scope[back] = "county:" + frame["region_code"].to_numpy(dtype=object)[back]
    frame = frame[columns].assign(scope=scope)
    types = {"region_code": "object", "indicator_code": "object", "year": "int64", "value": "float64"}
    return frame.astype(types | {"industry": "object", "cluster": "object", "scope": "object"})


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


GROUPING_COLUMNS = ["kind", "id", "slug", "name", "name_en", "parent", "tier", "is_demo", "excerpt", "order"]
RULE_COLUMNS = ["group_kind", "rule_indicator", "lower_comparator", "lower_value", "upper_comparator", "upper_value"]


def catalog_frames():
    """Region groups and 415X clusters, and the industries, from one query (a UNION: every page reads them).

    Memberships: one row per direct membership (region_code, role, member_is_demo, since, until: every list,
    past ones too) and one without a member for an empty group or cluster, with a group's rule (RULE_COLUMNS),
    ordered as the admin orders them. Industries: see _industries."""
    text, number, day = CharField(), FloatField(), DateField()
    groups = RegionGroup.objects.order_by().values_list(
        Value("group", text), "id", "slug", "name", "name_en", Value(None, text), Value("", text), "is_demo",
        Value("", text), Value(0, IntegerField()), "memberships__region__code", Value("member", text),
        Value(False, BooleanField()), "memberships__since", "memberships__until", "kind", "rule_indicator__code",
        "rule_comparator", "rule_value", "rule_upper_comparator", "rule_upper_value",
    )  # fmt: skip
    clusters = Cluster.objects.order_by().values_list(
        Value("cluster", text), "id", "slug", "name", Value("", text), "parent__slug", "tier", "is_demo", "excerpt",
        "order", "memberships__region__code", "memberships__role", "memberships__is_demo", "memberships__since",
        "memberships__until", Value("list", text), Value(None, text), Value("", text), Value(None, number),
        Value("", text), Value(None, number),
    )  # fmt: skip
    # an industry rides in the same columns: its code as the slug, its kind as the tier, a division of a set
    # in "role"
    industries = Industry.objects.order_by().values_list(
        Value("industry", text), "id", "code", "name", "name_en", Value(None, text), "kind", Value(False, BooleanField()),
        Value("", text), "order", Value(None, text), "divisions__code", Value(False, BooleanField()),
        Value(None, day), Value(None, day), Value("", text), Value(None, text), Value("", text), Value(None, number),
        Value("", text), Value(None, number),
    )  # fmt: skip
    # a 天工鼎 award likewise: the region as slug and member, the year as the order, source/URL/note in text columns
    awards = TiangongAward.objects.order_by().values_list(
        Value("award", text), "id", "region__code", "region__name", "source_url", Value(None, text), Value("", text),
        Value(False, BooleanField()), "source", "year", "region__code", "note", Value(False, BooleanField()),
        Value(None, day), Value(None, day), Value("", text), Value(None, text), Value("", text), Value(None, number),
        Value("", text), Value(None, number),
    )  # fmt: skip
    columns = [*GROUPING_COLUMNS, "region_code", "role", "member_is_demo", "since", "until", *RULE_COLUMNS]
    frame = pd.DataFrame.from_records(list(groups.union(clusters, industries, awards, all=True)), columns=columns)
    for col in ("since", "until"):  # SQLite gives text from a UNION
        frame[col] = pd.to_datetime(frame[col])
    industry, award = frame["kind"] == "industry", frame["kind"] == "award"
    memberships = frame[~industry & ~award].sort_values(["kind", "order", "slug", "region_code"], na_position="first")
    return memberships.reset_index(drop=True), _industries(frame[industry]), _awards(frame[award])


def _awards(rows):
    """The 天工鼎 places an admin entered, newest year first (empty until one is entered)."""
    frame = pd.DataFrame(
        {"year": rows["order"].astype("int64"), "region_code": rows["region_code"], "region_name": rows["name"],
         "source": rows["excerpt"], "source_url": rows["name_en"], "note": rows["role"].fillna("")}
    )  # fmt: skip
    return frame.sort_values(["year", "region_code"], ascending=[False, True], ignore_index=True)


def _industries(rows):
    """Industries (divisions and sets) with one row per division of a set, a division being its own."""
    rows = rows.sort_values(["order", "slug"])
    frame = pd.DataFrame(
        {"code": rows["slug"], "name": rows["name"], "name_en": rows["name_en"], "kind": rows["tier"],
         "division": rows["role"]}
    ).reset_index(drop=True)  # fmt: skip
    own = frame["kind"] == Industry.Kind.DIVISION
    frame.loc[own, "division"] = frame.loc[own, "code"]
    return frame.drop_duplicates(["code", "division"], ignore_index=True)


def memberships_frame():
    """Region groups and 415X clusters with every membership (see catalog_frames)."""
    return catalog_frames()[0]


def in_force(memberships, day):
    """The memberships in force on ``day`` (since ≤ day < until, an empty date open), with one row kept for
    a group or cluster left with no member, so that it still shows (and says 名单未录入)."""
    day = pd.Timestamp(day)
    since_ok = memberships["since"].isna() | (memberships["since"] <= day)
    until_ok = memberships["until"].isna() | (memberships["until"] > day)
    member = memberships["region_code"].notna()
    kept = memberships[~member | (since_ok & until_ok)]
    empty = ~memberships["slug"].isin(set(kept.loc[kept["region_code"].notna(), "slug"]))
    shells = memberships[empty].drop_duplicates(["kind", "slug"]).assign(region_code=None, role=None)
    kept = pd.concat([kept[kept["region_code"].notna()], shells], ignore_index=True)
    return kept.sort_values(["kind", "order", "slug", "region_code"], ignore_index=True, na_position="first")


def groupings_frame(day=None):
    """The memberships in force on ``day`` (default today), as the pages list them."""
    return in_force(memberships_frame(), day or datetime.date.today())


def scope_catalog_now():
    """The scope catalog as the database holds it now (two queries), for the admin's choice of scope."""
    return scope_catalog(regions_frame(), *catalog_frames()[:2])


def scope_catalog(regions, memberships, industries):
    """The names scopes.py checks and labels scopes with (no query)."""
    current = regions[regions["valid_to"].isna()]

    def names(frame, key):
        return {k: (n, e or "") for k, n, e in frame[[key, "name", "name_en"]].drop_duplicates(key).values}

    level = current.assign(name_en="")
    groups = memberships[memberships["kind"] == "group"]
    return scopes.Catalog(
        cities=names(level[level["level"] == "city"], "code"),
        counties=names(level[level["level"] == "county"], "code"),
        groups=names(groups, "slug"),
        clusters=names(memberships[memberships["kind"] == "cluster"], "slug"),
        industries=names(industries, "code"),
        group_kinds=dict(groups.drop_duplicates("slug")[["slug", "group_kind"]].values),
    )


def scopes_and_members(regions, lineage, memberships, industries=None, observations=None, keys=(), today=None):
    """The scope table and membership table for every place the dashboard reports on (no query).

    Lists (groups, clusters) are read as of ``today``; ``keys`` adds engine keys of lists as of another day
    (``group:mountain-26@2023-01-15``, see scopes.dated), which carry only their own targets. A threshold
    group's members come from ``observations`` year by year; a sector scope sums its divisions' province
    figures (``330000|C17``), a figure stored for the set itself winning."""
    today = today or datetime.date.today()
    counties = regions[regions["level"] == "county"]
    current = counties[counties["valid_to"].isna()]
    # Cities and the province sum every unit valid in a year; units remapped by lineage are
    # already folded into their successor, so they are left out to avoid counting twice.
    summed = counties[~counties["code"].isin(lineage)]
    scope_rows = [("province", PROVINCE_CODE, "province", False)]
    member_rows = [("province", code, "member", None) for code in summed["code"]]
    for city in regions[(regions["level"] == "city") & regions["valid_to"].isna()].itertuples():
        key = f"city:{city.code}"
        scope_rows.append((key, city.code, "city", False))
        member_rows += [(key, code, "member", None) for code in summed.loc[summed["parent_code"] == city.code, "code"]]
    for code in current["code"]:
        scope_rows.append((f"county:{code}", code, "county", False))
        member_rows.append((f"county:{code}", code, "member", None))

    # clusters with a series of their own in some county (a 集群 column): measured on those (gaps.core_area_code)
    series = set() if observations is None or "cluster" not in observations else set(observations["cluster"])
    lists = [(None, today)] + [(key, scopes.undated(key)[1]) for key in dict.fromkeys(keys) if "@" in key]
    for key, day in lists:
        rows, members = _list_scopes(memberships, day, only=scopes.undated(key)[0] if key else None, series=series)
        suffix = f"@{day.isoformat()}" if key else ""
        scope_rows += [(k + suffix, r, level, bool(key) or level.startswith("cluster_")) for k, r, level in rows]
        member_rows += [(k + suffix, code, role, None) for k, code, role in members]

    groups = memberships[memberships["kind"] == "group"].drop_duplicates("slug")
    rules = groups[groups["group_kind"] == RegionGroup.Kind.THRESHOLD]
    if len(rules) and observations is not None:
        rules = rules.assign(scope="group:" + rules["slug"], indicator_code=rules["rule_indicator"])
        found = gaps.rule_members(rules, observations, set(current["code"]), lineage)
        member_rows += list(found[["scope", "region_code", "role", "year"]].itertuples(index=False, name=None))

    if industries is not None:
        for code, divisions in industries.groupby("code", sort=False)["division"]:
            key = f"sector:{code}"
            scope_rows.append((key, f"{PROVINCE_CODE}|{code}", "sector", True))
            member_rows += [(key, f"{PROVINCE_CODE}|{d}", "member", None) for d in divisions.dropna()]
    scope_frame = pd.DataFrame(scope_rows, columns=["scope", "reported_code", "level", "own_only"])
    members = pd.DataFrame(member_rows, columns=["scope", "region_code", "role", "year"])
    return scope_frame, members


def _list_scopes(memberships, day, only=None, series=frozenset()):
    """(scope rows, member rows) of the groups and clusters as their lists stood on ``day``; with ``only``
    (a scope such as each_county:SLUG or cluster:SLUG:core), that scope's list alone. A cluster in ``series``
    (one with figures of its own in its counties) has its core areas as members ('330603#textiles-apparel'),
    and each of its memberships is a unit a 415X count counts (level cluster_core: 集群核心区营收超千亿)."""
    want = scopes.parse(only) if only else None
    if want is not None:  # one list (and a world-class group's clusters): the others need no date filter
        memberships = memberships[(memberships["slug"] == want.ref) | (memberships["parent"] == want.ref)]
    listed = in_force(memberships, day)
    scope_rows, member_rows = [], []
    groups = listed[(listed["kind"] == "group") & (listed["group_kind"] != RegionGroup.Kind.THRESHOLD)]
    threshold = memberships[
        (memberships["kind"] == "group") & (memberships["group_kind"] == RegionGroup.Kind.THRESHOLD)
    ]
    if want is None or want.kind in ("group", "each_county"):
        for slug, rows in groups.groupby("slug", sort=False):
            if want is None or want.ref == slug:
                key = f"group:{slug}" if want is None else want.group_key
                scope_rows.append((key, None, "group"))
                member_rows += [(key, code, "member") for code in rows["region_code"].dropna()]
        if want is None:
            scope_rows += [(f"group:{slug}", None, "group") for slug in threshold["slug"].unique()]
    clusters = listed[listed["kind"] == "cluster"]
    if want is None or want.kind == "cluster":
        roles = {}
        for slug, code, role in clusters.dropna(subset=["region_code"])[["slug", "region_code", "role"]].values:
            roles.setdefault(slug, {})[code] = role
        children = {}
        for slug, parent in clusters.drop_duplicates("slug").dropna(subset=["parent"])[["slug", "parent"]].values:
            children.setdefault(parent, []).append(slug)
        for slug in clusters["slug"].unique():
            if want is not None and want.ref != slug:
                continue
            merged = dict(roles.get(slug, {}))
            if slug in series and not children.get(slug):
                merged = {gaps.core_area_code(code, slug): role for code, role in merged.items()}
            # A world-class group is the union of its clusters; a county core anywhere counts as core.
            for child in children.get(slug, []):
                for code, role in roles.get(child, {}).items():
                    if merged.get(code) != "core":
                        merged[code] = role
            key = f"cluster:{slug}"
            scope_rows.append((key, None, "cluster"))
            member_rows += [(key, code, role) for code, role in merged.items()]
            if want is not None and want.role:
                scope_rows.append((str(want), None, "cluster"))
                member_rows += [(str(want), code, role) for code, role in merged.items() if role == want.role]
            elif want is None and not children.get(slug):
                # each core (coordination …) area of a cluster is a unit a 415X target counts (集群核心区营收超千亿),
                # named by its core-area code; a world-class group's areas are its clusters' areas
                for role in scopes.ROLES:
                    scope_rows.append((f"{key}:{role}", None, "cluster_role"))
                    member_rows += [(f"{key}:{role}", code, r) for code, r in merged.items() if r == role]
                for code, role in merged.items():
                    area = code if gaps.CORE_AREA_SEP in code else gaps.core_area_code(code, slug)
                    scope_rows.append((f"{key}:{role}:{area}", area, f"cluster_{role}"))
                    member_rows.append((f"{key}:{role}:{area}", code, role))
        if want is None:
            # the 415X system as a whole: every county of a cluster; a province figure for it wins
            scope_rows.append(("clusters:415x", PROVINCE_CODE, "province"))
            codes = clusters["region_code"].dropna().unique()
            member_rows += [("clusters:415x", code, "member") for code in sorted(codes)]
    return scope_rows, member_rows


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
        "also_in": list(t.also_in or []),
        "target_year_inferred": t.target_year_inferred,
        "weight": weight.weight if weight else None,
        "document_title": t.document.title,
        "period_end": t.document.period_end,
        "membership_as_of": t.membership_date or t.document.issue_date,
        # Indicator.industry arrives with the catalog corrections (branch B); until then no indicator is bound
        "indicator_industry": t.indicator.industry,
    }


def engine_inputs(include_submitted=False, document=None, regions=None):
    """All engine inputs in a fixed number of queries, whatever the number of counties (``regions``, when
    the caller already holds regions_frame(), is not read again)."""
    regions = regions_frame() if regions is None else regions
    # Old code → current code for units renamed or merged whole (one successor only). Splits (余杭 → 余杭 +
    # 临平, 江干 → 上城 + 钱塘) are not remapped: the kept code's series breaks in 2021, which the region note
    # says; cities and the province still sum every unit valid that year.
    links = region_lineage()
    lineage = links.current_codes()
    memberships, industries, awards = catalog_frames()
    catalog = scope_catalog(regions, memberships, industries)
    targets = targets_frame(document)
    if len(targets):
        # the engine's scope of each target: a list as of the target's date (its own, else its document's)
        targets["scope_key"] = [
            _engine_key(scope, day, industry, catalog)
            for scope, day, industry in targets[["scope", "membership_as_of", "indicator_industry"]].values
        ]
    observations = observations_frame(include_submitted)
    keys = targets["scope_key"] if len(targets) else ()
    scope_table, members = scopes_and_members(regions, lineage, memberships, industries, observations, keys)
    observations = gaps.core_area_fallback(observations, members)
    documents = targets.reindex(columns=["document", "document_title", "period_start", "period_end"])
    return EngineInputs(
        observations=observations,
        indicators=indicators_frame(),
        scopes=scope_table,
        members=members,
        targets=targets,
        lineage=lineage,
        predecessor_links=links.links,
        regions=regions,
        groupings=in_force(memberships, datetime.date.today()),
        catalog=catalog,
        awards=awards,
        documents=documents.drop_duplicates("document").sort_values(["period_end", "period_start"], ascending=False),
    )


def _engine_key(scope, day, industry, catalog):
    if industry and scope == "province":  # 规上制造业 …: the ratio of the industry's sums at the province
        return f"sector:{industry}"
    try:
        return scopes.dated(scope, day, catalog)
    except ValueError:  # an unknown scope stays as it is and reports why (gap_table's missing)
        return scope


# Reads of single pages (one query each).


def predecessors(code, links, regions):
    """The units a region was formed from, e.g. 绍兴县 for 柯桥区, from the engine's inputs (no query)."""
    names = dict(regions[["code", "name"]].values)
    return [{"code": old, "name": names.get(old, old)} for old, new in sorted(links) if new == code]


def county_notes(code):
    """(indicator code, year) → what is said of the county's approved whole-economy value beside it: 按现行区划回溯
    for a back-series value (a year before the unit existed, under today's boundaries), its flag (初步 / 修订 / 估算)
    and its 备注, for the values that carry any (one query; two when the county has a back-series)."""
    rows = Observation.objects.filter(
        region__code=code, status=Observation.Status.APPROVED, industry="", cluster=""
    ).exclude(note="", flag="", back_series=False)
    labels = dict(Observation.Flag.choices)
    back = str(Observation._meta.get_field("back_series").verbose_name)
    found = list(rows.values_list("indicator__code", "year", "back_series", "flag", "note"))
    said = {(i, y): [back if b else "", labels[flag] if flag else "", note] for i, y, b, flag, note in found}
    back_years = {(i, y) for i, y, b, _, _ in found if b}
    if back_years:
        # a ratio the engine computes from a back-series numerator and denominator is a back-series value too
        # (a year before the unit existed has no figure of its own to pair one part with)
        ratios = Indicator.objects.filter(kind=Indicator.Kind.DERIVED).values_list(
            "code", "numerator__code", "denominator__code"
        )
        for ratio, numerator, denominator in ratios:
            for year in {y for i, y in back_years if i == numerator and (denominator, y) in back_years}:
                said.setdefault((ratio, year), ["", "", ""])[0] = back
    return {key: "；".join(str(part) for part in parts if part) for key, parts in said.items()}


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


RACE_COLUMNS = ["cluster", "cluster_name", "cluster_name_en", "region_code", "region_name", "city_code", "role", "since",
                "until", "designation_round", "confidence", "is_demo"]  # fmt: skip


def race_memberships():
    """Every membership of a provincial 415X cluster, past ones too (the 赛马 league's rows; one query)."""
    rows = ClusterMembership.objects.filter(cluster__tier=Cluster.Tier.PROVINCIAL).order_by(
        "cluster__order", "cluster__slug", "region__code", "since"
    )
    values = rows.values_list(
        "cluster__slug", "cluster__name", "cluster__name_en", "region__code", "region__name", "region__parent__code",
        "role", "since", "until", "designation_round", "confidence", "is_demo",
    )  # fmt: skip
    return pd.DataFrame.from_records(list(values), columns=RACE_COLUMNS)
