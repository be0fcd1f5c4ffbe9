from django.contrib import admin
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
    Upload,
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
class RegionGroupAdmin(CatalogAdmin):
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
class ClusterAdmin(CatalogAdmin):
    list_display = ["slug", "name", "tier", "parent", "is_demo"]
    list_filter = ["tier", "is_demo"]
    search_fields = ["slug", "name", "name_en"]
    inlines = [ClusterMembershipInline]


@admin.register(GroupMembership)
class GroupMembershipAdmin(CatalogAdmin):
    list_display = ["group", "region", "since", "until", "confidence"]
    list_filter = ["group", "confidence"]
    search_fields = ["region__name", "region__code"]


@admin.register(ClusterMembership)
class ClusterMembershipAdmin(CatalogAdmin):
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
    list_display = ["code", "name", "unit", "kind", "direction", "level"]
    list_filter = ["kind", "direction", "level", "unit"]
    search_fields = ["code", "name", "name_en", "aliases__alias"]
    raw_id_fields = ["numerator", "denominator", "growth_of"]
    inlines = [IndicatorAliasInline]


@admin.register(IndicatorAlias)
class IndicatorAliasAdmin(CatalogAdmin):
    list_display = ["alias", "indicator", "valid_until"]
    search_fields = ["alias", "indicator__name", "indicator__code"]


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
