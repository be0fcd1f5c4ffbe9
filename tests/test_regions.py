"""The region registry: 11 cities, 90 current county-level units, history and groups."""

import json

import pytest

from indicators.models import Region, RegionGroup
from indicators.selectors import Lineage, region_lineage

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
