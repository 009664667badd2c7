"""Published downloads: indicator values and the catalogue as Parquet and CSV, described by one
Frictionless data package (``datapackage.json``: columns in Dutch and English, keys, sources and
licence, synthetic inputs, suppression rules, sizes and checksums; ``indicators/datapackage.py``),
and the budgets of the gebiedsprogramma's (real figures from the municipality's annual reports).

A suppressed value is never in a published file: its value, interval and index are empty and
the row says why. Files are written into a fresh directory that replaces the old one only when
everything was written (see ``write_downloads``).
"""

from __future__ import annotations

import json
import shutil
from datetime import UTC, datetime
from pathlib import Path

import pandas as pd

from indicators.catalogue import statistics_settings
from indicators.messages import suppression_message, trend_message

PUBLISHED_COLUMNS = [
    "edition", "layout", "area_code", "area_name", "area_level", "parent_code",
    "indicator_id", "source", "quadrant", "theme", "value", "unit", "ci_low", "ci_high",
    "estimate_kind", "mse", "n_unweighted", "n_effective", "cv", "caution", "reference_value",
    "index", "band",
    "significant_vs_city", "suppressed", "suppression_reason", "suppression_note", "period",
    "harmonisation", "comparable", "previous_edition", "previous_value", "change", "change_se",
    "change_z", "change_significant", "trend", "trend_note", "development_index",
    "development_band", "synthetic", "figure_kind",
]  # fmt: skip

COLUMN_DOCS = {
    "edition": "Editie van het kompas (jaar van de enquête)",
    "layout": "Gebiedsindeling: cbs (CBS-wijken) of een eigen indeling",
    "area_code": "Gebiedscode (BU/WK/GM van het CBS; GB = gebied; eigen codes)",
    "area_name": "Gebiedsnaam",
    "area_level": "buurt, wijk, gebied of gemeente",
    "parent_code": "Code van het bovenliggende gebied",
    "indicator_id": "Indicator (zie indicator_catalogue)",
    "source": "cbs, rivm (gezondheidsschatting van het RIVM), survey (wijkenquête) of register "
    "(gemeentelijke registraties)",
    "quadrant": "Kwadrant van het kompas",
    "theme": "Thema van het kompas",
    "value": "Waarde, afgerond zoals gepubliceerd; leeg als onderdrukt",
    "unit": "Eenheid",
    "ci_low": "Ondergrens {confidence}%-betrouwbaarheidsinterval (alleen enquête)",
    "ci_high": "Bovengrens {confidence}%-betrouwbaarheidsinterval (alleen enquête)",
    "estimate_kind": "Enquêtecijfer: direct (uit de eigen respondenten van het gebied) of model "
    "(modelschatting, small-area-model Fay–Herriot, voor een buurt met te weinig respondenten; "
    "bij een eigen wijk of gebied de som van zijn buurten); leeg bij andere bronnen",
    "mse": "Gemiddelde kwadratische fout (MSE) van een modelschatting, in de eenheid in het "
    "kwadraat (bij % in procentpunten²; Prasad–Rao); de standaardfout is de wortel",
    "n_unweighted": "Aantal respondenten in de basis (ongewogen)",
    "n_effective": "Effectief aantal respondenten (n / design effect)",
    "cv": "Variatiecoëfficiënt van de schatting",
    "caution": "Indicatief: variatiecoëfficiënt boven de voorzichtigheidsgrens",
    "reference_value": "Waarde van de gemeente",
    "index": "Kompasindex (gemeente = 100; {clip_low}-{clip_high}; hoger = gunstiger)",
    "band": "Klasse van de index (vijf stappen)",
    "significant_vs_city": "Verschil met de rest van de gemeente significant ({confidence}%)",
    "suppressed": "Waarde niet gepubliceerd",
    "suppression_reason": "Reden van onderdrukking (code)",
    "suppression_note": "Reden van onderdrukking (tekst)",
    "period": "Jaar van de gegevens (RIVM: het jaar van de meting)",
    "harmonisation": "Hoe deze editie op de gebieden van nu staat: native (zo berekend), "
    "identical (zelfde buurten), reaggregated (opnieuw opgeteld uit de buurten van toen) of "
    "not_comparable (het gebied bestond toen niet in deze vorm)",
    "comparable": "Vergelijkbaar met de nieuwste editie (zelfde gebied en definitie)",
    "previous_edition": "Vorige editie waarmee de ontwikkeling is berekend",
    "previous_value": "Waarde in de vorige editie (op de gebieden van nu)",
    "change": "Verandering sinds de vorige editie (waarde min vorige waarde; bij % in "
    "procentpunten)",
    "change_se": "Standaardfout van de verandering (alleen enquête: wortel van se1² + se2²)",
    "change_z": "Toetsingsgrootheid z van de verandering (alleen enquête)",
    "change_significant": "Verandering significant ({confidence}%, alleen enquête; CBS en "
    "registraties "
    "zijn tellingen van iedereen, geen steekproef)",
    "trend": "better, worse (beoordeelde indicatoren), higher, lower (neutrale) of stable",
    "trend_note": "Waarom er geen ontwikkeling is (eerste editie, niet vergelijkbaar, ...)",
    "development_index": "Ontwikkelingsindex (verandering geschaald als de kompasindex: 100 = "
    "geen of geen significante verandering; {clip_low}-{clip_high}; hoger = gunstiger)",
    "development_band": "Klasse van de ontwikkelingsindex (vijf stappen)",
    "synthetic": "Afgeleid van synthetische (gegenereerde) invoer",
    "figure_kind": "Soort cijfer: real (geteld door het CBS), model_estimate (modelschatting van "
    "het RIVM uit een echte enquête, zonder marge) of synthetic (uit gegenereerde invoer)",
}


