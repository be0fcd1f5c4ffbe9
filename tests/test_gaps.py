"""Tests of the gap-to-target engine (targets/gaps.py): pure pandas, no database.

Every expected number is worked out by hand in the test (the arithmetic is written as an expression of
literals or in a comment), never copied from the engine's output.
"""

import ast
import math
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from targets import gaps
from targets.gaps import (
    ACHIEVED,
    DETERIORATING,
    INSUFFICIENT_DATA,
    LIMITED_PROGRESS,
    NEEDS_ACCELERATION,
    ON_TRACK,
    aggregate,
    cagr,
    composite_score,
    compute_gaps,
    growth_ratio,
    status_from_ratio,
)

# --------------------------------------------------------------------------------------------------
# A small Zhejiang: province 330000, cities 绍兴 330600 (越城 330602, 柯桥 330603, 上虞 330604) and
# 金华 330700 (兰溪 330781, 义乌 330782); group mountain-26 = {330604, 330781}.
# --------------------------------------------------------------------------------------------------

SHAOXING = ["330602", "330603", "330604"]
JINHUA = ["330781", "330782"]
COUNTIES = SHAOXING + JINHUA


def _ind(code, kind="base", numerator=None, denominator=None, factor=1.0, direction="up", unit="亿元", growth_of=None):
    return dict(
        code=code,
        kind=kind,
        numerator=numerator,
        denominator=denominator,
        factor=factor,
        direction=direction,
        unit=unit,
        growth_of=growth_of,
    )


INDICATORS = pd.DataFrame(
    [
        _ind("value_added"),
        _ind("gross_output"),
        _ind("revenue"),
        _ind("rd_expenditure"),
        _ind("energy_consumption", direction="down", unit="万吨标准煤"),
        _ind("new_industrial_robots", unit="台"),
        _ind("listed_mfg_companies", unit="家"),
        _ind("value_added_growth", unit="%", growth_of="value_added"),
        _ind("rd_intensity", kind="derived", numerator="rd_expenditure", denominator="revenue", factor=100.0, unit="%"),
        _ind(
            "energy_intensity",
            kind="derived",
            numerator="energy_consumption",
            denominator="value_added",
            direction="down",
            unit="吨标准煤/万元",
        ),
    ]
)


def make_scopes():
    rows = [
        ("province", "330000", "province"),
        ("city:330600", "330600", "city"),
        ("city:330700", "330700", "city"),
        ("group:mountain-26", None, "group"),
        ("cluster:textiles", None, "cluster"),
    ]
    rows += [(f"county:{c}", c, "county") for c in COUNTIES]
    return pd.DataFrame(rows, columns=["scope", "reported_code", "level"])


def make_members():
    rows = [("province", c, "member") for c in COUNTIES]
    rows += [("city:330600", c, "member") for c in SHAOXING]
    rows += [("city:330700", c, "member") for c in JINHUA]
    rows += [("group:mountain-26", c, "member") for c in ("330604", "330781")]
    rows += [("cluster:textiles", "330603", "core"), ("cluster:textiles", "330604", "coordination")]
    rows += [(f"county:{c}", c, "member") for c in COUNTIES]
    return pd.DataFrame(rows, columns=["scope", "region_code", "role"])


def obs(*rows):
    """rows of (region_code, indicator_code, year, value)."""
    return pd.DataFrame(rows, columns=["region_code", "indicator_code", "year", "value"])


def target(**overrides):
    row = dict(
        target_id=1,
        document="doc",
        indicator_code="value_added",
        kind="level",
        comparator="ge",
        value=100.0,
        unit="亿元",
        target_year=2025,
        base_year=pd.NA,
        period_start=2021,
        per_year=False,
        scope="province",
        share_of=None,
        threshold_indicator=None,
        threshold_comparator=None,
        threshold_value=np.nan,
        threshold_members=None,
    )
    row.update(overrides)
    return row


def targets(*rows):
    return pd.DataFrame(list(rows))


def gaps_for(tgts, observations, as_of=2023, **kwargs):
    return compute_gaps(
        targets(*tgts) if isinstance(tgts, list) else tgts,
        observations,
        INDICATORS,
        make_scopes(),
        make_members(),
        as_of,
        **kwargs,
    )


def one(gaps, scope, target_id=1):
    rows = gaps[(gaps["scope"] == scope) & (gaps["target_id"] == target_id)]
    assert len(rows) == 1, f"expected one row for {scope} / {target_id}, got {len(rows)}"
    return rows.iloc[0]


def agg_row(agg, scope, indicator, year):
    rows = agg[(agg["scope"] == scope) & (agg["indicator_code"] == indicator) & (agg["year"] == year)]
    assert len(rows) == 1
    return rows.iloc[0]


# --------------------------------------------------------------------------------------------------
# The growth-ratio method
# --------------------------------------------------------------------------------------------------


def test_worked_example_rd_share_2_8_to_3_1_against_3_4_by_2025_needs_acceleration():
    # CAGR_o = (3.1/2.8)^(1/3) - 1 = 1.10714^(1/3) - 1 ≈ 0.03451
    # CAGR_r = (3.4/2.8)^(1/5) - 1 = 1.21429^(1/5) - 1 ≈ 0.03960
    # R = 0.03451 / 0.03960 ≈ 0.8716 -> 0.60 <= R < 0.95 -> needs_acceleration
    assert cagr(2.8, 2020, 3.1, 2023) == pytest.approx(0.0345, abs=5e-5)
    assert cagr(2.8, 2020, 3.4, 2025) == pytest.approx(0.0396, abs=5e-5)
    r = growth_ratio(2.8, 2020, 3.1, 2023, 3.4, 2025, +1)
    assert r == pytest.approx(0.87, abs=0.005)
    assert r == pytest.approx(((3.1 / 2.8) ** (1 / 3) - 1) / ((3.4 / 2.8) ** (1 / 5) - 1))
    assert status_from_ratio(r) == NEEDS_ACCELERATION


def test_worked_example_through_compute_gaps_from_rd_expenditure_and_revenue_of_a_county():
    data = obs(
        ("330782", "rd_expenditure", 2020, 2.8),
        ("330782", "revenue", 2020, 100.0),
        ("330782", "rd_expenditure", 2023, 3.1),
        ("330782", "revenue", 2023, 100.0),
    )
    t = target(
        indicator_code="rd_intensity",
        kind="share",
        value=3.4,
        unit="%",
        scope="county:330782",
        period_start=2021,
        target_year=2025,
    )
    row = one(gaps_for([t], data), "county:330782")
    assert row["actual_value"] == pytest.approx(3.1)
    assert row["actual_year"] == 2023
    assert row["base_value"] == pytest.approx(2.8)
    assert row["base_year"] == 2020  # plan base year = period_start - 1
    assert row["gap"] == pytest.approx(3.4 - 3.1)
    assert row["achieved_share"] == pytest.approx(3.1 / 3.4)
    assert row["observed_annual_growth"] == pytest.approx(0.0345, abs=5e-5)
    assert row["required_annual_growth"] == pytest.approx((3.4 / 3.1) ** (1 / 2) - 1)  # ≈ 4.73 %/yr from 2023
    assert row["projected_value"] == pytest.approx(3.1 * (3.1 / 2.8) ** (2 / 3))  # 3.1 × (1+CAGR_o)^2 ≈ 3.318
    assert row["status"] == NEEDS_ACCELERATION
    assert not row["benchmark"]


def test_status_bands_and_thresholds_from_settings():
    assert status_from_ratio(0.95) == ON_TRACK
    assert status_from_ratio(0.949) == NEEDS_ACCELERATION
    assert status_from_ratio(0.60) == NEEDS_ACCELERATION
    assert status_from_ratio(0.59) == LIMITED_PROGRESS
    assert status_from_ratio(0.0) == LIMITED_PROGRESS
    assert status_from_ratio(-0.01) == DETERIORATING
    assert status_from_ratio(float("nan")) == INSUFFICIENT_DATA
    assert status_from_ratio(0.9, {"on_track": 0.85, "needs_acceleration": 0.5}) == ON_TRACK
    assert list(status_from_ratio(np.array([1.2, 0.7, 0.1, -1.0]))) == [
        ON_TRACK,
        NEEDS_ACCELERATION,
        LIMITED_PROGRESS,
        DETERIORATING,
    ]


def test_zero_or_missing_base_value_gives_nan_ratio_not_a_division_error():
    assert math.isnan(growth_ratio(0.0, 2020, 5.0, 2023, 10.0, 2025, 1))
    assert math.isnan(growth_ratio(float("nan"), 2020, 5.0, 2023, 10.0, 2025, 1))
    assert math.isnan(cagr(0.0, 2020, 5.0, 2023))


def test_lower_is_better_ratio_is_positive_when_the_value_falls():
    # energy intensity 0.6 -> 0.5 over 3 years, target 0.45 in 5: both CAGRs negative, d = -1
    expected = -((0.5 / 0.6) ** (1 / 3) - 1) / abs((0.45 / 0.6) ** (1 / 5) - 1)  # 0.05896/0.05591 ≈ 1.055
    assert growth_ratio(0.6, 2020, 0.5, 2023, 0.45, 2025, "down") == pytest.approx(expected)
    assert expected == pytest.approx(1.055, abs=0.002)


# --------------------------------------------------------------------------------------------------
# Aggregation
# --------------------------------------------------------------------------------------------------


def test_derived_indicator_is_the_ratio_of_sums_not_the_mean_of_ratios():
    # small county 1/100 = 1 %, big county 30/1000 = 3 %: Σ/Σ = 31/1100 = 2.818 %, mean of ratios = 2 %
    data = obs(
        ("330781", "rd_expenditure", 2022, 1.0),
        ("330781", "revenue", 2022, 100.0),
        ("330782", "rd_expenditure", 2022, 30.0),
        ("330782", "revenue", 2022, 1000.0),
    )
    agg = aggregate(data, INDICATORS, make_scopes(), make_members())
    row = agg_row(agg, "city:330700", "rd_intensity", 2022)
    assert row["value"] == pytest.approx(31 / 1100 * 100)
    assert row["value"] == pytest.approx(2.818, abs=0.001)
    assert row["value"] != pytest.approx((1.0 + 3.0) / 2)
    assert row["members_included"] == 2
    assert agg_row(agg, "city:330700", "revenue", 2022)["value"] == pytest.approx(1100.0)


