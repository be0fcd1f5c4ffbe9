"""Recognise the layout of a sheet and turn its cells into candidates (no Django import).

Detection looks at the first 40 rows for a header row, in this order:

1. ``template`` (long form): a row with 数值 + 指标 (or 指标代码) + 地区 (or 地区代码) columns;
2. ``report`` (a county's yearly report): 指标 column + a 本年/本期 column (上年, 比上年增长 optional);
3. ``series`` (one region, years as columns): 指标 column + columns headed 2019年 / 2020 …;
4. ``rollup`` (regions as rows, indicators as columns): the row with most cells naming an indicator,
   with a region column (headed 地区/县（市、区）…, or the column whose cells are region names).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from .catalog import (
    CatalogIndex,
    IndicatorMatch,
    IndicatorSpec,
    clean_text,
    header_name,
    norm_indicator,
    norm_key,
    strip_label_prefix,
)
from .readers import Grid
from .results import ColumnReading, IssueLog, clip, parse_flag
from .units import parse_unit, same_family
from .validate import Candidate, Validator, display, is_missing, parse_number, year_error

__all__ = ["Options", "SheetParser", "is_instruction_sheet"]

HEADER_SCAN_ROWS = 40

_ROLE_LABELS = {
    "region_code": {"地区代码", "行政区划代码", "区划代码", "代码", "地区编码", "行政代码", "地区代码(6位)"},
    "indicator_code": {"指标代码", "指标编码"},
    "industry": {"行业", "行业代码", "行业名称", "所属行业"},
    "cluster": {"集群", "集群名称", "产业集群", "所属集群"},
    "region": {
        "地区",
        "地区名称",
        "市县名称",
        "县(市、区)名称",
        "县(市、区)",
        "县(市,区)",
        "县、市、区",
        "县市区",
        "县(市区)",
        "县(市)",
        "市、县(市、区)",
        "区域",
        "地域",
        "行政区划",
        "行政区",
        "区县",
        "县区",
        "市县",
        "市县区",
        "设区市",
        "地市",
        "各地",
        "地区(县市区)",
    },
    "indicator": {"指标", "指标名称", "项目", "主要指标", "指标项目", "项目名称", "指标名"},
    "unit": {"计量单位", "单位", "计算单位", "计量单位名称"},
    "year": {"年份", "年度", "年", "统计年度", "数据年份", "统计年份"},
    "value": {"数值", "数据", "值", "指标值", "填报值", "数据值", "填报数值"},
    "ignore": {"序号", "排名", "位次", "排序", "编号", "说明", "数据来源", "来源", "填报说明"},
    "note": {"备注", "附注"},  # kept with each value of its row (Observation.note)
    "flag": {"数据标记", "标记"},
}
_ROLE_OF = {label: role for role, labels in _ROLE_LABELS.items() for label in labels}
_CORNER_RE = re.compile(
    r"^(?:(?:地区|县\(市、区\)|县市区|区域|单位)[/\\、-]?(?:指标|项目)|(?:指标|项目)[/\\、-]?(?:地区|县\(市、区\)|县市区|区域))$"
)

_FOOTNOTE_RE = re.compile(
    r"^(注|说明|资料来源|数据来源|备注|附注|注释|填表人|制表|审核|单位负责人|统计负责人|填报日期|报出日期)"
)
_TOTAL_LABELS = {"合计", "总计", "小计", "全市", "全市合计", "全县", "总计(不含宁波)"}
_TOTAL_SUFFIX_RE = re.compile(r"^(.+?)(合计|小计|总计)$")
_YEAR_HEADER_RE = re.compile(r"^(\d{4})(?:年度?)?(?:\(.*\))?$")
_YEAR_IN_TEXT_RE = re.compile(r"((?:19|20)\d{2})\s*年")
_YEAR_IN_SHEET_RE = re.compile(r"(?<!\d)((?:19|20)\d{2})(?!\d)")
_UNIT_LINE_RE = re.compile(r"(?:计量)?单位[:：]\s*([^\s,，;；)）]+)")
_BRACKETS_RE = re.compile(r"\([^()]*\)")
_TRAILING_BRACKET_RE = re.compile(r"\(([^()]*)\)$")

_INSTRUCTION_SHEETS = {"说明", "填报说明", "填表说明", "使用说明", "指标说明", "指标解释", "目录", "readme"}


def is_instruction_sheet(name: str) -> bool:
    return norm_key(name) in _INSTRUCTION_SHEETS


def hkey(value) -> str:
    return norm_key(display(value)) if value is not None else ""


def role_of(key: str) -> str | None:
    role = _ROLE_OF.get(key)
    if role is None and _CORNER_RE.match(key):
        return "region"
    return role


def period_kind(key: str) -> str | None:
    """Classify a column header: current (本年), previous (上年), growth (比上年增长%), share (比重) or None."""
    base = _BRACKETS_RE.sub("", key)
    if not base:
        return None
    if "比重" in base or base.startswith("占") or "占比" in base:
        return "share"
    if any(w in base for w in ("增长", "增速", "增幅", "增减", "±", "同比", "+-")):
        return "growth"
    if base.startswith(("上年", "去年", "上期", "上一年")):
        return "previous"
    if base in {
        "绝对值",
        "总量",
        "数值",
        "金额",
        "总额",
        "今年",
        "全年",
        "实际",
        "完成",
        "完成值",
        "累计",
        "1-12月",
        "绝对数",
    }:
        return "current"
    if base.startswith(("本年", "本期")):
        return "current"
    return None


def bracket_unit(text) -> str | None:
    """The unit in a header's trailing brackets ("增长(%)" → "%"), or the whole text if it is a unit."""
    if text is None:
        return None
    s = display(text)
    if parse_unit(s) is not None:
        return s
    m = _TRAILING_BRACKET_RE.search(norm_key(s))
    if m and parse_unit(m.group(1)) is not None:
        return m.group(1)
    return None


