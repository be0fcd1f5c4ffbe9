"""Writes to the indicators app: the catalog sync and (below) observation uploads."""

import hashlib
import logging
import uuid
from dataclasses import asdict, dataclass
from pathlib import Path

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied
from django.db import connection, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext

from . import notify, rounds
from .access import REVIEWERS, needs_city_review, review_step, role_of
from .ingest import Issue, ParseResult, parse_upload
from .ingest.checks import rule_issues, same_value, unit_slips
from .ingest.sandbox import SandboxError, run_bounded
from .models import (
    Cluster,
    ClusterMembership,
    GroupMembership,
    Indicator,
    IndicatorAlias,
    Industry,
    Observation,
    Region,
    RegionGroup,
    Upload,
    ValidationRule,
)
from .selectors import current_values, ingest_catalog, validation_rules
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
            "industry": spec.get("industry") or "",
            "description": spec.get("description", ""),
            "order": order,
            "numerator": by_code.get(spec.get("numerator")),
            "denominator": by_code.get(spec.get("denominator")),
            "growth_of": by_code.get(spec.get("growth_of")),
            "allow_negative": bool(spec.get("allow_negative", False)),
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
def catalog_sync_validation_rules(*, rules):
    """Create the seed validation rules that are missing (by code); a rule already there stays as the admin
    left it. Returns how many were created."""
    have = set(ValidationRule.objects.values_list("code", flat=True))
    indicators = Indicator.objects.in_bulk(field_name="code")
    created = 0
    for spec in rules:
        if spec["code"] in have:
            continue
        rule = ValidationRule(
            code=spec["code"],
            name=spec["name"],
            left=indicators[spec["left"]],
            operator=spec["operator"],
            right=indicators[spec["right"]],
            importance=spec["importance"],
            description=spec.get("description", ""),
        )
        rule.full_clean()
        rule.save()
        created += 1
    return created


@transaction.atomic
def catalog_sync_regions(*, data):
    """Load regions (current and historical) from regions.yaml data."""
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
    return changed


def _membership_values(member):
    return {
        "until": member.get("until"),
        "source": member.get("source") or "",
        "confidence": member.get("confidence") or "",
    }


@transaction.atomic
def catalog_sync_groups(*, groups):
    """Load the groups of groups.yaml: lists with their dated memberships (keyed by group, region and start
    date), threshold groups with their rule. An editable list keeps what an admin added; any other list
    is exactly the catalog's."""
    changed = 0
    indicators = dict(Indicator.objects.values_list("code", "pk"))
    regions = dict(Region.objects.values_list("code", "pk"))
    for group in groups:
        obj, did = upsert(
            RegionGroup,
            {"slug": group["slug"]},
            {
                "name": group["name"],
                "name_en": group.get("name_en", ""),
                "description": group.get("description", "") or "",
                "source": group.get("source", "") or "",
                "is_demo": bool(group.get("demo", False)),
                "kind": group.get("kind", RegionGroup.Kind.LIST),
                "rule_indicator_id": indicators.get(group.get("rule_indicator")),
                "rule_comparator": group.get("rule_comparator") or "",
                "rule_value": group.get("rule_value"),
                "rule_upper_comparator": group.get("rule_upper_comparator") or "",
                "rule_upper_value": group.get("rule_upper_value"),
            },
        )
        changed += did
        wanted = set()
        for member in group.get("members") or []:
            lookup = {"group": obj, "region_id": regions[str(member["region"])], "since": member.get("since")}
            wanted.add((lookup["region_id"], lookup["since"]))
            values = _membership_values(member)
            row = GroupMembership.objects.filter(**lookup).first()
            if group.get("editable", False) and row is not None:
                # an admin may have corrected it: fill in only what is still blank (a row from before sources)
                values = {k: v for k, v in values.items() if getattr(row, k) in (None, "")}
            _, did = upsert(GroupMembership, lookup, values)
            changed += did
        if not group.get("editable", False):
            stale = [pk for pk, r, s in obj.memberships.values_list("pk", "region_id", "since") if (r, s) not in wanted]
            changed += GroupMembership.objects.filter(pk__in=stale).delete()[0]
    return changed


