"""Dashboard pages: fetch with a selector, compute with the core, build tables and figures, render."""

import django_filters
from django import forms
from django.core.cache import cache
from django.db.models import Count
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.template.loader import render_to_string
from django.templatetags.static import static
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _
from django_tables2 import RequestConfig
from django_tables2.export import TableExport

from indicators import versioning
from indicators.access import reviewer_required, visible_uploads
from indicators.models import Cluster, ClusterMembership, Indicator, Region, RegionGroup

from . import audit, charts, pages, reports
from .models import PolicyDocument, Target
from .tables import CompositeTable, RankingTable, SafeTableExport, heatmap_table

STATUS_LABELS = {
    "achieved": _("已实现"),
    "on_track": _("进度正常"),
    "needs_acceleration": _("需加快"),
    "limited_progress": _("进展有限"),
    "deteriorating": _("倒退"),
    "insufficient_data": _("数据不足"),
}


def _lang():
    return "en" if (get_language() or "").startswith("en") else "zh"


def _year(request):
    try:
        return int(request.GET.get("year") or reports.default_as_of())
    except ValueError:
        return reports.default_as_of()


def _geo_url():
    return static("geo/zhejiang_counties.geojson")


class CountyFilter(django_filters.FilterSet):
    city = django_filters.ModelChoiceFilter(
        field_name="parent", label=_("设区市"), queryset=Region.objects.filter(level="city", valid_to__isnull=True)
    )
    group = django_filters.ModelChoiceFilter(
        field_name="region_groups", label=_("区域组"), queryset=RegionGroup.objects.all()
    )
    cluster = django_filters.ModelChoiceFilter(field_name="clusters", label=_("集群"), queryset=Cluster.objects.all())

    class Meta:
        model = Region
        fields = ["city", "group", "cluster"]


def _body(request, name, template, build):
    """A page's rendered body, kept per data version, language and full path (query string included):
    a warm hit skips every computation and query behind it. Bodies hold no CSRF token or user data;
    the per-user parts of a page are rendered outside them."""
    key = f"zj:{versioning.key()}:body:{name}:{get_language()}:{request.get_full_path()}"
    html = cache.get(key)
    if html is None:
        html = render_to_string(template, build(), request=request)
        cache.set(key, html, 3600)
    return html


def overview(request):
    export = request.GET.get("_export")
    if TableExport.is_valid_format(export):
        context = _overview_context(request)
        return SafeTableExport(export, context["heatmap"]).response(f"zjindustry-heatmap-{context['year']}.{export}")
    body = _body(request, "overview", "targets/_overview_body.html", lambda: _overview_context(request))
    return render(request, "targets/overview.html", {"body": body})


def _overview_context(request):
    year = _year(request)
    documents = reports.documents_newest_first()
    current, history = documents[:1], documents[1:]
    table = reports.gap_table(None, as_of=year)
    show_history = request.GET.get("history") == "1"
    shown = [d.code for d in (history if show_history else current)]
    cards = pages.headline_rows(table, shown)
    if show_history:
        cards = table[
            (~table["benchmark"]) & (table["document"].isin(shown)) & (table["scope"] == table["target_scope"])
        ]
        cards = cards[~cards["policy_input"].fillna(False).astype(bool)].sort_values(["document", "target_id"])
    counties = CountyFilter(request.GET, queryset=Region.objects.filter(level="county", valid_to__isnull=True))
    county_rows = [
        {"code": r.code, "name": r.name, "city": r.parent.short_name}
        for r in counties.qs.select_related("parent").distinct()
    ]
    key_ids = pages.key_benchmarks(table, [d.code for d in documents])
    labels = reports.records(table[table["target_id"].isin(key_ids)].drop_duplicates("target_id"))
    columns = [(r["target_id"], f"{r['label']}（{r['target_year']}）", r["unit"]) for r in labels]
    columns.sort(key=lambda c: key_ids.index(c[0]))
    heatmap = heatmap_table(pages.heatmap_records(table, key_ids, county_rows), columns, STATUS_LABELS)
    RequestConfig(request, paginate=False).configure(heatmap)
    map_choice = request.GET.get("map") or (f"status:{key_ids[0]}" if key_ids else "ind:value_added")
    return {
        "year": year,
        "cards": reports.records(cards),
        "documents": documents,
        "show_history": show_history,
        "filter": counties,
        "heatmap": heatmap,
        "map_fig": _overview_map(map_choice, table, year, {r["code"] for r in county_rows}),
        "map_choices": _map_choices(labels),
        "map_choice": map_choice,
        "status_labels": STATUS_LABELS,
        "status_fig": charts.status_bar(pages.status_counts(cards), lang=_lang()) if len(cards) else None,
        "composite": _composite_table(request, year, {r["code"]: r["city"] for r in county_rows}),
        "composite_targets": _composite_targets(),
        "clusters": reports.clusters(),
    }


