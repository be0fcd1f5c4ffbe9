"""build_template (indicators/ingest/template.py): the workbook and its round trip through parse_upload."""

from __future__ import annotations

import io

import openpyxl
import pytest

from indicators.ingest import IndicatorSpec, RegionSpec, build_template, parse_upload
from tests.ingest_catalog import LONG_HEADER, make_catalog, xlsx

CATALOG = make_catalog()
SPECS = {s.code: s for s in CATALOG.indicators}
REGIONS = {r.code: r for r in CATALOG.regions}
CODES = ["value_added", "revenue", "employees", "industrial_land", "new_industrial_robots", "value_added_growth",
         "hightech_share"]  # fmt: skip
INDICATORS = [SPECS[c] for c in CODES]
PREVIOUS = {"value_added": 42.0, "revenue": 120.5, "value_added_growth": 5.1}


@pytest.fixture(scope="module")
def template() -> bytes:
    return build_template(REGIONS["331127"], 2023, INDICATORS, PREVIOUS)


@pytest.fixture(scope="module")
def wb(template):
    return openpyxl.load_workbook(io.BytesIO(template))


def test_it_opens_with_a_data_sheet_and_instructions(wb):
    assert wb.sheetnames == ["填报", "说明"]


def test_it_names_the_region_and_year(wb):
    ws = wb["填报"]
    assert "景宁畲族自治县" in ws["A1"].value and "331127" in ws["A1"].value and "2023年" in ws["A1"].value
    assert [c.value for c in ws[3]][:8] == ["地区代码", "地区", "指标", "计量单位", "年份", "数值", "备注", "数据标记"]


def test_it_has_one_row_per_indicator_with_its_unit(wb):
    ws = wb["填报"]
    rows = [[c.value for c in row] for row in ws.iter_rows(min_row=4, max_col=6)]
    assert len(rows) == len(INDICATORS)
    assert rows[0] == ["331127", "景宁畲族自治县", "规模以上工业增加值", "亿元", 2023, None]
    assert [(r[2], r[3]) for r in rows] == [(s.name, s.unit) for s in INDICATORS]
    assert all(r[0] == "331127" and r[4] == 2023 for r in rows)


def test_it_shows_last_years_values(wb):
    ws = wb["填报"]
    assert ws["I3"].value == "上年数值（2022年，仅供参考）"
    assert [ws.cell(4 + i, 9).value for i in range(len(INDICATORS))] == [42.0, 120.5, None, None, None, 5.1, None]


def test_it_validates_values_and_units(wb):
    ws = wb["填报"]
    rules = ws.data_validations.dataValidation
    by_cell = {}
    for dv in rules:
        for rng in dv.sqref.ranges:
            for row in range(rng.min_row, rng.max_row + 1):
                by_cell[f"{openpyxl.utils.get_column_letter(rng.min_col)}{row}"] = dv
    value_added, growth, share = by_cell["F4"], by_cell["F9"], by_cell["F10"]
    assert (value_added.type, value_added.operator, value_added.formula1) == ("decimal", "greaterThanOrEqual", "0")
    assert (share.type, share.operator, share.formula1, share.formula2) == ("decimal", "between", "0", "100")
    assert growth.type == "decimal" and growth.formula1 == "-1000"
    units = by_cell["D4"]
    assert units.type == "list" and "万元" in units.formula1 and "亿元" in units.formula1
    assert "公顷" in by_cell["D7"].formula1  # 用地面积 in 亩, 公顷 allowed
    assert all(f"F{r}" in by_cell for r in range(4, 4 + len(INDICATORS)))


def test_the_instructions_are_in_chinese(wb):
    text = "\n".join(str(c.value) for row in wb["说明"].iter_rows() for c in row if c.value is not None)
    assert "填报说明" in text
    assert "景宁畲族自治县（地区代码 331127）" in text
    assert "不要填 0" in text and "公式" in text and "只能上传本地区的数据" in text
    assert "规模以上工业增加值" in text


def test_an_empty_template_is_refused_as_having_no_data(template):
    r = parse_upload(template, "t.xlsx", CATALOG, year=2023, region_code="331127")
    assert [str(e) for e in r.errors] == ["填报: 没有可导入的数值（数值单元格都为空）"]


def test_a_filled_template_round_trips(template):
    wb = openpyxl.load_workbook(io.BytesIO(template))
    ws = wb["填报"]
    ws["F4"] = 45.67
    ws["F5"], ws["D5"] = 1234567, "万元"  # revenue entered in 万元 after picking it in the drop-down
    ws["F6"] = "—"
    ws["F7"], ws["D7"] = 120, "公顷"
    ws["F8"] = 35
    ws["F9"] = -1.5
    ws["F10"] = 45.2
    ws["G10"] = "统计局快报"
    out = io.BytesIO()
    wb.save(out)
    r = parse_upload(out.getvalue(), "filled.xlsx", CATALOG, year=2023, region_code="331127")
    assert r.accepted and r.shape == "template" and r.warnings == []
    assert {(v.region_code, v.indicator_code, v.year, v.value) for v in r.values} == {
        ("331127", "value_added", 2023, 45.67),
        ("331127", "revenue", 2023, 123.4567),  # 1234567 万元 ÷ 10^4
        ("331127", "industrial_land", 2023, 1800.0),  # 120 公顷 × 15
        ("331127", "new_industrial_robots", 2023, 35.0),
        ("331127", "value_added_growth", 2023, -1.5),
        ("331127", "hightech_share", 2023, 45.2),
    }


