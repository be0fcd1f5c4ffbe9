"""The dashboard in a real browser: Debian's Chromium through Playwright's sync API, against a live
server over the catalog and the demo data. Each test also checks the page logged no console error,
threw nothing, and fetched nothing from outside 127.0.0.1 (the bureau's intranet has no internet).
Full-page screenshots go to test-artifacts/screenshots/ (git-ignored): look at them.

    .venv/bin/pytest tests/test_browser.py -v        # or: -m "not browser" to leave them out

Why not pytest-django's `live_server` fixture: it forces `transactional_db`, which flushes the
database after every test, so the catalog the session loads once (tests/conftest.py) would be gone
for every later test, and the demo data (~10 s of CPU) would be loaded again for each test. `site` runs
the same server (pytest-django's LiveServer) once for the module over committed data instead, and
puts the database back as it found it at the end.
"""

import contextlib
import csv
import io
import re
import secrets
from pathlib import Path
from types import SimpleNamespace

import pytest

from tests.browser import (
    ALL_DRAWN,
    CHROMIUM,
    CHROMIUM_ARGS,
    HOST,
    VIEWPORT,
    Watch,
    assert_test_database,
    figure_state,
    restore_database,
    wait_for_figures,
)

if not Path(CHROMIUM).exists():
    pytest.skip(
        "chromium not installed: browser tests skipped (apt-get install chromium chromium-driver)",
        allow_module_level=True,
    )

# django_db: so that pytest-django creates the test database even when only this module runs (without
# it `site` would write to the development database); each test runs in a transaction rolled back after it.
pytestmark = [pytest.mark.browser, pytest.mark.django_db]

COUNTIES = 90
# The bureau's browsers ask for Chinese (Accept-Language); Chromium's default, en-US, gets the English site.
LOCALE = "zh-CN"


@pytest.fixture(scope="module")
def site(django_db_setup, django_db_blocker, tmp_path_factory):
    """The live server over the catalog plus the demo statistics, with a province-staff account.

    `url`, `username`, `password`, and `excerpts`: {document code: how many of its targets quote an
    excerpt}. The database stays unblocked for the module: the server thread reads it (on in-memory
    SQLite through the test thread's connection; on PostgreSQL through its own, hence committed data).
    """
    from django.contrib.auth.models import Group, User
    from django.db import connection
    from django.test.utils import override_settings
    from pytest_django.live_server_helper import LiveServer

    from targets.demo import demo_load
    from targets.models import PolicyDocument

    with contextlib.ExitStack() as stack:
        stack.enter_context(django_db_blocker.unblock())
        assert_test_database(connection)
        env = stack.enter_context(pytest.MonkeyPatch.context())
        # Playwright's sync API runs an event loop in this thread; Django refuses ORM calls next to one.
        env.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
        stack.enter_context(override_settings(UPLOAD_ROOT=tmp_path_factory.mktemp("uploads")))
        stack.callback(restore_database, connection.creation.serialize_db_to_string())

        demo_load()
        password = secrets.token_urlsafe(16)
        user = User.objects.create_user("browser-province", password=password)
        user.groups.add(Group.objects.get_or_create(name="province")[0])
        excerpts = {d.code: d.targets.exclude(excerpt="").count() for d in PolicyDocument.objects.all()}

        server = LiveServer(HOST)
        stack.callback(server.stop)
        server._live_server_modified_settings.enable()
        stack.callback(server._live_server_modified_settings.disable)
        yield SimpleNamespace(url=server.url, username=user.username, password=password, excerpts=excerpts)


@pytest.fixture
def fresh_gap_tables():
    """Keep the gap tables cached between the tests of this module (conftest drops them for every test):
    the data here does not roll back between tests, and recomputing them would take a few seconds a test."""


@pytest.fixture(scope="module")
def chromium(site):
    """Chromium, closed before the live server stops (`site`), so that no open connection holds it up."""
    from django.db import connections
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield browser
        browser.close()
        # While Playwright's loop runs, asgiref keeps Django's connections per context instead of per
        # thread, so the tests opened a second connection; close it now, or it outlives the test database.
        connections.close_all()


@pytest.fixture(scope="module")
def signed_in(chromium, site):
    """Cookies of a browser that logged in through /accounts/login/ (if the dashboard asked for a login:
    with DASHBOARD_PUBLIC it does not). Done once, outside the tests' transactions, so the session lasts."""
    context = chromium.new_context(viewport=VIEWPORT, locale=LOCALE)
    page = context.new_page()
    watch = Watch(page, site)
    watch.open("/documents/")  # a light page: no charts to draw
    state = context.storage_state()
    context.close()
    watch.assert_clean()
    return state


