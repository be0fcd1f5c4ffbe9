"""Writes to the indicators app: the catalog sync and (below) observation uploads."""

import gc
import hashlib
import math
import uuid
from contextlib import contextmanager
from dataclasses import dataclass
from itertools import repeat
from pathlib import Path

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import connections, router, transaction
from django.utils import timezone

from .ingest.results import ParsedValues
from .models import (
    Cluster,
    ClusterMembership,
    GroupMembership,
    Indicator,
    IndicatorAlias,
    Observation,
    Region,
    RegionGroup,
    Upload,
)
from .versioning import data_changed


def upsert(model, lookup, values):
    """Create or update one row, saving only when something differs, so a re-run writes no history.

    Returns (obj, changed).
    """
    obj = model.objects.filter(**lookup).first()
    if obj is None:
        obj = model(**lookup, **values)
        obj.full_clean()
        obj.save()
        return obj, True
    changed = False
    for name, value in values.items():
        if getattr(obj, name) != value:
            setattr(obj, name, value)
            changed = True
    if changed:
        obj.full_clean()
        obj.save()
    return obj, changed


def _set_m2m(manager, objs):
    if set(manager.all()) != set(objs):
        manager.set(objs)
        return True
    return False


# "主营业务收入" was the reported series until the 2019 statistics reform renamed it 营业收入.
ALIAS_VALID_UNTIL = {"主营业务收入": 2018, "规模以上工业主营业务收入": 2018, "规上工业主营业务收入": 2018}


@transaction.atomic
def catalog_sync_indicators(*, specs):
    """Create or update every indicator of the catalog; returns how many rows changed."""
    changed = 0
    by_code = {}
    # Base first, so that derived indicators find their numerator and denominator.
    ordered = sorted(enumerate(specs), key=lambda pair: pair[1]["kind"] != "base")
    for order, spec in ordered:
        values = {
            "name": spec["name"],
            "name_en": spec.get("name_en", ""),
            "unit": spec["unit"],
            "kind": spec["kind"],
            "direction": spec.get("direction", "up"),
            "level": spec.get("level", "county"),
            "factor": float(spec.get("factor", 1)),
            "description": spec.get("description", ""),
            "order": order,
            "numerator": by_code.get(spec.get("numerator")),
            "denominator": by_code.get(spec.get("denominator")),
            "growth_of": by_code.get(spec.get("growth_of")),
        }
        obj, did = upsert(Indicator, {"code": spec["code"]}, values)
        by_code[spec["code"]] = obj
        changed += did
    for spec in specs:
        if spec.get("growth_of"):
            _, did = upsert(Indicator, {"code": spec["code"]}, {"growth_of": by_code[spec["growth_of"]]})
            changed += did
        for alias in spec.get("aliases") or []:
            _, did = upsert(
                IndicatorAlias,
                {"alias": alias},
                {"indicator": by_code[spec["code"]], "valid_until": ALIAS_VALID_UNTIL.get(alias)},
            )
            changed += did
    return changed


@transaction.atomic
def catalog_sync_regions(*, data):
    """Load regions (current and historical) and groups from regions.yaml data."""
    changed = 0
    by_code = {}
    entries = data.get("regions", [])
    # Parents before children: province, then cities, then counties.
    rank = {"province": 0, "city": 1, "county": 2}
    for entry in sorted(entries, key=lambda e: (rank[e["level"]], e["code"])):
        values = {
            "name": entry["name"],
            "short_name": entry.get("short_name") or entry["name"],
            "level": entry["level"],
            "parent": by_code.get(entry.get("parent")) if entry.get("parent") else None,
            "valid_from": entry.get("valid_from"),
            "valid_to": entry.get("valid_to"),
            "note": entry.get("note") or "",
        }
        obj, did = upsert(Region, {"code": str(entry["code"])}, values)
        by_code[obj.code] = obj
        changed += did
    for entry in entries:
        preds = [by_code[str(code)] for code in entry.get("predecessors") or []]
        changed += _set_m2m(by_code[str(entry["code"])].predecessors, preds)
    for group in data.get("groups", []):
        obj, did = upsert(
            RegionGroup,
            {"slug": group["slug"]},
            {
                "name": group["name"],
                "name_en": group.get("name_en", ""),
                "description": group.get("description", "") or "",
                "source": group.get("source", "") or "",
                "is_demo": bool(group.get("demo", False)),
            },
        )
        changed += did
        wanted = {str(code) for code in group.get("members", [])}
        have = set(obj.memberships.values_list("region__code", flat=True))
        for code in sorted(wanted - have):
            GroupMembership.objects.create(group=obj, region=by_code[code])
            changed += 1
        if have - wanted and not group.get("editable", False):
            GroupMembership.objects.filter(group=obj, region__code__in=have - wanted).delete()
            changed += 1
    return changed


