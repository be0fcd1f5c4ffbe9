"""National scale on PostgreSQL: ~2,850 county-level units × 40 indicators × 20 years (≈2.3 M observations).

Runs inside a Django worker (for the catalog's targets and indicator definitions) but talks to its own
PostgreSQL database with psycopg 3 directly: the bench's tables mirror the dashboard's normalised shape
(observations keyed by region and indicator ids, joined back to codes in the query, filtered on status
and base kind), are loaded with COPY, and each engine DataFrame is built from one query.
"""

from __future__ import annotations

import gc
import io
import time

import numpy as np
import pandas as pd
import psycopg

from bench import datagen

SCHEMA = """
DROP TABLE IF EXISTS bench_observation, bench_member, bench_scope, bench_target, bench_indicator, bench_region;
CREATE TABLE bench_region (id integer PRIMARY KEY, code varchar(6) UNIQUE NOT NULL, name text NOT NULL,
    level varchar(10) NOT NULL, parent_id integer REFERENCES bench_region(id));
CREATE TABLE bench_indicator (id integer PRIMARY KEY, code varchar(80) UNIQUE NOT NULL, name text, kind varchar(10),
    numerator varchar(80), denominator varchar(80), factor double precision, direction varchar(10), unit text,
    growth_of varchar(80));
CREATE TABLE bench_observation (region_id integer NOT NULL, indicator_id integer NOT NULL, year smallint NOT NULL,
    value double precision NOT NULL, status varchar(12) NOT NULL);
CREATE TABLE bench_scope (scope text PRIMARY KEY, reported_code varchar(6), level varchar(10));
CREATE TABLE bench_member (scope text NOT NULL, region_code varchar(6) NOT NULL, role varchar(12) NOT NULL);
CREATE TABLE bench_target (target_id integer PRIMARY KEY, document text, indicator_code text, label text, kind text,
    comparator text, value double precision, unit text, target_year integer, base_year integer,
    period_start integer, per_year boolean, scope text, share_of text, policy_input boolean,
    threshold_indicator text, threshold_comparator text, threshold_value double precision,
    threshold_members text);
"""

QUERIES = {
    "observations": (
        "SELECT r.code, i.code, o.year, o.value FROM bench_observation o "
        "JOIN bench_region r ON r.id = o.region_id JOIN bench_indicator i ON i.id = o.indicator_id "
        "WHERE o.status = 'approved' AND i.kind = 'base'",
        ["region_code", "indicator_code", "year", "value"],
    ),
    "indicators": (
        "SELECT code, name, kind, numerator, denominator, factor, direction, unit, growth_of FROM bench_indicator",
        ["code", "name", "kind", "numerator", "denominator", "factor", "direction", "unit", "growth_of"],
    ),
    "scopes": ("SELECT scope, reported_code, level FROM bench_scope", ["scope", "reported_code", "level"]),
    "members": ("SELECT scope, region_code, role FROM bench_member", ["scope", "region_code", "role"]),
    "targets": (
        "SELECT target_id, document, indicator_code, label, kind, comparator, value, unit, target_year, base_year, "
        "period_start, per_year, scope, share_of, policy_input, threshold_indicator, threshold_comparator, "
        "threshold_value, threshold_members FROM bench_target ORDER BY target_id",
        [
            "target_id",
            "document",
            "indicator_code",
            "label",
            "kind",
            "comparator",
            "value",
            "unit",
            "target_year",
            "base_year",
            "period_start",
            "per_year",
            "scope",
            "share_of",
            "policy_input",
            "threshold_indicator",
            "threshold_comparator",
            "threshold_value",
            "threshold_members",
        ],
    ),  # fmt: skip
}


def _plain(value):
    if value is None or value is pd.NA or (isinstance(value, float) and np.isnan(value)):
        return None
    if isinstance(value, np.generic):
        return value.item()
    return value


def _copy_rows(cur, table, columns, rows):
    with cur.copy(f"COPY {table} ({', '.join(columns)}) FROM STDIN") as copy:
        for row in rows:
            copy.write_row([_plain(v) for v in row])


def _copy_frame(cur, table, frame, chunk=200_000):
    """COPY a large all-non-null frame as tab-separated text, in chunks."""
    columns = list(frame.columns)
    with cur.copy(f"COPY {table} ({', '.join(columns)}) FROM STDIN") as copy:
        for start in range(0, len(frame), chunk):
            buffer = io.StringIO()
            frame.iloc[start : start + chunk].to_csv(buffer, sep="\t", header=False, index=False)
            copy.write(buffer.getvalue().encode())