@transaction.atomic
def catalog_sync_industries(*, specs):
    """Load the GB/T 4754 divisions and the sets of industries.yaml (a set's divisions replaced by the
    catalog's)."""
    changed = 0
    by_code = {}
    for order, spec in enumerate(specs):
        obj, did = upsert(
            Industry,
            {"code": spec["code"]},
            {
                "name": spec["name"],
                "name_en": spec.get("name_en", ""),
                "kind": spec["kind"],
                "source": (spec.get("source") or "").strip(),
                "order": order,
            },
        )
        by_code[spec["code"]] = obj
        changed += did
    for spec in specs:
        if spec["kind"] == Industry.Kind.SET:
            changed += _set_m2m(by_code[spec["code"]].divisions, [by_code[c] for c in spec["divisions"]])
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
                "source": entry.get("source", "") or "",
                "order": order,
                "is_demo": bool(entry.get("demo", False)),
            },
        )
        by_slug[entry["slug"]] = obj
        changed += did
    regions = dict(Region.objects.values_list("code", "pk"))
    wanted = set()
    for member in data.get("members") or []:
        lookup = {
            "cluster": by_slug[member["cluster"]],
            "region_id": regions[str(member["region"])],
            "since": member.get("since"),
        }
        wanted.add((lookup["cluster"].pk, lookup["region_id"], lookup["since"]))
        values = dict(
            _membership_values(member),
            role=member["role"],
            is_demo=bool(member.get("demo", False)),
            designation_round=member.get("round"),
        )
        _, did = upsert(ClusterMembership, lookup, values)
        changed += did
    # demo rows are the catalog's own: one the catalog no longer lists (now confirmed, or dropped) goes
    demo = ClusterMembership.objects.filter(is_demo=True).values_list("pk", "cluster_id", "region_id", "since")
    changed += ClusterMembership.objects.filter(pk__in=[pk for pk, *key in demo if tuple(key) not in wanted]).delete()[
        0
    ]
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


def upload_parse(
    *, data, filename, year=None, region_code=None, allowed_regions=None, column_map=None, skip_unknown=False
):
    """parse_upload against the catalog, plus the uploader's region rights; never raises. The file is parsed
    in a bounded child process: an abort, a runaway allocation or a slow parse costs the child, and the
    uploader reads why. A file with any error has no values, and one without errors must hold a value (or
    have had every column skipped on request). ``column_map``: {header: indicator name or code, or 忽略}."""
    try:
        result = run_bounded(
            parse_upload,
            data,
            filename,
            ingest_catalog(),
            year=year,
            region_code=region_code,
            max_bytes=settings.UPLOAD_MAX_BYTES,
            column_map=column_map or {},
            skip_unknown=skip_unknown,
        )
    except SandboxError as exc:
        logger.warning("parse of %r stopped (%s): %s", filename, exc.reason, exc.detail)
        result = ParseResult(filename, "unknown", errors=[Issue("", "", str(exc))])
    result.errors += region_errors(result.values, allowed_regions)
    if not result.errors:
        _check_values(result)
    if result.errors:
        result.values = []
    elif not result.values and not result.skipped_columns:
        result.errors.append(Issue("", "", gettext("文件中没有可导入的数值")))
    else:  # partial against the year's round, or a revision of a closed one: accepted, and said so
        result.warnings += rounds.upload_notes(result.values)
    return result


def _check_values(result):
    """The checks that need the values on file: the validation rules of each region-year the upload touches
    (errors and warnings) and likely unit slips against the year before (result.outliers)."""
    values, rules = result.values, validation_rules()
    years = {v.year for v in values}
    compared = {v.indicator_code for v in values} | {c for rule in rules for c in (rule.left, rule.right)}
    on_file = current_values({v.region_code for v in values}, compared, years | {y - 1 for y in years})
    indicators = dict(Indicator.objects.values_list("code", "name"))
    errors, warnings = rule_issues(values, on_file, rules, indicators)
    result.errors += errors
    result.warnings += warnings
    growth = set(Indicator.objects.filter(growth_of__isnull=False).values_list("code", flat=True))
    result.outliers = unit_slips(values, on_file, indicators, skip=growth)


def _parsed_fields(result, options):
    """What an Upload keeps of a parse: the rows, years, warnings, and the options with the reading of each
    column (the preview shows it and lets the uploader change it)."""
    values = result.values
    return {
        "shape": result.shape,
        "years": sorted({v.year for v in values}),
        "value_count": len(values),
        "warnings": [_issue_dict(w) for w in result.warnings],
        "options": {**(options or {}), "columns": [asdict(c) for c in result.columns]},
        "rows": [
            # the ParsedValue fields in their declared order (parsed_values() reads them back positionally)
            [v.region_code, v.indicator_code, v.year, v.value, v.sheet, v.cell, v.raw, v.raw_unit, v.industry]
            + [v.note, v.quote, v.back_series, v.flag, v.cluster]
            for v in values
        ],
        "outliers": [{"row": i, **_issue_dict(issue)} for i, issue in result.outliers],
    }


