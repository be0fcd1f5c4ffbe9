"""Plotly figures for the dashboard pages, returned as plain JSON-ready dicts (``{"data": [...], "layout": {...}}``).

Pure Python (pandas), no Django import: figures are built as the plain dicts plotly.js takes (plotly's validating
objects cost a county page of thirty charts ~0.1 s). The pages embed each dict with ``json_script`` and draw it
with the locally served plotly.js: ``Plotly.newPlot(div, fig.data, fig.layout, config)``. No figure embeds plotly.js
or refers to a CDN or map tiles; maps are ``geo`` subplots (never ``map``/``mapbox``), so the page must pass
``config.topojsonURL`` pointing at the vendored ``static/vendor/topojson/`` (plotly.js fetches a base layer for
every choropleth even when the base map is hidden).

Every builder takes ``lang="zh"|"en"`` for its own fixed strings (axis titles, legend names); labels passed in
(titles, names, and ``labels``: status code → text, in the order to show) are used as given; a unit is passed
as the catalog writes it (万元/亩) and shown in the page's language (10,000 yuan/mu on an English page). Status colours
are the Okabe–Ito palette used by ``static/css/site.css``, and every status shown also carries its text label.
"""

from __future__ import annotations

import math
from collections.abc import Iterable

import pandas as pd

from indicators.ingest.units import unit_en

__all__ = [
    "STATUS_COLORS",
    "county_map",
    "distribution_chart",
    "ranking_chart",
    "status_bar",
    "target_chart",
]

STATUS_COLORS = {
    "achieved": "#009E73",
    "on_track": "#56B4E9",
    "needs_acceleration": "#E69F00",
    "limited_progress": "#D55E00",
    "deteriorating": "#CC79A7",
    "insufficient_data": "#BBBBBB",
}

# Text colour on a status-coloured fill, as in site.css's badges.
_STATUS_TEXT = {s: "#FFFFFF" if s in ("achieved", "limited_progress") else "#000000" for s in STATUS_COLORS}

_TEXT = {
    "zh": {
        "year": "年份",
        "actual": "实际",
        "target": "目标",
        "target_path": "目标路径",
        "projection": "预测",
        "demo": "示例数据",
        "no_data": "无数据",
        "year_suffix": "年",
        "counties": "各县（市、区）",
        "median": "中位数",
        "quartiles": "四分位区间",
        "range": "最小–最大",
        "n": "县数",
        "target_at": "目标（{year}）: {value}",
        "city_border": "市界",
    },
    "en": {
        "year": "Year",
        "actual": "Actual",
        "target": "Target",
        "target_path": "Target path",
        "projection": "Projection",
        "demo": "Demo data",
        "no_data": "No data",
        "year_suffix": "",
        "counties": "Counties",
        "median": "Median",
        "quartiles": "Interquartile range",
        "range": "Min–max",
        "n": "Counties",
        "target_at": "Target ({year}): {value}",
        "city_border": "City border",
    },
}

_COMPARATOR_SIGNS = {"ge": "≥", "gt": ">", "le": "≤", "lt": "<", "approx": "≈"}

FONT_FAMILY = '"Noto Sans SC", "Noto Sans CJK SC", "Source Han Sans SC", "Microsoft YaHei", "PingFang SC", sans-serif'
FONT_SIZE = 14
VALUE_FORMAT = ",.2~f"  # d3-format: thousands separator, at most 2 decimals, trailing zeros dropped

ACTUAL_COLOR = "#0072B2"  # Okabe–Ito blue: not one of the status colours
TARGET_COLOR = "#000000"
COMPARE_COLORS = ("#7A7A7A", "#9E9E9E", "#5C5C5C", "#B0B0B0")
COMPARE_DASHES = ("dashdot", "longdash", "longdashdot", "solid")
RANK_COLOR = "#B3BEC9"
MISSING_COLOR = "#E6E6E6"
GRID_COLOR = "#E3E3E3"
# plotly.py's Viridis, evenly spaced: plotly.js's own "Viridis" has other stops.
VIRIDIS = ["#440154", "#482878", "#3e4989", "#31688e", "#26828e", "#1f9e89", "#35b779", "#6ece58", "#b5de2b", "#fde725"]
# Buttons dropped from the small charts' mode bar (kept: download PNG), so it does not cover the title line.
_SMALL_MODEBAR_REMOVE = [
    "zoom",
    "pan",
    "select",
    "lasso",
    "zoomin",
    "zoomout",
    "autoscale",
    "resetscale",
    "togglespikelines",
    "hoverclosest",
    "hovercompare",
    "sendChartToCloud",
]
_VALUE_TICKS = {"separatethousands": True, "exponentformat": "none"}  # 12,000 rather than 12k


