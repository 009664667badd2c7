"""The area team's own text in the wijkanalyse: ``data/wijkanalyse/<layout>/<code>.md``.

A team that keeps what it sees in the street in the repository writes it there; the build puts
it into the report's page, its PDF and its Word file, under the team's name and date, in the
sections the team names. A figure the team cites as ``{{ indicator_id }}`` is filled from the
warehouse at every build (the latest edition), so a refresh never leaves a stale number in the
team's text::

    ---
    team: Gebiedsteam Oost
    datum: 2026-11-20
    ---
    Text before any heading belongs to the summary (Samenvatting).

    ## Sterke en zwakke punten
    De {{ population }} inwoners ... ({{ share_aged_65_plus }}; gemeente
    {{ share_aged_65_plus.gemeente }}).

    - a list item with **bold** and *italic* text

A heading names a section of the report (as its table of contents does: Samenvatting, Kompas,
Sterke en zwakke punten, Veranderingen, Vergelijkbare wijken, ...). A citation may name a column:
``.gemeente`` (the gemeente's value), ``.vorige`` (the previous edition's), ``.verandering``
(the change) or ``.index``. A note that cites an indicator that does not exist, names a section
the report does not have or lacks its team or date stops the build with the file and the line.
"""

from __future__ import annotations

import datetime as dt
import difflib
import re
from dataclasses import dataclass, field
from pathlib import Path

import yaml
from markupsafe import Markup, escape

from ingest.errors import InputError

NOTE_TITLE = "Wat wij zien in de wijk"  # the team's place in every section
CITATION = re.compile(r"\{\{\s*([^{}]*?)\s*\}\}")
NAME = re.compile(r"^[a-z0-9_]+$")
FIELDS = {  # a citation's column: the Dutch word -> the column of indicator_values
    "": "value",
    "waarde": "value",
    "gemeente": "reference_value",
    "vorige": "previous_value",
    "verandering": "change",
    "index": "index",
}
MONTHS = ["januari", "februari", "maart", "april", "mei", "juni", "juli", "augustus",
          "september", "oktober", "november", "december"]  # fmt: skip

# the sections of a report, in its order: id (the page's anchor), title, other names a team
# may use in a heading
SECTIONS = [
    ("samenvatting", "Samenvatting", ()),
    ("kompas", "Het kompas", ("kompas",)),
    ("sterk-zwak", "Sterke en zwakke punten", ("sterke punten", "zwakke punten")),
    ("veranderingen", "Veranderingen", ()),
    ("vergelijkbaar", "Vergelijkbare wijken", ("vergelijkbare gebieden",)),
    ("elders", "Elders in Nederland", ("vergelijkbare wijken elders in nederland",)),
    ("nederland", "Nederland", ("vergeleken met nederland",)),
    ("wijken", "De wijken", ("wijken",)),
    ("begroting", "Gebiedsprogramma", ("begroting",)),
    ("bijlage", "Alle indicatoren", ("bijlage",)),
    ("toelichting", "Toelichting", ()),
]


TITLES = {sid: title for sid, title, _ in SECTIONS}


def report_sections(report) -> list[str]:
    """The sections the report of ``report`` (an AreaReport) has, in order: what its page, PDF
    and Word file show (the template's conditions)."""
    has = {
        "veranderingen": bool(report.changes),
        "vergelijkbaar": bool(report.similar),
        "elders": bool(report.elsewhere),
        "nederland": bool(report.national),
        "wijken": bool(report.members),
        "begroting": report.level == "gebied",
    }
    return [sid for sid, _, _ in SECTIONS if has.get(sid, True)]


def _normal(text: str) -> str:
    return re.sub(r"\s+", " ", text.strip().lower())


def section_of(heading: str) -> str | None:
    """The section a team's heading names ('Veranderingen sinds 2018' -> veranderingen)."""
    key = _normal(heading)
    found = [
        (len(name), sid)
        for sid, title, other in SECTIONS
        for name in (sid, _normal(title), *other)
        if key == name or key.startswith(name + " ")
    ]
    return max(found)[1] if found else None  # the longest: 'vergelijkbare wijken elders ...'


@dataclass
class Cite:
    indicator: str
    column: str  # of indicator_values
    line: int
    text: str = ""  # filled from the warehouse
    source: dict = field(default_factory=dict)  # area, indicator, field (as the report's figures)


@dataclass
class Span:
    text: str
    bold: bool = False
    italic: bool = False


Part = Span | Cite


@dataclass
class Block:
    kind: str  # p | ul
    items: list[list[Part]]  # a paragraph: one item; a list: one per bullet


