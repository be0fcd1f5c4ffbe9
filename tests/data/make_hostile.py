"""Regenerate the hostile upload corpus of issue 12: `.venv/bin/python tests/data/make_hostile.py [--big [DIR]]`.

Writes every hostile file into tests/data/hostile/ with manifest.json, the expected outcome of each:
``file``, ``finding`` (issue 12, 1–9), ``what``, ``expect`` ("refused" or "accepted"), and for a refused file
``message`` (a text one error must contain) and maybe ``cell`` (the cell that error names) and
``max_message_chars``; for an accepted file ``values``, exactly what is stored: [region, indicator, year, value].
The two big files (a 19 MB CSV, a 14 MB xlsx) are listed with ``big: true`` and written only with --big,
into DIR (default: a new temporary directory), so the committed corpus stays small.

Every .xlsx is written part by part (openpyxl cannot write these tricks) with fixed zip dates, so reruns give
identical bytes; tests/test_hostile_corpus.py checks the committed files against this script and runs them.
All valid parts are the template's long form (地区代码, 地区, 指标, 计量单位, 年份, 数值) for 2024.
"""

from __future__ import annotations

import io
import json
import random
import sys
import tempfile
import zipfile
from pathlib import Path
from xml.sax.saxutils import escape

HERE = Path(__file__).resolve().parent
OUT = HERE / "hostile"
FIXED_DATE = (2024, 1, 1, 0, 0, 0)
YEAR = 2024

HEADER = ["地区代码", "地区", "指标", "计量单位", "年份", "数值"]
YIWU = ["330782", "义乌市"]
HAINING = ["330481", "海宁市"]
VALUE_ADDED = ["规模以上工业增加值", "亿元", YEAR]  # value_added, canonical unit 亿元
REVENUE = ["规模以上工业营业收入", "亿元", YEAR]  # revenue, 亿元

# ---------------------------------------------------------------------------------------------
# xlsx from XML parts

MAIN_NS = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
REL_NS = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
PKG_REL_NS = "http://schemas.openxmlformats.org/package/2006/relationships"
SHEET_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"
WORKBOOK_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"
DECL = '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'


class Raw(str):
    """A cell written as this XML, as is (its own r attribute included)."""


def col_letter(col: int) -> str:
    s = ""
    while col:
        col, rem = divmod(col - 1, 26)
        s = chr(65 + rem) + s
    return s


def cell_xml(ref: str, value) -> str:
    if isinstance(value, Raw):
        return str(value)
    if isinstance(value, int | float):
        return f'<c r="{ref}"><v>{value!r}</v></c>'
    return f'<c r="{ref}" t="inlineStr"><is><t>{escape(str(value))}</t></is></c>'


def sheet_xml(rows: list[list], *, prolog: str = "", tail: str = "") -> bytes:
    """A worksheet: ``rows`` from A1 (None: no cell), then ``tail`` (more <row> XML) inside <sheetData>."""
    body = []
    for r, row in enumerate(rows, start=1):
        cells = "".join(cell_xml(f"{col_letter(c)}{r}", v) for c, v in enumerate(row, start=1) if v is not None)
        body.append(f'<row r="{r}">{cells}</row>')
    text = f'{DECL}{prolog}<worksheet xmlns="{MAIN_NS}"><sheetData>{"".join(body)}{tail}</sheetData></worksheet>'
    return text.encode("utf-8")


STYLES = (
    f'{DECL}<styleSheet xmlns="{MAIN_NS}"><fonts count="1"><font><sz val="11"/><name val="Calibri"/></font></fonts>'
    '<fills count="1"><fill><patternFill patternType="none"/></fill></fills>'
    '<borders count="1"><border/></borders><cellStyleXfs count="1"><xf numFmtId="0"/></cellStyleXfs>'
    '<cellXfs count="2"><xf numFmtId="0" xfId="0"/><xf numFmtId="0" fillId="0" xfId="0" applyFill="1"/></cellXfs>'
    "</styleSheet>"
).encode()


def workbook_xml(sheet_tags: list[str], extra_ns: str = "") -> bytes:
    tags = "".join(sheet_tags)
    return f'{DECL}<workbook xmlns="{MAIN_NS}" xmlns:r="{REL_NS}"{extra_ns}><sheets>{tags}</sheets></workbook>'.encode()


