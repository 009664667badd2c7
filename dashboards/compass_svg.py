"""The compass as an SVG sunburst, drawn at build time for the site, the reports and the
notebooks (no JavaScript needed): centre score, four quadrants (a quarter each, the first from
12 o'clock clockwise), their themes (equal parts of the quadrant) and the indicators (equal
parts of their theme) — coloured by band, with the scores written in the centre, quadrant and
theme sectors, and a ``<title>`` on every sector.

On the site (``links``) every indicator cell is a link to its row in the page's table and every
theme a link to its zoomed list (``#zoom-<theme>``, shown by CSS ``:target``), each named by its
``<title>`` (indicator, value, gemeente value, band), so the compass works by keyboard and
without a script. A second compass of the same area (the development compass) re-uses the first
one's cell outlines (``reuse``) instead of repeating them."""

from __future__ import annotations

import math
from functools import cache
from html import escape

from dashboards import i18n
from dashboards.palette import FILL, INK, band_key, score_band
from dashboards.presentation import IndicatorRow

RADII = (58, 118, 178, 228)  # centre, quadrant ring, theme ring, indicator ring (outer edges)
SIZE = 2 * RADII[-1] + 16


def _point(r: float, angle: float) -> tuple[float, float]:
    """Angle in degrees clockwise from 12 o'clock -> SVG x, y around the centre (0, 0)."""
    a = math.radians(angle)
    return r * math.sin(a), -r * math.cos(a)


def _n(v: float) -> str:
    """A coordinate to a tenth, as short as it can be written ('12', '-3.5', never '-0.0')."""
    text = f"{v:.1f}".rstrip("0").rstrip(".")
    return "0" if text == "-0" else text


@cache  # the same catalogue gives every area the same cells: each outline computed once
def _sector(r0: float, r1: float, a0: float, a1: float) -> str:
    large = 1 if a1 - a0 > 180 else 0
    (x0, y0), (x1, y1) = _point(r1, a0), _point(r1, a1)
    (x2, y2), (x3, y3) = _point(r0, a1), _point(r0, a0)
    return (
        f"M{_n(x0)},{_n(y0)}A{r1},{r1} 0 {large} 1 {_n(x1)},{_n(y1)}"
        f"L{_n(x2)},{_n(y2)}A{r0},{r0} 0 {large} 0 {_n(x3)},{_n(y3)}Z"
    )


def _shape(d: str, fill_key: str, title: str) -> str:
    return (
        f'<path d="{d}" fill="{FILL[fill_key]}" stroke="#fff" stroke-width="0.8">'
        f"<title>{escape(title)}</title></path>"
    )


class _Cells:
    """How a sector is written: a plain shape with a tooltip (print), or on the site a link
    named by its ``<title>``, whose outline another compass of the page may re-use."""

    def __init__(self, links: bool, define: str | None, reuse: str | None):
        self.links, self.define, self.reuse, self.n = links, define, reuse, 0

    def __call__(
        self,
        d: str,
        fill_key: str,
        title: str,
        href: str | None = None,
        turned: tuple[str, float] | None = None,
    ) -> str:
        """One sector; ``turned``: (id of a template outline, angle) draws it as that outline
        turned about the centre (the cells of a theme are one shape: a few bytes each)."""
        if not self.links:
            return _shape(d, fill_key, title)
        self.n += 1
        # the colour sits on the cell's link, not on its outline: a re-used outline (<use>)
        # then takes the colour of the compass that re-uses it (a path's own fill would win)
        fill = f' fill="{FILL[fill_key]}"'
        ident = f' id="{self.define}{self.n}"' if self.define else ""
        if self.reuse:
            shape = f'<use href="#{self.reuse}{self.n}"/>'
        elif turned:
            template, angle = turned
            shape = f'<use{ident} href="#{template}" transform="rotate({_n(angle)})"/>'
        else:
            shape = f'<path{ident} d="{d}"/>'
        body = f"<title>{escape(title)}</title>{shape}"
        if href:
            return f'<a href="{escape(href)}"{fill}>{body}</a>'
        # a quadrant has nothing to open: focusable all the same, so the keyboard reads it too
        return f'<g role="img" tabindex="0"{fill}>{body}</g>'


def _label(text: str, r: float, angle: float, fill_key: str, size: int) -> str:
    x, y = _point(r, angle)
    return (
        f'<text x="{x:.1f}" y="{y:.1f}" font-size="{size}" text-anchor="middle" '
        f'dominant-baseline="central" fill="{INK[fill_key]}">{escape(text)}</text>'
    )


