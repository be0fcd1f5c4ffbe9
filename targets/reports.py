"""Gap tables for pages and commands: selectors fetch, targets/gaps.py computes, this glues them.

Results are kept in this process per data version (indicators.versioning: one row in the database that
every process reads), which the services move whenever an upload is written, approved or returned, or
the catalog is edited. The process that commits a change builds the tables every page starts from and
stores them with the version (``build_snapshot``); another worker's first page after the change loads
them (~50 ms) instead of computing them (~0.5 s); it waits while the writer is still building them, and computes
them itself only when none will come (indicators.versioning.stored_tables)."""

import datetime
import functools
import hashlib
import logging
import pickle
import threading
from pathlib import Path

import numpy as np
import pandas as pd
from django.conf import settings

from indicators import versioning

from . import coverage, gaps, pages, scopes, selectors

# Computed tables stay in this process (pickling a 100k-row frame through the cache backend on
# every request would cost more than it saves), keyed on the data version every process reads from
# the database and on the day (lists in force today), so every worker drops its tables when an upload
# is approved or a target edited.
_memo = {"version": None, "tables": {}, "awaited": False}
MEMO_LIMIT = 64


def _memo_key():
    return f"{versioning.key()}:{datetime.date.today().isoformat()}"


def _cached(key, compute, wait=True):
    version = _memo_key()
    if _memo["version"] != version:
        _memo["version"], _memo["tables"] = version, _stored_tables(version, wait=False)
        _memo["awaited"] = bool(_memo["tables"])
    tables = _memo["tables"]
    if key not in tables and wait and not _memo["awaited"]:
        # Before computing, wait for the tables the writer is building (if it is): every worker computing them at
        # once beside it would cost the same work five times over. The navigation, which every page shows (an
        # upload's page too, right after its confirm), is cheap and computed at once instead.
        _memo["awaited"] = True
        tables.update(_stored_tables(version, wait=True))
    if key not in tables:
        if len(tables) >= MEMO_LIMIT:
            tables.pop(next(iter(tables)))
        tables[key] = compute()
    return tables[key]


@functools.cache
def release():
    """What the stored tables and rendered bodies depend on beside the data and the day: the code that computes
    them, the templates and translations that render them, the settings it reads and the pickle format of pandas and numpy (a
    deploy never serves what an older release made)."""
    digest = hashlib.sha256()
    base = Path(settings.BASE_DIR)
    for path in sorted([*(base / "targets").rglob("*.py"), *(base / "indicators").rglob("*.py"),
                        *(base / "templates").rglob("*.html"), *(base / "locale").rglob("*.po")]):  # fmt: skip
        digest.update(path.read_bytes())
    digest.update(repr((settings.GAP_STATUS_THRESHOLDS, settings.AS_OF_COVERAGE)).encode())
    digest.update(f"{pd.__version__} {np.__version__}".encode())
    return digest.hexdigest()[:16]


def page_version():
    """What cached page bodies and fragments are keyed on: the data version and the release."""
    return f"{versioning.key()}.{release()}"


def _stored_tables(version, wait):
    # The tables are our own pickle, read from our own database: whoever could write that row could already
    # change every figure the dashboard shows.
    # A request whose own commit made this version builds its tables after its response: it must not wait for them.
    wait = wait and not getattr(_pending, "build", False)
    data = versioning.stored_tables(f"{version}:{release()}", wait=wait)
    return pickle.loads(data) if data else {}


_pending = threading.local()
logger = logging.getLogger(__name__)


def on_moved(**_signal):
    """A receiver of versioning.moved: build the new version's tables now (the command line) or, when the commit
    came from a request, once its response has been sent (request_finished), so the user who approved an upload
    does not wait for them."""
    if versioning.in_request():
        _pending.build = True
    else:
        build_snapshot()


def after_response(**_signal):
    """A receiver of request_finished: the build a request's commit asked for."""
    if getattr(_pending, "build", False):
        _pending.build = False
        try:
            build_snapshot()
        except Exception:  # the data is committed and the response sent: readers compute what this could not
            logger.exception("building the tables of the new data version failed")


def build_snapshot():
    """Build the tables every page starts from for the version just committed and store them with it (a
    receiver of versioning.moved, run in the writer's process after its commit). They are stored only if that
    version is still the newest when they are done: a later commit's writer stores its own."""
    with versioning.pinned() as version:
        key = _memo_key()
        if versioning.tables_key() == f"{key}:{release()}":
            return
        try:
            _memo.update(version=key, tables={}, awaited=True)  # the builder waits for nobody
            for table in (navigation, filter_choices, year_choices, gap_table, composite_table, document_titles,
                          scope_names, english_names, shares_of):  # fmt: skip
                table()
            _aggregated(None, False)
            data = pickle.dumps(dict(_memo["tables"]), protocol=pickle.HIGHEST_PROTOCOL)
            versioning.store_tables(version, f"{key}:{release()}", data)
        except BaseException:
            versioning.build_failed(version)  # the readers waiting for these tables compute their own
            raise


