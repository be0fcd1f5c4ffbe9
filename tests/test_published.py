"""Published figures (issue #14 items 3, 4, 8): the real yearbook tables import through import_stats and every
catalog value they hold is stored exactly; bootstrap --published records each source; the demo never stands
in for a published value; split-off units' earlier years are a back-series the engine's sums leave out."""

import io
import json
from pathlib import Path

import pytest
from django.core.management import call_command
from openpyxl import Workbook, load_workbook

from indicators.models import Indicator, Observation, Region, Upload
from indicators.published import YEARBOOK_TABLES, published_load
from indicators.services import import_file, system_user
from targets.selectors import observations_frame

REAL = Path("/work/shared/realdata")
PUBLISHED = Path(__file__).resolve().parent.parent / "fixtures" / "published"
pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def upload_root(settings, tmp_path):
    settings.UPLOAD_ROOT = tmp_path / "uploads"


@pytest.fixture
def all_industry():
    """全部工业增加值 (issue #13 adds it to the catalog; created here when the catalog does not have it yet)."""
    indicator = Indicator.objects.filter(name="全部工业增加值").first()
    return indicator or Indicator.objects.create(code="industrial_value_added_all", name="全部工业增加值", unit="亿元")


def run(*args):
    out = io.StringIO()
    try:
        call_command("import_stats", *args, stdout=out, stderr=io.StringIO())
        code = 0
    except SystemExit as exc:
        code = exc.code
    return code, [json.loads(line) for line in out.getvalue().splitlines() if line.startswith("{")]


def real(name):
    path = REAL / name
    return path if path.exists() else PUBLISHED / name  # the copy shipped in fixtures/published


def region_code(name):
    """The county a yearbook row names, looked up by hand: the yearbook writes official names, except 景宁县."""
    official = {"景宁县": "景宁畲族自治县"}.get(name, name)
    return Region.objects.get(name=official, valid_to__isnull=True).code


def expected_from_xlsx(name, columns):
    """{(region code, indicator code): value} read with openpyxl from the data rows (4 onwards, column A named
    a county) at the given column letters: an independent reading of the file."""
    ws = load_workbook(real(name), data_only=True).active
    out = {}
    for row in range(4, ws.max_row + 1):
        label = ws[f"A{row}"].value
        if not isinstance(label, str) or label.startswith("注"):
            continue
        for letter, indicator in columns.items():
            value = ws[f"{letter}{row}"].value
            if isinstance(value, int | float):
                out[(region_code(label), indicator)] = float(value)
    return out


def stored(upload_id):
    rows = Observation.objects.filter(upload_id=upload_id).values_list("region__code", "indicator__code", "value")
    return {(r, i): v for r, i, v in rows}


def test_the_three_real_tables_import_with_skip_unknown_and_every_catalog_value_is_stored_exactly(all_industry):
    f25, f26, f35 = (real(name) for name, _ in YEARBOOK_TABLES)
    code, reports = run(str(f25), str(f26), str(f35), "--skip-unknown", "--approve", "--json")
    assert code == 0, reports
    r25, r26, r35 = reports
    # 表17-25: C 年末常住人口, D 生产总值, H 生产总值/工业 (全部工业增加值); 90 counties, every cell filled
    expected = expected_from_xlsx(f25.name, {"C": "resident_population", "D": "gdp", "H": all_industry.code})
    assert len(expected) == 270  # 90 counties × 3 columns
    assert stored(r25["upload_id"]) == expected  # == on floats: exactly the number printed in the yearbook
    assert r25["created"] == 270
    assert "生产总值/第一产业" in r25["skipped_columns"] and "人均生产总值" in r25["skipped_columns"]
    # 表17-26: B 常住人口 holds the same 90 figures as 17-25's column C, so nothing new is written
    expected26 = expected_from_xlsx(f26.name, {"B": "resident_population"})
    assert len(expected26) == 90
    assert r26["accepted"] and r26["unchanged"] == 90 and r26["created"] == 0
    approved = Observation.objects.filter(indicator__code="resident_population", year=2024, status="approved")
    assert {(o.region.code, o.indicator.code): o.value for o in approved} == expected26
    assert r26["skipped_columns"] == ["常住人口/城镇常住人口", "户籍人口", "总户数"]
    # 表17-35 has no catalog indicator: read, every column listed, nothing written
    assert r35["accepted"] and r35["created"] == 0 and r35["upload_id"] is None
    assert "全年用电量/工业用电" in r35["skipped_columns"] and len(r35["skipped_columns"]) == 9
    assert all(set(r) >= {"skipped_columns", "mapped_columns", "skipped_rows", "notes"} for r in reports)


def test_without_skip_unknown_the_real_table_is_refused_naming_each_unknown_column():
    before = Observation.objects.count()
    code, (report,) = run(str(real("ZJ_yearbook2025_17-26_2024.xlsx")), "--json")
    assert code == 1
    assert [e["message"] for e in report["errors"]] == [
        '未知指标 "常住人口/城镇常住人口"',
        '未知指标 "户籍人口"',
        '未知指标 "总户数"',
    ]
    assert Observation.objects.count() == before


def rollup_file(tmp_path, year, rows, header=("地区", "规上工业增加值（亿元）", "户籍人口（万人）")):
    wb = Workbook()
    ws = wb.active
    ws.title = f"{year}年"
    ws.append(list(header))
    for row in rows:
        ws.append(list(row))
    path = tmp_path / f"roll{year}.xlsx"
    wb.save(path)
    return path


