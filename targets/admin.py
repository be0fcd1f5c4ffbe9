from django import forms
from django.contrib import admin
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from indicators.admin import ReasonAdmin, ReasonForm

from . import scopes, selectors
from .models import CompositeWeight, PolicyDocument, QualitativeGoal, Target, TiangongAward


class TargetForm(forms.ModelForm):
    """A target whose scope is picked from the catalog (province, city, county, group, cluster and role,
    industry, each county of a group), never typed: an unknown scope cannot be saved."""

    # No Meta: the admin builds the form for Target with the fields it shows.
    scope = forms.ChoiceField(label=_("适用范围"))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.catalog = selectors.scope_catalog_now()
        self.fields["scope"].choices = [("", "---------"), *scopes.choices(self.catalog, get_language() == "en")]

    def clean_scope(self):
        try:
            return str(scopes.validate(self.cleaned_data["scope"], self.catalog))
        except ValueError as exc:
            raise forms.ValidationError(_("未知的适用范围：%(error)s"), params={"error": exc}) from exc


class TargetReasonForm(TargetForm, ReasonForm):
    """The target's own admin page: the scope picked from the catalog, and the reason for the change."""


class TargetInline(admin.StackedInline):
    model = Target
    form = TargetForm
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
    form = TargetReasonForm
    list_display = ["document", "seq", "clause", "label", "kind", "comparator", "value", "unit", "target_year", "scope"]
    list_filter = ["document", "kind", "target_year", "policy_input", "scope"]
    search_fields = ["label", "excerpt", "note", "indicator__name", "indicator__code"]
    raw_id_fields = ["indicator", "threshold_indicator"]


@admin.register(CompositeWeight)
class CompositeWeightAdmin(ReasonAdmin):
    list_display = ["target", "weight"]
    raw_id_fields = ["target"]


@admin.register(TiangongAward)
class TiangongAwardAdmin(ReasonAdmin):
    list_display = ["year", "region", "source_url"]
    list_filter = ["year"]
    search_fields = ["region__name", "source", "note"]
    raw_id_fields = ["region"]
