"""Reads and checks the hand-curated catalog files under fixtures/catalog (no database)."""

from dataclasses import dataclass, field
from pathlib import Path

import yaml

CATALOG_DIR = Path(__file__).resolve().parent.parent / "fixtures" / "catalog"
DOCUMENTS_DIR = CATALOG_DIR.parent / "documents"

TARGET_KINDS = {
    "level",
    "share",
    "avg_annual_growth",
    "annual_decline",
    "change_vs_base",
    "annual_increase_points",
    "count_per_year",
    "cumulative_count",
    "threshold_count",
}
COMPARATORS = {"ge", "gt", "le", "lt", "approx", "eq"}
SCOPE_PREFIXES = ("province", "city:", "group:", "sector:", "clusters:", "cluster:", "each_county")


class CatalogError(ValueError):
    """A catalog file breaks a rule; the message names the file and the entry."""


@dataclass
class Catalog:
    indicators: list[dict] = field(default_factory=list)
    documents: list[dict] = field(default_factory=list)
    regions: dict = field(default_factory=dict)
    groups: list[dict] = field(default_factory=list)
    clusters: dict = field(default_factory=dict)
    industries: list[dict] = field(default_factory=list)


def _load_yaml(path):
    with open(path, encoding="utf-8") as fh:
        return yaml.safe_load(fh) or {}


def load_catalog(directory=CATALOG_DIR, documents_dir=DOCUMENTS_DIR):
    """Read every catalog file, merge the indicators, and check the references between them."""
    directory, documents_dir = Path(directory), Path(documents_dir)
    shared = _load_yaml(directory / "indicators.yaml")
    indicators = [dict(spec, kind="base") for spec in shared.get("base", [])]
    indicators += [dict(spec, kind="derived") for spec in shared.get("derived", [])]
    catalog = Catalog(indicators=indicators)
    for path in sorted(directory.glob("doc_*.yaml")):
        data = _load_yaml(path)
        doc = dict(data["document"])
        doc["targets"] = data.get("targets") or []
        doc["source_file"] = path.name
        text = (documents_dir / doc["seed"]).read_text(encoding="utf-8")
        doc["full_text"] = text
        catalog.documents.append(doc)
        for spec in data.get("indicators") or []:
            _merge_indicator(catalog.indicators, dict(spec, source_file=path.name))
    if (directory / "regions.yaml").exists():
        catalog.regions = _load_yaml(directory / "regions.yaml")
    if (directory / "groups.yaml").exists():
        catalog.groups = _load_yaml(directory / "groups.yaml").get("groups") or []
    if (directory / "industries.yaml").exists():
        catalog.industries = industry_specs(_load_yaml(directory / "industries.yaml"))
    if (directory / "clusters_415x.yaml").exists():
        catalog.clusters = _load_yaml(directory / "clusters_415x.yaml")
        # The document names only the four world-class groups; the provincial and 新星 clusters and every
        # membership come from published sources, each with its own (clusters_415x_provincial.yaml).
        for path in sorted(directory.glob("clusters_415x_*.yaml")):
            extra = _load_yaml(path)
            catalog.clusters["clusters"] = catalog.clusters.get("clusters", []) + extra.get("clusters", [])
            catalog.clusters["members"] = (catalog.clusters.get("members") or []) + extra.get("members", [])
    check_catalog(catalog)
    return catalog


def industry_specs(data):
    """industries.yaml as one list: the divisions, then the sets with their division codes (`all` = every
    division, i.e. 门类C 制造业)."""
    source = data.get("source", "")
    divisions = [dict(d, kind="division", source=d.get("source", source)) for d in data.get("divisions") or []]
    codes = [d["code"] for d in divisions]
    sets = [
        dict(s, kind="set", divisions=codes if s.get("divisions") == "all" else list(s.get("divisions") or []))
        for s in data.get("sets") or []
    ]
    return divisions + sets


SAME_MEANING = ("unit", "kind", "numerator", "denominator", "factor")


def _merge_indicator(indicators, spec):
    """Two documents may need the same indicator: keep the first definition and pool the aliases,
    but refuse one code defined two different ways."""
    for existing in indicators:
        if existing["code"] == spec["code"]:
            differs = [k for k in SAME_MEANING if existing.get(k) != spec.get(k)]
            if differs:
                raise CatalogError(f"指标 {spec['code']} 在 {spec['source_file']} 中的定义不同: {', '.join(differs)}")
            aliases = list(existing.get("aliases") or [])
            if spec["name"] != existing["name"]:
                aliases.append(spec["name"])
            aliases += [a for a in spec.get("aliases") or [] if a not in aliases]
            existing["aliases"] = aliases
            return
    indicators.append(spec)


