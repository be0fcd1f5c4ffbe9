"""Yearbook and bulletin tables (issue #14 items 1–4): multi-row headers, units wherever the yearbook puts
them, subtotal rows, titles and parents that qualify columns, the user's column choices, split-off units."""

from __future__ import annotations

from indicators.ingest import IndicatorSpec, IngestCatalog, RegionSpec, parse_upload
from tests.ingest_catalog import CURRENT_YEAR, REGIONS, load_indicators, xlsx

ALL_INDUSTRY = IndicatorSpec("industrial_value_added_all", "全部工业增加值", "亿元")
MORE_REGIONS = [
    RegionSpec("330110", "余杭区", "余杭", "county"),
    RegionSpec("330113", "临平区", "临平", "county", valid_from=2021, predecessors=("330110",)),
    RegionSpec("330104", "江干区", "江干", "county", valid_to=2020, successor="330114"),
    RegionSpec("330114", "钱塘区", "钱塘", "county", valid_from=2021, predecessors=("330104", "330109")),
    RegionSpec("330300", "温州市", "温州", "city"),
    RegionSpec("330327", "苍南县", "苍南", "county"),
    RegionSpec("330383", "龙港市", "龙港", "county", valid_from=2019, predecessors=("330327",)),
    RegionSpec("331000", "台州市", "台州", "city"),
    RegionSpec("331021", "玉环县", "玉环", "county", valid_to=2016, successor="331083"),
    RegionSpec("331083", "玉环市", "玉环", "county", valid_from=2017, predecessors=("331021",)),
]
CATALOG = IngestCatalog([*load_indicators(), ALL_INDUSTRY], [*REGIONS, *MORE_REGIONS], CURRENT_YEAR)


def parse(data, **kwargs):
    return parse_upload(data, "table.xlsx", CATALOG, **kwargs)


def table(result) -> set[tuple]:
    return {(v.region_code, v.indicator_code, v.year, v.value) for v in result.values}


def msgs(issues) -> list[str]:
    return [str(i) for i in issues]


def readings(result) -> dict[str, tuple[str, str]]:
    return {c.header: (c.how, c.indicator_code) for c in result.columns}


# The shape of 表17-25: a numbered title, a two-row header, a blank merged cell over the parts of 生产总值,
# units in full-width brackets, one of them unclosed, a 注 footnote.
YEARBOOK = xlsx(
    [
        ["17-25 各市、县国民经济主要指标（2024年）"],
        ["市县名称", "年末常住人口 (万人)", "生产总值 （亿元", "", None, "人均生产总值 (元)"],
        [None, None, None, "第一产业", "工业", None],
        ["萧山区", 216.4, 2431.65, 59.22, 698.0, 112995],
        ["景宁县", 11.08, 119.7, 8.05, 19.9, 107836],
        ["注:\u3000人均生产总值按常住人口计算,以后各表同。"],
    ],
    "17-25",
    merges=["A1:F1", "A2:A3", "B2:B3", "C2:C3", "D2:E2", "F2:F3"],
)


def test_a_yearbook_table_with_skip_unknown_keeps_the_catalog_columns():
    r = parse(YEARBOOK, skip_unknown=True)
    assert r.accepted, msgs(r.errors)
    assert table(r) == {
        ("330109", "resident_population", 2024, 216.4),
        ("330109", "gdp", 2024, 2431.65),
        ("330109", "industrial_value_added_all", 2024, 698.0),  # 工业 under 生产总值: all industry, not 规上
        ("331127", "resident_population", 2024, 11.08),  # 景宁县 is 景宁畲族自治县
        ("331127", "gdp", 2024, 119.7),
        ("331127", "industrial_value_added_all", 2024, 19.9),
    }
    assert readings(r) == {
        "年末常住人口": ("matched", "resident_population"),
        "生产总值": ("matched", "gdp"),
        "生产总值/第一产业": ("skipped", ""),
        "生产总值/工业": ("qualified", "industrial_value_added_all"),
        "人均生产总值": ("skipped", ""),
    }
    assert r.skipped_columns == ["生产总值/第一产业", "人均生产总值"]
    # the unclosed "（亿元" still gives the unit: no "unit assumed" warning for 生产总值 or its parts
    assert not [w for w in msgs(r.warnings) if "未注明计量单位" in w]


def test_without_skip_unknown_each_unknown_column_is_an_error_naming_it():
    r = parse(YEARBOOK)
    assert msgs(r.errors) == ['17-25!D3: 未知指标 "生产总值/第一产业"', '17-25!F2: 未知指标 "人均生产总值"']
    assert r.values == []


def test_a_column_map_reads_a_column_as_an_indicator_or_skips_it():
    r = parse(YEARBOOK, column_map={"人均生产总值": "忽略", "第一产业": "规模以上工业增加值"})
    assert r.accepted, msgs(r.errors)
    assert ("330109", "value_added", 2024, 59.22) in table(r)
    assert r.mapped_columns == {"生产总值/第一产业": "规模以上工业增加值"}
    assert r.skipped_columns == ["人均生产总值"]
    # a code works as well as a name; a choice naming no indicator refuses the file and says which
    assert parse(YEARBOOK, column_map={"人均生产总值": "gdp", "第一产业": "忽略"}).mapped_columns == {
        "人均生产总值": "地区生产总值"
    }
    bad = parse(YEARBOOK, column_map={"第一产业": "第一产业增加值"}, skip_unknown=True)
    assert msgs(bad.errors) == ['列 "第一产业" 指定的指标 "第一产业增加值" 不在指标目录中']


