"""Measurements that run inside Django, one task per process: ``python -m bench.worker TASK --out FILE``.

The orchestrator (bench/__main__.py) starts each task with DATABASE_URL pointing at a scratch database
and DJANGO_SETTINGS_MODULE=bench.settings; the task writes its numbers as JSON to --out.
"""

from __future__ import annotations

import argparse
import gc
import io
import json
import os
import re
import shutil
import sys
import time
from pathlib import Path

import django

ROOT = Path(__file__).absolute().parent.parent
JSON_SCRIPT_RE = re.compile(rb"<script\b[^>]*\btype=[\"']application/json[\"'][^>]*>(.*?)</script>", re.S | re.I)


def _setup():
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "bench.settings")
    if str(ROOT) not in sys.path:
        sys.path.append(str(ROOT))
    django.setup()


def _timed(fn, cpu: list | None = None):
    """Wall seconds and result of fn(); its CPU seconds (this process) are appended to ``cpu``. CPU time
    is the steadier figure when other work shares the machine: wall time waits for the cores, CPU not."""
    gc.collect()
    cpu_start, start = time.process_time(), time.perf_counter()
    result = fn()
    wall = time.perf_counter() - start
    if cpu is not None:
        cpu.append(time.process_time() - cpu_start)
    return wall, result


# --------------------------------------------------------------------------------------------------
# Catalog helpers (plain data for bench/datagen.py)
# --------------------------------------------------------------------------------------------------


def _indicator_dicts(**filters):
    from indicators.models import Indicator

    rows = Indicator.objects.filter(**filters).select_related("growth_of", "numerator", "denominator")
    return [
        {
            "code": i.code,
            "name": i.name,
            "unit": i.unit,
            "kind": i.kind,
            "level": i.level,
            "growth_of": i.growth_of.code if i.growth_of_id else None,
            "numerator": i.numerator.code if i.numerator_id else None,
            "denominator": i.denominator.code if i.denominator_id else None,
        }
        for i in rows.order_by("order", "code")
    ]


# --------------------------------------------------------------------------------------------------
# Province scale: fill the demo data out to every base indicator × 2013–2027, through the import path
# --------------------------------------------------------------------------------------------------


