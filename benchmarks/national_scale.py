"""National-scale benchmark of the indicator engine (not a test: it prints figures).

    .venv/bin/python benchmarks/national_scale.py [--respondents 2000000] [--repeat 3]

1. Generates a synthetic national input in a DuckDB file: ~3,300 wijken and ~15,000 buurten
   under one top-level area (so every level has the national shape), gebieden of 5 wijken, CBS
   values for every variable the catalogue's measures use, register counts for every register
   variable, and 2,000,000 survey respondents answering every codebook question (with
   "weet niet" and item non-response).
2. Runs, each in a fresh process limited to ``--threads`` cores (CPU affinity and DuckDB
   threads) and a DuckDB memory limit:
   - the **engine**: raking weights + the full catalogue at every level (values, intervals,
     tests, suppression, index), each written into the warehouse file, exactly as the
     pipeline's assets survey_weights and edition_values do (indicators.engine);
   - the **baseline**: hand-written SQL in the plain form, one ``sum(CASE WHEN ...)`` query per
     source over the same inputs and levels (GROUPING SETS), point estimates only, using the
     weights the engine produced.
3. Prints the median wall time of ``--repeat`` alternating runs of each, the peak resident
   memory of each process, and the ratio engine / baseline.

Targets (issue 18): engine <= 1.25x the baseline, peak memory <= 2,500 MB, on 2 cores.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import duckdb
import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from indicators.catalogue import load_catalogue, statistics_settings  # noqa: E402
from indicators.engine import EditionPlan, compute_edition, compute_weights  # noqa: E402
from ingest.survey.codebook import load_codebook  # noqa: E402

YEAR = 2024
GM = "GM0000"


# --- generation ---------------------------------------------------------------------------


def generate(path: Path, n_wijken: int, n_buurten: int, n_resp: int, seed: int = 7) -> None:
    rng = np.random.default_rng(seed)
    cat = load_catalogue()
    codebook = load_codebook(ROOT / "data" / "survey" / "codebook.yml")
    con = duckdb.connect(str(path))
    # areas: buurten spread over wijken (at least one each), gebieden of 5 wijken
    wijk_of = np.concatenate([np.arange(n_wijken), rng.integers(0, n_wijken, n_buurten - n_wijken)])
    wijk_of.sort()
    wijken = [f"WK{w:06d}" for w in range(n_wijken)]
    buurten = [f"BU{w:06d}{k:02d}" for k, w in enumerate(wijk_of)]
    buurten = [f"BU{w:06d}{i:04d}" for i, w in enumerate(wijk_of)]
    gebied_of = [f"GB{w // 5:06d}" for w in range(n_wijken)]
    areas = pd.DataFrame(
        [("cbs", "gemeente", GM, "Nederland (synthetisch)", None)]
        + [("cbs", "gebied", g, g, GM) for g in sorted(set(gebied_of))]
        + [("cbs", "wijk", w, w, gebied_of[i]) for i, w in enumerate(wijken)]
        + [("cbs", "buurt", b, b, wijken[wijk_of[i]]) for i, b in enumerate(buurten)],
        columns=["layout", "area_level", "area_code", "area_name", "parent_code"],
    )
    areas.insert(0, "year", YEAR)
    hier = pd.DataFrame(
        {
            "buurt": buurten,
            "wijk": [wijken[w] for w in wijk_of],
            "gebied": [gebied_of[w] for w in wijk_of],
            "gemeente": GM,
        }
    )
    ab = pd.concat(
        [
            pd.DataFrame({"area_level": lvl, "area_code": hier[col], "buurt_code": hier["buurt"]})
            for lvl, col in (("buurt", "buurt"), ("wijk", "wijk"), ("gebied", "gebied"),
                             ("gemeente", "gemeente"))
        ]
    )  # fmt: skip
    ab.insert(0, "layout", "cbs")
    ab.insert(0, "year", YEAR)
    con.execute("CREATE OR REPLACE TABLE areas AS SELECT * FROM areas")
    con.execute("CREATE OR REPLACE TABLE area_buurten AS SELECT * FROM ab")
    # no earlier edition is recomputed on these areas: the harmonised layouts are empty
    con.execute("CREATE OR REPLACE TABLE harmonised_areas AS SELECT * FROM areas WHERE false")
    con.execute(
        "CREATE OR REPLACE TABLE harmonised_area_buurten AS SELECT * FROM area_buurten WHERE false"
    )
    con.execute("CREATE OR REPLACE TABLE buurt_hierarchy AS SELECT * FROM hier")

    # CBS: buurt figures for every variable the measures use; wijk/gemeente published
    pop = rng.gamma(2.0, 550.0, n_buurten).round()
    cbs_vars = sorted({s.var for m in cat.measures if m.source == "cbs" for s in m.sources})
    cbs_vars += sorted(
        {s.times for m in cat.measures if m.source == "cbs" for s in m.sources if s.times}
    )
    cbs_vars = sorted(set(cbs_vars))
    ages = ["aged_0_14", "aged_15_24", "aged_25_44", "aged_45_64", "aged_65_plus"]
    age_split = rng.dirichlet([30, 20, 40, 40, 30], n_buurten) * pop[:, None]
    men = pop * rng.uniform(0.47, 0.53, n_buurten)
    rows = []
    for v in cbs_vars:
        if v == "population":
            val = pop
        elif v in ages:
            val = age_split[:, ages.index(v)].round()
        elif v in ("men", "women"):
            val = (men if v == "men" else pop - men).round()
        elif v.startswith(("pct_", "p_")):
            val = rng.uniform(0, 60, n_buurten).round(0)
        elif v.startswith(("mean_", "distance_", "g_")) or "per_" in v:
            val = rng.gamma(3.0, 1.0, n_buurten).round(1)
        else:
            val = (pop * rng.uniform(0.02, 0.4, n_buurten)).round()
        rows.append(pd.DataFrame({"area_code": buurten, "variable": v, "value": val}))
    cv = pd.concat(rows, ignore_index=True)
    cv["year"] = YEAR
    cv["area_level"] = "buurt"
    cv["status"] = np.where(cv["value"].isna(), "secret", "published")
    con.execute("CREATE OR REPLACE TABLE cbs_values AS SELECT * FROM cv")
    con.execute(
        """INSERT INTO cbs_values BY NAME
           SELECT $y AS year, h.wijk AS area_code, 'wijk' AS area_level, c.variable,
                  sum(c.value) AS value, 'published' AS status
           FROM cbs_values c JOIN buurt_hierarchy h ON h.buurt = c.area_code GROUP BY ALL
           UNION ALL BY NAME
           SELECT $y AS year, $gm AS area_code, 'gemeente' AS area_level, variable,
                  sum(value) AS value, 'published' AS status
           FROM cbs_values WHERE area_level = 'buurt' GROUP BY ALL""",
        {"y": YEAR, "gm": GM},
    )
    # CBS secrecy: 3 % of buurt cells (not the population counts) after the totals were made
    con.execute(
        """UPDATE cbs_values SET value = NULL, status = 'secret'
           WHERE area_level = 'buurt' AND variable NOT IN ('population', 'men', 'women')
             AND variable NOT LIKE 'aged_%' AND hash(area_code || variable) % 100 < 3"""
    )
    # registers: counts per buurt for every register variable
    reg_vars = sorted({s.var for m in cat.measures if m.source == "register" for s in m.sources})
    reg = pd.concat(
        [
            pd.DataFrame(
                {"area_code": buurten, "variable": v,
                 "value": rng.poisson(pop * rng.uniform(0.001, 0.08)).astype(float)}
            )
            for v in reg_vars
        ]
        or [pd.DataFrame({"area_code": [], "variable": [], "value": []})],
        ignore_index=True,
    )  # fmt: skip
    reg["year"] = YEAR
    reg["area_level"] = "buurt"
    reg["synthetic"] = True
    con.execute("CREATE OR REPLACE TABLE register_values AS SELECT * FROM reg")

    _synthetic_rivm(con, cat, rng, buurten)

    survey = respondents(
        rng, codebook, np.array(buurten), np.array(wijken)[wijk_of], pop, n_resp, YEAR
    )
    con.register("_survey", survey)
    con.execute("CREATE OR REPLACE TABLE survey_responses AS SELECT * FROM _survey")
    con.close()


def rivm_variables(cat) -> list[str]:
    return sorted({i.definition.model_estimate.source_variable for i in cat.indicators
                   if i.definition.model_estimate})  # fmt: skip


def _synthetic_rivm(con, cat, rng, buurten) -> None:
    """RIVM-like estimates of every buurt (3 % not published), and of every wijk and the
    gemeente as RIVM publishes them (the mean of their buurten weighted by residents 15+); a
    crosswalk of every area onto itself. Gebieden are RIVM's weighted means of their wijken."""
    frames = [
        pd.DataFrame({"area_code": buurten, "variable": v,
                      "value": rng.uniform(5, 80, len(buurten)).round(1)})
        for v in rivm_variables(cat)
    ]  # fmt: skip
    rivm = pd.concat(frames, ignore_index=True)
    rivm.loc[rng.random(len(rivm)) < 0.03, "value"] = np.nan
    rivm["year"], rivm["area_level"] = YEAR, "buurt"
    con.execute("CREATE OR REPLACE TABLE rivm_values AS SELECT * FROM rivm")
    con.execute(
        """INSERT INTO rivm_values BY NAME
           WITH w AS (SELECT area_code, max(value) FILTER (WHERE variable = 'population')
                        - max(value) FILTER (WHERE variable = 'aged_0_14') AS w
                      FROM cbs_values WHERE area_level = 'buurt' GROUP BY 1)
           SELECT $y AS year, h.wijk AS area_code, 'wijk' AS area_level, r.variable,
                  round(sum(r.value * w.w) / sum(w.w) FILTER (WHERE r.value IS NOT NULL), 1)
                    AS value
           FROM rivm_values r JOIN buurt_hierarchy h ON h.buurt = r.area_code
           JOIN w USING (area_code) GROUP BY ALL
           UNION ALL BY NAME
           SELECT $y AS year, $gm AS area_code, 'gemeente' AS area_level, r.variable,
                  round(sum(r.value * w.w) / sum(w.w) FILTER (WHERE r.value IS NOT NULL), 1)
                    AS value
           FROM rivm_values r JOIN w USING (area_code) GROUP BY ALL""",
        {"y": YEAR, "gm": GM},
    )
    con.execute(
        """CREATE OR REPLACE TABLE rivm_crosswalk AS
           SELECT DISTINCT year AS area_year, area_level, area_code, area_code AS source_code,
                  'same_code' AS method, 1.0 AS share
           FROM rivm_values"""
    )


