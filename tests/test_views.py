"""Dashboard pages: they answer, show what they promise, take bounded inputs, and read the database a fixed
number of times whatever the number of counties."""

import csv
import datetime
import io
import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from tests.factories import observe

pytestmark = pytest.mark.django_db

PAGES = [
    "/",
    "/county/330782/",
    "/cluster/smart-pv/",
    "/cluster/new-gen-it/",
    "/document/zj-2023-415x/",
    "/indicator/value_added/",
    "/indicators/",
    "/documents/",
    "/clusters/",
    "/city/330700/",
    "/group/mountain-26/",
    "/clusters/race/",
]


@pytest.fixture
def some_data():
    rows = []
    for code, size in [("330782", 500.0), ("331127", 20.0), ("330109", 900.0), ("331125", 15.0)]:
        for year in (2022, 2023, 2024):
            grow = 1.08 ** (year - 2022)
            rows += [
                (code, "value_added", year, size * grow),
                (code, "industrial_tax", year, size * 0.2 * grow),
                (code, "industrial_land", year, size * 60),
                (code, "employees", year, size / 25),
            ]
    return observe(rows)


COLD_PAGES = [*PAGES, "/cluster/smart-pv/?role=core", "/audit/"]


def counties_with_data(codes):
    """Four years of the base figures behind the overview's key targets for each county."""
    return observe(
        [
            (code, indicator, year, size * 1.08 ** (year - 2021))
            for n, code in enumerate(codes)
            for year in (2021, 2022, 2023, 2024)
            for indicator, size in (("value_added", 100.0 + n), ("industrial_tax", 20.0), ("industrial_land", 6000.0),
                                    ("employees", 4.0 + n / 10))
        ]
    )  # fmt: skip


def cold_queries(client, url):
    """The queries of one request in a fresh process: an empty cache and no gap table kept in memory."""
    from django.core.cache import cache

    from targets import reports

    cache.clear()
    reports._memo.update(version=None, tables={})
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200, url
    return [q["sql"] for q in queries]


@pytest.mark.parametrize("url", COLD_PAGES)
def test_every_dashboard_page_answers_cold_in_at_most_12_queries_whatever_the_number_of_counties(url, admin_client):
    from indicators.models import Region

    codes = list(Region.objects.filter(level="county", valid_to__isnull=True).values_list("code", flat=True))
    counties_with_data(codes[:30])
    with_30 = cold_queries(admin_client, url)
    counties_with_data(codes[30:])
    with_90 = cold_queries(admin_client, url)
    assert len(with_30) <= 12, "\n".join(with_30)
    assert len(with_90) == len(with_30)


def test_healthz_answers_ok_without_touching_the_database(client, django_assert_num_queries):
    with django_assert_num_queries(0):
        response = client.get("/healthz")
    assert response.status_code == 200
    assert response.content == b"ok"


def test_the_overview_links_to_county_cluster_document_and_indicator_pages(admin_client, some_data):
    html = admin_client.get("/").content.decode()
    assert reverse("targets:county", args=["330782"]) in html
    assert reverse("targets:document", args=["zj-2023-415x"]) in html
    assert "/cluster/" in html and "/indicator/" in html


def test_the_heatmap_lists_every_county_and_filters_by_city(admin_client, some_data):
    html = admin_client.get("/").content.decode()
    assert html.count('href="/county/') >= 90
    lishui = admin_client.get("/", {"city": _city_pk("331100")}).content.decode()
    assert "景宁畲族自治县" in lishui and "义乌市" not in lishui.split("zj-heatmap")[1]


def _city_pk(code):
    from indicators.models import Region

    return Region.objects.get(code=code).pk


def test_the_heatmap_exports_as_csv(admin_client, some_data):
    response = admin_client.get("/", {"_export": "csv"})
    assert response.status_code == 200
    assert response.content.startswith("\ufeff县（市、区）".encode())  # the BOM Excel on Chinese Windows needs
    data, notes = response.content.decode("utf-8-sig").split("\r\n\r\n")
    assert len(data.splitlines()) == 1 + 90  # header and one row per county; the notes follow a blank line
    assert "（万元/亩）" in data.splitlines()[0]  # units in the headers
    assert "数据截至 2024 年，4/90 县已报送" in notes and "生成时间" in notes


def test_the_county_page_shows_its_values_with_units_and_status_labels(admin_client, some_data):
    html = admin_client.get("/county/331127/?year=2024").content.decode()
    assert "景宁畲族自治县" in html
    assert "万元/亩" in html
    assert "zj-badge status-" in html
    assert "示例数据" not in html  # no demo upload here