def _composite_targets():
    weights = reports.composite_weights()
    targets = reports.inputs().targets
    chosen = targets[targets["target_id"].isin(weights)]
    return [{"label": t.label, "weight": weights[t.target_id]} for t in chosen.itertuples()]


def _composite_table(request, year, cities):
    """The 综合评价 ranking of the (filtered) counties."""
    scores = reports.composite_table(year)
    scores = scores[scores["code"].isin(cities) & scores["score"].notna()]
    rows = reports.records(scores)
    for row in rows:
        row["city"] = cities.get(row["code"], "")
    table = CompositeTable(rows, prefix="c-")
    RequestConfig(request, paginate=False).configure(table)
    return table


def _map_choices(key_targets):
    choices = [
        (f"ind:{code}", name)
        for code, name in Indicator.objects.filter(
            code__in=[
                "value_added",
                "labour_productivity",
                "rd_intensity",
                "value_added_per_mu",
                "tax_per_mu",
                "energy_intensity",
            ]
        ).values_list("code", "name")
    ]
    choices += [(f"status:{r['target_id']}", f"{_('状态')}：{r['label']}") for r in key_targets]
    return choices


def _overview_map(choice, table, year, shown):
    """The county map, coloured by a status or an indicator, for the counties the filter keeps."""
    kind, _sep, ref = choice.partition(":")
    names = {code: name for code, name in reports.county_names().items() if code in shown}
    if kind == "status" and ref.isdigit():
        rows = table[(table["target_id"] == int(ref)) & table["scope"].str.startswith("county:")]
        frame = rows.assign(code=rows["scope"].str.slice(7))[["code", "status"]]
        frame = frame[frame["code"].isin(names)]
        frame["name"] = frame["code"].map(names)
        label = rows["label"].iloc[0] if len(rows) else ""
        return charts.county_map(_geo_url(), frame, mode="status", title=f"{label}（{year}）", lang=_lang())
    units = reports.inputs().indicators.set_index("code")["unit"]
    code = ref if ref in units else "value_added"
    return _indicator_map(code, year, names, units[code])


def _indicator_map(code, year, names, unit, title=""):
    scopes = [f"county:{c}" for c in names]
    series = reports.aggregate_series(scopes, [code])
    latest = series[series["year"] == year]
    frame = latest.assign(code=latest["scope"].str.slice(7))[["code", "value"]]
    frame = frame.set_index("code").reindex(list(names)).reset_index()
    frame["name"] = frame["code"].map(names)
    return charts.county_map(_geo_url(), frame, mode="value", title=title or f"{year}", unit=unit, lang=_lang())


def county_jump(request):
    q = (request.GET.get("q") or "").strip()
    region = Region.objects.filter(level="county", valid_to__isnull=True).filter(code=q).first()
    region = region or Region.objects.filter(level="county", valid_to__isnull=True, name=q).first()
    region = region or Region.objects.filter(level="county", valid_to__isnull=True, short_name=q).first()
    if region is None:
        raise Http404("no such county")
    return redirect("targets:county", code=region.code)


def _chart_rows(rows, series, compare_scopes, demo):
    """One card per target row: the row's numbers and a small chart of its indicator."""
    lang = _lang()
    cards = []
    rows = rows[~rows["policy_input"].fillna(False).astype(bool)]
    # A rate target (年均增长9%) is charted on its indicator's own series and unit (亿元), not in %.
    indicators = reports.inputs().indicators
    indicator_units = indicators.set_index("code")["unit"]
    scale_free = set(indicators.loc[(indicators["kind"] == "derived") | (indicators["unit"] == "%"), "code"])
    for n, row in enumerate(reports.records(rows)):
        row["fig_id"] = f"fig-{n}"
        own = series[(series["scope"] == row["scope"]) & (series["indicator_code"] == row["indicator_code"])]
        # Comparison lines only where sizes do not matter (ratios, %): a province total would flatten
        # a county's own line to zero.
        comparable = row["indicator_code"] in scale_free
        compare = {
            label: series[(series["scope"] == scope) & (series["indicator_code"] == row["indicator_code"])][
                ["year", "value"]
            ]
            for label, scope in (compare_scopes if comparable else [])
        }
        fig = None
        if len(own) and row["kind"] in {"level", "share", "change_vs_base"}:
            target = {
                "value": row["target_value"],
                "year": row["target_year"],
                "base_year": row["base_year"],
                "base_value": row["base_value"],
                "comparator": row["comparator"],
            }
            projection = None
            # No projection once the target year has passed: it would be drawn back in time.
            if row["projected_value"] is not None and row["actual_year"] and row["target_year"] > row["actual_year"]:
                projection = {
                    "from_year": row["actual_year"],
                    "from_value": row["actual_value"],
                    "year": row["target_year"],
                    "value": row["projected_value"],
                }
            fig = charts.target_chart(
                own[["year", "value"]],
                unit=row["unit"],
                target=target,
                projection=projection,
                compare={k: v for k, v in compare.items() if len(v)},
                lang=lang,
                demo=demo,
            )
        elif len(own):
            fig = charts.target_chart(
                own[["year", "value"]], unit=indicator_units.get(row["indicator_code"], ""), lang=lang, demo=demo
            )
        row["fig"] = fig
        row["series_rows"] = reports.records(own[["year", "value"]])
        row["series_unit"] = (
            row["unit"]
            if row["kind"] in {"level", "share", "change_vs_base"}
            else indicator_units.get(row["indicator_code"], "")
        )
        cards.append(row)
    return cards


