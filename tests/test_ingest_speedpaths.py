"""The import's fast paths give exactly what the slow, exact paths give.

- validate: a float/int cell whose unit needs no conversion stays a float; anything else goes through
  Fraction. Checked against the old computation (parse_number, then convert_exact, all in Fraction).
- is_missing: the same answer as ``parse_number(v).kind == "missing"``.
- the worksheet scan: the byte-level reading (_scan_sheet_bytes) against the ElementTree reading
  (_scan_sheet_xml) on canonical sheets, on every form it must hand back, and on random sheets.
- the write path: import_file reads the stored versions once, the plain-tuple INSERT stores what
  bulk_create stored, and a conflicting row still raises Django's IntegrityError.
"""

from __future__ import annotations

import datetime as dt
import importlib
import io
import math
import zipfile

import pytest
from django.db import IntegrityError, transaction
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from indicators.ingest import parse_upload, readers, shapes
from indicators.ingest.catalog import CatalogIndex
from indicators.ingest.readers import Formula
from indicators.ingest.results import IssueLog, ParsedValue, ParsedValues
from indicators.ingest.units import UnitError, compatible_units, conversion_factor, convert_exact
from indicators.ingest.validate import MISSING_MARKERS, Candidate, display, is_missing, parse_number, validate
from tests.ingest_catalog import make_catalog, xlsx

CATALOG = make_catalog()
validate_module = importlib.import_module("indicators.ingest.validate")  # the package's `validate` is the function
INDEX = CatalogIndex(CATALOG)
PROPERTY = settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])


# ---------------------------------------------------------------------------------------------------
# validate: the float fast path


def validate_one(raw, unit, code):
    log = IssueLog()
    spec = INDEX.indicators[code]
    cand = Candidate("2023年", "B3", "330782", "A3", spec, 2023, raw, unit, "B2" if unit else "")
    out = validate([cand], INDEX, log)
    if out:
        return ("value", out[0].value, out[0].raw, out[0].raw_unit, [w.message for w in log.warnings])
    message = log.errors[0].message
    for word, kind in (("不是数值", "text"), ("计量单位", "unit"), ("比重", "share"), ("为负数", "negative")):
        if word in message:
            return (kind,)
    raise AssertionError(message)


def reference(raw, unit, code):
    """What validate computed before the fast path: parse_number, then convert_exact, in Fraction."""
    spec = INDEX.indicators[code]
    num = parse_number(raw)
    if num.kind != "number":
        return ("text",)
    written = unit.strip() if isinstance(unit, str) and unit.strip() else None
    warnings = []
    if written is None:
        warnings.append(f'未注明计量单位，按指标 "{spec.name}" 的标准单位 "{spec.unit}" 处理')
        written = spec.unit
    try:
        value, note = convert_exact(num.value, written, spec.unit)
    except UnitError:
        return ("unit",)
    if note:
        warnings.append(note)
    if spec.growth_of is None:
        if spec.is_share and not 0 <= value <= 100:
            return ("share",)
        if spec.nonnegative and value < 0:
            return ("negative",)
    return ("value", float(value), num.raw, written, warnings)


def same(a, b):
    """Equal results, and a float value equal bit for bit (0.0 is not -0.0)."""
    if a[0] == "value" and b[0] == "value":
        return a[2:] == b[2:] and a[1] == b[1] and math.copysign(1, a[1]) == math.copysign(1, b[1])
    return a == b


CODES = ["value_added", "employees", "new_industrial_robots", "industrial_land", "rd_intensity", "value_added_growth"]
UNITS = sorted({u for code in CODES for u in compatible_units(INDEX.indicators[code].unit)}) + [
    "米",
    "",
    None,
    " 万元 ",
]


@PROPERTY
@given(
    raw=st.one_of(
        st.floats(),
        st.floats(min_value=-1e6, max_value=1e6),
        st.integers(min_value=-(10**18), max_value=10**18),
        st.sampled_from([0.0, -0.0, 100.0, 100.00000000000001, 99.99999999999999, -5e-324, 5e-324, 0.1, 12345]),
    ),
    unit=st.sampled_from(UNITS),
    code=st.sampled_from(CODES),
)
def test_a_number_cell_validates_as_the_exact_fraction_computation_did(raw, unit, code):
    assert same(outcome(validate_one, raw, unit, code), outcome(reference, raw, unit, code))


def outcome(fn, *args):
    """fn's result, or the exception class it raises (1.8e305 千台 overflows float in both, at the end)."""
    try:
        return fn(*args)
    except (OverflowError, ValueError) as exc:
        return (type(exc),)