# ----------------------------------------------------------------------------------------------------- helpers
def _lang(lang):
    code = (lang or "zh").lower()
    if code.startswith("en"):
        return "en"
    if code.startswith("zh"):
        return "zh"
    raise ValueError(f"lang must be 'zh' or 'en', not {lang!r}")


def _missing(value):
    if value is None or value is pd.NA or value is pd.NaT:
        return True
    try:
        return bool(pd.isna(value))
    except (TypeError, ValueError):
        return False


def _num(value):
    """A plain float to 6 significant digits (more than a chart or its hover label shows; a float's 17 digits
    would make a page's chart data three times longer), or None for None/NaN/NA."""
    return None if _missing(value) else float(f"{float(value):.6g}")


def _year(value):
    return None if _missing(value) else int(round(float(value)))


def _floats(values: Iterable) -> list:
    return [_num(v) for v in values]


def _unit(unit: str, lang: str) -> str:
    """The catalog's unit as the chart shows it: unit_en on an English page (万元/亩 → 10,000 yuan/mu, a count
    word such as 个 has none), as written on a Chinese one."""
    return unit_en(unit) if lang == "en" else (unit or "")


def _with_unit(expr: str, unit: str) -> str:
    if not unit:
        return expr
    return f"{expr}{unit}" if unit in ("%", "‰") else f"{expr} {unit}"


def _fmt(value: float, unit: str = "") -> str:
    """Python-side formatting matching VALUE_FORMAT, for fixed annotation texts."""
    text = f"{value:,.2f}".rstrip("0").rstrip(".")
    return _with_unit(text, unit)


def _year_label(year, t) -> str:
    return f"{year}{t['year_suffix']}"


def _title(title: str, size: int = FONT_SIZE + 2) -> dict:
    return {"text": title, "x": 0, "xref": "paper", "xanchor": "left", "font": {"size": size}}


def _base_layout(*, title: str, height: int, margin: dict) -> dict:
    layout = {
        "height": height,
        "margin": margin,
        "font": {"family": FONT_FAMILY, "size": FONT_SIZE, "color": "#222222"},
        "hoverlabel": {"font": {"family": FONT_FAMILY, "size": FONT_SIZE}},
        "paper_bgcolor": "#FFFFFF",
        "plot_bgcolor": "#FFFFFF",
        "separators": ".,",
        # plotly.js 4 shows a "Share chart..." (sendChartToCloud) button by default: never offer it.
        "modebar": {"remove": ["sendChartToCloud"]},
    }
    if title:
        layout["title"] = _title(title)
    return layout


def _axis(**extra) -> dict:
    axis = {
        "showgrid": True,
        "gridcolor": GRID_COLOR,
        "zeroline": False,
        "linecolor": "#888888",
        "showline": True,
        "ticks": "outside",
        "tickcolor": "#888888",
        "automargin": True,
    }
    axis.update(extra)
    return axis


def _check_statuses(statuses: Iterable[str], labels) -> None:
    unknown = sorted(set(statuses) - set(labels or ()))
    if unknown:
        raise ValueError(f"unknown status {unknown}; expected one of {list(labels or ())}")


def _frame(frame: pd.DataFrame, columns: Iterable[str], what: str) -> pd.DataFrame:
    missing = [c for c in columns if c not in frame]
    if missing:
        raise ValueError(f"{what} needs columns {list(columns)}; missing {missing}")
    return frame


def _year_ticks(years: list[int]) -> dict:
    if not years:
        return {"tickformat": "d"}
    lo, hi = min(years), max(years)
    step = max(1, math.ceil((hi - lo) / 7))
    # Half a year of padding so the end markers (target diamond) are not clipped.
    return {"tickmode": "linear", "tick0": lo, "dtick": step, "tickformat": "d", "range": [lo - 0.4, hi + 0.4]}


