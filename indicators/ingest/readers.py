"""Turn uploaded bytes into cell grids, refusing anything unsafe or unreadable (no Django import).

Format is decided by the content, never the file name: ZIP → .xlsx/.xlsm (checked for zip bombs from the
central directory before anything is inflated), OLE2 → .xls or an encrypted Office file (read with
olefile), text → CSV (UTF-8 with/without BOM, GB18030, UTF-16). Cell values come from python-calamine,
which reads the cached values and never runs formulas or VBA macros. Every XML part of an .xlsx is parsed
with defusedxml first, so a DTD anywhere in any part is refused; the worksheets are read cell by cell on
the way, to find formula cells that have no cached value (calamine reports them as empty), percent-formatted
cells (stored as 0.125, shown as 12.5%) and the bounding box of the cells.
"""

from __future__ import annotations

import codecs
import csv
import io
import os
import posixpath
import re
import struct
import zipfile
import zlib
from dataclasses import dataclass, field
from decimal import Decimal
from xml.etree.ElementTree import ParseError

import olefile
import python_calamine
from defusedxml import DefusedXmlException
from defusedxml.ElementTree import DefusedXMLParser, iterparse
from defusedxml.ElementTree import parse as parse_xml
from openpyxl.utils.cell import column_index_from_string, get_column_letter

from .results import Issue

__all__ = ["Formula", "Grid", "ReadResult", "read_upload"]

MAX_ZIP_ENTRIES = 10_000
MAX_ENTRY_RATIO = 200  # uncompressed : compressed, for entries above RATIO_MIN_SIZE
RATIO_MIN_SIZE = 1 << 20
MAX_SHEET_CELLS = 1_000_000  # calamine allocates first-to-last-cell rectangles
MAX_MERGED_CELLS = 200_000

OLE_MAGIC = bytes.fromhex("D0CF11E0A1B11AE1")

# what a damaged zip/XML can raise while we read it (encrypted zip members raise RuntimeError,
# unknown compression methods NotImplementedError, corrupt deflate data zlib.error)
_ZIP_ERRORS = (
    zipfile.BadZipFile,
    zlib.error,
    ParseError,
    OSError,
    KeyError,
    ValueError,
    EOFError,
    UnicodeError,
    struct.error,
    IndexError,
    RuntimeError,
    NotImplementedError,
    OverflowError,
)


@dataclass(frozen=True)
class Formula:
    """A formula cell with no computed value (a file written by a script and never opened in Excel)."""

    text: str


@dataclass
class Grid:
    """One sheet: ``rows`` start at absolute (row0, col0); empty cells are None."""

    name: str
    rows: list[list]
    row0: int = 0
    col0: int = 0
    merged: dict[tuple[int, int], tuple[int, int]] = field(default_factory=dict)  # cell → top-left

    @property
    def row_end(self) -> int:
        return self.row0 + len(self.rows)

    @property
    def col_end(self) -> int:
        return self.col0 + max((len(r) for r in self.rows), default=0)

    def get(self, r: int, c: int):
        rr, cc = r - self.row0, c - self.col0
        if 0 <= rr < len(self.rows) and cc >= 0:
            row = self.rows[rr]
            if cc < len(row):
                return row[cc]
        return None

    def label(self, r: int, c: int):
        """The cell value, or for a cell inside a merged range the value of its top-left cell."""
        v = self.get(r, c)
        if v is None and (r, c) in self.merged:
            return self.get(*self.merged[(r, c)])
        return v

    def addr(self, r: int, c: int) -> str:
        """(0, 1) → "B1" (zero-based row and column)."""
        return f"{get_column_letter(c + 1)}{r + 1}"

    def is_empty(self) -> bool:
        return not any(v is not None for row in self.rows for v in row)


@dataclass
class ReadResult:
    kind: str  # xlsx | xls | csv
    grids: list[Grid]
    errors: list[Issue]
    warnings: list[Issue]


def _fail(message: str, warnings: list[Issue] | None = None) -> ReadResult:
    return ReadResult("", [], [Issue("", "", message)], warnings or [])


def _ext(filename: str) -> str:
    return os.path.splitext(filename or "")[1].lower()


def _human_mb(n: int) -> str:
    """20971520 → "20 MB", 1536 → "1.5 KB"."""
    for unit, size in (("MB", 1 << 20), ("KB", 1 << 10)):
        if n >= size:
            return f"{n / size:.1f}".rstrip("0").rstrip(".") + " " + unit
    return f"{n} 字节"


