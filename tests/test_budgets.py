"""The gebiedsprogramma budgets ("open begroting"): the annual reports read into euros, their
errors naming file and line, ``programme_budgets`` with euros per inhabitant, the rules on it,
the gebied pages and the download."""

from __future__ import annotations

import json
import os
from html.parser import HTMLParser
from pathlib import Path

import duckdb
import pandas as pd
import pytest

from dashboards.budgets_view import budget_rows, euro
from indicators.catalogue import statistics_settings
from ingest.budgets import programme_areas, read_programme_budgets, rounding_tolerance
from ingest.errors import InputError
from ingest.snapshots import sha256_of, verify_snapshot
from quality.rulesets import load_ruleset
from quality.validate import validate

ROOT = Path(__file__).resolve().parents[1]
RAW = ROOT / "data" / "raw" / "budgets"
REPORTS = {
    2017: RAW / "jaarverslag_2017_gebiedsgericht_werken.txt",
    2019: RAW / "jaarverslag_2019_gebiedsgericht_werken.txt",
}
# transcribed from the reports: (begroting, realisatie, resultaat) x 1,000 euro
EXPECTED = {
    2017: {
        "Algemeen": (1070, 1261, -191),
        "Centrum": (600, 526, 74),
        "Oude Wijken": (800, 309, 491),
        "Zuid": (800, 378, 422),
        "Oost": (900, 520, 380),
        "West": (900, 581, 319),
    },
    2019: {
        "Algemeen": (1782, 1333, 449),
        "Centrum": (600, 479, 121),
        "Oude Wijken": (450, 398, 52),
        "Zuid": (650, 698, -48),
        "Oost": (700, 615, 85),
        "West": (450, 620, -170),
        "Haren": (150, 103, 47),
        "Ten Boer": (118, 91, 27),
    },
}
TOTALS = {2017: (5070, 3576, 1494), 2019: (4900, 4337, 563)}
AMOUNTS = ["begroting_eur", "realisatie_eur", "resultaat_eur"]


@pytest.fixture(scope="module")
def known():
    return programme_areas(ROOT / "data" / "areas" / "gebieden.csv", "GM0014", "Groningen")


@pytest.mark.parametrize("year", sorted(REPORTS))
def test_the_shipped_reports_give_the_published_figures(year, known):
    frame = read_programme_budgets(REPORTS[year], known)
    got = {r.programme: tuple(getattr(r, c) for c in AMOUNTS) for r in frame.itertuples()}
    assert got == {p: tuple(1000.0 * v for v in fig) for p, fig in EXPECTED[year].items()}
    assert (frame["year"] == year).all()
    algemeen = frame[frame["programme"] == "Algemeen"].iloc[0]
    assert (algemeen["area_code"], algemeen["area_level"]) == ("GM0014", "gemeente")
    gebieden = frame[frame["programme"] != "Algemeen"]
    assert (gebieden["area_level"] == "gebied").all()
    assert gebieden["area_code"].str.fullmatch(r"GB00140[1-7]").all()
    # the printed total is the sum of the rows within rounding (2017: 1 unit off, as printed)
    sums = [sum(v[i] for v in EXPECTED[year].values()) for i in range(3)]
    assert all(abs(t - s) <= 1 for t, s in zip(TOTALS[year], sums, strict=True))
    assert rounding_tolerance(len(EXPECTED[year])) >= 1


def _damaged(tmp_path, year: int, old: str, new: str) -> tuple[Path, int]:
    """A copy of a report with the first line equal to ``old`` (stripped) replaced; the line."""
    lines = REPORTS[year].read_text(encoding="utf-8").splitlines(keepends=True)
    no = next(i for i, line in enumerate(lines) if line.strip() == old)
    lines[no] = lines[no].replace(old, new)
    copy = tmp_path / REPORTS[year].name
    copy.write_text("".join(lines), encoding="utf-8")
    return copy, no + 1


@pytest.mark.parametrize(
    ("year", "old", "new", "says"),
    [
        (2017, "5.070", "5.170", ["total row is not the sum", "Begroting 2017", "5070"]),
        (2017, "526", "5x6", ["not a number", "Realisatie 2017", "'5x6'", "1.070 or -191"]),
        (
            2019,
            "Totaalbudget Oost",
            "Totaalbudget Noord",
            ["unknown programme 'Noord'", "Centrum, Haren, Oost, Oude Wijken"],
        ),
        (2019, "-48", "48", ["not begroting minus realisatie", "650 - 698 = -48"]),
    ],
    ids=["wrong_total", "not_a_number", "unknown_programme", "wrong_resultaat"],
)
def test_a_bad_report_names_file_line_and_what_was_expected(tmp_path, known, year, old, new, says):
    before = sha256_of(REPORTS[year])
    copy, line = _damaged(tmp_path, year, old, new)
    with pytest.raises(InputError) as err:
        read_programme_budgets(copy, known)
    message = str(err.value)
    assert str(copy) in message and f"line {line}" in message and "expected" in message
    for part in says:
        assert part in message, message
    assert sha256_of(REPORTS[year]) == before
    verify_snapshot(REPORTS[year])  # the shipped snapshot still matches its sidecar