def regions():
    """Every region, with the demo flag (one query per data version, shared by the navigation and the engine)."""
    return _cached("regions", selectors.regions_frame, wait=False)


def inputs(include_submitted=False):
    """Engine inputs, kept per data version (a fixed number of queries on a miss, none on a hit)."""
    return _cached(
        f"inputs:{int(include_submitted)}",
        lambda: selectors.engine_inputs(include_submitted, regions=regions()),
    )


def years():
    """The years with approved data, oldest first; without any, last calendar year (statistics lag a year)."""
    years = _cached("years", lambda: sorted(int(y) for y in inputs().observations["year"].unique()))
    return years or [datetime.date.today().year - 1]


def year_coverage():
    """How many current counties reported each year the base indicators of the current plan's targets
    (targets/coverage.py), the plan being the document that ends last."""

    def compute():
        data = inputs()
        current = data.documents["document"].iloc[:1]
        used = data.targets.loc[data.targets["document"].isin(current), "indicator_code"] if len(data.targets) else []
        counties = data.regions[(data.regions["level"] == "county") & data.regions["valid_to"].isna()]["code"]
        codes = coverage.base_codes(used, data.indicators)
        return coverage.year_coverage(data.observations, codes, counties, settings.AS_OF_COVERAGE)

    return _cached("year_coverage", compute)


def default_as_of():
    """The latest year at least settings.AS_OF_COVERAGE of the counties reported (never a partial year
    while a complete one exists)."""
    return _cached("default_as_of", lambda: coverage.default_year(year_coverage(), years()[-1]))


def year_choices():
    """Every year with approved data, newest first, with its coverage: [{year, reported, total, partial}] (kept
    per data version: every data page's year bar asks)."""

    def compute():
        found = year_coverage().set_index("year")
        total = int(found["total"].iloc[0]) if len(found) else len(county_names())
        return [
            {"year": y, "reported": int(found["reported"].get(y, 0)), "total": total,
             "partial": bool(found["partial"].get(y, True))}
            for y in reversed(years())
        ]  # fmt: skip

    return _cached("year_choices", compute)


def gap_table(scopes=None, *, as_of=None, role=None, document=None, include_submitted=False):
    """Gap rows of every scope (computed once per data version), filtered to `scopes` when given."""
    as_of = as_of or default_as_of()
    key = f"gaps:{as_of}:{role}:{document}:{int(include_submitted)}"

    def compute():
        data = inputs(include_submitted)
        targets = data.targets
        if document:
            targets = targets[targets["document"] == document]
        # A plan whose target year has passed is judged at that year, with the data it had then:
        # a 2017 goal is not measured against 2024 figures.
        table = gaps.compute_gaps(
            targets.assign(scope=targets["scope_key"]) if len(targets) else targets,
            data.observations,
            data.indicators,
            data.scopes,
            data.members,
            as_of,
            lineage=data.lineage,
            thresholds=settings.GAP_STATUS_THRESHOLDS,
            role=role,
            past_targets_at_their_year=True,
            aggregated=_aggregated(role, include_submitted),
        )
        table = _with_basis(table, data)
        table = _explained(table, targets, data)
        labels = targets.set_index("target_id")[["label", "policy_input", "value", "target_year_inferred"]]
        table = table.join(labels.rename(columns={"value": "target_value_document"}), on="target_id")
        names = data.indicators.set_index("code")["name"]
        table["indicator_name"] = table["indicator_code"].map(names)
        return table

    table = _cached(key, compute)
    return table if scopes is None else table[table["scope"].isin(scopes)]


def _with_basis(table, data):
    """``basis`` of each row: 'cluster' where a cluster figure comes from core-area series, 'county' where it sums
    its counties' whole figures, None for other scopes."""
    members = data.members.groupby("scope")["region_code"].agg(list)
    rows = table[["scope", "indicator_code"]].assign(members=table["scope"].map(members))
    rows["members"] = rows["members"].apply(lambda m: m if isinstance(m, list) else [])
    return table.assign(basis=gaps.core_area_basis(rows, data.observations, data.indicators))