def task_extend(args):
    import pandas as pd
    from django.db import transaction

    from bench import datagen
    from indicators.ingest.results import ParsedValue, ParseResult
    from indicators.ingest.units import parse_unit
    from indicators.models import Region
    from indicators.services import import_file, observations_write, system_user, upload_create
    from targets.selectors import observations_frame

    base = _indicator_dicts(kind="base")
    regions = list(Region.objects.select_related("parent"))
    names = {r.code: r.name for r in regions}
    current = [r for r in regions if r.valid_to is None]
    demo = observations_frame()
    growth_codes = {i["code"] for i in base if i["growth_of"]}
    current_codes = {r.code for r in current}
    # 1. the demo's series of current units, filled out to 2013–2027 (forward and back-cast)
    share_codes = {i["code"] for i in base if i["unit"] == "%" and not i["growth_of"]}
    recent = demo[demo["region_code"].isin(current_codes)]
    if valid_from := {r.code: r.valid_from for r in current if r.valid_from}:
        first = recent["region_code"].map(valid_from).fillna(0)
        recent = recent[recent["year"] >= first]
    projected = datagen.extend_years(recent, datagen.PROVINCE_YEARS, growth_codes, share_codes)
    if valid_from:
        projected = projected[projected["year"] >= projected["region_code"].map(valid_from).fillna(0)]
    # 2. every (unit, base indicator) pair the demo leaves empty, 2013–2027, at the indicator's level
    # (county-level indicators for every county, city-level for the cities, province-level for the province)
    present = set(zip(demo["region_code"], demo["indicator_code"], strict=True))
    size_2013 = demo[(demo["indicator_code"] == "value_added") & (demo["year"] == min(datagen.PROVINCE_YEARS))]
    size_of = dict(zip(size_2013["region_code"], size_2013["value"], strict=False))
    parts = [projected]
    for level in ("county", "city", "province"):
        units = [r for r in current if r.level == level]
        specs = [i for i in base if i["level"] == level]
        if not units or not specs:
            continue
        if level == "county":
            sizes = [size_of.get(r.code, 100.0) for r in units]
        elif level == "city":
            sizes = [sum(v for c, v in size_of.items() if c[:4] == r.code[:4]) or 500.0 for r in units]
        else:
            sizes = [sum(size_of.values()) or 10000.0 for r in units]
        panel = datagen.synthetic_panel(
            [r.code for r in units],
            sizes,
            specs,
            datagen.PROVINCE_YEARS,
            seed=datagen.BENCH_SEED + len(level),
            valid_from=[r.valid_from for r in units],
        )
        missing = [pair not in present for pair in zip(panel["region_code"], panel["indicator_code"], strict=True)]
        parts.append(panel[missing])
    frame = pd.concat(parts, ignore_index=True)
    # Indicators whose catalog unit the importer cannot read (指数, 万千瓦, 场 …) cannot come through any
    # file; they go through the same write service with a hand-built parse result.
    unreadable = {i["code"] for i in base if parse_unit(i["unit"]) is None}
    direct = frame[frame["indicator_code"].isin(unreadable)]
    frame = frame[~frame["indicator_code"].isin(unreadable)]
    user = system_user()
    start = time.perf_counter()
    written = 0
    for year in sorted(frame["year"].unique()):
        data = datagen.rollup_workbook(frame[frame["year"] == year], names, base, title="全省工业主要指标")
        report = import_file(
            data=data, filename=f"bench-{year}.xlsx", user=user, year=int(year), approve=True, source="demo"
        )
        if not report["accepted"]:
            raise RuntimeError(f"bench workbook {year} rejected: {report['errors'][:5]}")
        written += report["created"] + report["updated"]
    if len(direct):
        values = [
            ParsedValue(r, i, int(y), float(v), "bench", "", repr(float(v)), "")
            for r, i, y, v in direct[datagen.OBS_COLUMNS].itertuples(index=False)
        ]
        result = ParseResult("bench-direct.json", "bench", values=values)
        with transaction.atomic():
            upload = upload_create(
                user=user, filename="bench-direct.json", data=b"{}", result=result, source="demo", status="approved"
            )
            summary = observations_write(upload=upload, values=values, approve=True)
        written += summary.created + summary.updated
    from indicators.models import Observation

    return {
        "generated": len(frame) + len(direct),
        "written": written,
        "unreadable_units": sorted(f"{i['code']} ({i['unit']})" for i in base if i["code"] in unreadable),
        "direct": len(direct),
        "seconds": time.perf_counter() - start,
        "observations_total": Observation.objects.filter(status="approved").count(),
        "base_indicators": len(base),
        "base_indicators_with_data": int(
            Observation.objects.filter(status="approved").values("indicator").distinct().count()
        ),
        "years": sorted({int(y) for y in Observation.objects.order_by().values_list("year", flat=True).distinct()}),
        "coverage": _coverage(base, current),
    }


def _coverage(base, current):
    """Per level: units, base indicators of that level, and how many (unit, indicator) series have data."""
    from targets.selectors import observations_frame

    obs = observations_frame()
    out = {}
    for level in ("county", "city", "province"):
        units = {r.code for r in current if r.level == level}
        codes = {i["code"] for i in base if i["level"] == level}
        mine = obs[obs["region_code"].isin(units) & obs["indicator_code"].isin(codes)]
        out[level] = {
            "units": len(units),
            "indicators": len(codes),
            "series": int(mine[["region_code", "indicator_code"]].drop_duplicates().shape[0]),
            "observations": len(mine),
        }
    return out


# --------------------------------------------------------------------------------------------------
# 1. Import
# --------------------------------------------------------------------------------------------------


