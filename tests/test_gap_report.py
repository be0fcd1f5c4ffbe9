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


# #13: sectors, dated lists, each county of a group, rule groups, no silent blanks


def _records(scope):
    return {r["target_id"]: r for r in json.loads(report("--scope", scope)) if not r["benchmark"]}


def _tid(document, seq):
    """A target's id by its identity in the catalog (document, seq): ids depend on loading order."""
    return Target.objects.get(document__code=document, seq=seq).pk


TRADITIONAL, MFG_415X = "zj-2017-traditional-mfg", "zj-2023-415x"


def test_a_sector_target_sums_the_province_figures_of_its_divisions():
    # 《传统制造业》#55: 上云企业 10万家 by 2020 for 重点传统制造业 (C17 纺织 and C18 服装 among its ten)
    observe(
        [("330000", "cloud_enterprises", 2016, 1.0, "C17"), ("330000", "cloud_enterprises", 2016, 1.0, "C18"),
         ("330000", "cloud_enterprises", 2020, 2.0, "C17"), ("330000", "cloud_enterprises", 2020, 3.0, "C18"),
         ("330000", "cloud_enterprises", 2020, 50.0, "C35"),  # 专用设备: not a traditional division
         ("330000", "cloud_enterprises", 2020, 100.0)]  # the whole economy
    )  # fmt: skip
    row = _records("sector:traditional-mfg")[_tid(TRADITIONAL, 20)]
    assert row["actual_value"] == 5.0  # 2 + 3 in 2020 (1 + 1 in 2016 gives the growth)
    assert (row["missing"], row["membership_as_of"]) == ("", "")


def test_a_sector_target_without_data_says_what_is_missing():
    row = _records("sector:traditional-mfg")[_tid(TRADITIONAL, 20)]
    assert row["status"] == GapStatus.INSUFFICIENT_DATA
    assert row["missing"] == "缺少 重点传统制造业 分行业 上云企业 2016–2020"


def test_a_group_target_uses_the_list_in_force_on_its_documents_issue_date():
    # 《415X》#112 (issued 2023-01-17): 山区26县 规上工业增加值 > 2500亿元. 平阳县 was on the 2023 list and
    # left on 2024-08-21; 淳安县 stayed.
    observe([("330326", "value_added", 2024, 10.0), ("330127", "value_added", 2024, 5.0)])
    tid = _tid(MFG_415X, 16)
    row = _records("group:mountain-26")[tid]
    assert (row["actual_value"], row["members_included"], row["membership_as_of"]) == (15.0, 2, "2023-01-17")
    Target.objects.filter(pk=tid).update(membership_date="2025-01-01")
    from indicators import versioning

    versioning.data_changed()
    row = _records("group:mountain-26")[tid]
    assert (row["actual_value"], row["membership_as_of"]) == (5.0, "2025-01-01")  # 淳安 alone


def test_an_empty_list_and_a_pending_threshold_say_so():
    from indicators import versioning

    # #81/#82 (each of the 18 激励县) are the government's own inputs, which get no gap row; read one as an
    # outcome to see what an outcome target on a list nobody has entered says
    Target.objects.filter(scope="each_county:real-economy-incentive-18").update(policy_input=False)
    versioning.data_changed()
    incentive = _records("each_county:real-economy-incentive-18")
    assert incentive and {r["missing"] for r in incentive.values()} == {"名单未录入"}
    tier = _records("each_county:output-tier-1")
    assert tier and {r["missing"] for r in tier.values()} == {"门槛待设定"}
    # 《工业强县》#5 counts 园区 over 500亿元: what is missing is each zone's figure
    assert _records("province")[5]["missing"] == "缺少 全省 各园区的 规模以上工业总产值 2013–2017"


def test_every_outcome_target_has_a_row_at_its_own_scope():
    from targets import reports

    table = reports.gap_table()
    own = set(table.loc[~table["benchmark"], "target_id"])
    outcome = set(Target.objects.filter(policy_input=False).values_list("pk", flat=True))
    assert outcome <= own
    blank = table[(table["status"] == GapStatus.INSUFFICIENT_DATA) & ~table["benchmark"]]
    assert (blank["missing"] != "").all()


def test_a_misspelt_scope_is_refused_naming_it(capsys):
    with pytest.raises(SystemExit):
        report("--scope", "group:mountian-26")
    assert "mountian-26" in capsys.readouterr().err