def read_upload(data: bytes, filename: str, *, max_bytes: int, max_inflated_bytes: int) -> ReadResult:
    """Check and read an upload into grids; every refusal is an error Issue, never an exception."""
    if not data:
        return _fail("文件为空")
    if len(data) > max_bytes:
        size, limit = _human_mb(len(data)), _human_mb(max_bytes)
        if size == limit:
            size, limit = f"{len(data)} 字节", f"{max_bytes} 字节"
        return _fail(f"文件大小 {size} 超过上限 {limit}")
    ext = _ext(filename)
    head = data[:8]
    if head.startswith(b"PK\x03\x04") or head.startswith(b"PK\x05\x06"):
        return _read_zip(data, ext, max_inflated_bytes)
    if head == OLE_MAGIC:
        return _read_ole(data)
    if head.startswith(b"%PDF"):
        return _fail("文件是 PDF 文档，不是电子表格；请上传 .xlsx 或 .csv 文件")
    for magic, what in (
        (b"\x89PNG", "图片"),
        (b"\xff\xd8\xff", "图片"),
        (b"GIF8", "图片"),
        (b"Rar!", "RAR 压缩包"),
        (b"7z\xbc\xaf", "7z 压缩包"),
        (b"\x1f\x8b", "gzip 压缩包"),
        (b"{\\rtf", "RTF 文档"),
    ):
        if head.startswith(magic):
            return _fail(f"文件是{what}，不是电子表格；请上传 .xlsx 或 .csv 文件")
    return _read_text(data, filename, ext)


# ---------------------------------------------------------------------------------------------
# ZIP containers: .xlsx / .xlsm


def _read_zip(data: bytes, ext: str, max_inflated: int) -> ReadResult:
    try:
        zf = zipfile.ZipFile(io.BytesIO(data))
        infos = zf.infolist()
    except _ZIP_ERRORS:
        return _fail("文件已损坏或不完整，无法作为 Excel 文件读取")
    if len(infos) > MAX_ZIP_ENTRIES:
        return _fail(f"压缩包内文件数 {len(infos)} 过多，已拒绝")
    # zip-bomb checks use the sizes declared in the central directory: nothing has been inflated yet
    total = sum(i.file_size for i in infos)
    if total > max_inflated:
        return _fail(f"文件解压后总大小 {_human_mb(total)} 超过上限 {_human_mb(max_inflated)}，疑似压缩炸弹，已拒绝")
    for i in infos:
        if i.file_size > RATIO_MIN_SIZE and i.file_size > MAX_ENTRY_RATIO * max(i.compress_size, 1):
            ratio = i.file_size // max(i.compress_size, 1)
            return _fail(f'压缩包内 "{i.filename}" 的压缩比 {ratio}:1 异常，疑似压缩炸弹，已拒绝')
    names = {i.filename for i in infos}
    if "xl/workbook.bin" in names:
        return _fail("不支持 .xlsb（二进制工作簿）格式，请在 Excel 中另存为 .xlsx 后重新上传")
    if "mimetype" in names and "content.xml" in names:
        return _fail("不支持 OpenDocument（.ods）格式，请另存为 .xlsx 后重新上传")
    if "word/document.xml" in names:
        return _fail("文件是 Word 文档，不是电子表格；请上传 .xlsx 或 .csv 文件")
    if any(n.startswith("ppt/") for n in names):
        return _fail("文件是 PowerPoint 演示文稿，不是电子表格；请上传 .xlsx 或 .csv 文件")
    warnings: list[Issue] = []
    try:
        workbook_path = _office_document_path(zf) or "xl/workbook.xml"
        if workbook_path not in names:
            return _fail("文件不是 Excel 工作簿（压缩包中没有 workbook.xml）；请上传 .xlsx 或 .csv 文件")
        if any(n.lower().endswith("vbaproject.bin") for n in names):
            # calamine only reads cell values; it has no VBA engine, so macros are never run
            warnings.append(Issue("", "", "文件包含宏（VBA 代码）：宏不会被执行，只读取单元格中的数值"))
        scan, parsed = _scan_xlsx(zf, workbook_path, names)
        for name in sorted(_xml_parts(zf, names) - parsed):
            _check_xml(zf, name)
    except DefusedXmlException:  # OOXML never has a DTD: one means an entity-expansion or external-entity attack
        return _fail("文件包含不允许的 XML 声明（DOCTYPE），已拒绝", warnings)
    except _ZIP_ERRORS:
        return _fail("文件已损坏或不完整，无法作为 Excel 文件读取", warnings)
    try:
        wb = python_calamine.CalamineWorkbook.from_filelike(io.BytesIO(data))
        res = _grids_from_calamine(wb, scan, warnings)
    except python_calamine.PasswordError:
        return _fail("文件已加密（设置了打开密码），请在 Excel 中取消密码后另存为 .xlsx 再上传", warnings)
    except Exception:  # calamine raises its own errors and, on some malformed files, plain ones
        return _fail("文件已损坏或不完整，无法作为 Excel 文件读取", warnings)
    res.kind = "xlsx"
    return res


