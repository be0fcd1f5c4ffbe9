"""Units of measure and exact conversion between them (no Django import).

Every unit is a *family* (money, people, mass, …) and a factor relative to the family's base unit,
kept as an exact ``Fraction`` so that ``12345 万元 → 1.2345 亿元`` comes out as the float nearest to
1.2345 and not ``1.2345000000000002``. Compound units (``万元/人``, ``吨标准煤/万元``) are a ratio of two
simple units. Counts (台/套/个/家/件/项…) are one family: converting between two different count
words is allowed 1:1 but reported back as a note, since 套 for a 台 indicator is usually a typo.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from decimal import Decimal
from fractions import Fraction
from functools import lru_cache

__all__ = [
    "INVISIBLE",
    "Unit",
    "UnitError",
    "parse_unit",
    "normalize_unit",
    "convert",
    "convert_exact",
    "same_family",
    "compatible_units",
]

_TEN_THOUSAND = Fraction(10**4)
_MU = Fraction(10000, 15)  # 1 亩 = 10000/15 m² ≈ 666.67 m², so 1 公顷 = 15 亩 exactly

# family -> {unit label: factor relative to the family's base unit}
_FAMILIES: dict[str, dict[str, Fraction]] = {
    "money": {
        "元": Fraction(1),
        "千元": Fraction(10**3),
        "万元": Fraction(10**4),
        "十万元": Fraction(10**5),
        "百万元": Fraction(10**6),
        "千万元": Fraction(10**7),
        "亿元": Fraction(10**8),
        "万亿元": Fraction(10**12),
    },
    "people": {"人": Fraction(1), "千人": Fraction(10**3), "万人": Fraction(10**4)},
    "mass": {
        "千克": Fraction(1, 1000),
        "公斤": Fraction(1, 1000),
        "吨": Fraction(1),
        "千吨": Fraction(10**3),
        "万吨": Fraction(10**4),
        "亿吨": Fraction(10**8),
    },
    "energy": {
        "吨标准煤": Fraction(1),
        "千吨标准煤": Fraction(10**3),
        "万吨标准煤": Fraction(10**4),
        "亿吨标准煤": Fraction(10**8),
    },
    "area": {
        "平方米": Fraction(1),
        "万平方米": _TEN_THOUSAND,
        "亩": _MU,
        "万亩": _MU * _TEN_THOUSAND,
        "公顷": Fraction(10**4),
        "平方公里": Fraction(10**6),
    },
    "volume": {"立方米": Fraction(1), "万立方米": _TEN_THOUSAND, "亿立方米": Fraction(10**8)},
    "percent": {"%": Fraction(1), "百分点": Fraction(1), "‰": Fraction(1, 10)},
    "power": {"千瓦": Fraction(1), "万千瓦": _TEN_THOUSAND, "兆瓦": Fraction(10**3), "吉瓦": Fraction(10**6)},
    "electricity": {
        "千瓦时": Fraction(1),
        "万千瓦时": _TEN_THOUSAND,
        "亿千瓦时": Fraction(10**8),
        "度": Fraction(1),
        "万度": _TEN_THOUSAND,
    },
    # Dimensionless figures (an index, a plot ratio) are stored as written.
    "index": {"指数": Fraction(1), "—": Fraction(1), "倍": Fraction(1)},
    "years": {"年": Fraction(1)},
}

# spellings that mean the same unit
_SYNONYMS = {
    "吨标煤": "吨标准煤",
    "万吨标煤": "万吨标准煤",
    "千吨标煤": "千吨标准煤",
    "tce": "吨标准煤",
    "万tce": "万吨标准煤",
    "t": "吨",
    "万t": "万吨",
    "kg": "千克",
    "m2": "平方米",
    "㎡": "平方米",
    "平米": "平方米",
    "万m2": "万平方米",
    "平方千米": "平方公里",
    "km2": "平方公里",
    "hm2": "公顷",
    "m3": "立方米",
    "万m3": "万立方米",
    "个百分点": "百分点",
    "kw": "千瓦",
    "万kw": "万千瓦",
    "kwh": "千瓦时",
    "万kwh": "万千瓦时",
    "-": "—",
    "－": "—",
    "pp": "百分点",
    "元人民币": "元",
    "万元人民币": "万元",
    "亿元人民币": "亿元",
    "人民币元": "元",
    "人民币万元": "万元",
    "人民币亿元": "亿元",
}

_COUNT_WORDS = "台套个家件项户座辆艘架只条株所场名支次人"
_COUNT_PREFIX = {"": Fraction(1), "千": Fraction(10**3), "万": Fraction(10**4), "亿": Fraction(10**8)}

# marks nobody sees: zero-width characters, the soft hyphen and bidi controls (a name copied from a right-to-left
# context carries U+200F); dropped before a name, header or number is matched
INVISIBLE = dict.fromkeys(
    [0x00AD, 0x200B, 0x200C, 0x200D, 0x200E, 0x200F, 0x2060, 0xFEFF, *range(0x202A, 0x202F), *range(0x2066, 0x206A)]
)

_UNIT_PREFIX_RE = re.compile(r"^(计量)?单位[:：]?")


class UnitError(ValueError):
    """A unit that cannot be read, or cannot be converted to the requested one (message in Chinese)."""


@dataclass(frozen=True)
class Unit:
    """A parsed unit: ``family`` (e.g. ``money`` or ``money/people``), exact ``factor`` to the family's base."""

    label: str
    family: str
    factor: Fraction
    count_word: str = ""  # for counts: the measure word (台, 家…), to flag 套 ↔ 台 swaps