BUDGET_COLUMN_DOCS = {
    "year": "Begrotingsjaar",
    "programme": "Gebiedsprogramma zoals in het jaarverslag (Algemeen = de hele stad)",
    "area_code": "Gebiedscode (GB = gebied; GM = de gemeente, voor Algemeen)",
    "area_level": "gebied of gemeente",
    "area_name": "Gebiedsnaam",
    "begroting_eur": "Begroting in euro",
    "realisatie_eur": "Realisatie (uitgegeven) in euro",
    "resultaat_eur": "Resultaat/reserve in euro: begroting min realisatie (negatief = meer "
    "uitgegeven dan begroot)",
    "population": "Inwoners van het gebied (CBS) waarmee per inwoner is gerekend",
    "population_year": "Jaar van dat inwonertal",
    "population_edition": "Editie van het kompas waaruit het inwonertal komt",
    "begroting_per_inhabitant": "Begroting per inwoner in euro",
    "realisatie_per_inhabitant": "Realisatie per inwoner in euro",
    "source_file": "Bronbestand (data/raw/budgets/)",
    "source_line": "Regel van het programma in het bronbestand",
    "source_document": "Brondocument",
    "synthetic": "Synthetische gegevens (nee: echte, openbare cijfers van de gemeente)",
}


NATIONAL_DOCS = {
    "national_reference": {
        "title": "Elk gebied naast Nederland en vergelijkbare gemeenten (CBS, landelijke "
        "kerncijfers)",
        "columns": {
            "layout": "Gebiedsindeling (cbs of een eigen indeling)",
            "area_level": "wijk, gebied of gemeente",
            "area_code": "Gebiedscode",
            "indicator_id": "Indicator (alleen CBS-indicatoren die de landelijke cijfers hebben)",
            "area_value": "Waarde van het gebied in het landelijke jaar (eigen wijken: opgeteld "
            "uit hun buurten)",
            "gemeente_value": "Waarde van de gemeente",
            "nederland_value": "Waarde van Nederland (NL00)",
            "comparable_value": "Waarde van de vergelijkbare gemeenten samen: opgetelde tellers "
            "gedeeld door opgetelde noemers",
            "wijken_lower": "Aantal Nederlandse wijken met een lagere waarde (alleen wijken)",
            "wijken_compared": "Aantal Nederlandse wijken met een waarde",
            "national_position": "Percentage Nederlandse wijken met een lagere waarde",
            "reason": "Waarom het gebied geen waarde heeft (code)",
            "decimals": "Decimalen waarmee de indicator wordt getoond",
            "year": "Jaar van de landelijke cijfers",
        },
    },
    "national_similar_wijken": {
        "title": "Per wijk de meest vergelijkbare wijken elders in Nederland (samenstelling)",
        "columns": {
            "layout": "Gebiedsindeling van de wijk",
            "area_code": "De wijk",
            "rank": "Rang (1 = meest vergelijkbaar)",
            "similar_code": "Vergelijkbare wijk (CBS-code)",
            "similar_name": "Naam van die wijk",
            "gemeente_code": "Gemeente van die wijk",
            "gemeente_name": "Naam van die gemeente",
            "distance": "Afstand op de gestandaardiseerde kenmerken (kleiner = meer gelijk)",
            "compared_on": "Aantal kenmerken waarop is vergeleken",
            "compared_of": "Aantal kenmerken",
            "year": "Jaar van de landelijke cijfers",
        },
    },
}


