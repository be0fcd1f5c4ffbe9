"""Dashboard pages: read with a selector, shape with the core (pages, gaps, charts), build tables and figures,
render. A data page takes a year that has data (with_year) and renders its body from its normalised parameters
alone (_clean, _body)."""

import copy
import functools
import json
import time
from functools import wraps

from django import forms
from django.contrib.staticfiles import finders
from django.core.cache import cache
from django.http import Http404, HttpResponse, QueryDict
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.templatetags.static import static
from django.urls import reverse
from django.utils import timezone
from django.utils.safestring import mark_safe
from django.utils.translation import get_language, gettext
from django.utils.translation import gettext_lazy as _
from django_tables2 import RequestConfig

from indicators import exporting
from indicators.access import reviewer_required
from indicators.models import Cluster, ClusterMembership

from . import audit, charts, pages, race, reports, selectors
from .models import GapStatus
from .tables import (
    CompositeTable,
    RaceTable,
    RankingTable,
    cards_values,
    document_values,
    heatmap_table,
    members_values,
    table_values,
)
from .templatetags import zj

STATUS = dict(GapStatus.choices)
ROLES = dict(ClusterMembership.Role.choices)
TIERS = dict(Cluster.Tier.choices)
FILTERS = {"city": _("设区市"), "group": _("区域组"), "cluster": _("集群")}


def _lang():
    return "en" if (get_language() or "").startswith("en") else "zh"


def _english_indicators():
    """Indicator code → English name on an English page; None on a Chinese one (the pages' cores then keep the
    catalog's Chinese names)."""
    return reports.english_names()["indicator"] if _lang() == "en" else None


def _local(names):
    """Region names (code → name) in the page's language: the registry's pinyin on an English page."""
    if _lang() != "en":
        return names
    english = reports.english_names()["region"]
    return {code: english.get(code) or name for code, name in names.items()}


def with_year(view):
    """Call the view with the year it shows: ?year= when that year has data; a year without data redirects to the
    nearest one that has (the other parameters kept); no year, or not a number, is the default year (the latest
    that enough counties reported, reports.default_as_of). The year bar (base.html) reads request.as_of."""

    @wraps(view)
    def wrapped(request, *args, **kwargs):
        years = reports.years()
        try:
            year = int(request.GET.get("year", ""))
        except ValueError:
            year = reports.default_as_of()
        if year not in years:
            query = request.GET.copy()
            query["year"] = pages.nearest_year(years, year)
            return redirect(f"{request.path}?{query.urlencode()}")
        choices = reports.year_choices()
        request.as_of = {"year": year, "choices": choices, "shown": next(c for c in choices if c["year"] == year)}
        return view(request, *args, year=year, **kwargs)

    return wrapped


def _clean(request, year, **allowed):
    """A copy of the request whose query string holds only the page's normalised parameters: the year when the
    request names one, and each parameter in `allowed` (name → its valid values) when it is valid."""
    params = {"year": year if "year" in request.GET else None, **pages.pick(request.GET, allowed)}
    query = QueryDict(mutable=True)
    for name, value in params.items():
        if value is not None:
            query[name] = str(value)
    clean = copy.copy(request)
    clean.GET, clean.META = query, {**request.META, "QUERY_STRING": query.urlencode()}
    if getattr(request, "as_of", None):  # the year bar keeps the page's own parameters, and only those
        request.as_of["keep"] = [(name, value) for name, value in query.items() if name != "year"]
    return clean


def _body(clean, template, build):
    """A page's body, kept per data version, release, language, path and normalised parameters. It is rendered for the
    clean request (see _clean), so a parameter the page does not use can neither change a body nor mint a cache
    entry. Bodies hold no CSRF token or user data; the per-user parts of a page are rendered outside them."""
    key = f"zj:{reports.page_version()}:body:{get_language()}:{clean.get_full_path()}"
    html = cache.get(key)
    # After a change every worker misses the same pages at once: one renders each, the others wait for its body
    # (at most BODY_WAIT seconds, then render it themselves) instead of all rendering it on the same cores.
    if html is None and not cache.add(f"{key}:rendering", True, 60):
        html = _awaited_body(key)
    if html is None:
        html = render_to_string(template, build(clean), request=clean)
        cache.set(key, html, 3600)
    return html


