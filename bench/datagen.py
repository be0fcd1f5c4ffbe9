"""Synthetic data for the benchmarks: deterministic (fixed seeds), pure numpy/pandas, no Django import.

Three generators, each a plain function of plain inputs so tests/test_bench_smoke.py can run them tiny:

- ``extend_years`` + ``synthetic_panel``: the province scale. ``bootstrap --demo`` (the project's demo
  generator, loaded through the real import path) gives the demo series up to 2024; the bench fills each
  of them out to 2013–2027 (projected forward, back-cast before a series' first year) and adds every
  base indicator the demo leaves empty for 2013–2027 (county-level ones for the counties,
  city/province-level ones for the cities and the province).
- ``import_frame`` + ``rollup_workbook``: the import benchmark's 90-county × 40-indicator × 10-year
  workbook (the county-level indicators the targets use most), one roll-up sheet per year.
- ``national_frames``: about 2,850 county-level units × 40 indicators × 20 years, with ~330 cities,
  ~30 provinces, groups and clusters, already in the gap engine's input shape.
"""

from __future__ import annotations

import io
import zlib
from collections.abc import Iterable, Sequence

import numpy as np
import pandas as pd

BENCH_SEED = 20251122
PROVINCE_YEARS = range(2013, 2028)
DEMO_LAST_YEAR = 2024
IMPORT_YEARS = range(2015, 2025)
IMPORT_INDICATORS = 40
NATIONAL_YEARS = range(2005, 2025)
NATIONAL_COUNTIES = 2850
NATIONAL_CITIES = 330
NATIONAL_PROVINCES = 30
NATIONAL_INDICATORS = 40

OBS_COLUMNS = ["region_code", "indicator_code", "year", "value"]

# Units whose values are whole counts (家, 个 …); everything else not a share or index is an amount.
COUNT_UNITS = frozenset({"家", "个", "件", "项", "台", "套", "场", "条", "支", "名", "年"})
SHARE_UNITS = frozenset({"%", "‰"})
INDEX_UNITS = frozenset({"指数"})

# Real two-digit province prefixes (GB/T 2260); 33 (Zhejiang) is among them, so that city targets of
# the catalog (city:330400 …) find their city in the national scope table.
PROVINCE_PREFIXES = [
    11, 12, 13, 14, 15, 21, 22, 23, 31, 32, 33, 34, 35, 36, 37,
    41, 42, 43, 44, 45, 46, 50, 51, 52, 53, 54, 61, 62, 63, 64, 65,
]  # fmt: skip


def _rng(seed: int, *keys: str) -> np.random.Generator:
    return np.random.default_rng([seed, *(zlib.crc32(k.encode()) for k in keys)])


def unit_class(unit: str | None) -> str:
    """'share' (%), 'index', 'count' (whole numbers) or 'amount'."""
    unit = (unit or "").strip()
    if unit in SHARE_UNITS:
        return "share"
    if unit in INDEX_UNITS:
        return "index"
    if unit in COUNT_UNITS:
        return "count"
    return "amount"


# --------------------------------------------------------------------------------------------------
# Province scale
# --------------------------------------------------------------------------------------------------


