"""赛马 (targets/race.py): core areas ranked by their cluster's revenue across clusters, ranks worked by hand."""

import pandas as pd
import pytest

from targets.race import RECORD_FIELDS, league

COLUMNS = ["cluster", "cluster_name", "region_code", "region_name", "role", "since", "until", "designation_round",
           "confidence", "is_demo"]  # fmt: skip
MEMBERS = pd.DataFrame(
    [
        ("tex", "纺织", "A", "甲", "core", "2023-02-09", None, 1, "confirmed", False),
        ("tex", "纺织", "B", "乙", "core", "2023-02-09", None, 1, "confirmed", False),
        ("pv", "光伏", "C", "丙", "core", None, None, None, "demo", True),
        ("pv", "光伏", "D", "丁", "coordination", "2022-01-01", "2024-01-01", 1, "confirmed", False),
        ("pv", "光伏", "D", "丁", "core", "2024-01-01", None, 2, "confirmed", False),  # promoted
        ("tex", "纺织", "E", "戊", "core", None, "2024-06-01", None, "demo", True),  # removed mid-2024
    ],
    columns=COLUMNS,
)
OBS = pd.DataFrame(
    [
        # tex has series of its own: its areas are measured on them (B has none: no figure)
        ("A", "revenue", 2023, 1100.0, "", "tex"),
        ("A", "revenue", 2024, 1243.0, "", "tex"),
        ("A", "revenue", 2024, 3100.0, "", ""),  # 甲 as a whole: not the cluster's figure
        ("B", "revenue", 2024, 2500.0, "", ""),
        ("E", "revenue", 2023, 1000.0, "", "tex"),
        ("E", "revenue", 2024, 1300.0, "", "tex"),
        # pv has none: its areas are measured on their counties' whole figures
        ("C", "revenue", 2023, 1500.0, "", ""),
        ("C", "revenue", 2024, 1400.0, "", ""),
        ("D", "revenue", 2023, 900.0, "", ""),
        ("D", "revenue", 2024, 1600.0, "", ""),
        ("A", "industrial_tax", 2024, 12.0, "", "tex"),
        ("A", "industrial_land", 2024, 3000.0, "", "tex"),
    ],
    columns=["region_code", "indicator_code", "year", "value", "industry", "cluster"],
)


def by_region(table):
    return {r["region_code"]: r for r in table.to_dict("records")}


def test_core_areas_are_ranked_by_revenue_across_clusters_with_the_change_since_last_year():
    table = league(MEMBERS, OBS, 2024, "core")
    assert list(table.columns[: len(RECORD_FIELDS)]) == RECORD_FIELDS
    rows = by_region(table)
    # 2024 at the year's end: 丁 1600, 丙 1400, 甲 1243 (its cluster's, not 3100); 乙 no figure; 戊 removed in June
    assert [rows[c]["rank"] for c in "DCA"] == [1, 2, 3]
    assert pd.isna(rows["B"]["rank"]) and pd.isna(rows["E"]["rank"])
    # 2023: 丙 1500 (1), 甲 1100 (2), 戊 1000 (3); 丁 was a coordination area then
    assert rows["C"]["rank_change"] == 1 - 2  # 1 last year, 2 now
    assert rows["A"]["rank_change"] == 2 - 3  # -1
    assert pd.isna(rows["D"]["rank_change"])
    assert rows["A"]["growth"] == pytest.approx((1243 / 1100 - 1) * 100)  # 13.0 %
    assert rows["C"]["growth"] == pytest.approx((1400 / 1500 - 1) * 100)  # -6.67 %
    assert (rows["A"]["basis"], rows["C"]["basis"]) == ("cluster", "county")
    assert rows["A"]["tax_per_mu"] == pytest.approx(12 / 3000 * 10000)  # 40 万元/亩
    assert rows["D"]["previous_role"] == "coordination" and rows["D"]["since"] == "2024-01-01"


def test_coordination_areas_have_a_league_of_their_own():
    table = league(MEMBERS, OBS, 2023, "coordination")
    assert list(table["region_code"]) == ["D"] and table["rank"].tolist() == [1]
    assert set(league(MEMBERS, OBS, 2023)["role"]) == {"core", "coordination"}