def test_derived_indicator_only_uses_members_reporting_both_parts_that_year():
    # 2022: 330781 reports both (2/100), 330782 only revenue (1000) -> 2/100 = 2 %, not 2/1100
    data = obs(
        ("330781", "rd_expenditure", 2022, 2.0), ("330781", "revenue", 2022, 100.0), ("330782", "revenue", 2022, 1000.0)
    )
    agg = aggregate(data, INDICATORS, make_scopes(), make_members())
    row = agg_row(agg, "city:330700", "rd_intensity", 2022)
    assert row["value"] == pytest.approx(2.0)
    assert row["members_included"] == 1
    assert row["members_total"] == 2
    revenue = agg_row(agg, "city:330700", "revenue", 2022)
    assert revenue["value"] == pytest.approx(1100.0) and revenue["members_included"] == 2


def test_reported_city_value_wins_over_the_member_sum_and_a_gap_over_one_percent_is_flagged():
    # members sum to 300 + 700 = 1000 both years; the city reports 1050 (5 % off) and 1005 (0.5 % off)
    data = obs(
        ("330781", "value_added", 2022, 300.0),
        ("330782", "value_added", 2022, 700.0),
        ("330781", "value_added", 2023, 300.0),
        ("330782", "value_added", 2023, 700.0),
        ("330700", "value_added", 2022, 1050.0),
        ("330700", "value_added", 2023, 1005.0),
    )
    agg = aggregate(data, INDICATORS, make_scopes(), make_members())
    y22 = agg_row(agg, "city:330700", "value_added", 2022)
    assert y22["value"] == pytest.approx(1050.0)
    assert y22["summed_value"] == pytest.approx(1000.0)
    assert y22["reported_value"] == pytest.approx(1050.0)
    assert bool(y22["consistency_flag"]) is True
    y23 = agg_row(agg, "city:330700", "value_added", 2023)
    assert y23["value"] == pytest.approx(1005.0)
    assert bool(y23["consistency_flag"]) is False
    # the province has no reported figure: it keeps the member sum (only counties are members)
    assert agg_row(agg, "province", "value_added", 2022)["value"] == pytest.approx(1000.0)


def test_reported_city_ratio_is_computed_from_the_city_reported_parts():
    data = obs(
        ("330781", "rd_expenditure", 2022, 1.0),
        ("330781", "revenue", 2022, 100.0),
        ("330782", "rd_expenditure", 2022, 30.0),
        ("330782", "revenue", 2022, 1000.0),
        ("330700", "rd_expenditure", 2022, 33.0),
        ("330700", "revenue", 2022, 1100.0),
    )
    row = agg_row(aggregate(data, INDICATORS, make_scopes(), make_members()), "city:330700", "rd_intensity", 2022)
    assert row["value"] == pytest.approx(33 / 1100 * 100)  # 3.0 % reported
    assert row["summed_value"] == pytest.approx(31 / 1100 * 100)  # 2.818 % from members
    assert bool(row["consistency_flag"]) is True  # 3.0 vs 2.818: 6.5 % apart


def test_growth_series_aggregate_as_mean_weighted_by_previous_year_level():
    # 330781: VA 100 in 2022, +10 % in 2023; 330782: VA 300 in 2022, +2 % in 2023
    # weighted: (10×100 + 2×300)/(100+300) = 1600/400 = 4.0 %; the plain mean would be 6 %
    data = obs(
        ("330781", "value_added", 2022, 100.0),
        ("330782", "value_added", 2022, 300.0),
        ("330781", "value_added_growth", 2023, 10.0),
        ("330782", "value_added_growth", 2023, 2.0),
    )
    row = agg_row(aggregate(data, INDICATORS, make_scopes(), make_members()), "city:330700", "value_added_growth", 2023)
    assert row["value"] == pytest.approx(4.0)
    assert row["members_included"] == 2


def test_role_filters_cluster_members_to_core_regions():
    data = obs(("330603", "value_added", 2022, 50.0), ("330604", "value_added", 2022, 20.0))
    everyone = agg_row(
        aggregate(data, INDICATORS, make_scopes(), make_members()), "cluster:textiles", "value_added", 2022
    )
    assert everyone["value"] == pytest.approx(50.0 + 20.0)
    core = agg_row(
        aggregate(data, INDICATORS, make_scopes(), make_members(), role="core"), "cluster:textiles", "value_added", 2022
    )
    assert core["value"] == pytest.approx(50.0)
    assert core["members_total"] == 1


def test_renamed_county_lineage_joins_shaoxing_county_and_keqiao_into_one_series():
    # 绍兴县 330621 reported up to 2012, 柯桥区 330603 from 2013; in 2013 both appear and 柯桥区's own wins
    data = obs(
        ("330621", "value_added", 2010, 100.0),
        ("330621", "value_added", 2011, 110.0),
        ("330621", "value_added", 2012, 120.0),
        ("330621", "value_added", 2013, 999.0),
        ("330603", "value_added", 2013, 130.0),
        ("330603", "value_added", 2014, 140.0),
    )
    agg = aggregate(data, INDICATORS, make_scopes(), make_members(), lineage={"330621": "330603"})
    series = agg[(agg["scope"] == "county:330603") & (agg["indicator_code"] == "value_added")]
    assert list(series["year"]) == [2010, 2011, 2012, 2013, 2014]
    assert list(series["value"]) == pytest.approx([100.0, 110.0, 120.0, 130.0, 140.0])
    assert agg_row(agg, "city:330600", "value_added", 2011)["value"] == pytest.approx(110.0)

    t = target(kind="level", value=200.0, scope="county:330603", base_year=2010, period_start=2011, target_year=2020)
    row = one(
        compute_gaps(targets(t), data, INDICATORS, make_scopes(), make_members(), 2014, lineage={"330621": "330603"}),
        "county:330603",
    )
    assert row["base_value"] == pytest.approx(100.0) and row["base_year"] == 2010
    assert row["observed_annual_growth"] == pytest.approx((140 / 100) ** (1 / 4) - 1)  # ≈ 8.78 %/yr


# --------------------------------------------------------------------------------------------------
# Status edge cases
# --------------------------------------------------------------------------------------------------


def test_zero_base_value_gives_insufficient_data():
    data = obs(("330782", "value_added", 2020, 0.0), ("330782", "value_added", 2023, 5.0))
    row = one(gaps_for([target(value=10.0, scope="county:330782")], data), "county:330782")
    assert row["status"] == INSUFFICIENT_DATA
    assert row["actual_value"] == pytest.approx(5.0)


def test_missing_base_year_value_of_a_change_vs_base_target_gives_insufficient_data():
    # 下降15% vs 2019, but the series starts in 2020: no base, so no target level
    data = obs(("330782", "energy_consumption", 2020, 200.0), ("330782", "energy_consumption", 2023, 180.0))
    t = target(
        indicator_code="energy_consumption",
        kind="change_vs_base",
        value=-15.0,
        unit="%",
        base_year=2019,
        period_start=2021,
        scope="county:330782",
    )
    row = one(gaps_for([t], data), "county:330782")
    assert row["status"] == INSUFFICIENT_DATA
    assert math.isnan(row["target_value"])


def test_target_met_earlier_but_lost_now_is_not_achieved():
    # 3.0 (2020) -> 3.5 (2022, met) -> 3.3 (2023, lost); target ≥ 3.4 by 2025
    # R = ((3.3/3.0)^(1/3) - 1) / ((3.4/3.0)^(1/5) - 1) = 0.03228 / 0.02535 ≈ 1.27 -> on_track, not achieved
    data = obs(
        ("330782", "rd_expenditure", 2020, 3.0),
        ("330782", "revenue", 2020, 100.0),
        ("330782", "rd_expenditure", 2022, 3.5),
        ("330782", "revenue", 2022, 100.0),
        ("330782", "rd_expenditure", 2023, 3.3),
        ("330782", "revenue", 2023, 100.0),
    )
    t = target(indicator_code="rd_intensity", kind="share", value=3.4, unit="%", scope="county:330782")
    row = one(gaps_for([t], data), "county:330782")
    assert row["status"] != ACHIEVED
    assert row["status"] == ON_TRACK
    assert row["progress_ratio"] == pytest.approx(((3.3 / 3.0) ** (1 / 3) - 1) / ((3.4 / 3.0) ** (1 / 5) - 1))
    assert row["gap"] == pytest.approx(0.1)
    # evaluated as of 2022 the same target was achieved
    assert one(gaps_for([t], data, as_of=2022), "county:330782")["status"] == ACHIEVED


