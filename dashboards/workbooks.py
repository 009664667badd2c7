"""Excel workbooks for area teams: per area (``data/<code>.xlsx``, an own layout's
``data/<layout>/<code>.xlsx``, beside its CSV) the figures as the area's page shows them, one
sheet per quadrant of the compass with a frozen header, numbers as numbers in the indicator's
decimals (money in euros, as the page shows it) and a sheet explaining every column, the credit
of CBS and RIVM and what is synthetic; and the whole set as one workbook for statisticians
(``downloads/indicator_values.xlsx``: every area of every layout, one sheet).

Every row is an ``IndicatorRow`` (``dashboards.presentation``), the record the page renders: a
figure that is not published is empty with its reason, exactly as on the page. Text cells are
neutralised like the CSVs (``indicators.downloads.spreadsheet_safe``): no cell starts a formula.
Written with openpyxl in write-only mode (streamed, one sheet after the other).
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Alignment, Font
from openpyxl.utils import get_column_letter

from dashboards import i18n
from dashboards.presentation import IndicatorRow, present, value_records
from dashboards.site_data import SiteData
from indicators.datapackage import words
from indicators.downloads import FIGURE_KINDS, FORMULA_NOTE, spreadsheet_safe

LANG = "nl"  # for the municipality's area teams, as the reports
WHOLE_SET = "downloads/indicator_values.xlsx"
BOLD = Font(bold=True)
WRAP = Alignment(wrap_text=True, vertical="top")


def _plain(text: str) -> str:
    """Text without the non-breaking spaces that keep a number together on a page."""
    return text.replace(i18n.NBSP, " ")


def columns(previous_edition: int | None) -> list[tuple[str, str, int]]:
    """(key, heading, width) of the columns of a quadrant sheet: the headings are the pages' own
    words where the page has them (dashboards/i18n.py), else the workbook's
    (indicators/open_data.yml)."""
    w = words()["workbook"]
    t = lambda key, **f: i18n.t(key, LANG, **f)  # noqa: E731
    out = [
        ("theme", w["theme"], 24),
        ("indicator", t("col_indicator"), 48),
        ("value", t("col_value"), 12),
        ("unit", t("unit"), 20),
        ("city", t("col_city"), 12),
        ("ci_low", w["ci_low"], 12),
        ("ci_high", w["ci_high"], 12),
        ("difference", t("col_difference"), 22),
        ("index", t("col_index"), 8),
        ("band", w["band"], 20),
        ("note", t("col_note"), 40),
    ]
    if previous_edition:
        out += [
            ("previous", t("col_previous", year=previous_edition), 12),
            ("change", t("col_change"), 12),
            ("change_sig", t("col_change_sig"), 16),
            ("trend", t("col_trend_word"), 30),
        ]
    out += [
        ("source", t("source"), 24),
        ("year", t("year"), 8),
        ("figure_kind", w["figure_kind"], 22),
        ("indicator_id", "indicator_id", 32),
    ]
    return out


AREA_COLUMNS = [("layout", "layout", 12), ("area_code", "area_code", 12),
                ("area", "area", 28), ("area_level", "area_level", 10)]  # fmt: skip


def _scale(r: IndicatorRow) -> float:
    """CBS's money is 'x 1 000 euro'; the page shows euros."""
    return i18n.MONEY.get(r.unit or "", 1)


def _round(value, decimals: int):
    return None if value is None else round(float(value), decimals)


def _decimals(r: IndicatorRow, decimals: dict[str, int]) -> int:
    return 0 if r.unit in i18n.MONEY else decimals.get(r.indicator_id, 1)


def row_cells(
    r: IndicatorRow, theme: str, decimals: dict[str, int], with_trend: bool
) -> dict[str, object]:
    """One indicator of one area as the page shows it: numbers rounded as shown (money in
    euros), texts as written; nothing of a figure that is not published."""
    d = _decimals(r, decimals)
    scale = _scale(r)
    shown = r.published
    kinds = words()["workbook"]["kinds"]
    cells = {
        "theme": theme,
        "indicator": _plain(r.title + r.source_mark),
        "value": _round(r.value * scale, d) if shown else None,
        "unit": _plain(i18n.unit(r.unit, LANG)),
        "city": _round(r.reference_value * scale, d) if r.reference_value is not None else None,
        "ci_low": _round(r.ci_low * scale, d) if shown and r.interval_text else None,
        "ci_high": _round(r.ci_high * scale, d) if shown and r.interval_text else None,
        "difference": r.diff_text,
        "index": _round(r.index, 0) if r.index_text else None,
        "band": r.band_label if r.index_text else "",
        "note": _plain(r.note),
        "source": i18n.SOURCES[r.source][LANG],
        "year": r.period,
        "figure_kind": kinds[FIGURE_KINDS[r.source]],
        "indicator_id": r.indicator_id,
    }
    if with_trend:
        trend = r.trend is not None
        cells |= {
            "previous": _round(r.previous_value * scale, d)
            if trend and r.previous_value is not None
            else None,
            "change": _round(r.change * scale, d) if trend and r.change is not None else None,
            "change_sig": r.change_sig_text if trend else "",
            "trend": r.trend_word if trend else _plain(r.trend_note_text),
        }
    return cells


