"""django-tables2 tables of the dashboard."""

import django_tables2 as tables
import tablib
from django.urls import reverse
from django.utils.html import format_html
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from django_tables2.export import TableExport

from indicators.exporting import neutralise

from .pages import fmt_number


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
            fmt_number(value, self.unit),
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
        template_name = "django_tables2/bootstrap5.html"

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
        (f"t{tid}", StatusValueColumn(f"s{tid}", unit, labels, verbose_name=header)) for tid, header, unit in columns
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
        template_name = "django_tables2/bootstrap5.html"

    def __init__(self, *args, unit="", **kwargs):
        self.unit = unit
        super().__init__(*args, **kwargs)

    def render_value(self, value):
        return fmt_number(value, self.unit)

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
        template_name = "django_tables2/bootstrap5.html"
        order_by = "rank_province"

    def render_score(self, value):
        return f"{value * 100:.1f}"

    def render_name(self, value, record):
        return format_html('<a href="{}">{}</a>', reverse("targets:county", args=[record["code"]]), value)


class SafeTableExport(TableExport):
    """django-tables2's export with every text cell made safe for Excel: a cell that begins with
    = + - @ tab or CR is written as text ('=1+1 → "'=1+1"), so an opened export runs no formula."""

    OFFERED = ("csv", "xlsx")  # what the page links to; django-tables2 would also serve json, yaml, tsv …

    def __init__(self, export_format, table, exclude_columns=None, dataset_kwargs=None):
        super().__init__(export_format, table, exclude_columns=exclude_columns, dataset_kwargs=dataset_kwargs)
        data = self.dataset
        self.dataset = tablib.Dataset(
            *[[neutralise(v) for v in row] for row in data],
            headers=[neutralise(h) for h in data.headers],
            title=data.title,
        )
