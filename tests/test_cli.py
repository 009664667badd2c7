"""Every ``wijkkompas`` command, given what a user gets wrong, answers with a message (what was
wrong, what to do) and exit code 1 or 2, never with a traceback."""

from __future__ import annotations

import socket
from concurrent.futures import ThreadPoolExecutor

import pytest
from conftest import ROOT, run_cli

from pipelines.cli import main


def _closed_port() -> int:
    """A port on this machine where nothing listens (fetch-cbs "offline", without the net)."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _cases(tmp):
    missing = str(tmp / "does_not_exist.csv")
    offline = f"127.0.0.1:{_closed_port()}"
    return {
        # command line                                     what the message must say
        "build unknown asset": (
            ["build", "--select", "compass_scorez"],
            1, ["Unknown asset 'compass_scorez'", "did you mean compass_scores"],
        ),
        "check partitioned asset by its old name": (
            ["check", "--select", "survey_export_2018"],
            1, ["survey_export is one asset partitioned by edition",
                "--select survey_export --edition 2018"],
        ),
        "serve unknown gemeente": (
            ["serve", "--gemeente", "Utreht"],
            1, ["Unknown gemeente 'Utreht'", "Utrecht"],
        ),
        "check unknown edition": (
            ["check", "--edition", "1999"],
            1, ["Unknown edition(s) 1999", "data/editions.yml has 2018, 2024"],
        ),
        "new-edition missing file": (
            ["new-edition", "2026", "--survey", missing, "--cbs", missing],
            2, ["does_not_exist.csv", "does not exist"],
        ),
        "new-edition existing edition": (
            ["new-edition", "2024", "--survey", str(ROOT / "README.md"),
             "--cbs", str(ROOT / "README.md")],
            1, ["edition exists already", "found 2024"],
        ),
        "new-edition year not a number": (
            ["new-edition", "twintig", "--survey", str(ROOT / "README.md"),
             "--cbs", str(ROOT / "README.md")],
            2, ["'twintig' is not a valid integer"],
        ),
        "generate-survey unknown questions wave": (
            ["generate-survey", "--wave", "2026", "--cbs-year", "2024", "--respondents", "10",
             "--questions-of", "2019", "--out", str(tmp / "s.csv")],
            2, ["--questions-of", "no questions for wave 2019", "its waves: 2018, 2024"],
        ),
        "generate-survey unknown CBS year": (
            ["generate-survey", "--wave", "2026", "--cbs-year", "1990", "--respondents", "10",
             "--out", str(tmp / "s.csv")],
            2, ["--cbs-year", "no CBS kerncijfers of 1990", "the years there: 2017, 2023, 2024"],
        ),
        "generate-survey no respondents": (
            ["generate-survey", "--wave", "2026", "--cbs-year", "2024", "--respondents", "0",
             "--out", str(tmp / "s.csv")],
            2, ["--respondents", "0 is not in the range x>=1"],
        ),
        "generate-registers unknown CBS year": (
            ["generate-registers", "--year", "2026", "--cbs-year", "1990",
             "--out", str(tmp / "r.csv")],
            2, ["--cbs-year", "no CBS kerncijfers of 1990"],
        ),
        "snapshot missing file": (
            ["snapshot", missing, "--title", "t", "--publisher", "p", "--kind", "register",
             "--licence", "l", "--origin", "o"],
            2, ["does_not_exist.csv", "does not exist"],
        ),
        "fetch-cbs offline": (
            ["fetch-cbs", "--table", "85984NED", "--year", "2024", "--out", str(tmp / "k.csv"),
             "--catalog-url", offline, "--http"],
            1, ["Could not reach CBS", "the only command that goes online",
                "wijkkompas snapshot"],
        ),
        "extract-rivm a file that is no workbook": (
            ["extract-rivm", str(ROOT / "README.md"), "--out", str(tmp / "r.csv.gz")],
            1, ["README.md", "not an Excel workbook", "table 50090NED"],
        ),
        "notebook unknown area": (
            ["notebook", "wijkanalyse", "--area", "WK009999"],
            1, ["Unknown area code 'WK009999'", "Valid wijk codes"],
        ),
        "notebook without warehouse": (
            ["notebook", "wijkanalyse", "--area", "WK001404", "--warehouse", missing],
            1, ["There is no warehouse at", "make run"],
        ),
        "notebook on a file that is no warehouse": (
            ["notebook", "wijkanalyse", "--area", "WK001404", "--warehouse",
             str(ROOT / "README.md")],
            1, ["README.md is not a DuckDB warehouse that can be read"],
        ),
        "notebook unknown name": (
            ["notebook", "dashboard", "--area", "WK001404"],
            2, ["'dashboard' is not one of 'wijkanalyse', 'vergelijk'"],
        ),
        "strip-notebooks unknown flag": (["strip-notebooks", "--dry"], 2, ["No such option"]),
        "where with an argument": (["where", "extra"], 2, ["unexpected extra argument"]),
        "unknown command": (["buidl"], 2, ["No such command 'buidl'"]),
    }  # fmt: skip


def test_every_command_is_covered():
    covered = {case[0][0] for case in _cases(ROOT).values()}
    assert set(main.commands) <= covered


def test_bad_arguments_give_a_message_not_a_traceback(tmp_path, built_warehouse):
    cases = _cases(tmp_path)
    # a build takes the build lock of its warehouse: these refusals must not wait for (or meet)
    # a build of the suite's shared warehouse another worker may be running
    own = {"WIJKKOMPAS_WAREHOUSE": str(tmp_path / "wh" / "w.duckdb"),
           "WIJKKOMPAS_SITE": str(tmp_path / "site")}  # fmt: skip

    def run(case):
        return run_cli(*case[0], **(own if case[0][0] in ("build", "new-edition") else {}))

    with ThreadPoolExecutor(max_workers=4) as pool:
        runs = dict(zip(cases, pool.map(run, cases.values()), strict=True))
    for name, (_args, code, says) in cases.items():
        result = runs[name]
        out = result.stdout + result.stderr
        assert "Traceback" not in out, f"{name}: {out[-2000:]}"
        assert result.returncode == code, f"{name}: exit {result.returncode}\n{out[-2000:]}"
        for part in says:
            assert part in out, f"{name}: {part!r} not in\n{out[-2000:]}"
    assert not (tmp_path / "s.csv").exists() and not (tmp_path / "k.csv").exists()
    assert not (tmp_path / "r.csv.gz").exists()


def test_an_unexpected_error_is_a_message_with_the_traceback_in_a_file(monkeypatch):
    """A bug (not the user's input) still reaches the user as a paragraph that says so and
    where the traceback is, not as the traceback itself."""
    from click.testing import CliRunner

    import pipelines.cli as cli
    from pipelines.cli_messages import ERROR_LOG

    monkeypatch.setattr(cli.click, "echo", _echo_or_fail(cli.click.echo))
    result = CliRunner().invoke(cli.main, ["where"], catch_exceptions=False)
    assert result.exit_code == 1
    assert "Unexpected error in `wijkkompas where`: KeyError" in result.output
    assert str(ERROR_LOG) in result.output and "Traceback" not in result.output
    assert "KeyError: 'area_code'" in ERROR_LOG.read_text(encoding="utf-8")


def _echo_or_fail(echo):
    def wrapped(message=None, *args, **kwargs):
        if isinstance(message, str) and message.startswith("project:"):
            raise KeyError("area_code")
        return echo(message, *args, **kwargs)

    return wrapped


@pytest.mark.parametrize("command", sorted(main.commands))
def test_every_command_has_help(command):
    from click.testing import CliRunner

    result = CliRunner().invoke(main, [command, "--help"])
    assert result.exit_code == 0 and "Usage:" in result.output, result.output


# -- a gemeente by its name (pipelines.gemeente_names) ---------------------------------------
@pytest.mark.parametrize(
    "name, says",
    [
        ("Bergen", ["'Bergen' in --gemeente is that of 2 gemeenten",
                    "Bergen (NH.) (GM0373) and Bergen (L.) (GM0893)"]),
        ("Utrech", ["Unknown gemeente 'Utrech'", "did you mean Utrecht (GM0344)"]),
    ],
)  # fmt: skip
def test_an_ambiguous_or_unknown_gemeente_name_is_refused_before_any_build(name, says, tmp_path):
    result = run_cli("build", "--gemeente", name, WIJKKOMPAS_GEMEENTEN=str(tmp_path))
    out = result.stdout + result.stderr
    assert result.returncode == 1 and "Traceback" not in out, out[-2000:]
    for part in says:
        assert part in out, out[-2000:]
    assert "Building" not in out and not any(tmp_path.iterdir())  # nothing generated


def test_a_gemeente_is_built_by_its_name(tmp_path):
    """`wijkkompas build --gemeente Utrecht` builds GM0344, as `--gemeente GM0344` does: here
    its first asset (the inputs generated from the national file, a real Dagster run of the
    gemeente's partition); tests/test_build_safety.py builds a whole gemeente by its name."""
    import yaml

    gemeenten = tmp_path / "gemeenten"
    result = run_cli(
        "build", "--gemeente", "Utrecht", "--select", "gemeente_inputs",
        WIJKKOMPAS_GEMEENTEN=str(gemeenten), DAGSTER_HOME=str(tmp_path / "dagster_home"),
    )  # fmt: skip
    out = result.stdout + result.stderr
    assert result.returncode == 0, out[-3000:]
    assert str(gemeenten / "GM0344" / "warehouse") in result.stdout
    assert "generating a SYNTHETIC survey wave 2024 for GM0344" in result.stdout
    config = yaml.safe_load((gemeenten / "GM0344" / "data" / "editions.yml").read_text("utf-8"))
    assert (config["gemeente"], config["gemeente_name"]) == ("GM0344", "Utrecht")
    assert [p.name for p in gemeenten.iterdir()] == ["GM0344"]


def test_serve_serves_the_built_site_and_names_a_gemeente_not_built(built_warehouse, tmp_path):
    """`make serve` (wijkkompas serve): the published site over HTTP on the port given; for a
    gemeente without a built site, the command that builds it."""
    import subprocess
    import sys
    import time
    import urllib.request

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    server = subprocess.Popen(
        [sys.executable, "-m", "pipelines.cli", "serve", "--port", str(port)],
        cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )  # fmt: skip
    try:
        assert f"http://127.0.0.1:{port}/" in server.stdout.readline()
        for _ in range(50):
            try:
                page = urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=5).read()
                break
            except OSError:
                time.sleep(0.1)
        assert b"<h1>Wijkkompas Groningen" in page
    finally:
        server.terminate()
        server.wait(timeout=10)
    result = run_cli("serve", "--gemeente", "Utrecht", WIJKKOMPAS_GEMEENTEN=str(tmp_path))
    assert result.returncode == 1 and "Traceback" not in result.stderr
    assert "wijkkompas build --gemeente GM0344" in result.stderr