def test_the_document_page_marks_every_excerpt_in_the_full_text(admin_client):
    from targets.models import Target

    html = admin_client.get("/document/jx-2009-industrial-upgrade/").content.decode()
    for target in Target.objects.filter(document__code="jx-2009-industrial-upgrade"):
        assert f'id="t-{target.pk}"' in html


def test_the_document_page_marks_restatements_and_says_which_years_were_inferred(admin_client):
    from targets.models import Target

    html = admin_client.get("/document/zj-2023-415x/").content.decode()
    world_class = Target.objects.get(document__code="zj-2023-415x", seq=11)
    assert html.count(f'id="t-{world_class.pk}"') == 1
    assert f'title="#{world_class.pk}">培育世界一流企业 15 家左右</mark>' in html
    assert "同一目标另见原文：“培育世界一流企业 15 家左右”" in html
    # 76 of the plan's targets take 2027 as the plan end (see test_catalog); each row says so once.
    assert html.count('class="text-muted zj-year-inferred"') == 76
    assert "年份按规划期末推定" in html


def test_a_target_card_says_when_its_year_was_taken_as_the_plan_end(admin_client):
    # 制造业投资占固定资产投资比例达到 20% (415X plan, 二、(二)): no year in the sentence, 2027 inferred.
    observe([("330782", "manufacturing_investment", y, 30.0) for y in (2023, 2024)]
            + [("330782", "fixed_asset_investment", y, 100.0) for y in (2023, 2024)])  # fmt: skip
    html = admin_client.get("/county/330782/").content.decode()

    def card(label):
        at = html.index(f'<div class="fw-semibold">{label}</div>')
        return html[html.rindex('class="zj-card"', 0, at) : at]

    assert 'class="zj-year-inferred"' in card("制造业投资占固定资产投资比例")
    assert 'class="zj-year-inferred"' not in card("规上工业亩均税收")  # 2025, printed in the text


def test_demo_data_is_labelled_on_every_page(admin_client):
    from indicators.models import Upload
    from indicators.services import system_user

    Upload.objects.create(
        original_name="demo.xlsx", sha256="1" * 64, source="demo", status="approved", uploaded_by=system_user()
    )
    for url in PAGES:
        assert "示例数据" in admin_client.get(url).content.decode(), url


def test_a_bookmarkable_county_url_keeps_its_year(admin_client, some_data):
    html = admin_client.get("/county/330782/?year=2023").content.decode()
    assert 'value="2023"' in html


def test_an_unknown_county_is_a_404(admin_client):
    assert admin_client.get("/county/999999/").status_code == 404


def test_the_export_writes_formula_like_text_as_text(admin_client, some_data):
    from indicators.models import Region

    Region.objects.filter(code="331127").update(name='=HYPERLINK("http://x")')
    text = admin_client.get("/", {"_export": "csv"}).content.decode("utf-8")
    assert "'=HYPERLINK" in text
    assert "\n=HYPERLINK" not in text and ",=HYPERLINK" not in text


def test_pages_are_chinese_first_whatever_the_browser_asks(admin_client, settings):
    html = admin_client.get("/documents/", HTTP_ACCEPT_LANGUAGE="en-US,en;q=0.9").content.decode()
    assert '<html lang="zh-hans">' in html


def test_the_language_switch_sets_english(admin_client, settings):
    response = admin_client.post("/i18n/setlang/", {"language": "en", "next": "/documents/"})
    assert response.status_code == 302
    html = admin_client.get("/documents/").content.decode()
    assert '<html lang="en">' in html


def test_a_year_without_data_redirects_to_the_nearest_year_with_data_keeping_the_other_parameters(
    admin_client, some_data
):
    response = admin_client.get("/", {"year": "1999", "city": _city_pk("331100"), "history": "1"})
    assert response.status_code == 302
    assert response["Location"] == f"/?year=2022&city={_city_pk('331100')}&history=1"
    assert admin_client.get("/county/330782/?year=2999")["Location"] == "/county/330782/?year=2024"


def test_a_year_that_is_not_a_number_shows_the_latest_year(admin_client, some_data):
    response = admin_client.get("/indicator/value_added/?year=abc")
    assert response.status_code == 200
    assert "value_added" in response.content.decode() and 'value="2024"' in response.content.decode()