def _import_workbook(path: Path):
    """90 counties × the 40 county-level base indicators the targets use most (readable units) × 10 years."""
    from bench import datagen
    from indicators.ingest.units import parse_unit
    from indicators.models import Region
    from targets.selectors import targets_frame

    names = dict(Region.objects.values_list("code", "name"))
    from indicators.demo import demo_counties

    counties = demo_counties()
    county_base = [i for i in _indicator_dicts(kind="base", level="county") if parse_unit(i["unit"]) is not None]
    indicators = datagen.pick_indicators(
        county_base, targets_frame(), _indicator_dicts(kind="derived"), datagen.IMPORT_INDICATORS
    )
    frame = datagen.import_frame(counties, indicators)
    path.write_bytes(datagen.rollup_workbook(frame, names, indicators))
    return frame, indicators, counties


def task_import(args):
    import python_calamine
    from django.core.management import call_command
    from django.db import connections

    work = Path(args.workdir)
    work.mkdir(parents=True, exist_ok=True)
    book = work / "import-90x40x10.xlsx"
    frame, indicators, counties = _import_workbook(book)
    data = book.read_bytes()
    cells = len(frame)

    def raw_read():
        wb = python_calamine.CalamineWorkbook.from_filelike(io.BytesIO(book.read_bytes()))
        n = 0
        for name in wb.sheet_names:
            n += sum(len(r) for r in wb.get_sheet_by_name(name).to_python(skip_empty_area=True))
        return n

    def command(*extra):
        out = io.StringIO()
        call_command("import_stats", str(book), "--json", *extra, stdout=out, stderr=io.StringIO())
        report = json.loads(out.getvalue().strip().splitlines()[-1])
        if not report["accepted"]:
            raise RuntimeError(f"import rejected: {report['errors'][:5]}")
        return report

    db = Path(args.db)
    pristine = Path(args.pristine)
    raw, dry, real = [], [], []
    cpu = {"raw": [], "dry": [], "real": []}
    reports = {}
    raw_read()  # load python-calamine once
    command("--dry-run")  # and everything the import imports
    # the reference and the dry run alternate, so that a busy moment of the machine falls on both
    for _ in range(args.repeats):
        t, grid_cells = _timed(raw_read, cpu["raw"])
        raw.append(t)
        t, reports["dry"] = _timed(lambda: command("--dry-run"), cpu["dry"])
        dry.append(t)
    for _ in range(args.repeats):
        connections.close_all()
        shutil.copyfile(pristine, db)
        t, reports["real"] = _timed(lambda: command("--approve"), cpu["real"])
        real.append(t)
    connections.close_all()
    rows = _stored_rows(db)
    floor = []
    cpu["floor"] = []
    for _ in range(args.repeats):
        shutil.copyfile(pristine, db)
        floor.append(_insert_floor(db, rows, cpu["floor"]))
    return {
        "cells": cells,
        "grid_cells": grid_cells,
        "file_bytes": len(data),
        "sheets": frame["year"].nunique(),
        "counties": len(counties),
        "indicators": len(indicators),
        "raw": raw,
        "dry": dry,
        "real": real,
        "cpu": cpu,
        "created": reports["real"]["created"],
        "floor": floor,
        "floor_rows": len(rows),
        "dry_created": reports["dry"]["created"],
        "warnings": len(reports["real"]["warnings"]),
    }


def task_import_pg(args):
    """The real import of the same workbook into PostgreSQL (COPY; foreign keys checked at commit), each run
    into a fresh copy of the catalog-only database (--dsn: the maintenance database to clone it from)."""
    import psycopg
    from django.conf import settings
    from django.core.management import call_command
    from django.db import connections

    book = Path(args.workdir) / "import-90x40x10.xlsx"
    name = settings.DATABASES["default"]["NAME"]
    wall, cpu, created = [], [], None
    for _ in range(args.repeats):
        connections.close_all()
        with psycopg.connect(args.dsn, autocommit=True) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
            admin.execute(f'CREATE DATABASE "{name}" TEMPLATE "{name}_pristine"')
        call_command("check", "--database", "default", stdout=io.StringIO())  # connect before the clock starts

        def command():
            out = io.StringIO()
            call_command("import_stats", str(book), "--json", "--approve", stdout=out, stderr=io.StringIO())
            return json.loads(out.getvalue().strip().splitlines()[-1])

        t, report = _timed(command, cpu)
        if not report["accepted"]:
            raise RuntimeError(f"import rejected: {report['errors'][:5]}")
        wall.append(t)
        created = report["created"]
    connections.close_all()
    return {"real": wall, "cpu": cpu, "created": created}


