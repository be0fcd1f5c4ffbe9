"""parse_upload behaviours on small workbooks built in the test (shapes, validation, restrictions)."""

from __future__ import annotations

import codecs

import pytest

from indicators.ingest import parse_upload
from tests.ingest_catalog import LONG_HEADER, make_catalog, xlsx

CATALOG = make_catalog()
JN = ["331127", "景宁畲族自治县"]


def parse(data: bytes, filename: str = "upload.xlsx", **kwargs):
    return parse_upload(data, filename, CATALOG, **kwargs)


def table(result) -> set[tuple]:
    return {(v.region_code, v.indicator_code, v.year, v.value) for v in result.values}


def msgs(issues) -> list[str]:
    return [str(i) for i in issues]


def long_sheet(*rows):
    return xlsx([LONG_HEADER, *rows], "填报")


# -- validation -------------------------------------------------------------------------------


def test_the_same_value_twice_in_different_units_is_a_warning():
    r = parse(
        long_sheet(JN + ["规上工业增加值", "亿元", 2023, 12.5], JN + ["规模以上工业增加值", "万元", 2023, 125000])
    )
    assert r.accepted and table(r) == {("331127", "value_added", 2023, 12.5)}
    assert msgs(r.warnings) == ["填报!F3: 景宁畲族自治县 规模以上工业增加值 2023年 与 F2 重复（数值相同），只导入一次"]


@pytest.mark.parametrize("marker", ["—", "-", "－", "…", "/", "", "无", "——", "  ", "…… "])
def test_missing_value_markers_mean_no_value_never_zero(marker):
    r = parse(long_sheet(JN + ["规上工业增加值", "亿元", 2023, 12.5], JN + ["规上工业利润总额", "亿元", 2023, marker]))
    assert r.accepted and table(r) == {("331127", "value_added", 2023, 12.5)}


def test_a_file_of_only_missing_markers_has_no_data():
    r = parse(long_sheet(JN + ["规上工业增加值", "亿元", 2023, "—"]))
    assert msgs(r.errors) == ["填报: 没有可导入的数值（数值单元格都为空）"]


@pytest.mark.parametrize(
    ("cell", "expected"),
    [("12,345.6", 12345.6), (" 12.5 ", 12.5), ("１２.５", 12.5), ("1.25e2", 125.0), ("+7", 7.0)],
)
def test_numbers_stored_as_text_are_read(cell, expected):
    r = parse(long_sheet(JN + ["规上工业增加值", "亿元", 2023, cell]))
    assert table(r) == {("331127", "value_added", 2023, expected)}


@pytest.mark.parametrize("cell", ["约12.5", "12.5亿", "见附注", "12..5", "1,23", "TRUE"])
def test_text_in_a_number_cell_rejects_the_file(cell):
    r = parse(long_sheet(JN + ["规上工业增加值", "亿元", 2023, cell], JN + ["规上工业利润总额", "亿元", 2023, 3]))
    assert msgs(r.errors) == [f'填报!F2: "{cell}" 不是数值']
    assert r.values == []


def test_a_boolean_cell_is_not_a_number():
    r = parse(long_sheet(JN + ["规上工业增加值", "亿元", 2023, True]))
    assert msgs(r.errors) == ['填报!F2: "TRUE" 不是数值']


def test_growth_may_be_negative_and_above_100():
    r = parse(long_sheet(JN + ["规上工业增加值增速", "%", 2023, -12.5], JN + ["规上工业增加值增速", "%", 2022, 150]))
    assert r.accepted
    assert table(r) == {("331127", "value_added_growth", 2023, -12.5), ("331127", "value_added_growth", 2022, 150.0)}


def test_a_share_of_exactly_0_and_100_is_fine_but_not_below():
    ok = parse(long_sheet(JN + ["高新技术产业增加值占比", "%", 2023, 100], JN + ["装备制造业增加值占比", "%", 2023, 0]))
    assert ok.accepted
    bad = parse(long_sheet(JN + ["高新技术产业增加值占比", "%", 2023, -0.5]))
    assert msgs(bad.errors) == [
        '填报!F2: "-0.5" 超出比重的取值范围 0–100（指标 "高新技术产业增加值占规模以上工业增加值比重"）'
    ]


