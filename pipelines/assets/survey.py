"""Survey assets: the codebook, the wave export and ``survey_responses``, partitioned by edition."""

from __future__ import annotations

import dagster as dg
import pandas as pd
from dagster_duckdb import DuckDBResource

from ingest.errors import InputError
from ingest.snapshots import verify_snapshot
from ingest.survey.codebook import load_codebook
from ingest.survey.export import read_survey_export
from pipelines.assets.areas import areas
from pipelines.assets.cbs import snapshot_metadata
from pipelines.partitions import INPUTS, all_editions, compass_asset, editions_of
from pipelines.resources import write_partitions, write_table
from pipelines.settings import data_dir, editions_config

GROUP = "survey"


def codebook_path():
    return data_dir() / "survey" / "codebook.yml"


@compass_asset(group_name=GROUP, kinds={"duckdb", "yaml"}, deps=[INPUTS])
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


@compass_asset(
    group_name=GROUP,
    kinds={"duckdb", "csv"},
    deps=[areas, survey_codebook],
)
def survey_export(context, duckdb: DuckDBResource) -> dg.MaterializeResult:
    """The wijkenquête export of the edition (``survey:`` in data/editions.yml), checksum-verified
    and read with the codebook into ``raw_survey_<wave>`` (its content is checked by the rules on
    survey_responses)."""
    cfg = editions_config()
    by_edition = {e.edition: e for e in cfg.editions}
    meta = {}
    for wave in editions_of(context):
        path = cfg.resolve(by_edition[wave].survey)
        sidecar = verify_snapshot(path)
        try:
            frame = read_survey_export(path, load_codebook(codebook_path()), wave)
        except InputError as err:
            raise err.copy_of(sidecar.copied_from) from err
        frame["synthetic"] = sidecar.synthetic
        rows = write_table(duckdb, f"raw_survey_{wave}", frame)
        meta = snapshot_metadata(sidecar, rows)
        meta["respondents_per_wijk_min"] = int(frame.groupby("wijk_code").size().min())
    return dg.MaterializeResult(metadata=meta)


@compass_asset(group_name=GROUP, kinds={"duckdb"}, deps=[survey_export])
def survey_responses(context, duckdb: DuckDBResource) -> dg.MaterializeResult:
    """All waves, one row per respondent; questions not asked in a wave are NULL. A run replaces
    the waves of its edition partitions and keeps the others."""
    waves = editions_of(context)
    union = " UNION ALL BY NAME ".join(f"SELECT * FROM raw_survey_{w}" for w in waves)
    with duckdb.get_connection() as con:
        frame = con.execute(f"{union} ORDER BY respondent_id").fetch_arrow_table()
    write_partitions(duckdb, "survey_responses", frame, "wave", waves, all_editions())
    with duckdb.get_connection() as con:
        counts = dict(
            con.execute(
                "SELECT wave, count(*) FROM survey_responses GROUP BY wave ORDER BY wave"
            ).fetchall()
        )
        synthetic = con.execute("SELECT bool_or(synthetic) FROM survey_responses").fetchone()[0]
    return dg.MaterializeResult(
        metadata={
            "dagster/row_count": sum(counts[w] for w in waves if w in counts),
            "respondents_per_wave": {str(k): v for k, v in counts.items()},
            "synthetic": bool(synthetic),
        }
    )
