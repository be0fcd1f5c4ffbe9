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


def test_numbers_carry_units_separators_and_the_decimals_of_their_unit():
    assert pages.fmt_number(12345.678, "亿元") == "12,345.68 亿元"
    assert pages.fmt_number(2500, "亿元") == "2,500.00 亿元"  # a target is written like the value beside it
    assert pages.fmt_number(3.456, "%") == "3.5%"
    assert pages.fmt_number(8.0, "家") == "8 家"
    assert pages.fmt_number(10.6, "人") == "11 人"  # people and firms are whole numbers
    assert pages.fmt_number(0.1224, "万元/亩") == "0.1 万元/亩"  # as 39.9 万元/亩 beside it
    assert pages.fmt_number(-0.01, "%") == "0.0%"  # no "-0.0"
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


def test_the_jump_box_finds_a_county_a_city_or_a_group():
    assert pages.find_place(REGIONS, GROUPINGS, "331127") == ("county", "331127")
    assert pages.find_place(REGIONS, GROUPINGS, "义乌市") == ("county", "330782")
    assert pages.find_place(REGIONS, GROUPINGS, "云和") == ("county", "331125")
    assert pages.find_place(REGIONS, GROUPINGS, "绍兴县") is None  # no longer a county
    assert pages.find_place(REGIONS, GROUPINGS, "丽水市") == ("city", "331100")
    assert pages.find_place(REGIONS, GROUPINGS, "金华") == ("city", "330700")
    assert pages.find_place(REGIONS, GROUPINGS, "山区26县") == ("group", "mountain-26")
    assert pages.find_place(REGIONS, GROUPINGS, "新一代信息技术产业群") is None  # clusters have their own list


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
           "actual_value": 2.5, "projected_value": None, "status": "on_track"}  # fmt: skip
    rows = pd.DataFrame(
        [{**row, "indicator_code": "rd_intensity"}, {**row, "indicator_code": "value_added", "unit": "亿元"},
         {**row, "indicator_code": "energy_intensity"}]
    )  # fmt: skip
    notes = {("rd_intensity", 2023): "2023年起按新口径统计"}
    ratio, total, none = pages.target_cards(
        rows, series, indicators, [("全省", "province")], lang="zh", demo=False, notes=notes
    )
    # the county's rows in the series' order, the missing 2023 value shown as missing, its 备注 beside it
    assert [(r["year"], r["value"], r["note"]) for r in ratio["series_rows"]] == [
        (2024, 2.5, ""),
        (2023, None, "2023年起按新口径统计"),
    ]
    assert ratio["series_notes"] and not total["series_notes"]
    assert [t["name"] for t in ratio["fig"]["data"]][:2] == ["全省", "实际"]
    assert ratio["fig"]["data"][1]["x"] == [2023, 2024]
    # a 亿元 total is not compared with the province's; an indicator without data has no chart
    assert [t["name"] for t in total["fig"]["data"]][0] == "实际"
    assert [(r["year"], r["value"]) for r in total["series_rows"]] == [(2024, 40.0)]
    assert (none["fig"], none["series_rows"], none["fig_id"]) == (None, [], "fig-2")


# ---------------------------------------------------------------------------------------------- words and numbers
def test_a_gap_between_percentages_is_in_points_and_never_exceeded_by_nothing():
    assert pages.gap_words(2.8, "%") == ("short", "2.8个百分点")
    assert pages.gap_words(-12.5, "亿元") == ("over", "12.50 亿元")
    assert pages.gap_words(-0.3, "家") == ("level", "")  # 0.3 firms rounds to 0: not "已超出 0 家"
    assert pages.gap_words(-10.5, "人") == ("over", "10 人")  # people are whole (10.5 rounds half to even)
    assert pages.gap_words(None, "%") == (None, "—")


def test_a_share_target_is_shown_in_percent_whatever_its_catalog_unit():
    assert pages.shown_unit("share", "亿元") == "%"
    assert pages.shown_unit("level", "亿元") == "亿元"
    assert pages.shown_unit("level", None) == ""


