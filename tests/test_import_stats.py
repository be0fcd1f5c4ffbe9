"""import_stats and the upload service: all or nothing, versions beside versions, the CLI contract."""

import datetime
import io
import json
import os
from pathlib import Path

import pytest
from django.core.management import call_command
from openpyxl import Workbook

from indicators.access import account_provision
from indicators.models import Observation, Upload
from indicators.services import import_file, system_user, upload_approve, upload_return
from tests.test_ingest_corpus import BAD

DATA = Path(__file__).parent / "data"
pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def upload_root(settings, tmp_path):
    settings.UPLOAD_ROOT = tmp_path / "uploads"


def run(*args):
    """Run import_stats; return (exit code, stdout)."""
    out = io.StringIO()
    try:
        call_command("import_stats", *args, stdout=out, stderr=io.StringIO())
        code = 0
    except SystemExit as exc:
        code = exc.code
    return code, out.getvalue()


def rollup(year, rows, name="roll.xlsx", tmp=None):
    """A small provincial roll-up: regions as rows, 规上工业增加值 and 从业人员 as columns."""
    wb = Workbook()
    ws = wb.active
    ws.title = f"{year}年"
    ws.append([f"{year}年各县工业主要指标"])
    ws.append(["地区", "规上工业增加值（亿元）", "从业人员平均人数（万人）"])
    for row in rows:
        ws.append(list(row))
    path = tmp / name
    wb.save(path)
    return path


def state():
    return Observation.objects.count(), Upload.objects.count()


def test_a_good_rollup_is_imported_and_reported_as_json(tmp_path):
    path = rollup(2023, [("义乌市", 512.3, 30.1), ("景宁畲族自治县", 21.5, 1.2)], tmp=tmp_path)
    code, out = run(str(path), "--json")
    assert code == 0
    report = json.loads(out.strip().splitlines()[0])
    assert report["file"] == str(path)
    assert report["accepted"] is True
    assert (report["created"], report["updated"], report["unchanged"]) == (4, 0, 0)
    assert report["errors"] == []
    upload = Upload.objects.get(pk=report["upload_id"])
    assert upload.uploaded_by.username == "system"
    assert upload.status == Upload.Status.SUBMITTED
    assert len(upload.sha256) == 64
    obs = Observation.objects.get(region__code="330782", indicator__code="value_added", year=2023)
    assert obs.value == 512.3
    assert obs.upload == upload


def test_a_file_with_one_bad_cell_is_refused_whole_and_nothing_is_written(tmp_path):
    path = rollup(2023, [("义乌市", 512.3, 30.1), ("景宁畲族自治县", "约12.5", 1.2)], tmp=tmp_path)
    before = state()
    code, out = run(str(path), "--json")
    assert code == 1
    report = json.loads(out)
    assert report["accepted"] is False
    assert report["created"] == 0
    error = report["errors"][0]
    assert (error["sheet"], error["cell"]) == ("2023年", "B4")
    assert "约12.5" in error["message"] and "不是数值" in error["message"]
    assert state() == before


@pytest.mark.parametrize(("name", "kwargs", "expected"), BAD, ids=[b[0] for b in BAD])
def test_every_bad_file_of_the_corpus_is_refused_without_writing(name, kwargs, expected):
    before = state()
    path = DATA / name
    report = import_file(data=path.read_bytes(), filename=name, user=system_user(), **kwargs)
    assert report["accepted"] is False
    # The corpus table was written for a catalog whose current year is 2025; ours is this year.
    next_year = datetime.date.today().year + 1
    expected = [e.replace("1949–2026", f"1949–{next_year}") for e in expected]
    assert [issue_text(e) for e in report["errors"]] == expected
    assert state() == before


def issue_text(e):
    """The parser's own str(Issue): 'sheet!cell: message', 'sheet: message' or the message."""
    if e["sheet"] and e["cell"]:
        return f"{e['sheet']}!{e['cell']}: {e['message']}"
    return f"{e['sheet']}: {e['message']}" if e["sheet"] else e["message"]