@pytest.mark.parametrize(
    ("raw", "unit", "code", "value"),
    [
        (12345, "万元", "value_added", 1.2345),
        (12345.0, "万元", "value_added", 1.2345),
        (0.1, "万元", "value_added", 0.00001),
        (3, "公顷", "industrial_land", 45.0),
        (1.5, "亿元", "value_added", 1.5),
        (-0.0, "亿元", "value_added", 0.0),
        (100.0, "%", "rd_intensity", 100.0),
        (12, "套", "new_industrial_robots", 12.0),
    ],
)
def test_conversions_are_correctly_rounded_and_canonical_units_keep_the_float(raw, unit, code, value):
    got = validate_one(raw, unit, code)
    assert got[0] == "value" and repr(got[1]) == repr(value)


def test_a_count_word_swap_still_warns_although_its_factor_is_one():
    got = validate_one(12, "套", "new_industrial_robots")
    assert got[4] == ['计量单位 "套" 与标准单位 "台" 的量词不同，按相同计数换算']


def test_non_finite_floats_are_not_numbers():
    for raw in (math.inf, -math.inf, math.nan):
        assert validate_one(raw, "亿元", "value_added") == ("text",)


@pytest.mark.parametrize(
    "pair", [("万元", "亿元"), ("亩", "公顷"), ("万吨标煤", "吨标准煤"), ("‰", "%"), ("万元/人", "元/人")]
)
def test_conversion_factor_is_what_convert_exact_multiplies_by(pair):
    factor, note = conversion_factor(*pair)
    assert convert_exact(7, *pair) == (7 * factor, note)


def test_conversion_factor_refuses_what_convert_exact_refuses():
    for pair in (("米", "亿元"), ("亿元", "米"), ("万人", "亿元")):
        with pytest.raises(UnitError) as fast:
            conversion_factor(*pair)
        with pytest.raises(UnitError) as exact:
            convert_exact(1, *pair)
        assert str(fast.value) == str(exact.value)


# ---------------------------------------------------------------------------------------------------
# is_missing


def _decorated(marker):
    return st.sampled_from([marker, f" {marker} ", f"\u3000{marker}", marker.upper(), f"\t{marker}\n"])


@PROPERTY
@given(
    value=st.one_of(
        st.none(),
        st.booleans(),
        st.integers(),
        st.floats(),
        st.dates(min_value=dt.date(1900, 1, 1)),
        st.text(max_size=6),
        st.sampled_from(sorted(MISSING_MARKERS) + ["－", "…", "／", "N/A", "﹣", "−", "——", "0", "无数据"]).flatmap(
            _decorated
        ),
        st.builds(Formula, st.sampled_from(["=A1", ""])),
    )
)
def test_is_missing_is_parse_number_saying_missing(value):
    assert is_missing(value) == (parse_number(value).kind == "missing")


# ---------------------------------------------------------------------------------------------------
# the worksheet scan

NS = 'xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"'
DECL = '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\r\n'


def sheet(cells: str, *, decl=DECL, root_attrs=NS, prefix="") -> bytes:
    p = f"{prefix}:" if prefix else ""
    ns = root_attrs.replace("xmlns=", f"xmlns:{prefix}=") if prefix else root_attrs
    return (
        f'{decl}<{p}worksheet {ns}><{p}dimension ref="A1"/><{p}sheetData>{cells}</{p}sheetData></{p}worksheet>'
    ).encode()


def scans(data: bytes, pct=frozenset()):
    """(fast path taken?, fast result, ElementTree result); each result is (bbox, formulas, percents) or
    the exception class raised."""
    fast, slow = readers._SheetScan("s", "visible"), readers._SheetScan("s", "visible")
    try:
        took = readers._scan_sheet_bytes(data, fast, set(pct))
        got = (fast.bbox, fast.formulas, fast.percents)
    except Exception as exc:  # compared with what ElementTree raises
        took, got = None, type(exc)
    try:
        readers._scan_sheet_xml(io.BytesIO(data), slow, set(pct))
        want = (slow.bbox, slow.formulas, slow.percents)
    except Exception as exc:
        want = type(exc)
    return took, got, want


CANONICAL = {
    "excel": '<row r="1" spans="1:3"><c r="A1" s="1" t="s"><v>0</v></c><c r="B1" s="2"><v>12.5</v></c>'
    '<c r="C1" s="3" t="n" cm="1"><f t="array" ref="C1:C3">SEQUENCE(3)</f><v>1</v></c></row>',
    "formulas": '<row r="2"><c r="A2"><f>SUM(B2:C2)</f></c><c r="B2"><f>1+1</f><v></v></c><c r="C2" t="str">'
    '<f>A1&amp;"x"</f><v></v></c><c r="D2" t="n"><f t="shared" si="0"/><v/></c>'
    '<c r="E2"><f t="shared" ref="E2:E9" si="1">IF(A1&gt;0,&quot;a&quot;,\r\n"b") &#x41;</f></c></row>',
    "inline": '<row r="3"><c r="A3" t="inlineStr"><is><r><rPr><b/></rPr><t>粗</t></r><t xml:space="preserve"> x </t>'
    '</is></c><c r="B3" t="inlineStr"><is/></c><c r="C3" s="4"/><c r="D3"></c><c r="E3">  </c></row>',
    "pretty": '\r\n  <row r="4">\r\n    <c r="A4" s="2">\r\n      <v>0.125</v>\r\n    </c>\r\n'
    '    <c r="XFD4" s="0" t="e"><v>#N/A</v></c>\r\n  </row>\r\n',
    "duplicates": '<row r="5"><c r="B5" s="2"><v>1</v></c><c r="B5"><f>1</f></c><c r="A1048576"><v>3</v></c></row>',
    "no cells": "",
    "percent": '<row r="6"><c r="A6" s="2" t="s"><v>0</v></c><c r="B6" s="2"><v>0.5</v></c><c r="C6" s="2" t="n">'
    '<v>0.5</v></c><c r="D6" t="n"><v>1</v></c><c r="E6" s="2" t="str"><v>x</v></c><c r="F6" s="2"><f>1</f><v>1</v>'
    '</c><c r="G6" s="2"><f>1</f><v> </v></c><c r="H6" s="2" t="e"><v>#DIV/0!</v></c><c r="I6" s="2"><v/></c></row>',
}