def respondents(rng, codebook, buurten, wijk_of_buurt, population, n_resp: int, wave: int):
    """Synthetic respondents: per buurt in proportion to its population, every question of
    the codebook answered at random (with "weet niet" and item non-response)."""
    p = population / population.sum()
    b_idx = np.sort(rng.choice(len(buurten), n_resp, p=p))
    resp = {
        "wave": np.full(n_resp, wave),
        "respondent_id": np.char.add("R", np.arange(n_resp).astype(str)),
        "buurt_code": buurten[b_idx],
        "wijk_code": wijk_of_buurt[b_idx],
        "leeftijd": rng.integers(16, 95, n_resp).astype(np.int16),
        "geslacht": rng.choice([1, 2, 3], n_resp, p=[0.49, 0.50, 0.01]).astype(np.int16),
    }
    missing = codebook.survey.missing_code
    for q in codebook.questions:
        scale = codebook.scales[q.scale]
        codes = np.array(sorted(c for c in scale.valid_codes() if c != missing), dtype=np.int16)
        ans = codes[rng.integers(0, len(codes), n_resp)]
        if scale.codes and missing in scale.codes:
            ans = np.where(rng.random(n_resp) < 0.05, missing, ans)
        resp[q.id] = pd.array(np.where(rng.random(n_resp) < 0.03, -1, ans), dtype="Int16")
        resp[q.id][resp[q.id] == -1] = pd.NA
    return pd.DataFrame(resp)


