"""The synthetic demo statistics (示例数据): deterministic, plausible, complete, idempotent."""

import io
import random

import numpy as np
import pandas as pd
import pytest
from openpyxl import load_workbook

from indicators.ingest.units import UnitError, convert, parse_unit
from indicators.models import Indicator, Observation, Upload
from indicators.published import published_load
from targets.demo import (
    CORE,
    DEMO_SEED,
    PROVINCE_CODE,
    SECTOR_SHARE,
    backcast,
    count_scale,
    demo_counties,
    demo_load,
    demo_plans,
    demo_values,
    industry_values,
    published_anchors,
    rollup_workbook,
    series_workbook,
)
from targets.models import Target

pytestmark = pytest.mark.django_db

YIWU, JINGNING = "330782", "331127"


@pytest.fixture(scope="module")
def inputs(django_db_setup, django_db_blocker):
    """Counties and plans from the catalog the session fixture loaded (read only)."""
    with django_db_blocker.unblock():
        return demo_counties(), demo_plans()


@pytest.fixture(scope="module")
def frame(inputs):
    counties, plans = inputs
    return demo_values(counties, DEMO_SEED, plans=plans)


@pytest.fixture(scope="module")
def catalog(django_db_setup, django_db_blocker):
    with django_db_blocker.unblock():
        indicators = {i.code: i for i in Indicator.objects.select_related("numerator", "denominator", "growth_of")}
        targets = list(
            Target.objects.filter(policy_input=False).select_related("indicator", "threshold_indicator", "document")
        )
    return indicators, targets


def _needed(target):
    """Base indicators a target reads: its own, or the parts of a derived one, and a threshold's."""
    ind = target.indicator
    codes = [ind.numerator.code, ind.denominator.code] if ind.kind == "derived" else [ind.code]
    if target.threshold_indicator_id:
        codes.append(target.threshold_indicator.code)
    return codes


def test_same_seed_same_frame_whatever_the_county_order(inputs, frame):
    counties, plans = inputs
    shuffled = counties[:]
    random.Random(1).shuffle(shuffled)
    again = demo_values(shuffled, DEMO_SEED, plans=plans)
    pd.testing.assert_frame_equal(frame, again)


def test_other_seed_other_values(inputs, frame):
    counties, plans = inputs
    other = demo_values(counties, DEMO_SEED + 1, plans=plans)
    key = ["region_code", "indicator_code", "year"]
    merged = frame.merge(other, on=key, suffixes=("", "_other"))
    assert len(merged) == len(frame) == len(other)  # the same cells, other numbers
    changed = ~np.isclose(merged["value"], merged["value_other"])
    assert changed.mean() > 0.5


def test_renamed_counties_report_under_their_old_code_and_carved_out_ones_start_late(inputs):
    years = {c["code"]: c["code_for_year"] for c in inputs[0]}
    assert (years["330603"](2012), years["330603"](2013)) == ("330621", "330603")  # 绍兴县 → 柯桥区
    assert (years["331083"](2016), years["331083"](2017)) == ("331021", "331083")  # 玉环县 → 玉环市
    assert (years["330113"](2020), years["330113"](2021)) == (None, "330113")  # 临平区, from 余杭区
    assert (years["330383"](2018), years["330110"](2013)) == (None, "330110")  # 龙港市; 余杭区 keeps its code


def test_yiwu_is_not_jingning(frame):
    va = frame[frame["indicator_code"] == "value_added"].pivot(index="year", columns="region_code", values="value")
    assert list(va.index) == list(range(2013, 2025))
    assert (va[YIWU] > 5 * va[JINGNING]).all()
    mountain_median = va.drop(columns=[YIWU]).median(axis=1)
    assert (va[JINGNING] < mountain_median).all()


# 2024 figures of 浙江统计年鉴2025 表17-25 (fixtures/published/ZJ_yearbook2025_17-25_counties_2024.xlsx), read by
# hand: GDP, 工业 (全部工业增加值), 年末常住人口. 西湖区's industry is 105.2 / 2331.53 = 4.51 % of its GDP.
XIHU, NANHU = "330106", "330402"
PUBLISHED_2024 = {
    XIHU: {"gdp": 2331.53, "industrial_value_added_all": 105.2, "resident_population": 117.7},
    YIWU: {"gdp": 2503.51, "industrial_value_added_all": 605.63, "resident_population": 191.8},
    NANHU: {"gdp": 1100.88, "industrial_value_added_all": 395.3, "resident_population": 88.03},
}


