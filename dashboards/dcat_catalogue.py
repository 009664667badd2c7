"""The open-data catalogue of the site in DCAT-AP-NL 3.0, the Dutch profile the national portal
(data.overheid.nl) harvests: ``catalogus.jsonld`` and ``catalogus.ttl`` at the site root.

One ``dcat:Dataset`` per published table (indicator values, the catalogue of indicators, the
compass scores, the changelog, the budgets, the national reference, the similar wijken
elsewhere, and the static JSON API), each with its title and description in Dutch and English
(``indicators/open_data.yml``; a table with synthetic figures says so), the gemeente as
publisher and creator (``data/editions.yml``), a contact point, themes from the EU data-theme
vocabulary the profile prescribes, identifier, access rights, temporal and spatial coverage
(the gemeente's TOOI identifier with its bounding box), the edition as version, and one
``dcat:Distribution`` per file: download URL under the configured base URL (``open_data:
base_url`` in ``data/editions.yml``, or ``WIJKKOMPAS_BASE_URL``), format and media type, byte
size, SHA-256 checksum, licence (CC BY 4.0) and the table schema it follows. The API is also a
``dcat:DataService``.

Validated with pySHACL against the profile's four shape files, copied into
``data/reference/dcat-ap-nl-3.0/``: a violation raises ``CatalogueError`` naming the shape (and
its file), so the build stops before anything is published; the recommended properties are
warnings in the profile and are counted per shape.
"""

from __future__ import annotations

import json
import os
from collections import Counter
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

from rdflib import BNode, Graph, Literal, Namespace, URIRef
from rdflib.namespace import DCAT, DCTERMS, FOAF, RDF, SKOS, XSD

from indicators.datapackage import MEDIA_TYPES, dataset_words, words
from ingest.snapshots import sha256_of

ADMS = Namespace("http://www.w3.org/ns/adms#")
SPDX = Namespace("http://spdx.org/rdf/terms#")
VCARD = Namespace("http://www.w3.org/2006/vcard/ns#")
SH = Namespace("http://www.w3.org/ns/shacl#")
EUSH = Namespace("https://purl.eu/ns/shacl#")
EU = "http://publications.europa.eu/resource/authority/"
THEME = Namespace(EU + "data-theme/")
LANGUAGE = Namespace(EU + "language/")
FILE_TYPE = Namespace(EU + "file-type/")
ACCESS_RIGHT = Namespace(EU + "access-right/")
LICENCE = Namespace(EU + "licence/")
FREQUENCY = Namespace(EU + "frequency/")
DISTRIBUTION_STATUS = Namespace(EU + "distribution-status/")
IANA = "https://www.iana.org/assignments/media-types/"
TOOI_GEMEENTE = "https://identifier.overheid.nl/tooi/id/gemeente/"
DCAT_VERSION = URIRef(str(DCAT) + "version")  # DCAT 3; rdflib's namespace is DCAT 2
TABULAR_DATA_PACKAGE = URIRef("https://specs.frictionlessdata.io/tabular-data-package/")
JSON_SCHEMA = URIRef("https://json-schema.org/draft/2020-12/schema")

CATALOGUE_FILES = ("catalogus.jsonld", "catalogus.ttl")
SHAPE_FILES = (
    "dcat-ap-nl-SHACL.ttl",
    "dcat-ap-nl-SHACL-aanbevolen.ttl",
    "dcat-ap-nl-SHACL-klassebereik.ttl",
    "dcat-ap-nl-SHACL-klassebereik-codelijsten.ttl",
)
FILE_TYPES = {"csv": "CSV", "parquet": "PARQUET", "xlsx": "XLSX", "json": "JSON"}
CONTEXT = {
    "dcat": str(DCAT),
    "dct": str(DCTERMS),
    "foaf": str(FOAF),
    "vcard": str(VCARD),
    "spdx": str(SPDX),
    "adms": str(ADMS),
    "skos": str(SKOS),
    "xsd": str(XSD),
}


class CatalogueError(RuntimeError):
    """The catalogue violates the DCAT-AP-NL 3.0 shapes; the message names each violated shape,
    its file, the node and the property."""


