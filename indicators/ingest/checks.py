"""Checks that know the numbers: validation rules over one region-year, likely unit slips, and the change flag
of the upload preview (no Django import).

The Django side passes the values on file (current versions) beside the parsed ones; a parsed value stands in
for the one on file with the same key, since that is what the region-year will hold once the upload is
confirmed. DHIS2's validation rules are the model: a left side, an operator, a right side and an importance.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from .results import Issue, ParsedValue
from .units import parse_unit

__all__ = ["same_value", "Rule", "OPERATORS", "SLIP_FACTOR", "rule_issues", "unit_slips", "Change", "change"]

Key = tuple[str, str, str, str, int]  # ParsedValue.key: (region, indicator, industry, cluster, year)


def same_value(a: float, b: float) -> bool:
    """Whether two values are one (float noise of a unit conversion is not a change): the equality every check,
    the preview and the writer use."""
    return math.isclose(a, b, rel_tol=1e-9, abs_tol=1e-12)


OPERATORS = {
    "le": ("≤", lambda a, b: a <= b or same_value(a, b)),
    "lt": ("<", lambda a, b: a < b and not same_value(a, b)),
    "ge": ("≥", lambda a, b: a >= b or same_value(a, b)),
    "gt": (">", lambda a, b: a > b and not same_value(a, b)),
    "eq": ("=", same_value),
}
SLIP_FACTOR = 100  # a value 100× or 1/100 of last year's: a 万元 column read as 亿元, or the reverse


def _fmt(value: float) -> str:
    return f"{value:.12g}"


@dataclass(frozen=True)
class Rule:
    """``left operator right`` over the indicators of one region-year, e.g. value_added le gross_output."""

    name: str
    left: str
    operator: str  # le | lt | ge | gt | eq
    right: str
    importance: str  # error | warning


def _where(values: list[ParsedValue]) -> dict[Key, ParsedValue]:
    return {v.key: v for v in values}


def rule_issues(
    values: list[ParsedValue], on_file: dict[Key, float], rules: list[Rule], names: dict[str, str]
) -> tuple[list[Issue], list[Issue]]:
    """(errors, warnings) of the rules broken by a region-year the upload touches, named at the uploaded cell.

    A rule is checked where at least one side comes from the upload (the other may be on file): 增加值 2500 in
    the file against 总产值 1980 on file breaks "规上工业增加值 ≤ 规上工业总产值"."""
    mine = _where(values)
    errors: list[Issue] = []
    warnings: list[Issue] = []
    # an industry's (a cluster's) figures are checked together
    region_years = sorted({(r, ind, cl, y) for r, _, ind, cl, y in mine})
    for rule in rules:
        symbol, holds = OPERATORS[rule.operator]
        for region, industry, cluster, year in region_years:
            left, right = (region, rule.left, industry, cluster, year), (region, rule.right, industry, cluster, year)
            if left not in mine and right not in mine:
                continue
            a = mine[left].value if left in mine else on_file.get(left)
            b = mine[right].value if right in mine else on_file.get(right)
            if a is None or b is None or holds(a, b):
                continue
            at = mine.get(left) or mine[right]
            message = (
                f"{year}年 {names.get(rule.left, rule.left)} {_fmt(a)} {symbol} {names.get(rule.right, rule.right)} "
                f"{_fmt(b)} 不成立（校验规则“{rule.name}”）"
            )
            (errors if rule.importance == "error" else warnings).append(Issue(at.sheet, at.cell, message))
    return errors, warnings


def unit_slips(
    values: list[ParsedValue], on_file: dict[Key, float], names: dict[str, str], *, skip: set[str] = frozenset()
) -> list[tuple[int, Issue]]:
    """Values 100× or more above or below the same region-indicator's previous value: the one on file for that year
    (which the upload would replace), else the year before's (in the upload, else on file). Each comes with the
    message naming both, by index in ``values``. 1,243,600 after 124.36 is one; anything after 0, and a growth
    rate (``skip``), never is."""
    mine = _where(values)
    out = []
    for i, v in enumerate(values):
        key = v.key
        if v.indicator_code in skip:
            continue
        year_before = (*key[:4], v.year - 1)
        if key in on_file:
            before, what = on_file[key], f"现有数值（{v.year}年"
        else:
            before = mine[year_before].value if year_before in mine else on_file.get(year_before)
            what = f"上年数值（{v.year - 1}年"
        if not before or not v.value:
            continue
        ratio = abs(v.value) / abs(before)
        big = max(ratio, 1 / ratio)
        if big < SLIP_FACTOR and not same_value(big, SLIP_FACTOR):  # 5.123 after 512.3 is 1/100 up to float noise
            continue
        times = f"{ratio:.3g} 倍" if ratio >= 1 else f"1/{1 / ratio:.3g}"
        message = (
            f"{names.get(v.indicator_code, v.indicator_code)} {_fmt(v.value)} 是{what} {_fmt(before)}）的 {times}，"
            "疑似计量单位错误；确认无误请逐条勾选确认（命令行：--accept-outliers）"
        )
        out.append((i, Issue(v.sheet, v.cell, message)))
    return out


@dataclass(frozen=True)
class Change:
    kind: str  # new | same | changed
    change: float | None  # relative change (None from 0, or for a rate, whose change is in points)
    points: float | None  # for a rate (unit %): new − old in percentage points
    highlight: bool

    @property
    def pct(self) -> float | None:
        return None if self.change is None else self.change * 100


def change(old: float | None, new: float, *, unit: str, threshold: float, points: float, floor: float) -> Change:
    """How a value moves against the one on file, and whether the preview flags it.

    An amount is flagged above ``threshold`` (relative): 100 → 135 is +35 %, flagged at 0.30. A rate (unit %)
    is compared in points: 4.0 → 5.5 is +1.5 points, flagged only above ``points``. A count (家, 台, 个…) is
    flagged only when old or new reaches ``floor``: 2 → 5 (+150 %) is not, with a floor of 10."""
    if old is None:
        return Change("new", None, None, False)
    if same_value(old, new):
        return Change("same", 0.0, 0.0 if unit == "%" else None, False)
    if unit == "%":
        delta = new - old
        return Change("changed", None, delta, abs(delta) > points)
    relative = (new - old) / abs(old) if old else None
    parsed = parse_unit(unit)
    if parsed is not None and parsed.family == "count" and max(abs(old), abs(new)) < floor:
        return Change("changed", relative, None, False)
    return Change("changed", relative, None, relative is None or abs(relative) > threshold)
