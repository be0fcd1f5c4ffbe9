from django import template
from django.utils.html import format_html, json_script
from django.utils.translation import get_language, gettext

from indicators.ingest.units import unit_en
from targets import english, pages, reports, scopes
from targets.models import GapStatus, Target

register = template.Library()

STATUS = dict(GapStatus.choices)
COMPARATORS = dict(Target.Comparator.choices)
KINDS = dict(Target.Kind.choices)


def _english():
    return (get_language() or "").startswith("en")


def _fmt(value, unit):
    """fmt_number with the unit in the page's language (亿元 → 100 million yuan on an English page)."""
    return english.number_in("en" if _english() else "zh", value, unit, pages.fmt_number)


@register.filter
def num(value, unit=""):
    """{{ value|num:unit }} — thousands separators, one decimal for shares, unit attached."""
    return _fmt(value, unit)


@register.filter
def unit_label(unit):
    """A unit in the page's language."""
    return unit_en(unit) if _english() else unit


def _name_en(name, kind, ref):
    """The catalog's English name of an indicator, region, group or cluster on an English page where it has one;
    the Chinese name otherwise."""
    if not _english():
        return name
    return reports.english_names().get(kind, {}).get(ref) or name


@register.filter
def indicator_en(name, code):
    """{{ name|indicator_en:code }}"""
    return _name_en(name, "indicator", code)


@register.filter
def region_en(name, code):
    """{{ name|region_en:code }}"""
    return _name_en(name, "region", code)


@register.filter
def document_en(title, code):
    """{{ title|document_en:code }}"""
    return _name_en(title, "document", code)


@register.filter
def group_en(name, slug):
    """{{ name|group_en:slug }}"""
    return _name_en(name, "group", slug)


@register.filter
def cluster_en(name, slug):
    """{{ name|cluster_en:slug }}"""
    return _name_en(name, "cluster", slug)


# The full-width marks templates write beside translated words, as an English page writes them.
PUNCTUATION = {"：": ": ", "、": ", ", "（": " (", "）": ")"}


@register.simple_tag
def punct(mark):
    """{% punct "：" %} — a punctuation mark in the page's language: ： on a Chinese page, ": " on an English one."""
    return PUNCTUATION.get(mark, mark) if _english() else mark


@register.filter
def named(name, ref):
    """{{ title|named:"region:330100" }} — a name in the page's language by the kind and the code or slug it is
    known by (region, group, cluster, indicator, document: see _name_en); the name as it is without a ref."""
    kind, _sep, code = (ref or "").partition(":")
    return _name_en(name, kind, code) if code else name


@register.simple_tag
def formula(indicator):
    """A derived indicator's formula in the page's language: Indicator.formula (Chinese), or in English from the
    English names of its numerator, its denominator and its industry (targets/english.py)."""
    if not _english():
        return indicator.formula
    parts = [_name_en(i.name, "indicator", i.code) for i in (indicator.numerator, indicator.denominator)]
    industry = _scope_label(f"sector:{indicator.industry}") if indicator.industry else ""
    return english.formula_en(*parts, indicator.factor, industry)


@register.simple_tag
def target_label(row):
    """A target's label in the page's language: in English composed from the indicator's English name, the
    comparator, the value and unit and the year (targets/english.py); the Chinese label where the indicator
    has no English name."""
    if not _english():
        return row.get("label", "")
    code = row.get("indicator_code")
    value = row.get("stated_value", row.get("target_value"))
    unit = row.get("stated_unit", row.get("unit", ""))
    composed = english.target_label_en(
        reports.english_names()["indicator"].get(code), row.get("comparator"), pages.fmt_number(value, unit), unit,
        row.get("target_year"), kind=row.get("kind"), share_of=reports.shares_of().get(row.get("target_id")),
    )  # fmt: skip
    return composed or row.get("label", "")


@register.filter
def rate(value):
    return pages.fmt_rate(value)


@register.filter
def status_label(status):
    return STATUS.get(status or GapStatus.INSUFFICIENT_DATA, status)


