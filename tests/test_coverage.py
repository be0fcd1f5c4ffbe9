"""targets/coverage.py: which counties reported which year, and the year the pages default to (no database)."""

import pandas as pd

from targets.coverage import base_codes, default_year, year_coverage

INDICATORS = pd.DataFrame(
    [
        ("va", "base", None, None, None),
        ("pop", "base", None, None, None),
        ("va_per_head", "derived", "va", "pop", None),
        ("va_growth", "base", None, None, "va"),
        ("unused", "base", None, None, None),
    ],
    columns=["code", "kind", "numerator", "denominator", "growth_of"],
)


def obs(*rows):
    return pd.DataFrame(rows, columns=["region_code", "indicator_code", "year", "value"])


def test_a_ratio_rests_on_its_parts_and_a_growth_rate_on_itself_and_its_level():
    assert base_codes(["va_per_head"], INDICATORS) == {"va", "pop"}
    assert base_codes(["va_growth"], INDICATORS) == {"va_growth", "va"}
    assert base_codes(["nowhere"], INDICATORS) == set()


def test_a_county_counts_once_it_holds_one_of_the_indicators_and_other_places_do_not_count():
    data = obs(
        ("a", "va", 2023, 1), ("a", "pop", 2023, 1), ("b", "pop", 2023, 1),
        ("a", "va", 2024, 1), ("b", "unused", 2024, 1),  # b sent only a figure the plan does not use
        ("elsewhere", "va", 2024, 1),  # not one of the counties
    )  # fmt: skip
    frame = year_coverage(data, {"va", "pop"}, ["a", "b"], threshold=0.8)
    # 2023: a and b → 2/2 ≥ 0.8 × 2 = 1.6; 2024: only a → 1/2 < 1.6, partial.
    assert frame.to_dict("records") == [
        {"year": 2023, "reported": 2, "total": 2, "partial": False},
        {"year": 2024, "reported": 1, "total": 2, "partial": True},
    ]


def test_the_default_is_the_latest_complete_year_never_a_partial_later_one():
    ten = [f"c{i}" for i in range(10)]
    data = obs(*[(c, "va", 2023, 1) for c in ten], *[(c, "va", 2024, 1) for c in ten[:9]], ("c0", "va", 2025, 1))
    frame = year_coverage(data, {"va"}, ten, threshold=0.8)
    # 2023: 10/10; 2024: 9/10 ≥ 8 → complete; 2025: 1/10 < 8 → partial.
    assert list(frame["partial"]) == [False, False, True]
    assert default_year(frame, fallback=1999) == 2024


def test_when_every_year_is_partial_the_best_reported_year_is_the_default():
    data = obs(("a", "va", 2022, 1), ("b", "va", 2022, 1), ("a", "va", 2023, 1))
    frame = year_coverage(data, {"va"}, ["a", "b", "c", "d", "e"], threshold=0.8)
    # 2022: 2/5, 2023: 1/5; both below 4 → the year more counties reported.
    assert default_year(frame, fallback=1999) == 2022


def test_without_any_value_the_fallback_year_is_the_default():
    assert default_year(year_coverage(obs(), {"va"}, ["a"], threshold=0.8), fallback=2024) == 2024
