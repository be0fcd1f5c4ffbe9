"""The audit trail: every catalog change (django-simple-history) and every upload event, merged.

Reads only; one query per audited model, each capped, whatever the size of the history."""

from indicators.models import ClusterMembership, GroupMembership, Indicator, IndicatorAlias, RegionGroup, Upload

from .models import CompositeWeight, PolicyDocument, Target

AUDITED = {
    "target": (Target, "目标"),
    "document": (PolicyDocument, "政策文件"),
    "indicator": (Indicator, "指标"),
    "alias": (IndicatorAlias, "指标别名"),
    "group": (RegionGroup, "区域组"),
    "group_member": (GroupMembership, "区域组成员"),
    "cluster_member": (ClusterMembership, "集群成员"),
    "weight": (CompositeWeight, "综合评价权重"),
    "upload": (Upload, "数据上传"),
}
ACTIONS = {"+": "新增", "~": "修改", "-": "删除"}
# Historical rows keep their foreign keys; following them in one join avoids a query per row.
RELATED = {"group_member": ("group", "region"), "cluster_member": ("cluster", "region"), "alias": ("indicator",),
           "weight": ("target",), "target": ("indicator",)}  # fmt: skip


def _describe(kind, row):
    if kind == "group_member":
        return f"{row.group.name} · {row.region.name}"
    if kind == "cluster_member":
        return f"{row.cluster.name} · {row.region.name}（{row.get_role_display()}）"
    if kind == "alias":
        return f"{row.alias} → {row.indicator.name}"
    if kind == "weight":
        return f"{row.target.label}: {row.weight:g}"
    if kind == "upload":
        return row.original_name
    return str(row.instance)


def audit_events(*, kinds=None, user=None, since=None, until=None, limit=300):
    """Newest first: dicts with when, who, kind, action, object, and what changed (upload status)."""
    events = []
    for kind in kinds or AUDITED:
        model, label = AUDITED[kind]
        rows = model.history.select_related("history_user", *RELATED.get(kind, ())).order_by("-history_date")
        if user:
            rows = rows.filter(history_user__username=user)
        if since:
            rows = rows.filter(history_date__date__gte=since)
        if until:
            rows = rows.filter(history_date__date__lte=until)
        for row in rows[:limit]:
            detail = ""
            if kind == "upload":
                detail = f"{row.get_status_display()}" + (f"：{row.review_comment}" if row.review_comment else "")
            events.append(
                {
                    "when": row.history_date,
                    "who": row.history_user.get_username() if row.history_user else "system",
                    "kind": label,
                    "action": ACTIONS.get(row.history_type, row.history_type),
                    "object": _describe(kind, row),
                    "object_id": row.id,
                    "detail": detail,
                    "reason": row.history_change_reason or "",
                }
            )
    events.sort(key=lambda e: e["when"], reverse=True)
    return events[:limit]
