"""The region registry: 11 cities, 90 current county-level units, history and groups."""

import datetime
import json

import pytest

from indicators.models import Cluster, Region, RegionGroup
from indicators.selectors import Lineage, members_as_of, region_lineage

pytestmark = pytest.mark.django_db


def test_the_registry_holds_eleven_cities_and_ninety_current_counties():
    assert Region.objects.filter(level="city", valid_to__isnull=True).count() == 11
    assert Region.objects.filter(level="county", valid_to__isnull=True).count() == 90


def test_every_current_county_sits_under_a_city_of_zhejiang():
    counties = Region.objects.filter(level="county", valid_to__isnull=True).select_related("parent")
    assert {c.parent.level for c in counties} == {"city"}
    assert all(c.code.startswith("33") for c in counties)


def test_renamed_units_keep_their_lineage():
    keqiao = Region.objects.get(code="330603")
    assert keqiao.name == "柯桥区"
    assert list(keqiao.predecessors.values_list("code", flat=True)) == ["330621"]
    shaoxing_county = Region.objects.get(code="330621")
    assert shaoxing_county.valid_to == 2012
    linping = Region.objects.get(code="330113")
    assert linping.valid_from == 2021
    assert "330110" in linping.predecessors.values_list("code", flat=True)
    assert Region.objects.get(code="330383").predecessors.get().code == "330327"  # 龙港 from 苍南


def test_the_lineage_remaps_renames_and_merges_but_not_splits():
    current = region_lineage().current_codes()
    assert current["330621"] == "330603"  # 绍兴县 → 柯桥区
    assert current["330103"] == "330105"  # 下城区 merged whole into 拱墅区
    assert "330104" not in current  # 江干区 went to 上城区 and 钱塘区
    assert "330110" not in current and "330327" not in current  # 余杭区 and 苍南县 continue


def test_an_abolished_units_data_goes_to_its_newest_successor():
    lineage = region_lineage()
    assert lineage.successor("330104") == "330114"  # 江干区 → 钱塘区 (2021) rather than 上城区 (no start year)
    assert lineage.successor("330621") == "330603"
    assert lineage.successor("330110") is None  # 余杭区 still exists


def test_a_unit_absorbs_only_predecessors_that_no_longer_exist():
    lineage = region_lineage()
    assert lineage.absorbed(["330603"]) == {"330603", "330621"}
    assert lineage.absorbed(["330113"]) == {"330113"}  # 临平区, carved out of 余杭区
    assert lineage.absorbed(["330114"]) == {"330114", "330104"}  # 钱塘区: 江干区 yes, 萧山区 no
    assert lineage.absorbed(["330782"]) == {"330782"}


def test_renames_of_renames_are_followed_to_the_current_code():
    # A (ended 2010) → B (2011–2015) → C (from 2016); D split into D and E.
    lineage = Lineage(
        links=[("A", "B"), ("B", "C"), ("D", "E")],
        valid_from={"A": None, "B": 2011, "C": 2016, "D": None, "E": 2020},
        valid_to={"A": 2010, "B": 2015, "C": None, "D": None, "E": None},
    )
    assert lineage.current_codes() == {"A": "C", "B": "C"}
    assert lineage.absorbed(["C"]) == {"A", "B", "C"}
    assert lineage.absorbed(["E"]) == {"E"}


def test_the_mountain_group_has_exactly_the_26_counties():
    group = RegionGroup.objects.get(slug="mountain-26")
    names = set(group.members.values_list("short_name", flat=True))
    assert len(names) == 26
    assert {"淳安", "文成", "泰顺", "开化", "景宁"} <= names
    assert not group.is_demo


def test_export_regions_lists_cities_and_counties_with_groups(export):
    records = json.loads(export("export_regions", "--format", "json"))
    assert sum(r["level"] == "city" for r in records) == 11
    assert sum(r["level"] == "county" for r in records) == 90
    jingning = next(r for r in records if r["code"] == "331127")
    assert jingning["parent_code"] == "331100"
    assert "mountain-26" in jingning["groups"]
    assert set(records[0]) >= {"code", "name", "level", "parent_code", "groups"}


# -- memberships in time (groups.yaml, clusters_415x_provincial.yaml; members_as_of) ------------------


def names(members):
    return {m.region_name for m in members}


def test_the_mountain_26_list_in_force_on_a_day():
    # 2021 list: 衢州 6 + 丽水 9 + 淳安 永嘉 平阳 苍南 文成 泰顺 武义 磐安 三门 天台 仙居 (11) = 26
    in_2023 = members_as_of(datetime.date(2023, 6, 1), group="mountain-26")
    assert len(in_2023) == 26 and {"平阳县", "柯城区", "莲都区", "永嘉县"} <= names(in_2023)
    # 2024-08-21 平阳县、柯城区、莲都区 moved out: 26 − 3 = 23
    in_2025 = members_as_of(datetime.date(2025, 1, 1), group="mountain-26")
    assert len(in_2025) == 23 and not {"平阳县", "柯城区", "莲都区"} & names(in_2025)
    # the day itself is the first day off the list (since ≤ day < until)
    assert "平阳县" not in names(members_as_of(datetime.date(2024, 8, 21), group="mountain-26"))
    assert "平阳县" in names(members_as_of(datetime.date(2024, 8, 20), group="mountain-26"))
    # 2025-05-28 永嘉县、苍南县、江山市 too: 23 − 3 = 20
    assert len(members_as_of(datetime.date(2025, 6, 1), group="mountain-26")) == 20


