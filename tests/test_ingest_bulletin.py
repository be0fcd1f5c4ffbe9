"""Statistical bulletins (indicators/ingest/bulletin.py, issue 14 item 5): the real quotes of
../shared/realdata/zj_county_industry_sample.csv, each against the value the file says it gives."""

from __future__ import annotations

import csv
import io
import re
import zipfile
from pathlib import Path

import pytest

from indicators.ingest import parse_upload
from tests.ingest_catalog import make_catalog

REALDATA = Path("/work/shared/realdata/zj_county_industry_sample.csv")
CATALOG = make_catalog()
YIWU = "330782"

# The sample's indicator names → catalog codes, for the rows whose indicator the catalog tracks.
CODES = {
    "规上工业总产值": "gross_output",
    "规上工业增加值": "value_added",
    "规上工业增加值增速": "value_added_growth",
    "规上工业全员劳动生产率": "labour_productivity",
    "规上工业亩均税收": "tax_per_mu",
}
# Rows the reader leaves out on purpose, and why (each is asserted below, not skipped).
NOT_READ = {
    "规上工业企业数": "the catalog has no enterprise count",
    "规上工业利税总额": "the catalog has no 利税总额",
    "规上数字经济核心制造业增加值": "not 制造业增加值: the words name another measure",
    "R&D占GDP比重": "a share of GDP, not the catalog's R&D / 营业收入",
    "集群营业收入": "a cluster's figure, not the county's",
    "集群规上营业收入": "a cluster's figure, not the county's",
    "规上工业亩均增加值": "the quote says 亩均工业增加 (no 值): 增加 is read as a change, never a level",
}


def bulletin(text: str, year: int = 2023, region: str | None = YIWU, name: str = "公报.txt"):
    return parse_upload(text.encode("utf-8"), name, CATALOG, year=year, region_code=region)


# Units whose quote gives no value to read: 永嘉 ">109.9" is a bound (and quoted in English); 平湖's quote is
# "平湖為1978億元", whose indicator is named in an earlier sentence of the source only.
NO_VALUE_UNITS = {"永嘉县", "平湖市"}
_GROWTH_IN_UNIT = re.compile(r"\(\+?(-?[0-9.]+)%\)")


def _sample_rows():
    """(unit, quote, indicator, expected value) for every row, 同上 resolved to the quote above it; a level whose
    unit column also gives its growth ("亿元 (+10.7%)") adds a 规上工业增加值增速 row."""
    rows, quote = [], ""
    with REALDATA.open(encoding="utf-8") as fh:
        for row in csv.DictReader(fh):
            quote = quote if row["quote"] == "同上" else row["quote"]
            rows.append((row["unit"], quote, row["indicator"], row["value"]))
            growth = _GROWTH_IN_UNIT.search(row["unit_of_measure"])
            if growth and row["indicator"] == "规上工业增加值":
                rows.append((row["unit"], quote, "规上工业增加值增速", growth.group(1)))
    return rows


SAMPLE = _sample_rows() if REALDATA.exists() else []


@pytest.mark.skipif(not SAMPLE, reason="the shared real data is not on this machine")
@pytest.mark.parametrize(
    ("unit", "quote", "indicator", "expected"), SAMPLE, ids=[f"{i}-{r[0]}" for i, r in enumerate(SAMPLE)]
)
def test_every_real_quote_gives_its_value_or_nothing_that_could_be_mistaken_for_it(unit, quote, indicator, expected):
    result = bulletin(quote)
    read = {v.indicator_code: v.value for v in result.values}
    if unit in NO_VALUE_UNITS:
        assert read == {}
    elif indicator in CODES:
        assert read[CODES[indicator]] == float(expected)
        assert all(v.quote == quote for v in result.values)  # the sentence travels with the value
    elif indicator in NOT_READ:
        # the levels of the indicators this row is not: nothing read except what another row of the sample expects
        expected_elsewhere = {CODES[i] for _, q, i, _ in SAMPLE if q == quote and i in CODES}
        assert set(read) <= expected_elsewhere
    else:
        pytest.fail(f"a sample row this test does not know: {indicator}")


def test_level_and_comparable_price_growth_from_one_sentence():
    result = bulletin("规模以上工业增加值31.25亿元，比上年增长8.1%。")
    assert result.accepted and result.shape == "bulletin"
    assert [(v.indicator_code, v.year, v.value, v.region_code) for v in result.values] == [
        ("value_added", 2023, 31.25, YIWU),
        ("value_added_growth", 2023, 8.1, YIWU),
    ]
    assert [(v.sheet, v.cell) for v in result.values] == [("公报", "第1句"), ("公报", "第1句")]