def load(conn, frames, indicators: pd.DataFrame, targets: pd.DataFrame) -> dict:
    regions = frames["regions"].reset_index(drop=True)
    region_id = {code: n + 1 for n, code in enumerate(regions["code"])}
    ind = indicators.reset_index(drop=True)
    indicator_id = {code: n + 1 for n, code in enumerate(ind["code"])}
    obs = frames["observations"]
    table = pd.DataFrame(
        {
            "region_id": obs["region_code"].map(region_id).astype("int64"),
            "indicator_id": obs["indicator_code"].map(indicator_id).astype("int64"),
            "year": obs["year"].astype("int64"),
            "value": obs["value"].astype(float),
            "status": "approved",
        }
    )
    start = time.perf_counter()
    with conn.cursor() as cur:
        cur.execute(SCHEMA)
        _copy_rows(
            cur,
            "bench_region",
            ["id", "code", "name", "level", "parent_id"],
            [
                (region_id[c], c, n, lvl, region_id.get(p) if p else None)
                for c, n, lvl, p in regions[["code", "name", "level", "parent_code"]].itertuples(index=False)
            ],
        )
        cols = ["code", "name", "kind", "numerator", "denominator", "factor", "direction", "unit", "growth_of"]
        _copy_rows(
            cur, "bench_indicator", ["id", *cols], [(indicator_id[r[0]], *r) for r in ind[cols].itertuples(index=False)]
        )
        copy_start = time.perf_counter()
        _copy_frame(cur, "bench_observation", table)
        copy_seconds = time.perf_counter() - copy_start
        _copy_rows(cur, "bench_scope", ["scope", "reported_code", "level"], frames["scopes"].itertuples(index=False))
        _copy_rows(cur, "bench_member", ["scope", "region_code", "role"], frames["members"].itertuples(index=False))
        tcols = QUERIES["targets"][1]
        _copy_rows(cur, "bench_target", tcols, targets.reindex(columns=tcols).itertuples(index=False))
        cur.execute("ANALYZE")
    return {"load_seconds": time.perf_counter() - start, "copy_seconds": copy_seconds, "copied_rows": len(table)}


def fetch(dsn) -> dict:
    """The engine's DataFrames, one query each (like targets.selectors.engine_inputs)."""
    out = {}
    with psycopg.connect(dsn) as conn, conn.cursor() as cur:
        for name, (sql, columns) in QUERIES.items():
            cur.execute(sql)
            out[name] = pd.DataFrame.from_records(cur.fetchall(), columns=columns)
    out["observations"] = out["observations"].astype(
        {"region_code": "object", "indicator_code": "object", "year": "int64", "value": "float64"}
    )
    out["indicators"] = out["indicators"].astype({"factor": "float64"})
    out["targets"]["base_year"] = out["targets"]["base_year"].astype("Int64")
    return out


def run(*, dsn, repeats=3, counties=None, cities=None, provinces=None) -> dict:
    from django.conf import settings

    from bench.worker import _indicator_dicts
    from indicators.models import Cluster
    from targets import gaps
    from targets.selectors import indicators_frame, targets_frame

    counties = counties or datagen.NATIONAL_COUNTIES
    cities = cities or datagen.NATIONAL_CITIES
    provinces = provinces or datagen.NATIONAL_PROVINCES
    targets = targets_frame()
    indicators = indicators_frame()
    base = _indicator_dicts(kind="base", level="county")
    derived = _indicator_dicts(kind="derived")
    chosen = datagen.pick_indicators(base, targets, derived, datagen.NATIONAL_INDICATORS)
    start = time.perf_counter()
    frames = datagen.national_frames(
        chosen,
        target_scopes=targets["scope"],
        cluster_slugs=Cluster.objects.values_list("slug", flat=True),
        n_counties=counties,
        n_cities=cities,
        n_provinces=provinces,
    )
    generate_seconds = time.perf_counter() - start
    with psycopg.connect(dsn, autocommit=True) as conn:
        loaded = load(conn, frames, indicators, targets)
    as_of = int(frames["observations"]["year"].max())
    fetch_t, compute_t, total_t, compute_cpu = [], [], [], []
    table = data = None
    for _ in range(repeats):
        del table, data
        gc.collect()
        t0 = time.perf_counter()
        data = fetch(dsn)
        t1, c1 = time.perf_counter(), time.process_time()
        table = gaps.compute_gaps(
            data["targets"],
            data["observations"],
            data["indicators"],
            data["scopes"],
            data["members"],
            as_of,
            lineage={},
            thresholds=settings.GAP_STATUS_THRESHOLDS,
        )
        t2 = time.perf_counter()
        compute_cpu.append(time.process_time() - c1)
        fetch_t.append(t1 - t0)
        compute_t.append(t2 - t1)
        total_t.append(t2 - t0)
    levels = frames["scopes"]["level"].value_counts().to_dict()
    return {
        "generate_seconds": generate_seconds,
        **loaded,
        "fetch": fetch_t,
        "compute": compute_t,
        "compute_cpu": compute_cpu,
        "total": total_t,
        "as_of": as_of,
        "observations": len(data["observations"]),
        "regions": frames["regions"]["level"].value_counts().to_dict(),
        "indicators_observed": int(data["observations"]["indicator_code"].nunique()),
        "years": int(data["observations"]["year"].nunique()),
        "scopes": len(data["scopes"]),
        "scope_levels": levels,
        "members": len(data["members"]),
        "targets": len(data["targets"]),
        "gap_rows": len(table),
        "scopes_with_rows": int(table["scope"].nunique()),
    }
