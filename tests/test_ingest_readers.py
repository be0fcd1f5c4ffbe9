"""The container checks of indicators/ingest/readers.py: XML through defusedxml, OLE2 through olefile."""

from __future__ import annotations

import importlib.util
import io
import re
import struct
import zipfile
from pathlib import Path

import pytest
import python_calamine

from indicators.ingest import parse_upload, readers
from indicators.ingest.readers import Grid
from tests.ingest_catalog import LONG_HEADER, make_catalog, xlsx

CATALOG = make_catalog()
DOCTYPE = "文件包含不允许的 XML 声明（DOCTYPE），已拒绝"
CORRUPT = "文件已损坏或不完整，无法作为 Excel 文件读取"
ROLLUP = [["地区", "规上工业增加值（亿元）"], ["义乌市", 512.3]]


def _corpus_writer():
    spec = importlib.util.spec_from_file_location("make_corpus", Path(__file__).parent / "data" / "make_corpus.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def rezip(data: bytes, part: str, edit) -> bytes:
    """The .xlsx with ``part`` replaced by ``edit(part's bytes)``."""
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as src, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            content = src.read(info.filename)
            dst.writestr(info.filename, edit(content) if info.filename == part else content)
    return out.getvalue()


def with_doctype_after_a_comment(data: bytes, part: str) -> bytes:
    """A 3 KB comment, then a DOCTYPE declaring an entity, between the XML declaration and the root element."""

    def edit(content: bytes) -> bytes:
        declaration = re.match(rb"<\?xml[^>]*\?>\s*", content)
        at = declaration.end() if declaration else 0
        doctype = b"<!--" + b"x" * 3072 + b'--><!DOCTYPE root [<!ENTITY e "expanded">]>'
        return content[:at] + doctype + content[at:]

    return rezip(data, part, edit)


def with_shared_strings(data: bytes) -> bytes:
    """The workbook with its inline strings (openpyxl's way) moved to xl/sharedStrings.xml (Excel's way)."""
    strings: list[bytes] = []

    def share(m: re.Match) -> bytes:
        strings.append(m[2])
        return b'<c r="%s" t="s"><v>%d</v></c>' % (m[1], len(strings) - 1)

    def sheet(content: bytes) -> bytes:
        return re.sub(rb'<c r="([A-Z]+[0-9]+)" t="inlineStr"><is><t>(.*?)</t></is></c>', share, content)

    data = rezip(data, "xl/worksheets/sheet1.xml", sheet)
    sst = b'<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
    sst += b"".join(b"<si><t>%s</t></si>" % t for t in strings) + b"</sst>"
    rel = (
        b'<Relationship Id="rIdShared" Target="sharedStrings.xml" '
        b'Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/sharedStrings"/></Relationships>'
    )
    data = rezip(data, "xl/_rels/workbook.xml.rels", lambda c: c.replace(b"</Relationships>", rel))
    return add_part(data, "xl/sharedStrings.xml", b'<?xml version="1.0" encoding="UTF-8"?>\n' + sst)


def add_part(data: bytes, name: str, content: bytes) -> bytes:
    out = io.BytesIO(data)
    with zipfile.ZipFile(out, "a", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr(name, content)
    return out.getvalue()


def parse(data: bytes, name="t.xlsx"):
    return parse_upload(data, name, CATALOG, year=2023)


def book() -> bytes:
    return with_shared_strings(xlsx(ROLLUP, "2023年"))


def test_the_workbook_parses_before_it_is_changed():
    data = book()
    assert b"\xe4\xb9\x89\xe4\xb9\x8c\xe5\xb8\x82" in zipfile.ZipFile(io.BytesIO(data)).read(
        "xl/sharedStrings.xml"
    )  # 义乌市
    r = parse(data)
    assert r.accepted and [(v.region_code, v.value) for v in r.values] == [("330782", 512.3)]


@pytest.mark.parametrize(
    "part", ["xl/worksheets/sheet1.xml", "xl/sharedStrings.xml", "xl/workbook.xml", "xl/styles.xml", "docProps/app.xml"]
)
def test_a_doctype_after_a_long_comment_in_any_part_is_refused(part):
    data = book()
    r = parse(with_doctype_after_a_comment(data, part))
    assert [str(e) for e in r.errors] == [DOCTYPE]
    assert r.values == []


@pytest.mark.parametrize(("declared", "refused"), [(False, False), (True, True)])
def test_a_part_is_xml_when_its_extension_or_the_content_types_say_so(declared, refused):
    notes = b'<?xml version="1.0"?><!DOCTYPE n [<!ENTITY e "x">]><n>&e;</n>'
    data = add_part(book(), "xl/notes.dat", notes)
    if declared:
        override = b'<Override PartName="/xl/notes.dat" ContentType="application/xml"/></Types>'
        data = rezip(data, "[Content_Types].xml", lambda c: c.replace(b"</Types>", override))
    assert [str(e) for e in parse(data).errors] == ([DOCTYPE] if refused else [])


def test_a_cell_with_two_references_is_refused():
    # calamine would place the cell by its last r, far outside the bounding box the first one gives
    data = rezip(
        xlsx(ROLLUP, "2023年"), "xl/worksheets/sheet1.xml", lambda c: c.replace(b'r="B2"', b'r="B2" r="XFD1048576"')
    )
    assert [str(e) for e in parse(data).errors] == [CORRUPT]


def test_a_part_that_is_not_well_formed_is_refused():
    data = rezip(xlsx(ROLLUP, "2023年"), "docProps/core.xml", lambda c: c[: len(c) // 2])
    assert [str(e) for e in parse(data).errors] == [CORRUPT]


def test_a_percent_formatted_cell_is_read_as_a_percent():
    rows = [["地区", "高新技术产业增加值占规模以上工业增加值比重"], ["义乌市", 0.452]]
    r = parse(xlsx(rows, "2023年", formats={"B2": "0.0%"}))
    assert [(v.value, v.raw, v.raw_unit) for v in r.values] == [(45.2, "45.2%", "%")]


def test_cell_addresses_use_excel_column_letters():
    grid = Grid("s", [])
    assert [grid.addr(0, 0), grid.addr(6, 1), grid.addr(0, 25), grid.addr(2, 27), grid.addr(0, 16383)] == [
        "A1",
        "B7",
        "Z1",
        "AB3",
        "XFD1",
    ]


# ---------------------------------------------------------------------------------------------
# OLE2 containers (olefile)


@pytest.mark.parametrize(
    ("streams", "message"),
    [
        ({"WordDocument": b"\0" * 64}, "文件是 Word 文档，不是电子表格；请上传 .xlsx 或 .csv 文件"),
        ({"PowerPoint Document": b"\0" * 64}, "文件是 PowerPoint 演示文稿，不是电子表格；请上传 .xlsx 或 .csv 文件"),
        ({"Book": b"\0" * 64}, "不支持 Excel 95 及更早的 .xls 格式，请在 Excel 中另存为 .xlsx 后重新上传"),
        ({"Other": b"\0" * 64}, "文件不是 Excel 或 CSV 表格；请上传 .xlsx 或 .csv 文件"),
    ],
)
def test_an_ole_container_that_is_not_an_xls_says_what_it_is(streams, message):
    data = _corpus_writer().write_cfb(streams)
    assert [str(e) for e in parse(data, "t.xls").errors] == [message]


def test_an_xls_whose_cells_span_too_far_is_refused_before_calamine_loads_it():
    corpus = _corpus_writer()
    book = corpus.biff8_workbook([("2023年", {(0, 0): "地区", (65535, 255): 1.0})])
    r = parse(corpus.write_cfb({"Workbook": book}), "t.xls")
    assert [str(e) for e in r.errors] == ["工作表范围过大（65536 行 × 256 列），已拒绝"]


# ---------------------------------------------------------------------------------------------
# The scan reads the workbook exactly as calamine will (issue 12, finding 1). A sheet spanning
# A1:XFD1048576 makes calamine allocate 512 GiB and abort: the scan must see that sheet whatever
# the file does to point it at a harmless one.

NS = (
    'xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" '
    'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"'
)
REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
TOO_LARGE = "填报: 工作表范围过大（1048576 行 × 16384 列），已拒绝"
STRUCTURE = "工作簿结构异常，无法安全读取；请在 Excel 中另存为 .xlsx 后重新上传"


def sheet(cells: str) -> bytes:
    return f"<worksheet {NS}><sheetData>{cells}</sheetData></worksheet>".encode()


HUGE = sheet(
    '<row r="1"><c r="A1" t="inlineStr"><is><t>地区</t></is></c></row><row r="1048576"><c r="XFD1048576"><v>1</v></c></row>'
)
HARMLESS = sheet('<row r="1"><c r="A1" t="inlineStr"><is><t>地区</t></is></c></row>')


def workbook(sheets: str, targets=(("rId1", "worksheets/sheet1.xml"), ("rId2", "worksheets/sheet2.xml"))) -> dict:
    """The parts of a workbook whose xl/workbook.xml lists ``sheets``; sheet1 is HUGE, sheet2 HARMLESS."""
    rels = "".join(f'<Relationship Id="{i}" Type="{REL}/worksheet" Target="{t}"/>' for i, t in targets)
    pkg = "http://schemas.openxmlformats.org/package/2006/relationships"
    return {
        "[Content_Types].xml": b'<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
        b'<Default Extension="xml" ContentType="application/xml"/>'
        b'<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/></Types>',
        "_rels/.rels": f'<Relationships xmlns="{pkg}"><Relationship Id="rId1" Type="{REL}/officeDocument" '
        'Target="xl/workbook.xml"/></Relationships>'.encode(),
        "xl/workbook.xml": f"<workbook {NS}><sheets>{sheets}</sheets></workbook>".encode(),
        "xl/_rels/workbook.xml.rels": f'<Relationships xmlns="{pkg}">{rels}</Relationships>'.encode(),
        "xl/worksheets/sheet1.xml": HUGE,
        "xl/worksheets/sheet2.xml": HARMLESS,
    }


def zipped(parts: dict) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as zf:
        for name, content in parts.items():
            zf.writestr(name, content)
    return out.getvalue()


def errors(parts: dict) -> list[str]:
    return [str(e) for e in parse(zipped(parts)).errors]


def test_two_sheets_of_one_name_are_refused():
    # calamine loads the first 填报 (huge); a scan keyed by name would have checked the second
    parts = workbook('<sheet name="填报" sheetId="1" r:id="rId1"/><sheet name="填报" sheetId="2" r:id="rId2"/>')
    assert errors(parts) == ['工作表名称 "填报" 重复出现，无法确定读取哪一个，已拒绝']


@pytest.mark.parametrize(
    "attributes",
    ['id="rId2" r:id="rId1"', 'xmlns:x="urn:x" x:id="rId2" r:id="rId1"', 'r:id="rId2" id="rId1"'],
    ids=["id before r:id", "prefixed id before r:id", "id after r:id"],
)
def test_a_sheet_is_found_by_its_last_id_attribute_as_calamine_finds_it(attributes):
    parts = workbook(f'<sheet name="填报" sheetId="1" {attributes}/>')
    assert errors(parts) == [TOO_LARGE]


def test_the_workbook_part_is_xl_workbook_xml_whatever_the_package_relationships_say():
    parts = workbook('<sheet name="填报" sheetId="1" r:id="rId1"/>')
    parts["_rels/.rels"] = parts["_rels/.rels"].replace(b"xl/workbook.xml", b"xl/workbook2.xml")
    parts["xl/workbook2.xml"] = parts["xl/workbook.xml"].replace(b'r:id="rId1"', b'r:id="rId2"')
    assert errors(parts) == [TOO_LARGE]


@pytest.mark.parametrize(
    "target", ["/xl/worksheets/sheet1.xml", "Worksheets/SHEET1.xml", "worksheets/./sheet9.xml"], ids=str
)
def test_a_sheet_part_is_resolved_as_calamine_resolves_it(target):
    # "xl/" + Target (Target itself when it starts with "/"), no normalisation, ASCII case ignored
    parts = workbook('<sheet name="填报" sheetId="1" r:id="rId1"/>', targets=[("rId1", target)])
    parts["xl/worksheets/./sheet9.xml"] = HUGE
    parts["xl/worksheets/sheet9.xml"] = HARMLESS  # what a normalised path would have read
    assert errors(parts) == [TOO_LARGE]


@pytest.mark.parametrize(
    "edit",
    [
        lambda p: p.update({"XL/worksheets/sheet1.xml": HARMLESS}),  # two parts calamine cannot tell apart
        lambda p: p.update({"xl/worksheets/sheet&#49;.xml": HARMLESS}),  # calamine never unescapes a Target
        lambda p: p.pop("xl/_rels/workbook.xml.rels"),
        lambda p: p.update(
            {"xl/_rels/workbook.xml.rels": p["xl/_rels/workbook.xml.rels"].replace(b'Id="rId2"', b'Id="rId1"')}
        ),
    ],
    ids=["parts differing in case", "& in a part name", "no workbook relationships", "one Id twice"],
)
def test_a_workbook_calamine_could_read_otherwise_is_refused(edit):
    parts = workbook('<sheet name="填报" sheetId="1" r:id="rId2"/>')
    edit(parts)
    assert errors(parts) == [STRUCTURE]


@pytest.mark.parametrize(
    "cells",
    [
        '<row r="1"><c r="a1"><v>1</v></c><c r="c3"><v>2</v></c></row>',  # lower-case references
        '<row r="B2"><c><v>1</v></c></row><row><c><v>2</v></c><c><v>3</v></c></row>',  # a row's r with letters
        '<row r="1"><c r="A1"><v>1</v></c></row><c><v>2</v></c>',  # a cell after a row's end: next row, column A
        '<row r="3"><c r="D3"><v>1</v></c><c><v>2</v></c><c r="B3" s="1"/><c><v>3</v></c></row>',
        '<row r="2"><c r="B2"><v>1</v></c></row></sheetData><sheetData><row r="9"><c r="Z9"><v>2</v></c></row>',
        '<row r="1"><c r="A1"><is><t>x</t><v>7</v></is></c><c><v>5</v><x:v xmlns:x="urn:x">9</x:v></c></row>',
    ],
    ids=["lower case", "row letters", "after a row", "r-less after r", "second sheetData", "only own children"],
)
def test_the_scan_places_cells_where_calamine_does(cells):
    data = zipped(workbook('<sheet name="填报" sheetId="1" r:id="rId1"/>') | {"xl/worksheets/sheet1.xml": sheet(cells)})
    scan, _ = readers._scan_xlsx(
        zipfile.ZipFile(io.BytesIO(data)), {readers._fold(n): n for n in zipfile.ZipFile(io.BytesIO(data)).namelist()}
    )
    loaded = python_calamine.CalamineWorkbook.from_filelike(io.BytesIO(data)).get_sheet_by_name("填报")
    top, bottom, left, right = scan["填报"].bbox
    assert (top, left, bottom - top + 1, right - left + 1) == (*loaded.start, loaded.height, loaded.width)


def test_cells_before_the_sheet_data_are_not_where_calamine_starts_counting():
    # a <row r="1048576"/> outside sheetData must not move the r-less cells inside it, or the scan's box
    # (row 1048576 only) would hide calamine's (A1:XFD1048576)
    cells = '<row><c><v>1</v></c></row><row r="1048576"><c r="XFD1048576"><v>2</v></c></row>'
    xml = f'<worksheet {NS}><sheetPr><row r="1048576"/></sheetPr><sheetData>{cells}</sheetData></worksheet>'
    parts = workbook('<sheet name="填报" sheetId="1" r:id="rId1"/>') | {"xl/worksheets/sheet1.xml": xml.encode()}
    assert errors(parts) == [TOO_LARGE]


@pytest.mark.parametrize("ref", ["XFE1", "A1048577", "A0", "1A", "B 2", "AAAA1"])
def test_a_cell_reference_excel_cannot_hold_is_refused(ref):
    parts = workbook('<sheet name="填报" sheetId="1" r:id="rId1"/>')
    parts["xl/worksheets/sheet1.xml"] = sheet(f'<row r="1"><c r="{ref}"><v>1</v></c></row>')
    assert errors(parts) == [f'填报: 工作表结构异常（单元格地址 "{ref}" 无效），已拒绝']


# ---------------------------------------------------------------------------------------------
# cells calamine gives otherwise than they are (finding 3)


def long_form(value_cell: str) -> bytes:
    """A template sheet whose 义乌市 规上工业增加值 2023 value cell F2 is ``value_cell`` (raw XML)."""
    header = "".join(
        f'<c r="{col}1" t="inlineStr"><is><t>{text}</t></is></c>'
        for col, text in zip("ABCDEF", LONG_HEADER, strict=False)
    )
    row = "".join(
        f'<c r="{col}2" t="inlineStr"><is><t>{text}</t></is></c>'
        for col, text in zip("ABCD", ["330782", "义乌市", "规上工业增加值", "亿元"], strict=True)
    )
    cells = f'<row r="1">{header}</row><row r="2">{row}<c r="E2"><v>2023</v></c>{value_cell}</row>'
    parts = workbook('<sheet name="填报" sheetId="1" r:id="rId1"/>') | {"xl/worksheets/sheet1.xml": sheet(cells)}
    return zipped(parts)


@pytest.mark.parametrize(
    ("cell", "message"),
    [
        ('<c r="F2" t="e"><v>#DIV/0!</v></c>', '"#DIV/0!" 是 Excel 错误值（公式出错），不是数值'),
        ('<c r="F2" t="e"><f>VLOOKUP(A2,X!A:B,2,0)</f><v>#N/A</v></c>', '"#N/A" 是 Excel 错误值（公式出错），不是数值'),
        ('<c r="F2"><v>1e-400</v></c>', '"1e-400" 超出可导入的数值范围（绝对值应在 1e-15 与 1e15 之间）'),
        ('<c r="F2"><v>1e308</v></c>', '"1e+308" 超出可导入的数值范围（绝对值应在 1e-15 与 1e15 之间）'),
        (
            '<c r="F2"><v>12.5</v></c><c r="F2"><v>99</v></c>',
            "单元格 F2 写了两次（值可能不同），无法确定取哪一个，已拒绝",
        ),
    ],
    ids=["#DIV/0!", "#N/A", "underflow", "1e308", "F2 twice"],
)
def test_a_cell_calamine_would_misread_is_an_error_naming_it(cell, message):
    assert [str(e) for e in parse(long_form(cell), "t.xlsx").errors] == [f"填报!F2: {message}"]


def test_a_small_number_written_with_an_exponent_is_read():
    r = parse(long_form('<c r="F2"><v>1.25E-2</v></c>'), "t.xlsx")
    assert [(v.value, v.raw) for v in r.values] == [(0.0125, "0.0125")]


def _boundsheet_at(book: bytes, offset: int) -> bytes:
    """The BIFF stream with its (only) BOUNDSHEET record pointing at ``offset``."""
    pos = 0
    for typ, body in readers._biff_records(book, 0):
        if typ == 0x0085:
            return book[: pos + 4] + struct.pack("<I", offset) + book[pos + 8 :]
        pos += 4 + len(body)
    raise AssertionError("no BOUNDSHEET")


def test_an_xls_sheet_is_read_from_where_its_boundsheet_points_as_calamine_reads_it():
    # the far cells sit inside the body of an unknown record: a walk from the start of the stream never sees
    # them as cells, calamine (starting at the BOUNDSHEET offset) does
    corpus = _corpus_writer()
    book = corpus.biff8_workbook([("2023年", {(0, 0): "地区"})])
    hidden = corpus._rec(0x0809, struct.pack("<HHHHII", 0x0600, 0x0010, 0x0DBB, 0x07CC, 0, 6))
    hidden += corpus._rec(0x0203, struct.pack("<HHHd", 0, 0, 16, 1.0))
    hidden += corpus._rec(0x0203, struct.pack("<HHHd", 65535, 255, 16, 1.0)) + corpus._rec(0x000A)
    book = _boundsheet_at(book, len(book) + 4) + corpus._rec(0x1234, hidden)
    r = parse(corpus.write_cfb({"Workbook": book}), "t.xls")
    assert [str(e) for e in r.errors] == ["工作表范围过大（65536 行 × 256 列），已拒绝"]


def test_an_xls_whose_dimensions_claim_billions_of_cells_is_refused():
    # calamine reserves room for what DIMENSIONS claims before it reads a cell: 4 billion rows abort it
    corpus = _corpus_writer()
    book = corpus.biff8_workbook([("2023年", {(0, 0): "地区", (1, 1): 5.0})])
    claim = struct.pack("<HH", 0x0200, 14) + struct.pack("<IIHHH", 0, 2, 0, 2, 0)
    huge = struct.pack("<HH", 0x0200, 14) + struct.pack("<IIHHH", 0, 0xFFFFFFFF, 0, 256, 0)
    assert book.count(claim) == 1
    r = parse(corpus.write_cfb({"Workbook": book.replace(claim, huge)}), "t.xls")
    assert [str(e) for e in r.errors] == ["工作表范围过大（4294967295 行 × 256 列），已拒绝"]