def test_parameters_a_page_does_not_use_neither_reach_its_body_nor_mint_a_cache_entry(admin_client, some_data):
    from indicators.models import Region
    from targets import reports

    html = admin_client.get("/county/331127/?year=2024&utm=a&sort=<b>").content.decode()
    body = html.split("<main")[1].split("数据上传记录")[0]  # the language switch outside it keeps the full path
    assert "utm" not in body and "%3Cb%3E" not in body and "&lt;b&gt;" not in body
    # Renamed behind the data version's back: only a newly rendered body can show the new name.
    Region.objects.filter(code="331127").update(name="改名县")
    reports._memo.update(version=None, tables={})
    assert '<h1 class="h3">景宁畲族自治县' in admin_client.get("/county/331127/?year=2024&utm=b").content.decode()
    assert '<h1 class="h3">改名县' in admin_client.get("/county/331127/?year=2023").content.decode()


def test_a_body_another_worker_is_rendering_is_awaited_not_rendered_again(admin_client):
    import threading

    from django.core.cache import cache
    from django.utils.safestring import mark_safe

    from targets import reports

    key = f"zj:{reports.page_version()}:body:zh-hans:/clusters/"
    assert cache.add(f"{key}:rendering", True)  # another worker has just begun rendering the list
    threading.Timer(0.2, cache.set, (key, mark_safe("<p>由另一进程生成</p>"))).start()
    assert "<p>由另一进程生成</p>" in admin_client.get("/clusters/").content.decode()


def test_a_body_whose_renderer_never_finishes_is_rendered_after_the_wait(admin_client, monkeypatch):
    from django.core.cache import cache

    from targets import reports, views

    monkeypatch.setattr(views, "BODY_WAIT", 0.1)
    cache.add(f"zj:{reports.page_version()}:body:zh-hans:/clusters/:rendering", True)  # a worker that died rendering
    assert "“415X”赛马" in admin_client.get("/clusters/").content.decode()


def test_an_invalid_map_or_sort_choice_falls_back_to_the_default(admin_client, some_data):
    def body(query):  # what follows the navigation, whose language switch keeps the full path
        return admin_client.get(f"/?year=2024&{query}").content.decode().split("<main")[1]

    default = body("")
    for query in ("map=status:abc", "map=ind:nothing", "sort=-nothing", "c-sort=x", "city=999999", "group=x"):
        assert body(query) == default, query


def test_the_heatmap_export_writes_each_status_as_its_label(admin_client, some_data):
    from targets.models import GapStatus

    text = admin_client.get("/", {"_export": "csv"}).content.decode("utf-8-sig").split("\r\n\r\n")[0]
    rows = list(csv.reader(io.StringIO(text)))
    status_columns = [n for n, header in enumerate(rows[0]) if header.endswith("·状态")]
    assert status_columns
    cells = {row[n] for row in rows[1:] for n in status_columns}
    assert cells <= {str(label) for label in GapStatus.labels}
    assert "数据不足" in cells  # counties without data for a key target


def test_the_county_search_finds_a_county_by_its_short_name(admin_client):
    response = admin_client.get("/go/", {"q": "义乌"})
    assert response.status_code == 302 and response["Location"] == "/county/330782/"
    assert admin_client.get("/go/", {"q": "火星"}).status_code == 404


def test_the_county_pages_data_table_shows_a_values_note(admin_client, some_data):
    from indicators.models import Observation

    # 景宁's cards chart 亩均税收: a reported 2023 figure of it carries the note
    observe([("331127", "tax_per_mu", 2023, 36.0)])
    Observation.objects.filter(region__code="331127", indicator__code="tax_per_mu").update(note="快报数，待年报核定")
    html = admin_client.get("/county/331127/?year=2024").content.decode()
    assert "<td>快报数，待年报核定</td>" in html


def test_the_county_pages_data_table_shows_a_values_flag_beside_its_note(admin_client, some_data):
    from indicators.models import Observation

    observe([("331127", "tax_per_mu", 2023, 36.0)])
    rows = Observation.objects.filter(region__code="331127", indicator__code="tax_per_mu")
    rows.update(flag="preliminary", note="快报数")
    html = admin_client.get("/county/331127/?year=2024").content.decode()
    assert "<td>初步；快报数</td>" in html
    rows.update(note="")  # a flag alone still shows
    from indicators import versioning

    versioning.data_changed()
    assert "<td>初步</td>" in admin_client.get("/county/331127/?year=2024").content.decode()


