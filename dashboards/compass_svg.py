"""The compass as a static SVG sunburst, for print and notebooks (no JavaScript): the same rings
as the site's Plotly compass (``compass_chart``) — centre score, four quadrants (a quarter
each, the first from 12 o'clock clockwise), their themes (equal parts of the quadrant) and the
indicators (equal parts of their theme) — coloured by band, with the scores written in the
centre, quadrant and theme sectors, and a ``<title>`` tooltip on every sector."""

from __future__ import annotations

import math
from html import escape

from dashboards import i18n
from dashboards.palette import FILL, INK, band_key, score_band

RADII = (58, 118, 178, 228)  # centre, quadrant ring, theme ring, indicator ring (outer edges)
SIZE = 2 * RADII[-1] + 16


def _point(r: float, angle: float) -> tuple[float, float]:
    """Angle in degrees clockwise from 12 o'clock -> SVG x, y around the centre (0, 0)."""
    a = math.radians(angle)
    return r * math.sin(a), -r * math.cos(a)


def _sector(r0: float, r1: float, a0: float, a1: float) -> str:
    large = 1 if a1 - a0 > 180 else 0
    (x0, y0), (x1, y1) = _point(r1, a0), _point(r1, a1)
    (x2, y2), (x3, y3) = _point(r0, a1), _point(r0, a0)
    return (
        f"M{x0:.1f},{y0:.1f}A{r1},{r1} 0 {large} 1 {x1:.1f},{y1:.1f}"
        f"L{x2:.1f},{y2:.1f}A{r0},{r0} 0 {large} 0 {x3:.1f},{y3:.1f}Z"
    )


def _shape(d: str, fill_key: str, title: str) -> str:
    return (
        f'<path d="{d}" fill="{FILL[fill_key]}" stroke="#fff" stroke-width="0.8">'
        f"<title>{escape(title)}</title></path>"
    )


def _label(text: str, r: float, angle: float, fill_key: str, size: int) -> str:
    x, y = _point(r, angle)
    return (
        f'<text x="{x:.1f}" y="{y:.1f}" font-size="{size}" text-anchor="middle" '
        f'dominant-baseline="central" fill="{INK[fill_key]}">{escape(text)}</text>'
    )


def compass_svg(
    rows: list[dict],
    scores: dict[tuple[str, str], float],
    quadrants,
    bands: list[dict],
    lang: str,
    *,
    label: str,
    band_field: str = "band_key",
    text_field: str = "cell_text",
) -> str:
    """The compass of one area as an SVG string (arguments as ``compass_figure``)."""
    parts = []
    by_theme: dict[str, list[dict]] = {}
    for row in rows:
        if row["in_compass"]:
            by_theme.setdefault(row["theme"], []).append(row)

    def score_key(level: str, score_id: str, neutral: bool) -> tuple[float | None, str]:
        score = scores.get((level, score_id))
        return score, band_key(score_band(score, bands, neutral), neutral)

    for qi, quadrant in enumerate(quadrants):
        neutral = not quadrant.judged
        q0, q1 = qi * 90.0, (qi + 1) * 90.0
        title = quadrant.title.nl if lang == "nl" else quadrant.title.en
        q_score, q_key = score_key("quadrant", quadrant.id, neutral)
        parts.append(
            _shape(
                _sector(RADII[0], RADII[1], q0, q1),
                q_key,
                f"{title}: {i18n.number(q_score, 0, lang)}",
            )
        )
        parts.append(
            _label(i18n.number(q_score, 0, lang), (RADII[0] + RADII[1]) / 2, q0 + 45, q_key, 15)
        )
        step = 90.0 / len(quadrant.themes)
        for ti, theme in enumerate(quadrant.themes):
            t0, t1 = q0 + ti * step, q0 + (ti + 1) * step
            t_score, t_key = score_key("theme", theme.id, neutral)
            theme_title = theme.title.nl if lang == "nl" else theme.title.en
            parts.append(
                _shape(
                    _sector(RADII[1], RADII[2], t0, t1),
                    t_key,
                    f"{theme_title}: {i18n.number(t_score, 0, lang)}",
                )
            )
            parts.append(
                _label(
                    i18n.number(t_score, 0, lang),
                    (RADII[1] + RADII[2]) / 2,
                    (t0 + t1) / 2,
                    t_key,
                    12,
                )
            )
            leaves = by_theme.get(theme.id, [])
            width = (t1 - t0) / max(len(leaves), 1)
            for li, row in enumerate(leaves):
                parts.append(
                    _shape(
                        _sector(RADII[2], RADII[3], t0 + li * width, t0 + (li + 1) * width),
                        row[band_field],
                        f"{row['title']}: {row[text_field]}",
                    )
                )
    centre, c_key = score_key("centre", "centre", False)
    parts.append(
        f'<circle r="{RADII[0]}" fill="{FILL[c_key]}" stroke="#fff" stroke-width="0.8">'
        f"<title>{escape(label)}: {i18n.number(centre, 0, lang)}</title></circle>"
    )
    parts.append(_label(i18n.number(centre, 0, lang), 0, 0, c_key, 26))
    half = SIZE / 2
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="{-half} {-half} {SIZE} {SIZE}" '
        f'class="compass-svg" role="img" aria-label="{escape(label)}" '
        f'font-family="system-ui, sans-serif">' + "".join(parts) + "</svg>"
    )
