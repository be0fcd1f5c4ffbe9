"""The measurements, run inside Django on the database DATABASE_URL names: ``python -m bench.measure sqlite|postgresql``.

Pages and uploads go through a real gunicorn on a loopback port and the public URLs only; the data
version moves through ``indicators.versioning.data_changed()`` in this process, a separate connection
from the server's. Prints one JSON list of result rows on its last line.
"""

import asyncio
import contextlib
import http.client
import io
import json
import math
import os
import re
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

import django
import numpy as np
import pandas as pd

ROOT = Path(__file__).absolute().parent.parent
COUNTY = "330782"


@contextlib.contextmanager
def gunicorn(workers):
    """gunicorn on a free loopback port with this process's environment; yields the port."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    argv = [sys.executable, "-m", "gunicorn", "zjindustry.wsgi", "-w", str(workers), "-b", f"127.0.0.1:{port}"]
    argv += ["--timeout", "120", "--log-level", "warning"]
    server = subprocess.Popen(argv, cwd=ROOT, start_new_session=True)
    try:
        for _ in range(120):
            with contextlib.suppress(OSError):
                if Browser(port).get("/healthz")[0] == 200:
                    break
            time.sleep(0.5)
        yield port
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(timeout=30)


class Browser:
    """One user: keeps the cookies, sends the CSRF token; each request gives (status, Location, body, seconds)."""

    def __init__(self, port):
        self.port, self.cookies = port, {}

    def request(self, method, path, body=None, headers=None):
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=300)
        cookie = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        start = time.perf_counter()
        conn.request(method, path, body, {"Cookie": cookie, **(headers or {})})
        response = conn.getresponse()
        data = response.read()
        elapsed = time.perf_counter() - start
        conn.close()
        for name, value in response.getheaders():
            if name.lower() == "set-cookie":
                key, _, rest = value.partition("=")
                self.cookies[key] = rest.split(";")[0]
        return response.status, response.getheader("Location"), data, elapsed

    def get(self, path):
        return self.request("GET", path)

    def post(self, path, fields, file=None):
        """A form POST (multipart; ``file`` = (field, name, bytes)) with the CSRF cookie's token."""
        if "csrftoken" not in self.cookies:
            self.get(path)
        fields = {"csrfmiddlewaretoken": self.cookies["csrftoken"], **fields}
        boundary = uuid.uuid4().hex
        parts = [
            f'--{boundary}\r\nContent-Disposition: form-data; name="{k}"\r\n\r\n{v}\r\n'.encode()
            for k, v in fields.items()
        ]
        if file:
            head = f'--{boundary}\r\nContent-Disposition: form-data; name="{file[0]}"; filename="{file[1]}"\r\n\r\n'
            parts.append(head.encode() + file[2] + b"\r\n")
        body = b"".join(parts) + f"--{boundary}--\r\n".encode()
        return self.request("POST", path, body, {"Content-Type": f"multipart/form-data; boundary={boundary}"})

    def login(self, username, role, region=()):
        """Log in as a new account made by `manage.py create_user`."""
        out = manage("create_user", username, "--role", role, *(["--region", *region] if region else []))
        password = out.strip().splitlines()[-1].split("\t")[1]
        status, location, _, _ = self.post("/accounts/login/", {"username": username, "password": password})
        assert status == 302, f"login of {username} failed ({status})"


def _issues(body):
    """What a page that refused a form says about it (the message of a failed run)."""
    text = re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", body.decode("utf-8", "replace")))
    return text.partition("未通过校验")[2][:1500] or text[-1500:]


def manage(*args):
    return subprocess.run(
        [sys.executable, "manage.py", *args], cwd=ROOT, check=True, capture_output=True, text=True
    ).stdout


def runs_of(samples):
    """Each run's seconds, to print beside a median of few: on a shared 2-core machine one bench's runs differ by a
    third."""
    return "; runs " + ", ".join(f"{s:.1f}" for s in samples) + " s"


def median_ms(samples):
    return 1000 * statistics.median(samples)


def row(measurement, value_ms, budget_ms, note=""):
    return {"measurement": measurement, "ms": round(value_ms, 1), "budget_ms": budget_ms, "note": note}


def dashboard_pages(port):
    """Every dashboard page: the lists, and the first county, cluster, indicator and document each links to."""
    pages = ["/", f"/county/{COUNTY}/", "/clusters/", "/documents/", "/indicators/"]
    for listing, prefix in (
        ("/clusters/", "/cluster/"),
        ("/documents/", "/document/"),
        ("/indicators/", "/indicator/"),
    ):
        link = re.search(rf'href="({prefix}[^"/]+/)"', Browser(port).get(listing)[2].decode())
        pages.append(link.group(1))
    return pages


