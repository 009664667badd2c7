"""new-edition edits editions.yml and the codebook with a round-trip YAML library: comments, key
order, quotes and layout stay as they were; only the new edition, the moved layout and the new
wave are written."""

from __future__ import annotations

import json
from pathlib import Path

import yaml
from conftest import ROOT

from pipelines.refresh import (
    NewEdition,
    _add_wave_to_codebook,
    _append_edition,
    _edition_entry,
    _move_layout,
    dump_yaml_rt,
    load_yaml_rt,
)
from pipelines.settings import EditionsConfig

EDITIONS = (ROOT / "data/editions.yml").read_text(encoding="utf-8")
CODEBOOK = (ROOT / "data/survey/codebook.yml").read_text(encoding="utf-8")


def _is_subsequence(lines: list[str], of: list[str]) -> bool:
    rest = iter(of)
    return all(any(line == other for other in rest) for line in lines)


def _append(text: str, **spec) -> str:
    config = EditionsConfig.model_validate(yaml.safe_load(text))
    latest = max(config.editions, key=lambda e: e.edition)
    document = load_yaml_rt(text)
    _append_edition(
        document, _edition_entry(NewEdition(2026, Path("s"), Path("c"), **spec), latest)
    )
    return dump_yaml_rt(document, text)


def test_editions_yml_unchanged_is_written_back_byte_for_byte():
    assert dump_yaml_rt(load_yaml_rt(EDITIONS), EDITIONS) == EDITIONS


def test_an_appended_edition_keeps_every_line_and_parses_with_the_schema():
    out = _append(
        EDITIONS,
        registers=Path("r.csv"),
        cbs_fallback_years=[2024],
        dropped_questions=["won_schoon", "vei_cijfer"],
    )
    lines, new_lines = EDITIONS.splitlines(), out.splitlines()
    assert _is_subsequence(lines, new_lines)  # every line, comments included, in order
    assert len(new_lines) == len(lines) + 7
    added = [line for line in new_lines if line not in lines]
    assert added == [
        "  - edition: 2026",
        "    area_year: 2026           # added by wijkkompas new-edition",
        "    cbs_years: [2026, 2024]",
        "    survey: data/raw/survey/wijkenquete_2026.csv",
        "    registers: 2026",
        "    boundaries: {wijk: 2024, buurt: 2022}   # those of edition 2024",
        "    dropped_questions: [won_schoon, vei_cijfer]   # not asked in 2026",
    ]
    # the entry ends the editions list: the comments about layouts stay after it
    assert new_lines.index(added[-1]) + 1 == new_lines.index(
        "# Own layouts (CSV buurt -> own wijk -> gebied) computed beside the CBS layout, per "
        "area year."
    )
    config = EditionsConfig.model_validate(yaml.safe_load(out))
    new = config.editions[-1]
    assert (new.edition, new.area_year, new.cbs_years, new.registers) == (
        2026,
        2026,
        [2026, 2024],
        2026,
    )
    assert new.boundaries == {"wijk": 2024, "buurt": 2022}
    assert new.dropped_questions == ["won_schoon", "vei_cijfer"]
    assert new.survey == "data/raw/survey/wijkenquete_2026.csv"
    before = EditionsConfig.model_validate(yaml.safe_load(EDITIONS))
    assert config.editions[:-1] == before.editions and config.layouts == before.layouts


def test_comments_after_an_entry_without_an_own_comment_stay_after_the_list():
    """The last entry ends without a comment of its own (no dropped questions): the comment
    lines after the list still follow the new entry, and nothing else moves."""
    text = EDITIONS.replace(
        "    dropped_questions: [par_kent_wijkwethouder]   # asked in 2018, deliberately not in "
        "2024\n",
        "",
    )
    assert text != EDITIONS
    out = _append(text)
    lines, new_lines = text.splitlines(), out.splitlines()
    assert _is_subsequence(lines, new_lines)
    added = [line for line in new_lines if line not in lines]
    assert added[0] == "  - edition: 2026" and len(added) == 5
    assert "registers" not in yaml.safe_load(out)["editions"][-1]
    assert new_lines[new_lines.index(added[-1]) + 1].startswith("# Own layouts")


