"""What the pages show, shaped from gap tables and the catalog frames (pure pandas and charts, no Django, no
queries). Texts in the page's language are passed in; the statuses come in the order of targets.models.GapStatus."""

import math
from html import escape

import pandas as pd

from . import charts

PERCENT_UNITS = {"%", "个百分点", "百分点"}
MAP_INDICATORS = {"value_added", "labour_productivity", "rd_intensity", "value_added_per_mu", "tax_per_mu",
                  "energy_intensity"}  # fmt: skip
LEVEL_KINDS = {"level", "share", "change_vs_base"}


# Decimals per unit, used alike for a value, its target and the gap between them, so that 38.8 万元/亩 never
# stands beside a gap of 0.122. Counts of people, firms and things are whole numbers.
COUNT_UNITS = {"人", "名", "家", "户", "个", "项", "件", "支", "台", "场", "条", "次", "所", "亩", "年"}
DECIMALS = {"%": 1, "个百分点": 1, "百分点": 1, "亿元": 2, "万元/亩": 1, "万元/人": 1, "指数": 2,
            "吨标准煤/万元": 3, "立方米/万元": 2, "吨/万元": 3, "千瓦时/万元": 1}  # fmt: skip
DEFAULT_DECIMALS = 2
POINTS = "个百分点"


def decimals(unit):
    """How many decimals a number in `unit` is written with: 家 → 0, % → 1, 亿元 → 2, 吨标准煤/万元 → 3."""
    return 0 if unit in COUNT_UNITS else DECIMALS.get(unit, DEFAULT_DECIMALS)


def fmt_number(value, unit=""):
    """Numbers as the bureau writes them: thousands separators, the unit's decimals (see DECIMALS), unit
    attached: 12345.678 亿元 → '12,345.68 亿元', 3.456 % → '3.5%', 8.4 家 → '8 家'."""
    if missing(value):
        return "—"
    text = f"{value:,.{decimals(unit)}f}"
    if text.lstrip("-").strip("0.,") == "":
        text = text.lstrip("-")  # -0.0 → 0.0
    return f"{text}{unit}" if unit in PERCENT_UNITS else f"{text} {unit}".strip()


def gap_unit(unit):
    """The unit of a difference: two percentages differ by 个百分点, anything else by its own unit."""
    return POINTS if unit == "%" else unit


def shown_unit(kind, unit):
    """The unit a target's numbers are shown in: a share is a percentage whatever unit the catalog row carries
    (试点单位规上工业增加值占全省比重 was entered in 亿元; the engine computes it in %)."""
    return "%" if kind == "share" else (unit or "")


def gap_words(value, unit):
    """The gap to a target as (what, amount): ('short', '3.0 个百分点') still to go, ('over', '12.50 亿元')
    beyond the target, ('level', '') when it rounds to nothing at the unit's decimals (never "已超出 0"),
    (None, '—') when unknown."""
    if missing(value):
        return None, "—"
    unit = gap_unit(unit)
    if round(abs(value), decimals(unit)) == 0:
        return "level", ""
    return ("over" if value < 0 else "short"), fmt_number(abs(value), unit)


def fmt_rate(value):
    """A fraction as a signed percentage: 0.0345 → '+3.5%'."""
    if missing(value):
        return "—"
    return f"{value * 100:+.1f}%"


def records(table):
    """JSON-ready dicts: NaN and NA → None, numpy scalars → Python (to_dict boxes them)."""
    return [{k: None if missing(v) else v for k, v in row.items()} for row in table.to_dict("records")]


def missing(value):
    """None, NaN, NA or NaT."""
    return value is None or value is pd.NA or value is pd.NaT or (isinstance(value, float) and math.isnan(value))


def pick(query, allowed):
    """The parameters a page uses: {name: the query's value if it is one of allowed[name], else None}."""
    return {name: query.get(name) if query.get(name) in values else None for name, values in allowed.items()}


