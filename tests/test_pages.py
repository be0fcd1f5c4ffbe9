"""Page shaping (targets/pages.py): pure pandas, no database; run with ``pytest tests/test_pages.py -p no:django``."""

import pandas as pd

from targets import pages

REGIONS = pd.DataFrame(
    [
        (1, "330000", "浙江省", "浙江", "province", None, None),
        (2, "331100", "丽水市", "丽水", "city", "330000", None),
        (3, "330700", "金华市", "金华", "city", "330000", None),
        (4, "331127", "景宁畲族自治县", "景宁", "county", "331100", None),
        (5, "331125", "云和县", "云和", "county", "331100", None),
        (6, "330782", "义乌市", "义乌", "county", "330700", None),
        (7, "330621", "绍兴县", "绍兴", "county", "330600", 2012),
    ],
    columns=["id", "code", "name", "short_name", "level", "parent_code", "valid_to"],
)
GROUPINGS = pd.DataFrame(
    [
        ("group", 10, "mountain-26", "山区26县", None, "331127", "member"),
        ("group", 10, "mountain-26", "山区26县", None, "331125", "member"),
        ("group", 11, "empty", "空组", None, None, None),
        ("cluster", 20, "new-gen-it", "新一代信息技术产业群", None, None, None),
        ("cluster", 21, "smart-pv", "智能光伏", "new-gen-it", "330782", "core"),
        ("cluster", 21, "smart-pv", "智能光伏", "new-gen-it", "331127", "coordination"),
    ],
    columns=["kind", "id", "slug", "name", "parent", "region_code", "role"],
).assign(tier="", is_demo=False, excerpt="", order=0, member_is_demo=False)


def test_numbers_carry_units_separators_and_sensible_decimals():
    assert pages.fmt_number(12345.678, "亿元") == "12,346 亿元"
    assert pages.fmt_number(3.456, "%") == "3.5%"
    assert pages.fmt_number(8.0, "家") == "8 家"
    assert pages.fmt_number(0.1224, "万元/亩") == "0.122 万元/亩"
    assert pages.fmt_number(None, "亿元") == "—"
    assert pages.fmt_rate(0.0345) == "+3.5%"


def test_overlapping_excerpts_merge_into_one_mark_with_both_anchors_and_the_rest_is_escaped():
    html = pages.highlight_excerpts(
        "<b>年均增长9%以上，达到1500亿元</b>", [(1, "年均增长9%", []), (2, "9%以上", []), (3, "1500亿元", [])]
    )
    assert html.count("<mark") == 2
    assert 'id="t-1"' in html and 'id="t-2"' in html and 'id="t-3"' in html
    assert "&lt;b&gt;" in html and "<b>" not in html


def test_a_restated_target_is_marked_in_both_places_with_one_anchor():
    html = pages.highlight_excerpts(
        "世界一流企业达到15家。……培育世界一流企业15家。", [(7, "世界一流企业达到15家", ["培育世界一流企业15家"])]
    )
    assert html.count("<mark") == 2
    assert html.count('id="t-7"') == 1  # an id names one place: the main excerpt
    assert html.count('title="#7"') == 2
    assert html.index('id="t-7"') < html.index("达到")


def test_a_parameter_is_kept_only_when_it_is_one_of_its_valid_values():
    query = {"role": "core", "rank": "<script>", "junk": "1"}
    assert pages.pick(query, {"role": {"core", "coordination"}, "rank": {"value_added"}, "sort": {"name"}}) == {
        "role": "core",
        "rank": None,
        "sort": None,
    }
    assert pages.sortable(["rank"]) == {"rank", "-rank"}


def test_a_year_without_data_goes_to_the_nearest_year_with_data():
    years = [2013, 2014, 2016, 2024]
    assert pages.nearest_year(years, 1900) == 2013
    assert pages.nearest_year(years, 2999) == 2024
    assert pages.nearest_year(years, 2015) == 2016  # a tie between 2014 and 2016 goes to the later year


def test_status_counts_follow_the_given_order_and_leave_out_empty_statuses():
    rows = pd.DataFrame({"status": ["deteriorating", "achieved", "achieved", "insufficient_data"]})
    order = ["achieved", "on_track", "deteriorating", "insufficient_data"]
    assert list(pages.status_counts(rows, order).items()) == [("achieved", 2), ("deteriorating", 1),
                                                              ("insufficient_data", 1)]  # fmt: skip


def test_the_heatmap_filter_keeps_current_counties_of_the_chosen_city_group_and_cluster():
    every = pages.counties(REGIONS, GROUPINGS)
    assert every == [
        {"code": "330782", "name": "义乌市", "city": "金华"},
        {"code": "331125", "name": "云和县", "city": "丽水"},
        {"code": "331127", "name": "景宁畲族自治县", "city": "丽水"},
    ]  # 绍兴县 ended in 2012
    assert [c["code"] for c in pages.counties(REGIONS, GROUPINGS, city="2")] == ["331125", "331127"]
    assert [c["code"] for c in pages.counties(REGIONS, GROUPINGS, group="10", cluster="21")] == ["331127"]
    assert pages.counties(REGIONS, GROUPINGS, group="11") == []


def test_the_filter_offers_current_cities_and_every_group_and_cluster_by_id():
    choices = pages.filter_choices(REGIONS, GROUPINGS)
    assert choices["city"] == [(2, "丽水市（331100）"), (3, "金华市（330700）")]
    assert choices["group"] == [(10, "山区26县"), (11, "空组")]
    assert choices["cluster"] == [(20, "新一代信息技术产业群"), (21, "智能光伏")]


