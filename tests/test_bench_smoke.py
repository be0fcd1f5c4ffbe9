"""The benchmark's data generators are deterministic and shaped as documented (no timing here: the
numbers live in BENCHMARKS.md, written by `make bench`)."""

import io

import pandas as pd
import pandas.testing as pdt
import pytest

from bench import datagen, report

INDICATORS = [
    {"code": "value_added", "name": "规上工业增加值", "unit": "亿元"},
    {"code": "value_added_growth", "name": "规上工业增加值增速", "unit": "%", "growth_of": "value_added"},
    {"code": "rd_share", "name": "研发占比", "unit": "%"},
    {"code": "hightech_enterprises", "name": "高新技术企业", "unit": "家"},
]


def test_synthetic_panel_is_deterministic_and_complete():
    args = (["330782", "330783"], [200.0, 50.0], INDICATORS, range(2013, 2018))
    a = datagen.synthetic_panel(*args, seed=7)
    b = datagen.synthetic_panel(*args, seed=7)
    pdt.assert_frame_equal(a, b)
    assert list(a.columns) == datagen.OBS_COLUMNS
    # 2 regions × 4 indicators × 5 years, less the growth series' first year (no previous level)
    assert len(a) == 2 * 4 * 5 - 2
    assert not a.duplicated(["region_code", "indicator_code", "year"]).any()
    assert a["value"].notna().all()
    levels = a[a["indicator_code"] != "value_added_growth"]
    assert (levels["value"] >= 0).all()
    share = a[a["indicator_code"] == "rd_share"]["value"]
    assert share.between(0, 100).all()
    counts = a[a["indicator_code"] == "hightech_enterprises"]["value"]
    assert (counts == counts.round()).all()
    assert not a.equals(datagen.synthetic_panel(*args, seed=8))


def test_synthetic_panel_leaves_out_years_before_a_region_existed():
    frame = datagen.synthetic_panel(
        ["330113", "330782"], [10, 10], INDICATORS[:1], range(2019, 2023), valid_from=[2021, None]
    )
    assert sorted(frame.loc[frame["region_code"] == "330113", "year"]) == [2021, 2022]
    assert len(frame[frame["region_code"] == "330782"]) == 4


def test_extend_years_fills_each_series_out_both_ways():
    history = datagen.synthetic_panel(["330782", "330783"], [200.0, 50.0], INDICATORS, range(2016, 2025), seed=3)
    growth, shares = {"value_added_growth"}, {"rd_share"}
    a = datagen.extend_years(history, range(2013, 2028), growth, shares)
    pdt.assert_frame_equal(a, datagen.extend_years(history, range(2013, 2028), growth, shares))
    assert list(a.columns) == datagen.OBS_COLUMNS
    # 3 years after 2024 for every series; before 2016 three years, but the growth series starts in 2017
    assert len(a) == 2 * 4 * 3 + 2 * 3 * 3 + 2 * 4
    assert set(a["year"]) == {2013, 2014, 2015, 2016, 2025, 2026, 2027}
    both = pd.concat([history, a])
    assert not both.duplicated(["region_code", "indicator_code", "year"]).any()
    assert a.loc[a["indicator_code"] == "rd_share", "value"].between(0, 100).all()
    counts = a.loc[a["indicator_code"] == "hightech_enterprises", "value"]
    assert (counts == counts.round()).all()
    last = history[history["year"] == 2024].set_index(["region_code", "indicator_code"])["value"]
    first = a[a["year"] == 2025].set_index(["region_code", "indicator_code"])["value"]
    level = first.drop(index="value_added_growth", level="indicator_code")
    assert (level / last.reindex(level.index)).between(0.8, 1.3).all()  # continues the series, no jump