@pytest.fixture
def page(chromium, site, signed_in):
    """A page in a fresh browser context with the signed-in cookies, watched: `page.zj` is its Watch."""
    context = chromium.new_context(viewport=VIEWPORT, locale=LOCALE, accept_downloads=True, storage_state=signed_in)
    context.set_default_timeout(15_000)
    page = context.new_page()
    page.zj = Watch(page, site)
    yield page
    context.close()


def heatmap_rows(page):
    return page.locator("table.zj-heatmap tbody tr")


def test_the_dashboard_asks_anonymous_visitors_to_log_in_unless_it_is_public(chromium, site, settings):
    context = chromium.new_context(viewport=VIEWPORT, locale=LOCALE)
    page = context.new_page()
    watch = Watch(page, site)

    settings.DASHBOARD_PUBLIC = False
    page.goto(site.url + "/county/330782/")
    assert page.url.startswith(site.url + "/accounts/login/")
    assert page.locator("input[name=password]").is_visible()
    watch.screenshot("login")

    settings.DASHBOARD_PUBLIC = True
    watch.open("/county/330782/")
    assert page.url == site.url + "/county/330782/"
    assert "义乌市" in page.locator("h1").inner_text()
    context.close()
    watch.assert_clean()


def test_overview_draws_its_charts_the_heatmap_and_the_demo_banner(page):
    page.zj.open("/")
    page.zj.screenshot("overview")

    figures = figure_state(page)
    assert figures, "no [data-figure] div on the overview"
    assert all(rendered == "1" and plotted for _, rendered, plotted in figures), figures
    assert page.locator(".js-plotly-plot").count() == len(figures)
    assert heatmap_rows(page).count() == COUNTIES
    banner = page.locator(".zj-demo-banner")
    assert banner.is_visible()
    assert "示例数据" in banner.inner_text()
    page.zj.assert_clean()


def test_the_city_filter_narrows_the_heatmap_and_the_exports_follow_it(page):
    from openpyxl import load_workbook

    from indicators.models import Region

    lishui = Region.objects.get(level="city", name="丽水市")
    members = Region.objects.filter(parent=lishui, level="county", valid_to__isnull=True).count()
    page.zj.open("/")
    value = page.locator("select[name=city] option", has_text="丽水市").get_attribute("value")
    page.select_option("select[name=city]", value)
    with page.expect_navigation():
        page.get_by_role("button", name="筛选").click()
    page.zj.screenshot("overview-lishui")

    rows = heatmap_rows(page)
    assert 0 < rows.count() == members < COUNTIES
    assert set(rows.locator("td:nth-child(2)").all_inner_texts()) == {lishui.short_name}

    heatmap = page.locator("#zj-heatmap")
    with page.expect_download() as csv_download:
        heatmap.get_by_role("link", name="CSV").click()
    raw = Path(csv_download.value.path()).read_bytes()
    assert raw.startswith("\ufeff县（市、区）,所属市,代码,".encode())  # the BOM Excel on Chinese Windows needs
    data, notes = raw.decode("utf-8-sig").split("\r\n\r\n")  # the notes follow the data after a blank line
    assert "示例数据" in notes
    table = list(csv.reader(io.StringIO(data)))
    assert len(table) == members + 1
    assert {row[1] for row in table[1:]} == {lishui.short_name}

    with page.expect_download() as xlsx_download:
        heatmap.get_by_role("link", name="Excel").click()
    sheet = load_workbook(io.BytesIO(Path(xlsx_download.value.path()).read_bytes())).active
    assert sheet.title == "县域热力表"
    cells = list(sheet.iter_rows(values_only=True))
    assert cells[0][:3] == ("县（市、区）", "所属市", "代码")
    cells = cells[: cells.index((None,) * len(cells[0]))]  # the data, above the blank row and the notes
    assert len(cells) == members + 1
    assert {row[1] for row in cells[1:]} == {lishui.short_name}
    page.zj.assert_clean()


def test_a_county_page_draws_its_target_charts(page):
    page.zj.open("/county/330782/")
    page.zj.screenshot("county-330782")

    assert "义乌市" in page.locator("h1").inner_text()
    figures = figure_state(page)
    assert len(figures) >= 3, figures
    assert all(rendered == "1" and plotted for _, rendered, plotted in figures), figures
    page.zj.assert_clean()


def test_a_cluster_page_draws_the_member_ranking(page):
    page.zj.open("/cluster/smart-pv/")
    page.zj.screenshot("cluster-smart-pv")

    ranking = page.locator("#ranking")
    assert ranking.get_attribute("data-rendered") == "1"
    assert "js-plotly-plot" in ranking.get_attribute("class")
    assert ranking.locator(".bars path").count() > 1, "the ranking chart has no bars"
    page.zj.assert_clean()