NUMBERS = ("value", "city", "ci_low", "ci_high", "previous", "change")


def number_format(decimals: int) -> str:
    """Thousands grouped, the indicator's decimals: Excel shows it in the reader's language
    (a Dutch Excel: 12.345,6)."""
    return "#,##0" if decimals <= 0 else "#,##0." + "0" * decimals


class WorkbookWriter:
    """The workbooks of one layout of the site (the CBS layout or an own layout): every row of
    every area made once, as one frame (text neutralised once), then written per area."""

    def __init__(self, data: SiteData):
        self.data = data
        self.with_trend = bool(data.previous_edition)
        self.columns = columns(data.previous_edition if self.with_trend else None)
        self.keys = [k for k, _, _ in self.columns]
        decimals = {
            k: int(v) for k, v in data.catalogue["decimals"].items() if v == v and v is not None
        }
        order = {th.id: (i, q.title.nl, th.title.nl) for i, (q, th) in enumerate(
            (q, th) for q in data.quadrants for th in q.themes)}  # fmt: skip
        rows, self.stats = [], {}
        values = data.values[data.values["area_level"].isin(LEVELS)]
        for r in present(value_records(values, data.catalogue), LANG):
            theme = order[r.theme]
            cells = row_cells(r, theme[2], decimals, self.with_trend)
            rows.append(
                cells
                | {"_area": r.area_code, "_order": theme[0], "_quadrant": theme[1],
                   "_decimals": _decimals(r, decimals)}
            )  # fmt: skip
            count = self.stats.setdefault(r.area_code, [False, 0, 0])
            count[0] |= r.synthetic
            count[1] += r.published and r.source in ("cbs", "rivm")
            count[2] += r.published
        frame = pd.DataFrame(rows, columns=[*self.keys, "_area", "_order", "_quadrant",
                                            "_decimals"])  # fmt: skip
        # the page's order: themes in compass order, the catalogue's order within a theme
        frame = frame.sort_values(["_area", "_order"], kind="stable")
        # an empty text is no cell at all (write-only skips None): a third fewer cells to write
        frame = frame.replace("", None)
        self.frame = spreadsheet_safe(frame.astype(object)).where(frame.notna(), None)
        self.parts = {code: part for code, part in self.frame.groupby("_area", sort=False)}

    def area(self, code: str) -> pd.DataFrame | None:
        return self.parts.get(code) if code in self.data.areas else None

    def write(self, code: str, target: Path) -> Path:
        """The workbook of area ``code``: a sheet per quadrant, the explanation last."""
        area = self.data.areas[code]
        part = self.parts[code]
        wb = Workbook(write_only=True)
        for q in self.data.quadrants:
            rows = part[part["_quadrant"] == q.title.nl]
            _data_sheet(wb, q.title.nl, self.columns, rows)
        level = i18n.LEVELS[area.level][LANG][0]
        title = f"{area.name} ({level}, {code})"
        if self.data.layout != "cbs":
            title += f" · {i18n.t('own_layout_title', LANG, layout=self.data.layout)}"
        synthetic, real, published = self.stats[code]
        _explanation(wb, _intro(title, synthetic, real, published, self.data.edition), self.columns)
        target.parent.mkdir(parents=True, exist_ok=True)
        wb.save(target)
        return target


def _header(ws, headings: list[str]) -> None:
    cells = []
    for text in headings:
        cell = WriteOnlyCell(ws, value=text)
        cell.font = BOLD
        cells.append(cell)
    ws.append(cells)


def _widths(ws, columns: list[tuple[str, str, int]]) -> None:
    for i, (_, _, width) in enumerate(columns, start=1):
        ws.column_dimensions[get_column_letter(i)].width = width


