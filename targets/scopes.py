"""The scope grammar of targets, in one place: parse a scope string, name it for people, check it against the
catalog, list the choices an admin picks from, and date a list scope. Pure (no Django import): the catalog
comes in as a ``Catalog`` of plain dicts (targets/selectors.py builds it).

Grammar: ``province``; ``city:CODE``; ``county:CODE``; ``group:SLUG``; ``cluster:SLUG`` or
``cluster:SLUG:ROLE`` (ROLE core / coordination / new_star: only the members in that role);
``clusters:415x`` (the 415X system as a whole, reported at the province); ``sector:CODE`` (an Industry code:
a division such as ``C17`` or a set slug such as ``traditional-mfg``); ``each_county`` (every county);
``each_county:GROUPSLUG`` (each county of the group).

Inside the engine a list scope may carry the date of the list it uses: ``group:mountain-26@2023-01-15``
(``dated``/``undated``); users never see that key, nor any slug (``label`` gives 山区26县, 重点传统制造业).
"""

import datetime
from dataclasses import dataclass, field

__all__ = ["Catalog", "Scope", "ROLES", "choices", "dated", "label", "parse", "undated", "uses_list", "validate"]

KINDS = ("province", "city", "county", "group", "cluster", "clusters", "sector", "each_county")
ROLES = ("core", "coordination", "new_star")
SYSTEMS = ("415x",)  # clusters:415x
_ROLE_NAMES = {"core": ("核心区", "core area"), "coordination": ("协同区", "coordination area"),
               "new_star": ("新星产业群", "rising star")}  # fmt: skip
_FIXED = {
    "province": ("全省", "Zhejiang province"),
    "clusters:415x": ("“415X”集群整体", "the 415X clusters as a whole"),
    "each_county": ("各县（市、区）", "each county"),
}


@dataclass(frozen=True)
class Scope:
    """A parsed scope: kind (one of KINDS), ref (code or slug; "" for province and each_county), role."""

    kind: str
    ref: str = ""
    role: str = ""

    def __str__(self):
        text = self.kind if not self.ref else f"{self.kind}:{self.ref}"
        return f"{text}:{self.role}" if self.role else text

    @property
    def group_key(self):
        """The scope of the members: each_county:SLUG → group:SLUG; any other scope is its own."""
        return f"group:{self.ref}" if self.kind == "each_county" and self.ref else str(self)


@dataclass
class Catalog:
    """Names the scopes refer to: code/slug → (name, English name), and each group's kind ('list' or
    'threshold')."""

    cities: dict = field(default_factory=dict)
    counties: dict = field(default_factory=dict)
    groups: dict = field(default_factory=dict)
    clusters: dict = field(default_factory=dict)
    industries: dict = field(default_factory=dict)
    group_kinds: dict = field(default_factory=dict)

    def names(self, kind):
        return {
            "city": self.cities, "county": self.counties, "group": self.groups, "cluster": self.clusters,
            "sector": self.industries, "each_county": self.groups,
        }.get(kind, {})  # fmt: skip


def parse(text):
    """The Scope of a scope string, or ValueError saying what is wrong.

    parse("cluster:smart-pv:core") == Scope("cluster", "smart-pv", "core"); a dated key is parsed without its date.
    """
    text = undated(str(text or "").strip())[0]
    kind, _, rest = text.partition(":")
    if kind not in KINDS:
        raise ValueError(f"unknown scope {text!r}: use {', '.join(KINDS)}")
    ref, _, role = rest.partition(":")
    if kind in ("province",) and rest:
        raise ValueError(f"scope {text!r}: province takes no code")
    if kind in ("city", "county", "group", "cluster", "sector") and not ref:
        raise ValueError(f"scope {text!r}: {kind} needs a code or slug ({kind}:…)")
    if kind == "clusters" and ref not in SYSTEMS:
        raise ValueError(f"scope {text!r}: the cluster system is clusters:415x")
    if role and (kind != "cluster" or role not in ROLES):
        raise ValueError(f"scope {text!r}: only a cluster takes a role ({', '.join(ROLES)})")
    return Scope(kind, ref, role)