def shapes_dir() -> Path:
    """The profile's shapes as copied into the repository (not ../shared: the project must run
    on its own)."""
    from pipelines.settings import PROJECT_ROOT

    return PROJECT_ROOT / "data" / "reference" / "dcat-ap-nl-3.0"


def base_url() -> str:
    """Where the site is published: ``WIJKKOMPAS_BASE_URL``, else ``open_data.base_url`` of
    ``data/editions.yml``; always ending in a slash."""
    from pipelines.settings import editions_config

    url = os.environ.get("WIJKKOMPAS_BASE_URL") or editions_config().open_data.base_url
    return url if url.endswith("/") else url + "/"


@dataclass
class Distribution:
    """A published file of a dataset."""

    path: str  # from the site root, e.g. downloads/indicator_values.csv
    title: dict[str, str]
    bytes: int
    sha256: str
    schema: str | None = None  # what the file conforms to, from the site root
    service: bool = False  # served by the static API


@dataclass
class Dataset:
    table: str
    files: list[Distribution]
    synthetic: bool
    years: tuple[int, int]  # first and last year of the data
    rights: str | None = None  # what the download says of its reuse, if more than the licence


@dataclass
class CatalogueInput:
    gemeente: str  # GM0014
    gemeente_name: str
    edition: int
    datasets: list[Dataset]
    bbox: tuple[float, float, float, float] | None = None  # west, south, east, north (WGS84)
    contact_name: str | None = None
    contact_email: str | None = None
    contact_url: str | None = None
    modified: date = field(default_factory=date.today)


def distribution_of(site: Path, path: str, title: dict[str, str], **extra) -> Distribution:
    """A file of the (staging) site as a distribution, measured."""
    file = site / path
    return Distribution(path, title, file.stat().st_size, sha256_of(file), **extra)


RDFS_LABEL = URIRef("http://www.w3.org/2000/01/rdf-schema#label")
WKT = URIRef("http://www.opengis.net/ont/geosparql#wktLiteral")


