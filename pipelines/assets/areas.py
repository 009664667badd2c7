"""Area assets: the hierarchy per edition year (and own layouts), and boundaries."""

from __future__ import annotations

import dagster as dg
import pandas as pd
from dagster_duckdb import DuckDBResource

from geo.areas import cbs_layout, known_wijken, read_gebieden, user_layout
from geo.boundaries import (
    MATCH_COLUMNS,
    STORED_COLUMNS,
    empty_table,
    match_codes,
    read_boundaries,
    to_storage,
)
from geo.layout_geometry import dissolve_layout, empty_layout_geometries, layout_geometry_rows
from ingest.errors import InputError
from ingest.snapshots import discover_snapshots, verify_snapshot
from pipelines.assets.cbs import asset_name, cbs_area_codes, cbs_values, staged_result
from pipelines.partitions import INPUTS, compass_asset
from pipelines.resources import read_table, write_table
from pipelines.settings import editions_config, raw_dir

GROUP = "areas"


def _buurt_names(duckdb: DuckDBResource, year: int) -> dict[str, str]:
    rows = read_table(
        duckdb,
        "SELECT DISTINCT area_code, area_name FROM cbs_values "
        "WHERE year = ? AND area_level = 'buurt' ORDER BY area_code",
        [year],
    )
    return dict(zip(rows["area_code"], rows["area_name"].fillna(rows["area_code"]), strict=True))


def _wijk_names(duckdb: DuckDBResource, year: int, codes_file) -> dict[str, str]:
    """Wijk codes and names of ``year``: from the CBS wijk-code file, or, for a year it does not
    have yet (a new edition), from the wijk rows of that year's kerncijfers."""
    gemeente = editions_config().gemeente
    names = known_wijken(codes_file, gemeente).get(year)
    if not names:
        rows = read_table(
            duckdb,
            "SELECT DISTINCT area_code, coalesce(area_name, area_code) AS area_name "
            "FROM cbs_values WHERE year = ? AND area_level = 'wijk' "
            "AND area_code LIKE 'WK' || substr(?, 3) || '%' ORDER BY area_code",
            [year, gemeente],
        )
        names = dict(zip(rows["area_code"], rows["area_name"], strict=True))
    if not names:
        raise InputError(
            codes_file,
            f"no wijk codes for {year}",
            expected=f"rows for year {year} and gemeente {gemeente}",
        )
    return names


@compass_asset(group_name=GROUP, kinds={"duckdb"}, deps=[cbs_values, cbs_area_codes])
def areas(duckdb: DuckDBResource) -> dg.MaterializeResult:
    """Areas per layout year (buurt → wijk → gebied → gemeente) and which buurten make each."""
    cfg = editions_config()
    codes_file = next(p for p, s in discover_snapshots(raw_dir()) if s.kind == "cbs_area_codes")
    area_frames, member_frames = [], []
    for year in sorted({e.area_year for e in cfg.editions}):
        wijken = _wijk_names(duckdb, year, codes_file)
        buurten = _buurt_names(duckdb, year)
        if not buurten:
            raise InputError(
                codes_file,
                f"no CBS buurt figures for {year}",
                expected=f"a kerncijfers snapshot with buurten of {year}",
            )
        gebieden = read_gebieden(cfg.resolve(cfg.gebieden), wijken)
        a, m = cbs_layout(year, cfg.gemeente, cfg.gemeente_name, wijken, buurten, gebieden)
        area_frames.append(a)
        member_frames.append(m)
    for layout in cfg.layouts:
        buurten = _buurt_names(duckdb, layout.area_year)
        a, m = user_layout(
            cfg.resolve(layout.file),
            layout.name,
            layout.area_year,
            cfg.gemeente,
            cfg.gemeente_name,
            buurten,
        )
        area_frames.append(a)
        member_frames.append(m)
    all_areas = pd.concat(area_frames, ignore_index=True)
    rows = write_table(duckdb, "areas", all_areas)
    write_table(duckdb, "area_buurten", pd.concat(member_frames, ignore_index=True))
    counts = all_areas.groupby(["year", "layout", "area_level"]).size()
    return dg.MaterializeResult(
        metadata={
            "dagster/row_count": rows,
            "areas_per_level": {" ".join(map(str, k)): int(v) for k, v in counts.items()},
            "note": "gebied assignment of CBS wijken is approximate (data/areas/README.md)",
        }
    )


@compass_asset(group_name=GROUP, kinds={"geopandas", "duckdb"}, deps=[INPUTS])
def boundary_snapshots(duckdb: DuckDBResource) -> dg.MaterializeResult:
    """Every boundaries snapshot of data/raw/ (kind boundaries), checksum-verified, validated
    and stored in RD New and WGS84 in a table ``raw_<file>`` each. A gemeente without boundaries
    (one generated from the national file) has none: its site has no maps and says so."""
    staged = {}
    for path, sidecar in discover_snapshots(raw_dir()):
        if sidecar.kind != "boundaries":
            continue
        verify_snapshot(path)
        frame = read_boundaries(path, sidecar.area_level)
        rows = write_table(
            duckdb,
            asset_name(sidecar),
            to_storage(frame, sidecar.year, sidecar.area_level, path.name),
        )
        staged[asset_name(sidecar)] = {
            "year": sidecar.year,
            "area_level": sidecar.area_level,
            "rows": rows,
            "sha256": sidecar.sha256,
            "area_km2_total": round(float(frame.geometry.area.sum() / 1e6), 2),
        }
    return staged_result(staged)