def _points(frame, what: str) -> tuple[list, list]:
    """The years and values of a [year, value] frame (or a dict of two lists) in year order, rows without a year
    left out."""
    f = _frame(frame, ["year", "value"], what)
    pairs = [(_year(y), _num(v)) for y, v in zip(f["year"], f["value"], strict=True) if not _missing(y)]
    pairs.sort(key=lambda p: p[0])
    return [y for y, _v in pairs], [v for _y, v in pairs]


# ------------------------------------------------------------------------------------------------ target chart
def target_chart(series, *, unit, target=None, projection=None, compare=None, lang="zh", demo=False) -> dict:
    """Small line chart of a scope's actual series with its target path, projection and comparison lines (each a
    [year, value] frame or a dict of the two lists)."""
    t = _TEXT[_lang(lang)]
    unit = _unit(unit, _lang(lang))  # axis title and hover
    data = []
    all_years: list[int] = []

    value_hover = _with_unit(f"%{{y:{VALUE_FORMAT}}}", unit)
    year_hover = _year_label("%{x}", t)

    for i, (label, frame) in enumerate((compare or {}).items()):
        years, values = _points(frame, f"compare[{label!r}]")
        all_years += years
        data.append(
            dict(
                type="scatter",
                x=years,
                y=values,
                name=str(label),
                mode="lines",
                line={
                    "color": COMPARE_COLORS[i % len(COMPARE_COLORS)],
                    "width": 2.5,
                    "dash": COMPARE_DASHES[i % len(COMPARE_DASHES)],
                },
                hovertemplate=f"{year_hover}: {value_hover}<extra>{label}</extra>",
            )
        )

    years, values = _points(series, "series")
    all_years += years
    if years:
        data.append(
            dict(
                type="scatter",
                x=years,
                y=values,
                name=t["actual"],
                mode="lines+markers",
                line={"color": ACTUAL_COLOR, "width": 3.5},
                marker={"size": 7, "color": ACTUAL_COLOR},
                hovertemplate=f"{year_hover}: {value_hover}<extra>{t['actual']}</extra>",
            )
        )

    if target:
        value, year = _num(target.get("value")), _year(target.get("year"))
        if value is not None and year is not None:
            base_year, base_value = _year(target.get("base_year")), _num(target.get("base_value"))
            if base_value is not None and base_year is not None:
                path_x, path_y, path_name = [base_year, year], [base_value, value], t["target_path"]
            else:
                start = min([y for y in years + [base_year] if y is not None] or [year])
                path_x, path_y, path_name = [min(start, year), year], [value, value], t["target"]
            all_years += path_x
            data.append(
                dict(
                    type="scatter",
                    x=path_x,
                    y=path_y,
                    name=path_name,
                    legendgroup="target",
                    mode="lines",
                    line={"color": TARGET_COLOR, "width": 2.5, "dash": "dash"},
                    hovertemplate=f"{year_hover}: {value_hover}<extra>{path_name}</extra>",
                )
            )
            sign = _COMPARATOR_SIGNS.get(str(target.get("comparator") or ""), "")
            data.append(
                dict(
                    type="scatter",
                    x=[year],
                    y=[value],
                    name=t["target"],
                    legendgroup="target",
                    showlegend=False,
                    mode="markers",
                    marker={
                        "symbol": "diamond",
                        "size": 13,
                        "color": TARGET_COLOR,
                        "line": {"color": "#FFFFFF", "width": 1.5},
                    },
                    hovertemplate=t["target_at"].format(year=year_hover, value=sign + value_hover) + "<extra></extra>",
                )
            )

    if projection:
        px = [_year(projection.get("from_year")), _year(projection.get("year"))]
        py = [_num(projection.get("from_value")), _num(projection.get("value"))]
        if None not in px and py[1] is not None:
            all_years += px
            data.append(
                dict(
                    type="scatter",
                    x=px,
                    y=py,
                    name=t["projection"],
                    mode="lines+markers",
                    line={"color": ACTUAL_COLOR, "width": 2.5, "dash": "dot"},
                    marker={"symbol": "circle-open", "size": [0, 10], "color": ACTUAL_COLOR, "line": {"width": 2}},
                    hovertemplate=f"{year_hover}: {value_hover}<extra>{t['projection']}</extra>",
                )
            )

    layout = _base_layout(title="", height=280, margin={"l": 8, "r": 12, "t": 34 if demo else 10, "b": 8})
    layout.update(
        xaxis=_axis(title={"text": t["year"], "standoff": 4}, **_year_ticks(sorted(set(all_years)))),
        yaxis=_axis(title={"text": unit, "standoff": 6}, **_VALUE_TICKS),
        legend={
            "orientation": "h",
            "x": 0,
            "xanchor": "left",
            "y": -0.3,
            "yanchor": "top",
            "font": {"size": FONT_SIZE},
            "itemwidth": 30,
            "tracegroupgap": 0,
        },
        showlegend=True,
        hovermode="closest",
        modebar={"remove": list(_SMALL_MODEBAR_REMOVE)},
    )
    if demo:
        layout["annotations"] = [
            {
                "text": t["demo"],
                "xref": "paper",
                "yref": "paper",
                "x": 1,
                "y": 1,
                "xanchor": "right",
                "yanchor": "bottom",
                "xshift": -40,
                "showarrow": False,
                "font": {"size": FONT_SIZE - 1, "color": "#6B4E00"},
                "bgcolor": "#FFF3CD",
                "bordercolor": "#E0C36A",
                "borderwidth": 1,
                "borderpad": 2,
                "name": "demo",
            }
        ]
    return {"data": data, "layout": layout}