def test_an_excel_percentage_cell_is_read_as_shown():
    data = xlsx([LONG_HEADER, JN + ["高新技术产业增加值占比", None, 2023, 0.125]], "填报", formats={"F2": "0.0%"})
    r = parse(data)
    assert r.accepted and table(r) == {("331127", "hightech_share", 2023, 12.5)}
    assert (r.values[0].raw, r.values[0].raw_unit) == ("12.5%", "%")


def test_a_percent_sign_on_a_money_value_is_an_error():
    r = parse(long_sheet(JN + ["规上工业增加值", "亿元", 2023, "12.5%"]))
    assert msgs(r.errors) == ['填报!F2: "12.5%" 带百分号，但计量单位是 "亿元"']


def test_a_missing_unit_assumes_the_canonical_one_with_a_warning():
    r = parse(long_sheet(JN + ["规上工业增加值", None, 2023, 12.5]))
    assert r.accepted and table(r) == {("331127", "value_added", 2023, 12.5)}
    assert msgs(r.warnings) == ['填报!D2: 未注明计量单位，按指标 "规模以上工业增加值" 的标准单位 "亿元" 处理']


def test_a_different_count_word_converts_with_a_warning():
    r = parse(long_sheet(JN + ["新增工业机器人", "套", 2023, 40]))
    assert table(r) == {("331127", "new_industrial_robots", 2023, 40.0)}
    assert msgs(r.warnings) == ['填报!D2: 计量单位 "套" 与标准单位 "台" 的量词不同，按相同计数换算']


def test_the_old_revenue_name_is_fine_up_to_2018():
    r = parse(long_sheet(JN + ["主营业务收入", "亿元", 2018, 110]))
    assert r.accepted and r.warnings == []
    r = parse(long_sheet(JN + ["主营业务收入", "亿元", 2019, 120]))
    assert r.accepted and table(r) == {("331127", "revenue", 2019, 120.0)}
    assert msgs(r.warnings) == [
        '填报!C2: 指标名称 "主营业务收入" 只适用于 2018 年及以前，2019 年及以后的数据已按 "规模以上工业营业收入" 导入，请核对统计口径'
    ]


def test_an_indicator_code_column_is_accepted():
    header = ["地区代码", "指标代码", "年份", "数值", "计量单位"]
    r = parse(xlsx([header, ["330481", "value_added", 2023, 420.5, "亿元"]]))
    assert table(r) == {("330481", "value_added", 2023, 420.5)}


def test_region_code_and_name_must_agree():
    r = parse(long_sheet(["330782", "景宁畲族自治县", "规上工业增加值", "亿元", 2023, 12.5]))
    assert msgs(r.errors) == ['填报!B2: 地区代码 "330782" 与地区名称 "景宁畲族自治县" 不一致']


def test_a_bad_year_cell():
    r = parse(long_sheet(JN + ["规上工业增加值", "亿元", "二〇二三", 12.5]))
    assert msgs(r.errors) == ['填报!E2: "二〇二三" 不是有效年份']


def test_next_year_is_allowed_but_not_the_one_after():
    assert parse(long_sheet(JN + ["规上工业增加值", "亿元", 2026, 12.5])).accepted
    r = parse(long_sheet(JN + ["规上工业增加值", "亿元", 2027, 12.5]))
    assert msgs(r.errors) == ["填报!E2: 年份 2027 超出范围 1949–2026"]


def test_a_second_value_column_is_an_error_naming_it():
    r = parse(xlsx([LONG_HEADER[:6] + ["数值"], JN + ["规上工业增加值", "亿元", 2023, 12.5, 13.5]], "填报"))
    assert msgs(r.errors) == ["填报!G1: 表头中有两个数值列（F1、G1），无法确定导入哪一列"]


