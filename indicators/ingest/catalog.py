"""The catalog the parser matches against, and the matching itself (no Django import).

The Django side builds an :class:`IngestCatalog` from the database; :class:`CatalogIndex` turns it into
lookup tables for spreadsheet headers (indicator names, aliases) and region names/codes by year.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field

from .results import clip
from .units import INVISIBLE, parse_unit

__all__ = [
    "IndicatorSpec",
    "RegionSpec",
    "IndustrySpec",
    "IngestCatalog",
    "CatalogIndex",
    "IndicatorMatch",
    "RegionResolution",
    "clean_text",
    "norm_key",
    "norm_indicator",
    "strip_label_prefix",
]


@dataclass(frozen=True)
class IndicatorSpec:
    """An indicator that may be uploaded. ``unit`` is canonical; values are converted to it."""

    code: str
    name: str
    unit: str
    aliases: tuple[str, ...] = ()
    aliases_until: dict[str, int] = field(default_factory=dict, hash=False)  # alias → last year it is valid
    nonnegative: bool = True
    is_share: bool = False  # a % bounded 0–100
    growth_of: str | None = None  # comparable-price growth rate of that indicator (may be negative, unbounded)


@dataclass(frozen=True)
class RegionSpec:
    """A province, city or county; ``successor`` is the code its data belongs to after ``valid_to``."""

    code: str
    name: str
    short_name: str
    level: str  # province | city | county
    valid_from: int | None = None
    valid_to: int | None = None
    successor: str | None = None
    # every unit it was formed from; one that continues (余杭区 for 临平区) marks this unit as split off
    predecessors: tuple[str, ...] = ()


@dataclass(frozen=True)
class IndustrySpec:
    """A GB/T 4754 division (code ``C17``) or a named set of them (code ``traditional-mfg``)."""

    code: str
    name: str


@dataclass
class IngestCatalog:
    indicators: list[IndicatorSpec]
    regions: list[RegionSpec]
    current_year: int
    industries: list[IndustrySpec] = field(default_factory=list)
    clusters: dict[str, str] = field(default_factory=dict)  # 415X cluster slug → name (a 集群 cell names one)


# ---------------------------------------------------------------------------------------------
# text normalisation

_PUNCT = str.maketrans(
    {
        "【": "(",
        "】": ")",
        "〔": "(",
        "〕": ")",
        "[": "(",
        "]": ")",
        "〈": "(",
        "〉": ")",
        "《": "",
        "》": "",
        "“": "",
        "”": "",
        "‘": "",
        "’": "",
        '"': "",
        "'": "",
        "‐": "-",
        "‑": "-",
        "‒": "-",
        "–": "-",
        "—": "-",
        "―": "-",
        "−": "-",
        "·": "",
        "•": "",
    }
)
_LABEL_PREFIX_RE = re.compile(
    r"^(?:其中[:,]?|内[:：]|\d{1,2}[.、](?!\d)|\(\d{1,2}\)|[一二三四五六七八九十]{1,3}[、.]|\([一二三四五六七八九十]{1,3}\)|[#*△▲]+)+"
)


def clean_text(value) -> str:
    """NFKC (full-width → half-width, U+3000 → space), drop invisible characters and all whitespace."""
    s = unicodedata.normalize("NFKC", str(value)).translate(INVISIBLE)
    return "".join(s.split())


def norm_key(value) -> str:
    """Key for comparing labels: cleaned, brackets/dashes/quotes unified, case-folded."""
    return clean_text(value).translate(_PUNCT).casefold()


def strip_label_prefix(key: str) -> str:
    """Drop list numbering and 其中: from a row label: ``"(一)其中:新产品产值"`` → ``"新产品产值"``."""
    return _LABEL_PREFIX_RE.sub("", key).strip(":,;")


def norm_indicator(value) -> str:
    """Key for indicator names: also 规上 → 规模以上, 规模以上工业企业 → 规模以上工业."""
    s = strip_label_prefix(norm_key(value))
    s = s.replace("规上", "规模以上").replace("规模以上工业企业", "规模以上工业")
    if s.startswith("(") and s.endswith(")") and s.count("(") == 1:
        s = s[1:-1]  # 【工业投资】 → 工业投资
    return s.rstrip(":")


_TRAILING_BRACKET_RE = re.compile(r"^(.*)\(([^()]*)\)$")
_ALL_BRACKETS_RE = re.compile(r"\([^()]*\)")


def split_trailing_unit(key: str) -> tuple[str, str | None]:
    """``"规上工业增加值(亿元)"`` → (``"规上工业增加值"``, ``"亿元"``); brackets that are not a unit stay."""
    m = _TRAILING_BRACKET_RE.match(key)
    if m:
        inner = m.group(2)
        inner_unit = re.sub(r"^(计量)?单位[:]?", "", inner)
        if parse_unit(inner_unit) is not None:
            return m.group(1), inner_unit
    return key, None


def header_name(text) -> tuple[str, str | None]:
    """A column header's name and unit: ``"生产总值 （亿元"`` → (``"生产总值"``, ``"亿元"``); a yearbook header
    whose closing bracket was lost is closed first."""
    return split_trailing_unit(close_bracket(norm_key(text)))


def close_bracket(key: str) -> str:
    """``"生产总值(亿元"`` → ``"生产总值(亿元)"``: a yearbook header whose closing bracket was lost."""
    return key + ")" if key.count("(") == key.count(")") + 1 else key


# ---------------------------------------------------------------------------------------------
# indicators


@dataclass
class IndicatorMatch:
    spec: IndicatorSpec
    unit: str | None  # unit written inside the header, e.g. (亿元)
    alias: str | None  # the alias as written in the catalog, when matched through one
    alias_until: int | None  # last year that alias is valid, if limited


@dataclass
class RegionResolution:
    code: str | None
    warning: str | None = None
    error: str | None = None
    back_series: bool = False  # a year before the unit was split off: its value under today's boundaries


_LEVEL_RANK = {"province": 1, "city": 2, "county": 3}


class CatalogIndex:
    """Lookup tables built once per upload from an :class:`IngestCatalog`."""

    def __init__(self, catalog: IngestCatalog):
        self.catalog = catalog
        self.current_year = catalog.current_year
        self.indicators = {spec.code: spec for spec in catalog.indicators}
        # growth series by the indicator they measure: value_added → value_added_growth
        self.growth_series: dict[str, IndicatorSpec] = {}
        for spec in catalog.indicators:
            if spec.growth_of:
                self.growth_series.setdefault(spec.growth_of, spec)
        # normalised label → {code: (priority, alias-as-written or None)}
        self._ind_keys: dict[str, dict[str, tuple[int, str | None]]] = {}
        self._ind_codes = {spec.code.casefold(): spec for spec in catalog.indicators}
        self._alias_until: dict[tuple[str, str], int] = {}
        for spec in catalog.indicators:
            self._add_ind(norm_indicator(spec.name), spec, 2, None)
            for alias in spec.aliases:
                self._add_ind(norm_indicator(alias), spec, 1, alias)
            for alias, until in spec.aliases_until.items():
                self._alias_until[(spec.code, norm_indicator(alias))] = int(until)

        # a 行业 cell names an industry by its code (C17, c17) or its name (纺织业, 重点传统制造业)
        self.industries = {i.code: i for i in catalog.industries}
        self._industry_keys = {norm_key(i.code): i.code for i in catalog.industries}
        self._industry_keys.update({norm_key(i.name): i.code for i in catalog.industries})
        self.clusters = dict(catalog.clusters)
        self._cluster_keys = {norm_key(slug): slug for slug in self.clusters}
        self._cluster_keys.update({norm_key(name): slug for slug, name in self.clusters.items()})

        self.regions = {r.code: r for r in catalog.regions}
        self._reg_keys: dict[str, dict[str, int]] = {}  # key → {code: priority}
        self._predecessors: dict[str, list[RegionSpec]] = {}
        for r in catalog.regions:
            if r.successor:
                self._predecessors.setdefault(r.successor, []).append(r)
            for key, prio in self._region_keys(r):
                slot = self._reg_keys.setdefault(key, {})
                slot[r.code] = max(prio, slot.get(r.code, 0))
        self._title_keys = sorted((k for k in self._reg_keys if len(k) >= 2 and not k.isdigit()), key=len, reverse=True)

    # -- indicators ------------------------------------------------------------------------------

    def _add_ind(self, key: str, spec: IndicatorSpec, prio: int, alias: str | None) -> None:
        if not key:
            return
        slot = self._ind_keys.setdefault(key, {})
        if spec.code not in slot or slot[spec.code][0] < prio:
            slot[spec.code] = (prio, alias)

    def _lookup_key(self, key: str) -> tuple[IndicatorMatch | None, str | None]:
        slot = self._ind_keys.get(key)
        if not slot:
            return None, None
        best = max(p for p, _ in slot.values())
        codes = [c for c, (p, _) in slot.items() if p == best]
        if len(codes) > 1:
            names = "、".join(self.indicators[c].name for c in sorted(codes))
            return None, f"有歧义，可能是：{names}"
        code = codes[0]
        alias = slot[code][1]
        until = self._alias_until.get((code, key)) if alias is not None else None
        return IndicatorMatch(self.indicators[code], None, alias, until), None

    def match_indicator(self, text) -> tuple[IndicatorMatch | None, str | None]:
        """Match a header/row label to an indicator: (match, None), (None, error detail) or (None, None)."""
        raw = str(text)
        full = close_bracket(norm_indicator(raw))
        if not full:
            return None, None
        code_hit = self._ind_codes.get(clean_text(raw).casefold())
        if code_hit is not None:
            return IndicatorMatch(code_hit, None, None, None), None
        head, unit = split_trailing_unit(full)
        tries = [(full, None), (head, unit)]
        if unit is not None:
            head2, unit2 = split_trailing_unit(head)
            if unit2 is None:
                tries.append((_ALL_BRACKETS_RE.sub("", head), unit))
        else:
            tries.append((_ALL_BRACKETS_RE.sub("", full), None))
        # 年末常住人口 is 常住人口 (a stock is read at the year's end); 全年用电量 is 用电量
        tries += [(k[2:], u) for k, u in list(tries) if k.startswith(("年末", "全年"))]
        for key, key_unit in tries:
            if not key:
                continue
            match, err = self._lookup_key(key)
            if err:
                return None, err
            if match is not None:
                match.unit = key_unit
                return match, None
        return None, None

    # -- industries ------------------------------------------------------------------------------

    def resolve_industry(self, text) -> tuple[str | None, str | None]:
        """(code, None) for a 行业 cell; ("", None) for an empty one (the whole economy); (None, error)."""
        if text is None or not clean_text(text):
            return "", None
        code = self._industry_keys.get(norm_key(text))
        if code is None:
            return None, f'未知行业 "{clip(clean_text(text))}"（应填行业代码如 C17、行业名称或行业组合名称）'
        return code, None

    def resolve_cluster(self, text) -> tuple[str | None, str | None]:
        """(slug, None) for a 集群 cell (its name or slug); ("", None) for an empty one (the region's own
        figure); (None, error) for a cluster not in the catalog."""
        if text is None or not clean_text(text):
            return "", None
        slug = self._cluster_keys.get(norm_key(text))
        if slug is None:
            return None, f'未知集群 "{clip(clean_text(text))}"（应填“415X”集群名称，如 现代纺织与服装）'
        return slug, None

    # -- regions ---------------------------------------------------------------------------------

    @staticmethod
    def _region_keys(r: RegionSpec):
        name, short = norm_key(r.name), norm_key(r.short_name or r.name)
        yield r.code, 3
        yield name, 3
        yield short, 2
        if r.level == "province":
            for k in ("全省", "浙江", "浙江省", "全省合计", "全省总计"):
                yield k, 3 if k != "浙江" else 2
        elif r.level == "city":
            if not short.endswith("市"):
                yield short + "市", 1
        else:
            for suffix in ("县", "市", "区"):
                if not short.endswith(suffix):
                    yield short + suffix, 1

    @staticmethod
    def valid_in(r: RegionSpec, year: int) -> bool:
        return (r.valid_from is None or year >= r.valid_from) and (r.valid_to is None or year <= r.valid_to)

    @staticmethod
    def region_key(text) -> str:
        """Normalise a region cell: codes as 6 digits (330109.0 → "330109"), names cleaned of indentation."""
        if isinstance(text, bool):
            return str(text)
        if isinstance(text, int | float):
            if isinstance(text, float) and not text.is_integer():
                return repr(text)
            text = str(int(text))
        key = strip_label_prefix(norm_key(text))
        if re.fullmatch(r"\d{12}", key) and key.endswith("000000"):
            key = key[:6]
        return key

    def knows_region(self, text) -> bool:
        return self.region_key(text) in self._reg_keys

    def region_candidates(self, text) -> dict[str, int]:
        return self._reg_keys.get(self.region_key(text), {})

    def display(self, code: str) -> str:
        r = self.regions.get(code)
        return r.name if r else code

    def resolve_region(self, text, year: int) -> RegionResolution:
        """The code valid in ``year`` for a region name or code, following renames with a warning.

        绍兴县 (valid to 2012, successor 柯桥区) in 2011 → 330621; in 2015 → 330603 with a warning;
        柯桥区 (valid from 2013) in 2011 → its predecessor 330621 with a warning.
        """
        shown = clean_text(text) if not isinstance(text, float) else self.region_key(text)
        cands = self.region_candidates(text)
        if not cands:
            return RegionResolution(None, error=f'未知地区 "{clip(shown)}"')
        valid = {c: p for c, p in cands.items() if self.valid_in(self.regions[c], year)}
        pool = valid or cands
        best = max(pool.values())
        codes = sorted(c for c, p in pool.items() if p == best)
        if len(codes) > 1:
            names = "、".join(f"{self.regions[c].name}（{c}）" for c in codes)
            return RegionResolution(None, error=f'地区 "{clip(shown)}" 有歧义，可能是：{names}，请写全称或地区代码')
        code = codes[0]
        if valid:
            named = [c for c, p in cands.items() if p > valid[code]]  # 玉环市 in 2015: the name of today's unit
            r = self.regions[named[0]] if len(named) == 1 else None
            if r is not None and r.valid_from is not None and year < r.valid_from:
                return RegionResolution(
                    code,
                    warning=(
                        f'地区 "{r.name}" 自 {r.valid_from} 年起设立，{year} 年数据记入其前身 '
                        f'"{self.regions[code].name}"（{code}）'
                    ),
                )
            return RegionResolution(code)
        r = self.regions[code]
        if r.valid_to is not None and year > r.valid_to:
            seen, cur = {code}, r
            while cur.successor and cur.successor in self.regions and cur.successor not in seen:
                cur = self.regions[cur.successor]
                seen.add(cur.code)
                if self.valid_in(cur, year):
                    return RegionResolution(
                        cur.code,
                        warning=(
                            f'地区 "{r.name}" 有效期至 {r.valid_to} 年，{year} 年数据记入其后继地区 "{cur.name}"（{cur.code}）'
                        ),
                    )
            return RegionResolution(None, error=f'地区 "{r.name}" 在 {year} 年已不存在（有效期至 {r.valid_to} 年）')
        if r.valid_from is not None and year < r.valid_from and self.split_off(r):
            return RegionResolution(
                code,
                back_series=True,
                warning=(
                    f'地区 "{r.name}" 自 {r.valid_from} 年起设立，{year} 年数值按现行区划回溯（back-series），'
                    "只用于本地区的序列，不计入当年市、省合计"
                ),
            )
        if r.valid_from is not None and year < r.valid_from:
            frontier, seen = [code], {code}
            while frontier:
                nxt = []
                for c in frontier:
                    for p in self._predecessors.get(c, []):
                        if p.code in seen:
                            continue
                        seen.add(p.code)
                        if self.valid_in(p, year):
                            return RegionResolution(
                                p.code,
                                warning=(
                                    f'地区 "{r.name}" 自 {r.valid_from} 年起设立，{year} 年数据记入其前身 "{p.name}"（{p.code}）'
                                ),
                            )
                        nxt.append(p.code)
                frontier = nxt
            return RegionResolution(None, error=f'地区 "{r.name}" 在 {year} 年尚未设立（自 {r.valid_from} 年起有效）')
        return RegionResolution(None, error=f'地区 "{r.name}" 在 {year} 年无效')  # pragma: no cover

    def split_off(self, r: RegionSpec) -> bool:
        """Whether ``r`` was carved out of a unit that goes on (临平区 from 余杭区, 龙港市 from 苍南县, 钱塘区 partly
        from 萧山区), rather than renamed from or merged out of units that ended (玉环县 → 玉环市)."""
        return any(p in self.regions and self.regions[p].valid_to is None for p in r.predecessors)

    def lineage(self, code: str) -> set[str]:
        """``code`` with all its predecessors and successors: the codes one county's data may carry."""
        out = {code}
        frontier = [code]
        while frontier:
            c = frontier.pop()
            for p in self._predecessors.get(c, []):
                if p.code not in out:
                    out.add(p.code)
                    frontier.append(p.code)
        cur = self.regions.get(code)
        while cur and cur.successor and cur.successor not in out:
            out.add(cur.successor)
            cur = self.regions.get(cur.successor)
        return out

    def regions_in_text(self, text: str) -> list[str]:
        """Region keys named in a title, most specific level first; longest non-overlapping matches.

        "景宁畲族自治县主要工业指标" → ["景宁畲族自治县"]; "浙江省景宁县…" → ["景宁县"] (county before province).
        """
        s = norm_key(text)
        taken = [False] * len(s)
        found: list[str] = []
        for key in self._title_keys:
            start = s.find(key)
            while start != -1:
                end = start + len(key)
                if not any(taken[start:end]):
                    for i in range(start, end):
                        taken[i] = True
                    if key not in found:
                        found.append(key)
                start = s.find(key, start + 1)
        if not found:
            return []

        def rank(key: str) -> int:
            return max(_LEVEL_RANK.get(self.regions[c].level, 0) for c in self._reg_keys[key])

        top = max(rank(k) for k in found)
        return [k for k in found if rank(k) == top]
