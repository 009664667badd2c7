"""``wijkkompas``: build the warehouse, generate synthetic survey waves and register exports,
record snapshots, fetch CBS tables."""

from __future__ import annotations

import contextlib
import sys
from datetime import date
from pathlib import Path

import click

from ingest.snapshots import SNAPSHOT_KINDS
from pipelines.build_lock import EXIT_BUILD_RUNNING, BuildRunning, build_lock
from pipelines.settings import (
    PROJECT_ROOT,
    current_gemeente,
    data_dir,
    editions_config,
    gemeente_scope,
    is_default,
    site_dir,
    warehouse_path,
)
from pipelines.warehouse_check import DamagedWarehouse


class _Commands(click.Group):
    """The command group: an expected failure (a wrong file, code, flag, no network) is said in
    one paragraph with exit code 1, never as a traceback; an unexpected one too, with the
    traceback written to a file to report."""

    def invoke(self, ctx: click.Context):
        try:
            return super().invoke(ctx)
        except (click.exceptions.Exit, click.exceptions.Abort, click.ClickException):
            raise
        except KeyboardInterrupt:
            click.echo("\nInterrupted.", err=True)
            ctx.exit(130)
        except BuildRunning as err:  # another build of the gemeente holds its lock
            click.echo(f"Not started: {err}", err=True)
            ctx.exit(EXIT_BUILD_RUNNING)
        except DamagedWarehouse as err:  # named before anything ran or was copied
            click.echo(f"Not done: {err}", err=True)
            ctx.exit(1)
        except Exception as err:  # noqa: BLE001 - every failure becomes a message
            from pipelines.cli_messages import user_message

            click.echo(user_message(err, ctx.invoked_subcommand or ""), err=True)
            ctx.exit(1)


@click.group(cls=_Commands)
def main() -> None:
    """Wijkkompas: neighbourhood compass pipeline (CBS + wijkenquête -> DuckDB -> site)."""


SELECT_HELP = (
    "Only these assets and the rules on them (repeatable); the rest is taken from the warehouse "
    "as it is. A selective build never publishes the site."
)
EDITION_HELP = (
    "Only these editions of the edition-partitioned assets (repeatable; default: every edition "
    "of data/editions.yml)."
)


def _selection(select: tuple[str, ...], editions: tuple[int, ...]):
    """The asset names and editions, checked before anything runs."""
    from pipelines.cli_messages import check_editions, check_selection

    check_selection(list(select))
    check_editions(list(editions))
    return list(select) or None, list(editions) or None


GEMEENTE_HELP = (
    "Build the compass of this gemeente (GM code, or a name such as Utrecht; repeatable; "
    "default: the gemeente of data/editions.yml). Another gemeente's inputs are generated from "
    "the national CBS file on its first build into gemeenten/<code>/data/ (SYNTHETIC survey "
    "and registers) and its warehouse and site go to gemeenten/<code>/."
)


