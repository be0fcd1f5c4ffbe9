"""Writes to the indicators app: the catalog sync and (below) observation uploads."""

import hashlib
import logging
import math
import uuid
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext

from .ingest import Issue, ParseResult, parse_upload
from .ingest.sandbox import SandboxError, run_bounded
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
from .selectors import ingest_catalog
from .versioning import data_changed

logger = logging.getLogger(__name__)


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
            "name_en": entry.get("name_en", ""),
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


def same_value(a, b):
    """Whether a parsed value equals the one on file (float noise of a unit conversion is not a change)."""
    return math.isclose(a, b, rel_tol=1e-9, abs_tol=1e-12)


def _issue_dict(issue):
    return {"sheet": issue.sheet, "cell": issue.cell, "message": issue.message}


def _store_on_commit(data: bytes, filename: str) -> str:
    """A generated name for the original bytes, written outside the web root once the transaction commits: a
    rolled-back or killed request leaves no file behind. Returns the name."""
    suffix = Path(filename).suffix.lower()[:8]
    name = f"{timezone.now():%Y/%m}/{uuid.uuid4().hex}{suffix}"

    def write():
        path = Path(settings.UPLOAD_ROOT) / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)

    transaction.on_commit(write, robust=True)  # the rows are committed: a full disk is logged, not a 500
    return name


def region_errors(values, allowed_regions):
    """The region check of every upload path: an error at the first value of each region outside
    ``allowed_regions`` (codes; None allows every region)."""
    if allowed_regions is None:
        return []
    first = {}
    for v in values:
        if v.region_code not in allowed_regions:
            first.setdefault(v.region_code, v)
    message = gettext("无权上传地区 %(code)s 的数据（只能上传本地区）")
    return [Issue(v.sheet, v.cell, message % {"code": code}) for code, v in sorted(first.items())]


def upload_parse(*, data, filename, year=None, region_code=None, allowed_regions=None):
    """parse_upload against the catalog, plus the uploader's region rights; never raises. The file is parsed
    in a bounded child process: an abort, a runaway allocation or a slow parse costs the child, and the
    uploader reads why. A file with any error has no values, and one without errors must hold a value."""
    try:
        result = run_bounded(
            parse_upload,
            data,
            filename,
            ingest_catalog(),
            year=year,
            region_code=region_code,
            max_bytes=settings.UPLOAD_MAX_BYTES,
        )
    except SandboxError as exc:
        logger.warning("parse of %r stopped (%s): %s", filename, exc.reason, exc.detail)
        result = ParseResult(filename, "unknown", errors=[Issue("", "", str(exc))])
    result.errors += region_errors(result.values, allowed_regions)
    if result.errors:
        result.values = []
    elif not result.values:
        result.errors.append(Issue("", "", gettext("文件中没有可导入的数值")))
    return result


@transaction.atomic
def upload_create(
    *, user, filename, data, result, options=None, source=Upload.Source.WEB, status=Upload.Status.PREVIEW
):
    """Record an accepted parse as an Upload: the file kept, and with it the rows, warnings and options of
    the parse (what preview and confirm read). No observation is written yet."""
    values = result.values
    upload = Upload(
        original_name=filename[:255],
        stored_name=_store_on_commit(data, filename),
        sha256=hashlib.sha256(data).hexdigest(),
        size=len(data),
        shape=result.shape,
        source=source,
        status=status,
        uploaded_by=user,
        years=sorted({v.year for v in values}),
        value_count=len(values),
        warnings=[_issue_dict(w) for w in result.warnings],
        options=options or {},
        rows=[[v.region_code, v.indicator_code, v.year, v.value, v.sheet, v.cell, v.raw, v.raw_unit] for v in values],
    )
    upload.full_clean()
    upload.save()
    upload.regions.set(Region.objects.filter(code__in={v.region_code for v in values}))
    return upload


@transaction.atomic
def upload_confirm(*, upload, allowed_regions):
    """Submit a previewed upload: write the rows stored with it, once the uploader's region rights and the
    indicators are checked again (either may have changed since the preview). Raises ValueError, writing
    nothing, when a check fails, when the draft was confirmed or cancelled meanwhile (a double click, a second
    tab), or when every value equals the one on file."""
    values = upload.parsed_values()
    errors = region_errors(values, allowed_regions)
    if errors:
        raise ValueError("；".join(e.message for e in errors))
    gone = {v.indicator_code for v in values} - set(Indicator.objects.values_list("code", flat=True))
    if gone:
        raise ValueError(gettext("指标 %(codes)s 已不在目录中，请重新上传") % {"codes": "、".join(sorted(gone))})
    _lock_regions(v.region_code for v in values)  # regions first, then the upload: every writer's order
    if not Upload.objects.select_for_update().filter(pk=upload.pk, status=Upload.Status.PREVIEW).exists():
        raise ValueError(gettext("此上传已提交或已取消"))
    return observations_write(upload=upload, values=values)


