"""Turn uploaded bytes into cell grids, refusing anything unsafe or unreadable (no Django import).

Format is decided by the content, never the file name: ZIP → .xlsx/.xlsm (checked for zip bombs from the
central directory before anything is inflated), OLE2 → .xls or an encrypted Office file (read with
olefile), text → CSV (UTF-8 with/without BOM, GB18030, UTF-16). Cell values come from python-calamine,
which reads the cached values and never runs formulas or VBA macros. Every XML part of an .xlsx is parsed
with defusedxml first, so a DTD anywhere in any part is refused; the worksheets are read cell by cell on
the way, exactly where calamine will place the cells, to find the bounding box calamine will allocate, the
formula and error cells it reports as empty, cells written twice, numbers a float reads as 0, and
percent-formatted cells (stored as 0.125, shown as 12.5%).
"""

from __future__ import annotations

import codecs
import csv
import io
import os
import re
import string
import struct
import zipfile
import zlib
from array import array
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from xml.etree.ElementTree import ParseError

import olefile
import python_calamine
from defusedxml import DefusedXmlException
from defusedxml.ElementTree import DefusedXMLParser
from defusedxml.ElementTree import parse as parse_xml
from openpyxl.utils.cell import column_index_from_string, get_column_letter

from .results import Issue, clip

__all__ = ["CellError", "Formula", "Grid", "ReadResult", "read_upload"]

MAX_ZIP_ENTRIES = 10_000
MAX_ENTRY_RATIO = 200  # uncompressed : compressed, for entries above RATIO_MIN_SIZE
RATIO_MIN_SIZE = 1 << 20
MAX_SHEET_CELLS = 1_000_000  # calamine allocates first-to-last-cell rectangles
MAX_MERGED_CELLS = 200_000

OLE_MAGIC = bytes.fromhex("D0CF11E0A1B11AE1")
STRUCTURE = "工作簿结构异常，无法安全读取；请在 Excel 中另存为 .xlsx 后重新上传"
UNREAD = "工作表结构异常，无法读取；请在 Excel 中另存为 .xlsx 后重新上传"  # a sheet the scan did not find

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


@dataclass(frozen=True)
class CellError:
    """An Excel error value such as #DIV/0! or #N/A (calamine gives these cells as empty)."""

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
    kind: str  # xlsx | xls | csv | docx
    grids: list[Grid]
    errors: list[Issue]
    warnings: list[Issue]
    text: str = ""  # the decoded text of a text file or the paragraphs of a .docx (a bulletin, maybe)


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
            return _fail(f'压缩包内 "{clip(i.filename)}" 的压缩比 {ratio}:1 异常，疑似压缩炸弹，已拒绝')
    # calamine finds a part by its name ignoring ASCII case and never unescapes a relationship's Target: two
    # names that differ only in case, or a name with "&", would let it read another part than the scan
    parts = {_fold(i.filename): i.filename for i in infos}
    if len(parts) < len(infos) or any("&" in name for name in parts):
        return _fail(STRUCTURE)
    if "xl/workbook.bin" in parts:
        return _fail("不支持 .xlsb（二进制工作簿）格式，请在 Excel 中另存为 .xlsx 后重新上传")
    if "content.xml" in parts:
        return _fail("不支持 OpenDocument（.ods）格式，请另存为 .xlsx 后重新上传")
    if "word/document.xml" in parts:
        return _read_docx(zf, parts["word/document.xml"])
    if any(n.startswith("ppt/") for n in parts):
        return _fail("文件是 PowerPoint 演示文稿，不是电子表格；请上传 .xlsx 或 .csv 文件")
    if "xl/workbook.xml" not in parts:
        return _fail("文件不是 Excel 工作簿（压缩包中没有 workbook.xml）；请上传 .xlsx 或 .csv 文件")
    warnings: list[Issue] = []
    if any(n.endswith("vbaproject.bin") for n in parts):
        # calamine only reads cell values; it has no VBA engine, so macros are never run
        warnings.append(Issue("", "", "文件包含宏（VBA 代码）：宏不会被执行，只读取单元格中的数值"))
    try:
        scan, parsed = _scan_xlsx(zf, parts)
        for name in sorted(_xml_parts(zf, set(parts.values())) - parsed):
            _check_xml(zf, name)
    except _Refused as exc:
        return ReadResult("", [], [exc.issue], warnings)
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


_W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
_DOCX_TEXT = {f"{_W}t", f"{_W}tab"}


