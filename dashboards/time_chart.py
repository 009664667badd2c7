"""Over-time charts as SVG drawn at build time, for an indicator measured three or more times
(RIVM's health estimates of 2012, 2016 and 2020): the area, the gemeente and the Netherlands.

Two sizes: a line chart on the indicator page (the gemeente, the Netherlands and every wijk,
with a table of the same figures beside it) and a small one in every area's table of
indicators (the area, the gemeente and the Netherlands; its label names every figure, the
table alternative for a screen reader). Lines are told apart by colour and by dash, with a
legend in words; no script.
"""

from __future__ import annotations

from html import escape

from dashboards.ranking_chart import _ticks

MIN_POINTS = 3  # a line through two points is a change, not a series

# (stroke colour, dash pattern) of the three lines: area, gemeente, the Netherlands
STYLES = {
    "area": ("#0b3d91", ""),
    "gemeente": ("#1a1a1a", "4 3"),
    "land": ("#b35806", "1.5 2.5"),
}


def has_series(points: dict[int, float | None]) -> bool:
    """Whether ``points`` (year -> value) is a series worth a chart: three or more figures."""
    return sum(v is not None for v in points.values()) >= MIN_POINTS


def _coords(points, x, y, places: int = 1) -> str:
    return " ".join(f"{x(t):.{places}f},{y(v):.{places}f}" for t, v in points if v is not None)


def _polyline(points, x, y, style: str, width: float) -> str:
    colour, dash = STYLES[style]
    dashed = f' stroke-dasharray="{dash}"' if dash else ""
    return (
        f'<polyline points="{_coords(points, x, y)}" fill="none" stroke="{colour}" '
        f'stroke-width="{width}"{dashed}/>'
    )


def spark_svg(lines: dict[str, dict[int, float | None]], label: str) -> str:
    """A small chart (64 x 22 px) of up to three lines (``area``, ``gemeente``, ``land``: year
    -> value); ``label`` says every figure (it is the chart's text alternative)."""
    years = sorted({t for points in lines.values() for t in points})
    values = [v for points in lines.values() for v in points.values() if v is not None]
    if len(years) < MIN_POINTS or not values:
        return ""
    lo, hi = min(values), max(values)
    span = hi - lo or 1.0

    def x(t: int) -> float:
        return 2 + (t - years[0]) / (years[-1] - years[0]) * 60

    def y(v: float) -> float:
        return 20 - (v - lo) / span * 18

    # the strokes are in the site's stylesheet (svg.spark .area, .gemeente, .land): a few
    # bytes a line, as every area page has a chart in every row of such an indicator
    body = "".join(
        f'<polyline class="{style}" points="{_coords(sorted(points.items()), x, y, 0)}"/>'
        for style, points in lines.items()
        if points
    )
    return (
        f'<svg class="spark" viewBox="0 0 64 22" width="64" height="22" role="img" '
        f'aria-label="{escape(label)}">{body}</svg>'
    )


WIDTH, HEIGHT = 560, 260
LEFT, RIGHT, TOP, BOTTOM = 56, 16, 12, 40


def time_chart_svg(
    gemeente: dict[int, float | None],
    land: dict[int, float | None],
    wijken: list[dict[int, float | None]],
    *,
    label: str,
    fmt,
) -> str:
    """The indicator page's chart: every wijk a thin grey line, the gemeente and the Netherlands
    drawn over them (year -> value each); ``fmt`` writes an axis number."""
    years = sorted({t for points in (gemeente, land, *wijken) for t in points})
    values = [v for points in (gemeente, land, *wijken) for v in points.values() if v is not None]
    if len(years) < MIN_POINTS or not values:
        return ""
    ticks = _ticks(min(values), max(values))
    lo, hi = ticks[0], ticks[-1]
    if hi <= lo:
        hi = lo + 1.0
    plot_w, plot_h = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM

    def x(t: int) -> float:
        return LEFT + (t - years[0]) / (years[-1] - years[0]) * plot_w

    def y(v: float) -> float:
        return TOP + plot_h - (v - lo) / (hi - lo) * plot_h

    parts = []
    for t in ticks:
        parts.append(
            f'<line x1="{LEFT}" x2="{WIDTH - RIGHT}" y1="{y(t):.1f}" y2="{y(t):.1f}" '
            f'stroke="#e5e5e5"/><text x="{LEFT - 6}" y="{y(t):.1f}" text-anchor="end" '
            f'dominant-baseline="central">{escape(fmt(t))}</text>'
        )
    for t in years:
        parts.append(
            f'<text x="{x(t):.1f}" y="{HEIGHT - BOTTOM + 18}" text-anchor="middle">{t}</text>'
        )
    for points in wijken:
        coords = " ".join(
            f"{x(t):.1f},{y(v):.1f}" for t, v in sorted(points.items()) if v is not None
        )
        if coords:
            parts.append(
                f'<polyline points="{coords}" fill="none" stroke="#c8c8c8" stroke-width="1"/>'
            )
    parts.append(_polyline(sorted(land.items()), x, y, "land", 2.5))
    parts.append(_polyline(sorted(gemeente.items()), x, y, "gemeente", 2.5))
    return (
        f'<svg class="time-svg" viewBox="0 0 {WIDTH} {HEIGHT}" role="img" '
        f'aria-label="{escape(label)}">{"".join(parts)}</svg>'
    )