def _explained(table, targets, data):
    """The engine's rows said the way people read them: scopes without their list date, which goes to
    ``membership_as_of`` (ISO; today for a group or cluster figure, empty where no list is used); a row at its
    own scope for every outcome target the engine gave none; and ``missing`` saying what a row without a
    result lacks (名单未录入, 门槛待设定, or 缺少 <scope> <indicator> <years>)."""
    today = datetime.date.today()
    catalog = data.catalog
    outcome = targets[~targets["policy_input"].astype(bool)] if len(targets) else targets
    own = set(table.loc[~table["benchmark"], "target_id"])
    absent = outcome[~outcome["target_id"].isin(own)]
    if len(absent):
        extra = pd.DataFrame(
            {
                "scope": absent["scope_key"].to_numpy(),
                "target_scope": absent["scope_key"].to_numpy(),
                "target_id": absent["target_id"].to_numpy(),
                "document": absent["document"].to_numpy(),
                "indicator_code": absent["indicator_code"].to_numpy(),
                "kind": absent["kind"].to_numpy(),
                "comparator": absent["comparator"].to_numpy(),
                "target_value": absent["value"].to_numpy(dtype=float),
                "target_year": absent["target_year"].to_numpy(),
                "unit": absent["unit"].to_numpy(),
                "status": gaps.INSUFFICIENT_DATA,
                "benchmark": False,
                "reported": False,
            }
        )
        table = pd.concat([table, extra], ignore_index=True)
    # a target on an industry-bound indicator (规上制造业 …) was measured at its industry: its own row is its scope's
    declared = table["target_id"].map(targets.set_index("target_id")["scope"]) if len(targets) else table["scope"]
    bound = (table["scope"] == table["target_scope"]) & table["target_scope"].str.startswith("sector:")
    bound &= ~declared.fillna("").str.startswith("sector:")
    table.loc[bound, "scope"] = table.loc[bound, "target_scope"] = declared[bound]
    engine_scope, target_key = table["scope"], table["target_scope"]
    split = {key: scopes.undated(key) for key in pd.unique(pd.concat([engine_scope, target_key]))}
    table["scope"] = engine_scope.map({key: plain for key, (plain, _day) in split.items()})
    table["target_scope"] = target_key.map({key: plain for key, (plain, _day) in split.items()})
    listed = {key: key.startswith("clusters:") or _uses_list(key, catalog) for key in table["scope"].unique()}
    dated = target_key.map({key: day.isoformat() for key, (_plain, day) in split.items() if day})
    today_if_listed = table["scope"].map({key: today.isoformat() if used else "" for key, used in listed.items()})
    table["membership_as_of"] = dated.where(dated.notna(), today_if_listed)

    sizes = data.members.groupby("scope").size()
    rules = data.groupings[(data.groupings["kind"] == "group") & (data.groupings["group_kind"] == "threshold")]
    pending = {
        f"group:{slug}"
        for slug, lc, lv, uc, uv in rules[["slug", *selectors.RULE_COLUMNS[2:]]].drop_duplicates("slug").values
        if (lc and pd.isna(lv)) or (uc and pd.isna(uv)) or not (lc or uc)
    }
    plan = targets.set_index("target_id")
    base = plan["base_year"].astype("Float64").fillna(plan["period_start"] - 1).to_dict() if len(plan) else {}
    names = data.indicators.set_index("code")["name"]

    @functools.cache
    def reason(scope, key):
        """(whole text, or None to name the data) of a blank row at ``scope`` of a target keyed ``key``."""
        plain, day = scopes.undated(key)
        try:
            group = scopes.validate(plain, catalog).group_key
        except ValueError:
            return f"范围未知：{plain}", None
        if not group.startswith(("group:", "cluster:")):  # a benchmark: the row's own scope holds the list
            group, day = scope, None
        if group in pending:
            return "门槛待设定", None
        if group.startswith(("group:", "cluster:")) and not sizes.get(scopes.dated(group, day, catalog), 0):
            return "名单未录入", None
        return None, " ".join(
            ["缺少", scopes.label(scope, catalog), *(["分行业"] if scope.startswith("sector:") else [])]
        )

    counted = plan["threshold_members"].dropna().to_dict() if len(plan) else {}
    threshold = plan["threshold_indicator"].dropna().to_dict() if len(plan) else {}

    def missing(scope, key, status, target, indicator, year):
        if status != gaps.INSUFFICIENT_DATA:
            return ""
        text, words = reason(scope, key)
        if text:
            return text
        first = base.get(target)
        years = f"{int(first)}–{int(year)}" if first is not None and pd.notna(first) else f"{int(year)}"
        if target in threshold:  # a count of units passing a bar needs each unit's figure
            unit = UNITS_COUNTED.get(counted.get(target), counted.get(target))
            return f"{words} 各{unit}的 {names.get(threshold[target], threshold[target])} {years}"
        return f"{words} {names.get(indicator, indicator)} {years}"

    table["missing"] = [
        missing(s, k, st, t, i, y)
        for s, k, st, t, i, y in zip(
            table["scope"], target_key, table["status"], table["target_id"], table["indicator_code"],
            table["target_year"], strict=True,
        )
    ]  # fmt: skip
    return table.sort_values(["scope", "benchmark", "target_id"], ignore_index=True)


