"""The catalog: every target traces to an exact excerpt, loading is idempotent, exports keep their shape."""

import csv
import io
import json
import shutil

import pytest

from indicators.catalog import CATALOG_DIR, DOCUMENTS_DIR, CatalogError, load_catalog
from indicators.models import Indicator, Industry
from targets.models import PolicyDocument, QualitativeGoal, Target

EXPORT_KEYS = {
    "document",
    "clause",
    "indicator_code",
    "indicator_name",
    "kind",
    "comparator",
    "value",
    "unit",
    "target_year",
    "base_year",
    "per_year",
    "scope",
    "excerpt",
}


def test_every_target_excerpt_stands_verbatim_in_its_document():
    catalog = load_catalog()
    assert catalog.documents, "no document files were found"
    for doc in catalog.documents:
        for target in doc["targets"]:
            assert target["excerpt"] in doc["full_text"], (doc["code"], target["excerpt"])


def test_every_number_a_target_states_appears_in_its_excerpt_or_is_explained():
    # Guards against typos in `value`: 1500 must be written in the excerpt as 1500, 1.85 as 1.85 …
    catalog = load_catalog()
    unexplained = []
    for doc in catalog.documents:
        for t in doc["targets"]:
            value = t["value"]
            text = f"{value:g}" if isinstance(value, float) else str(value)
            if text not in t["excerpt"].replace(",", "") and not t.get("note"):
                unexplained.append((doc["code"], t["label"], value))
    assert unexplained == []


def test_the_loader_refuses_an_excerpt_that_is_not_in_the_document(tmp_path):
    shutil.copytree(CATALOG_DIR, tmp_path / "catalog")
    path = tmp_path / "catalog" / "doc_003.yaml"
    text = path.read_text(encoding="utf-8")
    path.write_text(text.replace("工业增加值达到1500亿元以上", "工业增加值达到9999亿元以上"), encoding="utf-8")
    with pytest.raises(CatalogError, match="原文摘录未在文件中找到"):
        load_catalog(tmp_path / "catalog", DOCUMENTS_DIR)


def test_the_loader_refuses_one_indicator_code_defined_two_ways(tmp_path):
    shutil.copytree(CATALOG_DIR, tmp_path / "catalog")
    path = tmp_path / "catalog" / "doc_zzz.yaml"
    path.write_text(
        "document: {code: x, seed: 003_af651dade0784869.txt, title: x, issuer: jiaxing, period_start: 2009, "
        "period_end: 2012}\nindicators:\n  - {code: land_quota, name: 另一个用地指标, unit: 公顷, kind: base}\n"
        "targets: []\n",
        encoding="utf-8",
    )
    with pytest.raises(CatalogError, match="land_quota"):
        load_catalog(tmp_path / "catalog", DOCUMENTS_DIR)


@pytest.mark.django_db
def test_bootstrapping_twice_changes_nothing_and_writes_no_history():
    from targets.services import catalog_bootstrap

    history_before = Target.history.count() + Indicator.history.count()
    assert catalog_bootstrap() == 0
    assert Target.history.count() + Indicator.history.count() == history_before


@pytest.mark.django_db
def test_every_document_is_loaded_with_its_full_text_and_targets():
    catalog = load_catalog()
    assert PolicyDocument.objects.count() == len(catalog.documents)
    assert Target.objects.count() == sum(len(d["targets"]) for d in catalog.documents)
    jiaxing = PolicyDocument.objects.get(code="jx-2009-industrial-upgrade")
    assert "嘉兴市人民政府" in jiaxing.full_text
    assert jiaxing.issuer == "jiaxing"


@pytest.mark.django_db
def test_export_targets_json_has_the_contract_keys_for_every_target(export):
    records = json.loads(export("export_targets", "--format", "json"))
    assert len(records) == Target.objects.count()
    for record in records:
        assert EXPORT_KEYS <= set(record)
    value_added = [r for r in records if r["document"] == "jx-2009-industrial-upgrade" and r["value"] == 1500]
    assert value_added and value_added[0]["indicator_name"] == "全部工业增加值"
    assert value_added[0]["unit"] == "亿元"
    assert all(isinstance(r["target_year_inferred"], bool) and isinstance(r["also_in"], list) for r in records)
    core_areas = next(r for r in records if r["excerpt"] == "超 1000 亿元的省级特色产业 集群核心区 达到 20 个左右")
    assert core_areas["also_in"] == ["打造 20 个左右千亿级省级特色产业集群核心区"]
    assert core_areas["target_year_inferred"] is False  # the sentence says 到 2027 年