def test_lower_is_better_energy_intensity_level_and_annual_decline():
    # energy intensity = energy / VA: 60/100 = 0.60 (2020), 52/104 = 0.50 (2023)
    data = obs(
        ("330782", "energy_consumption", 2020, 60.0),
        ("330782", "value_added", 2020, 100.0),
        ("330782", "energy_consumption", 2023, 52.0),
        ("330782", "value_added", 2023, 104.0),
    )
    level = target(
        target_id=1,
        indicator_code="energy_intensity",
        kind="level",
        comparator="le",
        value=0.45,
        unit="吨标准煤/万元",
        scope="county:330782",
    )
    decline_slow = target(
        target_id=2,
        indicator_code="energy_intensity",
        kind="annual_decline",
        value=3.5,
        unit="%",
        scope="county:330782",
    )
    decline_fast = target(
        target_id=3,
        indicator_code="energy_intensity",
        kind="annual_decline",
        value=7.0,
        unit="%",
        scope="county:330782",
    )
    already_low = target(
        target_id=4,
        indicator_code="energy_intensity",
        kind="level",
        comparator="le",
        value=0.55,
        unit="吨标准煤/万元",
        scope="county:330782",
    )
    g = gaps_for([level, decline_slow, decline_fast, already_low], data)

    lvl = one(g, "county:330782", 1)
    assert lvl["actual_value"] == pytest.approx(0.5)
    assert lvl["gap"] == pytest.approx(0.5 - 0.45)  # le: gap = actual - target, still to go
    assert lvl["achieved_share"] == pytest.approx(0.45 / 0.5)  # inverted for lower-is-better
    assert lvl["status"] == ON_TRACK  # R = 0.05896/0.05591 ≈ 1.055

    observed_decline = (1 - (0.5 / 0.6) ** (1 / 3)) * 100  # ≈ 5.896 % a year
    slow = one(g, "county:330782", 2)
    assert slow["actual_value"] == pytest.approx(observed_decline)
    assert slow["observed_annual_growth"] == pytest.approx((0.5 / 0.6) ** (1 / 3) - 1)
    assert slow["growth_basis"] == "nominal"
    assert slow["gap"] == pytest.approx(3.5 - observed_decline)  # negative: ahead of the target pace
    assert slow["status"] == ON_TRACK  # met mid-period: on track, achieved only once 2025 is in
    fast = one(g, "county:330782", 3)
    assert fast["progress_ratio"] == pytest.approx(observed_decline / 7.0)  # ≈ 0.842
    assert fast["status"] == NEEDS_ACCELERATION
    assert one(g, "county:330782", 4)["status"] == ACHIEVED  # 0.50 <= 0.55

    ended = target(
        target_id=5,
        indicator_code="energy_intensity",
        kind="annual_decline",
        value=3.5,
        unit="%",
        scope="county:330782",
        target_year=2023,
    )
    assert one(gaps_for([ended], data), "county:330782", 5)["status"] == ACHIEVED


def test_negative_growth_against_a_rising_target_is_deteriorating():
    data = obs(("330782", "value_added", 2020, 100.0), ("330782", "value_added", 2023, 90.0))
    level = target(value=120.0, scope="county:330782")
    rate = target(target_id=2, kind="avg_annual_growth", value=7.0, unit="%", scope="county:330782")
    g = gaps_for([level, rate], data)
    row = one(g, "county:330782", 1)
    assert row["observed_annual_growth"] == pytest.approx((90 / 100) ** (1 / 3) - 1)  # ≈ -3.45 %
    assert row["progress_ratio"] < 0
    assert row["status"] == DETERIORATING
    growth = one(g, "county:330782", 2)
    assert growth["progress_ratio"] == pytest.approx(((90 / 100) ** (1 / 3) - 1) * 100 / 7.0)  # ≈ -0.49
    assert growth["status"] == DETERIORATING


def test_approx_target_counts_as_met_within_two_percent():
    # 约3.4%: 3.35 is 1.5 % short of 3.4 -> met; 3.30 is 2.9 % short -> not met
    data = obs(
        ("330782", "rd_expenditure", 2020, 3.0),
        ("330782", "revenue", 2020, 100.0),
        ("330782", "rd_expenditure", 2023, 3.35),
        ("330782", "revenue", 2023, 100.0),
        ("330781", "rd_expenditure", 2020, 3.0),
        ("330781", "revenue", 2020, 100.0),
        ("330781", "rd_expenditure", 2023, 3.30),
        ("330781", "revenue", 2023, 100.0),
    )
    t = target(
        indicator_code="rd_intensity", kind="share", comparator="approx", value=3.4, unit="%", scope="each_county"
    )
    g = gaps_for([t], data)
    assert one(g, "county:330782")["status"] == ACHIEVED
    assert one(g, "county:330781")["status"] != ACHIEVED


def test_a_single_data_point_or_no_data_gives_insufficient_data():
    data = obs(("330782", "value_added", 2023, 90.0))
    g = gaps_for(
        [target(value=120.0, scope="county:330782"), target(target_id=2, value=120.0, scope="county:330781")], data
    )
    single = one(g, "county:330782", 1)
    assert single["status"] == INSUFFICIENT_DATA
    assert single["actual_value"] == pytest.approx(90.0)
    empty = one(g, "county:330781", 2)
    assert empty["status"] == INSUFFICIENT_DATA
    assert math.isnan(empty["actual_value"]) and pd.isna(empty["actual_year"])


def test_data_after_as_of_is_ignored():
    data = obs(
        ("330782", "value_added", 2020, 100.0),
        ("330782", "value_added", 2022, 110.0),
        ("330782", "value_added", 2024, 500.0),
    )
    row = one(gaps_for([target(value=200.0, scope="county:330782")], data, as_of=2023), "county:330782")
    assert row["actual_value"] == pytest.approx(110.0) and row["actual_year"] == 2022


def test_a_given_aggregate_is_read_up_to_as_of_instead_of_aggregating_again():
    """The aggregate of 330781 + 330782 (40 + 70 = 110 in 2022, 500 in 2024) passed in; the observations
    argument (empty) is not read: the city's 2023 view is 110 of a 200 target = 55 %."""
    data = obs(
        ("330781", "value_added", 2022, 40.0),
        ("330782", "value_added", 2022, 70.0),
        ("330782", "value_added", 2024, 500.0),
    )
    whole = gaps.Aggregate.of(data, INDICATORS, make_scopes(), make_members())
    tgt = [target(value=200.0, scope="city:330700")]
    row = one(gaps_for(tgt, data.iloc[:0], as_of=2023, aggregated=whole), "city:330700")
    assert row["actual_value"] == pytest.approx(110.0) and row["actual_year"] == 2022
    assert row["achieved_share"] == pytest.approx(0.55)


def test_a_past_target_is_judged_with_the_data_up_to_its_own_year():
    """A 2017 goal of ≥ 200 with 150 in 2017 and 500 in 2024: judged at 2017 it is missed (150 of 200 = 75 %),
    while a 2025 goal in the same call still sees 2024's 500."""
    data = obs(
        ("330782", "value_added", 2015, 100.0),
        ("330782", "value_added", 2017, 150.0),
        ("330782", "value_added", 2024, 500.0),
    )
    past = target(target_id=1, value=200.0, target_year=2017, period_start=2013, scope="county:330782")
    current = target(target_id=2, value=200.0, target_year=2025, scope="county:330782")
    table = gaps_for([past, current], data, as_of=2024, past_targets_at_their_year=True)
    judged = one(table, "county:330782", target_id=1)
    assert judged["actual_year"] == 2017 and judged["actual_value"] == pytest.approx(150.0)
    assert judged["achieved_share"] == pytest.approx(0.75) and judged["status"] != "achieved"
    assert one(table, "county:330782", target_id=2)["actual_value"] == pytest.approx(500.0)
    # without the flag the 2017 goal is measured with 2024's figure
    assert one(gaps_for([past], data, as_of=2024), "county:330782")["actual_value"] == pytest.approx(500.0)


# --------------------------------------------------------------------------------------------------
# Each kind
# --------------------------------------------------------------------------------------------------


def test_change_vs_base_turns_a_signed_percent_into_a_level_on_the_base_year():
    # 下降15% vs 2020 recorded as ge -15: target = 200 × (1 - 0.15) = 170; 2023 = 180
    # R = -((180/200)^(1/3) - 1) / |0.85^(1/5) - 1| = 0.03451 / 0.03198 ≈ 1.079 -> on_track
    data = obs(("330782", "energy_consumption", 2020, 200.0), ("330782", "energy_consumption", 2023, 180.0))
    t = target(
        indicator_code="energy_consumption",
        kind="change_vs_base",
        comparator="ge",
        value=-15.0,
        unit="%",
        base_year=2020,
        period_start=2021,
        scope="county:330782",
    )
    row = one(gaps_for([t], data), "county:330782")
    assert row["target_value"] == pytest.approx(200 * 0.85)
    assert row["unit"] == "万吨标准煤"  # the indicator's unit, as the target became a level
    assert row["base_value"] == pytest.approx(200.0) and row["base_year"] == 2020
    assert row["gap"] == pytest.approx(180.0 - 170.0)
    assert row["achieved_share"] == pytest.approx(170 / 180)
    assert row["progress_ratio"] == pytest.approx(-((180 / 200) ** (1 / 3) - 1) / abs(0.85 ** (1 / 5) - 1))
    assert row["status"] == ON_TRACK


def test_change_vs_base_increase_is_higher_is_better():
    # 提高20% vs 2020: 100 -> target 120; 2023 = 121 -> achieved
    data = obs(("330782", "value_added", 2020, 100.0), ("330782", "value_added", 2023, 121.0))
    t = target(kind="change_vs_base", value=20.0, unit="%", base_year=2020, scope="county:330782")
    row = one(gaps_for([t], data), "county:330782")
    assert row["target_value"] == pytest.approx(120.0)
    assert row["status"] == ACHIEVED


def test_annual_increase_points_compares_mean_yearly_point_change():
    # R&D share 2.0 % (2020) -> 2.6 % (2023): (2.6 - 2.0)/3 = 0.2 points a year vs 0.25 wanted
    data = obs(
        ("330782", "rd_expenditure", 2020, 2.0),
        ("330782", "revenue", 2020, 100.0),
        ("330782", "rd_expenditure", 2021, 2.3),
        ("330782", "revenue", 2021, 100.0),
        ("330782", "rd_expenditure", 2023, 2.6),
        ("330782", "revenue", 2023, 100.0),
    )
    t = target(
        indicator_code="rd_intensity", kind="annual_increase_points", value=0.25, unit="个百分点", scope="county:330782"
    )
    row = one(gaps_for([t], data), "county:330782")
    assert row["actual_value"] == pytest.approx((2.6 - 2.0) / 3)
    assert row["gap"] == pytest.approx(0.25 - 0.2)
    assert row["progress_ratio"] == pytest.approx(0.2 / 0.25)  # 0.8
    assert row["status"] == NEEDS_ACCELERATION
    # to reach 2.0 + 0.25×5 = 3.25 by 2025 from 2.6 in 2023: (3.25/2.6)^(1/2) - 1 a year
    assert row["required_annual_growth"] == pytest.approx((3.25 / 2.6) ** 0.5 - 1)


