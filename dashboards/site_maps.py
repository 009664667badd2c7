"""The site's maps: wijken and buurten of the gemeente as SVG, coloured by compass band."""

from __future__ import annotations

from dashboards import i18n
from dashboards.palette import FILL, band_key
from geo.svg import MapFrame, Shape, path_data, svg_map

LABEL_MAP_PX = {"narrow": 358, "wide": 704}  # map widths: a 390 px phone, the 44rem maximum
LABEL_FONT_PX, LABEL_MAX_PX = 12, 112  # = .map-names span in site.css


def _label_box(name: str, x: float, y: float) -> tuple[float, float, float, float]:
    """The box a name takes around (x, y) in px: 12 px text, wrapped at 7rem."""
    text = 0.56 * LABEL_FONT_PX * len(name) + 6
    lines = max(1, -(-int(text) // LABEL_MAX_PX))
    w, h = min(text, LABEL_MAX_PX), lines * LABEL_FONT_PX * 1.2
    return x - w / 2, y - h / 2, x + w / 2, y + h / 2


def _overlap(a, b) -> bool:
    return a[0] < b[2] and b[0] < a[2] and a[1] < b[3] and b[1] < a[3]


class Maps:
    """Path data computed once per area, reused by every page that draws it."""

    def __init__(self, geometry: dict[str, dict[str, object]]):
        self.geometry = geometry
        everything = [g for level in ("wijk", "buurt") for g in geometry.get(level, {}).values()]
        # a gemeente without boundaries (built from the national file) gets no maps: every map
        # is a sentence saying so, the figures stay in the tables
        self.available = bool(everything)
        self.frame = MapFrame.around(everything) if everything else None
        self._paths: dict[tuple[str, str], str] = {}

    @staticmethod
    def no_map(lang: str) -> str:
        return f'<p class="no-map">{i18n.t("no_map", lang)}</p>'

    def d(self, level: str, code: str) -> str:
        key = (level, code)
        if key not in self._paths:
            self._paths[key] = path_data(self.geometry[level][code], self.frame)
        return self._paths[key]

    def choropleth(
        self,
        level: str,
        cells: dict[str, dict],
        *,
        label: str,
        href,
        css_class: str = "map",
        lang: str = "nl",
    ) -> str:
        """One shape per area of ``level``; ``cells[code]`` gives band, neutral and title."""
        if not self.available:
            return self.no_map(lang)
        if not self.geometry.get(level):  # e.g. the national wijk map, no buurt boundaries
            return f'<p class="no-map">{i18n.t(f"no_map_{level}", lang)}</p>'
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
        the map's width and height (HTML labels in CSS pixels stay legible at any map size).
        Names that would overlap a larger area's name are left out at that map width
        (``hide``: 'wide' on a desktop-sized map and narrower, 'narrow' on a phone)."""
        if not self.available:
            return []
        width, height = self.frame.maxx - self.frame.minx, self.frame.maxy - self.frame.miny
        areas = []
        for code, name in names.items():
            geometry = self.geometry.get(level, {}).get(code)
            if geometry is not None:
                point = geometry.representative_point()
                left = (point.x - self.frame.minx) / width
                top = (self.frame.maxy - point.y) / height
                areas.append((geometry.area, code, name, left, top))
        areas.sort(key=lambda a: (-a[0], a[1]))  # the largest areas keep their names first
        hidden = {code: "" for _, code, *_ in areas}
        for label, map_px in (("narrow", LABEL_MAP_PX["narrow"]), ("wide", LABEL_MAP_PX["wide"])):
            placed: list[tuple[float, float, float, float]] = []
            scale = map_px / width  # px per metre
            for _, code, name, left, top in areas:
                box = _label_box(name, left * width * scale, top * height * scale)
                if any(_overlap(box, other) for other in placed):
                    hidden[code] = label
                else:
                    placed.append(box)
        return [
            {
                "code": code,
                "name": name,
                "left": round(100 * left, 2),
                "top": round(100 * top, 2),
                "hide": hidden[code],
            }
            for _, code, name, left, top in sorted(areas, key=lambda a: a[1])
        ]

    def locator(
        self,
        level: str,
        code: str,
        context_level: str,
        *,
        label: str,
        names,
        lang: str = "nl",
        parent: str | None = None,
    ) -> str:
        """A small map: the areas of ``context_level`` in grey, ``code`` highlighted on top.
        Without a map of ``context_level`` (a gemeente with wijk boundaries only) a buurt is
        located by its wijk (``parent``) among the wijken."""
        if not self.available:
            return self.no_map(lang)
        if not self.geometry.get(context_level) and parent in self.geometry.get("wijk", {}):
            level, code, context_level = "wijk", parent, "wijk"
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
