"""Shaping gap tables into what the pages show (pure pandas + html escaping, no queries)."""

import math

import pandas as pd
from django.utils.html import escape
from django.utils.safestring import mark_safe
from django.utils.translation import gettext_lazy as _

STATUS_ORDER = ["achieved", "on_track", "needs_acceleration", "limited_progress", "deteriorating", "insufficient_data"]
PERCENT_UNITS = {"%", "个百分点", "百分点"}


def fmt_number(value, unit=""):
    """Numbers as the bureau writes them: thousands separators, one decimal for shares, units attached."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
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
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "—"
    return f"{value * 100:+.1f}%"


def headline_rows(table, document_codes, scope="province"):
    """The scope's own (non-benchmark) rows of the given documents, nearest target year first."""
    rows = table[(table["scope"] == scope) & (~table["benchmark"]) & (table["document"].isin(document_codes))]
    rows = rows[~rows["policy_input"].fillna(False).astype(bool)]
    return rows.sort_values(["target_year", "target_id"])


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
    return list(candidates["target_id"][:limit])


def heatmap_records(table, target_ids, counties):
    """One record per county: name, code, city, and per target its value and status."""
    county = table[table["target_id"].isin(target_ids) & table["scope"].str.startswith("county:")]
    county = county.assign(code=county["scope"].str.slice(7))
    values = county.pivot_table(index="code", columns="target_id", values="actual_value", aggfunc="first")
    statuses = county.pivot_table(index="code", columns="target_id", values="status", aggfunc="first")
    records = []
    for c in counties:
        record = {"code": c["code"], "name": c["name"], "city": c["city"]}
        for tid in target_ids:
            value = values.at[c["code"], tid] if c["code"] in values.index and tid in values.columns else None
            status = statuses.at[c["code"], tid] if c["code"] in statuses.index and tid in statuses.columns else None
            record[f"t{tid}"] = None if value is None or pd.isna(value) else float(value)
            record[f"s{tid}"] = status if isinstance(status, str) else "insufficient_data"
        records.append(record)
    return records


def status_counts(rows):
    counts = rows["status"].value_counts().to_dict()
    return {s: int(counts.get(s, 0)) for s in STATUS_ORDER if counts.get(s)}


def highlight_excerpts(text, targets):
    """The document text as HTML with each target's excerpt marked where it stands.

    `targets` is a list of (target_id, excerpt). Overlapping excerpts merge into one mark that
    carries every target's anchor. Everything else is escaped.
    """
    spans = []
    for tid, excerpt in targets:
        start = text.find(excerpt) if excerpt else -1
        if start >= 0:
            spans.append((start, start + len(excerpt), tid))
    spans.sort()
    merged = []
    for start, end, tid in spans:
        if merged and start <= merged[-1][1]:
            merged[-1][1] = max(merged[-1][1], end)
            merged[-1][2].append(tid)
        else:
            merged.append([start, end, [tid]])
    out, pos = [], 0
    for start, end, ids in merged:
        out.append(escape(text[pos:start]))
        anchors = "".join(f'<span id="t-{tid}"></span>' for tid in ids)
        title = escape("、".join(f"#{tid}" for tid in ids))
        out.append(f'{anchors}<mark class="zj-excerpt" title="{title}">{escape(text[start:end])}</mark>')
        pos = end
    out.append(escape(text[pos:]))
    return mark_safe("".join(out))


SCOPE_LABELS = {
    "province": _("全省"),
    "clusters:415x": _("“415X”集群整体"),
    "sector:traditional-mfg": _("重点传统制造业"),
    "sector:manufacturing": _("制造业"),
    "sector:modern-communications": _("现代通信产业集群"),
    "sector:info-electromechanical": _("信息机电产业集群"),
    "each_county": _("各县（市、区）"),
}


def scope_label(scope, names):
    """A target's scope as the bureau says it: city:330400 → 嘉兴市, group:mountain-26 → 山区26县.

    `names` maps region codes and group/cluster slugs to names; unknown keys are shown as they are.
    """
    if scope in SCOPE_LABELS:
        return SCOPE_LABELS[scope]
    kind, _sep, ref = scope.partition(":")
    if kind in {"city", "county", "group", "cluster"} and ref in names:
        return names[ref]
    if kind == "each_county":
        return _("各县（%(group)s）") % {"group": ref}
    return scope