def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]


def _xml_root(zf: zipfile.ZipFile, name: str):
    """The root element of a part, parsed with defusedxml (a DTD raises DTDForbidden; a missing part KeyError)."""
    with zf.open(name) as fh:
        return parse_xml(fh, forbid_dtd=True).getroot()


def _xml_parts(zf: zipfile.ZipFile, names: set[str]) -> set[str]:
    """The parts that are XML: by their extension, or as [Content_Types].xml declares them."""
    types = _xml_root(zf, "[Content_Types].xml") if "[Content_Types].xml" in names else []
    xml = [t for t in types if t.get("ContentType", "").endswith("xml")]
    extensions = {"xml", "rels", "vml"} | {t.get("Extension", "").lower() for t in xml if _local(t.tag) == "Default"}
    overrides = {t.get("PartName", "").lstrip("/") for t in xml if _local(t.tag) == "Override"}
    return {n for n in names if n.rsplit(".", 1)[-1].lower() in extensions or n in overrides}


def _check_xml(zf: zipfile.ZipFile, name: str) -> None:
    """Parse a part nobody else reads with defusedxml, keeping nothing: it must be well-formed and have no DTD."""
    parser = DefusedXMLParser(target=object(), forbid_dtd=True)  # a target without handlers builds no tree
    with zf.open(name) as fh:
        while chunk := fh.read(1 << 20):
            parser.feed(chunk)
    parser.close()


def _office_document_path(zf: zipfile.ZipFile) -> str | None:
    try:
        root = _xml_root(zf, "_rels/.rels")
    except KeyError:
        return None
    for rel in root:
        if _local(rel.tag) == "Relationship" and rel.get("Type", "").endswith("/officeDocument"):
            return rel.get("Target", "").lstrip("/")
    return None


@dataclass
class _SheetScan:
    name: str
    state: str
    formulas: dict[tuple[int, int], str] = field(default_factory=dict)
    percents: set[tuple[int, int]] = field(default_factory=set)
    scanned: bool = False
    bbox: list[int] | None = None  # [min_row, max_row, min_col, max_col] of cells with a value or formula

    @property
    def area(self) -> tuple[int, int]:
        if self.bbox is None:
            return 0, 0
        return self.bbox[1] - self.bbox[0] + 1, self.bbox[3] - self.bbox[2] + 1


_QUOTED_RE = re.compile(r'"[^"]*"|\[[^\]]*\]|\\.')


def _percent_styles(zf: zipfile.ZipFile, styles_path: str | None) -> set[int]:
    if not styles_path:
        return set()
    try:
        root = _xml_root(zf, styles_path)
    except KeyError:
        return set()
    pct_fmt = {9, 10}
    xf_fmt: list[int] = []
    for child in root:
        tag = _local(child.tag)
        if tag == "numFmts":
            for nf in child:
                code = _QUOTED_RE.sub("", nf.get("formatCode", ""))
                if "%" in code:
                    pct_fmt.add(int(nf.get("numFmtId", "-1")))
        elif tag == "cellXfs":
            xf_fmt = [int(xf.get("numFmtId", "0")) for xf in child if _local(xf.tag) == "xf"]
    return {i for i, f in enumerate(xf_fmt) if f in pct_fmt}