@transaction.atomic
def upload_create(
    *,
    user,
    filename,
    data,
    result,
    options=None,
    source=Upload.Source.WEB,
    status=Upload.Status.PREVIEW,
    source_title="",
    source_url="",
):
    """Record an accepted parse as an Upload: the file kept, and with it the rows, warnings and options of
    the parse (what preview and confirm read). No observation is written yet."""
    upload = Upload(
        original_name=filename[:255],
        stored_name=_store_on_commit(data, filename),
        sha256=hashlib.sha256(data).hexdigest(),
        size=len(data),
        source=source,
        source_title=source_title,
        source_url=source_url,
        status=status,
        uploaded_by=user,
        **_parsed_fields(result, options),
    )
    upload.full_clean()
    upload.save()
    upload.regions.set(Region.objects.filter(code__in={v.region_code for v in result.values}))
    return upload


@transaction.atomic
def upload_reread(*, upload, column_map, remember=(), allowed_regions=None):
    """Read a draft's file again with the uploader's column choices ({header: indicator code, "" = 忽略}) and
    keep the new rows; ``remember`` (headers among the choices) become indicator aliases, so the next file
    with that header is read the same way (the alias history keeps who added it). Raises ValueError, changing
    nothing, when the new reading has errors or an alias is taken by another indicator."""
    path = Path(settings.UPLOAD_ROOT) / upload.stored_name
    if not path.is_file():
        raise ValueError(gettext("原文件已不存在，请重新上传"))
    data = path.read_bytes()
    options = {key: upload.options.get(key) for key in ("year", "region_code")}
    options |= {"column_map": {**upload.options.get("column_map", {}), **column_map}, "skip_unknown": True}
    result = upload_parse(data=data, filename=upload.original_name, allowed_regions=allowed_regions, **options)
    if result.errors:
        raise ValueError("；".join(str(e) for e in result.errors[:5]))
    if not Upload.objects.select_for_update().filter(pk=upload.pk, status=Upload.Status.PREVIEW).exists():
        raise ValueError(gettext("此上传已提交或已取消"))
    for header in remember:
        code = column_map.get(header)
        alias = header.split("/")[-1][:80]  # the column's own name: "生产总值/工业" is found as 工业 under its parent
        if not code:
            continue
        taken = IndicatorAlias.objects.filter(alias=alias).exclude(indicator__code=code).first()
        if taken is not None:
            raise ValueError(
                gettext("别名“%(alias)s”已属于指标 %(name)s") % {"alias": alias, "name": taken.indicator.name}
            )
        IndicatorAlias.objects.get_or_create(alias=alias, defaults={"indicator": Indicator.objects.get(code=code)})
    for name, value in _parsed_fields(result, options).items():
        setattr(upload, name, value)
    upload.save()
    upload.regions.set(Region.objects.filter(code__in={v.region_code for v in result.values}))
    return upload


@transaction.atomic
def upload_confirm(*, upload, allowed_regions, confirmed_outliers=()):
    """Submit a previewed upload: write the rows stored with it, once the uploader's region rights and the
    indicators are checked again (either may have changed since the preview). Raises ValueError, writing
    nothing, when a check fails, when a likely unit slip (upload.outliers) is not among ``confirmed_outliers``
    (row indexes the uploader ticked), when the draft was confirmed or cancelled meanwhile (a double click, a
    second tab), or when every value equals the one on file."""
    unconfirmed = {o["row"] for o in upload.outliers} - set(confirmed_outliers)
    if unconfirmed:
        raise ValueError(
            gettext("还有 %(n)d 个疑似计量单位错误的数值未确认：请逐条核对并勾选确认，或改正文件后重新上传")
            % {"n": len(unconfirmed)}
        )
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


