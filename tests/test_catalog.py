"""The catalog: every target traces to an exact excerpt, loading is idempotent, exports keep their shape."""

import csv
import io
import json
import shutil

import pytest

from indicators.catalog import CATALOG_DIR, DOCUMENTS_DIR, CatalogError, load_catalog
from indicators.models import Indicator
from targets.models import PolicyDocument, Target

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
    assert value_added and value_added[0]["indicator_name"] == "规模以上工业增加值"
    assert value_added[0]["unit"] == "亿元"


@pytest.mark.django_db
def test_export_targets_csv_has_one_row_per_target(export):
    rows = list(csv.DictReader(io.StringIO(export("export_targets", "--format", "csv"))))
    assert len(rows) == Target.objects.count()
    assert EXPORT_KEYS <= set(rows[0])


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


@pytest.mark.django_db
def test_inserting_a_catalog_entry_keeps_the_other_targets_and_their_ids():
    from targets.services import catalog_sync_documents

    catalog = load_catalog()
    doc = next(d for d in catalog.documents if d["code"] == "jx-2009-industrial-upgrade")
    before = dict(Target.objects.filter(document__code=doc["code"]).values_list("excerpt", "pk"))
    new = dict(doc["targets"][0], comparator="approx", note="an inserted entry")
    doc["targets"] = [new] + doc["targets"]
    catalog_sync_documents(documents=[doc])
    after = Target.objects.filter(document__code=doc["code"])
    assert after.count() == len(before) + 1
    kept = {t.excerpt: t.pk for t in after.exclude(comparator="approx", note="an inserted entry")}
    assert kept == before
    assert after.get(note="an inserted entry").seq == 1


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
    path.write_text(text.replace("scope: sector:manufacturing", "scope: sector:manufacture", 1), encoding="utf-8")
    with pytest.raises(CatalogError, match="未知行业 manufacture"):
        load_catalog(tmp_path / "catalog", DOCUMENTS_DIR)


def test_the_loader_refuses_a_member_whose_code_is_not_the_named_county(tmp_path):
    shutil.copytree(CATALOG_DIR, tmp_path / "catalog")
    path = tmp_path / "catalog" / "groups.yaml"
    text = path.read_text(encoding="utf-8")
    path.write_text(text.replace('region: "330326", name: 平阳县', 'region: "330327", name: 平阳县', 1), "utf-8")
    with pytest.raises(CatalogError, match="地区代码 330327 不是 平阳县"):
        load_catalog(tmp_path / "catalog", DOCUMENTS_DIR)
