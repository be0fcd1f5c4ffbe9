"""A small hand-built IngestCatalog for the ingestion tests: indicators from fixtures/catalog/indicators.yaml,
a few regions (with the 绍兴县 → 柯桥区 rename), current year 2025."""

from __future__ import annotations

from pathlib import Path

import yaml

from indicators.ingest import IndicatorSpec, IngestCatalog, RegionSpec

ROOT = Path(__file__).resolve().parent.parent
CURRENT_YEAR = 2025

# 主营业务收入 was the name until 2018; 营业收入 from 2019 (glossary)
ALIASES_UNTIL = {"revenue": {"主营业务收入": 2018, "规模以上工业主营业务收入": 2018, "规上工业主营业务收入": 2018}}

REGIONS = [
    RegionSpec("330000", "浙江省", "浙江", "province"),
    RegionSpec("330100", "杭州市", "杭州", "city"),
    RegionSpec("330109", "萧山区", "萧山", "county"),
    RegionSpec("330400", "嘉兴市", "嘉兴", "city"),
    RegionSpec("330481", "海宁市", "海宁", "county"),
    RegionSpec("330600", "绍兴市", "绍兴", "city"),
    RegionSpec("330621", "绍兴县", "绍兴县", "county", valid_to=2012, successor="330603"),
    RegionSpec("330603", "柯桥区", "柯桥", "county", valid_from=2013),
    RegionSpec("330700", "金华市", "金华", "city"),
    RegionSpec("330782", "义乌市", "义乌", "county"),
    RegionSpec("331100", "丽水市", "丽水", "city"),
    RegionSpec("331127", "景宁畲族自治县", "景宁", "county"),
]


def load_indicators() -> list[IndicatorSpec]:
    data = yaml.safe_load((ROOT / "fixtures" / "catalog" / "indicators.yaml").read_text(encoding="utf-8"))
    specs = []
    for kind in ("base", "derived"):
        for item in data[kind]:
            growth_of = item.get("growth_of")
            is_pct = item["unit"] == "%"
            specs.append(
                IndicatorSpec(
                    code=item["code"],
                    name=item["name"],
                    unit=item["unit"],
                    aliases=tuple(item.get("aliases") or ()),
                    aliases_until=ALIASES_UNTIL.get(item["code"], {}),
                    nonnegative=growth_of is None and not item.get("allow_negative"),
                    is_share=is_pct and growth_of is None,
                    growth_of=growth_of,
                )
            )
    return specs


def make_catalog() -> IngestCatalog:
    return IngestCatalog(indicators=load_indicators(), regions=list(REGIONS), current_year=CURRENT_YEAR)


# -- small helpers shared by the ingestion tests ----------------------------------------------------

LONG_HEADER = ["地区代码", "地区", "指标", "计量单位", "年份", "数值", "备注"]


def xlsx(
    rows: list[list], title: str = "Sheet1", *, merges=(), formats: dict[str, str] | None = None, more=()
) -> bytes:
    """An .xlsx with one sheet of ``rows`` (None = empty cell); ``more`` adds (title, rows, state) sheets."""
    import io

    from openpyxl import Workbook

    wb = Workbook()
    sheets = [(title, rows, "visible"), *more]
    for i, (name, data, state) in enumerate(sheets):
        ws = wb.active if i == 0 else wb.create_sheet()
        ws.title = name
        ws.sheet_state = state
        for r, row in enumerate(data, start=1):
            for c, value in enumerate(row, start=1):
                if value is not None:
                    ws.cell(r, c, value)
        if i == 0:
            for m in merges:
                ws.merge_cells(m)
            for ref, fmt in (formats or {}).items():
                ws[ref].number_format = fmt
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()
