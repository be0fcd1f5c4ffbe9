"""gap_report: the command's contract, with the numbers worked out by hand."""

import csv
import io
import json

import pytest
from django.core.management import call_command

from targets.models import GapStatus, Target
from tests.factories import observe

pytestmark = pytest.mark.django_db

CONTRACT_KEYS = {
    "target_id", "document", "indicator_code", "indicator_name", "kind", "comparator", "target_value",
    "target_year", "unit", "actual_value", "actual_year", "gap", "achieved_share", "required_annual_growth",
    "observed_annual_growth", "projected_value", "status", "members_included", "benchmark", "members_passing",
}  # fmt: skip


def report(*args):
    out = io.StringIO()
    call_command("gap_report", *args, stdout=out)
    return out.getvalue()


def tax_per_mu_target():
    # 《415X》: 规上工业亩均税收 40万元/亩 by 2025, province-wide; plan base year 2022.
    return Target.objects.get(document__code="zj-2023-415x", indicator__code="tax_per_mu", value=40)


def test_a_county_is_measured_against_the_provincial_tax_per_mu_goal():
    observe(
        [
            ("331127", "industrial_tax", 2022, 2.0),  # 2.0 亿元 / 1000 亩 = 20 万元/亩
            ("331127", "industrial_land", 2022, 1000),
            ("331127", "industrial_tax", 2024, 2.88),  # 28.8 万元/亩
            ("331127", "industrial_land", 2024, 1000),
        ]
    )
    rows = json.loads(report("--scope", "county:331127", "--as-of", "2024", "--format", "json"))
    row = next(r for r in rows if r["target_id"] == tax_per_mu_target().pk)
    assert CONTRACT_KEYS <= set(row)
    assert row["benchmark"] is True  # a province goal shown beside the county
    assert row["actual_value"] == pytest.approx(28.8)
    assert row["actual_year"] == 2024
    assert row["target_value"] == 40
    assert row["gap"] == pytest.approx(40 - 28.8)
    assert row["achieved_share"] == pytest.approx(28.8 / 40)
    # (28.8 / 20) ** (1/2) - 1 = 0.2 a year since the 2022 base
    assert row["observed_annual_growth"] == pytest.approx(0.2)
    # one year left: 40 / 28.8 - 1
    assert row["required_annual_growth"] == pytest.approx(40 / 28.8 - 1)
    assert row["projected_value"] == pytest.approx(28.8 * 1.2)
    # R = 0.2 / (2 ** (1/3) - 1) = 0.769 → needs acceleration
    assert row["status"] == "needs_acceleration"


def test_a_city_aggregates_a_ratio_as_the_ratio_of_sums():
    observe(
        [
            ("331127", "industrial_tax", 2024, 2.0),  # 景宁: 20 万元/亩
            ("331127", "industrial_land", 2024, 1000),
            ("331125", "industrial_tax", 2024, 1.0),  # 云和: 2.5 万元/亩
            ("331125", "industrial_land", 2024, 4000),
        ]
    )
    rows = json.loads(report("--scope", "city:331100", "--as-of", "2024", "--format", "json"))
    row = next(r for r in rows if r["target_id"] == tax_per_mu_target().pk)
    # (2.0 + 1.0) / (1000 + 4000) × 10000 = 6 万元/亩, not the mean of 20 and 2.5
    assert row["actual_value"] == pytest.approx(6.0)
    assert row["members_included"] == 2


def test_the_csv_form_has_one_record_per_target_with_the_contract_columns():
    rows = list(csv.DictReader(io.StringIO(report("--scope", "province", "--format", "csv"))))
    assert rows, "the province has targets"
    assert CONTRACT_KEYS <= set(rows[0])
    assert {r["status"] for r in rows} <= set(GapStatus.values)  # the codes, not the labels


def test_a_threshold_count_lists_the_counties_that_pass():
    # 《深化工业强县》: 20 counties with 规上工业总产值 above 1000亿元 by 2017.
    target = Target.objects.get(
        document__code="zj-2014-strong-counties", kind="threshold_count", label__contains="1000亿元"
    )
    observe([("330109", "gross_output", 2016, 1500.0), ("330782", "gross_output", 2016, 900.0),
             ("330281", "gross_output", 2016, 1001.0)])  # fmt: skip
    rows = json.loads(report("--scope", "province", "--as-of", "2016", "--format", "json"))
    row = next(r for r in rows if r["target_id"] == target.pk)
    assert sorted(row["members_passing"]) == ["330109", "330281"]
    assert row["actual_value"] == 2


def test_an_unknown_scope_is_a_usage_error():
    with pytest.raises(SystemExit) as exc:
        report("--scope", "county:999999")
    assert exc.value.code == 2
    with pytest.raises(SystemExit) as exc:
        report("--scope", "planet:earth")
    assert exc.value.code == 2


def test_a_plan_whose_year_has_passed_is_judged_with_the_data_of_its_target_year():
    # The 2017 goal of 20 counties above 1000亿元: 萧山 passed only in 2024, too late for 2017.
    target = Target.objects.get(
        document__code="zj-2014-strong-counties", kind="threshold_count", label__contains="1000亿元"
    )
    observe([("330109", "gross_output", 2017, 900.0), ("330109", "gross_output", 2024, 1500.0)])
    rows = json.loads(report("--scope", "province", "--as-of", "2024", "--format", "json"))
    row = next(r for r in rows if r["target_id"] == target.pk)
    assert row["members_passing"] == []
    assert row["actual_value"] == 0