def _growth_data(with_2022_growth=True):
    rows = [
        ("330782", "value_added", 2020, 100.0),
        ("330782", "value_added", 2023, 110.0),
        ("330782", "value_added_growth", 2021, 6.0),
        ("330782", "value_added_growth", 2023, 8.0),
    ]
    if with_2022_growth:
        rows.append(("330782", "value_added_growth", 2022, 7.0))
    return obs(*rows)


def test_avg_annual_growth_compounds_the_comparable_price_series_when_complete():
    # comparable: (1.06 × 1.07 × 1.08)^(1/3) - 1 = 1.224936^(1/3) - 1 ≈ 6.997 %; target 7 % -> R ≈ 0.9995
    t = target(kind="avg_annual_growth", value=7.0, unit="%", scope="county:330782")
    row = one(gaps_for([t], _growth_data()), "county:330782")
    comparable = (1.06 * 1.07 * 1.08) ** (1 / 3) - 1
    assert row["growth_basis"] == "comparable"
    assert row["observed_annual_growth"] == pytest.approx(comparable)
    assert row["actual_value"] == pytest.approx(comparable * 100)
    assert row["gap"] == pytest.approx(7.0 - comparable * 100)
    assert row["status"] == ON_TRACK
    # still needed in 2024-25 so the 2020-25 average is 7 %: (1.07^5 / 1.224936)^(1/2) - 1 ≈ 7.005 %
    assert row["required_annual_growth"] == pytest.approx((1.07**5 / (1.06 * 1.07 * 1.08)) ** 0.5 - 1)


def test_avg_annual_growth_falls_back_to_nominal_levels_and_says_so():
    # 2022 growth missing -> nominal CAGR (110/100)^(1/3) - 1 ≈ 3.23 %; R = 3.23/7 ≈ 0.46 -> limited_progress
    t = target(kind="avg_annual_growth", value=7.0, unit="%", scope="county:330782")
    row = one(gaps_for([t], _growth_data(with_2022_growth=False)), "county:330782")
    nominal = (110 / 100) ** (1 / 3) - 1
    assert row["growth_basis"] == "nominal"
    assert row["observed_annual_growth"] == pytest.approx(nominal)
    assert row["progress_ratio"] == pytest.approx(nominal * 100 / 7.0)
    assert row["status"] == LIMITED_PROGRESS


def test_count_per_year_judges_each_year_against_the_bar():
    # bar 10000 robots a year from 2021: 12000 met, 9000 missed, 11000 met -> 2/3 of years, latest met
    data = obs(
        ("330000", "new_industrial_robots", 2020, 20000.0),
        ("330000", "new_industrial_robots", 2021, 12000.0),
        ("330000", "new_industrial_robots", 2022, 9000.0),
        ("330000", "new_industrial_robots", 2023, 11000.0),
    )
    bar = target(indicator_code="new_industrial_robots", kind="count_per_year", value=10000.0, unit="台", per_year=True)
    high_bar = target(
        target_id=2,
        indicator_code="new_industrial_robots",
        kind="count_per_year",
        value=11500.0,
        unit="台",
        per_year=True,
    )
    g = gaps_for([bar, high_bar], data)
    row = one(g, "province", 1)
    assert row["actual_value"] == pytest.approx(11000.0) and row["actual_year"] == 2023
    assert row["gap"] == pytest.approx(10000.0 - 11000.0)
    assert row["progress_ratio"] == pytest.approx(2 / 3)  # 2020 is before the plan and not counted
    assert row["status"] == NEEDS_ACCELERATION
    # 11500: only 2021 met -> 1/3 < 0.60, latest missed but up on 2022 -> limited_progress
    assert one(g, "province", 2)["status"] == LIMITED_PROGRESS


def test_count_per_year_met_in_the_latest_year_is_at_worst_needs_acceleration():
    # bar 10000 from 2021: 8000 and 9000 missed, 10500 met in 2023 -> 1/3 of years, but the latest met
    data = obs(
        ("330000", "new_industrial_robots", 2021, 8000.0),
        ("330000", "new_industrial_robots", 2022, 9000.0),
        ("330000", "new_industrial_robots", 2023, 10500.0),
    )
    bar = target(indicator_code="new_industrial_robots", kind="count_per_year", value=10000.0, unit="台", per_year=True)
    row = one(gaps_for([bar], data), "province", 1)
    assert row["progress_ratio"] == pytest.approx(1 / 3)
    assert row["status"] == NEEDS_ACCELERATION


def test_cumulative_count_is_judged_against_the_pro_rata_path():
    # flows 15 + 25 + 20 = 60 by 2023, plan 2021-2025 (5 years), 3 years elapsed
    data = obs(
        ("330000", "listed_mfg_companies", 2021, 15.0),
        ("330000", "listed_mfg_companies", 2022, 25.0),
        ("330000", "listed_mfg_companies", 2023, 20.0),
    )
    on_path = target(indicator_code="listed_mfg_companies", kind="cumulative_count", value=100.0, unit="家")
    behind = target(target_id=2, indicator_code="listed_mfg_companies", kind="cumulative_count", value=150.0, unit="家")
    g = gaps_for([on_path, behind], data)
    row = one(g, "province", 1)
    assert row["actual_value"] == pytest.approx(60.0)
    assert row["progress_ratio"] == pytest.approx(60 / (100 * 3 / 5))  # expected 60 -> R = 1.0
    assert row["projected_value"] == pytest.approx(60 * 5 / 3)  # 100
    assert row["achieved_share"] == pytest.approx(0.6)
    assert row["status"] == ON_TRACK
    late = one(g, "province", 2)
    assert late["progress_ratio"] == pytest.approx(60 / (150 * 3 / 5))  # 60/90 ≈ 0.667
    assert late["gap"] == pytest.approx(90.0)
    assert late["status"] == NEEDS_ACCELERATION


def test_threshold_count_counts_counties_passing_and_lists_the_closest_misses():
    # counties with gross output > 1000 亿元; ≥ 3 such counties by 2025
    data = obs(
        ("330602", "gross_output", 2020, 1100.0),
        ("330602", "gross_output", 2023, 1500.0),
        ("330603", "gross_output", 2020, 900.0),
        ("330603", "gross_output", 2023, 1200.0),
        ("330604", "gross_output", 2020, 700.0),
        ("330604", "gross_output", 2023, 990.0),
        ("330781", "gross_output", 2020, 600.0),
        ("330781", "gross_output", 2023, 800.0),
        ("330782", "gross_output", 2020, 200.0),
        ("330782", "gross_output", 2022, 300.0),
        ("330000", "gross_output", 2023, 99999.0),
        ("330600", "gross_output", 2023, 3690.0),
    )
    t = target(
        indicator_code="gross_output",
        kind="threshold_count",
        value=3.0,
        unit="个",
        threshold_indicator="gross_output",
        threshold_comparator="gt",
        threshold_value=1000.0,
        threshold_members="county",
    )
    row = one(gaps_for([t], data), "province")
    assert row["actual_value"] == 2  # 1500 and 1200; the city and province figures are not counties
    assert row["members_passing"] == ["330602", "330603"]
    # distances to 1000: 990 (1 %), 800 (20 %), 300 (70 %; 330782's latest is 2022)
    assert row["members_closest"] == ["330604", "330781", "330782"]
    assert row["members_included"] == 5
    assert row["gap"] == pytest.approx(1.0)
    # count series 1 (2020) -> 2 (2023): R = (2^(1/3) - 1)/(3^(1/5) - 1) = 0.2599/0.2457 ≈ 1.058
    assert row["progress_ratio"] == pytest.approx((2 ** (1 / 3) - 1) / (3 ** (1 / 5) - 1))
    assert row["status"] == ON_TRACK


def test_threshold_count_without_a_usable_base_falls_back_to_limited_progress():
    # no county above 1000 in 2020 (count 0, no ratio possible), one in 2023, target 3
    data = obs(("330602", "gross_output", 2020, 900.0), ("330602", "gross_output", 2023, 1500.0))
    t = target(
        indicator_code="gross_output",
        kind="threshold_count",
        value=3.0,
        unit="个",
        threshold_indicator="gross_output",
        threshold_comparator="gt",
        threshold_value=1000.0,
        threshold_members="county",
        scope="city:330600",
    )
    row = one(gaps_for([t], data), "city:330600")
    assert row["actual_value"] == 1
    assert row["status"] == LIMITED_PROGRESS


def test_share_of_divides_the_scope_value_by_the_whole():
    # mountain-26 (330604 + 330781) value added as % of the province: 300/1000 = 30 % (2020), 360/1000 = 36 %
    data = obs(
        ("330604", "value_added", 2020, 100.0),
        ("330781", "value_added", 2020, 200.0),
        ("330602", "value_added", 2020, 700.0),
        ("330604", "value_added", 2023, 160.0),
        ("330781", "value_added", 2023, 200.0),
        ("330602", "value_added", 2023, 640.0),
    )
    t = target(kind="share", value=40.0, unit="%", scope="group:mountain-26", share_of="province")
    row = one(gaps_for([t], data), "group:mountain-26")
    assert row["actual_value"] == pytest.approx(360 / 1000 * 100)
    assert row["base_value"] == pytest.approx(300 / 1000 * 100)
    assert row["gap"] == pytest.approx(40.0 - 36.0)
    # R = (1.2^(1/3) - 1)/((40/30)^(1/5) - 1) = 0.06266/0.05922 ≈ 1.058
    assert row["progress_ratio"] == pytest.approx((1.2 ** (1 / 3) - 1) / ((40 / 30) ** (1 / 5) - 1))
    assert row["status"] == ON_TRACK


# --------------------------------------------------------------------------------------------------
# Applicability
# --------------------------------------------------------------------------------------------------


