"""targets/scopes.py: the scope grammar, names people read, and the check an admin's choice passes."""

import datetime

import pytest

from targets import scopes
from targets.scopes import Catalog, Scope

CATALOG = Catalog(
    cities={"330400": ("嘉兴市", "Jiaxing")},
    counties={"330326": ("平阳县", "Pingyang")},
    groups={"mountain-26": ("山区26县", "26 mountainous counties"), "output-tier-1": ("一档县", "")},
    clusters={"smart-pv": ("智能光伏", "Smart PV")},
    industries={"traditional-mfg": ("重点传统制造业", "Key traditional manufacturing"), "C17": ("纺织业", "")},
    group_kinds={"mountain-26": "list", "output-tier-1": "threshold"},
)


def test_every_kind_of_scope_parses():
    assert scopes.parse("province") == Scope("province")
    assert scopes.parse("city:330400") == Scope("city", "330400")
    assert scopes.parse("cluster:smart-pv:core") == Scope("cluster", "smart-pv", "core")
    assert scopes.parse("sector:C17") == Scope("sector", "C17")
    assert scopes.parse("each_county") == Scope("each_county")
    assert scopes.parse("each_county:mountain-26").group_key == "group:mountain-26"
    assert str(scopes.parse("cluster:smart-pv:core")) == "cluster:smart-pv:core"


@pytest.mark.parametrize("text", ["", "town:1", "province:330000", "group:", "clusters:416x", "group:a:core"])
def test_a_malformed_scope_is_refused(text):
    with pytest.raises(ValueError):
        scopes.parse(text)


def test_an_unknown_slug_is_refused_naming_it():
    with pytest.raises(ValueError, match="mountian-26"):
        scopes.validate("group:mountian-26", CATALOG)
    with pytest.raises(ValueError, match="unknown industry"):
        scopes.validate("sector:C99", CATALOG)
    assert scopes.validate("each_county:mountain-26", CATALOG) == Scope("each_county", "mountain-26")


def test_people_read_names_never_slugs():
    assert scopes.label("group:mountain-26", CATALOG) == "山区26县"
    assert scopes.label("sector:traditional-mfg", CATALOG) == "重点传统制造业"
    assert scopes.label("cluster:smart-pv:coordination", CATALOG) == "智能光伏协同区"
    assert scopes.label("each_county:mountain-26", CATALOG) == "山区26县各县"
    assert scopes.label("group:mountain-26@2023-01-17", CATALOG) == "山区26县"
    assert scopes.label("sector:C17", CATALOG, english=True) == "纺织业"  # no English name: the Chinese one
    assert scopes.label("city:330400", CATALOG, english=True) == "Jiaxing"


def test_only_lists_are_dated_and_the_date_comes_back():
    day = datetime.date(2023, 1, 17)
    assert scopes.dated("group:mountain-26", day, CATALOG) == "group:mountain-26@2023-01-17"
    assert scopes.dated("each_county:mountain-26", day, CATALOG) == "each_county:mountain-26@2023-01-17"
    assert scopes.dated("cluster:smart-pv:core", day, CATALOG) == "cluster:smart-pv:core@2023-01-17"
    # a threshold group is recomputed from the data each year: no list, no date
    assert scopes.dated("each_county:output-tier-1", day, CATALOG) == "each_county:output-tier-1"
    assert scopes.dated("province", day, CATALOG) == "province"
    assert scopes.undated("group:mountain-26@2023-01-17") == ("group:mountain-26", day)
    assert scopes.undated("province") == ("province", None)


def test_the_choices_cover_every_kind_and_only_valid_scopes():
    offered = [key for _head, options in scopes.choices(CATALOG) for key, _name in options]
    assert {"province", "clusters:415x", "city:330400", "county:330326", "group:mountain-26", "cluster:smart-pv",
            "cluster:smart-pv:core", "sector:traditional-mfg", "each_county", "each_county:mountain-26"} <= set(offered)  # fmt: skip
    for key in offered:
        scopes.validate(key, CATALOG)