@pytest.mark.django_db
def test_export_targets_csv_has_one_row_per_target(export):
    rows = list(csv.DictReader(io.StringIO(export("export_targets", "--format", "csv"))))
    assert len(rows) == Target.objects.count()
    assert EXPORT_KEYS | {"target_year_inferred", "also_in"} <= set(rows[0])
    world_class = next(r for r in rows if r["excerpt"] == "世界一流企业 达到 15 家左右")
    assert world_class["also_in"] == "培育世界一流企业 15 家左右"
    assert {r["target_year_inferred"] for r in rows} == {"True", "False"}


@pytest.mark.django_db
def test_derived_indicators_name_their_numerator_and_denominator():
    productivity = Indicator.objects.get(code="labour_productivity")
    assert productivity.numerator.code == "value_added"
    assert productivity.denominator.code == "employees"
    assert productivity.formula == "规模以上工业增加值 ÷ 规模以上工业从业人员平均人数"


@pytest.mark.django_db
def test_revenue_was_reported_as_main_business_revenue_until_2018():
    alias = Indicator.objects.get(code="revenue").aliases.get(alias="主营业务收入")
    assert alias.valid_until == 2018


def _doc(catalog, code):
    return next(d for d in catalog.documents if d["code"] == code)


@pytest.mark.django_db
def test_a_corrected_entry_keeps_its_id_and_writes_its_history_and_a_new_one_renumbers_nothing():
    from targets.services import catalog_sync_documents

    catalog = load_catalog()
    doc = _doc(catalog, "jx-2009-industrial-upgrade")
    before = dict(Target.objects.filter(document__code=doc["code"]).values_list("seq", "pk"))
    first = doc["targets"][0]
    history = Target.history.filter(id=before[first["seq"]]).count()
    doc["targets"][0] = dict(first, comparator="approx")  # a correction of the kind #179 got
    doc["targets"].insert(0, dict(first, seq=99, note="an added entry"))
    catalog_sync_documents(documents=[doc])
    after = dict(Target.objects.filter(document__code=doc["code"]).values_list("seq", "pk"))
    assert {seq: pk for seq, pk in after.items() if seq != 99} == before
    corrected = Target.objects.get(pk=before[first["seq"]])
    assert corrected.comparator == "approx" and corrected.seq == first["seq"]
    assert Target.history.filter(id=corrected.pk).count() == history + 1


# -- industries.yaml, groups.yaml -------------------------------------------------------------------


@pytest.mark.django_db
def test_the_industries_are_the_31_manufacturing_divisions_and_their_sets():
    from indicators.models import Industry

    divisions = list(Industry.objects.filter(kind="division").values_list("code", flat=True))
    assert divisions == [f"C{n}" for n in range(13, 44)]  # C13 … C43: 43 − 13 + 1 = 31
    sets = {s.code: set(s.divisions.values_list("code", flat=True)) for s in Industry.objects.filter(kind="set")}
    assert sets["manufacturing"] == set(divisions)
    # seed 002: 纺织 服装 皮革 化工 化纤 造纸 橡胶塑料制品 非金属矿物制品 有色金属加工 农副食品加工
    assert sets["traditional-mfg"] == {"C17", "C18", "C19", "C26", "C28", "C22", "C29", "C30", "C32", "C13"}
    assert sets["equipment-mfg"] == {f"C{n}" for n in range(33, 41)}
    # named by seed 001 with no division list: kept so their targets load, with nothing to sum
    assert sets["modern-communications"] == set() and sets["info-electromechanical"] == set()
    assert "今年重点启动纺织、服装、皮革、化工" in Industry.objects.get(code="traditional-mfg").source


def test_the_loader_refuses_a_scope_naming_an_unknown_group_or_sector(tmp_path):
    shutil.copytree(CATALOG_DIR, tmp_path / "catalog")
    path = tmp_path / "catalog" / "doc_004.yaml"
    text = path.read_text(encoding="utf-8")
    path.write_text(text.replace("scope: group:mountain-26", "scope: group:mountian-26", 1), encoding="utf-8")
    with pytest.raises(CatalogError, match="未知区域组 mountian-26"):
        load_catalog(tmp_path / "catalog", DOCUMENTS_DIR)
    path.write_text(text, encoding="utf-8")
    path = tmp_path / "catalog" / "doc_002.yaml"
    text = path.read_text(encoding="utf-8")
    assert "scope: sector:traditional-mfg" in text
    path.write_text(text.replace("scope: sector:traditional-mfg", "scope: sector:traditional", 1), encoding="utf-8")
    with pytest.raises(CatalogError, match="未知行业 traditional"):
        load_catalog(tmp_path / "catalog", DOCUMENTS_DIR)