CARD = {"scope": "county:331127", "indicator_code": "firms", "kind": "count_per_year", "unit": "家",
        "policy_input": False, "target_value": 100.0, "target_year": 2027, "base_year": None, "base_value": None,
        "comparator": "ge", "actual_year": 2025, "actual_value": 103.0, "projected_value": None,
        "status": "needs_acceleration", "required_annual_growth": None, "period_start": 2023}  # fmt: skip


def test_a_per_year_count_names_the_years_it_missed():
    own = {"year": [2022, 2023, 2024, 2025], "value": [50.0, 90.0, 120.0, 103.0]}
    # 2022 lies before the plan (2023–2027); 2023 (90 < 100) is the only plan year missed; 2025 met it
    assert pages.status_reason(CARD, own) == ("missed_earlier", (2023,))
    own = {"year": [2023, 2024, 2025], "value": [90.0, 120.0, 99.0]}
    assert pages.status_reason(CARD, own) == ("missed", (2023, 2025))
    assert pages.status_reason(CARD, {"year": [2024, 2025], "value": [101.0, 103.0]}) is None


def test_a_cumulative_count_says_its_path_is_pro_rata():
    row = {**CARD, "kind": "cumulative_count", "target_value": 100.0, "actual_year": 2024}
    # 2023–2027 is five plan years; by 2024 two have passed: 100 × 2/5 = 40 家
    assert pages.status_reason(row, None) == ("pro_rata", {"year": 2024, "expected": 40.0, "unit": "家"})
    assert pages.status_reason({**row, "status": "achieved"}, None) is None


def test_a_level_target_below_the_base_draws_a_flat_line_and_says_so():
    row = {**CARD, "kind": "share", "unit": "%", "target_value": 33.3, "base_year": 2022, "base_value": 40.1,
           "actual_value": 43.7, "actual_year": 2024, "projected_value": 45.0, "status": "achieved"}  # fmt: skip
    assert pages.status_reason(row, None) == ("base_above", "")
    lines = pages._target_lines(row)["target"]
    assert (lines["base_value"], lines["value"]) == (None, 33.3)  # no downward path from 40.1 to 33.3
    # below the base the path runs from it
    below = pages._target_lines({**row, "base_value": 30.0})["target"]
    assert (below["base_year"], below["base_value"]) == (2022, 30.0)


def test_a_past_target_says_it_is_judged_at_its_own_year():
    row = {**CARD, "kind": "level", "target_year": 2017, "actual_year": 2017}
    assert pages.status_reason(row, None, year=2024) == ("judged_at", 2017)
    assert pages.status_reason(row, None, year=2017) is None


def test_yearly_rates_turn_a_level_into_growth_decline_or_points():
    line = {"year": [2020, 2021, 2022, 2024], "value": [100.0, 110.0, 99.0, 120.0]}
    # 100 → 110: +10 %; 110 → 99: −10 %; 2022 → 2024 skips a year, so 2024 has no rate
    growth = pages.yearly_rates(line, "avg_annual_growth")
    assert growth["year"] == [2021, 2022] and [round(v, 6) for v in growth["value"]] == [10.0, -10.0]
    decline = pages.yearly_rates(line, "annual_decline")
    assert [round(v, 6) for v in decline["value"]] == [-10.0, 10.0]
    points = pages.yearly_rates({"year": [2020, 2021], "value": [30.0, 31.5]}, "annual_increase_points")
    assert points == {"year": [2021], "value": [1.5]}