def rels_xml(rels: list[tuple[str, str, str]]) -> bytes:
    """Relationships (id, type suffix, target)."""
    items = "".join(f'<Relationship Id="{rid}" Type="{REL_NS}/{typ}" Target="{target}"/>' for rid, typ, target in rels)
    return f'{DECL}<Relationships xmlns="{PKG_REL_NS}">{items}</Relationships>'.encode()


def content_types(overrides: list[tuple[str, str]]) -> bytes:
    items = "".join(f'<Override PartName="{name}" ContentType="{typ}"/>' for name, typ in overrides)
    return (
        f'{DECL}<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
        '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
        f'<Default Extension="xml" ContentType="application/xml"/>{items}</Types>'
    ).encode()


def xlsx_parts(sheets: list[tuple[str, bytes]]) -> dict[str, bytes]:
    """The parts of a plain workbook: sheet i is rId{i}, xl/worksheets/sheet{i}.xml."""
    overrides = [("/xl/workbook.xml", WORKBOOK_TYPE), ("/xl/styles.xml", "application/xml")]
    overrides += [(f"/xl/worksheets/sheet{i}.xml", SHEET_TYPE) for i in range(1, len(sheets) + 1)]
    parts = {
        "[Content_Types].xml": content_types(overrides),
        "_rels/.rels": rels_xml([("rId1", "officeDocument", "xl/workbook.xml")]),
        "xl/workbook.xml": workbook_xml(
            [f'<sheet name="{escape(name)}" sheetId="{i}" r:id="rId{i}"/>' for i, (name, _) in enumerate(sheets, 1)]
        ),
        "xl/_rels/workbook.xml.rels": rels_xml(
            [(f"rId{i}", "worksheet", f"worksheets/sheet{i}.xml") for i in range(1, len(sheets) + 1)]
            + [(f"rId{len(sheets) + 1}", "styles", "styles.xml")]
        ),
        "xl/styles.xml": STYLES,
    }
    for i, (_, xml) in enumerate(sheets, 1):
        parts[f"xl/worksheets/sheet{i}.xml"] = xml
    return parts


def zip_parts(parts: dict[str, bytes], compresslevel: int = 6) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as zf:
        for name, content in parts.items():
            info = zipfile.ZipInfo(name, date_time=FIXED_DATE)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = 0o600 << 16
            zf.writestr(info, content, compresslevel=compresslevel)
    return out.getvalue()


def xlsx(rows: list[list], name: str = "填报") -> bytes:
    return zip_parts(xlsx_parts([(name, sheet_xml(rows))]))


def long_form(*rows: list) -> list[list]:
    return [HEADER, *rows]


GOOD_ROWS = long_form(YIWU + VALUE_ADDED + [12.5], YIWU + REVENUE + [80])
# the template rows plus a cell in the last row and column: calamine would allocate 2^34 cells (512 GiB)
HUGE_SHEET = sheet_xml(GOOD_ROWS, tail='<row r="1048576"><c r="XFD1048576"><v>1</v></c></row>')
DECOY_SHEET = sheet_xml(GOOD_ROWS)


def two_sheets(sheet_tags: list[str], extra_ns: str = "") -> dict[str, bytes]:
    """sheet1.xml (rId1) spans A1:XFD1048576, sheet2.xml (rId2) is a harmless template; the workbook part
    lists them as ``sheet_tags`` say."""
    parts = xlsx_parts([("huge", HUGE_SHEET), ("decoy", DECOY_SHEET)])
    parts["xl/workbook.xml"] = workbook_xml(sheet_tags, extra_ns)
    return parts


# ---------------------------------------------------------------------------------------------
# CSV


def csv_text(rows: list[list]) -> str:
    return "".join(",".join("" if v is None else str(v) for v in row) + "\r\n" for row in rows)


def csv_bytes(rows: list[list], encoding: str = "utf-8") -> bytes:
    return csv_text(rows).encode(encoding)


# ---------------------------------------------------------------------------------------------
# the corpus


def refused(finding: int, what: str, message: str, cell: str | None = None, **extra) -> dict:
    entry = {"finding": finding, "what": what, "expect": "refused", "message": message}
    if cell:
        entry["cell"] = cell
    return entry | extra