def test_a_fall_is_a_negative_growth_and_a_growth_without_series_is_not_a_level():
    result = bulletin("规上工业增加值20亿元，下降3.5%。规上工业总产值80亿元，增长4.2%。")
    assert {(v.indicator_code, v.value) for v in result.values} == {
        ("value_added", 20.0),
        ("value_added_growth", -3.5),
        ("gross_output", 80.0),
    }
    assert any("规模以上工业总产值" in w.message and "未导入" in w.message for w in result.warnings)


def test_all_industry_and_above_size_stay_apart():
    # 全部工业增加值 is its own indicator; a bare 工业增加值 without 规模以上 before it is read as neither
    result = bulletin("全部工业增加值1500亿元。工业增加值1400亿元。规模以上工业增加值1200亿元。")
    assert [(v.indicator_code, v.value) for v in result.values] == [
        ("industrial_value_added_all", 1500.0),
        ("value_added", 1200.0),
    ]
    assert [w.cell for w in result.warnings] == ["第2句"]


def test_shares_changes_bounds_and_ranks_are_never_levels():
    text = (
        "高新技术产业增加值占规上工业比重67.1%。"  # a share whose words are not a catalog % indicator
        "规上工业增加值比上年增加12亿元。"  # a change
        "规上工业营业收入突破100亿元。"  # a bound
        "规上工业总产值约300亿元。"  # an approximation
        "亩均税收居全省第7位。"  # a rank, no unit
        "高新技术产业增加值占比55.2%。"  # a share the catalog has (a reported ratio): read
    )
    result = bulletin(text)
    assert [(v.indicator_code, v.value) for v in result.values] == [("hightech_share", 55.2)]


def test_a_reported_ratio_takes_the_per_unit_the_sentence_leaves_out():
    # 亩均税收 40.0 万元 means 万元/亩, the derived indicator's unit: stored as written, no conversion
    result = bulletin("规上工业亩均税收40.0万元，增长0.3%。")
    assert [(v.indicator_code, v.value, v.raw_unit) for v in result.values] == [("tax_per_mu", 40.0, "万元/亩")]


def test_a_bulletin_needs_a_region_and_a_year():
    result = bulletin("规模以上工业增加值31.25亿元。", region=None)
    assert not result.accepted
    assert [str(e) for e in result.errors] == ["统计公报（文字）须在上传时选择地区和年份"]


def test_text_with_no_figure_is_refused_with_an_example():
    result = bulletin("全年工业经济运行平稳。规上工业企业数量持续增加。")
    assert not result.accepted  # no number with a unit: not a bulletin either
    assert result.values == []


def _docx(paragraphs: list[str], doctype: str = "") -> bytes:
    ns = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
    body = "".join(f"<w:p><w:r><w:t>{p}</w:t></w:r></w:p>" for p in paragraphs)
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        zf.writestr("[Content_Types].xml", '<?xml version="1.0"?><Types/>')
        zf.writestr(
            "word/document.xml",
            f'<?xml version="1.0"?>{doctype}<w:document xmlns:w="{ns}"><w:body>{body}</w:body></w:document>',
        )
    return buf.getvalue()


def test_a_word_bulletin_is_read_by_paragraph():
    data = _docx(
        ["2023年义乌市国民经济和社会发展统计公报", "義烏實現規上工業産值1661億元,規上工業增加值265.3億元,同比增長6.8%"]
    )
    result = parse_upload(data, "公报.docx", CATALOG, year=2023, region_code=YIWU)
    assert {(v.indicator_code, v.value, v.cell) for v in result.values} == {
        ("gross_output", 1661.0, "第2句"),
        ("value_added", 265.3, "第2句"),
        ("value_added_growth", 6.8, "第2句"),
    }


def test_a_word_file_with_a_doctype_is_refused():
    data = _docx(["规模以上工业增加值31.25亿元"], doctype='<!DOCTYPE x [<!ENTITY a "b">]>')
    result = parse_upload(data, "公报.docx", CATALOG, year=2023, region_code=YIWU)
    assert [str(e) for e in result.errors] == ["文件包含不允许的 XML 声明（DOCTYPE），已拒绝"]


def test_another_countys_bulletin_is_refused_for_a_county_upload():
    # the county chosen is the region: a bulletin cannot name another; the region check still applies
    result = parse_upload("规模以上工业增加值31.25亿元。".encode(), "x.txt", CATALOG, year=2023, region_code="331127")
    assert [v.region_code for v in result.values] == ["331127"]


def test_a_csv_table_is_still_a_table():
    text = "地区,指标,计量单位,年份,数值\n义乌市,规模以上工业增加值,亿元,2023,512.3\n"
    result = parse_upload(text.encode(), "t.csv", CATALOG)
    assert result.shape == "csv" and [v.value for v in result.values] == [512.3]