def test_each_county_of_a_group_means_each_county_on_its_list_that_day():
    from indicators import versioning
    from targets import reports

    # #112 (issued 2023-01-17) read as each county of 山区26县: 平阳县 is on the 2023 list, 杭州上城区 never
    tid = _tid(MFG_415X, 16)
    Target.objects.filter(pk=tid).update(scope="each_county:mountain-26")
    versioning.data_changed()
    observe([("330326", "value_added", 2024, 10.0), ("330102", "value_added", 2024, 99.0)])
    rows = reports.gap_table()
    rows = rows[(rows["target_id"] == tid) & ~rows["benchmark"]]
    assert len(rows) == 26 and set(rows["membership_as_of"]) == {"2023-01-17"}
    assert "county:330326" in set(rows["scope"]) and "county:330102" not in set(rows["scope"])
    assert rows.loc[rows["scope"] == "county:330326", "actual_value"].item() == 10.0
    # as of 2025-01-01 平阳、柯城、莲都 have left (2024-08-21): 23 counties, 平阳 not among them
    Target.objects.filter(pk=tid).update(membership_date="2025-01-01")
    versioning.data_changed()
    rows = reports.gap_table()
    rows = rows[(rows["target_id"] == tid) & ~rows["benchmark"]]
    assert len(rows) == 23 and "county:330326" not in set(rows["scope"])


def test_an_indicator_bound_to_an_industry_is_measured_on_that_industrys_rows():
    # 《415X》#101 规上制造业研发经费占营业收入比重 (mfg_rd_intensity = rd_expenditure ÷ revenue × 100, bound to
    # 制造业): its parts are read from the manufacturing divisions' rows, never from the whole economy's
    observe(
        [("330000", "rd_expenditure", 2022, 2.0, "C17"), ("330000", "revenue", 2022, 100, "C17"),
         ("330000", "rd_expenditure", 2024, 3.0, "C17"), ("330000", "revenue", 2024, 100, "C17"),
         ("330000", "rd_expenditure", 2024, 1.0, "C35"), ("330000", "revenue", 2024, 100, "C35"),
         ("330000", "rd_expenditure", 2024, 50.0), ("330000", "revenue", 2024, 100)]  # whole economy: not read
    )  # fmt: skip
    row = _records("province")[_tid(MFG_415X, 5)]
    # (3 + 1) / (100 + 100) × 100 = 2.0 % in 2024
    assert (row["actual_value"], row["actual_year"], row["scope"]) == (2.0, 2024, "province")


# -- 415X core areas measured on their own cluster (issue 17) ---------------------------------------------


def test_the_core_area_target_counts_memberships_by_their_cluster_revenue():
    observe(
        [
            ("330603", "revenue", 2024, 3100.0),  # 柯桥区 as a whole
            ("330603", "revenue", 2024, 1243.0, "", "textiles-apparel"),  # its 现代纺织与服装 core area
            ("330483", "revenue", 2024, 2500.0),  # 桐乡市 as a whole; no series of its textiles core area
            ("330481", "revenue", 2024, 1500.0),  # 海宁市: smart-pv has no series anywhere → the county figure
            ("330782", "revenue", 2024, 800.0),  # 义乌市, core of smart-pv and of fashion-beauty (both no series)
        ]
    )
    rows = json.loads(report("--scope", "clusters:415x", "--as-of", "2024", "--format", "json"))
    row = next(r for r in rows if r["indicator_code"] == "cluster_core_areas")
    # 柯桥 1243 > 1000 on its cluster's series (not its 3100 as a county); 桐乡 counts nothing (textiles has a
    # series, 桐乡 has none of it); 海宁 1500 > 1000 on its county figure; 义乌 800 twice, 200 short
    assert row["actual_value"] == 2
    assert row["members_passing"] == ["330481#smart-pv", "330603#textiles-apparel"]
    assert row["members_closest"][:2] == ["330782#fashion-beauty", "330782#smart-pv"]


def test_a_cluster_record_says_whether_its_figure_is_the_clusters_own():
    observe(
        [
            ("330603", "industrial_tax", 2024, 30.0),  # 柯桥区 as a whole: 30 亿元 on 6000 亩
            ("330603", "industrial_land", 2024, 6000),
            ("330603", "industrial_tax", 2024, 12.0, "", "textiles-apparel"),  # its textiles core area
            ("330603", "industrial_land", 2024, 3000, "", "textiles-apparel"),
            ("330483", "industrial_tax", 2024, 20.0),  # 桐乡市 as a whole only
            ("330483", "industrial_land", 2024, 5000),
            ("330483", "industrial_tax", 2022, 16.0),  # a county figure the cluster's own series does not replace
            ("330483", "value_added", 2024, 900.0),
        ]
    )
    rows = json.loads(report("--scope", "cluster:textiles-apparel", "--as-of", "2024", "--format", "json"))
    row = next(r for r in rows if r["indicator_code"] == "tax_per_mu")
    # the cluster's own 12 亿元 / 3000 亩 = 40 万元/亩, not the counties' (30 + 20) / (6000 + 5000) = 45.5
    assert row["basis"] == "cluster"
    assert row["actual_value"] == pytest.approx(40.0)
    assert row["members_included"] == 1  # 桐乡 has no series of the cluster: left out, not mixed in
    county = {r["basis"] for r in rows if r["indicator_code"] != "tax_per_mu"}
    assert county == {"county"}
