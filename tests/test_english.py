"""targets/english.py and the unit table: English labels composed from the catalog, never translated text."""

from indicators.ingest.units import UNITS_EN, unit_en
from targets.english import formula_en, target_label_en, with_unit_en


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


def test_a_missing_explanation_is_rebuilt_in_english_from_its_parts():
    from targets.english import missing_en

    names = {"上云企业": "Enterprises using cloud services", "规模以上工业总产值": "Gross industrial output"}
    sector = missing_en("缺少 重点传统制造业 分行业 上云企业 2016–2020", "重点传统制造业", "Key traditional mfg", names)
    assert sector == "missing: Enterprises using cloud services, Key traditional mfg by industry, 2016–2020"
    each = missing_en("缺少 全省 各园区的 规模以上工业总产值 2013–2017", "全省", "Zhejiang province", names)
    assert each == "missing: Gross industrial output of each zone, Zhejiang province, 2013–2017"
    assert missing_en("缺少 义乌市 上云企业 2025", "义乌市", "Yiwu City", names) == (
        "missing: Enterprises using cloud services, Yiwu City, 2025"
    )
    assert missing_en("名单未录入", "", "", names) == "list not entered"
    assert missing_en("门槛待设定", "", "", names) == "threshold to be set"
    assert missing_en("范围未知：group:x", "", "", names) == "unknown scope: group:x"
    # an indicator without an English name keeps its Chinese name rather than losing it
    assert missing_en("缺少 义乌市 光年 2025", "义乌市", "Yiwu City", names) == "missing: 光年, Yiwu City, 2025"


def test_years_are_joined_in_the_pages_language():
    from targets.english import join_years

    assert join_years((2022, 2024), "zh") == "2022、2024"
    assert join_years((2022, 2024), "en") == "2022, 2024"


def _catalog_indicators_and_units():
    """Every indicator entry of the catalog YAML (indicators.yaml and each document's own) and every unit an
    indicator, a target or a target's threshold is stated in."""
    from pathlib import Path

    import yaml

    indicators, units = [], set()
    for path in sorted((Path(__file__).parents[1] / "fixtures" / "catalog").glob("*.yaml")):
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
        if not isinstance(data, dict):
            continue
        entries = (data.get("base") or []) + (data.get("derived") or []) + (data.get("indicators") or [])
        indicators += [(path.name, entry) for entry in entries]
        units |= {entry.get("unit") for entry in entries}
        for target in data.get("targets") or []:
            units |= {target.get("unit"), (target.get("threshold") or {}).get("unit")}
    return indicators, units - {None}


def test_every_catalog_indicator_has_an_english_name_and_every_unit_an_english_form():
    indicators, units = _catalog_indicators_and_units()
    assert len(indicators) > 150  # indicators.yaml's 48 and the documents' own
    assert [(f, e["code"]) for f, e in indicators if not str(e.get("name_en") or "").strip()] == []
    assert sorted(units - set(UNITS_EN)) == []
    assert {"亿元", "万元/亩", "%"} <= units  # the walk reached the units (an empty set would pass vacuously)


def test_a_formula_is_worded_from_its_parts_english_names():
    assert formula_en("Tax paid", "Industrial land", 10000) == "Tax paid ÷ Industrial land × 10000"
    assert formula_en("R&D spending", "Revenue", 100, "Manufacturing") == (
        "R&D spending ÷ Revenue × 100 (each for Manufacturing)"
    )
    assert formula_en("Value added", "Employees") == "Value added ÷ Employees"  # a factor of 1 is not written