def test_the_county_map_draws_from_local_files_only(page):
    page.zj.open("/")
    county_map = page.locator("#county-map")
    county_map.scroll_into_view_if_needed()
    county_map.screenshot(path=page.zj.screenshot_path("overview-map"))

    assert county_map.get_attribute("data-rendered") == "1"
    assert county_map.locator("svg path").count() > 50
    assert any(url.endswith("/static/geo/zhejiang_counties.geojson") for url in page.zj.requests)
    # plotly.js fetches a topojson base layer even though it is hidden: from static/vendor, not its CDN.
    topojson = [url for url in page.zj.requests if "topojson" in url or url.endswith("_110m.json")]
    assert topojson, "plotly.js fetched no topojson (did the config pass topojsonURL?)"
    assert all("/static/vendor/topojson/" in url for url in topojson), topojson
    page.zj.assert_clean()


def test_the_language_switch_goes_to_english_and_back(page):
    page.zj.open("/")
    nav = page.locator("nav.zj-nav")
    assert "全省总览" in nav.inner_text()

    with page.expect_navigation():
        page.get_by_role("button", name="English").click()
    page.wait_for_function(ALL_DRAWN)
    page.zj.screenshot("overview-en")
    assert page.locator("html").get_attribute("lang") == "en"
    assert "Province overview" in nav.inner_text()
    assert "全省总览" not in nav.inner_text()
    assert page.locator(".zj-demo-banner").inner_text().startswith("Demo data")

    with page.expect_navigation():
        page.get_by_role("button", name="中文").click()
    assert page.locator("html").get_attribute("lang") == "zh-hans"
    assert "全省总览" in nav.inner_text()
    page.zj.assert_clean()


def test_each_document_page_highlights_the_targets_excerpts(page, site):
    for code, excerpts in sorted(site.excerpts.items()):
        page.zj.open(f"/document/{code}/")
        page.zj.screenshot(f"document-{code}")
        marks = page.locator("mark.zj-excerpt")
        assert marks.count() >= excerpts / 2, (code, marks.count(), excerpts)
        assert excerpts == 0 or marks.first.is_visible()
    page.zj.assert_clean()


@pytest.fixture(scope="module")
def county_official(site, django_db_blocker):
    """A county official of 义乌 with a password, created outside the tests' transactions."""
    from django.contrib.auth.models import Group, User

    from indicators.models import OfficialRegion, Region

    with django_db_blocker.unblock():
        password = secrets.token_urlsafe(16)
        user = User.objects.create_user("browser-yiwu", password=password)
        user.groups.add(Group.objects.get_or_create(name="county")[0])
        OfficialRegion.objects.create(user=user, region=Region.objects.get(code="330782"))
    return SimpleNamespace(username=user.username, password=password)


def test_a_county_official_uploads_previews_and_confirms_through_the_form(chromium, site, county_official, tmp_path):
    from openpyxl import Workbook

    from indicators.models import Observation, Upload
    from tests.browser import login

    wb = Workbook()
    ws = wb.active
    ws.title = "2025年"
    ws.append(["2025年义乌市工业主要指标"])
    ws.append(["地区", "规上工业增加值（亿元）", "从业人员平均人数（万人）"])
    ws.append(["义乌市", 777.7, 33.3])
    path = tmp_path / "义乌2025.xlsx"
    wb.save(path)

    context = chromium.new_context(viewport=VIEWPORT, locale=LOCALE)
    context.set_default_timeout(20_000)
    page = context.new_page()
    watch = Watch(page, site)
    page.goto(site.url + "/upload/")
    login(page, county_official.username, county_official.password)
    assert urlsplit_path(page.url) == "/upload/"

    page.set_input_files("input[type=file]", str(path))
    with page.expect_navigation(url="**/preview/"):
        page.get_by_role("button", name="上传并预览").click()
    watch.screenshot("upload-preview")
    preview = page.content()
    assert "777.7" in preview and "规模以上工业增加值" in preview

    with page.expect_navigation():
        page.get_by_role("button", name="确认提交审核").click()
    watch.screenshot("upload-confirmed")
    upload = Upload.objects.get(original_name="义乌2025.xlsx")
    assert upload.status == Upload.Status.SUBMITTED
    assert upload.uploaded_by.username == county_official.username
    row = Observation.objects.get(upload=upload, indicator__code="value_added")
    assert (row.region.code, row.year, row.value, row.status) == ("330782", 2025, 777.7, "submitted")
    context.close()
    watch.assert_clean()


def urlsplit_path(url):
    from urllib.parse import urlsplit

    return urlsplit(url).path


