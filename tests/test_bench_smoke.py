"""The benchmark's generated inputs are what BENCHMARKS.md says they are (no timing here: `make bench` measures)."""

import io
import json

import pytest
from django.core.management import call_command

from bench import measure
from targets import gaps
from targets.selectors import engine_inputs

pytestmark = pytest.mark.django_db


def test_the_national_scale_is_a_synthetic_country_the_engine_evaluates():
    data = measure.national_inputs(
        engine_inputs(), provinces=2, cities_per_province=2, counties_per_city=3, years=range(2022, 2025)
    )
    levels = data["scopes"]["level"].value_counts()
    assert (levels["county"], levels["city"]) == (2 * 2 * 3, 2 * 2)
    assert set(data["members"].loc[data["members"]["scope"] == "city:310100", "region_code"]) == {
        "310101",
        "310102",
        "310103",
    }
    obs = data["observations"]
    assert len(obs) == 12 * obs["indicator_code"].nunique() * 3  # every county × indicator × year, once
    assert not obs.duplicated(["region_code", "indicator_code", "year"]).any()
    table = gaps.compute_gaps(data["targets"], obs, data["indicators"], data["scopes"], data["members"], 2024)
    assert table["actual_value"].notna().sum() > 100


def test_the_province_roll_up_revises_the_figures_on_file_and_is_accepted_by_the_importer(tmp_path):
    from openpyxl import load_workbook

    from indicators.models import Indicator, Region

    from .factories import observe

    counties = list(Region.objects.filter(level="county", valid_to__isnull=True).values_list("code", flat=True))
    # gross_output is the whole of a validation rule: a revised figure could fall below its parts on file
    codes = ["employees", "gross_output", "hidden_champions", "leading_enterprises"]
    observe([(c, code, 2024, 100.0) for c in counties for code in codes])
    data, cells = measure.rollup_workbook(seed=0, years=range(2024, 2025), columns=3)
    assert cells == 90 * 3  # the 90 counties of 2024 × 3 indicators
    sheet = load_workbook(io.BytesIO(data)).worksheets[0]
    names = Indicator.objects.filter(code__in=["employees", "hidden_champions", "leading_enterprises"])
    assert {h.partition("（")[0] for h in next(sheet.iter_rows(min_row=2, values_only=True))[1:]} == {
        i.name for i in names
    }
    figures = [v for row in sheet.iter_rows(min_row=3, values_only=True) for v in row[1:]]
    assert len(figures) == cells and all(97 <= v <= 103 for v in figures)  # 100 moved by at most 3 %
    path = tmp_path / "rollup.xlsx"
    path.write_bytes(data)
    out = io.StringIO()
    call_command("import_stats", str(path), "--dry-run", "--json", stdout=out)
    report = json.loads(out.getvalue().strip().splitlines()[-1])
    assert report["accepted"], report["errors"]
    assert report["created"] == 0 and report["updated"] + report["unchanged"] == cells
