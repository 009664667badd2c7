"""The wijkanalyse reports of the session build: a report page and an A4 PDF for every wijk and
gebied; every number quoted in a report's text is the warehouse's figure; the selections
(strengths, weaknesses, changes) follow their rules, recomputed here in SQL; area pages link to
their reports; printing fails loudly."""

from __future__ import annotations

import os
import re
from html import unescape
from pathlib import Path
from types import SimpleNamespace

import pypdf
import pytest
from pypdf.generic import ArrayObject, DictionaryObject

from dashboards import compass_svg as svg
from dashboards.palette import FILL
from dashboards.report_pdf import PrintJob, ReportPrintError, print_pdfs
from dashboards.wijkanalyse import (
    DIFFERENCES_LISTED,
    PER_QUADRANT,
    area_report,
    load_report_context,
    report_codes,
)
from tests import expected

SPAN = re.compile(r'<span class="fig" ([^>]*)>([^<]*)</span>')
ATTR = re.compile(r'data-(\w+)="([^"]*)"')
A4 = (595.28, 841.89)  # points


@pytest.fixture(scope="module")
def site(built_warehouse) -> Path:
    return Path(os.environ["WIJKKOMPAS_SITE"])


@pytest.fixture(scope="module")
def latest(built_warehouse) -> int:
    import duckdb

    with duckdb.connect(str(built_warehouse), read_only=True) as c:
        return c.execute("SELECT max(edition) FROM editions").fetchone()[0]


def _codes(con, latest, layout: str = "cbs") -> list[str]:
    return [
        c
        for (c,) in con.execute(
            "SELECT DISTINCT area_code FROM indicator_values WHERE edition = ? AND layout = ? "
            "AND area_level IN ('wijk', 'gebied') ORDER BY 1",
            [latest, layout],
        ).fetchall()
    ]


def _report(site: Path, layout: str, code: str, suffix: str = "html") -> Path:
    """A report's file: rapport/<code> for the CBS layout, rapport/<layout>/<code> otherwise."""
    folder = site / "rapport" if layout == "cbs" else site / "rapport" / layout
    return folder / f"{code}.{suffix}"


def _number(text: str) -> float:
    """The leading number of a Dutch-formatted figure ('12.970 inwoners', '−3,4 procentpunt')."""
    m = re.match(r"([+−-]?)(\d[\d.]*(?:,\d+)?)", text.strip())
    assert m, f"no number in {text!r}"
    value = float(m.group(2).replace(".", "").replace(",", "."))
    return -value if m.group(1) in ("−", "-") else value


def _summary(html: str) -> str:
    start = html.index('<div class="summary">')
    return html[start : html.index("</div>", start)]


