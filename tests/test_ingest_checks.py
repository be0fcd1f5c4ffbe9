"""Checks that know the numbers (indicators/ingest/checks.py, issue 14 item 6), without a database."""

from __future__ import annotations

import pytest

from indicators.ingest.checks import Rule, change, rule_issues, unit_slips
from indicators.ingest.results import ParsedValue

NAMES = {
    "value_added": "规模以上工业增加值",
    "gross_output": "规模以上工业总产值",
    "industrial_tax": "规模以上工业税收",
}
WITHIN_OUTPUT = Rule("规上工业增加值不超过规上工业总产值", "value_added", "le", "gross_output", "error")
YIWU = "330782"


def pv(indicator, value, year=2023, region=YIWU, cell="B3"):
    return ParsedValue(region, indicator, year, value, "2023年", cell, str(value), "亿元")


def test_value_added_above_output_on_file_is_an_error_at_the_uploaded_cell():
    # the issue's case: 增加值 2,500 uploaded while 总产值 1,980 is on file
    errors, warnings = rule_issues(
        [pv("value_added", 2500, cell="C7")], {(YIWU, "gross_output", "", "", 2023): 1980}, [WITHIN_OUTPUT], NAMES
    )
    assert warnings == []
    assert [str(e) for e in errors] == [
        "2023年!C7: 2023年 规模以上工业增加值 2500 ≤ 规模以上工业总产值 1980 不成立（校验规则“规上工业增加值不超过规上工业总产值”）"
    ]


def test_the_uploaded_side_replaces_the_one_on_file():
    # on file 增加值 2,500 > 总产值 1,980, but the upload brings 总产值 3,000: 2,500 ≤ 3,000 holds
    on_file = {(YIWU, "value_added", "", "", 2023): 2500, (YIWU, "gross_output", "", "", 2023): 1980}
    assert rule_issues([pv("gross_output", 3000)], on_file, [WITHIN_OUTPUT], NAMES) == ([], [])


def test_a_rule_is_checked_only_where_both_sides_are_known_and_one_is_uploaded():
    # no 总产值 anywhere: nothing to compare; a broken pair only on file (another year) is not this upload's
    on_file = {(YIWU, "value_added", "", "", 2020): 9, (YIWU, "gross_output", "", "", 2020): 1}
    assert rule_issues([pv("value_added", 2500)], on_file, [WITHIN_OUTPUT], NAMES) == ([], [])


def test_a_warning_rule_warns_and_equal_sides_pass_le():
    warning = Rule("增加值不等于总产值", "value_added", "lt", "gross_output", "warning")
    values = [pv("value_added", 100), pv("gross_output", 100, cell="C3")]
    errors, warnings = rule_issues(values, {}, [WITHIN_OUTPUT, warning], NAMES)
    assert errors == []  # 100 ≤ 100 holds
    assert [w.cell for w in warnings] == ["B3"]  # 100 < 100 does not: shown at the left side's cell


def test_a_value_a_hundred_times_last_years_is_a_likely_unit_slip():
    # the issue's case: 税收 1,243,600 亿元 (a 万元 column read as 亿元) after 124.36 on file: 10,000×
    slips = unit_slips([pv("industrial_tax", 1_243_600)], {(YIWU, "industrial_tax", "", "", 2022): 124.36}, NAMES)
    assert len(slips) == 1
    index, issue = slips[0]
    assert (index, issue.cell) == (0, "B3")
    assert issue.message.startswith("规模以上工业税收 1243600 是上年数值（2022年 124.36）的 1e+04 倍，疑似计量单位错误")


def test_a_revision_is_compared_with_the_value_it_replaces_first():
    # 2023 on file 400, uploaded 40,000 (100×) while 2022 was 39,000: the slip is against the value replaced
    on_file = {(YIWU, "value_added", "", "", 2023): 400.0, (YIWU, "value_added", "", "", 2022): 39_000.0}
    ((_, issue),) = unit_slips([pv("value_added", 40_000.0)], on_file, NAMES)
    assert "是现有数值（2023年 400）的 100 倍" in issue.message


def test_the_year_before_may_be_in_the_same_file_and_a_hundredth_counts_too():
    # 2022: 512.3, 2023: 5.123 → exactly 1/100, a slip; 2024: 6.0 after 5.123 is not
    values = [pv("value_added", 512.3, 2022), pv("value_added", 5.123, 2023), pv("value_added", 6.0, 2024)]
    slips = unit_slips(values, {}, NAMES)
    assert [(i, "1/100" in issue.message) for i, issue in slips] == [(1, True)]


def test_ninety_nine_times_zero_and_growth_series_are_not_slips():
    on_file = {
        (YIWU, "value_added", "", "", 2022): 1.0,
        (YIWU, "gross_output", "", "", 2022): 0.0,
        (YIWU, "value_added_growth", "", "", 2022): 0.1,
    }
    values = [pv("value_added", 99.0), pv("gross_output", 500.0), pv("value_added_growth", 25.0)]
    # 99× is below the factor; 0 → 500 has no ratio; a growth rate from 0.1 to 25 is a real swing
    assert unit_slips(values, on_file, NAMES, skip={"value_added_growth"}) == []


def test_an_amount_is_flagged_above_thirty_percent():
    # 100 → 135 is +35 % > 30 %; 100 → 125 is +25 %
    assert change(100, 135, unit="亿元", threshold=0.3, points=5, floor=10).highlight
    assert change(100, 135, unit="亿元", threshold=0.3, points=5, floor=10).pct == pytest.approx(35.0)
    assert not change(100, 125, unit="亿元", threshold=0.3, points=5, floor=10).highlight


def test_a_rate_is_compared_in_points_not_in_relative_percent():
    # 2.0 % → 3.0 % is +50 % relative but +1 point: not flagged at 5 points; 2.0 → 8.0 is +6 points: flagged
    small = change(2.0, 3.0, unit="%", threshold=0.3, points=5, floor=10)
    assert (small.kind, small.points, small.change, small.highlight) == ("changed", 1.0, None, False)
    assert change(2.0, 8.0, unit="%", threshold=0.3, points=5, floor=10).highlight


def test_small_counts_below_the_floor_are_not_flagged():
    # 2 → 5 companies is +150 %, both below the floor of 10: not flagged; 8 → 20 reaches it: flagged (+150 %)
    assert not change(2, 5, unit="家", threshold=0.3, points=5, floor=10).highlight
    assert change(8, 20, unit="家", threshold=0.3, points=5, floor=10).highlight


def test_new_same_and_from_zero():
    assert change(None, 5, unit="亿元", threshold=0.3, points=5, floor=10).kind == "new"
    assert change(1.0, 1.0 + 1e-12, unit="亿元", threshold=0.3, points=5, floor=10).kind == "same"
    from_zero = change(0.0, 5.0, unit="亿元", threshold=0.3, points=5, floor=10)
    assert (from_zero.change, from_zero.highlight) == (None, True)