# ---------------------------------------------------------------------------------------------------- map
def _names(frame: pd.DataFrame) -> list[str]:
    codes = frame["code"].astype(str)
    if "name" not in frame.columns:
        return list(codes)
    return [code if _missing(name) else str(name) for code, name in zip(codes, frame["name"], strict=True)]


def _choropleth(geojson, codes, z, names, **kwargs) -> dict:
    codes = [str(c) for c in codes]
    return dict(
        type="choropleth",
        geojson=geojson,
        locations=list(codes),
        featureidkey="properties.code",
        z=z,
        customdata=list(names),
        marker={"line": {"color": "#FFFFFF", "width": 0.6}},
        **kwargs,
    )


def _target_scale(values, target, unit, t) -> dict:
    """cmin/cmax holding both the counties' values and the target, so the target has a place on the bar."""
    value = None if not target else _num(target.get("value"))
    if value is None or not values:
        return {}
    return {"cmin": min(min(values), value), "cmax": max(max(values), value)}


def _target_ticks(values, target, unit, t) -> dict:
    """Colour-bar ticks: the low end, the high end and the target between, marked ◆ 目标 ≥ 40."""
    value = None if not target else _num(target.get("value"))
    if value is None or not values:
        return {}
    low, high = min(min(values), value), max(max(values), value)
    sign = _COMPARATOR_SIGNS.get(str(target.get("comparator") or ""), "")
    ticks = [(low, _fmt(low)), (high, _fmt(high)), (value, f"◆ {t['target']} {sign}{_fmt(value)}")]
    ticks = sorted({v: text for v, text in ticks}.items())
    return {"tickvals": [v for v, _ in ticks], "ticktext": [text for _, text in ticks]}


def _solid(color: str) -> list:
    return [[0, color], [1, color]]


def city_borders(features, codes=None) -> dict:
    """The lines where two counties of different cities meet, as {'lon': [...], 'lat': [...]} with None between
    segments (a scattergeo trace), from county features whose neighbours share vertices (properties.code and
    properties.parent = the city's code). With ``codes``, only borders between two of those counties: a map of
    some counties is not widened to the whole province."""
    keep = None if codes is None else {str(c) for c in codes}
    sides: dict[tuple, set] = {}
    for feature in features:
        props = feature["properties"]
        if keep is not None and str(props["code"]) not in keep:
            continue
        geometry = feature["geometry"]
        polygons = geometry["coordinates"] if geometry["type"] == "MultiPolygon" else [geometry["coordinates"]]
        for ring in (ring for polygon in polygons for ring in polygon):
            for a, b in zip(ring, ring[1:], strict=False):
                sides.setdefault(tuple(sorted((tuple(a), tuple(b)))), set()).add(props["parent"])
    lon, lat = [], []
    for (a, b), cities in sorted(sides.items()):
        if len(cities) > 1:
            lon += [a[0], b[0], None]
            lat += [a[1], b[1], None]
    return {"lon": lon, "lat": lat}


