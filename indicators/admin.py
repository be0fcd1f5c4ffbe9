from django import forms
from django.contrib import admin
from django.contrib.admin import actions as admin_actions
from django.core.exceptions import PermissionDenied
from django.db import router
from django.db.models.deletion import Collector
from django.http import QueryDict
from django.template.response import TemplateResponse
from django.utils.translation import gettext_lazy as _
from simple_history.admin import SimpleHistoryAdmin

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
    ReportingRound,
    Upload,
    ValidationRule,
)
from .versioning import data_changed


class CatalogAdmin(SimpleHistoryAdmin):
    """Admin of a model the gap tables read: every save or delete (inlines included, and a revert from the
    history page, which saves without save_related) moves the data version inside the admin's own
    transaction, so no worker shows figures from before the edit."""

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        data_changed()

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)  # runs after save_model, inlines included
        data_changed()

    def delete_model(self, request, obj):
        super().delete_model(request, obj)
        data_changed()

    def delete_queryset(self, request, queryset):
        super().delete_queryset(request, queryset)
        data_changed()


def reason_field(label):
    # history_change_reason holds at most 100 characters
    return forms.CharField(label=label, max_length=100, help_text=_("必填：记入修改历史和审计记录（/audit/）"))


class ReasonForm(forms.ModelForm):
    change_reason = reason_field(_("修改原因"))


class DeleteReasonForm(forms.Form):
    change_reason = reason_field(_("删除原因"))


class ReasonAdmin(CatalogAdmin):
    """A catalog admin whose every save or delete asks why: the reason goes on the history row of the object
    and of each inline row saved with it (of each row a delete cascades to), and shows in the history page
    and on /audit/. A delete confirmed without a reason, one by one or with the bulk action, shows the
    confirmation page again with the error and deletes nothing."""

    form = ReasonForm
    actions = ["delete_selected"]  # replaces the site-wide action of the same name
    delete_confirmation_template = "admin/reason_delete_confirmation.html"
    delete_selected_confirmation_template = "admin/reason_delete_selected_confirmation.html"

    def save_model(self, request, obj, form, change):
        obj._change_reason = form.cleaned_data["change_reason"]
        super().save_model(request, obj, form, change)

    def save_formset(self, request, form, formset, change):
        reason = form.cleaned_data["change_reason"]
        for obj in formset.save(commit=False):
            obj._change_reason = reason
            obj.save()
        delete_with_reason(formset.deleted_objects, reason)
        formset.save_m2m()

    def delete_view(self, request, object_id, extra_context=None):
        # Django's delete view deletes on any POST: every POST is a confirmation
        form = self._confirmation(request, request.method == "POST")
        return _with_reason_form(super().delete_view(request, object_id, extra_context), form)

    @admin.action(permissions=["delete"], description=admin_actions.delete_selected.short_description)
    def delete_selected(self, request, queryset):
        # the changelist posts the action without "post"; the confirmation page posts it with "post"
        form = self._confirmation(request, bool(request.POST.get("post")))
        return _with_reason_form(admin_actions.delete_selected(self, request, queryset), form)

    def _confirmation(self, request, confirming):
        """The reason form of a delete page; a confirmation without a valid reason has its POST emptied, so
        Django's delete views show the confirmation page again instead of deleting."""
        if not confirming:
            return DeleteReasonForm()
        form = DeleteReasonForm(request.POST)
        if not form.is_valid():
            request.POST = QueryDict()
        return form

    def delete_model(self, request, obj):
        self._delete(request, [obj])

    def delete_queryset(self, request, queryset):
        self._delete(request, list(queryset))

    def _delete(self, request, objs):
        form = DeleteReasonForm(request.POST)
        if not form.is_valid():  # _confirmation stops a delete page earlier; this guards every other caller
            raise PermissionDenied
        delete_with_reason(objs, form.cleaned_data["change_reason"])
        data_changed()


def delete_with_reason(objs, reason):
    """Delete as Model.delete and QuerySet.delete do, through Django's collector, whose own instances (the
    rows a delete cascades to included) are the ones simple_history records: each carries the reason."""
    if not objs:
        return
    collector = Collector(using=router.db_for_write(type(objs[0])))
    collector.collect(objs)
    for instances in collector.data.values():
        for instance in instances:
            instance._change_reason = reason
    collector.delete()


def _with_reason_form(response, form):
    """Put the reason form on a delete confirmation page (a redirect after the delete has no page)."""
    if isinstance(response, TemplateResponse):
        response.context_data["reason_form"] = form
    return response


