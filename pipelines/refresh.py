"""The biennial refresh: add a new edition (a new survey wave and a new CBS year) in one step.

``wijkkompas new-edition 2026 --survey FILE --cbs FILE [--registers FILE]`` does, in order:

1. checks the new files can be read as what they claim to be *before* anything changes (and
   before any build, in a second or two): first their years (``check_years``: the survey's wave
   column ``golf`` against the edition, the register export's ``jaar`` against its year, the
   CBS file's period column or StatLine table id (``ingest.cbs.KWB_TABLE_YEARS``) or the year
   of the sidecar beside it against the CBS year, and an edition more than a year after today,
   a typo such as 2062), naming the statistician's own file, the row, the column, the value and
   what was expected; then the CBS file through the variable crosswalk (a new StatLine year
   gets its crosswalk column derived from the newest year of the same scheme: same column, or
   the same topic with another ``_NN`` suffix; topics not found are listed), the survey export
   with the codebook (the wave is added to every question whose column is in the export; a
   column close to a question's name is a misspelling, said before any advice on dropped
   questions), the register export; every problem of a file at once;
2. copies them into ``data/raw/`` with their sidecars (checksum and provenance; a sidecar next
   to the given file is carried over, so a synthetic file stays marked synthetic);
3. adds the edition to ``data/editions.yml`` (area year = the CBS year; boundaries of the newest
   edition when the new wijk codes all have one);

   editions.yml and the codebook are edited with a round-trip YAML parser (ruamel.yaml), never
   with text patterns: comments, key order, quotes and layout stay as they were, flow or block
   style alike; the crosswalk is rewritten as a CSV (pandas);
4. runs the whole build: the new edition partition, the crosswalk of every earlier edition to
   the new layout, trends, changelog, site.

When a check or the build fails, every file it changed is put back as it was and the copies are
removed: the data directory is as before, the published site untouched, and the data-quality
report says what was wrong.
"""

from __future__ import annotations

import io
import re
import shutil
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

import pandas as pd
import yaml
from ruamel.yaml import YAML
from ruamel.yaml.comments import CommentedMap, CommentedSeq
from ruamel.yaml.error import CommentMark
from ruamel.yaml.nodes import MappingNode, SequenceNode
from ruamel.yaml.tokens import CommentToken
from ruamel.yaml.util import load_yaml_guess_indent

from ingest.cbs import (
    KWB_TABLE_YEARS,
    PERIOD_COLUMNS,
    _suffix_stem,
    load_crosswalk,
    read_kerncijfers,
)
from ingest.csvfile import misspellings, read_delimited
from ingest.errors import InputError, Problems
from ingest.registers.export import read_register_export
from ingest.snapshots import sha256_of, sidecar_path, write_sidecar
from ingest.survey.codebook import load_codebook
from ingest.survey.export import read_survey_export
from pipelines.settings import data_dir, editions_config, raw_dir


@dataclass
class NewEdition:
    edition: int
    survey: Path
    cbs: Path
    registers: Path | None = None
    cbs_year: int | None = None  # default: the edition year
    cbs_scheme: str = "statline"
    cbs_table: str | None = None
    cbs_fallback_years: list[int] = field(default_factory=list)
    # questions of the previous wave the new wave deliberately did not ask
    dropped_questions: list[str] = field(default_factory=list)
    buurten: set[str] = field(default_factory=set)  # buurt codes of the new CBS file

    @property
    def year(self) -> int:
        return self.cbs_year or self.edition


@dataclass
class Change:
    """What the refresh changed, so it can be put back."""

    restored: dict[Path, bytes | None] = field(default_factory=dict)

    def keep(self, path: Path) -> None:
        if path not in self.restored:
            self.restored[path] = path.read_bytes() if path.exists() else None

    def write(self, path: Path, text: str) -> None:
        self.keep(path)
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")

    def copy(self, source: Path, target: Path) -> None:
        self.keep(target)
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(source, target)

    def undo(self) -> None:
        for path, content in self.restored.items():
            if content is None:
                path.unlink(missing_ok=True)
            else:
                path.write_bytes(content)