def test_marks_nobody_sees_are_dropped_from_names_and_headers():
    # right-to-left and zero-width marks, as a name copied from a web page or a chat carries them
    header = [f"\u200f{h}\u2066" for h in LONG_HEADER]
    row = ["", "\u202b义乌市\u202c", "\u200b规上工业增加值\ufeff", "亿元\u2060", 2023, "\u200e12.5"]
    assert table(parse(xlsx([header, row], "填报"))) == {("330782", "value_added", 2023, 12.5)}


def test_warnings_are_capped_and_counted():
    # the same value 250 times: a warning each, the first 200 kept
    r = parse(long_sheet(*[JN + ["规上工业增加值", "亿元", 2023, 12.5]] * 251))
    assert r.accepted and len(r.warnings) == 201
    assert str(r.warnings[-1]) == "另有 50 条提示未列出"


def test_too_many_errors_are_summarised():
    rows = [JN + ["规上工业增加值", "亿元", 1950 + i, f"约{i}"] for i in range(70)]
    rows += [JN + ["规上工业利润总额", "亿元", 1950 + i, f"约{i}"] for i in range(70)]
    rows += [JN + ["规上工业营业收入", "亿元", 1950 + i, f"约{i}"] for i in range(70)]
    r = parse(long_sheet(*rows))
    assert len(r.errors) == 201
    assert str(r.errors[-1]) == "另有 10 条错误未列出"


# -- arguments: year and region restriction ------------------------------------------------------


def test_the_year_argument_must_match_the_year_column():
    r = parse(long_sheet(JN + ["规上工业增加值", "亿元", 2022, 12.5]), year=2023)
    assert msgs(r.errors) == ["填报!E2: 年份 2022 与上传时选择的年份 2023 不一致"]


def test_the_year_argument_fills_a_long_form_without_a_year_column():
    r = parse(xlsx([["地区", "指标", "计量单位", "数值"], ["义乌市", "规上工业增加值", "亿元", 523.4]]), year=2022)
    assert table(r) == {("330782", "value_added", 2022, 523.4)}


def test_out_of_range_arguments_are_refused():
    assert msgs(parse(long_sheet(), year=1900).errors) == ["上传时选择的年份 1900 超出范围 1949–2026"]
    assert msgs(parse(long_sheet(), region_code="999999").errors) == ['上传地区代码 "999999" 不在地区目录中']


def test_an_official_of_a_renamed_county_may_upload_its_predecessors_years():
    data = xlsx([["指标", "单位", "2011年", "2014年"], ["规上工业增加值", "亿元", 500, 560.5]], "柯桥区")
    r = parse(data, region_code="330603")
    assert r.accepted
    assert table(r) == {("330621", "value_added", 2011, 500.0), ("330603", "value_added", 2014, 560.5)}


def test_region_code_is_the_region_of_a_series_without_a_title():
    r = parse(xlsx([["指标", "计量单位", "2022", "2023"], ["规上工业增加值", "亿元", 40, 45.5]]), region_code="331127")
    assert table(r) == {("331127", "value_added", 2022, 40.0), ("331127", "value_added", 2023, 45.5)}


def test_a_series_title_naming_another_county_is_refused():
    data = xlsx([["义乌市主要工业指标"], ["指标", "计量单位", "2022", "2023"], ["规上工业增加值", "亿元", 500, 523.4]])
    r = parse(data, region_code="331127")
    assert msgs(r.errors) == ['Sheet1!A1: 标题中的地区 "义乌市" 与上传地区 "景宁畲族自治县" 不一致']


def test_a_series_without_any_region_is_refused():
    r = parse(xlsx([["指标", "计量单位", "2022", "2023"], ["规上工业增加值", "亿元", 40, 45.5]]))
    assert msgs(r.errors) == ["Sheet1: 无法确定地区：请在标题中写明地区名称，或上传时选择地区"]


def test_a_rollup_row_outside_the_uploaders_region_is_refused():
    data = xlsx([["地区", "规上工业增加值（亿元）"], ["景宁县", 5.5], ["义乌市", 523.4]], "2023年")
    r = parse(data, region_code="331127")
    assert msgs(r.errors) == ['2023年!A3: 地区 "义乌市" 不是本次上传的地区 "景宁畲族自治县"，只能上传本地区的数据']


