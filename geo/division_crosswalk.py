"""A source published on another area division onto the areas of an edition: which of the
source's area codes gives each buurt, wijk and gemeente of the edition its figure.

RIVM publishes its health estimates (table 50090NED) for every area of the **2020** division,
for 2012, 2016 and 2020 alike. An edition's areas are those of its own area year: most codes are
the same, some buurten were recoded since (Groningen 2023: Peizerweg BU00140808 became
BU00140110 in another wijk; the Suikerfabriekterrein BU00140807 became De Suikerzijde-Noord
and -Zuid, BU00140908 and BU00140909). Per area of the edition:

1. ``same_code``: the source has the code (CBS keeps a code while the area keeps its extent);
2. ``recoded``: a buurt the source does not have takes the figure of the source's buurten that
   are gone from the edition (orphans) and lie in the same wijk of the edition, the wijk found
   with the crosswalk machinery of the editions (:func:`geo.crosswalk.buurt_crosswalk`: code
   first, then the surface overlay of the orphan's boundary with the edition's wijken, then
   the wijk its code names); several orphans in one wijk count equally (their figures are means
   over residents of areas of like kind; the source gives no population to weigh them);
3. nothing: the area is named (``unmatched``) by a rule, never given another area's figure.
"""

from __future__ import annotations

import geopandas as gpd
import pandas as pd

from geo.crosswalk import buurt_crosswalk

COLUMNS = ["area_year", "area_level", "area_code", "source_code", "method", "share"]


def division_crosswalk(
    year: int,
    edition_areas: pd.DataFrame,
    source_codes: set[str],
    orphans: gpd.GeoDataFrame,
    target_wijken: gpd.GeoDataFrame,
) -> pd.DataFrame:
    """The rows of :data:`COLUMNS` for the CBS areas of one area ``year``.

    ``edition_areas``: area_level, area_code, parent_code (a buurt's wijk) of the year's CBS
    buurten, wijken and gemeente. ``source_codes``: every code of the source's division of
    this gemeente. ``orphans``: the source's buurten the year lacks, with buurt_code, wijk_code
    (the wijk their code names), population (NaN) and geometry (RD New, may be None).
    ``target_wijken``: wijk_code and geometry of the year's wijken (may be empty)."""
    rows = []
    for rec in edition_areas.itertuples(index=False):
        if rec.area_code in source_codes:
            rows.append((year, rec.area_level, rec.area_code, rec.area_code, "same_code", 1.0))
    buurten = edition_areas[edition_areas["area_level"] == "buurt"]
    new = buurten[~buurten["area_code"].isin(source_codes)]
    if len(new) and len(orphans):
        target_buurten = buurten.rename(columns={"area_code": "buurt_code"})
        target_buurten = target_buurten.assign(wijk_code=target_buurten["parent_code"])
        mapped = buurt_crosswalk(
            orphans, target_buurten[["buurt_code", "wijk_code"]], target_wijken
        )
        for wijk, part in new.groupby("parent_code"):
            sources = mapped.loc[mapped["to_code"] == wijk, "from_code"].tolist()
            for code in part["area_code"]:
                for source in sources:
                    rows.append((year, "buurt", code, source, "recoded", 1.0 / len(sources)))
    return pd.DataFrame(rows, columns=COLUMNS)
