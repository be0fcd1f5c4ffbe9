"""Synthetic demo statistics (示例数据): plausible, deterministic, and loaded through the real
import path — the generator writes roll-up workbooks as a statistics bureau would and imports them.

Two layers:

- the *core* (value added and the series drawn as ratios of it, employment, land; GDP and the series
  drawn as parts of it; population) is generated per county, anchored to the published figures (below);
- every other base indicator that some non-policy-input target reads gets a *plan* (`build_plans`),
  calibrated from that target: a yearly flow for 每年/累计 counts, a rising stock for 达到 levels, a
  band around the target for shares, a compound rate for growth targets, and for a derived target
  whose numerator is not core, a numerator drawn as denominator × a ratio path (so the ratio of sums
  lands near the target). County-level plans are split over the counties by their value added;
  province-level ones (``level: province``) are one series for 330000 浙江省, imported as a
  "one region's series" workbook.

Indicators used only by policy_input targets (fund sizes, tax rates, quotas) get nothing.

Anchored to the published figures. ``make run`` loads the published figures (公开数据) first; the demo then
reads each county's latest published whole-economy figure of its years (`published_anchors`: 2024 GDP,
全部工业增加值, 常住人口 from the yearbook) and makes its series pass through them, so that the demo tells no
story the real figures contradict (a district whose industry is 4.5 % of GDP is not given a 规上工业 of 42 %):

- 规上工业增加值 in that year is a part U(0.75, 0.9), drawn per county, of the published 全部工业增加值
  (ABOVE_SIZE_PART), or its own published figure when there is one; its earlier years are carried back along the county's own growth path, and the series
  drawn as ratios of it (output, revenue, employment, land …) follow;
- GDP, and any other series the demo draws that has a published figure (population, a planned
  全部工业增加值 …), is scaled to pass through it, keeping its path; services, 高技术服务业 and investment are
  parts of GDP (RATIO_OF_GDP), services' part in the anchor year being U(0.85, 0.97) of what GDP leaves after
  全部工业 (SERVICES_PART);
- a county without published figures (or ``bootstrap --demo`` alone) is sized by SIZE_HINTS, as before.

The published values themselves are never overwritten: the import of a demo workbook skips every key that
holds a published figure (indicators.services.published_keys); the anchor only shapes the years around it.
"""

import functools
import io
import logging
import math
import zlib
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from openpyxl import Workbook

from indicators.ingest.units import parse_unit
from indicators.models import (
    Cluster,
    ClusterMembership,
    GroupMembership,
    Indicator,
    Industry,
    Observation,
    Region,
    RegionGroup,
    Upload,
)
from indicators.selectors import region_lineage
from indicators.services import import_file, system_user

from .selectors import targets_frame

logger = logging.getLogger(__name__)

DEMO_SEED = 20240101
DEMO_YEARS = range(2013, 2025)
PROVINCE_CODE = "330000"

# Rough 2013 size (规上工业增加值, 亿元) for the big industrial counties, so that 义乌 is not 景宁.
# Only magnitudes matter; everything here is synthetic.
SIZE_HINTS = {
    "330109": 900,
    "330110": 800,
    "330206": 700,
    "330282": 650,
    "330212": 600,
    "330211": 500,
    "330281": 450,
    "330603": 500,
    "330681": 380,
    "330382": 330,
    "330481": 300,
    "330483": 280,
    "330782": 220,
    "330784": 230,
    "331081": 250,
    "331083": 190,
    "330421": 200,
    "330522": 180,
    "330604": 260,
    "330381": 210,
    "330108": 420,
    "330114": 380,
    "330113": 300,
}
MOUNTAIN_SIZE = 30  # median size of a 山区26县 county
OTHER_SIZE = 120

# Indicators generated from value added (亿元) by a ratio drifting over the years: (2013 ratio, yearly drift).
RATIO_OF_VALUE_ADDED = {
    "gross_output": (4.6, -0.02),
    "revenue": (4.7, -0.015),
    "profit": (0.28, 0.0),
    "rd_expenditure": (0.075, 0.06),
    "new_product_output": (1.5, 0.03),
    "hightech_value_added": (0.42, 0.035),
    "hightech_mfg_value_added": (0.13, 0.04),
    "strategic_emerging_value_added": (0.27, 0.035),
    "equipment_value_added": (0.38, 0.02),
    "industrial_tax": (0.22, 0.0),
    "energy_consumption": (0.95, -0.045),
    "industrial_water": (22.0, -0.05),
    "industrial_wastewater": (8.0, -0.05),
    "industrial_investment": (0.42, 0.01),
    "tech_renovation_investment": (0.25, 0.03),
    "manufacturing_investment": (0.36, 0.01),
    "gdp": (2.4, -0.01),
    "mfg_value_added": (0.9, 0.0),
}
# Whole-economy series drawn as a part of GDP (2013 part, yearly drift), not of industry: a district whose
# GDP is services must not get services (or investment) sized by its small industry.
RATIO_OF_GDP = {
    "services_value_added": (0.46, 0.02),
    "hightech_services_value_added": (0.025, 0.06),
    "fixed_asset_investment": (0.79, 0.0),
}
# -- anchoring to the published figures (公开数据) ------------------------------------------------------
# 规上工业增加值 is this part of the county's published 全部工业增加值 in the same year (规上 leaves out the
# small firms); services are this part of GDP − 全部工业 (the rest is 建筑业 and 农业). Drawn once per county.
ABOVE_SIZE_PART = (0.75, 0.9)
SERVICES_PART = (0.85, 0.97)
GDP_PER_HEAD = (9, 14)  # 万元 a resident, for a county without a published population
POPULATION_GROWTH = (0.008, 0.006)  # mean and spread of a county's yearly population growth
# 亩 of industrial land per 亿元 of value added in 2013 is U(55, 90) × this, falling 3 % a year,
# which puts the province's 亩均增加值 near 175 万元/亩 in 2024 (亩均税收 ≈ 0.22 of it).
LAND_PER_YI = 1.1
CORE = frozenset(
    {"value_added", "employees", "industrial_land", "value_added_growth", "resident_population"}
    | set(RATIO_OF_VALUE_ADDED)
    | set(RATIO_OF_GDP)
)