def _given_sidecar(path: Path) -> dict:
    """The sidecar next to a given file, if any (its provenance is carried over)."""
    meta = sidecar_path(path)
    if not meta.exists():
        return {}
    try:
        fields = yaml.safe_load(meta.read_text(encoding="utf-8")) or {}
    except yaml.YAMLError as exc:
        raise InputError(
            meta,
            f"the sidecar is not valid YAML: {exc}".splitlines()[0],
            expected="a sidecar as wijkkompas snapshot writes it, or none",
        ) from exc
    if not isinstance(fields, dict):
        raise InputError(
            meta,
            "the sidecar is not a mapping of fields",
            expected="a sidecar as wijkkompas snapshot writes it, or none",
        )
    for key in ("file", "sha256", "retrieved"):
        fields.pop(key, None)
    return fields


def derive_crosswalk_column(crosswalk: pd.DataFrame, header: list[str], year: int):
    """The crosswalk column ``y<year>`` for a new StatLine file: per variable, the newest earlier
    column naming it if the new header has it, else the header column with the same StatLine
    topic (suffix stem), else empty (not in the new file). Returns (column, list of variables
    not found)."""
    years = sorted(
        int(c[1:]) for c in crosswalk.columns if re.fullmatch(r"y\d{4}", c) and int(c[1:]) < year
    )
    if not years:
        raise ValueError("the crosswalk has no earlier year to derive a new column from")
    by_stem: dict[str, list[str]] = {}
    for col in header:
        by_stem.setdefault(_suffix_stem(col), []).append(col)
    new, missing = [], []
    for _, row in crosswalk.iterrows():
        previous = next((row[f"y{y}"] for y in reversed(years) if row[f"y{y}"]), "")
        if previous in header:
            new.append(previous)
        elif previous and len(by_stem.get(_suffix_stem(previous), [])) == 1:
            new.append(by_stem[_suffix_stem(previous)][0])
        else:
            new.append("")
            if previous:
                missing.append(row["variable"])
    return new, missing


def _yaml(text: str | None = None) -> YAML:
    """A round-trip YAML (comments, key order, quotes, flow or block style kept as found), with
    the indentation of ``text`` when given (so writing an unchanged file gives it back byte for
    byte) and lines never wrapped."""
    rt = YAML(typ="rt")
    rt.preserve_quotes = True
    rt.width = 4096
    sequence, offset = load_yaml_guess_indent(text)[1:] if text else (None, None)
    # mappings indented by 2, lists as found (the shipped files: "  - edition: ...", 4 and 2)
    rt.indent(
        mapping=2,
        sequence=4 if sequence is None else sequence,
        offset=2 if offset is None else offset,
    )
    return rt


def load_yaml_rt(text: str):
    """``text`` read as a round-trip YAML document (see :func:`dump_yaml_rt`)."""
    return _yaml(text).load(text)


def dump_yaml_rt(document, like: str) -> str:
    """``document`` (read by :func:`load_yaml_rt`) written with the indentation of ``like``."""
    out = io.StringIO()
    _yaml(like).dump(document, out)
    return out.getvalue()


def _flow(values) -> CommentedSeq | CommentedMap:
    """A list or mapping written in flow style (``[2024, 2023]``, ``{wijk: 2024}``)."""
    node = CommentedMap(values) if isinstance(values, dict) else CommentedSeq(values)
    node.fa.set_flow_style()
    return node


def _last_key(node):
    """The innermost last (container, key) of a block collection: where the parser hangs the
    comment lines that follow it."""
    while True:
        key = next(reversed(node)) if isinstance(node, CommentedMap) else len(node) - 1
        value = node[key]
        if isinstance(value, CommentedMap | CommentedSeq) and value and not value.fa.flow_style():
            node = value
            continue
        return node, key


def _edition_entry(spec: NewEdition, latest) -> CommentedMap:
    """The editions.yml entry of the new edition, with the keys, value styles and comments of
    the shipped entries."""
    years = [spec.year, *spec.cbs_fallback_years]
    entry = CommentedMap()
    entry["edition"] = spec.edition
    entry["area_year"] = spec.year
    entry["cbs_years"] = _flow(years)
    entry["survey"] = f"data/raw/survey/wijkenquete_{spec.edition}.csv"
    if spec.registers:
        entry["registers"] = spec.year
    entry["boundaries"] = _flow(dict(latest.boundaries))
    if spec.dropped_questions:
        entry["dropped_questions"] = _flow(list(spec.dropped_questions))
    column = 4 + len(f"area_year: {spec.year}") + 11
    entry.yaml_add_eol_comment("# added by wijkkompas new-edition", "area_year", column)
    boundaries = ", ".join(f"{k}: {v}" for k, v in latest.boundaries.items())
    column = 4 + len(f"boundaries: {{{boundaries}}}") + 3
    entry.yaml_add_eol_comment(f"# those of edition {latest.edition}", "boundaries", column)
    if spec.dropped_questions:
        column = 4 + len(f"dropped_questions: [{', '.join(spec.dropped_questions)}]") + 3
        entry.yaml_add_eol_comment(f"# not asked in {spec.edition}", "dropped_questions", column)
    return entry


