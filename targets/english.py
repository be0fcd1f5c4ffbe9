"""The English face of catalog content (no Django import): target labels composed from what the catalog holds
(the indicator's English name, the comparator, the value and its unit), never a translation of the Chinese label."""

import re

from indicators.ingest.units import unit_en

COMPARATORS = {
    "ge": "≥",
    "gt": ">",
    "le": "≤",
    "lt": "<",
    "approx": "≈",
    "eq": "=",
}  # as targets.models.Target.Comparator


def with_unit_en(text, unit):
    """A number formatted with its Chinese unit, with the unit put into English: "52.96 亿元" → "52.96 100 million
    yuan"; text without the unit at its end is returned unchanged."""
    if not unit or not text.endswith(unit):
        return text
    english = unit_en(unit)
    head = text[: -len(unit)].rstrip()
    return f"{head} {english}".strip() if english not in ("%",) else f"{head}{english}"


# What a target of each kind measures, around the indicator's English name (targets.models.Target.Kind).
KINDS = {
    "level": "{name}",
    "share": "{name}",
    "avg_annual_growth": "{name}, average annual growth",
    "annual_decline": "{name}, average annual decline",
    "change_vs_base": "{name}, change on the base year",
    "annual_increase_points": "{name}, yearly increase",
    "count_per_year": "{name}, each year",
    "cumulative_count": "{name}, cumulative",
    "threshold_count": "Places meeting the threshold of {name}",
}


def target_label_en(name_en, comparator, value_text, unit, year, kind="level", share_of=None):
    """ "Industrial value added > 2,500 100 million yuan by 2027" from the indicator's English name, what the kind
    measures ("…, average annual growth ≥ 9.0%"; a share of the province says so), the comparator, the value as
    formatted (with its Chinese unit) and the target year; "" when the indicator has no English name."""
    if not name_en:
        return ""
    subject = KINDS.get(kind or "level", "{name}").format(name=name_en)
    if isinstance(share_of, str) and share_of:  # a frame's empty cell arrives as NaN, not ""
        subject += ", share of the province" if share_of == "province" else f", share of {share_of}"
    sign = COMPARATORS.get(comparator, comparator or "")
    by = f" by {year}" if year else ""
    return f"{subject} {sign} {with_unit_en(value_text, unit)}{by}".replace("  ", " ")


def number_in(lang, value, unit, fmt):
    """A value formatted by `fmt` (pages.fmt_number) with its unit in the page's language ("en" or "zh")."""
    text = fmt(value, unit)
    return with_unit_en(text, unit) if lang == "en" else text


# What a blank gap row lacks (targets.reports._explained words it in Chinese for the gap_report contract): the
# fixed reasons, and what 各<unit>的 counts in a threshold target's reason (reports.UNITS_COUNTED).
MISSING_FIXED = {"门槛待设定": "threshold to be set", "名单未录入": "list not entered"}
COUNTED = {"县（市、区）": "county", "园区": "zone", "小镇": "town", "集群": "cluster", "企业": "enterprise",
           "项目": "project", "集群核心区": "cluster core area"}  # fmt: skip
_YEARS = re.compile(r"\s(\d{4}(?:–\d{4})?)$")


def missing_en(text, scope_zh, scope_en, indicator_names):
    """The English of a blank row's ``missing`` text, rebuilt from its parts: "缺少 重点传统制造业 分行业 上云企业
    2016–2020" with scope_zh 重点传统制造业, scope_en "Key traditional manufacturing" and indicator_names
    {"上云企业": "Enterprises using cloud services"} → "missing: Enterprises using cloud services, Key traditional
    manufacturing by industry, 2016–2020"; 名单未录入 → "list not entered"; a part it cannot name stays as written."""
    if not text or text in MISSING_FIXED:
        return MISSING_FIXED.get(text, text)
    if text.startswith("范围未知："):
        return f"unknown scope: {text.removeprefix('范围未知：')}"
    rest = text.removeprefix("缺少 ")
    if rest == text or not rest.startswith(f"{scope_zh} "):
        return text
    rest = rest.removeprefix(f"{scope_zh} ")
    where = scope_en
    if rest.startswith("分行业 "):
        rest, where = rest.removeprefix("分行业 "), f"{scope_en} by industry"
    years = _YEARS.search(rest)
    period = years.group(1) if years else ""
    rest = rest[: years.start()] if years else rest
    each = re.match(r"各(.+?)的 (.+)$", rest)
    if each:
        unit, rest = each.groups()
        what = f"{indicator_names.get(rest, rest)} of each {COUNTED.get(unit, unit)}"
    else:
        what = indicator_names.get(rest, rest)
    return ", ".join(part for part in (f"missing: {what}", where, period) if part)


def join_years(years, lang):
    """Years as a list in the page's language: (2022, 2024) → "2022、2024" or "2022, 2024"."""
    return (", " if lang == "en" else "、").join(str(y) for y in years)


def formula_en(numerator, denominator, factor=1, industry=""):
    """The English of a derived indicator's formula (indicators.models.Indicator.formula, which words it in Chinese),
    from the parts' English names: "Industrial tax revenue ÷ Industrial land area × 10000"; an industry-bound one says
    so: "… (each for Manufacturing)"."""
    scale = "" if factor == 1 else f" × {factor:g}"
    formula = f"{numerator} ÷ {denominator}{scale}"
    return f"{formula} (each for {industry})" if industry else formula
