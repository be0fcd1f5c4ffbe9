"""The official upload template (long form) for one region and year, built with openpyxl (no Django import)."""

from __future__ import annotations

import io

from openpyxl import Workbook
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.worksheet.datavalidation import DataValidation

from ..exporting import neutralise
from .catalog import IndicatorSpec, RegionSpec
from .units import compatible_units

__all__ = ["build_template", "TEMPLATE_HEADER", "DATA_SHEET", "HELP_SHEET"]

DATA_SHEET = "填报"
HELP_SHEET = "说明"
TEMPLATE_HEADER = ["地区代码", "地区", "指标", "计量单位", "年份", "数值", "备注", "数据标记"]
HEADER_ROW = 3

_HEADER_FILL = PatternFill("solid", fgColor="DDEBF7")
_INPUT_FILL = PatternFill("solid", fgColor="FFF2CC")


def _kind(spec: IndicatorSpec) -> str:
    if spec.growth_of:
        return "growth"
    if spec.is_share:
        return "share"
    return "nonnegative" if spec.nonnegative else "any"


_RULES = {
    "nonnegative": dict(type="decimal", operator="greaterThanOrEqual", formula1="0", prompt="填写不小于 0 的数字"),
    "share": dict(type="decimal", operator="between", formula1="0", formula2="100", prompt="填写 0–100 之间的百分数"),
    "growth": dict(
        type="decimal", operator="between", formula1="-1000", formula2="1000", prompt="填写增速百分数，可为负数"
    ),
    "any": dict(type="decimal", operator="between", formula1="-1E+15", formula2="1E+15", prompt="填写数字"),
}


def _put(ws, row: int, col: int, value):
    """Write a cell; text that a spreadsheet would run as a formula (an admin-edited name "=1+1", " =1", "＝1")
    gets a leading apostrophe, which the parser's name matching ignores."""
    return ws.cell(row, col, neutralise(value))


def _fmt_previous(value) -> float | None:
    if value is None:
        return None
    try:
        return float(value)
    except (TypeError, ValueError):
        return None