def check_catalog(catalog):
    """Refuse duplicate codes, dangling references, unknown kinds and excerpts not in the text."""
    codes = {}
    for spec in catalog.indicators:
        code = spec["code"]
        if code in codes:
            raise CatalogError(f"指标代码重复: {code}（{codes[code]} 与 {spec.get('source_file', 'indicators.yaml')}）")
        codes[code] = spec.get("source_file", "indicators.yaml")
    names = [spec["name"] for spec in catalog.indicators]
    duplicate_names = {n for n in names if names.count(n) > 1}
    if duplicate_names:
        raise CatalogError(f"指标名称重复: {', '.join(sorted(duplicate_names))}")
    for spec in catalog.indicators:
        for ref in ("numerator", "denominator", "growth_of"):
            if spec.get(ref) and spec[ref] not in codes:
                raise CatalogError(f"指标 {spec['code']} 的 {ref} 引用了不存在的指标 {spec[ref]}")
        if spec["kind"] == "derived" and not (spec.get("numerator") and spec.get("denominator")):
            raise CatalogError(f"派生指标 {spec['code']} 缺少分子或分母")
    units = {spec["code"]: spec["unit"] for spec in catalog.indicators}
    doc_codes = set()
    for doc in catalog.documents:
        where = doc["source_file"]
        if doc["code"] in doc_codes:
            raise CatalogError(f"{where}: 文件代码重复 {doc['code']}")
        doc_codes.add(doc["code"])
        for goal in doc.get("qualitative_goals") or []:
            if goal["text"] not in doc["full_text"]:
                raise CatalogError(f"{where}: 定性目标原文未在文件中找到: {goal['text'][:30]}")
        for n, target in enumerate(doc["targets"], start=1):
            label = f"{where} 第{n}个目标（{target.get('label', '')}）"
            if target["indicator"] not in codes:
                raise CatalogError(f"{label}: 未知指标 {target['indicator']}")
            if target["kind"] not in TARGET_KINDS:
                raise CatalogError(f"{label}: 未知类型 {target['kind']}")
            if target["comparator"] not in COMPARATORS:
                raise CatalogError(f"{label}: 未知比较符 {target['comparator']}")
            if not isinstance(target.get("value"), (int, float)):
                raise CatalogError(f"{label}: 目标值必须是数字")
            if not str(target["scope"]).startswith(SCOPE_PREFIXES):
                raise CatalogError(f"{label}: 未知适用范围 {target['scope']}")
            if target["excerpt"] not in doc["full_text"]:
                raise CatalogError(f"{label}: 原文摘录未在文件中找到: {target['excerpt'][:30]}")
            if target.get("share_of") and (
                target["share_of"] == target["scope"] or units.get(target["indicator"]) == "%"
            ):
                raise CatalogError(f"{label}: share_of 只用于“占上级总量比重”的目标（指标本身不是比重）")
            _check_scope_names(catalog, label, target["scope"])
            threshold = target.get("threshold")
            if target["kind"] == "threshold_count":
                if not threshold or threshold.get("indicator") not in codes:
                    raise CatalogError(f"{label}: 达标计数目标需要有效的门槛指标")
    _check_industries(catalog.industries)
    _check_groups(catalog, codes)
    return catalog


def _check_scope_names(catalog, label, scope):
    """A group or sector a target names must be in the catalog (a slug mistyped would drop the target)."""
    head, _, rest = str(scope).partition(":")
    if head in ("group", "each_county") and rest and catalog.groups:
        if rest not in {g["slug"] for g in catalog.groups}:
            raise CatalogError(f"{label}: 未知区域组 {rest}")
    if head == "sector" and catalog.industries and rest not in {i["code"] for i in catalog.industries}:
        raise CatalogError(f"{label}: 未知行业 {rest}")


def _check_industries(specs):
    codes, names = set(), set()
    for spec in specs:
        if spec["code"] in codes or spec["name"] in names:
            raise CatalogError(f"industries.yaml: 行业代码或名称重复 {spec['code']} {spec['name']}")
        codes.add(spec["code"])
        names.add(spec["name"])
    divisions = {s["code"] for s in specs if s["kind"] == "division"}
    for spec in specs:
        unknown = set(spec.get("divisions") or []) - divisions
        if spec["kind"] == "set" and unknown:
            raise CatalogError(f"industries.yaml: 行业组合 {spec['code']} 含未知行业大类 {', '.join(sorted(unknown))}")


CONFIDENCES = {"confirmed", "reported", "demo"}


def _check_groups(catalog, indicator_codes):
    """Every member a region of regions.yaml under its own name, dates in order, a known confidence; a
    threshold group names a known indicator."""
    names = {str(r["code"]): r["name"] for r in catalog.regions.get("regions", [])}
    for group in catalog.groups:
        where = f"groups.yaml {group['slug']}"
        if group.get("kind", "list") == "threshold" and group.get("rule_indicator") not in indicator_codes:
            raise CatalogError(f"{where}: 门槛指标 {group.get('rule_indicator')} 不在指标目录中")
        for m in group.get("members") or []:
            code = str(m["region"])
            if names and (code not in names or m.get("name", names[code]) != names[code]):
                raise CatalogError(f"{where}: 地区代码 {code} 不是 {m.get('name')}")
            if m.get("since") and m.get("until") and not m["since"] < m["until"]:
                raise CatalogError(f"{where} {code}: 起始日期须早于终止日期")
            if m.get("confidence", "") and m["confidence"] not in CONFIDENCES:
                raise CatalogError(f"{where} {code}: 未知可信度 {m['confidence']}")
