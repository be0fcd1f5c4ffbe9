"""The optional 行业 column of the table shapes (template, roll-up, CSV long table): an Industry code, its name
or a set name; empty = the region's whole economy; an unknown industry is an error naming the cell."""

from __future__ import annotations

from dataclasses import replace

from indicators.catalog import CATALOG_DIR, _load_yaml, industry_specs
from indicators.ingest import IndustrySpec, parse_upload
from tests.ingest_catalog import make_catalog, xlsx

# the real catalog file, as the Django side would load it
CATALOG = replace(
    make_catalog(),
    industries=[
        IndustrySpec(s["code"], s["name"]) for s in industry_specs(_load_yaml(CATALOG_DIR / "industries.yaml"))
    ],
)
HEADER = ["地区代码", "地区", "行业", "指标", "计量单位", "年份", "数值"]


def parse(data, filename="upload.xlsx", **kwargs):
    return parse_upload(data, filename, CATALOG, **kwargs)


def rows(result):
    return {(v.region_code, v.industry, v.indicator_code, v.year, v.value) for v in result.values}


def test_a_template_row_names_its_industry_by_code_name_or_set_name():
    # 柯桥区 2023, 规上工业增加值 by industry as a county bureau would file it; the last row has no 行业
    data = xlsx(
        [
            HEADER,
            ["330603", "柯桥区", "C17", "规上工业增加值", "亿元", 2023, 402.6],
            ["330603", "柯桥区", "化学纤维制造业", "规上工业增加值", "亿元", 2023, 61.3],
            ["330603", "柯桥区", "重点传统制造业", "规上工业增加值", "亿元", 2023, 520.8],
            ["330603", "柯桥区", "c18", "规上工业增加值", "万元", 2023, 255000],
            ["330603", "柯桥区", None, "规上工业增加值", "亿元", 2023, 688.4],
        ],
        "填报",
    )
    r = parse(data)
    assert r.errors == []
    assert rows(r) == {
        ("330603", "C17", "value_added", 2023, 402.6),
        ("330603", "C28", "value_added", 2023, 61.3),
        ("330603", "traditional-mfg", "value_added", 2023, 520.8),
        ("330603", "C18", "value_added", 2023, 25.5),  # 255000 万元 = 25.5 亿元; the code read case-blind
        ("330603", "", "value_added", 2023, 688.4),
    }


def test_an_unknown_industry_rejects_the_file_and_names_the_cell():
    data = xlsx(
        [
            HEADER,
            ["330603", "柯桥区", "C17", "规上工业增加值", "亿元", 2023, 402.6],
            ["330603", "柯桥区", "纺织", "规上工业增加值", "亿元", 2023, 61.3],  # seed 002's short word, not a name
        ],
        "填报",
    )
    r = parse(data)
    assert not r.accepted and r.values == []
    assert [str(e) for e in r.errors] == ['填报!C3: 未知行业 "纺织"（应填行业代码如 C17、行业名称或行业组合名称）']


def test_the_same_region_indicator_and_year_in_two_industries_is_not_a_duplicate():
    data = xlsx(
        [
            HEADER,
            ["330603", "柯桥区", "C17", "规上工业增加值", "亿元", 2023, 402.6],
            ["330603", "柯桥区", "C18", "规上工业增加值", "亿元", 2023, 25.5],
            ["330603", "柯桥区", "纺织业", "规上工业增加值", "亿元", 2023, 400.0],  # C17 again, another value
        ],
        "填报",
    )
    r = parse(data)
    assert [str(e) for e in r.errors] == [
        "填报!G4: 柯桥区 纺织业 规模以上工业增加值 2023年 重复出现且数值不同：G2 为 402.6 亿元，此处为 400 亿元"
    ]


def test_a_rollup_carries_a_column_of_industries():
    # regions as rows, indicators as columns, one row per county and industry (a 分行业 roll-up)
    data = xlsx(
        [
            ["2023年各县（市、区）分行业主要工业指标"],
            ["地区", "行业", "规上工业增加值（亿元）", "规上工业总产值（亿元）"],
            ["柯桥区", "纺织业", 402.6, 1630.2],
            ["柯桥区", "C26", 88.1, 402.0],
            ["海宁市", "纺织业", 71.9, 310.5],
            ["海宁市", None, 1107.3, 4360.0],
        ]
    )
    r = parse(data)
    assert r.errors == [] and r.shape == "rollup"
    assert rows(r) == {
        ("330603", "C17", "value_added", 2023, 402.6),
        ("330603", "C17", "gross_output", 2023, 1630.2),
        ("330603", "C26", "value_added", 2023, 88.1),
        ("330603", "C26", "gross_output", 2023, 402.0),
        ("330481", "C17", "value_added", 2023, 71.9),
        ("330481", "C17", "gross_output", 2023, 310.5),
        ("330481", "", "value_added", 2023, 1107.3),
        ("330481", "", "gross_output", 2023, 4360.0),
    }


def test_a_rollup_with_an_unknown_industry_names_the_cell():
    data = xlsx([["地区", "行业", "规上工业增加值（亿元）"], ["柯桥区", "C99", 402.6]], "2023年")
    r = parse(data)
    assert [str(e) for e in r.errors] == ['2023年!B2: 未知行业 "C99"（应填行业代码如 C17、行业名称或行业组合名称）']


def test_a_csv_long_table_carries_industries():
    text = "地区代码,地区,行业,指标,计量单位,年份,数值\n330481,海宁市,装备制造业,规上工业增加值,亿元,2022,301.4\n"
    r = parse(text.encode("utf-8"), "long.csv")
    assert r.errors == [] and r.shape == "csv"
    assert rows(r) == {("330481", "equipment-mfg", "value_added", 2022, 301.4)}


def test_a_file_without_the_column_is_the_whole_economy():
    data = xlsx(
        [
            ["地区代码", "地区", "指标", "计量单位", "年份", "数值"],
            ["330481", "海宁市", "规上工业增加值", "亿元", 2022, 1001.0],
        ]
    )
    assert rows(parse(data)) == {("330481", "", "value_added", 2022, 1001.0)}
