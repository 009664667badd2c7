"""What changed since the previous edition, ranked: the real improvements and deteriorations of
an area's judged indicators (survey: significant changes only), largest first, where the size
of a change is measured against how much the wijken differ on the indicator (the standard
deviation of the published wijk values), so changes in different units can be ranked together.
Read by the area pages and the wijkanalyse reports."""

from __future__ import annotations

import pandas as pd

from dashboards.presentation import IndicatorRow


def wijk_spread(values: pd.DataFrame) -> dict[str, float]:
    """Per indicator the standard deviation of the published wijk values of ``values``."""
    wijken = values[(values["area_level"] == "wijk") & ~values["suppressed"]]
    return wijken.groupby("indicator_id")["value"].std().to_dict()


def is_real(row: IndicatorRow) -> bool:
    """A change that counts: every CBS / register change, a survey change only if significant."""
    if row.source == "survey":
        return row.change_significant is True
    return True


def relative_size(row: IndicatorRow, spread: dict[str, float]) -> float:
    """|change| in standard deviations of the wijken (0 where the wijken do not differ)."""
    sd = spread.get(row.indicator_id)
    if sd is None or sd != sd or sd <= 0:
        return 0.0
    return abs(float(row.change)) / sd


def is_clear(row: IndicatorRow) -> bool:
    """A change that counts and is not small: outside the 'around average' band of the
    development compass (at least half the wijken's mean absolute change)."""
    band = row.development_band
    return is_real(row) and band is not None and band != "average"


def ranked_changes(
    rows: list[IndicatorRow], spread: dict[str, float], trend: str, clear_only: bool = False
) -> list[IndicatorRow]:
    """The presented rows with ``trend`` ('better' / 'worse') that count (with ``clear_only``:
    only clear changes), largest first."""
    keep = is_clear if clear_only else is_real
    found = [r for r in rows if r.trend == trend and keep(r)]
    found.sort(key=lambda r: (-relative_size(r, spread), r.title))
    return found


def comparison(rows: list[IndicatorRow]) -> dict:
    """Whether an area's rows were compared with the previous edition, the commonest reason
    why not, and whether an earlier figure was recomputed for today's area."""
    compared = any(r.trend for r in rows)
    notes = [r.trend_note_text for r in rows if r.trend_note_text and not compared]
    return {
        "compared": compared,
        "reason": max(sorted(set(notes)), key=notes.count) if notes else "",
        "recomputed": any(r.recomputed_text for r in rows),
        "n_compared": sum(1 for r in rows if r.trend),
    }