@compass_asset(group_name=GROUP, kinds={"duckdb"}, deps=[boundary_snapshots, areas])
def area_geometries(duckdb: DuckDBResource) -> dg.MaterializeResult:
    """Boundaries of every edition's wijken and buurten, and ``boundary_matches``: per edition,
    level and code whether it has data, a boundary, or both. The rules of
    ``quality/rules/boundaries.yml`` stop the run when a wijk lacks either (buurten, whose
    boundaries may be of an earlier year, only warn)."""
    cfg = editions_config()
    names = {s.year: {} for _, s in discover_snapshots(raw_dir()) if s.kind == "boundaries"}
    for path, s in discover_snapshots(raw_dir()):
        if s.kind == "boundaries":
            names[s.year][s.area_level] = (asset_name(s), path)
    frames, matches, report = [], [], {}
    for edition in cfg.editions:
        for level, year in edition.boundaries.items():
            if level not in names.get(year, {}):
                raise InputError(
                    raw_dir() / "boundaries",
                    f"no {level} boundaries for {year}",
                    expected=f"a boundaries snapshot of {level}s {year} for "
                    f"edition {edition.edition}",
                )
            table, path = names[year][level]
            geoms = read_table(duckdb, f'SELECT * FROM "{table}"')
            data_codes = set(
                read_table(
                    duckdb,
                    "SELECT area_code FROM areas WHERE year = ? AND layout = 'cbs' "
                    "AND area_level = ?",
                    [edition.area_year, level],
                )["area_code"]
            )
            mismatch = match_codes(set(geoms["area_code"]), data_codes)
            report[f"{edition.edition} {level}"] = {k: v for k, v in mismatch.items() if v}
            for code in sorted(data_codes | set(geoms["area_code"])):
                matches.append(
                    {
                        "edition": edition.edition,
                        "area_level": level,
                        "area_code": code,
                        "in_data": code in data_codes,
                        "has_boundary": code not in mismatch["without_boundary"],
                        "match": "both"
                        if code in data_codes and code not in mismatch["without_boundary"]
                        else "no boundary"
                        if code in data_codes
                        else "no data",
                        "source_file": path.name,
                    }
                )
            geoms.insert(0, "edition", edition.edition)
            frames.append(geoms[geoms["area_code"].isin(data_codes)])
    # a gemeente without boundaries (generated from the national file): no rows, and no maps
    geometries = pd.concat(frames, ignore_index=True) if frames else empty_table(STORED_COLUMNS)
    rows = write_table(duckdb, "area_geometries", geometries)
    write_table(
        duckdb, "boundary_matches", pd.DataFrame(matches) if matches else empty_table(MATCH_COLUMNS)
    )
    return dg.MaterializeResult(metadata={"dagster/row_count": rows, "code_mismatches": report})


@compass_asset(group_name=GROUP, kinds={"geopandas", "duckdb"}, deps=[area_geometries, areas])
def layout_geometries(duckdb: DuckDBResource) -> dg.MaterializeResult:
    """Boundaries of every own layout's wijken and gebieden, dissolved from the buurt boundaries
    of the newest edition on the layout's area year (geo/layout_geometry.py), stored like
    ``area_geometries`` with the layout and, per area, its buurten, how many were drawn and the
    ones without a boundary (reported, never guessed; rules in layout_geometries.yml)."""
    cfg = editions_config()
    frames, missing = [], {}
    for layout in cfg.layouts:
        on_year = [
            e for e in cfg.editions if e.area_year == layout.area_year and "buurt" in e.boundaries
        ]
        if not on_year:
            # an own layout of a year no edition uses, or without a buurt map to draw it from
            # (a gemeente built from the national file): not drawn, its pages say so
            continue
        edition = max(on_year, key=lambda e: e.edition)
        members = read_table(
            duckdb,
            "SELECT area_level, area_code, buurt_code FROM area_buurten "
            "WHERE layout = ? AND year = ? AND area_level IN ('wijk', 'gebied')",
            [layout.name, layout.area_year],
        )
        names = read_table(
            duckdb,
            "SELECT area_code, area_name FROM areas WHERE layout = ? AND year = ?",
            [layout.name, layout.area_year],
        )
        buurten = read_table(
            duckdb,
            "SELECT area_code, geom_rd_wkb, source_file FROM area_geometries "
            "WHERE edition = ? AND area_level = 'buurt'",
            [edition.edition],
        )
        drawn, coverage = dissolve_layout(
            buurten, members, dict(zip(names["area_code"], names["area_name"], strict=True))
        )
        source = buurten["source_file"].iloc[0] if len(buurten) else ""
        frames.append(
            layout_geometry_rows(
                drawn, coverage, layout=layout.name, edition=edition.edition,
                year=layout.area_year, source=f"dissolved from {source}",
            )
        )  # fmt: skip
        gaps = coverage.loc[coverage["buurten_without_boundary"].notna()]
        missing[layout.name] = {
            str(r.area_code): r.buurten_without_boundary for r in gaps.itertuples()
        }
    frame = pd.concat(frames, ignore_index=True) if frames else empty_layout_geometries()
    rows = write_table(duckdb, "layout_geometries", frame)
    return dg.MaterializeResult(
        metadata={"dagster/row_count": rows, "buurten_without_boundary": missing}
    )