def test_the_loader_refuses_a_member_whose_code_is_not_the_named_county(tmp_path):
    shutil.copytree(CATALOG_DIR, tmp_path / "catalog")
    path = tmp_path / "catalog" / "groups.yaml"
    text = path.read_text(encoding="utf-8")
    path.write_text(text.replace('region: "330326", name: 平阳县', 'region: "330327", name: 平阳县', 1), "utf-8")
    with pytest.raises(CatalogError, match="地区代码 330327 不是 平阳县"):
        load_catalog(tmp_path / "catalog", DOCUMENTS_DIR)


@pytest.mark.django_db
def test_a_reload_keeps_an_admins_edit_of_an_editable_list_and_fills_what_is_blank():
    from indicators.models import GroupMembership
    from targets.services import catalog_bootstrap

    pilots = GroupMembership.objects.filter(group__slug="industrial-strong-pilots")
    pilots.filter(region__code="330109").update(source="省经信厅核对")  # 萧山区, corrected by an admin
    pilots.filter(region__code="330110").update(confidence="")  # 余杭区, a row from before confidences
    catalog_bootstrap()
    assert pilots.get(region__code="330109").source == "省经信厅核对"
    assert pilots.get(region__code="330110").confidence == "demo"
    # a list that is not editable is exactly the catalog's
    mountain = GroupMembership.objects.filter(group__slug="mountain-26", region__code="330326")
    mountain.update(source="x")
    catalog_bootstrap()
    assert "m.olppe.com" in mountain.get().source


@pytest.mark.django_db
def test_removing_an_entry_leaves_the_others_their_seq_and_id():
    from targets.services import catalog_sync_documents

    catalog = load_catalog()
    doc = _doc(catalog, "jx-2009-industrial-upgrade")
    before = dict(Target.objects.filter(document__code=doc["code"]).values_list("seq", "pk"))
    removed = doc["targets"].pop(0)["seq"]
    catalog_sync_documents(documents=[doc])
    after = dict(Target.objects.filter(document__code=doc["code"]).values_list("seq", "pk"))
    assert after == {seq: pk for seq, pk in before.items() if seq != removed}


@pytest.mark.parametrize(
    ("old", "new", "message"),
    [
        ("  - seq: 3\n", "  - seq: 2\n", "seq 2 重复"),
        ("  - seq: 3\n", "  - seq: three\n", "seq 必须是正整数"),
        ("    target_year_inferred: true\n", "    target_year_inferred: yes please\n", "target_year_inferred"),
    ],
)
def test_the_loader_refuses_a_bad_seq_or_inferred_flag(tmp_path, old, new, message):
    shutil.copytree(CATALOG_DIR, tmp_path / "catalog")
    path = tmp_path / "catalog" / "doc_003.yaml"
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new, 1), encoding="utf-8")
    with pytest.raises(CatalogError, match=message):
        load_catalog(tmp_path / "catalog", DOCUMENTS_DIR)


def test_the_loader_refuses_a_further_excerpt_that_is_not_in_the_document(tmp_path):
    shutil.copytree(CATALOG_DIR, tmp_path / "catalog")
    path = tmp_path / "catalog" / "doc_004.yaml"
    text = path.read_text(encoding="utf-8")
    path.write_text(text.replace('培育世界一流企业 15 家左右"]', '培育世界一流企业 16 家左右"]'), encoding="utf-8")
    with pytest.raises(CatalogError, match="原文摘录未在文件中找到: 培育世界一流企业 16"):
        load_catalog(tmp_path / "catalog", DOCUMENTS_DIR)


def test_the_loader_refuses_a_sector_scope_on_an_indicator_bound_to_an_industry(tmp_path):
    shutil.copytree(CATALOG_DIR, tmp_path / "catalog")
    path = tmp_path / "catalog" / "doc_004.yaml"
    text = path.read_text(encoding="utf-8")
    old = "    indicator: mfg_labour_productivity\n"
    assert old in text
    # The industry is said once, in the indicator: a sector scope beside it would say it twice.
    head, _, rest = text.partition(old)
    rest = rest.replace("    scope: province\n", "    scope: sector:manufacturing\n", 1)
    path.write_text(head + old + rest, encoding="utf-8")
    with pytest.raises(CatalogError, match="已限定行业"):
        load_catalog(tmp_path / "catalog", DOCUMENTS_DIR)