def test_a_growth_card_charts_the_yearly_rate_against_the_target_rate_and_asks_nothing_once_achieved():
    indicators = pd.DataFrame({"code": ["value_added"], "unit": ["亿元"], "kind": ["base"], "growth_of": [None]})
    series = pd.DataFrame({"scope": "county:331127", "indicator_code": "value_added", "year": [2022, 2023, 2024],
                           "value": [100.0, 108.0, 118.8]})  # fmt: skip
    row = {**CARD, "indicator_code": "value_added", "kind": "avg_annual_growth", "unit": "%", "target_value": 9.0,
           "status": "achieved", "required_annual_growth": -0.237}  # fmt: skip
    (card,) = pages.target_cards(pd.DataFrame([row]), series, indicators, [], lang="zh", demo=False)
    actual = next(t for t in card["fig"]["data"] if t["name"] == "实际")
    target = next(t for t in card["fig"]["data"] if t["name"] == "目标")
    # 100 → 108: 8 %; 108 → 118.8: 10 %
    assert actual["x"] == [2023, 2024] and [round(v, 6) for v in actual["y"]] == [8.0, 10.0]
    assert target["y"] == [9.0, 9.0]  # the target rate, flat
    assert card["required_annual_growth"] is None
    # the data table keeps the level (亿元) with each year's rate beside it
    assert card["series_unit"] == "亿元" and [r["value"] for r in card["series_rows"]] == [100.0, 108.0, 118.8]
    assert card["series_rows"][0]["rate"] is None and round(card["series_rows"][2]["rate"], 6) == 10.0


def _card(status, document, n):
    return {"status": status, "document": document, "fig": None, "fig_id": f"fig-{n}", "label": f"t{n}"}


def test_the_current_plan_comes_first_and_its_counts_match_the_cards_shown():
    cards = [_card("achieved", "new", 1), _card("deteriorating", "new", 2), _card("achieved", "old", 3),
             _card("insufficient_data", "new", 4)]  # fmt: skip
    current, history = pages.card_sections(cards, ["new"])
    assert [c["fig_id"] for c in current["cards"]] == ["fig-1", "fig-2", "fig-4"]
    assert current["counts"] == {"deteriorating": 1, "achieved": 1, "insufficient_data": 1}
    assert [c["fig_id"] for c in history["cards"]] == ["fig-3"]
    worst, _ = pages.card_sections(cards, ["new"], order="status")
    assert [c["fig_id"] for c in worst["cards"]] == ["fig-2", "fig-1", "fig-4"]
    done, old = pages.card_sections(cards, ["new"], status="achieved")
    assert (done["counts"], len(done["cards"]), len(old["cards"])) == ({"achieved": 1}, 1, 1)


def test_the_plans_in_force_are_those_not_yet_ended():
    documents = pd.DataFrame({"document": ["a2023", "b2016", "c2017"], "period_end": [2027, 2025, 2020]})
    assert pages.current_documents(documents, 2024) == ["a2023", "b2016"]
    assert pages.current_documents(documents, 2030) == ["a2023"]  # none in force: the newest plan


# ---------------------------------------------------------------------------------------------- city and group
def test_a_city_has_its_current_counties_and_a_group_its_members():
    city, codes = pages.city_profile(REGIONS, "331100")
    assert (city["name"], codes) == ("丽水市", ["331125", "331127"])
    assert pages.city_profile(REGIONS, "331127") is None  # a county is not a city
    group, members = pages.group_profile(GROUPINGS, "mountain-26")
    assert (group["name"], members) == ("山区26县", ["331125", "331127"])
    assert pages.group_profile(GROUPINGS, "empty")[1] == []
    assert pages.group_profile(GROUPINGS, "new-gen-it") is None


GAPS = pd.DataFrame(
    [
        ("group:mountain-26", 112, "d", "value_added", "level", "亿元", False, "group:mountain-26", 2024, 1800.0,
         2500.0, "needs_acceleration"),
        ("group:mountain-26", 5, "d", "rd_intensity", "level", "%", True, "province", 2024, 2.0, 3.0, "on_track"),
        ("county:331127", 5, "d", "rd_intensity", "level", "%", True, "province", 2024, 2.5, 3.0, "on_track"),
        ("county:331125", 5, "d", "rd_intensity", "level", "%", True, "province", 2024, 1.0, 3.0, "deteriorating"),
        ("county:331125", 6, "d", "tax", "level", "%", True, "province", 2024, 1.0, 3.0, "achieved"),
        ("county:331127", 6, "d", "tax", "level", "%", True, "province", 2024, 1.0, 3.0, "achieved"),
    ],
    columns=["scope", "target_id", "document", "indicator_code", "kind", "unit", "benchmark", "target_scope",
             "actual_year", "actual_value", "target_value", "status"],
)  # fmt: skip


