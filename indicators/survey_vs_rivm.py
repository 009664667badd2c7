"""The wijkenquête beside RIVM: per wijk, does the survey's interval hold RIVM's figure?

Twelve survey indicators ask what RIVM estimates for every wijk (table 50090NED); the catalogue
says which RIVM indicator stands for which survey indicator (``replaces`` on the RIVM indicator,
``replaced_by`` on the survey one, both columns of ``indicator_catalogue``). Per edition, per
such pair and per CBS wijk, :func:`survey_vs_rivm` puts the survey's estimate and its interval
beside RIVM's figure and says whether the interval holds it (its edges included);
:func:`coverage` gives the share of wijken whose interval holds RIVM's value, per concept and
overall. The synthetic survey draws these answers from RIVM's prevalence of the respondent's
buurt and age (``ingest/survey/generator.py``), so with sound weights and intervals about 95 %
of the intervals hold RIVM's value: a much lower share says the estimates are biased or the
intervals too narrow.

A figure that is not published (suppressed, or no figure) is left out. A pair whose concepts
differ (``DIFFERENT_CONCEPTS``: noise from neighbours happening often in the neighbourhood
versus being severely annoyed by it oneself) is shown but left out of the overall share.

``python -m indicators.survey_vs_rivm [WAREHOUSE]`` prints the figures of every edition.
"""

from __future__ import annotations

import sys

import pandas as pd

LAYOUT = "cbs"
LEVEL = "wijk"
# RIVM indicator -> how its pair's concepts differ, why it stays out of the overall share (nl, en)
DIFFERENT_CONCEPTS = {
    "rivm_noise_from_neighbours_severe": (
        "de enquête vraagt of geluidsoverlast door buren vaak voorkomt in "
        "de buurt, het RIVM meet of mensen zelf ernstige geluidhinder van hun buren ervaren",
        "the survey asks whether noise from neighbours happens often in "
        "the neighbourhood, RIVM measures whether people are themselves severely annoyed by "
        "their neighbours' noise",
    ),
}

PAIRS_SQL = """
WITH pairs AS (
    SELECT s.indicator_id AS survey_indicator, r.indicator_id AS rivm_indicator,
           s.title_nl AS survey_title_nl, s.title_en AS survey_title_en,
           r.title_nl AS rivm_title_nl, r.title_en AS rivm_title_en
    FROM indicator_catalogue s
    JOIN indicator_catalogue r
      ON r.indicator_id = s.replaced_by AND r.replaces = s.indicator_id
    WHERE s.source = 'survey' AND r.source = 'rivm'
)
SELECT s.edition, p.survey_indicator, p.rivm_indicator, p.survey_title_nl, p.survey_title_en,
       p.rivm_title_nl, p.rivm_title_en, s.area_code, s.area_name,
       s.value AS survey_value, s.ci_low, s.ci_high, s.n_unweighted, s.decimals AS survey_decimals,
       r.value AS rivm_value, r.decimals AS rivm_decimals, r.period AS rivm_year
FROM pairs p
JOIN indicator_values s ON s.indicator_id = p.survey_indicator
JOIN indicator_values r
  ON r.indicator_id = p.rivm_indicator AND r.edition = s.edition AND r.layout = s.layout
 AND r.area_level = s.area_level AND r.area_code = s.area_code
WHERE s.layout = $layout AND s.area_level = $level
  AND ($edition IS NULL OR s.edition = $edition)
  AND NOT coalesce(s.suppressed, false) AND NOT coalesce(r.suppressed, false)
  AND s.value IS NOT NULL AND s.ci_low IS NOT NULL AND s.ci_high IS NOT NULL
  AND r.value IS NOT NULL
ORDER BY s.edition, p.survey_indicator, s.area_code
"""


def survey_vs_rivm(con, edition: int | None = None) -> pd.DataFrame:
    """One row per edition (``edition``: that one only), survey indicator with a RIVM
    counterpart and CBS wijk where both are published: the survey's value and interval, RIVM's
    value, ``held`` (ci_low <= RIVM <= ci_high) and ``in_overall`` (False for a pair in
    ``DIFFERENT_CONCEPTS``)."""
    frame = con.execute(PAIRS_SQL, {"layout": LAYOUT, "level": LEVEL, "edition": edition}).df()
    frame["held"] = (frame["ci_low"] <= frame["rivm_value"]) & (
        frame["rivm_value"] <= frame["ci_high"]
    )
    frame["in_overall"] = ~frame["rivm_indicator"].isin(list(DIFFERENT_CONCEPTS))
    return frame


def coverage(frame: pd.DataFrame) -> pd.DataFrame:
    """Per edition: one row per pair (``survey_indicator``) and one ``overall`` row (the pairs
    with ``in_overall`` only), with the wijken compared, those whose interval holds RIVM's
    value and the share held (0-1)."""
    columns = ["edition", "survey_indicator", "rivm_indicator", "wijken", "held", "share"]
    if frame.empty:
        return pd.DataFrame(columns=[*columns, "in_overall"])
    per = frame.groupby(["edition", "survey_indicator", "rivm_indicator"], as_index=False).agg(
        wijken=("held", "size"), held=("held", "sum"), in_overall=("in_overall", "all")
    )
    overall = (
        frame[frame["in_overall"]]
        .groupby("edition", as_index=False)
        .agg(wijken=("held", "size"), held=("held", "sum"))
        .assign(survey_indicator="overall", rivm_indicator=None, in_overall=True)
    )
    out = pd.concat([per, overall], ignore_index=True)
    out["held"] = out["held"].astype(int)
    out["share"] = out["held"] / out["wijken"]
    return out[[*columns, "in_overall"]]


def latest_edition(con) -> int:
    return int(con.execute("SELECT max(edition) FROM editions").fetchone()[0])


TABLE = "survey_rivm_comparison"


def write_comparison(con) -> pd.DataFrame:
    """Compute the comparison of every edition and keep it in the warehouse as ``TABLE`` (one
    row per edition, pair and CBS wijk); returns it."""
    frame = survey_vs_rivm(con)
    con.register("comparison_frame", frame)
    try:
        con.execute(f"CREATE OR REPLACE TABLE {TABLE} AS SELECT * FROM comparison_frame")
    finally:
        con.unregister("comparison_frame")
    return frame


def main(argv: list[str] | None = None) -> None:  # pragma: no cover - a developer aid
    import duckdb

    from pipelines.settings import published_warehouse_path

    argv = sys.argv[1:] if argv is None else argv
    path = argv[0] if argv else str(published_warehouse_path())
    with duckdb.connect(path, read_only=True) as con:
        table = coverage(survey_vs_rivm(con))
    for edition, rows in table.groupby("edition"):
        print(f"Edition {edition}: share of CBS wijken whose survey interval holds RIVM's value")
        for r in rows.itertuples():
            note = "" if r.in_overall else " (not in overall: defined differently)"
            print(f"  {r.survey_indicator:<32} {r.held:>3}/{r.wijken:<3} {r.share:6.1%}{note}")


if __name__ == "__main__":  # pragma: no cover
    main()
