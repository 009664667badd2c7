"""A small map of the Netherlands that locates the gemeente of the compass and shades the
comparable gemeenten it is compared with (the national context of every area page).

Drawn once per site from CBS/Kadaster's generalised gemeente map (kind national_boundaries,
``ingest.national.national_boundaries``) as three plain SVG paths in RD New, one kilometre a
unit: the land of the country (the gemeenten dissolved), the comparable gemeenten, the gemeente
itself, and a ring around it so that an island gemeente of a few square kilometres is found.
Simplified to what a 160 px picture shows (a few kilobytes): a locator, not a map to measure on.
"""

from __future__ import annotations

import html

import shapely

from geo.boundaries import RD_NEW

KM = 1000.0
LAND, COMPARABLE, HERE = "#e4e4e4", "#9ecae1", "#08519c"


def _rings(geometry) -> list:
    polygons = getattr(geometry, "geoms", [geometry])
    out = []
    for polygon in polygons:
        if polygon.geom_type != "Polygon" or polygon.is_empty:
            continue
        out += [polygon.exterior, *polygon.interiors]
    return out


def _path(geometry, x0: float, y1: float) -> str:
    """Path data in whole kilometres from the map's top-left corner (y downwards); a ring
    that shrinks to fewer than three points is left out."""
    parts = []
    for ring in _rings(geometry):
        points = []
        for x, y in ring.coords[:-1]:
            p = (round((x - x0) / KM), round((y1 - y) / KM))
            if not points or p != points[-1]:
                points.append(p)
        if len(points) >= 3:
            parts.append("M" + "L".join(f"{x} {y}" for x, y in points) + "Z")
    return "".join(parts)


def netherlands_svg(gemeenten, here: str, comparable: set[str], title: str) -> str | None:
    """The SVG text of the locator (None when ``here`` is not on the gemeente map).
    ``gemeenten``: a GeoDataFrame with ``area_code`` (GM codes) and their land geometry."""
    frame = gemeenten.to_crs(RD_NEW)
    mine = frame[frame["area_code"] == here]
    if mine.empty:
        return None
    # the land: the gemeenten dissolved, the slivers between generalised neighbours closed
    land = shapely.union_all(frame.geometry.buffer(300).to_numpy()).buffer(-300)
    land = land.simplify(1200, preserve_topology=True)
    x0, y0, x1, y1 = land.bounds
    others = frame[frame["area_code"].isin(comparable - {here})]
    shade = shapely.union_all(others.geometry.to_numpy()).simplify(600, preserve_topology=True)
    own = shapely.union_all(mine.geometry.to_numpy()).simplify(300, preserve_topology=True)
    centre = own.representative_point()
    cx, cy = round((centre.x - x0) / KM), round((y1 - centre.y) / KM)
    width, height = round((x1 - x0) / KM), round((y1 - y0) / KM)
    escaped = html.escape(title, quote=True)
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" '
        f'role="img" aria-label="{escaped}"><title>{escaped}</title>'
        f'<path fill="{LAND}" d="{_path(land, x0, y1)}"/>'
        f'<path fill="{COMPARABLE}" d="{_path(shade, x0, y1)}"/>'
        f'<path fill="{HERE}" d="{_path(own, x0, y1)}"/>'
        f'<circle cx="{cx}" cy="{cy}" r="9" fill="none" stroke="{HERE}" stroke-width="2.5"/>'
        "</svg>\n"
    )
