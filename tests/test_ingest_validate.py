"""Numbers read strictly (indicators/ingest/validate.py, issue 12 finding 3): what a cell must look like to be a
number, and what is refused instead of being misread."""

from __future__ import annotations

from fractions import Fraction

import pytest

from indicators.ingest import parse_upload
from indicators.ingest.readers import CellError
from indicators.ingest.sandbox import run_bounded
from indicators.ingest.validate import parse_number
from tests.ingest_catalog import LONG_HEADER, make_catalog

CATALOG = make_catalog()


@pytest.mark.parametrize(
    ("cell", "value"),
    [
        ("12.5", Fraction(25, 2)),
        ("１２.５", Fraction(25, 2)),  # full-width digits, as a Chinese input method types them
        ("－３", Fraction(-3)),
        (" 12,345.6 ", Fraction(123456, 10)),
        ("\u200f12.5\u200e", Fraction(25, 2)),  # bidi marks nobody sees
        ("1e15", Fraction(10**15)),
        ("-1e-15", Fraction(-1, 10**15)),
        ("0e999999999", Fraction(0)),
        (1e15, Fraction(10**15)),
        (0.0, Fraction(0)),
    ],
)
def test_a_number_is_read_exactly(cell, value):
    assert (parse_number(cell).kind, parse_number(cell).value) == ("number", value)


@pytest.mark.parametrize(
    ("cell", "kind"),
    [
        ("35.2①", "text"),  # NFKC would read 35.21
        ("10²", "text"),  # NFKC would read 102
        ("60 5", "text"),  # spaces inside the digits
        ("1 234", "text"),
        ("١٢", "text"),  # digits of another script
        ("约12.5", "text"),
        ("1e9999999", "range"),  # refused from its exponent: 10 million digits are never built
        ("1e99999999999999999999", "range"),  # beyond what Decimal holds
        ("1e308", "range"),
        (1e308, "range"),
        (float("inf"), "range"),
        (10**15 + 1, "range"),
        ("1000000000000000.5", "range"),
        ("1e-400", "range"),  # a float reads it as 0
        (1e-16, "range"),
        ("#DIV/0!", "error"),
        ("#N/A", "error"),
        ("#value!", "error"),
        (CellError("#REF!"), "error"),
        ("n/a", "missing"),
        ("—", "missing"),
        ("……", "missing"),
        ("／", "missing"),
    ],
)
def test_what_is_not_a_plain_number_is_not_read_as_one(cell, kind):
    assert parse_number(cell).kind == kind


def test_a_percent_sign_is_kept_apart():
    n = parse_number("１２.５％")
    assert (n.kind, n.value, n.percent) == ("number", Fraction(25, 2), True)


def csv_file(*values: str) -> bytes:
    rows = [",".join(LONG_HEADER)] + [
        f"330782,义乌市,规上工业增加值,亿元,{1960 + i},{v}," for i, v in enumerate(values)
    ]
    return "\n".join(rows).encode()


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("1e9999999", '"1e9999999" 超出可导入的数值范围（绝对值应在 1e-15 与 1e15 之间）'),
        ("1e-400", '"1e-400" 超出可导入的数值范围（绝对值应在 1e-15 与 1e15 之间）'),
        ("35.2①", '"35.2①" 不是数值'),
        ("#DIV/0!", '"#DIV/0!" 是 Excel 错误值（公式出错），不是数值'),
    ],
)
def test_a_value_that_is_not_read_is_an_error_naming_its_cell(value, message):
    r = parse_upload(csv_file(value), "t.csv", CATALOG)
    assert [str(e) for e in r.errors] == [f"t.csv!F2: {message}"]


def test_a_long_cell_is_quoted_by_its_first_60_characters():
    r = parse_upload(csv_file("约" * 100_000), "t.csv", CATALOG)
    assert [str(e) for e in r.errors] == [f't.csv!F2: "{"约" * 60}…（超长文本，共 100000 个字符）" 不是数值']


def test_an_exponent_is_refused_before_any_exact_arithmetic():
    # 60 cells of 1e9999999: built exactly, each is a 10-million-digit integer (10 s of CPU); under a 2-second
    # CPU limit the file must still come back refused, cell by cell
    r = run_bounded(parse_upload, csv_file(*["1e9999999"] * 60), "t.csv", CATALOG, cpu_seconds=2)
    assert [e.cell for e in r.errors] == [f"F{row}" for row in range(2, 62)]
    assert {e.message for e in r.errors} == {'"1e9999999" 超出可导入的数值范围（绝对值应在 1e-15 与 1e15 之间）'}
