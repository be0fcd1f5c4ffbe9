from django.contrib import admin

from indicators.admin import ReasonAdmin

from .models import CompositeWeight, PolicyDocument, QualitativeGoal, Target


class TargetInline(admin.StackedInline):
    model = Target
    extra = 0
    raw_id_fields = ["indicator", "threshold_indicator"]
    fields = [
        ("seq", "clause", "label"),
        ("indicator", "kind", "comparator", "value", "unit"),
        ("target_year", "base_year", "per_year", "policy_input"),
        ("scope", "share_of"),
        ("threshold_indicator", "threshold_comparator", "threshold_value", "threshold_unit", "threshold_members"),
        "excerpt",
        "note",
    ]


class QualitativeGoalInline(admin.TabularInline):
    model = QualitativeGoal
    extra = 0


@admin.register(PolicyDocument)
class PolicyDocumentAdmin(ReasonAdmin):
    list_display = ["code", "title", "doc_number", "issuer", "period_start", "period_end"]
    list_filter = ["issuer"]
    search_fields = ["code", "title", "doc_number"]
    inlines = [QualitativeGoalInline, TargetInline]


@admin.register(Target)
class TargetAdmin(ReasonAdmin):
    list_display = ["document", "seq", "clause", "label", "kind", "comparator", "value", "unit", "target_year", "scope"]
    list_filter = ["document", "kind", "target_year", "policy_input", "scope"]
    search_fields = ["label", "excerpt", "note", "indicator__name", "indicator__code"]
    raw_id_fields = ["indicator", "threshold_indicator"]


@admin.register(CompositeWeight)
class CompositeWeightAdmin(ReasonAdmin):
    list_display = ["target", "weight"]
    raw_id_fields = ["target"]
