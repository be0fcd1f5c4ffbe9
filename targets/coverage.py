"""Which year a page speaks for: how many counties reported each year, and the default year (no Django import).

A county has reported a year when it has an approved value for that year of a base indicator that the current
plan's targets rest on (a ratio rests on its numerator and denominator, a growth rate on itself and its level).
Any one counts, not all: several of the plan's figures are collected only for the province, and a county table
rarely holds every line, while a year that only a few counties have sent stays few. The default year is the
latest year in which at least `threshold` of the counties have reported; a year below it is partial: reachable,
never the default."""

import pandas as pd

COLUMNS = ["year", "reported", "total", "partial"]


def base_codes(codes, indicators):
    """The observed indicators under `codes`: a ratio rests on its numerator and denominator, a growth rate on
    itself and on the level that weights it (growth_of); {"gdp_share"} → {"gdp", "province_gdp"}."""
    by_code = indicators.set_index("code")
    found, seen, todo = set(), set(), list(codes)
    while todo:
        code = todo.pop()
        if code in seen or code not in by_code.index:
            continue
        seen.add(code)
        row = by_code.loc[code]
        if row["kind"] == "base":
            found.add(code)
        todo.extend(row[p] for p in ("numerator", "denominator", "growth_of") if isinstance(row[p], str) and row[p])
    return found


def year_coverage(observations, codes, counties, threshold):
    """Per year with any value of `codes` in `counties`: the counties holding one, the county count, and
    whether the year is partial (reported / total < threshold).

    Ten counties at threshold 0.8: 2024 held by nine → 9/10 ≥ 8, complete; 2025 by one → 1/10, partial."""
    counties, codes = set(counties), set(codes)
    rows = observations[observations["region_code"].isin(counties) & observations["indicator_code"].isin(codes)]
    if "scope" in rows.columns:  # a back-series year (按现行区划) is before the county existed: it reported nothing
        rows = rows[rows["scope"].isna()]
    reported = rows.groupby("year")["region_code"].nunique()
    total = len(counties)
    frame = pd.DataFrame(
        {"year": [int(y) for y in reported.index], "reported": [int(n) for n in reported.values], "total": total},
        columns=COLUMNS[:3],
    )
    frame["partial"] = frame["reported"] < threshold * total
    return frame


def default_year(coverage, fallback):
    """The latest year that is not partial; if every year is partial, the year most counties reported (the
    latest of equals); with no year at all, `fallback`."""
    if coverage.empty:
        return fallback
    full = coverage[~coverage["partial"]]
    if len(full):
        return int(full["year"].max())
    best = coverage[coverage["reported"] == coverage["reported"].max()]
    return int(best["year"].max())