@main.command()
@click.option("--select", multiple=True, help=SELECT_HELP)
@click.option("--edition", "editions", type=int, multiple=True, help=EDITION_HELP)
@click.option("--gemeente", "gemeenten", multiple=True, metavar="GMxxxx|NAME", help=GEMEENTE_HELP)
@click.option(
    "--layout",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="For a gemeente built for the first time: its own layout (CSV buurt_code, wijk_code, "
    "wijk_name, gebied_code, gebied_name, as data/areas/layout_example.csv), published as its "
    "primary layout.",
)
@click.option(
    "--workers",
    type=click.IntRange(min=0),
    default=0,
    show_default=True,
    help="Step processes of Dagster's multiprocess executor (0: in-process, the fastest for "
    "one gemeente).",
)
@click.option(
    "--from-scratch",
    is_flag=True,
    help="Rebuild the warehouse from the inputs alone, starting from an empty one instead of a "
    "copy of the published warehouse (for a damaged warehouse; the history of past quality "
    "results is lost).",
)
def build(
    select: tuple[str, ...],
    editions: tuple[int, ...],
    gemeenten: tuple[str, ...],
    layout: Path | None,
    workers: int,
    from_scratch: bool,
) -> None:
    """Run the whole pipeline on the data in data/ (or of each --gemeente) and publish the site
    when every blocking quality rule passed (Dagster). The build works on a copy of the
    warehouse that replaces it only when every blocking rule passed. One build of a gemeente
    runs at a time: a second one exits at once with code 75, naming the running one."""
    codes = _gemeente_codes(gemeenten)
    if from_scratch and select:
        raise click.BadParameter(
            "a rebuild from scratch builds every asset: leave out --select", param_hint="--select"
        )
    with build_lock(codes):  # before anything is read or written
        from pipelines.runner import run_builds

        selection, editions_ = _selection(select, editions)
        _new_gemeente_inputs(codes, layout)
        if len(codes) == 1:
            with gemeente_scope(codes[0]):
                scratch = " from scratch" if from_scratch else ""
                click.echo(f"Building the warehouse {warehouse_path()}{scratch} ...")
        else:
            click.echo(f"Building the compass of {', '.join(codes)} ...")
        reports = run_builds(
            click.echo, selection, publish=not select, editions=editions_, gemeenten=codes,
            workers=workers, from_scratch=from_scratch,
        )  # fmt: skip
    failed = False
    for report in reports:
        with gemeente_scope(report.gemeente):
            if len(reports) > 1:
                click.echo(f"\n== {report.gemeente} {editions_config().gemeente_name} ==")
            failed |= not _outcome(report)
    if failed:
        sys.exit(1)


def _gemeente_codes(gemeenten: tuple[str, ...]) -> list[str]:
    """The gemeente codes of --gemeente (codes or names, read without importing Dagster: the
    build takes its lock within a second), checked (default: the gemeente of data/)."""
    from pipelines.gemeente_names import resolve_gemeenten
    from pipelines.settings import default_gemeente

    return resolve_gemeenten(list(gemeenten)) or [default_gemeente()]


def _new_gemeente_inputs(codes: list[str], layout: Path | None) -> None:
    """A --layout is written into a new gemeente's inputs now (under the build lock)."""
    from pipelines.gemeente_inputs import ensure_inputs, inputs_exist

    if layout is None:
        return
    if len(codes) != 1 or inputs_exist(codes[0]):
        raise click.BadParameter(
            "a layout is given with one --gemeente that has no inputs yet (for one that "
            "has, add it under layouts: in its editions.yml)",
            param_hint="--layout",
        )
    click.echo(f"Generating the inputs of {codes[0]} with the layout {layout} ...")
    ensure_inputs(codes[0], layout, click.echo)


def _outcome(report) -> bool:
    """Print one gemeente's result; whether it passed."""
    _quality_summary(report)
    if report.success:
        click.echo(f"Done in {report.seconds:.1f} s.")
        _summary()
        return True
    _failure(report)
    if report.published:  # cannot happen while publication is the last step (a guard)
        click.echo(
            f"The site was published before a later step failed; the warehouse "
            f"{warehouse_path()} is that of the published site.",
            err=True,
        )
    else:
        click.echo(
            f"The published site was left as it was: {site_dir()}\n"
            f"The warehouse was left as it was: {warehouse_path()}"
            + (
                f"\n(the failed run's warehouse, to inspect: {report.failed_warehouse})"
                if report.failed_warehouse
                else ""
            ),
            err=True,
        )
    return False


