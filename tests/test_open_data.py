"""The open data of the session build: the DCAT-AP-NL 3.0 catalogue (pySHACL against the four
shape files copied into the repository), the Frictionless data package (validated with the
frictionless library), the static JSON API (every file against its JSON Schema) and the area
teams' Excel workbooks (row for row the figures of the area's page)."""

from __future__ import annotations

import copy
import hashlib
import json
import os
import re
from html import unescape
from pathlib import Path

import pytest
from rdflib import Literal, URIRef
from rdflib.namespace import DCAT, DCTERMS, RDF

from dashboards import dcat_catalogue as dc
from tests.figures import figure

ROOT = Path(__file__).resolve().parents[1]
SHAPES = ROOT / "data" / "reference" / "dcat-ap-nl-3.0"
TABLES = {
    "indicator_values", "indicator_catalogue", "compass_scores", "edition_changelog",
    "programme_budgets", "national_reference", "national_similar_wijken", "areas_api",
}  # fmt: skip


@pytest.fixture(scope="module")
def site(built_warehouse) -> Path:
    return Path(os.environ["WIJKKOMPAS_SITE"])


def _sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


# -- DCAT-AP-NL 3.0 ----------------------------------------------------------------------------
def test_the_shapes_are_the_repositorys_unchanged_copies():
    """Validation reads the copies in data/reference (never ../shared), as listed with their
    checksums in the README beside them."""
    assert dc.shapes_dir() == SHAPES
    readme = (SHAPES / "README.md").read_text(encoding="utf-8")
    listed = dict(re.findall(r"\| `([\w.-]+\.ttl)` \|.*\| `([0-9a-f]{64})` \|", readme))
    assert set(listed) == set(dc.SHAPE_FILES)
    for name, digest in listed.items():
        assert _sha256(SHAPES / name) == digest, name
    assert "37c9871357d2f6addce9eeb7f2cd28916a58ca2c" in readme


def test_the_catalogue_conforms_to_dcat_ap_nl_and_describes_every_file(site, con):
    graph = dc.read_catalogue(site / "catalogus.jsonld")
    turtle = dc.read_catalogue(site / "catalogus.ttl")
    assert len(graph) == len(turtle) > 300
    outcome = dc.validate_graph(graph)
    assert outcome.violations == [], [str(v) for v in outcome.violations]
    # the recommended properties without a true value: an access service for the static files
    # (only the API has one) and a schema for the workbook
    counts = outcome.warnings_by_shape()
    print("DCAT-AP-NL warnings by shape:", counts)
    assert set(counts) <= {
        "DistributionShape_accessService_aanbevolen_minCount",
        "DistributionShape_linkedSchemas_aanbevolen_minCount",
    }
    base = dc.base_url()
    datasets = {str(graph.value(d, DCTERMS.identifier)).rsplit("-", 1)[-1]: d for d in
                graph.subjects(RDF.type, DCAT.Dataset)}  # fmt: skip
    tables = {str(d).split("#dataset-")[1] for d in graph.subjects(RDF.type, DCAT.Dataset)}
    assert tables == TABLES
    latest = con.execute("SELECT max(edition) FROM editions").fetchone()[0]
    gemeente = URIRef("https://identifier.overheid.nl/tooi/id/gemeente/gm0014")
    files = 0
    for dataset in datasets.values():
        titles = {t.language for t in graph.objects(dataset, DCTERMS.title)}
        assert titles == {"nl", "en"}
        assert graph.value(dataset, DCTERMS.publisher) == gemeente
        assert graph.value(dataset, DCTERMS.creator) == gemeente
        assert graph.value(dataset, DCTERMS.spatial) == gemeente
        assert graph.value(dataset, dc.DCAT_VERSION) == Literal(str(latest))
        assert graph.value(dataset, DCTERMS.temporal) is not None
        for dist in graph.objects(dataset, DCAT.distribution):
            url = str(graph.value(dist, DCAT.downloadURL))
            assert url.startswith(base)
            file = site / url.removeprefix(base)
            assert int(graph.value(dist, DCAT.byteSize)) == file.stat().st_size, url
            checksum = graph.value(dist, URIRef("http://spdx.org/rdf/terms#checksum"))
            value = graph.value(checksum, URIRef("http://spdx.org/rdf/terms#checksumValue"))
            assert str(value) == _sha256(file), url
            assert graph.value(dist, DCTERMS.license) == dc.LICENCE.CC_BY_4_0
            files += 1
    package = json.loads((site / "downloads" / "datapackage.json").read_text("utf-8"))
    assert files == len(package["resources"]) + 2  # + the whole-set workbook + areas.json

    # what is synthetic is said: the survey and register figures, not the real budgets
    def description(table):
        return " ".join(str(t) for t in graph.objects(datasets[table], DCTERMS.description))

    assert "synthetisch" in description("indicator_values")
    assert "synthetic" in description("indicator_values")
    assert "Alle cijfers zijn echt (niet synthetisch)" in description("programme_budgets")
    assert "Let op" not in description("programme_budgets")


