"""What :func:`parse_upload` returns (no Django import)."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from itertools import compress

__all__ = ["Issue", "ParsedValue", "ParsedValues", "PARSED_COLUMNS", "ParseResult", "IssueLog"]

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


PARSED_COLUMNS = ("region_code", "indicator_code", "year", "value", "sheet", "cell", "raw", "raw_unit")


class ParsedValues(Sequence):
    """Parsed values kept column by column: one list per ParsedValue field, all the same length.

    A 90-county × 40-indicator × 10-year roll-up gives 35,000 values; the import reads them a column at a
    time (the regions to lock, the keys to compare, the rows to insert), so they are never 35,000 objects.
    Indexing and iterating still give ParsedValue objects, and the value list equals the list of them.
    A column may be given as a function that returns it, called once on first use (then ``length`` is
    required): a dry run of a clean roll-up never builds any.
    """

    __slots__ = (*PARSED_COLUMNS, "_make", "_distinct", "_length")

    def __init__(
        self,
        *,
        length: int | None = None,
        distinct: dict[str, frozenset] | None = None,
        **columns: list | Callable[[], list],
    ):
        self._make = {}
        self._distinct = dict(distinct or {})
        for name in PARSED_COLUMNS:
            column = columns.pop(name)
            if callable(column):
                self._make[name] = column
            else:
                object.__setattr__(self, name, column)
                length = len(column) if length is None else length
        if columns:
            raise TypeError(f"unknown columns: {sorted(columns)}")
        if length is None:
            raise TypeError("length is required when every column is made lazily")
        self._length = length

    def __getattr__(self, name):  # only reached for a lazy column not made yet
        make = self._make.pop(name, None) if name in PARSED_COLUMNS else None
        if make is None:
            raise AttributeError(name)
        column = make()
        object.__setattr__(self, name, column)
        return column

    @classmethod
    def empty(cls) -> ParsedValues:
        return cls(**{name: [] for name in PARSED_COLUMNS})

    @classmethod
    def of(cls, values: Iterable[ParsedValue]) -> ParsedValues:
        """The columns of any sequence of ParsedValue (itself when it already is a ParsedValues)."""
        if isinstance(values, ParsedValues):
            return values
        rows = list(values)
        if not rows:
            return cls.empty()
        return cls(**{name: [getattr(v, name) for v in rows] for name in PARSED_COLUMNS})

    def take(self, mask: Sequence[bool]) -> ParsedValues:
        """The values where ``mask`` is true, in order (a lazy column not made yet stays lazy)."""

        def kept(name):
            return list(compress(getattr(self, name), mask))

        return ParsedValues(
            length=sum(mask),
            **{name: (lambda name=name: kept(name)) if name in self._make else kept(name) for name in PARSED_COLUMNS},
        )

    def distinct(self, name: str) -> frozenset:
        """The different values of a column (kept: an import asks for the regions and years several times)."""
        found = self._distinct.get(name)
        if found is None:
            found = self._distinct[name] = frozenset(getattr(self, name))
        return found

    def keys(self) -> list[tuple[str, str, int]]:
        return list(zip(self.region_code, self.indicator_code, self.year, strict=True))

    def __len__(self) -> int:
        return self._length

    def __getitem__(self, i):
        if isinstance(i, slice):
            return [self[j] for j in range(*i.indices(len(self)))]
        return ParsedValue(*(getattr(self, name)[i] for name in PARSED_COLUMNS))

    def __iter__(self):
        return map(ParsedValue, *(getattr(self, name) for name in PARSED_COLUMNS))

    def __eq__(self, other):
        if isinstance(other, Sequence) and not isinstance(other, str | bytes):
            return len(self) == len(other) and list(self) == list(other)
        return NotImplemented

    __hash__ = None

    def __repr__(self) -> str:
        return f"<ParsedValues: {len(self)} values>"


@dataclass
class ParseResult:
    filename: str
    shape: str  # template | rollup | series | report | csv | unknown (several sheets: joined with "+")
    values: Sequence[ParsedValue] = field(default_factory=list)  # a ParsedValues when accepted
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