# --- the real national file ---------------------------------------------------------------

# the national file's levels on the engine's: the Netherlands at the top, gemeenten as its
# gebieden (so the index compares every area with the Netherlands)
LEVEL = {"land": "gemeente", "gemeente": "gebied", "wijk": "wijk", "buurt": "buurt"}


def generate_national(path: Path, response_rate: float, seed: int = 7) -> int:
    """A warehouse of the real national kerncijfers 2023 (every gemeente, wijk and buurt) and
    a synthetic survey of ``response_rate`` of every buurt's population, with design weights
    (the national file has no age or sex to rake to). Returns the number of respondents."""
    from ingest.cbs import load_crosswalk
    from ingest.national import load_national_values, national_snapshot, read_national_areas

    rng = np.random.default_rng(seed)
    codebook = load_codebook(ROOT / "data" / "survey" / "codebook.yml")
    national, sidecar = national_snapshot(ROOT / "data" / "raw", "cbs_national")
    con = duckdb.connect(str(path))
    crosswalk = load_crosswalk(ROOT / "data" / "reference" / "cbs_variable_crosswalk.csv")
    load_national_values(con, national, sidecar, crosswalk)
    year = sidecar.year
    geo = read_national_areas(national)
    con.register("_geo", geo)
    con.execute(
        """CREATE OR REPLACE TABLE areas AS
           SELECT $year AS year, 'cbs' AS layout, map_extract_value(MAP($k, $v), area_level)
                  AS area_level, area_code, coalesce(area_name, area_code) AS area_name,
                  CASE area_level WHEN 'gemeente' THEN 'NL00' WHEN 'wijk' THEN gemeente_code
                       WHEN 'buurt' THEN wijk_code END AS parent_code
           FROM _geo""",
        {"year": year, "k": list(LEVEL), "v": list(LEVEL.values())},
    )
    con.execute(
        """CREATE OR REPLACE TABLE area_buurten AS
           SELECT $year AS year, 'cbs' AS layout, level AS area_level, code AS area_code,
                  area_code AS buurt_code
           FROM _geo, LATERAL (VALUES ('buurt', area_code), ('wijk', wijk_code),
                                      ('gebied', gemeente_code), ('gemeente', 'NL00'))
                      t(level, code)
           WHERE area_level = 'buurt'""",
        {"year": year},
    )
    con.execute(
        "CREATE OR REPLACE TABLE cbs_values AS SELECT * REPLACE "
        "(map_extract_value(MAP($k, $v), area_level) AS area_level) FROM national_values",
        {"k": list(LEVEL), "v": list(LEVEL.values())},
    )
    con.execute("CREATE OR REPLACE TABLE harmonised_areas AS SELECT * FROM areas WHERE false")
    con.execute(
        "CREATE OR REPLACE TABLE harmonised_area_buurten AS SELECT * FROM area_buurten WHERE false"
    )
    con.execute(
        "CREATE OR REPLACE TABLE register_values (year BIGINT, area_code VARCHAR, "
        "area_level VARCHAR, variable VARCHAR, value DOUBLE)"
    )
    _national_rivm(con, year)
    population = con.execute(
        """SELECT a.area_code, g.wijk_code, coalesce(v.value, 0) AS population
           FROM _geo a JOIN _geo g USING (area_code)
           LEFT JOIN national_values v ON v.area_code = a.area_code AND v.variable = 'population'
           WHERE a.area_level = 'buurt' ORDER BY a.area_code"""
    ).df()
    n_resp = int(round(population["population"].sum() * response_rate))
    wave = max(w for q in codebook.questions for w in q.waves)  # the codebook's latest wave
    survey = respondents(
        rng, codebook, population["area_code"].to_numpy(), population["wijk_code"].to_numpy(),
        population["population"].to_numpy(float), n_resp, wave,
    )  # fmt: skip
    con.register("_survey", survey)
    con.execute("CREATE OR REPLACE TABLE survey_responses AS SELECT * FROM _survey")
    # design weights: a wijk's population over its respondents
    con.execute(
        """CREATE OR REPLACE TABLE survey_weights AS
           SELECT s.wave, s.respondent_id, w.population / w.n AS weight
           FROM survey_responses s JOIN (
               SELECT r.wijk_code, count(*) AS n, any_value(v.value) AS population
               FROM survey_responses r LEFT JOIN national_values v
                 ON v.area_code = r.wijk_code AND v.variable = 'population'
               GROUP BY r.wijk_code) w USING (wijk_code)"""
    )
    con.close()
    return n_resp