def accepted(finding: int, what: str, values: list[list], **extra) -> dict:
    return {"finding": finding, "what": what, "expect": "accepted", "values": values} | extra


def finding_1() -> dict[str, tuple[bytes, dict]]:
    files = {}
    # two <sheet> entries named alike: the scan keeps the last, calamine loads the first
    parts = two_sheets(['<sheet name="填报" sheetId="1" r:id="rId1"/>', '<sheet name="填报" sheetId="2" r:id="rId2"/>'])
    files["f1_duplicate_sheet_name.xlsx"] = (
        zip_parts(parts),
        refused(1, "two <sheet> entries named 填报: the first spans A1:XFD1048576, the second is harmless", "重复"),
    )
    # an id attribute before r:id: the scan took the first attribute whose local name is id, calamine only r:id
    parts = two_sheets(['<sheet name="填报" sheetId="1" id="rId2" r:id="rId1"/>'])
    files["f1_id_before_rid.xlsx"] = (
        zip_parts(parts),
        refused(1, 'sheet with id="rId2" (harmless part) before r:id="rId1" (A1:XFD1048576)', "范围过大"),
    )
    parts = two_sheets(['<sheet name="填报" sheetId="1" x:id="rId2" r:id="rId1"/>'], ' xmlns:x="urn:hostile"')
    files["f1_prefixed_id_before_rid.xlsx"] = (
        zip_parts(parts),
        refused(1, 'sheet with x:id="rId2" (harmless part) before r:id="rId1" (A1:XFD1048576)', "范围过大"),
    )
    # _rels/.rels names a second, harmless workbook part; calamine always reads xl/workbook.xml
    parts = xlsx_parts([("填报", HUGE_SHEET), ("填报", DECOY_SHEET)])
    parts["xl/workbook.xml"] = workbook_xml(['<sheet name="填报" sheetId="1" r:id="rId1"/>'])
    parts["xl/workbook2.xml"] = workbook_xml(['<sheet name="填报" sheetId="1" r:id="rId2"/>'])
    parts["xl/_rels/workbook2.xml.rels"] = parts["xl/_rels/workbook.xml.rels"]
    parts["_rels/.rels"] = rels_xml([("rId1", "officeDocument", "xl/workbook2.xml")])
    files["f1_rels_second_workbook.xlsx"] = (
        zip_parts(parts),
        refused(
            1,
            "_rels/.rels points at xl/workbook2.xml (harmless); xl/workbook.xml has a sheet A1:XFD1048576",
            "范围过大",
        ),
    )
    # a DOCTYPE (entity expansion) after 3 KB of comment: past the first 2 KB that were searched for one
    comment = "<!--" + "此处为注释 padding " * 200 + "-->"
    doctype = '<!DOCTYPE worksheet [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">]>'
    for name, note, what in (
        ("f1_doctype_after_comment.xlsx", None, "declared, not used"),
        (
            "f1_doctype_entity_after_comment.xlsx",
            Raw('<c r="G2" t="inlineStr"><is><t>&b;</t></is></c>'),
            "used in 备注",
        ),
    ):
        sheet = sheet_xml([[*HEADER, "备注"], YIWU + VALUE_ADDED + [12.5, note]], prolog=comment + doctype)
        assert sheet.index(b"<!DOCTYPE") > 3 * 1024
        files[name] = (
            zip_parts(xlsx_parts([("填报", sheet)])),
            refused(1, f"a DOCTYPE with entities after a 3 KB comment in the sheet XML ({what})", "DOCTYPE"),
        )
    return files


def finding_2() -> dict[str, tuple[bytes, dict]]:
    huge = "1e9999999"
    rows = [HEADER] + [YIWU + ["规上工业增加值", "亿元", year, huge] for year in range(1965, 2025)]
    data = csv_bytes(rows)
    assert len(rows) == 61 and len(data) <= 4 * 1024
    return {
        "f2_exponent_text.xlsx": (
            xlsx(long_form(YIWU + VALUE_ADDED + [huge])),
            refused(2, "数值 is the text 1e9999999 (a 10-million-digit integer if read exactly)", huge, "F2"),
        ),
        "f2_exponent.csv": (
            csv_bytes(long_form(YIWU + VALUE_ADDED + [huge])),
            refused(2, "CSV 数值 1e9999999", huge, "F2"),
        ),
        "f2_exponent_60.csv": (
            data,
            refused(2, "a 4 KB CSV with 60 cells of 1e9999999 (years 1965–2024)", huge),
        ),
    }