# -- calibration of the planned indicators -------------------------------------------------------
FLOW_FACTOR = (0.6, 1.3)  # yearly flow ≈ target per year × U(0.6, 1.3)
STOCK_FACTOR = (0.5, 1.1)  # a stock reaches target × U(0.5, 1.1) by the target year on its trend
SHARE_FACTOR = (0.75, 1.08)  # a share reaches target × U(0.75, 1.08) by the target year
RATIO_FACTOR = (0.8, 1.1)  # a derived ratio reaches target × U(0.8, 1.1)
RATE_FACTOR = (0.6, 1.3)  # an observed growth/decline rate ≈ target rate × U(0.6, 1.3)
LOOKBACK = 3  # planned series start this many years before the earliest plan that uses them
# Part of the province a sector (or any non-province scope) stands for, when a count or amount
# target is set for it: the province figure is target ÷ share.
SECTOR_SHARE = {"traditional-mfg": 0.55, "manufacturing": 0.95}
OTHER_SCOPE_SHARE = {"sector": 0.5, "group": 0.45, "city": 0.1}
SCOPE_RANK = {"province": 0, "clusters": 1, "city": 2, "group": 3, "each_county": 4, "sector": 5}
# Province magnitude (year, value) for indicators whose targets give only a rate, and the start of
# ratios whose targets give only a change.
START_HINTS = {
    "enterprise_rd_personnel": (2013, 350000),
    "invention_patents_granted": (2013, 6000),
    "related_equipment_value_added": (2016, 1200.0),
    "design_base_service_revenue": (2016, 30.0),
    "industrial_major_pollutant_emissions": (2013, 600000.0),
    "equipment_nc_rate": (2016, 45.0),
    "machine_networking_rate": (2016, 30.0),
    "energy_per_gdp": (2013, 0.52),
    "producer_services_share": (2013, 36.0),
}
# Measure words of counts (values are whole numbers; 万家 is a whole number of 家 ÷ 10 000).
COUNT_WORDS = frozenset("台套个家件项户座辆艘架只条株所场名支人")


def count_scale(unit):
    """1 for a count unit (家, 台…), 10 000 for 万家/万个…, None when the unit is not a count."""
    if unit in COUNT_WORDS:
        return 1
    if len(unit) == 2 and unit[0] == "万" and unit[1] in COUNT_WORDS - {"人"}:
        return 10_000
    return None


@dataclass
class Plan:
    """How one planned base indicator is drawn (values in the indicator's own unit)."""

    code: str
    mode: str  # flow | stock | share | index | growth | ratio
    level: str  # county | province
    unit: str
    start: int  # first year generated
    value: float = math.nan  # anchor: the target value (province scale) …
    year: int = 0  # … to reach in this year
    period_start: int = 0
    base_year: int = 0
    kind: str = ""  # the anchoring target's kind
    comparator: str = "ge"
    direction: str = "up"
    rate: float = math.nan  # growth: target rate (fraction a year); share/ratio: points a year
    hint: tuple = ()  # (year, value): a magnitude when the target gives only a rate
    counties: str = ""  # county-code prefix the indicator is reported for ("3304" 嘉兴); "" = all
    county_anchor: dict = field(default_factory=dict)  # each_county targets: county code → level
    other: str = ""  # ratio: the other part (already generated)
    part: str = ""  # ratio: which part this plan draws (numerator | denominator)
    factor: float = 1.0  # ratio: the derived indicator's factor
    ratio_unit: str = ""  # ratio: the derived indicator's unit


def _region_rng(code, seed):
    return np.random.default_rng([seed, zlib.crc32(code.encode())])


def _plan_rng(code, seed):
    return np.random.default_rng([seed, zlib.crc32(code.encode()), 1])


# --------------------------------------------------------------------------------------------------
# Plans: what each target asks of the demo data
# --------------------------------------------------------------------------------------------------


def _scope_rank(scope):
    return SCOPE_RANK.get(scope.split(":", 1)[0], 9)


def _scope_share(scope):
    head, _, rest = scope.partition(":")
    if head in ("province", "clusters", "each_county"):
        return 1.0
    if head == "sector":
        return SECTOR_SHARE.get(rest, OTHER_SCOPE_SHARE["sector"])
    return OTHER_SCOPE_SHARE.get(head, 1.0)


def _num(value, default=math.nan):
    try:
        value = float(value)
    except (TypeError, ValueError):
        return default
    return default if math.isnan(value) else value


def _text(value):
    return value if isinstance(value, str) else ""


def _rate_of(t):
    """The yearly rate (fraction) a growth-type target asks for; NaN for other kinds."""
    v = _num(t["value"])
    if t["kind"] == "avg_annual_growth":
        return v / 100
    if t["kind"] == "annual_decline":
        return -v / 100
    if t["kind"] == "change_vs_base":
        span = max(int(t["target_year"]) - int(t["base_year"]), 1)
        return (1 + v / 100) ** (1 / span) - 1 if v > -100 else -0.05
    return math.nan