def test_a_distribution_without_licence_fails_naming_the_shape(site):
    graph = dc.read_catalogue(site / "catalogus.jsonld")
    dist = next(graph.subjects(RDF.type, DCAT.Distribution))
    graph.remove((dist, DCTERMS.license, None))
    with pytest.raises(dc.CatalogueError) as failed:
        dc.check(graph, "catalogus.jsonld")
    message = str(failed.value)
    assert "DistributionShape_license_minCount" in message
    assert "dcat-ap-nl-SHACL.ttl" in message and str(dist) in message
    assert "catalogus.jsonld does not conform to DCAT-AP-NL 3.0: 1 violation(s)" in message


# -- the Frictionless data package ---------------------------------------------------------------
def test_the_data_package_validates_with_frictionless(site):
    """Every CSV in full (types, keys, foreign keys, codes, size and SHA-256); every Parquet file
    on its first rows with frictionless (its pandas reader takes a minute for indicator_values)
    and its columns and types in full with pyarrow."""
    import pyarrow.parquet as pq
    from frictionless import Package

    package = Package(site / "downloads" / "datapackage.json")
    assert {r.name for r in package.resources if r.format == "csv"} == TABLES - {"areas_api"}
    types = {"integer": "int", "number": ("double", "float"), "boolean": "bool",
             "string": ("string", "large_string")}  # fmt: skip
    for resource in package.resources:
        report = resource.validate(limit_rows=None if resource.format == "csv" else 500)
        assert report.valid, (resource.name, report.flatten(["rowNumber", "fieldName", "type"]))
        if resource.format == "parquet":
            schema = pq.read_schema(site / "downloads" / resource.path)
            assert schema.names == [f.name for f in resource.schema.fields]
            for f in resource.schema.fields:
                kind = str(schema.field(f.name).type)  # 'null': a column without a value
                assert kind == "null" or kind.startswith(types[f.type]), f.name
    descriptor = json.loads((site / "downloads" / "datapackage.json").read_text("utf-8"))
    assert descriptor["licenses"][0]["name"] == "CC-BY-4.0"
    assert descriptor["synthetic"] is True and "synthetische" in descriptor["synthetic_note"]
    for resource in descriptor["resources"]:
        for f in resource["schema"]["fields"]:
            assert f["description"] and f["description_en"], (resource["name"], f["name"])


def test_a_text_in_a_numeric_column_fails_the_package(site, tmp_path):
    from frictionless import Package, Resource

    package = json.loads((site / "downloads" / "datapackage.json").read_text("utf-8"))
    descriptor = copy.deepcopy(
        next(r for r in package["resources"] if r["name"] == "compass_scores")
    )
    lines = (site / "downloads" / "compass_scores.csv").read_bytes().split(b"\r\n")
    header = lines[0].decode().split(";")
    cells = lines[5].decode().split(";")
    cells[header.index("score")] = "hoog"
    lines[5] = ";".join(cells).encode()
    (tmp_path / "compass_scores.csv").write_bytes(b"\r\n".join(lines))
    for key in ("hash", "bytes"):
        descriptor.pop(key)
    report = Resource(descriptor, basepath=str(tmp_path)).validate()
    assert not report.valid
    errors = report.flatten(["rowNumber", "fieldName", "type"])
    assert errors == [[6, "score", "type-error"]]  # the header is row 1
    # and the package as published is still the one described (its checksums hold)
    assert Package(site / "downloads" / "datapackage.json").get_resource("compass_scores")