@pytest.fixture(scope="module")
def anchored(inputs):
    counties, plans = inputs
    anchors = {code: {k: (2024, v) for k, v in figures.items()} for code, figures in PUBLISHED_2024.items()}
    return demo_values(counties, DEMO_SEED, plans=plans, anchors=anchors)


def _at(frame, region, code, year=2024):
    rows = frame[(frame["region_code"] == region) & (frame["indicator_code"] == code)]
    return rows.set_index("year")["value"] if year is None else rows.loc[rows["year"] == year, "value"].item()


def test_a_service_district_gets_a_small_industry_from_its_published_figures(anchored):
    # 规上 = U(0.75, 0.9) × 全部工业 105.2: 78.90 … 94.68 亿元, i.e. 3.38 … 4.06 % of GDP 2331.53 — below the
    # published 4.51 % and above half of it
    va = _at(anchored, XIHU, "value_added")
    assert 78.9 <= va <= 94.68
    assert 0.0451 / 2 < va / 2331.53 < 0.0451
    assert _at(anchored, XIHU, "gdp") == pytest.approx(2331.53)
    assert _at(anchored, XIHU, "resident_population") == pytest.approx(117.7)
    # services: U(0.85, 0.97) of GDP − 全部工业 = 2226.33, so 1892.38 … 2159.54 亿元 (not sized by its industry)
    assert 1892.38 <= _at(anchored, XIHU, "services_value_added") <= 2159.54
    # the satellites follow value added: 总产值 stays a few times 规上增加值, 用地 ∝ 增加值
    assert 3 < _at(anchored, XIHU, "gross_output") / va < 5


def test_yiwu_lands_within_the_band_of_its_published_industry(anchored):
    assert 0.75 * 605.63 <= _at(anchored, YIWU, "value_added") <= 0.9 * 605.63  # 454.22 … 545.07


def test_the_anchor_keeps_the_growth_path_and_moves_no_other_county(frame, anchored):
    va = _at(anchored, XIHU, "value_added", year=None)
    hinted = _at(frame, XIHU, "value_added", year=None)
    # the whole series scaled by one factor: every year's growth is the hinted path's
    assert np.allclose(va / hinted, va[2024] / hinted[2024])
    pd.testing.assert_series_equal(
        _at(anchored, XIHU, "value_added_growth", year=None), _at(frame, XIHU, "value_added_growth", year=None)
    )
    # population: a smooth path through 117.7, within ±3 % a year
    people = _at(anchored, XIHU, "resident_population", year=None)
    assert (people.pct_change().dropna().abs() < 0.03).all()
    for code in ("value_added", "gdp", "resident_population", "employees"):  # 景宁 has no anchor: hints, as before
        pd.testing.assert_series_equal(_at(anchored, JINGNING, code, year=None), _at(frame, JINGNING, code, year=None))


def test_a_planned_series_with_a_published_figure_passes_through_it(frame, anchored):
    # 全部工业增加值 is planned for 嘉兴's counties only (its 2012 city target): 南湖区's passes through 395.3
    assert _at(anchored, NANHU, "industrial_value_added_all") == pytest.approx(395.3)
    assert 0.75 * 395.3 <= _at(anchored, NANHU, "value_added") <= 0.9 * 395.3
    hinted = _at(frame, NANHU, "industrial_value_added_all", year=None)
    ratio = _at(anchored, NANHU, "industrial_value_added_all", year=None) / hinted
    # its path kept: one factor for every year, to 0.1 % (the split over 嘉兴's counties is by value added, and
    # 南湖区's own value added moved with its anchor)
    assert ratio.max() / ratio.min() < 1.001


def test_published_anchors_are_the_counties_own_figures_and_none_without_published_data(settings, tmp_path):
    assert published_anchors() == {}  # bootstrap --demo alone: every county sized by SIZE_HINTS
    settings.UPLOAD_ROOT = tmp_path / "uploads"
    published_load()
    anchors = published_anchors()
    assert anchors[XIHU] == {code: (2024, value) for code, value in PUBLISHED_2024[XIHU].items()}
    assert len(anchors) == 90 and "330000" not in anchors  # the counties of the yearbook; no province figure
    # a core area's figure (柯桥区 纺织 2023, 集群口径) is a part of a county, not the county: no anchor
    assert "revenue" not in anchors["330603"]


