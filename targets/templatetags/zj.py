from django import template
from django.utils.html import format_html, json_script
from django.utils.translation import get_language, gettext

from targets import pages, reports, scopes
from targets.models import GapStatus, Target

register = template.Library()

STATUS = dict(GapStatus.choices)
COMPARATORS = dict(Target.Comparator.choices)
KINDS = dict(Target.Kind.choices)


@register.filter
def num(value, unit=""):
    """{{ value|num:unit }} — thousands separators, one decimal for shares, unit attached."""
    return pages.fmt_number(value, unit)


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
        '<div class="zj-chart" data-figure="{0}-data" id="{0}" role="img" aria-label="{1}"></div>{2}',
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
    """The gap to target: still to go (positive), or how far the target is exceeded (negative)."""
    if value is None:
        return "—"
    if value <= 0:
        return gettext("已超出 %(amount)s") % {"amount": pages.fmt_number(-value, unit)}
    return pages.fmt_number(value, unit)


@register.filter
def scope_label(scope):
    """A target's scope as the bureau says it: city:330400 → 嘉兴市, group:mountain-26 → 山区26县, province → 全省;
    an unknown one as it is."""
    return scopes.label(scope or "", reports.inputs().catalog, english=get_language() == "en")


@register.filter
def doc_title(code):
    return reports.document_titles().get(code, code)