class _Builder:
    """The catalogue's graph, node by node: the nodes every dataset shares are made once."""

    def __init__(self, info: CatalogueInput, base: str):
        self.info, self.base = info, base
        self.g = g = Graph()
        for prefix, namespace in CONTEXT.items():
            g.bind(prefix, namespace)
        self.doc = base + CATALOGUE_FILES[0]
        self.words = words()["catalogue"]
        self.figures = {"gemeente": info.gemeente_name}
        name = f"Gemeente {info.gemeente_name}"
        # the gemeente: publisher and creator, and (its identifier) the area the data cover
        self.gemeente = self.node(TOOI_GEMEENTE + info.gemeente.lower(), FOAF.Agent,
                                  FOAF.Organization, DCTERMS.Location)  # fmt: skip
        g.add((self.gemeente, FOAF.name, Literal(name, lang="nl")))
        g.add((self.gemeente, SKOS.prefLabel, Literal(name, lang="nl")))
        if info.bbox:
            w, s, e, n = info.bbox
            wkt = f"POLYGON(({w} {s},{e} {s},{e} {n},{w} {n},{w} {s}))"
            g.add((self.gemeente, DCAT.bbox, Literal(wkt, datatype=WKT)))
        self.contact = self.node(self.doc + "#contactpunt", VCARD.Kind, VCARD.Organization)
        g.add((self.contact, VCARD.fn, Literal(info.contact_name or name)))
        if info.contact_email:
            g.add((self.contact, VCARD.hasEmail, URIRef("mailto:" + info.contact_email)))
        if info.contact_url:
            g.add((self.contact, VCARD.hasURL, URIRef(info.contact_url)))
        self.licence = self.node(LICENCE.CC_BY_4_0, DCTERMS.LicenseDocument)
        g.add(
            (self.licence, SKOS.exactMatch, URIRef("https://creativecommons.org/licenses/by/4.0/"))
        )
        self.public = self.node(ACCESS_RIGHT.PUBLIC, DCTERMS.RightsStatement)
        self.languages = {
            c: self.node(LANGUAGE[c], DCTERMS.LinguisticSystem) for c in ("NLD", "ENG")
        }
        self.landing = self.node(base + "statistiek/index.html", FOAF.Document)
        self.package = self.node(base + "downloads/datapackage.json", FOAF.Document)
        self.api_schema = self.node(base + "api/v1/areas.schema.json", FOAF.Document)
        self.modified = Literal(info.modified.isoformat(), datatype=XSD.date)
        self.service = None

    def node(self, iri, *types) -> URIRef:
        node = URIRef(iri)
        for t in types:
            self.g.add((node, RDF.type, t))
        return node

    def texts(self, node, predicate, texts: dict[str, str]) -> None:
        for lang, text in texts.items():
            self.g.add((node, predicate, Literal(text.format(**self.figures), lang=lang)))

    def common(self, node, described: dict) -> None:
        """What a dataset and the data service both say: who, contact, themes, keywords,
        access, languages, licence-free metadata."""
        g = self.g
        g.add((node, DCTERMS.identifier, Literal(str(node))))
        g.add((node, DCTERMS.publisher, self.gemeente))
        g.add((node, DCTERMS.creator, self.gemeente))
        g.add((node, DCAT.contactPoint, self.contact))
        g.add((node, DCTERMS.accessRights, self.public))
        g.add((node, DCTERMS.modified, self.modified))
        g.add((node, DCAT.landingPage, self.landing))
        for theme in described["themes"]:
            g.add((node, DCAT.theme, self.node(THEME[theme], SKOS.Concept)))
        for keyword in described["keywords"]:
            g.add((node, DCAT.keyword, Literal(keyword, lang="nl")))
        for code in described["languages"]:
            g.add((node, DCTERMS.language, self.languages[code]))

    def catalogue(self) -> URIRef:
        g, node = self.g, self.node(self.doc + "#catalogus", DCAT.Catalog)
        self.texts(node, DCTERMS.title, self.words["title"])
        self.texts(node, DCTERMS.description, self.words["description"])
        g.add((node, DCTERMS.publisher, self.gemeente))
        g.add((node, DCTERMS.creator, self.gemeente))
        g.add((node, DCAT.contactPoint, self.contact))
        g.add((node, FOAF.homepage, self.node(self.base + "index.html", FOAF.Document)))
        g.add((node, DCTERMS.language, self.languages["NLD"]))
        g.add((node, DCTERMS.license, self.licence))
        g.add((node, DCTERMS.modified, self.modified))
        g.add((node, DCTERMS.spatial, self.gemeente))
        g.add((node, DCAT.themeTaxonomy, URIRef(EU + "data-theme")))
        for ds in self.info.datasets:
            g.add((node, DCAT.dataset, self.dataset(ds)))
        if self.service is not None:
            g.add((node, DCAT.service, self.service))
        return node

    def dataset(self, ds: Dataset) -> URIRef:
        g = self.g
        described = dataset_words(ds.table)
        node = self.node(f"{self.doc}#dataset-{ds.table}", DCAT.Dataset)
        self.texts(node, DCTERMS.title, described["title"])
        said = self.words["synthetic" if ds.synthetic else "real"]  # what is synthetic
        self.texts(node, DCTERMS.description,
                   {k: f"{v} {said[k]}" for k, v in described["description"].items()})  # fmt: skip
        self.common(node, described)
        g.add((node, DCTERMS.spatial, self.gemeente))
        period = BNode()
        g.add((node, DCTERMS.temporal, period))
        g.add((period, RDF.type, DCTERMS.PeriodOfTime))
        g.add((period, DCAT.startDate, Literal(str(ds.years[0]), datatype=XSD.gYear)))
        g.add((period, DCAT.endDate, Literal(str(ds.years[1]), datatype=XSD.gYear)))
        g.add((node, DCAT_VERSION, Literal(str(self.info.edition))))
        g.add((node, DCTERMS.accrualPeriodicity, FREQUENCY.BIENNIAL))
        api = ds.table == "areas_api"
        g.add((node, FOAF.page, self.api_schema if api else self.package))
        standard = self.node(JSON_SCHEMA if api else TABULAR_DATA_PACKAGE, DCTERMS.Standard)
        g.add((node, DCTERMS.conformsTo, standard))
        rights = None
        if ds.rights:
            rights = self.node(f"{self.doc}#rechten-{ds.table}", DCTERMS.RightsStatement)
            g.add((rights, RDFS_LABEL, Literal(ds.rights, lang="nl")))
        for f in ds.files:
            dist = self.distribution(ds, f, rights)
            g.add((node, DCAT.distribution, dist))
            if f.service:
                g.add((dist, DCAT.accessService, self.data_service(described)))
                g.add((self.service, DCAT.servesDataset, node))
        return node

    def distribution(self, ds: Dataset, f: Distribution, rights) -> URIRef:
        g = self.g
        node = self.node(f"{self.doc}#distribution-{f.path.replace('/', '-')}", DCAT.Distribution)
        self.texts(node, DCTERMS.title, f.title)
        url = URIRef(self.base + f.path)
        g.add((node, DCAT.accessURL, url))
        g.add((node, DCAT.downloadURL, url))
        suffix = f.path.rsplit(".", 1)[-1]
        g.add((node, DCTERMS.format, self.node(FILE_TYPE[FILE_TYPES[suffix]],
                                              DCTERMS.MediaTypeOrExtent)))  # fmt: skip
        g.add((node, DCAT.mediaType, self.node(IANA + MEDIA_TYPES[suffix], DCTERMS.MediaType)))
        g.add((node, DCAT.byteSize, Literal(f.bytes, datatype=XSD.nonNegativeInteger)))
        checksum = BNode()
        g.add((node, SPDX.checksum, checksum))
        g.add((checksum, RDF.type, SPDX.Checksum))
        g.add((checksum, SPDX.algorithm, SPDX.checksumAlgorithm_sha256))
        g.add((checksum, SPDX.checksumValue, Literal(f.sha256, datatype=XSD.hexBinary)))
        g.add((node, DCTERMS.license, self.licence))
        if rights is not None:
            g.add((node, DCTERMS.rights, rights))
        g.add((node, DCTERMS.language, self.languages["NLD"]))
        g.add((node, ADMS.status, DISTRIBUTION_STATUS.COMPLETED))
        g.add((node, DCTERMS.modified, self.modified))
        if f.schema:  # a table's schema in the data package, or the API's JSON Schema
            fragment = f"#{ds.table}" if f.schema.endswith("datapackage.json") else ""
            schema = self.node(self.base + f.schema + fragment, DCTERMS.Standard)
            g.add((node, DCTERMS.conformsTo, schema))
            title = self.words["schema" if fragment else "api_schema"]
            self.texts(schema, DCTERMS.title, {k: v.replace("{name}", ds.table)
                                                for k, v in title.items()})  # fmt: skip
        return node

    def data_service(self, described: dict) -> URIRef:
        """The static JSON API as a dcat:DataService (made once)."""
        if self.service is not None:
            return self.service
        g = self.g
        node = self.service = self.node(self.doc + "#service-api", DCAT.DataService)
        self.texts(node, DCTERMS.title, self.words["service"]["title"])
        self.texts(node, DCTERMS.description, self.words["service"]["description"])
        self.common(node, described)
        g.add((node, DCAT.endpointURL, URIRef(self.base + "api/v1/")))
        g.add((node, DCAT.endpointDescription, self.api_schema))
        g.add((node, FOAF.page, self.api_schema))
        g.add((node, DCTERMS.conformsTo, self.node(JSON_SCHEMA, DCTERMS.Standard)))
        g.add((node, DCTERMS.license, self.licence))
        return node


