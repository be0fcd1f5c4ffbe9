"""Dashboard pages: they answer, show what they promise, and use a constant number of queries."""

import pytest
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


@pytest.mark.parametrize("url", PAGES)
def test_every_dashboard_page_answers_with_a_constant_number_of_queries(
    url, admin_client, some_data, django_assert_max_num_queries
):
    admin_client.get(url)  # warm the per-version gap tables
    with django_assert_max_num_queries(12):
        response = admin_client.get(url)
    assert response.status_code == 200


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
    text = response.content.decode("utf-8")
    assert text.splitlines()[0].startswith("县（市、区）")
    assert sum(1 for line in text.splitlines()[1:] if line) == 90


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
