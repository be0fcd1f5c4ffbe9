"""Two uploads of the same county-year at the same moment: two versions, exactly one current.

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