def test_the_data_flag_column_reads_each_flag_and_refuses_an_unknown_one(template):
    wb = openpyxl.load_workbook(io.BytesIO(template))
    ws = wb["填报"]
    ws["F4"], ws["H4"] = 45.67, "初步"
    ws["F5"], ws["H5"] = 120.5, " 修订 "
    ws["F6"] = 3.2  # no flag
    out = io.BytesIO()
    wb.save(out)
    r = parse_upload(out.getvalue(), "flags.xlsx", CATALOG, year=2023, region_code="331127")
    assert r.accepted and [(v.indicator_code, v.flag) for v in r.values] == [
        ("value_added", "preliminary"),
        ("revenue", "revised"),
        ("employees", ""),
    ]
    ws["H6"] = "快报"
    out = io.BytesIO()
    wb.save(out)
    r = parse_upload(out.getvalue(), "flags.xlsx", CATALOG, year=2023, region_code="331127")
    assert [str(e) for e in r.errors] == ['填报!H6: 数据标记 "快报" 无效（可填 初步、修订、估算，或留空）']


def test_a_template_for_another_county_is_refused_for_this_uploader():
    data = build_template(REGIONS["330782"], 2023, INDICATORS[:1], {})
    wb = openpyxl.load_workbook(io.BytesIO(data))
    wb["填报"]["F4"] = 523.4
    out = io.BytesIO()
    wb.save(out)
    r = parse_upload(out.getvalue(), "t.xlsx", CATALOG, region_code="331127")
    assert [str(e) for e in r.errors] == [
        '填报!A4: 地区 "义乌市" 不是本次上传的地区 "景宁畲族自治县"，只能上传本地区的数据'
    ]


@pytest.mark.parametrize("name", ["=1+1", " =1+1", "＝1", "+1", "-1", "@SUM(A1)", "\t=1", "\n=1", "\r=1"], ids=repr)
def test_a_name_that_looks_like_a_formula_is_never_a_live_formula(name):
    region = RegionSpec("331127", name, name, "county")
    spec = IndicatorSpec("value_added", name, "亿元")
    wb = openpyxl.load_workbook(io.BytesIO(build_template(region, 2023, [spec], {})))
    cells = [c for ws in wb for row in ws.iter_rows() for c in row if c.value is not None]
    assert [c.coordinate for c in cells if c.data_type == "f"] == []
    assert wb["填报"]["B4"].value.startswith("'") and wb["填报"]["C4"].value.startswith("'")


def test_a_template_with_such_a_name_still_parses_back():
    region = RegionSpec("331127", "=景宁", "=景宁", "county")
    catalog = make_catalog()
    catalog.regions = [region if r.code == "331127" else r for r in catalog.regions]
    wb = openpyxl.load_workbook(io.BytesIO(build_template(region, 2023, [SPECS["value_added"]], {})))
    wb["填报"]["F4"] = 12.5
    buf = io.BytesIO()
    wb.save(buf)
    r = parse_upload(buf.getvalue(), "t.xlsx", catalog, region_code="331127")
    assert [(v.region_code, v.value) for v in r.values] == [("331127", 12.5)], r.errors


def test_the_notes_column_is_kept_with_each_value_and_a_long_note_is_cut():
    from indicators.ingest.validate import MAX_NOTE_CHARS

    rows = [
        LONG_HEADER,
        ["330782", "义乌市", "规模以上工业增加值", "亿元", 2023, 512.3, "快报数"],
        ["330782", "义乌市", "规模以上工业总产值", "亿元", 2023, 2100, "长" * (MAX_NOTE_CHARS + 1)],
        ["330782", "义乌市", "规模以上工业营业收入", "亿元", 2023, 2000, None],
    ]
    result = parse_upload(xlsx(rows, "填报"), "t.xlsx", make_catalog())
    assert [v.note for v in result.values] == ["快报数", "长" * MAX_NOTE_CHARS, ""]
    assert [w.cell for w in result.warnings if "备注超过" in w.message] == ["F3"]


def test_a_rollups_notes_column_is_kept_with_every_value_of_its_row():
    rows = [
        ["2023年各县主要指标"],
        ["地区", "规上工业增加值（亿元）", "从业人员平均人数（万人）", "备注"],
        ["义乌市", 512.3, 30.1, "含新并入园区"],
    ]
    result = parse_upload(xlsx(rows, "2023年"), "r.xlsx", make_catalog())
    assert [(v.indicator_code, v.note) for v in result.values] == [
        ("value_added", "含新并入园区"),
        ("employees", "含新并入园区"),
    ]
