"""The compass index and the theme, quadrant and centre scores.

Index of indicator x in area i, with x0 the gemeente value and D the mean absolute deviation of
the CBS wijken from x0 (the "typical distance" of a wijk from the city):

    index_i = clip(100 + s * spread * (x_i - x0) / D, lo, hi)

with s = +1 when higher is better (and for neutral, descriptive indicators) and -1 when higher
is worse; spread = 20 and [lo, hi] = [40, 160] (``indicators/statistics.yml``). So the gemeente
is 100, a wijk one typical distance better than the city is 120, and the scale is the same for
every indicator whatever its unit. When all wijken equal the city (D = 0) every index is 100.

The index and its band are one pair of DuckDB macros, ``compass_index`` and ``compass_band``
(``indicators.compass_index``), called by the engine (``indicators.engine.FINISH_SQL``) and by the
development compass (``indicators.trends``); the site bands scores by the same table.

Bands: < 70 very unfavourable, 70-90 unfavourable, 90-110 around average, 110-130 favourable,
>= 130 very favourable (for neutral indicators: much lower .. much higher). A survey
deviation that is not significant is "around average" whatever
its index (the index itself is kept, for the theme means).

Theme score: unweighted mean of the indices of its indicators; quadrant score: unweighted mean
of its theme scores; centre: mean of the three judged quadrants (Samenstelling is described, not
judged).
"""

from __future__ import annotations

import pandas as pd

from indicators.catalogue import Catalogue


def compass_scores(
    values: pd.DataFrame, catalogue: Catalogue, index: str = "index"
) -> pd.DataFrame:
    """Theme, quadrant and centre scores per area from indicator indices (the column ``index``;
    ``development_index`` gives the development compass)."""
    judged = {q.id for q in catalogue.quadrants if q.judged}
    area = ["edition", "layout", "area_level", "area_code"]
    v = values[values[index].notna()]
    theme = (
        v.groupby(area + ["quadrant", "theme"])[index]
        .agg(score="mean", n_parts="count")
        .reset_index()
    )
    quadrant = (
        theme.groupby(area + ["quadrant"])["score"].agg(score="mean", n_parts="count").reset_index()
    )
    centre = (
        quadrant[quadrant["quadrant"].isin(judged)]
        .groupby(area)["score"]
        .agg(score="mean", n_parts="count")
        .reset_index()
    )
    theme = theme.assign(score_level="theme", score_id=theme["theme"])
    quadrant = quadrant.assign(score_level="quadrant", score_id=quadrant["quadrant"], theme=None)
    centre = centre.assign(score_level="centre", score_id="centre", quadrant=None, theme=None)
    out = pd.concat([theme, quadrant, centre], ignore_index=True)
    out["score"] = out["score"].round(1)
    return out[area + ["score_level", "score_id", "quadrant", "score", "n_parts"]]