@pytest.mark.parametrize("name", sorted(CANONICAL))
@pytest.mark.parametrize("pct", [frozenset(), frozenset({2}), frozenset({0, 3})])
@pytest.mark.parametrize("prefix", ["", "x"])
def test_the_byte_scan_reads_canonical_sheets_as_elementtree_does(name, pct, prefix):
    cells = CANONICAL[name]
    if prefix:
        cells = cells.replace("<", "<x:").replace("<x:/", "</x:")
    took, got, want = scans(sheet(cells, prefix=prefix), pct)
    assert took is True
    assert got == want


def test_formula_text_is_decoded_like_elementtree_does():
    took, got, _ = scans(sheet(CANONICAL["formulas"]))
    assert took and got[1][(1, 4)] == '=IF(A1>0,"a",\n"b") A'
    assert got[1][(1, 3)] == "（共享公式）"
    assert (1, 2) not in got[1]  # t="str" with an empty cached value is a computed empty string


HANDED_BACK = {
    "no r": '<row r="1"><c><v>1</v></c><c t="s"><v>2</v></c></row>',
    "r not first": '<row r="1"><c s="1" r="A1"><v>1</v></c></row>',
    "single quotes": "<row r=\"1\"><c r='A1'><v>1</v></c></row>",
    "reference in a value": '<row r="1"><c r="A1" s="&#49;"><v>1</v></c></row>',
    "> in a value": '<row r="1"><c r="A1" foo="a>b"><v>1</v></c></row>',
    "newline in a value": '<row r="1"><c r="A1" t="n&#10;"><v>1</v></c><c r="B1" t="\nn"><v>1</v></c></row>',
    "extLst": '<row r="1"><c r="A1"><v>1</v><extLst><ext uri="x"/></extLst></c></row>',
    "v before f": '<row r="1"><c r="A1"><v>1</v><f>1</f></c></row>',
    "two f": '<row r="1"><c r="A1"><f>1</f><f>2</f></c></row>',
    "mixed text": '<row r="1"><c r="A1">x<v>1</v></c></row>',
    "nested c": '<row r="1"><c r="A1" t="inlineStr"><is><t>a</t><c r="XFD1048576"><v>1</v></c></is></c></row>',
    "nested c in f": '<row r="1"><c r="A1"><f>1<c r="XFD9"><v>1</v></c></f></c></row>',
    "lower-case ref": '<row r="1"><c r="a1"><v>1</v></c></row>',
    "comment": '<row r="1"><!-- <c r="XFD1"><v>1</v></c> --><c r="A1"><v>1</v></c></row>',
    "cdata": '<row r="1"><c r="A1" t="inlineStr"><is><t><![CDATA[<c r="XFD1">]]></t></is></c></row>',
    "processing instruction": '<row r="1"><?pi <c r="XFD1"><v>1</v></c>?><c r="A1"><v>1</v></c></row>',
    "row number in other digits": '<row r="①"><c r="A1"><v>1</v></c></row>',  # ElementTree path: ValueError
    "non-ascii prefix": '<row r="1"><é:c xmlns:é="urn:x" r="A1"><é:v>1</é:v></é:c></row>',
}


@pytest.mark.parametrize("name", sorted(HANDED_BACK))
def test_forms_the_byte_scan_does_not_read_are_handed_back_to_elementtree(name):
    data = sheet(HANDED_BACK[name])
    took, got, want = scans(data)
    assert took is False and got == (None, {}, set())
    # and _scan_sheet then gives the ElementTree result (or, for a plain sheet, the same with a bounding box)
    assert agrees(scan_part(data), want)