@admin.register(Region)
class RegionAdmin(CatalogAdmin):
    list_display = ["code", "name", "short_name", "level", "parent", "valid_from", "valid_to"]
    list_filter = ["level", "parent"]
    search_fields = ["code", "name", "short_name"]
    filter_horizontal = ["predecessors"]
    raw_id_fields = ["parent"]


class GroupMembershipInline(admin.TabularInline):
    model = GroupMembership
    extra = 0
    autocomplete_fields = ["region"]
    fields = ["region", "since", "until", "confidence", "source"]


@admin.register(RegionGroup)
class RegionGroupAdmin(ReasonAdmin):
    list_display = ["slug", "name", "kind", "is_demo"]
    list_filter = ["kind", "is_demo"]
    search_fields = ["slug", "name"]
    raw_id_fields = ["rule_indicator"]
    inlines = [GroupMembershipInline]


class ClusterMembershipInline(admin.TabularInline):
    model = ClusterMembership
    extra = 0
    autocomplete_fields = ["region"]
    fields = ["region", "role", "designation_round", "since", "until", "confidence", "is_demo", "source"]


@admin.register(Cluster)
class ClusterAdmin(ReasonAdmin):
    list_display = ["slug", "name", "tier", "parent", "is_demo"]
    list_filter = ["tier", "is_demo"]
    search_fields = ["slug", "name", "name_en"]
    inlines = [ClusterMembershipInline]


@admin.register(GroupMembership)
class GroupMembershipAdmin(ReasonAdmin):
    list_display = ["group", "region", "since", "until", "confidence"]
    list_filter = ["group", "confidence"]
    search_fields = ["region__name", "region__code"]


@admin.register(ClusterMembership)
class ClusterMembershipAdmin(ReasonAdmin):
    list_display = ["cluster", "region", "role", "designation_round", "since", "until", "confidence", "is_demo"]
    list_filter = ["cluster", "role", "designation_round", "confidence", "is_demo"]
    search_fields = ["region__name", "region__code"]


@admin.register(Industry)
class IndustryAdmin(CatalogAdmin):
    list_display = ["code", "name", "kind", "order"]
    list_filter = ["kind"]
    search_fields = ["code", "name", "name_en"]
    filter_horizontal = ["divisions"]


class IndicatorAliasInline(admin.TabularInline):
    model = IndicatorAlias
    extra = 1


@admin.register(Indicator)
class IndicatorAdmin(CatalogAdmin):
    list_display = ["code", "name", "unit", "kind", "direction", "level", "allow_negative"]
    list_filter = ["kind", "direction", "level", "unit", "allow_negative"]
    search_fields = ["code", "name", "name_en", "aliases__alias"]
    raw_id_fields = ["numerator", "denominator", "growth_of"]
    inlines = [IndicatorAliasInline]


@admin.register(IndicatorAlias)
class IndicatorAliasAdmin(CatalogAdmin):
    list_display = ["alias", "indicator", "valid_until"]
    search_fields = ["alias", "indicator__name", "indicator__code"]


@admin.register(ValidationRule)
class ValidationRuleAdmin(SimpleHistoryAdmin):
    """Checks on uploads only: no page shows them, so an edit moves no data version."""

    list_display = ["code", "name", "left", "operator", "right", "importance", "is_active"]
    list_filter = ["importance", "is_active"]
    list_editable = ["importance", "is_active"]
    search_fields = ["code", "name", "left__name", "right__name"]
    autocomplete_fields = ["left", "right"]


@admin.register(Upload)
class UploadAdmin(SimpleHistoryAdmin):
    list_display = ["id", "original_name", "source", "status", "uploaded_by", "uploaded_at", "value_count"]
    list_filter = ["status", "source"]
    search_fields = ["original_name", "sha256"]
    readonly_fields = ["sha256", "stored_name", "size", "shape", "uploaded_at"]


@admin.register(Observation)
class ObservationAdmin(admin.ModelAdmin):
    list_display = ["region", "indicator", "industry", "year", "value", "version", "status", "is_current", "upload"]
    list_filter = ["status", "is_current", "year", "indicator"]
    search_fields = ["region__name", "region__code", "indicator__name"]
    list_select_related = ["region", "indicator", "upload"]
    raw_id_fields = ["region", "indicator", "upload"]

    def has_change_permission(self, request, obj=None):
        # Observations change only through uploads, which keep every version.
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(ReportingRound)
class ReportingRoundAdmin(SimpleHistoryAdmin):
    """Read only: rounds open, close and reopen (with a reason) through /rounds/ and the commands."""

    list_display = ["year", "deadline", "state", "opened_at", "closed_at"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
