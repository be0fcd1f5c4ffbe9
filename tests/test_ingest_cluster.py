"""The optional 集群 column of the table shapes: a 415X cluster's own figure in a county (its core-area series,
柯桥区 现代纺织与服装集群 营收1243亿元); the cell names the cluster by name or slug; empty = the county's own figure;
an unknown cluster is an error naming the cell and nothing is read."""

from __future__ import annotations

from dataclasses import replace

from indicators.ingest import parse_upload
from tests.ingest_catalog import make_catalog, xlsx

CATALOG = replace(make_catalog(), clusters={"textiles-apparel": "现代纺织与服装", "new-materials": "高端新材料"})
HEADER = ["地区代码", "地区", "集群", "指标", "计量单位", "年份", "数值"]


def parse(data, filename="upload.xlsx"):
    return parse_upload(data, filename, CATALOG)


def rows(result):
    return {(v.region_code, v.cluster, v.indicator_code, v.year, v.value) for v in result.values}


def test_a_template_row_names_its_cluster_by_name_or_slug():
    data = xlsx(
        [
            HEADER,
            ["330603", "柯桥区", "现代纺织与服装", "规上工业营业收入", "亿元", 2023, 1243],
            ["330603", "柯桥区", "textiles-apparel", "规上工业增加值", "亿元", 2023, 250.5],
            ["330603", "柯桥区", None, "规上工业营业收入", "亿元", 2023, 3100],  # the county's own figure
        ],
        "填报",
    )
    r = parse(data)
    assert r.errors == []
    assert rows(r) == {
        ("330603", "textiles-apparel", "revenue", 2023, 1243.0),
        ("330603", "textiles-apparel", "value_added", 2023, 250.5),
        ("330603", "", "revenue", 2023, 3100.0),  # same region, indicator and year: another key, no duplicate
    }


def test_an_unknown_cluster_rejects_the_file_and_names_the_cell():
    data = xlsx(
        [
            HEADER,
            ["330603", "柯桥区", "现代纺织与服装", "规上工业营业收入", "亿元", 2023, 1243],
            ["330603", "柯桥区", "纺织集群", "规上工业营业收入", "亿元", 2023, 1200],
        ],
        "填报",
    )
    r = parse(data)
    assert not r.accepted and r.values == []
    assert [str(e) for e in r.errors] == ['填报!C3: 未知集群 "纺织集群"（应填“415X”集群名称，如 现代纺织与服装）']


def test_a_rollup_carries_a_column_of_clusters():
    data = xlsx(
        [
            ["2023年省级特色产业集群核心区主要指标"],
            ["地区", "集群", "规上工业营业收入（亿元）"],
            ["柯桥区", "现代纺织与服装", 1243],
            ["海宁市", "高端新材料", 144.5],  # a made-up row: the test catalog has no 松阳县
        ]
    )
    r = parse(data)
    assert r.errors == [] and r.shape == "rollup"
    assert rows(r) == {
        ("330603", "textiles-apparel", "revenue", 2023, 1243.0),
        ("330481", "new-materials", "revenue", 2023, 144.5),
    }


def test_a_csv_long_table_carries_clusters():
    text = "地区代码,地区,集群,指标,计量单位,年份,数值\n330481,海宁市,高端新材料,规上工业营业收入,万元,2023,1445000\n"
    r = parse(text.encode("utf-8"), "long.csv")
    assert r.errors == [] and r.shape == "csv"
    assert rows(r) == {("330481", "new-materials", "revenue", 2023, 144.5)}  # 1445000 万元 = 144.5 亿元