@transaction.atomic
def upload_cancel(*, upload):
    """Delete a draft (it wrote no observation; simple_history keeps a record of the row) and, once that is
    committed, its file."""
    path = Path(settings.UPLOAD_ROOT) / upload.stored_name
    upload.delete()
    transaction.on_commit(lambda: path.unlink(missing_ok=True))


def _existing_rows(values):
    """Every stored version of the (region, indicator, year) keys the values touch, by key (one query)."""
    rows = Observation.objects.filter(
        region__code__in={v.region_code for v in values},
        indicator__code__in={v.indicator_code for v in values},
        year__in={v.year for v in values},
    ).order_by()  # no sort needed
    rows = rows.values_list("id", "region__code", "indicator__code", "year", "value", "version", "status", "is_current")
    by_key = {}
    for pk, r, i, y, value, version, status, is_current in rows:
        by_key.setdefault((r, i, y), []).append((pk, value, version, status, is_current))
    return by_key


def _current_value(versions):
    return next((value for _, value, _, _, is_current in versions if is_current), None)


def values_on_file(values):
    """(region, indicator, year) → the current value on file, for the keys the values touch (one query)."""
    return {key: _current_value(versions) for key, versions in _existing_rows(values).items()}


def observations_diff(values, existing=None):
    """Classify parsed values against what is on file: created / updated / unchanged (read only).

    Returns the summary and the values to store, in the order given."""
    existing = _existing_rows(values) if existing is None else existing
    summary = WriteSummary()
    changed = []
    for v in values:
        now = _current_value(existing.get((v.region_code, v.indicator_code, v.year), []))
        if now is None:
            summary.created += 1
        elif same_value(now, v.value):
            summary.unchanged += 1
            continue
        else:
            summary.updated += 1
        changed.append(v)
    return summary, changed


def _update_ids(ids, **fields):
    ids = list(ids)
    for start in range(0, len(ids), 900):  # SQLite caps the number of bound parameters
        Observation.objects.filter(id__in=ids[start : start + 900]).update(**fields)


def _lock_regions(codes):
    """Lock regions in code order; code → id. Every write and review locks the regions it changes this way
    first, so two of them on one county queue instead of colliding, and cannot deadlock."""
    codes = sorted(set(codes))
    return dict(Region.objects.select_for_update().filter(code__in=codes).order_by("code").values_list("code", "pk"))


class NothingChanged(ValueError):
    """Every value equals the one on file: no version is written."""


@transaction.atomic
def observations_write(*, upload, values, approve=False):
    """Store parsed values as new versions beside the old ones; never overwrite, never delete.

    Unchanged values are not stored again; raises NothingChanged when no value changed. Locks the regions
    involved (see _lock_regions) so that two uploads of the same county-year at the same moment get
    versions 1 and 2, exactly one current. Marks the upload submitted (or approved) and moves the
    data version, in this transaction.
    """
    region_ids = _lock_regions(v.region_code for v in values)
    existing = _existing_rows(values)  # read after the lock: the counts and version numbers cannot go stale
    summary, changed = observations_diff(values, existing)
    if not changed:
        raise NothingChanged(gettext("所有数值与现有数据相同，无需提交"))
    indicator_ids = dict(
        Indicator.objects.filter(code__in={v.indicator_code for v in changed}).values_list("code", "pk")
    )
    status = Observation.Status.APPROVED if approve else Observation.Status.SUBMITTED
    retire_current, retire_approved, new = [], [], []
    for v in changed:
        versions = existing.get((v.region_code, v.indicator_code, v.year), [])
        retire_current += [pk for pk, _, _, _, is_current in versions if is_current]
        if approve:
            retire_approved += [pk for pk, _, _, st, _ in versions if st == Observation.Status.APPROVED]
        new.append(
            Observation(
                region_id=region_ids[v.region_code],
                indicator_id=indicator_ids[v.indicator_code],
                year=v.year,
                value=v.value,
                version=max((n for _, _, n, _, _ in versions), default=0) + 1,
                status=status,
                upload_id=upload.pk,
                sheet=v.sheet[:80],
                cell=v.cell[:20],
                raw=v.raw[:80],
            )
        )
    _update_ids(retire_current, is_current=False)
    _update_ids(retire_approved, status=Observation.Status.SUPERSEDED)
    Observation.objects.bulk_create(new)
    upload.status = Upload.Status.APPROVED if approve else Upload.Status.SUBMITTED
    if approve:
        upload.reviewed_at = timezone.now()
    upload.save(update_fields=["status", "reviewed_at"])
    data_changed()
    return summary


_REVIEW_FIELDS = ["status", "reviewed_by", "reviewed_at", "review_comment"]