def column_docs(settings: dict | None = None) -> dict[str, str]:
    """COLUMN_DOCS with the confidence level and the index range of the settings filled in."""
    settings = settings or statistics_settings()
    low, high = settings["compass"]["clip"]
    figures = {
        "confidence": f"{100 * settings['confidence']:g}",
        "clip_low": f"{low:g}",
        "clip_high": f"{high:g}",
    }
    return {k: v.format(**figures) for k, v in COLUMN_DOCS.items()}


def budget_credit(budgets: pd.DataFrame) -> str:
    """``Bron: Gemeente Groningen, jaarverslagen 2017 en 2019``."""
    years = [str(y) for y in sorted(budgets["year"].unique())]
    if len(years) == 1:
        return f"Bron: Gemeente Groningen, jaarverslag {years[0]}"
    return f"Bron: Gemeente Groningen, jaarverslagen {', '.join(years[:-1])} en {years[-1]}"


def _notes(values: pd.DataFrame) -> tuple[list[str | None], list[str | None]]:
    """The Dutch sentences of the reason codes of ``values`` (indicators/messages.yml)."""
    suppression = [
        suppression_message(reason, "nl", n=n, cv=cv, threshold=threshold, wave=wave) or None
        for reason, n, cv, threshold, wave in zip(
            values["suppression_reason"], values["n_unweighted"], values["cv"],
            values["suppression_threshold"], values["period"], strict=True,
        )
    ]  # fmt: skip
    trend = [trend_message(reason, "nl") or None for reason in values["trend_reason"]]
    return suppression, trend


def published_values(values: pd.DataFrame) -> pd.DataFrame:
    """The rows of indicator_values as published: the columns of PUBLISHED_COLUMNS, nothing
    suppressed left in, the reasons also in words (``suppression_note``, ``trend_note``)."""
    values = values.copy()
    values["suppression_note"], values["trend_note"] = _notes(values)
    values["figure_kind"] = values["source"].astype(str).map(FIGURE_KINDS)
    out = values[PUBLISHED_COLUMNS].copy()
    blank = out["suppressed"].astype(bool)
    out.loc[blank, ["value", "ci_low", "ci_high", "index", "band", "cv", "mse"]] = None
    # a change reveals the value it was computed from: no change where either figure is hidden
    no_trend = out["change"].isna()
    out.loc[no_trend, ["previous_value", "change_se", "change_z", "change_significant"]] = None
    out["change_se"] = out["change_se"].round(4)
    out["change_z"] = out["change_z"].round(2)
    out["cv"] = out["cv"].round(4)
    out["n_effective"] = out["n_effective"].round(1)
    return out


NATIONAL_FIGURES = ["area_value", "gemeente_value", "nederland_value", "comparable_value"]


def published_national(name: str, frame: pd.DataFrame) -> pd.DataFrame:
    """A national table as published: figures to the decimals the indicator is shown with (as
    ``value`` in indicator_values), distances to 3 decimals. Unrounded, a ratio showed its float
    artefacts (80.30000000000001) and its last digits changed from build to build."""
    out = frame.copy()
    if name == "national_reference":
        for places in out["decimals"].dropna().unique():
            rows = out["decimals"] == places
            out.loc[rows, NATIONAL_FIGURES] = out.loc[rows, NATIONAL_FIGURES].round(int(places))
    if "distance" in out:
        out["distance"] = out["distance"].round(3)
    return out