def _append_edition(document, entry: CommentedMap) -> None:
    """Append ``entry`` to the ``editions:`` list of the loaded editions.yml, keeping every
    comment where it was: the comment lines after the list (which the parser hangs on its last
    entry) move to the new last entry, so they stay after the list."""
    editions = document["editions"]
    if editions:
        node, key = _last_key(editions[-1])
        comments = node.ca.items.get(key)
        token = comments[2] if comments and len(comments) > 2 else None
        if token is not None and "\n" in token.value.rstrip("\n"):
            own, _, rest = token.value.partition("\n")
            if own.strip():
                token.value = own + "\n"
            else:
                comments[2] = None
            new_node, new_key = _last_key(entry)
            new_comments = new_node.ca.items.get(new_key)
            if new_comments and len(new_comments) > 2 and new_comments[2] is not None:
                new_comments[2].value = new_comments[2].value.rstrip("\n") + "\n" + rest
            else:
                new_node.ca.items.setdefault(new_key, [None, None, None, None])
                new_node.ca.items[new_key][2] = CommentToken("\n" + rest, CommentMark(0), None)
    editions.append(entry)


def _move_layout(document, name: str, year: int) -> None:
    """Set ``area_year`` of the own layout ``name`` in the loaded editions.yml to ``year``."""
    layout = next(layout for layout in document["layouts"] if layout["name"] == name)
    layout["area_year"] = year


def _mapping_value(node, key: str):
    """The value node of ``key`` in a composed YAML mapping node, or None."""
    if not isinstance(node, MappingNode):
        return None
    return next((value for k, value in node.value if k.value == key), None)


def _add_wave_to_codebook(text: str, wave: int, asked: set[str]) -> tuple[str, int]:
    """Add ``wave`` to ``waves:`` of every question whose id is in ``asked``; returns the new
    text and how many questions got the wave.

    The round-trip parser finds each question's ``waves`` list and where it is in the text; the
    wave goes in there and nowhere else: ``[2018, 2024]`` becomes ``[2018, 2024, 2026]`` in a
    flow list, a block list gets a ``- 2026`` line under its last item. Everything else stays
    byte for byte: comments, quotes, and questions written over two lines in flow style (a
    round-trip *dump* would put each of those on one line). The result is read back and must
    equal the codebook with the wave added."""
    reader = YAML(typ="rt")  # only reading here: no indentation to guess
    root = reader.compose(text)
    edits: list[tuple[int, str]] = []
    expected = reader.load(text)
    questions = _mapping_value(root, "questions")
    items = questions.value if isinstance(questions, SequenceNode) else []
    for question, loaded in zip(items, expected.get("questions") or [], strict=True):
        qid, waves = _mapping_value(question, "id"), _mapping_value(question, "waves")
        if qid is None or qid.value not in asked or not isinstance(waves, SequenceNode):
            continue
        if str(wave) in [item.value for item in waves.value]:
            continue
        loaded["waves"].append(wave)
        if waves.flow_style:
            at = waves.value[-1].end_mark.index if waves.value else waves.start_mark.index + 1
            edits.append((at, f", {wave}" if waves.value else str(wave)))
        else:
            indent = " " * waves.start_mark.column
            edits.append((waves.value[-1].end_mark.index, f"\n{indent}- {wave}"))
    out = text
    for at, insert in sorted(edits, reverse=True):
        out = out[:at] + insert + out[at:]
    if edits and reader.load(out) != expected:  # the edit must be exactly the new waves
        raise RuntimeError("adding the wave to the codebook changed more than its waves")
    return out, len(edits)


def prepare(spec: NewEdition, echo=print) -> Change:
    """Steps 1-3 of the module doc; returns what changed (to undo on failure). Raises
    InputError (nothing changed) when a file cannot be read."""
    cfg = editions_config()
    check_request(spec)
    change = Change()
    try:
        _stage_cbs(spec, change, echo)
        _stage_survey(spec, change, echo)
        if spec.registers:
            _stage_registers(spec, change, echo)
        _stage_edition(spec, change, cfg, echo)
    except BaseException:
        change.undo()
        raise
    return change