def test_other_encodings_and_a_late_doctype_are_handed_back():
    utf16 = sheet(CANONICAL["excel"], decl='<?xml version="1.0" encoding="UTF-16"?>').decode().encode("utf-16")
    latin = sheet(
        '<row r="1"><c r="A1" t="inlineStr"><is><t>\xe9</t></is></c></row>', decl=DECL.replace("UTF-8", "ISO-8859-1")
    )
    late = sheet(CANONICAL["excel"], decl=DECL + "<!--" + "x" * 3000 + '--><!DOCTYPE worksheet [<!ENTITY e "1">]>')
    for data in (utf16, latin.decode().encode("latin-1"), late):
        took, got, want = scans(data)
        assert took is False
        assert agrees(scan_part(data), want)


@pytest.mark.parametrize(
    "data",
    [
        sheet(CANONICAL["excel"])[:-40],  # truncated
        sheet('<row r="1"><c r="A1"><v>1</v></row>'),  # unclosed <c>
        sheet('<row r="1"><c r="A1"><v>1&nbsp;</v></c></row>'),  # undefined entity
        sheet('<row r="1"><c r="A1"><v>1</v></c></row>', root_attrs=""),  # no namespace: fine
        sheet('<row r="1"><x:c r="A1"><x:v>1</x:v></x:c></row>'),  # unbound prefix
        sheet('<row r="1"><c r="A1" r="B1"><v>1</v></c></row>'),  # duplicate attribute
        sheet('<row r="1"><c r="A1"><v>1</v></c></row>') + b"<junk/>",
        b"",
    ],
)
def test_a_malformed_part_is_refused_as_elementtree_refuses_it(data):
    took, got, want = scans(data)
    if isinstance(want, type):
        assert got is want is readers.ElementTree.ParseError
    else:
        assert took is True and got == want


def scan_part(data: bytes, pct=frozenset(), state="visible"):
    """_scan_sheet on a one-part zip (DOCTYPE check, plain scan, byte scan, or ElementTree)."""
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        zf.writestr("sheet.xml", data)
    scan = readers._SheetScan("s", state)
    try:
        readers._scan_sheet(zipfile.ZipFile(buf), "sheet.xml", scan, set(pct))
    except Exception as exc:
        return type(exc)
    return scan.bbox, scan.formulas, scan.percents


PLAIN_BOX = [0, 998, 0, 701]  # A1:ZZ999, what the plain scan records


def agrees(got, want):
    """The scan's answer is ElementTree's, or the plain scan's: the same formulas and percent cells (none),
    and a box that holds every cell ElementTree found."""
    if got == want:
        return True
    if isinstance(got, type) or isinstance(want, type):
        return False
    (box, formulas, percents), (want_box, want_formulas, want_percents) = got, want
    holds = want_box is None or (
        box[0] <= want_box[0] and want_box[1] <= box[1] and box[2] <= want_box[2] and want_box[3] <= box[3]
    )
    return box == PLAIN_BOX and formulas == want_formulas == {} and percents == want_percents == set() and holds


def plain(data: bytes) -> bool:
    scan = readers._SheetScan("s", "visible")
    return readers._scan_sheet_plain(data, scan)


def test_a_plain_sheet_skips_the_cell_by_cell_reading():
    data = sheet(CANONICAL["excel"].replace('<f t="array" ref="C1:C3">SEQUENCE(3)</f>', ""))
    assert plain(data)
    assert scan_part(data) == (PLAIN_BOX, {}, set())
    _, _, want = scans(data)
    assert want[0] == [0, 0, 0, 2] and agrees(scan_part(data), want)


@pytest.mark.parametrize(
    ("why", "cells"),
    [
        ("a formula", '<row r="1"><c r="A1"><f>1+1</f><v>2</v></c></row>'),
        ("a self-closing formula", '<row r="1"><c r="A1"><f t="shared" si="0"/><v>2</v></c></row>'),
        ("a cell without r", '<row r="1"><c><v>1</v></c></row>'),
        ("r not first", '<row r="1"><c s="1" r="A1"><v>1</v></c></row>'),
        ("row 0", '<row r="1"><c r="A0"><v>1</v></c></row>'),
        ("row 1000", '<row r="1000"><c r="A1000"><v>1</v></c></row>'),
        ("column AAA", '<row r="1"><c r="AAA1"><v>1</v></c></row>'),
        ("a far empty cell", '<row r="1"><c r="A1"><v>1</v></c><c r="XFD1048576" s="1"/></row>'),
        ("a prefixed tag", '<row r="1"><x:c xmlns:x="urn:x" r="A1"><x:v>1</x:v></x:c></row>'),
        ("a comment", '<row r="1"><!-- x --><c r="A1"><v>1</v></c></row>'),
        ("an odd row number", '<row r="①"><c r="A1"><v>1</v></c></row>'),
    ],
)
def test_what_the_plain_scan_leaves_to_the_cell_by_cell_readings(why, cells):
    data = sheet(cells)
    assert not plain(data), why
    _, _, want = scans(data)
    assert scan_part(data) == want  # the exact reading's answer, bounding box included


