"""The committed corpus (tests/data, made by make_corpus.py): good files per shape, bad files with exact messages."""

from __future__ import annotations

import importlib.util
import io
import zipfile
from pathlib import Path

import pytest

from indicators.ingest import parse_upload
from tests.ingest_catalog import make_catalog

DATA = Path(__file__).resolve().parent / "data"
CATALOG = make_catalog()


def parse(name: str, **kwargs):
    return parse_upload((DATA / name).read_bytes(), name, CATALOG, **kwargs)


def table(result) -> set[tuple]:
    return {(v.region_code, v.indicator_code, v.year, v.value) for v in result.values}


def messages(issues) -> list[str]:
    return [str(i) for i in issues]


# ---------------------------------------------------------------------------------------------
# good files


def test_official_template_converts_every_unit():
    r = parse("good_template.xlsx")
    assert r.accepted and r.shape == "template" and r.errors == [] and r.warnings == []
    assert table(r) == {
        ("331127", "value_added", 2023, 45.67),
        ("331127", "revenue", 2023, 123.4567),  # 1234567 万元
        ("331127", "employees", 2023, 1.2345),  # 12345 人
        ("331127", "industrial_land", 2023, 1800.0),  # 120 公顷 × 15
        ("331127", "energy_consumption", 2023, 5.6789),  # 56789 吨标煤
        ("331127", "new_industrial_robots", 2023, 35.0),
        ("331127", "value_added_growth", 2023, -1.5),  # growth may be negative
        ("331127", "hightech_share", 2023, 45.2),  # "45.2" stored as text is still a number
    }
    revenue = next(v for v in r.values if v.indicator_code == "revenue")
    assert (revenue.sheet, revenue.cell, revenue.raw, revenue.raw_unit) == ("填报", "F5", "1234567", "万元")


def test_the_dash_is_no_value_not_zero():
    r = parse("good_template.xlsx")
    assert not any(v.indicator_code == "hightech_enterprises" for v in r.values)


def test_rollup_stores_province_and_city_rows_under_their_own_codes():
    r = parse("good_rollup.xlsx")
    assert r.accepted and r.shape == "rollup" and r.warnings == []
    rows = table(r)
    assert ("330000", "value_added", 2023, 1000.5) in rows  # 全省 (a formula with its cached value)
    assert ("330100", "value_added", 2023, 300.0) in rows  # 杭州市 is a city, not a county
    assert ("330400", "revenue", 2023, 1200.0) in rows
    assert ("331100", "industrial_investment", 2023, 60.0) in rows
    # indented 　　萧山区, 景宁县 for 景宁畲族自治县; 比上年增长 → the comparable-price growth series
    assert ("330109", "value_added", 2023, 100.25) in rows
    assert ("330109", "value_added_growth", 2023, 6.8) in rows
    assert ("331127", "value_added_growth", 2023, -1.2) in rows
    assert ("331127", "employees", 2023, 0.8) in rows  # 从业人员平均人数（万人）
    assert not any(v.region_code == "330109" and v.indicator_code == "industrial_investment" for v in r.values)  # —
    assert len(r.values) == 7 * 5 - 1
    by_cell = {v.cell: v for v in r.values}
    assert by_cell["D7"].raw_unit == "亿元"  # from the 单位：亿元 line
    assert by_cell["E7"].raw_unit == "万人"  # from the header text
    assert by_cell["C7"].raw_unit == "%"


def test_rollup_with_a_units_row_and_year_in_the_title():
    r = parse("good_rollup_units_row.xlsx")
    assert r.accepted and r.shape == "rollup"
    assert table(r) == {
        ("330109", "gross_output", 2022, 4321.5),  # "4,321.5"
        ("330109", "industrial_tax", 2022, 56.789),  # 567890 万元
        ("330109", "industrial_land", 2022, 52000.0),
        ("330109", "energy_consumption", 2022, 410.2),
        ("330782", "gross_output", 2022, 2100.0),
        ("330782", "industrial_tax", 2022, 12.3456),  # "123,456" 万元
        ("330782", "industrial_land", 2022, 31000.0),
        ("330782", "energy_consumption", 2022, 150.0),
        ("331127", "gross_output", 2022, 60.5),
        ("331127", "industrial_tax", 2022, 0.9876),  # 9876 万元
        ("331127", "industrial_land", 2022, 4500.0),
        ("331127", "energy_consumption", 2022, 12.34),
    }
    assert messages(r.warnings) == ['Sheet1!B7: "合计" 行不是单个地区，已忽略']