def test_budget_rows_format_and_explain_a_missing_year():
    frame = pd.DataFrame(
        [
            [2017, "Algemeen", "GM0014", "gemeente", 1070e3, 1261e3, -191e3, None, None, 70],
            [2017, "West", "GB001403", "gebied", 900e3, 581e3, 319e3, 46935, 19.175, 102],
            [2019, "Haren", "GB001406", "gebied", 150e3, 103e3, 47e3, 21070, 7.119, 80],
        ],
        columns=["year", "programme", "area_code", "area_level", "begroting_eur",
                 "realisatie_eur", "resultaat_eur", "population", "begroting_per_inhabitant",
                 "source_line"],
    ).assign(realisatie_per_inhabitant=1.5, population_year=2017, population_edition=2018,
             source_document="doc")  # fmt: skip
    haren = budget_rows(frame, "GB001406")
    assert [y["year"] for y in haren] == [2017, 2019]
    assert not haren[0]["has_programme"] and "1 januari 2019" in haren[0]["note"]
    assert haren[0]["city"]["resultaat_text"] == "−€\u00a0191.000"
    assert haren[1]["begroting_text"] == "€\u00a0150.000" and haren[1]["begroting_eur"] == 150e3
    assert haren[1]["begroting_per_inhabitant_text"] == "€\u00a07,12"
    assert haren[1]["population_text"] == "21.070" and haren[1]["city"] is None
    assert euro(600000, 0, "en") == "€600,000" and euro(None) == "–"


# -- in the session warehouse and site -------------------------------------------------------


def test_programme_budgets_per_inhabitant_from_the_chosen_edition(con):
    budgets = con.execute("SELECT * FROM programme_budgets ORDER BY year, source_line").df()
    assert len(budgets) == 14 and not budgets["synthetic"].any()
    for year, programmes in EXPECTED.items():
        part = budgets[budgets["year"] == year].set_index("programme")
        assert set(part.index) == set(programmes)
        for programme, figures in programmes.items():
            assert tuple(part.loc[programme, AMOUNTS]) == tuple(1000.0 * v for v in figures)
    gebieden = budgets[budgets["area_level"] == "gebied"]
    assert set(gebieden.loc[gebieden["programme"].isin(["Haren", "Ten Boer"]), "year"]) == {2019}
    assert dict(gebieden.groupby("year")["population_edition"].unique().map(list)) == {
        2017: [2018],
        2019: [2024],
    }
    population = con.execute(
        "SELECT edition AS population_edition, area_code, value AS expected, period "
        "FROM indicator_values WHERE indicator_id = 'population' AND layout = 'cbs'"
    ).df()
    merged = gebieden.merge(population, on=["population_edition", "area_code"], how="left")
    assert (merged["population"] == merged["expected"]).all()
    assert (merged["population_year"] == merged["period"]).all()
    assert set(merged.loc[merged["year"] == 2017, "population_year"]) == {2017}
    for column in ("begroting", "realisatie"):
        per = merged[f"{column}_eur"] / merged["expected"]
        assert merged[f"{column}_per_inhabitant"].tolist() == pytest.approx(per.tolist())
    # 2017's city-wide budget was for the gemeente before the merger (five gebieden): per
    # inhabitant of those, not of today's gemeente; 2019's per inhabitant of today's gemeente
    algemeen = budgets[budgets["programme"] == "Algemeen"].set_index("year")
    before = merged.loc[merged["year"] == 2017, "expected"]
    assert len(before) == 5 and algemeen.loc[2017, "population"] == round(before.sum())
    assert algemeen.loc[2017, "begroting_per_inhabitant"] == pytest.approx(1070e3 / before.sum())
    city_2024 = population[(population["area_code"] == "GM0014")]
    city_2024 = city_2024.loc[city_2024["population_edition"] == 2024, "expected"].iloc[0]
    assert algemeen.loc[2019, "population_edition"] == 2024
    assert algemeen.loc[2019, "population"] == city_2024


def test_the_rules_catch_a_broken_budget_table(con):
    scratch = duckdb.connect()
    for table in ("programme_budgets", "areas", "editions"):
        scratch.register("_t", con.execute(f"SELECT * FROM {table}").df())
        scratch.execute(f"CREATE TABLE {table} AS SELECT * FROM _t")
        scratch.unregister("_t")
    ruleset = load_ruleset(ROOT / "quality" / "rules" / "programme_budgets.yml")
    places = {"gemeente": "GM0014", "site_staging": ""}
    assert all(r.success for r in validate(scratch, ruleset, statistics_settings(), None, places))
    scratch.execute(
        "UPDATE programme_budgets SET resultaat_eur = 1, begroting_per_inhabitant = NULL "
        "WHERE programme = 'Haren'"
    )
    scratch.execute(
        "INSERT INTO programme_budgets SELECT * FROM programme_budgets WHERE year = 2017"
    )
    failed = {
        r.rule: r.failing_rows
        for r in validate(scratch, ruleset, statistics_settings(), None, places)
        if not r.success
    }
    assert set(failed) == {
        "resultaat_is_begroting_minus_realisatie",
        "begroting_per_inhabitant_for_gebieden",
        "one_row_per_programme_and_year",
    }
    haren = failed["resultaat_is_begroting_minus_realisatie"][0]
    assert haren["source_file"] == REPORTS[2019].name and haren["programme"] == "Haren"


