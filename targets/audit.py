"""The audit trail: every catalog change (django-simple-history) and every upload event, merged.

Reads only: one query (the history tables' UNION, newest first, capped), whatever the size of the history."""

from django.db.models import CharField, FloatField, IntegerField, Value

from indicators.models import (
    ClusterMembership,
    GroupMembership,
    Indicator,
    IndicatorAlias,
    RegionGroup,
    ReportingRound,
    Upload,
)

from .models import CompositeWeight, PolicyDocument, Target

# kind: (model, label, the fields naming the object (texts a, b, c, number n, year y), its name as its __str__ has it)
AUDITED = {
    "target": (Target, "目标", ("label", "comparator", "unit", "value", "target_year"), "{a} {cmp}{n:g}{c}（{y}）"),
    "document": (PolicyDocument, "政策文件", ("title",), "{a}"),
    "indicator": (Indicator, "指标", ("name", None, "unit"), "{a}（{c}）"),
    "alias": (IndicatorAlias, "指标别名", ("alias", "indicator__name"), "{a} → {b}"),
    "group": (RegionGroup, "区域组", ("name",), "{a}"),
    "group_member": (GroupMembership, "区域组成员", ("group__name", "region__name"), "{a} · {b}"),
    "cluster_member": (ClusterMembership, "集群成员", ("cluster__name", "region__name", "role"), "{a} · {b}（{role}）"),
    "weight": (CompositeWeight, "综合评价权重", ("target__label", None, None, "weight"), "{a}: {n:g}"),
    "upload": (Upload, "数据上传", ("original_name", "status", "review_comment"), "{a}"),
    "round": (ReportingRound, "填报轮次", ("state", None, None, None, "year"), "{y}（{state}）"),
}
ACTIONS = {"+": "新增", "~": "修改", "-": "删除"}
COMPARATORS = dict(Target.Comparator.choices)
ROLES = dict(ClusterMembership.Role.choices)
UPLOAD_STATUSES = dict(Upload.Status.choices)
ROUND_STATES = dict(ReportingRound.State.choices)
_NONE = (Value(None, CharField()),) * 3 + (Value(None, FloatField()), Value(None, IntegerField()))


def _history(kind, user, since, until):
    """One model's history rows: kind, when, who, type, reason, object id, then the naming fields a, b, c, n, y."""
    model, _label, fields, _name = AUDITED[kind]
    rows = model.history.order_by()
    if user:
        rows = rows.filter(history_user__username=user)
    if since:
        rows = rows.filter(history_date__date__gte=since)
    if until:
        rows = rows.filter(history_date__date__lte=until)
    naming = [field or none for field, none in zip(fields + (None,) * (5 - len(fields)), _NONE, strict=True)]
    basics = ["history_date", "history_user__username", "history_type", "history_change_reason", "id"]
    return rows.values_list(Value(kind, CharField()), *basics, *naming)


def audit_events(*, kinds=None, user=None, since=None, until=None, limit=300):
    """Newest first: dicts with when, who, kind, action, object, and what changed (upload status)."""
    first, *rest = [_history(kind, user, since, until) for kind in kinds or AUDITED]
    rows = first.union(*rest, all=True).order_by("-history_date")[:limit]
    events = []
    for kind, when, who, action, reason, object_id, a, b, c, n, y in rows:
        name = AUDITED[kind][3].format(
            a=a, b=b, c=c, n=n, y=y, cmp=COMPARATORS.get(b), role=ROLES.get(c), state=ROUND_STATES.get(a)
        )
        detail = f"{UPLOAD_STATUSES.get(b, b)}" + (f"：{c}" if c else "") if kind == "upload" else ""
        events.append({"when": when, "who": who or "system", "kind": AUDITED[kind][1], "object_id": object_id,
                       "action": ACTIONS.get(action, action), "object": name, "detail": detail, "reason": reason or ""})  # fmt: skip
    return events