def _national_rivm(con, year: int) -> None:
    """RIVM's real estimates of every area of the country (its 2020 division) and the crosswalk
    of the national file's areas onto them: the same code (NL00 is RIVM's NL01)."""
    from ingest.national import national_snapshot
    from ingest.rivm import read_rivm_extract

    path, _ = national_snapshot(ROOT / "data" / "raw", "rivm_health")
    rivm = read_rivm_extract(path)[["year", "area_code", "area_level", "variable", "value"]]
    con.register("_rivm", rivm)
    con.execute("CREATE OR REPLACE TABLE rivm_values AS SELECT * FROM _rivm")
    con.execute(
        """CREATE OR REPLACE TABLE rivm_crosswalk AS
           SELECT DISTINCT a.year AS area_year, a.area_level, a.area_code,
                  CASE WHEN a.area_code = 'NL00' THEN 'NL01' ELSE a.area_code END AS source_code,
                  'same_code' AS method, 1.0 AS share
           FROM areas a
           WHERE a.area_code = 'NL00'
              OR a.area_code IN (SELECT area_code FROM rivm_values)""",
    )


def run_national(path: Path, threads: int, memory: str) -> dict:
    """The engine on the real national file: the CBS part for all 18,116 areas and the survey
    part for every area, as compute_edition runs it (the weights are given)."""
    cat = load_catalogue()
    codebook = load_codebook(ROOT / "data" / "survey" / "codebook.yml")
    settings = statistics_settings()
    con = duckdb.connect(str(path))
    _limit(con, threads, memory)
    year = con.execute("SELECT max(year) FROM areas").fetchone()[0]
    wave = con.execute("SELECT max(wave) FROM survey_responses").fetchone()[0]
    con.execute("DROP TABLE IF EXISTS edition_values")
    t0 = time.perf_counter()
    rivm = con.execute("SELECT max(year) FROM rivm_values WHERE year <= ?", [year]).fetchone()
    plan = EditionPlan(wave, year, (year,), wave, None, rivm[0])  # no registers nationally
    run = compute_edition(con, cat, codebook, plan, settings)
    wall = time.perf_counter() - t0
    areas = con.execute("SELECT count(*) FROM areas").fetchone()[0]
    return {"wall_s": wall, "rows": run.rows["edition_values"], "areas": areas,
            "steps": run.seconds}  # fmt: skip