def extend_years(
    frame: pd.DataFrame,
    years: Iterable[int],
    growth_codes: Iterable[str] = (),
    share_codes: Iterable[str] = (),
    *,
    seed=BENCH_SEED,
):
    """Fill ``years`` outside each (region, indicator) series of ``frame``: after its last year projected
    forward, before its first year back-cast.

    Levels move at the series' compound growth over its last (first) three years, clipped to
    −10 %…+15 % a year, with ±2 % noise; whole-number series stay whole; shares (``share_codes``) stay
    within 0–100; growth-rate series (``growth_codes``) repeat the mean of their last (first) three values
    ± 1 point. Years inside a series' span are left alone. Returns only the new rows (OBS_COLUMNS).
    """
    years = sorted(int(y) for y in years)
    if not years or frame.empty:
        return pd.DataFrame(columns=OBS_COLUMNS)
    growth_codes, share_codes = set(growth_codes), set(share_codes)
    key = ["region_code", "indicator_code"]
    f = frame[OBS_COLUMNS].sort_values([*key, "year"])
    g = f.groupby(key, sort=True)
    rng = np.random.default_rng([seed, 2025])
    out = []
    for direction, anchor, other, mean in (
        (1, g.tail(1), g.nth(-4), g.tail(3)),
        (-1, g.head(1), g.nth(3), g.head(3)),
    ):
        anchor = anchor.set_index(key)
        other = other.set_index(key).reindex(anchor.index)
        mean = mean.groupby(key)["value"].mean().reindex(anchor.index).to_numpy(dtype=float)
        a_val, a_year = anchor["value"].to_numpy(dtype=float), anchor["year"].to_numpy(dtype=float)
        span = np.abs(a_year - other["year"].to_numpy(dtype=float))
        with np.errstate(all="ignore"):
            ratio = (a_val / other["value"].to_numpy(dtype=float)) ** direction
            rate = np.where((span > 0) & (ratio > 0), ratio ** (1.0 / np.where(span > 0, span, 1.0)) - 1.0, 0.05)
        rate = np.clip(np.nan_to_num(rate, nan=0.05), -0.10, 0.15)
        codes = anchor.index.get_level_values("indicator_code")
        is_growth, is_share = codes.isin(growth_codes), codes.isin(share_codes)
        whole = np.isclose(a_val % 1, 0)
        noise = rng.normal(0, 1, (len(anchor), len(years)))
        for k, year in enumerate(years):
            steps = year - a_year
            level = a_val * (1 + rate) ** steps * np.exp(0.02 * noise[:, k])
            level = np.where(whole, np.round(level), level)
            level = np.where(is_share, np.clip(level, 0.0, 100.0), level)
            value = np.where(is_growth, mean + noise[:, k], level)
            keep = steps * direction > 0
            out.append(
                pd.DataFrame(
                    {
                        "region_code": anchor.index.get_level_values("region_code")[keep],
                        "indicator_code": codes[keep],
                        "year": year,
                        "value": np.round(value[keep], 4),
                    }
                )
            )
    result = pd.concat(out, ignore_index=True)
    result["year"] = result["year"].astype("int64")
    return result.sort_values(["year", "region_code", "indicator_code"], ignore_index=True)