EXCEL_ROOT = (
    NS + ' xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"'
    ' xmlns:mc="http://schemas.openxmlformats.org/markup-compatibility/2006" mc:Ignorable="x14ac"'
    ' xmlns:x14ac="http://schemas.microsoft.com/office/spreadsheetml/2009/9/ac"'
    ' xmlns:x14="http://schemas.microsoft.com/office/spreadsheetml/2009/9/main"'
)


def test_a_sheet_as_excel_writes_it_is_plain():
    """Namespace declarations, prefixed attributes and prefixed tags other than c, f and row are fine."""
    cells = (
        '<row r="1" spans="1:2" x14ac:dyDescent="0.25"><c r="A1" s="1" t="s"><v>0</v></c><c r="B1"><v>1.5</v></c>'
        '</row><x14:dataValidations count="0"/>'
    )
    data = sheet(cells, root_attrs=EXCEL_ROOT)
    assert plain(data)
    _, _, want = scans(data)
    assert want[0] == [0, 0, 0, 1] and agrees(scan_part(data), want)
    hidden_cell = sheet(cells + '<x14:c r="XFD1048576"><x14:v>1</x14:v></x14:c>', root_attrs=EXCEL_ROOT)
    assert not plain(hidden_cell)


def test_percent_styles_and_hidden_sheets_are_always_read_cell_by_cell():
    data = sheet('<row r="1"><c r="A1" s="2"><v>0.5</v></c><c r="C3"><v>1</v></c></row>')
    assert plain(data)
    assert scan_part(data, pct={2}) == ([0, 2, 0, 2], {}, {(0, 0)})
    assert scan_part(data, state="hidden") == ([0, 2, 0, 2], {}, set())


def test_a_malformed_plain_sheet_is_still_refused():
    for data in (sheet('<row r="1"><c r="A1"><v>1</v></row>'), sheet('<row r="1"><c r="A1" r="B1"><v>1</v></c></row>')):
        assert scan_part(data) is readers.ElementTree.ParseError


REF = st.builds(lambda c, r: f"{c}{r}", st.sampled_from(["A", "B", "Z", "AA", "XFD", "a"]), st.integers(0, 1048577))
ATTRS = st.lists(
    st.sampled_from(
        [' s="2"', ' s="0"', ' t="s"', ' t="n"', ' t="str"', ' t="inlineStr"', ' cm="1"', " s='2'", ' s=" 2"']
    ),
    max_size=3,
    unique=True,
)
CHILD = st.sampled_from(
    [
        "",
        "<v>1</v>",
        "<v/>",
        "<v></v>",
        "<v> </v>",
        "<f>A1</f>",
        "<f>A1</f><v>2</v>",
        "<f>A1</f><v/>",
        "<f>A1</f><v> </v>",
        '<f t="shared" si="0"/>',
        '<f t="shared" si="0"/><v>3</v>',
        "<is><t>x</t></is>",
        "<is/>",
        "<v>1</v><f>A1</f>",
        "\n  <v>1</v>\n",
        '<extLst><ext uri="u"/></extLst>',
    ]
)


def _cell(ref, attrs, child, closed):
    r = f' r="{ref}"' if ref else ""
    return f"<c{r}{''.join(attrs)}/>" if closed else f"<c{r}{''.join(attrs)}>{child}</c>"


def _row(r, cells):
    number = f' r="{r}"' if r else ""
    return f"<row{number}>{''.join(cells)}</row>"


CELL = st.builds(_cell, st.one_of(REF, st.just(None)), ATTRS, CHILD, st.booleans())
ROWS = st.lists(
    st.builds(_row, st.one_of(st.integers(1, 99).map(str), st.just(None)), st.lists(CELL, max_size=5)), max_size=5
)


@PROPERTY
@given(rows=ROWS, pct=st.sampled_from([frozenset(), frozenset({2}), frozenset({0})]), prefix=st.sampled_from(["", "x"]))
def test_random_sheets_scan_as_elementtree_scans_them(rows, pct, prefix):
    cells = "".join(rows)
    if prefix:
        cells = cells.replace("<", "<x:").replace("<x:/", "</x:")
    took, got, want = scans(sheet(cells, prefix=prefix), pct)
    if took is False:
        assert got == (None, {}, set())
    else:
        assert got == want
    assert agrees(scan_part(sheet(cells, prefix=prefix), pct), want)


def _edited_sheet(edit) -> bytes:
    """A one-sheet workbook whose worksheet XML went through ``edit`` (bytes → bytes)."""
    src = zipfile.ZipFile(io.BytesIO(xlsx([[1]], "Sheet")))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as zf:
        for info in src.infolist():
            content = src.read(info.filename)
            if info.filename == "xl/worksheets/sheet1.xml":
                content = edit(content)
            zf.writestr(info.filename, content)
    return out.getvalue()