def test_import_frame_has_one_row_per_cell_and_follows_renames():
    counties = [
        {"code": "330782"},
        {"code": "330603", "code_for_year": lambda y: "330603" if y >= 2013 else "330621"},
        {"code": "330113", "code_for_year": lambda y: "330113" if y >= 2021 else None},
    ]
    frame = datagen.import_frame(counties, INDICATORS, range(2011, 2023))
    pdt.assert_frame_equal(frame, datagen.import_frame(counties, INDICATORS, range(2011, 2023)))
    assert list(frame.columns) == datagen.OBS_COLUMNS
    assert set(frame.loc[frame["year"] == 2012, "region_code"]) == {"330782", "330621"}
    assert set(frame.loc[frame["year"] == 2022, "region_code"]) == {"330782", "330603", "330113"}
    per_region_year = frame.groupby(["region_code", "year"]).size()
    assert per_region_year.max() == len(INDICATORS)


def test_rollup_workbook_has_one_sheet_per_year_that_calamine_reads():
    python_calamine = pytest.importorskip("python_calamine")
    frame = datagen.import_frame([{"code": "330782"}, {"code": "330783"}], INDICATORS, range(2020, 2023))
    names = {"330782": "义乌市", "330783": "东阳市"}
    data = datagen.rollup_workbook(frame, names, INDICATORS)
    wb = python_calamine.CalamineWorkbook.from_filelike(io.BytesIO(data))
    assert wb.sheet_names == ["2020年", "2021年", "2022年"]
    rows = wb.get_sheet_by_name("2022年").to_python()
    assert rows[1][0] == "地区" and rows[1][1] == "规上工业增加值（亿元）"
    assert [r[0] for r in rows[2:4]] == ["义乌市", "东阳市"]
    assert len(rows[2]) == 1 + len(INDICATORS)


def test_national_frames_tiny_have_the_expected_shape():
    kwargs = dict(
        target_scopes=["province", "group:mountain-26", "each_county:output-tier-1", "city:330400"],
        cluster_slugs=["smart-pv", "robots-cnc"],
        n_counties=40,
        n_cities=6,
        n_provinces=2,
        years=range(2020, 2025),
    )
    a = datagen.national_frames(INDICATORS, **kwargs)
    b = datagen.national_frames(INDICATORS, **kwargs)
    for key in ("regions", "observations", "scopes", "members"):
        pdt.assert_frame_equal(a[key], b[key])
    regions = a["regions"]
    assert regions["level"].value_counts().to_dict() == {"county": 40, "city": 6, "province": 2}
    assert regions["code"].str.fullmatch(r"\d{6}").all() and regions["code"].is_unique
    assert "330100" in set(regions["code"])  # Zhejiang (33) comes first, so city targets can find their city
    obs = a["observations"]
    assert list(obs.columns) == datagen.OBS_COLUMNS
    assert len(obs) == 40 * len(INDICATORS) * 5 - 40  # growth series: no first year
    assert obs["indicator_code"].nunique() == len(INDICATORS)
    scopes = a["scopes"]
    levels = scopes["level"].value_counts().to_dict()
    # 'province' (the country) + 2 provinces + clusters:415x reporting at province level
    assert levels == {"county": 40, "city": 6, "province": 4, "group": 3, "cluster": 2}
    assert scopes["scope"].is_unique
    members = a["members"]
    assert set(members.columns) == {"scope", "region_code", "role"}
    assert (members["scope"] == "province").sum() == 40
    assert members.loc[members["scope"].str.startswith("city:")].groupby("scope").size().sum() == 40
    assert set(members.loc[members["scope"].str.startswith("cluster:"), "role"]) <= {"core", "coordination"}
    assert set(members["region_code"]) <= set(regions.loc[regions["level"] == "county", "code"])


def test_national_default_size_is_about_two_point_three_million_observations():
    regions = datagen.national_regions()
    assert regions["level"].value_counts().to_dict() == {"county": 2850, "city": 330, "province": 30}
    assert {"330400", "330700", "331100"} <= set(regions["code"])  # the catalog's city targets apply
    cells = 2850 * datagen.NATIONAL_INDICATORS * len(datagen.NATIONAL_YEARS)
    assert cells == 2_280_000