@main.command()
@click.option("--select", multiple=True, help=SELECT_HELP)
@click.option("--edition", "editions", type=int, multiple=True, help=EDITION_HELP)
@click.option(
    "--gemeente",
    "gemeenten",
    multiple=True,
    metavar="GMxxxx|NAME",
    help="Check this gemeente (GM code or name, repeatable; one built before, whose inputs are in "
    "gemeenten/<code>/data/; default: the gemeente of data/).",
)
def check(select: tuple[str, ...], editions: tuple[int, ...], gemeenten: tuple[str, ...]) -> None:
    """Read every input and run every quality rule, without publishing and without changing
    the warehouse (it runs on copies of its own, so it also runs beside a build). Exits 1 when
    an input cannot be read or a fatal or error rule fails; warnings are listed but do not
    fail."""
    from pipelines.gemeente_inputs import inputs_exist
    from pipelines.runner import run_builds

    codes = _gemeente_codes(gemeenten)
    missing = [code for code in codes if not inputs_exist(code)]
    if missing:
        raise click.BadParameter(
            f"{', '.join(missing)} has no inputs yet: `wijkkompas build --gemeente {missing[0]}` "
            "generates them",
            param_hint="--gemeente",
        )
    selection, editions_ = _selection(select, editions)
    reports = []
    for code in codes:
        with gemeente_scope(code):
            click.echo(f"Checking the inputs in {data_dir()} ...")
            reports += run_builds(
                click.echo, selection, publish=False, editions=editions_, keep=False,
                gemeenten=[code],
            )  # fmt: skip
    failed = False
    for report in reports:
        with gemeente_scope(report.gemeente):
            _quality_summary(report)
            if report.success:
                click.echo(f"All blocking rules passed ({report.seconds:.1f} s).")
                continue
            _failure(report)
            failed = True
    if failed:
        sys.exit(1)


def _quality_summary(report) -> None:
    from quality.report import summary_lines

    click.echo("")
    for line in summary_lines(report.quality, report.quality_report):
        click.echo(line)


def _failure(report) -> None:
    problems = len(report.read_failures) + len(report.quality.blocking_failures)
    click.echo(
        f"\nThe run FAILED on {problems} blocking problem(s), listed above; nothing "
        "downstream of them was built.",
        err=True,
    )
    crashed = [  # a check step that could not run its rules (not one whose rule failed)
        (step, message)
        for step, message in report.failures
        if step not in dict(report.read_failures) and "DagsterAssetCheckFailedError" not in message
    ]
    for step, message in crashed:
        from pipelines.warehouse_check import is_damage

        hint = (
            "a database file is damaged: `wijkkompas build --from-scratch` rebuilds the "
            "warehouse from the inputs"
            if is_damage(message)
            else "a warehouse from before an upgrade may lack a table or column: a full "
            "`wijkkompas build` rebuilds it"
        )
        click.echo(f"- {step} could not run: {message.splitlines()[0]}\n  ({hint})", err=True)


def _summary() -> None:
    import duckdb

    if not warehouse_path().exists():  # a selective build of assets that write no table
        click.echo(f"\nNo warehouse yet at {warehouse_path()}: a whole build makes it.")
        return
    with duckdb.connect(str(warehouse_path()), read_only=True) as con:
        tables = con.execute(
            "SELECT table_name, estimated_size FROM duckdb_tables() "
            "WHERE NOT starts_with(table_name, 'raw_') ORDER BY table_name"
        ).fetchall()
        click.echo(f"\nWarehouse: {warehouse_path()}")
        for name, _ in tables:
            n = con.execute(f'SELECT count(*) FROM "{name}"').fetchone()[0]
            click.echo(f"  {name:<28} {n:>9,} rows")
    downloads = site_dir() / "downloads"
    if downloads.exists():
        click.echo(f"\nPublished site: {site_dir()}")
        click.echo(
            f"  for residents: {site_dir() / 'index.html'} ({serve_hint(current_gemeente())})"
        )
        click.echo(f"  downloads (Parquet, CSV, JSON metadata): {downloads}")
        click.echo(f"  for statisticians: {site_dir() / 'statistiek' / 'index.html'}")
        from dashboards.report_pdf import pdfs_enabled

        kinds = "HTML + A4 PDF" if pdfs_enabled() else "HTML; PDFs off: WIJKKOMPAS_REPORT_PDF=0"
        click.echo(
            f"  for area teams, a wijkanalyse per wijk and gebied of every layout ({kinds}): "
            f"{site_dir() / 'rapport' / 'index.html'}"
        )