@register.filter
def pct(value):
    """An achieved share (fraction) as a percentage with one decimal."""
    if value is None:
        return "—"
    return f"{value * 100:.1f}%"


@register.simple_tag
def figure(fig, fig_id, label=""):
    """Embed a Plotly figure: a div drawn by static/js/figures.js from the JSON next to it."""
    if not fig:
        return ""
    return format_html(
        '<div class="zj-chart" data-figure="{0}-data" id="{0}" role="figure" aria-label="{1}"></div>{2}',
        fig_id,
        label,
        json_script(fig, f"{fig_id}-data"),
    )


@register.filter
def cmp(comparator):
    """ge → ≥ and so on, as the target table prints them."""
    return COMPARATORS.get(comparator, comparator or "")


@register.filter
def kind_label(kind):
    return KINDS.get(kind, kind or "")


@register.filter
def gap(value, unit=""):
    """The gap to target: still to go, how far the target is exceeded, or 与目标持平 when it rounds to nothing;
    a gap between percentages is in 个百分点 (pages.gap_words), "percentage points" on an English page."""
    what, amount = pages.gap_words(value, unit)
    if _english():
        amount = english.with_unit_en(amount, pages.gap_unit(unit))
    if what == "over":
        return gettext("已超出 %(amount)s") % {"amount": amount}
    if what == "level":
        return gettext("与目标持平")
    return amount


@register.filter
def unit_for(unit, kind):
    """{{ row.unit|unit_for:row.kind }} — the unit a target's numbers are shown in (pages.shown_unit)."""
    return pages.shown_unit(kind, unit)


@register.filter
def scope_label(scope):
    """A target's scope as the bureau says it: city:330400 → 嘉兴市, group:mountain-26 → 山区26县, province → 全省;
    an unknown one as it is."""
    return _scope_label(scope or "")


# the kind of english_names that names each kind of scope
SCOPE_NAMES = {"county": "region", "city": "region", "group": "group", "cluster": "cluster"}


def _scope_label(scope):
    """A scope's label in the page's language; in English a county, city, group or cluster by the catalog's English
    name (the registry's pinyin for places), the label scopes.py composes otherwise."""
    catalog = reports.inputs().catalog
    if not _english():
        return scopes.label(scope, catalog)
    kind, _sep, ref = scope.partition(":")
    named = reports.english_names().get(SCOPE_NAMES.get(kind, ""), {}).get(ref)
    return named or scopes.label(scope, catalog, english=True)


@register.filter
def doc_title(code):
    return _name_en(reports.document_titles().get(code, code), "document", code)


@register.filter
def years(values):
    """{{ reason.1|years }} — the years a status reason names, joined in the page's language (2022、2024)."""
    return english.join_years(values, "en" if _english() else "zh")


@register.filter
def missing_text(row):
    """{{ row|missing_text }} — what a row without a result lacks (gap_report's ``missing``, Chinese by contract),
    in English on an English page, rebuilt from the row's scope and the catalog's English names."""
    text = row.get("missing") or ""
    if not text or not _english():
        return text
    catalog, scope = reports.inputs().catalog, row.get("scope") or ""
    names = reports.english_names()["indicator"]
    indicators = {name: names.get(code, name) for code, name in reports.inputs().indicators[["code", "name"]].values}
    zh, en = scopes.label(scope, catalog), _scope_label(scope)
    return english.missing_en(text, zh, en, indicators)


@register.simple_tag
def list_as_of(row):
    """The date of the list a group or cluster figure was counted with: 名单截至 <day> where the target or its
    document gives one; 名单日期未注明 where none is known (gap_report then gives today, the list in force now);
    "" where no list is used."""
    day = row.get("membership_as_of")
    if not day:
        return ""
    if row.get("target_id") in _dated_targets():
        return gettext("名单截至 %(day)s") % {"day": day}
    return gettext("名单日期未注明（按现行名单）")


def _dated_targets():
    """The targets whose lists are read as of a stated day (their engine key carries it: group:x@2023-01-17)."""
    targets = reports.inputs().targets
    if not len(targets):
        return set()
    return {t for t, key in targets[["target_id", "scope_key"]].values if scopes.undated(key)[1]}