# -- the static JSON API ------------------------------------------------------------------------
def test_every_api_file_follows_its_json_schema(site, con):
    import fastjsonschema
    import jsonschema

    schemas = {
        name: json.loads((ROOT / "docs" / "api" / "v1" / name).read_text("utf-8"))
        for name in ("areas.schema.json", "area.schema.json")
    }
    api = site / "api" / "v1"
    for name, schema in schemas.items():  # published beside the files
        assert json.loads((api / name).read_text("utf-8")) == schema
    index = json.loads((api / "areas.json").read_text("utf-8"))
    jsonschema.Draft202012Validator(
        schemas["areas.schema.json"], format_checker=jsonschema.FormatChecker()
    ).validate(index)
    full = jsonschema.Draft202012Validator(schemas["area.schema.json"])
    fast = fastjsonschema.compile(schemas["area.schema.json"])  # every file: 1 s, not 8
    files = {p.relative_to(api).as_posix() for p in (api / "areas").rglob("*.json")}
    assert files == {a["href"] for a in index["areas"]}
    for entry in index["areas"]:
        body = json.loads((api / entry["href"]).read_text("utf-8"))
        fast(body)
        assert {k: body[k] for k in entry} == entry
        assert set(body["figures"]) <= set(index["indicators"])
    full.validate(json.loads((api / "areas" / "WK001404.json").read_text("utf-8")))
    levels = {(a["layout"], a["level"]) for a in index["areas"]}
    assert {("cbs", "gemeente"), ("cbs", "buurt"), ("voorbeeld", "wijk")} <= levels
    # the figures are the published ones: a value as in indicator_values, a suppressed one empty
    body = json.loads((api / "areas" / "WK001404.json").read_text("utf-8"))
    value, suppressed = con.execute(
        "SELECT value, suppressed FROM indicator_values WHERE area_code = 'WK001404' AND "
        "layout = 'cbs' AND indicator_id = 'population' AND edition = ?",
        [index["edition"]],
    ).fetchone()
    assert not suppressed and body["figures"]["population"]["value"] == value
    hidden = [f for f in body["figures"].values() if f["suppressed"]]
    assert hidden and all("value" not in f and f["suppression_note"]["en"] for f in hidden)
    # the schema catches a suppressed figure that shows its value
    hidden[0]["value"] = 1.0
    with pytest.raises(jsonschema.ValidationError):
        full.validate(body)


# -- Excel for area teams -----------------------------------------------------------------------
ROW = re.compile(r'<tr id="r-([a-z0-9_]+)"><th scope="row">.*?</th>(.*?)</tr>', re.S)
CELL = re.compile(r"<td[^>]*>(.*?)</td>", re.S)


def _page_rows(html: str) -> dict[str, list[str]]:
    """indicator -> the texts of its cells in the table of all indicators of an area page."""
    return {
        ind: [
            unescape(re.sub(r"<[^>]+>", " ", c)).split("  ")[0].strip() for c in CELL.findall(cells)
        ]
        for ind, cells in ROW.findall(html)
    }


def test_an_area_workbook_holds_the_figures_of_its_page_row_for_row(site, con):
    from openpyxl import load_workbook

    page = _page_rows((site / "wijk" / "WK001404.html").read_text("utf-8"))
    book = load_workbook(site / "data" / "WK001404.xlsx")
    quadrants = [t for (t,) in con.execute(
        "SELECT DISTINCT quadrant FROM indicator_catalogue").fetchall()]  # fmt: skip
    assert len(book.sheetnames) == 5 and book.sheetnames[-1] == "Toelichting"
    rows = []
    for sheet in book.worksheets[:-1]:
        assert sheet.freeze_panes == "C2"
        header = [c.value for c in sheet[1]]
        assert header[:3] == ["Thema", "Indicator", "Waarde"]
        for cells in sheet.iter_rows(min_row=2):
            rows.append({h: c for h, c in zip(header, cells, strict=True)})
    assert len(quadrants) == 4
    assert [r["indicator_id"].value for r in rows] == list(page)  # row for row, in page order
    for r in rows:
        ind = r["indicator_id"].value
        value_text, city_text, interval, difference, index_text, note = page[ind][:6]
        assert r["Waarde"].data_type != "f" and r["Indicator"].data_type != "f"
        if r["Waarde"].value is None:
            assert figure(value_text) is None, ind  # 'niet gepubliceerd', as on the page
        else:
            decimals = len(r["Waarde"].number_format.partition(".")[2])
            assert abs(figure(value_text) - r["Waarde"].value) < 10**-decimals / 2 + 1e-9, ind
        if r["Gemeente"].value is not None:
            assert abs(figure(city_text) - r["Gemeente"].value) < 1, ind
        if r["Index"].value is not None:
            assert figure(index_text) == r["Index"].value, ind
        if interval:
            assert figure(interval) == pytest.approx(r["Ondergrens interval"].value), ind
        assert (r["Verschil met gemeente"].value or "") == difference, ind
    explained = " ".join(str(c.value) for row in book["Toelichting"].iter_rows() for c in row)
    assert "synthetisch" in explained and "Bron: CBS" in explained
    assert "Verschil met gemeente" in explained  # every column explained
    # own layouts have theirs, and the whole set holds every area's rows
    assert (site / "data" / "voorbeeld" / "EW21.xlsx").exists()
    whole = load_workbook(site / "downloads" / "indicator_values.xlsx", read_only=True)
    n = sum(1 for _ in whole["Cijfers"].iter_rows(min_row=2))
    areas = len(list((site / "data").rglob("*.xlsx")))
    assert n > 250 * areas
    wijk = (site / "wijk" / "WK001404.html").read_text("utf-8")
    assert 'href="../data/WK001404.xlsx"' in wijk
    assert ".xlsx" not in (site / "buurt" / "BU00140400.html").read_text("utf-8")
