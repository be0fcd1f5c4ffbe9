"""targets/english.py and the unit table: English labels composed from the catalog, never translated text."""

from indicators.ingest.units import UNITS_EN, unit_en
from targets.english import target_label_en, with_unit_en


def test_units_read_in_english_and_an_unknown_unit_stays_as_written():
    assert unit_en("亿元") == "100 million yuan"
    assert unit_en("万元/亩") == "10,000 yuan/mu"
    assert unit_en("个百分点") == "percentage points"
    assert unit_en("个") == ""  # a count word has no English unit
    assert unit_en("光年") == "光年"
    assert all(isinstance(v, str) for v in UNITS_EN.values())


def test_a_formatted_number_gets_its_unit_in_english():
    assert with_unit_en("52.96 亿元", "亿元") == "52.96 100 million yuan"
    assert with_unit_en("3.5%", "%") == "3.5%"
    assert with_unit_en("103 个", "个") == "103"
    assert with_unit_en("—", "亿元") == "—"  # no value, nothing to change


def test_a_target_label_is_composed_from_the_indicators_english_name():
    label = target_label_en("Industrial value added", "ge", "2,500 亿元", "亿元", 2027)
    assert label == "Industrial value added ≥ 2,500 100 million yuan by 2027"
    assert target_label_en("", "ge", "2,500 亿元", "亿元", 2027) == ""  # no English name: the caller keeps Chinese


def test_a_composed_label_says_what_the_target_measures():
    # 试点单位规上工业增加值占全省比重 ≥50%: a share of the province, not the level of value added.
    share = target_label_en("Industrial value added", "ge", "50.0%", "%", 2017, kind="share", share_of="province")
    assert share == "Industrial value added, share of the province ≥ 50.0% by 2017"
    growth = target_label_en("Industrial value added", "ge", "9.0%", "%", 2017, kind="avg_annual_growth")
    assert growth == "Industrial value added, average annual growth ≥ 9.0% by 2017"


def test_a_target_without_a_share_base_says_no_share_even_from_a_frames_empty_cell():
    # a level target's share_of is an empty cell of the gap table: NaN, which must not read "share of nan"
    label = target_label_en("Tax per mu", "ge", "40.0 万元/亩", "万元/亩", 2025, kind="level", share_of=float("nan"))
    assert label == "Tax per mu ≥ 40.0 10,000 yuan/mu by 2025"