def sortable(columns):
    """The values of a table's ?sort= parameter: each column, ascending or descending."""
    return {f"{sign}{c}" for c in columns for sign in ("", "-")}


def nearest_year(years, year):
    """The year among `years` closest to `year` (the later one on a tie): 2030 in [2013…2024] → 2024."""
    return min(years, key=lambda y: (abs(y - year), -y))


def status_counts(rows, order):
    """Targets per status, in the given status order, leaving out statuses no row has."""
    counts = rows["status"].value_counts().to_dict()
    return {s: int(counts[s]) for s in order if counts.get(s)}


# ---------------------------------------------------------------------------------------------- overview
def headline_rows(table, document_codes, scope="province"):
    """The scope's own (non-benchmark) rows of the given documents, nearest target year first."""
    rows = table[(table["scope"] == scope) & (~table["benchmark"]) & (table["document"].isin(document_codes))]
    return _without_policy_inputs(rows).sort_values(["target_year", "target_id"])


def history_rows(table, document_codes):
    """Every target of the given (earlier) plans at its own scope, by plan and target."""
    rows = table[(~table["benchmark"]) & table["document"].isin(document_codes)]
    rows = rows[rows["scope"] == rows["target_scope"]]
    return _without_policy_inputs(rows).sort_values(["document", "target_id"])


def _without_policy_inputs(rows):
    return rows[~rows["policy_input"].fillna(False).astype(bool)]


def key_benchmarks(table, documents_by_recency, limit=8):
    """The benchmark targets most worth a heatmap column: newest plan first, one per indicator,
    only those with data for at least one county."""
    county = table[table["scope"].str.startswith("county:") & table["benchmark"]]
    with_data = county[county["actual_value"].notna()]
    if with_data.empty:
        return []
    rank = {code: n for n, code in enumerate(documents_by_recency)}
    candidates = (
        with_data.groupby("target_id")
        .agg(document=("document", "first"), indicator=("indicator_code", "first"), n=("actual_value", "size"))
        .reset_index()
    )
    candidates["rank"] = candidates["document"].map(rank).fillna(99)
    candidates = candidates.sort_values(["rank", "target_id"]).drop_duplicates("indicator")
    return [int(t) for t in candidates["target_id"][:limit]]


def heatmap_columns(table, target_ids):
    """(target_id, header, unit) of each heatmap column: 亩均税收（2027）."""
    rows = table[table["target_id"].isin(target_ids)].drop_duplicates("target_id").set_index("target_id")
    return [(t, f"{rows.at[t, 'label']}（{rows.at[t, 'target_year']}）", rows.at[t, "unit"]) for t in target_ids]


def heatmap_records(table, target_ids, counties):
    """One record per county: its code, name and city, and per target its value (t<id>) and status (s<id>)."""
    county = table[table["target_id"].isin(target_ids) & table["scope"].str.startswith("county:")]
    cells = county[["scope", "target_id", "actual_value", "status"]].values
    cells = {(scope[7:], tid): (value, status) for scope, tid, value, status in cells}
    records = []
    for c in counties:
        record = dict(c)
        for tid in target_ids:
            value, status = cells.get((c["code"], tid), (None, None))
            record[f"t{tid}"] = None if value is None or pd.isna(value) else float(value)
            record[f"s{tid}"] = status if isinstance(status, str) else "insufficient_data"
        records.append(record)
    return records


def filter_choices(regions, groupings, english=None):
    """The heatmap filter's options by parameter: (id, name) of the current cities, the groups, the clusters.
    With `english` (reports.english_names(): kind → {code or slug: English name}) the names are the English ones
    where the catalog has them: 杭州市（330100） → Hangzhou (330100); the ids stay the same."""
    names = english or {}
    cities = regions[(regions["level"] == "city") & regions["valid_to"].isna()]
    city_names = names.get("region", {})
    city_fmt = "{} ({})" if english else "{}（{}）"
    choices = {
        "city": [(i, city_fmt.format(city_names.get(c) or n, c)) for i, n, c in cities[["id", "name", "code"]].values]
    }
    for kind in ("group", "cluster"):
        rows = groupings[groupings["kind"] == kind].drop_duplicates("slug")
        own = names.get(kind, {})
        choices[kind] = [(i, own.get(s) or n) for i, s, n in rows[["id", "slug", "name"]].values]
    return choices