def build_plans(targets, indicators, groups=None, years=DEMO_YEARS):
    """Plans for every non-core base indicator some non-policy-input target reads.

    ``targets``: dicts with indicator_code, kind, comparator, value (in the indicator's unit),
    target_year, base_year (or None), period_start, scope, share_of, policy_input,
    threshold_indicator. ``indicators``: code → dict(kind, unit, level, direction, numerator,
    denominator, factor). ``groups``: slug → set of county codes. Pure; returns code → Plan.
    """
    groups = groups or {}
    first_year = min(years)
    uses = {}  # base code → [(role, target)]
    for order, t in enumerate(targets):
        if t.get("policy_input"):
            continue
        t = dict(t, _order=order)
        t["period_start"] = int(t["period_start"])
        t["base_year"] = int(_num(t.get("base_year"), t["period_start"] - 1))
        ind = indicators[t["indicator_code"]]
        if ind["kind"] == "derived":
            uses.setdefault(ind["numerator"], []).append(("num", t))
            uses.setdefault(ind["denominator"], []).append(("den", t))
        else:
            uses.setdefault(t["indicator_code"], []).append(("own", t))
        if _text(t.get("threshold_indicator")):
            uses.setdefault(t["threshold_indicator"], []).append(("threshold", t))

    def primary(ts):
        return min(ts, key=lambda t: (_scope_rank(t["scope"]), -t["period_start"], t["_order"]))

    def start_of(code, ts):
        earliest = min(min(t["period_start"] - LOOKBACK, t["base_year"]) for t in ts)
        return max(first_year, min(earliest, max(years)))

    plans = {}
    for code in sorted(uses):
        if code in CORE or code not in indicators:
            continue
        ind = indicators[code]
        own = [t for role, t in uses[code] if role == "own"]
        if not own:
            continue
        t = primary(own)
        plan = Plan(
            code=code,
            mode="stock",
            level="province" if ind["level"] == "province" else "county",
            unit=ind["unit"],
            start=start_of(code, [t for _, t in uses[code]]),
            value=_num(t["value"]),
            year=int(t["target_year"]),
            period_start=t["period_start"],
            base_year=t["base_year"],
            kind=t["kind"],
            comparator=t["comparator"],
            direction=ind.get("direction") or "up",
        )
        scope = t["scope"]
        if ind["level"] == "city" and scope.startswith("city:"):
            plan.counties = scope.split(":", 1)[1][:4]
        if t["kind"] in ("count_per_year", "cumulative_count"):
            plan.mode = "flow"
            if t["kind"] == "cumulative_count":
                plan.value /= max(plan.year - plan.period_start + 1, 1)
        elif t["kind"] in ("level", "share", "threshold_count") and not _text(t.get("share_of")):
            if ind["unit"] == "%":
                plan.mode = "share"
            elif ind["unit"] == "指数":
                plan.mode = "index"
            if scope.startswith("each_county"):
                plan.value = _num(t["value"])
                plan.county_anchor = _county_anchors(own, groups)
        elif t["kind"] == "annual_increase_points":
            plan.mode = "share" if ind["unit"] == "%" else "growth"
            plan.rate = _num(t["value"])
            plan.hint = START_HINTS.get(code, (t["base_year"], 40.0))
        else:
            plan.mode = "growth"
            plan.rate = _rate_of(t)
            plan.hint = START_HINTS.get(code) or _default_hint(ind["unit"], plan.start)
        if plan.mode in ("flow", "stock") and not plan.counties and not plan.county_anchor:
            # a count or amount set for a part of the province: the province figure is larger
            plan.value /= _scope_share(scope)
        plans[code] = plan

    # Parts of derived targets: the missing part drawn against the other one (core or planned).
    for code in sorted(uses):
        if code in CORE or code in plans or code not in indicators:
            continue
        ind = indicators[code]
        derived = [(role, t) for role, t in uses[code] if role in ("num", "den")]
        level = "province" if ind["level"] == "province" else "county"
        start = start_of(code, [t for _, t in uses[code]])
        if derived:
            role, t = min(
                derived, key=lambda rt: (_scope_rank(rt[1]["scope"]), -rt[1]["period_start"], rt[1]["_order"])
            )
            dind = indicators[t["indicator_code"]]
            other = dind["denominator"] if role == "num" else dind["numerator"]
            if other in CORE or other in plans:
                plan = Plan(
                    code=code,
                    mode="ratio",
                    level=level,
                    unit=ind["unit"],
                    start=start,
                    value=_num(t["value"]),
                    year=int(t["target_year"]),
                    period_start=t["period_start"],
                    base_year=t["base_year"],
                    kind=t["kind"],
                    comparator=t["comparator"],
                    direction=dind.get("direction") or "up",
                    other=other,
                    part="numerator" if role == "num" else "denominator",
                    factor=float(dind.get("factor") or 1.0),
                    ratio_unit=dind["unit"],
                )
                if ind["level"] == "city" and t["scope"].startswith("city:"):
                    plan.counties = t["scope"].split(":", 1)[1][:4]
                if t["kind"] == "annual_increase_points":
                    plan.rate = _num(t["value"])
                else:
                    plan.rate = _rate_of(t)
                if t["kind"] not in ("level", "share"):
                    plan.hint = START_HINTS.get(t["indicator_code"]) or _default_hint(dind["unit"], start)
                plans[code] = plan
                continue
        plans[code] = Plan(
            code=code,
            mode="growth",
            level=level,
            unit=ind["unit"],
            start=start,
            hint=START_HINTS.get(code) or _default_hint(ind["unit"], start),
        )
    # A ratio whose other part is itself a ratio plan cannot be drawn: make it a plain series.
    for plan in plans.values():
        if plan.mode == "ratio" and plans.get(plan.other) is not None and plans[plan.other].mode == "ratio":
            plan.mode, plan.hint, plan.rate = "growth", _default_hint(plan.unit, plan.start), math.nan
    return plans


def _default_hint(unit, year):
    if unit == "%":
        return (year, 30.0)
    if count_scale(unit):
        return (year, 100.0 / count_scale(unit))
    return (year, 100.0)


def _county_anchors(targets, groups):
    """each_county[:group] targets: the level each member county is held to (highest tier wins)."""
    anchors = {}
    for t in targets:
        scope = t["scope"]
        if not scope.startswith("each_county"):
            continue
        slug = scope.partition(":")[2]
        for county in groups.get(slug, ()) if slug else ():
            anchors[county] = max(anchors.get(county, 0.0), _num(t["value"], 0.0))
    values = [_num(t["value"]) for t in targets if t["scope"].startswith("each_county")]
    anchors["*"] = float(np.median(values)) if values else 1.0
    return anchors


def demo_plans():
    """The plans for the catalog in the database (targets, indicators, groups)."""
    indicators = {
        i.code: {
            "kind": i.kind,
            "unit": i.unit,
            "level": i.level,
            "direction": i.direction,
            "numerator": i.numerator.code if i.numerator_id else None,
            "denominator": i.denominator.code if i.denominator_id else None,
            "factor": i.factor,
        }
        for i in Indicator.objects.select_related("numerator", "denominator")
    }
    frame = targets_frame()
    targets = []
    for rec in frame.to_dict("records"):
        rec["base_year"] = None if pd.isna(rec["base_year"]) else int(rec["base_year"])
        targets.append(rec)
    groups = {}
    for slug, code in GroupMembership.objects.values_list("group__slug", "region__code"):
        groups.setdefault(slug, set()).add(code)
    return build_plans(targets, indicators, groups)