def test_every_wijk_and_gebied_has_a_report_page_and_an_a4_pdf(site, con, latest):
    codes = _codes(con, latest)
    assert len([c for c in codes if c.startswith("WK")]) == 20
    assert len([c for c in codes if c.startswith("GB")]) == 7
    for code in codes:
        assert (site / "rapport" / f"{code}.html").exists(), code
        reader = pypdf.PdfReader(site / "rapport" / f"{code}.pdf")
        assert len(reader.pages) >= 4, code  # summary, compass, findings, annex
        for page in reader.pages:
            box = page.mediabox
            assert abs(float(box.width) - A4[0]) < 1 and abs(float(box.height) - A4[1]) < 1
        if code not in ("WK001404", "GB001406", "WK001415"):
            continue  # reading the text of every PDF is slow; three of them
        name = con.execute(
            "SELECT any_value(area_name) FROM indicator_values WHERE area_code = ? AND edition = ?",
            [code, latest],
        ).fetchone()[0]
        first = reader.pages[0].extract_text()
        assert name in first and "Samenvatting" in first, code
    # every printed page of a report carries the footer: report, edition, synthetic, page x of y
    reader = pypdf.PdfReader(site / "rapport" / "WK001404.pdf")
    n = len(reader.pages)
    for i in sorted({1, n // 2, n}):  # reading every page's text is slow
        text = reader.pages[i - 1].extract_text()
        assert "Wijkanalyse Oosterparkwijk" in text and f"editie {latest}" in text
        assert "synthetische gegevens" in text
        assert f"pagina {i} van {n}" in text
    index = (site / "rapport" / "index.html").read_text(encoding="utf-8")
    assert all(f'href="{c}.pdf"' in index for c in codes)


def test_every_own_wijk_and_own_gebied_has_a_report_page_and_an_a4_pdf(site, con, latest):
    own = con.execute(
        "SELECT area_level, area_code, area_name FROM areas WHERE layout = 'voorbeeld' "
        "AND area_level IN ('wijk', 'gebied') AND year = (SELECT max(year) FROM areas "
        "WHERE layout = 'voorbeeld') ORDER BY 1, 2"
    ).fetchall()
    assert sum(level == "wijk" for level, _, _ in own) == 32
    assert sum(level == "gebied" for level, _, _ in own) == 7
    index = (site / "rapport" / "index.html").read_text(encoding="utf-8")
    for level, code, name in own:
        html = _report(site, "voorbeeld", code).read_text(encoding="utf-8")
        assert f"<h1>{name} " in html, code
        assert "eigen wijkindeling" in html  # says whose wijken these are
        # its own page on the site, not the CBS area that may share the code (gebieden)
        assert f'href="../../voorbeeld/{level}/{code}.html"' in html, code
        reader = pypdf.PdfReader(_report(site, "voorbeeld", code, "pdf"))
        assert len(reader.pages) >= 4, code
        box = reader.pages[0].mediabox
        assert abs(float(box.width) - A4[0]) < 1 and abs(float(box.height) - A4[1]) < 1
        assert f'href="voorbeeld/{code}.pdf"' in index, code
    beijum = next(code for _, code, name in own if name == "Beijum")
    first = pypdf.PdfReader(_report(site, "voorbeeld", beijum, "pdf")).pages[0].extract_text()
    assert "Beijum" in first and "Samenvatting" in first
    # its CBS counterpart is a different area: own gebied GB001404 is not CBS gebied GB001404
    cbs = (site / "rapport" / "GB001404.html").read_text(encoding="utf-8")
    own_gebied = _report(site, "voorbeeld", "GB001404").read_text(encoding="utf-8")

    def beijum(html: str) -> bool:  # the own wijk, not CBS's buurten Beijum-Oost, -West
        return re.search(r"Beijum(?![-\w])", html) is not None

    assert beijum(own_gebied) and not beijum(cbs)


@pytest.mark.parametrize("layout", ["cbs", "voorbeeld"])
def test_numbers_quoted_in_the_report_text_are_the_warehouse_figures(site, con, latest, layout):
    values = con.execute(
        "SELECT area_code, indicator_id, value, reference_value, previous_value, change, index, "
        "decimals, suppressed FROM indicator_values WHERE edition = ? AND layout = ?",
        [latest, layout],
    ).df()
    values = values.set_index(["area_code", "indicator_id"])
    scores = con.execute(
        "SELECT area_code, score_level || ':' || score_id AS key, score FROM compass_scores "
        "WHERE edition = ? AND layout = ?",
        [latest, layout],
    ).df()
    scores = scores.set_index(["area_code", "key"])["score"]
    # clear changes: outside the development compass's 'around average' band, survey figures
    # only when the change is significant; and how many indicators were compared at all
    # (the figures a report shows: one per concept, a synthetic one a real one replaces left out)
    counts = con.execute(
        "SELECT area_code, trend, count(*) AS n FROM indicator_values v "
        "JOIN indicator_catalogue USING (indicator_id) "
        "WHERE edition = ? AND layout = ? AND trend IN ('better', 'worse') "
        "AND (v.source <> 'survey' OR change_significant) AND development_band <> 'average' "
        "AND replaced_by IS NULL GROUP BY ALL "
        "UNION ALL SELECT area_code, 'compared', count(*) FROM indicator_values "
        "JOIN indicator_catalogue USING (indicator_id) "
        "WHERE edition = ? AND layout = ? AND trend IS NOT NULL AND replaced_by IS NULL "
        "GROUP BY ALL",
        [latest, layout, latest, layout],
    ).df()
    counts = counts.set_index(["area_code", "trend"])["n"]
    titles = [t for (t,) in con.execute("SELECT title_nl FROM indicator_catalogue").fetchall()]
    names = [n for (n,) in con.execute("SELECT DISTINCT area_name FROM areas").fetchall()]
    checked = 0
    codes = _codes(con, latest, layout)
    for code in codes:
        summary = _summary(_report(site, layout, code).read_text(encoding="utf-8"))
        spans = SPAN.findall(summary)
        assert len(spans) >= 5, code  # population, centre and quadrant scores at least
        for attrs, text in spans:
            source = dict(ATTR.findall(attrs))
            assert source["area"] == code, (code, source)
            quoted = _number(text)
            if "indicator" in source:
                row = values.loc[(code, source["indicator"])]
                assert not row["suppressed"], (code, source)
                decimals = int(row["decimals"])
                expected = round(float(row[source["field"]]), decimals)
                assert abs(quoted - expected) <= 0.51 * 10**-decimals, (code, source, text)
            elif "score" in source:
                assert quoted == round(float(scores.loc[(code, source["score"])])), (code, text)
            else:
                assert quoted == counts.get((code, source["count"]), 0), (code, source, text)
            checked += 1
        # nothing else in the text is a number: no figure is quoted without its source
        rest = unescape(re.sub(r"<[^>]+>", " ", SPAN.sub(" ", summary))).replace("\u00a0", " ")
        for words in sorted(titles + names, key=len, reverse=True):
            rest = rest.replace(words, " ").replace(words[:1].lower() + words[1:], " ")
        rest = re.sub(r"\b(19|20)\d\d\b", " ", rest)  # edition years
        rest = rest.replace("(de gemeente is 100)", " ")  # the definition of the index
        assert not re.search(r"\d", rest), (code, rest)
    assert len(codes) > 25 and checked > len(codes) * 8


def test_strengths_and_weaknesses_are_the_largest_clear_deviations(con, latest):
    """Recomputed in SQL (tests/expected.py): per judged quadrant the compass indicators in the
    (very) favourable or unfavourable bands, survey only if significant, largest |index − 100|
    first; each list is exactly the first PER_QUADRANT of them, with its count and the number
    left out, and every judged quadrant has its entry."""
    ctx = load_report_context(con)
    judged = list(expected.judged_quadrants())
    assert len(judged) == 3
    compared = cut = 0
    for code in report_codes(ctx):
        report = area_report(ctx, code)
        rows = expected.area_rows(con, latest, "cbs", code)
        for kind in expected.BANDS:
            listed = getattr(report, kind)
            assert [q["id"] for q in listed] == judged, (code, kind)
            wanted = expected.strengths(rows, kind)
            for q in listed:
                want = wanted[q["id"]]
                got = [r.indicator_id for r in q["rows"]]
                assert got == want.head(PER_QUADRANT), (code, kind, q["id"])
                assert q["count"] == len(want.ids), (code, kind, q["id"])
                assert q["more"] == max(len(want.ids) - PER_QUADRANT, 0), (code, kind, q["id"])
                compared += len(got)
                cut += len(want.ids) > PER_QUADRANT
    assert compared > 100 and cut > 0  # some lists are full and cut at PER_QUADRANT


def test_differences_from_similar_wijken_never_rest_on_survey_noise(con, latest):
    """Recomputed in SQL (tests/expected.py): the index as the compass reads it (a survey
    figure not significantly different from the city = 100), this wijk's minus the mean of its
    similar wijken; listed from one band (10 points) on, exactly the DIFFERENCES_LISTED largest
    (ties by title), and never for gebieden."""
    ctx = load_report_context(con)
    wijken = [
        c
        for (c,) in con.execute(
            "SELECT DISTINCT area_code FROM similar_areas WHERE edition = ? AND layout = 'cbs' "
            "AND area_level = 'wijk' ORDER BY 1",
            [latest],
        ).fetchall()
    ]
    listed = full = 0
    for code in wijken:
        found, lists = expected.differences(con, latest, "cbs", code)
        report = area_report(ctx, code)
        for key, want in lists.items():
            got = report.differences[key]
            assert [r.indicator_id for r in got] == want.head(DIFFERENCES_LISTED), (code, key)
            for r in got:
                assert r.difference == pytest.approx(found[r.indicator_id])
            listed += len(got)
            full += len(want.ids) > DIFFERENCES_LISTED
    assert listed > 50 and full > 0  # some lists are cut at DIFFERENCES_LISTED
    assert not area_report(ctx, "GB001402").similar  # gebieden: no similar areas claimed


def test_gebied_report_lists_its_wijken_and_its_programme_budget(site, con, latest):
    html = (site / "rapport" / "GB001402.html").read_text(encoding="utf-8")
    wijken = con.execute(
        "SELECT area_code, area_name FROM areas WHERE layout = 'cbs' AND parent_code = 'GB001402' "
        "AND year = (SELECT area_year FROM editions WHERE edition = ?)",
        [latest],
    ).fetchall()
    members = html[html.index('id="wijken"') : html.index('id="begroting"')]
    assert len(wijken) == 3
    for code, name in wijken:
        assert f'href="{code}.html">{name}</a>' in members
    budget = html[html.index('id="begroting"') : html.index('id="bijlage"')]
    rows = con.execute(
        "SELECT year, begroting_eur, realisatie_eur FROM programme_budgets "
        "WHERE area_code = 'GB001402' ORDER BY year"
    ).fetchall()
    assert [r[0] for r in rows] == [2017, 2019]
    for year, begroting, realisatie in rows:
        line = re.search(rf"<tr><th scope=\"row\">{year}</th>(.*?)</tr>", budget).group(1)
        cells = re.findall(r"<td>([^<]*)</td>", line)
        assert _number(cells[0].replace("€", "")) == begroting
        assert _number(cells[1].replace("€", "")) == realisatie
    # a wijk report has no budget section; Haren had no programme before it joined (2019)
    assert 'id="begroting"' not in (site / "rapport" / "WK001404.html").read_text("utf-8")
    haren = (site / "rapport" / "GB001406.html").read_text(encoding="utf-8")
    haren = haren[haren.index('id="begroting"') : haren.index('id="bijlage"')]
    assert re.search(r'<th scope="row">2017</th><td colspan="6">[^<]*2019', haren)
    assert re.search(r'<th scope="row">2019</th><td>€', haren)


def test_area_pages_link_to_their_reports_and_buurt_pages_do_not(site):
    for page, code in (
        ("wijk/WK001404.html", "WK001404"),
        ("gebied/GB001402.html", "GB001402"),
        ("en/wijk/WK001404.html", "WK001404"),
        ("voorbeeld/wijk/EW21.html", "voorbeeld/EW21"),
        ("voorbeeld/gebied/GB001402.html", "voorbeeld/GB001402"),
        ("en/voorbeeld/wijk/EW21.html", "voorbeeld/EW21"),
    ):
        html = (site / page).read_text(encoding="utf-8")
        for suffix in ("html", "pdf"):
            target = re.search(rf'href="([./]*rapport/{code}\.{suffix})"', html)
            assert target, (page, suffix)
            assert ((site / page).parent / target.group(1)).resolve().exists()
    buurt = (site / "buurt" / "BU00140000.html").read_text(encoding="utf-8")
    assert "rapport/BU" not in buurt and 'class="report-link"' not in buurt


def test_a_report_links_the_areas_own_csv(site, con, latest):
    """Beside the city-wide download, the area's own CSV of the site, from a CBS area's report
    (rapport/X.html) and an own layout's (rapport/<layout>/X.html): the link resolves to the
    file the site wrote, with the area's figures."""
    for layout in ("cbs", "voorbeeld"):
        for code in _codes(con, latest, layout):
            report = _report(site, layout, code)
            html = report.read_text(encoding="utf-8")
            href = re.search(r'<a href="([^"]+)" class="area-csv" download>', html)
            assert href, (layout, code)
            target = (report.parent / href.group(1)).resolve()
            assert target.is_file(), (layout, code, href.group(1))
            assert target.is_relative_to(site.resolve() / "data")
            with target.open(encoding="utf-8") as handle:
                header, first = handle.readline(), handle.readline()
            assert "area_code" in header and code in first, (layout, code)
            assert "downloads/indicator_values.csv" in html  # the city-wide one stays


def _kids(element) -> list:
    kids = element.get("/K")
    if kids is None:
        return []
    return [k.get_object() for k in (kids if isinstance(kids, ArrayObject) else [kids])]


def _structs(element) -> list[DictionaryObject]:
    return [k for k in _kids(element) if isinstance(k, DictionaryObject) and "/S" in k]


def _pages(element, page, number: dict[int, int]) -> set[int]:
    """The pages on which a tagged element's content is drawn (each piece of marked content is
    on the page its element, or an ancestor, names)."""
    if isinstance(element, int):  # a marked-content id on ``page``
        return {number[page.idnum]}
    if not isinstance(element, DictionaryObject):
        return set()
    page = element.get("/Pg", page)
    if element.get("/Type") in ("/MCR", "/OBJR"):
        return {number[page.idnum]}
    return set().union(*(_pages(k, page, number) for k in _kids(element)))


def _rows(element):
    for k in _structs(element):
        if k["/S"] == "/TR":
            yield k
        else:
            yield from _rows(k)


def _cut_across_pages(reader: pypdf.PdfReader) -> tuple[int, list[str]]:
    """From the tagged PDF's structure tree: how many figures and tables have a caption, and
    what is cut across a page break: a figure not on one page with its caption, a table whose
    caption is not on the page where its header row and first row begin, a heading not on the
    page where what follows it begins."""
    number = {p.indirect_reference.idnum: i + 1 for i, p in enumerate(reader.pages)}
    captioned, cut = [], []

    def on(element, page) -> set[int]:
        return _pages(element, page, number)

    def walk(element, page):
        page = element.get("/Pg", page)
        kids = _structs(element)
        caption = [k for k in kids if k["/S"] == "/Caption"]
        if caption and element["/S"] in ("/Figure", "/Table"):
            captioned.append(element["/S"])
            where = on(caption[0], page)
            if element["/S"] == "/Figure":  # all of it
                rest = set().union(*(on(k, page) for k in kids if k["/S"] != "/Caption"))
            else:  # where the header row and the first row begin
                rest = {min(on(row, page)) for row in list(_rows(element))[:2]}
            if rest - where:
                cut.append(f"{element['/S']} {len(captioned)}: caption on {sorted(where)}, "
                           f"the rest on {sorted(rest)}")  # fmt: skip
            return
        for heading, following in zip(kids, kids[1:], strict=False):
            if heading["/S"] in ("/H1", "/H2", "/H3") and on(following, page):
                ends, begins = max(on(heading, page)), min(on(following, page))
                if ends != begins:
                    cut.append(f"{heading['/S']} on page {ends}, what follows on {begins}")
        for k in kids:
            walk(k, page)

    walk(reader.trailer["/Root"]["/StructTreeRoot"].get_object(), None)
    return len(captioned), cut


def test_a_caption_stays_with_its_chart_or_table_and_a_heading_with_what_follows(site):
    """Every printed report, read from its tagged PDF (the page of every tagged piece of
    content): a figure with its caption on one page, a table's caption on the page where its
    rows begin, a heading on the page of what follows it. (Beijum's compass was cut across
    pages 1 and 2, and 'Vergelijkbare wijken' stood at the foot of page 3 without its text:
    the NL Design System's root is a size container, and Chromium then ignored every break
    rule of the print stylesheet.)"""
    pdfs = sorted((site / "rapport").rglob("*.pdf"))
    assert site / "rapport" / "voorbeeld" / "EW21.pdf" in pdfs and len(pdfs) > 60
    cut = {}
    for pdf in pdfs:
        captioned, problems = _cut_across_pages(pypdf.PdfReader(pdf))
        assert captioned >= 2 + 8, pdf  # the compass and the map, scores and findings tables
        if problems:
            cut[str(pdf.relative_to(site))] = problems
    assert not cut, cut


def test_compass_svg_draws_every_ring_in_the_band_colours():
    class T:
        def __init__(self, nl):
            self.nl = self.en = nl

    class Q:
        def __init__(self, qid, judged, themes):
            self.id, self.judged, self.title = qid, judged, T(qid)
            self.themes = [type("Th", (), {"id": t, "title": T(t)}) for t in themes]

    quadrants = [Q("a", False, ["a1"]), Q("b", True, ["b1", "b2"]), Q("c", True, ["c1"])]
    quadrants.append(Q("d", True, ["d1", "d2", "d3"]))
    rows = [
        {"in_compass": True, "theme": "b1", "band_key": "very_favourable", "title": "x"},
        {"in_compass": True, "theme": "b1", "band_key": "unfavourable", "title": "y"},
        {"in_compass": False, "theme": "b2", "band_key": "average", "title": "z"},
    ]
    # the compass reads presentation records; a namespace with the fields it reads stands in
    rows = [SimpleNamespace(**r, cell_text="t", indicator_id=r["title"]) for r in rows]
    bands = [
        {"from": 0, "id": "very_unfavourable"},
        {"from": 70, "id": "unfavourable"},
        {"from": 90, "id": "average"},
        {"from": 110, "id": "favourable"},
        {"from": 130, "id": "very_favourable"},
    ]
    scores = {("centre", "centre"): 131.0, ("quadrant", "b"): 75.0, ("theme", "b1"): 100.0}
    out = svg.compass_svg(rows, scores, quadrants, bands, "nl", label="Kompas")
    assert out.count("<path") == 4 + 7 + 2  # quadrants, themes, the two compass indicators
    assert f'<circle r="{svg.RADII[0]}" fill="{FILL["very_favourable"]}"' in out
    assert out.count(f'fill="{FILL["unfavourable"]}"') == 2  # quadrant b and indicator y
    assert ">131</text>" in out and ">75</text>" in out


def test_printing_names_the_report_that_failed_and_loads_nothing_from_outside(
    tmp_path, monkeypatch
):
    site = tmp_path / "site"
    (site / "rapport").mkdir(parents=True)
    good = site / "rapport" / "good.html"
    good.write_text('<html><body><p>Rapport</p><a href="../wijk/x.html">x</a></body></html>')
    broken = site / "rapport" / "broken.html"
    broken.write_text("<html><body><script>undefinedCall()</script></body></html>")
    outside = site / "rapport" / "outside.html"  # a request out of the site, a missing file
    outside.write_text(
        '<html><head><link rel="stylesheet" href="https://example.org/a.css">'
        '<link rel="stylesheet" href="../assets/none.css"></head><body>x</body></html>'
    )

    def job(page):
        return PrintJob(page, page.with_suffix(".pdf"), "x")

    assert print_pdfs([job(good)]) == [good.with_suffix(".pdf")]
    assert pypdf.PdfReader(good.with_suffix(".pdf")).pages[0].get("/Annots") is None  # no links
    for page, why in (
        (broken, ["broken.html: script error"]),
        (outside, ["outside.html: could not load", "https://example.org/a.css", "none.css"]),
    ):
        # two pages at a time: the failure of one stops the others and is the one reported
        with pytest.raises(ReportPrintError) as failed:
            print_pdfs([job(good), job(page), job(good), job(good)], workers=2)
        assert all(part in str(failed.value) for part in why), failed.value  # in any order
        assert not page.with_suffix(".pdf").exists()
    monkeypatch.setenv("WIJKKOMPAS_CHROMIUM", str(tmp_path / "no-chromium"))
    with pytest.raises(ReportPrintError, match="apt-get install chromium"):
        print_pdfs([job(good)])


def test_a_pdf_is_printed_again_only_when_its_page_styles_or_footer_changed(tmp_path, monkeypatch):
    from dashboards import report_reuse
    from dashboards.report_reuse import KEYS, reuse_printed, write_keys

    def stage(site: Path, body: str, css: str) -> list[PrintJob]:
        (site / "assets").mkdir(parents=True, exist_ok=True)
        (site / "rapport" / "lay").mkdir(parents=True, exist_ok=True)
        (site / "assets" / "r.css").write_text(css)
        pages = [site / "rapport" / "a.html", site / "rapport" / "lay" / "b.html"]
        for page in pages:
            up = "../" * (len(page.relative_to(site).parts) - 1)
            page.write_text(
                f'<html><head><link rel="stylesheet" href="{up}assets/r.css"></head>'
                f"<body><p>{page.stem} {body}</p></body></html>"
            )
        return [PrintJob(p, p.with_suffix(".pdf"), "voet") for p in pages]

    def build(site: Path, published: Path, body="x", css="p{color:#000}", footer="voet"):
        jobs = [PrintJob(j.html, j.pdf, footer) for j in stage(site, body, css)]
        to_print, reused, keys = reuse_printed(jobs, site, published)
        printed = print_pdfs(to_print, root=site)
        write_keys(site, keys)
        return [p.relative_to(site).as_posix() for p in printed], reused

    published = tmp_path / "published"
    printed, reused = build(published, tmp_path / "nothing-yet")
    assert printed == ["rapport/a.pdf", "rapport/lay/b.pdf"] and reused == []
    first = (published / "rapport" / "lay" / "b.pdf").read_bytes()
    # unchanged: both copied from the published site, byte for byte
    printed, reused = build(tmp_path / "s1", published)
    assert printed == [] and len(reused) == 2
    assert (tmp_path / "s1" / "rapport" / "lay" / "b.pdf").read_bytes() == first
    # a changed page, stylesheet or footer prints again; a missing key file prints everything
    assert build(tmp_path / "s2", published, body="y")[0] == ["rapport/a.pdf", "rapport/lay/b.pdf"]
    assert len(build(tmp_path / "s3", published, css="p{color:#222}")[0]) == 2
    assert len(build(tmp_path / "s4", published, footer="andere voet")[0]) == 2
    (published / "rapport" / "lay" / "b.pdf").unlink()  # a PDF gone from the site
    assert build(tmp_path / "s5", published)[0] == ["rapport/lay/b.pdf"]
    # another printer (Chromium upgraded, the printing code changed) prints everything again
    printer = report_reuse._printer()
    monkeypatch.setattr(report_reuse, "_printer", lambda: printer + b" upgraded")
    assert len(build(tmp_path / "s6", published)[0]) == 2
    monkeypatch.setattr(report_reuse, "_printer", lambda: printer)
    (published / KEYS).write_text("not json")
    assert len(build(tmp_path / "s7", published)[0]) == 2