def filter_place(regions, groupings, name, chosen):
    """The page of a heatmap filter's choice, as (kind, code or slug): a city by region id → ('city', '330100'),
    a group by id → ('group', 'mountain-26'); None for a cluster filter or no choice."""
    if not chosen or name not in ("city", "group"):
        return None
    if name == "city":
        found = regions.loc[regions["id"] == int(chosen), "code"]
    else:
        found = groupings.loc[(groupings["kind"] == "group") & (groupings["id"] == int(chosen)), "slug"]
    return (name, found.iloc[0]) if len(found) else None


def counties(regions, groupings, city=None, group=None, cluster=None):
    """The current counties, by code, that lie in the city and are members of the group and the cluster
    given by id (each optional): [{code, name, city (its city's short name)}]."""
    frame = regions[(regions["level"] == "county") & regions["valid_to"].isna()].sort_values("code")
    if city:
        frame = frame[frame["parent_code"].isin(regions.loc[regions["id"] == int(city), "code"])]
    for kind, chosen in (("group", group), ("cluster", cluster)):
        if chosen:
            members = groupings[(groupings["kind"] == kind) & (groupings["id"] == int(chosen))]
            frame = frame[frame["code"].isin(members["region_code"])]
    short = dict(regions[["code", "short_name"]].values)
    return [
        {"code": c, "name": n, "city": short.get(p, "")} for c, n, p in frame[["code", "name", "parent_code"]].values
    ]


def map_choices(indicators, table, target_ids, status_word, english=None):
    """The county map's options: a few indicators, then the status of each key benchmark ("状态：<its label>").
    With `english` (indicator code → English name) both are named by the indicator's English name where it has
    one ("Status: Tax per mu (2025)", the key benchmarks being one per indicator, as the heatmap's headers)."""
    names = english or {}
    choices = [(f"ind:{c}", names.get(c) or n) for c, n in indicators[["code", "name"]].values if c in MAP_INDICATORS]
    keyed = table[table["target_id"].isin(target_ids)].drop_duplicates("target_id")
    rows = keyed[["target_id", "label", "indicator_code", "target_year"]].values
    if english is None:
        return choices + [(f"status:{t}", f"{status_word}：{label}") for t, label, _code, _year in rows]
    return choices + [
        (f"status:{t}", f"{status_word}: {names[code]} ({year})" if names.get(code) else f"{status_word}: {label}")
        for t, label, code, year in rows
    ]


def map_target(table, indicator_code, target_ids):
    """The first key benchmark that sets a level for the mapped indicator, as {value, comparator}, or None."""
    if table is None:
        return None
    rows = table[table["target_id"].isin(list(target_ids)) & (table["indicator_code"] == indicator_code)]
    rows = rows[rows["kind"].isin(["level", "share"])].drop_duplicates("target_id")
    order = {t: n for n, t in enumerate(target_ids)}
    rows = sorted(records(rows[["target_id", "target_value", "comparator"]]), key=lambda r: order[r["target_id"]])
    return {"value": rows[0]["target_value"], "comparator": rows[0]["comparator"]} if rows else None


def status_map_frame(table, target_id, names):
    """[code, name, status] of the named counties for one target, and the target's label."""
    rows = table[(table["target_id"] == target_id) & table["scope"].str.startswith("county:")]
    frame = rows.assign(code=rows["scope"].str.slice(7))[["code", "status"]]
    frame = frame[frame["code"].isin(names)]
    return frame.assign(name=frame["code"].map(names)), (rows["label"].iloc[0] if len(rows) else "")