@main.command("new-edition")
@click.argument("edition", type=int)
@click.option(
    "--survey",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    required=True,
    help="The wijkenquête export of the new wave (CSV as described by data/survey/codebook.yml).",
)
@click.option(
    "--cbs",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    required=True,
    help="CBS kerncijfers wijken en buurten of the new year (gemeente, wijk and buurt rows).",
)
@click.option(
    "--registers",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    default=None,
    help="Municipal register export of the new year (data/registers/variables.yml layout).",
)
@click.option("--cbs-year", type=int, default=None, help="Year of the CBS file (default: EDITION).")
@click.option(
    "--cbs-scheme",
    type=click.Choice(["statline", "kwb", "map"]),
    default="statline",
    show_default=True,
    help="Column naming of the CBS file.",
)
@click.option("--cbs-table", default=None, help="StatLine table id, e.g. 86165NED.")
@click.option(
    "--dropped-questions",
    default="",
    metavar="Q1,Q2",
    help="Questions of the previous wave that the new wave deliberately did not ask (comma "
    "separated). Any other question of the previous wave missing from the export stops the "
    "refresh.",
)
@click.option(
    "--cbs-fallback-year",
    type=int,
    multiple=True,
    help="Earlier CBS year to take a figure from where the new year is still empty (repeatable).",
)
def new_edition(
    edition: int,
    survey: Path,
    cbs: Path,
    registers: Path | None,
    cbs_year: int | None,
    cbs_scheme: str,
    cbs_table: str | None,
    cbs_fallback_year: tuple[int, ...],
    dropped_questions: str,
) -> None:
    """Add edition EDITION (the biennial refresh) and build it: check and copy the new files
    into data/raw with sidecars, add the edition to data/editions.yml, rebuild everything
    (earlier editions are harmonised to the new layout) and publish. On any failure every
    change to data/ is undone, and the warehouse and the published site stay as they were.
    Without --registers the edition has no register indicators (the pages say why)."""
    from ingest.errors import InputError
    from pipelines.refresh import NewEdition, check_request
    from pipelines.settings import default_gemeente

    spec = NewEdition(
        edition,
        survey,
        cbs,
        registers,
        cbs_year,
        cbs_scheme,
        cbs_table,
        list(cbs_fallback_year),
        [q.strip() for q in dropped_questions.split(",") if q.strip()],
    )
    try:  # what can be refused at once, also while a build runs
        check_request(spec)
    except InputError as err:
        click.echo(f"Not added: {err}\nNothing in {data_dir()} was changed.", err=True)
        sys.exit(1)
    with build_lock([default_gemeente()]):  # before data/ changes
        _add_edition(spec, edition)


def _add_edition(spec, edition: int) -> None:
    from ingest.errors import InputError
    from pipelines.refresh import prepare
    from pipelines.runner import run_build
    from pipelines.settings import default_gemeente, published_warehouse_path
    from pipelines.warehouse_check import rebuild_command, verify_warehouse

    verify_warehouse(
        published_warehouse_path(), rebuild_command(default_gemeente()), data_dir()
    )  # a damaged warehouse is named before data/ changes
    click.echo(f"Adding edition {edition} to {data_dir()} ...")
    try:
        change = prepare(spec, click.echo)
    except InputError as err:
        click.echo(f"\nNot added: {err}\nNothing in {data_dir()} was changed.", err=True)
        sys.exit(1)
    click.echo(f"Building the warehouse {warehouse_path()} with edition {edition} ...")
    try:
        report = run_build(click.echo)
    except BaseException:  # a crash or Ctrl-C: the data directory goes back as it was
        change.undo()
        click.echo(f"Interrupted: the changes to {data_dir()} were undone.", err=True)
        raise
    _quality_summary(report)
    if not report.success and report.published:  # a guard: publication is the last step
        _failure(report)
        click.echo(
            f"Edition {edition} was published (site and warehouse), but a step after the "
            f"publication failed; the changes to {data_dir()} are kept so that they match "
            "what is published. Fix the problem the report names and run `wijkkompas build`.",
            err=True,
        )
        sys.exit(1)
    if not report.success:
        change.undo()
        _failure(report)
        click.echo(
            f"Edition {edition} was NOT added: the new files, sidecars and the changes to "
            f"editions.yml, the codebook and the crosswalk were undone, and the published site "
            f"was left as it was ({site_dir()}), and so was the warehouse "
            f"({warehouse_path()}). Fix the problems the report names and run the command "
            "again."
            + (
                f"\n(the failed run's warehouse, to inspect: {report.failed_warehouse})"
                if report.failed_warehouse
                else ""
            ),
            err=True,
        )
        sys.exit(1)
    click.echo(f"Edition {edition} added and published in {report.seconds:.1f} s.")
    _summary()