def _read_docx(zf: zipfile.ZipFile, path: str) -> ReadResult:
    """A Word file's paragraphs as lines of text (a statistical bulletin): the main part only, parsed with defusedxml
    after the same zip checks as a workbook; tables' cells come out as their paragraphs."""
    try:
        root = _xml_root(zf, path)
    except DefusedXmlException:
        return _fail("文件包含不允许的 XML 声明（DOCTYPE），已拒绝")
    except _ZIP_ERRORS:
        return _fail("文件已损坏或不完整，无法作为 Word 文件读取")
    lines = []
    for paragraph in root.iter(f"{_W}p"):
        parts = [(el.text or "") if el.tag == f"{_W}t" else "\t" for el in paragraph.iter() if el.tag in _DOCX_TEXT]
        lines.append("".join(parts))
    return ReadResult("docx", [], [], [], "\n".join(lines))


class _Refused(Exception):
    """Raised while the workbook is scanned: the file is refused for ``issue``."""

    def __init__(self, message: str, sheet: str = "", cell: str = ""):
        super().__init__(message)
        self.issue = Issue(sheet, cell, message)


_ASCII_LOWER = str.maketrans(string.ascii_uppercase, string.ascii_lowercase)


def _fold(name: str) -> str:
    """A part name as calamine compares it (ASCII case ignored)."""
    return name.translate(_ASCII_LOWER)


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


@dataclass
class _SheetScan:
    name: str
    cells: dict[tuple[int, int], object] = field(default_factory=dict)  # what replaces calamine's value there
    percents: set[tuple[int, int]] = field(default_factory=set)
    bbox: list[int] | None = None  # [min_row, max_row, min_col, max_col] of cells with a value or formula
    problem: Issue | None = None  # why calamine must not load the sheet; until it is scanned, that it was not


_QUOTED_RE = re.compile(r'"[^"]*"|\[[^\]]*\]|\\.')


def _percent_styles(zf: zipfile.ZipFile, styles_path: str | None) -> set[int]:
    if not styles_path:
        return set()
    root = _xml_root(zf, styles_path)
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


def _scan_xlsx(zf: zipfile.ZipFile, parts: dict[str, str]) -> tuple[dict[str, _SheetScan], set[str]]:
    """Scan every sheet of the workbook exactly as calamine resolves it, and return the scans by sheet name with
    the parts read on the way. calamine reads xl/workbook.xml and xl/_rels/workbook.xml.rels whatever
    _rels/.rels or [Content_Types].xml say; a sheet's part is the Target of the relationship its last attribute
    named id (any prefix) refers to, "xl/" + Target unless Target starts with "/"; of two sheets of one name it
    loads the first. Two sheets of one name, or two relationships of one Id, are refused."""
    rels_path = parts.get("xl/_rels/workbook.xml.rels")
    if rels_path is None:
        raise _Refused(STRUCTURE)
    targets: dict[str, str] = {}
    for rel in _xml_root(zf, rels_path).iter():
        if _local(rel.tag) == "Relationship":
            if rel.get("Id", "") in targets:
                raise _Refused(STRUCTURE)
            targets[rel.get("Id", "")] = rel.get("Target", "")
    styles_path = parts.get("xl/styles.xml")
    pct_styles = _percent_styles(zf, styles_path)
    workbook_path = parts["xl/workbook.xml"]
    parsed = {workbook_path, rels_path, styles_path}
    out: dict[str, _SheetScan] = {}
    for el in _xml_root(zf, workbook_path).iter():
        if _local(el.tag) != "sheet":
            continue
        name = el.get("name", "")
        if name in out:
            raise _Refused(f'工作表名称 "{clip(name)}" 重复出现，无法确定读取哪一个，已拒绝')
        scan = out[name] = _SheetScan(name, problem=Issue(name, "", UNREAD))
        ids = [value for key, value in el.attrib.items() if _local(key) == "id"]
        target = targets.get(ids[-1]) if ids else None
        if target is None:
            continue
        path = parts.get(_fold(target[1:] if target.startswith("/") else "xl/" + target))
        if path is not None:
            _scan_sheet(zf, path, scan, pct_styles)
            parsed.add(path)
    return out, parsed