def test_the_mountain_island_group_starts_in_august_2024():
    assert members_as_of(datetime.date(2024, 8, 20), group="mountain-island") == []
    # the 23 left of 山区26县 + 洞头区、嵊泗县 = 25; then 永嘉、苍南、江山 out: 22
    in_2025 = members_as_of(datetime.date(2025, 1, 1), group="mountain-island")
    assert len(in_2025) == 25 and {"洞头区", "嵊泗县"} <= names(in_2025) and "平阳县" not in names(in_2025)
    assert len(members_as_of(datetime.date(2025, 6, 1), group="mountain-island")) == 22


def test_each_membership_keeps_its_source_and_confidence():
    by_name = {m.region_name: m for m in members_as_of(datetime.date(2023, 1, 1), group="mountain-26")}
    assert by_name["平阳县"].until == datetime.date(2024, 8, 21)
    assert "m.olppe.com" in by_name["平阳县"].source and by_name["平阳县"].confidence == "confirmed"
    # 文成 stands on a secondary, machine-translated page only: reported, not confirmed
    assert by_name["文成县"].confidence == "reported" and not by_name["文成县"].demo
    pilots = {m.region_name: m for m in members_as_of(datetime.date(2020, 1, 1), group="industrial-strong-pilots")}
    assert len(pilots) == 20 and not pilots["萧山区"].demo and "zjrb.zjol.com.cn" in pilots["萧山区"].source
    assert sum(m.demo for m in pilots.values()) == 19


def test_rule_groups_have_no_stored_members():
    over_500 = RegionGroup.objects.get(slug="gross-output-over-500")
    assert (over_500.kind, over_500.rule_indicator.code, over_500.rule_comparator, over_500.rule_value) == (
        "threshold",
        "gross_output",
        "gt",
        500,
    )
    tier_2 = RegionGroup.objects.get(slug="output-tier-2")  # the document gives no cut-off: 待设定
    assert (tier_2.rule_comparator, tier_2.rule_value, tier_2.rule_upper_comparator, tier_2.rule_upper_value) == (
        "ge",
        None,
        "lt",
        None,
    )
    assert members_as_of(datetime.date(2017, 1, 1), group="gross-output-over-500") == []
    incentive = RegionGroup.objects.get(slug="real-economy-incentive-18")
    assert incentive.kind == "list" and incentive.description == "名单未录入" and not incentive.memberships.exists()


def test_the_415x_memberships_from_published_sources():
    confirmed = [m for m in members_as_of(datetime.date(2025, 1, 1)) if m.kind == "cluster" and not m.demo]
    # clusters_415x_memberships.csv: 11 core, 7 coordination, 1 新星, less two functional zones (one core, one
    # coordination) that are not county-level units: 10 + 6 + 1
    assert [sum(m.role == r for m in confirmed) for r in ("core", "coordination", "new_star")] == [10, 6, 1]
    binjiang = [m for m in confirmed if m.region_code == "330108"]
    assert [(m.slug, m.role, m.designation_round, m.since) for m in binjiang] == [
        ("digital-security-networks", "core", 2, datetime.date(2023, 6, 20))
    ]
    # before round 1 (2023-02-09) no confirmed membership is in force
    early = members_as_of(datetime.date(2023, 2, 8))
    assert not [m for m in early if m.kind == "cluster" and not m.demo]
    names_demo = set(Cluster.objects.filter(tier="provincial", is_demo=True).values_list("name", flat=True))
    assert names_demo == {"节能环保与新能源装备", "现代家居", "时尚美妆"}  # 3 of 15 not found in any source


def test_export_regions_gives_the_lists_of_the_year_asked(export):
    def region(year, code):
        records = json.loads(export("export_regions", "--format", "json", "--year", str(year)))
        return next(r for r in records if r["code"] == code)

    assert "mountain-26" in region(2023, "330326")["groups"]  # 平阳县 on the 2023 list
    assert "mountain-26" not in region(2024, "330326")["groups"]  # off since 2024-08-21 (as of 2024-12-31)
    assert region(2024, "330922")["groups"] == ["mountain-island"]  # 嵊泗县
    binjiang = region(2023, "330108")
    assert binjiang["clusters"] == ["digital-security-networks"]
    [role] = binjiang["cluster_roles"]
    assert role["cluster_name"] == "数字安防与网络通信" and role["role"] == "core" and role["demo"] is False
    assert role["source"].startswith("https://zjnews.zjol.com.cn/")
    assert region(2022, "330108")["clusters"] == []  # round 2 was 2023-06-20
