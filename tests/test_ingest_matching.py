"""Matching headers to indicators and names/codes to regions by year (indicators/ingest/catalog.py)."""

import pytest

from indicators.ingest import IndicatorSpec, IngestCatalog, RegionSpec
from indicators.ingest.catalog import CatalogIndex, norm_indicator
from tests.ingest_catalog import make_catalog

INDEX = CatalogIndex(make_catalog())


def code_of(text):
    match, err = INDEX.match_indicator(text)
    return match.spec.code if match else err


@pytest.mark.parametrize(
    ("header", "code"),
    [
        ("规模以上工业增加值", "value_added"),
        ("规上工业增加值", "value_added"),
        ("规 上 工 业\u3000增加值", "value_added"),  # spaces, full-width space
        ("规上工业增加值（亿元）", "value_added"),  # trailing unit in full-width brackets
        ("规上工业增加值\n(亿元)", "value_added"),
        ("规模以上工业营业收入", "revenue"),
        ("主营业务收入", "revenue"),
        ("规模以上工业企业研究与试验发展（R&D）经费支出（亿元）", "rd_expenditure"),
        ("r&d经费支出", "rd_expenditure"),
        ("规模以上工业增加值增速（可比价）", "value_added_growth"),  # brackets that are not a unit stay
        ("规模以上工业增加值增速(可比价)(%)", "value_added_growth"),
        ("规上工业增加值增速（%）", "value_added_growth"),
        ("其中：高新技术产业增加值", "hightech_value_added"),
        ("（一）规上工业总产值", "gross_output"),
        ("1.新产品产值", "new_product_output"),
        ("规模以上工业企业利润总额", "profit"),  # 规模以上工业企业 ≡ 规模以上工业
        ("value_added", "value_added"),  # an indicator code
        ("【工业投资】", "industrial_investment"),
        ("高新技术企业数（家）", "hightech_enterprises"),
    ],
)
def test_it_matches_indicator_headers(header, code):
    assert code_of(header) == code


def test_it_returns_the_unit_written_in_the_header():
    match, _ = INDEX.match_indicator("规上工业增加值（万元）")
    assert match.unit == "万元"
    match, _ = INDEX.match_indicator("规模以上工业增加值增速（可比价）")
    assert match.unit is None


def test_unknown_headers_do_not_match():
    assert INDEX.match_indicator("出口交货值") == (None, None)
    assert INDEX.match_indicator("") == (None, None)


def test_alias_with_a_last_valid_year_is_reported():
    match, _ = INDEX.match_indicator("主营业务收入")
    assert (match.spec.code, match.alias, match.alias_until) == ("revenue", "主营业务收入", 2018)
    match, _ = INDEX.match_indicator("营业收入")
    assert match.alias_until is None


def test_an_alias_shared_by_two_indicators_is_ambiguous():
    catalog = IngestCatalog(
        [
            IndicatorSpec("a", "甲指标", "亿元", aliases=("产值",)),
            IndicatorSpec("b", "乙指标", "亿元", aliases=("产值",)),
        ],
        [],
        2025,
    )
    assert CatalogIndex(catalog).match_indicator("产值") == (None, "有歧义，可能是：甲指标、乙指标")


def test_normalisation_expands_gui_shang():
    assert norm_indicator("规上工业（增加值）") == "规模以上工业(增加值)"


@pytest.mark.parametrize(
    ("text", "year", "code"),
    [
        ("义乌", 2023, "330782"),
        ("义乌市", 2023, "330782"),
        ("景宁", 2023, "331127"),
        ("景宁县", 2023, "331127"),
        ("景宁畲族自治县", 2023, "331127"),
        ("\u3000\u3000景宁畲族自治县", 2023, "331127"),
        ("330782", 2023, "330782"),
        (330782, 2023, "330782"),
        (330782.0, 2023, "330782"),
        ("330782000000", 2023, "330782"),
        ("全省", 2023, "330000"),
        ("浙江省", 2023, "330000"),
        ("杭州市", 2023, "330100"),
        ("杭州", 2023, "330100"),
        ("萧山", 2023, "330109"),
        ("绍兴", 2023, "330600"),
        ("绍兴县", 2012, "330621"),
        ("柯桥区", 2013, "330603"),
    ],
)
def test_it_resolves_region_names_and_codes(text, year, code):
    res = INDEX.resolve_region(text, year)
    assert (res.code, res.warning, res.error) == (code, None, None)


def test_a_renamed_county_after_its_end_goes_to_its_successor():
    res = INDEX.resolve_region("绍兴县", 2015)
    assert res.code == "330603"
    assert res.warning == '地区 "绍兴县" 有效期至 2012 年，2015 年数据记入其后继地区 "柯桥区"（330603）'


def test_a_new_county_before_it_existed_goes_to_its_predecessor():
    res = INDEX.resolve_region("柯桥区", 2011)
    assert res.code == "330621"
    assert res.warning == '地区 "柯桥区" 自 2013 年起设立，2011 年数据记入其前身 "绍兴县"（330621）'


def test_a_new_region_without_predecessor_is_an_error_before_it_existed():
    catalog = IngestCatalog([], [RegionSpec("330112", "临安区", "临安", "county", valid_from=2017)], 2025)
    res = CatalogIndex(catalog).resolve_region("临安区", 2010)
    assert res.error == '地区 "临安区" 在 2010 年尚未设立（自 2017 年起有效）'


def test_unknown_region():
    assert INDEX.resolve_region("杭州湾新区", 2023).error == '未知地区 "杭州湾新区"'


def test_a_short_name_shared_by_two_regions_is_ambiguous():
    catalog = IngestCatalog(
        [],
        [RegionSpec("1", "甲县", "同名", "county"), RegionSpec("2", "乙县", "同名", "county")],
        2025,
    )
    assert CatalogIndex(catalog).resolve_region("同名", 2020).error == (
        '地区 "同名" 有歧义，可能是：甲县（1）、乙县（2），请写全称或地区代码'
    )


def test_lineage_covers_predecessors_and_successors():
    assert INDEX.lineage("330603") == {"330603", "330621"}
    assert INDEX.lineage("330621") == {"330603", "330621"}
    assert INDEX.lineage("331127") == {"331127"}


def test_it_finds_the_most_specific_region_in_a_title():
    assert INDEX.regions_in_text("景宁畲族自治县主要工业指标") == ["景宁畲族自治县"]
    assert INDEX.regions_in_text("浙江省丽水市景宁县2023年工业") == ["景宁县"]
    assert INDEX.regions_in_text("2023年主要指标") == []