def _floor_columns() -> list[str]:
    """The observation columns an import writes (services._OBSERVATION_FIELDS), the upload's left out."""
    from indicators.models import Observation
    from indicators.services import _OBSERVATION_FIELDS

    return [Observation._meta.get_field(name).column for name in _OBSERVATION_FIELDS if name != "upload"]


def _stored_rows(db: Path) -> list[tuple]:
    """The observation rows the last real import stored, as plain tuples (upload id left out)."""
    import sqlite3

    with sqlite3.connect(db) as con:
        return con.execute(f"SELECT {', '.join(_floor_columns())} FROM indicators_observation ORDER BY id").fetchall()


def _insert_floor(db: Path, rows: list[tuple], cpu: list) -> float:
    """Wall seconds the database itself takes to store ``rows`` in the same table (same columns, indexes,
    constraints and foreign-key checks) with one plain executemany in one transaction: what any importer of
    this workbook pays on SQLite, whatever its parsing costs. The upload row it refers to is made first,
    outside the timing."""
    import sqlite3

    con = sqlite3.connect(db, isolation_level=None)
    try:
        con.execute("PRAGMA foreign_keys = ON")  # as Django's SQLite backend
        con.execute(
            "INSERT INTO indicators_upload (original_name, stored_name, sha256, size, shape, source, status, "
            "uploaded_at, years, value_count, warnings, review_comment) "
            "VALUES ('floor', '', '', 0, '', 'cli', 'approved', '2026-01-01', '[]', 0, '[]', '')"
        )
        upload_id = con.execute("SELECT max(id) FROM indicators_upload").fetchone()[0]
        rows = [(*row, upload_id) for row in rows]
        columns = [*_floor_columns(), "upload_id"]
        sql = f"INSERT INTO indicators_observation ({', '.join(columns)}) VALUES ({', '.join('?' * len(columns))})"

        def insert():
            con.execute("BEGIN")
            con.executemany(sql, rows)
            con.execute("COMMIT")

        wall, _ = _timed(insert, cpu)
        return wall
    finally:
        con.close()


# --------------------------------------------------------------------------------------------------
# 2. Gap engine (province)
# --------------------------------------------------------------------------------------------------