def validate(text, catalog):
    """parse(), and the code or slug must be in the catalog: ValueError naming the unknown one otherwise."""
    scope = parse(text)
    if scope.kind in ("province", "clusters") or (scope.kind == "each_county" and not scope.ref):
        return scope
    if scope.ref not in catalog.names(scope.kind):
        raise ValueError(f"unknown {_WHAT[scope.kind]} {scope.ref!r} in scope {text!r}")
    return scope


_WHAT = {"city": "city", "county": "county", "group": "group", "cluster": "cluster", "sector": "industry",
         "each_county": "group"}  # fmt: skip


def label(text, catalog, english=False):
    """The name people read: group:mountain-26 → 山区26县, cluster:smart-pv:core → 智能光伏核心区,
    each_county:output-tier-1 → 一档县各县; a scope the catalog does not know is shown as it is."""
    i = 1 if english else 0
    try:
        scope = parse(text)
    except ValueError:
        return str(text)
    key = str(scope)
    if key in _FIXED:
        return _FIXED[key][i]
    names = catalog.names(scope.kind).get(scope.ref)
    if not names:
        return key
    name = names[i] or names[0]
    if scope.role:
        return f"{name} {_ROLE_NAMES[scope.role][1]}" if english else f"{name}{_ROLE_NAMES[scope.role][0]}"
    if scope.kind == "each_county":
        return f"each county of {name}" if english else f"{name}各县"
    return name


def choices(catalog, english=False):
    """(label, [(scope, name)]) groups for a select box, in the grammar's order."""
    i = 1 if english else 0

    def named(kind, mapping, fmt="{}"):
        return [(f"{kind}:{ref}", fmt.format(names[i] or names[0])) for ref, names in mapping.items()]

    clusters = []
    for ref, names in catalog.clusters.items():
        clusters.append((f"cluster:{ref}", names[i] or names[0]))
        clusters += [(f"cluster:{ref}:{role}", label(f"cluster:{ref}:{role}", catalog, english)) for role in ROLES]
    list_groups = {k: v for k, v in catalog.groups.items()}
    each = [("each_county", _FIXED["each_county"][i])]
    each += [(f"each_county:{ref}", label(f"each_county:{ref}", catalog, english)) for ref in list_groups]
    heads = ("全省", "市", "县（市、区）", "区域组", "集群", "行业", "各县") if not english else (
        "Province", "City", "County", "Group", "Cluster", "Industry", "Each county")  # fmt: skip
    return [
        (heads[0], [("province", _FIXED["province"][i]), ("clusters:415x", _FIXED["clusters:415x"][i])]),
        (heads[1], named("city", catalog.cities)),
        (heads[2], named("county", catalog.counties)),
        (heads[3], named("group", catalog.groups)),
        (heads[4], clusters),
        (heads[5], named("sector", catalog.industries)),
        (heads[6], each),
    ]


def uses_list(text, catalog):
    """Whether the scope's members come from a dated list: a list group, a cluster, each county of a list
    group (a threshold group's members come from the data, year by year)."""
    scope = parse(text)
    if scope.kind == "cluster":
        return True
    return scope.kind in ("group", "each_county") and catalog.group_kinds.get(scope.ref) == "list"


def dated(text, day, catalog):
    """The engine's key of a list scope as of a day: dated("group:mountain-26", date(2023, 1, 15), catalog) ==
    "group:mountain-26@2023-01-15"; any other scope (or no day) is returned as it is."""
    if day is None or not uses_list(text, catalog):
        return str(text)
    return f"{text}@{day.isoformat()}"


def undated(key):
    """(scope, day or None) of an engine key: undated("group:mountain-26@2023-01-15") ==
    ("group:mountain-26", date(2023, 1, 15))."""
    scope, at, day = str(key).partition("@")
    return scope, (datetime.date.fromisoformat(day) if at else None)
