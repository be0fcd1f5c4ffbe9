"""``python -m bench`` (``make bench``): run the benchmarks on scratch databases and write BENCHMARKS.md.

Options: ``--only import,engine,pages,load,national`` and ``--quick`` (fewer repeats, a 15 s load test,
no national scale unless named in --only). Never touches db.sqlite3: every database is a SQLite file
under a temp dir or a PostgreSQL database the bench creates and drops (zj_bench_*).
"""

from __future__ import annotations

import argparse
import shutil
import sys
import tempfile
import time
import traceback
from pathlib import Path

from bench import load as loadtest
from bench import report
from bench.runner import (
    ROOT,
    Context,
    free_port,
    loadavg,
    machine,
    pg_available,
    pg_create,
    pg_drop,
    pg_dsn,
    pg_url,
    sqlite_url,
)

SECTIONS = ("import", "engine", "pages", "load", "national")
PAGES = ["/", "/county/330782/", "/cluster/smart-pv/", "/indicator/value_added/"]
LOAD_PATHS = ["/", "/county/330782/"]
PG_PROVINCE = "zj_bench_province"
PG_NATIONAL = "zj_bench_national"
PG_IMPORT, PG_IMPORT_PRISTINE = "zj_bench_import", "zj_bench_import_pristine"


def repeats(quick):
    if quick:
        return {"import": 3, "engine": 3, "pages": 5, "national": 3, "load_seconds": 15, "ref_seconds": 5}
    return {"import": 9, "engine": 7, "pages": 10, "national": 3, "load_seconds": 60, "ref_seconds": 10}