def county(request, code):
    region = get_object_or_404(Region.objects.select_related("parent"), code=code, level="county")
    body = _body(request, "county", "targets/_county_body.html", lambda: _county_context(request, region))
    uploads = visible_uploads(request.user).filter(regions=region).select_related("uploaded_by")
    return render(
        request,
        "targets/county.html",
        {"body": body, "region": region, "uploads": uploads.order_by("-uploaded_at")[:20]},
    )


def _county_context(request, region):
    year = _year(request)
    scopes = [f"county:{region.code}", f"city:{region.parent.code}", "province"]
    table = reports.gap_table(scopes, as_of=year)
    rows = table[table["scope"] == scopes[0]].sort_values(["benchmark", "document", "target_id"])
    series = reports.aggregate_series(scopes, list(rows["indicator_code"].unique()))
    compare = [(f"{_('所在市')}（{region.parent.short_name}）", scopes[1]), (str(_("全省")), "province")]
    groups = list(region.region_groups.all())
    composite = next(iter(reports.records(_composite_row(region.code, year))), None)
    return {
        "region": region,
        "year": year,
        "cards": _chart_rows(rows, series, compare, demo=_demo(request)),
        "status_counts": pages.status_counts(rows),
        "status_labels": STATUS_LABELS,
        "groups": groups,
        "clusters": ClusterMembership.objects.filter(region=region).select_related("cluster"),
        "composite": composite,
        "composite_groups": [(g.name, composite["rank_group"].get(f"group:{g.slug}")) for g in groups]
        if composite
        else [],
        "predecessors": region.predecessors.all(),
    }


def _composite_row(code, year):
    scores = reports.composite_table(year)
    return scores[scores["code"] == code]


def _demo(request):
    from .context_processors import navigation

    return navigation(request)["demo_data"]


def cluster_list(request):
    clusters = Cluster.objects.select_related("parent").prefetch_related("memberships__region")
    return render(request, "targets/cluster_list.html", {"clusters": clusters})


def cluster(request, slug):
    cluster = get_object_or_404(Cluster.objects.select_related("parent"), slug=slug)
    year = _year(request)
    role = request.GET.get("role") if request.GET.get("role") in {"core", "coordination"} else None
    scope = f"cluster:{slug}"
    table = reports.gap_table([scope], as_of=year, role=role)
    rows = table[table["scope"] == scope].sort_values(["benchmark", "document", "target_id"])
    series = reports.aggregate_series([scope, "province"], list(rows["indicator_code"].unique()), role=role)
    memberships = ClusterMembership.objects.filter(cluster=cluster).select_related("region")
    children = Cluster.objects.filter(parent=cluster)
    member_codes = [m.region.code for m in memberships]
    for child in children.prefetch_related("memberships__region"):
        member_codes += [m.region.code for m in child.memberships.all()]
    indicator = request.GET.get("rank") or "value_added"
    ranking_indicator = Indicator.objects.filter(code=indicator).first() or Indicator.objects.get(code="value_added")
    member_series = reports.aggregate_series(
        [f"county:{c}" for c in sorted(set(member_codes))], [ranking_indicator.code]
    )
    latest = member_series[member_series["year"] == year]
    names = dict(Region.objects.filter(code__in=member_codes).values_list("code", "name"))
    ranking = [
        {"code": s[7:], "name": names.get(s[7:], s), "value": v}
        for s, v in latest.sort_values("value", ascending=False)[["scope", "value"]].itertuples(index=False)
    ]
    for n, r in enumerate(ranking, start=1):
        r["rank"] = n
    ranking_table = RankingTable(ranking, unit=ranking_indicator.unit)
    ranking_fig = (
        charts.ranking_chart(
            latest.assign(name=latest["scope"].str.slice(7).map(names))[["name", "value"]],
            unit=ranking_indicator.unit,
            title=ranking_indicator.name,
            lang=_lang(),
        )
        if len(latest)
        else None
    )
    return render(
        request,
        "targets/cluster.html",
        {
            "cluster": cluster,
            "children": children,
            "year": year,
            "role": role,
            "memberships": memberships,
            "cards": _chart_rows(rows, series, [(str(_("全省")), "province")], demo=_demo(request)),
            "status_labels": STATUS_LABELS,
            "ranking_table": ranking_table,
            "ranking_fig": ranking_fig,
            "ranking_indicator": ranking_indicator,
            "member_count": len(set(member_codes)),
        },
    )


