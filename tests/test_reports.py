"""The gap tables' keeping (targets/reports.py): per data version in each process, and built once by the writer
and stored with the version for every other process to load."""

import threading
import time

import pytest
from django.core.cache import cache
from django.db import connection, connections, transaction
from django.test.utils import CaptureQueriesContext

from indicators import versioning
from indicators.models import DataVersion
from targets import reports
from tests.factories import observe

pytestmark = pytest.mark.django_db


def _another_worker():
    """What a worker that has not served this version yet holds: nothing in memory, no page bodies."""
    reports._memo.update(version=None, tables={})
    cache.clear()


def _engine_reads(queries):
    # the engine's read of every observation (selectors.observations_frame): it reads back_series and, alone among
    # the page's reads of observations, sorts nothing
    return [
        q
        for q in queries.captured_queries
        if "indicators_observation" in q["sql"] and "back_series" in q["sql"] and "ORDER BY" not in q["sql"]
    ]


def _stored():
    return DataVersion.objects.values_list("tables_key", flat=True).get()


def test_the_writer_stores_the_new_tables_and_another_worker_shows_them_without_computing(
    admin_client, django_capture_on_commit_callbacks
):
    upload = observe([("330782", "value_added", 2024, 547.78)])
    with django_capture_on_commit_callbacks(execute=True), transaction.atomic():
        upload.observations.update(value=777.77)
        versioning.data_changed()
    assert _stored().startswith(versioning.key() + ":")

    _another_worker()
    with CaptureQueriesContext(connection) as queries:
        body = admin_client.get("/county/330782/").content.decode()
    assert "777.77" in body and "547.78" not in body
    assert _engine_reads(queries) == []


def test_moving_the_version_drops_the_stored_tables_and_a_worker_computes_its_own(
    admin_client, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True), transaction.atomic():
        versioning.data_changed()
    assert _stored()
    observe([("330782", "value_added", 2024, 547.78)])
    versioning.data_changed()  # inside the test's transaction: never committed, so nothing is built
    assert _stored() == versioning.BUILDING
    _another_worker()
    with CaptureQueriesContext(connection) as queries:
        body = admin_client.get("/county/330782/").content.decode()
    assert "547.78" in body
    assert len(_engine_reads(queries)) == 1


def test_tables_built_for_a_version_a_later_commit_replaced_are_not_stored():
    version = versioning.key()
    versioning.data_changed()
    assert versioning.store_tables(version, "old-tables", b"x") is False
    assert _stored() == versioning.BUILDING
    assert versioning.store_tables(versioning.key(), "new-tables", b"x") is True
    assert _stored() == "new-tables"


def test_a_stored_version_is_not_built_again(monkeypatch):
    reports.build_snapshot()
    first = _stored()
    assert first.startswith(versioning.key() + ":")
    monkeypatch.setattr(versioning, "store_tables", lambda *args: pytest.fail("built twice"))
    reports.build_snapshot()
    assert _stored() == first


def test_a_bulk_load_has_the_tables_built_once_after_its_last_commit(django_capture_on_commit_callbacks):
    sent = []

    def receiver(**kwargs):
        sent.append(versioning.key())

    versioning.moved.connect(receiver)
    try:
        with django_capture_on_commit_callbacks(execute=True), versioning.moved_once():
            for _ in range(3):
                with transaction.atomic():
                    versioning.data_changed()
    finally:
        versioning.moved.disconnect(receiver)
    assert sent == [versioning.key()]


def test_a_commit_made_answering_a_request_has_its_tables_built_after_the_response(
    django_capture_on_commit_callbacks,
):
    from django.core.signals import request_finished
    from django.db import close_old_connections

    from indicators.versioning import DataVersionMiddleware

    def approve(request):  # a view whose commit moves the version
        with django_capture_on_commit_callbacks(execute=True), transaction.atomic():
            versioning.data_changed()
        assert _stored() == versioning.BUILDING  # not built while the user waits for the response
        return "response"

    assert DataVersionMiddleware(approve)(None) == "response"
    assert _stored() == versioning.BUILDING
    # the server has sent the response (without Django's close_old_connections, which would close the test's
    # connection mid-transaction, as Django's own test client does)
    request_finished.disconnect(close_old_connections)
    try:
        request_finished.send(sender=None)
    finally:
        request_finished.connect(close_old_connections)
    assert _stored().startswith(versioning.key() + ":")


