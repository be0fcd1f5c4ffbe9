"""django-tables2 tables of the dashboard."""

import django_tables2 as tables
from django.urls import reverse
from django.utils.html import format_html
from django.utils.translation import get_language, gettext
from django.utils.translation import gettext_lazy as _

from indicators.exporting import neutralise
from indicators.ingest.units import unit_en

from . import english
from .pages import fmt_number


def _lang():
    return "en" if (get_language() or "").startswith("en") else "zh"


def _number(value, unit):
    return english.number_in(_lang(), value, unit, fmt_number)


class StatusValueColumn(tables.Column):
    """A heatmap cell: the value with its unit, coloured by status, with the status text for screen readers."""

    def __init__(self, status_key, unit, labels, **kwargs):
        self.status_key, self.unit, self.labels = status_key, unit, labels
        super().__init__(attrs={"td": {"class": "status-cell"}}, **kwargs)

    def render(self, value, record):
        status = record.get(self.status_key) or "insufficient_data"
        return format_html(
            '<span class="zj-badge status-{}" title="{}">{}</span>',
            status,
            self.labels.get(status, status),
            _number(value, self.unit),
        )

    def value(self, value, record):
        return "" if value is None else round(value, 4)


class HeatmapTable(tables.Table):
    name = tables.Column(verbose_name=_("县（市、区）"), attrs={"td": {"class": "text-nowrap"}})
    city = tables.Column(
        verbose_name=_("所属市"), attrs={"td": {"class": "text-nowrap"}, "th": {"class": "text-nowrap"}}
    )
    code = tables.Column(verbose_name=_("代码"))

    class Meta:
        attrs = {"class": "table table-sm table-hover zj-heatmap"}
        orderable = True

    def render_name(self, value, record):
        return format_html('<a href="{}">{}</a>', reverse("targets:county", args=[record["code"]]), value)

    def value_name(self, value, record):
        return neutralise(value)


class StatusColumn(tables.Column):
    """A status as its label: the hidden column that carries a heatmap cell's status into the exports."""

    def __init__(self, labels, **kwargs):
        self.labels = labels
        super().__init__(visible=False, **kwargs)

    def render(self, value):
        return str(self.labels.get(value, value))


def heatmap_table(records, columns, labels):
    """A heatmap with one StatusValueColumn per (target_id, header, unit), and its status for the exports."""
    extra = [
        (f"t{tid}", StatusValueColumn(f"s{tid}", unit, labels, verbose_name=_with_unit(header, unit)))
        for tid, header, unit in columns
    ]
    extra += [
        (f"s{tid}", StatusColumn(labels, verbose_name=f"{header}·{gettext('状态')}")) for tid, header, _u in columns
    ]
    return HeatmapTable(records, extra_columns=extra)


class RankingTable(tables.Table):
    rank = tables.Column(verbose_name=_("排名"))
    name = tables.Column(verbose_name=_("地区"))
    value = tables.Column(verbose_name=_("数值"))

    class Meta:
        attrs = {"class": "table table-sm table-hover"}

    def __init__(self, *args, unit="", **kwargs):
        self.unit = unit
        super().__init__(*args, **kwargs)
        self.columns["value"].column.verbose_name = _with_unit(gettext("数值"), unit)  # this table's own copy

    def render_value(self, value):
        return _number(value, self.unit)

    def render_name(self, value, record):
        if record.get("code"):
            return format_html('<a href="{}">{}</a>', reverse("targets:county", args=[record["code"]]), value)
        return value


class CompositeTable(tables.Table):
    rank_province = tables.Column(verbose_name=_("全省排名"))
    name = tables.Column(verbose_name=_("县（市、区）"))
    city = tables.Column(verbose_name=_("所属市"))
    rank_city = tables.Column(verbose_name=_("市内排名"))
    score = tables.Column(verbose_name=_("综合得分"))
    targets_scored = tables.Column(verbose_name=_("计分目标数"))

    class Meta:
        attrs = {"class": "table table-sm table-hover"}
        order_by = "rank_province"

    def render_score(self, value):
        return f"{value * 100:.1f}"

    def render_name(self, value, record):
        return format_html('<a href="{}">{}</a>', reverse("targets:county", args=[record["code"]]), value)


def table_values(table):
    """A django-tables2 table as (headers, rows) for a download: every column the export shows (the heatmap's
    hidden status columns too), numbers as numbers."""
    values = list(table.as_values())
    return values[0], values[1:]


def _with_unit(header, unit):
    shown = unit_en(unit) if _lang() == "en" else unit
    return (f"{header} ({shown})" if _lang() == "en" else f"{header}（{shown}）") if shown else str(header)