def test_province_target_applies_to_a_county_as_a_benchmark():
    data = obs(
        ("330782", "rd_expenditure", 2020, 2.8),
        ("330782", "revenue", 2020, 100.0),
        ("330782", "rd_expenditure", 2023, 3.1),
        ("330782", "revenue", 2023, 100.0),
    )
    share = target(target_id=1, indicator_code="rd_intensity", kind="share", value=3.4, unit="%")
    total = target(target_id=2, indicator_code="gross_output", kind="level", value=100000.0, unit="亿元")
    g = gaps_for([share, total], data, requested_scopes=["province", "county:330782"])
    own = one(g, "province", 1)
    assert bool(own["benchmark"]) is False
    bench = one(g, "county:330782", 1)
    assert bool(bench["benchmark"]) is True
    assert bench["target_scope"] == "province"
    assert bench["status"] == NEEDS_ACCELERATION  # the worked example, now as a county benchmark
    # a province 亿元 total is not a yardstick for one county ...
    assert g[(g["scope"] == "county:330782") & (g["target_id"] == 2)].empty
    # ... unless asked for
    every = gaps_for([share, total], data, requested_scopes=["county:330782"], scale_free_benchmarks_only=False)
    assert bool(one(every, "county:330782", 2)["benchmark"]) is True
    assert set(every["scope"]) == {"county:330782"}  # the province itself was not requested


def test_only_the_province_scope_itself_lends_benchmarks_not_other_province_level_scopes():
    # the selector files clusters:415x at level 'province' with reported code 330000
    scopes = pd.concat(
        [
            make_scopes(),
            pd.DataFrame([("clusters:415x", "330000", "province")], columns=["scope", "reported_code", "level"]),
        ]
    )
    t = target(kind="avg_annual_growth", value=7.0, unit="%", scope="clusters:415x")
    g = compute_gaps(targets(t), _growth_data(), INDICATORS, scopes, make_members(), 2023)
    assert list(g["scope"]) == ["clusters:415x"]


def test_group_target_applies_to_the_group_and_as_a_benchmark_to_member_counties_only():
    t = target(kind="avg_annual_growth", value=7.0, unit="%", scope="group:mountain-26")
    g = gaps_for([t], _growth_data())
    assert bool(one(g, "group:mountain-26")["benchmark"]) is False
    assert bool(one(g, "county:330604")["benchmark"]) is True
    assert bool(one(g, "county:330781")["benchmark"]) is True
    assert g[g["scope"] == "county:330782"].empty  # not a member
    assert g[g["scope"] == "city:330700"].empty
    assert len(g) == 3


def test_each_county_target_applies_to_every_requested_county_as_its_own_target():
    t = target(kind="avg_annual_growth", value=7.0, unit="%", scope="each_county")
    g = gaps_for([t], _growth_data(), requested_scopes=["province", "county:330782", "county:330781"])
    assert sorted(g["scope"]) == ["county:330781", "county:330782"]
    assert not g["benchmark"].any()


def test_each_county_of_a_group_target_applies_to_the_group_members_only():
    # 山区26县 here = {330604, 330781}
    t = target(kind="avg_annual_growth", value=7.0, unit="%", scope="each_county:mountain-26")
    g = gaps_for([t], _growth_data())
    assert sorted(g["scope"]) == ["county:330604", "county:330781"]
    assert not g["benchmark"].any()


def test_each_row_has_the_documented_columns():
    from targets.gaps import GAP_COLUMNS

    t = target(kind="level", value=10.0, scope="county:330782")
    g = gaps_for([t], obs(("330782", "value_added", 2020, 5.0)))
    assert list(g.columns) == GAP_COLUMNS


# --------------------------------------------------------------------------------------------------
# Composite score
# --------------------------------------------------------------------------------------------------


def test_composite_score_caps_shares_at_one_and_ranks_within_province_city_and_group():
    gaps = pd.DataFrame(
        [
            # X: 1.3 capped to 1 -> (2×1 + 1×0.5)/3 = 0.8333 (uncapped it would be (2.6 + 0.5)/3 = 1.033)
            ("county:X", 1, 1.3, ON_TRACK),
            ("county:X", 2, 0.5, LIMITED_PROGRESS),
            # Y: (2×0.9 + 1×0.9)/3 = 0.9
            ("county:Y", 1, 0.9, NEEDS_ACCELERATION),
            ("county:Y", 2, 0.9, NEEDS_ACCELERATION),
            # Z: target 2 has no data -> 0.6 on the remaining weight, coverage 2/3
            ("county:Z", 1, 0.6, NEEDS_ACCELERATION),
            ("county:Z", 2, np.nan, INSUFFICIENT_DATA),
            # W: achieved with an undefined share counts as 1; target 3 is not weighted
            ("county:W", 1, np.nan, ACHIEVED),
            ("county:W", 2, 0.2, LIMITED_PROGRESS),
            ("county:W", 3, 0.0, DETERIORATING),
        ],
        columns=["scope", "target_id", "achieved_share", "status"],
    )
    regions = pd.DataFrame(
        [
            ("county:X", "city:A", ["group:g"]),
            ("county:Y", "city:A", []),
            ("county:Z", "city:B", ["group:g"]),
            ("county:W", "city:B", None),
        ],
        columns=["scope", "city_scope", "groups"],
    )
    out = composite_score(gaps, {1: 2, 2: 1}, regions).set_index("scope")
    assert out.loc["county:X", "score"] == pytest.approx((2 * 1 + 1 * 0.5) / 3)
    assert out.loc["county:Y", "score"] == pytest.approx(0.9)
    assert out.loc["county:Z", "score"] == pytest.approx(0.6)
    assert out.loc["county:Z", "coverage"] == pytest.approx(2 / 3)
    assert out.loc["county:W", "score"] == pytest.approx((2 * 1 + 1 * 0.2) / 3)  # 0.7333
    # province: Y 0.9 > X 0.833 > W 0.733 > Z 0.6
    assert [out.loc[s, "rank_province"] for s in ("county:Y", "county:X", "county:W", "county:Z")] == [1, 2, 3, 4]
    assert out.loc["county:Y", "rank_city"] == 1 and out.loc["county:X", "rank_city"] == 2
    assert out.loc["county:W", "rank_city"] == 1 and out.loc["county:Z", "rank_city"] == 2
    assert out.loc["county:X", "rank_group"] == {"group:g": 1}
    assert out.loc["county:Z", "rank_group"] == {"group:g": 2}
    assert out.loc["county:Y", "rank_group"] == {}


def test_gaps_module_does_not_import_django():
    tree = ast.parse((Path(__file__).resolve().parent.parent / "targets" / "gaps.py").read_text())
    imported = {
        alias.name.split(".")[0] for node in ast.walk(tree) if isinstance(node, ast.Import) for alias in node.names
    }
    imported |= {
        node.module.split(".")[0] for node in ast.walk(tree) if isinstance(node, ast.ImportFrom) and node.module
    }
    assert "django" not in imported


def test_a_base_rate_reported_as_such_aggregates_as_the_members_mean_not_their_sum():
    # 数控化率 is uploaded as a %: two counties at 40% and 60% make a group at 50%, never 100%.
    ind = pd.DataFrame(
        [{"code": "nc_rate", "kind": "base", "numerator": None, "denominator": None, "factor": 1.0,
          "direction": "up", "unit": "%", "growth_of": None}]
    )  # fmt: skip
    obs = pd.DataFrame(
        [("A", "nc_rate", 2024, 40.0), ("B", "nc_rate", 2024, 60.0)],
        columns=["region_code", "indicator_code", "year", "value"],
    )
    scopes = pd.DataFrame([{"scope": "group:g", "reported_code": None, "level": "group"}])
    members = pd.DataFrame(
        [("group:g", "A", "member"), ("group:g", "B", "member")], columns=["scope", "region_code", "role"]
    )
    out = aggregate(obs, ind, scopes, members)
    row = out[(out["scope"] == "group:g") & (out["year"] == 2024)].iloc[0]
    assert row["value"] == pytest.approx((40 + 60) / 2)
    assert row["members_included"] == 2


# --------------------------------------------------------------------------------------------------
# The fast aggregation against a slow reference: the engine as it was written before it coded keys
# as integers (string-keyed merges over every indicator × scope × year), kept here as the definition.
# --------------------------------------------------------------------------------------------------

_REF_KEY = ["scope", "indicator_code", "year"]


def _ref_prepare_observations(observations, ind, lineage, as_of=None):
    cols = ["region_code", "indicator_code", "year", "value"]
    has_scope = "scope" in observations.columns
    obs = observations[cols + (["scope"] if has_scope else [])].copy()
    if not has_scope:
        obs["scope"] = None
    obs = obs.dropna(subset=["indicator_code", "year", "value"])
    obs["region_code"] = obs["region_code"].astype(object).where(obs["region_code"].notna(), None)
    obs.loc[obs["region_code"].notna(), "region_code"] = obs.loc[obs["region_code"].notna(), "region_code"].map(str)
    obs["indicator_code"] = obs["indicator_code"].astype(str)
    obs["year"] = pd.to_numeric(obs["year"]).astype("int64")
    obs["value"] = pd.to_numeric(obs["value"], errors="coerce").astype(float)
    obs["scope"] = gaps._none_if_na(obs["scope"])
    obs = obs[np.isfinite(obs["value"].to_numpy())]
    if as_of is not None:
        obs = obs[obs["year"] <= int(as_of)]
    scoped = obs[obs["scope"].notna()].drop_duplicates(["scope", "indicator_code", "year"], keep="last")
    regional = obs[obs["scope"].isna() & obs["region_code"].notna()]
    regional = regional.drop_duplicates(["region_code", "indicator_code", "year"], keep="last")
    mapping = gaps._resolve_lineage(lineage)
    if mapping:
        original = regional["region_code"]
        regional = regional.assign(region_code=gaps._remap(original, mapping), _current=~original.isin(mapping.keys()))
        key = ["region_code", "indicator_code", "year"]
        if regional.duplicated(key).any():
            has_current = regional.groupby(key, sort=False)["_current"].transform("max")
            regional = regional[regional["_current"] | ~has_current]
            is_growth = regional["indicator_code"].isin(set(ind.loc[ind["growth_of"].notna(), "code"]))
            summed = regional[~is_growth].groupby(key, as_index=False, sort=False)["value"].sum()
            averaged = regional[is_growth].groupby(key, as_index=False, sort=False)["value"].mean()
            regional = pd.concat([summed, averaged], ignore_index=True)
            regional["scope"] = None
        regional = regional.drop(columns=["_current"], errors="ignore")
    return pd.concat([regional[cols + ["scope"]], scoped[cols + ["scope"]]], ignore_index=True)