class Bench:
    def __init__(self, ctx: Context, only, keep=False):
        self.keep = keep
        self.ctx, self.only = ctx, only
        self.n = repeats(ctx.quick)
        self.results = {"setup": {}}
        self.catalog_db = ctx.tmp / "catalog.sqlite3"
        self.province_db = ctx.tmp / "province.sqlite3"
        self.pg_version = None
        self.static_done = False

    # -- scratch databases -----------------------------------------------------------------------

    def catalog(self):
        if not self.catalog_db.exists():
            self.ctx.say("bootstrap (catalog only) into a scratch SQLite file")
            t = self.ctx.manage(sqlite_url(self.catalog_db), "bootstrap", name="bootstrap-catalog")
            self.results["setup"]["bootstrap catalog (SQLite)"] = t
        return self.catalog_db

    def province(self, engine_hook=None):
        """Province scale on SQLite: bootstrap --demo, then every base indicator × 2013–2027."""
        if self.province_db.exists():
            return self.province_db
        shutil.copyfile(self.catalog(), self.province_db)
        url = sqlite_url(self.province_db)
        self.ctx.say("bootstrap --demo (SQLite)")
        self.results["setup"]["bootstrap --demo (SQLite)"] = self.ctx.manage(url, "bootstrap", "--demo", name="demo")
        if engine_hook:
            engine_hook(url)
        self.ctx.say("extend to every base indicator × 2013–2027 (SQLite)")
        self.results["province_extend"] = self.ctx.worker("extend", url, name="extend-sqlite")
        return self.province_db

    def collectstatic(self, url):
        if not self.static_done:
            self.ctx.say("collectstatic into a temp STATIC_ROOT")
            self.results["setup"]["collectstatic"] = self.ctx.manage(
                url, "collectstatic", "--noinput", "-v0", name="collectstatic"
            )
            self.static_done = True

    # -- sections --------------------------------------------------------------------------------

    def section_import(self):
        db = self.ctx.tmp / "import.sqlite3"
        shutil.copyfile(self.catalog(), db)
        self.ctx.say(f"import: 90 × 40 × 10 workbook, {self.n['import']} runs each")
        self.results["import"] = self.ctx.worker(
            "import",
            sqlite_url(db),
            "--repeats",
            self.n["import"],
            "--db",
            db,
            "--pristine",
            self.catalog_db,
            "--workdir",
            self.ctx.tmp / "import",
        )
        if not self.pg_version:
            return
        # the production database: the same real import into PostgreSQL, each run into a fresh copy of a
        # catalog-only database (CREATE DATABASE … TEMPLATE)
        pg_create(PG_IMPORT_PRISTINE)
        try:  # a failure here is reported beside the SQLite numbers, not instead of them
            self.ctx.say("import: catalog into PostgreSQL")
            self.ctx.manage(pg_url(PG_IMPORT_PRISTINE), "migrate", "-v0", name="migrate-import-pg")
            self.ctx.manage(pg_url(PG_IMPORT_PRISTINE), "bootstrap", name="bootstrap-import-pg")
            self.ctx.say(f"import: real import into PostgreSQL, {self.n['import']} runs")
            self.results["import"]["postgresql"] = self.ctx.worker(
                "import_pg",
                pg_url(PG_IMPORT),
                "--repeats",
                self.n["import"],
                "--workdir",
                self.ctx.tmp / "import",
                "--dsn",
                pg_dsn("postgres"),
                name="import-pg",
                CONN_MAX_AGE="0",
            )
        except Exception as exc:
            traceback.print_exc()
            self.results["import"]["postgresql"] = {"error": f"{type(exc).__name__}: {exc}"}
        finally:
            if not self.keep:
                pg_drop(PG_IMPORT)
                pg_drop(PG_IMPORT_PRISTINE)

    def _engine(self, url, label):
        self.ctx.say(f"engine: {label}, {self.n['engine']} runs")
        self.results.setdefault("engine", {})[label] = self.ctx.worker(
            "engine", url, "--repeats", self.n["engine"], name=f"engine-{label}"
        )

    def section_engine(self):
        if self.province_db.exists():
            self._engine(sqlite_url(self.province_db), "province")
            return
        self.province(engine_hook=lambda url: self._engine(url, "demo"))
        self._engine(sqlite_url(self.province_db), "province")

    def section_pages(self):
        url = sqlite_url(self.province())
        self.collectstatic(url)
        pages = {}
        for path in PAGES:
            self.ctx.say(f"pages: {path} (fresh process, {self.n['pages']} warm requests)")
            pages[path] = self.ctx.worker(
                "page", url, "--url", path, "--repeats", self.n["pages"], name=f"page-{len(pages)}"
            )
        self.results["pages"] = pages

    def section_national(self):
        if not self.pg_version:
            self.results["national"] = {"skipped": "PostgreSQL not reachable at 127.0.0.1:5432"}
            return
        catalog = sqlite_url(self.catalog())
        pg_create(PG_NATIONAL)
        try:
            self.ctx.say(f"national: generate, COPY, then {self.n['national']} × (6 queries + compute_gaps)")
            self.results["national"] = self.ctx.worker(
                "national", catalog, "--dsn", pg_dsn(PG_NATIONAL), "--repeats", self.n["national"]
            )
        finally:
            if not self.keep:
                pg_drop(PG_NATIONAL)

    def section_load(self):
        if not self.pg_version:
            self.results["load"] = {"skipped": "PostgreSQL not reachable at 127.0.0.1:5432"}
            return
        if not shutil.which("wrk"):
            self.results["load"] = {"skipped": "wrk not installed (apt-get install -y wrk)"}
            return
        url = pg_url(PG_PROVINCE)
        pg_create(PG_PROVINCE)
        try:
            self.ctx.say("load: bootstrap --demo into PostgreSQL")
            self.results["setup"]["bootstrap --demo (PostgreSQL)"] = self.ctx.manage(
                url, "bootstrap", "--demo", name="demo-pg"
            )
            self.ctx.say("load: extend to every base indicator × 2013–2027 (PostgreSQL)")
            self.results["province_extend_pg"] = self.ctx.worker("extend", url, name="extend-pg")
            self.collectstatic(url)
            cookie = self.ctx.worker("session", url)["cookie"]
            port = free_port()
            env = self.ctx.env(url, ALLOWED_HOSTS="127.0.0.1")
            out = {"port": port, "paths": LOAD_PATHS, "workers": 4}
            with loadtest.Gunicorn(env, port, workers=4, logfile=self.ctx.tmp / "gunicorn.log"):
                self.ctx.say(f"load: gunicorn on 127.0.0.1:{port}; warming the 4 workers")
                out["warm"] = loadtest.warm(port, LOAD_PATHS, cookie)
                self.ctx.say("load: one client, sequential requests (no queueing)")
                out["sequential"] = loadtest.sequential(port, LOAD_PATHS, cookie)
                ref = loadtest.wrk_script(self.ctx.tmp / "healthz.lua", ["/healthz"], cookie, 2_000_000)
                self.ctx.say(f"load: /healthz reference, 50 clients × {self.n['ref_seconds']} s")
                out["healthz"] = loadtest.run_wrk(port, ref, seconds=self.n["ref_seconds"])
                script = loadtest.wrk_script(self.ctx.tmp / "dashboard.lua", LOAD_PATHS, cookie, 200_000)
                self.ctx.say(f"load: overview + county page, 50 clients × {self.n['load_seconds']} s")
                out["dashboard"] = loadtest.run_wrk(port, script, seconds=self.n["load_seconds"])
            self.results["load"] = out
        finally:
            if not self.keep:
                pg_drop(PG_PROVINCE)

    def run(self):
        self.pg_version = pg_available()
        self.results["machine"] = machine(self.pg_version)
        for name in SECTIONS:
            if name not in self.only:
                continue
            start = time.perf_counter()
            try:
                getattr(self, f"section_{name}")()
            except Exception as exc:  # one broken section must not lose the others' numbers
                traceback.print_exc()
                self.results[name] = {"error": f"{type(exc).__name__}: {exc}"}
            self.results["setup"][f"section {name} (total)"] = time.perf_counter() - start
        return self.results


