"""The area-programme budgets ("open begroting"): ``programme_budgets``.

The municipality's annual reports (``data/raw/budgets/``, kind ``budget``: real public documents,
not synthetic) give per gebiedsprogramma the begroting, realisatie and resultaat. Each report is
checksum-verified against its sidecar and read by ``ingest/budgets.py``; the table adds euros per
inhabitant from the CBS population of the gebied (``indicator_values``, today's areas), taken
from the edition whose population year is nearest the budget year among those that have a
population for every gebied with a programme that year. The content is checked by
``quality/rules/programme_budgets.yml``.
"""

from __future__ import annotations

import dagster as dg
import pandas as pd
from dagster_duckdb import DuckDBResource

from ingest.budgets import ROW_COLUMNS, programme_areas, read_programme_budgets
from ingest.errors import InputError
from ingest.snapshots import discover_snapshots, sidecar_path, verify_snapshot
from pipelines.assets.indicators import indicator_values
from pipelines.partitions import compass_asset
from pipelines.resources import read_table, write_table
from pipelines.settings import editions_config, raw_dir

GROUP = "budgets"
COLUMNS = [
    "year", "programme", "area_code", "area_level", "area_name", "begroting_eur",
    "realisatie_eur", "resultaat_eur", "population", "population_year", "population_edition",
    "begroting_per_inhabitant", "realisatie_per_inhabitant", "source_file", "source_line",
    "source_document", "synthetic",
]  # fmt: skip
POPULATION_SQL = """
SELECT edition AS population_edition, area_code, value AS population, period AS population_year
FROM indicator_values
WHERE indicator_id = 'population' AND layout = 'cbs' AND area_level IN ('gebied', 'gemeente')
  AND NOT suppressed AND value IS NOT NULL
"""


def _budget_snapshots() -> list[tuple]:
    return [(p, s) for p, s in discover_snapshots(raw_dir()) if s.kind == "budget"]


def read_budget_reports() -> pd.DataFrame:
    """Every budget report of data/raw/budgets/, verified and parsed, with its document."""
    cfg = editions_config()
    known = programme_areas(cfg.resolve(cfg.gebieden), cfg.gemeente, cfg.gemeente_name)
    frames = []
    for path, _ in _budget_snapshots():
        sidecar = verify_snapshot(path)
        frame = read_programme_budgets(path, known)
        year = int(frame["year"].iloc[0]) if len(frame) else None
        if sidecar.year != year:
            raise InputError(
                sidecar_path(path),
                "the sidecar's year differs from the year of the report's table",
                column="year",
                value=sidecar.year,
                expected=f"{year} (from 'Begroting {year}' in {path.name})",
            )
        frame["source_document"] = f"{sidecar.publisher}, {sidecar.title.split(':')[0]}"
        frame["synthetic"] = sidecar.synthetic
        frames.append(frame)
    if not frames:
        return pd.DataFrame(columns=[*ROW_COLUMNS, "source_document", "synthetic"])
    return pd.concat(frames, ignore_index=True)


def population_edition(year: int, gebieden: set[str], population: pd.DataFrame) -> int | None:
    """The edition whose population year is nearest ``year`` among those with a population for
    every gebied in ``gebieden`` (failing that, the one covering most of them; a tie goes to the
    newer edition)."""
    ranked = [
        (-len(gebieden & set(part["area_code"])), abs(year - part["population_year"].max()), -e)
        for e, part in population.groupby("population_edition")
    ]
    return -min(ranked)[2] if ranked else None


def with_population(budgets: pd.DataFrame, population: pd.DataFrame) -> pd.DataFrame:
    """Add the population of each programme's area from the chosen edition of its year, and the
    euros per inhabitant. The city-wide programme gets the gemeente's population of that edition
    on today's area; where the edition has no comparable figure for today's gemeente (edition
    2018: Haren and Ten Boer were not part of it in 2017), the gemeente of that year: the sum of
    the gebieden with a programme that year."""
    chosen = {
        year: population_edition(
            year, set(part.loc[part["area_level"] == "gebied", "area_code"]), population
        )
        for year, part in budgets.groupby("year")
    }
    out = budgets.assign(population_edition=budgets["year"].map(chosen).astype("Int64"))
    out = out.merge(population, on=["population_edition", "area_code"], how="left")
    # the city-wide programme of a year in which the gemeente then differs from today's (2017:
    # before Haren and Ten Boer joined): the gemeente then, i.e. the gebieden with a programme
    for year in out.loc[(out["area_level"] == "gemeente") & out["population"].isna(), "year"]:
        gebieden = out[(out["year"] == year) & (out["area_level"] == "gebied")]
        if len(gebieden) and gebieden["population"].notna().all():
            city = (out["year"] == year) & (out["area_level"] == "gemeente")
            out.loc[city, "population"] = gebieden["population"].sum()
            out.loc[city, "population_year"] = gebieden["population_year"].max()
    out["population"] = out["population"].round().astype("Int64")
    out["population_year"] = out["population_year"].astype("Int64")
    out.loc[out["population"].isna(), "population_edition"] = pd.NA
    for column in ("begroting", "realisatie"):
        out[f"{column}_per_inhabitant"] = out[f"{column}_eur"] / out["population"].astype(float)
    return out[COLUMNS].sort_values(["year", "source_line"], ignore_index=True)


@compass_asset(group_name=GROUP, kinds={"duckdb", "text"}, deps=[indicator_values])
def programme_budgets(duckdb: DuckDBResource) -> dg.MaterializeResult:
    """Budget per gebiedsprogramma (begroting, realisatie, resultaat in euros) from the annual
    reports, with euros per inhabitant of the gebied (REAL public data, not synthetic)."""
    budgets = read_budget_reports()
    population = read_table(duckdb, POPULATION_SQL)
    frame = with_population(budgets, population).astype(
        {"year": "int32", "population_year": "Int32", "population_edition": "Int32"}
    )
    rows = write_table(duckdb, "programme_budgets", frame)
    return dg.MaterializeResult(
        metadata={
            "dagster/row_count": rows,
            "programmes_per_year": frame.groupby("year").size().rename(str).to_dict(),
            "population_edition_per_year": {
                str(y): int(e)
                for y, e in frame.groupby("year")["population_edition"].max().dropna().items()
            },
            "checksums": {s.file: s.sha256 for _, s in _budget_snapshots()},
            "synthetic": bool(frame["synthetic"].any()),
        }
    )
