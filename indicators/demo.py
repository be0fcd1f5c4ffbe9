"""Synthetic demo statistics (示例数据): plausible, deterministic, and loaded through the real
import path — the generator writes roll-up workbooks as a statistics bureau would and imports them."""

import io
import zlib

import numpy as np
import pandas as pd

DEMO_SEED = 20240101
DEMO_YEARS = range(2013, 2025)

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
    "fixed_asset_investment": (1.9, 0.0),
    "gdp": (2.4, -0.01),
    "mfg_value_added": (0.9, 0.0),
    "services_value_added": (1.1, 0.01),
    "hightech_services_value_added": (0.06, 0.05),
}
# Counts per 100亿元 of value added.
COUNT_PER_100YI = {
    "new_industrial_robots": 180.0,
    "listed_mfg_companies": 1.4,
    "hightech_enterprises": 45.0,
    "high_value_invention_patents": 90.0,
    "future_factories": 0.15,
    "smart_factories": 1.2,
    "single_champion_enterprises": 0.25,
    "little_giant_enterprises": 1.5,
    "tech_smes": 70.0,
    "key_tech_renovation_projects": 8.0,
    "enterprise_tech_centers": 3.0,
}


def _region_rng(code, seed):
    return np.random.default_rng([seed, zlib.crc32(code.encode())])


def demo_values(counties, seed=DEMO_SEED, years=DEMO_YEARS):
    """A tidy frame region_code, indicator_code, year, value for the given counties.

    `counties` is a list of dicts with code, mountain (bool), and optionally code_for_year — a
    function year → the code valid that year (renamed units) or None (did not exist yet).
    """
    rows = []
    years = list(years)
    for county in counties:
        code = county["code"]
        rng = _region_rng(code, seed)
        base = SIZE_HINTS.get(code) or (MOUNTAIN_SIZE if county.get("mountain") else OTHER_SIZE)
        size = base * float(np.exp(rng.normal(0, 0.25)))
        trend = rng.normal(0.075, 0.015)
        # Nominal growth with a 2020 dip; comparable growth strips a ~1.5% deflator.
        growth = trend + rng.normal(0, 0.02, len(years))
        growth[years.index(2020)] -= 0.06 if 2020 in years else 0
        value_added = size * np.cumprod(np.r_[1.0, 1 + growth[1:]])
        productivity = rng.uniform(18, 26) * np.cumprod(np.full(len(years), 1 + rng.normal(0.06, 0.01)))
        land_per_yi = rng.uniform(55, 90) * np.cumprod(np.full(len(years), 0.97))
        for i, year in enumerate(years):
            region = county["code_for_year"](year) if "code_for_year" in county else code
            if region is None:
                continue
            va = value_added[i]
            rows.append((region, "value_added", year, va))
            rows.append((region, "employees", year, va / productivity[i]))
            rows.append((region, "industrial_land", year, va * land_per_yi[i] * 10))
            if i:
                real = (value_added[i] / value_added[i - 1] - 1) * 100 - 1.5
                rows.append((region, "value_added_growth", year, real))
            for indicator, (ratio, drift) in RATIO_OF_VALUE_ADDED.items():
                noise = float(np.exp(rng.normal(0, 0.03)))
                rows.append((region, indicator, year, va * ratio * (1 + drift) ** i * noise))
            rows.append((region, "resident_population", year, va * 2.4 / rng.uniform(9, 14)))
            for indicator, per in COUNT_PER_100YI.items():
                rows.append((region, indicator, year, float(rng.poisson(max(va * per / 100, 0.05)))))
    frame = pd.DataFrame(rows, columns=["region_code", "indicator_code", "year", "value"])
    return frame


def rollup_workbook(frame, year, names, units, indicator_names):
    """Write one year as a provincial roll-up: title rows, header with units, regions as rows."""
    from openpyxl import Workbook

    wide = frame[frame["year"] == year].pivot(index="region_code", columns="indicator_code", values="value")
    wb = Workbook()
    ws = wb.active
    ws.title = f"{year}年"
    columns = list(wide.columns)
    ws.append([f"{year}年各县（市、区）工业主要指标（示例数据，非真实统计）"])
    ws.merge_cells(start_row=1, start_column=1, end_row=1, end_column=len(columns) + 1)
    ws.append(["单位：见各列"])
    ws.append(["地区"] + [f"{indicator_names[c]}（{units[c]}）" for c in columns])
    for code, row in wide.iterrows():
        ws.append([names[code]] + [None if pd.isna(v) else round(float(v), 4) for v in row.tolist()])
    ws.append(["注：本表为系统生成的示例数据，仅用于演示。"])
    buffer = io.BytesIO()
    wb.save(buffer)
    return buffer.getvalue()


def demo_load(seed=DEMO_SEED):
    """Generate and import the demo statistics through the import service; idempotent."""
    from .models import Indicator, Region, RegionGroup
    from .services import import_file, system_user

    mountain = set(RegionGroup.objects.get(slug="mountain-26").members.values_list("code", flat=True))
    regions = list(Region.objects.filter(level="county").prefetch_related("predecessors"))
    counties = []
    for region in regions:
        if region.valid_to is not None:
            continue
        preds = list(region.predecessors.all())
        # A pure rename (one predecessor that ended the year before) reports under the old code.
        renamed = next((p for p in preds if p.valid_to is not None and region.valid_from == p.valid_to + 1), None)

        def code_for_year(year, region=region, renamed=renamed, preds=preds):
            if region.valid_from is None or year >= region.valid_from:
                return region.code
            return renamed.code if renamed and len(preds) == 1 else None

        counties.append({"code": region.code, "mountain": region.code in mountain, "code_for_year": code_for_year})
    frame = demo_values(counties, seed)
    known = {i.code: i for i in Indicator.objects.filter(code__in=frame["indicator_code"].unique())}
    frame = frame[frame["indicator_code"].isin(known)]
    names = {r.code: r.name for r in regions}
    units = {code: i.unit for code, i in known.items()}
    indicator_names = {code: i.name for code, i in known.items()}
    user = system_user()
    created = 0
    for year in sorted(frame["year"].unique()):
        data = rollup_workbook(frame, int(year), names, units, indicator_names)
        report = import_file(
            data=data, filename=f"demo-{year}.xlsx", user=user, year=int(year), approve=True, source="demo"
        )
        if not report["accepted"]:
            raise RuntimeError(f"demo workbook {year} was rejected: {report['errors'][:3]}")
        created += report["created"] + report["updated"]
    return created