def pages(runs):
    from django.db import transaction

    from indicators import versioning

    out = []
    with gunicorn(workers=1) as port:
        browser = Browser(port)
        for path in dashboard_pages(port):
            assert browser.get(path)[0] == 200, path  # the worker has started and imported everything
            cold, warm = [], []
            for _ in range(runs):
                with transaction.atomic():
                    versioning.data_changed()
                cold.append(browser.get(path)[3])
                warm.append(browser.get(path)[3])
            out.append(row(f"first request after a data change `{path}`", median_ms(cold), 300, f"median of {runs}"))
            out.append(row(f"warm request `{path}`", median_ms(warm), 50, f"median of {runs}"))
    return out


def county_template(runs):
    from openpyxl import load_workbook

    with gunicorn(workers=1) as port:
        browser = Browser(port)
        browser.login(f"bench-county-{uuid.uuid4().hex[:6]}", "county", [COUNTY])
        book = load_workbook(io.BytesIO(browser.get(f"/upload/template/?region={COUNTY}&year=2024")[2]))
        filled = [r for r in book.worksheets[0].iter_rows() if r[0].value == COUNTY]
        upload, preview = [], []
        for run in range(runs):
            for cells in filled:  # last year's figure (shown beside each row) less 1 % a run, else 10
                last = cells[6].value
                cells[5].value = round(last * 0.99 ** (run + 1), 2) if isinstance(last, int | float) else 10
            data = io.BytesIO()
            book.save(data)
            file = ("file", "template.xlsx", data.getvalue())
            status, location, body, elapsed = browser.post("/upload/", {"region": COUNTY, "year": "2024"}, file)
            assert status == 302 and "/preview/" in location, f"upload refused: {status} {_issues(body)}"
            upload.append(elapsed)
            preview.append(browser.get(location)[3])
    total = [a + b for a, b in zip(upload, preview, strict=True)]
    note = (
        f"{len(filled)} cells; POST {median_ms(upload):.0f} ms + preview {median_ms(preview):.0f} ms; median of {runs}"
    )
    return [row("county template upload → preview", median_ms(total), 500, note)]


def national(runs):
    """compute_gaps over ~2,850 synthetic county-level units × 40 indicators × 20 years, every catalog target."""
    from django.conf import settings

    from targets import gaps
    from targets.selectors import engine_inputs

    data = national_inputs(engine_inputs())
    seconds = []
    for _ in range(runs):
        start = time.perf_counter()
        table = gaps.compute_gaps(
            data["targets"], data["observations"], data["indicators"], data["scopes"], data["members"], 2024,
            thresholds=settings.GAP_STATUS_THRESHOLDS,
        )  # fmt: skip
        seconds.append(time.perf_counter() - start)
    note = f"{len(data['observations']):,} observations, {len(data['scopes']):,} scopes, {len(table):,} gap rows"
    return [row("national-scale compute_gaps", median_ms(seconds), 10_000, f"{note}; median of {runs}")]


