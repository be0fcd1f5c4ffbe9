"""The English face of catalog content (no Django import): target labels composed from what the catalog holds
(the indicator's English name, the comparator, the value and its unit), never a translation of the Chinese label."""

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