def margins_available(path: Path) -> None:
    """Raking needs per-wijk age and sex counts: the generated CBS data has them under the
    names the statistics settings ask for (checked so a renamed measure fails loudly)."""
    settings = statistics_settings()
    wanted = [a["measure"] for a in settings["raking"]["age_margins"]]
    wanted += list(settings["raking"]["sex_margins"].values())
    known = {m.id for m in load_catalogue().measures}
    missing = [m for m in wanted if m not in known]
    if missing:
        raise SystemExit(f"raking margin measures missing from the catalogue: {missing}")


# --- the two contenders (each runs in its own process) -------------------------------------


def _limit(con: duckdb.DuckDBPyConnection, threads: int, memory: str) -> None:
    con.execute(f"SET threads = {threads}")
    con.execute(f"SET memory_limit = '{memory}'")


def run_engine(path: Path, threads: int, memory: str) -> dict:
    cat = load_catalogue()
    codebook = load_codebook(ROOT / "data" / "survey" / "codebook.yml")
    settings = statistics_settings()
    plan = EditionPlan(YEAR, YEAR, (YEAR,), YEAR, YEAR, YEAR)
    con = duckdb.connect(str(path))
    _limit(con, threads, memory)
    # a fresh start: the survey weights and the edition are written into the warehouse
    con.execute("DROP TABLE IF EXISTS survey_weights")
    con.execute("DROP TABLE IF EXISTS edition_values")
    t0 = time.perf_counter()
    weights = compute_weights(con, cat, codebook, plan, settings)
    t1 = time.perf_counter()
    edition = compute_edition(con, cat, codebook, plan, settings)
    t2 = time.perf_counter()
    published = con.execute("SELECT count(*) FROM edition_values WHERE NOT suppressed").fetchone()[
        0
    ]
    return {
        "rows": edition.rows["edition_values"],
        "published": published,
        "indicators": len(cat.indicators),
        "weights_s": t1 - t0,
        "indicators_s": t2 - t1,
        "wall_s": t2 - t0,
        "design_effect": weights.metadata["survey_weights"]["design_effect"],
        "steps": {f"weights:{k}": v for k, v in weights.seconds.items()} | edition.seconds,
    }


