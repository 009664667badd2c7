"""A second own layout needs no code: a CSV in the shape of data/areas/layout_example.csv and a
line in data/editions.yml publish it (pages, reports, boundaries, earlier editions, downloads),
and ``primary_layout:`` makes the site lead with it."""

from __future__ import annotations

import csv
import json
import re
import shutil

import duckdb
import pandas as pd
from conftest import run_cli


def _wijkteams_layout(data) -> int:
    """A tiny second layout: one own wijk per gebied of the example layout, in two own gebieden
    (north and south of the city). Returns its number of wijken."""
    rows = list(csv.DictReader((data / "areas/layout_example.csv").open(encoding="utf-8")))
    gebieden = sorted({r["gebied_code"] for r in rows})
    out = []
    for r in rows:
        n = gebieden.index(r["gebied_code"]) + 1
        out.append(
            {
                "buurt_code": r["buurt_code"],
                "wijk_code": f"T{n}",
                "wijk_name": f"Wijkteam {r['gebied_name']}",
                "gebied_code": "TN" if n % 2 else "TZ",
                "gebied_name": "Wijkteams noord" if n % 2 else "Wijkteams zuid",
            }
        )
    with (data / "areas/layout_wijkteams.csv").open("w", newline="", encoding="utf-8") as fh:
        writer = csv.DictWriter(fh, fieldnames=list(out[0]))
        writer.writeheader()
        writer.writerows(out)
    with (data / "editions.yml").open("a", encoding="utf-8") as fh:
        fh.write(
            "  - name: wijkteams\n    area_year: 2024\n    file: data/areas/layout_wijkteams.csv\n"
        )
    return len(gebieden)


def test_a_second_own_layout_is_published_without_code(tmp_path, data_copy, built_warehouse):
    data = data_copy
    wijken = _wijkteams_layout(data)
    with (data / "editions.yml").open("a", encoding="utf-8") as fh:
        fh.write("primary_layout: wijkteams\n")
    (tmp_path / "wh").mkdir()
    shutil.copy(built_warehouse, tmp_path / "wh" / "w.duckdb")
    r = run_cli("build", data=data, tmp=tmp_path, WIJKKOMPAS_REPORT_PDF="0")
    assert r.returncode == 0, r.stdout[-3000:] + r.stderr[-3000:]
    site = tmp_path / "site"
    home = (site / "index.html").read_text(encoding="utf-8")
    # the home page leads with the primary layout: its map first, then the other two
    maps = re.findall(r'<div class="layout-map" data-layout="([^"]+)"', home)
    assert maps == ["wijkteams", "cbs", "voorbeeld"]
    radios = re.findall(r'<input type="radio" name="layout" value="([^"]+)"( checked)?>', home)
    assert radios == [("wijkteams", " checked"), ("cbs", ""), ("voorbeeld", "")]
    first_map = home[home.index('data-layout="wijkteams"') :]
    first_map = first_map[: first_map.index("</svg>")]
    assert len(re.findall(r'<a href="wijkteams/wijk/T\d\.html"', first_map)) == wijken
    assert "Gebieden en hun wijken: Wijken van de gemeente (indeling &#39;wijkteams&#39;)" in home
    for n in range(1, wijken + 1):
        page = site / "wijkteams" / "wijk" / f"T{n}.html"
        assert f'href="wijkteams/wijk/T{n}.html"' in home
        assert "eigen wijkindeling" in page.read_text(encoding="utf-8")
        assert (site / "en" / "wijkteams" / "wijk" / f"T{n}.html").exists()
        assert (site / "data" / "wijkteams" / f"T{n}.csv").exists()
        assert (site / "rapport" / "wijkteams" / f"T{n}.html").exists()
    for gebied in ("TN", "TZ"):
        assert (site / "wijkteams" / "gebied" / f"{gebied}.html").exists()
        assert f'href="wijkteams/{gebied}.html"' in (site / "rapport" / "index.html").read_text(
            encoding="utf-8"
        )
    # a postcode lists the wijk of every layout, the primary layout's first
    index = (site / "assets" / "search-index.js").read_text(encoding="utf-8")
    search = json.loads(index.removeprefix("window.WIJKKOMPAS_SEARCH=").rstrip(";\n"))
    for pc, found in search["postcode_areas"].items():
        layouts = [page.split("/")[0] if page.count("/") > 1 else "cbs" for _, page, *_ in found]
        assert layouts == sorted(layouts, key=["wijkteams", "cbs", "voorbeeld"].index), pc
        assert layouts[0] == "wijkteams" and {"cbs", "voorbeeld"} <= set(layouts), pc
    con = duckdb.connect(str(tmp_path / "wh" / "w.duckdb"), read_only=True)
    try:
        drawn = con.sql(
            "SELECT count(*) FROM layout_geometries WHERE layout = 'wijkteams' "
            "AND geom_rd_wkb IS NOT NULL"
        ).fetchone()[0]
        assert drawn == wijken + 2
        editions = con.sql(
            """SELECT edition, count(DISTINCT area_code), count(value) FROM indicator_values
               WHERE layout = 'wijkteams' AND area_level = 'wijk' GROUP BY 1 ORDER BY 1"""
        ).fetchall()
        assert [e[:2] for e in editions] == [(2018, wijken), (2024, wijken)]
        assert editions[0][2] > 0  # the 2018 edition recomputed on the wijkteams
    finally:
        con.close()
    download = pd.read_csv(site / "downloads" / "indicator_values.csv", sep=";", usecols=["layout"])
    assert set(download["layout"]) == {"cbs", "voorbeeld", "wijkteams"}


def test_primary_layout_and_layout_names_are_checked(tmp_path, data_copy):
    """primary_layout must name cbs or a layout of the file, and a layout's name is a folder of
    the site: both are refused with the file, the key and what was expected."""
    text = (data_copy / "editions.yml").read_text("utf-8")
    for extra, key, expected in (
        ("primary_layout: wijkteams\n", "primary_layout", "one of cbs, voorbeeld"),
        (
            "  - name: en\n    area_year: 2024\n    file: data/areas/layout_example.csv\n",
            "layouts[1].name",
            "lower-case letters",
        ),
    ):
        (data_copy / "editions.yml").write_text(text + extra, "utf-8")
        r = run_cli("check", data=data_copy, tmp=tmp_path)
        assert r.returncode == 1, r.stdout[-2000:]
        assert f"editions.yml, key '{key}'" in r.stderr and expected in r.stderr, r.stderr
        assert "Traceback" not in r.stderr