def _ref_member_sums(regional, derived, growth, special, mem, averaged):
    cols = _REF_KEY + ["summed_value", "members_included"]
    if not len(regional) or not len(mem):
        return pd.DataFrame(columns=cols)
    wide = regional.set_index(["region_code", "year", "indicator_code"])["value"].unstack("indicator_code")
    parts = {}
    for code in wide.columns:
        if code not in special:
            parts[("sum", code)] = wide[code]
        elif code in averaged:
            parts[("avg", code)] = wide[code]
    for code, num, den in derived[["code", "numerator", "denominator"]].itertuples(index=False):
        if num in wide.columns and den in wide.columns:
            both = wide[num].notna() & wide[den].notna()
            parts[("num", code)] = wide[num].where(both)
            parts[("den", code)] = wide[den].where(both)
    if len(growth):
        previous = wide.rename(index=lambda y: y + 1, level="year")
        for code, level in growth[["code", "growth_of"]].itertuples(index=False):
            if code in wide.columns and level in wide.columns:
                weight = previous[level].reindex(wide.index)
                ok = wide[code].notna() & (weight > 0)
                parts[("rw", code)] = (wide[code] * weight).where(ok)
                parts[("w", code)] = weight.where(ok)
    if not parts:
        return pd.DataFrame(columns=cols)
    table = pd.DataFrame({f"{part}|{code}": series for (part, code), series in parts.items()}).reset_index()
    joined = mem[["scope", "region_code"]].merge(table, on="region_code").drop(columns="region_code")
    grouped = joined.groupby(["scope", "year"], sort=False)
    sums, counts = grouped.sum(min_count=1), grouped.count()

    def long(frame, part):
        picked = [c for c in frame.columns if c.startswith(part + "|")]
        if not picked:
            return pd.Series(dtype=float)
        sub = frame[picked]
        sub.columns = pd.Index([c.split("|", 1)[1] for c in picked], name="indicator_code")
        return sub.stack()

    out = []
    base = long(sums, "sum")
    if len(base):
        out.append(pd.DataFrame({"summed_value": base, "members_included": long(counts, "sum")}))
    num, den, n = long(sums, "num"), long(sums, "den"), long(counts, "num")
    if len(num):
        f = num.index.get_level_values("indicator_code").map(derived.set_index("code")["factor"]).to_numpy(float)
        out.append(pd.DataFrame({"summed_value": gaps._safe_div(num, den) * f, "members_included": n}, index=num.index))
    avg, n = long(sums, "avg"), long(counts, "avg")
    if len(avg):
        out.append(pd.DataFrame({"summed_value": avg / n, "members_included": n}, index=avg.index))
    rw, w, n = long(sums, "rw"), long(sums, "w"), long(counts, "rw")
    if len(rw):
        out.append(pd.DataFrame({"summed_value": gaps._safe_div(rw, w), "members_included": n}, index=rw.index))
    if not out:
        return pd.DataFrame(columns=cols)
    result = pd.concat(out).reset_index()
    return result[result["members_included"] > 0][cols]


def _ref_ratio_of_reported(frame, derived):
    cols = ["scope", "indicator_code", "year", "value", "members_included"]
    if not len(derived) or not len(frame):
        return pd.DataFrame(columns=cols)
    num = frame.merge(derived[["code", "numerator"]], left_on="indicator_code", right_on="numerator")
    den = frame.merge(derived[["code", "denominator"]], left_on="indicator_code", right_on="denominator")
    on = ["scope", "year", "code"]
    both = num[on + ["value"]].merge(den[on + ["value"]], on=on, suffixes=("_num", "_den"))
    if not len(both):
        return pd.DataFrame(columns=cols)
    g = (
        both.groupby(on, sort=False)
        .agg(num=("value_num", "sum"), den=("value_den", "sum"), members_included=("value_num", "size"))
        .reset_index()
    )
    factor = g["code"].map(derived.set_index("code")["factor"])
    g["value"] = gaps._safe_div(g["num"], g["den"]) * factor.to_numpy(dtype=float)
    return g.rename(columns={"code": "indicator_code"})[cols]


def _ref_aggregate(observations, indicators, scopes, members, lineage=None, role=None, as_of=None):
    ind = gaps._prepare_indicators(indicators)
    sc = gaps._prepare_scopes(scopes)
    mem = gaps._prepare_members(members, sc, lineage, role)
    obs = _ref_prepare_observations(observations, ind, lineage, as_of)
    regional = obs[obs["scope"].isna()][["region_code", "indicator_code", "year", "value"]]
    derived = ind[ind["kind"] == "derived"][["code", "numerator", "denominator", "factor"]]
    growth = ind[ind["growth_of"].notna()][["code", "growth_of"]]
    plain = (ind["kind"] == "base") & ind["growth_of"].isna() & ind["unit"].isin(gaps.UNSUMMABLE_UNITS)
    averaged = set(ind.loc[plain, "code"])
    special = set(derived["code"]) | set(growth["code"]) | averaged
    summed = _ref_member_sums(regional, derived, growth, special, mem, averaged)
    rep_map = sc[sc["reported_code"].notna()][["scope", "reported_code", "level"]]
    if role is not None:
        rep_map = rep_map[rep_map["level"] != "cluster"]
    by_code = rep_map[["scope", "reported_code"]].merge(
        regional.rename(columns={"region_code": "reported_code"}), on="reported_code"
    )[_REF_KEY + ["value"]]
    by_scope = obs[obs["scope"].notna() & obs["scope"].isin(set(sc["scope"]))][_REF_KEY + ["value"]]
    direct = pd.concat([by_scope, by_code], ignore_index=True).drop_duplicates(_REF_KEY, keep="first")
    reported_ratio = _ref_ratio_of_reported(direct, derived)
    is_ratio = direct["indicator_code"].isin(set(derived["code"]))
    reported = pd.concat([direct[~is_ratio], reported_ratio[_REF_KEY + ["value"]]], ignore_index=True)
    reported = reported.rename(columns={"value": "reported_value"})
    out = summed.merge(reported, on=_REF_KEY, how="outer")
    # a ratio reported itself counts only where neither its reported parts nor the members' sums give one
    out = out.merge(direct[is_ratio].rename(columns={"value": "direct_ratio"}), on=_REF_KEY, how="outer")
    out["summed_value"] = out["summed_value"].astype(float)
    out["reported"] = out["reported_value"].isna() & out["summed_value"].isna() & out["direct_ratio"].notna()
    out["reported_value"] = out["reported_value"].astype(float).where(~out["reported"], out["direct_ratio"])
    out["value"] = out["reported_value"].where(out["reported_value"].notna(), out["summed_value"])
    out["members_included"] = out["members_included"].fillna(0).astype("int64")
    out["members_total"] = out["scope"].map(mem.groupby("scope").size()).fillna(0).astype("int64")
    both = out["summed_value"].notna() & out["reported_value"].notna()
    diff = (out["reported_value"] - out["summed_value"]).abs()
    scale = out["summed_value"].abs()
    out["consistency_flag"] = both & (diff > gaps.CONSISTENCY_TOLERANCE * scale) & (diff > gaps._EPS)
    out = out[out["value"].notna() & out["scope"].isin(set(sc["scope"]))]
    out["year"] = out["year"].astype("int64")
    return out[gaps.AGGREGATE_COLUMNS].sort_values(_REF_KEY, ignore_index=True)


def _coded(frame):
    """A table sorted by scope, indicator_code and year (the reference aggregate) in the engine's
    integer-coded form, to evaluate targets on."""
    scopes, sid = np.unique(frame["scope"].to_numpy(dtype=object), return_inverse=True)
    codes, iid = np.unique(frame["indicator_code"].to_numpy(dtype=object), return_inverse=True)
    sid, iid = sid.reshape(-1), iid.reshape(-1)
    part = {
        "sid": sid,
        "iid": iid,
        "year": frame["year"].to_numpy(dtype=np.int64),
        "value": frame["value"].to_numpy(dtype=float),
        "members_included": frame["members_included"].to_numpy(dtype=np.int64),
        "reported": frame["reported"].to_numpy(dtype=bool),
        "years_of_pair": np.bincount(sid * len(codes) + iid, minlength=len(scopes) * len(codes)),
    }
    return gaps.Aggregate(scopes, codes, [part])