def finding_3() -> dict[str, tuple[bytes, dict]]:
    def one_text(value: str) -> bytes:
        return xlsx(long_form(YIWU + VALUE_ADDED + [value], YIWU + REVENUE + [80]))

    files = {
        "f3_circled_digit.xlsx": (
            one_text("35.2①"),
            refused(3, "35.2① (NFKC would read 35.21)", "35.2①", "F2"),
        ),
        "f3_superscript_digit.xlsx": (one_text("10²"), refused(3, "10² (NFKC would read 102)", "10²", "F2")),
        "f3_space_in_digits.xlsx": (one_text("60 5"), refused(3, "60 5 (read as 605)", "60 5", "F2")),
        "f3_text_1e308.xlsx": (one_text("1e308"), refused(3, "the text 1e308", "1e308", "F2")),
        "f3_fullwidth_digits.xlsx": (
            one_text("１２.５"),
            accepted(
                3,
                "full-width digits １２.５ stay accepted as 12.5",
                [["330782", "value_added", YEAR, 12.5], ["330782", "revenue", YEAR, 80.0]],
            ),
        ),
    }
    # the same cell reference twice in a row: calamine keeps the last value
    dup = Raw('<c r="F2"><v>12.5</v></c><c r="F2"><v>99</v></c>')
    files["f3_duplicate_cell_reference.xlsx"] = (
        xlsx(long_form(YIWU + VALUE_ADDED + [dup], YIWU + REVENUE + [80])),
        refused(3, "F2 written twice (12.5, then 99)", "F2", "F2"),
    )
    files["f3_second_value_column.xlsx"] = (
        xlsx([[*HEADER, "数值"], YIWU + VALUE_ADDED + [12.5, 13.5], YIWU + REVENUE + [80, 81]]),
        refused(3, "a second 数值 column (G) with other values", "数值", "G1"),
    )
    for name, code in (("div0", "#DIV/0!"), ("na", "#N/A")):
        err = Raw(f'<c r="F2" t="e"><v>{escape(code)}</v></c>')
        files[f"f3_error_cell_{name}.xlsx"] = (
            xlsx(long_form(YIWU + VALUE_ADDED + [err], YIWU + REVENUE + [80])),
            refused(3, f'an error cell {code} (t="e") beside a good row', code, "F2"),
        )
    files["f3_underflow.csv"] = (
        csv_bytes(long_form(YIWU + VALUE_ADDED + ["1e-400"], YIWU + REVENUE + [80])),
        refused(3, "1e-400 (underflows to 0)", "1e-400", "F2"),
    )
    files["f3_numeric_1e308.xlsx"] = (
        xlsx(long_form(YIWU + VALUE_ADDED + [Raw('<c r="F2"><v>1e308</v></c>')], YIWU + REVENUE + [80])),
        refused(3, "a numeric cell 1e308 (the text path caps at 10^15; a page then fails)", "1e+308", "F2"),
    )
    return files


def long_text() -> str:
    """1 MiB of text that deflates well but under the 200:1 ratio a zip bomb is refused at."""
    rng = random.Random(12)
    chunk = "".join(rng.choice("约亿元万人吨数据待核实") for _ in range(4096))
    return ("超长文本" + chunk * 256)[: 1 << 20]


def finding_5() -> dict[str, tuple[bytes, dict]]:
    return {
        "f5_long_text_cell.xlsx": (
            xlsx(long_form(YIWU + VALUE_ADDED + [long_text()], YIWU + REVENUE + [80])),
            refused(
                5,
                "a 1 MiB text in 数值: the message quotes at most ~60 characters",
                "超长文本",
                "F2",
                max_message_chars=120,
            ),
        ),
    }


