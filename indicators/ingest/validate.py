"""Cell → number, unit conversion and the checks that reject a file (no Django import)."""

from __future__ import annotations

import datetime as dt
import math
import re
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from fractions import Fraction
from itertools import chain, compress

from .catalog import CatalogIndex, IndicatorSpec, clean_text
from .readers import Formula
from .results import PARSED_COLUMNS, IssueLog, ParsedValue, ParsedValues
from .units import UnitError, conversion_factor, parse_unit

__all__ = [
    "MISSING_MARKERS",
    "Number",
    "parse_number",
    "is_missing",
    "display",
    "Candidate",
    "RollupBlock",
    "BlockColumn",
    "validate",
    "year_error",
    "MIN_YEAR",
]

MIN_YEAR = 1949

# "no value" (never zero); compared after NFKC and whitespace removal, so － is -, … is ..., ／ is /
MISSING_MARKERS = frozenset(
    {"", "-", "--", "---", "—", "——", "–", "−", "...", "......", "/", "//", "无", "空", "n/a", "na", "#n/a"}
)

_THOUSANDS_RE = re.compile(r"^[+-]?\d{1,3}(?:,\d{3})+(?:\.\d+)?%?$")
_NUMBER_RE = re.compile(r"^[+-]?(?:\d+\.?\d*|\.\d+)(?:e[+-]?\d+)?%?$", re.IGNORECASE)


@dataclass(frozen=True)
class Number:
    kind: str  # number | missing | text | formula
    value: Fraction | None
    raw: str
    percent: bool = False  # written with a % sign (or formatted as a percentage in Excel)


def display(value) -> str:
    """A cell value as the user sees it: 12345.0 → "12345", " 约12.5 " → "约12.5"."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, float):
        if math.isfinite(value) and value.is_integer() and abs(value) < 1e16:
            return str(int(value))
        return repr(value)
    if isinstance(value, dt.datetime):
        return value.isoformat(sep=" ")
    if isinstance(value, dt.date | dt.time):
        return value.isoformat()
    if isinstance(value, Formula):
        return value.text
    return str(value).strip().strip("\u3000")


def parse_number(value) -> Number:
    """Read a number cell: 12.5, "12,345.6", "１２.５", "-3", "12.5%"; "—"/"…"/"" are missing, "约12.5" is text."""
    if value is None:
        return Number("missing", None, "")
    if isinstance(value, Formula):
        return Number("formula", None, value.text)
    raw = display(value)
    if isinstance(value, bool):
        return Number("text", None, raw)
    if isinstance(value, int):
        return Number("number", Fraction(value), raw)
    if isinstance(value, float):
        if not math.isfinite(value):
            return Number("text", None, raw)
        return Number("number", Fraction(repr(value)), raw)
    if not isinstance(value, str):
        return Number("text", None, raw)
    s = clean_text(value).replace("−", "-").replace("﹣", "-")
    if s.casefold() in MISSING_MARKERS:
        return Number("missing", None, raw)
    if _THOUSANDS_RE.match(s):
        s = s.replace(",", "")
    if not _NUMBER_RE.match(s):
        return Number("text", None, raw)
    percent = s.endswith("%")
    try:
        number = Fraction(Decimal(s.rstrip("%")))
    except (InvalidOperation, ValueError, OverflowError):
        return Number("text", None, raw)
    if abs(number) > 10**15:
        return Number("text", None, raw)
    return Number("number", number, raw, percent)


def is_missing(value) -> bool:
    """``parse_number(value).kind == "missing"``, without reading the number: None, or a text that is one of
    MISSING_MARKERS. Numbers, booleans, dates and formulas are never missing."""
    if value is None:
        return True
    if not isinstance(value, str):
        return False
    return clean_text(value).replace("−", "-").replace("﹣", "-").casefold() in MISSING_MARKERS


def year_error(year: int, index: CatalogIndex) -> str | None:
    if MIN_YEAR <= year <= index.current_year + 1:
        return None
    return f"年份 {year} 超出范围 {MIN_YEAR}–{index.current_year + 1}"


@dataclass(slots=True)
class Candidate:
    """One value cell matched to a region, indicator and year by a shape parser, not yet checked."""

    sheet: str
    cell: str
    region_code: str
    region_cell: str
    spec: IndicatorSpec
    year: int
    raw: object
    unit: str | None  # as written (None: not given)
    unit_cell: str


@dataclass(slots=True)
class BlockColumn:
    """One indicator column of a roll-up sheet: its cells down the block's rows (missing ones in place)."""

    letters: str
    spec: IndicatorSpec
    year: int
    unit: str | None
    unit_cell: str
    values: Sequence  # one cell value per row of the block


