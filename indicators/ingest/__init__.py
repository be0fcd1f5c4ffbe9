"""Spreadsheet ingestion core: parse and validate uploaded statistics. Pure Python, no Django import.

API (what the Django side calls)
================================

The Django side builds a catalog from the database and calls :func:`parse_upload`::

    from indicators.ingest import IndicatorSpec, RegionSpec, IngestCatalog, parse_upload, build_template

    catalog = IngestCatalog(indicators=[IndicatorSpec("value_added", "规模以上工业增加值", "亿元",
                                                      aliases=("规上工业增加值",)), ...],
                            regions=[RegionSpec("331127", "景宁畲族自治县", "景宁", "county"), ...],
                            current_year=2025)
    result = parse_upload(data, "景宁2023.xlsx", catalog, year=None, region_code="331127")
    if result.accepted:                    # no errors and at least one value
        for v in result.values:            # ParsedValue(region_code, indicator_code, year, value, sheet, cell, raw, raw_unit, industry)
            ...                            # value is in the indicator's canonical unit (IndicatorSpec.unit)
    else:
        messages = [str(e) for e in result.errors]     # e.g. '2023年!B7: "约12.5" 不是数值'

``parse_upload(data, filename, catalog, *, year=None, region_code=None, max_bytes=20 MiB, max_inflated_bytes=200 MiB)``
    never raises (but MemoryError: run it under :func:`indicators.ingest.sandbox.run_bounded`, as the Django
    side does, and that is reported as over the memory limit). Every problem is an :class:`Issue` (``sheet``, ``cell``, ``message`` in Chinese);
    ``str(issue)`` is ``"{sheet}!{cell}: {message}"``, or ``"{sheet}: {message}"`` for a sheet-level
    issue and just the message for a file-level one. Any error rejects the whole file: ``values`` is then
    empty and ``accepted`` False. Warnings (same value twice, an alias used after its last valid year,
    a unit assumed, a rename followed, macros ignored…) do not block.

    ``year``: the year of a one-year file. When given, a different year in the sheet name, title or a
    年份 cell is an error; series sheets (years as columns) ignore it with a warning.
    ``region_code``: the uploader's own region. Every value must belong to it or to its lineage
    (predecessors/successors, e.g. 330621 绍兴县 for 330603 柯桥区); anything else is an error. It is also
    the region of series/report sheets (their title must not name another region). Pass None for
    province-level users, who may upload any region.

``build_template(region, year, indicators, previous)`` returns the .xlsx bytes of the official template
(long form) for one region and year; ``previous`` maps indicator code → last year's value (canonical
unit), shown for reference. A filled template parses back with ``parse_upload``.

Shapes recognised (``ParseResult.shape``; several sheets of different shapes give e.g. ``"rollup+series"``)
----------------------------------------------------------------------------------------------------------
- ``template``: long form, columns 地区代码, 地区, 指标, 计量单位, 年份, 数值, 备注 (title rows above allowed);
  template, CSV and roll-up may add a 行业 column: an Industry code (C17), its name (纺织业) or a set name
  (重点传统制造业) from ``IngestCatalog.industries``; empty is the whole economy (``ParsedValue.industry`` "");
- ``csv``: the same long form as CSV (UTF-8 with/without BOM, GB18030/GBK, UTF-16; encoding detected);
- ``rollup``: one year, regions as rows and indicators as columns (units in the header, a units row, or
  a 单位：亿元 line; 绝对值/增长% sub-headers; 全省 and city rows are stored as the province/city codes);
- ``series``: one region, indicators as rows, years as columns, with a 计量单位 column;
- ``report``: one region's yearly report, columns 本年 / 上年 / 比上年增长(%); 上年 is year−1 and the growth
  column is kept only as the comparable-price growth series of indicators that have one.
See :mod:`indicators.ingest.shapes` for how detection works.

Regions and years
-----------------
A region name or code is resolved to the code *valid in that year*: 绍兴县 for 2011 → 330621; 绍兴县 for
2015 → 330603 (its successor, with a warning); 柯桥区 for 2011 → 330621 (its predecessor, with a warning).
The Django side follows lineage (successor) when it aggregates across years. Years must lie in
1949…current_year+1.

Security
--------
Size is checked first (``max_bytes``); for .xlsx the zip central directory is checked (total declared
size ≤ ``max_inflated_bytes``, per-entry compression ratio ≤ 200:1, ≤ 10 000 entries) before anything is
inflated. Every XML part (``.xml``, ``.rels``, ``.vml``, and whatever ``[Content_Types].xml`` declares
XML) is then parsed with ``defusedxml`` (the ElementTree flavour) with DTDs forbidden, so a DOCTYPE (and with it any entity declaration) anywhere in any part refuses the file, as does
a part that is not well-formed. Encrypted (password-to-open) files, PDFs, Word files, renamed text files,
.xlsb and .ods are refused with a message; the OLE2 container of a legacy .xls (or of an encrypted file) is
read with ``olefile``. Cell values are read by python-calamine, which reads cached values only and has no
formula or VBA engine: macros in .xlsm are never run (a warning says so). Formula cells without a cached
value are an error, and so are error cells (``#DIV/0!``, ``#N/A``…) and a cell written twice: they are found
while the worksheet XML is parsed, since calamine reports the first two as empty and keeps the last of the
third. Before calamine loads a sheet, the bounding box of its cells (from the XML, or the BIFF records of an
.xls) must be ≤ 1 000 000 cells: calamine allocates the whole first-to-last-cell rectangle and a 5 KB file
with cells in A1 and XFD1048576 would otherwise abort the process. The scan therefore reads the workbook
exactly as calamine does (``xl/workbook.xml`` and its relationships whatever ``_rels/.rels`` says; a sheet by
its last ``id`` attribute; part names ignoring ASCII case; cells placed inside the first ``sheetData`` by the
same rules), and refuses what could make the two read different parts: two sheets of one name, two parts
whose names differ only in case, an ``&`` in a part name, a relationship Id used twice, a cell reference Excel
cannot hold. The web and ``import_stats`` run the whole parse in a bounded child process
(:mod:`indicators.ingest.sandbox`), so whatever calamine still does costs that child only.

Numbers are read strictly (:func:`indicators.ingest.validate.parse_number`): full-width digits are folded,
but no other NFKC (``35.2①`` and ``10²`` are text), spaces inside the digits make text (``60 5``), and a
value outside 1e-15 ≤ |x| ≤ 1e15 is refused, its exponent checked before any exact arithmetic. At most 200
errors and 200 warnings are listed (then "另有 N 条…"), and a message quotes at most 60 characters of a cell.

Units
-----
:mod:`indicators.ingest.units` converts exactly (``Fraction``): 元/千元/万元/亿元/万亿元, 人/万人, 吨/万吨,
吨标准煤/万吨标准煤 (吨标煤, tce), 亩/公顷 (1 公顷 = 15 亩)/平方米, counts 台/套/个/家/件/项 (different count
words convert 1:1 with a warning), %/百分点, and ratios of these (万元/人). Excel cells formatted as a
percentage (0.125 shown as 12.5%) are read as 12.5 with unit %. A unit with no conversion is an error on
its cell; a missing unit assumes the canonical one with a warning. "—", "-", "－", "…", "/", "无" and empty
cells mean no value (never zero) and are skipped silently.
"""

