"""Cell → number, unit conversion and the checks that reject a file (no Django import)."""

from __future__ import annotations

import datetime as dt
import math
import re
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from fractions import Fraction

from .catalog import CatalogIndex, IndicatorSpec
from .checks import same_value
from .readers import CellError, Formula
from .results import IssueLog, ParsedValue, clip
from .units import INVISIBLE, UnitError, convert_exact, parse_unit

__all__ = [
    "MISSING_MARKERS",
    "Number",
    "parse_number",
    "is_missing",
    "display",
    "Candidate",
    "Validator",
    "year_error",
    "MIN_YEAR",
]

MIN_YEAR = 1949
MAX_NOTE_CHARS = 500

# "no value" (never zero); compared after full-width folding and stripping, so － is -, … is ..., ／ is /
MISSING_MARKERS = frozenset({"", "-", "--", "---", "—", "——", "–", "...", "......", "/", "//", "无", "空", "n/a", "na"})
# what Excel shows for a formula that failed: an error, never an empty cell
EXCEL_ERRORS = frozenset(
    {"#DIV/0!", "#N/A", "#VALUE!", "#REF!", "#NAME?", "#NUM!", "#NULL!", "#SPILL!", "#CALC!", "#GETTING_DATA"}
)
MAX_MAGNITUDE = 10**15  # |value| above is refused (the largest figure on file is ~10^13 元)
MIN_MAGNITUDE = Fraction(1, 10**15)  # |value| below, but not 0, is refused (a float would read 1e-400 as 0)

_THOUSANDS_RE = re.compile(r"[+-]?[0-9]{1,3}(?:,[0-9]{3})+(?:\.[0-9]+)?%?")
_NUMBER_RE = re.compile(r"[+-]?(?:[0-9]+\.?[0-9]*|\.[0-9]+)(?:[eE][+-]?[0-9]+)?%?")
# The only folding a number gets: full-width ASCII (１２.５, －, ％) as ASCII, minus signs as "-", marks nobody sees
# dropped. No NFKC: it reads 35.2① as 35.21 and 10² as 102.
_NUMBER_TEXT = {cp: cp - 0xFEE0 for cp in range(0xFF01, 0xFF5F)} | {
    0x3000: " ",
    0x2212: "-",
    0xFE63: "-",
    0x2026: "...",
    **INVISIBLE,
}


@dataclass(frozen=True)
class Number:
    kind: str  # number | missing | text | formula | error | range
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
    if isinstance(value, Formula | CellError):
        return value.text
    return str(value).strip().strip("\u3000")


def _checked(number: Fraction, raw: str, percent: bool = False) -> Number:
    if number and not MIN_MAGNITUDE <= abs(number) <= MAX_MAGNITUDE:
        return Number("range", None, raw)
    return Number("number", number, raw, percent)


def parse_number(value) -> Number:
    """Read a number cell strictly: 12.5, "12,345.6", "１２.５", "-3", "12.5%"; "—"/"…"/"" are missing; "约12.5",
    "60 5" and "35.2①" are text; "#DIV/0!" is an error; 1e308 and "1e-400" are out of range."""
    if value is None:
        return Number("missing", None, "")
    if isinstance(value, Formula):
        return Number("formula", None, value.text)
    if isinstance(value, CellError):
        return Number("error", None, value.text)
    raw = display(value)
    if isinstance(value, bool):
        return Number("text", None, raw)
    if isinstance(value, int):
        return _checked(Fraction(value), raw)
    if isinstance(value, float):
        # the shortest decimal that reads back as this float: what Excel shows (0.1, not 0.1000000000000000055…);
        # through Decimal, which Fraction takes faster than the same text
        return _checked(Fraction(Decimal(repr(value))), raw) if math.isfinite(value) else Number("range", None, raw)
    if not isinstance(value, str):
        return Number("text", None, raw)
    s = value.translate(_NUMBER_TEXT).strip()
    if s.casefold() in MISSING_MARKERS:
        return Number("missing", None, raw)
    if s.upper() in EXCEL_ERRORS:
        return Number("error", None, raw)
    if _THOUSANDS_RE.fullmatch(s):
        s = s.replace(",", "")
    if not _NUMBER_RE.fullmatch(s):
        return Number("text", None, raw)
    try:
        d = Decimal(s.rstrip("%"))
    except InvalidOperation:  # an exponent beyond what Decimal holds
        return Number("range", None, raw)
    if d and not -15 <= d.adjusted() <= 15:  # before any exact arithmetic: 1e9999999 is 10 million digits
        return Number("range", None, raw)
    return _checked(Fraction(d), raw, s.endswith("%"))


def is_missing(value) -> bool:
    """True for an empty cell or a "no value" marker such as "—" (never for zero)."""
    if not isinstance(value, str):  # only text can be a marker: a number, formula or date never is
        return value is None
    return parse_number(value).kind == "missing"


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
    industry: str = ""  # an Industry code; "" is the whole economy
    cluster: str = ""  # a 415X cluster slug: the cluster's own figure in the region (core-area series)
    note: str = ""  # the row's 备注
    quote: str = ""  # the sentence a bulletin figure was read from
    flag: str = ""  # a checked flag code (results.parse_flag)