def _scan_sheet(zf: zipfile.ZipFile, path: str, scan: _SheetScan, pct_styles: set[int]) -> None:
    """Read a worksheet cell by cell where calamine places them (see _SheetReader), through defusedxml's expat
    parser; nothing of the tree is kept (a million styled empty rows cost time, not memory)."""
    parser = DefusedXMLParser(target=object(), forbid_dtd=True)
    reader = _SheetReader(scan, pct_styles)
    # defusedxml's handlers refuse a DTD or an entity; ours replace ElementTree's, which would build Elements
    expat = parser.parser
    expat.StartElementHandler, expat.EndElementHandler = reader.start, reader.end
    expat.CharacterDataHandler = reader.data
    with zf.open(path) as fh:
        while chunk := fh.read(1 << 20):
            parser.feed(chunk)
    parser.close()
    reader.finish()


_BEFORE, _INSIDE, _AFTER = range(3)  # where the reader is: before, inside or after the first sheetData
_LOCAL: dict[str, str] = {}  # "{namespace}c" → "c" (expat hands the same name objects over and over)


def _local_name(name: str) -> str:
    local = _LOCAL.get(name)
    if local is None:
        local = _LOCAL[name] = name[name.rfind("}") + 1 :]
    return local


def _attr(attrs: list[str], key: str) -> str | None:
    """An attribute from expat's [name, value, name, value…] list, by its exact (unprefixed) name."""
    for i in range(0, len(attrs), 2):
        if attrs[i] == key:
            return attrs[i + 1]
    return None


class _SheetReader:
    """Expat handlers that place cells as calamine does: only inside the first sheetData (elements by local name,
    attributes by their exact unprefixed name); a row's r sets the row, its end moves to the next row and
    column A; a cell's r sets the column (letters in any case), a cell without r takes the column after the
    last; only a cell's own <v>, <f> and <is> are read. A cell's r is read when the cell has content or a
    cell after it has no r, so a million empty styled cells cost little."""

    def __init__(self, scan: _SheetScan, pct_styles: set[int]):
        self.scan, self.pct_styles = scan, pct_styles
        self.where = _BEFORE
        self.depth = 0
        self.row = 0
        self.col: int | None = 0  # None: the column after the one last_r names
        self.last_r = ""
        self.cell_depth = 0  # of the open <c>, 0 when none is open
        self.cell_attrs: list[str] = []  # expat's [name, value…] of the open <c>
        self.children: dict[str, str] = {}  # what the open <c> holds: "v"/"f" → text, "is" → ""
        self.text: list[str] | None = None  # the text of the <v> or <f> being read
        self.order = array("q")  # positions of the cells with content, as row * 16384 + column

    def start(self, name: str, attrs: list[str]) -> None:
        self.depth += 1
        if self.where != _INSIDE:
            if self.where == _BEFORE and _local_name(name) == "sheetData":
                self.where = _INSIDE
            return
        tag = _LOCAL.get(name) or _local_name(name)
        if self.cell_depth:
            if self.depth == self.cell_depth + 1 and tag in ("v", "f", "is"):
                self.children[tag] = ""
                self.text = [] if tag != "is" else None
        elif tag == "c":
            self.cell_depth, self.cell_attrs = self.depth, attrs
            if self.children:
                self.children = {}
        elif tag == "row":
            r = _attr(attrs, "r")
            if r is not None:
                self.row = int(r) - 1 if r.isdigit() and 0 < int(r) <= 1_048_576 else self._ref(r)[0]

    def data(self, text: str) -> None:
        if self.text is not None:
            self.text.append(text)

    def end(self, name: str) -> None:
        depth, self.depth = self.depth, self.depth - 1
        if self.where != _INSIDE:
            return
        if depth == self.cell_depth:
            self.cell_depth = 0
            attrs = self.cell_attrs
            r = attrs[1] if attrs and attrs[0] == "r" else _attr(attrs, "r")  # Excel writes r first
            if r is not None and not self.children:  # an empty styled cell: read its r only if needed
                self.last_r, self.col = r, None
            else:
                self._place(r)
        elif self.cell_depth:
            if depth == self.cell_depth + 1 and self.text is not None:
                self.children[_local_name(name)] = "".join(self.text)
                self.text = None
        else:
            tag = _LOCAL.get(name) or _local_name(name)
            if tag == "row":
                self.row, self.col = self.row + 1, 0
            elif tag == "sheetData":
                self.where = _AFTER

    def _ref(self, text: str, column: bool = False) -> tuple[int, int | None]:
        return _calamine_ref(text, self.scan.name, column=column)

    def _place(self, r: str | None) -> None:
        if r is not None:
            pos = self._ref(r, column=True)
        else:
            if self.col is None:
                self.col = self._ref(self.last_r, column=True)[1] + 1
            pos = (self.row, self.col)
        self.col = pos[1] + 1
        if self.children:
            _note_cell(self.scan, pos, self.cell_attrs, self.children, self.pct_styles, self.order)

    def finish(self) -> None:
        """The sheet's problem: a bounding box over MAX_SHEET_CELLS (calamine allocates the whole rectangle),
        or a cell written twice (calamine keeps the last), named; else None."""
        scan, order = self.scan, self.order
        scan.problem = None
        if scan.bbox is not None:
            rows, cols = scan.bbox[1] - scan.bbox[0] + 1, scan.bbox[3] - scan.bbox[2] + 1
            if rows * cols > MAX_SHEET_CELLS:
                scan.problem = Issue(scan.name, "", f"工作表范围过大（{rows} 行 × {cols} 列），已拒绝")
                return
        if all(order[i] < order[i + 1] for i in range(len(order) - 1)):
            return  # written in order, as Excel writes
        seen = sorted(order)
        twice = next((a for a, b in zip(seen, seen[1:], strict=False) if a == b), None)
        if twice is not None:
            cell = f"{get_column_letter(twice % 16_384 + 1)}{twice // 16_384 + 1}"
            scan.problem = Issue(scan.name, cell, f"单元格 {cell} 写了两次（值可能不同），无法确定取哪一个，已拒绝")


