"""Chart builders (targets/charts.py): pure Python, run with ``pytest tests/test_charts.py -p no:django``."""

import json
import math
from pathlib import Path

import pandas as pd
import pytest

from targets import charts

GEOJSON_PATH = Path(__file__).resolve().parent.parent / "static" / "geo" / "zhejiang_counties.geojson"
GEO = "/static/geo/zhejiang_counties.geojson"  # the maps fetch the county shapes from the site


@pytest.fixture(scope="module")
def geojson():
    return json.loads(GEOJSON_PATH.read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def counties(geojson):
    return pd.DataFrame(
        {
            "code": [f["properties"]["code"] for f in geojson["features"]],
            "name": [f["properties"]["name"] for f in geojson["features"]],
        }
    )


@pytest.fixture
def series():
    return pd.DataFrame({"year": [2024, 2020, 2021, 2022, 2023], "value": [1180.0, 880.0, 990.0, 1040.0, 1100.0]})


def trace(fig, name):
    found = [t for t in fig["data"] if t.get("name") == name]
    assert len(found) == 1, f"expected one trace named {name!r}, got {[t.get('name') for t in fig['data']]}"
    return found[0]


# Labels as the pages pass them in (targets.models.GapStatus, in the active language); order is display order.
ZH = {"achieved": "已实现", "on_track": "进度正常", "needs_acceleration": "需加快", "limited_progress": "进展有限",
      "deteriorating": "倒退", "insufficient_data": "数据不足"}  # fmt: skip
EN = {"achieved": "Achieved", "on_track": "On track", "needs_acceleration": "Needs acceleration",
      "limited_progress": "Limited progress", "deteriorating": "Deteriorating", "insufficient_data": "Insufficient data"}  # fmt: skip


def dumped(fig):
    text = json.dumps(fig, ensure_ascii=False, allow_nan=False)  # strict JSON: no NaN, no numpy objects
    assert "cdn" not in text.lower()
    assert "mapbox" not in text.lower()
    return text


# ------------------------------------------------------------------------------------------------ palette
def test_every_status_the_gap_engine_gives_has_a_distinct_colour():
    from targets import gaps

    assert set(charts.STATUS_COLORS) == set(gaps.STATUSES)
    assert len(set(charts.STATUS_COLORS.values())) == len(gaps.STATUSES)


def test_unknown_language_is_rejected(series):
    with pytest.raises(ValueError):
        charts.target_chart(series, unit="亿元", lang="fr")


# ------------------------------------------------------------------------------------------------ target chart
def test_target_chart_actual_series_sorted_and_readable(series):
    fig = charts.target_chart(series, unit="亿元")
    dumped(fig)
    actual = trace(fig, "实际")
    assert actual["x"] == [2020, 2021, 2022, 2023, 2024]
    assert actual["y"] == [880.0, 990.0, 1040.0, 1100.0, 1180.0]
    assert actual["line"]["width"] >= 2.5
    layout = fig["layout"]
    assert layout["font"]["size"] >= 14
    assert 250 <= layout["height"] <= 320
    assert layout["legend"]["orientation"] == "h" and layout["legend"]["y"] < 0
    assert layout["yaxis"]["title"]["text"] == "亿元"
    assert layout["xaxis"]["title"]["text"] == "年份"
    assert "亿元" in actual["hovertemplate"]
    assert all(t["line"]["width"] >= 2.5 for t in fig["data"] if "line" in t)


def test_target_path_runs_from_base_to_target(series):
    target = {"value": 1500, "year": 2027, "base_year": 2022, "base_value": 1040.0, "comparator": "ge"}
    fig = charts.target_chart(series, unit="亿元", target=target)
    path = trace(fig, "目标路径")
    assert path["x"] == [2022, 2027]
    assert path["y"] == [1040.0, 1500.0]
    assert path["line"]["dash"] == "dash"
    marker = trace(fig, "目标")
    assert marker["x"] == [2027] and marker["y"] == [1500.0]
    assert marker["mode"] == "markers"
    assert "≥" in marker["hovertemplate"] and "亿元" in marker["hovertemplate"]
    # the x-axis reaches the target year
    lo, hi = fig["layout"]["xaxis"]["range"]
    assert lo < 2020 and hi > 2027


def test_target_without_base_value_is_a_horizontal_line(series):
    target = {"value": 4.2, "year": 2027, "base_year": pd.NA, "base_value": float("nan"), "comparator": "ge"}
    fig = charts.target_chart(series, unit="%", target=target)
    dumped(fig)
    line = [t for t in fig["data"] if t.get("mode") == "lines" and t.get("legendgroup") == "target"]
    assert len(line) == 1
    assert line[0]["y"] == [4.2, 4.2]
    assert line[0]["x"] == [2020, 2027]
    assert not any(t.get("name") == "目标路径" for t in fig["data"])


def test_target_with_numpy_and_none_values(series):
    import numpy as np

    target = {
        "value": np.float64(1500),
        "year": np.float64(2027.0),
        "base_year": None,
        "base_value": None,
        "comparator": None,
    }
    fig = charts.target_chart(series, unit="亿元", target=target)
    dumped(fig)
    (marker,) = [t for t in fig["data"] if t.get("mode") == "markers"]
    assert marker["x"] == [2027] and marker["y"] == [1500.0]
    assert "≥" not in marker["hovertemplate"]  # no comparator given


def test_missing_target_value_draws_no_target(series):
    fig = charts.target_chart(series, unit="亿元", target={"value": None, "year": 2027})
    assert [t["name"] for t in fig["data"]] == ["实际"]


def test_projection_is_dotted_and_ends_at_target_year(series):
    projection = {"from_year": 2024, "from_value": 1180.0, "year": 2027, "value": 1390.5}
    fig = charts.target_chart(
        series,
        unit="亿元",
        projection=projection,
        target={"value": 1500, "year": 2027, "base_year": 2022, "base_value": 1040.0},
    )
    proj = trace(fig, "预测")
    assert proj["x"] == [2024, 2027]
    assert proj["y"] == [1180.0, 1390.5]
    assert proj["x"][-1] == trace(fig, "目标")["x"][0]
    assert proj["line"]["dash"] == "dot"


def test_compare_lines_labelled_grey_and_distinct(series):
    compare = {
        "绍兴市": pd.DataFrame({"year": [2021, 2020], "value": [700.0, 650.0]}),
        "全省": pd.DataFrame({"year": [2020, 2021], "value": [900.0, 950.0]}),
    }
    fig = charts.target_chart(series, unit="亿元", compare=compare)
    city, province = trace(fig, "绍兴市"), trace(fig, "全省")
    assert city["x"] == [2020, 2021] and city["y"] == [650.0, 700.0]
    assert province["y"] == [900.0, 950.0]
    assert city["line"]["dash"] != province["line"]["dash"]
    for t in (city, province):
        r, g, b = (int(t["line"]["color"][i : i + 2], 16) for i in (1, 3, 5))
        assert r == g == b  # grey
        assert t["line"]["width"] <= trace(fig, "实际")["line"]["width"]


def test_nan_in_series_is_a_gap_not_an_error():
    s = pd.DataFrame({"year": [2020, 2021, 2022], "value": [1.0, float("nan"), 3.0]})
    fig = charts.target_chart(s, unit="%")
    dumped(fig)
    assert trace(fig, "实际")["y"] == [1.0, None, 3.0]


def test_target_chart_english(series):
    fig = charts.target_chart(
        series,
        unit="CNY 100m",
        target={"value": 1500, "year": 2027, "base_year": 2022, "base_value": 1040.0},
        projection={"from_year": 2024, "from_value": 1180.0, "year": 2027, "value": 1390.0},
        lang="en",
        demo=True,
    )
    names = {t["name"] for t in fig["data"]}
    assert {"Actual", "Target path", "Projection"} <= names
    assert fig["layout"]["xaxis"]["title"]["text"] == "Year"
    assert [a["text"] for a in fig["layout"]["annotations"]] == ["Demo data"]
    assert not any("\u4e00" <= ch <= "\u9fff" for ch in dumped(fig))  # no Chinese left in an English figure


def test_demo_annotation_only_when_asked(series):
    assert not charts.target_chart(series, unit="亿元")["layout"].get("annotations")
    demo = charts.target_chart(series, unit="亿元", demo=True)["layout"]["annotations"]
    assert len(demo) == 1 and demo[0]["text"] == "示例数据"
    assert demo[0]["xref"] == "paper" and demo[0]["x"] == 1


# ------------------------------------------------------------------------------------------------ map
def test_geojson_has_ninety_counties_keyed_by_code(geojson):
    assert len(geojson["features"]) == 90
    assert all(len(f["properties"]["code"]) == 6 for f in geojson["features"])


def test_county_map_value_mode(counties):
    frame = counties.assign(value=[float(i) for i in range(90)])
    fig = charts.county_map(GEO, frame, mode="value", unit="亿元", title="规上工业增加值")
    dumped(fig)
    assert len(fig["data"]) == 1
    tr = fig["data"][0]
    assert tr["type"] == "choropleth"
    assert len(tr["locations"]) == 90
    assert tr["featureidkey"] == "properties.code"
    assert tr["z"] == [float(i) for i in range(90)]
    assert tr["geojson"] == GEO
    assert tr["colorbar"]["title"]["text"] == "亿元"
    assert "亿元" in tr["hovertemplate"] and "%{customdata}" in tr["hovertemplate"]
    assert tr["customdata"][0] == counties["name"][0]
    layout = fig["layout"]
    assert layout["geo"]["visible"] is False
    assert layout["geo"]["fitbounds"] == "locations"
    assert not {"map", "mapbox"} & set(layout)
    assert not any(key.startswith(("map", "mapbox")) for key in layout)
    assert 500 <= layout["height"] <= 620
    # plotly.py's Viridis stops, spelt out: plotly.js's own "Viridis" would colour the counties differently
    assert tr["colorscale"][0] == [0.0, "#440154"] and tr["colorscale"][-1] == [1.0, "#fde725"]
    assert len(tr["colorscale"]) == 10


def test_target_chart_takes_a_dict_of_year_and_value_lists():
    fig = charts.target_chart({"year": [2024, 2022, None], "value": [3.0, None, 1.0]}, unit="%")
    assert trace(fig, "实际")["x"] == [2022, 2024]
    assert trace(fig, "实际")["y"] == [None, 3.0]


def test_county_map_value_mode_greys_out_missing(counties):
    frame = counties.assign(value=[float("nan") if i in (3, 7) else float(i) for i in range(90)]).drop(index=[10])
    fig = charts.county_map(GEO, frame, mode="value", unit="亿元")
    dumped(fig)
    assert len(fig["data"]) == 2
    values, missing = fig["data"]
    assert len(values["locations"]) == 87 and None not in values["z"]
    assert sorted(missing["locations"]) == sorted(counties["code"][[3, 7]])  # a county not in the frame: not drawn
    assert missing["showscale"] is False and missing["name"] == "无数据"
    assert "无数据" in missing["hovertemplate"]


def test_county_map_status_mode(counties):
    statuses = ["achieved", "on_track", "deteriorating"]
    frame = counties.assign(status=[statuses[i % 3] for i in range(90)])
    frame.loc[0, "status"] = None  # unknown status → insufficient data
    fig = charts.county_map(GEO, frame, mode="status", labels=ZH, title="状态")
    dumped(fig)
    assert [t["name"] for t in fig["data"]] == ["已实现", "进度正常", "倒退", "数据不足"]
    for t, status in zip(fig["data"], ["achieved", "on_track", "deteriorating", "insufficient_data"], strict=True):
        assert t["type"] == "choropleth"
        assert t["showscale"] is False
        assert t["showlegend"] is True
        assert t["featureidkey"] == "properties.code"
        assert {c for _, c in t["colorscale"]} == {charts.STATUS_COLORS[status]}
        assert ZH[status] in t["hovertemplate"]
    assert sum(len(t["locations"]) for t in fig["data"]) == 90
    assert fig["data"][-1]["locations"] == [counties["code"][0]]
    assert fig["layout"]["geo"]["visible"] is False


def test_county_map_status_english_and_bad_input(counties):
    fig = charts.county_map(GEO, counties.assign(status="needs_acceleration"), mode="status", labels=EN, lang="en")
    assert [t["name"] for t in fig["data"]] == ["Needs acceleration"]
    with pytest.raises(ValueError):
        charts.county_map(GEO, counties.assign(status="great"), mode="status", labels=ZH)
    with pytest.raises(ValueError):
        charts.county_map(GEO, counties.assign(value=1), mode="heat")


# ------------------------------------------------------------------------------------------------ ranking
def test_ranking_sorted_highest_on_top():
    frame = pd.DataFrame(
        {"name": ["柯桥区", "上城区", "淳安县", "萧山区", "无值县"], "value": [300.0, 120.0, 40.0, 900.0, float("nan")]}
    )
    fig = charts.ranking_chart(frame, unit="亿元", title="排名")
    dumped(fig)
    (bar,) = fig["data"]
    assert bar["orientation"] == "h"
    assert bar["y"] == ["萧山区", "柯桥区", "上城区", "淳安县"]  # NaN dropped
    assert bar["x"] == [900.0, 300.0, 120.0, 40.0]
    assert fig["layout"]["yaxis"]["autorange"] == "reversed"  # first category drawn at the top
    assert fig["layout"]["title"]["text"] == "排名"
    assert fig["layout"]["height"] == 300  # minimum
    assert "亿元" in bar["hovertemplate"]


def test_ranking_height_scales_with_the_number_of_bars():
    frame = pd.DataFrame({"name": [f"县{i}" for i in range(60)], "value": [float(i) for i in range(60)]})
    fig = charts.ranking_chart(frame, unit="%", lang="en")
    assert 60 * 22 <= fig["layout"]["height"] < 60 * 22 + 200


# ------------------------------------------------------------------------------------------------ distribution
def test_distribution_one_box_per_year_with_outliers():
    values = [1.0, 2.0, 3.0, 4.0, 100.0]
    frame = pd.DataFrame({"year": [2022] * 5 + [2023] * 5, "value": values + [v + 1 for v in values]})
    frame.loc[len(frame)] = [2023, float("nan")]
    fig = charts.distribution_chart(frame, unit="%")
    dumped(fig)
    boxes = [t for t in fig["data"] if t["type"] == "box"]
    assert len(boxes) == 1
    box = boxes[0]
    assert sorted(set(box["x"])) == [2022, 2023]
    assert len(box["y"]) == 10
    assert box["boxpoints"] == "outliers"
    assert box["quartilemethod"] == "inclusive"
    assert fig["layout"]["xaxis"]["type"] == "category"
    assert fig["layout"]["yaxis"]["title"]["text"] == "%"
    stats = [t for t in fig["data"] if t["type"] == "scatter"][0]
    assert stats["x"] == [2022, 2023] and stats["y"] == [3.0, 4.0]
    assert "中位数: 3%" in stats["text"][0]
    assert "四分位区间: 2 – 4%" in stats["text"][0]  # inclusive quartiles of 1,2,3,4,100


def test_inclusive_quartiles():
    assert charts._inclusive_quartiles([1, 2, 3, 4, 100]) == (2, 3, 4)
    assert charts._inclusive_quartiles([1, 2, 3, 4]) == (1.5, 2.5, 3.5)
    assert charts._inclusive_quartiles([7]) == (7, 7, 7)


def test_distribution_english():
    frame = pd.DataFrame({"year": [2023] * 3, "value": [1.0, 2.0, 3.0]})
    fig = charts.distribution_chart(frame, unit="%", lang="en")
    assert fig["layout"]["xaxis"]["title"]["text"] == "Year"
    assert "Median: 2%" in fig["data"][1]["text"][0]
    assert not any("\u4e00" <= ch <= "\u9fff" for ch in dumped(fig))


# ------------------------------------------------------------------------------------------------ status bar
def test_status_bar_segments_in_status_order_with_labels():
    counts = {"deteriorating": 1, "achieved": 5, "on_track": 0, "insufficient_data": 3}
    fig = charts.status_bar(counts, labels=ZH)
    dumped(fig)
    assert [t["name"] for t in fig["data"]] == ["已实现 5", "倒退 1", "数据不足 3"]
    assert [t["x"] for t in fig["data"]] == [[5], [1], [3]]
    assert [t["marker"]["color"] for t in fig["data"]] == ["#009E73", "#CC79A7", "#BBBBBB"]
    assert [t["text"] for t in fig["data"]] == [["已实现 5"], ["倒退 1"], ["数据不足 3"]]
    assert fig["layout"]["barmode"] == "stack"
    assert all(t["orientation"] == "h" for t in fig["data"])
    assert fig["layout"]["showlegend"] is True


def test_status_bar_english_empty_and_unknown():
    fig = charts.status_bar({"needs_acceleration": 2}, labels=EN, lang="en")
    assert fig["data"][0]["text"] == ["Needs acceleration 2"]
    empty = charts.status_bar({}, labels=ZH)
    assert empty["data"] == [] and empty["layout"]["annotations"][0]["text"] == "无数据"
    with pytest.raises(ValueError):
        charts.status_bar({"great": 1}, labels=ZH)


def test_statuses_are_shown_in_the_order_the_labels_give():
    fig = charts.status_bar({"achieved": 1, "deteriorating": 2}, labels={"deteriorating": "倒退", "achieved": "已实现"})
    assert [t["name"] for t in fig["data"]] == ["倒退 2", "已实现 1"]


# ------------------------------------------------------------------------------------------------ all figures
def test_every_figure_is_plain_json_without_cdn_or_template(counties, series):
    figs = [
        charts.target_chart(
            series, unit="亿元", demo=True, target={"value": 1, "year": 2027, "base_year": 2022, "base_value": 0.5}
        ),
        charts.county_map(GEO, counties.assign(value=1.5), mode="value", unit="%"),
        charts.county_map(GEO, counties.assign(status="achieved"), mode="status", labels=ZH),
        charts.ranking_chart(pd.DataFrame({"name": ["a"], "value": [1]}), unit="%"),
        charts.distribution_chart(pd.DataFrame({"year": [2020, 2020], "value": [1, 2]}), unit="%"),
        charts.status_bar({"achieved": 1}, labels=ZH),
    ]
    for fig in figs:
        text = dumped(fig)
        assert set(fig) <= {"data", "layout"}
        assert "bdata" not in text  # plain lists, readable by any client
        assert "template" not in fig["layout"]
        assert "plotly.min.js" not in text and "<script" not in text
        assert "sendChartToCloud" in fig["layout"]["modebar"]["remove"]
        assert fig["layout"]["font"]["size"] >= 14
        assert not any(isinstance(v, float) and math.isnan(v) for t in fig["data"] for v in t.get("y", []) or [])


def _square(code, parent, x0):
    """A unit square county [x0, x0+1] × [0, 1], wound as the shipped file is."""
    ring = [[x0, 0], [x0, 1], [x0 + 1, 1], [x0 + 1, 0], [x0, 0]]
    return {"properties": {"code": code, "parent": parent}, "geometry": {"type": "Polygon", "coordinates": [ring]}}


def test_city_borders_are_the_edges_where_counties_of_two_cities_meet():
    # A | B | C in a row; A and B in city 1, C in city 2: only the B–C edge x = 2 is a city border
    features = [_square("A", "1", 0), _square("B", "1", 1), _square("C", "2", 2)]
    assert charts.city_borders(features) == {"lon": [2, 2, None], "lat": [0, 1, None]}
    # a map of A and B alone has no city border to draw (and is not widened to C)
    assert charts.city_borders(features, ["A", "B"]) == {"lon": [], "lat": []}


def test_a_value_map_marks_the_target_on_its_colour_bar_and_draws_city_borders(counties):
    frame = counties.head(3).assign(value=[10.0, 20.0, 30.0])
    borders = {"lon": [2, 2, None], "lat": [0, 1, None]}
    fig = charts.county_map(GEO, frame, mode="value", unit="万元/亩", target={"value": 40.0, "comparator": "ge"},
                            borders=borders)  # fmt: skip
    scale = fig["data"][0]
    # the bar runs from the lowest county (10) to the target (40), above every county
    assert (scale["cmin"], scale["cmax"]) == (10.0, 40.0)
    assert scale["colorbar"]["tickvals"] == [10.0, 40.0]
    assert scale["colorbar"]["ticktext"][-1] == "◆ 目标 ≥40"
    line = fig["data"][-1]
    assert (line["type"], line["lon"], line["name"]) == ("scattergeo", [2, 2, None], "市界")


def test_the_shipped_outlines_give_city_borders_inside_the_province(geojson):
    borders = charts.city_borders(geojson["features"])
    assert borders["lon"] and len(borders["lon"]) == len(borders["lat"])
    hangzhou = [f["properties"]["code"] for f in geojson["features"] if f["properties"]["parent"] == "330100"]
    assert charts.city_borders(geojson["features"], hangzhou) == {"lon": [], "lat": []}


def test_an_english_county_map_gives_its_unit_in_english(counties):
    frame = counties.assign(value=[float(i) for i in range(90)])
    tr = charts.county_map(GEO, frame, mode="value", unit="万元/亩", lang="en")["data"][0]
    assert tr["colorbar"]["title"]["text"] == "10,000 yuan/mu"
    assert "10,000 yuan/mu" in tr["hovertemplate"] and "万元/亩" not in tr["hovertemplate"]
    assert (
        charts.county_map(GEO, frame, mode="value", unit="万元/亩")["data"][0]["colorbar"]["title"]["text"] == "万元/亩"
    )


# ------------------------------------------------------------------------------------------------ English units
def shown_text(fig):
    """Every string a reader sees in a figure: titles, axis and colour-bar titles, trace names, hover and bar
    texts, tick texts and annotations (not the data: place names on a category axis are the caller's)."""
    keys = {"text", "name", "hovertemplate", "texttemplate", "ticktext"}
    out = []

    def walk(node, key=None):
        if isinstance(node, dict):
            for k, v in node.items():
                walk(v, k)
        elif isinstance(node, list):
            for v in node:
                walk(v, key)
        elif isinstance(node, str) and key in keys:
            out.append(node)

    walk(fig)
    return out


def chinese(texts, allowed=()):
    """The texts that still hold a CJK character once the names passed in on purpose (`allowed`) are taken out."""
    left = []
    for text in texts:
        for name in allowed:
            text = text.replace(name, "")
        if any("\u4e00" <= ch <= "\u9fff" for ch in text):
            left.append(text)
    return left


def test_an_english_target_card_gives_its_unit_in_english(series):
    fig = charts.target_chart(
        series, unit="万元/亩", target={"value": 1500, "year": 2027, "comparator": "ge"}, compare={"全省": series},
        projection={"from_year": 2024, "from_value": 1180.0, "year": 2027, "value": 1390.0}, lang="en", demo=True,
    )  # fmt: skip
    assert fig["layout"]["yaxis"]["title"]["text"] == "10,000 yuan/mu"
    assert trace(fig, "Actual")["hovertemplate"] == "%{x}: %{y:,.2~f} 10,000 yuan/mu<extra>Actual</extra>"
    assert "Target (%{x}): ≥%{y:,.2~f} 10,000 yuan/mu" in fig["data"][-2]["hovertemplate"]
    assert chinese(shown_text(fig), allowed=["全省"]) == []  # the comparison line's name is the caller's


def test_a_chinese_target_card_keeps_its_chinese_unit(series):
    fig = charts.target_chart(series, unit="万元/亩", target={"value": 1500, "year": 2027, "comparator": "ge"})
    assert fig["layout"]["yaxis"]["title"]["text"] == "万元/亩"
    assert trace(fig, "实际")["hovertemplate"] == "%{x}年: %{y:,.2~f} 万元/亩<extra>实际</extra>"
    assert fig["data"][-1]["hovertemplate"] == "目标（%{x}年）: ≥%{y:,.2~f} 万元/亩<extra></extra>"


def test_an_english_card_of_a_count_has_no_unit_word_and_percentage_points_are_spelled_out(series):
    count = charts.target_chart(series, unit="个", lang="en")
    assert count["layout"]["yaxis"]["title"]["text"] == ""
    assert trace(count, "Actual")["hovertemplate"] == "%{x}: %{y:,.2~f}<extra>Actual</extra>"
    points = charts.target_chart(series, unit="个百分点", lang="en")
    assert points["layout"]["yaxis"]["title"]["text"] == "percentage points"


def test_an_english_ranking_gives_its_unit_in_english():
    frame = pd.DataFrame({"name": ["柯桥区", "淳安县"], "value": [300.0, 40.0]})
    fig = charts.ranking_chart(frame, unit="亿元", title="Industrial value added", lang="en")
    (bar,) = fig["data"]
    assert fig["layout"]["xaxis"]["title"]["text"] == "100 million yuan"
    assert bar["hovertemplate"] == "%{y}: %{x:,.2~f} 100 million yuan<extra></extra>"
    assert chinese(shown_text(fig)) == []
    zh = charts.ranking_chart(frame, unit="亿元", title="排名")
    assert zh["layout"]["xaxis"]["title"]["text"] == "亿元"
    assert zh["data"][0]["hovertemplate"] == "%{y}: %{x:,.2~f} 亿元<extra></extra>"


def test_an_english_distribution_gives_its_unit_in_english():
    frame = pd.DataFrame({"year": [2023] * 3, "value": [1.0, 2.0, 3.0]})
    fig = charts.distribution_chart(frame, unit="件/万人", lang="en")
    assert fig["layout"]["yaxis"]["title"]["text"] == "per 10,000 people"
    # 1, 2, 3: median 2, inclusive quartiles 1.5 and 2.5 (medians of 1,2 and 2,3)
    assert "Median: 2 per 10,000 people" in fig["data"][1]["text"][0]
    assert "Interquartile range: 1.5 – 2.5 per 10,000 people" in fig["data"][1]["text"][0]
    assert chinese(shown_text(fig)) == []
    zh = charts.distribution_chart(frame, unit="件/万人")
    assert zh["layout"]["yaxis"]["title"]["text"] == "件/万人"
    assert "中位数: 2 件/万人" in zh["data"][1]["text"][0]


def test_an_english_value_map_with_a_target_and_borders_has_no_chinese_but_the_county_names(counties, geojson):
    frame = counties.assign(value=[float(i) for i in range(90)])
    frame.loc[0, "value"] = float("nan")
    fig = charts.county_map(GEO, frame, mode="value", unit="人", lang="en", title="Employees",
                            borders=charts.city_borders(geojson["features"]), target={"value": 40, "comparator": "ge"})  # fmt: skip
    (ticks,) = [t["colorbar"]["ticktext"] for t in fig["data"] if "colorbar" in t]
    assert ticks == ["1", "◆ Target ≥40", "89"]
    assert fig["data"][0]["colorbar"]["title"]["text"] == "people"
    assert chinese(shown_text(fig)) == []


def test_chart_values_carry_six_significant_digits():
    # 17 digits per value tripled a county page's chart data; the hover label shows at most 2 decimals
    fig = charts.target_chart({"year": [2023, 2024], "value": [24.55543004204157, 1234567.891]}, unit="万元")
    actual = next(trace for trace in fig["data"] if trace["name"] == "实际")
    assert actual["y"] == [24.5554, 1234570.0]