def check_request(spec: NewEdition) -> None:
    """What can be refused before anything is read in full or changed (the command runs it
    before it waits for nothing: before it takes the build lock, and again under it): a known
    or older edition, a missing file, a file already in data/raw, files of another year."""
    cfg = editions_config()
    known = [e.edition for e in cfg.editions]
    if spec.edition in known:
        raise InputError(
            data_dir() / "editions.yml",
            "edition exists already",
            value=spec.edition,
            expected=f"a new edition (have {known})",
        )
    if spec.edition < max(known):
        raise InputError(
            data_dir() / "editions.yml",
            "a new edition must be the newest",
            value=spec.edition,
            expected=f"after {max(known)}",
        )
    for path in (spec.survey, spec.cbs, spec.registers):
        if path is not None and not Path(path).is_file():
            raise InputError(Path(path), "file not found", expected="an existing file")
        if path is not None and Path(path).resolve().is_relative_to(raw_dir().resolve()):
            raise InputError(
                Path(path),
                "the file is already in data/raw",
                expected="a file outside data/raw (the command copies it there with its sidecar)",
            )
    check_years(spec)


def check_years(spec: NewEdition, today: date | None = None) -> None:
    """Refuse files of another year, and an edition year that cannot be right, before anything
    changes: one InputError listing every such problem, each naming the file the statistician
    gave (not its copy in data/raw), the row, the column, the value found and the year
    expected. A file that cannot be read at all is listed too (its reader's message)."""
    today = today or date.today()
    problems = Problems()
    for label, year in (("edition", spec.edition), ("--cbs-year", spec.cbs_year)):
        if year is not None and year > today.year + 1:
            problems.add(
                InputError(
                    None,
                    f"{label} {year} cannot be right: it is more than a year after today "
                    f"({today.isoformat()})",
                    value=year,
                    expected=f"a year up to {today.year + 1}: the year of the new survey wave "
                    "(a typo?)",
                )
            )
    problems.add(
        _year_column_problem(
            spec.survey, "golf", spec.edition,
            what="the survey's wave", rule="survey_responses.wave_matches_export",
            expected=f"{spec.edition}, the edition being added (the export of another wave? "
            f"then give that wave's edition, or the {spec.edition} export)",
        )
    )  # fmt: skip
    if spec.registers:
        problems.add(
            _year_column_problem(
                spec.registers, "jaar", spec.year,
                what="the register export's year", rule="register_values.year_matches_export",
                expected=f"{spec.year}, the year of the edition's figures (--cbs-year, else the "
                "edition): the export of that year",
            )
        )  # fmt: skip
    for problem in _cbs_year_problems(spec):
        problems.add(problem)
    problems.raise_all()


def _year_of(value: str) -> int | None:
    """The year a cell names: its first four digits ("2024", "2024JJ00", "2017WK001400")."""
    found = re.match(r"\s*(\d{4})", value)
    return int(found.group(1)) if found else None


def _year_column_problem(
    path: Path, column: str, year: int, *, what: str, rule: str, expected: str
) -> InputError | None:
    """The rows of ``path`` whose ``column`` names another year than ``year``: the first, and
    how many (cells that name no year are the reader's to report)."""
    try:
        table = read_delimited(path)
    except InputError as err:
        return err
    if column not in table.header:
        return None
    at = table.column_index(column)
    years = [_year_of(row[at]) for row in table.rows]
    other = [n for n, found in enumerate(years) if found is not None and found != year]
    if not other:
        return None
    found = sorted({years[n] for n in other})
    return InputError(
        path,
        f"{what} is not {year}: {len(other)} of {len(years)} rows say "
        + " or ".join(map(str, found)),
        row=other[0] + 2,
        column=column,
        value=table.rows[other[0]][at].strip(),
        expected=expected,
        rule=rule,
    )