def synthetic_panel(
    regions: Sequence[str],
    sizes: Sequence[float],
    indicators: Sequence[dict],
    years: Iterable[int],
    *,
    seed=BENCH_SEED,
    valid_from: Sequence[int | None] | None = None,
) -> pd.DataFrame:
    """Values of every region × indicator × year, vectorised (one array of shape regions × indicators × years).

    ``indicators``: dicts with ``code``, ``unit`` and optionally ``growth_of`` (a growth-rate series of
    that level indicator, in percent). ``sizes``: each region's rough size (规上工业增加值, 亿元) in the
    first year; amounts scale with it, counts per 100 亿元, shares and indices do not. ``valid_from``:
    each region's first year (None = always), earlier years are left out. Deterministic for a given seed,
    region list and indicator list.
    """
    years = np.asarray(sorted(int(y) for y in years), dtype=np.int64)
    codes = [str(i["code"]) for i in indicators]
    n_r, n_i, n_y = len(regions), len(codes), len(years)
    if not (n_r and n_i and n_y):
        return pd.DataFrame(columns=OBS_COLUMNS)
    rng = np.random.default_rng([seed, n_r, n_i, n_y])
    sizes = np.asarray(sizes, dtype=float).reshape(n_r, 1, 1)
    # region trend: nominal growth ~7.5 % a year with yearly shocks
    growth = rng.normal(0.075, 0.015, (n_r, 1, 1)) + rng.normal(0, 0.02, (n_r, 1, n_y))
    growth[:, :, 0] = 0.0
    level = sizes * np.cumprod(1 + growth, axis=2)  # (r, 1, y)
    ratio = np.exp(rng.normal(np.log(0.3), 1.0, (n_r, n_i, 1)))
    drift = rng.normal(0.0, 0.02, (1, n_i, 1))
    t = np.arange(n_y, dtype=float).reshape(1, 1, n_y)
    noise = np.exp(rng.normal(0, 0.03, (n_r, n_i, n_y)))
    amount = level * ratio * (1 + drift) ** t * noise
    count = rng.poisson(np.maximum(level * ratio * 0.2, 0.05) * noise).astype(float)
    share = np.clip(rng.uniform(5, 60, (n_r, n_i, 1)) + rng.normal(0.3, 0.2, (1, n_i, 1)) * t, 0.1, 99.0)
    share = np.round(share + rng.normal(0, 0.5, (n_r, n_i, n_y)), 4).clip(0.1, 99.0)
    index = np.clip(rng.uniform(60, 90, (n_r, n_i, 1)) + 0.5 * t + rng.normal(0, 0.5, (n_r, n_i, n_y)), 0, 100)
    classes = np.array([unit_class(i.get("unit")) for i in indicators])
    values = np.select(
        [
            (classes == "count").reshape(1, n_i, 1),
            (classes == "share").reshape(1, n_i, 1),
            (classes == "index").reshape(1, n_i, 1),
        ],
        [count, share, index],
        default=amount,
    )
    # growth-rate series follow their level series (comparable price: nominal minus a 1.5 % deflator)
    position = {c: k for k, c in enumerate(codes)}
    for k, spec in enumerate(indicators):
        of = spec.get("growth_of")
        if not of:
            continue
        base = values[:, position[of], :] if of in position else level[:, 0, :]
        with np.errstate(all="ignore"):
            rate = (base[:, 1:] / base[:, :-1] - 1) * 100 - 1.5
        values[:, k, 1:] = rate
        values[:, k, 0] = np.nan
    values = np.round(values, 4)
    frame = pd.DataFrame(
        {
            "region_code": np.repeat(np.asarray(regions, dtype=object), n_i * n_y),
            "indicator_code": np.tile(np.repeat(np.asarray(codes, dtype=object), n_y), n_r),
            "year": np.tile(years, n_r * n_i),
            "value": values.reshape(-1),
        }
    )
    if valid_from is not None:
        first = pd.Series(list(valid_from), index=list(regions), dtype="float64").fillna(-1)
        frame = frame[frame["year"] >= frame["region_code"].map(first).to_numpy()]
    return frame[frame["value"].notna()].reset_index(drop=True)


# --------------------------------------------------------------------------------------------------
# Import workbook
# --------------------------------------------------------------------------------------------------


def import_frame(counties: Sequence[dict], indicators: Sequence[dict], years=IMPORT_YEARS, *, seed=BENCH_SEED):
    """The import benchmark's values, one row per written cell (OBS_COLUMNS).

    ``counties``: dicts with ``code`` and optionally ``size`` (亿元, default drawn from the seed) and
    ``code_for_year`` (year -> the code the county reported under that year, or None when it did not
    exist: renamed units report under their old code, as in indicators.demo)."""
    years = list(years)
    rng = np.random.default_rng([seed, 7])
    drawn = np.exp(rng.normal(np.log(100.0), 0.8, len(counties)))
    sizes = [c.get("size") or float(d) for c, d in zip(counties, drawn, strict=True)]
    frame = synthetic_panel([c["code"] for c in counties], sizes, indicators, years, seed=seed)
    remap = {}
    for county in counties:
        for year in years:
            remap[(county["code"], year)] = (
                county["code_for_year"](year) if "code_for_year" in county else county["code"]
            )
    frame["region_code"] = [remap[k] for k in zip(frame["region_code"], frame["year"], strict=True)]
    frame = frame[frame["region_code"].notna()]
    frame["year"] = frame["year"].astype("int64")
    return frame.sort_values(["year", "region_code", "indicator_code"], ignore_index=True)[OBS_COLUMNS]