def test_cells_far_apart_are_still_refused_before_calamine_loads_the_sheet():
    data = _edited_sheet(
        lambda xml: xml.replace(b"</sheetData>", b'<row r="1048576"><c r="XFD1048576"><v>2</v></c></row></sheetData>')
    )
    result = parse_upload(data, "huge.xlsx", CATALOG)
    assert [str(e) for e in result.errors] == ["Sheet: 工作表范围过大（1048576 行 × 16384 列），已拒绝"]


def test_a_second_reference_on_a_plain_cell_is_refused_before_calamine_reads_it():
    """calamine places a cell by its last r: r="A1" r="XFD1048576" would make it allocate the whole sheet and
    abort the process. The plain scan sees r="A1" first; the well-formedness pass refuses the duplicate."""
    data = _edited_sheet(lambda xml: xml.replace(b'<c r="A1"', b'<c r="A1" r="XFD1048576"', 1))
    assert b'r="A1" r="XFD1048576"' in zipfile.ZipFile(io.BytesIO(data)).read("xl/worksheets/sheet1.xml")
    result = parse_upload(data, "dup.xlsx", CATALOG)
    assert [str(e) for e in result.errors] == ["文件已损坏或不完整，无法作为 Excel 文件读取"]


# ---------------------------------------------------------------------------------------------------
# the write path


@pytest.fixture
def upload_root(settings, tmp_path):
    settings.UPLOAD_ROOT = tmp_path / "uploads"


def _rollup(year, rows):
    header = [f"{year}年各县工业主要指标"], ["地区", "规上工业增加值（亿元）", "从业人员平均人数（万人）"]
    return xlsx([*header, *rows], f"{year}年")


@pytest.mark.django_db
def test_an_import_reads_the_stored_versions_once_and_writes_them_as_bulk_create_did(
    monkeypatch, upload_root, django_capture_on_commit_callbacks
):
    from indicators import services
    from indicators.models import Observation, Upload
    from indicators.signals import observations_changed

    calls = []
    real = services._existing_rows
    monkeypatch.setattr(services, "_existing_rows", lambda values: calls.append(len(values)) or real(values))
    sent = []
    observations_changed.connect(lambda sender, upload, **kw: sent.append(upload.pk), weak=False, dispatch_uid="t")
    user = services.system_user()
    try:
        with django_capture_on_commit_callbacks(execute=True):
            first = services.import_file(
                data=_rollup(2023, [["义乌市", 512.3, 30.1], ["景宁畲族自治县", 21.5, 1.2]]),
                filename="a.xlsx",
                user=user,
                approve=True,
            )
        assert calls == [4] and (first["created"], first["updated"], first["unchanged"]) == (4, 0, 0)
        calls.clear()
        dry = services.import_file(
            data=_rollup(2023, [["义乌市", 600.0, 30.1]]), filename="b.xlsx", user=user, dry_run=True
        )
        assert calls == [2] and (dry["created"], dry["updated"], dry["unchanged"]) == (0, 1, 1)
        calls.clear()
        with django_capture_on_commit_callbacks(execute=True):
            second = services.import_file(data=_rollup(2023, [["义乌市", 600.0, 30.1]]), filename="b.xlsx", user=user)
        assert calls == [2] and (second["created"], second["updated"], second["unchanged"]) == (0, 1, 1)
    finally:
        observations_changed.disconnect(dispatch_uid="t")
    assert sent == [first["upload_id"], second["upload_id"]]
    rows = list(
        Observation.objects.filter(region__code="330782", indicator__code="value_added").values_list(
            "year", "value", "version", "status", "is_current", "upload_id", "sheet", "cell", "raw"
        )
    )
    assert sorted(rows, key=lambda r: r[2]) == [
        (2023, 512.3, 1, "approved", False, first["upload_id"], "2023年", "B3", "512.3"),
        (2023, 600.0, 2, "submitted", True, second["upload_id"], "2023年", "B3", "600"),
    ]
    assert Upload.objects.get(pk=second["upload_id"]).status == Upload.Status.SUBMITTED


@pytest.mark.django_db
def test_long_texts_are_cut_to_the_field_sizes_and_numbers_prepared_like_model_fields(upload_root):
    from indicators import services
    from indicators.models import Observation, Upload

    upload = Upload.objects.create(original_name="x.xlsx", sha256="0" * 64, uploaded_by=services.system_user())
    value = ParsedValue("330782", "value_added", 2023, 7, "表" * 100, "AB1234567890123456789", "9" * 100, "亿元")
    summary = services.observations_write(upload=upload, values=[value], approve=True)
    assert (summary.created, summary.updated, summary.unchanged) == (1, 0, 0)
    obs = Observation.objects.get(upload=upload)
    assert (obs.sheet, obs.cell, obs.raw) == ("表" * 80, "AB123456789012345678", "9" * 80)
    assert type(obs.value) is float and obs.value == 7.0 and obs.version == 1 and obs.is_current
    assert obs.status == Observation.Status.APPROVED


