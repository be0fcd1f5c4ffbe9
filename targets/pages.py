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


def fmt_number(value, unit=""):
    """Numbers as the bureau writes them: thousands separators, one decimal for shares, units attached."""
    if missing(value):
        return "—"
    if unit in PERCENT_UNITS:
        return f"{value:,.1f}{unit}"
    if abs(value - round(value)) < 1e-9:
        return f"{round(value):,} {unit}".strip()
    if abs(value) >= 100:
        text = f"{value:,.0f}"
    elif abs(value) >= 1:
        text = f"{value:,.2f}"
    else:
        text = f"{value:,.3f}"
    return f"{text} {unit}".strip()


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


def filter_choices(regions, groupings):
    """The heatmap filter's options by parameter: (id, name) of the current cities, the groups, the clusters."""
    cities = regions[(regions["level"] == "city") & regions["valid_to"].isna()]
    choices = {"city": [(i, f"{n}（{c}）") for i, n, c in cities[["id", "name", "code"]].values]}
    for kind in ("group", "cluster"):
        rows = groupings[groupings["kind"] == kind].drop_duplicates("slug")
        choices[kind] = [(i, n) for i, n in rows[["id", "name"]].values]
    return choices


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


def map_choices(indicators, table, target_ids, status_word):
    """The county map's options: a few indicators, then the status of each key benchmark."""
    choices = [(f"ind:{c}", n) for c, n in indicators[["code", "name"]].values if c in MAP_INDICATORS]
    keyed = table[table["target_id"].isin(target_ids)].drop_duplicates("target_id")
    return choices + [(f"status:{t}", f"{status_word}：{label}") for t, label in keyed[["target_id", "label"]].values]


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


def composite_rows(scores, cities):
    """The 综合评价 ranking rows of the counties in `cities` (code → city name) that have a score."""
    rows = records(scores[scores["code"].isin(cities) & scores["score"].notna()])
    return [{**row, "city": cities.get(row["code"], "")} for row in rows]


# ---------------------------------------------------------------------------------------------- one place
def target_cards(rows, series, indicators, compare_scopes, *, lang, demo, notes=None):
    """One card per target row (policy inputs left out): the row's numbers and a small chart of its indicator,
    with comparison lines ([(label, scope)]) where sizes do not matter (ratios, %): a province total would
    flatten a county's own line to zero. ``notes`` ({(indicator code, year): 备注}) go beside the data table."""
    notes = notes or {}
    # A rate target (年均增长9%) is charted on its indicator's own series and unit (亿元), not in %.
    units = dict(indicators[["code", "unit"]].values)
    scale_free = set(indicators.loc[(indicators["kind"] == "derived") | (indicators["unit"] == "%"), "code"])
    years, values = series["year"].to_numpy(), series["value"].to_numpy()
    by_line = {key: {"year": years[i].tolist(), "value": values[i].tolist()}
               for key, i in series.groupby(["scope", "indicator_code"]).indices.items()}  # fmt: skip
    cards = []
    for n, row in enumerate(records(_without_policy_inputs(rows))):
        code, level = row["indicator_code"], row["kind"] in LEVEL_KINDS
        own = by_line.get((row["scope"], code))
        unit = row["unit"] if level else units.get(code, "")
        fig, series_rows = None, []
        if own is not None:
            compare = {label: by_line[s, code] for label, s in (compare_scopes if level and code in scale_free else [])
                       if (s, code) in by_line}  # fmt: skip
            fig = charts.target_chart(
                own, unit=unit, lang=lang, demo=demo, compare=compare, **(_target_lines(row) if level else {})
            )
            series_rows = [{"year": y, "value": None if missing(v) else v, "note": notes.get((code, y), "")}
                           for y, v in zip(own["year"], own["value"], strict=True)]  # fmt: skip
        cards.append({**row, "fig_id": f"fig-{n}", "fig": fig, "series_rows": series_rows, "series_unit": unit,
                      "series_notes": any(s["note"] for s in series_rows)})  # fmt: skip
    return cards


def _target_lines(row):
    """The target path and, while the target year is ahead, the projection to it."""
    target = {k: row[k] for k in ("base_year", "base_value", "comparator")}
    target.update(value=row["target_value"], year=row["target_year"])
    projection = None
    if row["projected_value"] is not None and row["actual_year"] and row["target_year"] > row["actual_year"]:
        projection = {"from_year": row["actual_year"], "from_value": row["actual_value"],
                      "year": row["target_year"], "value": row["projected_value"]}  # fmt: skip
    return {"target": target, "projection": projection}


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


def find_county(regions, query):
    """The current county whose code, name or short name is `query` (in that order of preference), or None."""
    current = regions[(regions["level"] == "county") & regions["valid_to"].isna()]
    for column in ("code", "name", "short_name"):
        found = current.loc[current[column] == query, "code"]
        if len(found):
            return found.iloc[0]
    return None


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