def test_a_year_few_counties_reported_is_reachable_but_never_the_default(admin_client):
    from targets import reports

    codes = sorted(reports.county_names())
    counties_with_data(codes)  # 2021–2024 for all 90
    observe([(code, "value_added", 2025, 1.0) for code in codes[:9]])  # 2025 for 9: 9/90 < 0.8 × 90 = 72
    html = admin_client.get("/").content.decode()
    assert 'data-as-of="2024"' in html and "截至 2024 年 · 90/90 县已报送" in html
    assert "2025 年（9/90 县） · 部分" in html  # listed in the picker, marked partial
    partial = admin_client.get("/?year=2025").content.decode()
    assert 'data-as-of="2025"' in partial and "9/90 县已报送" in partial and "部分年份" in partial


def test_the_year_bar_keeps_the_pages_own_parameters_only(admin_client, some_data):
    html = admin_client.get("/cluster/smart-pv/?year=2024&role=core&utm=x").content.decode()
    bar = html.split('class="zj-year-bar')[1].split("</form>")[0]
    assert 'name="role" value="core"' in bar and "utm" not in bar


@pytest.mark.parametrize(
    ("url", "table", "header"),
    [
        ("/", "composite", "综合得分"),
        ("/county/330782/", "", "目标值"),
        ("/cluster/smart-pv/", "members", "角色"),
        ("/cluster/smart-pv/", "ranking", "数值（亿元）"),
        ("/document/zj-2023-415x/", "targets", "状态"),
        ("/indicator/value_added/", "ranking", "数值（亿元）"),
    ],
)
def test_every_table_downloads_as_csv_with_a_bom_and_as_a_named_xlsx_sheet(admin_client, some_data, url, table, header):
    from io import BytesIO

    from openpyxl import load_workbook

    csv_response = admin_client.get(url, {"year": 2024, "_export": "csv", "table": table})
    assert csv_response.status_code == 200 and csv_response.content.startswith(b"\xef\xbb\xbf")
    assert header in csv_response.content.decode("utf-8-sig").splitlines()[0]
    xlsx = admin_client.get(url, {"year": 2024, "_export": "xlsx", "table": table})
    sheet = load_workbook(BytesIO(xlsx.content)).active
    assert sheet.title not in ("Sheet", "Export Data") and header in [c.value for c in sheet[1]]
    assert admin_client.get(url, {"_export": "pdf"}).status_code == 404


def test_the_document_download_writes_statuses_as_chinese_labels(admin_client, some_data):
    from targets.models import GapStatus

    text = admin_client.get("/document/zj-2023-415x/", {"year": 2024, "_export": "csv"}).content.decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(text.split("\r\n\r\n")[0])))
    statuses = {row[-1] for row in rows[1:]}
    assert statuses and statuses <= {str(label) for label in GapStatus.labels} | {"不可计算"}


def test_an_english_page_shows_english_names_units_and_composed_target_labels(admin_client, some_data):
    admin_client.cookies["django_language"] = "en"
    overview = admin_client.get("/?year=2024").content.decode()
    assert "Yiwu City" in overview and "Jingning She Autonomous County" in overview  # the registry's pinyin
    heatmap = overview.split('class="table table-sm table-hover zj-heatmap"')[1].split("</table>")[0]
    assert "10,000 yuan/mu" in heatmap and "万元/亩" not in heatmap  # cells and headers
    indicator = admin_client.get("/indicator/value_added/?year=2024").content.decode()
    heading = indicator.split("<h1")[1].split("</h1>")[0]
    assert "Industrial value added" in heading and "100 million yuan" in heading and "亿元" not in heading
    document = admin_client.get("/document/zj-2023-415x/?year=2024").content.decode()
    assert " by 2027" in document  # labels composed from the indicator's English name, comparator, value, year
    assert "Zhejiang action plan for building the “415X” advanced manufacturing clusters" in document  # title_en
    strong = admin_client.get("/document/zj-2014-strong-counties/?year=2024").content.decode()
    assert "Industrial value added (above-size), share of the province ≥ 50.0% by 2017" in strong
    admin_client.cookies["django_language"] = "zh-hans"
    assert "Yiwu City" not in admin_client.get("/?year=2024").content.decode()


# ---------------------------------------------------------------------------------------------- city and group pages
def test_a_city_page_lists_its_counties_and_links_them(admin_client, some_data):
    html = admin_client.get("/city/330700/?year=2024").content.decode()
    assert '<h1 class="h3">金华市' in html
    assert 'href="/county/330782/"' in html  # 义乌, a county of 金华
    assert 'href="/county/331127/"' not in html  # 景宁 lies in 丽水
    assert 'id="zj-members"' in html and 'id="county-map"' in html


def test_a_city_code_on_the_county_url_goes_to_the_city_page(admin_client):
    response = admin_client.get("/county/330100/")
    assert response.status_code == 302 and response["Location"] == "/city/330100/"