BODY_WAIT = 5.0


def _awaited_body(key):
    deadline = time.monotonic() + BODY_WAIT
    while time.monotonic() < deadline:
        time.sleep(0.02)
        html = cache.get(key)
        if html is not None:
            return html
    return None


def _download(request, year, name, title, values):
    """The table `name` of a page as ?_export= asks (csv, xlsx): `values` is (headers, rows) or a django-tables2
    table. Below the data: the year and its coverage, the generation time, and whether the data is demo."""
    fmt = request.GET.get("_export")
    if fmt not in exporting.DOWNLOAD_FORMATS:
        raise Http404("no such download format")
    headers, rows = values if isinstance(values, tuple) else table_values(values)
    shown = next((c for c in reports.year_choices() if c["year"] == year), None)
    notes = [
        gettext("数据截至 %(year)s 年") % {"year": year}
        + (gettext("，%(n)s/%(total)s 县已报送") % {"n": shown["reported"], "total": shown["total"]} if shown else ""),
        gettext("生成时间 %(time)s") % {"time": timezone.localtime().strftime("%Y-%m-%d %H:%M")},
        gettext("示例数据：系统生成，非真实统计，仅供演示")
        if reports.navigation()["demo_data"]
        else gettext("公开数据与各县报送数据，经省级审核；来源见各上传记录"),
    ]
    response = HttpResponse(exporting.download(fmt, headers, rows, title=title, notes=notes),
                            content_type=exporting.DOWNLOAD_FORMATS[fmt])  # fmt: skip
    response["Content-Disposition"] = f'attachment; filename="zjindustry-{name}-{year}.{fmt}"'
    return response


# ---------------------------------------------------------------------------------------------- overview
@with_year
def overview(request, year):
    clean = _clean(request, year, **_overview_params())
    if "_export" in request.GET:
        table = reports.gap_table(None, as_of=year)
        if request.GET.get("table") == "composite":
            return _download(request, year, "composite", gettext("综合评价"), _composite(clean, year, _counties(clean)))
        heatmap = _heatmap(clean, table, _key_benchmarks(table), _counties(clean))
        return _download(request, year, "heatmap", gettext("县域热力表"), heatmap)
    body = _body(clean, "targets/_overview_body.html", lambda clean: _overview(clean, year))
    return render(request, "targets/page.html", {"body": body, "title": _("全省总览"), "figures": True})


def _overview_params():
    """The valid values of ?history, the heatmap filters, ?map and the two tables' sort orders."""
    data = reports.inputs()
    targets = [str(t) for t in data.targets["target_id"]]
    return {name: {str(i) for i, _name in options} for name, options in _filter_choices().items()} | {
        "history": {"1"},
        "map": {f"ind:{c}" for c in data.indicators["code"]} | {f"status:{t}" for t in targets},
        "sort": pages.sortable(["name", "city", "code", *(f"t{t}" for t in targets)]),
        "c-sort": pages.sortable(CompositeTable.base_columns),
    }


def _overview(request, year):
    data, history = reports.inputs(), request.GET.get("history") == "1"
    table, codes = reports.gap_table(None, as_of=year), list(data.documents["document"])
    cards = pages.history_rows(table, codes[1:]) if history else pages.headline_rows(table, codes[:1])
    key_ids, counties = _key_benchmarks(table), _counties(request)
    choice = request.GET.get("map") or _default_map(table, key_ids)
    counts = pages.status_counts(cards, STATUS)
    weighted = data.targets[data.targets["weight"].notna()]
    return {
        **{"year": year, "show_history": history, "cards": pages.records(cards), "statuses": STATUS},
        "documents": pages.records(data.documents),
        "status_fig": charts.status_bar(counts, labels=STATUS, lang=_lang()) if len(cards) else None,
        "filters": [_filter(name, choices, request.GET.get(name)) for name, choices in _filter_choices().items()],
        "map_keep": [(n, request.GET.get(n)) for n in ("year", "history", *FILTERS)],
        "heatmap": _heatmap(request, table, key_ids, counties),
        "clusters": pages.records(data.groupings[data.groupings["kind"] == "cluster"].drop_duplicates("slug")),
        "composite": _composite(request, year, counties),
        "composite_targets": pages.records(weighted[["label", "weight", *TARGET_LABEL_COLUMNS]]),
        "map_choices": pages.map_choices(data.indicators, table, key_ids, gettext("状态"), _english_indicators()),
        "map_choice": choice,
        "map_fig": _county_map(choice, table, year, {c["code"]: c["name"] for c in counties}, key_ids=key_ids),
    }