def _scan_xlsx(zf: zipfile.ZipFile, workbook_path: str, names: set[str]) -> tuple[dict[str, _SheetScan], set[str]]:
    """Per sheet name: formula cells without a cached value, and percent-formatted numeric cells; and the
    parts read on the way."""
    base = posixpath.dirname(workbook_path)
    rels_path = posixpath.join(base, "_rels", posixpath.basename(workbook_path) + ".rels")
    targets: dict[str, str] = {}
    styles_path = None
    parsed = {"_rels/.rels", workbook_path}
    if rels_path in names:
        parsed.add(rels_path)
        for rel in _xml_root(zf, rels_path):
            target = rel.get("Target", "")
            path = target.lstrip("/") if target.startswith("/") else posixpath.normpath(posixpath.join(base, target))
            targets[rel.get("Id", "")] = path
            if rel.get("Type", "").endswith("/styles"):
                styles_path = path
    pct_styles = _percent_styles(zf, styles_path)
    parsed.add(styles_path)
    wb_root = _xml_root(zf, workbook_path)
    out: dict[str, _SheetScan] = {}
    for el in wb_root.iter():
        if _local(el.tag) != "sheet":
            continue
        rid = next((v for k, v in el.attrib.items() if _local(k) == "id"), None)
        scan = _SheetScan(el.get("name", ""), el.get("state", "visible"))
        out[scan.name] = scan
        path = targets.get(rid or "")
        if path and path in names:
            _scan_sheet(zf, path, scan, pct_styles)
            scan.scanned = True
            parsed.add(path)
    return out, parsed


def _scan_sheet(zf: zipfile.ZipFile, path: str, scan: _SheetScan, pct_styles: set[int]) -> None:
    """Read a worksheet cell by cell (expat refuses a cell with two r attributes: calamine would place it by
    the last one, beyond the bounding box)."""
    row, col = -1, -1
    with zf.open(path) as fh:
        for event, el in iterparse(fh, events=("start", "end"), forbid_dtd=True):
            tag = _local(el.tag)
            if event == "start":
                if tag == "row":
                    r = el.get("r")
                    row = int(r) - 1 if r and r.isdigit() else row + 1
                    col = -1
                continue
            if tag == "c":
                pos = _cell_position(el.get("r"))
                if pos is None:
                    col += 1
                    pos = (row, col)
                else:
                    col = pos[1]
                f_el = v_el = None
                has_value = False
                for child in el:
                    t = _local(child.tag)
                    if t == "f":
                        f_el = child
                    elif t == "v":
                        v_el = child
                    elif t == "is":
                        has_value = True
                if f_el is not None or v_el is not None or has_value:
                    b = scan.bbox
                    r_, c_ = pos
                    if b is None:
                        scan.bbox = [r_, r_, c_, c_]
                    else:
                        b[0], b[1], b[2], b[3] = min(b[0], r_), max(b[1], r_), min(b[2], c_), max(b[3], c_)
                # no <v>, or an empty <v/> on a non-string cell (openpyxl writes that): never calculated
                if f_el is not None and (
                    v_el is None or (not v_el.text and el.get("t") not in ("str", "s", "inlineStr"))
                ):
                    text = (f_el.text or "").strip()
                    scan.formulas[pos] = "=" + text if text else "（共享公式）"
                elif (
                    v_el is not None
                    and pct_styles
                    and el.get("t", "n") == "n"
                    and int(el.get("s", "0") or 0) in pct_styles
                ):
                    scan.percents.add(pos)
                el.clear()
            elif tag == "row":
                el.clear()


_CELL_REF_RE = re.compile(r"([A-Z]{1,3})([0-9]{1,7})")


def _cell_position(ref: str | None) -> tuple[int, int] | None:
    """ "B7" → (6, 1) (zero-based row and column); None unless written as Excel writes it."""
    m = _CELL_REF_RE.fullmatch(ref or "")
    return (int(m[2]) - 1, column_index_from_string(m[1]) - 1) if m else None


def _percent_text(value) -> str:
    d = Decimal(repr(float(value))) * 100
    text = format(d.normalize(), "f")
    return text + "%"