def test_a_group_page_lists_the_targets_set_for_the_group_first():
    assert list(pages.place_rows(GAPS, "group:mountain-26")["target_id"]) == [112, 5]


def test_members_carry_their_status_counts():
    names = {"331127": "景宁畲族自治县", "331125": "云和县"}
    rows = pages.member_rows(GAPS, ["331125", "331127"], names, ["d"])
    assert rows[0]["counts"] == {"deteriorating": 1, "achieved": 1}
    assert rows[1] == {"code": "331127", "name": "景宁畲族自治县", "counts": {"on_track": 1, "achieved": 1},
                       "score": None, "rank": None}  # fmt: skip


def test_a_county_sees_its_contribution_to_its_groups_total():
    series = pd.DataFrame({"scope": "county:331127", "indicator_code": "value_added", "year": [2024], "value": [60.0]})
    (row,) = pages.contributions(GAPS, series, "331127", [{"slug": "mountain-26", "name": "山区26县"}])
    # 60 of the group's 1,800 亿元: 60 / 1800 × 100 = 3.33 %
    assert (row["target_id"], row["own_value"], round(row["own_share"], 2)) == (112, 60.0, 3.33)


def test_the_default_map_is_the_target_that_divides_the_counties_most():
    # target 5: one on track, one deteriorating (most common 1/2); target 6: both achieved (one colour)
    assert pages.widest_spread(GAPS, [6, 5]) == 5
    assert pages.widest_spread(GAPS, [6]) is None


def test_a_heatmap_filter_links_to_its_city_or_group_page():
    assert pages.filter_place(REGIONS, GROUPINGS, "city", "2") == ("city", "331100")
    assert pages.filter_place(REGIONS, GROUPINGS, "group", "10") == ("group", "mountain-26")
    assert pages.filter_place(REGIONS, GROUPINGS, "cluster", "20") is None
    assert pages.filter_place(REGIONS, GROUPINGS, "city", None) is None


def test_print_charts_are_sized_for_half_an_a4_page_and_leave_the_cards_alone():
    fig = {"data": [], "layout": {"height": 280}}
    cards = [{**_card("achieved", "d", n), "fig": fig if n != 2 else None} for n in range(1, 7)]
    printed = pages.print_figures(cards)
    assert [p["id"] for p in printed] == ["print-fig-1", "print-fig-3", "print-fig-4", "print-fig-5"]
    assert (printed[0]["fig"]["layout"]["width"], printed[0]["fig"]["layout"]["height"]) == (340, 230)
    assert fig["layout"] == {"height": 280}


def test_a_value_map_marks_the_first_key_benchmark_on_its_indicator():
    # target 5 is the key benchmark on rd_intensity (a level of 3.0 %); tax's target 6 is another indicator
    found = pages.map_target(GAPS.assign(comparator="ge"), "rd_intensity", [6, 5])
    assert found == {"value": 3.0, "comparator": "ge"}
    assert pages.map_target(GAPS.assign(comparator="ge"), "value_added", [6, 5]) is None  # 112 is no key benchmark
    assert pages.map_target(None, "rd_intensity", [5]) is None


def test_the_filter_names_its_options_in_english_where_the_catalog_has_english_names():
    english = {"region": {"331100": "Lishui City"}, "group": {"mountain-26": "26 mountainous counties"},
               "cluster": {"smart-pv": "Smart photovoltaics"}}  # fmt: skip
    choices = pages.filter_choices(REGIONS, GROUPINGS, english)
    assert choices["city"] == [(2, "Lishui City (331100)"), (3, "金华市 (330700)")]  # no English name: Chinese kept
    assert choices["group"] == [(10, "26 mountainous counties"), (11, "空组")]
    assert choices["cluster"] == [(20, "新一代信息技术产业群"), (21, "Smart photovoltaics")]