# --------------------------------------------------------------------------------------------------
# Generation
# --------------------------------------------------------------------------------------------------


def _stochastic_round(x, rng):
    x = np.maximum(np.asarray(x, dtype=float), 0.0)
    low = np.floor(x)
    return low + (rng.random(x.shape) < (x - low))


def _apportion(total, weights):
    """Split a whole number over the weights (largest remainders): whole parts summing to total."""
    total = int(total)
    w = np.asarray(weights, dtype=float)
    if total <= 0 or w.sum() <= 0:
        return np.zeros(len(w))
    exact = total * w / w.sum()
    parts = np.floor(exact)
    short = total - int(parts.sum())
    if short > 0:
        parts[np.argsort(-(exact - parts), kind="stable")[:short]] += 1
    return parts


def _path(plan, rng, years):
    """The province path of a plan over ``years`` (NaN before plan.start), in the indicator's unit."""
    y = np.asarray(years, dtype=float)
    out = np.full(len(y), np.nan)
    live = y >= plan.start
    T = plan.year or plan.start
    down = plan.comparator in ("le", "lt") or (plan.comparator == "approx" and plan.direction == "down")
    if plan.mode == "flow":
        f = rng.uniform(*FLOW_FACTOR)
        g = rng.uniform(0.0, 0.08)
        noise = rng.normal(0, 0.08, len(y))
        out = plan.value * f * (1 + g) ** (y - plan.period_start) * np.exp(noise)
    elif plan.mode == "stock":
        f = rng.uniform(0.9, 1.5) if down else rng.uniform(*STOCK_FACTOR)
        g = -rng.uniform(0.02, 0.06) if down else rng.uniform(0.04, 0.12)
        noise = rng.normal(0, 0.02, len(y))
        out = plan.value * f * (1 + g) ** (y - T) * np.exp(noise)
        if count_scale(plan.unit) and plan.value >= 1:
            # a counted stock the plan builds on is there from the base year on (no 0 → n jumps)
            out = np.where(y >= plan.base_year, np.maximum(out, 1.0), out)
    elif plan.mode in ("share", "index"):
        if plan.kind == "annual_increase_points" or not math.isnan(plan.rate):
            y0, v0 = plan.hint
            slope = plan.rate * rng.uniform(*RATE_FACTOR) if not math.isnan(plan.rate) else rng.uniform(0.3, 1.5)
            out = v0 + slope * (y - y0) + rng.normal(0, 0.3, len(y))
        elif plan.mode == "share":
            f = rng.uniform(0.95, 1.3) if down else rng.uniform(*SHARE_FACTOR)
            slope = rng.uniform(0.4, 2.0) * (-1 if down else 1)
            out = min(plan.value * f, 100.0) + slope * (y - T) + rng.normal(0, 0.3, len(y))
        else:
            f = rng.uniform(0.95, 1.3) if down else rng.uniform(0.85, 1.1)
            g = rng.uniform(0.01, 0.04) * (-1 if down else 1)
            out = plan.value * f * (1 + g) ** (y - T)
        if plan.mode == "share":
            out = np.clip(out, 0.5, 100.0)
    elif plan.mode == "growth":
        y0, v0 = plan.hint
        rate = plan.rate * rng.uniform(*RATE_FACTOR) if not math.isnan(plan.rate) else rng.uniform(0.03, 0.08)
        steps = np.maximum(1 + rate + rng.normal(0, 0.015, len(y)), 0.5)
        log_level = np.cumsum(np.log(steps))
        anchor = int(np.clip(y0, y[0], y[-1]) - y[0])
        out = v0 * np.exp(log_level - log_level[anchor]) * (1 + rate) ** (y[0] + anchor - y0)
    elif plan.mode == "ratio":
        out = _ratio_path(plan, rng, y, T, down)
    out = np.where(live, out, np.nan)
    return out


def _ratio_path(plan, rng, y, T, down):
    is_share = plan.ratio_unit == "%"
    if plan.kind in ("level", "share", "threshold_count"):
        f = rng.uniform(0.95, 1.3) if down else rng.uniform(*RATIO_FACTOR)
        target = plan.value * f
        if is_share:
            slope = rng.uniform(0.3, 1.2) * (-1 if down else 1)
            out = target + slope * (y - T)
        else:
            g = -rng.uniform(0.02, 0.06) if down else rng.uniform(0.03, 0.10)
            out = target * (1 + g) ** (y - T)
    else:
        y0, v0 = plan.hint
        if plan.kind == "annual_increase_points":
            out = v0 + plan.rate * rng.uniform(*RATE_FACTOR) * (y - y0)
        else:
            rate = plan.rate * rng.uniform(*RATE_FACTOR) if not math.isnan(plan.rate) else rng.uniform(-0.03, 0.05)
            out = v0 * (1 + rate) ** (y - y0)
    if is_share:
        out = np.clip(out, 0.5, 95.0)
    return np.maximum(out, 1e-6)


def _round_values(values, unit):
    scale = count_scale(unit)
    if scale:
        return np.round(values * scale) / scale
    return np.round(values, 4)


def _anchored(row, years, anchor):
    """``row`` scaled so that it passes through ``anchor`` (year, value): its path, hence every growth rate
    and every ratio drawn from it, kept. As is without an anchor, or when the row has no value that year."""
    if anchor is None or anchor[0] not in years:
        return row
    at = row[years.index(anchor[0])]
    return row * (anchor[1] / at) if at > 0 else row


