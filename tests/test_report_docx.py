"""The wijkanalyse in Word (python-docx) beside its page and PDF, and the area teams' own notes
(``data/wijkanalyse/<layout>/<code>.md``) in all three."""

from __future__ import annotations

import os
import re
import shutil
from pathlib import Path

import docx
import pypdf
import pytest
from pypdf.generic import ArrayObject, DictionaryObject

from dashboards.report_docx import NO_IMAGE, DocxJob, write_docx
from dashboards.team_notes import NOTE_TITLE
from ingest.errors import InputError
from tests.figures import figure

W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"


@pytest.fixture(scope="module")
def site(built_warehouse) -> Path:
    return Path(os.environ["WIJKKOMPAS_SITE"])


def _outline(reader: pypdf.PdfReader) -> list[tuple[int, str]]:
    """(depth, title) of the PDF's bookmarks: its headings, as Chromium tags them."""
    out = []

    def walk(items, depth):
        for item in items:
            if isinstance(item, list):
                walk(item, depth + 1)
            else:
                out.append((depth, item.title))

    walk(reader.outline, 0)
    return out


def _pdf_tables(reader: pypdf.PdfReader) -> int:
    count = 0

    def walk(element):
        nonlocal count
        kids = element.get("/K")
        if kids is None:
            return
        for k in kids if isinstance(kids, ArrayObject) else [kids]:
            k = k.get_object()
            if isinstance(k, DictionaryObject) and "/S" in k:
                count += k["/S"] == "/Table"
                walk(k)

    walk(reader.trailer["/Root"]["/StructTreeRoot"].get_object())
    return count


def _headings(document) -> list[tuple[int, str]]:
    """(depth, text) of the Word file's headings, as the PDF's outline has them: Title 0,
    Heading 1 one deeper, Heading 2 two deeper (without the team's places)."""
    depth = {"Title": 0, "Heading 1": 1, "Heading 2": 2}
    return [
        (depth[p.style.name], p.text)
        for p in document.paragraphs
        if p.style.name in depth and p.text != NOTE_TITLE
    ]


def _report(site: Path, layout: str, code: str, suffix: str) -> Path:
    folder = site / "rapport" if layout == "cbs" else site / "rapport" / layout
    return folder / f"{code}.{suffix}"


@pytest.mark.parametrize(
    ("layout", "code"), [("cbs", "WK001404"), ("cbs", "GB001406"), ("voorbeeld", "EW21")]
)
def test_the_word_report_holds_every_section_and_table_of_the_pdf(site, layout, code):
    pdf = pypdf.PdfReader(_report(site, layout, code, "pdf"))
    document = docx.Document(_report(site, layout, code, "docx"))
    html = _report(site, layout, code, "html").read_text(encoding="utf-8")
    # every section and part, in order and at its level, with the same words
    norm = lambda pairs: [(d, " ".join(t.split())) for d, t in pairs]  # noqa: E731
    assert norm(_headings(document)) == norm(_outline(pdf))
    # every table, with its caption in Word's Caption style
    assert len(document.tables) == _pdf_tables(pdf) == html.count("<table")
    captions = [p.text for p in document.paragraphs if p.style.name == "Caption"]
    for caption in re.findall(r"<caption>(.*?)</caption>", html, re.S):
        text = " ".join(re.sub(r"<[^>]+>", "", caption).split()).replace("&amp;", "&")
        assert any(" ".join(c.split()).startswith(text[:40]) for c in captions), text
    annex = document.tables[-1 if "buurtcijfers" not in html else -2]
    assert len(annex.rows) > 250 and annex.rows[0].cells[0].text == "Indicator"
    assert annex._tbl.tr_lst[0].find(f"{W}trPr/{W}tblHeader") is not None  # header repeats
    # the compass as an image, the PDF's footer, and a place for the team in every section
    assert len(document.inline_shapes) == 1
    footer = document.sections[0].footer.paragraphs[0].text
    assert footer.startswith(f"Wijkanalyse {pdf.pages[0].extract_text().split(chr(10))[1][:5]}")
    tags = [t.get(f"{W}val") for t in document.element.body.iter(f"{W}tag")]
    sections = re.findall(r'<section id="([^"]+)"', html)
    assert tags == [f"teamnotitie-{s}" for s in sections]


NOTE = """---
team: Gebiedsteam Oude Wijken
datum: 2026-11-20
---
In de Oosterparkwijk wonen {{ population }} mensen; {{ mark_safety }} is het rapportcijfer
voor veiligheid (gemeente {{ mark_safety.gemeente }}).

## Veranderingen sinds 2018
- **Buurtpanel**: het aandeel actieve bewoners ging van {{ active_for_buurt.vorige }} naar
  {{ active_for_buurt }}.
"""