# -- shapes ------------------------------------------------------------------------------------


def test_rollup_with_previous_year_sub_columns_and_a_code_column():
    data = xlsx(
        [
            ["2023年主要指标"],
            ["地区代码", "地区", "规上工业增加值", None, "规上工业营业收入", None],
            [None, None, "本年（亿元）", "上年（亿元）", "本年（万元）", "比上年增长%"],
            ["330782", "义乌市", 560, 523.4, 23456789, 8.1],
        ],
        merges=["C2:D2", "E2:F2", "A2:A3", "B2:B3"],
    )
    r = parse(data)
    assert r.accepted
    assert table(r) == {
        ("330782", "value_added", 2023, 560.0),
        ("330782", "value_added", 2022, 523.4),
        ("330782", "revenue", 2023, 2345.6789),  # 23456789 万元
    }
    # revenue has no comparable-price growth series: its growth column is not stored
    assert msgs(r.warnings) == [
        'Sheet1!F3: "规模以上工业营业收入" 的增长率没有对应的可比价增速指标，已忽略（增长率不作为总量导入）'
    ]


def test_rollup_growth_column_next_to_its_indicator_without_merges():
    data = xlsx([["地区", "规上工业增加值（亿元）", "增速（%）"], ["义乌市", 560, 7.5], ["海宁市", 420, -0.5]], "2023")
    r = parse(data)
    assert table(r) == {
        ("330782", "value_added", 2023, 560.0),
        ("330782", "value_added_growth", 2023, 7.5),
        ("330481", "value_added", 2023, 420.0),
        ("330481", "value_added_growth", 2023, -0.5),
    }


def test_rollup_region_column_found_from_its_cells_when_unlabelled():
    data = xlsx([[None, "规上工业增加值（亿元）"], ["义乌市", 560], ["海宁市", 420]], "2023年")
    assert table(parse(data)) == {("330782", "value_added", 2023, 560.0), ("330481", "value_added", 2023, 420.0)}


def test_rollup_old_county_name_after_the_rename_goes_to_the_successor():
    r = parse(xlsx([["地区", "规上工业增加值（亿元）"], ["绍兴县", 600]], "2015年"))
    assert table(r) == {("330603", "value_added", 2015, 600.0)}
    assert msgs(r.warnings) == [
        '2015年!A2: 地区 "绍兴县" 有效期至 2012 年，2015 年数据记入其后继地区 "柯桥区"（330603）'
    ]


def test_rollup_subtotal_labels_resolve_to_the_city():
    r = parse(xlsx([["地区", "规上工业增加值（亿元）"], ["杭州市合计", 300], ["小计", 1]], "2023年"))
    assert table(r) == {("330100", "value_added", 2023, 300.0)}
    assert msgs(r.warnings) == ['2023年!A3: "小计" 行不是单个地区，已忽略']


def test_rollup_unknown_column_without_data_is_ignored():
    r = parse(xlsx([["地区", "规上工业增加值（亿元）", "出口交货值"], ["义乌市", 560, None]], "2023年"))
    assert r.accepted


def test_report_region_and_year_from_arguments():
    data = xlsx([["指标名称", "计量单位", "本年", "上年", "比上年增长(%)"], ["规上工业增加值", "亿元", 45.5, 42, 6.0]])
    r = parse(data, year=2023, region_code="331127")
    assert table(r) == {
        ("331127", "value_added", 2023, 45.5),
        ("331127", "value_added", 2022, 42.0),
        ("331127", "value_added_growth", 2023, 6.0),
    }


def test_report_growth_row_and_column_disagreeing_is_a_conflict():
    data = xlsx(
        [
            ["景宁县2023年工业"],
            ["指标", "计量单位", "本年", "比上年增长(%)"],
            ["规上工业增加值", "亿元", 45.5, 6.0],
            ["规上工业增加值增速", "%", 6.5, None],
        ]
    )
    r = parse(data)
    assert msgs(r.errors) == [
        "Sheet1!C4: 景宁畲族自治县 规模以上工业增加值增速(可比价) 2023年 重复出现且数值不同：D3 为 6 %，此处为 6.5 %"
    ]