def document_values(rows, labels):
    """A document's targets as (headers, rows): target, its value and unit as stated, scope, actual, status."""
    headers = [gettext("序号"), gettext("条款"), gettext("目标"), gettext("比较"), gettext("目标值"), gettext("单位"),
               gettext("目标年份"), gettext("适用范围"), gettext("实际值"), gettext("实际值单位"), gettext("实际年份"),
               gettext("状态")]  # fmt: skip
    out = []
    for r in rows:
        t, g = r["target"], r["gap"] or {}
        status = str(labels.get(g["status"], g["status"])) if g else gettext("不可计算")
        out.append([t["seq"], t["clause"], t["label"], t["comparator"], t["stated_value"], t["stated_unit"],
                    t["target_year"], t["scope"], g.get("actual_value"), g.get("unit"), g.get("actual_year"), status])  # fmt: skip
    return headers, out


def members_values(members):
    """A cluster's members as (headers, rows)."""
    headers = [gettext("代码"), gettext("县（市、区）"), gettext("角色"), gettext("示例")]
    return headers, [
        [m["code"], m["name"], str(m["role_label"]), gettext("是") if m["is_demo"] else ""] for m in members
    ]


def cards_values(cards, labels):
    """A place's target cards as (headers, rows): one row per target, with its unit in its own column."""
    headers = [gettext("目标"), gettext("指标"), gettext("单位"), gettext("实际值"), gettext("实际年份"), gettext("比较"),
               gettext("目标值"), gettext("目标年份"), gettext("差距"), gettext("完成度"), gettext("状态")]  # fmt: skip
    return headers, [
        [c["label"], c["indicator_name"], c["unit"], c["actual_value"], c["actual_year"], c["comparator"],
         c["target_value"], c["target_year"], c["gap"], c["achieved_share"], str(labels.get(c["status"], c["status"]))]
        for c in cards
    ]  # fmt: skip


class RaceTable(tables.Table):
    """The 赛马 league: one row per core (coordination) area of a provincial cluster."""

    rank = tables.Column(verbose_name=_("排名"))
    rank_change = tables.Column(verbose_name=_("名次变化"))
    region_name = tables.Column(verbose_name=_("县（市、区）"), attrs={"td": {"class": "text-nowrap"}})
    city = tables.Column(verbose_name=_("所属市"))
    cluster_name = tables.Column(verbose_name=_("集群"))
    revenue = tables.Column(verbose_name=_("营业收入（亿元）"))
    growth = tables.Column(verbose_name=_("增速（%）"))
    tax_per_mu = tables.Column(verbose_name=_("亩均税收（万元/亩）"))
    targets_met = tables.Column(verbose_name=_("集群目标达成"), orderable=False)
    designation_round = tables.Column(verbose_name=_("认定批次"))
    change = tables.Column(verbose_name=_("晋升/撤销"), orderable=False)

    class Meta:
        attrs = {"class": "table table-sm table-hover zj-race"}

    def render_rank_change(self, value):
        if value > 0:
            return format_html('<span class="text-success" title="{}">↑{}</span>', gettext("名次上升"), value)
        if value < 0:
            return format_html('<span class="text-danger" title="{}">↓{}</span>', gettext("名次下降"), -value)
        return "="

    def render_region_name(self, value, record):
        link = format_html('<a href="{}">{}</a>', reverse("targets:county", args=[record["region_code"]]), value)
        if record.get("tiangong"):
            link = format_html('{} <span class="badge text-bg-info">{}</span>', link, gettext("天工鼎"))
        if record.get("is_demo"):
            link = format_html('{} <span class="badge text-bg-warning">{}</span>', link, gettext("示例"))
        return link

    def render_cluster_name(self, value, record):
        return format_html('<a href="{}">{}</a>', reverse("targets:cluster", args=[record["cluster"]]), value)

    def render_revenue(self, value, record):
        if record.get("basis") == "county":  # not the cluster's own series: the county's whole figure
            return format_html('{} <span class="badge text-bg-light" title="{}">{}</span>', fmt_number(value, ""),
                               gettext("无集群口径数据，按全县规上工业计"), gettext("全县口径"))  # fmt: skip
        return fmt_number(value, "")

    def render_growth(self, value):
        return f"{value:+.1f}"

    def render_tax_per_mu(self, value):
        return fmt_number(value, "")

    def render_designation_round(self, value):
        return gettext("第%(n)s批") % {"n": value}

    def render_change(self, record):
        parts = []
        if record.get("previous_role"):
            parts.append(gettext("由%(role)s晋升（%(since)s）") % {"role": str(ROLE_NAMES[record["previous_role"]]),
                                                                 "since": record["since"]})  # fmt: skip
        if record.get("until"):
            parts.append(gettext("%(until)s 撤销") % {"until": record["until"]})
        return "；".join(parts)

    def value_region_name(self, value, record):
        return neutralise(value)


ROLE_NAMES = {"core": _("核心区"), "coordination": _("协同区"), "new_star": _("新星产业群")}