def _write_note(folder: Path, text: str, code: str = "WK001404", layout: str = "cbs") -> Path:
    path = folder / layout / f"{code}.md"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def test_a_team_note_with_a_cited_figure_is_in_the_page_the_pdf_and_the_word_file(
    site, con, tmp_path
):
    from dashboards.report_pages import write_reports
    from dashboards.report_pdf import PrintJob, print_pdfs
    from dashboards.wijkanalyse import load_report_context

    notes = tmp_path / "wijkanalyse"
    _write_note(notes, NOTE)
    target = tmp_path / "site"
    shutil.copytree(site / "assets", target / "assets")
    written = dict((r.code, html) for r, html in write_reports(
        load_report_context(con), target, notes=notes))  # fmt: skip
    html = written["WK001404"].read_text(encoding="utf-8")
    assert html.count('class="team-note"') == 2
    assert "Gebiedsteam Oude Wijken, 20 november 2026" in html
    # every cited figure is the warehouse's, of the latest edition, tagged as the report's own
    cited = re.findall(r'<span class="fig" data-area="WK001404" data-indicator="(\w+)" '
                       r'data-field="(\w+)">([^<]*)</span>', html)  # fmt: skip
    assert {(i, f) for i, f, _ in cited} >= {
        ("population", "value"), ("mark_safety", "value"), ("mark_safety", "reference_value"),
        ("active_for_buurt", "previous_value"), ("active_for_buurt", "value"),
    }  # fmt: skip
    figures = con.execute(
        "SELECT value, reference_value, previous_value FROM indicator_values WHERE "
        "area_code = 'WK001404' AND layout = 'cbs' AND indicator_id = 'mark_safety' AND "
        "edition = (SELECT max(edition) FROM editions)"
    ).fetchone()
    row = dict(zip(("value", "reference_value", "previous_value"), figures, strict=True))
    shown = {f: t for i, f, t in cited if i == "mark_safety"}
    for field, text in shown.items():
        assert figure(text) == row[field], field
    assert "{{" not in html
    # the PDF, printed from that page
    pdf = written["WK001404"].with_suffix(".pdf")
    print_pdfs([PrintJob(written["WK001404"], pdf, "voet")], root=target)
    text = " ".join(page.extract_text() for page in pypdf.PdfReader(pdf).pages)
    assert "Gebiedsteam Oude Wijken, 20 november 2026" in " ".join(text.split())
    assert shown["value"] in text
    # the Word file: the team's text in its sections, no empty place where the team wrote
    word = write_docx(DocxJob(written["WK001404"], tmp_path / "w.docx", "voet"))
    document = docx.Document(word)
    paragraphs = [p.text for p in document.paragraphs]
    assert "Gebiedsteam Oude Wijken, 20 november 2026" in paragraphs
    assert any(shown["value"] in p and "rapportcijfer" in p for p in paragraphs)
    tags = {t.get(f"{W}val") for t in document.element.body.iter(f"{W}tag")}
    assert "teamnotitie-samenvatting" not in tags and "teamnotitie-kompas" in tags
    assert any(NO_IMAGE in p for p in paragraphs)  # drawn only where the build prints PDFs


@pytest.mark.parametrize(
    ("text", "line", "said"),
    [
        (NOTE.replace("{{ mark_safety.gemeente }}", "{{ mark_safty.gemeente }}"), 6,
         "cites {{ mark_safty }}, an indicator that does not exist"),
        (NOTE.replace("## Veranderingen sinds 2018", "## Verbeteringen"), 8,
         "the heading 'Verbeteringen' names no section of the report"),
        (NOTE.replace("{{ population }}", "{{ population.totaal }}"), 5,
         "the citation {{ population.totaal }} is not an indicator"),
        (NOTE.replace("team: Gebiedsteam Oude Wijken\n", ""), 2, "the note names no team"),
    ],
)  # fmt: skip
def test_a_note_that_cites_what_is_not_there_is_named_with_file_and_line(
    con, tmp_path, text, line, said
):
    from dashboards.team_notes import load_notes
    from dashboards.wijkanalyse import area_report, load_report_context

    notes = tmp_path / "wijkanalyse"
    path = _write_note(notes, text)
    ctx = load_report_context(con)
    reports = {c: area_report(ctx, c) for c in ("WK001404", "GB001401")}
    with pytest.raises(InputError) as failed:
        load_notes(ctx, reports, notes)
    assert failed.value.line == line and Path(failed.value.file) == path
    message = str(failed.value)
    assert said in message and "WK001404.md" in message and f"line {line}" in message
    if "mark_safty" in text:
        assert "did you mean mark_safety" in message


def test_a_note_for_an_area_without_a_report_is_named(con, tmp_path):
    from dashboards.team_notes import load_notes
    from dashboards.wijkanalyse import area_report, load_report_context

    notes = tmp_path / "wijkanalyse"
    path = _write_note(notes, NOTE, code="WK001499")
    ctx = load_report_context(con)
    with pytest.raises(InputError) as failed:
        load_notes(ctx, {"WK001404": area_report(ctx, "WK001404")}, notes)
    assert Path(failed.value.file) == path and "names no wijk or gebied" in str(failed.value)