def _cbs_year_problems(spec: NewEdition) -> list[InputError]:
    """A CBS file of another year than the edition's CBS year: by a period column, by a
    StatLine table id that is another year's (``ingest.cbs.KWB_TABLE_YEARS``), by the year of
    the sidecar beside it. Most CBS downloads have neither a period column nor a sidecar: an
    unknown year is not refused here (the quality rules and the crosswalk see the content)."""
    problems = []
    expected = f"the kerncijfers of {spec.year} (--cbs-year, else the edition)"
    try:
        header = read_delimited(spec.cbs).header
    except InputError as err:
        return [err]
    for column in (c for c in PERIOD_COLUMNS if c in header):
        problems.append(
            _year_column_problem(
                spec.cbs, column, spec.year, what="the CBS file's period",
                rule="cbs_period", expected=expected,
            )
        )  # fmt: skip
    given = _given_sidecar(spec.cbs)
    table = spec.cbs_table or given.get("table_id")
    if KWB_TABLE_YEARS.get(table, spec.year) != spec.year:
        known = KWB_TABLE_YEARS[table]
        problems.append(
            InputError(
                spec.cbs if spec.cbs_table else sidecar_path(spec.cbs),
                f"StatLine table {table} holds the kerncijfers of {known}, not {spec.year}",
                key=None if spec.cbs_table else "table_id",
                value=table,
                expected=f"{expected}; if the edition takes the {known} figures: --cbs-year "
                f"{known}",
                rule="cbs_period",
            )
        )
    if isinstance(given.get("year"), int) and given["year"] != spec.year:
        problems.append(
            InputError(
                sidecar_path(spec.cbs),
                f"the sidecar says the file holds the kerncijfers of {given['year']}",
                key="year",
                value=given["year"],
                expected=expected,
                rule="cbs_period",
            )
        )
    return [p for p in problems if p is not None]


def _stage_cbs(spec: NewEdition, change: Change, echo) -> None:
    crosswalk_file = data_dir() / "reference" / "cbs_variable_crosswalk.csv"
    crosswalk = load_crosswalk(crosswalk_file)
    column = f"y{spec.year}"
    if column not in crosswalk.columns:
        if spec.cbs_scheme != "statline":
            raise InputError(
                crosswalk_file,
                f"no column {column} for a {spec.cbs_scheme} file",
                column=column,
                expected="a column naming each variable's column in the new file (derived "
                "automatically only for StatLine files, whose names keep their topic)",
            )
        header = read_delimited(spec.cbs).header
        values, missing = derive_crosswalk_column(crosswalk, header, spec.year)
        found = sum(1 for v in values if v)
        if found < (found + len(missing)) / 2:
            raise InputError(
                spec.cbs,
                f"only {found} of {found + len(missing)} CBS variables of the newest year found "
                "in this file",
                row=1,
                expected="a StatLine kerncijfers file with most of the newest year's topics "
                f"(or add the column {column} to the crosswalk by hand)",
            )
        crosswalk[column] = values
        change.keep(crosswalk_file)
        crosswalk.to_csv(crosswalk_file, index=False)
        echo(
            f"  crosswalk: column {column} added ({found} variables found"
            + (f"; not in the new file: {', '.join(missing)}" if missing else "")
            + ")"
        )
    figures = read_kerncijfers(
        spec.cbs, year=spec.year, scheme=spec.cbs_scheme, crosswalk=load_crosswalk(crosswalk_file)
    )
    spec.buurten = set(figures.loc[figures["area_level"] == "buurt", "area_code"])
    table = spec.cbs_table or _given_sidecar(spec.cbs).get("table_id")  # fetch-cbs wrote it
    target = raw_dir() / "cbs" / cbs_copy_name(spec.year, table)
    fixed = {"kind": "cbs_kerncijfers", "year": spec.year, "scheme": spec.cbs_scheme}
    _copy_with_sidecar(
        change, spec, spec.cbs, target,
        {"title": f"Kerncijfers wijken en buurten {spec.year}", "publisher": "CBS",
         "licence": "CC BY 4.0", "attribution": "Bron: CBS"},
        fixed | ({"table_id": spec.cbs_table} if spec.cbs_table else {}),
    )  # fmt: skip
    echo(f"  CBS {spec.year}: {target.relative_to(data_dir())} (+ sidecar)")


def cbs_copy_name(year: int, table: str | None) -> str:
    """The name of a new CBS file in data/raw/cbs: year, table and gemeente, as the shipped
    ones (``kwb_2024_85984NED_groningen.csv``), whatever the statistician called the file."""
    gemeente = re.sub(r"\W+", "_", editions_config().gemeente_name.lower()).strip("_")
    return "_".join(p for p in ("kwb", str(year), table, gemeente) if p) + ".csv"