def baseline_sql(which: str) -> str:
    """The plain hand-written form: one sum(CASE WHEN ...) query per source."""
    cat = load_catalogue()
    codebook = load_codebook(ROOT / "data" / "survey" / "codebook.yml")
    sets = "GROUPING SETS ((h.buurt), (h.wijk), (h.gebied), (h.gemeente))"
    level = "coalesce(h.buurt, h.wijk, h.gebied, h.gemeente) AS area_code"
    if which == "survey":
        cols = []
        for i in cat.indicators:
            if i.source != "survey":
                continue
            d = i.definition
            spec = d.share or d.mean
            if spec is None:  # constructs: the plain form has no scale scores; count the items
                continue
            q = spec.question
            base = spec.base or sorted(
                c for c in codebook.scale_of(q).valid_codes() if c != codebook.survey.missing_code
            )
            inb = f"r.{q} IN ({', '.join(map(str, base))})"
            y = f"(r.{q} IN ({', '.join(map(str, d.share.codes))}))::INT" if d.share else f"r.{q}"
            cols.append(
                f"sum(CASE WHEN {inb} THEN w.weight * {y} END) / "
                f"sum(CASE WHEN {inb} THEN w.weight END) AS {i.id}, "
                f"count(CASE WHEN {inb} THEN 1 END) AS n_{i.id}"
            )
        return (
            f"CREATE OR REPLACE TABLE bench_baseline_survey AS SELECT {level}, "
            + ",\n ".join(cols)
            + " FROM survey_responses r JOIN survey_weights w USING (wave, respondent_id) "
            f"JOIN buurt_hierarchy h ON h.buurt = r.buurt_code GROUP BY {sets}"
        )
    source = "cbs" if which == "cbs" else "register"
    table = "cbs_values" if which == "cbs" else "register_values"
    measures = {m.id: m for m in cat.measures if m.source == source}
    used_vars = sorted(
        {s.var for m in measures.values() for s in m.sources}
        | {s.times for m in measures.values() for s in m.sources if s.times}
    )
    pivot = ", ".join(
        f"sum(CASE WHEN variable = '{v}' THEN value END) AS \"{v}\"" for v in used_vars
    )

    def measure_sql(mid: str) -> str:
        m = measures.get(mid)
        if m is None:  # a denominator from the other source: not in this plain query
            return "NULL"
        parts = [
            f'b."{s.var}"' + (f' * b."{s.times}"' if s.times else "") + f" * {s.scale}"
            for s in m.sources
        ]
        return "coalesce(" + ", ".join(parts) + ")" if len(parts) > 1 else parts[0]

    cols = []
    for i in cat.indicators:
        if i.source != source:
            continue
        r = i.definition.ratio
        num = f"sum({measure_sql(r.numerator)})"
        den = f"sum({measure_sql(r.denominator)})" if r.denominator else "1"
        cols.append(f"{num} / nullif({den}, 0) * {r.scale} AS {i.id}")
    return (
        f"CREATE OR REPLACE TABLE bench_baseline_{which} AS "
        f"WITH b AS (SELECT area_code, {pivot} FROM {table} "
        f"WHERE area_level = 'buurt' GROUP BY area_code) "
        f"SELECT {level}, " + ",\n ".join(cols) + " FROM b JOIN buurt_hierarchy h "
        f"ON h.buurt = b.area_code GROUP BY {sets}"
    )