def _review_lock(upload, action):
    """Lock what a review changes, in the order every writer locks: the regions of the upload's values (see
    _lock_regions), then the upload. A second reviewer of the same upload waits, then reads its new status."""
    _lock_regions(upload.observations.values_list("region__code", flat=True))
    upload = Upload.objects.select_for_update().get(pk=upload.pk)
    if upload.status != Upload.Status.SUBMITTED:
        raise ValueError(f"只能{action}已提交的上传（当前状态：{upload.get_status_display()}）")
    return upload


def _keys(rows):
    return {k[0] for k in rows}, {k[1] for k in rows}, {k[2] for k in rows}


@transaction.atomic
def upload_approve(*, upload, user, comment=""):
    """Approve a submitted upload: its values become the approved ones, earlier approved versions superseded.
    Refused (ValueError) when a newer version of one of its keys is approved already: the newest approved
    version is always the one in force, so an older upload approved last would turn the clock back."""
    upload = _review_lock(upload, "审核")
    mine = {
        (r, i, y): (pk, version)
        for pk, r, i, y, version in upload.observations.values_list(
            "id", "region_id", "indicator_id", "year", "version"
        )
    }
    regions, indicators, years = _keys(mine)
    approved = Observation.objects.filter(
        status=Observation.Status.APPROVED, region_id__in=regions, indicator_id__in=indicators, year__in=years
    ).values_list("id", "region_id", "indicator_id", "year", "version")
    approved = [(pk, version, mine[(r, i, y)][1]) for pk, r, i, y, version in approved if (r, i, y) in mine]
    newer = sum(version > own for _, version, own in approved)
    if newer:
        raise ValueError(f"本上传有 {newer} 个数值已有更新的已审核版本，不能审核通过；请退回此上传")
    _update_ids([pk for pk, _, _ in approved], status=Observation.Status.SUPERSEDED)
    _update_ids([pk for pk, _ in mine.values()], status=Observation.Status.APPROVED)
    upload.status = Upload.Status.APPROVED
    upload.reviewed_by, upload.reviewed_at, upload.review_comment = user, timezone.now(), comment
    upload.save(update_fields=_REVIEW_FIELDS)  # not the stored rows again
    data_changed()
    return upload


@transaction.atomic
def upload_return(*, upload, user, comment):
    """Return a submitted upload with a comment: its values leave the dashboard, nothing is deleted,
    and for each key the latest remaining version becomes current again."""
    if not comment.strip():
        raise ValueError("退回时必须填写意见")
    upload = _review_lock(upload, "退回")
    mine = list(upload.observations.values_list("id", "region_id", "indicator_id", "year", "is_current"))
    _update_ids([pk for pk, *_ in mine], status=Observation.Status.RETURNED, is_current=False)
    was_current = {(r, i, y) for _, r, i, y, cur in mine if cur}
    if was_current:
        regions, indicators, years = _keys(was_current)
        rest = Observation.objects.filter(
            region_id__in=regions,
            indicator_id__in=indicators,
            year__in=years,
            status__in=[Observation.Status.SUBMITTED, Observation.Status.APPROVED],
        ).values_list("id", "region_id", "indicator_id", "year", "version")
        latest = {}
        for pk, r, i, y, version in rest:
            if (r, i, y) in was_current and version > latest.get((r, i, y), (0, 0))[1]:
                latest[(r, i, y)] = (pk, version)
        _update_ids([pk for pk, _ in latest.values()], is_current=True)
    upload.status = Upload.Status.RETURNED
    upload.reviewed_by, upload.reviewed_at, upload.review_comment = user, timezone.now(), comment
    upload.save(update_fields=_REVIEW_FIELDS)  # not the stored rows again
    data_changed()
    return upload


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
    options = {"year": year, "region_code": region_code}
    result = upload_parse(data=data, filename=filename, allowed_regions=allowed_regions, **options)
    report = {
        "file": filename,
        "accepted": result.accepted,
        "created": 0,
        "updated": 0,
        "unchanged": 0,
        "errors": [_issue_dict(e) for e in result.errors],
        "warnings": [_issue_dict(w) for w in result.warnings],
        "upload_id": None,
        "shape": result.shape,
    }
    if not result.accepted:
        return report
    if dry_run:
        summary, _ = observations_diff(result.values)
    else:
        try:
            with transaction.atomic():
                upload = upload_create(
                    user=user, filename=filename, data=data, result=result, options=options, source=source
                )
                summary = observations_write(upload=upload, values=result.values, approve=approve)
            report["upload_id"] = upload.pk
        except NothingChanged:  # the upload row goes with the rollback, and its file was never written
            summary = WriteSummary(unchanged=len(result.values))
            report["warnings"].append({"sheet": "", "cell": "", "message": "所有数值与现有数据相同，未新建版本"})
    report.update(created=summary.created, updated=summary.updated, unchanged=summary.unchanged)
    return report
