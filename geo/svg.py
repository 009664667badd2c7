"""Maps as plain SVG: polygons in RD New (EPSG:28992, metres) drawn as ``<path>`` elements.

No tiles, no JavaScript, no fetch: a map renders from ``file://``, offline and in print, and
each area can carry a link and a ``<title>`` tooltip. One ``MapFrame`` per map fixes the
viewBox (metres, y flipped), so maps of wijken and buurten of one gemeente line up.
"""

from __future__ import annotations

from dataclasses import dataclass
from html import escape

import shapely
from shapely.geometry.base import BaseGeometry

SIMPLIFY_METRES = 8.0  # below a pixel at the size the maps are shown (a city is ~25 km wide)


@dataclass(frozen=True)
class MapFrame:
    """The extent of a map in RD New metres, with a margin."""

    minx: float
    miny: float
    maxx: float
    maxy: float

    @classmethod
    def around(cls, geometries, margin: float = 0.02) -> MapFrame:
        minx, miny, maxx, maxy = shapely.total_bounds(list(geometries))
        pad = margin * max(maxx - minx, maxy - miny)
        return cls(minx - pad, miny - pad, maxx + pad, maxy + pad)

    @property
    def width(self) -> int:
        return round(self.maxx - self.minx)

    @property
    def height(self) -> int:
        return round(self.maxy - self.miny)

    def view_box(self) -> str:
        return f"0 0 {self.width} {self.height}"


def _ring(coords, frame: MapFrame) -> str:
    points = [(round(x - frame.minx), round(frame.maxy - y)) for x, y in coords[:-1]]
    first_x, first_y = points[0]
    steps = []
    px, py = first_x, first_y
    for x, y in points[1:]:
        if (x, y) != (px, py):
            steps.append(f"{x - px} {y - py}")
            px, py = x, y
    return f"M{first_x} {first_y}l" + " ".join(steps) + "z"


def path_data(geometry: BaseGeometry, frame: MapFrame) -> str:
    """The ``d`` attribute of a (multi)polygon: relative moves in whole metres."""
    simple = shapely.simplify(geometry, SIMPLIFY_METRES, preserve_topology=True)
    polygons = getattr(simple, "geoms", [simple])
    rings = []
    for polygon in polygons:
        if polygon.is_empty:
            continue
        rings.append(_ring(polygon.exterior.coords, frame))
        rings.extend(_ring(interior.coords, frame) for interior in polygon.interiors)
    return "".join(rings)


@dataclass(frozen=True)
class Shape:
    """One area on a map: what to draw, what to say and where to go."""

    code: str
    d: str
    title: str
    href: str | None = None
    css_class: str = ""
    fill: str | None = None


def svg_map(
    shapes: list[Shape], frame: MapFrame, *, label: str, css_class: str = "map", extra: str = ""
) -> str:
    """An SVG map: one path per shape, linked when it has an ``href``.

    ``label`` names the map for screen readers; the page gives the same figures as a table.
    """
    parts = [
        f'<svg class="{css_class}" viewBox="{frame.view_box()}" role="group" '
        f'aria-label="{escape(label)}" preserveAspectRatio="xMidYMid meet">'
    ]
    for shape in shapes:
        style = f' style="fill:{shape.fill}"' if shape.fill else ""
        cls = f' class="{shape.css_class}"' if shape.css_class else ""
        path = (
            f'<path data-code="{shape.code}"{cls}{style} d="{shape.d}">'
            f"<title>{escape(shape.title)}</title></path>"
        )
        if shape.href:
            path = f'<a href="{escape(shape.href)}" aria-label="{escape(shape.title)}">{path}</a>'
        parts.append(path)
    parts.append(extra)
    parts.append("</svg>")
    return "".join(parts)
