"""Reads of the targets app: targets as records and as the DataFrames the gap engine takes."""

from .models import Target


def target_records():
    """Every target as a flat dict with the export contract's keys (1 query)."""
    rows = Target.objects.select_related("document", "indicator").order_by(
        "document__period_start", "document__code", "seq"
    )
    return [
        {
            "target_id": t.pk,
            "document": t.document.code,
            "clause": t.clause,
            "indicator_code": t.indicator.code,
            "indicator_name": t.indicator.name,
            "label": t.label,
            "kind": t.kind,
            "comparator": t.comparator,
            "value": t.value,
            "unit": t.unit,
            "target_year": t.target_year,
            "base_year": t.base_year,
            "per_year": t.per_year,
            "scope": t.scope,
            "share_of": t.share_of or None,
            "policy_input": t.policy_input,
            "excerpt": t.excerpt,
            "note": t.note,
        }
        for t in rows
    ]