CODEBOOK_FILE_HINT = "data/survey/codebook.yml (its 'waves' of the questions)"


def wave_questions(
    codebook, header: set[str], wave: int, previous_wave: int, dropped: list[str], source: Path
) -> set[str]:
    """The questions a new wave asks, checked for completeness against the previous wave: the
    codebook's questions of ``wave`` when it lists the wave already, else the export's question
    columns. Every question asked in the previous wave is asked again or named in ``dropped``
    (deliberately not asked). Raises one InputError listing every problem: first a column of
    the export close to a question it lacks (a misspelling, "did you mean ...?", never advised
    to be dropped), then a dropped question that is no question of the previous wave or is
    asked after all, a wave without any question, the questions missing, and columns the
    codebook does not know.

    A misspelt question counts as asked (the export's reader names the misspelling with the
    file's other problems when nothing else is wrong here)."""
    export = source
    listed = {q.id for q in codebook.questions_in(wave)}
    before = {q.id for q in codebook.questions_in(previous_wave)}
    known = set(codebook.frame) | set(codebook.by_id)
    absent = sorted((listed or before) - header) + [c for c in codebook.frame if c not in header]
    misspelt = misspellings(sorted(header - known), absent)
    asked = listed or {q.id for q in codebook.questions if q.id in header}
    asked |= {q for q in misspelt.values() if q in codebook.by_id}
    if listed:
        source = CODEBOOK_FILE_HINT
    problems = Problems()
    for column, meant in misspelt.items():
        problems.add(
            InputError(
                export,
                f"unexpected column; did you mean {meant}?",
                row=1,
                column=column,
                expected=f"column '{meant}' in its place: correct the header",
                rule="survey_expected_columns",
            )
        )
    unknown = sorted(set(dropped) - before)
    if unknown:
        problems.add(
            InputError(
                source,
                f"--dropped-questions names {', '.join(unknown)}, not asked in {previous_wave}",
                expected=f"questions of the {previous_wave} wave of the codebook",
            )
        )
    present = sorted(set(dropped) & asked)
    if present:
        problems.add(
            InputError(
                source,
                f"--dropped-questions names {', '.join(present)}, but "
                + (
                    f"the codebook asks {'it' if len(present) == 1 else 'them'} in {wave}"
                    if listed
                    else f"the export has {'that column' if len(present) == 1 else 'those columns'}"
                ),
                row=None if listed else 1,
                column=None if listed else present[0],
                expected="only questions the new wave did not ask",
            )
        )
    if not asked:
        problems.add(
            InputError(
                source,
                f"the export has no question columns at all, only {', '.join(sorted(header))}",
                row=1,
                expected=f"the frame columns and a column per question asked in {wave} "
                f"(the {previous_wave} wave asked {len(before)}); a synthetic wave for a year the "
                "codebook does not know: wijkkompas generate-survey --questions-of "
                f"{previous_wave}",
                rule="survey_wave_sizes.wave_asks_questions",
            )
        )
    missing = sorted(before - asked - set(dropped))
    if missing and asked:
        problems.add(
            InputError(
                source,
                f"{len(missing)} question(s) asked in {previous_wave} are not "
                + ("asked in the codebook's wave " + str(wave) if listed else "in the export")
                + f": {', '.join(missing)}",
                row=None if listed else 1,
                column=None if listed else missing[0],
                expected=f"a column for every question of the {previous_wave} wave; if the "
                f"{wave} questionnaire deliberately left them out, say so: "
                f"--dropped-questions {','.join(missing)}",
                rule="survey_waves.previous_questions_asked",
            )
        )
    unexpected = sorted(header - known - set(misspelt))
    if len(problems.found) > len(misspelt) and unexpected:  # the rest of the header at once
        problems.add(
            InputError(
                export,
                f"unexpected column ({len(unexpected)} in all: {', '.join(unexpected)})",
                row=1,
                column=unexpected[0],
                expected="only the frame columns and questions of data/survey/codebook.yml (a "
                "new question: describe it in the codebook first)",
                rule="survey_expected_columns",
            )
        )
    if len(problems.found) > len(misspelt):  # misspellings alone: the export's reader says them
        problems.raise_all()
    return asked


