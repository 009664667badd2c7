"""The ranking chart of an indicator page as SVG drawn at build time: wijken ranked by value,
each a dot coloured by its band with its 95% interval, and a dashed line at the gemeente value.
The table under it gives the same figures; the chart needs no script."""

from __future__ import annotations

import math
from html import escape

from dashboards.palette import FILL

ROW = 24  # px per wijk
LEFT, RIGHT, TOP, BOTTOM = 200, 24, 8, 44  # margins: names left, axis below
WIDTH = 720


def _ticks(low: float, high: float, n: int = 5) -> list[float]:
    """About ``n`` round tick values covering [low, high]."""
    span = high - low or abs(high) or 1.0
    raw = span / n
    magnitude = 10 ** math.floor(math.log10(raw))
    step = next(m * magnitude for m in (1, 2, 2.5, 5, 10) if m * magnitude >= raw)
    first = math.floor(low / step) * step
    return [first + i * step for i in range(int((high - first) / step) + 2)]


def _finite(value) -> bool:
    return value is not None and value == value


def ranking_svg(rows: list, reference: float | None, unit: str, *, label: str, fmt) -> str:
    """Wijken ranked by value (highest on top), dots coloured by band with their intervals;
    ``rows``: (presented row, wijk name) pairs; ``fmt(value)``
    writes an axis number in the page's language."""
    names = {id(r): name for r, name in rows}
    ranked = sorted((r for r, _ in rows if _finite(r.value)), key=lambda r: -r.value)
    if not ranked:
        return ""
    values = [r.value for r in ranked]
    values += [v for r in ranked for v in (r.ci_low, r.ci_high) if _finite(v)]
    if reference is not None:
        values.append(reference)
    ticks = _ticks(min(values), max(values))
    lo, hi = ticks[0], ticks[-1]
    if hi <= lo:
        hi = lo + 1.0
    plot = WIDTH - LEFT - RIGHT
    height = TOP + ROW * len(ranked) + BOTTOM

    def x(v: float) -> float:
        return LEFT + (v - lo) / (hi - lo) * plot

    parts = []
    for t in ticks:
        parts.append(
            f'<line x1="{x(t):.1f}" x2="{x(t):.1f}" y1="{TOP}" y2="{height - BOTTOM}" '
            f'stroke="#e5e5e5"/><text x="{x(t):.1f}" y="{height - BOTTOM + 16}" '
            f'text-anchor="middle">{escape(fmt(t))}</text>'
        )
    middle = LEFT + plot / 2
    parts.append(
        f'<text x="{middle:.1f}" y="{height - 6}" text-anchor="middle">{escape(unit)}</text>'
    )
    if reference is not None:
        parts.append(
            f'<line x1="{x(reference):.1f}" x2="{x(reference):.1f}" y1="{TOP}" '
            f'y2="{height - BOTTOM}" stroke="#1a1a1a" stroke-dasharray="5 4" stroke-width="1.5"/>'
        )
    for i, r in enumerate(ranked):
        y = TOP + ROW * i + ROW / 2
        text = r.value_text + (f" ({r.interval_text})" if r.interval_text else "")
        whisker = ""
        if _finite(r.ci_low) and _finite(r.ci_high):
            whisker = (
                f'<line x1="{x(r.ci_low):.1f}" x2="{x(r.ci_high):.1f}" y1="{y:.1f}" '
                f'y2="{y:.1f}" stroke="#555" stroke-width="1.5"/>'
            )
        parts.append(
            f"<g><title>{escape(names[id(r)])}: {escape(text)}</title>"
            f'<text x="{LEFT - 8}" y="{y:.1f}" text-anchor="end" dominant-baseline="central">'
            f"{escape(names[id(r)])}</text>{whisker}"
            f'<circle cx="{x(r.value):.1f}" cy="{y:.1f}" r="6" fill="{FILL[r.band_key]}" '
            f'stroke="#333"/></g>'
        )
    return (
        f'<svg class="ranking-svg" viewBox="0 0 {WIDTH} {height}" role="img" '
        f'aria-label="{escape(label)}" font-family="system-ui, sans-serif" font-size="13" '
        f'fill="#1a1a1a">' + "".join(parts) + "</svg>"
    )