@transaction.atomic
def catalog_sync_clusters(*, data):
    """Load the 415X cluster structure and any memberships the catalog names."""
    changed = 0
    by_slug = {}
    entries = data.get("clusters", [])
    for order, entry in sorted(enumerate(entries), key=lambda pair: pair[1].get("parent") is not None):
        obj, did = upsert(
            Cluster,
            {"slug": entry["slug"]},
            {
                "tier": entry["tier"],
                "name": entry["name"],
                "name_en": entry.get("name_en", ""),
                "parent": by_slug.get(entry.get("parent")),
                "excerpt": entry.get("excerpt", "") or "",
                "order": order,
                "is_demo": bool(entry.get("demo", False)),
            },
        )
        by_slug[entry["slug"]] = obj
        changed += did
    for member in data.get("members") or []:
        _, did = upsert(
            ClusterMembership,
            {"cluster": by_slug[member["cluster"]], "region": Region.objects.get(code=str(member["region"]))},
            {"role": member["role"], "is_demo": bool(member.get("demo", False))},
        )
        changed += did
    return changed


# ---------------------------------------------------------------------------
# Uploads and observations
# ---------------------------------------------------------------------------


SYSTEM_USERNAME = "system"


def system_user():
    """The account command-line and demo imports are recorded under (cannot log in)."""
    User = get_user_model()
    user, created = User.objects.get_or_create(username=SYSTEM_USERNAME, defaults={"is_active": False})
    if created:
        user.set_unusable_password()
        user.save(update_fields=["password"])
    return user


@dataclass
class WriteSummary:
    created: int = 0
    updated: int = 0
    unchanged: int = 0


def _same(a, b):
    return math.isclose(a, b, rel_tol=1e-9, abs_tol=1e-12)


def store_upload_file(data: bytes, filename: str) -> str:
    """Keep the original bytes outside the web root under a generated name; returns that name."""
    suffix = Path(filename).suffix.lower()[:8]
    name = f"{timezone.now():%Y/%m}/{uuid.uuid4().hex}{suffix}"
    path = Path(settings.UPLOAD_ROOT) / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
    return name


def upload_create(*, user, filename, data, result, source=Upload.Source.WEB, status=Upload.Status.PREVIEW):
    """Record an accepted parse as an Upload (the file kept); no observation is written yet."""
    values = ParsedValues.of(result.values)
    regions = sorted(values.distinct("region_code"))
    upload = Upload(
        original_name=filename[:255],
        stored_name=store_upload_file(data, filename),
        sha256=hashlib.sha256(data).hexdigest(),
        size=len(data),
        shape=result.shape,
        source=source,
        status=status,
        uploaded_by=user,
        years=sorted(values.distinct("year")),
        value_count=len(values),
        warnings=[str(w) for w in result.warnings],
    )
    upload.full_clean()
    upload.save()
    upload.regions.set(Region.objects.filter(code__in=regions))
    return upload


def _existing_rows(values):
    """Every stored version of the (region, indicator, year) keys the values touch, by key (one query)."""
    values = ParsedValues.of(values)
    rows = Observation.objects.filter(
        region__code__in=values.distinct("region_code"),
        indicator__code__in=values.distinct("indicator_code"),
        year__in=values.distinct("year"),
    ).order_by()  # Meta.ordering would sort every stored version in a temporary B-tree, for nothing
    rows = rows.values_list("id", "region__code", "indicator__code", "year", "value", "version", "status", "is_current")
    by_key = {}
    for pk, r, i, y, value, version, status, is_current in rows:
        by_key.setdefault((r, i, y), []).append((pk, value, version, status, is_current))
    return by_key