def test_a_group_page_shows_the_targets_set_for_the_group_before_the_benchmarks(admin_client, some_data):
    html = admin_client.get("/group/mountain-26/?year=2024").content.decode()
    assert '<h1 class="h3">山区26县' in html
    own = html.index("山区26县规上工业增加值")
    assert own < html.index("基准")  # the group's 2500亿元 target leads; province benchmarks follow
    # the members on the list in force today: 26 − 3 (left 2024-08-21) − 3 (left 2025-05) = 20
    assert html.count('href="/county/') >= 20


def test_unknown_cities_and_groups_are_404(admin_client):
    assert admin_client.get("/city/330782/").status_code == 404  # a county, not a city
    assert admin_client.get("/city/999999/").status_code == 404
    assert admin_client.get("/group/no-such-group/").status_code == 404


@pytest.mark.parametrize(
    ("query", "location"),
    [
        ("杭州市", "/city/330100/"),
        ("杭州", "/city/330100/"),
        ("山区26县", "/group/mountain-26/"),
        ("义乌", "/county/330782/"),
    ],
)
def test_the_jump_box_finds_counties_cities_and_groups(admin_client, query, location):
    response = admin_client.get("/go/", {"q": query})
    assert response.status_code == 302 and response["Location"] == location


def test_the_overview_group_filter_links_to_the_group_page(admin_client, some_data):
    from indicators.models import RegionGroup

    group = RegionGroup.objects.get(slug="mountain-26")
    html = admin_client.get(f"/?year=2024&group={group.pk}").content.decode()
    assert 'href="/group/mountain-26/"' in html


def test_the_map_form_keeps_the_filters_and_the_readers_place(admin_client, some_data):
    from indicators.models import RegionGroup

    group = RegionGroup.objects.get(slug="mountain-26")
    html = admin_client.get(f"/?year=2024&group={group.pk}").content.decode()
    form = html[html.index('id="zj-map"') :]
    assert 'action="#zj-map"' in form
    assert f'name="group" value="{group.pk}"' in form.split("</form>")[0]


# ---------------------------------------------------------------------------------------------- county page order
def test_the_county_page_opens_on_the_current_plan_with_earlier_plans_collapsed(admin_client, some_data):
    html = admin_client.get("/county/330782/?year=2024").content.decode()
    current = html.index("当前规划")
    history = html.index('<details class="mb-3 zj-history">')
    assert current < history
    # every card before the history block is of a plan still in force in 2024 (415X, 2023–2027)
    assert "2017-2020" not in html[current:history]


def test_the_status_filter_shows_only_that_status_and_counts_what_it_shows(admin_client, some_data):
    html = admin_client.get("/county/330782/?year=2024&status=insufficient_data").content.decode()
    section = html[html.index("当前规划") : html.index('<details class="mb-3 zj-history">')]
    shown = section.count('data-status="insufficient_data"')
    assert shown > 0 and section.count("data-status=") == shown
    assert f"数据不足 {shown}</span>" in section  # the header count is the number of cards


# -- 415X 赛马 (issue 17) ------------------------------------------------------------------------------


@pytest.fixture
def race_data():
    return observe(
        [
            ("330603", "revenue", 2023, 1100.0, "", "textiles-apparel"),  # 柯桥 现代纺织与服装 core area
            ("330603", "revenue", 2024, 1243.0, "", "textiles-apparel"),
            ("330481", "revenue", 2023, 1000.0),  # 海宁 as a whole (智能光伏 has no series)
            ("330481", "revenue", 2024, 1500.0),
        ]
    )


def test_the_race_lists_core_areas_by_cluster_revenue_and_the_clusters_page_links_to_it(admin_client, race_data):
    html = admin_client.get("/clusters/race/?year=2024").content.decode()
    # 海宁 1500 first, 柯桥 1243 second; each was the other's place in 2023 (1000 < 1100)
    assert html.index("海宁市") < html.index("柯桥区")
    assert "↑1" in html and "↓1" in html and "全县口径" in html and "名单未录入" in html
    assert "柯桥区·现代纺织与服装" in html  # one of the two core areas above 1000 亿元, by its cluster's figure
    assert reverse("targets:cluster_race") in admin_client.get("/clusters/").content.decode()


def test_the_race_filters_by_cluster_and_city(admin_client, race_data):
    html = admin_client.get("/clusters/race/?year=2024&cluster=textiles-apparel").content.decode()
    table = html[html.index("zj-race") :]
    assert "柯桥区" in table and "海宁市" not in table
    html = admin_client.get("/clusters/race/?year=2024&city=330400").content.decode()  # 嘉兴市
    table = html[html.index("zj-race") :]
    assert "海宁市" in table and "柯桥区" not in table