def value_map_frame(series, year, names):
    """[code, value, name] of every named county in `year` (value None where it has none)."""
    latest = series[series["year"] == year]
    frame = latest.assign(code=latest["scope"].str.slice(7))[["code", "value"]]
    frame = frame.set_index("code").reindex(list(names)).reset_index()
    return frame.assign(name=frame["code"].map(names))


def composite_rows(scores, cities, names=None):
    """The 综合评价 ranking rows of the counties in `cities` (code → city name) that have a score, named by `names`
    (code → name in the page's language) where given, else by the score table's own (Chinese) names."""
    rows = records(scores[scores["code"].isin(cities) & scores["score"].notna()])
    names = names or {}
    return [{**row, "city": cities.get(row["code"], ""), "name": names.get(row["code"], row["name"])} for row in rows]


# ---------------------------------------------------------------------------------------------- one place
RATE_KINDS = {"avg_annual_growth", "annual_decline", "annual_increase_points"}
# Worst first: what the reader should look at before what is done or unknown.
STATUS_SORT = ("deteriorating", "limited_progress", "needs_acceleration", "on_track", "achieved", "insufficient_data")


def target_cards(rows, series, indicators, compare_scopes, *, lang, demo, year=None, notes=None):
    """One card per target row (policy inputs left out): the row's numbers in the unit they are shown in, a
    one-line reason where the status could be doubted (status_reason) and a small chart: the indicator's level
    against the target path for level targets, with comparison lines ([(label, scope)]) where sizes do not
    matter (ratios, %: a province total would flatten a county's own line to zero); the yearly rate against the
    target rate for growth and decline targets; the level for counts. ``notes`` ({(indicator code, year): 备注})
    go beside the data table. A county's card does not count its members (``counts_members``)."""
    notes = notes or {}
    units = dict(indicators[["code", "unit"]].values)
    growth = set(indicators.loc[indicators["growth_of"].notna(), "code"]) if "growth_of" in indicators else set()
    scale_free = set(indicators.loc[(indicators["kind"] == "derived") | (indicators["unit"] == "%"), "code"])
    years, values = series["year"].to_numpy(), series["value"].to_numpy()
    by_line = {key: {"year": years[i].tolist(), "value": values[i].tolist()}
               for key, i in series.groupby(["scope", "indicator_code"]).indices.items()}  # fmt: skip
    cards = []
    for n, row in enumerate(records(_without_policy_inputs(rows))):
        row = {**row, "unit": shown_unit(row["kind"], row["unit"])}
        if row["status"] == "achieved":
            row["required_annual_growth"] = None  # nothing more is required of a target already met
        code, kind = row["indicator_code"], row["kind"]
        own = by_line.get((row["scope"], code))
        fig, series_rows, unit = None, [], units.get(code, "")
        if own is not None and kind in LEVEL_KINDS:
            unit = row["unit"]
            compare = {label: by_line[s, code] for label, s in (compare_scopes if code in scale_free else [])
                       if (s, code) in by_line}  # fmt: skip
            fig = charts.target_chart(own, unit=unit, lang=lang, demo=demo, compare=compare, **_target_lines(row))
        rates = {}
        if own is not None and kind in RATE_KINDS:
            # the chart shows the yearly rate; the data table keeps the level beside it
            line = own if code in growth else yearly_rates(own, kind)
            rates = dict(zip(line["year"], line["value"], strict=True))
            target = {"value": row["target_value"], "year": row["target_year"], "comparator": row["comparator"]}
            fig = charts.target_chart(line, unit=row["unit"], lang=lang, demo=demo, target=target)
        elif own is not None and kind not in LEVEL_KINDS:
            fig = charts.target_chart(own, unit=unit, lang=lang, demo=demo)
        if own is not None:
            series_rows = [{"year": y, "value": None if missing(v) else v, "rate": rates.get(y),
                            "note": notes.get((code, y), "")}
                           for y, v in zip(own["year"], own["value"], strict=True)]  # fmt: skip
        reason = status_reason(row, own, year)
        cards.append({**row, "fig_id": f"fig-{n}", "fig": fig, "series_rows": series_rows, "series_unit": unit,
                      "reason": reason, "is_rate": kind in RATE_KINDS,
                      "series_notes": any(s["note"] for s in series_rows),
                      # a county is its own one unit (1, or 0 in a back-series year whose figure names its scope)
                      "counts_members": not row["scope"].startswith("county:")})  # fmt: skip
    return cards