def test_reimporting_the_same_values_stores_no_new_version(tmp_path):
    path = rollup(2022, [("义乌市", 480.0, 29.0)], tmp=tmp_path)
    assert run(str(path), "--approve")[0] == 0
    before = state()
    code, out = run(str(path), "--json")
    assert code == 0
    report = json.loads(out)
    assert (report["created"], report["updated"], report["unchanged"]) == (0, 0, 2)
    assert state() == before


def test_a_changed_value_is_kept_beside_the_old_one_and_only_one_is_current(tmp_path):
    run(str(rollup(2021, [("海宁市", 300.0, 20.0)], "a.xlsx", tmp_path)), "--approve")
    code, out = run(str(rollup(2021, [("海宁市", 310.0, 20.0)], "b.xlsx", tmp_path)), "--json")
    assert code == 0
    assert json.loads(out)["updated"] == 1 and json.loads(out)["unchanged"] == 1
    versions = Observation.objects.filter(region__code="330481", indicator__code="value_added", year=2021)
    assert sorted(versions.values_list("version", "value", "status", "is_current")) == [
        (1, 300.0, "approved", False),
        (2, 310.0, "submitted", True),
    ]


def test_approving_supersedes_the_old_approved_value_and_returning_restores_it(tmp_path):
    run(str(rollup(2020, [("萧山区", 900.0, 50.0)], "a.xlsx", tmp_path)), "--approve")
    code, out = run(str(rollup(2020, [("萧山区", 950.0, 50.0)], "b.xlsx", tmp_path)), "--json")
    second = Upload.objects.get(pk=json.loads(out)["upload_id"])
    key = {"region__code": "330109", "indicator__code": "value_added", "year": 2020}

    reviewer = account_provision(username="prov", role="province")[0]  # not the importer: see test_rounds
    upload_return(upload=second, user=reviewer, comment="数值有误，请核对")
    assert Observation.objects.get(**key, is_current=True).value == 900.0
    assert Observation.objects.get(**key, version=2).status == "returned"

    code, out = run(str(rollup(2020, [("萧山区", 960.0, 50.0)], "c.xlsx", tmp_path)), "--json")
    third = Upload.objects.get(pk=json.loads(out)["upload_id"])
    upload_approve(upload=third, user=reviewer)
    assert Observation.objects.get(**key, status="approved").value == 960.0
    assert Observation.objects.get(**key, version=1).status == "superseded"
    assert Observation.objects.filter(**key).count() == 3  # nothing was deleted


def test_dry_run_reports_but_writes_nothing(tmp_path):
    path = rollup(2019, [("义乌市", 400.0, 28.0)], tmp=tmp_path)
    before = state()
    code, out = run(str(path), "--dry-run", "--json")
    assert code == 0
    assert json.loads(out)["created"] == 2
    assert state() == before


def test_usage_errors_exit_with_code_two(tmp_path):
    assert run(str(tmp_path / "missing.xlsx"))[0] == 2
    path = rollup(2019, [("义乌市", 400.0, 28.0)], tmp=tmp_path)
    assert run(str(path), "--region", "999999")[0] == 2


def test_a_county_official_cannot_import_another_countys_rows(tmp_path):
    path = rollup(2023, [("义乌市", 512.3, 30.1)], tmp=tmp_path)
    before = state()
    report = import_file(data=path.read_bytes(), filename=path.name, user=system_user(), allowed_regions=["331127"])
    assert report["accepted"] is False
    assert any("330782" in e["message"] for e in report["errors"])
    assert state() == before


