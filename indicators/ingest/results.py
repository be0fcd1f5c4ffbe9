"""What :func:`parse_upload` returns (no Django import)."""

from __future__ import annotations

from dataclasses import dataclass, field

__all__ = ["FLAGS", "ColumnReading", "Issue", "ParsedValue", "ParseResult", "IssueLog", "clip", "parse_flag"]

MAX_ISSUES = 200  # of each kind (errors, warnings): what a person reads, and what the database keeps
CLIP_CHARS = 60


def clip(text) -> str:
    """A cell's text for a message, cut after CLIP_CHARS characters: "1234…（超长文本，共 1048576 个字符）"."""
    text = str(text)
    if len(text) <= CLIP_CHARS:
        return text
    return f"{text[:CLIP_CHARS]}…（超长文本，共 {len(text)} 个字符）"


@dataclass
class Issue:
    """A problem at ``sheet!cell``: str() is "sheet!cell: message", "sheet: message" for a sheet-level
    issue (cell ""), or just the message for a file-level one (sheet and cell "")."""

    sheet: str
    cell: str
    message: str

    def __str__(self) -> str:
        if self.cell:
            return f"{self.sheet}!{self.cell}: {self.message}"
        if self.sheet:
            return f"{self.sheet}: {self.message}"
        return self.message


@dataclass
class ParsedValue:
    """One observation, converted to the indicator's canonical unit; ``raw``/``raw_unit`` as written.
    ``industry`` is an Industry code, "" for the region's whole economy; ``cluster`` a 415X cluster slug for
    the cluster's own figure in that county (its core-area series), "" for the region's own figure."""

    region_code: str
    indicator_code: str
    year: int
    value: float
    sheet: str
    cell: str
    raw: str
    raw_unit: str
    industry: str = ""
    note: str = ""  # the 备注 written beside the value
    quote: str = ""  # a bulletin's sentence the value was read from
    back_series: bool = False  # a year before the unit was split off, under today's boundaries (按现行区划)
    flag: str = ""  # "" / preliminary / revised / estimated (数据标记 初步 / 修订 / 估算)
    cluster: str = ""  # a 415X cluster slug: the cluster's own figure in that county (core-area series)

    @property
    def key(self) -> tuple[str, str, str, str, int]:
        """What one value is for: region, indicator, industry, cluster, year (the key of duplicates and versions)."""
        return (self.region_code, self.indicator_code, self.industry, self.cluster, self.year)


# 数据标记 as a cell may hold it → the stored code (Observation.Flag); empty is no flag
FLAGS = {"初步": "preliminary", "修订": "revised", "估算": "estimated"}
FLAGS.update({code: code for code in list(FLAGS.values())})


def parse_flag(text) -> str | None:
    """The flag code of a 数据标记 cell: "初步" → "preliminary", "" → "", "x" → None (not a flag)."""
    text = "" if text is None else str(text).strip()
    return FLAGS.get(text.lower() if text.isascii() else text, None) if text else ""


@dataclass
class ParseResult:
    filename: str
    shape: str  # template | rollup | series | report | csv | unknown (several sheets: joined with "+")
    values: list[ParsedValue] = field(default_factory=list)
    errors: list[Issue] = field(default_factory=list)
    warnings: list[Issue] = field(default_factory=list)
    # likely unit slips: (index in values, why); the caller decides whether they refuse the file or await a
    # confirmation row by row (checks.unit_slips)
    outliers: list[tuple[int, Issue]] = field(default_factory=list)
    columns: list[ColumnReading] = field(default_factory=list)  # how each value column was read
    skipped_rows: list[str] = field(default_factory=list)  # "表!A12 #山区26县": subtotal rows left out

    @property
    def accepted(self) -> bool:
        """True when there is no error and a value, or when every column was skipped on request (a yearbook
        table of figures the catalog does not track is read, and nothing is written)."""
        return not self.errors and bool(self.values or self.skipped_columns)

    @property
    def skipped_columns(self) -> list[str]:
        return [c.header for c in self.columns if c.how == "skipped"]

    @property
    def mapped_columns(self) -> dict[str, str]:
        return {c.header: c.indicator_name for c in self.columns if c.how == "mapped"}


@dataclass
class ColumnReading:
    """One value column of a table and what it was read as. ``how``: matched (its header names the indicator),
    qualified (read through the title or a parent header: 规模以上工业 title, 生产总值 parent), mapped (by the
    user's choice), skipped (unknown, skipped on request), unknown (an error), growth (the indicator's growth
    series), ignored (a growth without a growth series, a share)."""

    sheet: str
    cell: str
    header: str
    how: str
    indicator_code: str = ""
    indicator_name: str = ""


class IssueLog:
    """Collects errors and warnings, each once, keeping the first MAX_ISSUES of each kind and counting the rest
    (a 20 MB file of one repeated row must not give half a million warnings)."""

    def __init__(self) -> None:
        self.errors: list[Issue] = []
        self.warnings: list[Issue] = []
        self._seen: set[tuple[str, str, str]] = set()
        self._dropped = {"errors": 0, "warnings": 0}

    def error(self, sheet: str, cell: str, message: str) -> None:
        self._add(self.errors, "errors", sheet, cell, message)

    def warn(self, sheet: str, cell: str, message: str) -> None:
        self._add(self.warnings, "warnings", sheet, cell, message)

    def _add(self, issues: list[Issue], kind: str, sheet: str, cell: str, message: str) -> None:
        key = (sheet, cell, message)
        if key in self._seen:
            return
        if len(issues) >= MAX_ISSUES:
            self._dropped[kind] += 1
            return
        self._seen.add(key)
        issues.append(Issue(sheet, cell, message))

    def finish(self) -> None:
        """Add the "另有 N 条…" lines for what was not kept."""
        for kind, issues, what in (("errors", self.errors, "错误"), ("warnings", self.warnings, "提示")):
            if self._dropped[kind]:
                issues.append(Issue("", "", f"另有 {self._dropped[kind]} 条{what}未列出"))
                self._dropped[kind] = 0