# a text cell starting with one of these is read as a formula by a spreadsheet (CWE-1236)
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
FORMULA_NOTE = (
    "Een tekstcel die met =, +, -, @, een tab of een regelterugloop begint, krijgt in de CSV een "
    "apostrof ervoor, zodat een spreadsheet haar als tekst toont en niet als formule uitvoert "
    "(OWASP, CSV injection); getallen blijven zoals ze zijn, Parquet houdt de tekst ongewijzigd."
)


def spreadsheet_safe(frame: pd.DataFrame) -> pd.DataFrame:
    """``frame`` with every text cell that a spreadsheet would run as a formula neutralised the
    way OWASP recommends for CSV injection: a leading apostrophe, which spreadsheets show as
    text. Numbers (of numeric columns) are untouched: a negative figure stays a number."""
    out = frame
    for column in frame.columns:
        cells = frame[column]
        if not (pd.api.types.is_object_dtype(cells) or pd.api.types.is_string_dtype(cells)):
            continue
        text = cells.map(lambda v: isinstance(v, str) and v.startswith(FORMULA_START))
        formula = text.astype(bool).to_numpy()
        if formula.any():
            out = out.copy() if out is frame else out
            out.loc[formula, column] = "'" + cells[formula].astype(str)
    return out


def write_csv(frame: pd.DataFrame, path: Path) -> Path:
    """A published CSV: semicolons, UTF-8, rows ended by CRLF as RFC 4180 has it (so that a
    cell holding a line break or carriage return is quoted, and stays one cell), and no cell a
    spreadsheet would run as a formula."""
    spreadsheet_safe(frame).to_csv(
        path, index=False, sep=";", encoding="utf-8", lineterminator="\r\n"
    )
    return path


def _write_pair(frame: pd.DataFrame, directory: Path, stem: str) -> list[Path]:
    parquet = directory / f"{stem}.parquet"
    frame.to_parquet(parquet, index=False)
    return [parquet, write_csv(frame, directory / f"{stem}.csv")]


TITLES = {  # the Dutch titles of the tables (the national ones: NATIONAL_DOCS)
    "indicator_values": "Wijkkompas — indicatoren per gebied",
    "programme_budgets": "Budget per gebiedsprogramma (open begroting), in euro en per inwoner",
}