# The city and group pages (/city/<code>/, /group/<slug>/) come with #15 item 2 and join this list with it.
AXE_PAGES = ["/", "/county/330782/", "/city/330700/", "/group/mountain-26/", "/cluster/smart-pv/",
             "/clusters/race/", "/document/zj-2023-415x/", "/indicator/value_added/", "/indicators/", "/upload/"]  # fmt: skip


def axe_violations(page):
    """axe-core's serious and critical violations on the page (axe served from static/vendor, which the pages
    never load themselves: only this test adds it; a script URL, since the CSP refuses inline scripts)."""
    page.add_script_tag(url=page.zj.site.url + "/static/vendor/axe.min.js")
    found = page.evaluate(
        """async () => (await axe.run(document, {resultTypes: ["violations"]})).violations
             .map(v => ({id: v.id, impact: v.impact, nodes: v.nodes.slice(0, 3).map(n => n.target.join(" ") + " " + (n.failureSummary || "").slice(0, 160))}))"""
    )
    return [v for v in found if v["impact"] in ("serious", "critical")]


@pytest.mark.parametrize("path", AXE_PAGES)
def test_axe_finds_no_serious_or_critical_violation(page, path):
    page.zj.open(path)
    assert axe_violations(page) == []
    page.zj.assert_clean()


def test_on_a_phone_the_navigation_folds_behind_a_button_and_the_heatmap_keeps_the_county_column(
    chromium, site, signed_in
):
    context = chromium.new_context(viewport={"width": 390, "height": 844}, locale=LOCALE, storage_state=signed_in)
    page = context.new_page()
    watch = Watch(page, site)
    watch.open("/")
    menu, toggle = page.locator("#zj-menu"), page.locator("button.navbar-toggler")
    assert toggle.is_visible() and not menu.is_visible()
    assert page.locator("nav.zj-nav").bounding_box()["height"] < 80  # was 330 px of 844 unfolded
    toggle.click()
    assert menu.is_visible() and toggle.get_attribute("aria-expanded") == "true"
    watch.screenshot("overview-phone-menu")
    toggle.click()
    # Scrolled sideways, the county column stays at the left edge.
    page.locator(".table-responsive:has(table.zj-heatmap)").evaluate("el => el.scrollLeft = 400")
    cell = page.locator("table.zj-heatmap tbody tr").first.locator("td").first
    scroller = page.locator(".table-responsive:has(table.zj-heatmap)").bounding_box()
    assert abs(cell.bounding_box()["x"] - scroller["x"]) < 2
    context.close()
    watch.assert_clean()


def test_the_indicator_list_filters_as_one_types_and_hides_empty_groups(page):
    page.zj.open("/indicators/")
    rows = page.locator("tr[data-zj-text]")
    total = rows.count()
    assert total > 100 and page.locator("section[data-zj-group]").count() >= 2
    page.fill("#zj-indicator-search", "亩均")
    shown = page.locator("tr[data-zj-text]:visible")
    assert 0 < shown.count() < total
    assert all("亩均" in text for text in shown.locator("td:nth-child(2)").all_inner_texts())
    assert page.locator("[data-zj-filter-count]").inner_text() == f"{shown.count()} / {total}"
    assert page.locator("section[data-zj-group]:visible").count() < page.locator("section[data-zj-group]").count()
    page.zj.assert_clean()


def test_a_county_report_prints_on_at_most_two_a4_pages(page):
    page.zj.open("/county/330782/")
    pdf = page.pdf(format="A4", print_background=True)
    pages = len(re.findall(rb"/Type\s*/Page[^s]", pdf))
    assert 1 <= pages <= 2, pages
    # the printed report holds the summary table and four charts, drawn before printing
    assert page.locator(".zj-print-table tbody tr").count() >= 1
    assert page.locator(".zj-print-chart [data-rendered='1']").count() == 4


def test_a_group_page_draws_its_cards_and_map(page):
    page.zj.open("/group/mountain-26/")
    page.zj.screenshot("group-mountain-26")
    assert "山区26县" in page.locator("h1").inner_text()
    assert page.locator("#county-map").get_attribute("data-rendered") == "1"
    page.zj.assert_clean()


def test_changing_the_map_keeps_the_filter_and_the_place_on_the_page(page, site):
    page.zj.open("/city/330700/")
    with page.expect_navigation():
        page.select_option("#map", index=1)
    wait_for_figures(page)
    assert page.url.endswith("#zj-map") and "map=" in page.url
    # the reader is taken back to the map once the charts above it are drawn, not left at the page top
    page.wait_for_function(
        "() => { const top = document.getElementById('zj-map').getBoundingClientRect().top;"
        " return top >= 0 && top < window.innerHeight; }",
        timeout=5_000,
    )
    assert page.evaluate("window.scrollY") > 0
