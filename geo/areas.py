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
    # per own wijk its name and gebied, per gebied its name: (value, row first given)
    wijk_names: dict[str, tuple[str, int]] = {}
    gebied_of_wijk: dict[str, tuple[str, int]] = {}
    gebied_names: dict[str, tuple[str, int]] = {}
    areas = [(year, name, "gemeente", gemeente, gemeente_name, None)]
    members = []
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
        where = (path, row_no)
        _same_as_before(
            wijk_names,
            wijk,
            rec["wijk_name"],
            where,
            "wijk_name",
            f"one wijk code with two names (buurt {buurt}, wijk {wijk})",
        )
        _same_as_before(
            gebied_of_wijk,
            wijk,
            gebied,
            where,
            "gebied_code",
            f"wijk split over two gebieden (buurt {buurt}, wijk {wijk})",
            ": an own wijk lies in one gebied",
        )
        _same_as_before(
            gebied_names,
            gebied,
            rec["gebied_name"],
            where,
            "gebied_name",
            f"one gebied code with two names (buurt {buurt}, gebied {gebied})",
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
    areas += [
        (year, name, "gebied", code, gname, gemeente) for code, (gname, _) in gebied_names.items()
    ]
    areas += [
        (year, name, "wijk", code, wname, gebied_of_wijk[code][0])
        for code, (wname, _) in wijk_names.items()
    ]
    return _frames(areas, members)


def _same_as_before(
    given: dict[str, tuple[str, int]], code: str, value: str, where: tuple, column: str,
    problem: str, why: str = "",
) -> None:  # fmt: skip
    """Record the ``value`` of ``code`` at its first row; raise naming file, row, column and the
    first row's value when a later row gives another one."""
    path, row_no = where
    first, first_row = given.setdefault(code, (value, row_no))
    if first != value:
        raise InputError(
            path, problem, row=row_no, column=column, value=value,
            expected=f"'{first}' as at row {first_row}{why}",
        )  # fmt: skip


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
