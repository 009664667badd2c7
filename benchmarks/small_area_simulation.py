"""Simulation study of the small-area model (not a test: it prints figures).

    .venv/bin/python benchmarks/small_area_simulation.py [--waves 200] [--first-seed 1000]

Does the model do what the buurt pages say? The survey generator knows the truth of every
buurt (``ingest/survey/expected.py``: for the health items the RIVM prevalences it draws
them from, for the others its own expected buurt value), so independent waves of it show how
the published figures behave:

1. ``--waves`` independent waves of edition 2024 (Groningen's 151 buurten, 17,000 respondents
   each, seeds ``--first-seed`` onwards; every wave redraws the sample, the response, the
   answers and the generator's buurt effects and wijk developments), each generated with
   ``ingest.survey.generator.generate_wave`` as ``wijkkompas generate-survey`` does;
2. each wave through the engine's own models (``indicators.engine``: raking, the sums, the
   small-area model, the publication rule of ``survey_values``) on a scratch copy of the
   warehouse's areas, CBS figures and registers, for the indicators studied only;
3. per indicator, over all waves and buurten: the **coverage** of the published 95 %
   intervals of model estimates (target 92–97 %), their **bias** (mean of estimate − truth),
   and for buurten with 1–49 respondents the **RMSE of the published figures** (direct where
   reliable, else the model estimate) against the truth, beside that of the direct estimates
   of the same buurten (target: at most 0.7×), with the share of those buurten withheld.

Six to seven indicators of different kinds: shares of health items drawn from RIVM
(``smokes``, ``good_perceived_health``), shares of the generator's own items (a yes/no item,
two ordinal ones, a rare one) and a mean (the mark for the buurt). It reads the warehouse of
``make run`` (or ``--warehouse``) read-only; nothing is written outside a temporary DuckDB in
memory. About 4 s a wave on one core.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from datetime import date
from pathlib import Path

import duckdb
import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from indicators import engine  # noqa: E402
from indicators.catalogue import load_catalogue, statistics_settings  # noqa: E402
from indicators.models import run_models  # noqa: E402
from indicators.small_area_model import covariate_indicators  # noqa: E402
from ingest.cbs import read_snapshot_set  # noqa: E402
from ingest.survey.codebook import load_codebook  # noqa: E402
from ingest.survey.expected import expected_buurt_values  # noqa: E402
from ingest.survey.generator import WaveSpec, generate_wave, load_rivm  # noqa: E402
from pipelines.settings import warehouse_path  # noqa: E402

INDICATORS = {  # id: what kind it is
    "smokes": "share, health (RIVM prevalence)",
    "good_perceived_health": "share, health (RIVM prevalence)",
    "avoids_unsafe_places": "share, yes/no (generator)",
    "feels_unsafe_in_buurt": "share, ordinal (generator)",
    "litter_frequent": "share, ordinal (generator)",
    "victim_burglary": "share, rare yes/no (generator)",
    "mark_buurt": "mean, mark 1-10 (generator)",
}
EDITION, CBS_YEAR, RESPONDENTS = 2024, 2024, 17000
TABLES = ("areas", "harmonised_areas", "area_buurten", "harmonised_area_buurten", "cbs_values",
          "register_values")  # fmt: skip


def scratch(warehouse: Path) -> duckdb.DuckDBPyConnection:
    """An in-memory DuckDB with what the engine's edition models read besides the survey."""
    con = duckdb.connect()
    con.execute(f"ATTACH '{warehouse}' AS wh (READ_ONLY)")
    for table in TABLES:
        con.execute(f"CREATE TABLE {table} AS SELECT * FROM wh.{table}")
    con.execute("DETACH wh")
    return con


def responses(wave: pd.DataFrame, codebook, edition: int) -> pd.DataFrame:
    """The generated export as the survey loader makes it (ingest.survey.export)."""
    out = pd.DataFrame(
        {
            "wave": edition,
            "respondent_id": wave["respondent_id"],
            "buurt_code": wave["buurtcode"],
            "wijk_code": "WK" + wave["buurtcode"].str[2:8],
            "leeftijd": wave["leeftijd"].astype("int64"),
            "geslacht": wave["geslacht"].astype("int64"),
        }
    )
    for q in codebook.questions_in(edition):
        out[q.id] = pd.array(wave[q.id], dtype="Int64") if q.id in wave else pd.NA
    return out