def _random_province(seed):
    """A random small province with everything the aggregation distinguishes: three cities, a renamed
    county and two merged ones (lineage), a group, clusters with core/coordination members, a sector
    scope, sums, plain means (%, 指数), a growth series, ratios (one with a missing part), figures
    reported for cities/the province and for scope keys, duplicates (the last wins), zeros, -0.0,
    negative, NaN and infinite values, and every kind of target at every kind of scope."""
    rng = np.random.default_rng(seed)
    cities = {"330100": ["330102", "330105", "330106", "330110"], "330200": ["330203", "330205", "330212"],
              "330300": ["330302", "330303", "330305", "330324"]}  # fmt: skip
    counties = [c for cs in cities.values() for c in cs]
    lineage = {"330103": "330105", "330211": "330212", "330204": "330212", "330322": "330305"}
    indicators = pd.DataFrame(
        [_ind("va"), _ind("rev"), _ind("rd"), _ind("energy", direction="down", unit="万吨标准煤"),
         _ind("firms", unit="家"), _ind("cnc_rate", unit="%"), _ind("index", direction="neutral", unit="指数"),
         _ind("va_growth", unit="%", growth_of="va"),
         _ind("rd_share", kind="derived", numerator="rd", denominator="rev", factor=100.0, unit="%"),
         _ind("energy_int", kind="derived", numerator="energy", denominator="va", direction="down", unit="吨/万元"),
         _ind("ghost_ratio", kind="derived", numerator="not_uploaded", denominator="rev", unit="%")]
    )  # fmt: skip
    scopes = [("province", "330000", "province"), ("sector:mfg", "330000", "province"),
              ("group:mountain", None, "group"), ("cluster:pv", "330100", "cluster"),
              ("cluster:auto", None, "cluster")]  # fmt: skip
    scopes += [(f"city:{c}", c, "city") for c in cities] + [(f"county:{c}", c, "county") for c in counties]
    members = [("province", c, "member") for c in counties] + [("sector:mfg", c, "member") for c in counties[:7]]
    members += [(f"city:{city}", c, "member") for city, cs in cities.items() for c in cs]
    members += [("group:mountain", c, "member") for c in rng.choice(counties, 5, replace=False)]
    members += [
        ("cluster:pv", c, str(rng.choice(["core", "coordination"]))) for c in rng.choice(counties, 6, replace=False)
    ]
    members += [("cluster:auto", c, "core") for c in rng.choice(counties, 3, replace=False)]
    members += [(f"county:{c}", c, "member") for c in counties]
    members += [("county:330212", "330211", "member"), ("city:330300", "330322", "member")]  # old codes
    rows = []
    level = {"va": 100, "rev": 400, "rd": 8, "energy": 50, "firms": 30, "cnc_rate": 40, "index": 90, "va_growth": 6}
    for region in counties + list(lineage) + list(cities) + ["330000", "339999"]:
        for code, base in level.items():
            scale = rng.uniform(0.3, 3.0)
            for year in range(2015, 2026):
                if rng.random() < 0.12:
                    continue
                v = (
                    rng.normal(6, 4)
                    if code == "va_growth"
                    else base * scale * (1 + rng.normal(0.05, 0.08)) ** (year - 2015)
                )
                v = round(float(v), int(rng.integers(0, 4)))
                v = 0.0 if rng.random() < 0.01 else v
                rows.append((region, code, year, -v if rng.random() < 0.02 else v, None))
    rows += [("330100", "rd_share", 2021, 2.5, None), ("330000", "energy_int", 2020, 0.4, None)]
    rows += [
        (counties[0], "va", 2020, 1.0, None),
        (counties[0], "va", 2020, 2.0, None),
        (counties[3], "rd", 2019, -0.0, None),
    ]
    rows += [(counties[1], "va", 2021, np.nan, None), (counties[1], "rev", 2021, np.inf, None)]
    rows += [(None, "va", 2020, 5.0, None), (counties[2], None, 2020, 5.0, None), (counties[2], "va", None, 1.0, None)]
    rows += [(None, "va", 2022, 77.0, "sector:mfg"), (None, "va", 2022, 78.0, "sector:mfg"),
             (None, "rd", 2023, 3.0, "group:mountain"), (None, "rev", 2023, 90.0, "group:mountain"),
             (None, "va", 2021, 5.0, "not:a-scope"), ("330000", "firms", 2022, 300.0, "cluster:auto")]  # fmt: skip
    observations = pd.DataFrame(rows, columns=["region_code", "indicator_code", "year", "value", "scope"])
    observations = observations.sample(frac=1.0, random_state=seed).reset_index(drop=True)

    kinds = [("level", "va"), ("level", "rd_share"), ("level", "energy_int"), ("level", "cnc_rate"),
             ("share", "va"), ("change_vs_base", "energy_int"), ("change_vs_base", "va"),
             ("avg_annual_growth", "va"), ("annual_decline", "energy_int"), ("annual_increase_points", "rd_share"),
             ("count_per_year", "firms"), ("cumulative_count", "firms"), ("threshold_count", "va"),
             ("level", "index"), ("level", "ghost_ratio"), ("avg_annual_growth", "rev"), ("level", "not_uploaded")]  # fmt: skip
    values = {"level": 120.0, "share": 30.0, "change_vs_base": -12.0, "avg_annual_growth": 6.0, "annual_decline": 3.0,
              "annual_increase_points": 0.2, "count_per_year": 25.0, "cumulative_count": 150.0, "threshold_count": 4.0}  # fmt: skip
    where = ["province", "city:330100", "city:330300", "county:330105", "county:330212", "group:mountain",
             "cluster:pv", "each_county", "each_county:mountain", "sector:mfg", "clusters:none"]  # fmt: skip
    tgs = []
    for target_id in range(1, 70):
        kind, code = kinds[int(rng.integers(len(kinds)))]
        start = int(rng.choice([2016, 2021]))
        threshold = kind == "threshold_count"
        tgs.append(
            target(
                target_id=target_id, document=f"doc{target_id % 4}", indicator_code=code, kind=kind,
                comparator=str(rng.choice(["ge", "gt", "le", "lt", "approx"])),
                value=round(values[kind] * rng.uniform(0.5, 1.5), 2), unit=rng.choice(["亿元", "%", None]),
                target_year=start + 4, base_year=pd.NA if rng.random() < 0.7 else start - 2, period_start=start,
                per_year=bool(rng.random() < 0.5), scope=str(rng.choice(where)),
                share_of="province" if kind == "share" else None,
                threshold_indicator=str(rng.choice(["va", "rd_share"])) if threshold else None,
                threshold_comparator=str(rng.choice(["ge", "le"])) if threshold else None,
                threshold_value=float(rng.uniform(50, 300)) if threshold else np.nan,
                threshold_members=rng.choice(["county", "city", None]) if threshold else None,
            )
        )  # fmt: skip
    tgs = targets(*tgs)
    tgs["base_year"] = tgs["base_year"].astype("Int64")
    return dict(
        targets=tgs,
        observations=observations,
        indicators=indicators,
        scopes=pd.DataFrame(scopes, columns=["scope", "reported_code", "level"]),
        members=pd.DataFrame(members, columns=["scope", "region_code", "role"]),
        lineage=lineage,
    )


@pytest.mark.parametrize(
    "seed, role, variant",
    [(0, None, "all"), (1, "core", "all"), (2, None, "no lineage"), (3, ["core", "coordination"], "all"),
     (4, None, "one base indicator"), (5, None, "no observations"), (6, None, "region codes as numbers"),
     (7, "core", "small slices")],
)  # fmt: skip
def test_aggregate_is_identical_to_the_string_keyed_reference(monkeypatch, seed, role, variant):
    d = _random_province(seed)
    if variant == "small slices":  # scopes aggregated a few at a time, as at national scale
        monkeypatch.setattr(gaps, "_CHUNK_CELLS", 2_000)
    obs, lineage = d["observations"], d["lineage"]
    if variant == "no lineage":
        lineage = None
    elif variant == "one base indicator":  # no ratio among the figures
        obs = obs[obs["indicator_code"] == "va"]
    elif variant == "no observations":
        obs = obs.iloc[:0]
    elif variant == "region codes as numbers":
        obs = obs.assign(region_code=pd.to_numeric(obs["region_code"]).astype("Int64").astype(object))
    fast = aggregate(obs, d["indicators"], d["scopes"], d["members"], lineage, role)
    slow = _ref_aggregate(obs, d["indicators"], d["scopes"], d["members"], lineage, role)
    pd.testing.assert_frame_equal(fast, slow, check_exact=True, check_dtype=False)  # the values, not dtypes
    assert len(fast) or variant == "no observations"


@pytest.mark.parametrize(
    "seed, as_of, kwargs",
    [(0, 2023, {}), (1, 2025, {"role": "core"}), (2, 2021, {"lineage": None}),
     (3, 2024, {"requested_scopes": ["county:330302", "county:330212", "cluster:pv", "city:330200"]}),
     (4, 2024, {"scale_free_benchmarks_only": False, "role": ["core", "coordination"]}), (5, 2022, {"slices": 2_000})],
)  # fmt: skip
def test_compute_gaps_is_identical_to_evaluating_the_whole_reference_aggregate(monkeypatch, seed, as_of, kwargs):
    # compute_gaps aggregates every year on integer keys and reads each target's series up to its year;
    # evaluating the same targets on the string-keyed aggregate of the years up to as_of must give the same table.
    d = _random_province(seed)
    if "slices" in kwargs:  # scopes aggregated a few at a time, as at national scale
        monkeypatch.setattr(gaps, "_CHUNK_CELLS", kwargs["slices"])
    kwargs = {"lineage": d["lineage"], **{k: v for k, v in kwargs.items() if k != "slices"}}
    args = (d["targets"], d["observations"], d["indicators"], d["scopes"], d["members"], as_of)
    fast = compute_gaps(*args, **kwargs)
    whole = _ref_aggregate(
        d["observations"], d["indicators"], d["scopes"], d["members"], kwargs["lineage"], kwargs.get("role"), as_of
    )
    monkeypatch.setattr(gaps, "_aggregate", lambda *a, **k: _coded(whole))
    slow = compute_gaps(*args, **kwargs)
    pd.testing.assert_frame_equal(fast, slow, check_exact=True, check_dtype=False)
    assert fast["actual_value"].notna().sum() >= 30  # the random data do exercise the engine
    assert fast["kind"].nunique() >= 7 and fast["status"].nunique() >= 4


# --------------------------------------------------------------------------------------------------
# Industries, rule groups, members of one year, reported ratios (#13)
# --------------------------------------------------------------------------------------------------

_SECTOR_INDICATORS = pd.DataFrame(
    [_ind("va"), _ind("rd"), _ind("rev"),
     _ind("rd_share", kind="derived", numerator="rd", denominator="rev", factor=100.0, unit="%")]
)  # fmt: skip


def _agg_value(frame, scope, code, year):
    row = frame[(frame["scope"] == scope) & (frame["indicator_code"] == code) & (frame["year"] == year)]
    return row.iloc[0] if len(row) else None


