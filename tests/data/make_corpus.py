"""Regenerate the ingestion test corpus deterministically: `.venv/bin/python tests/data/make_corpus.py`.

Every file is built from code (openpyxl, a tiny CFB/BIFF8 writer for .xls and the encrypted container),
then normalised (fixed timestamps, fixed zip entry dates) so reruns give identical bytes;
tests/test_ingest_corpus.py checks that the committed files match.
"""

from __future__ import annotations

import io
import random
import re
import struct
import sys
import zipfile
from pathlib import Path

from openpyxl import Workbook

HERE = Path(__file__).resolve().parent
FIXED_DATE = (2024, 1, 1, 0, 0, 0)

# ---------------------------------------------------------------------------------------------
# deterministic xlsx


def _rezip(entries: list[tuple[str, bytes]], compresslevel: int = 6) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as zf:
        for name, content in entries:
            info = zipfile.ZipInfo(name, date_time=FIXED_DATE)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = 0o600 << 16
            zf.writestr(info, content, compresslevel=compresslevel)
    return out.getvalue()


def _entries(data: bytes) -> list[tuple[str, bytes]]:
    with zipfile.ZipFile(io.BytesIO(data)) as zf:
        return [(i.filename, zf.read(i.filename)) for i in zf.infolist()]


_STAMP_RE = re.compile(rb"(<dcterms:(created|modified)[^>]*>)[^<]*(</dcterms:\2>)")


def xlsx_bytes(wb: Workbook, patch=None) -> bytes:
    """Save with fixed document timestamps and zip dates; ``patch(name, content) -> content`` edits parts."""
    buf = io.BytesIO()
    wb.save(buf)
    entries = []
    for name, content in _entries(buf.getvalue()):
        if name == "docProps/core.xml":
            content = _STAMP_RE.sub(rb"\g<1>2024-01-01T00:00:00Z\g<3>", content)
        if patch is not None:
            content = patch(name, content)
        entries.append((name, content))
    return _rezip(entries)


def cached_formula(ref: str, formula: str, cached: float):
    """A patch giving cell ``ref`` a formula *with* a cached value, as Excel saves it."""

    def patch(name: str, content: bytes) -> bytes:
        if not name.startswith("xl/worksheets/sheet"):
            return content
        pattern = re.compile(rb'<c r="' + ref.encode() + rb'"[^>]*?(/>|>.*?</c>)')
        repl = f'<c r="{ref}"><f>{formula}</f><v>{cached!r}</v></c>'.encode()
        return pattern.sub(repl, content, count=1)

    return patch


def sheet(wb: Workbook, title: str, rows: list[list], *, first: bool = False, start_row: int = 1):
    ws = wb.active if first else wb.create_sheet()
    ws.title = title
    for r, row in enumerate(rows, start=start_row):
        for c, value in enumerate(row, start=1):
            if value is not None:
                ws.cell(r, c, value)
    return ws


def one_sheet(title: str, rows: list[list], patch=None, merges=()) -> bytes:
    wb = Workbook()
    ws = sheet(wb, title, rows, first=True)
    for m in merges:
        ws.merge_cells(m)
    return xlsx_bytes(wb, patch)


# ---------------------------------------------------------------------------------------------
# a minimal OLE2 (CFB v3) writer and BIFF8 workbook stream, for .xls and encrypted containers

ENDOFCHAIN, FREESECT, FATSECT, NOSTREAM = 0xFFFFFFFE, 0xFFFFFFFF, 0xFFFFFFFD, 0xFFFFFFFF