def test_the_race_downloads_as_utf8_csv_with_a_bom(admin_client, race_data):
    response = admin_client.get("/clusters/race/?year=2024&_export=csv")
    text = response.content.decode("utf-8")
    assert text.startswith("\ufeff") and response["Content-Type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(text[1:])))
    keqiao = next(r for r in rows if r["region_code"] == "330603" and r["cluster"] == "textiles-apparel")
    assert (keqiao["rank"], keqiao["rank_change"], keqiao["revenue"], keqiao["basis"]) == (
        "2",
        "-1",
        "1243.0",
        "cluster",
    )


def test_a_county_page_shows_its_tiangong_awards_and_says_when_no_list_is_entered(admin_client):
    from indicators.models import Region
    from indicators.versioning import data_changed
    from targets.models import TiangongAward

    assert "名单未录入" in admin_client.get("/county/330782/").content.decode()
    TiangongAward.objects.create(year=2023, region=Region.objects.get(code="330782"), source="管理员录入的测试来源")
    data_changed()  # what the admin's save does
    assert "2023年获评" in admin_client.get("/county/330782/").content.decode()
    other = admin_client.get("/county/331127/").content.decode()
    assert "未获评" in other and "名单未录入" not in other


def test_a_share_target_on_its_document_page_reads_in_percent(admin_client, some_data):
    # 《工业强县》: 试点单位规上工业增加值占全省比重 ≥ 50%: the indicator is 规上工业增加值 (亿元), the figure a share
    # 萧山 (a pilot) 600 of the province's 1000 亿元 in 2017: 600 / 1000 = 60.0 %
    observe([("330109", "value_added", 2017, 600.0), ("330000", "value_added", 2017, 1000.0)])
    html = admin_client.get("/document/zj-2014-strong-counties/?year=2024").content.decode()
    row = html[html.index("试点单位规上工业增加值占全省比重") :].split("</tr>")[0]
    actual = row.split("</td>")[3]  # the fourth cell: the actual value
    assert "60.0%" in actual and "亿元" not in row


def test_the_jump_box_suggests_cities_before_counties(admin_client):
    html = admin_client.get("/documents/").content.decode()
    datalist = html.split('<datalist id="zj-counties">')[1].split("</datalist>")[0]
    assert datalist.index('value="杭州市"') < datalist.index('value="上城区"')


def test_an_english_county_page_is_headed_by_the_registrys_pinyin(admin_client, some_data):
    admin_client.cookies["django_language"] = "en"
    html = admin_client.get("/county/330782/?year=2024").content.decode()
    heading = html.split('<h1 class="h3">')[1].split("</h1>")[0]
    assert "Yiwu City" in heading and "Jinhua City" in heading


def _blank_row_notes(page):
    """The notes under the status of the document page's rows without a result (what they lack)."""
    return re.findall(r'<div class="small text-muted text-wrap">(.*?)</div>', page)


def test_an_english_page_says_what_a_blank_row_lacks_and_its_gap_in_english(admin_client, some_data):
    chinese = admin_client.get("/document/zj-2023-415x/?year=2024").content.decode()
    assert any(note.startswith("缺少 ") for note in _blank_row_notes(chinese))
    admin_client.cookies["django_language"] = "en"
    page = admin_client.get("/document/zj-2023-415x/?year=2024").content.decode()
    notes = _blank_row_notes(page)
    assert notes and any(note.startswith("missing: ") for note in notes)
    assert [note for note in notes if re.search(r"[\u4e00-\u9fff]", note)] == []
    county = admin_client.get("/county/330782/?year=2024").content.decode()
    assert "个百分点" not in county and "亿元" not in county.split("<main")[1]


def test_a_list_figure_says_when_its_list_date_is_not_stated(admin_client, some_data):
    # 415X (issued 2023-01-17) counts 山区26县 as of that day; the 2014 strong-counties plan gives no issue date,
    # so its group figures use today's list, which the page must not present as the list's date
    dated = admin_client.get("/document/zj-2023-415x/?year=2024").content.decode()
    assert "名单截至 2023-01-17" in dated
    undated = admin_client.get("/document/zj-2014-strong-counties/?year=2024").content.decode()
    assert "名单日期未注明" in undated and f"名单截至 {datetime.date.today().isoformat()}" not in undated


def test_the_jump_box_suggests_groups_after_the_places(admin_client):
    datalist = admin_client.get("/").content.decode().split('<datalist id="zj-counties">')[1].split("</datalist>")[0]
    assert '<option value="山区26县">' in datalist and datalist.index("义乌市") < datalist.index("山区26县")
    assert admin_client.get("/go/", {"q": "山区26县"})["Location"] == "/group/mountain-26/"


def test_the_indicator_pages_value_map_marks_the_key_benchmark_like_the_overview_map(admin_client, some_data):
    # 415X sets 亩均税收 ≥ 40 万元/亩 for counties: the colour bar carries "◆ 目标 ≥40" on both maps
    mark = "\\u25c6 \\u76ee\\u6807 \\u226540"  # ◆ 目标 ≥40 as json_script writes it
    assert mark in admin_client.get("/indicator/tax_per_mu/?year=2024").content.decode()
    assert mark in admin_client.get("/?year=2024&map=ind:tax_per_mu").content.decode()
    assert "\\u25c6" not in admin_client.get("/indicator/employees/?year=2024").content.decode()  # no target on it


def test_a_split_off_countys_page_charts_its_back_series_and_its_city_keeps_the_units_of_the_time(admin_client):
    from indicators.models import Observation

    # 临平区 (330113, from 余杭区 in 2021): 2019 is a back-series under today's boundaries (按现行区划)
    observe([("330113", "value_added", 2019, 300.0), ("330113", "industrial_land", 2019, 15000.0),
             ("330113", "value_added", 2021, 350.0), ("330113", "industrial_land", 2021, 14000.0),
             ("330110", "value_added", 2019, 1000.0), ("330110", "industrial_land", 2019, 40000.0),
             ("330110", "value_added", 2021, 700.0), ("330110", "industrial_land", 2021, 26000.0)])  # fmt: skip
    Observation.objects.filter(region__code="330113", year=2019).update(back_series=True)
    html = admin_client.get("/county/330113/?year=2021").content.decode()
    at = html.index('<div class="fw-semibold">规上工业亩均增加值</div>')
    card = html[at : html.index("</details>", at)]
    # 亩均增加值 = 增加值 / 用地 × 10000: 300 / 15000 × 10000 = 200 (2019), 350 / 14000 × 10000 = 250 (2021)
    assert "<tr><td>2019</td><td>200.0 万元/亩</td><td>按现行区划回溯</td></tr>" in card
    assert "<tr><td>2021</td><td>250.0 万元/亩</td><td></td></tr>" in card
    # 杭州's line: 2019 is 余杭区 alone, 1000 / 40000 × 10000 = 250 (not 1300 / 55000 × 10000 = 236.4);
    # 2021 both units, 1050 / 40000 × 10000 = 262.5
    assert '"x": [2019, 2021], "y": [250.0, 262.5], "name": "\\u6240\\u5728\\u5e02' in card


def _title(page):
    return page.split("<title>")[1].split("</title>")[0]


def test_english_pages_title_their_place_indicator_or_document_in_english(admin_client, some_data):
    admin_client.cookies["django_language"] = "en"
    for path, english, chinese in [
        ("/county/330782/", "Yiwu City", "义乌市"),
        ("/city/330100/", "Hangzhou City", "杭州市"),
        ("/group/mountain-26/", "26 mountainous counties", "山区26县"),
        ("/cluster/new-gen-it/", "New-generation information technology", "新一代信息技术产业群"),
        ("/indicator/tax_per_mu/", "Tax per mu", "规模以上工业亩均税收"),
        ("/document/zj-2014-strong-counties/", "Guiding opinions on deepening the building", "关于深化工业强县"),
    ]:
        title = _title(admin_client.get(path, {"year": 2024}).content.decode())
        assert english in title and chinese not in title, (path, title)
    cluster = admin_client.get("/cluster/new-gen-it/?year=2024").content.decode()
    assert '"title": {"text": "Industrial value added (above-size)"' in cluster  # the ranking chart's title
    admin_client.cookies["django_language"] = "zh-hans"
    assert _title(admin_client.get("/county/330782/?year=2024").content.decode()).startswith("义乌市 · ")


def _options(page, name):
    """The (value, text) options of the select named `name`."""
    select = re.search(rf'<select[^>]*name="{name}"[^>]*>(.*?)</select>', page, re.DOTALL).group(1)
    return re.findall(r'<option value="([^"]*)"[^>]*>([^<]*)</option>', select)


def test_the_english_overview_names_its_map_filter_and_ranking_options_in_english(admin_client, some_data):
    admin_client.cookies["django_language"] = "en"
    page = admin_client.get("/?year=2024").content.decode()
    maps = dict(_options(page, "map"))
    assert maps["ind:tax_per_mu"] == "Tax per mu"
    statuses = [text for value, text in maps.items() if value.startswith("status:")]
    assert statuses and all(text.startswith("Status: ") for text in statuses)
    assert not [text for text in maps.values() if re.search(r"[\u4e00-\u9fff]", text)]
    cities = dict(_options(page, "city")).values()
    assert "Hangzhou City (330100)" in cities and "杭州市（330100）" not in cities
    assert "26 mountainous counties" in dict(_options(page, "group")).values()
    assert "New-generation information technology" in dict(_options(page, "cluster")).values()
    composite = page.split('id="s-composite"')[1]
    assert "Yiwu City" in composite and "义乌市" not in composite
    assert "Scored targets: " in composite and "（" not in composite.split("</p>")[0]  # English punctuation
    admin_client.cookies["django_language"] = "zh-hans"
    chinese = admin_client.get("/?year=2024").content.decode()
    assert "状态：" in chinese and "杭州市（330100）" in chinese


def test_an_english_indicator_page_words_its_formula_with_english_names(admin_client, some_data):
    admin_client.cookies["django_language"] = "en"
    page = admin_client.get("/indicator/tax_per_mu/?year=2024").content.decode()
    assert "Tax paid (above-size industry) ÷ Industrial land (above-size) × 10000" in page
    assert "规模以上工业税收 ÷ 规模以上工业用地面积" not in page
    admin_client.cookies["django_language"] = "zh-hans"
    assert (
        "规模以上工业税收 ÷ 规模以上工业用地面积 × 10000" in admin_client.get("/indicator/tax_per_mu/").content.decode()
    )


def test_an_english_county_page_names_its_groups_in_the_composite_line(admin_client, some_data):
    admin_client.cookies["django_language"] = "en"
    page = admin_client.get("/county/330782/?year=2024").content.decode()
    line = page.split("<strong>Composite score</strong>")[1].split("</p>")[0]
    assert "Industrially strong county pilots rank" in line and "工业强县（市、区）建设试点" not in line


def _split_off_linping():
    """临平区 (330113, from 余杭区 in 2021) with 2019 uploaded as a back-series, 2021 as its own figures."""
    from indicators.models import Observation

    observe([("330113", "value_added", 2019, 300.0), ("330113", "industrial_land", 2019, 15000.0),
             ("330113", "value_added", 2021, 350.0), ("330113", "industrial_land", 2021, 14000.0)])  # fmt: skip
    Observation.objects.filter(region__code="330113", year=2019).update(back_series=True)


def test_county_notes_mark_back_series_values_and_the_ratios_computed_from_them():
    from django.utils import translation

    from targets import selectors

    _split_off_linping()
    back = "按现行区划回溯"  # the marks are worded in the active language: an English request may have left it on
    translation.activate("zh-hans")
    # 2021 is the unit's own figure: nothing said of it; 亩均增加值 2019 (300 / 15000) rests on back-series inputs
    assert selectors.county_notes("330113") == {
        ("value_added", 2019): back,
        ("industrial_land", 2019): back,
        ("value_added_per_mu", 2019): back,
    }


def test_a_split_off_countys_card_marks_its_back_series_year_and_prints_no_member_count(admin_client):
    from django.utils import translation

    from indicators.models import Observation
    from targets import selectors

    _split_off_linping()
    Observation.objects.filter(region__code="330113", indicator__code="value_added", year=2019).update(flag="estimated")
    html = admin_client.get("/county/330113/?year=2019").content.decode()
    at = html.index('<div class="fw-semibold">规上工业亩均增加值</div>')
    card = html[at : html.index("</details>", at)]
    assert "<td>200.0 万元/亩 (2019)</td>" in card  # 300 / 15000 × 10000
    assert "<tr><td>2019</td><td>200.0 万元/亩</td><td>按现行区划回溯</td></tr>" in card
    # a county card counted 0 members in a back-series year (and 1 otherwise): it prints no count at all
    assert "纳入地区数" not in html
    assert "纳入地区数" not in admin_client.get("/county/330113/?year=2021").content.decode()
    assert "<th>纳入地区数</th>" in admin_client.get("/city/330100/?year=2021").content.decode()  # a city counts
    # the flag of a back-series value follows the mark
    with translation.override("zh-hans"):
        assert selectors.county_notes("330113")[("value_added", 2019)] == "按现行区划回溯；估算"
    admin_client.cookies["django_language"] = "en"
    english = admin_client.get("/county/330113/?year=2021").content.decode()
    assert "<td>Back series under current boundaries</td>" in english and "按现行区划回溯" not in english