def year_of_header(value) -> int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int) and 1000 <= value <= 2999:
        return value
    if isinstance(value, float) and value.is_integer() and 1000 <= value <= 2999:
        return int(value)
    if isinstance(value, str):
        m = _YEAR_HEADER_RE.match(norm_key(value))
        if m and 1000 <= int(m.group(1)) <= 2999:
            return int(m.group(1))
    return None


def year_of_cell(value) -> int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, float) and value.is_integer() and abs(value) < 1e6:
        return int(value)
    if isinstance(value, str):
        m = re.fullmatch(r"(\d{1,4})(?:年度?)?", clean_text(value))
        if m:
            return int(m.group(1))
    return None


@dataclass
class Options:
    year: int | None = None
    region_code: str | None = None
    # the user's reading of columns: norm_indicator(header) → indicator code, or "" to skip the column
    column_map: dict[str, str] = field(default_factory=dict)
    skip_unknown: bool = False  # unknown columns are skipped and listed instead of refusing the file


@dataclass
class _Col:
    match: IndicatorMatch
    kind: str  # current | previous | growth
    unit: str | None
    unit_cell: str
    header_cell: str  # the indicator name
    kind_cell: str = ""  # the sub-header that made it a growth/previous column, if any
    label: str = ""  # the header as read: "生产总值/工业"
    how: str = "matched"  # see ColumnReading


@dataclass
class _Head:
    col: int
    parts: list[tuple[str, str]]  # (text, cell) from the top header row down, the parent first