def _current_value(versions):
    return next((value for _, value, _, _, is_current in versions if is_current), None)


def observations_diff(values, existing=None):
    """Classify parsed values against what is on file: created / updated / unchanged (read only).

    Returns the summary and the values to store (a ParsedValues, in the order given)."""
    values = ParsedValues.of(values)
    existing = _existing_rows(values) if existing is None else existing
    summary = WriteSummary()
    if not existing:  # nothing on file for any of these keys: every value is new
        summary.created = len(values)
        return summary, values
    current = {key: _current_value(versions) for key, versions in existing.items()}
    keep = []
    for key, value in zip(values.keys(), values.value, strict=True):
        now = current.get(key)
        if now is None:
            summary.created += 1
            keep.append(True)
        elif _same(now, value):
            summary.unchanged += 1
            keep.append(False)
        else:
            summary.updated += 1
            keep.append(True)
    return summary, values if summary.unchanged == 0 else values.take(keep)


def _update_ids(ids, **fields):
    ids = list(ids)
    for start in range(0, len(ids), 900):  # SQLite caps the number of bound parameters
        Observation.objects.filter(id__in=ids[start : start + 900]).update(**fields)


def _lock_regions(values):
    """Lock the regions the values touch, in code order (two writers cannot deadlock); code → id."""
    codes = sorted(ParsedValues.of(values).distinct("region_code"))
    return dict(Region.objects.select_for_update().filter(code__in=codes).order_by("code").values_list("code", "pk"))


# Observation columns in the order _store_versions builds its rows (the primary key comes from the database)
_OBSERVATION_FIELDS = ("region", "indicator", "year", "value", "version", "status", "is_current", "upload", "sheet")
_OBSERVATION_FIELDS += ("cell", "raw")


def _insert_observations(rows):
    """INSERT plain tuples (columns as _OBSERVATION_FIELDS) in the current transaction: COPY on PostgreSQL,
    one executemany of the driver's own cursor on SQLite (Django's wrapper would rewrite the query and tee
    the rows, for nothing here). The same rows bulk_create would write, without building model instances;
    database errors still come out as Django's."""
    if not rows:
        return
    connection = connections[router.db_for_write(Observation)]
    qn = connection.ops.quote_name
    columns = ", ".join(qn(Observation._meta.get_field(name).column) for name in _OBSERVATION_FIELDS)
    table = qn(Observation._meta.db_table)
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            with connection.wrap_database_errors, cursor.cursor.copy(f"COPY {table} ({columns}) FROM STDIN") as copy:
                for row in rows:
                    copy.write_row(row)
        else:  # SQLite, the project's other database: the driver's connection, same transaction
            placeholders = ", ".join(["?"] * len(_OBSERVATION_FIELDS))
            with connection.wrap_database_errors:
                connection.connection.executemany(f"INSERT INTO {table} ({columns}) VALUES ({placeholders})", rows)