def test_every_non_policy_target_has_demo_rows(frame, catalog):
    indicators, targets = catalog
    have = set(frame["indicator_code"])
    by_region = frame.groupby("indicator_code")["region_code"].agg(set)
    missing = []
    for t in targets:
        for code in _needed(t):
            if code not in have:
                missing.append((t.document.code, t.label, code))
                continue
            if indicators[code].level == "province":
                assert by_region[code] == {PROVINCE_CODE}, code
            else:
                assert PROVINCE_CODE not in by_region[code], code
    assert not missing
    # policy inputs alone (fund sizes, tax rates, quotas) get nothing
    used = {code for t in targets for code in _needed(t)}
    policy_only = {
        code
        for t in Target.objects.filter(policy_input=True).select_related("indicator")
        for code in _needed(t)
        if code not in used and code not in CORE
    }
    assert policy_only and not policy_only & have


def test_city_level_indicator_only_for_jiaxing(frame):
    rows = frame[frame["indicator_code"] == "producer_services_value_added"]
    assert len(rows) and rows["region_code"].str.startswith("3304").all()


def test_counts_are_whole_and_flows_not_negative(frame, catalog):
    indicators, _ = catalog
    checked = 0
    for code, values in frame.groupby("indicator_code")["value"]:
        ind = indicators[code]
        if ind.growth_of_id is None:
            assert (values >= 0).all(), code
        scale = count_scale(ind.unit)
        if scale:
            scaled = values.to_numpy() * scale
            assert np.allclose(scaled, np.round(scaled), atol=1e-6), code
            checked += 1
    assert checked > 60


def test_shares_within_0_100(frame, catalog):
    indicators, _ = catalog
    shares = [c for c in frame["indicator_code"].unique() if indicators[c].is_share]
    assert len(shares) >= 5
    values = frame[frame["indicator_code"].isin(shares)]["value"]
    assert values.between(0, 100).all()
    # derived shares, county by county, from the generated numerator and denominator
    wide = frame.pivot_table(index=["region_code", "year"], columns="indicator_code", values="value")
    checked = 0
    for ind in indicators.values():
        if ind.kind == "derived" and ind.unit == "%" and {ind.numerator.code, ind.denominator.code} <= set(wide):
            ratio = (wide[ind.numerator.code] / wide[ind.denominator.code] * ind.factor).dropna()
            assert ratio.between(0, 100).all(), ind.code
            checked += 1
    assert checked >= 15


def _canonical(target):
    """The target value in its indicator's unit (3.6 万家 → 36000 家); as is when not convertible."""
    try:
        return convert(target.value, target.unit, target.indicator.unit)
    except (UnitError, ValueError):
        return target.value


def _province(frame, code):
    rows = frame[frame["indicator_code"] == code]
    return rows.groupby("year")["value"].sum()


def test_counts_calibrated_to_the_415x_targets(frame, catalog):
    """Province flows land near the target (×0.6–1.3 with noise), and not all on the same side."""
    indicators, targets = catalog
    ratios = {}
    for t in targets:
        if t.document.code != "zj-2023-415x" or t.scope != "province" or t.indicator.code in CORE:
            continue
        if t.kind == "count_per_year":
            per_year = _canonical(t)
        elif t.kind == "cumulative_count":
            per_year = _canonical(t) / (t.target_year - t.document.period_start + 1)
        else:
            continue
        if per_year >= 5:  # a handful a year is mostly rounding
            ratios[t.indicator.code] = _province(frame, t.indicator.code).loc[2023:2024].mean() / per_year
    assert len(ratios) >= 35
    outside = {code: round(r, 2) for code, r in ratios.items() if not 0.4 <= r <= 2.0}
    assert not outside
    assert sum(r >= 1 for r in ratios.values()) >= 5
    assert sum(r < 0.95 for r in ratios.values()) >= 5


def test_levels_rise_towards_their_targets(frame, catalog):
    indicators, targets = catalog
    checked = 0
    for t in targets:
        code = t.indicator.code
        if t.document.code != "zj-2023-415x" or t.kind != "level" or t.scope != "province" or code in CORE:
            continue
        if t.indicator.kind != "base":
            continue
        series = _province(frame, code)
        target = _canonical(t)  # 8 万亿元 → 80000 亿元
        assert series.loc[2024] >= series.loc[2022], code
        assert 0.2 * target <= series.loc[2024] <= 1.1 * target, code
        checked += 1
    assert checked >= 10