def document_list(request):
    documents = PolicyDocument.objects.annotate(target_count=Count("targets"))
    return render(request, "targets/document_list.html", {"documents": documents})


def document(request, code):
    document = get_object_or_404(PolicyDocument, code=code)
    year = _year(request)
    targets = list(Target.objects.filter(document=document).select_related("indicator").order_by("seq"))
    table = reports.gap_table(None, as_of=year, document=code)
    own = table[(~table["benchmark"]) & (table["scope"] == table["target_scope"])].set_index("target_id")
    counties = table[table["scope"].str.startswith("county:")]
    spread = {tid: pages.status_counts(rows) for tid, rows in counties.groupby("target_id")}
    own_records = {r["target_id"]: r for r in reports.records(own.reset_index())}
    rows = [{"target": t, "gap": own_records.get(t.pk), "spread": spread.get(t.pk, {})} for t in targets]
    return render(
        request,
        "targets/document.html",
        {
            "document": document,
            "year": year,
            "rows": rows,
            "status_labels": STATUS_LABELS,
            "goals": document.qualitative_goals.all(),
            "text_html": pages.highlight_excerpts(document.full_text, [(t.pk, t.excerpt) for t in targets]),
        },
    )


def indicator_list(request):
    indicators = Indicator.objects.select_related("numerator", "denominator").order_by("order", "code")
    return render(request, "targets/indicator_list.html", {"indicators": indicators})


def indicator(request, code):
    indicator = get_object_or_404(Indicator.objects.select_related("numerator", "denominator", "growth_of"), code=code)
    year = _year(request)
    names = reports.county_names()
    series = reports.aggregate_series([f"county:{c}" for c in names], [code])
    latest = series[series["year"] == year].sort_values("value", ascending=False)
    ranking = [
        {"rank": n, "code": s[7:], "name": names.get(s[7:], s), "value": v}
        for n, (s, v) in enumerate(latest[["scope", "value"]].itertuples(index=False), start=1)
    ]
    ranking_table = RankingTable(ranking, unit=indicator.unit)
    RequestConfig(request, paginate=False).configure(ranking_table)
    lang = _lang()
    has_data = len(series) > 0
    return render(
        request,
        "targets/indicator.html",
        {
            "indicator": indicator,
            "year": year,
            "aliases": indicator.aliases.all(),
            "targets": Target.objects.filter(indicator=indicator).select_related("document"),
            "ranking_table": ranking_table,
            "map_fig": _indicator_map(code, year, names, indicator.unit, title=f"{indicator.name}（{year}）")
            if has_data
            else None,
            "distribution_fig": charts.distribution_chart(series[["year", "value"]], unit=indicator.unit, lang=lang)
            if has_data
            else None,
        },
    )


class AuditFilterForm(forms.Form):
    kind = forms.MultipleChoiceField(
        label=_("对象"), required=False, choices=[(k, v[1]) for k, v in audit.AUDITED.items()]
    )
    user = forms.CharField(label=_("操作人"), required=False)
    since = forms.DateField(label=_("起始日期"), required=False, widget=forms.DateInput(attrs={"type": "date"}))
    until = forms.DateField(label=_("截止日期"), required=False, widget=forms.DateInput(attrs={"type": "date"}))


@reviewer_required
def audit_log(request):
    form = AuditFilterForm(request.GET or None)
    filters = form.cleaned_data if form.is_valid() else {}
    events = audit.audit_events(
        kinds=filters.get("kind") or None,
        user=filters.get("user") or None,
        since=filters.get("since"),
        until=filters.get("until"),
    )
    return render(request, "targets/audit.html", {"form": form, "events": events})