def build_graph(info: CatalogueInput, base: str) -> Graph:
    """The catalogue as an RDF graph."""
    builder = _Builder(info, base)
    builder.catalogue()
    return builder.g


# -- validation --------------------------------------------------------------------------------
@dataclass
class Finding:
    severity: str  # Violation | Warning | Info
    shape: str  # the shape's local name, e.g. DistributionShape_license_minCount
    file: str  # the shape file that defines it
    focus: str
    path: str | None
    message: str

    def __str__(self) -> str:
        where = f" {self.path}" if self.path else ""
        return f"{self.shape} ({self.file}) on <{self.focus}>{where}: {self.message}"


@dataclass
class Validation:
    violations: list[Finding]
    warnings: list[Finding]

    @property
    def conforms(self) -> bool:
        return not self.violations

    def warnings_by_shape(self) -> dict[str, int]:
        return dict(sorted(Counter(w.shape for w in self.warnings).items()))


def load_shapes(folder: Path | None = None) -> tuple[Graph, dict[str, str]]:
    """The four shape files as one shapes graph, and which file defines each shape."""
    folder = folder or shapes_dir()
    shapes, origin = Graph(), {}
    for name in SHAPE_FILES:
        part = Graph().parse(folder / name, format="turtle")
        for subject in set(part.subjects()):
            if isinstance(subject, URIRef):
                origin.setdefault(str(subject), name)
        shapes += part
    return shapes, origin