INDICATORS = pd.DataFrame(
    [("value_added", "规模以上工业增加值"), ("tax_per_mu", "规模以上工业亩均税收"), ("employees", "从业人员")],
    columns=["code", "name"],
)
KEYED = pd.DataFrame(
    [(7, "规上工业亩均税收", "tax_per_mu", 2025), (7, "规上工业亩均税收", "tax_per_mu", 2025),
     (9, "制造业投资占比", "mfg_investment_share", 2027)],
    columns=["target_id", "label", "indicator_code", "target_year"],
)  # fmt: skip


def test_the_map_options_name_indicators_and_key_benchmarks_in_the_pages_language():
    assert pages.map_choices(INDICATORS, KEYED, [7, 9], "状态") == [
        ("ind:value_added", "规模以上工业增加值"),
        ("ind:tax_per_mu", "规模以上工业亩均税收"),  # employees is not a map indicator
        ("status:7", "状态：规上工业亩均税收"),
        ("status:9", "状态：制造业投资占比"),
    ]
    english = {"value_added": "Industrial value added", "tax_per_mu": "Tax per mu"}
    assert pages.map_choices(INDICATORS, KEYED, [7, 9], "Status", english) == [
        ("ind:value_added", "Industrial value added"),
        ("ind:tax_per_mu", "Tax per mu"),
        ("status:7", "Status: Tax per mu (2025)"),
        ("status:9", "Status: 制造业投资占比"),  # no English name for its indicator: the label as written
    ]


def test_the_composite_ranking_names_counties_in_the_pages_language():
    scores = pd.DataFrame({"code": ["330782", "331127", "331125"], "name": ["义乌市", "景宁畲族自治县", "云和县"],
                           "score": [0.8, 0.5, None]})  # fmt: skip
    cities = {"330782": "Jinhua City", "331127": "Lishui City", "331125": "Lishui City"}
    rows = pages.composite_rows(scores, cities, {"330782": "Yiwu City", "331127": "Jingning She Autonomous County"})
    assert [(r["name"], r["city"]) for r in rows] == [("Yiwu City", "Jinhua City"),
                                                       ("Jingning She Autonomous County", "Lishui City")]  # fmt: skip
    assert [r["name"] for r in pages.composite_rows(scores, cities)] == ["义乌市", "景宁畲族自治县"]  # 云和: no score


def test_print_charts_are_titled_in_the_pages_language_and_fall_back_to_the_chinese_label():
    fig = {"data": [], "layout": {"height": 280}}
    cards = [{**_card("achieved", "d", n), "fig": fig, "label": f"目标{n}"} for n in (1, 2)]
    english = {"fig-1": "Industrial value added ≥ 2,500 100 million yuan by 2027", "fig-2": ""}  # 2: no English name
    printed = pages.print_figures(cards, label=lambda card: english[card["fig_id"]])
    assert [p["fig"]["layout"]["title"]["text"] for p in printed] == [english["fig-1"], "目标2"]
    assert [p["label"] for p in printed] == [english["fig-1"], "目标2"]  # the figure's aria-label too
    assert [p["fig"]["layout"]["title"]["text"] for p in pages.print_figures(cards)] == ["目标1", "目标2"]


def test_a_county_card_does_not_count_members_and_a_city_or_group_card_does():
    indicators = pd.DataFrame({"code": ["value_added"], "unit": ["亿元"], "kind": ["base"]})
    series = pd.DataFrame({"scope": [], "indicator_code": [], "year": [], "value": []})
    row = {"kind": "level", "unit": "亿元", "policy_input": False, "target_value": 3.0, "target_year": 2027,
           "base_year": None, "base_value": None, "comparator": "ge", "actual_year": 2024, "actual_value": 2.5,
           "projected_value": None, "status": "on_track", "indicator_code": "value_added"}  # fmt: skip
    rows = pd.DataFrame([{**row, "scope": s} for s in ("county:330113", "city:330100", "group:mountain-26")])
    cards = pages.target_cards(rows, series, indicators, [], lang="zh", demo=False)
    assert [c["counts_members"] for c in cards] == [False, True, True]
