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

    target = Target.objects.get(document__code="jx-2009-industrial-upgrade", indicator__code="value_added")
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