def _core(counties, seed, years, anchors=None):
    """Value added and its satellites per county: code → (n_counties, n_years) arrays.

    ``anchors``: county code → {indicator code: (year, value)}, the published figures (see the module
    docstring); a county without them is sized by SIZE_HINTS."""
    n, m = len(counties), len(years)
    arrays = {code: np.full((n, m), np.nan) for code in CORE}
    steps = np.arange(m)

    for i, county in enumerate(counties):
        code = county["code"]
        mine = (anchors or {}).get(code, {})
        rng = _region_rng(code, seed)
        base = SIZE_HINTS.get(code) or (MOUNTAIN_SIZE if county.get("mountain") else OTHER_SIZE)
        size = base * float(np.exp(rng.normal(0, 0.25)))
        trend = rng.normal(0.075, 0.015)
        # Nominal growth with a 2020 dip; comparable growth strips a ~1.5% deflator.
        growth = trend + rng.normal(0, 0.02, m)
        growth[years.index(2020)] -= 0.06 if 2020 in years else 0
        value_added = size * np.cumprod(np.r_[1.0, 1 + growth[1:]])
        productivity = rng.uniform(18, 26) * np.cumprod(np.full(m, 1 + rng.normal(0.06, 0.01)))
        land_per_yi = rng.uniform(55, 90) * np.cumprod(np.full(m, 0.97))
        # drawn whether or not the county has anchors, so that anchoring one county moves no other number
        above_size, services_part = rng.uniform(*ABOVE_SIZE_PART), rng.uniform(*SERVICES_PART)
        per_head, people_growth = rng.uniform(*GDP_PER_HEAD), rng.normal(*POPULATION_GROWTH)
        ratio_noise = np.exp(rng.normal(0, 0.03, (m, len(RATIO_OF_VALUE_ADDED) + len(RATIO_OF_GDP))))

        if "value_added" in mine:
            value_added = _anchored(value_added, years, mine["value_added"])
        elif "industrial_value_added_all" in mine:
            year, value = mine["industrial_value_added_all"]
            value_added = _anchored(value_added, years, (year, value * above_size))
        arrays["value_added"][i] = value_added
        arrays["employees"][i] = value_added / productivity
        arrays["industrial_land"][i] = value_added * land_per_yi * LAND_PER_YI
        arrays["value_added_growth"][i, 1:] = (value_added[1:] / value_added[:-1] - 1) * 100 - 1.5
        for k, (indicator, (ratio, drift)) in enumerate(RATIO_OF_VALUE_ADDED.items()):
            row = value_added * ratio * (1 + drift) ** steps * ratio_noise[:, k]
            arrays[indicator][i] = _anchored(row, years, mine.get(indicator))
        gdp = arrays["gdp"][i]
        for k, (indicator, (part, drift)) in enumerate(RATIO_OF_GDP.items(), start=len(RATIO_OF_VALUE_ADDED)):
            parts = part * (1 + drift) ** steps * ratio_noise[:, k]
            if indicator == "services_value_added" and {"gdp", "industrial_value_added_all"} <= set(mine):
                (year, total), (year_all, industry) = mine["gdp"], mine["industrial_value_added_all"]
                if year == year_all:  # services: what GDP leaves after all industry, less 建筑业 and 农业
                    parts = _anchored(parts, years, (year, (1 - industry / total) * services_part))
            arrays[indicator][i] = _anchored(gdp * parts, years, mine.get(indicator))
        # population: a slow smooth path through its published figure, else through GDP ÷ GDP a head
        year, people = mine.get("resident_population") or (years[-1], gdp[-1] / per_head)
        arrays["resident_population"][i] = people * (1 + people_growth) ** (steps - years.index(year))
    return arrays


def _county_values(plan, path, arrays, counties, present, rng, years):
    """Split a plan's province path over the counties: (n_counties, n_years) array."""
    n, m = len(counties), len(years)
    out = np.full((n, m), np.nan)
    scope = np.array([not plan.counties or c["code"].startswith(plan.counties) for c in counties])
    ok = present & scope[:, None]
    va = np.where(ok, arrays["value_added"], 0.0)
    z = np.exp(rng.normal(0, 0.35, n))  # a county's lean towards this indicator, fixed over time
    weights = va * z[:, None]
    scale = count_scale(plan.unit)
    live = ~np.isnan(path)
    if plan.county_anchor:
        # each_county: every county on its own path to its tier's level (size-scaled outside tiers)
        ref = np.nanmedian(np.where(ok, arrays["value_added"], np.nan), axis=0)
        f = rng.uniform(0.5, 1.3, n)
        g = rng.uniform(0.04, 0.12, n)
        y = np.asarray(years, dtype=float)
        T = plan.year
        for i, county in enumerate(counties):
            a = plan.county_anchor.get(county["code"])
            if a is None:
                jt = int(np.clip(T - years[0], 0, m - 1))
                a = plan.county_anchor["*"] * float(np.sqrt(va[i, jt] / ref[jt])) if ref[jt] > 0 else 0.0
            out[i] = a * f[i] * (1 + g[i]) ** (y - T)
        out = np.where(ok & live[None, :], out, np.nan)
        return _round_values(out, plan.unit)
    if plan.mode in ("share", "index"):
        lean = np.exp(rng.normal(0, 0.12 if plan.mode == "share" else 0.06, n))
        out = path[None, :] * lean[:, None]
        if plan.mode == "share":
            out = np.clip(out, 0.0, 100.0)
    elif plan.mode == "ratio":
        lean = np.exp(rng.normal(0, 0.15, n))[:, None] * np.exp(rng.normal(0, 0.03, (n, m)))
        ratio = path[None, :] * lean
        if plan.ratio_unit == "%":
            ratio = np.clip(ratio, 0.1, 99.0)
        other = arrays[plan.other]
        if plan.part == "numerator":
            out = other * ratio / plan.factor
        else:
            out = other * plan.factor / ratio
    else:
        for j in np.flatnonzero(live):
            w = weights[:, j]
            if w.sum() <= 0:
                continue
            if plan.mode == "flow":
                if scale:
                    total = _stochastic_round(path[j] * scale, rng)
                    p = w / w.sum()
                    out[:, j] = rng.multinomial(int(total), p / p.sum()) / scale
                else:
                    out[:, j] = path[j] * w / w.sum() * np.exp(rng.normal(0, 0.1, n))
            elif scale:
                out[:, j] = _apportion(round(path[j] * scale), w) / scale
            else:
                out[:, j] = path[j] * w / w.sum()
    out = np.where(ok & live[None, :], out, np.nan)
    return _round_values(out, plan.unit)