def _store_versions(*, upload, changed, existing, region_ids, approve):
    """Write ``changed`` (from observations_diff against ``existing``, read after the regions were locked in
    this transaction) as new versions: retire the current (and, approving, the approved) ones, insert, mark
    the upload and move the data version (in this transaction)."""
    changed = ParsedValues.of(changed)
    indicator_ids = dict(
        Indicator.objects.filter(code__in=changed.distinct("indicator_code")).values_list("code", "pk")
    )
    status = (Observation.Status.APPROVED if approve else Observation.Status.SUBMITTED).value
    retire_current, retire_approved = [], []
    if existing:
        approved = Observation.Status.APPROVED
        numbers = []
        for versions in map(existing.get, changed.keys()):
            if not versions:
                numbers.append(1)
                continue
            retire_current += [pk for pk, _, _, _, is_current in versions if is_current]
            if approve:
                retire_approved += [pk for pk, _, _, st, _ in versions if st == approved]
            numbers.append(max(n for _, _, n, _, _ in versions) + 1)
    else:
        numbers = repeat(1)
    # the values the model fields would prepare: FloatField float(), the integer fields int(), text cut to size
    new_rows = list(
        zip(
            map(region_ids.__getitem__, changed.region_code),
            map(indicator_ids.__getitem__, changed.indicator_code),
            map(int, changed.year),
            map(float, changed.value),
            numbers,
            repeat(status),
            repeat(True),
            repeat(upload.pk),
            _cut(changed.sheet, 80),
            _cut(changed.cell, 20),
            _cut(changed.raw, 80),
        )
    )
    _update_ids(retire_current, is_current=False)
    _update_ids(retire_approved, status=Observation.Status.SUPERSEDED)
    _insert_observations(new_rows)
    upload.status = Upload.Status.APPROVED if approve else Upload.Status.SUBMITTED
    if approve:
        upload.reviewed_at = timezone.now()
    upload.save(update_fields=["status", "reviewed_at"])
    data_changed()


def _cut(texts: list[str], size: int) -> list[str]:
    """Texts cut to a CharField's max_length (copied only when one is too long)."""
    if texts and max(map(len, texts)) > size:
        return [t[:size] for t in texts]
    return texts


@transaction.atomic
def observations_write(*, upload, values, approve=False):
    """Store parsed values as new versions beside the old ones; never overwrite, never delete.

    Unchanged values are not stored again. Locks the regions involved (in code order, so two
    writers cannot deadlock) so that two uploads of the same county-year at the same moment get
    versions 1 and 2, exactly one current.
    """
    region_ids = _lock_regions(values)
    existing = _existing_rows(values)
    summary, changed = observations_diff(values, existing)
    _store_versions(upload=upload, changed=changed, existing=existing, region_ids=region_ids, approve=approve)
    return summary


@transaction.atomic
def upload_approve(*, upload, user, comment=""):
    """Approve a submitted upload: its values become the approved ones, earlier approved superseded."""
    upload = Upload.objects.select_for_update().get(pk=upload.pk)
    if upload.status != Upload.Status.SUBMITTED:
        raise ValueError(f"只能审核已提交的上传（当前状态：{upload.get_status_display()}）")
    mine = list(upload.observations.values_list("id", "region_id", "indicator_id", "year"))
    keys = {(r, i, y) for _, r, i, y in mine}
    older = Observation.objects.filter(
        status=Observation.Status.APPROVED,
        region_id__in={k[0] for k in keys},
        indicator_id__in={k[1] for k in keys},
        year__in={k[2] for k in keys},
    ).values_list("id", "region_id", "indicator_id", "year")
    _update_ids([pk for pk, r, i, y in older if (r, i, y) in keys], status=Observation.Status.SUPERSEDED)
    _update_ids([pk for pk, *_ in mine], status=Observation.Status.APPROVED)
    upload.status = Upload.Status.APPROVED
    upload.reviewed_by, upload.reviewed_at, upload.review_comment = user, timezone.now(), comment
    upload.save()
    data_changed()
    return upload


@transaction.atomic
def upload_return(*, upload, user, comment):
    """Return a submitted upload with a comment: its values leave the dashboard, nothing is deleted,
    and for each key the latest remaining version becomes current again."""
    if not comment.strip():
        raise ValueError("退回时必须填写意见")
    upload = Upload.objects.select_for_update().get(pk=upload.pk)
    if upload.status != Upload.Status.SUBMITTED:
        raise ValueError(f"只能退回已提交的上传（当前状态：{upload.get_status_display()}）")
    mine = list(upload.observations.values_list("id", "region_id", "indicator_id", "year", "is_current"))
    _update_ids([pk for pk, *_ in mine], status=Observation.Status.RETURNED, is_current=False)
    was_current = {(r, i, y) for _, r, i, y, cur in mine if cur}
    if was_current:
        rest = Observation.objects.filter(
            region_id__in={k[0] for k in was_current},
            indicator_id__in={k[1] for k in was_current},
            year__in={k[2] for k in was_current},
            status__in=[Observation.Status.SUBMITTED, Observation.Status.APPROVED],
        ).values_list("id", "region_id", "indicator_id", "year", "version")
        latest = {}
        for pk, r, i, y, version in rest:
            if (r, i, y) in was_current and version > latest.get((r, i, y), (0, 0))[1]:
                latest[(r, i, y)] = (pk, version)
        _update_ids([pk for pk, _ in latest.values()], is_current=True)
    upload.status = Upload.Status.RETURNED
    upload.reviewed_by, upload.reviewed_at, upload.review_comment = user, timezone.now(), comment
    upload.save()
    data_changed()
    return upload