def _writing(path: Path):
    """The build lock of the default gemeente when ``path`` lies in its data directory (a
    command writing there must not change the inputs under a running build), else nothing."""
    import contextlib

    from pipelines.settings import default_gemeente

    if Path(path).resolve().is_relative_to(data_dir().resolve()):
        return build_lock([default_gemeente()])
    return contextlib.nullcontext()


def _check_cbs_year(year: int) -> None:
    """A synthetic file is calibrated to CBS figures of a year the raw data has."""
    from ingest.snapshots import discover_snapshots
    from pipelines.settings import raw_dir

    years = sorted(
        {s.year for _, s in discover_snapshots(raw_dir()) if s.kind == "cbs_kerncijfers"}
    )
    if year not in years:
        raise click.BadParameter(
            f"no CBS kerncijfers of {year} in {raw_dir()}; the years there: "
            f"{', '.join(map(str, years))}",
            param_hint="--cbs-year",
        )


@main.command("generate-survey")
@click.option("--wave", type=int, required=True, help="Survey year, e.g. 2024.")
@click.option(
    "--cbs-year",
    type=int,
    required=True,
    help="CBS year whose population frame the sample is drawn from.",
)
@click.option(
    "--respondents",
    type=click.IntRange(min=1),
    required=True,
    help="Target number of respondents.",
)
@click.option("--seed", type=int, default=None, help="Random seed (default: the wave).")
@click.option(
    "--questions-of",
    type=int,
    default=None,
    help="Ask the questions of this wave of the codebook (for a wave the codebook does not "
    "list yet, e.g. a new edition's).",
)
@click.option(
    "--out",
    type=click.Path(path_type=Path),
    default=None,
    help="Default: data/raw/survey/wijkenquete_<wave>.csv",
)
def generate_survey(
    wave: int,
    cbs_year: int,
    respondents: int,
    seed: int | None,
    questions_of: int | None,
    out: Path | None,
) -> None:
    """Write a SYNTHETIC wijkenquête export (CSV + sidecar) calibrated to real CBS figures."""
    from ingest.cbs import read_snapshot_set
    from ingest.snapshots import write_sidecar
    from ingest.survey.codebook import load_codebook
    from ingest.survey.generator import (
        WaveSpec,
        generate_wave,
        load_rivm,
        sidecar_fields,
        write_export,
    )
    from pipelines.settings import current_gemeente, data_dir, raw_dir

    _check_cbs_year(cbs_year)
    codebook = load_codebook(data_dir() / "survey" / "codebook.yml")
    known = sorted({w for q in codebook.questions for w in q.waves})
    if questions_of is None and not codebook.questions_in(wave):
        questions_of = known[-1]
        click.echo(
            f"The codebook has no questions for wave {wave}: asking those of wave {questions_of} "
            f"(the latest; choose another with --questions-of {', '.join(map(str, known))})."
        )
    if questions_of is not None and not codebook.questions_in(questions_of):
        raise click.BadParameter(
            f"the codebook has no questions for wave {questions_of}; its waves: "
            f"{', '.join(map(str, known))}",
            param_hint="--questions-of",
        )
    seed = wave if seed is None else seed
    out = out or raw_dir() / "survey" / f"wijkenquete_{wave}.csv"
    out.parent.mkdir(parents=True, exist_ok=True)
    spec = WaveSpec(wave, cbs_year, respondents, seed, date(wave, 9, 2), questions_of)
    with _writing(out), click.progressbar(length=3, label=f"Generating wave {wave}") as bar:
        cbs = read_snapshot_set(raw_dir())
        rivm = load_rivm(raw_dir(), current_gemeente())  # None: no RIVM extract there
        bar.update(1)
        frame = generate_wave(cbs, codebook, spec, rivm)
        bar.update(1)
        write_export(frame, out)
        bar.update(1)
        write_sidecar(out, **sidecar_fields(spec, rivm=rivm))
    asked = len(codebook.questions_in(questions_of or wave))
    click.echo(
        f"Wrote {len(frame):,} synthetic respondents answering {asked} questions to {out} "
        "(+ sidecar)."
    )