@dataclass(slots=True)
class RollupBlock:
    """The value cells of one roll-up sheet, column by column: exactly the Candidates that the sheet's
    row-major loop would make (``candidates()`` makes them), kept as lists so that a clean sheet is
    checked a column at a time. Every row has at least one value that is not missing."""

    sheet: str
    numbers: list[str]  # the rows' numbers as Excel shows them ("5")
    regions: list[str]  # the rows' region codes
    region_cells: list[str]
    columns: list[BlockColumn]

    def candidates(self) -> list[Candidate]:
        out = []
        sheet, columns = self.sheet, self.columns
        for i, (number, region, region_cell) in enumerate(
            zip(self.numbers, self.regions, self.region_cells, strict=True)
        ):
            for col in columns:
                v = col.values[i]
                if not is_missing(v):
                    out.append(
                        Candidate(
                            sheet,
                            col.letters + number,
                            region,
                            region_cell,
                            col.spec,
                            col.year,
                            v,
                            col.unit,
                            col.unit_cell,
                        )
                    )
        return out


def _unit_assumed(spec: IndicatorSpec) -> str:
    return f'未注明计量单位，按指标 "{spec.name}" 的标准单位 "{spec.unit}" 处理'


def _fmt(value: float) -> str:
    return f"{value:.12g}"


def _number_texts(cells: Sequence) -> list[str]:
    """[display(v) for v in cells] for a column of finite floats and ints, a missing cell's slot ""
    (what a write of 35,000 values reads; a per-value call costs more than the rest of the column's work).

    repr() writes a float that is a whole number below 1e16 as "12345.0", and display() as "12345": cutting
    every ".0" that ends a text gives the same, except for -0.0 ("-0", display "0")."""
    if not cells:
        return []
    kinds = set(map(type, cells))
    if type(None) in kinds or str in kinds:
        return [display(v) if v is not None and not isinstance(v, str) else "" for v in cells]
    texts = ("\n".join(map(repr, cells)) + "\n").replace(".0\n", "\n").split("\n")[:-1]
    if 0.0 in cells:
        texts = ["0" if t == "-0" else t for t in texts]
    return texts


_CELL_KINDS = frozenset({float, int, type(None)})


def _clean_column(col: BlockColumn) -> tuple | None:
    """What a column of clean cells (numbers, or missing) validates to with no message but the unit
    warnings: (values in the canonical unit, one per row, a missing cell's slot holding anything; the mask
    of the rows that hold a value, or None when all do; the unit as written; the warnings). None when a
    cell, the unit or a range would give an error: the caller then goes cell by cell, so that the messages
    and their order are exactly those of the row-major loop."""
    cells = col.values
    kinds = set(map(type, cells))
    mask = None
    if not kinds <= _CELL_KINDS:
        if not kinds <= _CELL_KINDS | {str}:
            return None
        mask = [not is_missing(v) for v in cells]
        if any(type(v) is str for v in compress(cells, mask)):  # a number written as text, or not a number
            return None
    elif type(None) in kinds:
        mask = [v is not None for v in cells]
    numbers = cells if mask is None else list(compress(cells, mask))
    spec = col.spec
    if not numbers:
        return cells, mask, None, []
    total = sum(numbers)  # inf or nan when a cell is (or when the sum overflows: the cell-by-cell path decides)
    if total != total or total in (math.inf, -math.inf):
        return None
    warnings = []
    written = col.unit.strip() if isinstance(col.unit, str) and col.unit.strip() else None
    if written is None:
        warnings.append(_unit_assumed(spec))
        written = spec.unit
    try:
        factor, note = conversion_factor(written, spec.unit)
    except UnitError:
        return None
    if note:
        warnings.append(note)
    if factor == 1:
        values = cells
        low, high = min(numbers), max(numbers)
        if int in kinds or (low <= 0 <= high and any(math.copysign(1.0, v) < 0 for v in numbers if v == 0)):
            # an int becomes a float and -0.0 becomes 0.0, as in validate
            values = [v + 0.0 if type(v) is float or type(v) is int else v for v in cells]
    else:  # exact, then rounded once, as validate does; the ranges are checked on the exact values
        exact = [
            (Fraction(repr(v)) if type(v) is float else Fraction(v)) * factor
            if type(v) is float or type(v) is int
            else None
            for v in cells
        ]
        kept = [v for v in exact if v is not None]
        low, high = min(kept), max(kept)
        values = [None if v is None else float(v) for v in exact]
    if spec.growth_of is None and ((spec.is_share and not 0 <= low <= high <= 100) or (spec.nonnegative and low < 0)):
        return None
    return values, mask, written, warnings