def yearly_rates(line, kind):
    """A level series turned into the yearly rate a growth or decline target speaks of: growth in % (100 → 110:
    10.0), decline in % (100 → 95: 5.0) or the change in points (30.0 → 31.5: 1.5); the first year, and a year
    after a gap or a zero, has none."""
    out = {"year": [], "value": []}
    pairs = list(zip(line["year"], line["value"], strict=True))
    for (y0, v0), (y1, v1) in zip(pairs, pairs[1:], strict=False):
        if y1 != y0 + 1 or missing(v0) or missing(v1) or (kind != "annual_increase_points" and v0 == 0):
            continue
        rate = v1 - v0 if kind == "annual_increase_points" else (v1 / v0 - 1) * 100
        out["year"].append(y1)
        out["value"].append(-rate if kind == "annual_decline" else rate)
    return out


def status_reason(row, own, year=None):
    """Why a status reads as it does, where a reader could doubt it, as (code, values) for the template to word:
    ('missed_earlier', (2023,)) 本年达标，2023 年未达标; ('missed', (2022, 2024)) 2022、2024 年未达标 (per-year
    counts, from the scope's own series over the plan years; the template joins the years in the page's language);
    ('pro_rata', {year, expected, unit}) a cumulative count
    judged against an even share of its plan period (100 over 2023–2027, in 2024: 100 × 2/5 = 40);
    ('base_above', '') a ≥ level target the base year already met; ('judged_at', year) a target whose year is
    past, judged with the data of that year; None otherwise."""
    kind, comparator = row["kind"], row["comparator"]
    start, actual_year = row.get("period_start"), row["actual_year"]
    if kind == "count_per_year" and own is not None and not missing(start) and actual_year:
        seen = {y: v for y, v in zip(own["year"], own["value"], strict=True) if start <= y <= actual_year}
        missed = [
            y for y, v in sorted(seen.items()) if not missing(v) and not _meets(v, row["target_value"], comparator)
        ]
        if missed and missed[-1] != actual_year:
            return ("missed_earlier", tuple(missed))
        if missed:
            return ("missed", tuple(missed))
    if kind == "cumulative_count" and not missing(start) and actual_year and row["status"] != "achieved":
        plan_years, elapsed = row["target_year"] - start + 1, actual_year - start + 1
        if 0 < elapsed < plan_years:
            expected = row["target_value"] * elapsed / plan_years
            return ("pro_rata", {"year": actual_year, "expected": expected, "unit": row["unit"]})
    if (kind in ("level", "share") and comparator in ("ge", "gt", "approx") and not missing(row["base_value"])
            and row["base_value"] >= row["target_value"]):  # fmt: skip
        return ("base_above", "")
    if year and row["target_year"] < year:
        return ("judged_at", row["target_year"])
    return None


def _meets(value, target, comparator):
    """Whether one year's value meets a per-year target: ge/gt/le/lt as written, eq and approx as ≥ (a yearly
    quota of 5 firms is met by 6)."""
    return {"gt": value > target, "le": value <= target, "lt": value < target}.get(comparator, value >= target)


def _target_lines(row):
    """The target path and, while the target year is ahead, the projection to it. A ≥ target the base already
    exceeds is drawn flat at the target (a path sloping down to it would suggest a decline is asked for)."""
    target = {k: row[k] for k in ("base_year", "base_value", "comparator")}
    target.update(value=row["target_value"], year=row["target_year"])
    if status_reason(row, None) == ("base_above", ""):
        target.update(base_year=None, base_value=None)
    projection = None
    if row["projected_value"] is not None and row["actual_year"] and row["target_year"] > row["actual_year"]:
        projection = {"from_year": row["actual_year"], "from_value": row["actual_value"],
                      "year": row["target_year"], "value": row["projected_value"]}  # fmt: skip
    return {"target": target, "projection": projection}