def _short(graph: Graph, node) -> str:
    if node is None:
        return None
    try:
        return graph.namespace_manager.normalizeUri(node)
    except Exception:  # noqa: BLE001 - a path that is no IRI: as written
        return str(node)


def validate_graph(data: Graph, folder: Path | None = None) -> Validation:
    """pySHACL against the four shape files (no inference; warnings do not fail)."""
    from pyshacl import validate

    shapes, origin = load_shapes(folder)
    _, results, _ = validate(
        data, shacl_graph=shapes, inference="none", allow_warnings=True, advanced=False
    )
    violations, warnings = [], []
    for result in results.subjects(RDF.type, SH.ValidationResult):
        severity = str(results.value(result, SH.resultSeverity)).rsplit("#", 1)[-1]
        shape = results.value(result, SH.sourceShape)
        message = shapes.value(shape, EUSH.message) or results.value(result, SH.resultMessage)
        finding = Finding(
            severity,
            str(shape).rsplit("/", 1)[-1],
            origin.get(str(shape), "?"),
            str(results.value(result, SH.focusNode)),
            _short(data, results.value(result, SH.resultPath)),
            str(message),
        )
        (violations if severity == "Violation" else warnings).append(finding)
    order = lambda f: (f.shape, f.focus)  # noqa: E731
    return Validation(sorted(violations, key=order), sorted(warnings, key=order))


def check(data: Graph, target: str, folder: Path | None = None) -> Validation:
    """Validate; raise CatalogueError naming every violated shape (up to 10 findings)."""
    outcome = validate_graph(data, folder)
    if not outcome.conforms:
        shapes = sorted({v.shape for v in outcome.violations})
        lines = [str(v) for v in outcome.violations[:10]]
        more = len(outcome.violations) - len(lines)
        raise CatalogueError(
            f"{target} does not conform to DCAT-AP-NL 3.0: {len(outcome.violations)} "
            f"violation(s) of {', '.join(shapes)}.\n  "
            + "\n  ".join(lines)
            + (f"\n  ... and {more} more" if more > 0 else "")
        )
    return outcome


def write_catalogue(info: CatalogueInput, site: Path, base: str | None = None) -> Validation:
    """Build, validate (raising CatalogueError on a violation, before anything is written) and
    write ``catalogus.jsonld`` and ``catalogus.ttl`` into ``site``."""
    base = base or base_url()
    graph = build_graph(info, base)
    outcome = check(graph, CATALOGUE_FILES[0])
    jsonld = graph.serialize(format="json-ld", context=CONTEXT, auto_compact=True, indent=2)
    (site / CATALOGUE_FILES[0]).write_text(jsonld, encoding="utf-8")
    (site / CATALOGUE_FILES[1]).write_text(graph.serialize(format="turtle"), encoding="utf-8")
    return outcome


def read_catalogue(path: Path) -> Graph:
    """A published catalogue (JSON-LD or Turtle) as a graph."""
    fmt = "json-ld" if path.suffix == ".jsonld" else "turtle"
    return Graph().parse(path, format=fmt)


def bbox_of(geojsons: list[str]) -> tuple[float, float, float, float] | None:
    """West, south, east, north of GeoJSON geometries (WGS84)."""
    xs, ys = [], []

    def walk(coords):
        if coords and isinstance(coords[0], (int, float)):
            xs.append(coords[0])
            ys.append(coords[1])
        else:
            for c in coords:
                walk(c)

    for text in geojsons:
        if text:
            walk(json.loads(text)["coordinates"])
    if not xs:
        return None
    return (round(min(xs), 5), round(min(ys), 5), round(max(xs), 5), round(max(ys), 5))