# what a 达标 count counts (threshold_members), as a blank row names it
UNITS_COUNTED = {"county": "县（市、区）", "zone": "园区", "town": "小镇", "cluster": "集群", "enterprise": "企业",
                 "project": "项目", "cluster_core": "集群核心区"}  # fmt: skip


def _uses_list(key, catalog):
    try:
        return scopes.uses_list(scopes.validate(key, catalog), catalog)
    except ValueError:
        return False


def _aggregated(role, include_submitted):
    """The aggregate of every scope, indicator and year: the gap tables and the series read the same one."""

    def compute():
        data = inputs(include_submitted)
        return gaps.Aggregate.of(data.observations, data.indicators, data.scopes, data.members, data.lineage, role)

    return _cached(f"aggregate:{role}:{int(include_submitted)}", compute)


def aggregate_series(scopes, indicator_codes=None, *, role=None, include_submitted=False):
    """Yearly values of the scopes (ratio of sums for derived indicators)."""
    return _aggregated(role, include_submitted).frame(scopes, indicator_codes or None)


def filter_choices():
    """The heatmap filters' options (every overview request checks its parameters against them)."""
    data = inputs()
    return _cached("filter_choices", lambda: pages.filter_choices(data.regions, data.groupings))


def predecessors(code):
    """The units a region was formed from (no query beyond the engine inputs)."""
    data = inputs()
    return selectors.predecessors(code, data.predecessor_links, data.regions)


def county_names():
    """Current county code → name."""
    frame = regions()
    return dict(frame[(frame["level"] == "county") & frame["valid_to"].isna()][["code", "name"]].values)


def composite_table(as_of=None, include_submitted=False):
    """Counties' composite score (综合评价) with ranks in the province, their city and their groups."""
    as_of = as_of or default_as_of()
    key = f"composite:{as_of}:{int(include_submitted)}"

    def compute():
        data = inputs(include_submitted)
        weighted = data.targets[data.targets["weight"].notna()]  # the targets admins gave a weight
        counties = data.regions[(data.regions["level"] == "county") & data.regions["valid_to"].isna()]
        # today's lists (a group as of a target's date is the engine's, not a ranking of its own)
        groups = data.members[data.members["scope"].str.startswith("group:") & ~data.members["scope"].str.contains("@")]
        groups = groups.drop_duplicates(["scope", "region_code"])
        group_lists = groups.groupby("region_code")["scope"].agg(list)
        regions = pd.DataFrame(
            {
                "scope": "county:" + counties["code"],
                "city_scope": "city:" + counties["parent_code"],
                "groups": counties["code"].map(group_lists).map(lambda g: g if isinstance(g, list) else []).values,
                "name": counties["name"].values,
                "code": counties["code"].values,
            }
        )
        table = gap_table([s for s in regions["scope"]], as_of=as_of, include_submitted=include_submitted)
        scores = gaps.composite_score(table, dict(weighted[["target_id", "weight"]].values), regions)
        return scores.merge(regions[["scope", "name", "code", "city_scope"]], on="scope", how="inner").sort_values(
            ["rank_province", "code"], na_position="last"
        )

    return _cached(key, compute)


def scope_names():
    """Region codes and group/cluster slugs → names, for labelling scopes (a template filter asks once a row)."""
    data = inputs()
    return _cached(
        "scope_names",
        lambda: dict(data.regions[["code", "name"]].values) | dict(data.groupings[["slug", "name"]].values),
    )


def english_names():
    """English names of indicators, regions, groups and clusters (selectors.english_names), kept per data version."""
    return _cached("english_names", selectors.english_names)


def shares_of():
    """target_id → the scope a share target is a share of (share_of), for targets that have one."""
    return _cached("shares_of", lambda: {t: s for t, s in inputs().targets[["target_id", "share_of"]].values if s})


def document_titles():
    return _cached("document_titles", lambda: dict(inputs().documents[["document", "document_title"]].values))


def navigation():
    """The county selector's entries and whether demo statistics are shown (kept per data version: every page asks)."""

    def compute():
        frame = regions()
        # the jump box suggests the current cities, then the current counties (it also finds groups by name)
        current = frame[frame["level"].isin(["city", "county"]) & frame["valid_to"].isna()]
        places = current.sort_values(["level", "code"])  # "city" sorts before "county"
        return {"nav_counties": pages.records(places[["code", "name"]]), "demo_data": bool(frame["demo_data"].any())}

    return _cached("navigation", compute, wait=False)
