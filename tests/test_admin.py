"""Django admin: every model has a working list, change form and history page."""

import pytest
from django.contrib import admin
from django.urls import reverse

pytestmark = pytest.mark.django_db

MODELS = [m for m in admin.site._registry if m._meta.app_label in {"indicators", "targets"}]


@pytest.mark.parametrize("model", MODELS, ids=lambda m: m._meta.model_name)
def test_every_model_lists_and_opens_with_its_history(admin_client, model):
    opts = model._meta
    assert admin_client.get(reverse(f"admin:{opts.app_label}_{opts.model_name}_changelist")).status_code == 200
    obj = model.objects.first()
    if obj is None:
        return
    change = reverse(f"admin:{opts.app_label}_{opts.model_name}_change", args=[obj.pk])
    assert admin_client.get(change).status_code == 200
    if hasattr(model, "history"):
        history = reverse(f"admin:{opts.app_label}_{opts.model_name}_history", args=[obj.pk])
        assert admin_client.get(history).status_code == 200


def test_editing_a_target_in_the_admin_is_kept_in_its_history(admin_client):
    from targets.models import Target

    target = Target.objects.get(
        document__code="jx-2009-industrial-upgrade", indicator__code="industrial_value_added_all"
    )
    url = reverse("admin:targets_target_change", args=[target.pk])
    form = admin_client.get(url).context["adminform"].form
    data = {name: form[name].value() for name in form.fields}
    data = {k: ("" if v is None else v) for k, v in data.items()}
    data["value"] = 1600
    assert admin_client.post(url, data).status_code == 200, "saved without a reason"
    data["change_reason"] = "文件勘误"
    response = admin_client.post(url, data)
    assert response.status_code == 302, response.content[:2000]
    assert target.history.count() >= 2
    latest = target.history.first()
    assert latest.value == 1600 and latest.history_user.is_superuser
    assert latest.history_change_reason == "文件勘误"


def test_a_target_scope_is_picked_from_the_catalog_and_a_misspelt_one_is_refused(admin_client):
    from targets.models import Target

    target = Target.objects.get(document__code="zj-2023-415x", scope="group:mountain-26", indicator__code="value_added")
    url = reverse("admin:targets_target_change", args=[target.pk])
    form = admin_client.get(url).context["adminform"].form
    offered = {key for _head, options in form.fields["scope"].choices[1:] for key, _name in options}
    assert {
        "group:mountain-26",
        "sector:traditional-mfg",
        "each_county:mountain-26",
        "cluster:smart-pv:core",
    } <= offered
    data = {k: ("" if v is None else v) for k, v in ((n, form[n].value()) for n in form.fields)}
    data["change_reason"] = "适用范围更正"
    response = admin_client.post(url, {**data, "scope": "group:mountian-26"})
    assert response.status_code == 200  # the form again, with the error
    assert "scope" in response.context["adminform"].form.errors
    target.refresh_from_db()
    assert target.scope == "group:mountain-26"
    response = admin_client.post(url, {**data, "scope": "sector:traditional-mfg"})
    assert response.status_code == 302
    target.refresh_from_db()
    assert target.scope == "sector:traditional-mfg"


def test_a_groups_members_show_their_dates_source_and_confidence(admin_client):
    from indicators.models import RegionGroup

    group = RegionGroup.objects.get(slug="mountain-26")
    page = admin_client.get(reverse("admin:indicators_regiongroup_change", args=[group.pk])).content.decode()
    # 平阳县's row: until 2024-08-21 (the zh-hans admin writes 2024/08/21), its source URL
    assert 'value="2024/08/21"' in page and "m.olppe.com/caijing/20250107/07147860.html" in page
    assert 'name="memberships-0-confidence"' in page


def test_a_clusters_members_show_round_and_dates(admin_client):
    from indicators.models import Cluster

    cluster = Cluster.objects.get(slug="digital-security-networks")
    page = admin_client.get(reverse("admin:indicators_cluster_change", args=[cluster.pk])).content.decode()
    assert 'name="memberships-0-designation_round"' in page and 'value="2023/06/20"' in page


