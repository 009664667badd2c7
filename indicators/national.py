"""The Netherlands as reference: every CBS indicator the national kerncijfers support, for the
Netherlands, every gemeente and every wijk of the country, and what a gemeente's compass shows
of them.

The same declared models compute it as they compute an edition (``indicators/sql``: areas,
members, measures, ratios), on a scratch database holding the national figures
(``national_values``, one year) as ``cbs_values`` and these areas:

* the Netherlands (``NL00``, level ``land``), every gemeente and every wijk, each with its own
  CBS figure (rank 0) and its buurten;
* the gemeente's own areas on that year's buurten: its gebieden and the wijken and gebieden of
  every own layout (so an own wijk's 2023 figure is summed from its buurten, like its compass
  figure is);
* the comparable gemeenten as one group (model ``group_values``: their summed numerators over
  their summed denominators, never a mean of percentages): the ``count`` most similar gemeenten
  on composition, or a named group (``national`` in indicators/statistics.yml).

From those values:

* ``national_reference``: per area of the gemeente's compass and indicator, the area's value,
  the gemeente's, the Netherlands', the comparable gemeenten' (all of the national year), and
  for wijken their national position: the share of Dutch wijken (CBS's own wijk figures) with a
  lower value;
* ``national_similar_wijken``: per wijk of the gemeente (CBS and own) the most similar Dutch
  wijken outside the gemeente on composition, the method of ``indicators.similar``.
"""

from __future__ import annotations

from dataclasses import dataclass

import duckdb
import numpy as np
import pandas as pd

from indicators import engine
from indicators.catalogue import Catalogue
from indicators.models import run_models
from indicators.similar import nearest

LAND = "NL00"


@dataclass(frozen=True)
class NationalReference:
    values: pd.DataFrame  # every area of the scratch run x indicator: raw value, reason
    reference: pd.DataFrame  # national_reference
    similar: pd.DataFrame  # national_similar_wijken
    comparable: pd.DataFrame  # the comparable gemeenten (rank, code, name, distance)
    year: int


def _scratch(con: duckdb.DuckDBPyConnection, gemeente: str, area_year: int) -> tuple:
    """A scratch database with the national figures and areas in the tables the models read."""
    year = con.execute("SELECT max(year) FROM national_values").fetchone()[0]
    scratch = duckdb.connect()
    national = con.execute(
        "SELECT year, area_code, area_level, area_name, variable, value, status "
        "FROM national_values WHERE year = ?",
        [year],
    ).arrow()
    scratch.register("_national", national)
    scratch.execute("CREATE TABLE cbs_values AS SELECT * FROM _national")
    scratch.unregister("_national")
    geography = con.execute(
        "SELECT area_code, area_level, area_name, gemeente_code, wijk_code FROM national_areas "
        "WHERE year = ?",
        [year],
    ).df()
    # the gemeente's own areas (its gebieden, every own layout) on the buurten they have now
    own = con.execute(
        """SELECT a.layout, a.area_level, a.area_code, a.area_name, b.buurt_code
           FROM areas a JOIN area_buurten b USING (year, layout, area_level, area_code)
           WHERE a.year = ? AND a.area_level IN ('wijk', 'gebied')
             AND (a.layout <> 'cbs' OR a.area_level = 'gebied')""",
        [area_year],
    ).df()
    buurten = geography[geography["area_level"] == "buurt"]
    columns = ["layout", "area_level", "area_code", "area_name"]
    areas = pd.concat(
        [
            geography.loc[geography["area_level"] != "buurt", columns[1:]].assign(layout="cbs"),
            own.drop_duplicates(columns[:3])[columns],
        ],
        ignore_index=True,
    )[columns]
    areas.insert(0, "year", year)
    areas["parent_code"] = None
    # every buurt in its wijk, its gemeente and the Netherlands; own areas on national buurten
    members = pd.concat(
        [
            pd.DataFrame(
                {
                    "layout": "cbs",
                    "area_level": level,
                    "area_code": codes,
                    "buurt_code": buurten["area_code"].to_numpy(),
                }
            )  # fmt: skip
            for level, codes in (
                ("wijk", buurten["wijk_code"].to_numpy()),
                ("gemeente", buurten["gemeente_code"].to_numpy()),
                ("land", LAND),
            )
        ]
        + [own.loc[own["buurt_code"].isin(buurten["area_code"]), columns[:3] + ["buurt_code"]]],
        ignore_index=True,
    )
    members.insert(0, "year", year)
    for name, frame in (("areas", areas), ("area_buurten", members)):
        scratch.register("_frame", frame)
        scratch.execute(f"CREATE TABLE {name} AS SELECT * FROM _frame")
        scratch.unregister("_frame")
    scratch.execute("CREATE TABLE harmonised_areas AS SELECT * FROM areas WHERE false")
    scratch.execute(
        "CREATE TABLE harmonised_area_buurten AS SELECT * FROM area_buurten WHERE false"
    )
    scratch.execute(
        "CREATE TABLE register_values (year BIGINT, area_code VARCHAR, area_level VARCHAR, "
        "variable VARCHAR, value DOUBLE)"
    )
    _rivm_tables(con, scratch, year)
    return scratch, year, geography


