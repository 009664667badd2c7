"""Online loader: CBS kerncijfers wijken en buurten of one gemeente via the CBS OData API.

Uses ``cbsodata`` (CBS's maintained Python client). The result is written in the StatLine naming
scheme, the same layout as the shipped ``kwb_2024_85984NED_groningen.csv``, with a sidecar, so
it enters the pipeline as any other raw snapshot. Nothing in a normal run calls this: it is for
the statistician preparing a new edition (``wijkkompas fetch-cbs``). Tests run it against a
recorded response served on 127.0.0.1.
"""

from __future__ import annotations

import csv
from collections.abc import Callable
from pathlib import Path

from ingest.errors import InputError
from ingest.snapshots import write_sidecar

DATA_SET = "TypedDataSet"


def _keep(code: str, digits: str) -> bool:
    code = code.strip()
    return code == "NL00" or (code[:2] in ("GM", "WK", "BU") and code[2:6] == digits)


def fetch_kerncijfers(
    table_id: str,
    gemeente: str,
    year: int,
    out: Path,
    *,
    catalog_url: str | None = None,
    https: bool = True,
    progress: Callable[[], None] | None = None,
) -> Path:
    """Download ``table_id`` rows of ``gemeente`` (and its wijken and buurten) to ``out``."""
    import cbsodata

    digits = gemeente[2:]
    previous = cbsodata.options.use_https
    cbsodata.options.use_https = https
    try:
        properties = cbsodata.get_meta(table_id, "DataProperties", catalog_url=catalog_url)
        info = cbsodata.get_info(table_id, catalog_url=catalog_url) or {}
        if progress:
            progress()
        rows = cbsodata.get_data(
            table_id,
            typed=True,
            filters=f"substringof('{digits}',WijkenEnBuurten)",
            catalog_url=catalog_url,
        )
        if progress:
            progress()
    finally:
        cbsodata.options.use_https = previous
    columns = [p["Key"] for p in properties if p.get("Type") in ("GeoDetail", "Topic", "Dimension")]
    code_column = next((c for c in columns if c.startswith("Codering")), None)
    if code_column is None:
        raise InputError(
            f"CBS table {table_id}",
            "no area code column (Codering_...)",
            expected="a kerncijfers wijken en buurten table (e.g. 85984NED)",
        )
    kept = [r for r in rows if _keep(str(r.get(code_column, "")), digits)]
    if not kept:
        raise InputError(
            f"CBS table {table_id}",
            f"no rows for {gemeente}",
            value=gemeente,
            expected="a gemeente code GMxxxx of the table's year (with its wijken and buurten)",
        )
    out.parent.mkdir(parents=True, exist_ok=True)
    with out.open("w", newline="", encoding="utf-8") as fh:
        writer = csv.writer(fh)
        writer.writerow(columns)
        for row in kept:
            writer.writerow(
                ["" if row.get(c) is None else str(row.get(c)).strip() for c in columns]
            )
    host = catalog_url or "opendata.cbs.nl"
    write_sidecar(
        out,
        title=info.get("Title", f"CBS {table_id}"),
        publisher="CBS",
        table_id=table_id,
        year=year,
        licence="CC BY 4.0",
        attribution="Bron: CBS",
        origin=f"CBS OData {host}/ODataFeed/odata/{table_id}/{DATA_SET} via cbsodata, "
        f"rows of {gemeente}; table modified {info.get('Modified', 'unknown')}",
        kind="cbs_kerncijfers",
        scheme="statline",
    )
    return out