def demo_values(counties, seed=DEMO_SEED, years=DEMO_YEARS, plans=None, anchors=None):
    """A tidy frame region_code, indicator_code, year, value.

    `counties` is a list of dicts with code, mountain (bool), and optionally code_for_year — a
    function year → the code valid that year (renamed units) or None (did not exist yet).
    `plans` (code → Plan, see `demo_plans`) adds the calibrated indicators; province-level ones
    come as rows for 330000. Without plans only the core series are generated. `anchors` (county code →
    {indicator code: (year, value)}, see `published_anchors`) are the published figures the county's
    series pass through; without them the counties are sized by SIZE_HINTS.
    """
    years = list(years)
    counties = sorted(counties, key=lambda c: c["code"])
    n, m = len(counties), len(years)
    region = np.empty((n, m), dtype=object)
    present = np.zeros((n, m), dtype=bool)
    for i, county in enumerate(counties):
        for j, year in enumerate(years):
            region[i, j] = county["code_for_year"](year) if "code_for_year" in county else county["code"]
            present[i, j] = region[i, j] is not None
    anchors = anchors or {}
    arrays = _core(counties, seed, years, anchors)
    province = {}
    plans = plans or {}
    ordered = sorted(plans.values(), key=lambda p: (p.mode == "ratio", p.code))
    for plan in ordered:
        rng = _plan_rng(plan.code, seed)
        path = _path(plan, rng, years)
        if plan.level == "province":
            province[plan.code] = _round_values(path, plan.unit)
        else:
            values = _county_values(plan, path, arrays, counties, present, rng, years)
            for i, county in enumerate(counties):  # a planned series with a published figure passes through it
                anchor = anchors.get(county["code"], {}).get(plan.code)
                if anchor is not None:
                    values[i] = _round_values(_anchored(values[i], years, anchor), plan.unit)
            arrays[plan.code] = values
    parts = []
    year_grid = np.broadcast_to(np.asarray(years), (n, m))
    for code, values in arrays.items():
        keep = present & ~np.isnan(values)
        parts.append(
            pd.DataFrame(
                {"region_code": region[keep], "indicator_code": code, "year": year_grid[keep], "value": values[keep]}
            )
        )
    for code, values in province.items():
        keep = ~np.isnan(values)
        parts.append(
            pd.DataFrame(
                {
                    "region_code": PROVINCE_CODE,
                    "indicator_code": code,
                    "year": np.asarray(years)[keep],
                    "value": values[keep],
                }
            )
        )
    frame = pd.concat(parts, ignore_index=True)
    frame["year"] = frame["year"].astype("int64")
    frame["value"] = frame["value"].astype(float)
    return frame


def backcast(frame, targets, units, first_year=DEMO_YEARS.start):
    """County series carried back before the demo's first year for a city whose targets end before it
    (嘉兴's 2009 plan, to 2012): back to the plan's base year, each series at the growth of its first two
    years (kept within −5 % … +15 % a year), a rate or index (%, 指数) held level. Pure; rows as demo_values."""
    start = {}
    for t in targets:
        scope = t["scope"]
        if t.get("policy_input") or not scope.startswith("city:") or int(t["target_year"]) >= first_year:
            continue
        base = int(_num(t.get("base_year"), int(t["period_start"]) - 1))
        prefix = scope.partition(":")[2][:4]
        start[prefix] = min(start.get(prefix, first_year), base)
    columns = ["region_code", "indicator_code", "year", "value"]
    if not start:
        return pd.DataFrame(columns=columns)
    prefix = frame["region_code"].str.slice(0, 4)
    early = frame[prefix.isin(start) & frame["year"].isin([first_year, first_year + 1])]
    wide = early.pivot_table(index=["region_code", "indicator_code"], columns="year", values="value")
    rows = []
    for (region, code), (v0, v1) in wide.reindex(columns=[first_year, first_year + 1]).iterrows():
        if pd.isna(v0):
            continue
        held = units.get(code) in ("%", "指数") or pd.isna(v1) or v0 <= 0
        growth = 1.0 if held else min(max(v1 / v0, 0.95), 1.15)
        for year in range(start[region[:4]], first_year):
            value = _round_values(np.array([v0 / growth ** (first_year - year)]), units.get(code, ""))[0]
            rows.append((region, code, year, float(value)))
    return pd.DataFrame(rows, columns=columns)