def test_units_row_subtotals_province_and_city_rows():
    data = xlsx(
        [
            ["2023年规模以上工业主要指标"],
            ["地 区", "工业增加值", "营业收入", "利润总额"],
            ["单位", "亿元", "万元", "万元"],
            ["全省", 24000, 1000000000, 50000],
            ["杭州市", 5000, 200000000, 80000],
            ["杭州市区", 3000, 100000000, 40000],
            ["\u3000\u3000萧山区", 1200, 50000000, 30000],
            ["#山区26县", 900, 40000000, 10000],
            ["其中：海宁", 800, 30000000, 20000],
            ["资料来源：浙江省统计局"],
        ]
    )
    r = parse(data)
    assert not r.errors, msgs(r.errors)
    # the 规模以上工业 title makes the bare names mean the 规上 indicators; 万元 → 亿元 is ÷ 10 000
    assert table(r) >= {
        ("330000", "value_added", 2023, 24000.0),
        ("330000", "revenue", 2023, 100000.0),
        ("330100", "revenue", 2023, 20000.0),
        ("330109", "value_added", 2023, 1200.0),  # full-width indent dropped
    }
    assert {v.region_code for v in r.values} == {"330000", "330100", "330109"}
    assert r.skipped_rows == ["Sheet1!A6 杭州市区", "Sheet1!A8 #山区26县", "Sheet1!A9 其中:海宁"]
    assert {c.header: c.how for c in r.columns} == {
        "工业增加值": "qualified",
        "营业收入": "qualified",
        "利润总额": "qualified",
    }
    assert 'Sheet1!A8: "#山区26县" 行是小计或其中项，不是单个地区，已跳过' in msgs(r.warnings)


def test_a_unit_line_and_a_growth_sub_column():
    data = xlsx(
        [
            ["各县（市、区）主要工业指标（2023年）", None, None, None, "单位：亿元"],
            ["地区", "规上工业增加值", None, "规上工业营业收入", None],
            [None, "绝对数", "比上年增长(%)", "绝对数", "比上年增长(%)"],
            ["海宁", 800.5, 7.2, 3000, -1.5],
        ],
        merges=["B2:C2", "D2:E2", "A2:A3"],
    )
    r = parse(data)
    assert not r.errors, msgs(r.errors)
    assert table(r) == {
        ("330481", "value_added", 2023, 800.5),  # 海宁 is 海宁市; 亿元 from the 单位： line
        ("330481", "value_added_growth", 2023, 7.2),  # the comparable-price growth series
        ("330481", "revenue", 2023, 3000.0),
    }
    assert 'Sheet1!E3: "规模以上工业营业收入" 的增长率没有对应的可比价增速指标，已忽略（增长率不作为总量导入）' in msgs(
        r.warnings
    )


def test_a_unit_column_gives_each_row_its_unit():
    data = xlsx(
        [["地区", "计量单位", "规上工业营业收入"], ["义乌市", "万元", 5000000], ["海宁市", "亿元", 700]], "2023年"
    )
    r = parse(data)
    assert table(r) == {("330782", "revenue", 2023, 500.0), ("330481", "revenue", 2023, 700.0)}


def test_split_off_units_before_they_existed_are_back_series():
    data = xlsx(
        [
            ["地区", "规上工业增加值（亿元）"],
            ["临平区", 400],
            ["钱塘区", 600],
            ["龙港市", 60],
            ["余杭区", 900],
        ],
        "2015年",
    )
    r = parse(data)
    assert not r.errors, msgs(r.errors)
    back = {(v.region_code, v.back_series) for v in r.values}
    # 临平区 (from 余杭区, which goes on), 钱塘区 (partly from 萧山区), 龙港市 (from 苍南县): own code, flagged
    assert back == {("330113", True), ("330114", True), ("330383", True), ("330110", False)}
    assert any("临平区" in w and "按现行区划" in w for w in msgs(r.warnings))


def test_a_renamed_unit_before_the_rename_is_the_same_unit_with_a_warning():
    r = parse(xlsx([["地区", "规上工业增加值（亿元）"], ["玉环市", 300]], "2015年"))
    assert [(v.region_code, v.back_series) for v in r.values] == [("331021", False)]  # 玉环县's code in 2015
    assert msgs(r.warnings) == ['2015年!A2: 地区 "玉环市" 自 2017 年起设立，2015 年数据记入其前身 "玉环县"（331021）']


def test_a_growth_column_is_read_as_the_growth_series_and_labelled_so():
    data = xlsx(
        [
            ["2023年主要指标"],
            ["地区", "规上工业增加值", None, "增长%"],
            [None, "本年（亿元）", "上年（亿元）", None],
            ["义乌市", 560, 523.4, 8.1],
        ],
        merges=["B2:C2", "A2:A3"],
    )
    r = parse(data)
    assert table(r) == {
        ("330782", "value_added", 2023, 560.0),
        ("330782", "value_added", 2022, 523.4),  # 上年 is the year before
        ("330782", "value_added_growth", 2023, 8.1),
    }
    assert readings(r) == {
        "规上工业增加值": ("matched", "value_added"),
        "规上工业增加值/上年(亿元)": ("matched", "value_added"),
        "规上工业增加值/增长%": ("growth", "value_added_growth"),
    }