RIVM_LAND = "NL01"  # RIVM's code of the Netherlands (CBS's: NL00)


def _rivm_tables(con, scratch, year: int) -> None:
    """RIVM's estimates (``rivm_values`` of the warehouse: the country's gemeenten and wijken,
    the gemeente's buurten) and their crosswalk onto the scratch areas: an area whose code RIVM
    has takes RIVM's figure (the Netherlands: NL01 for NL00). No RIVM source: empty tables."""
    has = con.execute(
        "SELECT count(*) FROM duckdb_tables() WHERE table_name = 'rivm_values'"
    ).fetchone()[0]
    columns = "year BIGINT, area_code VARCHAR, area_level VARCHAR, variable VARCHAR, value DOUBLE"
    scratch.execute(f"CREATE TABLE rivm_values ({columns})")
    if has:
        rows = con.execute(
            "SELECT year, area_code, area_level, variable, value FROM rivm_values"
        ).arrow()
        scratch.register("_rivm", rows)
        scratch.execute("INSERT INTO rivm_values SELECT * FROM _rivm")
        scratch.unregister("_rivm")
    scratch.execute(
        """CREATE TABLE rivm_crosswalk AS
           WITH codes AS (
               SELECT area_level, area_code FROM areas WHERE layout = 'cbs'
               UNION SELECT 'buurt', buurt_code FROM area_buurten)
           SELECT $year::BIGINT AS area_year, area_level, area_code,
                  CASE WHEN area_code = $land THEN $rivm_land ELSE area_code END AS source_code,
                  'same_code' AS method, 1.0 AS share
           FROM codes
           WHERE area_code = $land
              OR area_code IN (SELECT DISTINCT area_code FROM rivm_values)""",
        {"year": year, "land": LAND, "rivm_land": RIVM_LAND},
    )


def _rivm_year(scratch, year: int) -> int | None:
    """RIVM's latest measurement of the national year or before (2020 for 2023)."""
    found = scratch.execute("SELECT max(year) FROM rivm_values WHERE year <= ?", [year]).fetchone()[
        0
    ]
    return None if found is None else int(found)


def _plan(scratch, year: int) -> engine.EditionPlan:
    return engine.EditionPlan(year, year, (year,), year, None, _rivm_year(scratch, year))


def _indicator_values(scratch, catalogue, settings, year: int) -> pd.DataFrame:
    """Every CBS indicator of every area of the scratch database (ratio_values) and every RIVM
    indicator (rivm_estimates, RIVM's latest measurement: ``period``)."""
    inputs = engine.Inputs(catalogue, None, settings, _plan(scratch, year), sources=("cbs",))
    params = engine._params(inputs)
    run_models(
        scratch,
        engine.all_models(),
        ["ratio_values", "rivm_estimates"],
        params,
        {"inputs": inputs},
        keep=["measure_totals", "edition_areas", "ratio_defs", "rivm_defs", "measure_sources"],
    )
    return scratch.execute(
        """SELECT a.layout, a.area_level, a.area_code, a.area_name, d.indicator_id,
                  r.raw_value, r.missing, $year::BIGINT AS period
           FROM ratio_values r JOIN edition_areas a USING (area_id)
           JOIN ratio_defs d USING (indicator_key)
           UNION ALL
           SELECT a.layout, a.area_level, a.area_code, a.area_name, d.indicator_id,
                  e.raw_value, e.missing, e.period
           FROM rivm_estimates e JOIN edition_areas a USING (area_id)
           JOIN rivm_defs d USING (indicator_key)
           WHERE e.missing IS DISTINCT FROM 'no_rivm'""",
        {"year": year},
    ).df()