@pytest.mark.django_db
def test_a_conflicting_row_raises_djangos_integrity_error():
    from indicators import services
    from indicators.models import Indicator, Region, Upload

    upload = Upload.objects.create(original_name="x.xlsx", sha256="0" * 64, uploaded_by=services.system_user())
    region, indicator = Region.objects.get(code="330782").pk, Indicator.objects.get(code="value_added").pk
    row = (region, indicator, 2023, 1.0, 1, "submitted", False, upload.pk, "", "", "")
    with pytest.raises(IntegrityError), transaction.atomic():
        services._insert_observations([row, row])


@pytest.mark.django_db
def test_the_garbage_collector_is_paused_during_an_import_and_restored_after(monkeypatch, upload_root):
    import gc

    from indicators import services

    seen = []
    real = services.observations_diff
    monkeypatch.setattr(services, "observations_diff", lambda *a, **kw: seen.append(gc.isenabled()) or real(*a, **kw))
    data = _rollup(2023, [["义乌市", 512.3, 30.1]])
    user = services.system_user()
    assert gc.isenabled()
    services.import_file(data=data, filename="a.xlsx", user=user, dry_run=True)
    assert seen == [False] and gc.isenabled()

    def boom(*a, **kw):
        raise RuntimeError("boom")

    monkeypatch.setattr(services, "observations_diff", boom)
    with pytest.raises(RuntimeError):
        services.import_file(data=data, filename="a.xlsx", user=user)
    assert gc.isenabled()
    gc.disable()
    try:
        monkeypatch.setattr(services, "observations_diff", real)
        services.import_file(data=data, filename="a.xlsx", user=user, dry_run=True)
        assert not gc.isenabled()  # left as the caller had it
    finally:
        gc.enable()


# ---------------------------------------------------------------------------------------------------
# roll-up sheets column by column (RollupBlock) against the cell-by-cell path


def parse_both(data: bytes, monkeypatch, **kwargs):
    """parse_upload as it runs, and with every roll-up forced through the cell-by-cell loop."""
    fast = parse_upload(data, "rollup.xlsx", CATALOG, **kwargs)
    with monkeypatch.context() as m:
        m.setattr(shapes.SheetParser, "_block_year", staticmethod(lambda plan: None))
        slow = parse_upload(data, "rollup.xlsx", CATALOG, **kwargs)
    return fast, slow


def outcome_of(result):
    values = ParsedValues.of(result.values)
    return (
        result.shape,
        [str(e) for e in result.errors],
        [str(w) for w in result.warnings],
        [(v, math.copysign(1, v.value)) for v in result.values],  # ParsedValue equality, and 0.0 is not -0.0
        [values.distinct(name) for name in ("region_code", "indicator_code", "year")],
    )


HEADERS = [
    "规模以上工业增加值（亿元）",
    "规上工业增加值（万元）",  # the same indicator again, in another unit
    "规模以上工业总产值",  # no unit: assumed, with a warning
    "从业人员平均人数（万人）",
    "规模以上工业用地面积（公顷）",  # 1 公顷 = 15 亩
    "新增工业机器人（套）",  # another count word: a note
    "研发经费占营业收入比重（%）",  # a share: 0–100
    "规模以上工业主营业务收入（亿元）",  # an alias valid until 2018
    "规上工业增加值增速",  # a growth rate: may be negative
]
REGION_CELLS = ["义乌市", "义乌", "萧山区", "海宁市", "景宁畲族自治县", "绍兴县", "柯桥区", "杭州市", "全省", "合计"]
REGION_CELLS += ["火星县", None, "注：示例", 330481, "330109"]
CELL_VALUES = st.one_of(
    st.floats(min_value=-5, max_value=150, allow_nan=False).map(lambda x: round(x, 3)),
    st.floats(min_value=-5, max_value=150, allow_nan=False).map(lambda x: round(x, 3)),
    st.integers(min_value=-3, max_value=200),
    st.sampled_from([None, None, 0.0, -0.0, 100.0, 1e20, "—", "…", "12.5", "约3", True]),
)


@st.composite
def rollup_workbooks(draw):
    sheets = []
    years = draw(st.lists(st.sampled_from([2012, 2016, 2020, 2023, 2023, 2031]), min_size=1, max_size=3))
    for n, year in enumerate(years):
        headers = draw(st.lists(st.sampled_from(HEADERS), min_size=1, max_size=5))
        regions = draw(st.lists(st.sampled_from(REGION_CELLS), min_size=1, max_size=6))
        clean = draw(st.booleans())  # half the sheets hold plain numbers only
        value = (
            st.floats(min_value=0, max_value=99, allow_nan=False).map(lambda x: round(x, 2)) if clean else CELL_VALUES
        )
        rows = [[f"{year}年各县工业主要指标"], ["地区", *headers]]
        rows += [[region, *(draw(value) for _ in headers)] for region in regions]
        sheets.append((f"{year}年" + ("" if n == 0 else f"({n})"), rows, "visible"))
    (title, rows, _), *more = sheets
    return xlsx(rows, title, more=more)