RIVM_BASELINE = """CREATE OR REPLACE TABLE bench_baseline_rivm AS
WITH w AS (SELECT area_code, max(value) FILTER (WHERE variable = 'population')
             - max(value) FILTER (WHERE variable = 'aged_0_14') AS w15,
             max(value) FILTER (WHERE variable = 'aged_65_plus') AS w65
           FROM cbs_values WHERE area_level = 'buurt' GROUP BY 1)
SELECT coalesce(h.buurt, h.wijk, h.gebied, h.gemeente) AS area_code, r.variable,
       sum(r.value * CASE WHEN r.variable LIKE '%65plus' THEN w.w65 ELSE w.w15 END)
         / sum(CASE WHEN r.value IS NOT NULL
                    THEN CASE WHEN r.variable LIKE '%65plus' THEN w.w65 ELSE w.w15 END END)
         AS value
FROM rivm_values r JOIN w USING (area_code) JOIN buurt_hierarchy h ON h.buurt = r.area_code
WHERE r.area_level = 'buurt'
GROUP BY GROUPING SETS ((h.buurt, r.variable), (h.wijk, r.variable), (h.gebied, r.variable),
                        (h.gemeente, r.variable))"""


def run_baseline(path: Path, threads: int, memory: str) -> dict:
    con = duckdb.connect(str(path))
    _limit(con, threads, memory)
    t0 = time.perf_counter()
    for which in ("cbs", "register", "survey"):
        con.execute(baseline_sql(which))
    con.execute(RIVM_BASELINE)  # the weighted means of RIVM's estimates, every level
    return {"wall_s": time.perf_counter() - t0}