@main.command("generate-registers")
@click.option("--year", type=int, required=True, help="Register year, e.g. 2024.")
@click.option(
    "--cbs-year",
    type=int,
    default=None,
    help="CBS year whose buurten and figures the counts are drawn from (default: the year).",
)
@click.option(
    "--seed", type=int, default=None, help="Random seed (default 14, the same for every year)."
)
@click.option(
    "--out",
    type=click.Path(path_type=Path),
    default=None,
    help="Default: data/raw/registers/registers_<year>.csv",
)
def generate_registers(year: int, cbs_year: int | None, seed: int | None, out: Path | None) -> None:
    """Write a SYNTHETIC municipal register export (CSV + sidecar) calibrated to real CBS
    figures; the variables are data/registers/variables.yml."""
    from ingest.cbs import read_snapshot_set
    from ingest.registers.generator import (
        DEFAULT_SEED,
        RegisterSpec,
        generate_registers,
        sidecar_fields,
        write_export,
    )
    from ingest.registers.variables import load_variables
    from ingest.snapshots import write_sidecar
    from pipelines.settings import data_dir, raw_dir

    spec = RegisterSpec(year, year if cbs_year is None else cbs_year, seed or DEFAULT_SEED)
    _check_cbs_year(spec.cbs_year)
    out = out or raw_dir() / "registers" / f"registers_{year}.csv"
    out.parent.mkdir(parents=True, exist_ok=True)
    with _writing(out), click.progressbar(length=3, label=f"Generating registers {year}") as bar:
        cbs = read_snapshot_set(raw_dir())
        variables = load_variables(data_dir() / "registers" / "variables.yml")
        bar.update(1)
        frame = generate_registers(cbs, variables, spec)
        bar.update(1)
        write_export(frame, out)
        bar.update(1)
        write_sidecar(out, **sidecar_fields(spec))
    click.echo(
        f"Wrote {len(frame):,} synthetic register counts ({frame['buurtcode'].nunique()} buurten"
        f" x {frame['variabele'].nunique()} variables) to {out} (+ sidecar)."
    )


@main.command()
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--title", required=True)
@click.option("--publisher", required=True)
@click.option(
    "--kind",
    required=True,
    type=click.Choice(SNAPSHOT_KINDS),
)
@click.option("--licence", required=True)
@click.option("--origin", required=True, help="Where the file came from (URL, table, commit).")
@click.option("--year", type=int)
@click.option("--table-id")
@click.option("--scheme", type=click.Choice(["statline", "kwb", "map"]))
@click.option("--area-level", type=click.Choice(["wijk", "buurt"]))
@click.option("--synthetic", is_flag=True)
def snapshot(file: Path, **fields) -> None:
    """Record FILE as a raw snapshot: write its sidecar with sha256 and provenance."""
    from ingest.snapshots import sidecar_path, write_sidecar

    fields = {k: v for k, v in fields.items() if v is not None}
    with _writing(file):
        sidecar = write_sidecar(file, **fields)
    click.echo(f"Wrote {sidecar_path(file)} (sha256 {sidecar.sha256[:12]}...).")