def _issue_dict(issue):
    return {"sheet": issue.sheet, "cell": issue.cell, "message": issue.message}


@contextmanager
def _gc_paused():
    """Hold off the cyclic garbage collector during an import. Parsing a large file keeps tens of thousands of
    new objects alive (cells, candidates, values) until the import returns, and on the way they set off a full
    collection of the whole process heap that finds nothing to free (~90 ms of a 0.3 s import of 35,000
    values). Reference counting frees everything as usual; the collector is switched back on at the end, and
    left alone if it was already off (a nested or concurrent import keeps it as the outermost one found it)."""
    if not gc.isenabled():
        yield
        return
    gc.disable()
    try:
        yield
    finally:
        gc.enable()


def import_file(
    *,
    data,
    filename,
    user,
    year=None,
    region_code=None,
    allowed_regions=None,
    approve=False,
    dry_run=False,
    source=Upload.Source.CLI,
):
    """Parse, validate and (unless dry_run) store one file: all or nothing.

    Returns the import_stats JSON record: file, accepted, created, updated, unchanged, errors,
    warnings, upload_id. `allowed_regions` (codes) restricts a county official to their own.
    """
    with _gc_paused():
        return _import_file(
            data=data,
            filename=filename,
            user=user,
            year=year,
            region_code=region_code,
            allowed_regions=allowed_regions,
            approve=approve,
            dry_run=dry_run,
            source=source,
        )


def _import_file(*, data, filename, user, year, region_code, allowed_regions, approve, dry_run, source):
    from .ingest import Issue, parse_upload
    from .selectors import ingest_catalog

    result = parse_upload(
        data, filename, ingest_catalog(), year=year, region_code=region_code, max_bytes=settings.UPLOAD_MAX_BYTES
    )
    errors = list(result.errors)
    if allowed_regions is not None:
        outside = sorted(ParsedValues.of(result.values).distinct("region_code") - set(allowed_regions))
        for code in outside:
            errors.append(Issue("", "", f"无权上传地区 {code} 的数据（只能上传本地区）"))
    report = {
        "file": filename,
        "accepted": not errors and bool(result.values),
        "created": 0,
        "updated": 0,
        "unchanged": 0,
        "errors": [_issue_dict(e) for e in errors],
        "warnings": [_issue_dict(w) for w in result.warnings],
        "upload_id": None,
        "shape": result.shape,
    }
    if not report["accepted"]:
        if not errors:
            report["errors"].append({"sheet": "", "cell": "", "message": "文件中没有可导入的数值"})
        return report
    values = result.values
    if dry_run:
        summary, _ = observations_diff(values)
        report.update(created=summary.created, updated=summary.updated, unchanged=summary.unchanged)
        return report
    with transaction.atomic():
        # what observations_write does, with the stored versions read once: after the regions are locked,
        # so the counts and version numbers cannot go stale before the write
        region_ids = _lock_regions(values)
        existing = _existing_rows(values)
        summary, changed = observations_diff(values, existing)
        report.update(created=summary.created, updated=summary.updated, unchanged=summary.unchanged)
        if summary.created + summary.updated == 0:
            report["warnings"].append({"sheet": "", "cell": "", "message": "所有数值与现有数据相同，未新建版本"})
            return report
        upload = upload_create(user=user, filename=filename, data=data, result=result, source=source)
        _store_versions(upload=upload, changed=changed, existing=existing, region_ids=region_ids, approve=approve)
    report["upload_id"] = upload.pk
    return report
