"""The wijkanalyse in Word (``.docx``, python-docx), beside its page and PDF.

Made from the report's own page (the HTML that is printed to PDF), so the Word file has the
same sections, text and tables in the same order as the PDF, whatever the template says: the
title in Word's *Title* style, every section a *Heading 1* and every part of it a *Heading 2*
(Word's own styles, so a team restyles the whole report in one go), tables in *Table Grid* with
their caption in *Caption* above them and a header row that repeats on every page, lists in
*List Bullet*, the compass as an image (drawn by Chromium from the page's own SVG, when the
build prints PDFs; the locator map is left out), and the PDF's footer on every page.

At the end of every section a marked place for the team: a *Heading 2* "Wat wij zien in de
wijk" and a Word content control (tag ``teamnotitie-<section>``) with a placeholder text to
replace, or, when the team keeps its text in ``data/wijkanalyse/`` (``dashboards.team_notes``),
that text under the team's name and date.
"""

from __future__ import annotations

import asyncio
import io
import os
import re
from dataclasses import dataclass
from pathlib import Path
from xml.sax.saxutils import escape as xml_escape

from docx import Document
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml import parse_xml
from docx.oxml.ns import nsdecls
from docx.shared import Cm, Pt
from lxml import etree

from dashboards.team_notes import NOTE_TITLE

PLACEHOLDER = (
    "Vul hier aan wat het gebiedsteam ziet in de wijk: wat bewoners, partners en de straat "
    "vertellen bij deze cijfers."
)
NO_IMAGE = "(Het kompas als afbeelding staat op de pagina van dit rapport en in de pdf.)"
SKIP = {"nav", "script", "style", "svg"}
SPACES = re.compile(r"[ \t\r\n]+")  # white space a browser collapses (not the non-breaking)


@dataclass
class DocxJob:
    html: Path
    docx: Path
    footer: str
    compass: bytes | None = None  # PNG of the page's compass


def _parse(page: Path):
    """A report page as plain lxml elements (lxml.html's element classes cost a look-up per
    element: seconds over the annexes of all reports)."""
    return etree.fromstring(page.read_bytes(), etree.HTMLParser(encoding="utf-8"))


# -- text of an element ------------------------------------------------------------------------
def _runs(element, bold: bool = False, italic: bool = False) -> list[tuple[str, bool, bool, bool]]:
    """(text, bold, italic, line break before) of an element's text, in order: a quoted figure
    (``span.fig``) is bold as on the page, a ``<small>`` detail starts a new line."""
    tag = element.tag
    if not isinstance(tag, str) or tag in SKIP:
        return []
    bold = bold or tag in ("strong", "b") or "fig" in (element.get("class") or "").split()
    italic = italic or tag in ("em", "i")
    out = [(element.text or "", bold, italic, tag in ("small", "br"))]
    for child in element:
        out += _runs(child, bold, italic)
        if child.tail:
            out.append((child.tail, bold, italic, False))
    return out


def _clean(runs):
    """The runs with their white space as a browser shows it: collapsed, none at the start or
    end of a line (non-breaking spaces kept)."""
    out = []
    for text, bold, italic, brk in runs:
        text = SPACES.sub(" ", text)
        if brk or not out or out[-1][0].endswith((" ", "\n")):
            text = text.lstrip(" ")
        if text or brk:
            out.append((text, bold, italic, brk))
    if out:
        last = out[-1]
        out[-1] = (last[0].rstrip(" "), *last[1:])
    return out


def text_of(element) -> str:
    return "".join(t for t, *_ in _clean(_runs(element))).strip()


STYLE_IDS = {  # Word's own styles, by id (python-docx looks a name up slowly, every time)
    "Title": "Title", "Subtitle": "Subtitle", "Heading 1": "Heading1", "Heading 2": "Heading2",
    "Caption": "Caption", "List Bullet": "ListBullet", "Intense Quote": "IntenseQuote",
}  # fmt: skip


def _add(doc, style: str | None = None, text: str | None = None):
    """A new paragraph at the end of the body, in ``style`` (a name of STYLE_IDS)."""
    p = doc.add_paragraph(text)
    if style:
        p._p.style = STYLE_IDS[style]
    return p