def _note_cell(
    scan: _SheetScan, pos: tuple[int, int], attrs: list[str], children: dict[str, str], pct_styles: set[int], order
) -> None:
    """Widen the bounding box to a cell with content and note what calamine would not give as read."""
    r, c = pos
    b = scan.bbox
    if b is None:
        scan.bbox = [r, r, c, c]
    else:
        b[0], b[1], b[2], b[3] = min(b[0], r), max(b[1], r), min(b[2], c), max(b[3], c)
    order.append(r * 16_384 + c)
    t, formula, value = _attr(attrs, "t"), children.get("f"), children.get("v")
    # no <v>, or an empty <v/> on a non-string cell (openpyxl writes that): never calculated
    if formula is not None and (value is None or (not value and t not in ("str", "s", "inlineStr"))):
        formula = formula.strip()
        scan.cells[pos] = Formula("=" + formula if formula else "（共享公式）")
    elif t == "e" and value:
        scan.cells[pos] = CellError(value.strip())
    elif value is not None and t in (None, "n"):
        if "e" in value.lower() and _underflows(value):
            scan.cells[pos] = value.strip()  # read as the text it is, which refuses it
        elif pct_styles and int(_attr(attrs, "s") or 0) in pct_styles:
            scan.percents.add(pos)


def _underflows(text: str) -> bool:
    """True for a number that is not 0 but that a float reads as 0 ("1e-400")."""
    try:
        return float(text) == 0 and Decimal(text) != 0
    except (ValueError, InvalidOperation):
        return False


_REF_RE = re.compile(r"([A-Za-z]{0,3})([0-9]{1,7})")


def _calamine_ref(text: str, sheet: str, *, column: bool = False) -> tuple[int, int | None]:
    """ "B7" → (6, 1) (zero-based), read as calamine reads an r attribute: letters in any case, ignored for a
    row. A reference calamine would misplace or Excel cannot hold refuses the file."""
    m = _REF_RE.fullmatch(text)
    row = int(m[2]) - 1 if m else -1
    col = column_index_from_string(m[1].upper()) - 1 if m and m[1] else None
    if not 0 <= row < 1_048_576 or (column and (col is None or col >= 16_384)):
        raise _Refused(f'工作表结构异常（单元格地址 "{clip(text)}" 无效），已拒绝', sheet)
    return row, col


def _percent_text(value) -> str:
    d = Decimal(repr(float(value))) * 100
    text = format(d.normalize(), "f")
    return text + "%"


def _grids_from_calamine(wb, scan: dict[str, _SheetScan] | None, warnings: list[Issue]) -> ReadResult:
    """Load the visible worksheets. For .xlsx, ``scan`` (from the XML) must have read every visible sheet and
    found no problem with it (a bounding box too large, a cell written twice) before calamine loads it."""
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
        if scan is not None and (info is None or info.problem is not None):
            errors.append(info.problem if info is not None else Issue(meta.name, "", UNREAD))
            continue
        sheet = wb.get_sheet_by_name(meta.name)
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
            for (r, c), value in info.cells.items():
                _put(grid, r, c, value)
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


def _biff_records(stream: bytes, pos: int):
    """(type, body) of each BIFF record from ``pos`` on."""
    while pos + 4 <= len(stream):
        typ, length = struct.unpack_from("<HH", stream, pos)
        yield typ, stream[pos + 4 : pos + 4 + length]
        pos += 4 + length