def _stage_survey(spec: NewEdition, change: Change, echo) -> None:
    codebook_file = data_dir() / "survey" / "codebook.yml"
    codebook = load_codebook(codebook_file)
    header = set(read_delimited(spec.survey).header)
    target = raw_dir() / "survey" / f"wijkenquete_{spec.edition}.csv"
    previous = max(e.edition for e in editions_config().editions)
    asked = wave_questions(
        codebook, header, spec.edition, previous, spec.dropped_questions, spec.survey
    )
    if not codebook.questions_in(spec.edition):
        text, added = _add_wave_to_codebook(
            codebook_file.read_text(encoding="utf-8"), spec.edition, asked
        )
        change.write(codebook_file, text)
        new = len(asked - {q.id for q in codebook.questions_in(previous)})
        echo(
            f"  codebook: wave {spec.edition} added to {added} questions ({new} not asked in "
            f"{previous})"
            + (
                f"; deliberately not asked again: {', '.join(spec.dropped_questions)}"
                if spec.dropped_questions
                else ""
            )
        )
    read_survey_export(spec.survey, load_codebook(codebook_file), spec.edition)
    _copy_with_sidecar(
        change, spec, spec.survey, target,
        {"title": f"Wijkenquête {spec.edition}",
         "licence": "restricted (municipal survey microdata)"},
        {"kind": "survey_export", "year": spec.edition},
    )  # fmt: skip
    echo(f"  survey {spec.edition}: {target.relative_to(data_dir())} (+ sidecar)")


def _copy_with_sidecar(
    change: Change, spec: NewEdition, source: Path, target: Path, defaults: dict, fixed: dict
) -> None:
    """Copy a given file into data/raw with its sidecar: ``defaults``, overridden by the sidecar
    next to the given file, overridden by ``fixed`` (what the edition needs it to be). A raw file
    of another edition is never replaced (a copy with the same content is a no-op)."""
    if target.exists() and target not in change.restored:
        if sha256_of(target) == sha256_of(source):
            return
        raise InputError(
            source,
            f"would replace {target.relative_to(data_dir())}, a raw file another edition uses",
            expected="a file of the new edition's own year (check --cbs-year and the "
            "year of the register export); raw files are never overwritten",
        )
    change.copy(source, target)
    change.keep(sidecar_path(target))
    fields = {
        "publisher": "Gemeente",
        "origin": f"added by wijkkompas new-edition {spec.edition} from {source.name}",
        **defaults,
        **_given_sidecar(source),
        **fixed,
        "copied_from": Path(source).name,  # the name the statistician knows, no local path
    }
    write_sidecar(target, **fields)


def _stage_registers(spec: NewEdition, change: Change, echo) -> None:
    read_register_export(spec.registers, spec.year)
    target = raw_dir() / "registers" / f"registers_{spec.year}.csv"
    _copy_with_sidecar(
        change, spec, spec.registers, target,
        {"title": f"Gemeentelijke registraties {spec.year}",
         "licence": "restricted (municipal registers)"},
        {"kind": "register", "year": spec.year},
    )  # fmt: skip
    echo(f"  registers {spec.year}: {target.relative_to(data_dir())} (+ sidecar)")


def _stage_edition(spec: NewEdition, change: Change, cfg, echo) -> None:
    latest = max(cfg.editions, key=lambda e: e.edition)
    path = data_dir() / "editions.yml"
    original = path.read_text(encoding="utf-8")
    document = load_yaml_rt(original)
    _append_edition(document, _edition_entry(spec, latest))
    for layout in cfg.layouts:  # own layouts follow the newest edition when their buurten do
        if layout.area_year != latest.area_year or latest.area_year == spec.year:
            continue
        table = read_delimited(cfg.resolve(layout.file))
        codes = {rec["buurt_code"] for _, rec in table.records()}
        gone = sorted(codes - spec.buurten)
        if gone:
            echo(
                f"  layout {layout.name}: stays on {layout.area_year} ({len(gone)} of its buurten "
                f"are not in the {spec.year} file, e.g. {gone[0]}); update {layout.file}"
            )
            continue
        _move_layout(document, layout.name, spec.year)
        echo(
            f"  layout {layout.name}: every buurt is in the {spec.year} file, moved to {spec.year}"
        )
    change.write(path, dump_yaml_rt(document, original))
    echo(
        f"  data/editions.yml: edition {spec.edition} added (area year {spec.year}, "
        f"boundaries of edition {latest.edition})"
    )
