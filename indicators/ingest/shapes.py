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
from dataclasses import dataclass

from .catalog import CatalogIndex, IndicatorMatch, IndicatorSpec, clean_text, norm_key
from .readers import Grid
from .results import IssueLog, clip, parse_flag
from .units import parse_unit, same_family
from .validate import Candidate, Validator, display, is_missing, year_error

__all__ = ["Options", "SheetParser", "is_instruction_sheet"]

HEADER_SCAN_ROWS = 40

_ROLE_LABELS = {
    "region_code": {"地区代码", "行政区划代码", "区划代码", "代码", "地区编码", "行政代码", "地区代码(6位)"},
    "indicator_code": {"指标代码", "指标编码"},
    "region": {
        "地区",
        "地区名称",
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
    "flag": {"数据标记", "标记"},
    "ignore": {"序号", "排名", "位次", "排序", "编号", "备注", "说明", "数据来源", "来源", "填报说明"},
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


@dataclass
class _Col:
    match: IndicatorMatch
    kind: str  # current | previous | growth
    unit: str | None
    unit_cell: str
    header_cell: str  # the indicator name
    kind_cell: str = ""  # the sub-header that made it a growth/previous column, if any


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

    # -- helpers ---------------------------------------------------------------------------------

    def error(self, r: int | None, c: int | None, msg: str) -> None:
        self.log.error(self.sheet, self.g.addr(r, c) if r is not None else "", msg)

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

    def _add(self, *, r, c, region, region_cell, spec: IndicatorSpec, year, unit, unit_cell, flag="") -> None:
        err = year_error(year, self.idx)
        if err:
            self.error(r, c, err)
            return
        self.validator.add(
            Candidate(
                self.sheet, self.g.addr(r, c), region, region_cell, spec, year, self.g.get(r, c), unit, unit_cell, flag
            )
        )

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
                flag=flag,
            )

    # -- 2. provincial roll-up -------------------------------------------------------------------

    def _detect_rollup(self, limit: int) -> str | None:
        g = self.g
        best, best_n = None, 0
        for r in range(g.row0, limit):
            n = 0
            for c in self._cols():
                v = g.label(r, c)
                if isinstance(v, str) and self.idx.match_indicator(v)[0] is not None:
                    n += 1
            if n > best_n:
                best, best_n = r, n
        if best is None:
            return None
        if self._parse_rollup(best):
            return "rollup"
        return None

    def _parse_rollup(self, h: int) -> bool:
        g, idx = self.g, self.idx
        cols: dict[int, _Col] = {}
        unknown: dict[int, str] = {}
        ambiguous: dict[int, str] = {}
        ignored: dict[int, str] = {}
        region_col = code_col = None
        last_ind = None
        for c in self._cols():
            v = g.label(h, c)
            k = hkey(v)
            if not k:
                continue
            addr = g.addr(h, c)
            match, err = idx.match_indicator(display(v)) if isinstance(v, str) else (None, None)
            if match is not None:
                cols[c] = _Col(match, "current", match.unit, addr if match.unit else "", addr)
                last_ind = c
                continue
            if err:
                ambiguous[c] = f'指标 "{clip(display(v))}" {err}'
                continue
            role = role_of(k)
            if role == "region_code":
                code_col = c if code_col is None else code_col
                continue
            if role == "region":
                region_col = c if region_col is None else region_col
                continue
            kind = period_kind(k)
            if kind in ("current", "previous", "growth") and last_ind is not None:
                unit = bracket_unit(v)
                cols[c] = _Col(cols[last_ind].match, kind, unit, addr if unit else "", addr)
                continue
            if role in ("ignore", "indicator", "unit", "year", "value", "flag") or kind == "share":
                ignored[c] = display(v)
                continue
            unknown[c] = display(v)
        if not cols:
            return False
        data_start = h + 1
        # a second header row: units (亿元 | 万人) or sub-headers (绝对值 | 增长%) under merged names
        sub = {
            c: g.get(h + 1, c) for c in self._cols() if g.get(h + 1, c) is not None and c not in (region_col, code_col)
        }
        if sub and all(
            isinstance(v, str) and (period_kind(hkey(v)) or bracket_unit(v) is not None) for v in sub.values()
        ):
            data_start = h + 2
            for c, v in sorted(sub.items()):
                kind, unit, addr = period_kind(hkey(v)), bracket_unit(v), g.addr(h + 1, c)
                if c in cols:
                    if kind == "share":
                        del cols[c]
                        ignored[c] = display(v)
                        continue
                    if kind:
                        cols[c].kind, cols[c].kind_cell = kind, addr
                    if unit:
                        cols[c].unit, cols[c].unit_cell = unit, addr
                elif kind in ("current", "previous", "growth") and c not in unknown and c not in ignored:
                    left = [x for x in cols if x < c]
                    if left:
                        cols[c] = _Col(cols[max(left)].match, kind, unit, addr if unit else "", addr)
        # a "单位：亿元" line above the header applies to columns that give no unit of their own
        global_unit = None
        for r, c, v in self._text_cells(g.row0, h):
            m = _UNIT_LINE_RE.search(clean_text(v))
            if m:
                global_unit = (m.group(1), g.addr(r, c))
                break
        if region_col is None:
            region_col = self._guess_region_col(data_start, [c for c in self._cols() if c not in cols])
        if region_col is None and code_col is None:
            return False
        year = self._sheet_year(h)
        if year is None:
            return True
        for c, msg in ambiguous.items():
            self.error(h, c, msg)
        for c, text in unknown.items():
            if any(g.get(r, c) is not None for r in range(data_start, g.row_end)):
                self.error(h, c, f'未知指标 "{clip(text)}"')
        for c, text in ignored.items():
            if c not in (region_col, code_col) and period_kind(hkey(text)) == "share":
                self.warn(h, c, f'列 "{clip(text)}" 不是可导入的指标，已忽略')
        growth_ignored = []
        for c, col in cols.items():
            if col.kind == "growth" and (col.match.spec.growth_of or col.match.spec.code not in idx.growth_series):
                growth_ignored.append(c)
        for c in growth_ignored:
            self.log.warn(
                self.sheet,
                cols[c].kind_cell or cols[c].header_cell,
                f'"{cols[c].match.spec.name}" 的增长率没有对应的可比价增速指标，已忽略（增长率不作为总量导入）',
            )
            del cols[c]
        for r in range(data_start, g.row_end):
            values = [g.get(r, c) for c in cols]
            if self._all_missing(values):
                continue
            code_v = g.get(r, code_col) if code_col is not None else None
            name_v = g.label(r, region_col) if region_col is not None else None
            key, rc = (code_v, code_col) if code_v is not None else (name_v, region_col)
            if key is None:
                self.error(r, region_col if region_col is not None else code_col, "缺少地区名称")
                continue
            text = clean_text(display(key))
            if _FOOTNOTE_RE.match(text):
                continue
            if not idx.knows_region(key):
                k = norm_key(text)
                m = _TOTAL_SUFFIX_RE.match(k)
                if k in _TOTAL_LABELS or (m and not idx.knows_region(m.group(1))):
                    self.warn(r, rc, f'"{clip(text)}" 行不是单个地区，已忽略')
                    continue
                if m:
                    key = m.group(1)
            region_cell = g.addr(r, rc)
            for c, col in cols.items():
                v = g.get(r, c)
                if is_missing(v):
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
                elif unit is None and global_unit and same_family(global_unit[0], spec.unit):
                    unit, unit_cell = global_unit
                self._alias_warning(col.match, y, col.header_cell)
                self._add(
                    r=r, c=c, region=region, region_cell=region_cell, spec=spec, year=y, unit=unit, unit_cell=unit_cell
                )
        return True

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