def _paragraph(doc, element, style: str | None = None):
    p = _add(doc, style)
    for text, bold, italic, brk in _clean(_runs(element)):
        run = p.add_run()
        if brk:
            run.add_break()
        run.add_text(text)
        run.bold = bold or None
        run.italic = italic or None
    return p


def _append(doc, element) -> None:
    """``element`` at the end of the body, before its section properties (where Word wants
    them: last)."""
    body = doc.element.body
    if body.sectPr is not None:
        body.sectPr.addprevious(element)
    else:
        body.append(element)


# -- tables, written as XML (python-docx's cell API takes seconds for the annex) ----------------
def _cell_xml(cell, header: bool) -> str:
    span = int(cell.get("colspan", "1"))
    props = f'<w:tcPr><w:gridSpan w:val="{span}"/></w:tcPr>' if span > 1 else ""
    runs = []
    bold_all = header or cell.getparent().get("class") == "theme"
    if not len(cell):  # most cells: text only
        text = SPACES.sub(" ", cell.text or "").strip(" ")
        rpr = "<w:rPr><w:b/></w:rPr>" if bold_all else ""
        run = f'<w:r>{rpr}<w:t xml:space="preserve">{xml_escape(text)}</w:t></w:r>'
        return f"<w:tc>{props}<w:p>{run}</w:p></w:tc>"
    for text, bold, italic, brk in _clean(_runs(cell)):
        rpr = ("<w:b/>" if bold or bold_all else "") + ("<w:i/>" if italic else "")
        rpr = f"<w:rPr>{rpr}</w:rPr>" if rpr else ""
        br = "<w:br/>" if brk else ""
        runs.append(f'<w:r>{rpr}{br}<w:t xml:space="preserve">{xml_escape(text)}</w:t></w:r>')
    return f"<w:tc>{props}<w:p>{''.join(runs)}</w:p></w:tc>"


def _table(doc, table) -> None:
    caption = table.find("caption")
    if caption is not None:
        _paragraph(doc, caption, "Caption")
    rows = []  # (is header, tr)
    for part in table:
        if part.tag in ("thead", "tbody", "tfoot"):
            rows += [(part.tag == "thead", tr) for tr in part if tr.tag == "tr"]
        elif part.tag == "tr":
            rows.append((False, part))
    width = max(
        (sum(int(c.get("colspan", "1")) for c in tr if c.tag in ("th", "td")) for _, tr in rows),
        default=1,
    )
    xml = [f"<w:tbl {nsdecls('w')}>"]
    xml.append('<w:tblPr><w:tblStyle w:val="TableGrid"/><w:tblW w:w="5000" w:type="pct"/>')
    xml.append('<w:tblLook w:val="04A0" w:firstRow="1" w:lastRow="0" w:firstColumn="1" '
               'w:lastColumn="0" w:noHBand="0" w:noVBand="1"/></w:tblPr>')  # fmt: skip
    xml.append("<w:tblGrid>" + '<w:gridCol w:w="1000"/>' * width + "</w:tblGrid>")
    for header, tr in rows:
        cells = [c for c in tr if c.tag in ("th", "td")]
        used = sum(int(c.get("colspan", "1")) for c in cells)
        trpr = "<w:trPr><w:tblHeader/></w:trPr>" if header else "<w:trPr><w:cantSplit/></w:trPr>"
        filler = "<w:tc><w:p/></w:tc>" * (width - used)
        xml.append(f"<w:tr>{trpr}{''.join(_cell_xml(c, header) for c in cells)}{filler}</w:tr>")
    xml.append("</w:tbl>")
    _append(doc, parse_xml("".join(xml)))
    doc.add_paragraph()  # Word needs a paragraph between two tables


# -- the team's place ---------------------------------------------------------------------------
def _attr(text: str) -> str:
    """Text for an XML attribute in double quotes (an area name may hold one: =HYPERLINK("…"))."""
    return xml_escape(text, {'"': "&quot;"})