def run_wave(con, catalogue, codebook, settings, plan, wave: pd.DataFrame) -> pd.DataFrame:
    """The published figure of every buurt and studied indicator (survey_values), with the
    direct estimate and its respondents (survey_area_sums)."""
    con.register("_wave", responses(wave, codebook, plan.edition))
    con.execute("CREATE OR REPLACE TABLE survey_responses AS SELECT * FROM _wave")
    con.unregister("_wave")
    con.execute("DROP TABLE IF EXISTS survey_weights")
    engine.compute_weights(con, catalogue, codebook, plan, settings)
    inputs = engine.Inputs(catalogue, codebook, settings, plan)
    run = run_models(
        con, engine.all_models(), ["survey_values"], engine._params(inputs),
        engine._context(inputs, con), sources=["survey_weights"],
        keep=["survey_area_sums", "edition_areas", "survey_items"],
    )  # fmt: skip
    rows = con.execute(
        """SELECT a.area_code AS buurt_code, i.indicator_id, v.raw_value, v.ci_low, v.ci_high,
                  CASE WHEN v.modelled THEN 'model' END AS estimate_kind, v.missing, s.n,
                  CASE WHEN s.sw > 0 THEN s.swy / s.sw END
                  * CASE WHEN i.statistic = 'share' THEN 100 ELSE 1 END AS direct
           FROM survey_values v
           JOIN edition_areas a USING (area_id)
           JOIN survey_area_sums s USING (area_id, indicator_key)
           JOIN survey_items i USING (indicator_key)
           WHERE a.layout = 'cbs' AND a.area_level = 'buurt'"""
    ).df()
    for table in ("survey_values", "survey_area_sums", "edition_areas", "indicator_meta",
                  "survey_items"):  # fmt: skip
        con.execute(f"DROP TABLE IF EXISTS temp.main.{table}")
    failed = [f for f in run.metadata["small_area_estimates"]["fits"] if f["status"] != "fitted"]
    rows.attrs["failed"] = failed
    return rows


def summarise(found: pd.DataFrame) -> pd.DataFrame:
    out = []
    for indicator, part in found.groupby("indicator_id", sort=False):
        model = part[part["estimate_kind"] == "model"]
        inside = (model["ci_low"] <= model["truth"]) & (model["truth"] <= model["ci_high"])
        few = part[(part["n"] >= 1) & (part["n"] < 50)]
        shown = few[few["raw_value"].notna()]
        rmse_direct = np.sqrt(np.mean((shown["direct"] - shown["truth"]) ** 2))
        rmse_published = np.sqrt(np.mean((shown["raw_value"] - shown["truth"]) ** 2))
        out.append(
            {
                "indicator": indicator,
                "kind": INDICATORS[indicator],
                "model estimates": len(model),
                "coverage %": 100 * inside.mean(),
                "bias": (model["raw_value"] - model["truth"]).mean(),
                "buurten n<50": len(few),
                "withheld %": 100 * (1 - len(shown) / len(few)) if len(few) else np.nan,
                "RMSE direct": rmse_direct,
                "RMSE published": rmse_published,
                "ratio": rmse_published / rmse_direct,
            }
        )
    return pd.DataFrame(out)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--waves", type=int, default=200)
    ap.add_argument("--first-seed", type=int, default=1000)
    ap.add_argument("--warehouse", type=Path, default=None)
    args = ap.parse_args()
    warehouse = args.warehouse or warehouse_path()
    full = load_catalogue()
    wanted = set(INDICATORS) | set(covariate_indicators(statistics_settings()))
    catalogue = full.model_copy(update={"indicators": [i for i in full.indicators
                                                       if i.id in wanted]})  # fmt: skip
    codebook = load_codebook(ROOT / "data" / "survey" / "codebook.yml")
    settings = statistics_settings()
    cbs = read_snapshot_set(ROOT / "data" / "raw")
    rivm = load_rivm(ROOT / "data" / "raw", "GM0014")
    plan = engine.EditionPlan(EDITION, EDITION, (CBS_YEAR, 2023), EDITION, EDITION, None)
    studied = [full.by_id()[i] for i in INDICATORS]
    con = scratch(warehouse)
    found, seconds, failures = [], [], 0
    start = time.perf_counter()
    for r in range(args.waves):
        t = time.perf_counter()
        spec = WaveSpec(EDITION, CBS_YEAR, RESPONDENTS, args.first_seed + r, date(2024, 9, 2))
        wave = generate_wave(cbs, codebook, spec, rivm)
        truth = expected_buurt_values(cbs, codebook, spec, studied, rivm)
        rows = run_wave(con, catalogue, codebook, settings, plan, wave)
        failures += len(rows.attrs["failed"])
        long = truth.reset_index().melt("buurt_code", var_name="indicator_id", value_name="truth")
        long["truth"] *= np.where(long["indicator_id"] == "mark_buurt", 1.0, 100.0)
        rows = rows.merge(long, on=["buurt_code", "indicator_id"], how="inner")
        rows["wave"] = r
        found.append(rows)
        seconds.append(time.perf_counter() - t)
        if (r + 1) % 10 == 0 or r + 1 == args.waves:
            print(f"  {r + 1} waves, {time.perf_counter() - start:.0f} s", flush=True)
    table = summarise(pd.concat(found, ignore_index=True))
    print(
        f"\n{args.waves} waves of edition {EDITION} ({RESPONDENTS:,} respondents, seeds "
        f"{args.first_seed}-{args.first_seed + args.waves - 1}); "
        f"median {statistics.median(seconds):.1f} s a wave; "
        f"{failures} indicator fits without a model"
    )
    print("coverage: of the published 95 % intervals of model estimates (target 92-97 %); bias:")
    print("estimate - truth (percentage points; marks for the mean); RMSE: buurten with 1-49")
    print(
        "respondents, published figure vs direct estimate against the truth (target ratio <= 0.7)"
    )
    with pd.option_context("display.width", 200, "display.max_columns", 20):
        print(table.to_string(index=False, float_format=lambda x: f"{x:.2f}"))


if __name__ == "__main__":
    main()
