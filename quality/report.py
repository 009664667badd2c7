"""The data-quality report: every rule of every rules file, passed / failed / not run, with the
first failing rows (file, row, area, column, value); as HTML for statisticians and as lines for
the command line."""

from __future__ import annotations

import html
import os
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

import jinja2

from quality.rulesets import RuleSet
from quality.validate import FAILING_ROWS_KEPT, RuleResult

TEMPLATES = Path(__file__).with_name("templates")
STATUS_NL = {"passed": "geslaagd", "failed": "MISLUKT", "not_run": "niet uitgevoerd"}
SEVERITY_NL = {"fatal": "fataal", "error": "fout", "warning": "waarschuwing"}


@dataclass
class RuleLine:
    dataset: str
    asset: str
    rule: str
    severity: str
    description: str
    expectation: str
    column: str | None
    status: str
    result: RuleResult | None


@dataclass
class QualityOutcome:
    """Everything one run says about data quality."""

    run_id: str
    lines: list[RuleLine]
    read_failures: list[tuple[str, str]] = field(default_factory=list)

    @property
    def blocking_failures(self) -> list[RuleLine]:
        return [x for x in self.lines if x.status == "failed" and x.severity != "warning"]

    @property
    def warnings(self) -> list[RuleLine]:
        return [x for x in self.lines if x.status == "failed" and x.severity == "warning"]

    @property
    def passed(self) -> bool:
        return not self.blocking_failures and not self.read_failures

    def counts(self) -> dict[str, dict[str, int]]:
        out = {s: {"passed": 0, "failed": 0, "not_run": 0} for s in SEVERITY_NL}
        for x in self.lines:
            out[x.severity][x.status] += 1
        return out


def outcome(
    run_id: str,
    rulesets: list[RuleSet],
    results: list[RuleResult],
    read_failures: list[tuple[str, str]] | None = None,
) -> QualityOutcome:
    by_key = {(r.dataset, r.rule): r for r in results}
    lines = []
    for rs in rulesets:
        for rule in rs.rules:
            result = by_key.get((rs.dataset, rule.name))
            status = "not_run" if result is None else "passed" if result.success else "failed"
            lines.append(
                RuleLine(
                    rs.dataset,
                    rs.asset,
                    rule.name,
                    rule.severity,
                    rule.description,
                    rule.expectation,
                    rule.column,
                    status,
                    result,
                )
            )
    return QualityOutcome(run_id, lines, list(read_failures or []))


def _where(row: dict) -> str:
    return ", ".join(f"{k} {v}" for k, v in row.items() if v is not None)


def summary_lines(result: QualityOutcome, report_path: Path | None = None) -> list[str]:
    """A short summary for the command line: counts, every failed rule and its first rows."""
    counts = result.counts()
    total = sum(c["passed"] + c["failed"] + c["not_run"] for c in counts.values())
    passed = sum(c["passed"] for c in counts.values())
    not_run = sum(c["not_run"] for c in counts.values())
    lines = [
        f"Data quality: {passed} of {total} rules passed, "
        f"{len(result.blocking_failures)} blocking failures, {len(result.warnings)} warnings"
        + (f", {not_run} not run (not selected, or after a failed step)" if not_run else "")
        + "."
    ]
    for step, message in result.read_failures:
        lines.append(f"  READ ERROR in {step}: {message}")
    for line in result.blocking_failures + result.warnings:
        res = line.result
        label = "WARNING" if line.severity == "warning" else line.severity.upper()
        head = f"  {label} {line.dataset}.{line.rule}"
        if res and res.error:
            lines.append(f"{head}: {res.error}")
            continue
        lines.append(
            f"{head}: {res.unexpected_count} of {res.element_count} rows fail ({line.description})"
        )
        for row in res.failing_rows[:3]:
            lines.append(f"      {_where(row)} [column {line.column}]")
    if report_path is not None:
        lines.append(f"Report: {report_path}")
    return lines


def render_report(
    result: QualityOutcome, *, synthetic: bool, title: str, home: str | None = None
) -> str:
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(TEMPLATES), autoescape=True, undefined=jinja2.StrictUndefined
    )
    datasets: dict[str, list[RuleLine]] = {}
    for line in result.lines:
        datasets.setdefault(line.dataset, []).append(line)
    return env.get_template("report.html.j2").render(
        title=title,
        home=home,
        result=result,
        datasets=datasets,
        counts=result.counts(),
        status_nl=STATUS_NL,
        severity_nl=SEVERITY_NL,
        kept=FAILING_ROWS_KEPT,
        synthetic=synthetic,
        generated=datetime.now().strftime("%Y-%m-%d %H:%M"),
        escape=html.escape,
    )


def write_report(
    path: Path,
    result: QualityOutcome,
    *,
    synthetic: bool,
    title: str = "Datakwaliteit",
    home: str | None = None,
) -> Path:
    """Write the HTML report to ``path`` (via a temporary file of this process, so a reader never
    sees half, and a check writing its report beside a build never trips over the build's)."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    html_text = render_report(result, synthetic=synthetic, title=title, home=home)
    tmp.write_text(html_text, encoding="utf-8")
    tmp.replace(path)
    return path
