"""Writes to the targets app: loading the policy documents and their targets."""

import datetime

from django.db import transaction

from indicators import services as indicator_services
from indicators.catalog import load_catalog
from indicators.models import Indicator

from .models import PolicyDocument, QualitativeGoal, Target

upsert = indicator_services.upsert


def _document_values(doc):
    issue_date = doc.get("issue_date")
    if isinstance(issue_date, str):
        issue_date = datetime.date.fromisoformat(issue_date)
    return {
        "doc_number": doc.get("doc_number") or "",
        "title": doc["title"],
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
        "note": (spec.get("note") or "").strip(),
    }


@transaction.atomic
def catalog_sync_documents(*, documents):
    """Create or update each document with its qualitative goals and targets (matched by order)."""
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
        for seq, spec in enumerate(doc["targets"], start=1):
            _, did = upsert(Target, {"document": document, "seq": seq}, _target_values(spec, indicators))
            changed += did
        stale = Target.objects.filter(document=document, seq__gt=len(doc["targets"]))
        if stale.exists():
            changed += stale.delete()[0]
    return changed


def catalog_bootstrap():
    """Load the whole catalog (indicators, regions, groups, clusters, documents, targets)."""
    catalog = load_catalog()
    changed = indicator_services.catalog_sync_indicators(specs=catalog.indicators)
    if catalog.regions:
        changed += indicator_services.catalog_sync_regions(data=catalog.regions)
    if catalog.clusters:
        changed += indicator_services.catalog_sync_clusters(data=catalog.clusters)
    changed += catalog_sync_documents(documents=catalog.documents)
    return changed
