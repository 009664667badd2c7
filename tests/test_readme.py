"""The README's and the docs' facts that are numbers or names are held against the code, so they
cannot go stale: rule and bad-input counts, every ``wijkkompas`` command line (command, flags,
the assets it selects), every ``make`` target; and the README stays short, its links alive."""

from __future__ import annotations

import re

import pytest
import yaml
from conftest import ROOT

from pipelines.cli import main

PAGES = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]
README = "\n".join(p.read_text(encoding="utf-8") for p in PAGES)  # the README and docs/


def _command_lines() -> list[tuple[str, str]]:
    """(command, the rest of its line) for every `wijkkompas CMD ...` in the README: in code
    spans up to the closing backtick, in code blocks up to a comment, with `\\` continuations."""
    text = README.replace("\\\n", " ")
    found = []
    for match in re.finditer(r"wijkkompas ([a-z][a-z-]*)([^`\n]*)", text):
        rest = match.group(2).split(" #")[0]
        found.append((match.group(1), rest))
    return found


def test_rule_counts_are_the_rules_files():
    from quality.rulesets import load_rulesets

    rulesets = load_rulesets()
    said = re.findall(r"(\d+) files, (\d+) rules", README)
    assert said == [(str(len(rulesets)), str(sum(len(r.rules) for r in rulesets)))]


def test_bad_input_count_is_the_corpus():
    cases = yaml.safe_load((ROOT / "tests/fixtures/bad_inputs/cases.yml").read_text("utf-8"))
    assert re.findall(r"holds (\d+) realistic bad inputs", README) == [str(len(cases))]


def test_register_variable_count_is_the_variables_file():
    from ingest.registers.variables import load_variables

    variables = load_variables(ROOT / "data/registers/variables.yml")
    assert re.findall(r"generates (\d+)\s+register\s+counts", README) == [str(len(variables))]


def test_every_command_line_uses_real_commands_and_flags():
    lines = _command_lines()
    assert len(lines) > 20
    for command, rest in lines:
        assert command in main.commands, f"README: wijkkompas {command}{rest}"
        cmd = main.commands[command]
        flags = {opt for p in cmd.params for opt in p.opts + p.secondary_opts} | {"--help"}
        for flag in re.findall(r"(?<![\w-])(--[a-z][a-z-]*)", rest):
            assert flag in flags, f"README: {flag} is no option of wijkkompas {command}"


def test_every_selected_asset_exists():
    from pipelines.cli_messages import asset_names

    names = set(asset_names())
    selected = [s for _, rest in _command_lines() for s in re.findall(r"--select (\S+)", rest)]
    selected += re.findall(r"--select ([a-z_]+)", README)
    assert selected
    for name in selected:
        if name != "ASSET":  # the placeholder of the option's description
            assert name in names, f"README selects {name!r}, not an asset"


@pytest.mark.parametrize("target", sorted(set(re.findall(r"\bmake ([a-z][a-z-]*)", README))))
def test_every_make_target_exists(target):
    makefile = (ROOT / "Makefile").read_text(encoding="utf-8")
    if target in ("each",):  # prose: "make each ..."
        return
    assert re.search(rf"^{re.escape(target)}:", makefile, re.M), f"no make target {target}"


def test_the_readme_is_read_in_ten_minutes_and_its_links_lead_somewhere():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert len(readme.splitlines()) <= 250
    for page in PAGES:
        for target in re.findall(r"\]\(([^)#:]+)(?:#[^)]*)?\)", page.read_text(encoding="utf-8")):
            assert (page.parent / target).exists(), f"{page.name}: link to {target}"
    linked = set(re.findall(r"\]\(docs/([a-z-]+\.md)\)", readme))
    assert linked == {p.name for p in PAGES[1:]}  # every page of docs/ is reached from it
