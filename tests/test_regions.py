"""The region registry: 11 cities, 90 current county-level units, history and groups."""

import json

import pytest

from indicators.models import Region, RegionGroup

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
