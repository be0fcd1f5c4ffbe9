"""Exports never hand Excel a formula: text starting with = + - @ tab or CR is written as text."""

import csv
import io

import pytest

from indicators.exporting import neutralise, write_records


@pytest.mark.parametrize(
    "text", ["=1+1", "+SUM(A1)", "-2+3", "@cmd", "\tx", "\rx", "\n=1", " =1+1", "  @x", "＝1+1", "＋1"]
)
def test_formula_like_text_gets_a_leading_quote(text):
    assert neutralise(text) == "'" + text


@pytest.mark.parametrize("value", ["义乌市", "", None, -12.5, 0, 3])
def test_ordinary_text_and_numbers_pass_unchanged(value):
    assert neutralise(value) == value


def test_csv_records_are_neutralised_but_json_keeps_values():
    out = io.StringIO()
    write_records(out, [{"name": "=cmd|' /C calc'!A0", "value": -1.5}], ["name", "value"], "csv")
    row = next(csv.DictReader(io.StringIO(out.getvalue())))
    assert row == {"name": "'=cmd|' /C calc'!A0", "value": "-1.5"}
    out = io.StringIO()
    write_records(out, [{"name": "=x", "value": -1.5}], ["name", "value"], "json")
    assert '"=x"' in out.getvalue()


def test_a_bare_carriage_return_cannot_split_a_csv_row():
    """A name holding a bare CR stays inside its quoted field: the file has one data row."""
    out = io.StringIO()
    write_records(out, [{"name": "义乌\r=HYPERLINK(1)", "value": 1}], ["name", "value"], "csv")
    text = out.getvalue()
    rows = list(csv.reader(io.StringIO(text, newline="")))
    assert rows == [["name", "value"], ["义乌\r=HYPERLINK(1)", "1"]]
    assert '"义乌\r=HYPERLINK(1)"' in text


def test_a_csv_download_starts_with_a_bom_keeps_the_header_first_and_notes_below():
    from indicators.exporting import table_csv

    text = table_csv(["县", "数值（亿元）"], [["=evil", 1.5], ["义乌市", None]], notes=["数据截至 2024 年"])
    assert text.startswith("\ufeff县,数值（亿元）\r\n")
    assert list(csv.reader(io.StringIO(text[1:]))) == [
        ["县", "数值（亿元）"],
        ["'=evil", "1.5"],
        ["义乌市", ""],
        [],
        ["数据截至 2024 年"],
    ]


def test_an_xlsx_download_has_a_named_sheet_widths_and_number_formats():
    from openpyxl import load_workbook

    from indicators.exporting import table_xlsx

    data = table_xlsx(
        ["县（市、区）", "数值"], [["景宁畲族自治县", 1234.5], ["义乌市", 7]], ["注"], title="县域/热力表"
    )
    sheet = load_workbook(io.BytesIO(data)).active
    assert sheet.title == "县域_热力表"  # "/" is not allowed in a sheet name
    # 景宁畲族自治县: 7 characters × 2 = 14, + 2 of margin.
    assert sheet.column_dimensions["A"].width == 16
    assert sheet["B2"].number_format == "#,##0.00" and sheet["B3"].number_format == "0"
    assert sheet["A5"].value == "注"  # below a blank row