def county_map(geojson, frame, *, mode, labels=None, title="", unit="", lang="zh", borders=None, target=None) -> dict:
    """County choropleth (geo subplot, no base map) of a value or a status; the page must pass config.topojsonURL.

    ``geojson`` is the URL of the county FeatureCollection (e.g. ``static('geo/zhejiang_counties.geojson')``,
    fetched by plotly.js from the same server); features are matched on ``properties.code``. The GeoJSON is wound
    clockwise on purpose (plotly fills the inside): do not rewind it. Only the counties in ``frame`` are drawn.

    ``mode="value"``: ``frame`` has [code, name, value]; a continuous colour scale with the unit on the colour bar;
    counties with a NaN value are drawn light grey as 无数据/No data. ``mode="status"``: ``frame`` has [code, name, status]; one trace per status present, in the
    order of ``labels`` and coloured from STATUS_COLORS, with a legend of the labels (a missing status counts as
    insufficient_data).

    ``borders`` (city_borders) are drawn as dark lines over the counties. ``target`` ({value, comparator}) marks the
    target on a value map's colour bar (its range widened to hold it), so a reader sees which side each county is.

    plotly.js fetches a topojson base layer for every choropleth even though the base map is hidden, so the page must
    call ``Plotly.newPlot(div, fig.data, fig.layout, {topojsonURL: "<static>/vendor/topojson/", ...})`` or plotly.js
    will try its CDN.
    """
    t = _TEXT[_lang(lang)]
    if mode not in ("value", "status"):
        raise ValueError(f"mode must be 'value' or 'status', not {mode!r}")
    unit = _unit(unit, _lang(lang))  # the colour bar's title and the hover
    f = _frame(frame, ["code", mode], "frame").copy()
    f["code"] = f["code"].astype(str)
    f["_name"] = _names(f)
    data = []
    if mode == "value":
        values = pd.to_numeric(f["value"], errors="coerce")
        have = f[values.notna()]
        if len(have):
            data.append(
                _choropleth(
                    geojson,
                    have["code"],
                    _floats(values[values.notna()]),
                    have["_name"],
                    colorscale=[[i / (len(VIRIDIS) - 1), c] for i, c in enumerate(VIRIDIS)],
                    **_target_scale(_floats(values[values.notna()]), target, unit, t),
                    colorbar={
                        **_target_ticks(_floats(values[values.notna()]), target, unit, t),
                        "title": {"text": unit, "side": "top"},
                        "thickness": 14,
                        "len": 0.6,
                        "x": 1.0,
                        "y": 0.55,
                        "tickfont": {"size": FONT_SIZE},
                        "outlinewidth": 0,
                    },
                    name=unit or t["actual"],
                    showlegend=False,
                    hovertemplate=f"%{{customdata}}<br>{_with_unit(f'%{{z:{VALUE_FORMAT}}}', unit)}<extra></extra>",
                )
            )
        gaps = f[values.isna()]
        if len(gaps):
            data.append(
                _choropleth(
                    geojson,
                    gaps["code"],
                    [0] * len(gaps),
                    gaps["_name"],
                    colorscale=_solid(MISSING_COLOR),
                    zmin=0,
                    zmax=1,
                    showscale=False,
                    name=t["no_data"],
                    showlegend=True,
                    hovertemplate=f"%{{customdata}}<br>{t['no_data']}<extra></extra>",
                )
            )
    else:
        status = f["status"].map(lambda s: "insufficient_data" if _missing(s) else str(s))
        _check_statuses(status, labels)
        for s in labels:
            rows = f[status == s]
            if not len(rows):
                continue
            data.append(
                _choropleth(
                    geojson,
                    rows["code"],
                    [1] * len(rows),
                    rows["_name"],
                    colorscale=_solid(STATUS_COLORS[s]),
                    zmin=0,
                    zmax=1,
                    showscale=False,
                    name=str(labels[s]),
                    legendgroup=s,
                    showlegend=True,
                    hovertemplate=f"%{{customdata}}<br>{labels[s]}<extra></extra>",
                )
            )

    if borders and borders.get("lon"):
        data.append(
            dict(
                type="scattergeo",
                lon=borders["lon"],
                lat=borders["lat"],
                mode="lines",
                line={"color": "#1f1f1f", "width": 1.8},
                name=t["city_border"],
                hoverinfo="skip",
                showlegend=True,
            )
        )
    layout = _base_layout(title=title, height=560, margin={"l": 0, "r": 0, "t": 40 if title else 4, "b": 0})
    layout.update(
        geo={
            "fitbounds": "locations",
            "visible": False,
            "projection": {"type": "mercator"},
            "bgcolor": "rgba(0,0,0,0)",
        },
        legend={
            "x": 1,
            "xanchor": "right",
            "y": 0.02,
            "yanchor": "bottom",
            "bgcolor": "rgba(255,255,255,0.85)",
            "font": {"size": FONT_SIZE},
        },
        dragmode=False,
        modebar={"remove": ["sendChartToCloud", "select", "lasso"]},
    )
    return {"data": data, "layout": layout}


