"""Writes to the targets app: loading the policy documents and their targets."""

import datetime

from django.db import transaction

from indicators import services as indicator_services
from indicators.catalog import load_catalog
from indicators.models import Indicator
from indicators.versioning import data_changed

from .models import PolicyDocument, QualitativeGoal, Target

upsert = indicator_services.upsert


def _document_values(doc):
    issue_date = doc.get("issue_date")
    if isinstance(issue_date, str):
        issue_date = datetime.date.fromisoformat(issue_date)
    return {
        "doc_number": doc.get("doc_number") or "",
        "title": doc["title"],
        "title_en": doc.get("title_en") or "",
        "issuer": doc["issuer"],
        "issuer_name": doc.get("issuer_name") or "",
        "issue_date": issue_date,
        "period_start": doc["period_start"],
        "period_end": doc["period_end"],
        "base_year": doc.get("base_year") or doc["period_start"] - 1,
        "seed_file": doc["seed"],
        "full_text": doc["full_text"],
        "note": (doc.get("note") or "").strip(),
    }


def _target_values(spec, indicators):
    threshold = spec.get("threshold") or {}
    return {
        "clause": spec["clause"],
        "indicator": indicators[spec["indicator"]],
        "label": spec.get("label") or indicators[spec["indicator"]].name,
        "kind": spec["kind"],
        "comparator": spec["comparator"],
        "value": float(spec["value"]),
        "unit": spec["unit"],
        "target_year": spec["target_year"],
        "base_year": spec.get("base_year"),
        "per_year": bool(spec.get("per_year")),
        "scope": spec["scope"],
        "share_of": spec.get("share_of") or "",
        "threshold_indicator": indicators.get(threshold.get("indicator")) if threshold else None,
        "threshold_comparator": threshold.get("comparator", "") if threshold else "",
        "threshold_value": float(threshold["value"]) if threshold.get("value") is not None else None,
        "threshold_unit": threshold.get("unit", "") if threshold else "",
        "threshold_members": threshold.get("members", "") if threshold else "",
        "policy_input": bool(spec.get("policy_input")),
        "excerpt": spec["excerpt"],
        "also_in": list(spec.get("also_in") or []),
        "target_year_inferred": bool(spec.get("target_year_inferred")),
        "note": (spec.get("note") or "").strip(),
    }


def _sync_targets(document, specs, indicators):
    """Update each stored target from the catalog entry with its seq (the entry's identity within the
    document), create new ones and delete those the catalog no longer has. A corrected field (comparator,
    indicator, scope) thus keeps the row, its id and its history."""
    wanted = {spec["seq"]: spec for spec in specs}
    changed, _ = Target.objects.filter(document=document).exclude(seq__in=wanted).delete()
    for seq, spec in wanted.items():
        _, did = upsert(Target, {"document": document, "seq": seq}, _target_values(spec, indicators))
        changed += did
    return changed


@transaction.atomic
def catalog_sync_documents(*, documents):
    """Create or update each document with its qualitative goals and targets (matched by content)."""
    indicators = {i.code: i for i in Indicator.objects.all()}
    changed = 0
    for doc in documents:
        document, did = upsert(PolicyDocument, {"code": doc["code"]}, _document_values(doc))
        changed += did
        for order, goal in enumerate(doc.get("qualitative_goals") or [], start=1):
            _, did = upsert(
                QualitativeGoal,
                {"document": document, "order": order},
                {"clause": goal.get("clause", ""), "text": goal["text"]},
            )
            changed += did
        goals = len(doc.get("qualitative_goals") or [])
        changed += QualitativeGoal.objects.filter(document=document, order__gt=goals).delete()[0]
        changed += _sync_targets(document, doc["targets"], indicators)
    return changed


def composite_default_weights():
    """Weight 1 on the newest plan's provincial ratio targets, if no weight was ever set.

    Ratios (亩均税收, 高技术制造业占比 …) compare counties of any size; admins change the set and the
    weights in the admin, and this never overwrites them.
    """
    from .models import CompositeWeight

    if CompositeWeight.objects.exists():
        return 0
    newest = PolicyDocument.objects.order_by("-period_end", "-period_start").first()
    if newest is None:
        return 0
    chosen = Target.objects.filter(
        document=newest, scope="province", policy_input=False, indicator__kind="derived", kind__in=["level", "share"]
    )
    CompositeWeight.objects.bulk_create(CompositeWeight(target=t, weight=1.0) for t in chosen)
    return chosen.count()


@transaction.atomic
def catalog_bootstrap():
    """Load the whole catalog (indicators, regions, groups, clusters, documents, targets), all or nothing."""
    catalog = load_catalog()
    changed = indicator_services.catalog_sync_indicators(specs=catalog.indicators)
    changed += indicator_services.catalog_sync_validation_rules(rules=catalog.validation_rules)
    if catalog.regions:
        changed += indicator_services.catalog_sync_regions(data=catalog.regions)
    changed += indicator_services.catalog_sync_industries(specs=catalog.industries)
    changed += indicator_services.catalog_sync_groups(groups=catalog.groups)
    if catalog.clusters:
        changed += indicator_services.catalog_sync_clusters(data=catalog.clusters)
    changed += catalog_sync_documents(documents=catalog.documents)
    changed += composite_default_weights()
    if changed:
        data_changed()
    return changed
