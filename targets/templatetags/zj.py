from django import template
from django.utils.html import json_script

from targets import pages

register = template.Library()


@register.filter
def num(value, unit=""):
    """{{ value|num:unit }} — thousands separators, one decimal for shares, unit attached."""
    return pages.fmt_number(value, unit)


@register.filter
def rate(value):
    return pages.fmt_rate(value)


@register.filter
def status_label(status):
    from targets.views import STATUS_LABELS

    return STATUS_LABELS.get(status or "insufficient_data", status)


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
    from django.utils.html import format_html

    return format_html(
        '<div class="zj-chart" data-figure="{0}-data" id="{0}" role="img" aria-label="{1}"></div>{2}',
        fig_id,
        label,
        json_script(fig, f"{fig_id}-data"),
    )


@register.filter
def cmp(comparator):
    """ge → ≥ and so on, as the target table prints them."""
    from targets.models import Target

    return dict(Target.Comparator.choices).get(comparator, comparator or "")


@register.filter
def kind_label(kind):
    from targets.models import Target

    return dict(Target.Kind.choices).get(kind, kind or "")


@register.filter
def gap(value, unit=""):
    """The gap to target: still to go (positive), or how far the target is exceeded (negative)."""
    from django.utils.translation import gettext as _

    if value is None:
        return "—"
    if value <= 0:
        return _("已超出 %(amount)s") % {"amount": pages.fmt_number(-value, unit)}
    return pages.fmt_number(value, unit)


@register.filter
def scope_label(scope):
    """city:330400 → 嘉兴市, group:mountain-26 → 山区26县, province → 全省."""
    from targets import reports

    return pages.scope_label(scope or "", reports.scope_names())


@register.filter
def doc_title(code):
    from targets import reports

    return reports.document_titles().get(code, code)