@main.command("fetch-cbs")
@click.option("--table", "table_id", required=True, help="StatLine table, e.g. 85984NED.")
@click.option("--gemeente", default="GM0014", show_default=True)
@click.option("--year", type=int, required=True, help="Reference year of the table.")
@click.option("--out", type=click.Path(path_type=Path), required=True)
@click.option("--catalog-url", default=None, help="OData host (default opendata.cbs.nl).")
@click.option("--http", "plain_http", is_flag=True, help="Use http (for a local mirror).")
def fetch_cbs(
    table_id: str, gemeente: str, year: int, out: Path, catalog_url: str | None, plain_http: bool
) -> None:
    """Download the kerncijfers of one gemeente (ONLINE) into a raw snapshot with sidecar."""
    from ingest.cbs_odata import fetch_kerncijfers

    with (
        _writing(out),
        click.progressbar(length=2, label=f"Fetching {table_id} for {gemeente}") as bar,
    ):
        path = fetch_kerncijfers(
            table_id,
            gemeente,
            year,
            out,
            catalog_url=catalog_url,
            https=not plain_http,
            progress=lambda: bar.update(1),
        )
    click.echo(
        f"Wrote {path} (+ sidecar). Map new columns in "
        "data/reference/cbs_variable_crosswalk.csv before building."
    )


@main.command("extract-rivm")
@click.argument(
    "files", nargs=-1, required=True, type=click.Path(exists=True, dir_okay=False, path_type=Path)
)
@click.option(
    "--out",
    type=click.Path(dir_okay=False, path_type=Path),
    required=True,
    help="The extract to write, a .csv.gz (data/raw/rivm/rivm_50090NED_2012_2016_2020.csv.gz).",
)
@click.option("--origin", help="Where the workbooks came from (default: RIVM StatLine, 50090NED).")
@click.option(
    "--retrieved",
    type=click.DateTime(formats=["%Y-%m-%d"]),
    help="When they were downloaded, YYYY-MM-DD (default: today).",
)
def extract_rivm_command(files: tuple[Path, ...], out: Path, origin: str | None, retrieved) -> None:
    """Read RIVM's StatLine exports of table 50090NED (FILE.xlsx: one per period and age group)
    and write their rows as one gzipped CSV with a sidecar (the originals' checksums): what the
    build reads (data/raw/rivm/). Nothing is written when any workbook is not what it should be."""
    from ingest.rivm import extract_rivm

    with _writing(out):
        sidecar = extract_rivm(
            files,
            out,
            origin=origin,
            retrieved=retrieved.date() if retrieved else None,
            progress=lambda path: click.echo(f"Reading {path} ..."),
        )
    rows = sum(o.rows or 0 for o in sidecar.originals or [])
    click.echo(
        f"Wrote {out} ({out.stat().st_size / 1e6:.1f} MB, {rows:,} rows of "
        f"{len(sidecar.originals or [])} exports) + sidecar (sha256 {sidecar.sha256[:12]}...)."
    )


@main.command()
@click.option(
    "--gemeente",
    "gemeenten",
    multiple=True,
    metavar="CODE|NAME",
    help="The gemeente whose site to serve (GM0344 or Utrecht); default: the project's own.",
)
@click.option("--port", type=int, default=8000, show_default=True)
def serve(gemeenten: tuple[str, ...], port: int) -> None:
    """Serve a gemeente's published site on http://127.0.0.1:PORT/ (make serve GEMEENTE=...)."""
    import functools
    import http.server
    import signal

    codes = _gemeente_codes(gemeenten)
    with gemeente_scope(codes[0]):
        site = site_dir()
    if not (site / "index.html").exists():
        build_hint = f" --gemeente {codes[0]}" if gemeenten else ""
        raise click.ClickException(
            f"{site} has no pages yet: build it first (wijkkompas build{build_hint})"
        )
    handler = functools.partial(http.server.SimpleHTTPRequestHandler, directory=str(site))
    # a SIGTERM stops the server at once, whatever the parent process left blocked, ignored or
    # mapped to SIGINT (Dagster maps it); the server's threads are daemons, so an open
    # connection does not hold the exit either
    signal.pthread_sigmask(signal.SIG_UNBLOCK, {signal.SIGTERM, signal.SIGINT})
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    with http.server.ThreadingHTTPServer(("127.0.0.1", port), handler) as server:
        click.echo(f"Wijkkompas: http://127.0.0.1:{port}/ serves {site} (Ctrl-C stops)")
        with contextlib.suppress(KeyboardInterrupt):
            server.serve_forever()