def main(argv=None):
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__.splitlines()[0])
    parser.add_argument("--only", help="comma-separated: " + ",".join(SECTIONS))
    parser.add_argument("--quick", action="store_true", help="fewer repeats, 15 s load test, skip national")
    parser.add_argument("--output", default=str(ROOT / "BENCHMARKS.md"), help="default: BENCHMARKS.md")
    parser.add_argument(
        "--keep", action="store_true", help="keep the temp dir and the zj_bench_* PostgreSQL databases (debugging)"
    )
    args = parser.parse_args(argv)
    if args.only:
        only = [s.strip() for s in args.only.split(",") if s.strip()]
        unknown = set(only) - set(SECTIONS)
        if unknown:
            parser.error(f"unknown section(s): {', '.join(sorted(unknown))}; choose from {','.join(SECTIONS)}")
    else:
        only = [s for s in SECTIONS if not (args.quick and s == "national")]
    tmp = Path(tempfile.mkdtemp(prefix="zjbench-"))
    ctx = Context(tmp=tmp, quick=args.quick)
    ctx.say(f"sections: {', '.join(only)}{' (quick)' if args.quick else ''}; scratch dir {tmp}")
    start = time.perf_counter()
    try:
        results = Bench(ctx, set(only), keep=args.keep).run()
    finally:
        if args.keep:
            ctx.say(f"kept {tmp}")
        else:
            shutil.rmtree(tmp, ignore_errors=True)
    results["command"] = (
        "python -m bench" + (f" --only {','.join(only)}" if args.only else "") + (" --quick" if args.quick else "")
    )
    results["wall_seconds"] = time.perf_counter() - start
    results["machine"]["loadavg_end"] = loadavg()
    text = report.write(Path(args.output), results)
    print(text.split(report.BEGIN, 1)[1].split(report.END, 1)[0] if report.BEGIN in text else text)
    ctx.say(f"wrote {args.output} in {results['wall_seconds']:.0f} s")
    return 1 if any(isinstance(results.get(s), dict) and "error" in results[s] for s in only) else 0


if __name__ == "__main__":
    sys.exit(main())