def _validate_blocks(blocks: list[RollupBlock], log: IssueLog, allowed_regions) -> ParsedValues | None:
    """The values of clean roll-up sheets, checked column by column; None (and nothing logged) when any cell
    needs the cell-by-cell path: an error, or a key that appears twice."""
    keys = set()
    checked = []
    for block in blocks:
        regions = set(block.regions)
        if len(regions) != len(block.regions) or (allowed_regions is not None and not regions <= allowed_regions):
            return None
        cols = []
        for col in block.columns:
            key = (col.spec.code, col.year)
            if key in keys:
                return None
            keys.add(key)
            clean = _clean_column(col)
            if clean is None:
                return None
            cols.append(clean)
        checked.append(cols)
    # the unit warnings, in the order the row-major loop logs them: once per column, at its first value, on
    # the unit's cell; a column with no unit cell has them on each of its values (validate's cell = c.cell)
    events = []
    for b, (block, cols) in enumerate(zip(blocks, checked, strict=True)):
        for c, (col, (_, mask, _, warnings)) in enumerate(zip(block.columns, cols, strict=True)):
            if not warnings:
                continue
            rows = range(len(block.numbers)) if mask is None else [i for i, keep in enumerate(mask) if keep]
            for i in rows if not col.unit_cell else rows[:1]:
                events.append(((b, i, c), block.sheet, col.unit_cell or col.letters + block.numbers[i], warnings))
    for _, sheet, unit_cell, warnings in sorted(events, key=lambda e: e[0]):
        for message in warnings:
            log.warn(sheet, unit_cell, message)
    parts = [_block_values(block, cols) for block, cols in zip(blocks, checked, strict=True)]
    # every row of a block has a value; a column may have none
    filled = [
        col
        for block, cols in zip(blocks, checked, strict=True)
        for col, (_, mask, _, _) in zip(block.columns, cols, strict=True)
        if mask is None or True in mask
    ]
    distinct = {
        "region_code": frozenset(chain.from_iterable(block.regions for block in blocks)),
        "indicator_code": frozenset(col.spec.code for col in filled),
        "year": frozenset(col.year for col in filled),
    }
    # the columns are made when first read: a dry run reads none of them (it needs the count and the
    # distinct keys, known already, when nothing is on file for those keys)
    return ParsedValues(
        length=sum(count for count, _ in parts),
        distinct=distinct,
        **{
            name: (lambda name=name: list(chain.from_iterable(make[name]() for _, make in parts)))
            for name in PARSED_COLUMNS
        },
    )


def _block_values(block: RollupBlock, cols) -> tuple[int, dict]:
    """A block's values in row-major order, the order the cell-by-cell path gives them: how many, and per
    ParsedValue field a function that makes an iterable of them. Everything is laid out for every (row,
    column) slot, then the slots of missing cells are dropped with one mask."""
    columns = block.columns
    n_rows, width = len(block.regions), len(columns)
    masks = [mask for _, mask, _, _ in cols]
    if all(m is None for m in masks):
        keep = None
    else:
        every = [True] * n_rows
        keep = list(chain.from_iterable(zip(*(every if m is None else m for m in masks), strict=True)))

    def kept(slots):
        return slots if keep is None else compress(slots, keep)

    def row_major(per_column):  # one list per column, one item per row
        return kept(chain.from_iterable(zip(*per_column, strict=True)))

    def per_row(items):  # one item per row, the same for each column
        return row_major([items] * width)

    def per_column(items):  # one item per column, the same on each row
        return kept(items * n_rows)

    letters = [col.letters for col in columns]

    def cells():
        return kept([letter + number for number in block.numbers for letter in letters])

    def raws():
        return row_major([_number_texts(col.values) for col in columns])

    count = n_rows * width if keep is None else sum(keep)
    return count, {
        "region_code": lambda: per_row(block.regions),
        "indicator_code": lambda: per_column([col.spec.code for col in columns]),
        "year": lambda: per_column([col.year for col in columns]),
        "value": lambda: row_major([values for values, _, _, _ in cols]),
        "sheet": lambda: per_column([block.sheet] * width),
        "cell": cells,
        "raw": raws,
        "raw_unit": lambda: per_column([written for _, _, written, _ in cols]),
    }


