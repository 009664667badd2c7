"""Survey assets: the codebook, one staged table per wave export, ``survey_responses``."""

from __future__ import annotations

import dagster as dg
import pandas as pd
from dagster_duckdb import DuckDBResource

from ingest.snapshots import verify_snapshot
from ingest.survey.codebook import load_codebook
from ingest.survey.export import read_survey_export
from pipelines.assets.areas import areas
from pipelines.assets.cbs import snapshot_metadata
from pipelines.resources import write_table
from pipelines.settings import data_dir, editions_config

GROUP = "survey"


def codebook_path():
    return data_dir() / "survey" / "codebook.yml"


@dg.asset(group_name=GROUP, kinds={"duckdb", "yaml"})
def survey_codebook(duckdb: DuckDBResource) -> dg.MaterializeResult:
    """Questions, answer codes and constructs of the wijkenquête, as tables."""
    cb = load_codebook(codebook_path())
    questions = pd.DataFrame(
        [
            {
                "question_id": q.id,
                "theme": q.theme,
                "quadrant": cb.themes[q.theme]["quadrant"],
                "scale": q.scale,
                "waves": ",".join(map(str, q.waves)),
                "text_nl": q.text.nl,
                "text_en": q.text.en,
                "reverse": q.reverse,
            }
            for q in cb.questions
        ]
    )
    codes = pd.DataFrame(
        [
            {"scale": name, "code": code, "label_nl": label, "dont_know": code == 98}
            for name, scale in cb.scales.items()
            for code, label in (scale.codes or {}).items()
        ]
    )
    constructs = pd.DataFrame(
        [
            {
                "construct_id": c.id,
                "items": ",".join(c.items),
                "scoring": c.scoring,
                "min_items": c.min_items,
                "title_nl": c.title.nl,
                "title_en": c.title.en,
            }
            for c in cb.constructs
        ]
    )
    valid = pd.DataFrame(
        [(col, v) for col, spec in cb.frame.items() for v in spec.valid_values()]
        + [(q.id, v) for q in cb.questions for v in sorted(cb.scales[q.scale].valid_codes())],
        columns=["column_name", "value"],
    )
    rows = write_table(duckdb, "survey_questions", questions)
    write_table(duckdb, "survey_answer_codes", codes)
    write_table(duckdb, "survey_valid_values", valid)
    write_table(duckdb, "survey_constructs", constructs)
    return dg.MaterializeResult(
        metadata={"dagster/row_count": rows, "questions": rows, "constructs": len(constructs)}
    )


def _wave_asset(edition):
    wave = edition.edition

    @dg.asset(
        name=f"survey_export_{wave}",
        group_name=GROUP,
        kinds={"duckdb", "csv"},
        deps=[areas, survey_codebook],
        description=f"Wijkenquête {wave} export, read with the codebook (its content is checked "
        "by the rules on survey_responses).",
    )
    def _asset(duckdb: DuckDBResource) -> dg.MaterializeResult:
        cfg = editions_config()
        path = cfg.resolve(edition.survey)
        sidecar = verify_snapshot(path)
        frame = read_survey_export(path, load_codebook(codebook_path()), wave)
        frame["synthetic"] = sidecar.synthetic
        rows = write_table(duckdb, f"raw_survey_{wave}", frame)
        meta = snapshot_metadata(sidecar, rows)
        meta["respondents_per_wijk_min"] = int(frame.groupby("wijk_code").size().min())
        return dg.MaterializeResult(metadata=meta)

    return _asset


WAVE_ASSETS = [_wave_asset(e) for e in editions_config().editions]


@dg.asset(group_name=GROUP, kinds={"duckdb"}, deps=WAVE_ASSETS)
def survey_responses(duckdb: DuckDBResource) -> dg.MaterializeResult:
    """All waves, one row per respondent; questions not asked in a wave are NULL."""
    waves = [e.edition for e in editions_config().editions]
    union = " UNION ALL BY NAME ".join(f"SELECT * FROM raw_survey_{w}" for w in waves)
    with duckdb.get_connection() as con:
        con.execute(
            f"CREATE OR REPLACE TABLE survey_responses AS {union} ORDER BY wave, respondent_id"
        )
        counts = dict(
            con.execute(
                "SELECT wave, count(*) FROM survey_responses GROUP BY wave ORDER BY wave"
            ).fetchall()
        )
        synthetic = con.execute("SELECT bool_or(synthetic) FROM survey_responses").fetchone()[0]
    return dg.MaterializeResult(
        metadata={
            "dagster/row_count": sum(counts.values()),
            "respondents_per_wave": {str(k): v for k, v in counts.items()},
            "synthetic": bool(synthetic),
        }
    )
