"""cluster_race: the command's contract on the confirmed memberships, ranks worked by hand."""

import csv
import io
import json

import pytest
from django.core.management import call_command

from tests.factories import observe

pytestmark = pytest.mark.django_db

CONTRACT = ["cluster", "cluster_name", "region_code", "region_name", "role", "since", "revenue", "growth", "rank",
            "rank_change"]  # fmt: skip


def race(*args):
    out = io.StringIO()
    call_command("cluster_race", *args, stdout=out)
    return out.getvalue()


@pytest.fixture
def figures():
    observe(
        [
            ("330603", "revenue", 2023, 1100.0, "", "textiles-apparel"),  # 柯桥 现代纺织与服装 core area
            ("330603", "revenue", 2024, 1243.0, "", "textiles-apparel"),
            ("330603", "revenue", 2024, 3100.0),  # 柯桥 as a whole
            ("330481", "revenue", 2023, 1000.0),  # 海宁 (智能光伏: no series of its own → the county)
            ("330481", "revenue", 2024, 1500.0),
        ]
    )


def test_core_areas_are_ranked_by_cluster_revenue_with_the_change_of_rank(figures):
    rows = json.loads(race("--year", "2024", "--role", "core", "--format", "json"))
    assert list(rows[0])[: len(CONTRACT)] == CONTRACT
    ranked = {(r["cluster"], r["region_code"]): r for r in rows if r["rank"] is not None}
    # 2024: 海宁 1500 > 柯桥 1243 (not 3100); 2023: 柯桥 1100 > 海宁 1000
    assert set(ranked) == {("smart-pv", "330481"), ("textiles-apparel", "330603")}
    haining, keqiao = ranked[("smart-pv", "330481")], ranked[("textiles-apparel", "330603")]
    assert (haining["rank"], haining["rank_change"], haining["basis"]) == (1, 1, "county")
    assert (keqiao["rank"], keqiao["rank_change"], keqiao["basis"]) == (2, -1, "cluster")
    assert keqiao["growth"] == pytest.approx((1243 / 1100 - 1) * 100)
    assert keqiao["since"] == "2023-02-09" and keqiao["cluster_name"] == "现代纺织与服装"
    assert {r["role"] for r in rows} == {"core"}


def test_the_csv_has_the_contract_columns_first(figures):
    table = list(csv.DictReader(io.StringIO(race("--year", "2024", "--format", "csv"))))
    assert list(table[0])[: len(CONTRACT)] == CONTRACT
    assert {r["role"] for r in table} == {"core", "coordination"}