def test_workbook_titles_say_demo(frame):
    year = frame[frame["region_code"] != PROVINCE_CODE]
    codes = ["value_added", "future_factories"]
    names = {c: c for c in codes}
    data = rollup_workbook(
        year[year["indicator_code"].isin(codes)], 2023, {r: r for r in year["region_code"]}, names, names
    )
    ws = load_workbook(io.BytesIO(data)).active
    assert "示例数据" in ws["A1"].value
    province = frame[frame["region_code"] == PROVINCE_CODE]
    data = series_workbook(
        province, "浙江省", {c: "个" for c in province["indicator_code"]}, {c: c for c in province["indicator_code"]}
    )
    ws = load_workbook(io.BytesIO(data)).active
    assert "浙江省" in ws["A1"].value and "示例数据" in ws["A1"].value
    assert ws["C2"].value == f"{province['year'].min()}年"


def test_demo_load_after_the_published_figures_imports_everything_once(settings, tmp_path, frame, catalog):
    """Slow: as `make run` does, the published figures then all the demo workbooks; a second run creates nothing."""
    settings.UPLOAD_ROOT = tmp_path / "uploads"
    indicators, targets = catalog
    published_load()
    before = Observation.objects.count()
    created = demo_load()
    after = Observation.objects.count()

    def value(code, region, source):
        rows = Observation.objects.filter(region__code=region, indicator__code=code, year=2024, upload__source=source)
        return rows.get(industry="", cluster="").value  # the county's own figure, not a core area's part

    # the stored demo 规上 of 西湖区 is 3.38 … 4.06 % of its published GDP (its 全部工业 is 4.51 %), 义乌's within
    # U(0.75, 0.9) of its published 全部工业; the published GDP is still the published one, with no demo twin
    assert 0.0451 / 2 < value("value_added", XIHU, "demo") / value("gdp", XIHU, "published") < 0.0451
    assert 454.22 <= value("value_added", YIWU, "demo") <= 545.07
    assert not Observation.objects.filter(region__code=XIHU, indicator__code="gdp", year=2024, upload__source="demo")
    assert Observation.objects.filter(region__code=XIHU, indicator__code="gdp", year=2023, upload__source="demo")
    assert created == after - before > 50_000
    uploads = Upload.objects.filter(source=Upload.Source.DEMO)
    # 12 yearly roll-ups, 8 earlier ones for 嘉兴's 2009 plan (its base years go back to 2005), the province
    # series, the industries' long table, the core areas' long table (集群)
    assert uploads.count() == 23
    assert set(uploads.values_list("shape", flat=True)) == {"rollup", "series", "template"}
    assert Observation.objects.filter(upload__source=Upload.Source.DEMO, industry="C17").exists()
    assert Observation.objects.filter(upload__source=Upload.Source.DEMO, cluster="textiles-apparel").exists()

    stored = set(
        Observation.objects.filter(upload__source=Upload.Source.DEMO).values_list("indicator__code", flat=True)
    )
    unreadable = {code for code, ind in indicators.items() if parse_unit(ind.unit) is None}
    for t in targets:
        for code in _needed(t):
            assert (code in stored) != (code in unreadable), code
    assert Observation.objects.filter(region__code=PROVINCE_CODE, indicator__code="tech_transaction_value").exists()
    demo = Observation.objects.filter(upload__source=Upload.Source.DEMO, indicator__code="future_factories")
    assert demo.count() == len(frame[frame["indicator_code"] == "future_factories"])

    # with the demo loaded, at least 95 % of the outcome targets get a status other than insufficient_data
    from targets import reports

    table = reports.gap_table()
    computed = set(table.loc[~table["benchmark"] & (table["status"] != "insufficient_data"), "target_id"])
    outcome = set(Target.objects.filter(policy_input=False).values_list("pk", flat=True))
    assert len(computed & outcome) >= 0.95 * len(outcome), sorted(outcome - computed)

    assert demo_load() == 0
    assert Observation.objects.count() == after
    assert uploads.count() == 23