def _filter(name, choices, value):
    """A heatmap filter, with a link to the page of the city or group it picks."""
    data = reports.inputs()
    place = pages.filter_place(data.regions, data.groupings, name, value)
    page = place and reverse(f"targets:{place[0]}", args=[place[1]])
    label = next((str(text) for i, text in choices if str(i) == str(value)), "")
    if name == "city":  # the city's name without the code the option adds: 杭州市（330100）, Hangzhou City (330100)
        label = label.rsplit("（" if _lang() == "zh" else " (", 1)[0]
    return {"name": name, "label": FILTERS[name], "choices": choices, "value": value, "page": page, "page_name": label}


def _filter_choices():
    """The heatmap filters' options, each list led by the empty choice; named in English on an English page (the
    ids, which the parameters carry, are the same)."""
    choices = reports.filter_choices()
    if _lang() == "en":
        data = reports.inputs()
        choices = pages.filter_choices(data.regions, data.groupings, reports.english_names())
    return {name: [("", "---------"), *options] for name, options in choices.items()}


def _counties(request):
    data = reports.inputs()
    counties = pages.counties(data.regions, data.groupings, **{name: request.GET.get(name) for name in FILTERS})
    if _lang() != "en":
        return counties
    english, parent = reports.english_names()["region"], dict(data.regions[["code", "parent_code"]].values)
    return [{**c, "name": english.get(c["code"], c["name"]), "city": english.get(parent[c["code"]], c["city"])}
            for c in counties]  # fmt: skip


# what the target_label tag composes an English label from
TARGET_LABEL_COLUMNS = [
    "target_id",
    "indicator_code",
    "comparator",
    "stated_value",
    "stated_unit",
    "target_year",
    "kind",
]


def _key_benchmarks(table):
    return pages.key_benchmarks(table, list(reports.inputs().documents["document"]))


def _heatmap(request, table, key_ids, counties):
    """The county heatmap: the key benchmarks' value and status for each county the filters keep."""
    records, columns = pages.heatmap_records(table, key_ids, counties), pages.heatmap_columns(table, key_ids)
    if _lang() == "en":  # the indicator's English name and the target year, as the Chinese header has label and year
        rows, english = table.drop_duplicates("target_id").set_index("target_id"), reports.english_names()["indicator"]
        columns = [(t, f"{english.get(rows.at[t, 'indicator_code']) or header} ({rows.at[t, 'target_year']})", unit)
                   for t, header, unit in columns]  # fmt: skip
    heatmap = heatmap_table(records, columns, STATUS)
    RequestConfig(request, paginate=False).configure(heatmap)
    return heatmap


def _composite(request, year, counties):
    """The 综合评价 ranking of the counties the filters keep."""
    cities, names = {c["code"]: c["city"] for c in counties}, {c["code"]: c["name"] for c in counties}
    table = CompositeTable(pages.composite_rows(reports.composite_table(year), cities, names), prefix="c-")
    RequestConfig(request, paginate=False).configure(table)
    return table


def _county_map(choice, table, year, names, title="", key_ids=()):
    """The map of the named counties, coloured by a target's status (status:ID) or an indicator's value (ind:CODE,
    with the key benchmark on that indicator marked on the colour bar), city borders drawn over them."""
    kind, _sep, ref = choice.partition(":")
    geo, borders = static("geo/zhejiang_counties.geojson"), _city_borders(frozenset(names))
    if kind == "status":
        frame, label = pages.status_map_frame(table, int(ref), names)
        codes = table.loc[table["target_id"] == int(ref), "indicator_code"].head(1)
        english = (_english_indicators() or {}).get("".join(codes))  # as the status options name it
        title = f"{english} ({year})" if english else f"{label}（{year}）"
        return charts.county_map(geo, frame, mode="status", labels=STATUS, title=title, lang=_lang(),
                                 borders=borders)  # fmt: skip
    frame = pages.value_map_frame(reports.aggregate_series([f"county:{c}" for c in names], [ref]), year, names)
    unit = dict(reports.inputs().indicators[["code", "unit"]].values)[ref]
    target = pages.map_target(table, ref, key_ids)
    return charts.county_map(geo, frame, mode="value", title=title or f"{year}", unit=unit, lang=_lang(),
                             borders=borders, target=target)  # fmt: skip