def test_a_county_is_found_by_code_name_or_short_name():
    assert pages.find_county(REGIONS, "331127") == "331127"
    assert pages.find_county(REGIONS, "义乌市") == "330782"
    assert pages.find_county(REGIONS, "云和") == "331125"
    assert pages.find_county(REGIONS, "绍兴县") is None  # no longer a county
    assert pages.find_county(REGIONS, "丽水市") is None


def test_a_cluster_page_counts_the_members_of_its_child_clusters():
    names = dict(REGIONS[["code", "name"]].values)
    labels = {"core": "核心区", "coordination": "协同区"}
    cluster, children, members, codes = pages.cluster_profile(GROUPINGS, names, "new-gen-it", labels, {})
    assert cluster["name"] == "新一代信息技术产业群" and cluster["parent_name"] == ""
    assert children == [{"slug": "smart-pv", "name": "智能光伏"}]
    assert members == [] and codes == ["330782", "331127"]
    cluster, children, members, codes = pages.cluster_profile(GROUPINGS, names, "smart-pv", labels, {})
    assert cluster["parent_name"] == "新一代信息技术产业群"
    assert [(m["name"], m["role_label"]) for m in members] == [("景宁畲族自治县", "协同区"), ("义乌市", "核心区")]


def test_a_county_profile_names_its_city_groups_and_clusters():
    region, groups, clusters = pages.county_profile(REGIONS, GROUPINGS, "331127", {"coordination": "协同区"})
    assert (region["name"], region["parent_name"], region["parent_short_name"]) == ("景宁畲族自治县", "丽水市", "丽水")
    assert groups == [{"slug": "mountain-26", "name": "山区26县"}]
    assert clusters == [{"slug": "smart-pv", "name": "智能光伏", "role": "coordination", "role_label": "协同区"}]


def test_a_ranking_puts_the_highest_value_of_the_year_first():
    series = pd.DataFrame(
        {"scope": ["county:331127", "county:330782", "county:331125", "county:330782"],
         "year": [2024, 2024, 2024, 2023], "value": [20.0, 500.0, 15.0, 999.0]}
    )  # fmt: skip
    ranking = pages.ranking(series, 2024, {"331127": "景宁畲族自治县", "330782": "义乌市"})
    assert pages.records(ranking) == [
        {"rank": 1, "code": "330782", "name": "义乌市", "value": 500.0},
        {"rank": 2, "code": "331127", "name": "景宁畲族自治县", "value": 20.0},
        {"rank": 3, "code": "331125", "name": "county:331125", "value": 15.0},
    ]


def test_a_document_row_has_its_own_gap_and_the_county_spread():
    targets = pd.DataFrame({"target_id": [2, 1], "seq": [2, 1], "label": ["亩均税收", "增加值"]})
    table = pd.DataFrame(
        {"scope": ["province", "county:331127", "county:330782", "county:331125"],
         "target_scope": ["province"] * 4, "target_id": [1, 1, 1, 1], "benchmark": [False, True, True, True],
         "status": ["on_track", "achieved", "deteriorating", "achieved"]}
    )  # fmt: skip
    rows = pages.document_rows(targets, table, ["achieved", "on_track", "deteriorating"])
    assert [r["target"]["label"] for r in rows] == ["增加值", "亩均税收"]
    assert rows[0]["gap"]["status"] == "on_track" and rows[0]["spread"] == {"achieved": 2, "deteriorating": 1}
    assert rows[1]["gap"] is None and rows[1]["spread"] == {}


def test_a_target_card_has_its_own_series_and_compares_a_ratio_with_the_province():
    indicators = pd.DataFrame(
        {"code": ["rd_intensity", "value_added"], "unit": ["%", "亿元"], "kind": ["derived", "base"]}
    )
    series = pd.DataFrame(
        {"scope": ["county:331127", "province", "county:331127", "county:331127", "province"],
         "indicator_code": ["rd_intensity", "rd_intensity", "rd_intensity", "value_added", "value_added"],
         "year": [2024, 2024, 2023, 2024, 2024], "value": [2.5, 3.0, float("nan"), 40.0, 9000.0]}
    )  # fmt: skip
    row = {"scope": "county:331127", "kind": "level", "unit": "%", "policy_input": False, "target_value": 3.0,
           "target_year": 2027, "base_year": None, "base_value": None, "comparator": "ge", "actual_year": 2024,
           "actual_value": 2.5, "projected_value": None}  # fmt: skip
    rows = pd.DataFrame(
        [{**row, "indicator_code": "rd_intensity"}, {**row, "indicator_code": "value_added", "unit": "亿元"},
         {**row, "indicator_code": "energy_intensity"}]
    )  # fmt: skip
    notes = {("rd_intensity", 2023): "2023年起按新口径统计"}
    ratio, total, none = pages.target_cards(
        rows, series, indicators, [("全省", "province")], lang="zh", demo=False, notes=notes
    )
    # the county's rows in the series' order, the missing 2023 value shown as missing, its 备注 beside it
    assert ratio["series_rows"] == [
        {"year": 2024, "value": 2.5, "note": ""},
        {"year": 2023, "value": None, "note": "2023年起按新口径统计"},
    ]
    assert ratio["series_notes"] and not total["series_notes"]
    assert [t["name"] for t in ratio["fig"]["data"]][:2] == ["全省", "实际"]
    assert ratio["fig"]["data"][1]["x"] == [2023, 2024]
    # a 亿元 total is not compared with the province's; an indicator without data has no chart
    assert [t["name"] for t in total["fig"]["data"]][0] == "实际"
    assert total["series_rows"] == [{"year": 2024, "value": 40.0, "note": ""}]
    assert (none["fig"], none["series_rows"], none["fig_id"]) == (None, [], "fig-2")