def test_export_observations_prints_canonical_units_and_status(tmp_path, export):
    wb = Workbook()
    ws = wb.active
    ws.title = "2023年"
    ws.append(["地区", "规上工业增加值（万元）"])
    ws.append(["景宁畲族自治县", 215000])
    path = tmp_path / "wan.xlsx"
    wb.save(path)
    assert run(str(path), "--approve")[0] == 0
    rows = json.loads(export("export_observations", "--region", "331127", "--format", "json"))
    assert rows == [
        {
            "region_code": "331127",
            "region_name": "景宁畲族自治县",
            "indicator_code": "value_added",
            "indicator_name": "规模以上工业增加值",
            "industry": "",  # no 行业 column: the county's whole economy
            "cluster": "",  # no 集群 column: the county's own figure
            "year": 2023,
            "value": 21.5,  # 215000 万元 = 21.5 亿元
            "unit": "亿元",
            "status": "approved",
            "upload_id": rows[0]["upload_id"],
            "flag": "",  # no 数据标记
            "note": "",  # no 备注
        }
    ]
    assert Upload.objects.filter(pk=rows[0]["upload_id"]).exists()
    Observation.objects.filter(region__code="331127").update(flag="revised", note="年报核定")
    rows = json.loads(export("export_observations", "--region", "331127", "--format", "json"))
    assert (rows[0]["flag"], rows[0]["note"]) == ("revised", "年报核定")


def test_a_file_whose_parse_dies_costs_that_file_only(tmp_path, monkeypatch):
    # the parse runs in a bounded child: here it aborts (as calamine does on a huge sheet) for one file
    from indicators import services

    parse = services.parse_upload
    monkeypatch.setattr(
        services,
        "parse_upload",
        lambda data, name, *a, **k: os.abort() if name == "bad.xlsx" else parse(data, name, *a, **k),
    )
    bad, good = (
        rollup(2023, [("义乌市", 512.3, 30.1)], "bad.xlsx", tmp_path),
        rollup(2023, [("海宁市", 300.0, 20.0)], "good.xlsx", tmp_path),
    )
    code, out = run(str(bad), str(good), "--json")
    reports = [json.loads(line) for line in out.splitlines()]
    assert code == 1 and [r["accepted"] for r in reports] == [False, True]
    assert reports[0]["errors"] == [
        {"sheet": "", "cell": "", "message": "文件无法安全读取（解析进程异常退出），请检查文件是否损坏或过大"}
    ]
    assert Observation.objects.filter(upload_id=reports[1]["upload_id"]).count() == 2


def test_approving_an_older_upload_after_a_newer_one_is_refused(tmp_path):
    # the newest approved version is the one in force: approving v1 after v2 would turn the clock back
    key = {"region__code": "330481", "indicator__code": "value_added", "year": 2018}
    first = json.loads(run(str(rollup(2018, [("海宁市", 300.0, 20.0)], "a.xlsx", tmp_path)), "--json")[1])
    second = json.loads(run(str(rollup(2018, [("海宁市", 310.0, 20.0)], "b.xlsx", tmp_path)), "--json")[1])
    reviewer = account_provision(username="prov", role="province")[0]
    upload_approve(upload=Upload.objects.get(pk=second["upload_id"]), user=reviewer)
    with pytest.raises(ValueError, match="本上传有 1 个数值已有更新的已审核版本，不能审核通过；请退回此上传"):
        upload_approve(upload=Upload.objects.get(pk=first["upload_id"]), user=reviewer)
    assert sorted(Observation.objects.filter(**key).values_list("version", "status", "is_current")) == [
        (1, "submitted", False),
        (2, "approved", True),
    ]
    assert Upload.objects.get(pk=first["upload_id"]).status == "submitted"  # to be returned


def by_industry(tmp_path, rows, name="ind.xlsx"):
    """A long table with a 行业 column: (industry cell, 规上工业增加值 亿元) for 柯桥区 2023."""
    wb = Workbook()
    ws = wb.active
    ws.title = "填报"
    ws.append(["地区代码", "地区", "行业", "指标", "计量单位", "年份", "数值"])
    for industry, value in rows:
        ws.append(["330603", "柯桥区", industry, "规上工业增加值", "亿元", 2023, value])
    path = tmp_path / name
    wb.save(path)
    return path