@functools.lru_cache(maxsize=64)
def _city_borders(codes):
    """The city borders between the given counties: the outlines are static, so the set of codes is the whole key
    (walking every outline's vertices costs ~80 ms a map)."""
    return charts.city_borders(_county_features(), codes)


@functools.cache
def _county_features():
    """The county outlines shipped in static/ (they change only with a deploy, which restarts the process)."""
    with open(finders.find("geo/zhejiang_counties.geojson"), encoding="utf-8") as f:
        return json.load(f)["features"]


def _cards(rows, series, compare, year=None, notes=None):
    """The target cards of a place, compared with the places in `compare` [(label, scope)]."""
    data = reports.inputs()
    rows = rows.merge(data.targets[["target_id", "period_start"]], on="target_id", how="left")
    demo = reports.navigation()["demo_data"]
    return pages.target_cards(rows, series, data.indicators, compare, lang=_lang(), demo=demo, year=year, notes=notes)


def _card_params():
    """The valid values of a place page's ?status= filter and ?order= sort."""
    return {"status": set(STATUS), "order": {"status"}}


# ---------------------------------------------------------------------------------------------- one place
def county_jump(request):
    data = reports.inputs()
    found = pages.find_place(reports.regions(), data.groupings, (request.GET.get("q") or "").strip())
    if found is None:
        raise Http404("no such county, city or group")
    kind, ref = found
    return redirect(f"targets:{kind}", **({"slug": ref} if kind == "group" else {"code": ref}))


@with_year
def county(request, code, year):
    regions = reports.regions()
    found = regions[(regions["code"] == code) & (regions["level"] == "county")]
    if found.empty:
        if not regions[(regions["code"] == code) & (regions["level"] == "city")].empty:
            return redirect("targets:city", code=code)
        raise Http404("no such county")
    if "_export" in request.GET:
        cards = _county(code, year, request.GET)["cards"]
        return _download(request, year, f"county-{code}", found["name"].iloc[0], cards_values(cards, STATUS))
    clean = _clean(request, year, **_card_params())
    body = _body(clean, "targets/_county_body.html", lambda clean: _county(code, year, clean.GET))
    region = {"code": code, "name": found["name"].iloc[0]}
    uploads = selectors.county_uploads(request.user, code)
    return render(request, "targets/county.html", {"body": body, "title": region["name"], "region": region,
                                                   "title_of": f"region:{code}",
                                                   "uploads": uploads, "figures": True, "downloads": True,
                                                   "year": year})  # fmt: skip


def _county(code, year, query):
    data = reports.inputs()
    region, groups, clusters = pages.county_profile(data.regions, data.groupings, code, ROLES)
    scopes = [f"county:{code}", f"city:{region['parent_code']}", "province", *(f"group:{g['slug']}" for g in groups)]
    table = reports.gap_table(scopes, as_of=year)
    rows = table[table["scope"] == scopes[0]].sort_values(["benchmark", "document", "target_id"])
    series = reports.aggregate_series(scopes, list(table["indicator_code"].unique()))
    city = (
        f"{_('所在市')}（{region['parent_short_name']}）"
        if _lang() == "zh"
        else _local({region["parent_code"]: region["parent_name"]})[region["parent_code"]]
    )
    compare = [(city, scopes[1]), (str(_("全省")), "province")]
    cards = _cards(rows, series, compare, year, selectors.county_notes(code))
    live = pages.current_documents(data.documents, year)
    current, history = pages.card_sections(cards, live, **_pick(query))
    scores = reports.composite_table(year)
    composite = next(iter(pages.records(scores[scores["code"] == code])), None)
    ranks = (
        [(g["name"], g["slug"], composite["rank_group"].get(f"group:{g['slug']}")) for g in groups] if composite else []
    )
    awards = reports.inputs().awards
    return {
        **{"region": region, "year": year, "groups": groups, "clusters": clusters, "statuses": STATUS},
        **{"current": current, "history": history, "filter": _pick(query), "cards": cards},
        "print_figs": pages.print_figures(current["cards"], label=zj.target_label),
        "predecessors": reports.predecessors(code),
        "contributions": pages.contributions(table[table["document"].isin(live)], series, code, groups),
        "composite": composite,
        "composite_groups": ranks,
        # 天工鼎: the years this county was awarded; 名单未录入 while no year has been entered at all
        "tiangong": pages.records(awards[awards["region_code"] == code]),
        "tiangong_entered": bool(len(awards)),
    }