def build_template(region: RegionSpec, year: int, indicators: list[IndicatorSpec], previous: dict[str, float]) -> bytes:
    """The .xlsx template: sheet 填报 (one row per indicator, unit drop-down, number validation, last
    year's value for reference) and sheet 说明 (instructions in Chinese). Filled in, it parses back."""
    wb = Workbook()
    ws = wb.active
    ws.title = DATA_SHEET
    last_col = len(TEMPLATE_HEADER) + 1
    _put(ws, 1, 1, f"{region.name}（{region.code}）{year}年工业统计指标填报表")
    ws.cell(1, 1).font = Font(bold=True, size=14)
    ws.merge_cells(start_row=1, start_column=1, end_row=1, end_column=last_col)
    _put(ws, 2, 1, '只填写黄色的"数值"列（可在下拉中改选计量单位）；没有数据请留空。填报规则见"说明"工作表。')
    ws.merge_cells(start_row=2, start_column=1, end_row=2, end_column=last_col)
    header = TEMPLATE_HEADER + [f"上年数值（{year - 1}年，仅供参考）"]
    for col, text in enumerate(header, start=1):
        cell = _put(ws, HEADER_ROW, col, text)
        cell.font = Font(bold=True)
        cell.fill = _HEADER_FILL
        cell.alignment = Alignment(horizontal="center", vertical="center", wrap_text=True)

    value_rules: dict[str, DataValidation] = {}
    unit_rules: dict[str, DataValidation] = {}
    for i, spec in enumerate(indicators):
        row = HEADER_ROW + 1 + i
        _put(ws, row, 1, region.code)
        _put(ws, row, 2, region.name)
        _put(ws, row, 3, spec.name)
        _put(ws, row, 4, spec.unit)
        ws.cell(row, 5, year)
        ws.cell(row, 6).fill = _INPUT_FILL
        prev = _fmt_previous(previous.get(spec.code))
        if prev is not None:
            ws.cell(row, 9, prev)
        kind = _kind(spec)
        if kind not in value_rules:
            rule = _RULES[kind]
            dv = DataValidation(
                type=rule["type"],
                operator=rule["operator"],
                formula1=rule["formula1"],
                formula2=rule.get("formula2"),
                allow_blank=True,
                showErrorMessage=True,
                showInputMessage=True,
                errorTitle="数值无效",
                error=rule["prompt"] + "；没有数据请留空",
                promptTitle="数值",
                prompt=rule["prompt"],
            )
            value_rules[kind] = dv
            ws.add_data_validation(dv)
        value_rules[kind].add(f"F{row}")
        units = compatible_units(spec.unit)
        choices = ",".join(units)
        if len(units) > 1 and len(choices) < 250:
            if choices not in unit_rules:
                dv = DataValidation(
                    type="list",
                    formula1=f'"{choices}"',
                    allow_blank=False,
                    showErrorMessage=True,
                    errorTitle="计量单位无效",
                    error="请从下拉列表中选择计量单位",
                )
                unit_rules[choices] = dv
                ws.add_data_validation(dv)
            unit_rules[choices].add(f"D{row}")

    if indicators:  # 数据标记: a drop-down of the three flags, empty allowed
        flags = DataValidation(type="list", formula1='"初步,修订,估算"', allow_blank=True, showErrorMessage=True)
        flags.errorTitle, flags.error = "数据标记无效", "请选择 初步、修订 或 估算，或留空"
        flags.add(f"H{HEADER_ROW + 1}:H{HEADER_ROW + len(indicators)}")
        ws.add_data_validation(flags)
    for col, width in zip("ABCDEFGHI", (11, 18, 44, 12, 8, 14, 24, 10, 22), strict=True):
        ws.column_dimensions[col].width = width
    ws.row_dimensions[HEADER_ROW].height = 30
    ws.freeze_panes = ws.cell(HEADER_ROW + 1, 1)

    help_ws = wb.create_sheet(HELP_SHEET)
    lines = [
        f"{year}年工业统计指标填报说明",
        "",
        f"填报地区：{region.name}（地区代码 {region.code}）",
        f"填报年份：{year}年",
        "",
        '1. 只在"填报"工作表的"数值"列填写本地区本年数据，一个指标一行。',
        '2. 数值按"计量单位"列的单位填写；如按其他单位（例如万元而不是亿元）填写，请在该行"计量单位"下拉中改选，系统会自动换算。',
        "3. 没有数据的指标请留空（或填 —），不要填 0：0 表示数值为零。",
        '4. 只填写数字本身，不要加"约""左右"等文字，不要使用公式或引用其他表格。',
        "5. 比重类指标填写 0–100 之间的百分数（12.5 表示 12.5%）；增速按可比价计算，填写百分数，可以为负。",
        '6. 不要增删列，不要修改地区代码、地区、指标和年份；"上年数值"列仅供核对，不会导入。',
        '   "数据标记"列可选填 初步、修订 或 估算（初步数、修订数、估算数），没有则留空。',
        "7. 只能上传本地区的数据。填好后保存为 .xlsx 格式上传，不要设置打开密码。",
        "",
        "指标清单",
    ]
    for r, text in enumerate(lines, start=1):
        _put(help_ws, r, 1, text)
    help_ws.cell(1, 1).font = Font(bold=True, size=14)
    start = len(lines) + 1
    for col, text in enumerate(["指标", "标准计量单位", "可选计量单位", f"上年数值（{year - 1}年）", "要求"], start=1):
        _put(help_ws, start, col, text).font = Font(bold=True)
    for i, spec in enumerate(indicators, start=1):
        kind = _kind(spec)
        _put(help_ws, start + i, 1, spec.name)
        _put(help_ws, start + i, 2, spec.unit)
        _put(help_ws, start + i, 3, "、".join(compatible_units(spec.unit)))
        prev = _fmt_previous(previous.get(spec.code))
        if prev is not None:
            help_ws.cell(start + i, 4, prev)
        _put(help_ws, start + i, 5, _RULES[kind]["prompt"])
    help_ws.column_dimensions["A"].width = 46
    for col in "BCDE":
        help_ws.column_dimensions[col].width = 18

    wb.properties.title = f"{region.name}{year}年工业统计指标填报表"
    wb.properties.subject = f"zjindustry template region={region.code} year={year}"
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()