def card_sections(cards, current_documents, status=None, order=None):
    """The cards of the plans in force (current_documents) and of earlier plans, each filtered to `status`
    when given and sorted worst status first when order == 'status'; with the status counts of exactly the
    cards each section shows."""

    def section(keep):
        chosen = [c for c in cards if keep(c) and (status is None or c["status"] == status)]
        if order == "status":
            chosen.sort(key=lambda c: STATUS_SORT.index(c["status"] or "insufficient_data"))
        counts = {}
        for c in chosen:
            counts[c["status"]] = counts.get(c["status"], 0) + 1
        return {"cards": chosen, "counts": {s: counts[s] for s in STATUS_SORT if s in counts}}

    current = set(current_documents)
    return section(lambda c: c["document"] in current), section(lambda c: c["document"] not in current)


def print_figures(cards, limit=4, width=340, height=230, *, label=None):
    """The charts of the first `limit` cards that have one, sized to sit two by two on an A4 page (a fixed size:
    a printed page does not re-run the responsive layout), each titled by ``label(card)``: the page passes the
    label in its language (the English one is composed from the catalog's English names, which this pure module
    does not hold); the card's own Chinese label without it. Each is a copy: the card keeps its own."""
    out = []
    for card in [c for c in cards if c["fig"]][:limit]:
        title = (label(card) if label else "") or card["label"]  # no English name: the Chinese label, as the cards
        layout = {**card["fig"]["layout"], "width": width, "height": height, "autosize": False,
                  "title": {"text": title, "font": {"size": 12}, "x": 0, "xanchor": "left"},
                  "margin": {"l": 8, "r": 8, "t": 30, "b": 8}, "annotations": []}  # fmt: skip
        out.append({"fig": {**card["fig"], "layout": layout}, "id": f"print-{card['fig_id']}", "label": title})
    return out


def current_documents(documents, year):
    """The plans in force in `year` (period_end ≥ year); if none is, the newest plan."""
    live = documents[documents["period_end"].fillna(0) >= year]
    return list((live if len(live) else documents.head(1))["document"])


def county_profile(regions, groupings, code, roles):
    """The county's row (with its city's name and short name), its groups [{slug, name}] and its clusters
    [{slug, name, role, role_label}] (`roles`: role → label)."""
    region = records(regions[regions["code"] == code])[0]
    city = regions[regions["code"] == region["parent_code"]]
    region |= {"parent_name": "".join(city["name"]), "parent_short_name": "".join(city["short_name"])}
    member = groupings[groupings["region_code"] == code]
    clusters = records(member[member["kind"] == "cluster"][["slug", "name", "role"]])
    clusters = [{**c, "role_label": roles.get(c["role"], c["role"])} for c in clusters]
    return region, records(member[member["kind"] == "group"][["slug", "name"]]), clusters


def cluster_profile(groupings, names, slug, roles, tiers):
    """The cluster's row (with its tier's label and its parent's name), its child clusters, its direct members
    [{code, name, role_label, is_demo}] and the codes of every county in it or in its children."""
    clusters = groupings[groupings["kind"] == "cluster"]
    rows = clusters[clusters["slug"] == slug]
    parent = clusters[clusters["slug"] == rows["parent"].iloc[0]]
    cluster = records(rows.head(1))[0]
    cluster |= {"tier_label": tiers.get(cluster["tier"], ""), "parent_name": "".join(parent["name"].head(1))}
    children = records(clusters[clusters["parent"] == slug].drop_duplicates("slug")[["slug", "name"]])
    members = rows[rows["region_code"].notna()].sort_values(["role", "region_code"])
    members = [{"code": c, "name": names.get(c, c), "role": r, "role_label": roles.get(r, r), "is_demo": bool(d)}
               for c, r, d in members[["region_code", "role", "member_is_demo"]].values]  # fmt: skip
    scope = clusters[(clusters["slug"] == slug) | (clusters["parent"] == slug)]
    return cluster, children, members, sorted(set(scope["region_code"].dropna()))


