"""The production path: gunicorn with DEBUG=0 on PostgreSQL serves the overview and hashed static files.

Starts a real gunicorn on a free loopback port against a database it creates and drops; skipped
when PostgreSQL is not reachable."""

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


pytestmark = pytest.mark.skipif(not _pg_available(), reason="PostgreSQL not reachable on 127.0.0.1:5432")


def _free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def production_env(tmp_path):
    import psycopg

    name = f"zj_smoke_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(f"{PG}/postgres", autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    env = dict(
        os.environ,
        DATABASE_URL=f"{PG}/{name}",
        DEBUG="0",
        SECRET_KEY="smoke-test-only-" + uuid.uuid4().hex,
        ALLOWED_HOSTS="127.0.0.1",
        STATIC_ROOT=str(tmp_path / "static"),
        UPLOAD_ROOT=str(tmp_path / "uploads"),
        DASHBOARD_PUBLIC="1",
        SECURE_SSL_REDIRECT="0",
    )
    yield env
    with psycopg.connect(f"{PG}/postgres", autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def _manage(env, *args):
    subprocess.run([sys.executable, "manage.py", *args], cwd=ROOT, env=env, check=True, capture_output=True)


def _get(url, attempts=60):
    for _ in range(attempts):
        try:
            with urllib.request.urlopen(url, timeout=10) as response:
                return response.status, response.read().decode("utf-8", "replace")
        except OSError:
            time.sleep(0.5)
    raise AssertionError(f"{url} never answered")


def test_gunicorn_serves_the_overview_from_postgresql(production_env):
    _manage(production_env, "bootstrap")
    _manage(production_env, "collectstatic", "--noinput")
    port = _free_port()
    server = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "zjindustry.wsgi", "-w", "2", "-b", f"127.0.0.1:{port}", "--timeout", "60"],
        cwd=ROOT,
        env=production_env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    try:
        status, body = _get(f"http://127.0.0.1:{port}/healthz")
        assert (status, body) == (200, "ok")
        status, body = _get(f"http://127.0.0.1:{port}/")
        assert status == 200
        assert "全省总览" in body
        # whitenoise serves compressed, hashed static names under DEBUG=0
        assert "plotly.min." in body
        script = body.split('src="/static/vendor/plotly.min.')[1].split('"')[0]
        status, _ = _get(f"http://127.0.0.1:{port}/static/vendor/plotly.min.{script}")
        assert status == 200
    finally:
        server.terminate()
        server.wait(timeout=20)