def test_moving_a_layout_changes_its_area_year_and_nothing_else():
    document = load_yaml_rt(EDITIONS)
    _move_layout(document, "voorbeeld", 2026)
    out = dump_yaml_rt(document, EDITIONS)
    changed = [
        (old, new)
        for old, new in zip(EDITIONS.splitlines(), out.splitlines(), strict=True)
        if old != new
    ]
    assert changed == [("    area_year: 2024", "    area_year: 2026")]
    layout = yaml.safe_load(out)["layouts"][0]
    assert layout == {"name": "voorbeeld", "area_year": 2026, "file": layout["file"]}


def _block_style(text: str, ids: list[str]) -> str:
    """The codebook with the questions ``ids`` written in block style (a comment inside each,
    the waves as a block list, the texts double-quoted), the others as shipped."""
    lines = text.splitlines(keepends=True)
    questions = {q["id"]: q for q in yaml.safe_load(text)["questions"]}
    for qid in ids:
        start = next(i for i, line in enumerate(lines) if line.startswith(f"  - {{id: {qid},"))
        assert lines[start + 1].startswith("     text:")  # the two lines of a shipped question
        q = questions[qid]
        block = [
            f"  - id: {qid}\n",
            f"    theme: {q['theme']}\n",
            "    # the survey years that asked it\n",
            f"    scale: {q['scale']}\n",
            "    waves:\n",
            *[f"      - {wave}\n" for wave in q["waves"]],
            "    text:\n",
            f"      nl: {json.dumps(q['text']['nl'], ensure_ascii=False)}\n",
            f"      en: {json.dumps(q['text']['en'], ensure_ascii=False)}   # English\n",
        ]
        lines[start : start + 2] = block
    return "".join(lines)


def test_a_wave_goes_into_a_codebook_in_block_style_for_exactly_the_asked_questions():
    block_ids = ["won_cijfer_buurt", "ovl_verward", "par_kent_wijkwethouder", "ach_woonduur"]
    text = _block_style(CODEBOOK, block_ids)
    before = {q["id"]: q for q in yaml.safe_load(text)["questions"]}
    assert before == {q["id"]: q for q in yaml.safe_load(CODEBOOK)["questions"]}
    assert "    waves:\n      - 2018\n      - 2024\n    text:" in text
    # asked: two block questions (one only asked in 2024), two flow ones; not asked: the rest
    asked = {"won_cijfer_buurt", "ovl_verward", "won_schoon", "vrz_cultuur"}

    out, added = _add_wave_to_codebook(text, 2026, asked)

    assert added == 4
    after = {q["id"]: q for q in yaml.safe_load(out)["questions"]}
    assert list(after) == list(before)
    for qid, question in after.items():
        waves = before[qid]["waves"] + ([2026] if qid in asked else [])
        assert question == before[qid] | {"waves": waves}, qid
    # the text is the same but for the new wave: no comment, quote or line break moved
    assert "    waves:\n      - 2018\n      - 2024\n      - 2026\n    text:" in out
    assert out.count("\n      - 2026") == 2 and out.count(", 2026]") == 2
    assert out.replace("\n      - 2026", "").replace(", 2026]", "]") == text
    assert out.count("# the survey years that asked it\n") == len(block_ids)
    # adding the wave again changes nothing
    assert _add_wave_to_codebook(out, 2026, asked) == (out, 0)


def test_the_shipped_flow_style_codebook_gets_the_wave_in_place():
    asked = {q["id"] for q in yaml.safe_load(CODEBOOK)["questions"] if 2024 in q["waves"]}
    out, added = _add_wave_to_codebook(CODEBOOK, 2026, asked)
    assert added == len(asked)
    assert out.replace(", 2026]", "]") == CODEBOOK
    assert len(out.splitlines()) == len(CODEBOOK.splitlines())
    questions = yaml.safe_load(out)["questions"]
    assert {q["id"] for q in questions if 2026 in q["waves"]} == asked
