"""Exports never hand Excel a formula: text starting with = + - @ tab or CR is written as text."""

import csv
import io

import pytest

from indicators.exporting import neutralise, write_records


@pytest.mark.parametrize("text", ["=1+1", "+SUM(A1)", "-2+3", "@cmd", "\tx", "\rx"])
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