def _biff_too_large(stream: bytes) -> tuple[int, int] | None:
    """(rows, cols) of the first sheet calamine would allocate more than MAX_SHEET_CELLS cells for, else None.

    calamine reads every sheet as it opens an .xls, each from the offset its BOUNDSHEET record gives: it
    reserves room for what the sheet's DIMENSIONS record claims, then the rectangle between the first and the
    last cell; two cells far apart, or a claim of 4 billion rows, would abort the process. This walks the same
    records first (BLANK cells do not count: calamine skips them). A shared-string table claiming more
    strings than the stream has bytes raises ValueError (calamine would reserve room for them all).
    """
    offsets = []
    for typ, body in _biff_records(stream, 0):
        if typ == 0x000A:  # EOF of the workbook globals
            break
        if typ == 0x0085 and len(body) >= 4:  # BOUNDSHEET
            offsets.append(struct.unpack_from("<I", body)[0])
        elif typ == 0x00FC and len(body) >= 8 and not 0 <= struct.unpack_from("<i", body, 4)[0] <= len(stream):
            raise ValueError("shared-string table larger than the file")
    for start in offsets:
        if start >= len(stream):
            raise ValueError("sheet beyond the stream")
        bbox = None
        for typ, body in _biff_records(stream, start):
            if typ == 0x000A:
                break
            if typ == 0x0200 and len(body) in (10, 14):  # DIMENSIONS: calamine's u32 arithmetic wraps
                rf, rl, cf, cl = struct.unpack_from("<HHHH" if len(body) == 10 else "<IIHH", body)
                rows, cols = ((rl - rf) % 2**32, (cl - cf) % 2**32) if rl and cl else (1, 1)
                if rows * cols > MAX_SHEET_CELLS:
                    return rows, cols
            elif (typ in _BIFF_CELL_RECORDS or typ == _BIFF_MULRK) and len(body) >= 6:
                row, col = struct.unpack_from("<HH", body)
                col_last = struct.unpack_from("<H", body, len(body) - 2)[0] if typ == _BIFF_MULRK else col
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
        entries = [path[-1] for path in ole.listdir(streams=True, storages=True)]
    except Exception:  # olefile raises OSError and, on some malformed containers, plain errors
        return _fail("文件已损坏或不完整，无法作为 Excel 文件读取")
    names = set(entries)
    if sum(name.lower() in ("workbook", "book") for name in entries) > 1:  # which would calamine read?
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
        candidates = [_utf16_without_bom(data), "utf-8", "gb18030"]
    for enc in filter(None, candidates):
        try:
            return data.decode(enc)
        except UnicodeDecodeError:
            continue
    return None


def _utf16_without_bom(data: bytes) -> str | None:
    """ "utf-16-le"/"-be" when NUL bytes sit mostly at odd/even offsets (the high bytes of ASCII characters in
    UTF-16: digits, commas, line breaks), else None. UTF-8 and GB18030 text has no NUL at all."""
    head = data[:4096]
    even, odd = head[0::2].count(0), head[1::2].count(0)
    if odd > len(head) // 20 and odd > 4 * even:
        return "utf-16-le"
    if even > len(head) // 20 and even > 4 * odd:
        return "utf-16-be"
    return None


def _looks_binary(text: str) -> bool:
    sample = text[:20000]
    if "\x00" in sample:
        return True
    control = sum(1 for ch in sample if ord(ch) < 32 and ch not in "\t\r\n\x0c")
    return control > max(2, len(sample) // 200)


_FIRST_LINE_RE = re.compile(r"([^\r\n]*)(?:\r\n|\r|\n)?")


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
    first = _FIRST_LINE_RE.match(text)
    if first[1].strip().lower().startswith("sep=") and len(first[1].strip()) == 5:
        delimiter = first[1].strip()[4]
        text = text[first.end() :]
    else:
        head = next((ln for ln in text[:65536].splitlines() if ln.strip()), "")
        delimiter = max((",", "\t", ";", "|"), key=lambda d: head.count(d))
        if head.count(delimiter) == 0:
            delimiter = ","
    shared: dict[str, str] = {}  # one object per distinct cell text: a long CSV repeats its names and units
    try:
        reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
        rows = [[shared.setdefault(cell, cell) if cell.strip() else None for cell in row] for row in reader]
    except csv.Error:
        return _fail("CSV 文件格式错误，无法读取")
    name = os.path.basename(filename or "") or "CSV"
    return ReadResult("csv", [Grid(name, rows)], [], [], text)
