"""赛马: the core (coordination) areas of every provincial 415X cluster side by side, ranked by their cluster's
revenue. Pure (no Django import): memberships and observations come in as DataFrames (targets/selectors.py).

A membership's figure is its cluster's own series in that county where the cluster has one, else the
county's whole figure (gaps.core_area_fallback: the one rule, shared with the gap engine), and ``basis``
says which."""

import numpy as np
import pandas as pd

from . import gaps

__all__ = ["RECORD_FIELDS", "league"]

# the cluster_race contract, then what the league table shows beside it
RECORD_FIELDS = ["cluster", "cluster_name", "region_code", "region_name", "role", "since", "revenue", "growth", "rank",
                 "rank_change"]  # fmt: skip
EXTRA_FIELDS = ["until", "designation_round", "previous_role", "basis", "tax_per_mu", "is_demo", "confidence"]

REVENUE = "revenue"
TAX, LAND, TAX_PER_MU_FACTOR = "industrial_tax", "industrial_land", 10000.0  # 亿元 / 亩 → 万元/亩


def _in_year(m: pd.DataFrame, year: int) -> pd.Series:
    """Memberships in force at some time in ``year`` (since ≤ 31 Dec, until after 1 Jan; empty dates open)."""
    first, last = pd.Timestamp(year, 1, 1), pd.Timestamp(year, 12, 31)
    return (m["since"].isna() | (m["since"] <= last)) & (m["until"].isna() | (m["until"] > first))


def _at_year_end(m: pd.DataFrame, year: int) -> pd.Series:
    """Memberships still in force on 31 December of ``year``: the ones ranked that year."""
    last = pd.Timestamp(year, 12, 31)
    return (m["since"].isna() | (m["since"] <= last)) & (m["until"].isna() | (m["until"] > last))


def _figures(observations: pd.DataFrame, m: pd.DataFrame, codes: list[str]) -> pd.DataFrame:
    """(area, indicator_code, year) → value for the memberships' areas, on the fallback rule's basis."""
    members = pd.DataFrame({"scope": "race", "region_code": m["area"].unique()})
    obs = observations[observations["indicator_code"].isin(codes)]
    obs = gaps.core_area_fallback(obs, members)
    cluster = obs["cluster"].fillna("") if "cluster" in obs.columns else pd.Series("", index=obs.index)
    industry = obs["industry"].fillna("") if "industry" in obs.columns else pd.Series("", index=obs.index)
    code = obs["region_code"].astype(str)
    area = code.where(cluster == "", code + gaps.CORE_AREA_SEP + cluster)
    obs = obs.assign(area=area)[industry == ""]
    return obs[obs["area"].isin(set(members["region_code"]))].drop_duplicates(
        ["area", "indicator_code", "year"], keep="last"
    )


