"""Plumbing of the bench: scratch databases, subprocesses, statistics, machine facts."""

from __future__ import annotations

import json
import os
import platform
import shutil
import socket
import statistics
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).absolute().parent.parent
PY = sys.executable
PG_HOST, PG_PORT, PG_USER = "127.0.0.1", 5432, "postgres"


def pg_dsn(dbname):
    return f"postgresql://{PG_USER}@{PG_HOST}:{PG_PORT}/{dbname}"


def pg_url(dbname):
    return f"postgres://{PG_USER}@{PG_HOST}:{PG_PORT}/{dbname}"


def stats(samples):
    samples = [float(s) for s in samples]
    return {
        "median": statistics.median(samples),
        "min": min(samples),
        "max": max(samples),
        "n": len(samples),
    }


@dataclass
class Context:
    tmp: Path
    quick: bool
    log: list = field(default_factory=list)
    started: float = field(default_factory=time.perf_counter)

    def say(self, message):
        line = f"[bench {time.perf_counter() - self.started:6.1f}s] {message}"
        print(line, flush=True)
        self.log.append(line)

    def env(self, database_url, **extra):
        env = {k: v for k, v in os.environ.items() if k not in {"DATABASE_URL", "DJANGO_SETTINGS_MODULE"}}
        env.update(
            DJANGO_SETTINGS_MODULE="bench.settings",
            DATABASE_URL=database_url,
            DEBUG="0",
            SECRET_KEY="bench-only",
            ALLOWED_HOSTS="127.0.0.1,testserver",
            UPLOAD_ROOT=str(self.tmp / "uploads"),
            BENCH_STATIC_ROOT=str(self.tmp / "static"),
            STATIC_ROOT=str(self.tmp / "static"),
            # plain HTTP on the loopback: no TLS redirect (requests also say X-Forwarded-Proto: https)
            SECURE_SSL_REDIRECT="0",
            PYTHONPATH=os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")])),
            PYTHONHASHSEED="0",
        )
        env.update({k: str(v) for k, v in extra.items()})
        return env

    def run(self, argv, env, *, name, timeout=1800):
        """Run a command in the work tree; raise with the tail of its output on failure."""
        logfile = self.tmp / f"{name}.log"
        start = time.perf_counter()
        with open(logfile, "w") as out:
            proc = subprocess.run(argv, cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT, timeout=timeout)
        elapsed = time.perf_counter() - start
        if proc.returncode != 0:
            tail = logfile.read_text(errors="replace")[-3000:]
            raise RuntimeError(f"{' '.join(map(str, argv[:4]))} failed (exit {proc.returncode}):\n{tail}")
        return elapsed

    def manage(self, database_url, *args, name, **extra_env):
        return self.run([PY, "manage.py", *args], self.env(database_url, **extra_env), name=name)

    def worker(self, task, database_url, *args, name=None, **extra_env):
        name = name or task
        out = self.tmp / f"{name}.json"
        argv = [PY, "-m", "bench.worker", task, "--out", str(out), *map(str, args)]
        self.run(argv, self.env(database_url, **extra_env), name=name)
        return json.loads(out.read_text())


def sqlite_url(path: Path):
    return f"sqlite:///{path}"


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def pg_available():
    try:
        import psycopg

        with psycopg.connect(pg_dsn("postgres"), connect_timeout=3) as conn:
            return conn.execute("SHOW server_version").fetchone()[0]
    except Exception:
        return None


def pg_create(dbname):
    import psycopg

    with psycopg.connect(pg_dsn("postgres"), autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{dbname}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{dbname}"')


def pg_drop(dbname):
    import psycopg

    try:
        with psycopg.connect(pg_dsn("postgres"), autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{dbname}" WITH (FORCE)')
    except Exception as exc:  # never let cleanup hide the results
        print(f"[bench] could not drop {dbname}: {exc}", file=sys.stderr)


def _version(module):
    try:
        from importlib.metadata import version

        return version(module)
    except Exception:
        return "?"


def _cmd(argv):
    try:
        return subprocess.run(argv, capture_output=True, text=True, timeout=10, cwd=ROOT).stdout.strip()
    except Exception:
        return ""


def loadavg():
    try:
        return [round(x, 2) for x in os.getloadavg()]
    except OSError:
        return None


def machine(pg_version=None):
    mem = ""
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal:"):
                mem = f"{int(line.split()[1]) / 1024 / 1024:.1f} GiB"
    except OSError:
        pass
    cpu = ""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    import sqlite3

    wrk = shutil.which("wrk")
    dirty = _cmd(["git", "status", "--porcelain", "--untracked-files=no"])
    return {
        "date": time.strftime("%Y-%m-%d %H:%M %Z"),
        "loadavg_start": loadavg(),
        "nproc": os.cpu_count(),
        "cpu": cpu,
        "memory": mem,
        "os": platform.platform(),
        "python": platform.python_version(),
        "commit": (_cmd(["git", "rev-parse", "--short", "HEAD"]) or "?") + (" + uncommitted changes" if dirty else ""),
        "versions": {
            name: _version(name)
            for name in ("Django", "pandas", "numpy", "plotly", "python-calamine", "openpyxl", "psycopg", "gunicorn")
        },
        "sqlite": sqlite3.sqlite_version,
        "postgresql": pg_version or "not reachable",
        "wrk": (_cmd([wrk, "--version"]).splitlines() or ["?"])[0].split(" [")[0] if wrk else "not installed",
    }
