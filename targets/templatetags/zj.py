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
def cluster_en(name, slug):
    """{{ name|cluster_en:slug }}"""
    return _name_en(name, "cluster", slug)


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
    a gap between percentages is in 个百分点 (pages.gap_words)."""
    what, amount = pages.gap_words(value, unit)
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
    return scopes.label(scope or "", reports.inputs().catalog, english=get_language() == "en")


@register.filter
def doc_title(code):
    return _name_en(reports.document_titles().get(code, code), "document", code)
