"""The audit page: catalog edits and upload reviews, who and when; provincial staff only."""

import pytest
from django.contrib.auth.models import Group

from indicators.models import OfficialRegion, Region, Upload
from indicators.services import system_user, upload_return
from targets.models import Target

pytestmark = pytest.mark.django_db


@pytest.fixture
def province_user(django_user_model):
    user = django_user_model.objects.create_user("sheng", password="x")
    user.groups.add(Group.objects.get_or_create(name="province")[0])
    return user


def test_a_target_edit_and_an_upload_return_appear_with_who_and_what(client, province_user, django_user_model):
    editor = django_user_model.objects.create_superuser("editor", password="x")
    target = Target.objects.get(
        document__code="jx-2009-industrial-upgrade", indicator__code="industrial_value_added_all"
    )
    target._history_user = editor  # what the admin's history middleware sets
    target.value = 1600
    target.save()
    upload = Upload.objects.create(
        original_name="义乌2023.xlsx", sha256="a" * 64, status="submitted", uploaded_by=system_user()
    )
    upload_return(upload=upload, user=province_user, comment="请核对增加值")

    client.force_login(province_user)
    html = client.get("/audit/").content.decode()
    assert "editor" in html and "工业增加值" in html and "修改" in html
    assert "义乌2023.xlsx" in html and "请核对增加值" in html


def test_the_audit_page_filters_by_object_kind(client, province_user):
    Upload.objects.create(original_name="only-upload.xlsx", sha256="b" * 64, uploaded_by=system_user())
    client.force_login(province_user)
    html = client.get("/audit/", {"kind": ["target"]}).content.decode()
    assert "only-upload.xlsx" not in html


def test_a_county_official_cannot_see_the_audit_page(client, django_user_model):
    official = django_user_model.objects.create_user("yiwu", password="x")
    official.groups.add(Group.objects.get_or_create(name="county")[0])
    OfficialRegion.objects.create(user=official, region=Region.objects.get(code="330782"))
    client.force_login(official)
    assert client.get("/audit/").status_code == 404


def test_membership_and_weight_changes_are_named_as_the_objects_name_themselves(client, province_user):
    from indicators.models import Cluster, ClusterMembership
    from targets.models import CompositeWeight

    membership = ClusterMembership.objects.create(
        cluster=Cluster.objects.get(slug="smart-pv"), region=Region.objects.get(code="331127"), role="core"
    )
    target = Target.objects.get(document__code="zj-2023-415x", indicator__code="tax_per_mu", value=40)
    CompositeWeight.objects.update_or_create(target=target, defaults={"weight": 2.5})
    client.force_login(province_user)
    html = client.get("/audit/", {"kind": ["cluster_member", "weight"]}).content.decode()
    assert str(membership) in html  # 智能光伏 · 景宁畲族自治县（核心区）
    assert f"{target.label}: 2.5" in html
