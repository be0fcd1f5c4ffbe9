"""No stale numbers: gunicorn with two workers and the default settings (DEBUG=0, no CACHE_URL, so the
workers share page files under CACHE_DIR), and again with Redis (CACHE_URL), serves a value changed by
`import_stats --approve`, run as a separate process, on every request after the import's commit, from both
workers.

PostgreSQL only (two processes and the command line share the database); skipped when it is not reachable."""

import time
from concurrent.futures import ThreadPoolExecutor

import pytest

from tests.test_deploy_smoke import _manage, _pg_available, get, gunicorn, production_database

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.skipif(not _pg_available(), reason="PostgreSQL not reachable on 127.0.0.1:5432"),
]


REDIS = "redis://127.0.0.1:6379/7"


def _redis():
    """A client of the test's Redis database, or None when no Redis answers."""
    import redis

    client = redis.Redis.from_url(REDIS, socket_connect_timeout=2)
    try:
        client.ping()
    except redis.exceptions.ConnectionError:
        return None
    return client


@pytest.fixture(params=["files", "redis"])
def production_env(request, tmp_path):
    """The default settings (page files under CACHE_DIR), and the same with Redis as README deploys several
    servers (CACHE_URL)."""
    client = None
    if request.param == "redis":
        client = _redis()
        if client is None:
            pytest.skip("Redis not reachable on 127.0.0.1:6379")
        client.flushdb()
    with production_database(tmp_path) as env:
        if client is not None:
            env["CACHE_URL"] = REDIS
        yield env
    if client is not None:
        client.flushdb()


HEADER = "地区代码,地区,指标,计量单位,年份,数值\n"
PAGE = "/county/330782/"


def _import(env, tmp_path, value):
    """义乌 330782 2024 规模以上工业增加值 set to ``value`` by the command line, approved."""
    path = tmp_path / f"yiwu-{value}.csv"
    path.write_text(f"{HEADER}330782,义乌市,规模以上工业增加值,亿元,2024,{value}\n", encoding="utf-8")
    _manage(env, "import_stats", str(path), "--approve")


def _requests(base, log, n=48):
    """n requests of the county page, eight at a time (so both workers answer: a cached page is quick enough for
    one worker to take four at a time alone): [(body, X-Data-Version)], and the pids of the workers that answered
    them (from the access log)."""
    before = len(log.read_text().splitlines())
    with ThreadPoolExecutor(8) as pool:
        responses = list(pool.map(lambda _: get(base + PAGE), range(n)))
    assert all(status == 200 for status, _, _ in responses)
    for _ in range(50):  # a worker logs a request just after sending its response
        lines = [line.split() for line in log.read_text().splitlines()[before:] if f" {PAGE} " in line]
        if len(lines) == n:
            break
        time.sleep(0.1)
    return [(body, int(version)) for _, body, version in responses], {pid for pid, *_ in lines}


def test_both_workers_show_each_command_line_import_on_their_next_request(production_env, tmp_path):
    _import(production_env, tmp_path, "547.78")
    log = tmp_path / "access.log"
    log.touch()
    with gunicorn(production_env, workers=2, access_log=log) as base:
        seen, pids = _requests(base, log)
        assert all("547.78" in body for body, _ in seen)
        assert len(pids) == 2, "both workers answered (and cached the page)"
        versions = {v for _, v in seen}
        assert len(versions) == 1

        for old, new in (("547.78", "777.77"), ("777.77", "888.88")):
            _import(production_env, tmp_path, new)
            seen, pids = _requests(base, log)
            assert len(pids) == 2, "both workers answered after the import"
            assert all(new in body and old not in body for body, _ in seen), f"a worker still showed {old}"
            previous, versions = versions, {v for _, v in seen}
            assert len(versions) == 1 and min(versions) > max(previous), "one newer X-Data-Version on every response"
