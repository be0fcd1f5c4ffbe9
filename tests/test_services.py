"""indicators/services.py: what is on file for a set of parsed values, and the versions a write adds."""

import pytest

from indicators.ingest import ParsedValue
from indicators.models import Observation
from indicators.services import observations_diff, observations_write, system_user, values_on_file

from .factories import approved_upload, observe

pytestmark = pytest.mark.django_db


def parsed(region, indicator, year, value, industry=""):
    return ParsedValue(region, indicator, year, value, "表", "B2", str(value), "亿元", industry)


def test_values_on_file_name_each_key_by_its_codes_and_give_the_current_version():
    upload = observe([("330782", "value_added", 2023, 500.0), ("330782", "value_added", 2023, 40.0, "C17")])
    observe([("330102", "revenue", 2023, 80.0)], upload)
    first = Observation.objects.get(region__code="330782", industry="")
    Observation.objects.filter(pk=first.pk).update(is_current=False)
    Observation.objects.create(
        region=first.region, indicator=first.indicator, year=2023, value=510.0, version=2, upload=upload
    )  # a submitted second version, current
    values = [
        parsed("330782", "value_added", 2023, 510.0),  # version 2 is current: unchanged
        parsed("330782", "value_added", 2023, 41.0, "C17"),  # the industry's own key: updated
        parsed("330102", "revenue", 2023, 80.0),  # unchanged
        parsed("330102", "value_added", 2023, 7.0),  # nothing on file for this key: created
    ]
    assert values_on_file(values) == {
        ("330782", "value_added", "", "", 2023): 510.0,
        ("330782", "value_added", "C17", "", 2023): 40.0,
        ("330102", "revenue", "", "", 2023): 80.0,
    }
    summary, changed = observations_diff(values)
    assert (summary.created, summary.updated, summary.unchanged) == (1, 1, 2)
    assert changed == [values[1], values[3]]


def test_a_write_adds_the_next_version_and_retires_the_current_one():
    observe([("330782", "value_added", 2023, 500.0)])
    upload = approved_upload("second.xlsx")
    upload.status = upload.Status.PREVIEW
    upload.uploaded_by = system_user()
    upload.save()
    observations_write(upload=upload, values=[parsed("330782", "value_added", 2023, 520.0)])
    rows = Observation.objects.filter(region__code="330782", indicator__code="value_added", industry="", year=2023)
    assert sorted(rows.values_list("version", "value", "is_current", "status")) == [
        (1, 500.0, False, "approved"),
        (2, 520.0, True, "submitted"),
    ]


def test_a_write_numbers_its_version_after_every_stored_one_even_those_no_longer_standing():
    """Only the standing versions (current or approved) are read with their values; the number still follows the
    highest version on file, a returned one included (the same number twice breaks observation_version_once)."""
    upload = observe([("330782", "value_added", 2023, 500.0)])  # version 1, approved and current
    first = Observation.objects.get(upload=upload)
    Observation.objects.create(region=first.region, indicator=first.indicator, year=2023, value=510.0, version=2,
                               status="returned", is_current=False, upload=upload)  # fmt: skip
    upload = approved_upload("third.xlsx")
    upload.status, upload.uploaded_by = upload.Status.PREVIEW, system_user()
    upload.save()
    observations_write(upload=upload, values=[parsed("330782", "value_added", 2023, 520.0)], approve=True)
    rows = Observation.objects.filter(region__code="330782", indicator__code="value_added", industry="", year=2023)
    assert sorted(rows.values_list("version", "value", "is_current", "status")) == [
        (1, 500.0, False, "superseded"),
        (2, 510.0, False, "returned"),
        (3, 520.0, True, "approved"),
    ]