def serve_hint(code: str) -> str:
    """How to look at the site just built: make serve, for another gemeente with GEMEENTE."""
    gemeente = "" if is_default(code) else f" GEMEENTE={code}"
    return f"make serve{gemeente}: http://127.0.0.1:8000/"


@main.command()
def where() -> None:
    """Print where the warehouse and the project are."""
    click.echo(f"project:   {PROJECT_ROOT}\nwarehouse: {warehouse_path()}")


NOTEBOOK_FILE = click.Path(dir_okay=False, path_type=Path)


@main.command()
@click.argument("name", type=click.Choice(["wijkanalyse", "vergelijk"]))
@click.option(
    "--area",
    "areas",
    multiple=True,
    required=True,
    help="A wijk or gebied: its code (WK…, GB…, an own wijk's) or its name (Beijum): once for "
    "wijkanalyse, twice for vergelijk.",
)
@click.option(
    "--layout",
    metavar="NAME",
    help="The layout of the codes: cbs (the CBS wijken and gebieden) or an own layout "
    "(layouts: in data/editions.yml). Default: cbs, or the own layout that alone has the codes.",
)
@click.option("--warehouse", type=NOTEBOOK_FILE, help="Default: the warehouse of make run.")
@click.option(
    "--out",
    type=NOTEBOOK_FILE,
    help="Default: notebooks/out/<notebook>_<codes>.ipynb (own layout: _<layout>_<codes>).",
)
@click.option("--tables-out", type=NOTEBOOK_FILE, help="Also write the key tables as JSON here.")
def notebook(
    name: str,
    areas: tuple[str, ...],
    layout: str | None,
    warehouse: Path | None,
    out: Path | None,
    tables_out: Path | None,
) -> None:
    """Run an area-team notebook with papermill: NAME is wijkanalyse (one --area) or vergelijk
    (two --area, of one layout: areas of two layouts can share buurten and so respondents, which
    the comparison's significance test cannot have). The result, with every table and chart,
    goes to notebooks/out/ (git-ignored)."""
    from pipelines.notebooks import NotebookError, plan_run, run_notebook
    from pipelines.settings import default_gemeente
    from pipelines.warehouse_check import rebuild_command, verify_warehouse

    codes = list(areas)
    source = warehouse or warehouse_path()
    verify_warehouse(
        source, rebuild_command(default_gemeente()), data_dir(), chosen=warehouse is not None
    )
    try:
        run = plan_run(source, codes, layout)
        if run.note:
            click.echo(run.note)
        click.echo(
            f"Running the {name} notebook for {', '.join(run.codes)} (layout {run.layout}) on "
            f"edition {run.edition} (the latest in {source}) ..."
        )
        path = run_notebook(
            name, run.codes, layout=run.layout, warehouse=warehouse, output=out,
            tables_out=tables_out,
        )  # fmt: skip
    except NotebookError as err:
        click.echo(f"Not run: {err}", err=True)
        sys.exit(1)
    click.echo(f"Done: {path}\n(open it in Jupyter or VS Code; outputs stay out of git)")


@main.command("strip-notebooks")
@click.option(
    "--check", is_flag=True, help="Change nothing; exit 1 when a notebook is not stripped."
)
def strip_notebooks_command(check: bool) -> None:
    """Remove outputs, execution counts and papermill metadata from notebooks/*.ipynb: the
    notebooks are committed stripped."""
    from pipelines.notebooks import committed_notebooks, strip_notebooks

    changed = strip_notebooks(write=not check)
    for path in changed:
        click.echo(f"{'not stripped' if check else 'stripped'}: {path}")
    if not changed:
        click.echo(f"All {len(committed_notebooks())} notebooks are stripped.")
    if check and changed:
        sys.exit(1)


if __name__ == "__main__":
    main()