def finding_9() -> dict[str, tuple[bytes, dict]]:
    good = [["330782", "value_added", YEAR, 12.5], ["330481", "value_added", YEAR, 30.25]]
    rows = long_form(YIWU + VALUE_ADDED + [12.5], HAINING + VALUE_ADDED + [30.25])
    marked = long_form(
        [None, "\u200f义乌市\u200f", *VALUE_ADDED, 12.5], [None, "\u200b海宁市\u200b", *VALUE_ADDED, 30.25]
    )
    marked_xlsx = long_form(
        [None, "\u202b义乌市\u202c", *VALUE_ADDED, 12.5], [None, "\u200b\u2060海宁市\ufeff", *VALUE_ADDED, 30.25]
    )
    return {
        "f9_utf16_no_bom.csv": (
            csv_bytes(rows, "utf-16-le"),
            accepted(9, "UTF-16-LE CSV without a BOM (sniffed)", good),
        ),
        "f9_bidi_marks_names.csv": (
            csv_bytes(marked),
            accepted(9, "region names only (no code) wrapped in U+200F (义乌市) and U+200B (海宁市)", good),
        ),
        "f9_bidi_marks_names.xlsx": (
            xlsx(marked_xlsx),
            accepted(9, "region names only wrapped in U+202B…U+202C (义乌市), U+200B U+2060…U+FEFF (海宁市)", good),
        ),
    }


# ---------------------------------------------------------------------------------------------
# the big files, on demand


def big_repeated_row_csv() -> bytes:
    """~19 MB: the header and one data row repeated (each repeat a same-value duplicate: one warning each)."""
    row = csv_text([YIWU + VALUE_ADDED + [12.5]]).encode()
    return csv_text([HEADER]).encode() + row * (19 * 1024 * 1024 // len(row))


def big_empty_styled_rows_xlsx() -> bytes:
    """~14 MB: the template rows, then 1,048,570 rows of empty cells formatted with a style (A:F), as Excel
    writes a formatted range."""
    rows = "".join(
        f'<row r="{r}" spans="1:6" s="1" customFormat="1">'
        + "".join(f'<c r="{c}{r}" s="1"/>' for c in "ABCDEF")
        + "</row>"
        for r in range(7, 1048577)
    )
    return zip_parts(xlsx_parts([("填报", sheet_xml(GOOD_ROWS, tail=rows))]))


BIG = {
    "f5_big_repeated_row.csv": (
        big_repeated_row_csv,
        accepted(
            5,
            "19 MB CSV of one data row repeated: warnings capped, memory bounded",
            [["330782", "value_added", YEAR, 12.5]],
            max_warnings=1000,
        ),
    ),
    "f5_big_empty_styled_rows.xlsx": (
        big_empty_styled_rows_xlsx,
        accepted(
            5,
            "14 MB xlsx: two template rows, then 1,048,570 rows of empty styled cells",
            [["330782", "value_added", YEAR, 12.5], ["330782", "revenue", YEAR, 80.0]],
        ),
    ),
}


def build_all() -> dict[str, tuple[bytes, dict]]:
    """Every committed file: name → (bytes, manifest entry without its name)."""
    files = {}
    for part in (finding_1, finding_2, finding_3, finding_5, finding_9):
        files.update(part())
    return dict(sorted(files.items()))


def manifest(files: dict[str, tuple[bytes, dict]]) -> bytes:
    entries = [{"file": name, **entry} for name, (_, entry) in files.items()]
    entries += [{"file": name, **entry, "big": True} for name, (_, entry) in sorted(BIG.items())]
    return (json.dumps(entries, ensure_ascii=False, indent=1) + "\n").encode("utf-8")


def main(argv: list[str]) -> int:
    files = build_all()
    OUT.mkdir(exist_ok=True)
    for stale in OUT.iterdir():
        if stale.name not in files and stale.name != "manifest.json":
            stale.unlink()
    for name, (data, _) in files.items():
        (OUT / name).write_bytes(data)
        print(f"{name:40} {len(data):>9} bytes")
    (OUT / "manifest.json").write_bytes(manifest(files))
    if "--big" in argv:
        rest = argv[argv.index("--big") + 1 :]
        big_dir = Path(rest[0]) if rest else Path(tempfile.mkdtemp(prefix="hostile-big-"))
        big_dir.mkdir(parents=True, exist_ok=True)
        for name, (make, _) in BIG.items():
            data = make()
            (big_dir / name).write_bytes(data)
            print(f"{big_dir / name} {len(data):>9} bytes")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