_NOT_A_NUMBER = {
    "formula": '公式 "{}" 没有计算结果，请用 Excel 打开并保存后重新上传',
    "error": '"{}" 是 Excel 错误值（公式出错），不是数值',
    "range": '"{}" 超出可导入的数值范围（绝对值应在 1e-15 与 1e15 之间）',
    "text": '"{}" 不是数值',
}


def _fmt(value: float) -> str:
    return f"{value:.12g}"


class Validator:
    """Converts and checks each candidate as a shape parser finds it, keeping only the values (a file of half
    a million repeated rows costs one value, not half a million cells); problems go to ``log``."""

    def __init__(
        self,
        index: CatalogIndex,
        log: IssueLog,
        *,
        allowed_regions: set[str] | None = None,
        upload_region: str | None = None,
    ):
        self.index, self.log = index, log
        self.allowed_regions, self.upload_region = allowed_regions, upload_region
        self.values: list[ParsedValue] = []
        self._seen: dict[tuple[str, str, str, int], tuple[str, str, Fraction]] = {}

    def add(self, c: Candidate) -> None:
        index, log = self.index, self.log
        num = parse_number(c.raw)
        if num.kind == "missing":
            return
        if num.kind != "number":
            log.error(c.sheet, c.cell, _NOT_A_NUMBER[num.kind].format(clip(num.raw)))
            return
        spec = c.spec
        written = c.unit.strip() if isinstance(c.unit, str) and c.unit.strip() else None
        unit_cell = c.unit_cell or c.cell
        if num.percent:
            if written is None:
                written = "%"
            elif getattr(parse_unit(written), "family", None) != "percent":
                log.error(c.sheet, c.cell, f'"{clip(num.raw)}" 带百分号，但计量单位是 "{clip(written)}"')
                return
        if written is None:
            log.warn(c.sheet, unit_cell, f'未注明计量单位，按指标 "{spec.name}" 的标准单位 "{spec.unit}" 处理')
            written = spec.unit
        try:
            value, note = convert_exact(num.value, written, spec.unit)
        except UnitError:
            if parse_unit(written) is None:
                log.error(c.sheet, unit_cell, f'计量单位 "{clip(written)}" 无法识别')
            else:
                log.error(
                    c.sheet, unit_cell, f'计量单位 "{clip(written)}" 无法换算为指标 "{spec.name}" 的单位 "{spec.unit}"'
                )
            return
        if note:
            log.warn(c.sheet, unit_cell, note)
        if spec.growth_of is None:  # growth rates may be negative and exceed 100
            if spec.is_share and not 0 <= value <= 100:
                log.error(c.sheet, c.cell, f'"{clip(num.raw)}" 超出比重的取值范围 0–100（指标 "{spec.name}"）')
                return
            if spec.nonnegative and value < 0:
                log.error(c.sheet, c.cell, f'"{clip(num.raw)}" 为负数，指标 "{spec.name}" 不能为负')
                return
        if self.allowed_regions is not None and c.region_code not in self.allowed_regions:
            log.error(
                c.sheet,
                c.region_cell or c.cell,
                f'地区 "{index.display(c.region_code)}" 不是本次上传的地区 "{index.display(self.upload_region or "")}"，'
                "只能上传本地区的数据",
            )
            return
        key = (c.region_code, spec.code, c.industry, c.cluster, c.year)
        where = c.cell
        if key in self._seen:
            first_sheet, first_cell, first_value = self._seen[key]
            first = first_cell if first_sheet == c.sheet else f"{first_sheet}!{first_cell}"
            industry = f" {index.industries[c.industry].name}" if c.industry else ""
            industry += f" {index.clusters[c.cluster]}" if c.cluster else ""
            what = f"{index.display(c.region_code)}{industry} {spec.name} {c.year}年"
            a, b = float(first_value), float(value)
            if same_value(a, b):
                log.warn(c.sheet, where, f"{what} 与 {first} 重复（数值相同），只导入一次")
            else:
                log.error(
                    c.sheet,
                    where,
                    f"{what} 重复出现且数值不同：{first} 为 {_fmt(a)} {spec.unit}，此处为 {_fmt(b)} {spec.unit}",
                )
            return
        self._seen[key] = (c.sheet, c.cell, value)
        remark = c.note
        if len(remark) > MAX_NOTE_CHARS:  # a note is read beside the value on every page, not a document
            log.warn(c.sheet, c.cell, f"备注超过 {MAX_NOTE_CHARS} 个字符，只保留前 {MAX_NOTE_CHARS} 个")
            remark = remark[:MAX_NOTE_CHARS]
        # resolution only leaves a code for a year before its unit existed when the unit was split off
        region = index.regions.get(c.region_code)
        back = region is not None and region.valid_from is not None and c.year < region.valid_from
        self.values.append(
            ParsedValue(
                c.region_code,
                spec.code,
                c.year,
                float(value),
                c.sheet,
                c.cell,
                num.raw,
                written,
                industry=c.industry,
                cluster=c.cluster,
                note=remark,
                quote=c.quote,
                back_series=back,
                flag=c.flag,
            )
        )