@settings(
    max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture]
)
@given(data=rollup_workbooks(), own=st.sampled_from([None, None, "330782"]))
def test_a_rollup_read_column_by_column_gives_what_the_cell_by_cell_loop_gives(data, own, monkeypatch):
    fast, slow = parse_both(data, monkeypatch, region_code=own)
    assert outcome_of(fast) == outcome_of(slow)


def test_a_clean_rollup_goes_column_by_column_and_keeps_row_major_order(monkeypatch):
    rows = [
        ["2023年各县工业主要指标"],
        ["地区", "规上工业增加值（万元）", "从业人员平均人数", "研发经费占营业收入比重（%）"],
        ["义乌市", 12345, 30.5, None],
        ["海宁市", -0.0, "—", 3.25],
        ["合计", 1, 2, 3],
    ]
    data = xlsx(rows, "2023年")
    blocks = []
    real = validate_module._validate_blocks
    monkeypatch.setattr(validate_module, "_validate_blocks", lambda *a: blocks.append(a) or real(*a))
    result = parse_upload(data, "r.xlsx", CATALOG)
    assert len(blocks) == 1 and isinstance(result.values, ParsedValues)
    assert [(v.region_code, v.indicator_code, v.cell, v.value, v.raw, v.raw_unit) for v in result.values] == [
        ("330782", "value_added", "B3", 1.2345, "12345", "万元"),
        ("330782", "employees", "C3", 30.5, "30.5", "万人"),
        ("330481", "value_added", "B4", 0.0, "0", "万元"),
        ("330481", "rd_intensity", "D4", 3.25, "3.25", "%"),
    ]
    assert math.copysign(1, result.values[2].value) == 1  # -0.0 stored as 0.0
    # the parser's warnings first, then validate's, on the column's first value (it has no unit cell)
    assert [str(w) for w in result.warnings] == [
        '2023年!A5: "合计" 行不是单个地区，已忽略',
        '2023年!C3: 未注明计量单位，按指标 "规模以上工业从业人员平均人数" 的标准单位 "万人" 处理',
    ]
    fast, slow = parse_both(data, monkeypatch)
    assert outcome_of(fast) == outcome_of(slow)


def test_parsed_values_behave_as_the_list_of_parsed_value():
    values = [
        ParsedValue("330782", "value_added", 2023, 1.5, "s", "B3", "1.5", "亿元"),
        ParsedValue("330481", "employees", 2022, 2.0, "s", "C4", "2", "万人"),
    ]
    cols = ParsedValues.of(values)
    assert cols == values and list(cols) == values and cols[1] == values[1] and cols[0:1] == values[:1]
    assert len(cols) == 2 and cols.keys() == [("330782", "value_added", 2023), ("330481", "employees", 2022)]
    assert cols.take([False, True]) == values[1:]
    made = []
    lazy = ParsedValues(
        region_code=["330782"],
        indicator_code=["value_added"],
        year=[2023],
        value=[1.5],
        sheet=["s"],
        cell=lambda: made.append("cell") or ["B3"],
        raw=lambda: made.append("raw") or ["1.5"],
        raw_unit=["亿元"],
    )
    assert made == [] and lazy.value == [1.5] and lazy.distinct("region_code") == {"330782"}
    kept = lazy.take([True])
    assert made == [] and kept.cell == ["B3"] and made == ["cell"]
    assert list(kept)[0] == values[0] and made == ["cell", "raw"]
    assert ParsedValues.empty() == []


@PROPERTY
@given(
    cells=st.lists(
        st.one_of(
            st.floats(allow_nan=False, allow_infinity=False),
            st.integers(min_value=-(10**18), max_value=10**18),
            st.sampled_from([0.0, -0.0, 1e16, -1e16, 9999999999999998.0, 1e-05, 100.0, -5.0, 0.1]),
            st.sampled_from([None, "—"]),
        ),
        max_size=12,
    )
)
def test_a_column_of_number_texts_is_display_of_each_cell(cells):
    want = [display(v) if v is not None and not isinstance(v, str) else "" for v in cells]
    assert validate_module._number_texts(cells) == want


def test_the_catalog_index_is_kept_per_catalog_content_and_renewed_when_full(monkeypatch):
    from dataclasses import replace

    from indicators import ingest

    first = ingest.catalog_index(make_catalog())
    assert ingest.catalog_index(make_catalog()) is first  # an equal catalog read again: the same lookups
    edited = make_catalog()
    edited.indicators[0] = replace(edited.indicators[0], aliases=(*edited.indicators[0].aliases, "新别名"))
    other = ingest.catalog_index(edited)
    assert other is not first and other.match_indicator("新别名")[0].spec.code == edited.indicators[0].code
    assert first.match_indicator("新别名")[0] is None
    monkeypatch.setattr(ingest, "_INDEX_CACHE_LIMIT", first.cached() - 1)
    assert ingest.catalog_index(make_catalog()) is not first  # too many texts kept: a fresh index
