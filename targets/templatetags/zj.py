from django import template
from django.utils.html import format_html, json_script
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from targets import pages, reports
from targets.models import GapStatus, Target

register = template.Library()

STATUS = dict(GapStatus.choices)
COMPARATORS = dict(Target.Comparator.choices)
KINDS = dict(Target.Kind.choices)
SCOPES = {
    "province": _("全省"),
    "clusters:415x": _("“415X”集群整体"),
    "sector:traditional-mfg": _("重点传统制造业"),
    "sector:manufacturing": _("制造业"),
    "sector:modern-communications": _("现代通信产业集群"),
    "sector:info-electromechanical": _("信息机电产业集群"),
    "each_county": _("各县（市、区）"),
}


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
    scope = scope or ""
    kind, _sep, ref = scope.partition(":")
    if scope in SCOPES:
        return SCOPES[scope]
    if kind == "each_county":
        return gettext("各县（%(group)s）") % {"group": ref}
    return reports.scope_names().get(ref, scope) if kind in {"city", "county", "group", "cluster"} else scope


@register.filter
def doc_title(code):
    return reports.document_titles().get(code, code)