def peak_rss_mb() -> float:
    """Peak resident memory of this process (VmHWM; ru_maxrss would include the parent's
    peak, which Linux carries across fork and exec)."""
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def child(args) -> None:
    if hasattr(os, "sched_setaffinity"):
        cpus = sorted(os.sched_getaffinity(0))[: args.threads]
        os.sched_setaffinity(0, set(cpus))
    fn = {"engine": run_engine, "baseline": run_baseline, "national": run_national}[args.child]
    out = fn(Path(args.db), args.threads, args.memory_limit)
    out["peak_rss_mb"] = peak_rss_mb()
    print(json.dumps(out))


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--wijken", type=int, default=3300)
    ap.add_argument("--buurten", type=int, default=15000)
    ap.add_argument("--respondents", type=int, default=2_000_000)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--memory-limit", default="3GB")
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--workdir", default=None)
    ap.add_argument(
        "--national",
        action="store_true",
        help="the real national kerncijfers 2023 (18,116 areas) and a synthetic survey of "
        "--response-rate of every buurt's population, instead of generated areas",
    )
    ap.add_argument("--response-rate", type=float, default=17011 / 238147,
                    help="respondents per inhabitant (default: Groningen's 2024 wave)")  # fmt: skip
    ap.add_argument("--child", choices=["engine", "baseline", "national"], help=argparse.SUPPRESS)
    ap.add_argument("--db", help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.child:
        child(args)
        return
    work = Path(args.workdir or tempfile.mkdtemp(prefix="wijkkompas-bench-"))
    work.mkdir(parents=True, exist_ok=True)
    try:
        run_benchmark(args, work)
    finally:  # a folder of its own (no --workdir) goes with the run: half a GB a time
        if not args.workdir:
            shutil.rmtree(work, ignore_errors=True)


def run_benchmark(args, work: Path) -> None:
    if args.national:
        national_main(args, work)
        return
    db = work / "national.duckdb"
    margins_available(db)
    t = time.perf_counter()
    generate(db, args.wijken, args.buurten, args.respondents)
    print(
        f"generated {args.wijken:,} wijken, {args.buurten:,} buurten, "
        f"{args.respondents:,} respondents in {time.perf_counter() - t:.1f} s -> {db}"
    )
    runs: dict[str, list[dict]] = {"engine": [], "baseline": []}
    for _ in range(args.repeat):
        for who in ("engine", "baseline"):
            cmd = [sys.executable, __file__, "--child", who, "--db", str(db),
                   "--threads", str(args.threads), "--memory-limit", args.memory_limit]  # fmt: skip
            out = subprocess.run(cmd, check=True, capture_output=True, text=True).stdout
            runs[who].append(json.loads(out.strip().splitlines()[-1]))
    eng, base = runs["engine"], runs["baseline"]

    def med(rs, key):
        return statistics.median(r[key] for r in rs)

    print(
        f"\ncores: {args.threads}   DuckDB memory limit: {args.memory_limit}   runs: {args.repeat}"
    )
    print(
        f"engine    rows {eng[0]['rows']:,} ({eng[0]['indicators']} indicators, "
        f"{eng[0]['published']:,} published), design effect {eng[0]['design_effect']:.2f}"
    )
    print(
        f"engine    wall {med(eng, 'wall_s'):7.1f} s  (weights {med(eng, 'weights_s'):.1f} s, "
        f"indicators {med(eng, 'indicators_s'):.1f} s)   peak RSS "
        f"{max(r['peak_rss_mb'] for r in eng):,.0f} MB"
    )
    print(
        f"baseline  wall {med(base, 'wall_s'):7.1f} s   peak RSS "
        f"{max(r['peak_rss_mb'] for r in base):,.0f} MB"
    )
    print(
        f"ratio engine/baseline: {med(eng, 'wall_s') / med(base, 'wall_s'):.2f}x "
        f"(indicators only: {med(eng, 'indicators_s') / med(base, 'wall_s'):.2f}x)"
    )
    print("all runs (s): engine", [round(r["wall_s"], 1) for r in eng],
          "baseline", [round(r["wall_s"], 1) for r in base])  # fmt: skip
    print("engine steps, median s (the declared models, in the order they ran):")
    for step in eng[0]["steps"]:
        print(f"  {step:<32} {statistics.median(r['steps'][step] for r in eng):6.2f}")


def national_main(args, work: Path) -> None:
    db = work / "real.duckdb"
    t = time.perf_counter()
    n_resp = generate_national(db, args.response_rate)
    print(f"national kerncijfers 2023 and {n_resp:,} synthetic respondents in "
          f"{time.perf_counter() - t:.1f} s -> {db}")  # fmt: skip
    runs = []
    for _ in range(args.repeat):
        cmd = [sys.executable, __file__, "--child", "national", "--db", str(db),
               "--threads", str(args.threads), "--memory-limit", args.memory_limit]  # fmt: skip
        out = subprocess.run(cmd, check=True, capture_output=True, text=True).stdout
        runs.append(json.loads(out.strip().splitlines()[-1]))
    print(
        f"\ncores: {args.threads}   DuckDB memory limit: {args.memory_limit}   runs: {args.repeat}"
    )
    print(f"national  {runs[0]['areas']:,} areas, {n_resp:,} respondents, "
          f"{runs[0]['rows']:,} rows (CBS and survey indicators, every level)")  # fmt: skip
    print(f"national  wall {statistics.median(r['wall_s'] for r in runs):7.1f} s   peak RSS "
          f"{max(r['peak_rss_mb'] for r in runs):,.0f} MB")  # fmt: skip
    print("all runs (s):", [round(r["wall_s"], 1) for r in runs])
    for step in runs[0]["steps"]:
        print(f"  {step:<32} {statistics.median(r['steps'][step] for r in runs):6.2f}")


if __name__ == "__main__":
    main()