def compass_svg(
    rows: list[IndicatorRow],
    scores: dict[tuple[str, str], float],
    quadrants,
    bands: list[dict],
    lang: str,
    *,
    label: str,
    band_field: str = "band_key",
    text_field: str = "cell_text",
    links: bool = False,
    define: str | None = None,
    reuse: str | None = None,
    font_scale: float = 1.0,
) -> str:
    """The compass of one area as an SVG string. ``rows``: the area's presented indicator
    values in compass order (``dashboards.presentation``); ``scores``: (score_level, score_id)
    -> score; the development compass passes its own cell colour and text fields. ``links``:
    cells link to ``#r-<indicator>`` and themes to ``#zoom-<theme>`` (the site); ``define``
    gives the cell outlines ids with that prefix, ``reuse`` draws them from such ids (a second
    compass of the same rows on the page); ``font_scale`` enlarges the written scores."""
    parts = []
    defs: list[str] = []  # template outlines, drawn only by reference
    cell = _Cells(links, define, reuse)
    by_theme: dict[str, list[IndicatorRow]] = {}
    for row in rows:
        if row.in_compass:
            by_theme.setdefault(row.theme, []).append(row)

    def score_key(level: str, score_id: str, neutral: bool) -> tuple[float | None, str]:
        score = scores.get((level, score_id))
        return score, band_key(score_band(score, bands, neutral), neutral)

    def words(score, key: str) -> str:
        text = i18n.number(score, 0, lang)
        return f"{text} ({i18n.BANDS[key.removeprefix('neutral_') or 'none'][lang]})"

    labels = []
    for qi, quadrant in enumerate(quadrants):
        neutral = not quadrant.judged
        q0, q1 = qi * 90.0, (qi + 1) * 90.0
        title = quadrant.title.nl if lang == "nl" else quadrant.title.en
        q_score, q_key = score_key("quadrant", quadrant.id, neutral)
        parts.append(
            cell(_sector(RADII[0], RADII[1], q0, q1), q_key, f"{title}: {words(q_score, q_key)}")
        )
        labels.append(
            _label(
                i18n.number(q_score, 0, lang),
                (RADII[0] + RADII[1]) / 2,
                q0 + 45,
                q_key,
                round(15 * font_scale),
            )
        )
        step = 90.0 / len(quadrant.themes)
        for ti, theme in enumerate(quadrant.themes):
            t0, t1 = q0 + ti * step, q0 + (ti + 1) * step
            t_score, t_key = score_key("theme", theme.id, neutral)
            theme_title = theme.title.nl if lang == "nl" else theme.title.en
            parts.append(
                cell(
                    _sector(RADII[1], RADII[2], t0, t1),
                    t_key,
                    f"{theme_title}: {words(t_score, t_key)}",
                    f"#zoom-{theme.id}" if links else None,
                )
            )
            labels.append(
                _label(
                    i18n.number(t_score, 0, lang),
                    (RADII[1] + RADII[2]) / 2,
                    (t0 + t1) / 2,
                    t_key,
                    round(12 * font_scale),
                )
            )
            leaves = by_theme.get(theme.id, [])
            width = (t1 - t0) / max(len(leaves), 1)
            template = None
            if links and define and leaves:  # the theme's cell outline, once, turned per cell
                template = f"{define}t{qi}{ti}"
                defs.append(f'<path id="{template}" d="{_sector(RADII[2], RADII[3], 0, width)}"/>')
            for li, row in enumerate(leaves):
                parts.append(
                    cell(
                        _sector(RADII[2], RADII[3], t0 + li * width, t0 + (li + 1) * width),
                        getattr(row, band_field),
                        f"{row.title}: {getattr(row, text_field)}",
                        f"#r-{row.indicator_id}" if links else None,
                        (template, t0 + li * width) if template else None,
                    )
                )
    centre, c_key = score_key("centre", "centre", False)
    if links:
        parts.append(
            f'<g role="img" tabindex="0"><title>{escape(label)}: {words(centre, c_key)}</title>'
            f'<circle r="{RADII[0]}" fill="{FILL[c_key]}"/></g>'
        )
    else:
        parts.append(
            f'<circle r="{RADII[0]}" fill="{FILL[c_key]}" stroke="#fff" stroke-width="0.8">'
            f"<title>{escape(label)}: {i18n.number(centre, 0, lang)}</title></circle>"
        )
    labels.append(_label(i18n.number(centre, 0, lang), 0, 0, c_key, round(26 * font_scale)))
    half = SIZE / 2
    # on the site the outlines are white and the written scores let clicks through to the cell
    style = ' stroke="#fff" stroke-width="0.8"' if links else ""
    text = (
        '<g pointer-events="none" aria-hidden="true" stroke="none">' + "".join(labels) + "</g>"
        if links
        else "".join(labels)
    )
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="{-half} {-half} {SIZE} {SIZE}" '
        f'class="compass-svg" role="{"group" if links else "img"}" aria-label="{escape(label)}" '
        f'font-family="system-ui, sans-serif"{style}>'
        + (f"<defs>{''.join(defs)}</defs>" if defs else "")
        + "".join(parts)
        + text
        + "</svg>"
    )