def national_inputs(catalog, provinces=30, cities_per_province=11, counties_per_city=9, years=range(2005, 2025)):
    """The catalog's targets and indicators over a synthetic country (fixed seed), in the engine's shape."""
    rng = np.random.default_rng(20251122)
    ind, targets = catalog.indicators, catalog.targets
    derived = ind[ind["kind"] == "derived"].set_index("code")
    used = pd.concat([targets["indicator_code"], targets["threshold_indicator"].dropna()])
    used = pd.concat([used, derived.reindex(used)[["numerator", "denominator"]].stack()])
    base = ind[ind["kind"] == "base"].set_index("code")
    codes = [c for c in used.value_counts().index if c in base.index][:40]
    codes += [g for g in base.index[base["growth_of"].isin(codes)] if g not in codes]
    counties = [f"{p:02d}{c:02d}{k:02d}" for p in range(31, 31 + provinces) for c in range(1, cities_per_province + 1)
                for k in range(1, counties_per_city + 1)]  # fmt: skip
    shape = (len(counties), len(codes), len(years))
    level = rng.lognormal(3, 1, shape[:2] + (1,)) * np.cumprod(rng.normal(1.07, 0.04, shape), axis=2)
    unit = base.loc[codes, "unit"].to_numpy()
    values = np.where((unit == "%")[None, :, None], np.clip(level / 4, 0.5, 80), level)
    values = np.where(base.loc[codes, "growth_of"].notna().to_numpy()[None, :, None], rng.normal(6, 3, shape), values)
    observations = pd.DataFrame(
        {
            "region_code": np.repeat(counties, len(codes) * len(years)),
            "indicator_code": np.tile(np.repeat(codes, len(years)), len(counties)),
            "year": np.tile(np.asarray(years), len(counties) * len(codes)),
            "value": values.reshape(-1).round(4),
        }
    )
    scopes = [("province", None, "province"), ("clusters:415x", "330000", "province")]
    members = [("province", c, "member") for c in counties]
    for level_name, width in (("province", 2), ("city", 4), ("county", 6)):
        unit = {c: c[:width].ljust(6, "0") for c in counties}
        scopes += [(f"{level_name}:{code}", code, level_name) for code in sorted(set(unit.values()))]
        members += [(f"{level_name}:{code}", c, "member") for c, code in unit.items()]
    for scope, level_name in catalog.scopes[catalog.scopes["level"].isin(["group", "cluster"])][
        ["scope", "level"]
    ].values:
        picked = rng.choice(counties, int(len(counties) * rng.uniform(0.01, 0.1)) + 1, replace=False)
        scopes.append((scope, None, level_name))
        members += [(scope, c, str(rng.choice(["core", "coordination"]))) for c in picked]
    return {
        "targets": targets,
        "indicators": ind,
        "observations": observations,
        "scopes": pd.DataFrame(scopes, columns=["scope", "reported_code", "level"]),
        "members": pd.DataFrame(members, columns=["scope", "region_code", "role"]),
    }


def rollup_workbook(seed, years=range(2015, 2025), columns=48):
    """One roll-up sheet per year: the counties of that year by name × ``columns`` indicators (名称（单位）);
    ~35,000 cells by default. Each figure is the one on file moved by up to 3 % (a revision, as a real roll-up
    brings), so that no validation rule or unit-slip check refuses the upload; indicators a rule compares are
    left out, whose parts on file a revised whole could fall below."""
    from openpyxl import Workbook

    from indicators.models import Indicator, Observation, Region, ValidationRule

    counties = Region.objects.filter(level="county", valid_to__isnull=True).order_by("code")
    compared = ValidationRule.objects.values_list("left__code", "right__code")
    indicators = Indicator.objects.filter(kind="base", growth_of__isnull=True)
    indicators = indicators.exclude(code__in={c for pair in compared for c in pair})
    on_file = Observation.objects.filter(is_current=True, industry="", region__in=counties)
    indicators = list(indicators.filter(id__in=on_file.values("indicator_id")).order_by("code")[:columns])
    on_file = on_file.filter(indicator__in=indicators)
    on_file = {key[:3]: key[3] for key in on_file.values_list("region_id", "indicator_id", "year", "value")}
    rng = np.random.default_rng(seed)
    book, cells = Workbook(write_only=True), 0
    for year in years:
        sheet = book.create_sheet(f"{year}年")
        sheet.append([f"{year}年各县（市、区）工业主要指标（基准测试合成数据）"])
        sheet.append(["地区", *(f"{i.name}（{i.unit}）" for i in indicators)])
        for county in counties:
            if (county.valid_from or year) <= year:
                now = [on_file.get((county.pk, i.pk, year), np.nan) for i in indicators]
                revised = np.round(np.asarray(now) * rng.uniform(0.97, 1.03, len(indicators)), 2)
                sheet.append([county.name, *(None if np.isnan(v) else float(v) for v in revised)])
                cells += int(np.isfinite(revised).sum())
    data = io.BytesIO()
    book.save(data)
    return data.getvalue(), cells


def _tables_built(since, timeout=60):
    """Seconds from ``since`` until the version row names the tables of the newest version (the writer builds
    them after its response: reports.build_snapshot)."""
    from indicators import versioning

    while time.perf_counter() - since < timeout:
        if versioning.tables_key().startswith(versioning.key() + ":"):
            return time.perf_counter() - since
        time.sleep(0.02)
    return float("nan")


