"""Concurrent writes and reviews of one county-year: versions beside versions, reviews queued on the regions.

Needs real concurrent connections, so it runs on PostgreSQL only (CI runs the suite there too)."""

import threading

import pytest
from django.db import connection, connections

from indicators.ingest import ParsedValue
from indicators.models import Observation, Upload
from indicators.services import observations_write, system_user

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


@pytest.fixture(autouse=True)
def postgres_only():
    if connection.vendor != "postgresql":
        pytest.skip("concurrent-upload test needs PostgreSQL (set DATABASE_URL)")


def value(v):
    return ParsedValue("330782", "value_added", 2023, v, "2023年", "B3", str(v), "亿元")


def test_two_simultaneous_uploads_of_one_county_year_keep_both_versions():
    from targets.services import catalog_bootstrap

    catalog_bootstrap()  # transactional tests start from an empty database
    user = system_user()
    uploads = [Upload.objects.create(original_name=f"{n}.xlsx", sha256=str(n) * 64, uploaded_by=user) for n in (1, 2)]
    barrier = threading.Barrier(2)
    errors = []

    def write(upload, v):
        try:
            barrier.wait(timeout=10)
            observations_write(upload=upload, values=[value(v)])
        except Exception as exc:  # surfaced below; a thread's exception would otherwise vanish
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=write, args=(u, v)) for u, v in zip(uploads, (500.0, 510.0), strict=True)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=30)
    assert errors == []
    rows = Observation.objects.filter(region__code="330782", indicator__code="value_added", year=2023)
    assert sorted(rows.values_list("version", flat=True)) == [1, 2]
    assert rows.filter(is_current=True).count() == 1
    assert set(rows.values_list("value", flat=True)) == {500.0, 510.0}
    assert set(rows.values_list("upload_id", flat=True)) == {u.pk for u in uploads}


def test_sixty_concurrent_reviews_queue_on_the_data_they_change():
    """6 uploads of the same two keys (versions 1–6), 10 reviewers each at the same moment, half approving and
    half returning, through the views: every answer is a page with a message, never a 500; each upload is
    reviewed once; the approved version of a key is the newest ever approved, and the current one the newest
    still standing."""
    from django.test import Client
    from django.urls import reverse

    from indicators.access import account_provision
    from targets.services import catalog_bootstrap

    catalog_bootstrap()
    user = system_user()
    uploads = []
    for n in range(1, 7):
        upload = Upload.objects.create(original_name=f"{n}.xlsx", sha256=str(n) * 64, uploaded_by=user)
        pair = [value(500.0 + n), ParsedValue("330782", "employees", 2023, 20.0 + n, "2023年", "C3", "x", "万人")]
        observations_write(upload=upload, values=pair)
        uploads.append(upload)
    reviewer, _ = account_provision(username="reviewer", role="province")
    jobs = [(u.pk, "approve" if i % 2 else "return") for u in uploads for i in range(10)]
    barrier = threading.Barrier(len(jobs))
    answers = []

    def review(pk, action):
        client = Client(raise_request_exception=False)
        client.force_login(reviewer)
        try:
            barrier.wait(timeout=30)
            name = "indicators:approve" if action == "approve" else "indicators:return"
            response = client.post(reverse(name, args=[pk]), {"comment": "数值有误"}, follow=True)
            answers.append((pk, action, response.status_code, _message(response)))
        finally:
            connections.close_all()

    threads = [threading.Thread(target=review, args=job) for job in jobs]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    assert len(answers) == 60 and {code for _, _, code, _ in answers} == {200}
    done = [(pk, action) for pk, action, _, message in answers if message in ("已审核通过", "已退回，数据不再显示")]
    assert sorted(pk for pk, _ in done) == [u.pk for u in uploads]  # each upload reviewed exactly once
    refused = {message for *_, message in answers} - {"已审核通过", "已退回，数据不再显示"}
    assert refused <= {
        "只能审核已提交的上传（当前状态：已审核）",
        "只能审核已提交的上传（当前状态：已退回）",
        "只能退回已提交的上传（当前状态：已审核）",
        "只能退回已提交的上传（当前状态：已退回）",
        "本上传有 2 个数值已有更新的已审核版本，不能审核通过；请退回此上传",
    }
    statuses = dict(Upload.objects.values_list("pk", "status"))
    for indicator in ("value_added", "employees"):
        rows = Observation.objects.filter(region__code="330782", indicator__code=indicator, year=2023)
        versions = dict(rows.values_list("version", "status"))
        approved = [v for v, s in versions.items() if s == "approved"]
        ever_approved = [v for v, s in versions.items() if s in ("approved", "superseded")]
        assert approved == ([max(ever_approved)] if ever_approved else [])
        standing = [v for v, s in versions.items() if s in ("approved", "submitted")]
        assert list(rows.filter(is_current=True).values_list("version", flat=True)) == (
            [max(standing)] if standing else []
        )
    assert set(statuses.values()) <= {"approved", "returned"}


def _message(response):
    from django.contrib.messages import get_messages

    return " ".join(str(m) for m in get_messages(response.wsgi_request))