def current(industry):
    return Observation.objects.get(region__code="330603", industry=industry, is_current=True).value


def test_values_by_industry_are_stored_and_versioned_each_under_their_own_key(tmp_path, export):
    path = by_industry(tmp_path, [("纺织业", 402.6), ("重点传统制造业", 520.8), (None, 688.4)])
    assert run(str(path), "--approve")[0] == 0
    assert (current("C17"), current("traditional-mfg"), current("")) == (402.6, 520.8, 688.4)
    # a new whole-economy figure retires the whole-economy value only; 纺织业 stays current at version 1
    path = by_industry(tmp_path, [(None, 690.0), ("C17", 402.6)], name="again.xlsx")
    code, out = run(str(path), "--json")
    assert code == 0 and json.loads(out.strip().splitlines()[0])["updated"] == 1
    assert (current(""), current("C17")) == (690.0, 402.6)
    assert Observation.objects.get(industry="C17").version == 1
    rows = json.loads(export("export_observations", "--region", "330603", "--format", "json"))
    assert sorted(r["industry"] for r in rows) == ["", "C17", "traditional-mfg"]


def test_the_writer_refuses_an_industry_code_not_in_the_catalog():
    from indicators.ingest import ParsedValue
    from indicators.services import observations_write, upload_create

    class Parsed:  # what upload_parse returns, reduced to what upload_create reads
        shape, warnings, outliers, columns, skipped_rows = "template", [], [], [], []
        values = [ParsedValue("330603", "value_added", 2023, 1.0, "填报", "G2", "1", "亿元", "C99")]

    upload = upload_create(user=system_user(), filename="x.csv", data=b"x", result=Parsed)
    before = Observation.objects.count()
    with pytest.raises(ValueError, match="未知行业代码 C99"):
        observations_write(upload=upload, values=Parsed.values)
    assert Observation.objects.count() == before


def test_the_writer_refuses_a_cluster_slug_not_in_the_catalog():
    from indicators.ingest import ParsedValue
    from indicators.services import observations_write, upload_create

    class Parsed:  # what upload_parse returns, reduced to what upload_create reads
        shape, warnings, outliers, columns, skipped_rows = "template", [], [], [], []
        values = [ParsedValue("330603", "revenue", 2023, 1243.0, "填报", "G2", "1243", "亿元", cluster="no-such")]

    upload = upload_create(user=system_user(), filename="x.csv", data=b"x", result=Parsed)
    before = Observation.objects.count()
    with pytest.raises(ValueError, match="未知集群 no-such"):
        observations_write(upload=upload, values=Parsed.values)
    assert Observation.objects.count() == before


# -- checks that know the numbers, notes, bulletins (issue 14 items 5–7) ----------------------------------


def template_file(tmp, rows, name="tpl.xlsx"):
    """The long template: rows of (indicator name, unit, year, value, 备注) for 义乌."""
    from tests.ingest_catalog import LONG_HEADER, xlsx

    path = tmp / name
    path.write_bytes(xlsx([LONG_HEADER] + [["330782", "义乌市", *row] for row in rows], "填报"))
    return path


def test_value_added_above_the_output_on_file_is_refused_by_the_seeded_rule(tmp_path):
    code, _ = run(str(template_file(tmp_path, [("规模以上工业总产值", "亿元", 2023, 1980, None)], "a.xlsx")))
    assert code == 0
    before = state()
    code, out = run(str(template_file(tmp_path, [("规模以上工业增加值", "亿元", 2023, 2500, None)])), "--json")
    assert code == 1 and state() == before
    (error,) = json.loads(out)["errors"]
    assert error["cell"] == "F2"
    assert "规模以上工业增加值 2500 ≤ 规模以上工业总产值 1980 不成立" in error["message"]