def industry_values(frame, targets, indicators, sets, seed=DEMO_SEED):
    """Province figures by industry (行业) for the indicators that sector targets read: a tidy frame
    region_code (330000), industry, indicator_code, year, value.

    Each year's province figure (its own row, else the sum of the counties) is split over the divisions by
    fixed synthetic weights, so that a set's divisions add up to the part of the province its plan assumed
    (SECTOR_SHARE: 重点传统制造业 0.55, 制造业 0.95): the sums, and ratios of sums, of a sector follow the
    calibrated path. A set without divisions gets a row of its own; a rate or index (%, 指数) is the same
    for every division. ``targets``: dicts with scope, indicator_code, policy_input; ``indicators``: code →
    dict(kind, unit, numerator, denominator, industry (optional)); ``sets``: set code → list of division codes. Pure.
    """
    codes = {}
    for t in targets:
        ind = indicators.get(t["indicator_code"])
        # a sector target, or one on an indicator bound to an industry (规上制造业 …, read at that industry)
        scope = f"sector:{ind['industry']}" if ind and ind.get("industry") else t["scope"]
        if t.get("policy_input") or not scope.startswith("sector:") or ind is None:
            continue
        parts = [ind["numerator"], ind["denominator"]] if ind["kind"] == "derived" else [t["indicator_code"]]
        for code in parts:
            if code in indicators:
                codes.setdefault(code, set()).add(scope.partition(":")[2])
    columns = ["region_code", "industry", "indicator_code", "year", "value"]
    if not codes:
        return pd.DataFrame(columns=columns)
    own = frame[frame["region_code"] == PROVINCE_CODE]
    province = own.groupby(["indicator_code", "year"])["value"].sum()
    counties = frame[frame["region_code"] != PROVINCE_CODE].groupby(["indicator_code", "year"])["value"].sum()
    totals = pd.concat([province, counties[~counties.index.isin(province.index)]])

    divisions = sorted({d for ds in sets.values() for d in ds})
    traditional = set(sets.get("traditional-mfg", ()))
    rng = np.random.default_rng([seed, 4754])
    raw = pd.Series(rng.uniform(0.5, 1.5, len(divisions)), index=divisions)
    in_set = raw.index.isin(traditional)
    share = SECTOR_SHARE["traditional-mfg"]
    rest = SECTOR_SHARE["manufacturing"] - share
    weights = raw.where(~in_set, raw / raw[in_set].sum() * share).where(in_set, raw / raw[~in_set].sum() * rest)
    rows = []
    for code, scopes_read in sorted(codes.items()):
        if code not in totals.index.get_level_values(0):
            continue
        series = totals.loc[code]
        unit = indicators[code]["unit"]
        rate, scale = unit in ("%", "指数"), count_scale(unit)
        own_sets = [s for s in sorted(scopes_read) if not sets.get(s)]
        for year, v in series.items():
            if rate:  # the same rate for every division (a sector's rate is their plain mean)
                values = np.full(len(weights), float(v))
            elif scale:  # whole counts that add up to the set's part of the province
                values = _apportion(round(v * weights.sum() * scale), weights.to_numpy()) / scale
            else:
                values = _round_values(v * weights.to_numpy(), unit)
            rows += [(PROVINCE_CODE, d, code, int(year), float(x)) for d, x in zip(weights.index, values, strict=True)]
            # a set the catalog lists without divisions: its own figure, the part of the province its plan assumed
            rows += [
                (
                    PROVINCE_CODE,
                    s,
                    code,
                    int(year),
                    float(v if rate else _round_values(v * _scope_share(f"sector:{s}"), unit)),
                )
                for s in own_sets
            ]
    out = pd.DataFrame(rows, columns=columns)
    return out


CORE_AREA_INDICATORS = ("revenue", "value_added", "industrial_tax", "industrial_land")
# the part of its county a cluster's core (coordination) area is, drawn once per membership: two core areas of
# one county stay below its whole figure
CORE_AREA_SHARE = {"core": (0.2, 0.45), "coordination": (0.05, 0.2)}


def core_area_values(frame, memberships, seed=DEMO_SEED):
    """Synthetic core-area series (示例数据): for each (county, cluster, role) of ``memberships`` a tidy frame
    region_code, cluster, indicator_code, year, value holding a fixed part of the county's figure of each of
    CORE_AREA_INDICATORS (that part drifting ±3 % a year; the land's part a little off the rest, so that a core
    area's 亩均 differs from its county's). Pure."""
    columns = ["region_code", "cluster", "indicator_code", "year", "value"]
    county = frame[frame["indicator_code"].isin(CORE_AREA_INDICATORS)]
    roles = {}
    for code, slug, role in memberships:  # one series per county and cluster: a promoted area's core part wins
        if roles.get((code, slug)) != "core":
            roles[(code, slug)] = role
    rows = []
    for (code, slug), role in sorted(roles.items()):
        rng = np.random.default_rng([seed, zlib.crc32(f"{code}#{slug}".encode())])
        low, high = CORE_AREA_SHARE[role]
        share, land = rng.uniform(low, high), rng.uniform(0.85, 1.15)
        mine = county[county["region_code"] == code]
        for indicator, year, value in mine[["indicator_code", "year", "value"]].values:
            part = share * (1 + rng.uniform(-0.03, 0.03)) * (land if indicator == "industrial_land" else 1)
            rows.append((code, slug, indicator, int(year), float(_round_values(np.array([value * part]), "")[0])))
    return pd.DataFrame(rows, columns=columns)


# --------------------------------------------------------------------------------------------------
# Workbooks and loading
# --------------------------------------------------------------------------------------------------


def rollup_workbook(frame, year, names, units, indicator_names):
    """Write one year as a provincial roll-up: title rows, header with units, regions as rows."""
    wide = frame[frame["year"] == year].pivot(index="region_code", columns="indicator_code", values="value")
    wb = Workbook(write_only=True)
    ws = wb.create_sheet(f"{year}年")
    columns = list(wide.columns)
    ws.append([f"{year}年各县（市、区）工业主要指标（示例数据，非真实统计）"])
    ws.append(["单位：见各列"])
    ws.append(["地区"] + [f"{indicator_names[c]}（{units[c]}）" for c in columns])
    for code, row in wide.iterrows():
        ws.append([names[code]] + [None if pd.isna(v) else round(float(v), 4) for v in row.tolist()])
    ws.append(["注：本表为系统生成的示例数据，仅用于演示。"])
    buffer = io.BytesIO()
    wb.save(buffer)
    return buffer.getvalue()


def series_workbook(frame, region_name, units, indicator_names):
    """One region's series: indicators as rows with a 计量单位 column, years as columns (2013年…)."""
    wide = frame.pivot(index="indicator_code", columns="year", values="value").sort_index()
    years = list(wide.columns)
    wb = Workbook(write_only=True)
    ws = wb.create_sheet("历年数据")
    ws.append([f"{region_name}主要指标历年数据（示例数据，非真实统计）"])
    ws.append(["指标", "计量单位"] + [f"{int(y)}年" for y in years])
    for code, row in wide.iterrows():
        ws.append(
            [indicator_names[code], units[code]] + [None if pd.isna(v) else round(float(v), 4) for v in row.tolist()]
        )
    ws.append(["注：本表为系统生成的示例数据，仅用于演示。"])
    buffer = io.BytesIO()
    wb.save(buffer)
    return buffer.getvalue()


def industry_workbook(frame, names, units, indicator_names):
    """Industry figures as a long table with a 行业 column (the industry's code), one row a value."""
    wb = Workbook(write_only=True)
    ws = wb.create_sheet("分行业")
    ws.append(["地区代码", "地区", "行业", "指标", "计量单位", "年份", "数值"])
    for region, industry, code, year, value in frame[
        ["region_code", "industry", "indicator_code", "year", "value"]
    ].values:
        ws.append([region, names[region], industry, indicator_names[code], units[code], int(year), float(value)])
    buffer = io.BytesIO()
    wb.save(buffer)
    return buffer.getvalue()


