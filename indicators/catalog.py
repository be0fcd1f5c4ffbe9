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
RULE_OPERATORS = {"le", "lt", "ge", "gt", "eq"}
SCOPE_PREFIXES = ("province", "city:", "group:", "sector:", "clusters:", "cluster:", "each_county")


class CatalogError(ValueError):
    """A catalog file breaks a rule; the message names the file and the entry."""


@dataclass
class Catalog:
    indicators: list[dict] = field(default_factory=list)
    documents: list[dict] = field(default_factory=list)
    regions: dict = field(default_factory=dict)
    clusters: dict = field(default_factory=dict)
    validation_rules: list[dict] = field(default_factory=list)


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
    if (directory / "clusters_415x.yaml").exists():
        catalog.clusters = _load_yaml(directory / "clusters_415x.yaml")
        # The document names only the four world-class groups; the demo file adds the rest.
        demo = directory / "clusters_415x_demo.yaml"
        if demo.exists():
            extra = _load_yaml(demo)
            catalog.clusters["clusters"] = catalog.clusters.get("clusters", []) + extra.get("clusters", [])
            catalog.clusters["members"] = (catalog.clusters.get("members") or []) + extra.get("members", [])
    if (directory / "validation_rules.yaml").exists():
        catalog.validation_rules = _load_yaml(directory / "validation_rules.yaml").get("rules") or []
    check_catalog(catalog)
    return catalog


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
            threshold = target.get("threshold")
            if target["kind"] == "threshold_count":
                if not threshold or threshold.get("indicator") not in codes:
                    raise CatalogError(f"{label}: 达标计数目标需要有效的门槛指标")
    for rule in catalog.validation_rules:
        label = f"validation_rules.yaml 规则 {rule.get('code')}"
        if rule.get("left") not in codes or rule.get("right") not in codes or rule["left"] == rule["right"]:
            raise CatalogError(f"{label}: 左右两侧须为目录中两个不同的指标")
        if rule.get("operator") not in RULE_OPERATORS or rule.get("importance") not in ("error", "warning"):
            raise CatalogError(f"{label}: 未知比较符或重要性")
    return catalog
