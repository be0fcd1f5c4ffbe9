"""indicators/round_views.py and the review pages' rules: /rounds/, /rounds/<year>/ (filter, download,
close, reopen), the inbox with its unread count, and the 403 for reviewing one's own upload."""

import csv
import datetime
import io
import json

import pytest
from django.urls import reverse

from indicators.models import Notification, ReportingRound, Upload
from indicators.rounds import round_open
from targets.audit import audit_events
from tests.test_access import YIWU, make_user, submitted

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def upload_root(settings, tmp_path):
    settings.UPLOAD_ROOT = tmp_path / "uploads"


@pytest.fixture
def province(client):
    user = make_user("prov", "province")
    client.force_login(user)
    return user


def test_province_staff_open_a_round_and_see_every_county(client, province):
    response = client.post(reverse("indicators:rounds"), {"year": 2024, "deadline": "2025-03-31", "indicators": ""})
    assert response.status_code == 302 and response["Location"] == reverse("indicators:round", args=[2024])
    page = client.get(response["Location"]).content.decode()
    assert page.count('data-code="') == 90 and "未开始" in page  # 90 counties in 2024
    assert "2024" in client.get(reverse("indicators:rounds")).content.decode()


def test_a_second_round_for_the_year_is_refused_on_the_form(client, province):
    round_open(year=2024, deadline=datetime.date(2025, 3, 31))
    response = client.post(reverse("indicators:rounds"), {"year": 2024, "deadline": "2025-03-31"})
    assert response.status_code == 200 and "已在进行中" in response.content.decode()


def test_the_status_page_filters_by_city_and_downloads_what_it_shows(client, province):
    round_open(year=2024, deadline=datetime.date(2025, 3, 31), indicator_codes=["value_added"])
    url = reverse("indicators:round", args=[2024])
    assert client.get(url, {"city": "330700"}).content.decode().count('data-code="') == 9  # 金华's 9 counties
    rows = list(
        csv.DictReader(io.StringIO(client.get(url, {"city": "330700", "format": "csv"}).content.decode("utf-8-sig")))
    )
    assert len(rows) == 9 and rows[0]["city"] == "金华市" and rows[0]["required"] == "1"
    records = json.loads(client.get(url, {"city": "331100", "format": "json"}).content)
    assert {r["city"] for r in records} == {"丽水市"}


def test_city_staff_see_only_their_citys_counties(client, settings):
    settings.CITY_REVIEW = True
    round_open(year=2024, deadline=datetime.date(2025, 3, 31))
    client.force_login(make_user("jinhua", "city", ["330700"]))
    page = client.get(reverse("indicators:round", args=[2024]), {"city": "330100"}).content.decode()
    assert page.count('data-code="') == 9 and "杭州" not in page.split('id="round-status"')[1]
    assert client.post(reverse("indicators:round_close", args=[2024])).status_code == 403


def test_closing_and_reopening_through_the_page(client, province):
    round_open(year=2024, deadline=datetime.date(2025, 3, 31))
    client.post(reverse("indicators:round_close", args=[2024]))
    assert ReportingRound.objects.get(year=2024).state == "closed"
    client.post(reverse("indicators:round_reopen", args=[2024]), {"reason": ""})
    assert ReportingRound.objects.get(year=2024).state == "closed", "no reason, no reopening"
    client.post(reverse("indicators:round_reopen", args=[2024]), {"reason": "补报漏报县"})
    assert ReportingRound.objects.get(year=2024).state == "open"
    events = audit_events(kinds=["round"])
    assert events[0]["reason"] == "补报漏报县" and events[0]["object"] == "2024（填报中）"


def test_reviewing_ones_own_upload_answers_403_and_changes_nothing(client, province, tmp_path):
    own = submitted(province, tmp_path)
    assert client.post(reverse("indicators:approve", args=[own.pk])).status_code == 403
    assert client.post(reverse("indicators:return", args=[own.pk]), {"comment": "x"}).status_code == 403
    own.refresh_from_db()
    assert own.status == "submitted"
    assert "须由其他审核人审核" in client.get(reverse("indicators:detail", args=[own.pk])).content.decode()


def test_a_superuser_may_approve_their_own_upload_with_a_reason_that_is_audited(client, tmp_path):
    boss = make_user("boss", "admin")
    client.force_login(boss)
    own = submitted(boss, tmp_path)
    assert client.post(reverse("indicators:approve", args=[own.pk])).status_code == 403, "no reason given"
    client.post(reverse("indicators:approve", args=[own.pk]), {"override_reason": "县局无人值守，电话核实"})
    own.refresh_from_db()
    assert own.status == Upload.Status.APPROVED
    event = next(
        e for e in audit_events(kinds=["upload"]) if e["object_id"] == own.pk and e["detail"].startswith("已审核")
    )
    assert "县局无人值守，电话核实" in event["reason"]


def test_the_inbox_counts_unread_messages_and_opening_one_marks_it_read(client, tmp_path):
    reviewer = make_user("prov", "province")
    upload = submitted(make_user("yiwu", "county", [YIWU]), tmp_path)
    client.force_login(reviewer)
    page = client.get(reverse("indicators:uploads")).content.decode()
    assert 'id="nav-unread">1<' in page and 'id="nav-pending">1<' in page  # told of 义乌's submission
    note = Notification.objects.get(user=reviewer)
    response = client.get(reverse("indicators:inbox_open", args=[note.pk]))
    assert response["Location"] == reverse("indicators:detail", args=[upload.pk])
    assert 'id="nav-unread"' not in client.get(reverse("indicators:inbox")).content.decode()


def test_the_status_page_reads_in_a_fixed_number_of_queries(client, province, tmp_path, django_assert_max_num_queries):
    round_open(year=2023, deadline=datetime.date(2024, 3, 31))
    submitted(make_user("yiwu", "county", [YIWU]), tmp_path)  # one county with an upload, 89 without
    with django_assert_max_num_queries(14):
        assert client.get(reverse("indicators:round", args=[2023])).status_code == 200
