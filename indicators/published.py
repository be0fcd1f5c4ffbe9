"""Load the published figures of fixtures/published/ (公开数据) through the import path, each with its source.

The yearbook tables go in as files (the same parse as an upload, unknown columns skipped); the province
figures of province_figures.csv are grouped by source and written as one long-form CSV per source, so that
every upload records the article it quotes. The core-area figures of core_areas.csv (a 415X cluster's own
figure in a county, 集群口径) go in the same way, one long-form CSV with a 集群 column per source.
"""

import csv
import io
import logging
from pathlib import Path

from django.conf import settings

from .models import Indicator, Region, Upload
from .services import import_file, system_user

logger = logging.getLogger(__name__)

PUBLISHED_DIR = Path(settings.BASE_DIR) / "fixtures" / "published"
YEARBOOK_URL = "https://tjj.zj.gov.cn/"  # the bureau's site: the yearbook page itself was not recorded
YEARBOOK_TABLES = [
    ("ZJ_yearbook2025_17-25_counties_2024.xlsx", "浙江统计年鉴2025 表17-25 各市、县国民经济主要指标（2024年）"),
    ("ZJ_yearbook2025_17-26_2024.xlsx", "浙江统计年鉴2025 表17-26 各市、县年末人口数（2024年）"),
    ("ZJ_yearbook2025_17-35_2024.xlsx", "浙江统计年鉴2025 表17-35 各市、县公路里程邮电通信和用电量情况（2024年）"),
]
PROVINCE_CODE = "330000"


def _load(data, filename, title, url, **kwargs):
    report = import_file(
        data=data,
        filename=filename,
        user=system_user(),
        approve=True,
        source=Upload.Source.PUBLISHED,
        source_title=title,
        source_url=url,
        **kwargs,
    )
    if not report["accepted"]:
        raise RuntimeError(f"published file {filename} was refused: {report['errors'][:3]}")
    return report


def province_files(rows, known):
    """Group the province figures by source: [(title, url, csv bytes)], and the rows left out (their indicator
    is not in the catalog, by name)."""
    province = Region.objects.get(code=PROVINCE_CODE).name
    by_source, left_out = {}, []
    for row in rows:
        if row["indicator"] not in known:
            left_out.append(row)
            continue
        by_source.setdefault((row["source_title"], row["source_url"]), []).append(row)
    files = []
    for (title, url), group in by_source.items():
        out = io.StringIO()
        writer = csv.writer(out)
        writer.writerow(["地区代码", "地区", "指标", "计量单位", "年份", "数值"])
        for row in group:
            writer.writerow([PROVINCE_CODE, province, row["indicator"], row["unit"], row["year"], row["value"]])
        files.append((title, url, out.getvalue().encode("utf-8")))
    return files, left_out


def core_area_files(rows):
    """Group the core-area figures by source: [(title, url, csv bytes)], each value with its quote and note
    (the confidence the report allows) as its 备注."""
    by_source = {}
    for row in rows:
        by_source.setdefault((row["source_title"], row["source_url"]), []).append(row)
    files = []
    for (title, url), group in by_source.items():
        out = io.StringIO()
        writer = csv.writer(out)
        writer.writerow(["地区代码", "地区", "集群", "指标", "计量单位", "年份", "数值", "备注"])
        for r in group:
            note = f"原文：“{r['quote']}”；{r['note']}"
            writer.writerow([r["region_code"], r["region"], r["cluster"], r["indicator"], r["unit"], r["year"],
                             r["value"], note])  # fmt: skip
        files.append((title, url, out.getvalue().encode("utf-8")))
    return files


def published_load(root=PUBLISHED_DIR):
    """Load every published figure (idempotent: a second run writes nothing). Returns the import reports."""
    reports = []
    for filename, title in YEARBOOK_TABLES:
        path = Path(root) / filename
        reports.append(_load(path.read_bytes(), filename, title, YEARBOOK_URL, skip_unknown=True))
    with open(Path(root) / "province_figures.csv", encoding="utf-8", newline="") as f:
        rows = list(csv.DictReader(f))
    known = set(Indicator.objects.values_list("name", flat=True))
    files, left_out = province_files(rows, known)
    for row in left_out:
        logger.warning("公开数据：指标 %s 不在目录中，%s 年的数值未载入", row["indicator"], row["year"])
    for n, (title, url, data) in enumerate(files, start=1):
        reports.append(_load(data, f"province-figures-{n}.csv", title, url))
    with open(Path(root) / "core_areas.csv", encoding="utf-8", newline="") as f:
        for n, (title, url, data) in enumerate(core_area_files(list(csv.DictReader(f))), start=1):
            reports.append(_load(data, f"core-areas-{n}.csv", title, url))
    return reports
