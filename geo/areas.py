"""The area hierarchy per year: buurt -> wijk -> gebied -> gemeente, and own layouts.

Upper levels are *sets of buurten*: ``area_buurten`` lists, for every area of every level, the
buurten it is made of. Indicators are re-aggregated over that table (sum numerators and
denominators), so any layout, the CBS one or a user's, works the same way.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from ingest.csvfile import read_delimited
from ingest.errors import InputError

LEVELS = ("buurt", "wijk", "gebied", "gemeente")


def known_wijken(wijkcodes_file: Path, gemeente: str) -> dict[int, dict[str, str]]:
    """{year: {wijk_code: wijk_name}} of ``gemeente`` from the CBS wijk-code file."""
    table = read_delimited(wijkcodes_file)
    out: dict[int, dict[str, str]] = {}
    for row_no, rec in table.records():
        try:
            year = int(rec["year"])
        except ValueError:
            raise InputError(
                wijkcodes_file,
                "year is not a number",
                row=row_no,
                column="year",
                value=rec["year"],
                expected="a year such as 2024",
            ) from None
        if rec["gm_code"] == gemeente:
            out.setdefault(year, {})[rec["wijk_code"]] = rec["wijk_naam"]
    return out


def read_gebieden(path: Path, wijken: dict[str, str]) -> pd.DataFrame:
    """The CBS wijk -> gebied assignment, checked against the wijken of one year.

    Wijken of the year that the file does not assign stop the run; rows for wijken that do not
    exist in that year (e.g. Haren in 2017) are simply not used.
    """
    table = read_delimited(path)
    table.require_columns(
        ("wijk_code", "gebied_code", "gebied_name"),
        expected="wijk_code, wijk_name, gebied_code, gebied_name",
    )
    frame = pd.DataFrame(table.rows, columns=table.header)
    dup = frame[frame["wijk_code"].duplicated()]
    if len(dup):
        raise InputError(
            path,
            "wijk assigned twice",
            row=int(dup.index[0]) + 2,
            column="wijk_code",
            value=dup["wijk_code"].iloc[0],
            expected="each wijk in one gebied",
        )
    missing = sorted(set(wijken) - set(frame["wijk_code"]))
    if missing:
        raise InputError(
            path,
            "wijken without a gebied",
            column="wijk_code",
            value=missing,
            expected="a row for every wijk of the layout year",
        )
    return frame[frame["wijk_code"].isin(wijken)].reset_index(drop=True)


def cbs_layout(
    year: int,
    gemeente: str,
    gemeente_name: str,
    wijken: dict[str, str],
    buurten: dict[str, str],
    gebieden: pd.DataFrame,
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Areas and area->buurt membership of the CBS layout of one year."""
    gebied_of = dict(zip(gebieden["wijk_code"], gebieden["gebied_code"], strict=True))
    gebied_names = dict(zip(gebieden["gebied_code"], gebieden["gebied_name"], strict=True))
    areas = [(year, "cbs", "gemeente", gemeente, gemeente_name, None)]
    areas += [(year, "cbs", "gebied", code, name, gemeente) for code, name in gebied_names.items()]
    areas += [(year, "cbs", "wijk", code, name, gebied_of[code]) for code, name in wijken.items()]
    members = []
    for code, name in sorted(buurten.items()):
        wijk = "WK" + code[2:8]
        areas.append((year, "cbs", "buurt", code, name, wijk))
        for level, upper in (
            ("buurt", code),
            ("wijk", wijk),
            ("gebied", gebied_of[wijk]),
            ("gemeente", gemeente),
        ):
            members.append((year, "cbs", level, upper, code))
    return _frames(areas, members)


