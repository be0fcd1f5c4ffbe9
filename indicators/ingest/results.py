"""What :func:`parse_upload` returns (no Django import)."""

from __future__ import annotations

from dataclasses import dataclass, field

__all__ = ["Issue", "ParsedValue", "ParseResult", "IssueLog"]

MAX_ERRORS = 200


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
    """One observation, converted to the indicator's canonical unit; ``raw``/``raw_unit`` as written."""

    region_code: str
    indicator_code: str
    year: int
    value: float
    sheet: str
    cell: str
    raw: str
    raw_unit: str


@dataclass
class ParseResult:
    filename: str
    shape: str  # template | rollup | series | report | csv | unknown (several sheets: joined with "+")
    values: list[ParsedValue] = field(default_factory=list)
    errors: list[Issue] = field(default_factory=list)
    warnings: list[Issue] = field(default_factory=list)

    @property
    def accepted(self) -> bool:
        """True when there is no error and at least one value."""
        return not self.errors and bool(self.values)


class IssueLog:
    """Collects errors and (de-duplicated) warnings; stops listing errors after MAX_ERRORS."""

    def __init__(self) -> None:
        self.errors: list[Issue] = []
        self.warnings: list[Issue] = []
        self._seen_warnings: set[tuple[str, str, str]] = set()
        self._seen_errors: set[tuple[str, str, str]] = set()
        self.dropped = 0

    def error(self, sheet: str, cell: str, message: str) -> None:
        key = (sheet, cell, message)
        if key in self._seen_errors:
            return
        if len(self.errors) >= MAX_ERRORS:
            self.dropped += 1
            return
        self._seen_errors.add(key)
        self.errors.append(Issue(sheet, cell, message))

    def warn(self, sheet: str, cell: str, message: str) -> None:
        key = (sheet, cell, message)
        if key not in self._seen_warnings:
            self._seen_warnings.add(key)
            self.warnings.append(Issue(sheet, cell, message))

    def finish(self) -> None:
        if self.dropped:
            self.errors.append(Issue("", "", f"另有 {self.dropped} 个错误未列出"))
            self.dropped = 0