def _rows_by_key(values, fields, where):
    """(key, row) for the stored observations (those matching ``where``, a Q) of the (region, indicator, industry,
    cluster, year) keys the values touch, ``fields`` in each row (three queries). The rows are read by region and indicator id, named through
    two small lookups: joining the regions and indicators to tens of thousands of rows (a roll-up) cost the
    database a quarter more."""
    regions = dict(Region.objects.filter(code__in={v.region_code for v in values}).values_list("pk", "code"))
    codes = {v.indicator_code for v in values}
    indicators = dict(Indicator.objects.filter(code__in=codes).values_list("pk", "code"))
    rows = Observation.objects.filter(
        where,
        region__in=regions,
        indicator__in=indicators,
        industry__in={v.industry for v in values},
        cluster__in={v.cluster for v in values},
        year__in={v.year for v in values},
    ).order_by()  # no sort needed
    for r, i, n, cl, y, *row in rows.values_list("region_id", "indicator_id", "industry", "cluster", "year", *fields):
        yield (regions[r], indicators[i], n, cl, y), row


def _existing_rows(values):
    """The stored versions a write to the keys the values touch deals with, by key: (id, value, version, status,
    is_current). These are the current version, the approved one, and any returned one: a key's newest version
    is always one of them (a version stops being current only when a newer one is written or it is returned),
    so the next version number is found without reading the superseded and retired history, which grows with
    every write. The unique (key, version) constraint stands behind this."""
    by_key = {}
    standing = Q(is_current=True) | Q(status__in=[Observation.Status.APPROVED, Observation.Status.RETURNED])
    for key, row in _rows_by_key(values, ["id", "value", "version", "status", "is_current"], standing):
        by_key.setdefault(key, []).append(tuple(row))
    return by_key


def _current_value(versions):
    return next((value for _, value, _, _, is_current in versions if is_current), None)


def published_keys(values):
    """The keys (ParsedValue.key: region, indicator, industry, cluster, year) among ``values`` that hold an approved
    published figure (公开数据): synthetic demo data never stands in for a real one (one query)."""
    rows = Observation.objects.filter(
        region__code__in={v.region_code for v in values},
        indicator__code__in={v.indicator_code for v in values},
        year__in={v.year for v in values},
        status=Observation.Status.APPROVED,
        upload__source=Upload.Source.PUBLISHED,
    ).order_by()
    return set(rows.values_list("region__code", "indicator__code", "industry", "cluster", "year"))


def values_on_file(values):
    """ParsedValue.key (region, indicator, industry, cluster, year) → the current value on file, for the keys the values
    touch: the current versions only, however many older ones a key has."""
    return {key: value for key, (value,) in _rows_by_key(values, ["value"], Q(is_current=True))}


