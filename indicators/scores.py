"""The compass index and the theme, quadrant and centre scores.

Index of indicator x in area i, with x0 the gemeente value and D the mean absolute deviation of
the CBS wijken from x0 (the "typical distance" of a wijk from the city):

    index_i = clip(100 + s * spread * (x_i - x0) / D, lo, hi)

with s = +1 when higher is better (and for neutral, descriptive indicators) and -1 when higher
is worse; spread = 20 and [lo, hi] = [40, 160] (``indicators/statistics.yml``). So the gemeente
is 100, a wijk one typical distance better than the city is 120, and the scale is the same for
every indicator whatever its unit. When all wijken equal the city (D = 0) every index is 100.

Bands: < 70 very unfavourable, 70-90 unfavourable, 90-110 around average, 110-130 favourable,
>= 130 very favourable (for neutral indicators: much lower .. much higher). A survey deviation that is not significant is "around average" whatever
its index (the index itself is kept, for the theme means).

Theme score: unweighted mean of the indices of its indicators; quadrant score: unweighted mean
of its theme scores; centre: mean of the three judged quadrants (Samenstelling is described, not
judged).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from indicators.catalogue import Catalogue

KEYS = ["edition", "indicator_id"]
# Samenstelling and other neutral indicators are described, not judged: the same five steps,
# named as higher / lower than the city (blue tints on the site).
NEUTRAL_BANDS = {
    "very_unfavourable": "much_lower",
    "unfavourable": "lower",
    "average": "average",
    "favourable": "higher",
    "very_favourable": "much_higher",
}


def band_of(index: np.ndarray, bands: list[dict]) -> np.ndarray:
    edges = [b["from"] for b in bands]
    ids = np.array([b["id"] for b in bands], dtype=object)
    pos = np.searchsorted(edges, np.nan_to_num(index, nan=-1), side="right") - 1
    out = ids[np.clip(pos, 0, len(ids) - 1)]
    return np.where(np.isnan(index), None, out)


def index_values(x, x0, d, sign, spread: float, lo: float, hi: float) -> np.ndarray:
    x, x0, d, sign = (np.asarray(a, dtype=float) for a in (x, x0, d, sign))
    with np.errstate(invalid="ignore", divide="ignore"):
        raw = np.where(d > 0, 100 + sign * spread * (x - x0) / d, 100.0)
    return np.where(np.isnan(x) | np.isnan(x0), np.nan, np.clip(raw, lo, hi))


def add_index(frame: pd.DataFrame, settings: dict) -> pd.DataFrame:
    """Add reference_value, index and band to indicator rows (raw_value, direction, ...)."""
    c = settings["compass"]
    city = frame[(frame["layout"] == "cbs") & (frame["area_level"] == "gemeente")]
    ref = city[KEYS + ["raw_value"]].rename(columns={"raw_value": "reference_value"})
    frame = frame.merge(ref, on=KEYS, how="left")
    wijken = frame[(frame["layout"] == "cbs") & (frame["area_level"] == "wijk")]
    dev = (
        (wijken["raw_value"] - wijken["reference_value"])
        .abs()
        .groupby([wijken["edition"], wijken["indicator_id"]])
        .mean()
        .rename("typical_distance")
        .reset_index()
    )
    frame = frame.merge(dev, on=KEYS, how="left")
    sign = np.where(frame["direction"].eq("higher_is_worse"), -1.0, 1.0)
    idx = index_values(
        frame["raw_value"], frame["reference_value"], frame["typical_distance"], sign,
        c["spread"], c["clip"][0], c["clip"][1],
    )  # fmt: skip
    idx = np.where(frame["in_compass"].astype(bool), idx, np.nan)
    frame["index"] = idx
    band = band_of(idx, c["bands"])
    not_sig = frame["source"].eq("survey") & frame["significant_vs_city"].eq(False)
    band = np.where(not_sig & ~np.isnan(idx), "average", band)
    neutral = frame["direction"].eq("neutral").to_numpy()
    frame["band"] = np.where(neutral, pd.Series(band).map(NEUTRAL_BANDS).to_numpy(), band)
    return frame.drop(columns=["typical_distance"])


def compass_scores(values: pd.DataFrame, catalogue: Catalogue) -> pd.DataFrame:
    """Theme, quadrant and centre scores per area from indicator indices."""
    judged = {q.id for q in catalogue.quadrants if q.judged}
    area = ["edition", "layout", "area_level", "area_code"]
    v = values[values["index"].notna()]
    theme = (
        v.groupby(area + ["quadrant", "theme"])["index"]
        .agg(score="mean", n_parts="count")
        .reset_index()
    )
    quadrant = (
        theme.groupby(area + ["quadrant"])["score"]
        .agg(score="mean", n_parts="count")
        .reset_index()
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