from __future__ import annotations

import logging

from .catalog import CatalogIndex, IndicatorSpec, IndustrySpec, IngestCatalog, RegionSpec
from .readers import read_upload
from .results import Issue, IssueLog, ParsedValue, ParseResult
from .shapes import Options, SheetParser, is_instruction_sheet
from .template import build_template
from .units import UnitError, convert, parse_unit
from .validate import MIN_YEAR, Validator

__all__ = [
    "IndicatorSpec",
    "RegionSpec",
    "IndustrySpec",
    "IngestCatalog",
    "ParsedValue",
    "Issue",
    "ParseResult",
    "parse_upload",
    "build_template",
    "convert",
    "parse_unit",
    "UnitError",
    "DEFAULT_MAX_BYTES",
    "DEFAULT_MAX_INFLATED_BYTES",
]

DEFAULT_MAX_BYTES = 20 * 1024 * 1024
DEFAULT_MAX_INFLATED_BYTES = 200 * 1024 * 1024

logger = logging.getLogger(__name__)


def parse_upload(
    data: bytes,
    filename: str,
    catalog: IngestCatalog,
    *,
    year: int | None = None,
    region_code: str | None = None,
    max_bytes: int = DEFAULT_MAX_BYTES,
    max_inflated_bytes: int = DEFAULT_MAX_INFLATED_BYTES,
) -> ParseResult:
    """Parse and validate an uploaded spreadsheet; never raises but MemoryError (every failure is an error Issue)."""
    try:
        return _parse_upload(data, filename, catalog, year, region_code, max_bytes, max_inflated_bytes)
    except MemoryError:  # in the sandbox, over its memory limit: it says so
        raise
    except Exception:  # the contract is "never raises": a bug here must reject the file, not crash the view
        logger.exception("parse_upload failed on %r", filename)
        return ParseResult(
            filename or "", "unknown", [], [Issue("", "", "读取文件时发生内部错误，文件未导入；请联系管理员")], []
        )