@dataclass
class TeamNote:
    path: Path
    team: str
    date: dt.date
    sections: dict[str, list[Block]]

    @property
    def byline(self) -> str:
        return f"{self.team}, {self.date.day} {MONTHS[self.date.month - 1]} {self.date.year}"

    def cites(self) -> list[Cite]:
        return [
            p
            for blocks in self.sections.values()
            for b in blocks
            for item in b.items
            for p in item
            if isinstance(p, Cite)
        ]


INLINE = re.compile(r"(\*\*[^*]+\*\*|\*[^*]+\*|\{\{[^{}]*\}\})")


def _parts(text: str, line: int, path: Path) -> list[Part]:
    out: list[Part] = []
    for piece in INLINE.split(text):
        if not piece:
            continue
        if piece.startswith("{{"):
            inner = CITATION.fullmatch(piece).group(1)
            indicator, _, column = inner.partition(".")
            if not NAME.match(indicator) or column not in FIELDS:
                raise InputError(
                    path,
                    f"the citation {piece} is not an indicator (and a column)",
                    line=line,
                    value=piece,
                    expected="{{ indicator_id }} or {{ indicator_id.gemeente }} (also .vorige, "
                    ".verandering, .index)",
                    rule="team_note_citation",
                )
            out.append(Cite(indicator, FIELDS[column], line))
        elif piece.startswith("**"):
            out.append(Span(piece[2:-2], bold=True))
        elif piece.startswith("*") and len(piece) > 2:
            out.append(Span(piece[1:-1], italic=True))
        else:
            out.append(Span(piece))
    return out


def parse(path: Path) -> TeamNote:
    """A team's note: front matter (team, datum) and the text per section."""
    lines = path.read_text(encoding="utf-8").splitlines()
    if not lines or lines[0].strip() != "---" or "---" not in [x.strip() for x in lines[1:]]:
        raise InputError(
            path,
            "a team note starts with its front matter: the team's name and the date",
            line=1,
            expected="---, team: <name>, datum: <yyyy-mm-dd>, --- on the first lines",
            rule="team_note_front_matter",
        )
    end = 1 + [x.strip() for x in lines[1:]].index("---")
    try:
        meta = yaml.safe_load("\n".join(lines[1:end])) or {}
    except yaml.YAMLError as exc:
        raise InputError(path, f"the front matter is not valid YAML: {exc}", line=2) from exc
    team, date = meta.get("team"), meta.get("datum", meta.get("date"))
    if not isinstance(team, str) or not team.strip():
        raise InputError(path, "the note names no team", line=2, key="team",
                         expected="team: the name the report shows, e.g. Gebiedsteam Oost",
                         rule="team_note_front_matter")  # fmt: skip
    if not isinstance(date, dt.date):
        raise InputError(path, "the note has no date", line=2, key="datum", value=date,
                         expected="datum: yyyy-mm-dd, e.g. 2026-11-20",
                         rule="team_note_front_matter")  # fmt: skip
    sections: dict[str, list[Block]] = {}
    current = "samenvatting"
    paragraph: list[tuple[int, str]] = []  # (line number, text)
    bullets: list[list[tuple[int, str]]] = []  # per bullet its lines

    def item(lines: list[tuple[int, str]]) -> list[Part]:
        """The parts of lines of text, each read on its own line (a citation's line is its
        own), joined by spaces."""
        out: list[Part] = []
        for number, text in lines:
            if out:
                out.append(Span(" "))
            out += _parts(text.strip(), number, path)
        return out

    def flush():
        if paragraph:
            sections.setdefault(current, []).append(Block("p", [item(paragraph)]))
            paragraph.clear()
        if bullets:
            items = [item(lines) for lines in bullets]
            sections.setdefault(current, []).append(Block("ul", items))
            bullets.clear()

    for number, text in enumerate(lines[end + 1 :], start=end + 2):
        stripped = text.strip()
        if stripped.startswith("#"):
            flush()
            heading = stripped.lstrip("#").strip()
            sid = section_of(heading)
            if sid is None:
                raise InputError(
                    path,
                    f"the heading {heading!r} names no section of the report",
                    line=number,
                    value=heading,
                    expected="one of " + ", ".join(title for _, title, _ in SECTIONS),
                    rule="team_note_section",
                )
            current = sid
        elif not stripped:
            flush()
        elif stripped[:2] in ("- ", "* "):
            if paragraph:
                flush()
            bullets.append([(number, stripped[2:])])
        elif bullets and text[:1].isspace():  # a bullet's continuation line
            bullets[-1].append((number, stripped))
        else:
            if bullets:
                flush()
            paragraph.append((number, stripped))
    flush()
    return TeamNote(path, team.strip(), date, sections)