def _wide(values: pd.DataFrame, level: str, indicators: list[str]) -> pd.DataFrame:
    part = values[(values["layout"] == "cbs") & (values["area_level"] == level)]
    part = part[part["indicator_id"].isin(indicators) & part["missing"].isna()]
    return part.pivot_table(index="area_code", columns="indicator_id", values="raw_value")


def comparable_gemeenten(values: pd.DataFrame, gemeente: str, settings: dict) -> pd.DataFrame:
    """The gemeenten the gemeente is compared with: named in the settings, or its nearest on
    composition (``national.composition``, standardised across every gemeente)."""
    chosen = settings["national"]["comparable_gemeenten"]
    if chosen.get("gemeenten"):
        return pd.DataFrame(
            {"rank": range(1, len(chosen["gemeenten"]) + 1), "area_code": chosen["gemeenten"],
             "distance": np.nan, "group_name": chosen["name"]}
        )  # fmt: skip
    indicators = settings["national"]["composition"]
    wide = _wide(values, "gemeente", indicators)
    found = nearest(wide, [gemeente], pool=wide.index.difference([gemeente]),
                    count=chosen["count"], indicators=len(indicators))  # fmt: skip
    found = found.drop(columns="area_code").rename(columns={"similar_code": "area_code"})
    return found[["rank", "area_code", "distance"]].assign(group_name=None)


def compute_reference(
    con: duckdb.DuckDBPyConnection,
    catalogue: Catalogue,
    settings: dict,
    gemeente: str,
    area_year: int,
) -> NationalReference:
    """The national reference of ``gemeente``'s compass on ``area_year`` (see module doc)."""
    scratch, year, geography = _scratch(con, gemeente, area_year)
    values = _indicator_values(scratch, catalogue, settings, year)
    comparable = comparable_gemeenten(values, gemeente, settings)
    group = f"VG{gemeente[2:]}"  # vergelijkbare gemeenten
    scratch.register(
        "_groups", pd.DataFrame({"group_code": group, "member_code": comparable["area_code"]})
    )
    scratch.execute("CREATE TABLE area_groups AS SELECT * FROM _groups")
    inputs = engine.Inputs(catalogue, None, settings, _plan(scratch, year), sources=("cbs",))
    run_models(
        scratch,
        engine.all_models(),
        ["group_values", "rivm_group_values"],
        engine._params(inputs),
        {"inputs": inputs},
        sources=[
            "measure_totals",
            "edition_areas",
            "ratio_defs",
            "rivm_defs",
            "rivm_estimates",
            "measure_sources",
        ],  # fmt: skip
    )
    grouped = scratch.execute(
        "SELECT 'cbs' AS layout, 'groep' AS area_level, group_code AS area_code, "
        "NULL AS area_name, indicator_id, raw_value, missing, $year::BIGINT AS period "
        "FROM group_values UNION ALL "
        "SELECT 'cbs', 'groep', group_code, NULL, indicator_id, raw_value, missing, period "
        "FROM rivm_group_values",
        {"year": year},
    ).df()
    values = pd.concat([values, grouped], ignore_index=True)
    names = geography.set_index("area_code")["area_name"]
    comparable["area_name"] = comparable["area_code"].map(names)
    reference = _reference(values, catalogue, gemeente, group)
    similar = _similar_wijken(values, geography, settings, gemeente, catalogue)
    scratch.close()
    return NationalReference(values, reference, similar, comparable, year)