def test_a_sectors_divisions_add_up_to_the_part_of_the_province_its_plan_assumed():
    frame = pd.DataFrame(
        [("330102", "va", 2020, 60.0), ("330105", "va", 2020, 40.0), ("330102", "firms", 2020, 7.0),
         ("330102", "rate", 2020, 12.5), ("330102", "emp", 2020, 20.0)],
        columns=["region_code", "indicator_code", "year", "value"],
    )  # fmt: skip
    targets = [
        {"scope": "sector:traditional-mfg", "indicator_code": c, "policy_input": False} for c in ("va", "firms", "rate")
    ]
    targets.append({"scope": "sector:modern-communications", "indicator_code": "va", "policy_input": False})
    targets.append({"scope": "province", "indicator_code": "lp", "policy_input": False})  # 规上制造业 …
    indicators = {"va": {"kind": "base", "unit": "亿元"}, "firms": {"kind": "base", "unit": "家"},
                  "rate": {"kind": "base", "unit": "%"}, "emp": {"kind": "base", "unit": "万人"},
                  "lp": {"kind": "derived", "unit": "万元/人", "numerator": "va", "denominator": "emp",
                         "industry": "manufacturing"}}  # fmt: skip
    sets = {"traditional-mfg": ["C17", "C18"], "manufacturing": ["C17", "C18", "C35"], "modern-communications": []}
    out = industry_values(frame, targets, indicators, sets)
    va = out[out["indicator_code"] == "va"].set_index("industry")["value"]
    # province 60 + 40 = 100: C17 + C18 = 100 × 0.55; all three = 100 × 0.95; the set without divisions 100 × 0.5
    assert va[["C17", "C18"]].sum() == pytest.approx(100 * SECTOR_SHARE["traditional-mfg"], abs=1e-3)
    assert va[["C17", "C18", "C35"]].sum() == pytest.approx(100 * SECTOR_SHARE["manufacturing"], abs=1e-3)
    assert va["modern-communications"] == 50.0
    firms = out[out["indicator_code"] == "firms"]["value"]
    assert (firms == firms.round()).all() and firms.sum() == round(7 * 0.95)  # whole firms: 7 × 0.95 ≈ 7
    assert set(out.loc[out["indicator_code"] == "rate", "value"]) == {12.5}  # a rate is not split
    assert set(out["region_code"]) == {PROVINCE_CODE}
    # an indicator bound to 制造业 gets its parts by division too: employees 20 × 0.95 over the three divisions
    assert out.loc[out["indicator_code"] == "emp", "value"].sum() == pytest.approx(19.0, abs=1e-3)


def test_a_city_plan_ending_before_the_demo_years_gets_its_counties_carried_back():
    frame = pd.DataFrame(
        [("330402", "va", 2013, 100.0), ("330402", "va", 2014, 110.0), ("330402", "share", 2013, 40.0),
         ("330402", "share", 2014, 41.0), ("330102", "va", 2013, 100.0), ("330102", "va", 2014, 110.0)],
        columns=["region_code", "indicator_code", "year", "value"],
    )  # fmt: skip
    targets = [{"scope": "city:330400", "target_year": 2012, "base_year": None, "period_start": 2011}]
    out = backcast(frame, targets, {"va": "亿元", "share": "%"}, first_year=2013)
    got = {(r, c, y): v for r, c, y, v in out.values}
    # back from 2013 at 2014's growth 110/100: 2012 = 100/1.1 = 90.9091, 2010 (the base year) = 100/1.1³ = 75.1315
    assert got[("330402", "va", 2012)] == pytest.approx(90.9091)
    assert got[("330402", "va", 2010)] == pytest.approx(75.1315)
    assert got[("330402", "share", 2010)] == 40.0  # a rate held level
    assert not any(r == "330102" for r, _, _ in got)  # 杭州 has no plan before 2013
    assert min(y for _, _, y in got) == 2010


def test_a_core_area_is_a_fixed_part_of_its_county_and_two_roles_in_one_cluster_give_one_series():
    from targets.demo import CORE_AREA_SHARE, core_area_values

    frame = pd.DataFrame(
        [("A", "revenue", 2023, 1000.0), ("A", "revenue", 2024, 1100.0), ("A", "industrial_land", 2024, 5000.0),
         ("B", "revenue", 2024, 400.0), ("A", "employees", 2024, 9.0)],
        columns=["region_code", "indicator_code", "year", "value"],
    )  # fmt: skip
    memberships = [("A", "tex", "coordination"), ("A", "tex", "core"), ("B", "tex", "coordination")]
    out = core_area_values(frame, memberships)
    assert sorted(out[["region_code", "indicator_code", "year"]].itertuples(index=False, name=None)) == [
        ("A", "industrial_land", 2024), ("A", "revenue", 2023), ("A", "revenue", 2024), ("B", "revenue", 2024)
    ]  # fmt: skip
    share = out.set_index(["region_code", "indicator_code", "year"])["value"]
    low, high = CORE_AREA_SHARE["core"]  # A's part as a core area, ±3 % a year
    assert low * 0.97 * 1000 <= share[("A", "revenue", 2023)] <= high * 1.03 * 1000
    low, high = CORE_AREA_SHARE["coordination"]
    assert low * 0.97 * 400 <= share[("B", "revenue", 2024)] <= high * 1.03 * 400
    assert core_area_values(frame, memberships).equals(out)  # the same seed, the same series