def test_a_loss_is_a_negative_profit_and_is_accepted_but_a_negative_output_is_not(tmp_path):
    code, _ = run(str(template_file(tmp_path, [("规模以上工业利润总额", "亿元", 2023, -3.2, None)])))
    assert code == 0
    assert Observation.objects.get(indicator__code="profit").value == -3.2
    code, out = run(str(template_file(tmp_path, [("规模以上工业总产值", "亿元", 2023, -3.2, None)], "b.xlsx")))
    assert code == 1 and "不能为负" in out


def test_a_value_a_hundred_times_last_years_needs_accept_outliers(tmp_path):
    # 税收 124.36 亿元 in 2022, then 1,243,600 "亿元" in 2023 (a 万元 column read as 亿元): 10,000×
    assert run(str(template_file(tmp_path, [("规模以上工业税收", "亿元", 2022, 124.36, None)], "a.xlsx")))[0] == 0
    slip = str(template_file(tmp_path, [("规模以上工业税收", "亿元", 2023, 1243600, None)]))
    before = state()
    code, out = run(slip, "--json")
    assert code == 1 and state() == before
    assert "疑似计量单位错误" in json.loads(out)["errors"][0]["message"]
    code, out = run(slip, "--json", "--accept-outliers")
    assert code == 0
    report = json.loads(out)
    assert any("疑似计量单位错误" in w["message"] for w in report["warnings"])
    assert Observation.objects.get(indicator__code="industrial_tax", year=2023).value == 1243600


def test_the_templates_notes_are_stored_and_listed_in_the_json(tmp_path):
    rows = [
        ("规模以上工业增加值", "亿元", 2023, 512.3, "快报数，待年报核定"),
        ("规模以上工业总产值", "亿元", 2023, 2100, None),
    ]
    code, out = run(str(template_file(tmp_path, rows)), "--json")
    assert code == 0
    assert json.loads(out)["notes"] == [
        {"sheet": "填报", "cell": "F2", "region": "330782", "indicator": "value_added", "industry": "",
         "year": 2023, "note": "快报数，待年报核定"}
    ]  # fmt: skip
    notes = dict(Observation.objects.values_list("indicator__code", "note"))
    assert notes == {"value_added": "快报数，待年报核定", "gross_output": ""}


def test_a_bulletin_text_file_is_read_for_the_region_and_year_given(tmp_path):
    path = tmp_path / "公报.txt"
    path.write_text("2023年全市规模以上工业增加值265.3亿元，比上年增长6.8%。\n", encoding="utf-8")
    assert run(str(path))[0] == 1  # no region and year: nothing to attach the figures to
    code, out = run(str(path), "--region", "330782", "--year", "2023", "--json")
    assert code == 0
    assert json.loads(out)["created"] == 2
    values = dict(Observation.objects.filter(year=2023).values_list("indicator__code", "value"))
    assert values == {"value_added": 265.3, "value_added_growth": 6.8}


def test_review_upload_refuses_the_uploaders_own_review_with_exit_1(tmp_path):
    uploader = account_provision(username="p1", role="province")[0]
    reviewer = account_provision(username="p2", role="province")[0]
    path = rollup(2017, [("海宁市", 300.0, 20.0)], "own.xlsx", tmp_path)
    upload_id = import_file(data=path.read_bytes(), filename=path.name, user=uploader)["upload_id"]

    def review(*args):
        try:
            call_command("review_upload", str(upload_id), *args, stdout=io.StringIO(), stderr=io.StringIO())
        except SystemExit as exc:
            return exc.code
        return 0

    assert review("--approve", "--user", "p1") == 1
    assert review("--return", "--user", "p1", "--comment", "x") == 1
    assert Upload.objects.get(pk=upload_id).status == "submitted"
    assert review("--approve", "--user", "nobody") == 2
    assert review("--approve", "--user", reviewer.username) == 0
    assert Upload.objects.get(pk=upload_id).status == "approved"