def _placeholder(doc, section: str, title: str) -> None:
    """A content control where the team writes what it sees (tag teamnotitie-<section>)."""
    _add(doc, "Heading 2", NOTE_TITLE)
    sdt = parse_xml(
        f"<w:sdt {nsdecls('w')}><w:sdtPr>"
        f'<w:alias w:val="{_attr(NOTE_TITLE)}: {_attr(title)}"/>'
        f'<w:tag w:val="teamnotitie-{_attr(section)}"/><w:showingPlcHdr/>'
        '<w:text w:multiLine="1"/></w:sdtPr><w:sdtContent><w:p><w:r><w:rPr><w:i/></w:rPr>'
        f"<w:t>{xml_escape(PLACEHOLDER)}</w:t></w:r></w:p></w:sdtContent></w:sdt>"
    )
    _append(doc, sdt)


def _team_note(doc, aside) -> None:
    _add(doc, "Heading 2", NOTE_TITLE)
    for child in aside:
        if child.tag == "p" and "team-note-head" in (child.get("class") or ""):
            byline = text_of(child).split("·", 1)[-1].strip()
            _add(doc, "Subtitle", byline)
        else:
            _block(doc, child, None)


# -- the page, block by block -------------------------------------------------------------------
def _figure(doc, figure, compass: bytes | None) -> None:
    """The compass as an image with its caption; without an image (the build printed no PDFs,
    so Chromium drew none) the caption says where it is. The locator map is left out."""
    if COMPASS not in (figure.get("class") or "").split():
        return
    if compass:
        doc.add_picture(io.BytesIO(compass), width=Cm(12))
        doc.paragraphs[-1].alignment = WD_ALIGN_PARAGRAPH.CENTER
    caption = figure.find("figcaption")
    if caption is not None:
        p = _paragraph(doc, caption, "Caption")
        if not compass:
            p.add_run(" " + NO_IMAGE)


def _block(doc, element, compass: bytes | None) -> None:
    tag = element.tag
    classes = (element.get("class") or "").split()
    if tag in SKIP or not isinstance(tag, str):
        return
    if tag == "h1":
        _paragraph(doc, element, "Title")
    elif tag == "h2":
        _paragraph(doc, element, "Heading 1")
    elif tag == "h3":
        _paragraph(doc, element, "Heading 2")
    elif tag == "p":
        style = "Subtitle" if "kicker" in classes else ("Intense Quote" if "layout-note" in
                                                       classes else None)  # fmt: skip
        if text_of(element):
            _paragraph(doc, element, style)
    elif tag == "ul" and "cards" in classes:  # the key figures: 'label: value (gemeente ...)'
        for li in element:
            parts = {(s.get("class") or ""): text_of(s) for s in li.iter("span")}
            label, value = parts.get("card-label", ""), parts.get("card-value", "")
            _add(doc, "List Bullet", f"{label}: {value} ({parts.get('card-city', '')})")
    elif tag == "ul":
        for li in element:
            if li.tag == "li":
                _paragraph(doc, li, "List Bullet")
    elif tag == "table":
        _table(doc, element)
    elif tag == "figure":
        _figure(doc, element, compass)
    elif tag == "aside" and "team-note" in classes:
        _team_note(doc, element)
    elif tag == "div" and "banner" in classes:
        for child in element:
            _paragraph(doc, child, "Intense Quote")
    else:  # div, section, header, footer, main: their parts
        for child in element:
            _block(doc, child, compass)


def _footer(doc, text: str) -> None:
    """The PDF's footer on every page: the report, the edition, the synthetic inputs, the page."""
    section = doc.sections[0]
    p = section.footer.paragraphs[0]
    p.text = f"{text} · pagina "
    for run in p.runs:
        run.font.size = Pt(7.5)
    p._p.append(parse_xml(
        f'<w:fldSimple {nsdecls("w")} w:instr="PAGE"><w:r><w:t>1</w:t></w:r></w:fldSimple>'
    ))  # fmt: skip