def normalize_unit(text: str) -> str:
    """Canonical spelling of a unit as written: ``"（万元）"`` → ``"万元"``, ``"％"`` → ``"%"``, ``"吨标煤"`` → ``"吨标准煤"``."""
    s = unicodedata.normalize("NFKC", str(text)).translate(INVISIBLE)
    s = "".join(s.split())
    s = _UNIT_PREFIX_RE.sub("", s)
    while len(s) >= 2 and s[0] in "([" and s[-1] in ")]":
        s = s[1:-1]
    s = s.replace("／", "/")
    low = s.lower()
    if low in _SYNONYMS:
        return _SYNONYMS[low]
    if s in _SYNONYMS:
        return _SYNONYMS[s]
    return s


def _parse_simple(s: str) -> Unit | None:
    for family, members in _FAMILIES.items():
        if s in members:
            return Unit(s, family, members[s])
    if s and s[-1] in _COUNT_WORDS and s[:-1] in _COUNT_PREFIX:
        return Unit(s, "count", _COUNT_PREFIX[s[:-1]], count_word=s[-1])
    return None


@lru_cache(maxsize=1024)
def parse_unit(text: str | None) -> Unit | None:
    """Read a unit (``"亿元"``, ``"（万元）"``, ``"万元/人"``); ``None`` if it is not a unit we know."""
    if text is None:
        return None
    s = normalize_unit(text)
    if not s:
        return None
    simple = _parse_simple(s)
    if simple is not None:
        return simple
    if s.count("/") == 1:
        num_text, den_text = s.split("/")
        num = _parse_simple(normalize_unit(num_text))
        den = _parse_simple(normalize_unit(den_text))
        if num is not None and den is not None:
            return Unit(s, f"{num.family}/{den.family}", num.factor / den.factor)
    return None


def same_family(a: str | None, b: str | None) -> bool:
    """True when both units are known and convertible to each other."""
    ua, ub = parse_unit(a), parse_unit(b)
    return ua is not None and ub is not None and ua.family == ub.family


def compatible_units(unit: str) -> list[str]:
    """Units a value of ``unit`` may be written in, ``unit`` first: "亿元" → ["亿元", "元", "千元", "万元", …]."""
    u = parse_unit(unit)
    if u is None:
        return [unit]
    if u.family == "count":
        others = [p + u.count_word for p in _COUNT_PREFIX]
    elif "/" in u.family:
        others = []
    else:
        others = list(_FAMILIES[u.family])
    return [unit] + [o for o in others if o != unit]


def _to_fraction(value) -> Fraction:
    if isinstance(value, Fraction):
        return value
    if isinstance(value, float):
        # repr is the shortest decimal that round-trips: 0.1 -> "0.1", so 0.1 万元 is exactly 1/10 万元
        return Fraction(repr(value))
    if isinstance(value, Decimal | int | str):
        return Fraction(value)
    raise TypeError(f"not a number: {value!r}")


def convert_exact(value, from_unit: str, to_unit: str) -> tuple[Fraction, str | None]:
    """Convert exactly; returns (value in ``to_unit``, note or None). Raises UnitError.

    >>> convert_exact(12345, "万元", "亿元")[0]
    Fraction(2469, 2000)
    """
    src = parse_unit(from_unit)
    dst = parse_unit(to_unit)
    if src is None:
        raise UnitError(f'计量单位 "{from_unit}" 无法识别')
    if dst is None:
        raise UnitError(f'标准计量单位 "{to_unit}" 无法识别')
    if src.family != dst.family:
        raise UnitError(f'计量单位 "{from_unit}" 无法换算为 "{to_unit}"')
    note = None
    if src.family == "count" and src.count_word != dst.count_word:
        note = f'计量单位 "{from_unit}" 与标准单位 "{to_unit}" 的量词不同，按相同计数换算'
    return _to_fraction(value) * src.factor / dst.factor, note


def convert(value, from_unit: str, to_unit: str) -> float:
    """Convert a number between units, correctly rounded: ``convert(12345, "万元", "亿元") == 1.2345``.

    1 公顷 = 15 亩, so ``convert(2, "公顷", "亩") == 30``; ``convert(1, "万吨标煤", "吨标准煤") == 10000``.
    """
    return float(convert_exact(value, from_unit, to_unit)[0])


# The units as an English page writes them. Counts (个, 家, 项 …) and magnitudes (万, 亿) are spelled out rather
# than converted, so the number beside them stays the number the document printed.
UNITS_EN = {
    "%": "%",
    "个百分点": "percentage points",
    "亿元": "100 million yuan",
    "万亿元": "trillion yuan",
    "万元": "10,000 yuan",
    "万元/亩": "10,000 yuan/mu",
    "万元/人": "10,000 yuan/person",
    "亩": "mu",
    "万亩": "10,000 mu",
    "人": "people",
    "万人": "10,000 people",
    "名": "people",
    "件/万人": "per 10,000 people",
    "万千瓦": "10,000 kW",
    "万千瓦时": "10,000 kWh",
    "千瓦时/万元": "kWh/10,000 yuan",
    "吨": "t",
    "万吨": "10,000 t",
    "万吨标准煤": "10,000 tce",
    "吨/万元": "t/10,000 yuan",
    "吨标准煤/万元": "tce/10,000 yuan",
    "立方米/万元": "m³/10,000 yuan",
    "万平方米": "10,000 m²",
    "家": "firms",
    "万家": "10,000 firms",
    "个": "",
    "件": "",
    "项": "",
    "台": "",
    "条": "",
    "支": "",
    "场": "events",
    "年": "years",
    "指数": "index",
}


def unit_en(unit: str | None) -> str:
    """A unit in English: 亿元 → "100 million yuan", 万元/亩 → "10,000 yuan/mu"; a count word (个, 项) has
    none; a unit not in UNITS_EN stays as written."""
    return UNITS_EN.get(unit or "", unit or "")