# ---- The second reading of the five documents (issue #13, item 5). Ids in the comments are the
# target_id of export_targets on ef651ac; a target is found here by its document and seq, which stay.
MFG_415X = "zj-2023-415x"


def _target(document, seq):
    return Target.objects.select_related("indicator").get(document__code=document, seq=seq)


@pytest.mark.django_db
def test_the_catalog_holds_181_targets_after_seven_left_it():
    # 188 targets on ef651ac − #34, #35 (双千亿 → qualitative) − #94, #95, #96 (national tax rules →
    # qualitative) − #111, #126 (restatements → also_in) = 188 − 7 = 181.
    assert Target.objects.count() == 181
    assert not Target.objects.filter(document__code="zj-2016-manufacturing-outline").exists()
    assert not Target.objects.filter(
        excerpt__in=["打造 20 个左右千亿级省级特色产业集群核心区", "培育世界一流企业 15 家左右"]
    ).exists()


@pytest.mark.django_db
def test_new_ones_are_counted_as_yearly_flows_not_read_off_a_stock():
    hightech = _target(MFG_415X, 37)  # #133 新增高新技术企业1.8万家
    assert (hightech.indicator.code, hightech.indicator.name) == ("new_hightech_enterprises", "新增高新技术企业数")
    assert hightech.kind == "cumulative_count" and hightech.scope == "province"
    listed = _target("zj-2017-traditional-mfg", 31)  # #66 新增上市公司80家
    assert (listed.indicator.code, listed.indicator.name) == ("new_listed_companies", "新增上市公司数")
    assert listed.kind == "cumulative_count" and listed.scope == "sector:traditional-mfg"


@pytest.mark.django_db
def test_the_manufacturing_targets_use_indicators_bound_to_manufacturing():
    productivity = _target(MFG_415X, 2)  # #98
    assert productivity.indicator.code == "mfg_labour_productivity" and productivity.scope == "province"
    assert productivity.indicator.industry == "manufacturing"
    assert (productivity.indicator.numerator.code, productivity.indicator.denominator.code) == (
        "value_added",
        "employees",
    )
    rd = _target(MFG_415X, 5)  # #101
    assert rd.indicator.code == "mfg_rd_intensity" and rd.indicator.industry == "manufacturing"
    assert (rd.indicator.numerator.code, rd.indicator.denominator.code, rd.indicator.factor) == (
        "rd_expenditure",
        "revenue",
        100,
    )
    assert Indicator.objects.get(code="labour_productivity").industry == ""
    # update_or_create: the industries catalog may already hold 制造业 (loaded with the regions).
    Industry.objects.update_or_create(code="manufacturing", defaults={"name": "制造业", "kind": "set"})
    assert productivity.indicator.formula == "规模以上工业增加值 ÷ 规模以上工业从业人员平均人数（均按行业 制造业）"


@pytest.mark.django_db
def test_jiaxing_industrial_value_added_reads_as_all_industry_with_the_other_reading_noted():
    target = _target("jx-2009-industrial-upgrade", 2)  # #84
    assert target.indicator.code == "industrial_value_added_all" and target.indicator.name == "全部工业增加值"
    assert "另一读法：规模以上工业增加值" in target.note


@pytest.mark.django_db
def test_the_wanmu_qianyi_platforms_are_a_level():
    assert _target(MFG_415X, 13).kind == "level"  # #109 累计建设…40个左右: a stock, not new ones since 2023


@pytest.mark.django_db
def test_rules_for_each_pilot_or_each_incentive_county_apply_county_by_county():
    assert _target("zj-2014-strong-counties", 33).scope == "each_county:industrial-strong-pilots"  # #33
    assert _target("zj-2017-traditional-mfg", 46).scope == "each_county:real-economy-incentive-18"  # #81
    assert _target("zj-2017-traditional-mfg", 47).scope == "each_county:real-economy-incentive-18"  # #82


@pytest.mark.django_db
def test_the_four_exact_allocations_compare_as_equal():
    # #179 设立4支, #180 1支, #182 按30%的比例出资, #184 每年安排3000亩
    assert [_target(MFG_415X, seq).comparator for seq in (83, 84, 86, 88)] == ["eq"] * 4
    assert _target(MFG_415X, 85).comparator == "ge"  # 每支基金规模不低于 100 亿元 stays a floor


