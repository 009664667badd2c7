"""What a wijkanalyse lists, recomputed from the warehouse in SQL and plain Python, independent
of dashboards.wijkanalyse: the tests of the reports and of the notebooks hold the lists they
show against these.

- strengths / weaknesses: per judged quadrant the compass indicators in the (very) favourable
  or unfavourable bands, a survey figure only if it differs significantly from the city,
  largest |index − 100| first; ties by the difference from the city in standard deviations of
  the layout's wijken, then the title;
- changes: the clear changes since the previous edition (outside the development compass's
  'around average' band; survey: significant only), largest in standard deviations first;
- differences: the index as the compass reads it (a survey figure not significantly different
  from the city counts as 100), the area's minus the mean of its similar areas, on the judged
  compass indicators every similar area has; from one band (10 points) on."""

from __future__ import annotations

import functools
from dataclasses import dataclass

import pandas as pd

from indicators.catalogue import load_catalogue

BANDS = {
    "strengths": ("favourable", "very_favourable"),
    "weaknesses": ("unfavourable", "very_unfavourable"),
}
CLEAR_DIFFERENCE = 10


@dataclass
class Listed:
    """Everything that qualifies, in the order a report lists it (the report shows a head)."""

    ids: list[str]

    def head(self, n: int) -> list[str]:
        return self.ids[:n]


@functools.cache
def judged_quadrants() -> tuple[str, ...]:
    return tuple(q.id for q in load_catalogue().quadrants if q.judged)


def area_rows(con, edition: int, layout: str, code: str) -> pd.DataFrame:
    """The area's published rows with the figures the lists are ordered on."""
    return con.execute(
        """WITH spread AS (
             SELECT indicator_id, stddev_samp(value) AS sd FROM indicator_values
             WHERE edition = $edition AND layout = $layout AND area_level = 'wijk'
               AND NOT suppressed
             GROUP BY 1)
           SELECT v.indicator_id, v.quadrant, v.source, v.band, v.trend, v.change,
                  v.change_significant, v.development_band, c.in_compass, c.title_nl,
                  abs(v.index - 100) AS deviation,
                  CASE WHEN sd > 0 AND v.reference_value IS NOT NULL
                       THEN abs(v.value - v.reference_value) / sd ELSE 0 END AS raw,
                  CASE WHEN sd > 0 THEN abs(v.change) / sd ELSE 0 END AS change_size,
                  v.source <> 'survey' OR coalesce(v.significant_vs_city, false) AS clear_of_noise
           FROM indicator_values v JOIN indicator_catalogue c USING (indicator_id)
           LEFT JOIN spread USING (indicator_id)
           WHERE v.edition = $edition AND v.layout = $layout AND v.area_code = $code
             AND NOT v.suppressed AND v.value IS NOT NULL
             AND c.replaced_by IS NULL  -- one figure per concept: the real one""",
        {"edition": edition, "layout": layout, "code": code},
    ).df()


def strengths(rows: pd.DataFrame, kind: str) -> dict[str, Listed]:
    """Per judged quadrant (in compass order) the clear deviations of ``kind``."""
    out = {}
    for quadrant in judged_quadrants():
        part = rows[
            (rows["quadrant"] == quadrant)
            & rows["in_compass"]
            & rows["clear_of_noise"]
            & rows["band"].isin(BANDS[kind])
        ]
        ordered = sorted(part.itertuples(), key=lambda r: (-r.deviation, -r.raw, r.title_nl))
        out[quadrant] = Listed([r.indicator_id for r in ordered])
    return out


def changes(rows: pd.DataFrame, trend: str) -> Listed:
    """The clear changes of ``trend`` ('better' / 'worse'), largest first."""
    real = (rows["source"] != "survey") | rows["change_significant"].fillna(False).astype(bool)
    clear = rows["development_band"].notna() & (rows["development_band"] != "average")
    part = rows[(rows["trend"] == trend) & real & clear]
    ordered = sorted(part.itertuples(), key=lambda r: (-r.change_size, r.title_nl))
    return Listed([r.indicator_id for r in ordered])


def compass_index(con, edition: int, layout: str, codes: list[str]) -> dict:
    """(area, indicator) -> the index as the compass reads it, judged compass indicators."""
    rows = con.execute(
        """SELECT area_code, indicator_id, CASE WHEN v.source = 'survey'
                  AND NOT coalesce(significant_vs_city, false) THEN 100 ELSE index END
           FROM indicator_values v JOIN indicator_catalogue c USING (indicator_id)
           WHERE edition = $edition AND layout = $layout AND list_contains($codes, area_code)
             AND NOT suppressed AND value IS NOT NULL AND index IS NOT NULL
             AND c.in_compass AND list_contains($judged, v.quadrant)""",
        {"edition": edition, "layout": layout, "codes": codes, "judged": list(judged_quadrants())},
    ).fetchall()
    return {(a, i): x for a, i, x in rows}


def similar_codes(con, edition: int, layout: str, code: str) -> list[str]:
    return [
        c
        for (c,) in con.execute(
            "SELECT similar_code FROM similar_areas WHERE edition = ? AND layout = ? "
            "AND area_code = ? ORDER BY rank",
            [edition, layout, code],
        ).fetchall()
    ]


def differences(con, edition: int, layout: str, code: str) -> tuple[dict, dict[str, Listed]]:
    """The differences from the similar areas per indicator, and the 'better' and 'worse'
    lists (largest first, ties by title)."""
    others = similar_codes(con, edition, layout, code)
    index = compass_index(con, edition, layout, [code, *others])
    titles = dict(con.execute("SELECT indicator_id, title_nl FROM indicator_catalogue").fetchall())
    found = {}
    for (area, indicator), own in index.items():
        theirs = [index.get((o, indicator)) for o in others]
        if area == code and others and all(t is not None for t in theirs):
            found[indicator] = own - sum(theirs) / len(theirs)
    lists = {}
    for key, sign in (("better", 1), ("worse", -1)):
        clear = [i for i, d in found.items() if sign * d >= CLEAR_DIFFERENCE]
        lists[key] = Listed(sorted(clear, key=lambda i: (-sign * found[i], titles[i])))
    return found, lists