def rollup(runs):
    upload, confirm, built = [], [], []
    # gunicorn × 4, as README deploys it: the worker that confirmed builds the new version's tables after its
    # response, while another worker serves the page the confirm leads to
    with gunicorn(workers=4) as port:
        browser = Browser(port)
        browser.login(f"bench-province-{uuid.uuid4().hex[:6]}", "province")
        for run in range(runs):
            data, cells = rollup_workbook(seed=run)
            status, location, body, posted = browser.post("/upload/", {}, ("file", "rollup.xlsx", data))
            assert status == 302 and "/preview/" in location, f"roll-up refused: {status} {_issues(body)}"
            upload.append(posted + browser.get(location)[3])
            start = time.perf_counter()
            status, done, body, confirmed = browser.post(location.replace("preview", "confirm"), {})
            assert status == 302 and "/preview/" not in done, f"confirm refused: {status} {_issues(body)}"
            confirm.append(confirmed + browser.get(done)[3])
            built.append(_tables_built(start))
    note = f"{cells:,} cells, province staff; median of {runs}"
    return [
        row("province roll-up upload → preview (PostgreSQL)", median_ms(upload), 3000, note + runs_of(upload)),
        row("province roll-up confirm (PostgreSQL)", median_ms(confirm), 3000, note + runs_of(confirm)),
        row("roll-up confirm → the new version's tables stored for every worker (PostgreSQL)", median_ms(built),
            None, "built by the confirming worker after its response; until then a data page waits for them"),
    ]  # fmt: skip


async def _get(port, path):
    """(status, X-Data-Version) of one GET on its own connection (sync gunicorn workers close it anyway)."""
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    writer.write(f"GET {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n".encode())
    head = (await reader.read()).split(b"\r\n\r\n", 1)[0].decode("latin-1")
    writer.close()
    version = re.search(r"(?im)^x-data-version:\s*(\d+)", head)
    return int(head.split(" ", 2)[1]), int(version.group(1)) if version else None


async def _load(port, paths, seconds, clients, every):
    from indicators import versioning

    def generation():
        return versioning.current()[1]

    committed = await asyncio.to_thread(generation)
    latencies, errors, stale = [], 0, 0
    stop = time.perf_counter() + seconds

    async def client(k):
        nonlocal errors, stale
        n = k
        while time.perf_counter() < stop:
            floor, start = committed, time.perf_counter()
            try:
                status, version = await asyncio.wait_for(_get(port, paths[n % len(paths)]), 60)
            except (TimeoutError, OSError, ValueError, IndexError):
                status, version = None, None
            latencies.append(time.perf_counter() - start)
            errors += status != 200
            stale += status == 200 and (version is None or version < floor)
            n += 1

    async def approvals():
        nonlocal committed
        k = 0
        for k in range(1, math.ceil(seconds / every)):  # 10, 20 … s, before the end
            await asyncio.sleep(stop - seconds + k * every - time.perf_counter())
            path = Path(tempfile.mkdtemp()) / f"approval-{k}.csv"
            path.write_text(
                f"地区代码,地区,指标,计量单位,年份,数值\n{COUNTY},义乌市,规模以上工业增加值,亿元,2024,{600 + k}\n"
            )
            await asyncio.to_thread(manage, "import_stats", str(path), "--approve")
            committed = await asyncio.to_thread(generation)
        return k

    results = await asyncio.gather(approvals(), *(client(k) for k in range(clients)))
    return latencies, errors, stale, results[0]


def load(seconds, clients=50, every=10):
    with gunicorn(workers=4) as port:
        paths = dashboard_pages(port)
        asyncio.run(_load(port, paths, 5, 8, every))  # every worker has computed its gap tables once
        latencies, errors, stale, approvals = asyncio.run(_load(port, paths, seconds, clients, every))
    p95 = 1000 * float(np.percentile(latencies, 95))
    note = f"{len(latencies):,} requests ({len(latencies) / seconds:.0f}/s), {approvals} approvals, {len(paths)} pages"
    return [
        row(f"load: p95, gunicorn × 4, {clients} clients, {seconds} s, an approval every {every} s", p95, 300, note),
        {"measurement": "load: errors", "count": errors, "budget": 0},
        {"measurement": "load: responses older than the last commit", "count": stale, "budget": 0},
    ]


if __name__ == "__main__":
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "zjindustry.settings")
    sys.path.insert(0, str(ROOT))
    django.setup()
    quick = "--quick" in sys.argv
    if sys.argv[1] == "sqlite":
        rows = pages(3 if quick else 7) + county_template(3 if quick else 7) + national(1 if quick else 3)
    else:
        rows = rollup(1 if quick else 3) + load(15 if quick else 60)
    print(json.dumps(rows, ensure_ascii=False))