def _reference(values, catalogue: Catalogue, gemeente: str, group: str) -> pd.DataFrame:
    """Per area of the gemeente's compass (its wijken, gebieden, the gemeente; own layouts'
    wijken and gebieden) and indicator with a national figure: its value, the gemeente's, the
    Netherlands', the comparable gemeenten', and a wijk's national position."""
    decimals = {i.id: i.decimals for i in catalogue.indicators}
    published = values[values["missing"].isna()]
    cbs = published[published["layout"] == "cbs"]
    keys = zip(cbs["area_code"], cbs["indicator_id"], strict=True)
    by = dict(zip(keys, cbs["raw_value"], strict=True))
    supported = sorted(set(published.loc[published["area_code"] == LAND, "indicator_id"]))
    wijk_code = values["area_code"].str.slice(2, 6)
    ours = values[
        ((values["layout"] == "cbs") & (values["area_level"].isin(["wijk", "gemeente"]))
         & (wijk_code == gemeente[2:]))
        | ((values["layout"] == "cbs") & (values["area_level"] == "gebied"))
        | (values["layout"] != "cbs")
    ]  # fmt: skip
    national_wijken = published[
        (published["layout"] == "cbs") & (published["area_level"] == "wijk")
    ]
    pools = {
        k: np.sort(v.to_numpy()) for k, v in national_wijken.groupby("indicator_id")["raw_value"]
    }
    rows = []
    for r in ours[ours["indicator_id"].isin(supported)].itertuples():
        value = None if isinstance(r.missing, str) else r.raw_value
        pool = pools.get(r.indicator_id, np.array([]))
        lower = int(np.searchsorted(pool, value, side="left")) if value is not None else None
        rows.append(
            {
                "layout": r.layout,
                "area_level": r.area_level,
                "area_code": r.area_code,
                "indicator_id": r.indicator_id,
                "area_value": value,
                "gemeente_value": by.get((gemeente, r.indicator_id)),
                "nederland_value": by.get((LAND, r.indicator_id)),
                "comparable_value": by.get((group, r.indicator_id)),
                "wijken_lower": lower if r.area_level == "wijk" else None,
                "wijken_compared": len(pool) if r.area_level == "wijk" else None,
                "reason": r.missing if isinstance(r.missing, str) else None,
                "decimals": decimals[r.indicator_id],
                "period": r.period,
            }
        )
    out = pd.DataFrame(rows)
    out["national_position"] = (100 * out["wijken_lower"] / out["wijken_compared"]).round(0)
    return out.astype({"wijken_lower": "Int64", "wijken_compared": "Int64"})


def _similar_wijken(values, geography, settings, gemeente: str, catalogue) -> pd.DataFrame:
    """Per wijk of the gemeente (CBS and own layouts) the most similar Dutch wijken outside it
    on composition (``national.composition``)."""
    indicators = settings["national"]["composition"]
    count = settings["national"]["similar_wijken"]
    wijken = values[values["area_level"] == "wijk"]
    key = wijken["layout"] + "|" + wijken["area_code"]
    wide = wijken.assign(key=key)[
        wijken["indicator_id"].isin(indicators) & wijken["missing"].isna()
    ].pivot_table(index="key", columns="indicator_id", values="raw_value")
    national = [k for k in wide.index if k.startswith("cbs|")]
    elsewhere = [k for k in national if k[6:10] != gemeente[2:]]
    targets = [k for k in wide.index if k not in elsewhere]
    # standardised against the Dutch wijken (CBS's own figures), the targets placed on that scale
    found = nearest(wide, targets, pool=elsewhere, count=count, indicators=len(indicators),
                    scale=wide.loc[national])  # fmt: skip
    if found.empty:
        return found
    found[["layout", "area_code"]] = found["area_code"].str.split("|", expand=True)
    found["similar_code"] = found["similar_code"].str.slice(4)
    geo = geography.set_index("area_code")
    found["similar_name"] = found["similar_code"].map(geo["area_name"])
    gm = found["similar_code"].map(geo["gemeente_code"])
    found["gemeente_code"] = gm
    found["gemeente_name"] = gm.map(geo["area_name"])
    key_figures = ["population", *indicators]  # shown side by side with the wijk's own
    published = values[values["missing"].isna() & (values["layout"] == "cbs")]
    figures = published[published["indicator_id"].isin(key_figures)].pivot_table(
        index="area_code", columns="indicator_id", values="raw_value"
    )
    for figure in key_figures:
        found[figure] = found["similar_code"].map(figures[figure]) if figure in figures else None
    found["compared_on"] = found["compared_on"].astype(int)
    found["compared_of"] = len(indicators)
    return found[["layout", "area_code", "rank", "similar_code", "similar_name",
                  "gemeente_code", "gemeente_name", "distance", "compared_on", "compared_of",
                  *key_figures]]  # fmt: skip