def validate(
    candidates: list[Candidate],
    index: CatalogIndex,
    log: IssueLog,
    *,
    allowed_regions: set[str] | None = None,
    upload_region: str | None = None,
) -> list[ParsedValue]:
    """Convert and check every candidate; problems go to ``log``. Returns the values (valid ones only).

    ``candidates`` may hold RollupBlocks (a roll-up sheet's cells, column by column). When every item is
    one and every cell is clean, the columns are checked as columns; otherwise the blocks are expanded into
    their Candidates in place and every cell goes through the loop below, with the same messages in the
    same order as if the sheets had given Candidates."""
    if any(type(c) is RollupBlock for c in candidates):
        if all(type(c) is RollupBlock for c in candidates):
            fast = _validate_blocks(candidates, log, allowed_regions)
            if fast is not None:
                return fast
        candidates = list(chain.from_iterable(c.candidates() if type(c) is RollupBlock else (c,) for c in candidates))
    out: list[ParsedValue] = []
    seen: dict[tuple[str, str, int], tuple[str, str, Fraction | float | int]] = {}
    factors: dict[tuple[str, str], tuple[Fraction, str | None, bool]] = {}  # (written, canonical) → factor, note, is 1
    for c in candidates:
        raw = c.raw
        kind = type(raw)
        if kind is float or kind is int:
            # fast path for what calamine gives: a number needs no parsing, and (below) no Fraction unless its
            # unit needs a conversion. Same results as parse_number: display() inlined, non-finite is text.
            if kind is float:
                if not math.isfinite(raw):
                    log.error(c.sheet, c.cell, f'"{display(raw)}" 不是数值')
                    continue
                text = str(int(raw)) if raw.is_integer() and -1e16 < raw < 1e16 else repr(raw)
            else:
                text = str(raw)
            exact = None
            percent = False
        else:
            num = parse_number(raw)
            if num.kind == "missing":
                continue
            if num.kind == "formula":
                log.error(c.sheet, c.cell, f'公式 "{num.raw}" 没有计算结果，请用 Excel 打开并保存后重新上传')
                continue
            if num.kind == "text":
                log.error(c.sheet, c.cell, f'"{num.raw}" 不是数值')
                continue
            text, exact, percent = num.raw, num.value, num.percent
        spec = c.spec
        written = c.unit.strip() if isinstance(c.unit, str) and c.unit.strip() else None
        unit_cell = c.unit_cell or c.cell
        if percent:
            if written is None:
                written = "%"
            elif getattr(parse_unit(written), "family", None) != "percent":
                log.error(c.sheet, c.cell, f'"{text}" 带百分号，但计量单位是 "{written}"')
                continue
        if written is None:
            log.warn(c.sheet, unit_cell, _unit_assumed(spec))
            written = spec.unit
        conv = factors.get((written, spec.unit))
        if conv is None:
            try:
                factor, note = conversion_factor(written, spec.unit)
            except UnitError:
                if parse_unit(written) is None:
                    log.error(c.sheet, unit_cell, f'计量单位 "{written}" 无法识别')
                else:
                    log.error(
                        c.sheet, unit_cell, f'计量单位 "{written}" 无法换算为指标 "{spec.name}" 的单位 "{spec.unit}"'
                    )
                continue
            conv = factors[(written, spec.unit)] = (factor, note, factor == 1)
        factor, note, unchanged = conv
        if exact is not None:
            value = exact if unchanged else exact * factor
        elif unchanged:
            # float(Fraction(repr(x))) == x for a finite float; + 0.0 turns -0.0 into 0.0 as Fraction would.
            # Comparisons below agree too: 0 and 100 are floats, and rounding to the nearest float is monotonic.
            value = raw + 0.0 if kind is float else raw
        else:  # a real conversion: exact, then rounded once (12345 万元 → 1.2345 亿元, not 1.2345000000000002)
            value = (Fraction(repr(raw)) if kind is float else Fraction(raw)) * factor
        if note:
            log.warn(c.sheet, unit_cell, note)
        if spec.growth_of is None:  # growth rates may be negative and exceed 100
            if spec.is_share and not 0 <= value <= 100:
                log.error(c.sheet, c.cell, f'"{text}" 超出比重的取值范围 0–100（指标 "{spec.name}"）')
                continue
            if spec.nonnegative and value < 0:
                log.error(c.sheet, c.cell, f'"{text}" 为负数，指标 "{spec.name}" 不能为负')
                continue
        if allowed_regions is not None and c.region_code not in allowed_regions:
            log.error(
                c.sheet,
                c.region_cell or c.cell,
                f'地区 "{index.display(c.region_code)}" 不是本次上传的地区 "{index.display(upload_region or "")}"，'
                "只能上传本地区的数据",
            )
            continue
        key = (c.region_code, spec.code, c.year)
        where = c.cell
        if key in seen:
            first_sheet, first_cell, first_value = seen[key]
            first = first_cell if first_sheet == c.sheet else f"{first_sheet}!{first_cell}"
            what = f"{index.display(c.region_code)} {spec.name} {c.year}年"
            a, b = float(first_value), float(value)
            if a == b or math.isclose(a, b, rel_tol=1e-9, abs_tol=1e-12):
                log.warn(c.sheet, where, f"{what} 与 {first} 重复（数值相同），只导入一次")
            else:
                log.error(
                    c.sheet,
                    where,
                    f"{what} 重复出现且数值不同：{first} 为 {_fmt(a)} {spec.unit}，此处为 {_fmt(b)} {spec.unit}",
                )
            continue
        seen[key] = (c.sheet, c.cell, value)
        out.append(ParsedValue(c.region_code, spec.code, c.year, float(value), c.sheet, c.cell, text, written))
    return out