def _pick(query):
    return pages.pick(query, _card_params())


@with_year
def city(request, code, year):
    found = pages.city_profile(reports.regions(), code)
    if found is None:
        raise Http404("no such city")
    clean = _clean(request, year, map=_map_values(), **_card_params())
    body = _body(clean, "targets/_place_body.html", lambda clean: _place(f"city:{code}", found, year, clean.GET))
    page = {"body": body, "title": found[0]["name"], "title_of": f"region:{code}", "figures": True}
    return render(request, "targets/page.html", page)


@with_year
def group(request, slug, year):
    found = pages.group_profile(reports.inputs().groupings, slug)
    if found is None:
        raise Http404("no such group")
    clean = _clean(request, year, map=_map_values(), **_card_params())
    body = _body(clean, "targets/_place_body.html", lambda clean: _place(f"group:{slug}", found, year, clean.GET))
    page = {"body": body, "title": found[0]["name"], "title_of": f"group:{slug}", "figures": True}
    return render(request, "targets/page.html", page)


def _place(scope, found, year, query):
    """A city's or a group's page: its targets (those set for it first), its members with their status, the
    map of its members and their 综合评价 ranking."""
    data, (place, codes) = reports.inputs(), found
    names = {c: n for c, n in reports.county_names().items() if c in codes}
    table = reports.gap_table([scope, "province", *(f"county:{c}" for c in codes)], as_of=year)
    series = reports.aggregate_series([scope, "province"], list(table["indicator_code"].unique()))
    cards = _cards(pages.place_rows(table, scope), series, [(str(_("全省")), "province")], year)
    current, history = pages.card_sections(cards, pages.current_documents(data.documents, year), **_pick(query))
    scores = reports.composite_table(year)
    key_ids = _key_benchmarks(table)
    choice = query.get("map") or _default_map(table, key_ids)
    return {
        **{"place": place, "scope": scope, "kind": scope.partition(":")[0], "year": year, "statuses": STATUS},
        **{"current": current, "history": history, "filter": _pick(query)},
        "members": pages.member_rows(table, codes, names, pages.current_documents(data.documents, year), scores),
        "map_choices": pages.map_choices(data.indicators, table, key_ids, gettext("状态"), _english_indicators()),
        "map_choice": choice,
        "map_keep": [(n, query.get(n)) for n in ("year", "status", "order")],
        "map_fig": _county_map(choice, table, year, names, key_ids=key_ids) if names else None,
    }


def _map_values():
    data = reports.inputs()
    return {f"ind:{c}" for c in data.indicators["code"]} | {f"status:{t}" for t in data.targets["target_id"]}


def _default_map(table, key_ids):
    """The map a page opens with: the key benchmark whose counties are most divided, else value added."""
    spread = pages.widest_spread(table, key_ids)
    return f"status:{spread}" if spread else "ind:value_added"


@with_year
def cluster(request, slug, year):
    data = reports.inputs()
    found = data.groupings[(data.groupings["kind"] == "cluster") & (data.groupings["slug"] == slug)]
    if found.empty:
        raise Http404("no such cluster")
    clean = _clean(request, year, role=set(ROLES), rank=set(data.indicators["code"]))
    role, rank = clean.GET.get("role"), clean.GET.get("rank", "value_added")
    if "_export" in request.GET:
        page, name = _cluster(slug, year, role, rank), found["name"].iloc[0]
        if request.GET.get("table") == "members":
            return _download(request, year, f"{slug}-members", name, members_values(page["memberships"]))
        return _download(request, year, f"{slug}-ranking", name, page["ranking_table"])
    body = _body(clean, "targets/_cluster_body.html", lambda clean: _cluster(slug, year, role, rank))
    page = {"body": body, "title": found["name"].iloc[0], "title_of": f"cluster:{slug}", "figures": True}
    return render(request, "targets/page.html", page)