# ------------------------------------------------------------------------------------------------ ranking
def ranking_chart(frame, *, unit, title="", lang="zh") -> dict:
    """Horizontal bar ranking of [name, value], highest on top."""
    unit = _unit(unit, _lang(lang))  # axis title and hover
    f = _frame(frame, ["name", "value"], "frame").copy()
    f["value"] = pd.to_numeric(f["value"], errors="coerce")
    f = f.dropna(subset=["value"])
    f["name"] = f["name"].astype(str)
    f = f.sort_values(["value", "name"], ascending=[False, True], kind="stable")
    names = list(f["name"])
    data = []
    data.append(
        dict(
            type="bar",
            x=_floats(f["value"]),
            y=names,
            orientation="h",
            marker={"color": RANK_COLOR},
            texttemplate=f"%{{x:{VALUE_FORMAT}}}",
            textposition="outside",
            constraintext="none",
            textfont={"size": FONT_SIZE},
            cliponaxis=False,
            hovertemplate=f"%{{y}}: {_with_unit(f'%{{x:{VALUE_FORMAT}}}', unit)}<extra></extra>",
            showlegend=False,
        )
    )
    top = 40 if title else 8
    layout = _base_layout(
        title=title, height=max(300, 22 * len(names) + top + 60), margin={"l": 8, "r": 40, "t": top, "b": 8}
    )
    layout.update(
        xaxis=_axis(title={"text": unit}, side="bottom", rangemode="tozero", **_VALUE_TICKS),
        yaxis=_axis(type="category", autorange="reversed", showgrid=False, ticks=""),
        bargap=0.25,
    )
    if title:
        layout["title"].update(y=1, yanchor="top", pad={"t": 8})
    return {"data": data, "layout": layout}


# ------------------------------------------------------------------------------------------------ distribution
def _inclusive_quartiles(values: list[float]) -> tuple[float, float, float]:
    """Q1, median, Q3 by plotly's quartilemethod="inclusive" (median of each half, the median in both if n is odd)."""
    v = sorted(values)
    n = len(v)

    def median(a):
        m = len(a) // 2
        return a[m] if len(a) % 2 else (a[m - 1] + a[m]) / 2

    if n == 1:
        return v[0], v[0], v[0]
    half = n // 2
    lower, upper = (v[: half + 1], v[half:]) if n % 2 else (v[:half], v[half:])
    return median(lower), median(v), median(upper)


