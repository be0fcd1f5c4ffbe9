"""``python -m bench`` (``make bench``): the budgets a user feels, measured on scratch databases; prints a table
and writes BENCHMARKS.md. ``--quick``: fewer runs and a 15 s load test.

SQLite parts always run; the PostgreSQL parts run when 127.0.0.1:5432 answers (database BENCH_PG_DB,
default zj_bench, created and dropped here) and are skipped with a line otherwise. db.sqlite3 is never touched.
"""

import json
import os
import platform
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).absolute().parent.parent
PG = "postgresql://postgres@127.0.0.1:5432"

INTRO = """# Benchmarks

`make bench` (`python -m bench`) writes this file; timings are never asserted in tests. Province scale is
`bootstrap --demo` (the catalog and the demo statistics of the 90 counties, 2013–2024) in a scratch database.
Pages and uploads go through gunicorn (`DEBUG=0`, no `CACHE_URL`) on the loopback interface and the public URLs:
a *first request after a data change* follows `indicators.versioning.data_changed()` committed from another
process (one worker already started); *warm* is the next request of the same page. The county official fills
the template `/upload/template/` serves and posts it to `/upload/`; the province roll-up is one sheet per year,
counties × indicators, posted to gunicorn × 4 as README deploys it; upload → preview is the POST plus the preview
page, confirm the POST plus the page it leads to. The process that makes a change builds the new version's
tables once and stores them for every worker (`import_stats` before its commit, a request after its response,
while the workers' data pages wait for them); the bench commits from its own process, so a *first request after a
data change* loads them, and the roll-up row "tables stored" shows how long that build takes after a confirm. National scale: `compute_gaps` for every catalog target over a synthetic country (fixed seed). Load:
50 clients (a small asyncio client) for 60 s against gunicorn × 4 on PostgreSQL while `import_stats --approve`
changes a value every 10 s; a response is *older than the last commit* when its `X-Data-Version` is below the
generation committed before the request was sent. This is a 2-core machine that other work may share: read
the load average below before the numbers.
"""


def pg_version():
    try:
        import psycopg

        with psycopg.connect(f"{PG}/postgres", connect_timeout=3) as conn:
            return conn.execute("SHOW server_version").fetchone()[0]
    except Exception:
        return None


def pg(sql):
    import psycopg

    with psycopg.connect(f"{PG}/postgres", autocommit=True) as conn:
        conn.execute(sql)


def run(env, *argv):
    """Run a command in the work tree; its stdout, or exit with its output on failure."""
    proc = subprocess.run([sys.executable, *argv], cwd=ROOT, env=env, capture_output=True, text=True)
    if proc.returncode:
        sys.exit(f"bench: {' '.join(argv[:3])} failed:\n{proc.stdout[-3000:]}\n{proc.stderr[-3000:]}")
    return proc.stdout


def measure(env, database_url, part, quick):
    env = {**env, "DATABASE_URL": database_url}
    print(f"[bench] {part}: bootstrap --demo, collectstatic, measure", flush=True)
    run(env, "manage.py", "bootstrap", "--demo")
    if database_url.startswith("postgres"):
        # the planner statistics autovacuum gathers within a minute of a bulk load; measured without them,
        # PostgreSQL reads the observations by a nested loop at twice the cost a running site pays
        import psycopg

        with psycopg.connect(database_url, autocommit=True) as conn:
            conn.execute("ANALYZE")
    run(env, "manage.py", "collectstatic", "--noinput", "-v0")
    return json.loads(run(env, "-m", "bench.measure", part, *(["--quick"] if quick else [])).splitlines()[-1])


def verdict(r):
    if "skipped" in r:
        return r["measurement"], "—", "—", f"skipped: {r['skipped']}"
    if "count" in r:
        return r["measurement"], str(r["count"]), str(r["budget"]), "PASS" if r["count"] <= r["budget"] else "FAIL"
    result = f"{r['ms']:,.0f} ms" + (f" ({r['note']})" if r["note"] else "")
    if r["budget_ms"] is None:  # measured so that the cost moved elsewhere is seen, no budget of its own
        return r["measurement"], result, "—", "(no budget)"
    return r["measurement"], result, f"≤ {r['budget_ms']:,} ms", "PASS" if r["ms"] <= r["budget_ms"] else "FAIL"


def report(rows, facts):
    lines = ["| measurement | result | budget | verdict |", "|---|---|---|---|"]
    lines += ["| " + " | ".join(verdict(r)) + " |" for r in rows]
    machine = ["| " + " | ".join(facts) + " |", "|" + "---|" * len(facts), "| " + " | ".join(facts.values()) + " |"]
    return "\n".join(["## Budgets", "", *lines, "", "## Machine", "", *machine, ""])


def main():
    quick = "--quick" in sys.argv
    tmp = Path(tempfile.mkdtemp(prefix="zjbench-"))
    commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True, text=True)
    facts = {
        "date": time.strftime("%Y-%m-%d %H:%M %Z"),
        "commit": commit.stdout.strip() or "?",
        "machine": f"{os.cpu_count()} cores, {platform.platform(terse=True)}, Python {platform.python_version()}",
        "PostgreSQL": pg_version() or "not reachable",
        "load average at start": " / ".join(f"{x:.2f}" for x in os.getloadavg()),
    }
    env = {k: v for k, v in os.environ.items() if k not in {"CACHE_URL", "DJANGO_SETTINGS_MODULE", "DATABASE_URL"}}
    env.update(
        DEBUG="0", SECRET_KEY="bench-only", ALLOWED_HOSTS="127.0.0.1", SECURE_SSL_REDIRECT="0", DASHBOARD_PUBLIC="1",
        STATIC_ROOT=str(tmp / "static"), UPLOAD_ROOT=str(tmp / "uploads"), TABLES_ROOT=str(tmp / "tables"),
        CACHE_DIR=str(tmp / "cache"), LOG_LEVEL="ERROR",
    )  # fmt: skip
    rows = measure(env, f"sqlite:///{tmp / 'bench.sqlite3'}", "sqlite", quick)
    name = os.environ.get("BENCH_PG_DB", "zj_bench")
    if facts["PostgreSQL"] == "not reachable":
        rows.append({"measurement": "PostgreSQL parts (roll-up, load)", "skipped": "nothing answers on 127.0.0.1:5432"})
    else:
        pg(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        pg(f'CREATE DATABASE "{name}"')
        try:
            rows += measure(env, f"{PG}/{name}", "postgresql", quick)
        finally:
            pg(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    facts["load average at end"] = " / ".join(f"{x:.2f}" for x in os.getloadavg())
    facts["command"] = "python -m bench" + (" --quick" if quick else "")
    text = report(rows, facts)
    print(text)
    (ROOT / "BENCHMARKS.md").write_text(INTRO + "\n" + text, encoding="utf-8")
    shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
