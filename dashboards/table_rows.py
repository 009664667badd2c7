"""The rows of the site's big tables as HTML, one string per row.

Every area page lists all indicators and every indicator page all wijken and buurten: about
90,000 rows per language. Rendered by Jinja, each cell costs an attribute look-up, an escape and
a macro call; written here with f-strings the whole site builds in far less time. The markup is
the same as the templates would write: every value escaped as Jinja's autoescape does.
"""

from __future__ import annotations

from markupsafe import Markup

from dashboards.presentation import IndicatorRow


def escape(value) -> str:
    """``value`` as HTML text, escaped exactly as Jinja's autoescape (markupsafe) does, but as a
    plain string: no Markup object per cell. The rows hold plain text, never markup."""
    return (
        str(value)
        .replace("&", "&amp;")
        .replace(">", "&gt;")
        .replace("<", "&lt;")
        .replace("'", "&#39;")
        .replace('"', "&#34;")
    )


def band_cell(r: IndicatorRow) -> str:
    """The index number on the band's colour ('–' without an index)."""
    index = escape(r.index_text or "–")
    return f'<span class="band" data-band="{escape(r.band_key)}">{index}</span>'


def note_cell(r: IndicatorRow) -> str:
    """Why a figure is not published or uncertain; otherwise the band's word."""
    return escape(r.note or (r.band_label if r.index_text else ""))


def source_note(r: IndicatorRow) -> str:
    """A model estimate's source and year beneath its title (nothing for other figures)."""
    return f"<small>{escape(r.source_note)}</small>" if r.source_note else ""


def trend_badge(r: IndicatorRow) -> str:
    """The change since the previous edition as coloured word and arrow, or why there is none."""
    if r.trend:
        return (
            f'<span class="band trend" data-band="{escape(r.trend_band)}">'
            f'<span aria-hidden="true">{escape(r.trend_arrow)} </span>'
            f"{escape(r.trend_word)}</span>"
        )
    return f'<span class="muted">{escape(r.trend_note_text)}</span>'


def trend_cell(r: IndicatorRow) -> str:
    """The badge with the size of the change and the previous figure beneath."""
    if r.trend:
        return f"{trend_badge(r)} {escape(r.trend_detail)}<small>{escape(r.trend_previous)}</small>"
    return trend_badge(r)


def area_table_row(r: IndicatorRow, lang_root: str, with_trend: bool, spark: str = "") -> str:
    """A row of the table 'all indicators' on an area page; ``spark``: the small over-time
    chart of an indicator measured three or more times (SVG markup, or nothing)."""
    indicator = escape(r.indicator_id)
    trend = f'<td class="trend-cell">{trend_cell(r)}</td>' if with_trend else ""
    return (
        f'<tr id="r-{indicator}"><th scope="row">'
        f'<a href="{escape(lang_root)}indicator/{indicator}.html">{escape(r.title)}</a>'
        f"{escape(r.source_mark)}{source_note(r)}{spark}</th>"
        f"<td>{escape(r.value_text)}</td><td>{escape(r.city_text)}</td>"
        f"<td>{escape(r.interval_text)}</td>"
        f'<td class="d-{escape(r.diff_class)}">{escape(r.diff_text)}</td>'
        f"<td>{band_cell(r)}</td><td>{note_cell(r)}</td>{trend}</tr>"
    )


def wijk_table_row(
    r: IndicatorRow, name: str, href: str, lang_root: str, with_trend: bool, survey: bool
) -> str:
    """A row of the ranking table of wijken on an indicator page."""
    trend = ""
    if with_trend:
        recomputed = (
            f' <span class="muted">({escape(r.recomputed_text)})</span>'
            if r.recomputed_text
            else ""
        )
        significance = f"<td>{escape(r.change_sig_text)}</td>" if survey else ""
        trend = (
            f"<td>{escape(r.previous_text)}</td>"
            f"<td>{escape(r.change_text)}{recomputed}</td>"
            f"{significance}<td>{trend_badge(r)}</td>"
        )
    return (
        f'<tr id="w-{escape(r.area_code)}"><th scope="row">'
        f'<a href="{escape(lang_root)}{escape(href)}">{escape(name)}</a></th>'
        f"<td>{escape(r.value_text)}</td><td>{escape(r.interval_text)}</td>"
        f'<td class="d-{escape(r.diff_class)}">{escape(r.diff_text)}</td>'
        f"<td>{band_cell(r)}</td><td>{note_cell(r)}</td>{trend}</tr>"
    )


def buurt_table_row(r: IndicatorRow, name: str, href: str, lang_root: str) -> str:
    """A row of the table of buurten on an indicator page."""
    return (
        f'<tr><th scope="row">'
        f'<a href="{escape(lang_root)}{escape(href)}">{escape(name)}</a></th>'
        f"<td>{escape(r.value_text)}</td><td>{escape(r.interval_text)}</td>"
        f"<td>{band_cell(r)}</td><td>{escape(r.note or r.model_label)}</td></tr>"
    )


def table_body(rows: list[str]) -> Markup:
    """The rows of a table body, one a line, as markup for the template."""
    return Markup("".join(f"{row}\n" for row in rows))