def _cluster(slug, year, role, rank):
    data = reports.inputs()
    names = _local(dict(data.regions[["code", "name"]].values))
    cluster, children, members, codes = pages.cluster_profile(data.groupings, names, slug, ROLES, TIERS)
    scope = f"cluster:{slug}"
    table = reports.gap_table([scope], as_of=year, role=role)
    rows = table[table["scope"] == scope].sort_values(["benchmark", "document", "target_id"])
    series = reports.aggregate_series([scope, "province"], list(rows["indicator_code"].unique()), role=role)
    indicator = pages.records(data.indicators[data.indicators["code"] == rank])[0]
    ranking = pages.ranking(reports.aggregate_series([f"county:{c}" for c in codes], [rank]), year, names)
    chart = len(ranking) and charts.ranking_chart(
        ranking,
        unit=indicator["unit"],
        title=(_english_indicators() or {}).get(rank) or indicator["name"],
        lang=_lang(),
    )
    return {
        **{"cluster": cluster, "children": children, "memberships": members, "member_count": len(codes)},
        **{"year": year, "role": role, "ranking_indicator": indicator, "statuses": STATUS},
        "cards": _cards(rows, series, [(str(_("全省")), "province")]),
        "ranking_table": RankingTable(pages.records(ranking), unit=indicator["unit"]),
        "ranking_fig": chart or None,
    }


@with_year
def document(request, code, year):
    document = selectors.document(code)
    if document is None:
        raise Http404("no such document")
    if "_export" in request.GET:
        rows = document_values(_document(document, year)["rows"], STATUS)
        return _download(request, year, f"{code}-targets", document.title, rows)
    body = _body(_clean(request, year), "targets/_document_body.html", lambda clean: _document(document, year))
    return render(request, "targets/page.html", {"body": body, "title": document.title, "title_of": f"document:{code}"})


def _document(document, year):
    targets = reports.inputs().targets
    targets = targets[targets["document"] == document.code]
    table = reports.gap_table(None, as_of=year, document=document.code)
    # highlight_excerpts escapes the whole text; only its marks are markup.
    text = mark_safe(pages.highlight_excerpts(document.full_text, targets[["target_id", "excerpt", "also_in"]].values))
    rows = pages.document_rows(targets, table, STATUS)
    return {"document": document, "year": year, "rows": rows, "text_html": text, "statuses": STATUS,
            "goals": selectors.qualitative_goals(document.code)}  # fmt: skip


@with_year
def indicator(request, code, year):
    indicators = reports.inputs().indicators
    found = indicators[indicators["code"] == code]
    if found.empty:
        raise Http404("no such indicator")
    clean = _clean(request, year, sort=pages.sortable(RankingTable.base_columns))
    if "_export" in request.GET:
        return _download(
            request, year, f"{code}-ranking", found["name"].iloc[0], _indicator(clean, code, year)["ranking_table"]
        )
    body = _body(clean, "targets/_indicator_body.html", lambda clean: _indicator(clean, code, year))
    page = {"body": body, "title": found["name"].iloc[0], "title_of": f"indicator:{code}", "figures": True}
    return render(request, "targets/page.html", page)


def _indicator(request, code, year):
    indicator, names, targets = selectors.indicator(code), _local(reports.county_names()), reports.inputs().targets
    series = reports.aggregate_series([f"county:{c}" for c in names], [code])
    ranking = RankingTable(pages.records(pages.ranking(series, year, names)), unit=indicator.unit)
    RequestConfig(request, paginate=False).configure(ranking)
    name = indicator.name_en if _lang() == "en" and indicator.name_en else indicator.name
    title = f"{name}（{year}）" if name == indicator.name else f"{name} ({year})"
    table = reports.gap_table(None, as_of=year)  # the overview map's key benchmark marks the colour bar here too
    return {
        "indicator": indicator,
        "year": year,
        "aliases": selectors.aliases(code),
        "targets": pages.records(targets[targets["indicator_code"] == code]),
        "ranking_table": ranking,
        "map_fig": _county_map(f"ind:{code}", table, year, names, title=title, key_ids=_key_benchmarks(table))
        if len(series)
        else None,
        "distribution_fig": charts.distribution_chart(series[["year", "value"]], unit=indicator.unit, lang=_lang())
        if len(series)
        else None,
    }