def rollup_workbook(
    frame: pd.DataFrame, names: dict, indicators: Sequence[dict], *, title="各县（市、区）工业主要指标"
) -> bytes:
    """One roll-up sheet per year (regions as rows, indicators as columns with units in the header), as
    a statistics bureau sends them; ``indicators`` are dicts with code, name, unit (column order)."""
    from openpyxl import Workbook

    wb = Workbook(write_only=True)
    for year in sorted(frame["year"].unique()):
        wide = frame[frame["year"] == year].pivot(index="region_code", columns="indicator_code", values="value")
        columns = [i for i in indicators if i["code"] in wide.columns]
        wide = wide[[i["code"] for i in columns]]
        ws = wb.create_sheet(f"{int(year)}年")
        ws.append([f"{int(year)}年{title}（基准测试合成数据，非真实统计）"])
        ws.append(["地区"] + [f"{i['name']}（{i['unit']}）" if i.get("unit") else i["name"] for i in columns])
        for code, row in zip(wide.index, wide.to_numpy(), strict=True):
            ws.append([names[code]] + [None if np.isnan(v) else float(v) for v in row])
        ws.append(["注：本表为基准测试生成的合成数据。"])
    buffer = io.BytesIO()
    wb.save(buffer)
    return buffer.getvalue()


# --------------------------------------------------------------------------------------------------
# National scale
# --------------------------------------------------------------------------------------------------


