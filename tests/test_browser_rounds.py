"""A reporting round walked in a real browser (the live server and Chromium of tests/test_browser.py):
province staff open it, 义乌's official sends a partial upload, it is returned, resent in full and
approved, the round is closed and reopened with a reason; the status page and the inbox follow."""

import datetime
from urllib.parse import urlsplit

import pytest
from django.utils import timezone

from tests.browser import VIEWPORT, Watch, login
from tests.test_browser import LOCALE, chromium, county_official, fresh_gap_tables, site  # noqa: F401 (fixtures)

pytestmark = [pytest.mark.browser, pytest.mark.django_db]
YEAR = 2025  # after the demo years (2013–2024): every county starts 未开始


def workbook(tmp_path, name, header, row):
    from openpyxl import Workbook

    wb = Workbook()
    ws = wb.active
    ws.title = f"{YEAR}年"
    ws.append([f"{YEAR}年义乌市工业主要指标"])
    ws.append(["地区", *header])
    ws.append(["义乌市", *row])
    path = tmp_path / name
    wb.save(path)
    return str(path)


def yiwu_state(page):
    page.goto(f"{page.zj.site.url}/rounds/{YEAR}/?city=330700")
    row = page.locator('tr[data-code="330782"]')
    return row.locator(".zj-state").inner_text(), row.locator("td.text-end").inner_text()


def send(page, path):
    page.goto(page.zj.site.url + "/upload/")
    page.set_input_files("input[type=file]", path)
    with page.expect_navigation(url="**/preview/"):
        page.get_by_role("button", name="上传并预览").click()
    text = page.content()
    with page.expect_navigation():
        page.get_by_role("button", name="确认提交审核").click()
    return text


def test_a_round_is_opened_filled_returned_resubmitted_approved_closed_and_reopened(
    chromium,  # noqa: F811
    site,  # noqa: F811
    county_official,  # noqa: F811
    tmp_path,
):
    contexts = [chromium.new_context(viewport=VIEWPORT, locale=LOCALE) for _ in range(2)]
    province, county = (c.new_page() for c in contexts)
    province.zj, county.zj = Watch(province, site), Watch(county, site)

    province.zj.open("/rounds/")
    province.fill("#id_year", str(YEAR))
    deadline = timezone.localdate() + datetime.timedelta(days=30)
    province.fill("#id_deadline", deadline.isoformat())
    province.fill("#id_indicators", "value_added,employees")
    with province.expect_navigation():
        province.get_by_role("button", name="开启").click()
    assert urlsplit(province.url).path == f"/rounds/{YEAR}/"
    assert province.locator("tr[data-code]").count() == 90
    assert yiwu_state(province) == ("未开始", "0/2")

    county.goto(site.url + "/upload/")
    login(county, county_official.username, county_official.password)
    preview = send(county, workbook(tmp_path, "partial.xlsx", ["规上工业增加值（亿元）"], [777.7]))
    assert "部分提交" in preview and "规模以上工业从业人员平均人数" in preview
    assert yiwu_state(province) == ("已提交", "1/2")

    province.goto(site.url + "/uploads/")
    assert province.locator("#nav-pending").inner_text() == "1" and province.locator("#nav-unread").is_visible()
    province.get_by_role("link", name="partial.xlsx").click()
    province.fill("#id_comment", "缺从业人员平均人数，请补全")
    with province.expect_navigation():
        province.get_by_role("button", name="退回").click()
    province.zj.screenshot("round-returned")
    assert yiwu_state(province) == ("已退回", "0/2")

    county.goto(site.url + "/inbox/")
    assert county.locator("#nav-unread").inner_text() == "1"
    assert "缺从业人员平均人数，请补全" in county.locator("#inbox").inner_text()
    full = workbook(tmp_path, "full.xlsx", ["规上工业增加值（亿元）", "从业人员平均人数（万人）"], [777.7, 33.3])
    assert "部分提交" not in send(county, full)
    assert yiwu_state(province) == ("已提交", "2/2")

    province.goto(site.url + "/uploads/?status=submitted")
    province.get_by_role("link", name="full.xlsx").click()
    with province.expect_navigation():
        province.get_by_role("button", name="审核通过").click()
    assert yiwu_state(province) == ("已审核", "2/2")
    assert province.locator('tr[data-code="330782"] .zj-on-time').inner_text() == "按时"

    with province.expect_navigation():
        province.get_by_role("button", name="关闭轮次并锁定已审核数据").click()
    assert province.locator("#round-state").inner_text() == "已关闭"
    province.fill("#id_reason", "义乌补报修订")
    with province.expect_navigation():
        province.get_by_role("button", name="重新开启").click()
    province.zj.screenshot("round-reopened")
    assert province.locator("#round-state").inner_text() == "填报中"
    province.zj.open("/audit/?kind=round")
    assert "义乌补报修订" in province.content()

    for context in contexts:
        context.close()
    province.zj.assert_clean()
    county.zj.assert_clean()