class _BudgetTables(HTMLParser):
    """The budget tables of a page: {year: {item: [amount text, per inhabitant text]}}, and the
    text of the paragraphs saying why a year has none."""

    def __init__(self):
        super().__init__()
        self.tables: dict[int, dict[str, list[str]]] = {}
        self.year = self.item = None
        self.cell: list[str] | None = None
        self.none: list[str] = []
        self.in_none = False

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "table" and a.get("class") == "budget-table":
            self.year = int(a["data-year"])
            self.tables[self.year] = {}
        elif tag == "tr" and self.year and "data-item" in a:
            self.item = a["data-item"]
            self.tables[self.year][self.item] = []
        elif tag == "td" and self.item:
            self.cell = []
        elif tag == "p" and a.get("class") == "budget-none":
            self.in_none = True
            self.none.append("")

    def handle_endtag(self, tag):
        if tag == "td" and self.cell is not None:
            self.tables[self.year][self.item].append("".join(self.cell))
            self.cell = None
        elif tag == "tr":
            self.item = None
        elif tag == "table":
            self.year = None
        elif tag == "p":
            self.in_none = False

    def handle_data(self, data):
        if self.cell is not None:
            self.cell.append(data)
        if self.in_none:
            self.none[-1] += data


def _euros(text: str) -> float:
    """``−€ 1.070.000`` / ``€ 26,51`` -> a number."""
    digits = text.replace("€", "").replace("\u00a0", "").replace(" ", "").replace(".", "")
    return float(digits.replace(",", ".").replace("−", "-"))


def test_gebied_pages_show_the_budget_table_figures(con, built_warehouse):
    site = Path(os.environ["WIJKKOMPAS_SITE"])
    budgets = con.execute("SELECT * FROM programme_budgets WHERE area_level = 'gebied'").df()
    gebieden = [r[0] for r in con.execute(
        "SELECT area_code FROM areas WHERE layout = 'cbs' AND area_level = 'gebied' "
        "AND year = (SELECT max(area_year) FROM editions)"
    ).fetchall()]  # fmt: skip
    assert len(gebieden) == 7
    for code in gebieden:
        page = _BudgetTables()
        page.feed((site / "gebied" / f"{code}.html").read_text(encoding="utf-8"))
        rows = budgets[budgets["area_code"] == code].set_index("year")
        assert set(page.tables) == set(rows.index), code
        for year, table in page.tables.items():
            row = rows.loc[year]
            for item in ("begroting", "realisatie", "resultaat"):
                assert _euros(table[item][0]) == row[f"{item}_eur"], (code, year, item)
            for item in ("begroting", "realisatie"):
                shown = _euros(table[item][1])
                assert shown == pytest.approx(row[f"{item}_per_inhabitant"], abs=0.005)
        if code in ("GB001406", "GB001407"):  # Haren, Ten Boer: no programme before the merger
            assert len(page.none) == 1 and "1 januari 2019" in page.none[0]
    html = (site / "gebied" / "GB001401.html").read_text(encoding="utf-8")
    assert "jaarverslagen 2017 en 2019" in html and "Algemeen" in html
    assert html.index('id="begroting-kop"') < html.index('id="tabel-kop"')
    assert "(CBS, 2017)" in html and "(CBS, 2024)" in html
    en = (site / "en" / "gebied" / "GB001401.html").read_text(encoding="utf-8")
    assert "Area programme (open budget)" in en and "€600,000" in en
    assert 'id="begroting-kop"' not in (site / "wijk" / "WK001400.html").read_text("utf-8")


def test_the_budgets_are_downloadable_and_described(con, built_warehouse):
    downloads = Path(os.environ["WIJKKOMPAS_SITE"]) / "downloads"
    table = con.execute("SELECT * FROM programme_budgets ORDER BY year, source_line").df()
    csv = pd.read_csv(downloads / "programme_budgets.csv", sep=";")
    parquet = pd.read_parquet(downloads / "programme_budgets.parquet")
    assert list(csv.columns) == list(table.columns) == list(parquet.columns)
    assert len(csv) == len(table) == 14
    assert csv[AMOUNTS].equals(table[AMOUNTS])
    assert not csv["synthetic"].any()
    meta = json.loads((downloads / "datapackage.json").read_text(encoding="utf-8"))
    budget = next(r for r in meta["resources"] if r["name"] == "programme_budgets")
    assert budget["credit"] == "Bron: Gemeente Groningen, jaarverslagen 2017 en 2019"
    assert budget["synthetic"] is False and budget["rows"] == 14
    assert {f["name"] for f in budget["schema"]["fields"]} == set(table.columns)
    assert {"programme_budgets.csv", "programme_budgets.parquet"} <= {
        r["path"] for r in meta["resources"]
    }
