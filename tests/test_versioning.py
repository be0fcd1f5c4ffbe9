"""The data version: one database row every process reads; services move it with the data they write."""

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from indicators import versioning
from tests.factories import observe

pytestmark = pytest.mark.django_db


def test_data_changed_moves_the_generation_by_one():
    epoch, generation = versioning.current()
    versioning.data_changed()
    assert versioning.current() == (epoch, generation + 1)
    assert versioning.key() == f"{epoch}.{generation + 1}"


def test_a_rolled_back_change_leaves_the_version_where_it_was():
    before = versioning.current()
    with pytest.raises(RuntimeError), transaction.atomic():
        versioning.data_changed()
        raise RuntimeError("the upload failed")
    assert versioning.current() == before


def test_an_emptied_database_starts_a_new_epoch_so_old_keys_never_come_back():
    from indicators.models import DataVersion

    old_epoch, _ = versioning.current()
    DataVersion.objects.all().delete()
    new_epoch, generation = versioning.current()
    assert new_epoch != old_epoch
    assert generation == 1


def test_a_request_reads_the_version_once_and_sends_it_back(admin_client):
    _, generation = versioning.current()
    with CaptureQueriesContext(connection) as queries:
        response = admin_client.get("/")
    assert response.status_code == 200
    assert response["X-Data-Version"] == str(generation)
    reads = [q for q in queries.captured_queries if "indicators_dataversion" in q["sql"]]
    assert len(reads) == 1


def test_the_page_shows_the_new_figure_after_a_write_in_another_path(admin_client):
    """A value changed behind the page's back (as the command line would, then moving the version)
    shows on the next request: the cached body and gap tables are keyed on the version."""
    upload = observe([("330782", "value_added", 2024, 547.78)])
    versioning.data_changed()
    assert "547.78" in admin_client.get("/county/330782/").content.decode()
    upload.observations.update(value=777.77)
    versioning.data_changed()
    body = admin_client.get("/county/330782/").content.decode()
    assert "777.77" in body and "547.78" not in body


def test_an_admin_edit_of_a_target_moves_the_version(admin_client):
    from targets.models import Target

    target = Target.objects.filter(document__code="jx-2009-industrial-upgrade").first()
    _, before = versioning.current()
    url = reverse("admin:targets_target_delete", args=[target.pk])
    assert admin_client.post(url, {"post": "yes", "change_reason": "与文件原文不符"}).status_code == 302
    assert versioning.current()[1] == before + 1


def test_a_change_saved_in_the_admin_moves_the_version(admin_client):
    from indicators.models import IndicatorAlias

    alias = IndicatorAlias.objects.first()
    url = reverse("admin:indicators_indicatoralias_change", args=[alias.pk])
    _, before = versioning.current()
    response = admin_client.post(url, {"alias": alias.alias + "甲", "indicator": alias.indicator_id, "valid_until": ""})
    assert response.status_code == 302, response.content.decode()[:500]
    assert versioning.current()[1] >= before + 1
