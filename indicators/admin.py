from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from .models import (
    Cluster,
    ClusterMembership,
    GroupMembership,
    Indicator,
    IndicatorAlias,
    Observation,
    Region,
    RegionGroup,
    Upload,
)


@admin.register(Region)
class RegionAdmin(SimpleHistoryAdmin):
    list_display = ["code", "name", "short_name", "level", "parent", "valid_from", "valid_to"]
    list_filter = ["level", "parent"]
    search_fields = ["code", "name", "short_name"]
    filter_horizontal = ["predecessors"]
    raw_id_fields = ["parent"]


class GroupMembershipInline(admin.TabularInline):
    model = GroupMembership
    extra = 0
    autocomplete_fields = ["region"]


@admin.register(RegionGroup)
class RegionGroupAdmin(SimpleHistoryAdmin):
    list_display = ["slug", "name", "is_demo"]
    search_fields = ["slug", "name"]
    inlines = [GroupMembershipInline]


class ClusterMembershipInline(admin.TabularInline):
    model = ClusterMembership
    extra = 0
    autocomplete_fields = ["region"]


@admin.register(Cluster)
class ClusterAdmin(SimpleHistoryAdmin):
    list_display = ["slug", "name", "tier", "parent"]
    list_filter = ["tier"]
    search_fields = ["slug", "name", "name_en"]
    inlines = [ClusterMembershipInline]


@admin.register(GroupMembership)
class GroupMembershipAdmin(SimpleHistoryAdmin):
    list_display = ["group", "region"]
    list_filter = ["group"]
    search_fields = ["region__name", "region__code"]


@admin.register(ClusterMembership)
class ClusterMembershipAdmin(SimpleHistoryAdmin):
    list_display = ["cluster", "region", "role", "is_demo"]
    list_filter = ["cluster", "role", "is_demo"]
    search_fields = ["region__name", "region__code"]


class IndicatorAliasInline(admin.TabularInline):
    model = IndicatorAlias
    extra = 1


@admin.register(Indicator)
class IndicatorAdmin(SimpleHistoryAdmin):
    list_display = ["code", "name", "unit", "kind", "direction", "level"]
    list_filter = ["kind", "direction", "level", "unit"]
    search_fields = ["code", "name", "name_en", "aliases__alias"]
    raw_id_fields = ["numerator", "denominator", "growth_of"]
    inlines = [IndicatorAliasInline]


@admin.register(IndicatorAlias)
class IndicatorAliasAdmin(SimpleHistoryAdmin):
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
    list_display = ["region", "indicator", "year", "value", "version", "status", "is_current", "upload"]
    list_filter = ["status", "is_current", "year", "indicator"]
    search_fields = ["region__name", "region__code", "indicator__name"]
    list_select_related = ["region", "indicator", "upload"]
    raw_id_fields = ["region", "indicator", "upload"]

    def has_change_permission(self, request, obj=None):
        # Observations change only through uploads, which keep every version.
        return False

    def has_delete_permission(self, request, obj=None):
        return False