def notes_dir() -> Path:
    from pipelines.settings import data_dir

    return data_dir() / "wijkanalyse"


def note_path(code: str, layout: str = "cbs", folder: Path | None = None) -> Path:
    return (folder or notes_dir()) / layout / f"{code}.md"


def resolve(note: TeamNote, rows: dict, sections: list[str], name: str, known: set[str]) -> None:
    """Fill every citation of ``note`` from the area's rows (indicator id -> IndicatorRow of
    the latest edition); raise InputError naming the file and line of a citation of an unknown
    indicator, and of a section the report does not have."""
    from dashboards.wijkanalyse import FIELD_TEXT

    for sid in note.sections:
        if sid not in sections:
            line = _heading_line(note.path, sid)
            raise InputError(
                note.path,
                f"the report of {name} has no section {TITLES[sid]!r}",
                line=line,
                expected="one of " + ", ".join(t for s, t, _ in SECTIONS if s in sections),
                rule="team_note_section",
            )
    for cite in note.cites():
        row = rows.get(cite.indicator)
        if row is None:
            near = difflib.get_close_matches(cite.indicator, sorted(known), n=3)
            if cite.indicator in known:
                problem = (
                    f"cites {{{{ {cite.indicator} }}}}, an indicator the report does not show "
                    "(a real figure replaces it on the pages)"
                )
            else:
                problem = f"cites {{{{ {cite.indicator} }}}}, an indicator that does not exist"
            raise InputError(
                note.path,
                problem,
                line=cite.line,
                value=cite.indicator,
                expected="an indicator of indicators/catalogue/"
                + (f" (did you mean {' or '.join(near)}?)" if near else ""),
                rule="team_note_citation",
            )
        cite.text = getattr(row, FIELD_TEXT[cite.column]) or "–"
        if cite.column == "value" and row.source_mark and row.published:
            cite.text += row.source_mark
        cite.source = {"area": row.area_code, "indicator": row.indicator_id, "field": cite.column}


def _heading_line(path: Path, sid: str) -> int | None:
    for number, text in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        if text.strip().startswith("#") and section_of(text.strip().lstrip("#")) == sid:
            return number
    return None


def load_notes(ctx, reports: dict, folder: Path | None = None) -> dict[str, TeamNote]:
    """The notes of the areas of ``ctx``'s layout (code -> note), parsed and resolved against
    their reports (code -> AreaReport); a note for an area without a report is named."""
    from indicators.catalogue import load_catalogue

    layout = ctx.data.layout
    base = (folder or notes_dir()) / layout
    if not base.is_dir():
        return {}
    known = {i.id for i in load_catalogue().indicators}
    out = {}
    for path in sorted(base.glob("*.md")):
        code = path.stem
        report = reports.get(code)
        if report is None:
            raise InputError(
                path,
                f"names no wijk or gebied of the layout {layout!r} with a report",
                value=code,
                expected="<code>.md of a wijk or gebied: "
                + ", ".join(sorted(reports)[:12])
                + ("…" if len(reports) > 12 else ""),
                rule="team_note_area",
            )
        note = parse(path)
        rows = {r.indicator_id: r for r in report.rows}
        resolve(note, rows, report_sections(report), report.name, known)
        out[code] = note
    return out


# -- as HTML (the page and its PDF) ------------------------------------------------------------
def _html_parts(parts: list[Part]) -> Markup:
    out = Markup("")
    for p in parts:
        if isinstance(p, Cite):
            attrs = " ".join(f'data-{k}="{escape(v)}"' for k, v in p.source.items())
            out += Markup(f'<span class="fig" {attrs}>{escape(p.text)}</span>')
        elif p.bold:
            out += Markup("<strong>{}</strong>").format(p.text)
        elif p.italic:
            out += Markup("<em>{}</em>").format(p.text)
        else:
            out += escape(p.text)
    return out


def note_html(note: TeamNote | None, section: str) -> Markup:
    """The team's text of ``section`` as the report page shows it (nothing without one)."""
    if note is None or section not in note.sections:
        return Markup("")
    body = Markup("")
    for block in note.sections[section]:
        if block.kind == "p":
            body += Markup("<p>{}</p>").format(_html_parts(block.items[0]))
        else:
            items = Markup("").join(
                Markup("<li>{}</li>").format(_html_parts(i)) for i in block.items
            )
            body += Markup("<ul>{}</ul>").format(items)
    return Markup(
        '<aside class="team-note" aria-label="{title}"><p class="team-note-head">'
        "<strong>{title}</strong> · {by}</p>{body}</aside>"
    ).format(title=NOTE_TITLE, by=note.byline, body=body)