def ranking(series, year, names):
    """The scopes (county:CODE) ranked by their value in `year`, highest first: [rank, code, name, value]."""
    latest = series[series["year"] == year].sort_values("value", ascending=False)
    codes = latest["scope"].str.slice(7)
    return pd.DataFrame({"rank": range(1, len(latest) + 1), "code": codes.values,
                         "name": [names.get(c, f"county:{c}") for c in codes], "value": latest["value"].values})  # fmt: skip


def document_rows(targets, table, order):
    """Each target of a document, by its number, with its own gap row (None where its scope has no data
    source) and how many counties stand in each status against it."""
    own = table[(~table["benchmark"]) & (table["scope"] == table["target_scope"])]
    own = {r["target_id"]: r for r in records(own)}
    counties = table[table["scope"].astype(str).str.startswith("county:")]  # a document with no targets: no rows
    spread = {tid: status_counts(rows, order) for tid, rows in counties.groupby("target_id")}
    rows = records(targets.sort_values("seq"))
    return [{"target": t, "gap": own.get(t["target_id"]), "spread": spread.get(t["target_id"], {})} for t in rows]


def find_place(regions, groupings, query):
    """The page a jump-box query names, as (kind, code or slug): a current county, then a current city, by code,
    name or short name; then a group by slug or name; None if nothing matches. 义乌 → ('county', '330782'),
    杭州市 → ('city', '330100'), 山区26县 → ('group', 'mountain-26')."""
    current = regions[regions["valid_to"].isna()]
    for level in ("county", "city"):
        rows = current[current["level"] == level]
        for column in ("code", "name", "short_name"):
            found = rows.loc[rows[column] == query, "code"]
            if len(found):
                return level, found.iloc[0]
    groups = groupings[groupings["kind"] == "group"]
    found = groups.loc[(groups["slug"] == query) | (groups["name"] == query), "slug"]
    return ("group", found.iloc[0]) if len(found) else None


def city_profile(regions, code):
    """The current city's row and the codes of its current counties, or None when `code` is no current city."""
    rows = regions[(regions["code"] == code) & (regions["level"] == "city") & regions["valid_to"].isna()]
    if rows.empty:
        return None
    counties = regions[(regions["parent_code"] == code) & (regions["level"] == "county") & regions["valid_to"].isna()]
    return records(rows)[0], sorted(counties["code"])


def group_profile(groupings, slug):
    """The group's row (slug, name, excerpt) and its members' codes, or None when there is no such group."""
    rows = groupings[(groupings["kind"] == "group") & (groupings["slug"] == slug)]
    if rows.empty:
        return None
    group = records(rows.head(1)[["slug", "name", "excerpt"]])[0]
    return group, sorted(set(rows["region_code"].dropna()))


def place_rows(table, scope):
    """A city's or group's rows: the targets set for it first (山区26县规上工业增加值 2500亿元), then the higher
    targets it is benchmarked against; by plan and target within each."""
    rows = table[table["scope"] == scope]
    return (
        rows.assign(_bench=rows["benchmark"].astype(bool))
        .sort_values(["_bench", "document", "target_id"])
        .drop(columns="_bench")
    )