def test_a_tiangong_award_entered_in_the_admin_is_kept_with_its_source_and_history(admin_client):
    from indicators import versioning
    from indicators.models import Region
    from targets.models import TiangongAward

    before = versioning.key()
    region = Region.objects.get(code="330782")
    response = admin_client.post(
        reverse("admin:targets_tiangongaward_add"),
        {
            "year": 2023,
            "region": region.pk,
            "source": "测试：管理员录入的名单原文",
            "source_url": "",
            "note": "",
            "change_reason": "录入年度获评名单",
        },
    )
    assert response.status_code == 302
    award = TiangongAward.objects.get()
    assert (award.year, award.region.code, award.history.count()) == (2023, "330782", 1)
    assert versioning.key() != before  # the pages drop what they kept and show the award
    again = admin_client.post(
        reverse("admin:targets_tiangongaward_add"),
        {"year": 2023, "region": region.pk, "source": "重复", "change_reason": "重复录入"},
    )
    assert again.status_code == 200 and TiangongAward.objects.count() == 1  # once a year per place


def test_deleting_a_group_asks_a_reason_and_keeps_it_on_every_deleted_row(admin_client):
    from indicators import versioning
    from indicators.models import GroupMembership, RegionGroup

    group = RegionGroup.objects.get(slug="mountain-26")
    members = group.memberships.count()
    assert members >= 26  # the 26 counties, plus any who left the list with a dated row
    url = reverse("admin:indicators_regiongroup_delete", args=[group.pk])
    page = admin_client.get(url)
    assert page.status_code == 200 and 'name="change_reason"' in page.content.decode()

    refused = admin_client.post(url, {"post": "yes", "change_reason": "  "})
    assert refused.status_code == 200, "confirmed without a reason: the confirmation page again"
    assert "change_reason" in refused.context["reason_form"].errors
    assert RegionGroup.objects.filter(pk=group.pk).exists() and group.memberships.count() == members

    before = versioning.key()
    response = admin_client.post(url, {"post": "yes", "change_reason": "名单撤销"})
    assert response.status_code == 302 and not RegionGroup.objects.filter(pk=group.pk).exists()
    deleted = RegionGroup.history.get(id=group.pk, history_type="-")
    assert (deleted.history_change_reason, deleted.history_user.is_superuser) == ("名单撤销", True)
    cascaded = GroupMembership.history.filter(group_id=group.pk, history_type="-")
    assert cascaded.count() == members
    assert set(cascaded.values_list("history_change_reason", flat=True)) == {"名单撤销"}
    assert versioning.key() != before  # the pages stop showing the group


def test_the_bulk_delete_action_asks_a_reason_too(admin_client):
    from indicators.models import Cluster, ClusterMembership, Region

    cluster = Cluster.objects.get(slug="smart-pv")
    rows = [
        ClusterMembership.objects.create(cluster=cluster, region=Region.objects.get(code=code), role="core")
        for code in ("331127", "331126")  # 景宁, 庆元: members made up for this test, deleted again below
    ]
    url = reverse("admin:indicators_clustermembership_changelist")
    chosen = {"action": "delete_selected", "_selected_action": [r.pk for r in rows]}
    asked = admin_client.post(url, chosen)
    assert asked.status_code == 200 and 'name="change_reason"' in asked.content.decode()

    refused = admin_client.post(url, {**chosen, "post": "yes"})
    assert refused.status_code == 200 and "change_reason" in refused.context["reason_form"].errors
    assert ClusterMembership.objects.filter(pk__in=[r.pk for r in rows]).count() == 2

    response = admin_client.post(url, {**chosen, "post": "yes", "change_reason": "误录"})
    assert response.status_code == 302
    assert not ClusterMembership.objects.filter(pk__in=[r.pk for r in rows]).exists()
    history = ClusterMembership.history.filter(id__in=[r.pk for r in rows], history_type="-")
    assert sorted(history.values_list("history_change_reason", flat=True)) == ["误录", "误录"]


def test_a_reasoned_delete_puts_the_reason_on_the_rows_it_cascades_to():
    # the path an inline row deleted from its parent's page takes too (ReasonAdmin.save_formset)
    from indicators.admin import delete_with_reason
    from targets.models import CompositeWeight, Target

    target = Target.objects.get(document__code="zj-2023-415x", indicator__code="tax_per_mu", value=40)
    weight, _created = CompositeWeight.objects.update_or_create(target=target, defaults={"weight": 2.5})
    keys = ((Target, target.pk), (CompositeWeight, weight.pk))  # read now: a delete sets them to None
    delete_with_reason([target], "文件废止")
    assert not CompositeWeight.objects.filter(pk=keys[1][1]).exists()
    for model, pk in keys:
        deleted = model.history.model.objects.filter(id=pk, history_type="-")
        assert list(deleted.values_list("history_change_reason", flat=True)) == ["文件废止"], model
