"""The site's maps: wijken and buurten of the gemeente as SVG, coloured by compass band."""

from __future__ import annotations

from dashboards.palette import FILL, band_key
from geo.svg import MapFrame, Shape, path_data, svg_map


class Maps:
    """Path data computed once per area, reused by every page that draws it."""

    def __init__(self, geometry: dict[str, dict[str, object]]):
        self.geometry = geometry
        everything = [g for level in ("wijk", "buurt") for g in geometry.get(level, {}).values()]
        self.frame = MapFrame.around(everything)
        self._paths: dict[tuple[str, str], str] = {}

    def d(self, level: str, code: str) -> str:
        key = (level, code)
        if key not in self._paths:
            self._paths[key] = path_data(self.geometry[level][code], self.frame)
        return self._paths[key]

    def choropleth(
        self, level: str, cells: dict[str, dict], *, label: str, href, css_class: str = "map"
    ) -> str:
        """One shape per area of ``level``; ``cells[code]`` gives band, neutral and title."""
        shapes = []
        for code in sorted(self.geometry.get(level, {})):
            cell = cells.get(code)
            if cell is None:
                continue
            shapes.append(
                Shape(
                    code=code,
                    d=self.d(level, code),
                    title=cell["title"],
                    href=href(code),
                    fill=FILL[band_key(cell.get("band"), cell.get("neutral", False))],
                )
            )
        return svg_map(shapes, self.frame, label=label, css_class=css_class)

    def labels(self, level: str, names: dict[str, str]) -> list[dict]:
        """Where to write each area's name over the map: a point inside the area, as a share of
        the map's width and height (HTML labels in CSS pixels stay legible at any map size)."""
        out = []
        width, height = self.frame.maxx - self.frame.minx, self.frame.maxy - self.frame.miny
        for code, name in names.items():
            geometry = self.geometry.get(level, {}).get(code)
            if geometry is None:
                continue
            point = geometry.representative_point()
            out.append(
                {
                    "code": code,
                    "name": name,
                    "left": round(100 * (point.x - self.frame.minx) / width, 2),
                    "top": round(100 * (self.frame.maxy - point.y) / height, 2),
                }
            )
        return out

    def locator(self, level: str, code: str, context_level: str, *, label: str, names) -> str:
        """A small map: the areas of ``context_level`` in grey, ``code`` highlighted on top."""
        shapes = [
            Shape(code=c, d=self.d(context_level, c), title=names(c), css_class="ctx")
            for c in sorted(self.geometry.get(context_level, {}))
            if not (context_level == level and c == code)
        ]
        if code in self.geometry.get(level, {}):
            shapes.append(
                Shape(code=code, d=self.d(level, code), title=names(code), css_class="here")
            )
        return svg_map(shapes, self.frame, label=label, css_class="map locator")