def test_map_reads_a_column_as_the_named_indicator_and_the_json_says_so(tmp_path):
    path = rollup_file(tmp_path, 2023, [("义乌市", 512.3, 85.1)])
    code, (report,) = run(str(path), "--map", "户籍人口=常住人口", "--json")
    assert code == 0, report["errors"]
    assert report["mapped_columns"] == {"户籍人口": "常住人口"}
    assert (
        Observation.objects.get(region__code="330782", indicator__code="resident_population", year=2023).value == 85.1
    )
    code, _ = run(str(path), "--map", "户籍人口")  # no "=": a usage error
    assert code == 2


def test_bootstrap_published_records_each_source_and_a_second_run_writes_nothing():
    out = io.StringIO()
    call_command("bootstrap", "--published", stdout=out)
    assert "published:" in out.getvalue()
    published = Upload.objects.filter(source=Upload.Source.PUBLISHED)
    yearbook = published.get(original_name="ZJ_yearbook2025_17-25_counties_2024.xlsx")
    assert yearbook.source_title == "浙江统计年鉴2025 表17-25 各市、县国民经济主要指标（2024年）"
    assert yearbook.source_url
    gdp = Observation.objects.get(region__code="330000", indicator__code="gdp", year=2024, status="approved")
    assert gdp.value == 90131.0
    assert gdp.upload.source_url == "https://chujupifa.com/read/-dy-article-JPJ4AAFR0514CMDQ.html"
    # a reported ratio is an observation of the derived indicator
    tax = Observation.objects.get(region__code="330000", indicator__code="tax_per_mu", year=2021)
    assert tax.value == 28.1 and tax.upload.source_url == "http://www.zjjzx.cn/zx/2022/0328/25174.html"
    count = Observation.objects.count()
    assert sum(r["created"] + r["updated"] for r in published_load()) == 0
    assert Observation.objects.count() == count


def test_a_demo_upload_skips_keys_that_hold_a_published_value(tmp_path):
    published_load()
    path = rollup_file(tmp_path, 2024, [("萧山区", 2400.0)], header=("地区", "地区生产总值（亿元）"))
    data = path.read_bytes()
    report = import_file(data=data, filename="demo.xlsx", user=system_user(), approve=True, source="demo")
    assert report["accepted"] and report["created"] == 0
    xiaoshan = Observation.objects.get(region__code="330109", indicator__code="gdp", year=2024, is_current=True)
    assert xiaoshan.value == 2431.65 and xiaoshan.upload.source == Upload.Source.PUBLISHED
    # a key without a published value is written as usual
    path = rollup_file(tmp_path, 2024, [("萧山区", 5.0)], header=("地区", "规上工业增加值（亿元）"))
    report = import_file(data=path.read_bytes(), filename="d.xlsx", user=system_user(), approve=True, source="demo")
    assert report["created"] == 1


def test_back_series_are_stored_flagged_and_left_out_of_the_engines_sums(tmp_path):
    path = rollup_file(tmp_path, 2015, [("临平区", 400, None), ("余杭区", 900, None)])
    code, (report,) = run(str(path), "--approve", "--json")
    assert code == 0, report["errors"]
    linping = Observation.objects.get(region__code="330113", year=2015)
    assert linping.back_series is True and linping.value == 400.0
    assert Observation.objects.get(region__code="330110", year=2015).back_series is False
    frame = observations_frame()
    rows = frame[(frame["year"] == 2015) & (frame["indicator_code"] == "value_added")]
    # 余杭区's 2015 figure already holds 临平区's area: the back-series row names 临平区's own scope, so it is in
    # that unit's series only and never in a sum (a row without a scope would count it twice)
    scopes = dict(zip(rows["region_code"], rows["scope"].fillna(""), strict=True))
    assert scopes == {"330110": "", "330113": "county:330113"}


def test_the_upload_page_of_a_published_figure_names_its_source(client):
    from tests.test_access import make_user

    published_load()
    client.force_login(make_user("prov", "province"))
    gdp = Observation.objects.get(region__code="330000", indicator__code="gdp", year=2024)
    page = client.get(f"/upload/{gdp.upload_id}/").content.decode()
    assert "公开数据" in page and "2024年浙江省国民经济和社会发展统计公报（转载）" in page
    assert 'href="https://chujupifa.com/read/-dy-article-JPJ4AAFR0514CMDQ.html"' in page


def test_the_published_core_area_figures_are_stored_under_their_cluster_with_their_source():
    published_load()
    keqiao = Observation.objects.get(region__code="330603", indicator__code="revenue", cluster="textiles-apparel")
    assert (keqiao.year, keqiao.value) == (2023, 1243.0)
    assert keqiao.upload.source_url == "http://www.handmsg.com/page/2024/0610/24176984.shtml"
    assert "未注明规上" in keqiao.note  # the report says 营收; what it leaves open is kept beside the value
    songyang = Observation.objects.get(region__code="331124", cluster="advanced-materials")
    assert songyang.value == 144.5 and songyang.upload.source == Upload.Source.PUBLISHED
    # the cluster's figure, not the county's: no county revenue is written
    assert not Observation.objects.filter(region__code__in=["330603", "331124"], indicator__code="revenue", cluster="")