def task_engine(args):
    from django.conf import settings

    from targets import gaps
    from targets.selectors import engine_inputs

    inputs_t = []
    cpu = {"inputs": [], "compute": [], "aggregate": []}
    for _ in range(args.repeats):
        t, data = _timed(engine_inputs, cpu["inputs"])
        inputs_t.append(t)
    as_of = int(data.observations["year"].max())
    compute = []
    table = None
    for _ in range(args.repeats):
        t, table = _timed(
            lambda: gaps.compute_gaps(
                data.targets,
                data.observations,
                data.indicators,
                data.scopes,
                data.members,
                as_of,
                lineage=data.lineage,
                thresholds=settings.GAP_STATUS_THRESHOLDS,
            ),
            cpu["compute"],
        )
        compute.append(t)
    agg = []
    for _ in range(max(3, args.repeats // 2)):
        t, _agg = _timed(
            lambda: gaps.aggregate(data.observations, data.indicators, data.scopes, data.members, data.lineage),
            cpu["aggregate"],
        )
        agg.append(t)
    return {
        "inputs": inputs_t,
        "compute": compute,
        "aggregate": agg,
        "cpu": cpu,
        "as_of": as_of,
        "observations": len(data.observations),
        "indicators": len(data.indicators),
        "targets": len(data.targets),
        "scopes": len(data.scopes),
        "scope_levels": data.scopes["level"].value_counts().to_dict(),
        "members": len(data.members),
        "gap_rows": len(table),
    }


# --------------------------------------------------------------------------------------------------
# 3. Pages
# --------------------------------------------------------------------------------------------------


def _superuser():
    from django.contrib.auth import get_user_model

    User = get_user_model()
    user, _ = User.objects.get_or_create(
        username="bench-admin", defaults={"is_superuser": True, "is_staff": True, "is_active": True}
    )
    return user


def task_page(args):
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    client = Client()
    client.force_login(_superuser())

    def get(url):
        with CaptureQueriesContext(connection) as queries:
            cpu_start, start = time.process_time(), time.perf_counter()
            response = client.get(url, secure=True)
            elapsed = time.perf_counter() - start
            cpu.append(time.process_time() - cpu_start)
        if response.status_code != 200:
            raise RuntimeError(f"{url} answered {response.status_code}")
        return elapsed, len(queries), response

    cpu = []

    cold, cold_queries, response = get(args.url)
    cpu.clear()
    warm, queries = [], []
    for _ in range(args.repeats):
        gc.collect()
        t, q, response = get(args.url)
        warm.append(t)
        queries.append(q)
    warm_cpu = list(cpu)
    health = []
    get("/healthz")
    for _ in range(max(args.repeats, 20)):
        t, _q, _r = get("/healthz")
        health.append(t)
    body = response.content
    payload = sum(len(m) for m in JSON_SCRIPT_RE.findall(body))
    return {
        "url": args.url,
        "cold": cold,
        "cold_queries": cold_queries,
        "warm": warm,
        "warm_cpu": warm_cpu,
        "queries": queries,
        "healthz": health,
        "bytes": len(body),
        "plotly_bytes": payload,
        "figures": len(JSON_SCRIPT_RE.findall(body)),
    }


def task_profile_page(args):
    """Pyinstrument profile of one warm request (when pyinstrument is installed in the venv)."""
    from django.test import Client
    from pyinstrument import Profiler

    client = Client()
    client.force_login(_superuser())
    client.get(args.url, secure=True)
    client.get(args.url, secure=True)
    profiler = Profiler(interval=0.0005)
    profiler.start()
    for _ in range(args.repeats):
        client.get(args.url, secure=True)
    profiler.stop()
    Path(args.text).write_text(profiler.output_text(unicode=True, color=False, show_all=False))
    return {"url": args.url, "text": args.text}


# --------------------------------------------------------------------------------------------------
# 4. Load: a logged-in session for the load generator
# --------------------------------------------------------------------------------------------------


def task_session(args):
    from django.conf import settings
    from django.test import Client

    client = Client()
    client.force_login(_superuser())
    return {"cookie": f"{settings.SESSION_COOKIE_NAME}={client.cookies[settings.SESSION_COOKIE_NAME].value}"}


# --------------------------------------------------------------------------------------------------
# National scale (PostgreSQL): generate, COPY, then one query per engine DataFrame and compute_gaps
# --------------------------------------------------------------------------------------------------


def task_national(args):
    from bench import national

    return national.run(
        dsn=args.dsn,
        repeats=args.repeats,
        counties=args.counties,
        cities=args.cities,
        provinces=args.provinces,
    )


def main(argv=None):
    parser = argparse.ArgumentParser(prog="python -m bench.worker")
    parser.add_argument(
        "task", choices=["extend", "import", "import_pg", "engine", "page", "profile_page", "session", "national"]
    )
    parser.add_argument("--out", required=True)
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--url", default="/")
    parser.add_argument("--db", help="the scratch SQLite file DATABASE_URL points at")
    parser.add_argument("--pristine", help="catalog-only SQLite file copied over --db before each real import")
    parser.add_argument("--workdir")
    parser.add_argument("--text")
    parser.add_argument("--dsn")
    parser.add_argument("--counties", type=int)
    parser.add_argument("--cities", type=int)
    parser.add_argument("--provinces", type=int)
    args = parser.parse_args(argv)
    _setup()
    result = globals()[f"task_{args.task}"](args)
    Path(args.out).write_text(json.dumps(result, ensure_ascii=False, default=str))


if __name__ == "__main__":
    main()