# ---------------------------------------------------------------------------------------------- lists
def document_list(request):
    # Kept like the dashboard bodies: the list changes only with the catalog, which moves the data version.
    body = _body(_clean(request, None), "targets/_document_list_body.html",
                 lambda clean: {"documents": selectors.document_list()})  # fmt: skip
    return render(request, "targets/page.html", {"body": body, "title": _("政策文件")})


def indicator_list(request):
    # Kept like the dashboard bodies: the links of 190 indicators cost a warm request ~12 ms.
    body = _body(
        _clean(request, None),
        "targets/_indicator_list_body.html",
        lambda clean: {"indicators": selectors.indicator_list()},
    )
    return render(request, "targets/indicator_list.html", {"body": body})


@with_year
def cluster_race(request, year):
    data = reports.inputs()
    clusters = data.groupings[data.groupings["tier"] == Cluster.Tier.PROVINCIAL]
    cities = set(data.regions.loc[data.regions["level"] == "city", "code"])
    clean = _clean(request, year, role={"coordination"}, cluster=set(clusters["slug"]), city=cities,
                   sort=pages.sortable(RaceTable.base_columns))  # fmt: skip
    if "_export" in request.GET:  # the league as the page filters it, through the one download path
        fields = race.RECORD_FIELDS + race.EXTRA_FIELDS
        rows = pages.records(_league(clean, year, reports.inputs().awards))
        return _download(
            request, year, "415x-race", _("“415X”赛马"), (fields, [[r.get(f) for f in fields] for r in rows])
        )
    body = _body(clean, "targets/_race_body.html", lambda clean: _race(clean, year))
    return render(request, "targets/page.html", {"body": body, "title": _("“415X”赛马")})


def _league(request, year, awards):
    """The league rows the page's filters keep, with the city, the cluster's targets met and the 天工鼎 flag."""
    data = reports.inputs()
    table = race.league(selectors.race_memberships(), data.observations, year, request.GET.get("role") or "core")
    regions = data.regions.set_index("code")
    names = regions["name"].to_dict()
    cities = {c: (p, names.get(p, "")) for c, p in regions["parent_code"].items() if isinstance(p, str)}
    met = race.targets_met(reports.gap_table(None, as_of=year))
    awarded = set(awards.loc[awards["year"] == year, "region_code"])
    return race.league_rows(table, cities, met, awarded, request.GET.get("cluster"), request.GET.get("city"))


def _race(request, year):
    data, awards = reports.inputs(), reports.inputs().awards
    table = RaceTable(pages.records(_league(request, year, awards)))
    RequestConfig(request, paginate=False).configure(table)
    names = dict(data.regions[["code", "name"]].values)
    clusters = data.groupings[data.groupings["tier"] == Cluster.Tier.PROVINCIAL].drop_duplicates("slug")
    slugs = dict(clusters[["slug", "name"]].values)
    counted = data.targets[data.targets["threshold_members"] == "cluster_core"]["target_id"]
    gaps = reports.gap_table(["clusters:415x"], as_of=year)
    counts = pages.records(gaps[gaps["target_id"].isin(counted) & ~gaps["benchmark"]])
    for row in counts:
        for key in ("members_passing", "members_closest"):
            row[key] = [race.area_label(code, names, slugs) for code in row.get(key) or []]
    cities = data.regions[(data.regions["level"] == "city") & data.regions["valid_to"].isna()]
    return {
        **{"year": year, "role": request.GET.get("role") or "core", "table": table, "counts": counts},
        **{"cluster": request.GET.get("cluster"), "city": request.GET.get("city"), "statuses": STATUS},
        "clusters": pages.records(clusters[["slug", "name"]]),
        "cities": pages.records(cities[["code", "name"]]),
        "awards": pages.records(awards[awards["year"] == year]),
        "query": request.GET.urlencode(),
    }


def cluster_list(request):
    body = _body(_clean(request, None), "targets/_cluster_list_body.html",
                 lambda clean: {"clusters": selectors.cluster_list()})  # fmt: skip
    return render(request, "targets/page.html", {"body": body, "title": _("“415X”先进制造业集群")})


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