def observations_diff(values, existing=None):
    """Classify parsed values against what is on file: created / updated / unchanged (read only).

    Returns the summary and the values to store, in the order given."""
    existing = _existing_rows(values) if existing is None else existing
    summary = WriteSummary()
    changed = []
    for v in values:
        now = _current_value(existing.get(v.key, []))
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
    # as many ids a statement as the database binds (SQLite caps the parameters, PostgreSQL takes them all)
    step = max(connection.ops.bulk_batch_size(["id"], ids), 1)
    for start in range(0, len(ids), step):
        Observation.objects.filter(id__in=ids[start : start + step]).update(**fields)


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
    data version, in this transaction. Direct approval is refused for a closed round's year (ValueError):
    a change to locked values goes through review as a revision.
    """
    unknown = {v.industry for v in values if v.industry} - set(
        Industry.objects.filter(code__in={v.industry for v in values}).values_list("code", flat=True)
    )
    if unknown:  # the parser checks against the catalog it was given; the table is the last word
        raise ValueError(gettext("未知行业代码 %(codes)s，未导入任何数值") % {"codes": "、".join(sorted(unknown))})
    slugs = {v.cluster for v in values if v.cluster}
    unknown = slugs - set(Cluster.objects.filter(slug__in=slugs).values_list("slug", flat=True))
    if unknown:
        raise ValueError(gettext("未知集群 %(slugs)s，未导入任何数值") % {"slugs": "、".join(sorted(unknown))})
    region_ids = _lock_regions(v.region_code for v in values)
    locked = rounds.locked_years(v.year for v in values) if approve else set()
    if locked:
        years = "、".join(str(y) for y in sorted(locked))
        raise ValueError(gettext("%(years)s年的填报轮次已关闭，数据已锁定：请提交修订等待审核") % {"years": years})
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
        versions = existing.get(v.key, [])
        retire_current += [pk for pk, _, _, _, is_current in versions if is_current]
        if approve:
            retire_approved += [pk for pk, _, _, st, _ in versions if st == Observation.Status.APPROVED]
        new.append(
            Observation(
                region_id=region_ids[v.region_code],
                indicator_id=indicator_ids[v.indicator_code],
                industry=v.industry,
                cluster=v.cluster,
                year=v.year,
                value=v.value,
                version=max((n for _, _, n, _, _ in versions), default=0) + 1,
                status=status,
                upload_id=upload.pk,
                sheet=v.sheet[:80],
                cell=v.cell[:20],
                raw=v.raw[:80],
                note=v.note,
                back_series=v.back_series,
                flag=v.flag,
            )
        )
    # a value both current and approved (a roll-up's usual case) is retired in one statement: each UPDATE
    # rewrites the row and every index entry of it
    both = set(retire_current) & set(retire_approved)
    _update_ids(both, is_current=False, status=Observation.Status.SUPERSEDED)
    _update_ids(set(retire_current) - both, is_current=False)
    _update_ids(set(retire_approved) - both, status=Observation.Status.SUPERSEDED)
    Observation.objects.bulk_create(new)
    upload.status = Upload.Status.APPROVED if approve else Upload.Status.SUBMITTED
    upload.submitted_at = timezone.now()
    if approve:
        upload.reviewed_at = upload.submitted_at
    upload.save(update_fields=["status", "reviewed_at", "submitted_at"])
    if not approve:
        notify.upload_submitted(upload)
    data_changed()
    return summary


_REVIEW_FIELDS = ["status", "reviewed_by", "reviewed_at", "review_comment"]


class SelfReview(PermissionDenied):
    """Nobody approves or returns an upload they uploaded (a superuser may, giving a written reason)."""


def _review_lock(upload, action, user, override_reason):
    """Lock what a review changes, in the order every writer locks: the regions of the upload's values (see
    _lock_regions), then the upload. A second reviewer of the same upload waits, then reads its new status.
    Then the one check of who may review: the step (access.review_step) and the separation of duties.
    Returns the upload and the step ("city" or "province")."""
    _lock_regions(upload.observations.values_list("region__code", flat=True))
    upload = Upload.objects.select_for_update().get(pk=upload.pk)
    if upload.status not in (Upload.Status.SUBMITTED, Upload.Status.CITY_CHECKED):
        raise ValueError(f"只能{action}已提交的上传（当前状态：{upload.get_status_display()}）")
    step = review_step(user, upload)
    if step is None and role_of(user) in REVIEWERS and needs_city_review(upload):
        raise ValueError(gettext("此上传须先经设区市审核"))
    if step is None:
        raise PermissionDenied(gettext("无权审核此上传"))
    if upload.uploaded_by_id == user.pk:
        if not (user.is_superuser and override_reason.strip()):
            raise SelfReview(gettext("不能审核或退回自己上传的数据"))
        upload._change_reason = gettext("超级用户审核本人上传：%(reason)s") % {"reason": override_reason.strip()}
    return upload, step


KEY = ["region_id", "indicator_id", "industry", "cluster", "year"]  # what one value is for (the model's unique keys)


def _key_filter(keys):
    """A filter narrowing observations to the (region, indicator, industry, cluster, year) keys given (a superset:
    callers match the exact keys)."""
    return {f"{name}__in": {k[n] for k in keys} for n, name in enumerate(KEY)}


@transaction.atomic
def upload_approve(*, upload, user, comment="", override_reason=""):
    """Approve a submitted upload: its values become the approved ones, earlier approved versions superseded.
    Refused (ValueError) when a newer version of one of its keys is approved already: the newest approved
    version is always the one in force, so an older upload approved last would turn the clock back.
    With city review, the city's approval only marks it 市级已审 for the province. PermissionDenied
    (SelfReview) for the uploader or anyone without the step."""
    upload, step = _review_lock(upload, "审核", user, override_reason)
    if step == "city":
        upload.status = Upload.Status.CITY_CHECKED
        upload.city_reviewed_by, upload.city_reviewed_at, upload.review_comment = user, timezone.now(), comment
        upload.save(update_fields=["status", "city_reviewed_by", "city_reviewed_at", "review_comment"])
        notify.upload_city_checked(upload)
        return upload
    mine = {tuple(key): (pk, version) for pk, *key, version in upload.observations.values_list("id", *KEY, "version")}
    approved = Observation.objects.filter(status=Observation.Status.APPROVED, **_key_filter(mine))
    approved = [
        (pk, version, mine[tuple(key)][1])
        for pk, *key, version in approved.values_list("id", *KEY, "version")
        if tuple(key) in mine
    ]
    newer = sum(version > own for _, version, own in approved)
    if newer:
        raise ValueError(f"本上传有 {newer} 个数值已有更新的已审核版本，不能审核通过；请退回此上传")
    _update_ids([pk for pk, _, _ in approved], status=Observation.Status.SUPERSEDED)
    _update_ids([pk for pk, _ in mine.values()], status=Observation.Status.APPROVED)
    upload.status = Upload.Status.APPROVED
    upload.reviewed_by, upload.reviewed_at, upload.review_comment = user, timezone.now(), comment
    upload.save(update_fields=_REVIEW_FIELDS)  # not the stored rows again
    notify.upload_reviewed(upload)
    data_changed()
    return upload


@transaction.atomic
def upload_return(*, upload, user, comment, override_reason=""):
    """Return a submitted upload with a comment: its values leave the dashboard, nothing is deleted,
    and for each key the latest remaining version becomes current again. The uploader is told."""
    if not comment.strip():
        raise ValueError("退回时必须填写意见")
    upload, _step = _review_lock(upload, "退回", user, override_reason)
    mine = list(upload.observations.values_list("id", *KEY, "is_current"))
    _update_ids([pk for pk, *_ in mine], status=Observation.Status.RETURNED, is_current=False)
    was_current = {tuple(key) for _, *key, cur in mine if cur}
    if was_current:
        rest = Observation.objects.filter(
            status__in=[Observation.Status.SUBMITTED, Observation.Status.APPROVED], **_key_filter(was_current)
        ).values_list("id", *KEY, "version")
        latest = {}
        for pk, *key, version in rest:
            key = tuple(key)
            if key in was_current and version > latest.get(key, (0, 0))[1]:
                latest[key] = (pk, version)
        _update_ids([pk for pk, _ in latest.values()], is_current=True)
    upload.status = Upload.Status.RETURNED
    upload.reviewed_by, upload.reviewed_at, upload.review_comment = user, timezone.now(), comment
    upload.save(update_fields=_REVIEW_FIELDS)  # not the stored rows again
    notify.upload_reviewed(upload)
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
    accept_outliers=False,
    column_map=None,
    skip_unknown=False,
    source_title="",
    source_url="",
):
    """Parse, validate and (unless dry_run) store one file: all or nothing. A likely unit slip refuses the file
    unless ``accept_outliers`` (then it is a warning).

    Returns the import_stats JSON record: file, accepted, created, updated, unchanged, errors, warnings,
    upload_id, skipped_columns, mapped_columns ({header: indicator name}), skipped_rows, notes.
    `allowed_regions` (codes) restricts a county official to their own. A demo file leaves out the keys that
    hold a published value (see published_keys).
    """
    options = {"year": year, "region_code": region_code, "column_map": column_map or {}, "skip_unknown": skip_unknown}
    result = upload_parse(data=data, filename=filename, allowed_regions=allowed_regions, **options)
    slips = [issue for _, issue in result.outliers]
    if accept_outliers:
        result.warnings += slips
    elif slips:
        result.errors += slips
        result.values = []
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
        "skipped_columns": result.skipped_columns,
        "mapped_columns": result.mapped_columns,
        "skipped_rows": result.skipped_rows,
        "notes": [
            {
                "sheet": v.sheet,
                "cell": v.cell,
                "region": v.region_code,
                "indicator": v.indicator_code,
                "industry": v.industry,
                "year": v.year,
                "note": v.note,
            }
            for v in result.values
            if v.note
        ],
    }
    if not result.accepted:
        return report
    if source == Upload.Source.DEMO:
        published = published_keys(result.values)
        result.values = [v for v in result.values if v.key not in published]
    if not result.values:  # every column skipped on request, or every demo key published: nothing to write
        return report
    if dry_run:
        summary, _ = observations_diff(result.values)
    else:
        try:
            with transaction.atomic():
                upload = upload_create(
                    user=user,
                    filename=filename,
                    data=data,
                    result=result,
                    options=options,
                    source=source,
                    source_title=source_title,
                    source_url=source_url,
                )
                summary = observations_write(upload=upload, values=result.values, approve=approve)
            report["upload_id"] = upload.pk
        except NothingChanged:  # the upload row goes with the rollback, and its file was never written
            summary = WriteSummary(unchanged=len(result.values))
            report["warnings"].append({"sheet": "", "cell": "", "message": "所有数值与现有数据相同，未新建版本"})
        except ValueError as exc:  # a closed round's year refuses direct approval; nothing was written
            report.update(accepted=False, errors=[{"sheet": "", "cell": "", "message": str(exc)}])
            return report
    report.update(created=summary.created, updated=summary.updated, unchanged=summary.unchanged)
    return report