def _spread(total: int, buckets: int) -> np.ndarray:
    """How many of `total` items each of `buckets` gets: as even as possible, the remainder first."""
    counts = np.full(buckets, total // buckets)
    counts[: total % buckets] += 1
    return counts


def national_regions(n_counties=NATIONAL_COUNTIES, n_cities=NATIONAL_CITIES, n_provinces=NATIONAL_PROVINCES):
    """Synthetic region tree: code, name, level, parent_code (provinces, then cities, then counties)."""
    if n_provinces > len(PROVINCE_PREFIXES):
        raise ValueError(f"at most {len(PROVINCE_PREFIXES)} provinces")
    if not n_provinces <= n_cities <= n_counties:
        raise ValueError("need provinces <= cities <= counties")
    # take Zhejiang (33) and its neighbours first, so small sizes still hold the catalog's city codes
    prefixes = sorted(PROVINCE_PREFIXES, key=lambda p: (abs(p - 33), p))[:n_provinces]
    prefixes.sort()
    rows = []
    city_counts = _spread(n_cities, n_provinces)
    county_counts = _spread(n_counties, n_cities)
    city_no = 0
    for prefix, n_c in zip(prefixes, city_counts, strict=True):
        pcode = f"{prefix:02d}0000"
        rows.append((pcode, f"省{prefix:02d}", "province", None))
        for c in range(1, n_c + 1):
            ccode = f"{prefix:02d}{c:02d}00"
            rows.append((ccode, f"市{ccode[:4]}", "city", pcode))
            for k in range(1, county_counts[city_no] + 1):
                code = f"{prefix:02d}{c:02d}{k:02d}"
                rows.append((code, f"县{code}", "county", ccode))
            city_no += 1
    return pd.DataFrame(rows, columns=["code", "name", "level", "parent_code"])


def national_frames(
    indicators: Sequence[dict],
    *,
    target_scopes: Iterable[str] = (),
    cluster_slugs: Iterable[str] = (),
    n_counties=NATIONAL_COUNTIES,
    n_cities=NATIONAL_CITIES,
    n_provinces=NATIONAL_PROVINCES,
    years=NATIONAL_YEARS,
    seed=BENCH_SEED,
) -> dict:
    """The national scale in gap-engine shape: regions, observations, scopes, members.

    ``indicators``: the base indicators to generate (dicts with code, unit, optional growth_of), one
    observation per county × indicator × year. Scopes: 'province' (the whole country, every county a
    member), 'province:<code>' for each province, 'city:<code>', 'county:<code>', a group for every
    'group:<slug>' / 'each_county:<slug>' in ``target_scopes`` (plus 'mountain-26' and
    'industrial-strong-pilots'), a cluster for every slug in ``cluster_slugs`` (members with roles core
    and coordination), and 'clusters:415x' reporting at province code 330000 like the dashboard's.
    """
    regions = national_regions(n_counties, n_cities, n_provinces)
    counties = regions[regions["level"] == "county"].reset_index(drop=True)
    rng = np.random.default_rng([seed, 1])
    sizes = np.exp(rng.normal(np.log(80.0), 0.9, len(counties)))
    observations = synthetic_panel(list(counties["code"]), sizes, indicators, years, seed=seed)

    city_of = dict(zip(regions["code"], regions["parent_code"], strict=True))
    scope_rows = [("province", None, "province")]
    member_rows = [("province", code, "member") for code in counties["code"]]
    for code in regions.loc[regions["level"] == "province", "code"]:
        key = f"province:{code}"
        scope_rows.append((key, code, "province"))
        member_rows += [(key, c, "member") for c in counties["code"] if city_of[city_of[c]] == code]
    for code in regions.loc[regions["level"] == "city", "code"]:
        key = f"city:{code}"
        scope_rows.append((key, code, "city"))
        member_rows += [(key, c, "member") for c in counties["code"] if city_of[c] == code]
    for code in counties["code"]:
        scope_rows.append((f"county:{code}", code, "county"))
        member_rows.append((f"county:{code}", code, "member"))

    groups = {"mountain-26", "industrial-strong-pilots"}
    for scope in target_scopes:
        kind, _, slug = str(scope).partition(":")
        if kind in {"group", "each_county"} and slug:
            groups.add(slug)
    codes = counties["code"].to_numpy(dtype=object)
    for slug in sorted(groups):
        g = _rng(seed, "group", slug)
        size = max(1, int(round(len(codes) * g.uniform(0.02, 0.12))))
        scope_rows.append((f"group:{slug}", None, "group"))
        member_rows += [(f"group:{slug}", c, "member") for c in sorted(g.choice(codes, size, replace=False))]
    for slug in sorted(set(cluster_slugs)):
        g = _rng(seed, "cluster", slug)
        size = max(1, min(len(codes), int(g.integers(20, 90))))
        picked = sorted(g.choice(codes, size, replace=False))
        roles = g.choice(["core", "coordination"], size, p=[0.35, 0.65])
        scope_rows.append((f"cluster:{slug}", None, "cluster"))
        member_rows += [(f"cluster:{slug}", c, str(r)) for c, r in zip(picked, roles, strict=True)]
    scope_rows.append(("clusters:415x", "330000", "province"))
    return {
        "regions": regions,
        "observations": observations,
        "scopes": pd.DataFrame(scope_rows, columns=["scope", "reported_code", "level"]),
        "members": pd.DataFrame(member_rows, columns=["scope", "region_code", "role"]),
    }


def pick_indicators(base: Sequence[dict], targets: pd.DataFrame, derived: Sequence[dict], n=40):
    """The ``n`` base indicators the targets use most (directly, as a threshold, or as a derived
    indicator's numerator/denominator; ties by code), each growth series with its level series.
    ``base``/``derived``: indicator dicts (code, unit, growth_of / numerator, denominator)."""
    by_code = {i["code"]: i for i in base}
    parts = {d["code"]: [d.get("numerator"), d.get("denominator")] for d in derived}
    uses: dict[str, int] = {}
    for col in ("indicator_code", "threshold_indicator"):
        if col in targets.columns:
            for code in targets[col].dropna():
                for c in [code, *parts.get(code, [])]:
                    if c:
                        uses[c] = uses.get(c, 0) + 1
    chosen: list[str] = []
    for code in sorted(by_code, key=lambda c: (-uses.get(c, 0), c)):
        of = by_code[code].get("growth_of")
        need = [of, code] if of and of in by_code and of not in chosen else [code]
        if code in chosen or len(chosen) + len(need) > n:
            continue
        chosen += need
    return [by_code[c] for c in chosen]