def cluster_workbook(frame, names, units, indicator_names, clusters):
    """Core-area series as a long table with a 集群 column (the cluster's name), one row a value."""
    wb = Workbook(write_only=True)
    ws = wb.create_sheet("集群核心区")
    ws.append(["地区代码", "地区", "集群", "指标", "计量单位", "年份", "数值"])
    for region, slug, code, year, value in frame[["region_code", "cluster", "indicator_code", "year", "value"]].values:
        ws.append([region, names[region], clusters[slug], indicator_names[code], units[code], int(year), float(value)])
    buffer = io.BytesIO()
    wb.save(buffer)
    return buffer.getvalue()


def demo_counties():
    """The current counties as demo_values wants them: before a rename, a unit reports under its old code
    (柯桥区 330603 for 2012 → 绍兴县 330621); a unit carved out of another has no earlier years."""
    mountain = set(RegionGroup.objects.get(slug="mountain-26").members.values_list("code", flat=True))
    lineage = region_lineage()
    renamed = {new: old for old, new in lineage.current_codes().items() if (old, new) in lineage.links}

    def code_for_year(year, code, valid_from):
        return code if valid_from is None or year >= valid_from else renamed.get(code)

    return [
        {
            "code": code,
            "mountain": code in mountain,
            "code_for_year": functools.partial(code_for_year, code=code, valid_from=valid_from),
            "valid_from": valid_from,
        }
        for code, valid_from in Region.objects.filter(level="county", valid_to__isnull=True).values_list(
            "code", "valid_from"
        )
    ]


def published_anchors(years=DEMO_YEARS):
    """County code → {indicator code: (year, value)}: each county's latest published figure (公开数据) of the
    demo's years, for the whole economy (no 行业, no 集群 part), as the demo's series are anchored to them."""
    rows = (
        Observation.objects.filter(
            upload__source=Upload.Source.PUBLISHED,
            status=Observation.Status.APPROVED,
            region__level="county",
            industry="",
            cluster="",
            back_series=False,
            year__in=list(years),
        )
        .order_by("year")
        .values_list("region__code", "indicator__code", "year", "value")
    )
    anchors = {}
    for region, code, year, value in rows:  # by year: the latest wins
        anchors.setdefault(region, {})[code] = (int(year), float(value))
    return anchors


def demo_load(seed=DEMO_SEED):
    """Generate and import the demo statistics through the import service; idempotent.

    Returns the number of observations created or updated. Indicators whose unit the importer
    cannot read are left out (with a warning in the log).
    """
    frame = demo_values(demo_counties(), seed, plans=demo_plans(), anchors=published_anchors())
    known = {i.code: i for i in Indicator.objects.filter(code__in=frame["indicator_code"].unique())}
    unreadable = sorted(code for code, i in known.items() if parse_unit(i.unit) is None)
    if unreadable:
        logger.warning(
            "示例数据：以下指标的计量单位无法导入，已跳过：%s",
            "、".join(f"{known[c].name}（{known[c].unit}）" for c in unreadable),
        )
    frame = frame[frame["indicator_code"].isin(set(known) - set(unreadable))]
    names = dict(Region.objects.values_list("code", "name"))
    units = {code: i.unit for code, i in known.items()}
    targets = targets_frame().to_dict("records")
    frame = pd.concat([frame, backcast(frame, targets, units)], ignore_index=True)
    indicator_names = {code: i.name for code, i in known.items()}
    user = system_user()
    created = 0

    def load(data, filename, **kwargs):
        report = import_file(data=data, filename=filename, user=user, approve=True, source="demo", **kwargs)
        if not report["accepted"]:
            raise RuntimeError(f"demo workbook {filename} was rejected: {report['errors'][:3]}")
        return report["created"] + report["updated"]

    is_province = frame["region_code"] == PROVINCE_CODE
    counties = frame[~is_province]
    for year in sorted(counties["year"].unique()):
        data = rollup_workbook(counties, int(year), names, units, indicator_names)
        created += load(data, f"demo-{year}.xlsx", year=int(year))
    if is_province.any():
        data = series_workbook(frame[is_province], names[PROVINCE_CODE], units, indicator_names)
        created += load(data, "demo-province.xlsx", region_code=PROVINCE_CODE)
    by_industry = industry_values(frame, *_industry_catalog(targets), seed=seed)
    by_industry = by_industry[by_industry["indicator_code"].isin(set(units))]
    if len(by_industry):
        data = industry_workbook(by_industry, names, units, indicator_names)
        created += load(data, "demo-industries.xlsx")
    memberships = ClusterMembership.objects.filter(
        cluster__tier=Cluster.Tier.PROVINCIAL, role__in=list(CORE_AREA_SHARE)
    ).values_list("region__code", "cluster__slug", "role")
    by_cluster = core_area_values(counties[counties["indicator_code"].isin(set(units))], memberships, seed)
    if len(by_cluster):
        clusters = dict(Cluster.objects.values_list("slug", "name"))
        data = cluster_workbook(by_cluster, names, units, indicator_names, clusters)
        created += load(data, "demo-clusters.xlsx")
    return created


def _industry_catalog(targets):
    """(targets, indicators, sets) as industry_values wants them, from the database."""
    indicators = {
        i.code: {
            "kind": i.kind,
            "unit": i.unit,
            "numerator": i.numerator.code if i.numerator_id else None,
            "denominator": i.denominator.code if i.denominator_id else None,
            "industry": i.industry,
        }
        for i in Indicator.objects.select_related("numerator", "denominator")
    }
    sets = {code: [] for code in Industry.objects.filter(kind=Industry.Kind.SET).values_list("code", flat=True)}
    for code, division in Industry.objects.filter(kind=Industry.Kind.SET).values_list("code", "divisions__code"):
        if division:
            sets[code].append(division)
    return targets, indicators, sets