def test_series_takes_the_region_from_the_title_and_years_from_the_columns():
    r = parse("good_series.xlsx")
    assert r.accepted and r.shape == "series"
    rows = table(r)
    assert {y for (_, code, y, _) in rows if code == "value_added"} == {2017, 2018, 2019, 2020, 2021}
    assert ("331127", "value_added", 2019, 35.0) in rows  # header 2019 is a number
    assert ("331127", "value_added", 2020, 36.0) in rows  # header "2020" is text
    assert ("331127", "employees", 2018, 1.52) in rows  # 15200 人
    assert ("331127", "hightech_value_added", 2019, 9.05) in rows  # 其中：… 90500 万元
    assert ("331127", "revenue", 2018, 110.0) in rows  # 主营业务收入 up to 2018
    assert ("331127", "revenue", 2021, 145.0) in rows  # 营业收入 from 2020
    assert len(r.values) == 20
    assert messages(r.warnings) == [
        '历年!A5: 指标名称 "主营业务收入" 只适用于 2018 年及以前，2019 年及以后的数据已按 "规模以上工业营业收入" 导入，请核对统计口径'
    ]


def test_series_across_a_rename_returns_the_code_valid_each_year():
    r = parse("good_series_keqiao.xlsx")
    assert r.accepted
    assert table(r) == {
        ("330621", "value_added", 2011, 500.0),
        ("330621", "value_added", 2012, 520.0),
        ("330603", "value_added", 2013, 540.0),
        ("330603", "value_added", 2014, 560.5),
    }
    assert messages(r.warnings) == [
        'Sheet1!A1: 地区 "柯桥区" 自 2013 年起设立，2011 年数据记入其前身 "绍兴县"（330621）',
        'Sheet1!A1: 地区 "柯桥区" 自 2013 年起设立，2012 年数据记入其前身 "绍兴县"（330621）',
    ]


def test_report_reads_this_year_last_year_and_only_comparable_growth():
    r = parse("good_report.xlsx")
    assert r.accepted and r.shape == "report"
    assert table(r) == {
        ("331127", "gross_output", 2023, 123.4567),  # 1234567 万元
        ("331127", "gross_output", 2022, 110.0),
        ("331127", "value_added", 2023, 45.6789),
        ("331127", "value_added", 2022, 42.0),
        ("331127", "value_added_growth", 2023, 6.2),  # the only indicator with a growth series
        ("331127", "revenue", 2023, 130.0),
        ("331127", "revenue", 2022, 120.0),
        ("331127", "profit", 2023, 8.0),
        ("331127", "profit", 2022, 9.0),
        ("331127", "employees", 2023, 1.5234),
        ("331127", "employees", 2022, 1.5),
        ("331127", "new_product_output", 2023, 50.0),
    }
    assert messages(r.warnings) == [
        "2023年报!E2: 增长率只导入有可比价增速指标的行，其余 4 个增长率已忽略（增长率不作为总量导入）"
    ]


def test_report_with_the_year_and_region_given():
    r = parse("good_report.xlsx", year=2023, region_code="331127")
    assert r.accepted and len(r.values) == 12


@pytest.mark.parametrize("name", ["good_long_utf8.csv", "good_long_utf8bom.csv", "good_long_gb18030.csv"])
def test_csv_in_every_encoding_excel_writes(name):
    r = parse(name)
    assert r.accepted and r.shape == "csv" and r.warnings == []
    assert table(r) == {
        ("330782", "value_added", 2022, 1234.5),  # "1,234.5", region written 义乌
        ("330782", "revenue", 2022, 9876.5432),  # 98765432 万元
        ("330782", "resident_population", 2022, 190.3),
        ("330782", "hightech_enterprises", 2022, 1200.0),
    }
    assert {v.sheet for v in r.values} == {name}
    assert next(v for v in r.values if v.indicator_code == "value_added").cell == "F2"


def test_gb18030_file_really_is_not_utf8():
    with pytest.raises(UnicodeDecodeError):
        (DATA / "good_long_gb18030.csv").read_bytes().decode("utf-8")