def write_docx(job: DocxJob) -> Path:
    """The Word file of one report page."""
    tree = _parse(job.html)
    doc = Document()
    section = doc.sections[0]
    section.page_height, section.page_width = Cm(29.7), Cm(21.0)
    for side in ("left_margin", "right_margin", "top_margin"):
        setattr(section, side, Cm(1.4))
    section.bottom_margin = Cm(1.6)
    doc.core_properties.title = text_of(tree.find(".//title"))
    doc.core_properties.language = "nl-NL"
    doc.styles["Normal"].font.size = Pt(10)
    header = tree.find(".//header")
    if header is not None:
        _block(doc, header, job.compass)
    for sec in tree.iterfind(".//main/section"):
        title = None
        for child in sec:
            if child.tag == "h2":
                title = text_of(child)
            _block(doc, child, job.compass)
        if sec.find("aside") is None and title:  # the team's place, unless it wrote here
            _placeholder(doc, sec.get("id", ""), title)
    footer = tree.find(".//footer")
    if footer is not None:
        for p in footer.iterfind("p"):
            _paragraph(doc, p)
    _footer(doc, job.footer)
    job.docx.parent.mkdir(parents=True, exist_ok=True)
    doc.save(job.docx)
    return job.docx


# -- the compass as an image, drawn by Chromium from the page's own SVG -------------------------
COMPASS = "report-compass"  # the class of the compass's figure on a report page


def _compass_svg(page: Path) -> str | None:
    tree = _parse(page)
    for fig in tree.iter("figure"):
        if COMPASS in (fig.get("class") or "").split():
            for svg in fig.iter("svg"):
                return etree.tostring(svg, encoding="unicode", method="html")
    return None


SHOW = """i => {
  if (i) document.getElementById('w' + (i - 1)).style.display = 'none';
  const w = document.getElementById('w' + i); w.style.display = 'block';
  const r = w.querySelector('svg').getBoundingClientRect();
  return {x: r.x, y: r.y, width: r.width, height: r.height};
}"""


def draw_compasses(pages: list[Path], root: Path) -> dict[Path, bytes]:
    """A PNG of the compass of every report page: one page of Chromium holds them all, with the
    site's stylesheets, and shows one at a time to draw it (nothing loads from outside
    ``root``; ~80 ms a compass)."""
    from dashboards.report_pdf import chromium_path

    svgs = [(page, svg) for page in pages if (svg := _compass_svg(page))]
    if not svgs:
        return {}
    sheet = root / f".docx-compasses-{os.getpid()}.html"
    body = "".join(
        f'<div class="report" id="w{i}" style="display:none;width:26rem;background:#fff">'
        f"{svg}</div>"
        for i, (_, svg) in enumerate(svgs)
    )
    sheet.write_text(
        '<!doctype html><html lang="nl"><head><meta charset="utf-8">'
        '<link rel="stylesheet" href="assets/site.css">'
        '<link rel="stylesheet" href="assets/report.css"></head>'
        f'<body class="report" style="margin:0">{body}</body></html>',
        encoding="utf-8",
    )
    try:
        shots = asyncio.run(_shoot(sheet, len(svgs), chromium_path(), root))
    finally:
        sheet.unlink()
    return {page: png for (page, _), png in zip(svgs, shots, strict=True)}


async def _shoot(sheet: Path, n: int, executable: Path, root: Path) -> list[bytes]:
    from playwright.async_api import async_playwright

    allowed = root.resolve().as_uri() + "/"
    args = ["--disable-gpu"] + (["--no-sandbox"] if os.geteuid() == 0 else [])
    async with async_playwright() as p:
        browser = await p.chromium.launch(executable_path=str(executable), args=args)
        try:
            context = await browser.new_context(device_scale_factor=1.5)

            async def inside_only(route):
                if route.request.url.startswith(allowed):
                    await route.continue_()
                else:
                    await route.abort()

            await context.route("**/*", inside_only)
            page = await context.new_page()
            await page.goto(sheet.resolve().as_uri(), wait_until="load")
            shots = []
            for i in range(n):
                box = await page.evaluate(SHOW, i)
                shots.append(await page.screenshot(clip=box))
            return shots
        finally:
            await browser.close()