def write_cfb(streams: dict[str, bytes]) -> bytes:
    """CFB v3 with 512-byte sectors; every stream is padded to 4096 bytes so no mini stream is needed."""
    size = 512
    names = sorted(streams, key=lambda n: (len(n), n.upper()))
    datas = [streams[n] + b"\0" * max(0, 4096 - len(streams[n])) for n in names]
    dir_sectors = (128 * (1 + len(names)) + size - 1) // size
    data_sectors = [(len(d) + size - 1) // size for d in datas]
    fat_sectors = 1
    while fat_sectors * 128 < dir_sectors + sum(data_sectors) + fat_sectors:
        fat_sectors += 1
    fat = [FATSECT] * fat_sectors
    first_dir = len(fat)
    fat += [first_dir + i + 1 if i < dir_sectors - 1 else ENDOFCHAIN for i in range(dir_sectors)]
    starts = []
    for n in data_sectors:
        s0 = len(fat)
        starts.append(s0)
        fat += [s0 + i + 1 if i < n - 1 else ENDOFCHAIN for i in range(n)]
    fat += [FREESECT] * (fat_sectors * 128 - len(fat))
    header = bytearray(512)
    header[0:8] = bytes.fromhex("D0CF11E0A1B11AE1")
    struct.pack_into("<HHHHH", header, 24, 0x3E, 3, 0xFFFE, 9, 6)
    struct.pack_into("<IIIIIIIII", header, 40, 0, fat_sectors, first_dir, 0, 0x1000, ENDOFCHAIN, 0, ENDOFCHAIN, 0)
    struct.pack_into("<109I", header, 76, *(list(range(fat_sectors)) + [FREESECT] * (109 - fat_sectors)))

    def entry(name, typ, start, length, child=NOSTREAM, right=NOSTREAM):
        e = bytearray(128)
        encoded = name.encode("utf-16-le") + b"\0\0"
        e[0 : len(encoded)] = encoded
        struct.pack_into("<HBB", e, 64, len(encoded), typ, 1)
        struct.pack_into("<III", e, 68, NOSTREAM, right, child)
        struct.pack_into("<IQ", e, 116, start, length)
        return bytes(e)

    directory = entry("Root Entry", 5, ENDOFCHAIN, 0, child=1 if names else NOSTREAM)
    for i, _ in enumerate(names):
        right = i + 2 if i + 1 < len(names) else NOSTREAM
        directory += entry(names[i], 2, starts[i], len(datas[i]), right=right)
    directory += b"\0" * (dir_sectors * size - len(directory))
    body = b"".join(d + b"\0" * (n * size - len(d)) for d, n in zip(datas, data_sectors, strict=True))
    return bytes(header) + struct.pack(f"<{len(fat)}I", *fat) + directory + body


def _rec(typ: int, payload: bytes = b"") -> bytes:
    return struct.pack("<HH", typ, len(payload)) + payload


def _xlstr(s: str, wide_len: bool = True) -> bytes:
    return struct.pack("<H" if wide_len else "<B", len(s)) + b"\x01" + s.encode("utf-16-le")


def biff8_workbook(sheets: list[tuple[str, dict[tuple[int, int], object]]]) -> bytes:
    """A BIFF8 Workbook stream: globals (BOF, CODEPAGE, FONT, XFs, BOUNDSHEETs, SST, EOF) + one substream per sheet."""
    strings: dict[str, int] = {}
    for _, cells in sheets:
        for v in cells.values():
            if isinstance(v, str):
                strings.setdefault(v, len(strings))
    bof_globals = _rec(0x0809, struct.pack("<HHHHII", 0x0600, 0x0005, 0x0DBB, 0x07CC, 0, 0x06))
    codepage = _rec(0x0042, struct.pack("<H", 1200))
    font = _rec(0x0031, struct.pack("<HHHHHBBBB", 200, 0, 0x7FFF, 400, 0, 0, 0, 0, 0) + _xlstr("Arial", False))
    xf = b"".join(
        _rec(0x00E0, struct.pack("<HHHBBBBIIH", 0, 0, 0xFFF5 if i < 16 else 0x0001, 0x20, 0, 0, 0, 0, 0, 0x20C0))
        for i in range(17)
    )
    sst = _rec(0x00FC, struct.pack("<II", len(strings), len(strings)) + b"".join(_xlstr(s) for s in strings))
    eof = _rec(0x000A)

    def boundsheet(offset: int, name: str) -> bytes:
        return _rec(0x0085, struct.pack("<IBB", offset, 0, 0) + _xlstr(name, False))

    bodies = []
    for _, cells in sheets:
        body = _rec(0x0809, struct.pack("<HHHHII", 0x0600, 0x0010, 0x0DBB, 0x07CC, 0, 0x06))
        rows = [r for r, _ in cells] or [0]
        cols = [c for _, c in cells] or [0]
        body += _rec(0x0200, struct.pack("<IIHHH", min(rows), max(rows) + 1, min(cols), max(cols) + 1, 0))
        for (r, c), v in sorted(cells.items()):
            if isinstance(v, str):
                body += _rec(0x00FD, struct.pack("<HHHI", r, c, 16, strings[v]))
            else:
                body += _rec(0x0203, struct.pack("<HHHd", r, c, 16, float(v)))
        bodies.append(body + eof)
    globals_len = len(bof_globals + codepage + font + xf + sst + eof) + sum(len(boundsheet(0, n)) for n, _ in sheets)
    out, offset = bof_globals + codepage + font + xf, globals_len
    for (name, _), body in zip(sheets, bodies, strict=True):
        out += boundsheet(offset, name)
        offset += len(body)
    return out + sst + eof + b"".join(bodies)


def cells_from_rows(rows: list[list]) -> dict[tuple[int, int], object]:
    return {(r, c): v for r, row in enumerate(rows) for c, v in enumerate(row) if v is not None}


# ---------------------------------------------------------------------------------------------
# GOOD files, one or more per shape

TEMPLATE_HEADER = ["地区代码", "地区", "指标", "计量单位", "年份", "数值", "备注"]


def good_template() -> bytes:
    """Shape 1, official long form for 景宁 2023, values in mixed units and a missing marker."""
    return one_sheet(
        "填报",
        [
            ["景宁畲族自治县（331127）2023年工业统计指标填报表"],
            ["只填写数值列"],
            TEMPLATE_HEADER,
            ["331127", "景宁畲族自治县", "规模以上工业增加值", "亿元", 2023, 45.67, None],
            ["331127", "景宁畲族自治县", "规上工业营业收入", "万元", 2023, 1234567, "按万元填报"],
            ["331127", "景宁畲族自治县", "规模以上工业从业人员平均人数", "人", 2023, 12345, None],
            ["331127", "景宁畲族自治县", "规模以上工业用地面积", "公顷", 2023, 120, None],
            ["331127", "景宁畲族自治县", "规模以上工业综合能源消费量", "吨标煤", 2023, 56789, None],
            ["331127", "景宁畲族自治县", "新增工业机器人", "台", 2023, 35, None],
            ["331127", "景宁畲族自治县", "高新技术企业数", "家", 2023, "—", "暂无数据"],
            ["331127", "景宁畲族自治县", "规模以上工业增加值增速(可比价)", "%", 2023, -1.5, None],
            ["331127", "景宁畲族自治县", "高新技术产业增加值占比", "%", 2023, "45.2", None],
        ],
        merges=["A1:G1", "A2:G2"],
    )


def good_rollup() -> bytes:
    """Shape 2: title, 单位：亿元 line, merged two-level header (绝对值 / 增长%), 全省 and city rows,
    indented counties, a footnote; the 全省 value is a formula with its cached value."""
    rows = [
        ["2023年各县（市、区）规模以上工业主要指标"],
        [None, None, None, None, None, "单位：亿元"],
        ["地区", "规上工业增加值", None, "规模以上工业营业收入", "从业人员平均人数（万人）", "工业投资"],
        [None, "绝对值", "比上年增长（%）", None, None, None],
        ["全省", 1000.5, 6.1, 5000, 300, 800],
        ["杭州市", 300, 5.5, 1500, 80, 200],
        ["\u3000\u3000萧山区", 100.25, 6.8, 600, 25.5, "—"],
        ["嘉兴市", 250, 7.0, 1200, 70, 150],
        ["\u3000\u3000海宁市", 60, 8.1, 300, 12, 40],
        ["丽水市", 80, 9.0, 350, 15, 60],
        ["\u3000\u3000景宁县", 5.5, -1.2, 20, 0.8, 3.3],
        ["注：1. 增长速度按可比价格计算。"],
        ["2. 全省数据含宁波。"],
    ]
    return one_sheet(
        "2023年",
        rows,
        patch=cached_formula("B5", "B6+B8+B10", 1000.5),
        merges=["A1:F1", "A3:A4", "B3:C3", "D3:D4", "E3:E4", "F3:F4", "A12:F12", "A13:F13"],
    )


def good_rollup_units_row() -> bytes:
    """Shape 2: year from the title, a row of units under the header, 序号 column, short names,
    text numbers with thousands separators, and a 合计 row (skipped with a warning)."""
    rows = [
        ["2022年全省部分县（市、区）工业经济主要指标"],
        ["序号", "地区", "规模以上工业总产值", "规上工业税收", "工业用地面积", "综合能源消费量"],
        [None, None, "亿元", "万元", "亩", "万吨标准煤"],
        [1, "萧山", "4,321.5", 567890, 52000, 410.2],
        [2, "义乌", 2100, "123,456", 31000, 150],
        [3, "景宁畲族自治县", 60.5, 9876, 4500, 12.34],
        [None, "合计", 6482, 701222, 87500, 572.54],
    ]
    return one_sheet("Sheet1", rows, merges=["A1:F1"])


def good_series() -> bytes:
    """Shape 3: one region (from the title), years as columns in several spellings, 主营业务收入 → 营业收入."""
    rows = [
        ["景宁畲族自治县主要工业经济指标（2017—2021年）"],
        ["指标", "计量单位", "2017年", "2018年", 2019, "2020", "2021年"],
        ["一、工业生产"],
        ["规上工业增加值", "亿元", 30, 32.5, 35, 36, 40.2],
        ["主营业务收入", "亿元", 100, 110, 120, "—", "—"],
        ["营业收入", "亿元", None, None, None, 130, 145],
        ["从业人员平均人数", "人", 15000, 15200, 14800, 14500, 14900],
        ["　　其中：高新技术产业增加值", "万元", 80000, 85000, 90500, 101000, 120000],
        ["注：2019年起主营业务收入统计口径调整为营业收入。"],
    ]
    return one_sheet("历年", rows, merges=["A1:G1"])


def good_series_keqiao() -> bytes:
    """Shape 3 across a rename: 柯桥区 (from 2013) data for 2011–2012 belongs to its predecessor 绍兴县."""
    rows = [
        ["柯桥区规模以上工业主要指标"],
        ["指标名称", "单位", "2011年", "2012年", "2013年", "2014年"],
        ["规模以上工业增加值", "亿元", 500, 520, 540, 560.5],
    ]
    return one_sheet("Sheet1", rows)


def good_report() -> bytes:
    """Shape 4: a county's yearly report, 本年 / 上年同期 / 比上年增长(%), values in 万元."""
    rows = [
        ["景宁畲族自治县2023年规模以上工业主要经济指标"],
        ["指标名称", "计量单位", "本年", "上年同期", "比上年增长（%）"],
        ["规模以上工业总产值", "万元", 1234567, 1100000, 8.5],
        ["规模以上工业增加值", "万元", 456789, 420000, 6.2],
        ["规模以上工业营业收入", "万元", 1300000, 1200000, 8.3],
        ["利润总额", "万元", 80000, 90000, -11.1],
        ["从业人员平均人数", "人", 15234, 15000, 1.6],
        ["新产品产值", "万元", 500000, "—", "…"],
        ["注：增长速度按可比价格计算。"],
    ]
    return one_sheet("2023年报", rows, merges=["A1:E1"])


def good_xls() -> bytes:
    """.xls (BIFF8) roll-up read by calamine."""
    rows = [
        ["地区", "规上工业增加值（亿元）", "规上工业利润总额（亿元）"],
        ["义乌市", 523.4, 61.25],
        ["海宁市", 410, 38.5],
        ["萧山区", 1320.75, 150],
    ]
    return write_cfb({"Workbook": biff8_workbook([("2021年", cells_from_rows(rows))])})


def good_macro() -> bytes:
    """.xlsm with a VBA project: values are read, the macro is never run."""
    wb = Workbook()
    sheet(
        wb,
        "填报",
        [
            TEMPLATE_HEADER,
            ["330481", "海宁市", "规模以上工业增加值", "亿元", 2023, 420.5, None],
        ],
        first=True,
    )

    def patch(name: str, content: bytes) -> bytes:
        if name == "[Content_Types].xml":
            content = content.replace(
                b"application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml",
                b"application/vnd.ms-excel.sheet.macroEnabled.main+xml",
            ).replace(
                b"</Types>", b'<Default Extension="bin" ContentType="application/vnd.ms-office.vbaProject"/></Types>'
            )
        return content

    entries = _entries(xlsx_bytes(wb, patch))
    entries.append(("xl/vbaProject.bin", b"\xd0\xcf\x11\xe0" + b'Sub Auto_Open(): Shell "calc.exe": End Sub' * 4))
    return _rezip(entries)


CSV_ROWS = [
    TEMPLATE_HEADER,
    ["330782", "义乌", "规上工业增加值", "亿元", "2022", "1,234.5", ""],
    ["330782", "义乌市", "规上工业营业收入", "万元", "2022", "98765432", "万元口径"],
    ["330782", "义乌市", "常住人口", "万人", "2022", "190.3", ""],
    ["330782", "义乌市", "高新技术企业数", "家", "2022", "1200", ""],
    ["330782", "义乌市", "制造业上市企业数", "家", "2022", "-", "无"],
]


def _csv_text(rows) -> str:
    def quote(v: str) -> str:
        return f'"{v}"' if "," in v else v

    return "\r\n".join(",".join(quote(v) for v in row) for row in rows) + "\r\n"


def good_csv(encoding: str) -> bytes:
    text = _csv_text(CSV_ROWS)
    if encoding == "utf-8-sig":
        return b"\xef\xbb\xbf" + text.encode("utf-8")
    return text.encode(encoding)


# ---------------------------------------------------------------------------------------------
# BAD files


def rollup_rows(value_b7="约12.5") -> list[list]:
    return [
        ["2023年各县（市、区）规上工业增加值和利润"],
        [None, None, "单位：亿元"],
        ["地区", "规上工业增加值", "规上工业利润总额"],
        ["全省", 1000, 80],
        ["杭州市", 300, 25],
        ["萧山区", 100, 9],
        ["嘉兴市", value_b7, 20],
        ["海宁市", 60, 5],
    ]


def long_rows(*rows) -> list[list]:
    return [["景宁畲族自治县2023年工业统计指标填报表"], [], TEMPLATE_HEADER, *rows]


JN = ["331127", "景宁畲族自治县"]


def bad_files() -> dict[str, bytes]:
    files: dict[str, bytes] = {}
    files["bad_text_in_number.xlsx"] = one_sheet("2023年", rollup_rows("约12.5"))
    r = rollup_rows(70)
    r[5][0] = "杭州湾新区"
    files["bad_unknown_region.xlsx"] = one_sheet("2023年", r)
    r = rollup_rows(70)
    r[2].append("出口交货值")
    r[3].append(5000)
    files["bad_unknown_indicator.xlsx"] = one_sheet("2023年", r)
    files["bad_duplicate.xlsx"] = one_sheet(
        "填报",
        long_rows(
            JN + ["规模以上工业增加值", "亿元", 2023, 12.5, None],
            JN + ["规模以上工业营业收入", "亿元", 2023, 80, None],
            JN + ["规上工业增加值", "万元", 2023, 130000, "重复填报"],
        ),
    )
    files["bad_negative.xlsx"] = one_sheet("填报", long_rows(JN + ["规模以上工业增加值", "亿元", 2023, -3, None]))
    files["bad_share_over_100.xlsx"] = one_sheet(
        "填报", long_rows(JN + ["高新技术产业增加值占规模以上工业增加值比重", "%", 2023, 120, None])
    )
    files["bad_year_out_of_range.xlsx"] = one_sheet(
        "填报", long_rows(JN + ["规模以上工业增加值", "亿元", 1900, 12.5, None])
    )
    files["bad_year_future_series.xlsx"] = one_sheet(
        "Sheet1",
        [
            ["景宁县规上工业增加值预测"],
            ["指标", "单位", "2024年", "2030年"],
            ["规上工业增加值", "亿元", 50, 80],
        ],
    )
    r = rollup_rows(70)
    r[3][1] = "=SUM(B5:B6)"
    files["bad_formula_uncomputed.xlsx"] = one_sheet("2023年", r)
    wb = Workbook()
    wb.active.title = "Sheet1"
    files["bad_empty.xlsx"] = xlsx_bytes(wb)
    files["bad_header_only.xlsx"] = one_sheet(
        "填报",
        long_rows(
            JN + ["规模以上工业增加值", "亿元", 2023, None, None], JN + ["新增工业机器人", "台", 2023, "—", None]
        ),
    )
    files["bad_random_bytes.xlsx"] = random.Random(20240101).randbytes(4096)
    files["bad_pdf_renamed.xlsx"] = (
        b"%PDF-1.4\n1 0 obj\n<< /Type /Catalog >>\nendobj\ntrailer\n<< /Root 1 0 R >>\n%%EOF\n"
    )
    files["bad_txt_renamed.xlsx"] = "景宁县2023年规上工业增加值为45.67亿元，同比增长6.2%。\n".encode()
    files["bad_html_renamed.xls"] = (
        "<html><body><table><tr><td>地区</td><td>规上工业增加值</td></tr></table></body></html>".encode()
    )
    files["bad_encrypted.xlsx"] = write_cfb(
        {
            "EncryptionInfo": b"\x04\x00\x04\x00\x40\x00\x00\x00" + b"\x00" * 200,
            "EncryptedPackage": bytes(range(256)) * 20,
        }
    )
    bomb_entries = _entries(good_template())
    bomb_entries.append(("xl/media/image1.bin", b"\0" * (60 * 1024 * 1024)))
    files["bad_zip_bomb.xlsx"] = _rezip(bomb_entries, compresslevel=9)
    good = good_template()
    files["bad_truncated.xlsx"] = good[: len(good) // 2]
    files["bad_unknown_unit.xlsx"] = one_sheet(
        "填报", long_rows(JN + ["规模以上工业增加值", "万美元", 2023, 12.5, None])
    )
    files["bad_unit_mismatch.xlsx"] = one_sheet(
        "填报", long_rows(JN + ["规模以上工业增加值", "万人", 2023, 12.5, None])
    )
    files["bad_other_county.xlsx"] = one_sheet(
        "填报",
        long_rows(
            JN + ["规模以上工业增加值", "亿元", 2023, 45.67, None],
            ["330782", "义乌市", "规模以上工业增加值", "亿元", 2023, 523.4, None],
        ),
    )
    r = rollup_rows(70)
    r[0] = ["各县（市、区）规上工业增加值和利润"]
    files["bad_no_year.xlsx"] = one_sheet("Sheet1", r)
    files["bad_year_mismatch.xlsx"] = one_sheet("2022年", [row[:] for row in rollup_rows(70)[2:]])
    files["bad_word.xlsx"] = _rezip(
        [
            ("[Content_Types].xml", b'<?xml version="1.0"?><Types/>'),
            ("word/document.xml", "<w:document>景宁县工业指标</w:document>".encode()),
        ]
    )
    files["bad_ods.ods"] = _rezip(
        [
            ("mimetype", b"application/vnd.oasis.opendocument.spreadsheet"),
            ("content.xml", b"<office:document-content/>"),
        ]
    )
    files["bad_xls_corrupt.xls"] = write_cfb({"Workbook": b"\x09\x08\x10\x00" + bytes(range(256)) * 16})
    wb = Workbook()
    sheet(wb, "Sheet1", rollup_rows(70), first=True)

    def dtd(name: str, content: bytes) -> bytes:
        if name == "xl/worksheets/sheet1.xml":
            return content.replace(
                b"<worksheet ",
                b'<!DOCTYPE worksheet [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">]><worksheet ',
                1,
            )
        return content

    files["bad_xml_entities.xlsx"] = xlsx_bytes(wb, dtd)
    wb = Workbook()
    ws = wb.active
    ws["A1"] = "地区"
    ws["XFD1048576"] = 1
    files["bad_huge_range.xlsx"] = xlsx_bytes(wb)
    files["bad_unknown_layout.xlsx"] = one_sheet(
        "Sheet1", [["姓名", "电话", "邮箱"], ["张三", "0578-1234567", "zs@example.com"], ["李四", "0578-7654321", None]]
    )
    r = rollup_rows(70)
    import datetime

    r[3][1] = datetime.datetime(2023, 5, 1)
    files["bad_date_cell.xlsx"] = one_sheet("2023年", r)
    text = _csv_text([TEMPLATE_HEADER, ["330782", "义乌市", "规上工业增加值", "亿元", "2022", "约12.5", ""]])
    files["bad_csv_text.csv"] = text.encode("utf-8")
    files["bad_undecodable.csv"] = _csv_text(CSV_ROWS[:2]).encode("utf-8") + b"\xff\xfe\x80\x80\xff"
    files["bad_ambiguous_title.xlsx"] = one_sheet(
        "Sheet1",
        [
            ["义乌市、海宁市主要工业指标"],
            ["指标", "计量单位", "2021年", "2022年"],
            ["规上工业增加值", "亿元", 500, 523.4],
        ],
    )
    return files


def build_all() -> dict[str, bytes]:
    files = {
        "good_template.xlsx": good_template(),
        "good_rollup.xlsx": good_rollup(),
        "good_rollup_units_row.xlsx": good_rollup_units_row(),
        "good_series.xlsx": good_series(),
        "good_series_keqiao.xlsx": good_series_keqiao(),
        "good_report.xlsx": good_report(),
        "good_legacy.xls": good_xls(),
        "good_macro.xlsm": good_macro(),
        "good_long_utf8.csv": good_csv("utf-8"),
        "good_long_utf8bom.csv": good_csv("utf-8-sig"),
        "good_long_gb18030.csv": good_csv("gb18030"),
    }
    files.update(bad_files())
    return files


def main(argv: list[str]) -> int:
    out = Path(argv[1]) if len(argv) > 1 else HERE
    out.mkdir(parents=True, exist_ok=True)
    for name, data in sorted(build_all().items()):
        (out / name).write_bytes(data)
        print(f"{name:32} {len(data):>9} bytes")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