def test_legacy_xls_is_read_by_calamine():
    r = parse("good_legacy.xls")
    assert r.accepted and r.shape == "rollup"
    assert table(r) == {
        ("330782", "value_added", 2021, 523.4),
        ("330782", "profit", 2021, 61.25),
        ("330481", "value_added", 2021, 410.0),
        ("330481", "profit", 2021, 38.5),
        ("330109", "value_added", 2021, 1320.75),
        ("330109", "profit", 2021, 150.0),
    }


def test_macro_workbook_is_read_without_running_the_macro():
    r = parse("good_macro.xlsm")
    assert r.accepted
    assert table(r) == {("330481", "value_added", 2023, 420.5)}
    assert messages(r.warnings) == ["文件包含宏（VBA 代码）：宏不会被执行，只读取单元格中的数值"]


# ---------------------------------------------------------------------------------------------
# bad files: the whole file is refused with an exact message

BAD = [
    ("bad_text_in_number.xlsx", {}, ['2023年!B7: "约12.5" 不是数值']),
    ("bad_unknown_region.xlsx", {}, ['2023年!A6: 未知地区 "杭州湾新区"']),
    ("bad_unknown_indicator.xlsx", {}, ['2023年!D3: 未知指标 "出口交货值"']),
    (
        "bad_duplicate.xlsx",
        {},
        ["填报!F6: 景宁畲族自治县 规模以上工业增加值 2023年 重复出现且数值不同：F4 为 12.5 亿元，此处为 13 亿元"],
    ),
    ("bad_negative.xlsx", {}, ['填报!F4: "-3" 为负数，指标 "规模以上工业增加值" 不能为负']),
    (
        "bad_share_over_100.xlsx",
        {},
        ['填报!F4: "120" 超出比重的取值范围 0–100（指标 "高新技术产业增加值占规模以上工业增加值比重"）'],
    ),
    ("bad_year_out_of_range.xlsx", {}, ["填报!E4: 年份 1900 超出范围 1949–2026"]),
    ("bad_year_future_series.xlsx", {}, ["Sheet1!D2: 年份 2030 超出范围 1949–2026"]),
    (
        "bad_formula_uncomputed.xlsx",
        {},
        ['2023年!B4: 公式 "=SUM(B5:B6)" 没有计算结果，请用 Excel 打开并保存后重新上传'],
    ),
    ("bad_empty.xlsx", {}, ["文件中没有数据（所有工作表都是空的）"]),
    ("bad_header_only.xlsx", {}, ["填报: 没有可导入的数值（数值单元格都为空）"]),
    ("bad_random_bytes.xlsx", {}, ["文件扩展名为 .xlsx，但内容不是 Excel 文件；请上传 .xlsx 或 .csv 文件"]),
    ("bad_pdf_renamed.xlsx", {}, ["文件是 PDF 文档，不是电子表格；请上传 .xlsx 或 .csv 文件"]),
    ("bad_txt_renamed.xlsx", {}, ["文件扩展名为 .xlsx，但内容不是 Excel 文件；请上传 .xlsx 或 .csv 文件"]),
    (
        "bad_html_renamed.xls",
        {},
        ["文件扩展名为 .xls，但内容是网页或 XML，不是真正的 Excel 文件；请在 Excel 中打开后另存为 .xlsx 再上传"],
    ),
    ("bad_encrypted.xlsx", {}, ["文件已加密（设置了打开密码），请在 Excel 中取消密码后另存为 .xlsx 再上传"]),
    ("bad_truncated.xlsx", {}, ["文件已损坏或不完整，无法作为 Excel 文件读取"]),
    ("bad_unknown_unit.xlsx", {}, ['填报!D4: 计量单位 "万美元" 无法识别']),
    ("bad_unit_mismatch.xlsx", {}, ['填报!D4: 计量单位 "万人" 无法换算为指标 "规模以上工业增加值" 的单位 "亿元"']),
    (
        "bad_other_county.xlsx",
        {"region_code": "331127"},
        ['填报!A5: 地区 "义乌市" 不是本次上传的地区 "景宁畲族自治县"，只能上传本地区的数据'],
    ),
    (
        "bad_no_year.xlsx",
        {},
        ['Sheet1: 无法确定年份：请在工作表名称或标题中注明年份（如 "2023年"），或上传时选择年份'],
    ),
    ("bad_year_mismatch.xlsx", {"year": 2023}, ["2022年: 工作表名称中的年份 2022 与上传时选择的年份 2023 不一致"]),
    # a Word file is read as a bulletin now; this one's XML has an unbound w: prefix
    ("bad_word.xlsx", {}, ["文件已损坏或不完整，无法作为 Word 文件读取"]),
    ("bad_ods.ods", {}, ["不支持 OpenDocument（.ods）格式，请另存为 .xlsx 后重新上传"]),
    ("bad_xls_corrupt.xls", {}, ["无法正确读取该 .xls 文件，请在 Excel 中另存为 .xlsx 后重新上传"]),
    ("bad_xml_entities.xlsx", {}, ["文件包含不允许的 XML 声明（DOCTYPE），已拒绝"]),
    ("bad_huge_range.xlsx", {}, ["Sheet: 工作表范围过大（1048576 行 × 16384 列），已拒绝"]),
    (
        "bad_unknown_layout.xlsx",
        {},
        [
            "Sheet1: 无法识别表格格式（支持：填报模板、全省汇总表、单个地区历年表、县统计年报表、CSV 长表），"
            "请使用系统提供的填报模板"
        ],
    ),
    ("bad_date_cell.xlsx", {}, ['2023年!B4: "2023-05-01" 不是数值']),
    ("bad_csv_text.csv", {}, ['bad_csv_text.csv!F2: "约12.5" 不是数值']),
    (
        "bad_undecodable.csv",
        {},
        ['无法识别 CSV 文件的编码（支持 UTF-8 和 GB18030/GBK），请在 Excel 中另存为 "CSV UTF-8" 后重新上传'],
    ),
    ("bad_ambiguous_title.xlsx", {}, ["Sheet1!A1: 标题中有多个地区（海宁市、义乌市），请上传时选择地区"]),
]


