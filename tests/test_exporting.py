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