def member_rows(table, codes, names, documents, composite=None):
    """One row per member county: code, name, its status counts over the rows of `documents` at its own scope
    ({status: n}, worst first), and its 综合评价 score and province rank when `composite` has them."""
    county = table[table["document"].isin(documents) & table["scope"].isin([f"county:{c}" for c in codes])]
    counts = {scope: rows["status"].value_counts().to_dict() for scope, rows in county.groupby("scope")}
    scores = {} if composite is None else {r["code"]: r for r in records(composite[composite["code"].isin(codes)])}
    out = []
    for code in codes:
        mine = counts.get(f"county:{code}", {})
        score = scores.get(code, {})
        out.append({"code": code, "name": names.get(code, code),
                    "counts": {s: int(mine[s]) for s in STATUS_SORT if mine.get(s)},
                    "score": score.get("score"), "rank": score.get("rank_province")})  # fmt: skip
    return out


def contributions(table, series, code, groups):
    """What a county contributes to the targets set for its groups: per group target (own rows of group:SLUG), the
    group's figures, the county's own value of the indicator in the group's year, and for a summable level (not a
    %, an index or a ratio) its share of the group total: 60 of a 1,800 亿元 total → 3.3 %."""
    out = []
    for g in groups:
        scope = f"group:{g['slug']}"
        own = table[(table["scope"] == scope) & (table["target_scope"] == scope) & ~table["benchmark"].astype(bool)]
        for row in records(own.sort_values(["document", "target_id"])):
            line = series[(series["scope"] == f"county:{code}") & (series["indicator_code"] == row["indicator_code"])]
            mine = line.loc[line["year"] == row["actual_year"], "value"]
            value = float(mine.iloc[0]) if len(mine) else None
            unit = shown_unit(row["kind"], row["unit"])
            summable = row["kind"] == "level" and unit not in PERCENT_UNITS and unit != "指数" and "/" not in unit
            share = (
                value / row["actual_value"] * 100 if summable and value is not None and row["actual_value"] else None
            )
            out.append({**row, "unit": unit, "group": g["name"], "group_slug": g["slug"], "own_value": value,
                        "own_share": share})  # fmt: skip
    return out


def widest_spread(table, target_ids):
    """Among the key benchmarks, the one whose counties are most divided: the smallest share of counties in its
    most common status (statuses 数据不足 left out), None when no target has two statuses. A map of one colour
    tells nothing."""
    county = table[table["target_id"].isin(target_ids) & table["scope"].str.startswith("county:")]
    county = county[county["status"] != "insufficient_data"]
    best, best_share = None, 1.0
    for tid in target_ids:
        counts = county.loc[county["target_id"] == tid, "status"].value_counts()
        if len(counts) >= 2 and counts.iloc[0] / counts.sum() < best_share:
            best, best_share = int(tid), counts.iloc[0] / counts.sum()
    return best


def highlight_excerpts(text, targets):
    """The document text as HTML with each target's excerpts marked where they stand.

    `targets` is a list of (target_id, excerpt, also_in): the excerpt carries the target's anchor, each
    further excerpt in also_in (a restatement of the same target elsewhere) is marked with the same
    title but no second anchor, since an id names one place. Overlapping excerpts merge into one mark
    that carries every anchor. Everything else is escaped.
    """
    spans = []
    for tid, excerpt, also_in in targets:
        for n, words in enumerate([excerpt, *(also_in or [])]):
            start = text.find(words) if words else -1
            if start >= 0:
                spans.append((start, start + len(words), tid, n == 0))
    spans.sort()
    merged = []
    for start, end, tid, anchored in spans:
        if merged and start <= merged[-1][1]:
            merged[-1][1] = max(merged[-1][1], end)
        else:
            merged.append([start, end, [], []])
        if anchored:
            merged[-1][2].append(tid)
        if tid not in merged[-1][3]:
            merged[-1][3].append(tid)
    out, pos = [], 0
    for start, end, anchors, ids in merged:
        out.append(escape(text[pos:start]))
        anchor_html = "".join(f'<span id="t-{tid}"></span>' for tid in anchors)
        title = escape("、".join(f"#{tid}" for tid in ids))
        out.append(f'{anchor_html}<mark class="zj-excerpt" title="{title}">{escape(text[start:end])}</mark>')
        pos = end
    out.append(escape(text[pos:]))
    return "".join(out)