def write_downloads(
    values: pd.DataFrame,
    catalogue: pd.DataFrame,
    scores: pd.DataFrame,
    target: Path,
    provenance: dict,
    budgets: pd.DataFrame | None = None,
    national: dict[str, pd.DataFrame] | None = None,
    changelog: pd.DataFrame | None = None,
) -> dict:
    """Write the downloads into ``target``, a directory of the site being built (the whole site
    is swapped in at the end, ``dashboards/publish.py``), described by one Frictionless data
    package (``datapackage.json``: every file with its table schema, size and checksum, and the
    licence, credit and what is synthetic); return the package. ``budgets`` (the table
    programme_budgets), ``national`` and ``changelog`` (edition_changelog, CSV only) are
    published beside them."""
    from indicators.datapackage import PACKAGE_FILE, Table, datapackage

    staging = Path(target)
    if staging.exists():
        shutil.rmtree(staging)
    staging.mkdir(parents=True)
    pub = published_values(values)

    def pair(name: str, frame: pd.DataFrame, **extra) -> Table:
        files = sorted(_write_pair(frame, staging, name), key=lambda f: f.suffix != ".csv")
        return Table(name, frame, files, extra)

    tables = [
        pair("indicator_values", pub),
        pair("indicator_catalogue", catalogue),
        pair("compass_scores", scores),
    ]
    if changelog is not None:
        tables.append(
            Table(
                "edition_changelog",
                changelog,
                [write_csv(changelog, staging / "edition_changelog.csv")],
            )
        )
    if budgets is not None and len(budgets):
        tables.append(
            pair(
                "programme_budgets",
                budgets,
                synthetic=bool(budgets["synthetic"].any()),
                credit=budget_credit(budgets),
                licence="Openbare overheidsinformatie van de gemeente Groningen (hergebruik met "
                "bronvermelding); inwonertallen: Bron: CBS (CC BY 4.0)",
                note="Echte cijfers uit de jaarverslagen (paragraaf Integraal gebiedsgericht "
                "werken), x 1.000 euro omgerekend naar euro. De gebieden van het kompas benaderen "
                "de gebieden van de gemeente. Haren en Ten Boer horen sinds 1 januari 2019 bij de "
                "gemeente en hebben pas vanaf 2019 een programma.",
            )
        )
    for name, frame in (national or {}).items():
        tables.append(
            pair(name, published_national(name, frame), synthetic=False, credit="Bron: CBS",
                 licence="CC BY 4.0")
        )  # fmt: skip
    synthetic_sources = sorted(pub.loc[pub["synthetic"], "source"].unique().tolist())
    meta = {
        "title": TITLES["indicator_values"],
        "generated": datetime.now(UTC).isoformat(timespec="seconds"),
        "editions": sorted(int(e) for e in pub["edition"].unique()),
        "rows": {t.name: len(t.frame) for t in tables},
        "synthetic": bool(synthetic_sources),
        "synthetic_note": (
            "Waarden uit de bronnen " + ", ".join(synthetic_sources) + " zijn afgeleid van "
            "synthetische (gegenereerde) gegevens en beschrijven geen echte inwoners; kolom "
            "'synthetic' markeert ze."
        ) if synthetic_sources else None,
        "licence": "CC BY 4.0 (CBS-gegevens: Bron: CBS); RIVM-gegevens: open data van het RIVM",
        "credit": "Bron: CBS; RIVM, Gezondheidsmonitor Volwassenen en Ouderen (GGD'en, CBS, RIVM)",
        "suppression": "Onderdrukte waarden zijn leeg; suppression_reason en suppression_note "
        "zeggen waarom. Onderdrukte waarden staan in geen enkel gepubliceerd bestand.",
        "formulas": FORMULA_NOTE,
        "provenance": provenance,
    }  # fmt: skip
    package = datapackage(tables, meta, catalogue)
    (staging / PACKAGE_FILE).write_text(
        json.dumps(package, indent=2, ensure_ascii=False, default=str), encoding="utf-8"
    )
    return package


def catalogue_frame(catalogue) -> pd.DataFrame:
    """The catalogue as a flat table (one row per indicator) for the warehouse and downloads."""
    replaced = catalogue.replaced_by()
    rows = []
    for i in catalogue.indicators:
        d = i.definition
        rows.append(
            {
                "indicator_id": i.id,
                "title_nl": i.title.nl,
                "title_en": i.title.en,
                "description_nl": i.description.nl,
                "description_en": i.description.en,
                "processing_nl": i.processing.nl,
                "processing_en": i.processing.en,
                "unit": i.unit,
                "decimals": i.decimals,
                "source": i.source,
                "quadrant": i.quadrant,
                "theme": i.theme,
                "direction": i.direction,
                "kind": d.kind,
                "definition": json.dumps(
                    d.model_dump(exclude_none=True, by_alias=True), ensure_ascii=False
                ),
                "min_n": i.min_n,
                "caveats_nl": i.caveats.nl if i.caveats else None,
                "caveats_en": i.caveats.en if i.caveats else None,
                "in_compass": i.in_compass and i.id not in replaced,
                "headline": i.headline,
                "comparable_since": i.comparable_since,
                "break_note_nl": i.break_note.nl if i.break_note else None,
                "synthetic": i.source in ("survey", "register"),
                "figure_kind": FIGURE_KINDS[i.source],
                "replaced_by": replaced.get(i.id),
                "replaces": i.replaces,
            }
        )
    return pd.DataFrame(rows).astype(
        {"comparable_since": "Int64", "break_note_nl": "string", "replaced_by": "string",
         "replaces": "string"}
    )  # fmt: skip


# what a figure of each source is: counted by CBS (real), estimated by RIVM's small-area model
# from a real survey (real, model-based), or derived from generated inputs (synthetic)
FIGURE_KINDS = {"cbs": "real", "rivm": "model_estimate", "survey": "synthetic",
                "register": "synthetic"}  # fmt: skip