def _data_sheet(wb, title: str, columns, rows: pd.DataFrame) -> None:
    """A sheet of figures: a bold frozen header, a filter, numbers in their formats. One styled
    cell per column and number of decimals, reused (write-only: a row is written when it is
    appended)."""
    ws = wb.create_sheet(title[:31])
    ws.freeze_panes = "C2" if columns[0][0] == "theme" else "E2"
    _widths(ws, columns)
    keys = [k for k, _, _ in columns]
    _header(ws, [h for _, h, _ in columns])
    numbers = [i for i, k in enumerate(keys) if k in NUMBERS or k == "index"]
    styled: dict[tuple[int, int], WriteOnlyCell] = {}

    def cell(i: int, decimals: int) -> WriteOnlyCell:
        key = (i, decimals)
        if key not in styled:
            styled[key] = WriteOnlyCell(ws)
            styled[key].number_format = number_format(decimals)
        return styled[key]

    index = keys.index("index")
    for values, d in zip(
        rows[keys].itertuples(index=False, name=None), rows["_decimals"], strict=True
    ):
        out = list(values)
        for i in numbers:
            if out[i] is not None:
                c = cell(i, 0 if i == index else d)
                c.value = out[i]
                out[i] = c
        ws.append(out)
    if len(rows):
        ws.auto_filter.ref = f"A1:{get_column_letter(len(keys))}{len(rows) + 1}"


def _explanation(wb, lines: list[str], columns) -> None:
    w = words()["workbook"]
    figures = i18n.settings_figures()
    meanings = w["meanings"]
    ws = wb.create_sheet(w["explanation"])
    ws.column_dimensions["A"].width = 34
    ws.column_dimensions["B"].width = 110
    for line in lines:
        cell = WriteOnlyCell(ws, value=line)
        cell.alignment = WRAP
        ws.append([cell])
    ws.append([])
    _header(ws, [w["column"], w["meaning"]])
    rows = []
    for key, heading, _ in columns:
        rows.append({"c": heading, "m": meanings[key].format(**figures)})
    for c, m in spreadsheet_safe(pd.DataFrame(rows)).itertuples(index=False, name=None):
        cell = WriteOnlyCell(ws, value=m)
        cell.alignment = WRAP
        ws.append([c, cell])


def _intro(title: str, synthetic: bool, real: int, published: int, edition: int) -> list[str]:
    share = i18n.number(100 * real / published, 0, LANG) if published else "0"
    lines = [title, f"Wijkkompas, editie {edition}."]
    if synthetic:
        lines.append(f"{i18n.t('synthetic_title', LANG)} {i18n.t('synthetic_text', LANG)}")
    if published:
        lines.append(
            words()["workbook"]["real_share"].format(real=real, total=published, share=share)
        )
    lines += [i18n.t("credit", LANG), FORMULA_NOTE]
    return [_plain(x) for x in lines]


def area_workbook_path(code: str, layout: str = "cbs") -> str:
    """Beside the area's CSV: ``data/<code>.xlsx``; an own layout's under its name."""
    return f"data/{code}.xlsx" if layout == "cbs" else f"data/{layout}/{code}.xlsx"


# the areas with a workbook: those an area team works on, with a wijkanalyse (buurten are in
# the CSV downloads and their own CSV; the whole set of buurten made the build ~20 s slower)
LEVELS = ("gebied", "wijk")


def write_workbooks(site: Path, layouts: list[SiteData]) -> list[Path]:
    """Every area's workbook of every layout (the first is the CBS layout) and the whole set,
    into ``site``; returns the files."""
    written, parts = [], []
    whole_columns = None
    for data in layouts:
        writer = WorkbookWriter(data)
        whole_columns = whole_columns or AREA_COLUMNS + writer.columns
        for level in LEVELS:
            for area in data.level(level):
                rows = writer.area(area.code)
                if rows is None:
                    continue
                target = site / area_workbook_path(area.code, data.layout)
                written.append(writer.write(area.code, target))
                extra = {"layout": data.layout, "area_code": area.code, "area": area.name,
                         "area_level": area.level}  # fmt: skip
                part = rows.copy()
                for key, value in spreadsheet_safe(pd.DataFrame([extra])).iloc[0].items():
                    part[key] = value
                parts.append(part)
    if layouts:
        wb = Workbook(write_only=True)
        _data_sheet(wb, "Cijfers", whole_columns, pd.concat(parts, ignore_index=True))
        intro = _intro(
            "Wijkkompas: alle gebieden van alle indelingen, zoals de pagina's de cijfers tonen",
            any(d.synthetic for d in layouts),
            0,
            0,
            layouts[0].edition,
        )
        _explanation(wb, intro, whole_columns)
        target = site / WHOLE_SET
        target.parent.mkdir(parents=True, exist_ok=True)
        wb.save(target)
        written.append(target)
    return written