def _grids_from_calamine(wb, scan: dict[str, _SheetScan] | None, warnings: list[Issue]) -> ReadResult:
    """Load the visible worksheets. For .xlsx, ``scan`` (from the XML) must cover every visible sheet: its
    bounding box is checked before calamine loads the sheet, because calamine allocates the whole rectangle."""
    grids: list[Grid] = []
    errors: list[Issue] = []
    for meta in wb.sheets_metadata:
        if meta.typ != python_calamine.SheetTypeEnum.WorkSheet:
            continue
        info = scan.get(meta.name) if scan is not None else None
        if meta.visible != python_calamine.SheetVisibleEnum.Visible:
            if info is None or info.bbox is not None:
                warnings.append(Issue(meta.name, "", "隐藏的工作表已忽略"))
            continue
        if scan is not None:
            if info is None or not info.scanned:
                errors.append(Issue(meta.name, "", "工作表结构异常，无法读取；请在 Excel 中另存为 .xlsx 后重新上传"))
                continue
            rows, cols = info.area
            if rows * cols > MAX_SHEET_CELLS:
                errors.append(Issue(meta.name, "", f"工作表范围过大（{rows} 行 × {cols} 列），已拒绝"))
                continue
        sheet = wb.get_sheet_by_name(meta.name)
        if sheet.height * sheet.width > MAX_SHEET_CELLS:
            errors.append(Issue(meta.name, "", f"工作表范围过大（{sheet.height} 行 × {sheet.width} 列），已拒绝"))
            continue
        start = sheet.start
        # calamine gives "" for an empty cell; the grid has None
        rows_ = [[None if v == "" else v for v in r] for r in sheet.to_python(skip_empty_area=True)] if start else []
        row0, col0 = start if start else (0, 0)
        grid = Grid(meta.name, rows_, row0, col0)
        if info:
            for r, c in info.percents:
                v = grid.get(r, c)
                if isinstance(v, int | float) and not isinstance(v, bool):
                    grid.rows[r - row0][c - col0] = _percent_text(v)
            for (r, c), text in info.formulas.items():
                _put(grid, r, c, Formula(text))
        _add_merges(grid, sheet)
        grids.append(grid)
    return ReadResult("", grids, errors, warnings)


def _put(grid: Grid, r: int, c: int, value) -> None:
    """Set a cell, growing the grid (formula cells without a value are outside calamine's range)."""
    if not grid.rows:
        grid.row0, grid.col0 = r, c
    if r < grid.row0:
        grid.rows[0:0] = [[] for _ in range(grid.row0 - r)]
        grid.row0 = r
    if c < grid.col0:
        pad = [None] * (grid.col0 - c)
        grid.rows = [pad + row for row in grid.rows]
        grid.col0 = c
    while r - grid.row0 >= len(grid.rows):
        grid.rows.append([])
    row = grid.rows[r - grid.row0]
    cc = c - grid.col0
    if cc >= len(row):
        row.extend([None] * (cc + 1 - len(row)))
    row[cc] = value


def _add_merges(grid: Grid, sheet) -> None:
    try:
        ranges = sheet.merged_cell_ranges or []
    except Exception:
        return
    budget = MAX_MERGED_CELLS
    for (r1, c1), (r2, c2) in ranges:
        area = (r2 - r1 + 1) * (c2 - c1 + 1)
        if area > budget or area > 10_000:
            continue
        budget -= area
        for r in range(r1, r2 + 1):
            for c in range(c1, c2 + 1):
                if (r, c) != (r1, c1):
                    grid.merged[(r, c)] = (r1, c1)


# ---------------------------------------------------------------------------------------------
# OLE2 (Compound File Binary): .xls, or an encrypted .xlsx


_BIFF_CELL_RECORDS = {0x0006, 0x0203, 0x00FD, 0x027E, 0x0204, 0x0205, 0x00D6}  # formula, number, sst, rk, label…
_BIFF_MULRK = 0x00BD


def _biff_too_large(stream: bytes) -> tuple[int, int] | None:
    """(rows, cols) of the first sheet whose cells span more than MAX_SHEET_CELLS, else None.

    calamine allocates the whole rectangle between the first and last cell, so two cells far apart would
    take gigabytes; this walks the BIFF records first (BLANK cells do not count, calamine skips them).
    """
    pos, n = 0, len(stream)
    bbox = None
    while pos + 4 <= n:
        typ, length = struct.unpack_from("<HH", stream, pos)
        body = pos + 4
        pos = body + length
        if typ == 0x0809:
            bbox = None
            continue
        if typ in _BIFF_CELL_RECORDS or typ == _BIFF_MULRK:
            if length < 6 or pos > n:
                continue
            row, col = struct.unpack_from("<HH", stream, body)
            col_last = struct.unpack_from("<H", stream, pos - 2)[0] if typ == _BIFF_MULRK else col
            if bbox is None:
                bbox = [row, row, col, col_last]
            else:
                bbox = [min(bbox[0], row), max(bbox[1], row), min(bbox[2], col), max(bbox[3], col_last)]
            rows, cols = bbox[1] - bbox[0] + 1, bbox[3] - bbox[2] + 1
            if rows * cols > MAX_SHEET_CELLS:
                return rows, cols
    return None