def user_layout(
    path: Path, name: str, year: int, gemeente: str, gemeente_name: str, buurten: dict[str, str]
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """A user's layout: CSV buurt_code -> own wijk -> gebied, every buurt of the year once."""
    table = read_delimited(path)
    needed = ["buurt_code", "wijk_code", "wijk_name", "gebied_code", "gebied_name"]
    table.require_columns(needed, expected=", ".join(needed))
    seen: dict[str, int] = {}
    wijk_names: dict[str, str] = {}
    gebied_of_wijk: dict[str, str] = {}
    first_row: dict[str, int] = {}  # where a wijk or gebied code is first given
    areas = [(year, name, "gemeente", gemeente, gemeente_name, None)]
    members = []
    gebied_rows: dict[str, str] = {}
    for row_no, rec in table.records():
        buurt = rec["buurt_code"].strip()
        if buurt not in buurten:
            raise InputError(
                path,
                f"unknown buurt code {buurt} for {year}",
                row=row_no,
                column="buurt_code",
                value=buurt,
                expected=f"one of the {len(buurten)} CBS buurten of {year}",
            )
        if buurt in seen:
            raise InputError(
                path,
                f"buurt {buurt} listed twice",
                row=row_no,
                column="buurt_code",
                value=buurt,
                expected=f"each buurt once (first at row {seen[buurt]})",
            )
        seen[buurt] = row_no
        wijk, gebied = rec["wijk_code"].strip(), rec["gebied_code"].strip()
        if not wijk or not gebied:
            raise InputError(
                path,
                f"empty code for buurt {buurt}",
                row=row_no,
                column="wijk_code" if not wijk else "gebied_code",
                expected="a wijk and a gebied code for every buurt",
            )
        first_row.setdefault(f"wijk {wijk}", row_no)
        first_row.setdefault(f"gebied {gebied}", row_no)
        if wijk_names.setdefault(wijk, rec["wijk_name"]) != rec["wijk_name"]:
            raise InputError(
                path,
                f"one wijk code with two names (buurt {buurt}, wijk {wijk})",
                row=row_no,
                column="wijk_name",
                value=rec["wijk_name"],
                expected=f"'{wijk_names[wijk]}' as at row {first_row[f'wijk {wijk}']}",
            )
        if gebied_of_wijk.setdefault(wijk, gebied) != gebied:
            raise InputError(
                path,
                f"wijk split over two gebieden (buurt {buurt}, wijk {wijk})",
                row=row_no,
                column="gebied_code",
                value=gebied,
                expected=f"'{gebied_of_wijk[wijk]}' as at row {first_row[f'wijk {wijk}']}: "
                "an own wijk lies in one gebied",
            )
        if gebied_rows.setdefault(gebied, rec["gebied_name"]) != rec["gebied_name"]:
            raise InputError(
                path,
                f"one gebied code with two names (buurt {buurt}, gebied {gebied})",
                row=row_no,
                column="gebied_name",
                value=rec["gebied_name"],
                expected=f"'{gebied_rows[gebied]}' as at row {first_row[f'gebied {gebied}']}",
            )
        areas.append((year, name, "buurt", buurt, buurten[buurt], wijk))
        for level, upper in (
            ("buurt", buurt),
            ("wijk", wijk),
            ("gebied", gebied),
            ("gemeente", gemeente),
        ):
            members.append((year, name, level, upper, buurt))
    missing = sorted(set(buurten) - set(seen))
    if missing:
        raise InputError(
            path,
            f"buurten of {year} missing from the layout",
            column="buurt_code",
            value=missing[:5] + (["..."] if len(missing) > 5 else []),
            expected=f"all {len(buurten)} buurten, each once",
        )
    areas += [(year, name, "gebied", code, gname, gemeente) for code, gname in gebied_rows.items()]
    areas += [
        (year, name, "wijk", code, wname, gebied_of_wijk[code])
        for code, wname in wijk_names.items()
    ]
    return _frames(areas, members)


def _frames(areas: list, members: list) -> tuple[pd.DataFrame, pd.DataFrame]:
    area_frame = pd.DataFrame(
        areas, columns=["year", "layout", "area_level", "area_code", "area_name", "parent_code"]
    )
    level_order = {lv: i for i, lv in enumerate(reversed(LEVELS))}
    area_frame = area_frame.sort_values(
        ["area_level", "area_code"],
        key=lambda s: s.map(level_order) if s.name == "area_level" else s,
    ).reset_index(drop=True)
    member_frame = pd.DataFrame(
        members, columns=["year", "layout", "area_level", "area_code", "buurt_code"]
    )
    return area_frame, member_frame
