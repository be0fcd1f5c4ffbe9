"""Gap-to-target engine: how far each scope (province, city, county, group, cluster) is from its policy targets.

Pure pandas/numpy, no Django import: the selectors build the DataFrames below from the database and pass
them in; the status thresholds come from ``settings.GAP_STATUS_THRESHOLDS``. The method is described in
``docs/methodology.md``.

Input DataFrames
----------------
``observations``
    ``region_code`` (str), ``indicator_code`` (str), ``year`` (int), ``value`` (float). Base indicators
    (and comparable-price growth series) for counties, plus figures reported directly for a city or the
    province under that city's/province's region code. One current value per (region, indicator, year).
    Optional column ``scope`` (str or null): a non-null value marks a figure reported directly *for that
    scope key* (e.g. ``sector:traditional-mfg``; ``county:330113`` for a back-series year before 临平区
    existed); such rows never enter member sums and win over the reported_code figure. Optional column ``industry`` (str, "" = the region's whole economy): a row for an
    industry counts as the figure of region ``REGION|INDUSTRY`` (``330000|C17``), which only a scope naming
    that code as member or reported_code reads, so sector figures never enter a region's own totals.
    Growth series values are in percent (8.5 means +8.5 %). A derived indicator may have rows of its own
    (a published ratio): they are used where its parts give no value (flagged ``reported``, 直报).
``indicators``
    ``code``, ``kind`` ('base' | 'derived'), ``numerator``, ``denominator`` (codes or None), ``factor``
    (float, 1 for base), ``direction`` ('up' | 'down' | 'neutral'), ``unit``, ``growth_of`` (None, or for a
    comparable-price growth-rate series such as ``value_added_growth`` the level indicator it is the
    growth of, e.g. ``value_added``).
``scopes``
    ``scope`` (key: 'province', 'city:330700', 'county:330782', 'group:mountain-26', 'cluster:<slug>',
    'clusters:415x', 'sector:traditional-mfg'), ``reported_code`` (region code whose directly reported value
    wins over the member sum, or None), ``level`` ('province' | 'city' | 'county' | 'group' | 'cluster' |
    'sector'). Optional ``own_only`` (bool): the scope carries only its own targets, never a benchmark (a
    group's list as of a target's date, an industry).
``members``
    ``scope``, ``region_code``, ``role`` ('member' | 'core' | 'coordination'). Members are leaf units
    (counties): never list a city inside the province, or its counties are counted twice. A county scope
    has itself as its sole member. Optional ``year`` (int or null): the region is a member in that year
    only (a group recomputed from the data each year); null = every year.
``targets``
    ``target_id`` (int), ``document``, ``indicator_code``, ``kind``, ``comparator`` ('ge' | 'gt' | 'le' |
    'lt' | 'approx'), ``value`` (float, in ``unit``), ``unit``, ``target_year``, ``base_year`` (int or NA,
    only when the text names one), ``period_start`` (int; plan base year = base_year if given else
    period_start - 1), ``per_year`` (bool), ``scope`` (the target's own scope key, or 'each_county' /
    'each_county:<group slug>' for a target every county (of that group) must meet),
    ``share_of`` (scope key or None), ``threshold_indicator``, ``threshold_comparator``,
    ``threshold_value``, ``threshold_members`` (a scope level such as 'county'; NA unless kind is
    threshold_count). Optional columns default to None.
``lineage`` (optional)
    dict old_region_code -> current_region_code (e.g. '330621' 绍兴县 -> '330603' 柯桥区), followed
    transitively. Observations are remapped before aggregation; where the current code has its own value
    for a year it wins, otherwise the old codes' values are summed (growth series: averaged).

Kinds: level, share, avg_annual_growth, annual_decline, change_vs_base, annual_increase_points,
count_per_year, cumulative_count, threshold_count.

Units of the outputs: growth columns (``observed_annual_growth``, ``required_annual_growth``) and
``achieved_share`` are fractions (0.0345 = 3.45 %); ``actual_value``, ``target_value``, ``gap`` and
``projected_value`` are in the target's unit (for change_vs_base: the indicator's unit, the target being
turned into a level).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

import numpy as np
import pandas as pd

__all__ = [
    "ACHIEVED",
    "AGGREGATE_COLUMNS",
    "APPROX_TOLERANCE",
    "Aggregate",
    "CONSISTENCY_TOLERANCE",
    "DEFAULT_THRESHOLDS",
    "DETERIORATING",
    "GAP_COLUMNS",
    "INSUFFICIENT_DATA",
    "KINDS",
    "LIMITED_PROGRESS",
    "NEEDS_ACCELERATION",
    "ON_TRACK",
    "STATUSES",
    "aggregate",
    "cagr",
    "composite_score",
    "compute_gaps",
    "growth_ratio",
    "rule_members",
    "status_from_ratio",
]

ACHIEVED = "achieved"
ON_TRACK = "on_track"
NEEDS_ACCELERATION = "needs_acceleration"
LIMITED_PROGRESS = "limited_progress"
DETERIORATING = "deteriorating"
INSUFFICIENT_DATA = "insufficient_data"
STATUSES = (ACHIEVED, ON_TRACK, NEEDS_ACCELERATION, LIMITED_PROGRESS, DETERIORATING, INSUFFICIENT_DATA)

DEFAULT_THRESHOLDS = {"on_track": 0.95, "needs_acceleration": 0.60}
APPROX_TOLERANCE = 0.02  # 'approx' (左右/约) counts as met within 2 % of the target value
CONSISTENCY_TOLERANCE = 0.01  # reported vs member sum differing by more than 1 % is flagged
_EPS = 1e-9  # float slack for ge/le comparisons of computed ratios

LEVEL_KINDS = ("level", "share", "change_vs_base")
RATE_KINDS = ("avg_annual_growth", "annual_decline", "annual_increase_points")
COUNT_KINDS = ("count_per_year", "cumulative_count")
THRESHOLD_KIND = "threshold_count"
KINDS = (*LEVEL_KINDS, *RATE_KINDS, *COUNT_KINDS, THRESHOLD_KIND)

AGGREGATE_COLUMNS = [
    "scope",
    "indicator_code",
    "year",
    "value",
    "members_included",
    "members_total",
    "summed_value",
    "reported_value",
    "consistency_flag",
    "reported",
]

GAP_COLUMNS = [
    "scope",
    "target_id",
    "document",
    "indicator_code",
    "kind",
    "comparator",
    "target_value",
    "target_year",
    "unit",
    "actual_value",
    "actual_year",
    "base_value",
    "base_year",
    "gap",
    "achieved_share",
    "required_annual_growth",
    "observed_annual_growth",
    "growth_basis",
    "projected_value",
    "status",
    "members_included",
    "benchmark",
    "members_passing",
    "members_closest",
    # extras beyond the brief
    "target_scope",
    "progress_ratio",
    "reported",
]

# Cells (scope × indicator × year, plus member rows × year × part) aggregated in one slice of scopes: bounds
# the memory of the dense arrays whatever the number of scopes.
_CHUNK_CELLS = 4_000_000
# Base figures reported as a rate or index (数控化率, 信息化指数): a sum over members means nothing,
# and without their numerator and denominator the fairest aggregate is the members' plain mean.
UNSUMMABLE_UNITS = ("%", "指数", "—")


# --------------------------------------------------------------------------------------------------
# Scalar/array helpers of the growth-ratio method
# --------------------------------------------------------------------------------------------------


def _is_scalar(*values) -> bool:
    return all(np.ndim(v) == 0 for v in values)


def _out(arr, scalar: bool):
    return np.asarray(arr).item() if scalar else arr


_DIRECTIONS = {"up": 1.0, "neutral": 1.0, "down": -1.0}


def _as_direction(direction) -> np.ndarray:
    """+1 higher-is-better, -1 lower-is-better; accepts numbers or 'up'/'down' (neutral counts as up)."""
    arr = np.asarray(direction)
    if arr.dtype.kind in "OUS":
        return np.vectorize(lambda x: _DIRECTIONS.get(x, np.nan) if isinstance(x, str) else x, otypes=[float])(arr)
    return arr.astype(float)


def cagr(y0, t0, yt, t):
    """Compound annual growth rate (y_t/y_0)^(1/(t-t0)) - 1 as a fraction; NaN when undefined.

    Example: cagr(2.8, 2020, 3.1, 2023) = (3.1/2.8)^(1/3) - 1 ≈ 0.0345. NaN when y_0 is 0 or missing,
    t <= t0, or y_t/y_0 <= 0 (a sign change has no compound rate).
    """
    scalar = _is_scalar(y0, t0, yt, t)
    y0, t0, yt, t = (np.asarray(x, dtype=float) for x in (y0, t0, yt, t))
    with np.errstate(all="ignore"):
        ratio = yt / y0
        ok = np.isfinite(ratio) & (ratio > 0) & (t > t0) & (y0 != 0)
        rate = np.where(ok, np.power(np.where(ok, ratio, 1.0), 1.0 / np.where(ok, t - t0, 1.0)) - 1.0, np.nan)
    return _out(rate, scalar)


def growth_ratio(y0, t0, yt, t, target, T, direction):
    """Progress ratio R = s·d·CAGR_o/|CAGR_r| of the Statistics Canada / Open SDG method; NaN when undefined.

    CAGR_o = (y_t/y_0)^(1/(t-t0)) - 1 (observed), CAGR_r = (target/y_0)^(1/(T-t0)) - 1 (required from the
    base), s = sign(y_0), d = +1 higher-is-better / -1 lower-is-better ('up'/'down' also accepted).
    Example: R&D share 2.8 % (2020) -> 3.1 % (2023), target 3.4 % by 2025: CAGR_o ≈ 3.45 %,
    CAGR_r ≈ 3.96 %, R ≈ 0.87. Zero/missing y_0, t <= t0 or a sign change give NaN, never an error; a
    required rate of exactly 0 gives ±inf (moving the right/wrong way).
    """
    scalar = _is_scalar(y0, t0, yt, t, target, T, direction)
    y0, t0, yt, t, target, T = (np.asarray(x, dtype=float) for x in (y0, t0, yt, t, target, T))
    d = _as_direction(direction)
    cagr_o = np.asarray(cagr(y0, t0, yt, t), dtype=float)
    cagr_r = np.asarray(cagr(y0, t0, target, T), dtype=float)
    with np.errstate(all="ignore"):
        num = np.sign(y0) * d * cagr_o
        den = np.abs(cagr_r)
        ratio = np.where(den > 0, num / np.where(den > 0, den, 1.0), np.sign(num) * np.inf)
        ratio = np.where(np.isfinite(cagr_o) & np.isfinite(cagr_r) & ~((den == 0) & (num == 0)), ratio, np.nan)
    return _out(ratio, scalar)


def status_from_ratio(R, thresholds=None):
    """Status band of a progress ratio R: on_track ≥0.95 > needs_acceleration ≥0.60 > limited_progress ≥0 > deteriorating.

    NaN gives insufficient_data. ``thresholds`` ({"on_track": .., "needs_acceleration": ..}, from
    settings.GAP_STATUS_THRESHOLDS) overrides the defaults. Accepts a scalar (returns str) or an array.
    'achieved' is not decided here: it needs the comparator (see compute_gaps).
    """
    th = _thresholds(thresholds)
    scalar = _is_scalar(R)
    r = np.asarray(R, dtype=float)
    out = np.select(
        [np.isnan(r), r >= th["on_track"], r >= th["needs_acceleration"], r >= 0],
        [INSUFFICIENT_DATA, ON_TRACK, NEEDS_ACCELERATION, LIMITED_PROGRESS],
        default=DETERIORATING,
    ).astype(object)
    return _out(out, scalar)


def _thresholds(thresholds) -> dict:
    th = dict(DEFAULT_THRESHOLDS)
    if thresholds:
        th.update({k: float(v) for k, v in dict(thresholds).items()})
    return th


def _met(actual, target, comparator, direction) -> np.ndarray:
    """Whether actual satisfies `comparator target`; approx = within APPROX_TOLERANCE (or beyond, the good way)."""
    a = np.asarray(actual, dtype=float)
    v = np.asarray(target, dtype=float)
    comp = np.asarray(comparator, dtype=object)
    d = np.asarray(direction, dtype=float)
    with np.errstate(all="ignore"):
        eps = _EPS * np.maximum(1.0, np.abs(v))
        tol = APPROX_TOLERANCE * np.abs(v)
        approx = np.where(d > 0, a >= v - tol, np.where(d < 0, a <= v + tol, np.abs(a - v) <= tol))
        met = np.select(
            [comp == "ge", comp == "gt", comp == "le", comp == "lt", comp == "approx"],
            [a >= v - eps, a > v, a <= v + eps, a < v, approx],
            default=a >= v - eps,
        )
    return met & np.isfinite(a) & np.isfinite(v)


def _comparator_direction(comparator, indicator_direction) -> np.ndarray:
    """+1 for ge/gt, -1 for le/lt; approx follows the indicator (up +1, down -1, neutral 0 = two-sided)."""
    comp = np.asarray(comparator, dtype=object)
    ind = np.asarray(indicator_direction, dtype=object)
    from_ind = np.select([ind == "up", ind == "down"], [1.0, -1.0], default=0.0)
    return np.select([np.isin(comp, ["ge", "gt"]), np.isin(comp, ["le", "lt"])], [1.0, -1.0], default=from_ind)


def _safe_div(a, b) -> np.ndarray:
    a = np.asarray(a, dtype=float)
    b = np.asarray(b, dtype=float)
    with np.errstate(all="ignore"):
        return np.where((b != 0) & np.isfinite(b), a / np.where(b != 0, b, 1.0), np.nan)


# --------------------------------------------------------------------------------------------------
# Input preparation
# --------------------------------------------------------------------------------------------------


def _none_if_na(series: pd.Series) -> pd.Series:
    s = series.astype(object)
    return s.where(series.notna(), None)


def _prepare_indicators(indicators: pd.DataFrame) -> pd.DataFrame:
    ind = indicators.copy()
    for col, default in (
        ("kind", "base"),
        ("numerator", None),
        ("denominator", None),
        ("factor", 1.0),
        ("direction", "up"),
        ("unit", None),
        ("growth_of", None),
    ):
        if col not in ind.columns:
            ind[col] = default
    ind["code"] = ind["code"].astype(str)
    ind["kind"] = ind["kind"].fillna("base").astype(str)
    ind["factor"] = pd.to_numeric(ind["factor"], errors="coerce").fillna(1.0).astype(float)
    ind["direction"] = ind["direction"].fillna("up").astype(str)
    for col in ("numerator", "denominator", "growth_of", "unit"):
        ind[col] = _none_if_na(ind[col])
    return ind.drop_duplicates("code", keep="last").reset_index(drop=True)


def _prepare_scopes(scopes: pd.DataFrame) -> pd.DataFrame:
    sc = scopes.copy()
    for col in ("reported_code", "level"):
        if col not in sc.columns:
            sc[col] = None
    sc["own_only"] = sc["own_only"].fillna(False).astype(bool) if "own_only" in sc.columns else False
    sc["scope"] = sc["scope"].astype(str)
    sc["reported_code"] = _none_if_na(sc["reported_code"])
    sc.loc[sc["reported_code"].notna(), "reported_code"] = sc.loc[sc["reported_code"].notna(), "reported_code"].map(str)
    sc["level"] = _none_if_na(sc["level"])
    return sc.drop_duplicates("scope", keep="last").reset_index(drop=True)[
        ["scope", "reported_code", "level", "own_only"]
    ]


def _resolve_lineage(lineage: Mapping | None) -> dict:
    if not lineage:
        return {}
    raw = {str(k): str(v) for k, v in dict(lineage).items()}
    resolved = {}
    for old in raw:
        seen = {old}
        cur = raw[old]
        while cur in raw and cur not in seen:  # follow chains a -> b -> c, stop on cycles
            seen.add(cur)
            cur = raw[cur]
        if cur != old:
            resolved[old] = cur
    return resolved


def _remap(codes: pd.Series, mapping: dict) -> pd.Series:
    if not mapping:
        return codes
    mapped = codes.map(mapping)
    return mapped.where(mapped.notna(), codes).astype(object)


def _prepare_members(members: pd.DataFrame, sc: pd.DataFrame, lineage: Mapping | None, role) -> pd.DataFrame:
    mem = members.copy()
    if "role" not in mem.columns:
        mem["role"] = "member"
    if "year" not in mem.columns:
        mem["year"] = np.nan
    mem = mem[["scope", "region_code", "role", "year"]].dropna(subset=["scope", "region_code"])
    mem["year"] = pd.to_numeric(mem["year"], errors="coerce").astype(float)
    mem["scope"] = mem["scope"].astype(str)
    mem["region_code"] = _remap(mem["region_code"].astype(str), _resolve_lineage(lineage))
    mem["role"] = mem["role"].fillna("member").astype(str)
    if role is not None:
        roles = {role} if isinstance(role, str) else set(role)
        cluster_scopes = set(sc.loc[sc["level"] == "cluster", "scope"])
        mem = mem[~mem["scope"].isin(cluster_scopes) | mem["role"].isin(roles)]
    return mem.drop_duplicates(["scope", "region_code", "year"]).reset_index(drop=True)


def _str_codes(values: pd.Series) -> tuple[np.ndarray, np.ndarray]:
    """Integer codes (-1 where missing) of ``values``, and the sorted distinct values as strings."""
    codes, uniques = pd.factorize(values)
    names, inverse = np.unique(np.asarray(uniques).astype(str).astype(object), return_inverse=True)
    return np.append(np.asarray(inverse, dtype=np.int64).reshape(-1), -1)[codes], names  # -1 stays -1


def _lookup(names: np.ndarray, values) -> np.ndarray:
    """Position of each value in the sorted object array ``names`` (-1 when absent or missing)."""
    if isinstance(values, pd.Series):
        values = values.to_numpy(dtype=object)
    index = pd.Index(names, dtype=object)
    return np.asarray(index.get_indexer(pd.Index(np.asarray(values, dtype=object), dtype=object)), dtype=np.int64)


def _last_of_each(*keys: np.ndarray) -> np.ndarray:
    """Mask keeping the last row of each combination of the non-negative integer keys (drop_duplicates keep='last')."""
    combined = np.zeros(len(keys[0]), dtype=np.int64)
    for key in keys:
        combined = combined * (int(key.max(initial=0)) + 1) + key
    return ~pd.Series(combined).duplicated(keep="last").to_numpy()


class _Observations:
    """Observations coded as integers: ``regions`` and ``codes`` are the sorted region / indicator codes.

    Regional rows (``rid``, ``iid``, ``year``, ``value``) have one value per (region, indicator, year);
    scoped rows (``s_scope``, ``s_iid``, ``s_year``, ``s_value``) one per (scope, indicator, year).
    """

    __slots__ = ("regions", "codes", "rid", "iid", "year", "value", "s_scope", "s_iid", "s_year", "s_value")

    def __init__(self, **parts):
        for name in self.__slots__:
            setattr(self, name, parts[name])


CORE_AREA_SEP = "#"  # '330603#textiles-apparel': the cluster's own figures in 柯桥区 (its core-area series)


def core_area_code(region_code: str, cluster: str) -> str:
    """The engine's code of a cluster's figures in a county: core_area_code("330603", "textiles-apparel") ==
    "330603#textiles-apparel"."""
    return f"{region_code}{CORE_AREA_SEP}{cluster}"


def core_area_fallback(observations: pd.DataFrame, members: pd.DataFrame) -> pd.DataFrame:
    """The observations plus, for every core-area member ('330603#textiles-apparel') and every indicator its
    cluster has no series of anywhere, the county's whole figures under the member's code: a cluster is measured
    on its own series where it has one and on its counties' figures otherwise, never on a mix within one
    indicator (``core_area_basis`` says which)."""
    if "cluster" not in observations.columns or not len(members):
        return observations
    codes = pd.Series(pd.unique(members["region_code"].astype(str)))
    areas = codes[codes.str.contains(CORE_AREA_SEP, regex=False)]
    if not len(areas):
        return observations
    split = areas.str.partition(CORE_AREA_SEP)
    areas = pd.DataFrame({"area": areas.to_numpy(), "region_code": split[0].to_numpy(), "slug": split[2].to_numpy()})
    # object arrays, and only the area counties' rows into the merge (pandas' string dtype is slow here)
    cluster = observations["cluster"].fillna("").to_numpy(dtype=object)
    industry = observations["industry"].fillna("").to_numpy(dtype=object) if "industry" in observations.columns else ""
    own = observations[cluster != ""][["cluster", "indicator_code"]].drop_duplicates()
    own = own.rename(columns={"cluster": "slug"})
    in_areas = observations["region_code"].isin(set(areas["region_code"])).to_numpy()
    # a figure naming a scope (a back-series year of a split-off county) is that scope's alone: never copied
    unscoped = observations["scope"].isna().to_numpy() if "scope" in observations.columns else True
    whole = observations[(cluster == "") & (industry == "") & in_areas & unscoped]
    copies = areas.merge(whole, on="region_code").merge(own, on=["slug", "indicator_code"], how="left", indicator=True)
    copies = copies[copies["_merge"] == "left_only"]
    copies = copies.assign(region_code=copies["area"])
    return pd.concat([observations, copies[observations.columns]], ignore_index=True)


def core_area_basis(scope_codes: pd.DataFrame, observations: pd.DataFrame, indicators: pd.DataFrame) -> pd.Series:
    """'cluster' where a cluster scope's figure comes from core-area series (a member coded
    '330603#textiles-apparel' whose cluster has a series of the indicator, or of both parts of a ratio),
    'county' for any other cluster scope, None for other scopes; one per row of ``scope_codes`` (columns scope,
    indicator_code, members: the scope's member codes)."""
    cluster = observations["cluster"].fillna("") if "cluster" in observations.columns else pd.Series(dtype=object)
    own = set(zip(cluster[cluster != ""], observations.loc[cluster != "", "indicator_code"], strict=True))
    parts = indicators.set_index("code")[["numerator", "denominator"]]

    def basis(scope, indicator, members):
        if not str(scope).startswith("cluster:"):
            return None
        slugs = {code.partition(CORE_AREA_SEP)[2] for code in members if CORE_AREA_SEP in code}
        need = [indicator]
        if indicator in parts.index and pd.notna(parts.at[indicator, "numerator"]):
            need = [parts.at[indicator, "numerator"], parts.at[indicator, "denominator"]]
        return "cluster" if any(all((s, n) in own for n in need) for s in slugs) else "county"

    return pd.Series(
        [basis(s, i, m) for s, i, m in scope_codes[["scope", "indicator_code", "members"]].values],
        index=scope_codes.index,
        dtype=object,
    )


def _coded_observations(observations: pd.DataFrame, ind: pd.DataFrame, lineage: Mapping | None) -> _Observations:
    """Clean, de-duplicate and lineage-map the observations (see the module docstring), coded as integers."""
    obs = observations
    # a cluster's own figure in a county is a unit of its own (core_area_code), so is an industry's figure
    # (plain object arrays: pandas' string dtype makes these 150,000-row comparisons several times slower)
    region, coded = obs["region_code"].to_numpy(dtype=object), False
    for column, sep in (("cluster", CORE_AREA_SEP), ("industry", "|")):
        if column in obs.columns:
            part = obs[column].to_numpy(dtype=object)
            mark = (part != "") & pd.notna(part)
            if mark.any():
                region, coded = region.copy(), True
                region[mark] = region[mark].astype(str) + sep + part[mark].astype(str)
    if coded:
        obs = obs.assign(region_code=region)
    iid, codes = _str_codes(obs["indicator_code"])
    present = (iid >= 0) & obs["year"].notna().to_numpy() & obs["value"].notna().to_numpy()
    if not present.all():
        obs, iid = obs[present], iid[present]
    rid, regions = _str_codes(obs["region_code"])
    year = pd.to_numeric(obs["year"]).astype("int64").to_numpy()
    value = pd.to_numeric(obs["value"], errors="coerce").astype(float).to_numpy()
    if "scope" in obs.columns:
        scope_code, scope_values = pd.factorize(obs["scope"])
        scope_values = np.asarray(scope_values, dtype=object)
    else:
        scope_code, scope_values = np.full(len(obs), -1, dtype=np.int64), np.array([], dtype=object)
    keep = np.isfinite(value)
    regional = keep & (scope_code < 0) & (rid >= 0)
    scoped = np.flatnonzero(keep & (scope_code >= 0))

    r_rid, r_iid, r_year, r_value = rid[regional], iid[regional], year[regional], value[regional]
    last = _last_of_each(r_rid, r_iid, r_year)
    r_rid, r_iid, r_year, r_value = r_rid[last], r_iid[last], r_year[last], r_value[last]
    scoped = scoped[_last_of_each(scope_code[scoped], iid[scoped], year[scoped])]

    mapping = _resolve_lineage(lineage)
    if mapping and len(r_rid):
        current_names = np.array([mapping.get(name, name) for name in regions], dtype=object)
        is_old = np.fromiter((name in mapping for name in regions), dtype=bool, count=len(regions))
        new_regions, inverse = np.unique(current_names, return_inverse=True)
        r_current = ~is_old[r_rid]
        r_rid = np.asarray(inverse, dtype=np.int64).reshape(-1)[r_rid]
        regions = new_regions
        if not _last_of_each(r_rid, r_iid, r_year).all():
            # a current code's own figure wins; otherwise the old codes of a merge are combined
            frame = pd.DataFrame({"rid": r_rid, "iid": r_iid, "year": r_year, "value": r_value, "_current": r_current})
            key = ["rid", "iid", "year"]
            has_current = frame.groupby(key, sort=False)["_current"].transform("max")
            frame = frame[frame["_current"] | ~has_current]
            growth_codes = set(ind.loc[ind["growth_of"].notna(), "code"])
            is_growth = np.fromiter((code in growth_codes for code in codes), dtype=bool, count=len(codes))
            growth_rows = is_growth[frame["iid"].to_numpy()]
            summed = frame[~growth_rows].groupby(key, as_index=False, sort=False)["value"].sum()
            averaged = frame[growth_rows].groupby(key, as_index=False, sort=False)["value"].mean()
            frame = pd.concat([summed, averaged], ignore_index=True)
            r_rid, r_iid = frame["rid"].to_numpy(dtype=np.int64), frame["iid"].to_numpy(dtype=np.int64)
            r_year, r_value = frame["year"].to_numpy(dtype=np.int64), frame["value"].to_numpy(dtype=float)
    return _Observations(
        regions=regions,
        codes=codes,
        rid=r_rid,
        iid=r_iid,
        year=r_year,
        value=r_value,
        s_scope=scope_values[scope_code[scoped]],
        s_iid=iid[scoped],
        s_year=year[scoped],
        s_value=value[scoped],
    )


def _prepare_targets(targets: pd.DataFrame) -> pd.DataFrame:
    tg = targets.copy()
    defaults = {
        "document": None,
        "unit": None,
        "base_year": np.nan,
        "period_start": np.nan,
        "per_year": False,
        "share_of": None,
        "threshold_indicator": None,
        "threshold_comparator": None,
        "threshold_value": np.nan,
        "threshold_members": None,
        "comparator": "ge",
    }
    for col, default in defaults.items():
        if col not in tg.columns:
            tg[col] = default
    tg["target_id"] = pd.to_numeric(tg["target_id"]).astype("int64")
    tg["scope"] = tg["scope"].astype(str)
    tg["indicator_code"] = tg["indicator_code"].astype(str)
    tg["kind"] = tg["kind"].astype(str)
    tg["comparator"] = tg["comparator"].fillna("ge").astype(str)
    for col in ("value", "target_year", "base_year", "period_start", "threshold_value"):
        tg[col] = pd.to_numeric(tg[col], errors="coerce").astype(float)
    tg["period_start"] = tg["period_start"].fillna(tg["base_year"] + 1)
    for col in ("document", "unit", "share_of", "threshold_indicator", "threshold_comparator", "threshold_members"):
        tg[col] = _none_if_na(tg[col])
    unknown = set(tg["kind"]) - set(KINDS)
    if unknown:
        raise ValueError(f"unknown target kind(s): {sorted(unknown)}")
    return tg.reset_index(drop=True)


# --------------------------------------------------------------------------------------------------
# Aggregation
# --------------------------------------------------------------------------------------------------


def aggregate(observations, indicators, scopes, members, lineage=None, role=None) -> pd.DataFrame:
    """Values of every indicator for every scope and year: member sums, ratios of sums, reported figures winning.

    Base indicators: Σ over members. Derived: Σnumerator/Σdenominator × factor over only the members
    reporting both that year (never a mean of ratios); e.g. counties A (num 1, den 100) and B (num 30,
    den 1000) give 31/1100 = 2.82 %, not (1 % + 3 %)/2 = 2 %. Growth series (growth_of set): mean of
    member rates weighted by each member's previous-year level of growth_of. A value observed for the
    scope's reported_code (or an observation whose ``scope`` column names the scope) wins over the member
    figure; a derived reported value is the ratio of the reported numerator and denominator. The member
    figure stays in summed_value; consistency_flag marks a gap over 1 %. ``role`` (str or list) keeps only
    cluster members with that role and then ignores the cluster scopes' reported figures. Returns
    AGGREGATE_COLUMNS, sorted by scope, indicator and year.
    """
    return Aggregate.of(observations, indicators, scopes, members, lineage, role).frame()


class Aggregate:
    """The aggregate as integer-coded arrays sorted by (scope, indicator, year).

    ``scopes`` and ``codes`` are sorted, so the codes sort like the strings. ``frame()`` gives the public
    table; ``take(scopes, codes)`` finds each (scope, indicator) series without a merge. Build it once with
    ``Aggregate.of`` to read both the series and compute_gaps(aggregated=...) from it.
    """

    @classmethod
    def of(cls, observations, indicators, scopes, members, lineage=None, role=None) -> Aggregate:
        """The aggregate of aggregate() (same arguments), coded."""
        ind = _prepare_indicators(indicators)
        sc = _prepare_scopes(scopes)
        mem = _prepare_members(members, sc, lineage, role)
        return _aggregate(_coded_observations(observations, ind, lineage), ind, sc, mem, role, full=True)

    def __init__(self, scopes, codes, parts):
        self.scopes, self.codes = scopes, codes
        cols = {name: np.concatenate([p[name] for p in parts]) for name in parts[0]}
        self.sid, self.iid, self.year = cols["sid"], cols["iid"], cols["year"]
        self.value, self.members_included = cols["value"], cols["members_included"]
        self.reported = cols["reported"]
        self.columns = cols
        years_of_pair = cols["years_of_pair"]  # rows of each scope × indicator pair, pairs in order
        self.pairs = np.flatnonzero(years_of_pair)
        self.stops = np.cumsum(years_of_pair)[self.pairs]
        self.starts = self.stops - years_of_pair[self.pairs]

    def frame(self, scopes=None, codes=None) -> pd.DataFrame:
        """The public table (AGGREGATE_COLUMNS), or only the rows of the given scopes and indicator codes (picked
        on the integer codes: a county page's series without building the whole province's table)."""
        pick = slice(None)
        if scopes is not None or codes is not None:
            pick = np.ones(len(self.sid), dtype=bool)
            for wanted, names, coded in ((scopes, self.scopes, self.sid), (codes, self.codes, self.iid)):
                if wanted is not None:
                    found = _lookup(names, list(wanted))
                    pick &= np.isin(coded, found[found >= 0])
            pick = np.flatnonzero(pick)
        c = self.columns
        return pd.DataFrame(
            {
                "scope": self.scopes[self.sid[pick]],
                "indicator_code": self.codes[self.iid[pick]],
                "year": self.year[pick],
                **{name: c[name][pick] for name in AGGREGATE_COLUMNS[3:]},
            }
        )

    def take(self, scopes, codes, until) -> tuple[np.ndarray, np.ndarray]:
        """(key number, aggregate row) for every year up to ``until`` (per key) of each (scope, indicator) key."""
        sid = _lookup(self.scopes, scopes)
        iid = _lookup(self.codes, codes)
        pair = np.where((sid >= 0) & (iid >= 0), sid * len(self.codes) + iid, -1)
        if not len(self.pairs):
            return np.zeros(0, np.int64), np.zeros(0, np.int64)
        pos = np.minimum(np.searchsorted(self.pairs, pair), len(self.pairs) - 1)
        found = (pair >= 0) & (self.pairs[pos] == pair)
        counts = np.where(found, self.stops[pos] - self.starts[pos], 0)
        key = np.repeat(np.arange(len(pair)), counts)
        offsets = np.arange(len(key)) - np.repeat(np.cumsum(counts) - counts, counts)
        at = np.repeat(self.starts[pos], counts) + offsets
        keep = self.year[at] <= np.asarray(until, dtype=np.int64)[key]
        return key[keep], at[keep]


def _aggregate(obs: _Observations, ind: pd.DataFrame, sc: pd.DataFrame, mem: pd.DataFrame, role, full=False):
    """Dense scope × indicator × year arrays, a slice of scopes at a time, read back as sorted long arrays.

    A scope's member figure adds its members in the members' order, with the same groupby sum a long
    table of member rows would use, so every figure is the same to the last bit. ``full`` also keeps
    the member figure, the reported figure, members_total and the consistency flag (the public columns).
    """
    scopes = np.unique(sc["scope"].to_numpy(dtype=object))
    derived = ind[ind["kind"] == "derived"][["code", "numerator", "denominator", "factor"]]
    growth = ind[ind["growth_of"].notna()][["code", "growth_of"]]
    averaged = set(
        ind.loc[(ind["kind"] == "base") & ind["growth_of"].isna() & ind["unit"].isin(UNSUMMABLE_UNITS), "code"]
    )
    special = set(derived["code"]) | set(growth["code"]) | averaged

    # axes: scopes, every observed indicator plus the ratios of observed parts, every observed year
    regional_codes = set(obs.codes[np.bincount(obs.iid, minlength=len(obs.codes)) > 0])
    observed = set(obs.codes)
    ratio_parts = [
        (c, n, d, float(f))
        for c, n, d, f in derived.itertuples(index=False)
        if n in observed and d in observed  # a ratio of reported parts needs both parts somewhere
    ]
    codes = np.unique(np.array([*obs.codes, *(c for c, _, _, _ in ratio_parts)], dtype=object))
    n_codes = len(codes)
    at = {code: n for n, code in enumerate(codes)}
    recode = _lookup(codes, obs.codes)
    years, where = np.unique(np.concatenate([obs.year, obs.s_year]).astype(np.int64), return_inverse=True)
    where = where.reshape(-1)
    r_y, s_y = where[: len(obs.year)], where[len(obs.year) :]
    n_years = len(years)
    prev = np.searchsorted(years, years - 1)  # index of the previous calendar year, -1 when not observed
    prev = np.where(np.isin(years - 1, years), prev, -1)
    cells = n_codes * n_years

    # the figures of member and reported regions, dense: region × indicator × year
    mem_sid = _lookup(scopes, mem["scope"])
    mem_rid = _lookup(obs.regions, mem["region_code"])
    rep = sc[sc["reported_code"].notna()]
    if role is not None:
        rep = rep[rep["level"] != "cluster"]
    rep_sid = _lookup(scopes, rep["scope"])
    rep_rid = _lookup(obs.regions, rep["reported_code"])
    has_rows = np.bincount(obs.rid, minlength=len(obs.regions)) > 0
    rep_sid, rep_rid = rep_sid[rep_rid >= 0], rep_rid[rep_rid >= 0]
    rep_sid, rep_rid = rep_sid[has_rows[rep_rid]], rep_rid[has_rows[rep_rid]]
    used = np.unique(np.concatenate([mem_rid[mem_rid >= 0], rep_rid]))
    used = used[has_rows[used]]
    local = np.full(len(obs.regions), -1, dtype=np.int64)
    local[used] = np.arange(len(used))
    r_local = local[obs.rid]
    ok = r_local >= 0
    flat, values = (r_local * n_codes + recode[obs.iid]) * n_years + r_y, obs.value
    if not ok.all():
        flat, values = flat[ok], values[ok]
    x = np.full(len(used) * cells, np.nan)
    x[flat] = values  # one figure per (region, indicator, year): the observations are de-duplicated
    x = x.reshape(len(used), n_codes, n_years)
    del flat, values, r_local, ok

    # one column per member-figure part: sums, plain means, ratio numerator/denominator, weighted rates
    columns, outputs = [], []  # outputs: (kind, indicator index, first column, factor)
    for code in sorted(regional_codes):
        if code not in special or code in averaged:
            outputs.append(("sum" if code not in special else "mean", at[code], len(columns), 1.0))
            columns.append(x[:, at[code], :])
    for code, num, den, factor in ratio_parts:
        if num in regional_codes and den in regional_codes:
            a, b = x[:, at[num], :], x[:, at[den], :]
            both = ~np.isnan(a) & ~np.isnan(b)  # only members reporting both parts that year
            outputs.append(("ratio", at[code], len(columns), factor))
            columns += [np.where(both, a, np.nan), np.where(both, b, np.nan)]
    for code, level in growth.itertuples(index=False):
        if code in regional_codes and level in regional_codes:
            rate = x[:, at[code], :]
            weight = np.where(prev >= 0, x[:, at[level], :][:, np.maximum(prev, 0)], np.nan)  # last year's level
            with np.errstate(invalid="ignore"):
                ok_w = ~np.isnan(rate) & (weight > 0)
            outputs.append(("weighted", at[code], len(columns), 1.0))
            columns += [np.where(ok_w, rate * weight, np.nan), np.where(ok_w, weight, np.nan)]
    n_cols = len(columns)
    region_parts = np.stack(columns, axis=2) if n_cols else np.zeros((len(used), n_years, 0))
    del columns
    m_local = np.append(local, -1)[mem_rid]  # -1 (no figures) stays -1
    m_keep = (mem_sid >= 0) & (m_local >= 0)
    m_sid, m_local = mem_sid[m_keep], m_local[m_keep]  # members with figures, in the members' order
    m_year = mem["year"].to_numpy(dtype=float)[m_keep]
    # a member of one year only (a group recomputed from the data) adds its figures of that year alone
    m_mask = (m_year[:, None] == years[None, :]) | np.isnan(m_year)[:, None] if np.isfinite(m_year).any() else None

    def member_parts(pick):
        parts = region_parts[m_local[pick]]  # a copy (fancy indexing)
        if m_mask is not None:
            one_year = np.isfinite(m_year[pick])
            if one_year.any():
                parts[one_year] = np.where(m_mask[pick][one_year][:, :, None], parts[one_year], np.nan)
        return parts

    size = np.bincount(m_sid, minlength=len(scopes))
    ratio_at = [(at[c], at[n], at[d], f) for c, n, d, f in ratio_parts]
    derived_at = [at[c] for c in derived["code"] if c in at]
    s_sid = _lookup(scopes, obs.s_scope)
    s_iid = recode[obs.s_iid]
    totals = np.bincount(mem_sid[mem_sid >= 0], minlength=len(scopes))

    # slices of scopes small enough for the dense arrays and the member rows to stay modest
    cost = size * n_years * n_cols + cells  # member-row cells and dense cells of each scope
    bounds = [0]
    running = 0
    for scope, c in enumerate(cost):
        if running and running + c > _CHUNK_CELLS:
            bounds.append(scope)
            running = 0
        running += c
    bounds.append(len(scopes))

    parts = []
    for first, stop in zip(bounds[:-1], bounds[1:], strict=True):
        n = stop - first
        # member sums over (member, year) rows in the members' order, grouped by (scope, year); a
        # scope with one member row takes its figures as they are (a sum of one number is that number)
        sums = np.full((n, n_years, n_cols), np.nan)
        counts = np.zeros((n, n_years, n_cols), dtype=np.int64)
        pick = (m_sid >= first) & (m_sid < stop)
        single = pick & (size[m_sid] == 1)
        many = pick & ~single
        if single.any() and n_cols:
            one = member_parts(single)
            sums[m_sid[single] - first] = one
            counts[m_sid[single] - first] = ~np.isnan(one)
        if many.any() and n_cols and n_years:
            block = member_parts(many).reshape(-1, n_cols)
            labels = ((m_sid[many] - first)[:, None] * n_years + np.arange(n_years)).reshape(-1)
            grouped = pd.DataFrame(block, copy=False).groupby(labels, sort=True)
            g_sum, g_count = grouped.sum(min_count=1), grouped.count()
            label = g_sum.index.to_numpy(dtype=np.int64)
            sums[label // n_years, label % n_years] = g_sum.to_numpy(dtype=float)
            counts[label // n_years, label % n_years] = g_count.to_numpy(dtype=np.int64)
            del block, labels, grouped, g_sum, g_count
        summed = np.full((n, n_codes, n_years), np.nan)
        included = np.zeros((n, n_codes, n_years), dtype=np.int64)
        with np.errstate(all="ignore"):
            for kind, i, c, factor in outputs:
                if kind == "sum":
                    summed[:, i, :] = sums[:, :, c]
                elif kind == "mean":
                    summed[:, i, :] = sums[:, :, c] / counts[:, :, c]
                elif kind == "ratio":
                    summed[:, i, :] = _safe_div(sums[:, :, c], sums[:, :, c + 1]) * factor
                else:
                    summed[:, i, :] = _safe_div(sums[:, :, c], sums[:, :, c + 1])
                included[:, i, :] = counts[:, :, c]
        del sums, counts
        summed[included == 0] = np.nan

        # reported figures: the reported_code's, then those naming the scope (which win), then the ratio
        # of the reported parts where the ratio itself was not reported
        reported = np.full((n, n_codes, n_years), np.nan)
        pick = (rep_sid >= first) & (rep_sid < stop)
        reported[rep_sid[pick] - first] = x[local[rep_rid[pick]]]
        pick = (s_sid >= first) & (s_sid < stop)
        reported[s_sid[pick] - first, s_iid[pick], s_y[pick]] = obs.s_value[pick]
        # A ratio is the ratio of its parts, reported ones first, then the members' sums; a ratio reported
        # itself (a published 亩均税收) fills in only where the parts give nothing, flagged 直报.
        ratio_reported = np.zeros(reported.shape, dtype=bool)
        ratio_reported[:, derived_at, :] = ~np.isnan(reported[:, derived_at, :])
        for i, num, den, f in ratio_at:
            with np.errstate(all="ignore"):
                by_parts = _safe_div(reported[:, num, :], reported[:, den, :]) * f
            from_parts = ~np.isnan(by_parts)
            from_sums = ~np.isnan(summed[:, i, :])
            reported[:, i, :] = np.where(from_parts, by_parts, np.where(from_sums, np.nan, reported[:, i, :]))
            ratio_reported[:, i, :] &= ~from_parts & ~from_sums

        value = np.where(np.isnan(reported), summed, reported)
        present = np.flatnonzero(~np.isnan(value))
        sid, iid, year = np.unravel_index(present, value.shape)
        part = {
            "sid": sid + first,
            "iid": iid,
            "year": years[year],
            "value": value.reshape(-1)[present],
            "members_included": included.reshape(-1)[present],
            "years_of_pair": (~np.isnan(value)).sum(axis=2).reshape(-1),
            "reported": ratio_reported.reshape(-1)[present],
        }
        if full:
            s_val, r_val = summed.reshape(-1)[present], reported.reshape(-1)[present]
            with np.errstate(invalid="ignore"):
                diff = np.abs(r_val - s_val)
                flag = ~np.isnan(s_val) & ~np.isnan(r_val) & (diff > CONSISTENCY_TOLERANCE * np.abs(s_val))
            part.update(
                members_total=totals[part["sid"]],
                summed_value=s_val,
                reported_value=r_val,
                consistency_flag=flag & (diff > _EPS),
            )
        parts.append(part)
        del summed, included, reported, ratio_reported, value
    return Aggregate(scopes, codes, parts)


# --------------------------------------------------------------------------------------------------
# Applicability
# --------------------------------------------------------------------------------------------------


def _scale_free(tg: pd.DataFrame, ind: pd.DataFrame) -> pd.Series:
    """Targets whose measure does not depend on the size of the unit, so a county can be held to them."""
    info = ind.set_index("code")
    ind_kind = tg["indicator_code"].map(info["kind"])
    ind_unit = tg["indicator_code"].map(info["unit"])
    ind_growth = tg["indicator_code"].map(info["growth_of"])
    intensive = (ind_kind == "derived") | ind_growth.notna() | (ind_unit == "%") | (tg["unit"] == "%")
    rate_like = tg["kind"].isin([*RATE_KINDS, "change_vs_base"])
    level_like = tg["kind"].isin(["level", "share"]) & intensive
    return (rate_like | level_like) & tg["share_of"].isna()


def _applicable_rows(tg, sc, mem, ind, requested, scale_free_only) -> pd.DataFrame:
    known = set(sc["scope"])
    requested = [s for s in dict.fromkeys(requested) if s in known]
    own_only = set(sc.loc[sc["own_only"], "scope"])
    req = pd.DataFrame({"scope": [s for s in requested if s not in own_only]})
    level_of = sc.set_index("scope")["level"]
    tg = tg.rename(columns={"scope": "target_scope"})
    tg["_level"] = tg["target_scope"].map(level_of)
    eligible = _scale_free(tg.rename(columns={"target_scope": "scope"}), ind) if scale_free_only else True
    tg["_benchmarkable"] = eligible

    parts = []
    own = tg[tg["target_scope"].isin(requested)].assign(scope=lambda d: d["target_scope"], benchmark=False)
    parts.append(own)

    county_scopes = sc[sc["level"] == "county"]["scope"]
    county_of_region = mem[mem["scope"].isin(set(county_scopes))][["scope", "region_code"]]
    county_of_region = pd.concat(
        [
            county_of_region,
            sc[sc["level"] == "county"][["scope", "reported_code"]]
            .dropna()
            .rename(columns={"reported_code": "region_code"}),
        ],
        ignore_index=True,
    ).drop_duplicates("region_code")
    req_counties = req[req["scope"].isin(set(county_scopes))]

    # 'each_county' = every county; 'each_county:<slug>' = every county of group:<slug>; own targets, not benchmarks
    each = tg[tg["target_scope"] == "each_county"]
    if len(each) and len(req_counties):
        parts.append(each.merge(req_counties, how="cross").assign(benchmark=False))
    each_in = tg[tg["target_scope"].str.startswith("each_county:")]
    if len(each_in) and len(req_counties):
        each_in = each_in.assign(_group="group:" + each_in["target_scope"].str.slice(len("each_county:")))
        gm = mem.rename(columns={"scope": "_group"})[["_group", "region_code"]]
        x = each_in.merge(gm, on="_group").merge(county_of_region, on="region_code")
        x = x[x["scope"].isin(set(req_counties["scope"].unique()))].drop(columns=["region_code", "_group"])
        parts.append(x.assign(benchmark=False))

    # the province is the scope keyed 'province' (other province-level keys such as clusters:415x are not)
    province_keys = {"province"} if "province" in set(sc["scope"]) else set(sc.loc[sc["level"] == "province", "scope"])
    prov = tg[tg["target_scope"].isin(province_keys) & tg["_benchmarkable"]]
    if len(prov):
        x = prov.merge(req, how="cross")
        parts.append(x[x["scope"] != x["target_scope"]].assign(benchmark=True))

    grp = tg[(tg["_level"] == "group") & tg["_benchmarkable"]]
    if len(grp):
        gm = mem.rename(columns={"scope": "target_scope"})[["target_scope", "region_code"]]
        x = grp.merge(gm, on="target_scope").merge(county_of_region, on="region_code")
        x = x[x["scope"].isin(set(req_counties["scope"].unique()))].drop(columns=["region_code"])
        parts.append(x.assign(benchmark=True))

    rows = pd.concat(parts, ignore_index=True)
    rows = rows.drop_duplicates(["scope", "target_id"], keep="first").drop(columns=["_level", "_benchmarkable"])
    rows = rows.reset_index(drop=True)
    rows["row_id"] = np.arange(len(rows))
    return rows


# --------------------------------------------------------------------------------------------------
# Series helpers
# --------------------------------------------------------------------------------------------------


def _series(rows: pd.DataFrame, agg: Aggregate, scope_col: str, ind_col: str) -> pd.DataFrame:
    """(row_id, year, value, members_included) of each row's (scope, indicator) from the aggregate.

    Rows in the order of ``rows``, each row's years ascending (as a merge on the sorted aggregate gives).
    """
    keys = rows[["row_id", scope_col, ind_col, "until"]].dropna()
    key, at = agg.take(keys[scope_col], keys[ind_col], keys["until"])
    return pd.DataFrame(
        {
            "row_id": keys["row_id"].to_numpy(dtype=np.int64)[key],
            "year": agg.year[at],
            "value": agg.value[at],
            "members_included": agg.members_included[at],
            "reported": agg.reported[at],
        }
    )


def _by_row_year(s: pd.DataFrame, ignore_index: bool = True) -> pd.DataFrame:
    """``s.sort_values(["row_id", "year"])``, skipping the sort when s is already in that order."""
    row = s["row_id"].to_numpy(dtype=np.int64)
    year = s["year"].to_numpy(dtype=np.int64)
    if len(s) < 2 or bool(np.all((row[1:] > row[:-1]) | ((row[1:] == row[:-1]) & (year[1:] > year[:-1])))):
        return s.reset_index(drop=True) if ignore_index else s
    return s.sort_values(["row_id", "year"], ignore_index=ignore_index)


def _level_series(rows: pd.DataFrame, agg: Aggregate) -> pd.DataFrame:
    """Each row's own series; for share_of rows the scope's value as % of the share_of scope's value."""
    s = _series(rows, agg, "scope", "indicator_code")
    with_share = rows[rows["share_of"].notna()]
    if len(with_share):
        den = _series(with_share, agg, "share_of", "indicator_code")[["row_id", "year", "value"]]
        shared = s[s["row_id"].isin(set(with_share["row_id"]))].merge(
            den, on=["row_id", "year"], suffixes=("", "_whole")
        )
        shared["value"] = _safe_div(shared["value"], shared["value_whole"]) * 100.0
        s = pd.concat(
            [s[~s["row_id"].isin(set(with_share["row_id"]))], shared.drop(columns="value_whole")], ignore_index=True
        )
    s = s[np.isfinite(s["value"].to_numpy(dtype=float))]
    return _by_row_year(s)


def _latest(s: pd.DataFrame, prefix: str = "") -> pd.DataFrame:
    """Last (by year) row of each row_id, indexed by row_id; s must be sorted by row_id, year."""
    last = s.groupby("row_id", sort=False).tail(1).set_index("row_id")
    return last.add_prefix(prefix) if prefix else last


def _first_from(s: pd.DataFrame, start: pd.Series) -> pd.DataFrame:
    """First row with year >= start[row_id] per row_id (the y_0 of the growth ratio), indexed by row_id."""
    b = s.assign(_start=s["row_id"].map(start))
    b = b[b["year"] >= b["_start"]]
    return b.groupby("row_id", sort=False).head(1).set_index("row_id")[["year", "value"]]


def _arr(r: pd.DataFrame, col: str) -> np.ndarray:
    return r[col].to_numpy(dtype=float)


# --------------------------------------------------------------------------------------------------
# Per-kind evaluation (each returns a frame indexed by row_id with the result columns)
# --------------------------------------------------------------------------------------------------


def _level_metrics(actual, t, y0, t0, target, T, comparator, d, th, count_fallback=False) -> dict:
    """Gap, shares, growth rates, projection and status of a level-like target (vectorised)."""
    met = _met(actual, target, comparator, d)
    d_ratio = np.where(d != 0, d, np.where(target >= y0, 1.0, -1.0))
    with np.errstate(all="ignore"):
        gap = np.where(d < 0, actual - target, target - actual)
        share = np.where(d < 0, _safe_div(target, actual), _safe_div(actual, target))
        horizon = T - t
        req_ratio = _safe_div(target, actual)
        ok_req = (horizon > 0) & (req_ratio > 0)
        required = np.where(
            ok_req, np.power(np.where(ok_req, req_ratio, 1.0), 1.0 / np.where(ok_req, horizon, 1.0)) - 1, np.nan
        )
        observed = np.asarray(cagr(y0, t0, actual, t), dtype=float)
        projected = np.where(
            horizon > 0, actual * np.power(1.0 + observed, np.where(horizon > 0, horizon, 0.0)), actual
        )
        ratio = np.asarray(growth_ratio(y0, t0, actual, t, target, T, d_ratio), dtype=float)
    status = np.asarray(status_from_ratio(ratio, th), dtype=object)
    if count_fallback:
        status = np.where(np.isnan(ratio), LIMITED_PROGRESS, status)
    status = np.where(met, ACHIEVED, status)
    status = np.where(np.isnan(actual) | np.isnan(target), INSUFFICIENT_DATA, status)
    return {
        "gap": gap,
        "achieved_share": share,
        "required_annual_growth": required,
        "observed_annual_growth": observed,
        "projected_value": projected,
        "status": status,
        "progress_ratio": ratio,
    }


def _evaluate_levels(rows: pd.DataFrame, agg: Aggregate, ind: pd.DataFrame, th: dict) -> pd.DataFrame:
    r = rows.set_index("row_id")
    s = _level_series(rows, agg)
    plan_base = r["base_year"].fillna(r["period_start"] - 1)
    latest = _latest(s)
    first = _first_from(s, plan_base)
    exact = s.assign(_b=s["row_id"].map(plan_base))
    exact = exact[exact["year"] == exact["_b"]].set_index("row_id")["value"]

    actual = latest["value"].reindex(r.index).to_numpy(dtype=float)
    t = latest["year"].reindex(r.index).to_numpy(dtype=float)
    y0 = first["value"].reindex(r.index).to_numpy(dtype=float)
    t0 = first["year"].reindex(r.index).to_numpy(dtype=float)
    v = _arr(r, "value")
    T = _arr(r, "target_year")
    comp = r["comparator"].to_numpy(dtype=object)
    ind_dir = r["indicator_code"].map(ind.set_index("code")["direction"]).fillna("up").to_numpy(dtype=object)
    d = _comparator_direction(comp, ind_dir)

    # change_vs_base: the signed % becomes a level on the exact base-year value; its sign says which way is good
    cvb = (r["kind"] == "change_vs_base").to_numpy()
    if cvb.any():
        base_exact = exact.reindex(r.index).to_numpy(dtype=float)
        cvb_d = np.where((v < 0) | np.isin(comp, ["le", "lt"]), -1.0, 1.0)
        cvb_d = np.where((comp == "approx") & (v == 0), _comparator_direction(comp, ind_dir), cvb_d)
        target = np.where(cvb, base_exact * (1.0 + v / 100.0), v)
        d = np.where(cvb, cvb_d, d)
        comp = np.where(cvb & (comp != "approx"), np.where(d < 0, "le", "ge"), comp)
        y0 = np.where(cvb, base_exact, y0)
        t0 = np.where(cvb & np.isfinite(base_exact), plan_base.reindex(r.index).to_numpy(dtype=float), t0)
        t0 = np.where(cvb & ~np.isfinite(base_exact), np.nan, t0)
    else:
        target = v

    m = _level_metrics(actual, t, y0, t0, target, T, comp, d, th)
    out = pd.DataFrame(m, index=r.index)
    out["target_value"] = target
    out["actual_value"] = actual
    out["actual_year"] = t
    out["base_value"] = y0
    out["base_year"] = t0
    out["growth_basis"] = None
    out["members_included"] = latest["members_included"].reindex(r.index).to_numpy(dtype=float)
    out["reported"] = latest["reported"].reindex(r.index).fillna(False).to_numpy(dtype=bool)
    if cvb.any():
        ind_unit = r["indicator_code"].map(ind.set_index("code")["unit"])
        out["unit"] = np.where(cvb, ind_unit.to_numpy(dtype=object), r["unit"].to_numpy(dtype=object))
    return out


def _rate_metrics(a, v, comparator, d, t, T, th) -> dict:
    """Status of a rate target (observed rate a vs target rate v): R = a/v, or v/a when lower is better."""
    met = _met(a, v, comparator, d)
    with np.errstate(all="ignore"):
        up = np.where(v > 0, _safe_div(a, v), np.where(a >= v, np.inf, -np.inf))
        down = np.select(
            [v > 0, v < 0],
            [np.where(a > 0, _safe_div(v, a), np.inf), np.where(a < 0, _safe_div(a, v), -np.inf)],
            default=np.where(a <= 0, np.inf, -np.inf),
        )
        ratio = np.where(d < 0, down, up)
        ratio = np.where(np.isnan(a), np.nan, ratio)
        gap = np.where(d < 0, a - v, v - a)
        share = np.where(d < 0, _safe_div(v, a), _safe_div(a, v))
    status = np.asarray(status_from_ratio(ratio, th), dtype=object)
    status = np.where(met, np.where(t >= T, ACHIEVED, ON_TRACK), status)
    status = np.where(np.isnan(a), INSUFFICIENT_DATA, status)
    return {"gap": gap, "achieved_share": share, "status": status, "progress_ratio": ratio}


def _evaluate_rates(rows, agg, ind, th) -> pd.DataFrame:
    r = rows.set_index("row_id")
    s = _level_series(rows, agg)
    plan_base = r["base_year"].fillna(r["period_start"] - 1)
    B = plan_base.reindex(r.index).to_numpy(dtype=float)
    latest = _latest(s)
    first = _first_from(s, plan_base)
    yt = latest["value"].reindex(r.index).to_numpy(dtype=float)
    t_l = latest["year"].reindex(r.index).to_numpy(dtype=float)
    y0 = first["value"].reindex(r.index).to_numpy(dtype=float)
    t0 = first["year"].reindex(r.index).to_numpy(dtype=float)
    mi = latest["members_included"].reindex(r.index).to_numpy(dtype=float)
    v = _arr(r, "value")
    T = _arr(r, "target_year")
    comp = r["comparator"].to_numpy(dtype=object)
    kind = r["kind"].to_numpy(dtype=object)
    info = ind.set_index("code")
    ind_dir = r["indicator_code"].map(info["direction"]).fillna("up").to_numpy(dtype=object)

    nominal = np.asarray(cagr(y0, t0, yt, t_l), dtype=float)
    observed = nominal.copy()
    t = t_l.copy()
    basis = np.where(np.isfinite(nominal), "nominal", None).astype(object)
    base_value, base_year = y0.copy(), t0.copy()

    # comparable-price growth series compounded from the plan base year, when present for every year
    growth_kinds = np.isin(kind, ["avg_annual_growth", "annual_decline"])
    growth_code = info.loc[info["growth_of"].notna()].reset_index().drop_duplicates("growth_of")
    growth_code = growth_code.set_index("growth_of")["code"]
    r_g = r[growth_kinds & r["share_of"].isna().to_numpy()].assign(
        growth_code=lambda x: x["indicator_code"].map(growth_code)
    )
    r_g = r_g[r_g["growth_code"].notna()]
    if len(r_g):
        gs = _by_row_year(_series(r_g.reset_index(), agg, "scope", "growth_code"), ignore_index=False)
        g_last = _latest(gs)
        t_all = pd.Series(np.fmax(t_l, g_last["year"].reindex(r.index).to_numpy(dtype=float)), index=r.index)
        gs = gs.assign(_B=gs["row_id"].map(plan_base), _t=gs["row_id"].map(t_all))
        gs = gs[(gs["year"] > gs["_B"]) & (gs["year"] <= gs["_t"])]
        with np.errstate(all="ignore"):
            gs = gs.assign(logf=np.log1p(gs["value"].to_numpy(dtype=float) / 100.0))
        agg_g = gs.groupby("row_id").agg(n=("year", "size"), logf=("logf", "sum"))
        n = agg_g["n"].reindex(r.index).to_numpy(dtype=float)
        logf = agg_g["logf"].reindex(r.index).to_numpy(dtype=float)
        span = t_all.to_numpy(dtype=float) - B
        full = (n == span) & (span > 0) & np.isfinite(logf)
        with np.errstate(all="ignore"):
            comparable = np.where(full, np.expm1(logf / np.where(span > 0, span, 1.0)), np.nan)
        observed = np.where(full, comparable, observed)
        basis = np.where(full, "comparable", basis)
        t = np.where(full, t_all.to_numpy(dtype=float), t)
        exact_base = s.assign(_b=s["row_id"].map(plan_base))
        exact_base = exact_base[exact_base["year"] == exact_base["_b"]].set_index("row_id")["value"]
        base_value = np.where(full, exact_base.reindex(r.index).to_numpy(dtype=float), base_value)
        base_year = np.where(full, B, base_year)
        g_mi = g_last["members_included"].reindex(r.index).to_numpy(dtype=float)
        mi = np.where(full, g_mi, mi)

    decline = kind == "annual_decline"
    points = kind == "annual_increase_points"
    with np.errstate(all="ignore"):
        pts = _safe_div(yt - y0, t_l - t0)
    pts = np.where(t_l > t0, pts, np.nan)
    a = np.select([decline, points], [-observed * 100.0, pts], default=observed * 100.0)
    d = _comparator_direction(comp, np.where(decline, "up", ind_dir))
    d = np.where(d == 0, 1.0, d)
    m = _rate_metrics(a, v, comp, d, t, T, th)

    # remaining-years requirement, as the level's annual growth rate (negative for decline targets)
    with np.errstate(all="ignore"):
        start = np.where(basis == "comparable", B, t0)
        horizon = T - t
        target_factor = np.select(
            [decline, points],
            [np.power(1.0 - v / 100.0, T - start), _safe_div(y0 + v * (T - t0), yt)],
            default=np.power(1.0 + v / 100.0, T - start),
        )
        done_factor = np.where(points, 1.0, np.power(1.0 + observed, t - start))
        need = target_factor / done_factor
        ok = (horizon > 0) & (need > 0)
        required = np.where(ok, np.power(np.where(ok, need, 1.0), 1.0 / np.where(ok, horizon, 1.0)) - 1.0, np.nan)
    observed_growth = np.where(points, nominal, observed)

    out = pd.DataFrame(m, index=r.index)
    out["target_value"] = v
    out["actual_value"] = a
    out["actual_year"] = np.where(np.isfinite(a), t, np.nan)
    out["base_value"] = base_value
    out["base_year"] = base_year
    out["required_annual_growth"] = required
    out["observed_annual_growth"] = observed_growth
    out["growth_basis"] = np.where(points, None, np.where(np.isfinite(a), basis, None))
    out["projected_value"] = a
    out["members_included"] = mi
    out["reported"] = latest["reported"].reindex(r.index).fillna(False).to_numpy(dtype=bool)
    return out


def _evaluate_counts(rows, agg, th) -> pd.DataFrame:
    r = rows.set_index("row_id")
    s = _level_series(rows, agg)
    start = r["period_start"]
    s = s.assign(_start=s["row_id"].map(start), _end=s["row_id"].map(r["target_year"]))
    s = s[(s["year"] >= s["_start"]) & (s["year"] <= s["_end"])]
    s = s.assign(_prev=s.groupby("row_id", sort=False)["value"].shift(1))
    comp_of = r["comparator"]
    d_of = pd.Series(_comparator_direction(comp_of.to_numpy(dtype=object), "up"), index=r.index)
    d_of = d_of.where(d_of != 0, 1.0)
    s = s.assign(_v=s["row_id"].map(r["value"]), _c=s["row_id"].map(comp_of), _d=s["row_id"].map(d_of))
    s = s.assign(_met=_met(s["value"], s["_v"], s["_c"], s["_d"]))

    v = _arr(r, "value")
    T = _arr(r, "target_year")
    P = _arr(r, "period_start")
    d = d_of.reindex(r.index).to_numpy(dtype=float)
    comp = comp_of.to_numpy(dtype=object)
    latest = _latest(s)
    t = latest["year"].reindex(r.index).to_numpy(dtype=float)
    last_flow = latest["value"].reindex(r.index).to_numpy(dtype=float)
    prev_flow = latest["_prev"].reindex(r.index).to_numpy(dtype=float)
    mi = latest["members_included"].reindex(r.index).to_numpy(dtype=float)
    grouped = s.groupby("row_id", sort=False)
    n_years = grouped.size().reindex(r.index).fillna(0).to_numpy(dtype=float)
    n_met = grouped["_met"].sum().reindex(r.index).fillna(0).to_numpy(dtype=float)
    cum = grouped["value"].sum().reindex(r.index).to_numpy(dtype=float)
    last_met = latest["_met"].reindex(r.index).fillna(False).to_numpy(dtype=bool)
    plan_years = T - P + 1

    per_year = (r["kind"] == "count_per_year").to_numpy()
    with np.errstate(all="ignore"):
        # count_per_year: share of years (with data) meeting the bar; the latest year decides on_track
        share_met = _safe_div(n_met, n_years)
        st_year = np.asarray(status_from_ratio(share_met, th), dtype=object)
        st_year = np.where(~last_met & (st_year == ON_TRACK), NEEDS_ACCELERATION, st_year)
        # A bar met in the latest year is never "limited progress": at worst the earlier misses
        # still need making up.
        st_year = np.where(last_met & (st_year == LIMITED_PROGRESS), NEEDS_ACCELERATION, st_year)
        st_year = np.where(~last_met & (d * (last_flow - prev_flow) < 0), DETERIORATING, st_year)
        st_year = np.where((n_met >= plan_years) & (t >= T), ACHIEVED, st_year)
        st_year = np.where(n_years == 0, INSUFFICIENT_DATA, st_year)

        # cumulative_count: cumulative flows against the pro-rata path total × elapsed / plan years
        elapsed = t - P + 1
        expected = v * _safe_div(elapsed, plan_years)
        ratio_cum = np.where(d < 0, np.where(cum > 0, _safe_div(expected, cum), np.inf), _safe_div(cum, expected))
        st_cum = np.asarray(status_from_ratio(ratio_cum, th), dtype=object)
        met_total = _met(cum, v, comp, d)
        st_cum = np.where(met_total & ((d > 0) | (t >= T)), ACHIEVED, st_cum)
        st_cum = np.where(np.isnan(cum), INSUFFICIENT_DATA, st_cum)
        projected_cum = cum * _safe_div(plan_years, elapsed)

    actual = np.where(per_year, last_flow, cum)
    with np.errstate(all="ignore"):
        gap = np.where(d < 0, actual - v, v - actual)
        share = np.where(d < 0, _safe_div(v, actual), _safe_div(actual, v))
    out = pd.DataFrame(index=r.index)
    out["target_value"] = v
    out["actual_value"] = actual
    out["actual_year"] = t
    out["base_value"] = np.nan
    out["base_year"] = np.nan
    out["gap"] = gap
    out["achieved_share"] = share
    out["required_annual_growth"] = np.nan
    out["observed_annual_growth"] = np.nan
    out["growth_basis"] = None
    out["projected_value"] = np.where(per_year, np.nan, projected_cum)
    out["status"] = np.where(per_year, st_year, st_cum)
    out["progress_ratio"] = np.where(per_year, share_met, ratio_cum)
    out["members_included"] = mi
    out["reported"] = latest["reported"].reindex(r.index).fillna(False).to_numpy(dtype=bool)
    return out


def _unit_code(sc: pd.DataFrame, mem: pd.DataFrame) -> pd.Series:
    """Region code naming each unit scope: its reported_code, else its sole member, else the key."""
    code = sc.set_index("scope")["reported_code"]
    size = mem.groupby("scope").size()
    first = mem.drop_duplicates("scope").set_index("scope")["region_code"]
    sole = first.where(first.index.map(size) == 1)
    code = code.where(code.notna(), sole.reindex(code.index))
    return code.where(code.notna(), pd.Series(code.index, index=code.index))


def _threshold_units(rows: pd.DataFrame, sc: pd.DataFrame, mem: pd.DataFrame) -> pd.DataFrame:
    """(row_id, unit_scope, unit_code): scopes of the threshold_members level lying wholly inside the row's scope."""
    cols = ["row_id", "unit_scope", "unit_code"]
    if not len(rows):
        return pd.DataFrame(columns=cols)
    levels = set(rows["threshold_members"].fillna("county"))
    unit_sc = sc[sc["level"].isin(levels)][["scope", "level"]].rename(columns={"scope": "unit_scope"})
    um = mem[mem["scope"].isin(set(unit_sc["unit_scope"]))][["scope", "region_code"]].rename(
        columns={"scope": "unit_scope"}
    )
    um["region_code"] = um["region_code"].str.partition(CORE_AREA_SEP)[0]  # a core area lies in its county
    size = um.groupby("unit_scope").size()
    sm = mem[mem["scope"].isin(set(rows["scope"]))][["scope", "region_code"]]
    inside = sm.merge(um, on="region_code").groupby(["scope", "unit_scope"]).size().rename("n").reset_index()
    inside = inside[inside["n"] == inside["unit_scope"].map(size)].merge(unit_sc, on="unit_scope")
    x = rows[["row_id", "scope", "threshold_members"]].assign(level=lambda d: d["threshold_members"].fillna("county"))
    x = x.merge(inside, on=["scope", "level"])
    x["unit_code"] = x["unit_scope"].map(_unit_code(sc, mem))
    return x[cols]


def _evaluate_thresholds(rows, agg, units, th) -> pd.DataFrame:
    r = rows.set_index("row_id")
    u = units.merge(rows[["row_id", "threshold_indicator", "until"]], on="row_id")
    key, at = agg.take(u["unit_scope"], u["threshold_indicator"], u["until"])
    vals = pd.DataFrame(
        {
            "row_id": u["row_id"].to_numpy(dtype=np.int64)[key],
            "unit_code": u["unit_code"].to_numpy(dtype=object)[key],
            "year": agg.year[at],
            "value": agg.value[at],
        }
    )
    vals = vals.sort_values(["row_id", "unit_code", "year"])
    thr_c = r["threshold_comparator"].fillna("ge")
    thr_d = pd.Series(_comparator_direction(thr_c.to_numpy(dtype=object), "up"), index=r.index)
    thr_d = thr_d.where(thr_d != 0, 1.0)
    vals = vals.assign(
        _tv=vals["row_id"].map(r["threshold_value"]), _tc=vals["row_id"].map(thr_c), _td=vals["row_id"].map(thr_d)
    )
    vals = vals.assign(_pass=_met(vals["value"], vals["_tv"], vals["_tc"], vals["_td"]))

    # current count: each unit's latest value (<= as_of)
    last = vals.groupby(["row_id", "unit_code"], sort=False).tail(1)
    grouped = last.groupby("row_id", sort=False)
    count = grouped["_pass"].sum()
    n_units = grouped.size()
    t_last = grouped["year"].max()
    passing = last[last["_pass"]].sort_values(["row_id", "unit_code"]).groupby("row_id")["unit_code"].agg(list)
    failing = last[~last["_pass"]]
    with np.errstate(all="ignore"):
        dist = (failing["value"] - failing["_tv"]).abs() / failing["_tv"].abs().where(failing["_tv"] != 0, 1.0)
    closest = (
        failing.assign(_dist=dist)
        .sort_values(["row_id", "_dist", "unit_code"])
        .groupby("row_id")
        .head(5)
        .groupby("row_id")["unit_code"]
        .agg(list)
    )

    # yearly count series (units passing in each year) for the growth ratio
    series = vals.groupby(["row_id", "year"], sort=False)["_pass"].sum().rename("value").reset_index()
    series = series.sort_values(["row_id", "year"])
    plan_base = r["base_year"].fillna(r["period_start"] - 1)
    first = _first_from(series, plan_base)

    actual = count.reindex(r.index).to_numpy(dtype=float)
    t = t_last.reindex(r.index).to_numpy(dtype=float)
    y0 = first["value"].reindex(r.index).to_numpy(dtype=float)
    t0 = first["year"].reindex(r.index).to_numpy(dtype=float)
    v = _arr(r, "value")
    T = _arr(r, "target_year")
    comp = r["comparator"].to_numpy(dtype=object)
    d = _comparator_direction(comp, "up")
    m = _level_metrics(actual, t, y0, t0, v, T, comp, d, th, count_fallback=True)
    out = pd.DataFrame(m, index=r.index)
    out["target_value"] = v
    out["actual_value"] = actual
    out["actual_year"] = t
    out["base_value"] = y0
    out["base_year"] = t0
    out["growth_basis"] = None
    out["members_included"] = n_units.reindex(r.index).to_numpy(dtype=float)
    out["reported"] = False
    has_data = n_units.reindex(r.index).notna()
    out["members_passing"] = [
        (list(passing.get(i, [])) if ok else None) for i, ok in zip(r.index, has_data, strict=True)
    ]
    out["members_closest"] = [
        (list(closest.get(i, [])) if ok else None) for i, ok in zip(r.index, has_data, strict=True)
    ]
    return out


# --------------------------------------------------------------------------------------------------
# Public entry points
# --------------------------------------------------------------------------------------------------


def compute_gaps(
    targets,
    observations,
    indicators,
    scopes,
    members,
    as_of,
    requested_scopes=None,
    lineage=None,
    thresholds=None,
    role=None,
    *,
    scale_free_benchmarks_only=True,
    past_targets_at_their_year=False,
    aggregated=None,
) -> pd.DataFrame:
    """One row per (scope, applicable target) with actual, gap, growth rates, projection and status (GAP_COLUMNS).

    A target applies at its own scope (benchmark False; 'each_county' targets at every requested county,
    'each_county:<slug>' at every requested county of group:<slug>);
    province targets also apply as benchmarks (benchmark True) to every other requested scope, group
    targets to each requested member county. With ``scale_free_benchmarks_only`` (default) only targets
    that do not depend on a unit's size are benchmarked (growth/decline rates, change vs base, point
    increases, and levels of ratios/percentages): a county is not held to the province's 亿元 total or
    count. Only data with year <= as_of is used; with ``past_targets_at_their_year`` a target whose year lies
    before as_of is judged with the data up to its own year (a 2017 goal is not measured with 2024 figures).
    ``aggregated``, Aggregate.of the same observations, indicators, scopes, members, lineage and role, is
    used instead of aggregating them again. See docs/methodology.md for the per-kind rules.
    """
    th = _thresholds(thresholds)
    as_of = int(as_of)
    ind = _prepare_indicators(indicators)
    sc = _prepare_scopes(scopes)
    mem = _prepare_members(members, sc, lineage, role)
    tg = _prepare_targets(targets)
    requested = list(sc["scope"]) if requested_scopes is None else [str(s) for s in requested_scopes]

    rows = _applicable_rows(tg, sc, mem, ind, requested, scale_free_benchmarks_only)
    if not len(rows):
        return pd.DataFrame(columns=GAP_COLUMNS)
    years = rows["target_year"].to_numpy(dtype=np.int64)
    rows["until"] = np.minimum(years, as_of) if past_targets_at_their_year else as_of

    units = _threshold_units(rows[rows["kind"] == THRESHOLD_KIND], sc, mem)
    # every read of the aggregate stops at the row's year (<= as_of): one aggregate of all years serves any as_of
    agg = aggregated or _aggregate(_coded_observations(observations, ind, lineage), ind, sc, mem, role)

    parts = []
    groups = (
        (rows["kind"].isin(LEVEL_KINDS), lambda x: _evaluate_levels(x, agg, ind, th)),
        (rows["kind"].isin(RATE_KINDS), lambda x: _evaluate_rates(x, agg, ind, th)),
        (rows["kind"].isin(COUNT_KINDS), lambda x: _evaluate_counts(x, agg, th)),
        (rows["kind"] == THRESHOLD_KIND, lambda x: _evaluate_thresholds(x, agg, units, th)),
    )
    for mask, evaluate in groups:
        subset = rows[mask]
        if len(subset):
            parts.append(evaluate(subset))
    results = pd.concat(parts)
    base = rows.set_index("row_id")[
        [
            "scope",
            "target_id",
            "document",
            "indicator_code",
            "kind",
            "comparator",
            "target_year",
            "unit",
            "benchmark",
            "target_scope",
        ]
    ]
    out = base.join(results, suffixes=("", "_result"))
    if "unit_result" in out.columns:
        out["unit"] = out["unit_result"].where(out["unit_result"].notna(), out["unit"])
    for col in ("members_passing", "members_closest"):
        if col not in out.columns:
            out[col] = None
        out[col] = out[col].astype(object).where(out[col].notna(), None)
    for col in ("actual_year", "base_year", "members_included"):
        out[col] = pd.array(np.where(np.isfinite(out[col].to_numpy(dtype=float)), out[col], np.nan), dtype="Float64")
        out[col] = out[col].round().astype("Int64")
    out["target_year"] = out["target_year"].astype("int64")
    out["benchmark"] = out["benchmark"].astype(bool)
    out["reported"] = out["reported"].fillna(False).astype(bool)
    out["growth_basis"] = out["growth_basis"].astype(object).where(out["growth_basis"].notna(), None)
    out["status"] = out["status"].astype(object)
    floats = [
        "target_value",
        "actual_value",
        "base_value",
        "gap",
        "achieved_share",
        "required_annual_growth",
        "observed_annual_growth",
        "projected_value",
        "progress_ratio",
    ]
    for col in floats:
        out[col] = out[col].astype(float)
    out = out[GAP_COLUMNS].sort_values(["scope", "benchmark", "target_id"], ignore_index=True)
    return out


def rule_members(rules: pd.DataFrame, observations: pd.DataFrame, counties, lineage=None) -> pd.DataFrame:
    """Members, year by year, of groups defined by a rule over the data (规上工业总产值超500亿元的县).

    ``rules``: scope, indicator_code, lower_comparator ('gt' | 'ge' | None), lower_value, upper_comparator
    ('lt' | 'le' | None), upper_value. A county is a member in year y when its own (whole-economy) value of the indicator
    in y passes every bound that is set (a row naming a scope, such as a back-series year before the county
    existed, does not count); a rule whose comparator is set but whose value is empty is 待设定 and has no member.
    Example: ge 500 over 480 (2019) and 510 (2020) makes the county a member in 2020 only. Returns members rows
    (scope, region_code, role 'member', year).
    """
    columns = ["scope", "region_code", "role", "year"]
    if not len(rules) or not len(observations):
        return pd.DataFrame(columns=columns)
    obs = observations[observations["indicator_code"].isin(set(rules["indicator_code"]))]
    if "scope" in obs.columns:  # a figure naming a scope (a split-off county's back-series) is not a unit's that year
        obs = obs[obs["scope"].isna()]
    if "industry" in obs.columns:
        obs = obs[obs["industry"].fillna("") == ""]
    obs = obs.assign(region_code=_remap(obs["region_code"].astype(str), _resolve_lineage(lineage)))
    obs = obs[obs["region_code"].isin(set(counties))]
    obs = obs.groupby(["region_code", "indicator_code", "year"], as_index=False)["value"].sum()
    bounds = ["lower_comparator", "lower_value", "upper_comparator", "upper_value"]
    x = rules[["scope", "indicator_code", *bounds]].merge(obs, on="indicator_code")
    value = x["value"].to_numpy(dtype=float)
    passes = np.ones(len(x), dtype=bool)
    for comp_col, bound_col in (("lower_comparator", "lower_value"), ("upper_comparator", "upper_value")):
        comp = x[comp_col].fillna("").astype(str).to_numpy(dtype=object)
        bound = pd.to_numeric(x[bound_col], errors="coerce").to_numpy(dtype=float)
        with np.errstate(invalid="ignore"):
            ok = np.select(
                [comp == "gt", comp == "ge", comp == "lt", comp == "le"],
                [value > bound, value >= bound, value < bound, value <= bound],
                default=True,
            )
        passes &= ok & ~((comp != "") & np.isnan(bound))  # a bound 待设定 admits no one
    out = x.loc[passes, ["scope", "region_code", "year"]].assign(role="member")
    return out[columns].sort_values(["scope", "year", "region_code"], ignore_index=True)


def composite_score(gaps: pd.DataFrame, weights: Mapping, regions: pd.DataFrame) -> pd.DataFrame:
    """Weighted mean of capped achieved shares per scope, ranked within the province, its city and each group.

    Each weighted target contributes min(max(achieved_share, 0), 1) — 1 when its status is 'achieved' —
    and rows without a share (insufficient data) are left out, the weights of the rest renormalised
    (``coverage`` = weight scored / weight applicable). E.g. weights {1: 2, 2: 1}, shares 1.3 and 0.5 →
    (2×1 + 1×0.5)/3 ≈ 0.833. ``regions`` [scope, city_scope, groups (list)] lists the counties to rank
    (1 = best, ties share the lower rank). Returns columns scope, score, targets_scored, coverage,
    rank_province, rank_city, rank_group (dict group scope -> rank); scopes of ``gaps`` not in
    ``regions`` follow with empty ranks.
    """
    w = {int(k): float(v) for k, v in dict(weights).items()}
    g = gaps[gaps["target_id"].isin(w.keys())].copy()
    g["_w"] = g["target_id"].map(w).astype(float)
    share = g["achieved_share"].astype(float).clip(lower=0.0, upper=1.0)
    share = share.where(g["status"] != ACHIEVED, 1.0)
    g["_s"] = share
    g = g[g["_w"] > 0]
    valid = g[g["_s"].notna()]
    per = (
        valid.assign(_ws=valid["_w"] * valid["_s"])
        .groupby("scope")
        .agg(_ws=("_ws", "sum"), _w=("_w", "sum"), targets_scored=("_s", "size"))
    )
    per["score"] = per["_ws"] / per["_w"]
    per["coverage"] = per["_w"] / g.groupby("scope")["_w"].sum().reindex(per.index)
    scores = per[["score", "targets_scored", "coverage"]]

    reg = regions.copy()
    for col in ("city_scope", "groups"):
        if col not in reg.columns:
            reg[col] = None
    reg = reg[["scope", "city_scope", "groups"]].drop_duplicates("scope")
    out = reg.merge(scores, left_on="scope", right_index=True, how="left")
    out["rank_province"] = out["score"].rank(ascending=False, method="min")
    out["rank_city"] = out.groupby("city_scope", dropna=True)["score"].rank(ascending=False, method="min")
    groups = (
        out[["scope", "groups", "score"]]
        .assign(
            groups=out["groups"].map(
                lambda x: (
                    list(x)
                    if isinstance(x, Iterable) and not isinstance(x, str)
                    else ([x] if isinstance(x, str) else [])
                )
            )
        )
        .explode("groups")
        .dropna(subset=["groups"])
    )
    groups["rank"] = groups.groupby("groups")["score"].rank(ascending=False, method="min")
    groups = groups.dropna(subset=["rank"])
    groups["pair"] = list(zip(groups["groups"], groups["rank"].astype(int), strict=True))
    rank_group = (
        groups.groupby("scope")["pair"].agg(lambda x: dict(x.tolist())) if len(groups) else pd.Series(dtype=object)
    )
    out["rank_group"] = out["scope"].map(rank_group)
    out["rank_group"] = out["rank_group"].map(lambda x: x if isinstance(x, dict) else {})
    others = scores[~scores.index.isin(set(out["scope"]))].reset_index()
    out = pd.concat([out, others], ignore_index=True)
    out["rank_group"] = out["rank_group"].map(lambda x: x if isinstance(x, dict) else {})
    for col in ("rank_province", "rank_city"):
        out[col] = out[col].astype("Float64").astype("Int64")
    out["targets_scored"] = out["targets_scored"].fillna(0).astype("int64")
    return out[["scope", "score", "targets_scored", "coverage", "rank_province", "rank_city", "rank_group"]]