def test_pick_indicators_keeps_growth_series_with_their_level():
    base = [dict(i) for i in INDICATORS] + [{"code": "profit", "unit": "亿元"}]
    targets = pd.DataFrame({"indicator_code": ["value_added_growth", "profit", "profit"], "threshold_indicator": None})
    derived = [{"code": "profit_margin", "numerator": "profit", "denominator": "value_added"}]
    picked = [i["code"] for i in datagen.pick_indicators(base, targets, derived, n=3)]
    assert picked == ["profit", "value_added", "value_added_growth"]


MACHINE = {
    "date": "d",
    "nproc": 2,
    "memory": "24 GiB",
    "cpu": "c",
    "os": "o",
    "python": "3.11",
    "commit": "abc",
    "versions": {"Django": "5.2"},
    "sqlite": "3",
    "postgresql": "16",
    "wrk": "wrk",
}


def test_report_keeps_the_intro_and_the_before_after_section(tmp_path):
    path = tmp_path / "BENCHMARKS.md"
    results = {"machine": MACHINE}
    first = report.write(path, results)
    assert first.startswith("# Benchmarks") and "## Before/after" in first
    edited = first.replace("# Benchmarks", "# Benchmarks\n\nHand-written note.").replace(
        "|---|---|---|---|---|\n", "|---|---|---|---|---|\n| 2026-01-01 | fix | x | 2 s | 1 s |\n"
    )
    path.write_text(edited)
    second = report.write(path, results)
    assert "Hand-written note." in second
    assert "| 2026-01-01 | fix | x | 2 s | 1 s |" in second
    assert second.count(report.BEGIN) == 1 and second.count(report.END) == 1


def test_report_judges_the_import_budget_on_the_dry_run_and_shows_the_database_insert(tmp_path):
    imp = {
        "cells": 1000,
        "grid_cells": 1100,
        "file_bytes": 20480,
        "sheets": 2,
        "counties": 5,
        "indicators": 10,
        "raw": [0.020, 0.021, 0.019],
        "dry": [0.050, 0.049, 0.051],  # 2.5× the raw read's median
        "real": [0.400, 0.390, 0.410],
        "floor": [0.330, 0.320, 0.340],  # the real import adds 70 ms: 3.5×
        "floor_rows": 1000,
        "postgresql": {"real": [0.800, 0.700, 0.900], "cpu": [0.15, 0.14, 0.16], "created": 1000},
        "cpu": {"raw": [0.02], "dry": [0.05], "real": [0.4], "floor": [0.33]},
        "created": 1000,
        "dry_created": 1000,
        "warnings": 0,
    }
    text = report.write(tmp_path / "BENCHMARKS.md", {"machine": MACHINE, "import": imp})
    assert "| Import: import_stats --dry-run vs raw calamine read | 2.5× (50.0 ms) | ≤ 3× | **PASS** |" in text
    assert (
        "| Import: import_stats --approve (real import, SQLite) vs raw calamine read | 20.0× (400 ms): the database's "
        "own insert of the same rows 16.5×, the rest 3.5× | — (bound by the insert, see §1) | — |" in text
    )
    assert "| real import less the database insert (medians) | 70.0 | — | — | — | — | 3.5× | — | — |" in text
    assert "| database insert alone: the same rows, one `executemany` (reference) | 330 |" in text
    assert "| `import_stats --approve` into PostgreSQL (the production database) | 800 | 700–900 | 3 | 150 |" in text


def test_a_failed_postgresql_import_is_reported_beside_the_sqlite_numbers(tmp_path):
    imp = {
        "cells": 10,
        "grid_cells": 12,
        "file_bytes": 2048,
        "sheets": 1,
        "counties": 1,
        "indicators": 10,
        "raw": [0.010],
        "dry": [0.020],
        "real": [0.100],
        "cpu": {"raw": [0.01], "dry": [0.02], "real": [0.1]},
        "created": 10,
        "dry_created": 10,
        "warnings": 0,
        "postgresql": {"error": "OperationalError: source database is being accessed by other users"},
    }
    text = report.write(tmp_path / "BENCHMARKS.md", {"machine": MACHINE, "import": imp})
    assert "| `import_stats --dry-run` | 20.0 |" in text
    assert "| `import_stats --approve` into PostgreSQL | **ERROR** |" in text
    assert "source database is being accessed by other users" in text