def _parse_upload(data, filename, catalog, year, region_code, max_bytes, max_inflated_bytes) -> ParseResult:
    filename = filename or ""
    result = ParseResult(filename, "unknown")
    log = IssueLog()
    index = CatalogIndex(catalog)
    if year is not None and not (MIN_YEAR <= year <= catalog.current_year + 1):
        log.error("", "", f"上传时选择的年份 {year} 超出范围 {MIN_YEAR}–{catalog.current_year + 1}")
    if region_code is not None and region_code not in index.regions:
        log.error("", "", f'上传地区代码 "{region_code}" 不在地区目录中')
    if log.errors:
        return _finish(result, log, [])
    if not isinstance(data, bytes | bytearray | memoryview):
        log.error("", "", "文件为空")
        return _finish(result, log, [])
    read = read_upload(bytes(data), filename, max_bytes=max_bytes, max_inflated_bytes=max_inflated_bytes)
    for w in read.warnings:
        log.warn(w.sheet, w.cell, w.message)
    for e in read.errors:
        log.error(e.sheet, e.cell, e.message)
    if log.errors:
        return _finish(result, log, [])

    opts = Options(year=year, region_code=region_code)
    allowed = index.lineage(region_code) if region_code else None
    validator = Validator(index, log, allowed_regions=allowed, upload_region=region_code)
    shapes: list[str] = []
    recognised: list[str] = []
    unknown: list[str] = []
    for grid in read.grids:
        if is_instruction_sheet(grid.name) or grid.is_empty():
            continue
        shape = SheetParser(grid, index, opts, log, validator, csv=read.kind == "csv").parse()
        if shape is None:
            unknown.append(grid.name)
            continue
        if read.kind == "csv" and shape == "template":
            shape = "csv"
        if shape not in shapes:
            shapes.append(shape)
        recognised.append(grid.name)
    result.shape = "+".join(shapes) if shapes else "unknown"
    values = validator.values

    where = "" if read.kind == "csv" else None
    if not recognised:
        if unknown:
            for name in unknown:
                log.error(
                    where if where is not None else name,
                    "",
                    "无法识别表格格式（支持：填报模板、全省汇总表、单个地区历年表、县统计年报表、CSV 长表），"
                    "请使用系统提供的填报模板",
                )
        else:
            log.error("", "", "文件中没有数据（所有工作表都是空的）")
    else:
        for name in unknown:
            log.warn(name, "", "未识别为数据表，已忽略")
        if not values and not log.errors:
            for name in recognised:
                log.error(where if where is not None else name, "", "没有可导入的数值（数值单元格都为空）")
    return _finish(result, log, values)


def _finish(result: ParseResult, log: IssueLog, values: list[ParsedValue]) -> ParseResult:
    log.finish()
    result.errors = log.errors
    result.warnings = log.warnings
    result.values = [] if log.errors else values
    return result
