"""The production path: gunicorn with DEBUG=0 on PostgreSQL serves the overview and hashed static files.

Starts a real gunicorn on a free loopback port against a database it creates and drops; skipped
when PostgreSQL is not reachable. tests/test_staleness.py uses the same server."""

import contextlib
import os
import socket
import subprocess
import sys
import time
import urllib.request
import uuid
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PG = "postgresql://postgres@127.0.0.1:5432"


def _pg_available():
    try:
        import psycopg

        psycopg.connect(f"{PG}/postgres", connect_timeout=3).close()
        return True
    except Exception:
        return False


pytestmark = [
    pytest.mark.postgres,
    pytest.mark.skipif(not _pg_available(), reason="PostgreSQL not reachable on 127.0.0.1:5432"),
]


def _free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextlib.contextmanager
def production_database(tmp_path):
    """The default deployment settings (DEBUG=0, no CACHE_URL) on a fresh PostgreSQL database with the catalog."""
    import psycopg

    name = f"zj_smoke_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(f"{PG}/postgres", autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    env = {k: v for k, v in os.environ.items() if k not in {"CACHE_URL", "DJANGO_SETTINGS_MODULE"}}
    env.update(
        DATABASE_URL=f"{PG}/{name}",
        DEBUG="0",
        SECRET_KEY="smoke-test-only-" + uuid.uuid4().hex,
        ALLOWED_HOSTS="127.0.0.1",
        STATIC_ROOT=str(tmp_path / "static"),
        UPLOAD_ROOT=str(tmp_path / "uploads"),
        TABLES_ROOT=str(tmp_path / "tables"),
        CACHE_DIR=str(tmp_path / "cache"),
        DASHBOARD_PUBLIC="1",
        SECURE_SSL_REDIRECT="0",
    )
    try:
        _manage(env, "bootstrap")
        _manage(env, "collectstatic", "--noinput")
        yield env
    finally:
        with psycopg.connect(f"{PG}/postgres", autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture
def production_env(tmp_path):
    with production_database(tmp_path) as env:
        yield env


def _manage(env, *args):
    return subprocess.run([sys.executable, "manage.py", *args], cwd=ROOT, env=env, check=True, capture_output=True)


@contextlib.contextmanager
def gunicorn(env, workers=2, access_log=None):
    """A gunicorn on a free loopback port, stopped on exit; yields the base URL. ``access_log`` (a path)
    records the worker pid, path and X-Data-Version of every response."""
    port = _free_port()
    argv = [sys.executable, "-m", "gunicorn", "zjindustry.wsgi", "-w", str(workers), "-b", f"127.0.0.1:{port}"]
    argv += ["--timeout", "60"]
    if access_log:
        argv += ["--access-logfile", str(access_log), "--access-logformat", "%(p)s %(U)s %(s)s %({x-data-version}o)s"]
    server = subprocess.Popen(argv, cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        base = f"http://127.0.0.1:{port}"
        status, body, _ = get(f"{base}/healthz", attempts=60)
        assert (status, body) == (200, "ok")
        yield base
    finally:
        server.terminate()
        server.wait(timeout=20)


def get(url, attempts=1):
    """(status, body, X-Data-Version) of a GET, retried while the server is not up yet."""
    for attempt in range(attempts):
        try:
            with urllib.request.urlopen(url, timeout=30) as response:
                body = response.read().decode("utf-8", "replace")
                return response.status, body, response.headers.get("X-Data-Version")
        except OSError:
            if attempt == attempts - 1:
                raise
            time.sleep(0.5)


def test_gunicorn_serves_the_overview_from_postgresql(production_env):
    with gunicorn(production_env) as base:
        status, body, _ = get(f"{base}/")
        assert status == 200
        assert "全省总览" in body
        # whitenoise serves compressed, hashed static names under DEBUG=0
        assert "plotly.min." in body
        script = body.split('src="/static/vendor/plotly.min.')[1].split('"')[0]
        status, _, _ = get(f"{base}/static/vendor/plotly.min.{script}")
        assert status == 200