@pytest.mark.django_db
def test_restatements_are_kept_as_further_excerpts_of_the_target_they_restate():
    core_areas = _target(MFG_415X, 10)  # #106, with #111's words
    assert core_areas.also_in == ["打造 20 个左右千亿级省级特色产业集群核心区"]
    world_class = _target(MFG_415X, 11)  # #107, with #126's words
    assert world_class.also_in == ["培育世界一流企业 15 家左右"]
    assert Target.objects.exclude(also_in=[]).count() == 2


@pytest.mark.django_db
def test_slogans_and_national_tax_rules_are_qualitative_goals_now():
    outline = set(
        QualitativeGoal.objects.filter(document__code="zj-2016-manufacturing-outline").values_list("text", flat=True)
    )
    assert "培育现代通信和信息机电“双千亿”产业集群" in outline
    jiaxing = set(
        QualitativeGoal.objects.filter(document__code="jx-2009-industrial-upgrade").values_list("text", flat=True)
    )
    assert {
        "对经认定的高新技术企业，减按15%的税率征收企业所得税",
        "符合条件的小型微利企业，减按20%的税率征收企业所得税",
    } <= jiaxing
    assert not Target.objects.filter(excerpt__contains="税率").exists()


@pytest.mark.django_db
def test_the_second_readings_are_in_the_notes():
    assert "服务业增加值" in _target("zj-2014-strong-counties", 13).note  # #13's other denominator
    assert "全省" in _target("zj-2017-traditional-mfg", 20).note  # #55: 10万家 looks province-wide
    renovation = _target("zj-2014-strong-counties", 25)  # #25 kept, its numerator is narrower
    assert renovation.indicator.code == "tech_renovation_investment_share"
    assert "网络制造方式的现代化工业技改投资" in renovation.note and "上限" in renovation.note


@pytest.mark.django_db
def test_a_year_is_flagged_inferred_only_where_the_sentence_gives_none():
    plan = Target.objects.filter(document__code=MFG_415X, target_year=2027)
    # 82 targets of the 415X plan at 2027 (84 on ef651ac − #111 − #126). Six sentences print a year:
    # 到 2027 年 for #105 (seq 9), #106 (10), #107 (11), #112 (16); 2027 年底前 for #178 (82); 到2027年 for
    # #184 (88). 82 − 6 = 76 inferred.
    assert plan.count() == 82
    assert plan.filter(target_year_inferred=True).count() == 76
    assert set(plan.filter(target_year_inferred=False).values_list("seq", flat=True)) == {9, 10, 11, 16, 82, 88}
    assert _target(MFG_415X, 1).target_year_inferred is False  # 2025, printed
    assert _target("jx-2009-industrial-upgrade", 10).target_year_inferred  # 每年评选…5家: no year
    assert not _target("jx-2009-industrial-upgrade", 2).target_year_inferred  # 到2012年 opens the sentence


@pytest.mark.django_db
def test_the_seed_validation_rules_are_loaded_and_an_admins_edit_survives_a_bootstrap():
    from indicators.models import ValidationRule
    from targets.services import catalog_bootstrap

    rules = {(r.left.code, r.operator, r.right.code, r.importance) for r in ValidationRule.objects.all()}
    assert rules == {
        ("value_added", "le", "gross_output", "error"),
        ("profit", "le", "revenue", "error"),
        ("rd_expenditure", "le", "revenue", "error"),
        ("new_product_output", "le", "gross_output", "error"),
    }
    ValidationRule.objects.filter(code="profit-within-revenue").update(importance="warning", is_active=False)
    catalog_bootstrap()
    edited = ValidationRule.objects.get(code="profit-within-revenue")
    assert (edited.importance, edited.is_active) == ("warning", False)


def test_a_loss_may_be_negative_by_the_catalogs_flag_not_by_its_name():
    flagged = {spec["code"] for spec in load_catalog().indicators if spec.get("allow_negative")}
    assert flagged == {"profit"}


def test_the_loader_refuses_a_validation_rule_over_an_unknown_indicator(tmp_path):
    shutil.copytree(CATALOG_DIR, tmp_path / "catalog")
    path = tmp_path / "catalog" / "validation_rules.yaml"
    path.write_text(
        "rules:\n  - {code: x, name: x, left: value_added, operator: le, right: no_such, importance: error}\n",
        encoding="utf-8",
    )
    with pytest.raises(CatalogError, match="左右两侧须为目录中两个不同的指标"):
        load_catalog(tmp_path / "catalog", DOCUMENTS_DIR)