class SheetParser:
    """Parse one grid: each value cell found goes to the validator, problems to the shared log."""

    def __init__(
        self, grid: Grid, index: CatalogIndex, opts: Options, log: IssueLog, validator: Validator, *, csv: bool = False
    ):
        self.g = grid
        self.idx = index
        self.opts = opts
        self.log = log
        self.csv = csv
        self.sheet = grid.name
        self.validator = validator
        # a region text is resolved, and reported on, once per sheet and year (at its first cell)
        self._regions: dict[tuple[str, int], str | None] = {}
        self.columns: list[ColumnReading] = []  # how each value column of a table was read
        self.skipped_rows: list[str] = []

    # -- helpers ---------------------------------------------------------------------------------

    def error(self, r: int | None, c: int | None, msg: str) -> None:
        self.log.error(self.sheet, self.g.addr(r, c) if r is not None else "", msg)

    def error_at(self, cell: str, msg: str) -> None:
        self.log.error(self.sheet, cell, msg)

    def warn(self, r: int | None, c: int | None, msg: str) -> None:
        self.log.warn(self.sheet, self.g.addr(r, c) if r is not None else "", msg)

    def _cols(self) -> range:
        return range(self.g.col0, self.g.col_end)

    def _text_cells(self, r0: int, r1: int):
        for r in range(max(r0, self.g.row0), min(r1, self.g.row_end)):
            for c in self._cols():
                v = self.g.get(r, c)
                if isinstance(v, str) and v.strip():
                    yield r, c, v

    def _resolve_region(self, key, year: int, cell: str) -> str | None:
        seen = (str(key), year)
        if seen in self._regions:
            return self._regions[seen]
        res = self.idx.resolve_region(key, year)
        if res.error:
            self.log.error(self.sheet, cell, res.error)
        elif res.warning:
            self.log.warn(self.sheet, cell, res.warning)
        self._regions[seen] = res.code
        return res.code

    def _alias_warning(self, match: IndicatorMatch, year: int, cell: str) -> None:
        if match.alias_until is not None and year > match.alias_until:
            self.log.warn(
                self.sheet,
                cell,
                f'指标名称 "{match.alias}" 只适用于 {match.alias_until} 年及以前，{match.alias_until + 1} 年及以后的数据'
                f'已按 "{match.spec.name}" 导入，请核对统计口径',
            )

    def _add(
        self,
        *,
        r,
        c,
        region,
        region_cell,
        spec: IndicatorSpec,
        year,
        unit,
        unit_cell,
        industry="",
        cluster="",
        note_col=None,
        flag="",
    ) -> None:
        err = year_error(year, self.idx)
        if err:
            self.error(r, c, err)
            return
        note = display(self.g.get(r, note_col)) if note_col is not None else ""
        self.validator.add(
            Candidate(
                self.sheet,
                self.g.addr(r, c),
                region,
                region_cell,
                spec,
                year,
                self.g.get(r, c),
                unit,
                unit_cell,
                industry=industry,
                cluster=cluster,
                note=note,
                flag=flag,
            )
        )

    def _industry(self, r: int, c: int | None) -> str | None:
        """The row's 行业 cell as an Industry code (see _catalog_code)."""
        return self._catalog_code(r, c, self.idx.resolve_industry)

    def _cluster(self, r: int, c: int | None) -> str | None:
        """The row's 集群 cell as a cluster slug (see _catalog_code)."""
        return self._catalog_code(r, c, self.idx.resolve_cluster)

    def _catalog_code(self, r: int, c: int | None, resolve) -> str | None:
        """The cell's code by `resolve` ("" without the column or with the cell empty); None, with an error
        naming the cell, for a name the catalog does not hold."""
        if c is None:
            return ""
        code, err = resolve(self.g.label(r, c))
        if err:
            self.error(r, c, err)
        return code

    @staticmethod
    def _all_missing(values) -> bool:
        return all(is_missing(v) for v in values)

    def _sheet_year(self, header_row: int) -> int | None:
        """Year of a one-year sheet: the ``year`` argument, else the sheet name, else a title above the header."""
        found, cell = None, None
        m = _YEAR_IN_SHEET_RE.search(self.sheet) if not self.csv else None
        if m:
            found, cell = int(m.group(1)), ""
            where = "工作表名称"
        else:
            for r, c, v in self._text_cells(self.g.row0, header_row):
                m = _YEAR_IN_TEXT_RE.search(clean_text(v))
                if m:
                    found, cell, where = int(m.group(1)), self.g.addr(r, c), "标题"
                    break
        if self.opts.year is not None:
            if found is not None and found != self.opts.year:
                self.log.error(self.sheet, cell, f"{where}中的年份 {found} 与上传时选择的年份 {self.opts.year} 不一致")
                return None
            return self.opts.year
        if found is None:
            self.log.error(
                self.sheet, "", '无法确定年份：请在工作表名称或标题中注明年份（如 "2023年"），或上传时选择年份'
            )
            return None
        err = year_error(found, self.idx)
        if err:
            self.log.error(self.sheet, cell, err)
            return None
        return found

    def _sheet_region(self, header_row: int) -> tuple[str | None, str]:
        """Region of a one-region sheet: the ``region_code`` argument, else the title (or sheet name)."""
        found: list[tuple[str, str]] = []  # (key, cell)
        for r, c, v in self._text_cells(self.g.row0, header_row):
            for key in self.idx.regions_in_text(v):
                found.append((key, self.g.addr(r, c)))
            if found:
                break
        if not found and not self.csv:
            found = [(k, "") for k in self.idx.regions_in_text(self.sheet)]
        if self.opts.region_code:
            allowed = self.idx.lineage(self.opts.region_code)
            for key, cell in found:
                if not set(self.idx.region_candidates(key)) & allowed:
                    self.log.error(
                        self.sheet,
                        cell,
                        f'标题中的地区 "{clip(key)}" 与上传地区 "{self.idx.display(self.opts.region_code)}" 不一致',
                    )
                    return None, cell
            return self.opts.region_code, found[0][1] if found else ""
        keys = list(dict.fromkeys(k for k, _ in found))
        if not keys:
            self.log.error(self.sheet, "", "无法确定地区：请在标题中写明地区名称，或上传时选择地区")
            return None, ""
        if len(keys) > 1:
            self.log.error(self.sheet, found[0][1], f"标题中有多个地区（{'、'.join(keys)}），请上传时选择地区")
            return None, found[0][1]
        return keys[0], found[0][1]

    # -- detection -------------------------------------------------------------------------------

    def parse(self) -> str | None:
        """Detect the shape and extract candidates; returns the shape name or None if unrecognised."""
        g = self.g
        limit = min(g.row_end, g.row0 + HEADER_SCAN_ROWS)
        report = series = None
        for r in range(g.row0, limit):
            cells = {}
            for c in self._cols():
                v = g.label(r, c)
                k = hkey(v)
                if k:
                    cells[c] = (v, k)
            if not cells:
                continue
            roles: dict[str, int] = {}
            twice: dict[str, int] = {}  # a role's second column
            for c, (_, k) in cells.items():
                role = role_of(k)
                if role and role not in roles:
                    roles[role] = c
                elif role:
                    twice.setdefault(role, c)
            has_ind = "indicator" in roles or "indicator_code" in roles
            has_region = "region" in roles or "region_code" in roles or bool(self.opts.region_code)
            if "value" in roles and has_ind and has_region:
                if "value" in twice:  # which one holds the figures is anyone's guess
                    first, second = (g.addr(r, roles["value"]), g.addr(r, twice["value"]))
                    self.error(r, twice["value"], f"表头中有两个数值列（{first}、{second}），无法确定导入哪一列")
                else:
                    self._parse_long(r, roles)
                return "template"
            if report is None and any(
                period_kind(k) == "current" and role_of(k) is None for c, (_, k) in cells.items()
            ):
                ind_col = roles.get("indicator")
                if ind_col is None:
                    ind_col = self._guess_indicator_col(r, cells)
                if ind_col is not None:
                    report = (r, ind_col, roles.get("unit"), cells)
            if series is None:
                years = {c: y for c, (v, _) in cells.items() if (y := year_of_header(v)) is not None}
                if years:
                    ind_col = roles.get("indicator")
                    if ind_col is None and len(years) >= 2:
                        ind_col = self._guess_indicator_col(r, cells)
                    if ind_col is not None and ind_col not in years:
                        series = (r, ind_col, roles.get("unit"), years, cells)
        if report is not None:
            self._parse_report(*report)
            return "report"
        if series is not None:
            self._parse_series(*series)
            return "series"
        return self._detect_rollup(limit)

    def _guess_indicator_col(self, header_row: int, cells) -> int | None:
        """Leftmost column whose cells below the header name indicators (for headers without 指标)."""
        best, best_n = None, 0
        first_value_col = min(cells) if cells else self.g.col0
        for c in range(self.g.col0, max(first_value_col, self.g.col0 + 1)):
            n = 0
            for r in range(header_row + 1, min(self.g.row_end, header_row + 60)):
                v = self.g.get(r, c)
                if isinstance(v, str) and self.idx.match_indicator(v)[0] is not None:
                    n += 1
            if n > best_n:
                best, best_n = c, n
        return best

    # -- 1. long form / official template --------------------------------------------------------

    def _parse_long(self, h: int, roles: dict[str, int]) -> None:
        g = self.g
        vcol = roles["value"]
        sheet_year = None
        if "year" not in roles:
            sheet_year = self._sheet_year(h)
            if sheet_year is None:
                return
        for r in range(h + 1, g.row_end):
            v = g.get(r, vcol)
            if is_missing(v):
                continue
            # indicator
            match = None
            if "indicator_code" in roles and g.get(r, roles["indicator_code"]) is not None:
                code = clean_text(display(g.get(r, roles["indicator_code"])))
                spec = self.idx.indicators.get(code)
                if spec is None:
                    self.error(r, roles["indicator_code"], f'未知指标代码 "{clip(code)}"')
                    continue
                match = IndicatorMatch(spec, None, None, None)
            elif "indicator" in roles:
                ic = roles["indicator"]
                label = g.label(r, ic)
                if label is None:
                    self.error(r, ic, "缺少指标名称")
                    continue
                match, err = self.idx.match_indicator(display(label))
                if match is None:
                    self.error(
                        r, ic, f'指标 "{clip(display(label))}" {err}' if err else f'未知指标 "{clip(display(label))}"'
                    )
                    continue
            else:
                self.error(r, roles["indicator_code"], "缺少指标代码")
                continue
            # year
            if "year" in roles:
                yc = roles["year"]
                yv = g.get(r, yc)
                if yv is None and self.opts.year is not None:
                    year = self.opts.year
                else:
                    year = year_of_cell(yv)
                    if year is None:
                        self.error(r, yc, f'"{clip(display(yv))}" 不是有效年份' if yv is not None else "缺少年份")
                        continue
                    err = year_error(year, self.idx)
                    if err:
                        self.error(r, yc, err)
                        continue
                    if self.opts.year is not None and year != self.opts.year:
                        self.error(r, yc, f"年份 {year} 与上传时选择的年份 {self.opts.year} 不一致")
                        continue
            else:
                year = sheet_year
            # region
            code_v = g.get(r, roles["region_code"]) if "region_code" in roles else None
            name_v = g.label(r, roles["region"]) if "region" in roles else None
            if code_v is not None:
                rcol = roles["region_code"]
                region = self._resolve_region(code_v, year, g.addr(r, rcol))
                if region is None:
                    continue
                if name_v is not None:
                    by_name = self.idx.resolve_region(name_v, year)
                    if by_name.code != region and region not in self.idx.region_candidates(name_v):
                        self.error(
                            r,
                            roles["region"],
                            f'地区代码 "{clip(display(code_v))}" 与地区名称 "{clip(display(name_v))}" 不一致',
                        )
                        continue
            elif name_v is not None:
                rcol = roles["region"]
                region = self._resolve_region(name_v, year, g.addr(r, rcol))
                if region is None:
                    continue
            elif self.opts.region_code and "region" not in roles and "region_code" not in roles:
                rcol = None
                region = self._resolve_region(self.opts.region_code, year, "")
                if region is None:
                    continue
            else:
                self.error(r, roles.get("region", roles.get("region_code")), "缺少地区")
                continue
            region_cell = g.addr(r, rcol) if rcol is not None else ""
            industry = self._industry(r, roles.get("industry"))
            cluster = self._cluster(r, roles.get("cluster"))
            if industry is None or cluster is None:
                continue
            # unit
            unit, unit_cell = match.unit, g.addr(r, vcol)
            if "unit" in roles:
                uv = g.get(r, roles["unit"])
                unit_cell = g.addr(r, roles["unit"])
                if uv is not None and display(uv):
                    unit = display(uv)
            label_cell = g.addr(r, roles.get("indicator", roles.get("indicator_code")))
            self._alias_warning(match, year, label_cell)
            fv = g.get(r, roles["flag"]) if "flag" in roles else None
            flag = parse_flag(None if fv is None else display(fv))
            if flag is None:
                self.error(r, roles["flag"], f'数据标记 "{clip(display(fv))}" 无效（可填 初步、修订、估算，或留空）')
                continue
            self._add(
                r=r,
                c=vcol,
                region=region,
                region_cell=region_cell,
                spec=match.spec,
                year=year,
                unit=unit,
                unit_cell=unit_cell,
                industry=industry,
                cluster=cluster,
                note_col=roles.get("note"),
                flag=flag,
            )

    # -- 2. provincial roll-up and yearbook tables ----------------------------------------------------

    def _detect_rollup(self, limit: int) -> str | None:
        """The header row: the first with a region label (市县名称, 地区…) beside another label, else the row
        with most cells naming an indicator; then the region column and the header's depth."""
        g = self.g
        header = None
        for r in range(g.row0, limit):
            labels = {c: hkey(g.label(r, c)) for c in self._cols()}
            labels = {c: k for c, k in labels.items() if k}
            region_cols = [c for c, k in labels.items() if role_of(k) in ("region", "region_code")]
            if region_cols and len(labels) > len(region_cols):
                header = r
                break
        if header is None:
            best_n = 0
            for r in range(g.row0, limit):
                n = sum(
                    1
                    for c in self._cols()
                    if isinstance(v := g.label(r, c), str) and self.idx.match_indicator(v)[0] is not None
                )
                if n > best_n:
                    header, best_n = r, n
        if header is None:
            return None
        return "rollup" if self._parse_rollup(header) else None

    def _header_depth(self, h: int, key_cols: set[int]) -> int:
        """How many rows the header spans (1–3): a row below it belongs to it while its region cell is empty (or
        merged from the header, or says 单位) and its other cells are labels or units, not figures."""
        g, depth = self.g, 1
        for r in range(h + 1, min(h + 3, g.row_end)):
            keys = [g.get(r, c) for c in key_cols]
            if any(v is not None and hkey(v) not in ("", "单位", "计量单位") for v in keys):
                break
            rest = [g.get(r, c) for c in self._cols() if c not in key_cols]
            rest = [v for v in rest if v is not None and display(v).strip()]
            if not rest or not all(isinstance(v, str) and parse_number(v).kind == "text" for v in rest):
                break
            depth += 1
        return depth

    def _header_columns(self, h: int, depth: int, key_cols: set[int]) -> list[_Head]:
        """Each column's header parts from top to bottom. A column whose top is empty (a blank merged cell over
        sub-columns, or a 其中/# child beside its total) hangs under the nearest titled column to its left."""
        g = self.g
        heads, last_top = [], None
        for c in self._cols():
            if c in key_cols:
                continue
            parts: list[tuple[str, str]] = []
            for r in range(h, h + depth):
                text = display(g.label(r, c)).strip()
                if text and (not parts or hkey(parts[-1][0]) != hkey(text)):
                    parts.append((text, g.addr(r, c)))
            top = display(g.label(h, c)).strip()
            if top:
                last_top = (top, g.addr(h, c))
            elif parts and last_top is not None:
                parts.insert(0, last_top)
            if parts:
                heads.append(_Head(c, parts))
        return heads

    def _read_head(self, head: _Head, title: str, last: _Col | None) -> tuple[_Col | None, ColumnReading]:
        """What a column holds: (its column, or None when it is not imported; the reading shown to the user)."""
        idx = self.idx
        names, unit, unit_cell, kind, kind_cell, kind_text = [], None, "", "current", "", ""
        for text, cell in head.parts:
            k = hkey(text)
            if parse_unit(text) is not None:
                unit, unit_cell = text, cell
            elif period_kind(k) and self.idx.match_indicator(text)[0] is None:  # 占…比重 may name an indicator
                kind, kind_cell, kind_text = period_kind(k), cell, clean_text(text)
                if bracket_unit(text):
                    unit, unit_cell = bracket_unit(text), cell
            else:
                names.append((text, cell))
        header_cell = names[-1][1] if names else head.parts[-1][1]
        label = "/".join(strip_label_prefix(header_name(t)[0]) for t, _ in names)
        if kind != "current" or not label:  # 规上工业增加值/比上年增长(%) beside 规上工业增加值
            label = "/".join(x for x in (label, kind_text or display(head.parts[-1][0])) if x)

        def reading(how, spec=None):
            return ColumnReading(
                self.sheet, header_cell, label, how, spec.code if spec else "", spec.name if spec else ""
            )

        if not names:  # 增长% beside a level, 绝对数 under nothing: the column to the left
            if last is None:
                return None, reading("ignored")
            label = f"{last.label}/{label}"  # 增长% right of 规上工业增加值: 规上工业增加值/增长%
            col = _Col(last.match, kind, unit, unit_cell, last.header_cell, kind_cell, label)
            return self._growth_or_level(col, label)
        name = names[-1][0]
        parent = names[-2][0] if len(names) > 1 else None
        match, how, err = None, "matched", None
        mapped = self._mapped(label, name)
        if mapped is not None:
            if mapped == "":
                return None, reading("skipped")
            match, how = IndicatorMatch(idx.indicators[mapped], None, None, None), "mapped"
        else:
            for try_text, try_how in self._qualified(name, parent, title):
                match, err = idx.match_indicator(try_text)
                if match is not None or err:
                    how = try_how
                    break
        if match is None:
            if err:
                self.error_at(header_cell, f'指标 "{clip(label)}" {err}')
                return None, reading("unknown")
            return None, reading("skipped" if self.opts.skip_unknown else "unknown")
        if match.unit:
            unit, unit_cell = match.unit, names[-1][1]
        elif unit is None and parent is not None:
            parent_unit = header_name(parent)[1]
            if parent_unit and same_family(parent_unit, match.spec.unit):
                unit, unit_cell = parent_unit, names[-2][1]
        col = _Col(match, kind, unit, unit_cell, header_cell, kind_cell, label, how)
        return self._growth_or_level(col, label)

    def _growth_or_level(self, col: _Col, label: str) -> tuple[_Col | None, ColumnReading]:
        spec = col.match.spec
        if col.kind == "share":
            return None, ColumnReading(self.sheet, col.kind_cell or col.header_cell, label, "ignored")
        if col.kind == "growth":
            growth = self.idx.growth_series.get(spec.code) if not spec.growth_of else None
            if growth is None:
                return None, ColumnReading(
                    self.sheet, col.kind_cell or col.header_cell, label, "ignored", spec.code, spec.name
                )
            return col, ColumnReading(
                self.sheet, col.kind_cell or col.header_cell, label, "growth", growth.code, growth.name
            )
        return col, ColumnReading(self.sheet, col.header_cell, label, col.how, spec.code, spec.name)

    def _mapped(self, label: str, name: str) -> str | None:
        """The user's choice for a column (--map or the preview): an indicator code, "" to skip, None if none."""
        for key in (norm_indicator(label), norm_indicator(header_name(name)[0])):
            if key in self.opts.column_map:
                return self.opts.column_map[key]
        return None

    @staticmethod
    def _qualified(name: str, parent: str | None, title: str):
        """Header texts to try, most specific first, with how each reads the column. A component of 生产总值 is
        whole-economy value added (工业 → 全部工业增加值), never a 规模以上 figure; a 规模以上工业 title makes a
        bare 工业总产值 / 营业收入 / 利润总额 mean the 规模以上 indicator."""
        key = norm_indicator(name)
        if parent is not None and "生产总值" in norm_key(parent):
            base = strip_label_prefix(header_name(name)[0])
            yield f"全部{base}增加值", "qualified"
            yield name, "matched"  # an alias the user gave this column (remembered from the preview)
            return
        if "规模以上工业" in norm_indicator(title) and not key.startswith("规模以上"):
            yield ("规模以上" + name if key.startswith("工业") else "规模以上工业" + name), "qualified"
        yield name, "matched"

    def _parse_rollup(self, h: int) -> bool:
        g, idx = self.g, self.idx
        region_col = code_col = unit_col = industry_col = cluster_col = note_col = None
        for c in self._cols():
            role = role_of(hkey(g.label(h, c)))
            if role == "region" and region_col is None:
                region_col = c
            elif role == "region_code" and code_col is None:
                code_col = c
            elif role == "unit" and unit_col is None:
                unit_col = c
            elif role == "industry" and industry_col is None:
                industry_col = c
            elif role == "cluster" and cluster_col is None:
                cluster_col = c
            elif role == "note" and note_col is None:
                note_col = c
        ignored_cols = {
            c for c in self._cols() if role_of(hkey(g.label(h, c))) in ("ignore", "indicator", "year", "value", "flag")
        }
        key_cols = {c for c in (region_col, code_col, unit_col, industry_col, cluster_col, note_col) if c is not None}
        depth = self._header_depth(h, key_cols or {g.col0})
        data_start = h + depth
        if region_col is None and code_col is None:
            region_col = self._guess_region_col(data_start, [c for c in self._cols() if c not in key_cols])
            if region_col is None:
                return False
            key_cols.add(region_col)
        title = " ".join(display(v) for _, _, v in self._text_cells(g.row0, h))
        cols: dict[int, _Col] = {}
        readings: list[ColumnReading] = []
        last = None
        for head in self._header_columns(h, depth, key_cols | ignored_cols):
            col, reading = self._read_head(head, title, last)
            has_data = any(not is_missing(g.get(r, head.col)) for r in range(data_start, g.row_end))
            if reading.how == "unknown" and has_data:
                self.error_at(reading.cell, f'未知指标 "{clip(reading.header)}"')
            elif reading.how == "skipped" and has_data:
                self.log.warn(self.sheet, reading.cell, f'列 "{clip(reading.header)}" 不是目录中的指标，已跳过')
            elif reading.how == "ignored" and has_data and reading.indicator_name:
                self.log.warn(
                    self.sheet,
                    reading.cell,
                    f'"{reading.indicator_name}" 的增长率没有对应的可比价增速指标，已忽略（增长率不作为总量导入）',
                )
            elif reading.how == "ignored" and has_data:
                self.log.warn(self.sheet, reading.cell, f'列 "{clip(reading.header)}" 不是可导入的指标，已忽略')
            if has_data or col is not None:
                readings.append(reading)
            if col is not None:
                cols[head.col] = col
                if col.kind == "current":  # what a bare 上年 / 增长% column to its right belongs to
                    last = col
        if not cols and not any(r.how in ("skipped", "unknown", "mapped") for r in readings):
            return False
        self.columns += readings
        # a "单位：亿元" line above the header applies to columns that give no unit of their own
        global_unit = None
        for r, c, v in self._text_cells(g.row0, h):
            m = _UNIT_LINE_RE.search(clean_text(v))
            if m:
                global_unit = (m.group(1), g.addr(r, c))
                break
        year = self._sheet_year(h)
        if year is None:
            return True
        for r in range(data_start, g.row_end):
            if self._all_missing([g.get(r, c) for c in cols]):
                continue
            code_v = g.get(r, code_col) if code_col is not None else None
            name_v = g.label(r, region_col) if region_col is not None else None
            key, rc = (code_v, code_col) if code_v is not None else (name_v, region_col)
            if key is None or not display(key).strip():
                self.error(r, region_col if region_col is not None else code_col, "缺少地区名称")
                continue
            text = clean_text(display(key))
            if _FOOTNOTE_RE.match(text):
                continue
            if self._subtotal_row(text):
                self.warn(r, rc, f'"{clip(text)}" 行是小计或其中项，不是单个地区，已跳过')
                self.skipped_rows.append(f"{self.sheet}!{g.addr(r, rc)} {clip(text)}")
                continue
            if not idx.knows_region(key):
                k = norm_key(text)
                m = _TOTAL_SUFFIX_RE.match(k)
                if k in _TOTAL_LABELS or (m and not idx.knows_region(m.group(1))):
                    self.warn(r, rc, f'"{clip(text)}" 行不是单个地区，已忽略')
                    self.skipped_rows.append(f"{self.sheet}!{g.addr(r, rc)} {clip(text)}")
                    continue
                if m:
                    key = m.group(1)
            region_cell = g.addr(r, rc)
            industry = self._industry(r, industry_col)
            cluster = self._cluster(r, cluster_col)
            if industry is None or cluster is None:
                continue
            row_unit = None
            if unit_col is not None and display(g.get(r, unit_col)).strip():
                row_unit = (display(g.get(r, unit_col)).strip(), g.addr(r, unit_col))
            for c, col in cols.items():
                if is_missing(g.get(r, c)):
                    continue
                spec = col.match.spec
                y = year - 1 if col.kind == "previous" else year
                if col.kind == "growth":
                    spec = idx.growth_series[spec.code]
                region = self._resolve_region(key, y, region_cell)
                if region is None:
                    break
                unit, unit_cell = col.unit, col.unit_cell
                if col.kind == "growth":
                    unit, unit_cell = "%", col.kind_cell or col.header_cell
                elif unit is None and row_unit is not None:
                    unit, unit_cell = row_unit
                elif unit is None and global_unit and same_family(global_unit[0], spec.unit):
                    unit, unit_cell = global_unit
                self._alias_warning(col.match, y, col.header_cell)
                self._add(
                    r=r,
                    c=c,
                    region=region,
                    region_cell=region_cell,
                    spec=spec,
                    year=y,
                    unit=unit,
                    unit_cell=unit_cell,
                    industry=industry,
                    cluster=cluster,
                    note_col=note_col,
                )
        return True

    def _subtotal_row(self, text: str) -> bool:
        """#山区26县, 其中：…, 杭州市区 / 市区: rows that sum or single out part of the table, not a unit."""
        k = norm_key(text)
        if k.startswith(("#", "其中", "内:")):
            return True
        return k.endswith("市区") and not self.idx.knows_region(text)

    def _guess_region_col(self, data_start: int, candidates: list[int]) -> int | None:
        best, best_n = None, 0
        for c in candidates:
            n = 0
            for r in range(data_start, min(self.g.row_end, data_start + 200)):
                v = self.g.label(r, c)
                if isinstance(v, str) and self.idx.knows_region(v):
                    n += 1
            if n > best_n:
                best, best_n = c, n
        return best

    # -- 3. one region's series ------------------------------------------------------------------

    def _parse_series(self, h: int, ind_col: int, unit_col: int | None, years: dict[int, int], cells) -> None:
        region_key, region_cell = self._sheet_region(h)
        if region_key is None:
            return
        if self.opts.year is not None:
            self.warn(None, None, "历年数据表按各列的年份导入，上传时选择的年份不适用")
        good_years = {}
        for c, y in years.items():
            err = year_error(y, self.idx)
            if err:
                self.error(h, c, err)
            else:
                good_years[c] = y
        self._rows_by_indicator(
            h, ind_col, unit_col, region_key, region_cell, [(c, y, "current") for c, y in good_years.items()]
        )

    # -- 4. county yearly report ------------------------------------------------------------------

    def _parse_report(self, h: int, ind_col: int, unit_col: int | None, cells) -> None:
        year = self._sheet_year(h)
        if year is None:
            return
        region_key, region_cell = self._sheet_region(h)
        if region_key is None:
            return
        periods = []
        taken = set()
        for c, (_, k) in sorted(cells.items()):
            if c in (ind_col, unit_col):
                continue
            kind = period_kind(k)
            if kind == "current" and "current" not in taken:
                periods.append((c, year, "current"))
            elif kind == "previous" and "previous" not in taken:
                periods.append((c, year - 1, "previous"))
            elif kind == "growth" and "growth" not in taken:
                periods.append((c, year, "growth"))
            else:
                continue
            taken.add(kind)
        self._rows_by_indicator(h, ind_col, unit_col, region_key, region_cell, periods)

    def _rows_by_indicator(self, h, ind_col, unit_col, region_key, region_cell, periods) -> None:
        """Indicators as rows (series and report shapes): one candidate per (row, period column)."""
        g, idx = self.g, self.idx
        growth_ignored = []
        for r in range(h + 1, g.row_end):
            values = [g.get(r, c) for c, _, _ in periods]
            if self._all_missing(values):
                continue
            label = g.label(r, ind_col)
            if label is None:
                self.error(r, ind_col, "缺少指标名称")
                continue
            text = display(label)
            if _FOOTNOTE_RE.match(clean_text(text)):
                continue
            match, err = idx.match_indicator(text)
            if match is None:
                self.error(r, ind_col, f'指标 "{clip(text)}" {err}' if err else f'未知指标 "{clip(text)}"')
                continue
            unit, unit_cell = match.unit, g.addr(r, ind_col) if match.unit else ""
            if unit_col is not None:
                uv = g.get(r, unit_col)
                if uv is not None and display(uv):
                    unit, unit_cell = display(uv), g.addr(r, unit_col)
                elif not unit:
                    unit_cell = g.addr(r, unit_col)
            for c, y, kind in periods:
                if is_missing(g.get(r, c)):
                    continue
                spec = match.spec
                col_unit, col_unit_cell = unit, unit_cell
                if kind == "growth":
                    # 比上年增长 is at comparable prices: keep it only as the indicator's growth series
                    if spec.growth_of or spec.code not in idx.growth_series:
                        growth_ignored.append(spec.name)
                        continue
                    spec = idx.growth_series[spec.code]
                    col_unit, col_unit_cell = "%", g.addr(h, c)
                region = self._resolve_region(region_key, y, region_cell)
                if region is None:
                    continue
                self._alias_warning(match, y, g.addr(r, ind_col))
                self._add(
                    r=r,
                    c=c,
                    region=region,
                    region_cell=region_cell,
                    spec=spec,
                    year=y,
                    unit=col_unit,
                    unit_cell=col_unit_cell,
                )
        if growth_ignored:
            growth_cols = [c for c, _, kind in periods if kind == "growth"]
            self.warn(
                h,
                growth_cols[0],
                f"增长率只导入有可比价增速指标的行，其余 {len(growth_ignored)} 个增长率已忽略（增长率不作为总量导入）",
            )