def distribution_chart(frame, *, unit, lang="zh") -> dict:
    """Box plot per year of a value across counties ([year, value]), outliers shown as points."""
    t = _TEXT[_lang(lang)]
    unit = _unit(unit, _lang(lang))  # axis title, hover and the box statistics
    f = _frame(frame, ["year", "value"], "frame").copy()
    f["value"] = pd.to_numeric(f["value"], errors="coerce")
    f = f.dropna(subset=["year", "value"])
    f["year"] = [_year(y) for y in f["year"]]
    f = f.sort_values(["year", "value"], kind="stable")
    value_fmt = _with_unit(f"%{{y:{VALUE_FORMAT}}}", unit)
    box = dict(
        type="box",
        x=f["year"].tolist(),
        y=_floats(f["value"]),
        name=t["counties"],
        boxpoints="outliers",
        quartilemethod="inclusive",
        hoveron="points",
        marker={"color": ACTUAL_COLOR, "size": 7},
        line={"color": ACTUAL_COLOR, "width": 2},
        fillcolor="rgba(0,114,178,0.18)",
        showlegend=False,
        hovertemplate=f"{_year_label('%{x}', t)}: {value_fmt}<extra></extra>",
    )
    data = []
    data.append(box)

    # Box statistics in the page's language (plotly's own box hover labels are English): an invisible marker per
    # year at the median carries them.
    years, medians, stats = [], [], []
    for year, g in f.groupby("year", sort=True):
        vals = [float(v) for v in g["value"]]
        q1, med, q3 = _inclusive_quartiles(vals)
        years.append(int(year))
        medians.append(med)
        stats.append(
            f"{_year_label(year, t)}<br>{t['n']}: {len(vals)}<br>{t['median']}: {_fmt(med, unit)}"
            f"<br>{t['quartiles']}: {_fmt(q1)} – {_fmt(q3, unit)}<br>{t['range']}: {_fmt(min(vals))} – "
            f"{_fmt(max(vals), unit)}"
        )
    data.append(
        dict(
            type="scatter",
            x=years,
            y=medians,
            mode="markers",
            marker={"size": 24, "opacity": 0, "color": ACTUAL_COLOR},
            text=stats,
            hovertemplate="%{text}<extra></extra>",
            showlegend=False,
            name=t["median"],
        )
    )
    layout = _base_layout(title="", height=380, margin={"l": 8, "r": 12, "t": 10, "b": 8})
    layout.update(
        xaxis=_axis(title={"text": t["year"]}, type="category", categoryorder="category ascending", showgrid=False),
        yaxis=_axis(title={"text": unit}, **_VALUE_TICKS),
        hovermode="closest",
    )
    return {"data": data, "layout": layout}


# ------------------------------------------------------------------------------------------------ status bar
def status_bar(counts, *, labels, lang="zh") -> dict:
    """One horizontal stacked bar of how many targets are in each status, each segment labelled and coloured."""
    t = _TEXT[_lang(lang)]
    _check_statuses(counts, labels)
    data = []
    total = 0
    for s in labels:
        n = int(counts.get(s) or 0)
        if n <= 0:
            continue
        total += n
        data.append(
            dict(
                type="bar",
                x=[n],
                y=[""],
                orientation="h",
                name=f"{labels[s]} {n}",
                legendgroup=s,
                marker={"color": STATUS_COLORS[s], "line": {"color": "#FFFFFF", "width": 1}},
                text=[f"{labels[s]} {n}"],
                textposition="inside",
                insidetextanchor="middle",
                textangle=0,
                textfont={"color": _STATUS_TEXT[s], "size": FONT_SIZE},
                hovertemplate=f"{labels[s]}: %{{x}}<extra></extra>",
            )
        )
    layout = _base_layout(title="", height=130, margin={"l": 4, "r": 4, "t": 4, "b": 4})
    layout.update(
        barmode="stack",
        xaxis={"visible": False, "range": [0, max(total, 1)], "fixedrange": True},
        yaxis={"visible": False, "fixedrange": True},
        legend={"orientation": "h", "x": 0, "xanchor": "left", "y": -0.05, "yanchor": "top", "traceorder": "normal"},
        uniformtext={"minsize": FONT_SIZE - 2, "mode": "hide"},
        showlegend=True,
        modebar={"remove": list(_SMALL_MODEBAR_REMOVE)},
    )
    if not total:
        layout["annotations"] = [
            {"text": t["no_data"], "xref": "paper", "yref": "paper", "x": 0.5, "y": 0.5, "showarrow": False}
        ]
    return {"data": data, "layout": layout}