def test_several_year_sheets_combine_and_instructions_are_skipped():
    header = ["地区", "规上工业增加值（亿元）"]
    data = xlsx(
        [header, ["义乌市", 523.4]],
        "2022年",
        more=[("2023年", [header, ["义乌市", 560]], "visible"), ("说明", [["规上工业增加值 填报说明"]], "visible")],
    )
    r = parse(data)
    assert r.shape == "rollup" and r.warnings == []
    assert table(r) == {("330782", "value_added", 2022, 523.4), ("330782", "value_added", 2023, 560.0)}


def test_hidden_sheets_and_unrecognised_sheets_are_ignored_with_a_warning():
    data = xlsx(
        [["地区", "规上工业增加值（亿元）"], ["义乌市", 523.4]],
        "2022年",
        more=[
            ("隐藏", [["地区", "规上工业增加值"], ["海宁市", 1]], "hidden"),
            ("通讯录", [["姓名", "电话"]], "visible"),
        ],
    )
    r = parse(data)
    assert table(r) == {("330782", "value_added", 2022, 523.4)}
    assert msgs(r.warnings) == ["隐藏: 隐藏的工作表已忽略", "通讯录: 未识别为数据表，已忽略"]


def test_shapes_of_several_sheets_are_joined():
    data = xlsx(
        [["地区", "规上工业增加值（亿元）"], ["义乌市", 523.4]],
        "2022年",
        more=[("义乌市", [["指标", "计量单位", "2020", "2021"], ["规上工业增加值", "亿元", 450, 500]], "visible")],
    )
    assert parse(data).shape == "rollup+series"


# -- CSV ---------------------------------------------------------------------------------------


def _csv(sep=","):
    rows = [LONG_HEADER, ["330782", "义乌市", "规上工业增加值", "亿元", "2022", "523.4", ""]]
    return "\r\n".join(sep.join(r) for r in rows)


@pytest.mark.parametrize(
    ("data", "filename"),
    [
        (_csv(";").encode("utf-8"), "a.csv"),
        (_csv("\t").encode("gb18030"), "a.txt"),
        (codecs.BOM_UTF16_LE + _csv("\t").encode("utf-16-le"), "a.csv"),  # Excel "Unicode text"
        (_csv().encode("utf-16-le"), "a.csv"),  # UTF-16 without a BOM, sniffed from where its NUL bytes sit
        (_csv().encode("utf-16-be"), "a.csv"),
        (("sep=;\r\n" + _csv(";")).encode("utf-8"), "a.csv"),
    ],
)
def test_csv_variants(data, filename):
    r = parse(data, filename)
    assert table(r) == {("330782", "value_added", 2022, 523.4)} and r.shape == "csv"


def test_csv_in_another_layout_is_still_recognised():
    data = "地区,规上工业增加值（亿元）\r\n义乌市,523.4\r\n".encode()
    assert table(parse(data, "2022年.csv", year=2022)) == {("330782", "value_added", 2022, 523.4)}


def test_empty_upload():
    assert msgs(parse(b"", "a.xlsx").errors) == ["文件为空"]


@pytest.mark.parametrize("label", ["地区", "县（市、区）", "县(市、区)", "地区名称", "区域", "地区\\指标", None])
def test_rollup_region_column_headers(label):
    data = xlsx([[label, "规上工业增加值（亿元）"], ["义乌市", 560], ["景宁县", 5.5]], "2023年")
    assert table(parse(data)) == {("330782", "value_added", 2023, 560.0), ("331127", "value_added", 2023, 5.5)}


def test_rollup_units_in_a_unit_line_do_not_apply_to_other_families():
    data = xlsx(
        [
            ["2023年主要指标（单位：万元）"],
            ["地区", "规上工业增加值", "从业人员平均人数（万人）"],
            ["义乌市", 5600000, 30.5],
        ]
    )
    r = parse(data)
    assert table(r) == {("330782", "value_added", 2023, 560.0), ("330782", "employees", 2023, 30.5)}