def _read_ole(data: bytes) -> ReadResult:
    try:
        ole = olefile.OleFileIO(io.BytesIO(data), raise_defects=olefile.DEFECT_INCORRECT)  # a truncated file too
        names = {path[-1] for path in ole.listdir(streams=True, storages=True)}
    except Exception:  # olefile raises OSError and, on some malformed containers, plain errors
        return _fail("文件已损坏或不完整，无法作为 Excel 文件读取")
    if "EncryptedPackage" in names or "EncryptionInfo" in names:
        return _fail("文件已加密（设置了打开密码），请在 Excel 中取消密码后另存为 .xlsx 再上传")
    if "WordDocument" in names:
        return _fail("文件是 Word 文档，不是电子表格；请上传 .xlsx 或 .csv 文件")
    if "PowerPoint Document" in names:
        return _fail("文件是 PowerPoint 演示文稿，不是电子表格；请上传 .xlsx 或 .csv 文件")
    if "Workbook" not in names:
        if "Book" in names:
            return _fail("不支持 Excel 95 及更早的 .xls 格式，请在 Excel 中另存为 .xlsx 后重新上传")
        return _fail("文件不是 Excel 或 CSV 表格；请上传 .xlsx 或 .csv 文件")
    try:
        too_large = _biff_too_large(ole.openstream("Workbook").read())
    except Exception:
        return _fail("无法正确读取该 .xls 文件，请在 Excel 中另存为 .xlsx 后重新上传")
    if too_large:
        return _fail(f"工作表范围过大（{too_large[0]} 行 × {too_large[1]} 列），已拒绝")
    try:
        wb = python_calamine.CalamineWorkbook.from_filelike(io.BytesIO(data))
        res = _grids_from_calamine(wb, None, [])
    except python_calamine.PasswordError:
        return _fail("文件已加密（设置了打开密码），请在 Excel 中取消密码后另存为 .xlsx 再上传")
    except Exception:
        return _fail("无法正确读取该 .xls 文件，请在 Excel 中另存为 .xlsx 后重新上传")
    res.kind = "xls"
    return res


# ---------------------------------------------------------------------------------------------
# text: CSV


def _decode(data: bytes) -> str | None:
    if data.startswith(codecs.BOM_UTF8):
        candidates = ["utf-8-sig"]
    elif data.startswith(codecs.BOM_UTF16_LE) or data.startswith(codecs.BOM_UTF16_BE):
        candidates = ["utf-16"]
    else:
        candidates = ["utf-8", "gb18030"]
    for enc in candidates:
        try:
            return data.decode(enc)
        except UnicodeDecodeError:
            continue
    return None


def _looks_binary(text: str) -> bool:
    sample = text[:20000]
    if "\x00" in sample:
        return True
    control = sum(1 for ch in sample if ord(ch) < 32 and ch not in "\t\r\n\x0c")
    return control > max(2, len(sample) // 200)


def _read_text(data: bytes, filename: str, ext: str) -> ReadResult:
    head = data[:512].lstrip().lower()
    if ext in (".xlsx", ".xlsm", ".xls", ".xltx", ".xlsb"):
        if head.startswith((b"<!doctype html", b"<html", b"<table", b"<?xml", b"\xef\xbb\xbf<")):
            return _fail(
                f"文件扩展名为 {ext}，但内容是网页或 XML，不是真正的 Excel 文件；请在 Excel 中打开后另存为 .xlsx 再上传"
            )
        return _fail(f"文件扩展名为 {ext}，但内容不是 Excel 文件；请上传 .xlsx 或 .csv 文件")
    text = _decode(data)
    if text is None:
        if b"\x00" in data[:4096]:
            return _fail("文件不是 Excel 或 CSV 表格；请上传 .xlsx 或 .csv 文件")
        return _fail('无法识别 CSV 文件的编码（支持 UTF-8 和 GB18030/GBK），请在 Excel 中另存为 "CSV UTF-8" 后重新上传')
    if _looks_binary(text):
        return _fail("文件不是 Excel 或 CSV 表格；请上传 .xlsx 或 .csv 文件")
    text = text.lstrip("\ufeff")
    lines = text.splitlines()
    if lines and lines[0].strip().lower().startswith("sep=") and len(lines[0].strip()) == 5:
        delimiter = lines[0].strip()[4]
        text = "\n".join(lines[1:])
    else:
        first = next((ln for ln in lines if ln.strip()), "")
        delimiter = max((",", "\t", ";", "|"), key=lambda d: first.count(d))
        if first.count(delimiter) == 0:
            delimiter = ","
    try:
        reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
        rows = [[(cell if cell.strip() else None) for cell in row] for row in reader]
    except csv.Error:
        return _fail("CSV 文件格式错误，无法读取")
    name = os.path.basename(filename or "") or "CSV"
    return ReadResult("csv", [Grid(name, rows)], [], [])
