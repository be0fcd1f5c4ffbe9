"""The container checks of indicators/ingest/readers.py: XML through defusedxml, OLE2 through olefile."""

from __future__ import annotations

import importlib.util
import io
import re
import zipfile
from pathlib import Path

import pytest

from indicators.ingest import parse_upload
from indicators.ingest.readers import Grid
from tests.ingest_catalog import make_catalog, xlsx

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