def test_a_failed_build_lets_the_readers_compute(monkeypatch):
    versioning.data_changed()
    monkeypatch.setattr(reports, "english_names", lambda: 1 / 0)
    with pytest.raises(ZeroDivisionError):
        reports.build_snapshot()
    assert _stored() == ""  # readers stop waiting for tables that will not come


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_a_reader_waits_for_the_writers_build_instead_of_computing_the_same_tables(admin_client):
    """A worker whose first request comes while the writer is still building loads the writer's tables when they
    are stored; it does not run the engine's read beside the writer (four workers would compute them at once)."""
    if connection.vendor != "postgresql":
        pytest.skip("a reader and a writer on two connections at once need PostgreSQL")
    from targets.services import catalog_bootstrap

    catalog_bootstrap()  # transactional tests start from an empty database
    upload = observe([("330782", "value_added", 2024, 547.78)])
    seen = {}

    def reader():
        try:
            with CaptureQueriesContext(connections["default"]) as queries:
                seen["body"] = admin_client.get("/county/330782/").content.decode()
            seen["engine reads"] = len(_engine_reads(queries))
        finally:
            connections.close_all()

    with versioning.moved_once():  # the writer builds when the block ends, as a bulk load does
        with transaction.atomic():
            upload.observations.update(value=777.77)
            versioning.data_changed()
        _another_worker()
        thread = threading.Thread(target=reader)
        thread.start()
        time.sleep(0.5)  # the reader has found the version being built
        assert thread.is_alive(), seen
    thread.join(timeout=30)
    assert _stored().startswith(versioning.key() + ":")
    assert "777.77" in seen["body"] and "547.78" not in seen["body"]
    assert seen["engine reads"] == 0


def _linping_back_series():
    """临平区 (330113, split from 余杭区 330110 in 2021): value_added 300 for 2019 as a back-series under today's
    boundaries and 350 of its own for 2021; 余杭区 1000 in 2019 (old boundaries, 临平 inside) and 700 in 2021."""
    from indicators.models import Observation

    observe([("330113", "value_added", 2019, 300.0), ("330113", "value_added", 2021, 350.0),
             ("330110", "value_added", 2019, 1000.0), ("330110", "value_added", 2021, 700.0)])  # fmt: skip
    Observation.objects.filter(region__code="330113", year=2019).update(back_series=True)


def test_a_back_series_year_is_in_the_split_off_units_own_series_and_in_no_sum():
    _linping_back_series()

    def value_added(scope):
        frame = reports.aggregate_series([scope], ["value_added"])
        return dict(zip(frame["year"], frame["value"], strict=True))

    assert value_added("county:330113") == {2019: 300.0, 2021: 350.0}
    # 余杭区's 2019 figure already holds 临平区's area: 1000, not 1000 + 300; 2021 sums both units, 700 + 350
    assert value_added("city:330100") == {2019: 1000.0, 2021: 1050.0}
    assert value_added("province") == {2019: 1000.0, 2021: 1050.0}
    # 临平区 did not exist in 2019: it reported nothing that year (the year coverage counts 余杭区 alone)
    coverage = reports.coverage.year_coverage(reports.inputs().observations, {"value_added"}, ["330110", "330113"], 0.8)
    assert dict(zip(coverage["year"], coverage["reported"], strict=True)) == {2019: 1, 2021: 2}


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_a_command_line_import_publishes_its_version_with_the_tables_built(tmp_path):
    """import_stats builds the tables inside its transaction: no other connection ever sees its version without
    them (so no worker waits for them or computes them beside the command)."""
    if connection.vendor != "postgresql":
        pytest.skip("a second connection watching the version row needs PostgreSQL")
    from django.core.management import call_command

    from targets.services import catalog_bootstrap

    catalog_bootstrap()  # transactional tests start from an empty database
    before = versioning.current()[1]
    path = tmp_path / "yiwu.csv"
    path.write_text("地区代码,地区,指标,计量单位,年份,数值\n330782,义乌市,规模以上工业增加值,亿元,2024,601\n")
    seen, done = set(), threading.Event()

    def watch():
        try:
            while not done.is_set():
                seen.add(DataVersion.objects.values_list("generation", "tables_key").get())
                time.sleep(0.005)
        finally:
            connections.close_all()

    watcher = threading.Thread(target=watch)
    watcher.start()
    try:
        call_command("import_stats", str(path), "--approve", stdout=None)
    finally:
        done.set()
        watcher.join(timeout=30)
    after = versioning.current()[1]
    assert after > before
    assert _stored().startswith(versioning.key() + ":")
    assert {key for generation, key in seen if generation == after} <= {_stored()}