def test_a_sector_sums_its_divisions_and_a_figure_for_the_set_wins():
    obs = pd.DataFrame(
        [("330000", "va", 2020, 10.0, "C17"), ("330000", "va", 2020, 30.0, "C18"),
         ("330000", "va", 2021, 12.0, "C17"), ("330000", "va", 2021, 31.0, "C18"),
         ("330000", "va", 2021, 45.0, "tm"),  # stored for the set itself
         ("330000", "rd", 2020, 1.0, "C17"), ("330000", "rev", 2020, 100.0, "C17"),
         ("330000", "rd", 2020, 6.0, "C18"), ("330000", "rev", 2020, 200.0, "C18"),
         ("330102", "va", 2020, 100.0, "")],
        columns=["region_code", "indicator_code", "year", "value", "industry"],
    )  # fmt: skip
    scopes = pd.DataFrame(
        [("province", "330000", "province", False), ("sector:tm", "330000|tm", "sector", True)],
        columns=["scope", "reported_code", "level", "own_only"],
    )
    members = pd.DataFrame(
        [("province", "330102"), ("sector:tm", "330000|C17"), ("sector:tm", "330000|C18")],
        columns=["scope", "region_code"],
    )
    frame = aggregate(obs, _SECTOR_INDICATORS, scopes, members)
    assert _agg_value(frame, "sector:tm", "va", 2020)["value"] == 40.0  # 10 + 30
    assert _agg_value(frame, "sector:tm", "va", 2021)["value"] == 45.0  # the set's own 45 over 12 + 31 = 43
    # a ratio of sums over the divisions: (1 + 6) / (100 + 200) × 100 = 2.333 %, not the mean of 1 % and 3 %
    assert _agg_value(frame, "sector:tm", "rd_share", 2020)["value"] == pytest.approx(7 / 300 * 100)
    # the province's whole economy reads only whole-economy rows: 100, no industry row added
    assert _agg_value(frame, "province", "va", 2020)["value"] == 100.0


def test_a_rule_group_holds_each_year_the_counties_passing_its_bounds():
    obs = pd.DataFrame(
        [("330102", "gross", 2019, 480.0), ("330102", "gross", 2020, 510.0),
         ("330105", "gross", 2019, 600.0), ("330105", "gross", 2020, 490.0),
         ("330000", "gross", 2020, 9000.0)],  # the province is not a county
        columns=["region_code", "indicator_code", "year", "value"],
    )  # fmt: skip
    rules = pd.DataFrame(
        [("group:over-500", "gross", "gt", 500.0, None, None), ("group:tier-1", "gross", "ge", None, None, None)],
        columns=["scope", "indicator_code", "lower_comparator", "lower_value", "upper_comparator", "upper_value"],
    )
    members = gaps.rule_members(rules, obs, {"330102", "330105"})
    # > 500: 330105 in 2019 (600), 330102 in 2020 (510); tier-1's bound is 待设定, so nobody
    assert members[["scope", "region_code", "year"]].values.tolist() == [
        ["group:over-500", "330105", 2019],
        ["group:over-500", "330102", 2020],
    ]
    va = pd.DataFrame(
        [("330102", "va", 2019, 5.0), ("330102", "va", 2020, 7.0),
         ("330105", "va", 2019, 9.0), ("330105", "va", 2020, 8.0)],
        columns=["region_code", "indicator_code", "year", "value"],
    )  # fmt: skip
    scopes = pd.DataFrame([("group:over-500", None, "group")], columns=["scope", "reported_code", "level"])
    frame = aggregate(va, pd.DataFrame([_ind("va")]), scopes, members)
    assert _agg_value(frame, "group:over-500", "va", 2019)["value"] == 9.0  # 330105 alone
    assert _agg_value(frame, "group:over-500", "va", 2020)["value"] == 7.0  # 330102 alone


def test_a_back_series_year_makes_no_one_a_rule_group_member():
    # 临平区 330113 (from 余杭区 330110, 2021): its 2019 figure is a back-series naming its own scope
    obs = pd.DataFrame(
        [("330113", "gross", 2019, 600.0, "county:330113"), ("330113", "gross", 2021, 550.0, None),
         ("330110", "gross", 2019, 1000.0, None), ("330110", "gross", 2021, 450.0, None)],
        columns=["region_code", "indicator_code", "year", "value", "scope"],
    )  # fmt: skip
    rules = pd.DataFrame(
        [("group:over-500", "gross", "gt", 500.0, None, None)],
        columns=["scope", "indicator_code", "lower_comparator", "lower_value", "upper_comparator", "upper_value"],
    )
    members = gaps.rule_members(rules, obs, {"330110", "330113"})
    # > 500: 2019 余杭区 alone (1000; 临平区 did not exist, its 600 is not a unit's figure); 2021 临平区 (550)
    assert members[["region_code", "year"]].values.tolist() == [["330110", 2019], ["330113", 2021]]


def test_a_reported_ratio_fills_in_only_where_its_parts_give_nothing():
    obs = pd.DataFrame(
        [("330102", "rd_share", 2021, 2.5),  # published ratio, no parts
         ("330105", "rd", 2021, 3.0), ("330105", "rev", 2021, 100.0),
         ("330105", "rd_share", 2021, 9.9)],  # a published ratio beside its parts: the parts win
        columns=["region_code", "indicator_code", "year", "value"],
    )  # fmt: skip
    scopes = pd.DataFrame(
        [("county:330102", "330102", "county"), ("county:330105", "330105", "county"), ("province", None, "province")],
        columns=["scope", "reported_code", "level"],
    )
    members = pd.DataFrame(
        [("county:330102", "330102"), ("county:330105", "330105"), ("province", "330102"), ("province", "330105")],
        columns=["scope", "region_code"],
    )
    frame = aggregate(obs, _SECTOR_INDICATORS, scopes, members)
    a = _agg_value(frame, "county:330102", "rd_share", 2021)
    b = _agg_value(frame, "county:330105", "rd_share", 2021)
    assert (a["value"], bool(a["reported"])) == (2.5, True)
    assert (b["value"], bool(b["reported"])) == (3.0, False)  # 3 / 100 × 100
    prov = _agg_value(frame, "province", "rd_share", 2021)
    assert (prov["value"], bool(prov["reported"])) == (3.0, False)  # only 330105 reports both parts
    targets = pd.DataFrame(
        [dict(target_id=1, document="d", indicator_code="rd_share", kind="level", comparator="ge", value=2.0,
              unit="%", target_year=2025, period_start=2021, scope="each_county")]
    )  # fmt: skip
    gap = compute_gaps(targets, obs, _SECTOR_INDICATORS, scopes, members, 2024)
    flags = dict(gap[["scope", "reported"]].values)
    assert flags == {"county:330102": True, "county:330105": False}  # shown as 直报 beside 2.5


def test_an_own_only_scope_carries_its_own_targets_and_no_benchmark():
    obs = pd.DataFrame(
        [("330102", "rd", 2021, 3.0), ("330102", "rev", 2021, 100.0)],
        columns=["region_code", "indicator_code", "year", "value"],
    )
    scopes = pd.DataFrame(
        [("province", None, "province", False), ("group:g@2023-01-17", None, "group", True)],
        columns=["scope", "reported_code", "level", "own_only"],
    )
    members = pd.DataFrame([("province", "330102"), ("group:g@2023-01-17", "330102")], columns=["scope", "region_code"])
    targets = pd.DataFrame(
        [dict(target_id=1, document="d", indicator_code="rd_share", kind="level", comparator="ge", value=2.0,
              unit="%", target_year=2025, period_start=2021, scope="province"),
         dict(target_id=2, document="d", indicator_code="rd_share", kind="level", comparator="ge", value=4.0,
              unit="%", target_year=2025, period_start=2021, scope="group:g@2023-01-17")]
    )  # fmt: skip
    gap = compute_gaps(targets, obs, _SECTOR_INDICATORS, scopes, members, 2024)
    assert gap[["scope", "target_id", "benchmark"]].values.tolist() == [
        ["group:g@2023-01-17", 2, False],
        ["province", 1, False],
    ]


# -- core-area series (issue 17) -----------------------------------------------------------------------


def test_a_core_area_without_its_clusters_series_falls_back_to_its_county_for_that_indicator_only():
    from targets.gaps import core_area_basis, core_area_fallback

    obs = pd.DataFrame(
        [
            ("A", "revenue", 2024, 3100.0, "", ""),
            ("A", "revenue", 2024, 1243.0, "", "tex"),  # tex has a revenue series: A's 3100 is not copied
            ("A", "employees", 2024, 20.0, "", ""),  # tex has no employees series: copied as A#tex
            ("A", "employees", 2024, 5.0, "C17", ""),  # an industry's figure is not the county's whole figure
            ("B", "revenue", 2024, 2500.0, "", ""),
        ],
        columns=["region_code", "indicator_code", "year", "value", "industry", "cluster"],
    )
    members = pd.DataFrame({"scope": ["cluster:tex", "cluster:tex"], "region_code": ["A#tex", "B#tex"]})
    out = core_area_fallback(obs, members)
    added = out.iloc[len(obs) :]
    assert sorted(zip(added["region_code"], added["indicator_code"], added["value"], strict=True)) == [
        ("A#tex", "employees", 20.0)
    ]
    inds = pd.DataFrame({"code": ["revenue", "employees"], "numerator": [None, None], "denominator": [None, None]})
    rows = pd.DataFrame(
        {
            "scope": ["cluster:tex", "cluster:tex", "county:A"],
            "indicator_code": ["revenue", "employees", "revenue"],
            "members": [["A#tex", "B#tex"], ["A#tex", "B#tex"], ["A"]],
        }
    )
    assert list(core_area_basis(rows, obs, inds)) == ["cluster", "county", None]


def test_a_back_series_figure_is_never_copied_to_a_core_area():
    from targets.gaps import core_area_fallback

    obs = pd.DataFrame(
        [("330113", "revenue", 2019, 800.0, "", "", "county:330113"),  # back-series: 临平区 did not exist yet
         ("330113", "revenue", 2021, 900.0, "", "", None)],
        columns=["region_code", "indicator_code", "year", "value", "industry", "cluster", "scope"],
    )  # fmt: skip
    members = pd.DataFrame({"scope": ["cluster:robots"], "region_code": ["330113#robots"]})
    added = core_area_fallback(obs, members).iloc[len(obs) :]
    assert added[["region_code", "year", "value"]].values.tolist() == [["330113#robots", 2021, 900.0]]
