"""Turn uploaded bytes into cell grids, refusing anything unsafe or unreadable (no Django import).

Format is decided by the content, never the file name: ZIP → .xlsx/.xlsm (checked for zip bombs from the
central directory before anything is inflated), OLE2 → .xls or an encrypted Office file, text → CSV
(UTF-8 with/without BOM, GB18030, UTF-16). Cell values come from python-calamine, which reads the cached
values and never runs formulas or VBA macros. For .xlsx the worksheet XML is also scanned once to find
formula cells that have no cached value (calamine reports them as empty) and percent-formatted cells
(stored as 0.125, shown as 12.5%).
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
from functools import lru_cache
from xml.etree import ElementTree
from xml.parsers import expat

import python_calamine

from .results import Issue

__all__ = ["Formula", "Grid", "ReadResult", "read_upload", "col_letter", "cell_address"]

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
    ElementTree.ParseError,
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


@lru_cache(maxsize=4096)
def col_letter(col: int) -> str:
    """0 → A, 25 → Z, 26 → AA."""
    out = ""
    col += 1
    while col:
        col, rem = divmod(col - 1, 26)
        out = chr(65 + rem) + out
    return out


def cell_address(row: int, col: int) -> str:
    """(0, 1) → "B1" (zero-based row and column)."""
    return f"{col_letter(col)}{row + 1}"


_CELL_REF_RE = re.compile(r"^([A-Z]{1,3})(\d{1,7})$")


def _parse_ref(ref: str) -> tuple[int, int] | None:
    m = _CELL_REF_RE.match(ref)
    if not m:
        return None
    col = 0
    for ch in m.group(1):
        col = col * 26 + ord(ch) - 64
    return int(m.group(2)) - 1, col - 1


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
        return self.col0 + max(map(len, self.rows), default=0)

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
        return cell_address(r, c)

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
        scan = _scan_xlsx(zf, workbook_path, names)
    except _Refused as exc:
        return _fail(str(exc), warnings)
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


class _Refused(Exception):
    pass


def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]


def _read_xml_part(zf: zipfile.ZipFile, name: str):
    """Open an XML part after refusing DTDs (OOXML never has one; a DTD means an entity-expansion attack)."""
    with zf.open(name) as fh:
        head = fh.read(2048)
    if b"<!DOCTYPE" in head or b"<!ENTITY" in head:
        raise _Refused("文件包含不允许的 XML 声明（DOCTYPE），已拒绝")
    return zf.open(name)


def _office_document_path(zf: zipfile.ZipFile) -> str | None:
    try:
        with _read_xml_part(zf, "_rels/.rels") as fh:
            root = ElementTree.parse(fh).getroot()
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
    # [min_row, max_row, min_col, max_col]: the cells with a value or formula (the plain scan: a box that holds them)
    bbox: list[int] | None = None

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
        fh = _read_xml_part(zf, styles_path)
    except KeyError:
        return set()
    with fh:
        root = ElementTree.parse(fh).getroot()
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


def _scan_xlsx(zf: zipfile.ZipFile, workbook_path: str, names: set[str]) -> dict[str, _SheetScan]:
    """Per sheet name: formula cells without a cached value, and percent-formatted numeric cells."""
    base = posixpath.dirname(workbook_path)
    rels_path = posixpath.join(base, "_rels", posixpath.basename(workbook_path) + ".rels")
    targets: dict[str, str] = {}
    styles_path = None
    if rels_path in names:
        with _read_xml_part(zf, rels_path) as fh:
            for rel in ElementTree.parse(fh).getroot():
                target = rel.get("Target", "")
                path = (
                    target.lstrip("/") if target.startswith("/") else posixpath.normpath(posixpath.join(base, target))
                )
                targets[rel.get("Id", "")] = path
                if rel.get("Type", "").endswith("/styles"):
                    styles_path = path
    pct_styles = _percent_styles(zf, styles_path)
    with _read_xml_part(zf, workbook_path) as fh:
        wb_root = ElementTree.parse(fh).getroot()
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
    return out


def _scan_sheet(zf: zipfile.ZipFile, path: str, scan: _SheetScan, pct_styles: set[int]) -> None:
    with _read_xml_part(zf, path) as fh:  # refuses a DOCTYPE first, as for every part
        data = fh.read()
    if scan.state == "visible" and not pct_styles and _scan_sheet_plain(data, scan):
        return
    if not _scan_sheet_bytes(data, scan, pct_styles):
        _scan_sheet_xml(io.BytesIO(data), scan, pct_styles)


# --- the plain-sheet scan -----------------------------------------------------------------------
# Most uploads are plain: no formula anywhere, no percent-formatted cell, every cell tag written
# <c r="B7" …>, all within a few hundred rows and columns. For those the scan's three answers need no
# cell-by-cell reading: no uncomputed formula (there is no <f> tag), no percent cell (the workbook has
# no percent style), and a box that holds every cell calamine can place (every cell carries its own
# reference, and no reference has a row past 999 or a column past ZZ, so at most 999 × 702 < 1,000,000
# cells). _scan_sheet_plain checks exactly that with one search over the bytes and the expat
# well-formedness pass that every scan makes. Its guards are those of _scan_sheet_bytes: UTF-8; no
# comment, CDATA section, DTD or processing instruction, so every "<" starts a tag (expat reports each of
# these as it parses, so they cost nothing when absent); no odd <row>; no prefixed cell, formula or row
# tag; and well-formed, which also rules out a second r on a cell. Anything else goes to the cell-by-cell
# readings.
# What it records differs from theirs only in the box: [0, 998, 0, 701], the bound, not the cells'
# own extent; _grids_from_calamine only compares its area with MAX_SHEET_CELLS, and hidden sheets,
# whose warning depends on whether they hold a value at all, are always read cell by cell.

_PLAIN_ROWS, _PLAIN_COLS = 999, 26 + 26 * 26
assert _PLAIN_ROWS * _PLAIN_COLS <= MAX_SHEET_CELLS
# a formula tag, an odd <row> (see _ODD_ROW_RE), or a cell tag that does not start with its own reference
# (r first, as Excel and openpyxl write it) within A1:ZZ999
_NOT_PLAIN_RE = re.compile(rb'<(?:f[\s/>]|row[\s/>][^<]*?[\x80-\xff]|c(?! r="[A-Z]{1,2}[1-9][0-9]{0,2}"[\s/>])[\s/>])')
# any of those with a prefix (calamine goes by local names): found by the colon, which is rare in a sheet
_PREFIXED_PLAIN_RE = re.compile(rb":(?:c|f|row)[\s/>]")


def _scan_sheet_plain(data: bytes, scan: _SheetScan) -> bool:
    """True when the part is plain (see above); ``scan`` then holds no formula, no percent cell and the
    bounding box. False leaves ``scan`` untouched. Raises ParseError for a malformed part."""
    if b"\x00" in data or _NOT_PLAIN_RE.search(data) or _PREFIXED_PLAIN_RE.search(data):  # NUL: UTF-16 (or garbage)
        return False
    seen = []  # what expat met that makes the part not plain

    def declaration(version, encoding, standalone):
        if encoding is not None and encoding.lower() not in ("utf-8", "utf8"):
            seen.append("encoding")

    _well_formed(
        data,
        XmlDeclHandler=declaration,
        CommentHandler=lambda text: seen.append("comment"),
        StartCdataSectionHandler=lambda: seen.append("cdata"),
        ProcessingInstructionHandler=lambda target, text: seen.append("processing instruction"),
        StartDoctypeDeclHandler=lambda *args: seen.append("doctype"),
    )
    if seen:
        return False
    scan.bbox = [0, _PLAIN_ROWS - 1, 0, _PLAIN_COLS - 1]
    return True


def _well_formed(data: bytes, **handlers) -> None:
    """Raise ParseError, as ElementTree would, unless expat (in ElementTree's namespace mode) accepts the part;
    ``handlers`` are set on the parser first (expat calls them as it meets what they handle)."""
    parser = expat.ParserCreate(None, "}")
    for name, handler in handlers.items():
        setattr(parser, name, handler)
    try:
        parser.Parse(data, True)
    except expat.ExpatError as exc:
        raise ElementTree.ParseError(str(exc)) from None


# --- the byte-level scan ------------------------------------------------------------------------
# Reading every element of a worksheet with ElementTree costs ~15 µs a cell; the scan only needs each
# cell's reference, whether it has a <f>, <v> or <is> child, and for a few cells the formula text, t and s.
# _scan_sheet_bytes gets them with one regular expression over the bytes, and gives the same result as
# _scan_sheet_xml (the ElementTree reading, kept for everything else) because it only answers when:
#   * the part is UTF-8 without comments, CDATA, DOCTYPE or processing instructions (no "<!", no "<?" after
#     the XML declaration), so every "<" in it starts a tag, and its <row> tags are ASCII (_ODD_ROW_RE);
#   * expat, the parser ElementTree uses, in the same namespace mode, finds it well-formed (a malformed or
#     truncated part still raises ParseError and the file is refused, as before);
#   * every <c> start tag in the part begins a canonical cell: r="A1" first, attribute values without "&",
#     "<", ">", tabs or newlines, and as children only an optional <f> followed by an optional <v> or <is>
#     (whitespace between them). The expression's last alternative catches any other <c> start tag, and a
#     canonical match cannot contain a "<c" (text has no "<", and the <is> body refuses one), so no cell is
#     skipped or swallowed: findall sees every <c> start tag once.
# Otherwise it returns False and the caller runs _scan_sheet_xml on the same bytes.

_ANY_PREFIX = rb"""(?:[^\s<>/!?:="']+:)?"""  # any prefix expat accepts; ElementTree compares local names only
_PREFIXED_TAG_RE = re.compile(rb"""<[^\s<>/!?:="']+:""")


def _cell_re(prefixed: bool) -> re.Pattern:
    """Groups: column letters, row digits, attributes after r, <f…>, <v…>, <is…>, any other <c> start tag."""
    p = rb"(?:[A-Za-z_][\w.\-]*:)?" if prefixed else b""
    any_c = rb"<" + (_ANY_PREFIX if prefixed else b"") + rb"c[\s/>]"
    return re.compile(
        rb"<" + p + rb'c\s+r="([A-Z]{1,3})([0-9]{1,7})"((?:\s+[A-Za-z_][\w.:\-]*="[^"<>&\t\n\r]*")*)\s*'
        rb"(?:/>|>\s*"
        rb"(<" + p + rb"f(?:\s[^<>]*)?(?:/>|>[^<]*</" + p + rb"f\s*>))?\s*"
        rb"(?:(<" + p + rb"v(?:\s[^<>]*)?(?:/>|>[^<]*</" + p + rb"v\s*>))"
        rb"|(<" + p + rb"is(?:\s[^<>]*)?(?:/>|>[^<]*(?:<(?!" + any_c[1:] + rb")[^<]*)*?</" + p + rb"is\s*>)))?\s*"
        rb"</" + p + rb"c\s*>)"
        rb"|(" + any_c + rb")",
        re.S,
    )


_CELL_RE = _cell_re(prefixed=False)
_PREFIXED_CELL_RE = _cell_re(prefixed=True)
# a <row> start tag with a non-ASCII byte: its r may be "①", which isdigit() accepts and int() refuses (the
# ElementTree reading raises ValueError on it and the file is refused, so that reading must run)
_ODD_ROW_RE = re.compile(rb"<row[\s/>][^<]*?[\x80-\xff]")
_PREFIXED_ODD_ROW_RE = re.compile(rb"<" + _ANY_PREFIX + rb"row[\s/>][^<]*?[\x80-\xff]")
_XML_DECL_RE = re.compile(rb"<\?xml\s[^<>]*?\?>")
_DECL_ENCODING_RE = re.compile(rb"""\sencoding\s*=\s*["']([^"']*)["']""")
_ATTR_RE = re.compile(rb'\s([A-Za-z_][\w.:\-]*)="([^"]*)"')
_XML_ESCAPE_RE = re.compile(r"&(?:#x([0-9a-fA-F]+)|#([0-9]+)|(amp|lt|gt|quot|apos));")
_XML_NAMED = {"amp": "&", "lt": "<", "gt": ">", "quot": '"', "apos": "'"}


def _xml_text(raw: bytes) -> str:
    """Character data as expat reports it: line ends normalised to \\n, then references replaced."""
    text = raw.decode("utf-8").replace("\r\n", "\n").replace("\r", "\n")
    if "&" not in text:
        return text
    return _XML_ESCAPE_RE.sub(
        lambda m: chr(int(m[1], 16)) if m[1] else chr(int(m[2])) if m[2] else _XML_NAMED[m[3]], text
    )


@lru_cache(maxsize=256)
def _col_index(letters: bytes) -> int:
    col = 0
    for ch in letters:
        col = col * 26 + ch - 64
    return col - 1


def _scan_sheet_bytes(data: bytes, scan: _SheetScan, pct_styles: set[int]) -> bool:
    """Fill ``scan`` from the worksheet bytes as _scan_sheet_xml would; False (``scan`` untouched) when the
    part is not in the plain form this reads exactly. Raises ParseError for a malformed part."""
    body = data[3:] if data.startswith(b"\xef\xbb\xbf") else data
    if b"\x00" in body:  # UTF-16 (or garbage): leave it to ElementTree
        return False
    if body.startswith(b"<?"):
        decl = _XML_DECL_RE.match(body)
        if decl is None:
            return False
        enc = _DECL_ENCODING_RE.search(decl.group())
        if enc is not None and enc.group(1).lower() not in (b"utf-8", b"utf8"):
            return False
        rest = body[decl.end() :]
    else:
        rest = body
    if b"<?" in rest or b"<!" in rest:
        return False
    prefixed = _PREFIXED_TAG_RE.search(rest) is not None
    if (_PREFIXED_ODD_ROW_RE if prefixed else _ODD_ROW_RE).search(rest):
        return False
    _well_formed(data)
    cells = (_PREFIXED_CELL_RE if prefixed else _CELL_RE).findall(data)
    rows: set[bytes] = set()
    cols: set[bytes] = set()
    formulas: dict[tuple[int, int], str] = {}
    percents: set[tuple[int, int]] = set()
    attr_cache: dict[bytes, dict[bytes, bytes]] = {}
    for col, row, attrs, f, v, inline, other in cells:
        if not (f or v or inline):
            if other:  # a <c> this does not read exactly
                return False
            continue
        rows.add(row)
        cols.add(col)
        if not (f or (v and pct_styles)):
            continue
        a = attr_cache.get(attrs)
        if a is None:
            a = attr_cache[attrs] = dict(_ATTR_RE.findall(attrs))
        pos = (int(row) - 1, _col_index(col))
        # no <v>, or an empty <v/> on a non-string cell (openpyxl writes that): never calculated
        if f and (not v or ((v.endswith(b"/>") or b"></" in v) and a.get(b"t") not in (b"str", b"s", b"inlineStr"))):
            end = f.rfind(b"</")
            text = _xml_text(f[f.index(b">") + 1 : end]).strip() if end > 0 else ""
            formulas[pos] = "=" + text if text else "（共享公式）"
        elif v and pct_styles and a.get(b"t", b"n") == b"n" and int(a.get(b"s", b"0").decode() or 0) in pct_styles:
            percents.add(pos)
    if rows:
        r_ = [int(r) - 1 for r in rows]
        c_ = [_col_index(c) for c in cols]
        scan.bbox = [min(r_), max(r_), min(c_), max(c_)]
    scan.formulas.update(formulas)
    scan.percents.update(percents)
    return True


def _scan_sheet_xml(fh, scan: _SheetScan, pct_styles: set[int]) -> None:
    row, col = -1, -1
    with fh:
        for event, el in ElementTree.iterparse(fh, events=("start", "end")):
            tag = _local(el.tag)
            if event == "start":
                if tag == "row":
                    r = el.get("r")
                    row = int(r) - 1 if r and r.isdigit() else row + 1
                    col = -1
                continue
            if tag == "c":
                ref = el.get("r")
                pos = _parse_ref(ref) if ref else None
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
        # calamine gives "" for an empty cell; the grid has None (a row without one is kept as it is)
        rows_ = (
            [[None if v == "" else v for v in r] if "" in r else r for r in sheet.to_python(skip_empty_area=True)]
            if start
            else []
        )
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


class _Cfb:
    """Just enough of the Compound File Binary format to list streams and read one (no external library)."""

    def __init__(self, data: bytes):
        if len(data) < 512 or data[:8] != OLE_MAGIC:
            raise ValueError("not OLE2")
        self.data = data
        shift, mini_shift = struct.unpack_from("<HH", data, 30)
        if shift not in (9, 12) or mini_shift != 6:
            raise ValueError("bad sector size")
        self.ssize = 1 << shift
        self.msize = 1 << mini_shift
        n_fat, first_dir = struct.unpack_from("<II", data, 44)
        self.cutoff, first_minifat, n_minifat, first_difat, n_difat = struct.unpack_from("<IIIII", data, 56)
        self.n_sectors = max((len(data) - 512) // self.ssize, 0)
        per = self.ssize // 4
        fat_ids = [x for x in struct.unpack_from("<109I", data, 76) if x < 0xFFFFFFFA]
        seen: set[int] = set()
        while first_difat < 0xFFFFFFFA and n_difat > 0 and first_difat not in seen and len(seen) <= self.n_sectors:
            seen.add(first_difat)
            ids = struct.unpack_from(f"<{per}I", data, self._offset(first_difat))
            fat_ids += [x for x in ids[:-1] if x < 0xFFFFFFFA]
            first_difat, n_difat = ids[-1], n_difat - 1
        self.fat: list[int] = []
        for sector in fat_ids[: n_fat or len(fat_ids)]:
            self.fat.extend(struct.unpack_from(f"<{per}I", data, self._offset(sector)))
        self.entries: dict[str, tuple[int, int, int]] = {}  # name → (type, start, size)
        directory = self._chain_bytes(first_dir)
        root = None
        for e in range(0, len(directory) - 127, 128):
            entry = directory[e : e + 128]
            name_len, typ = struct.unpack_from("<HB", entry, 64)
            if typ not in (1, 2, 5) or not 2 <= name_len <= 64:
                continue
            name = entry[: name_len - 2].decode("utf-16-le", errors="replace")
            start, size = struct.unpack_from("<IQ", entry, 116)
            if typ == 5:
                root = (start, size)
            else:
                self.entries.setdefault(name, (typ, start, size))
        self._root = root
        self._first_minifat = first_minifat
        self._mini_stream: bytes | None = None
        self._minifat: list[int] | None = None

    def _offset(self, sector: int) -> int:
        off = self.ssize * (sector + 1)
        if off + self.ssize > len(self.data):
            raise ValueError("sector out of range")
        return off

    def _chain(self, start: int, table: list[int], limit: int) -> list[int]:
        out, seen, cur = [], set(), start
        while cur < 0xFFFFFFFA:
            if cur in seen or cur >= len(table) or len(out) > limit:
                raise ValueError("bad chain")
            seen.add(cur)
            out.append(cur)
            cur = table[cur]
        return out

    def _chain_bytes(self, start: int) -> bytes:
        sectors = self._chain(start, self.fat, self.n_sectors)
        return b"".join(self.data[self._offset(s) : self._offset(s) + self.ssize] for s in sectors)

    def read(self, name: str) -> bytes:
        typ, start, size = self.entries[name]
        if size >= self.cutoff:
            return self._chain_bytes(start)[:size]
        if self._mini_stream is None:
            if self._root is None:
                raise ValueError("no root entry")
            self._mini_stream = self._chain_bytes(self._root[0])[: self._root[1]]
            raw = self._chain_bytes(self._first_minifat) if self._first_minifat < 0xFFFFFFFA else b""
            self._minifat = list(struct.unpack(f"<{len(raw) // 4}I", raw))
        sectors = self._chain(start, self._minifat or [], len(self._mini_stream) // self.msize + 1)
        out = b"".join(self._mini_stream[s * self.msize : (s + 1) * self.msize] for s in sectors)
        return out[:size]


def ole_stream_names(data: bytes) -> set[str] | None:
    """Names of the streams in an OLE2 container (enough to tell .xls from an encrypted file); None if malformed."""
    try:
        return set(_Cfb(data).entries)
    except (struct.error, IndexError, ValueError):
        return None


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
    names = ole_stream_names(data)
    if names is None:
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
        too_large = _biff_too_large(_Cfb(data).read("Workbook"))
    except (struct.error, IndexError, ValueError, KeyError):
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