def league(memberships: pd.DataFrame, observations: pd.DataFrame, year: int, role: str | None = None):
    """One record per membership of a provincial cluster in force during ``year`` (RECORD_FIELDS, then
    EXTRA_FIELDS), ranked by revenue within its role across all clusters (1 = the largest; a tie shares the
    better rank; no figure, or removed before the year's end: no rank). ``rank_change`` is last year's rank
    minus this year's (+2: up two places), None where either is missing. ``growth`` is the revenue change on
    last year in %, on the same basis.

    ``memberships``: cluster, cluster_name, region_code, region_name, role, since, until, designation_round,
    confidence, is_demo (every provincial membership, past ones too). Example: revenues 1243 (柯桥), 1500
    (海宁), 800 (义乌) as core areas rank 2, 1, 3."""
    m = memberships[memberships["role"].isin([role] if role else ["core", "coordination"])].copy()
    for col in ("since", "until"):
        m[col] = pd.to_datetime(m[col])
    m["area"] = [gaps.core_area_code(c, s) for c, s in zip(m["region_code"], m["cluster"], strict=True)]
    earlier = memberships.assign(since=pd.to_datetime(memberships["since"]))
    m["previous_role"] = [_previous_role(earlier, r) for r in m.itertuples()]

    fig = _figures(observations, m, [REVENUE, TAX, LAND])
    # the basis of the revenue a membership is ranked by (its 亩均 follows the same rule for its own parts)
    own = set(fig.loc[(fig["cluster"].fillna("") != "") & (fig["indicator_code"] == REVENUE), "cluster"])
    value = fig.set_index(["area", "indicator_code", "year"])["value"]

    def of(code, y):
        keys = pd.MultiIndex.from_arrays([m["area"], [code] * len(m), [y] * len(m)])
        return value.reindex(keys).to_numpy(dtype=float)

    out = m.assign(
        revenue=of(REVENUE, year),
        _previous=of(REVENUE, year - 1),
        tax_per_mu=of(TAX, year) / of(LAND, year) * TAX_PER_MU_FACTOR,
        basis=["cluster" if s in own else "county" for s in m["cluster"]],
    )
    with np.errstate(all="ignore"):
        out["growth"] = (out["revenue"] / out["_previous"] - 1) * 100
    out["tax_per_mu"] = out["tax_per_mu"].replace([np.inf, -np.inf], np.nan)
    out["growth"] = out["growth"].replace([np.inf, -np.inf], np.nan)
    now = out[_in_year(out, year)].copy()
    now["rank"] = _rank(now, _at_year_end(now, year), now["revenue"])
    before = out[_at_year_end(out, year - 1)].copy()
    before["rank"] = _rank(before, pd.Series(True, index=before.index), before["_previous"])
    last = before.set_index(["cluster", "region_code", "role"])["rank"]
    keys = pd.MultiIndex.from_frame(now[["cluster", "region_code", "role"]])
    now["rank_change"] = last.reindex(keys).to_numpy(dtype=float) - now["rank"].to_numpy(dtype=float)
    for col in ("since", "until"):  # ISO dates, as every export writes them
        now[col] = [None if pd.isna(d) else d.date().isoformat() for d in now[col]]
    now["rank"] = now["rank"].astype("Int64")
    now["rank_change"] = now["rank_change"].astype("Int64")
    now["designation_round"] = now["designation_round"].astype("Int64")
    now = now.sort_values(["role", "rank", "cluster", "region_code"], na_position="last", ignore_index=True)
    return now[RECORD_FIELDS + EXTRA_FIELDS]


def _rank(frame: pd.DataFrame, ranked: pd.Series, revenue: pd.Series) -> pd.Series:
    """Rank by revenue within each role, 1 = the largest (ties share the better rank)."""
    values = revenue.where(ranked)
    return values.groupby(frame["role"]).rank(method="min", ascending=False)


def _previous_role(memberships: pd.DataFrame, row) -> str | None:
    """The role this county held in this cluster just before this membership began (协同区 → 核心区)."""
    if pd.isna(row.since):
        return None
    mine = memberships[
        (memberships["cluster"] == row.cluster)
        & (memberships["region_code"] == row.region_code)
        & (pd.to_datetime(memberships["until"]) <= row.since)
    ]
    if not len(mine):
        return None
    return str(mine.sort_values("until").iloc[-1]["role"])


def area_label(code: str, regions: dict, clusters: dict) -> str:
    """A counted unit as people read it: area_label("330603#textiles-apparel", …) == "柯桥区·现代纺织与服装"."""
    county, _sep, slug = str(code).partition(gaps.CORE_AREA_SEP)
    name = regions.get(county, county)
    return f"{name}·{clusters.get(slug, slug)}" if slug else name


def targets_met(gap_rows: pd.DataFrame) -> dict:
    """Cluster slug → (targets achieved, targets with a result) from the gap rows of its cluster:SLUG scope."""
    rows = gap_rows[gap_rows["scope"].str.fullmatch(r"cluster:[^:@]+") & (gap_rows["status"] != "insufficient_data")]
    slugs = rows["scope"].str.slice(len("cluster:"))
    met = (rows["status"] == "achieved").groupby(slugs).sum()
    judged = slugs.value_counts()
    return {slug: (int(met.get(slug, 0)), int(n)) for slug, n in judged.items()}


def league_rows(table: pd.DataFrame, cities: dict, met: dict, awarded: set, cluster=None, city=None) -> pd.DataFrame:
    """The league as the page lists it: the city's name, the cluster's targets met ("3/17"), the 天工鼎 flag and
    ``change`` (a promotion or a removal to show), narrowed to one cluster and/or one city."""
    rows = table
    if cluster:
        rows = rows[rows["cluster"] == cluster]
    if city:
        rows = rows[rows["region_code"].map(lambda code: cities.get(code, ("", ""))[0]) == city]
    rows = rows.assign(
        city=[cities.get(code, ("", ""))[1] for code in rows["region_code"]],
        targets_met=[f"{met[s][0]}/{met[s][1]}" if s in met else None for s in rows["cluster"]],
        tiangong=rows["region_code"].isin(awarded),
        change=[bool(p) or bool(u) or None for p, u in zip(rows["previous_role"], rows["until"], strict=True)],
    )
    return rows