@pytest.mark.parametrize(("name", "kwargs", "expected"), BAD, ids=[b[0] for b in BAD])
def test_bad_file_is_refused_with_an_exact_message(name, kwargs, expected):
    r = parse(name, **kwargs)
    assert messages(r.errors) == expected
    assert r.values == [] and not r.accepted


def test_zip_bomb_is_refused_from_the_central_directory():
    data = (DATA / "bad_zip_bomb.xlsx").read_bytes()
    info = zipfile.ZipFile(io.BytesIO(data)).getinfo("xl/media/image1.bin")
    assert info.file_size == 60 * 1024 * 1024
    ratio = info.file_size // info.compress_size
    r = parse("bad_zip_bomb.xlsx")
    assert messages(r.errors) == [f'压缩包内 "xl/media/image1.bin" 的压缩比 {ratio}:1 异常，疑似压缩炸弹，已拒绝']


def test_total_inflated_size_is_checked_before_parsing():
    data = (DATA / "good_template.xlsx").read_bytes()
    total = sum(i.file_size for i in zipfile.ZipFile(io.BytesIO(data)).infolist())
    r = parse("good_template.xlsx", max_inflated_bytes=10 * 1024)
    expected_total = f"{total / 1024:.1f}".rstrip("0").rstrip(".")
    assert messages(r.errors) == [f"文件解压后总大小 {expected_total} KB 超过上限 10 KB，疑似压缩炸弹，已拒绝"]


def test_oversized_file_is_refused():
    r = parse("bad_zip_bomb.xlsx", max_bytes=64 * 1024)  # the file is 66824 bytes = 65.3 KB
    assert messages(r.errors) == ["文件大小 65.3 KB 超过上限 64 KB"]
    big = b"PK\x03\x04" + b"\0" * (20 * 1024 * 1024)
    r = parse_upload(big, "big.xlsx", CATALOG)
    assert messages(r.errors) == ["文件大小 20971524 字节 超过上限 20971520 字节"]


def test_there_are_enough_bad_files():
    assert len({name for name, _, _ in BAD} | {"bad_zip_bomb.xlsx"}) >= 20
    on_disk = {p.name for p in DATA.glob("bad_*")}
    assert on_disk == {name for name, _, _ in BAD} | {"bad_zip_bomb.xlsx"}


def test_committed_corpus_matches_make_corpus():
    spec = importlib.util.spec_from_file_location("make_corpus", DATA / "make_corpus.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    built = module.build_all()
    on_disk = {p.name for p in DATA.iterdir() if p.suffix != ".py" and p.is_file()}
    assert set(built) == on_disk
    stale = [name for name, data in built.items() if (DATA / name).read_bytes() != data]
    assert stale == [], "run .venv/bin/python tests/data/make_corpus.py"
