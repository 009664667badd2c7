"""The notebooks for the area teams (``notebooks/``): run one with papermill for an area, check
the area code and the warehouse first, strip outputs before a notebook is committed, and the
few helpers the notebooks import (the key tables as JSON, SVG figures, a map of buurten).

The committed notebooks are templates: no outputs, no execution counts, no papermill metadata
(``strip_notebooks``). A run writes ``notebooks/out/<name>_<codes>.ipynb`` (git-ignored; for an
own layout ``<name>_<layout>_<codes>.ipynb``)."""

from __future__ import annotations

import difflib
import json
import re
import tempfile
from dataclasses import dataclass
from html import escape
from pathlib import Path
from typing import TYPE_CHECKING

from pipelines.gemeente_names import name_key
from pipelines.settings import PROJECT_ROOT, warehouse_path

if TYPE_CHECKING:  # pandas, nbformat and papermill are imported where used: the CLI stays quick
    import nbformat
    import pandas as pd

NOTEBOOK_DIR = PROJECT_ROOT / "notebooks"
OUT_DIR = NOTEBOOK_DIR / "out"
CBS = "cbs"  # the CBS layout, the default (dashboards.site_data.LAYOUT; that module needs pandas)
KERNEL = "python3"  # ipykernel's own kernel spec: the Python that runs papermill (this .venv)


@dataclass(frozen=True)
class NotebookSpec:
    file: str
    area_parameters: tuple[str, ...]  # one notebook parameter per --area, in order


NOTEBOOKS = {
    "wijkanalyse": NotebookSpec("wijkanalyse.ipynb", ("wijk_code",)),
    "vergelijk": NotebookSpec("vergelijk_wijken.ipynb", ("wijk_a", "wijk_b")),
}


class NotebookError(Exception):
    """Why a notebook did not run (no warehouse, an unknown area code) or stopped (a cell
    failed): said to the user."""


# -- the warehouse and its areas -------------------------------------------------------------
def open_warehouse(path: str | Path | None = None):
    """A read-only DuckDB connection to the warehouse (default: ``warehouse_path()``)."""
    import duckdb

    path = Path(path) if path else warehouse_path()
    if not path.exists():
        raise NotebookError(
            f"There is no warehouse at {path}: run `make run` first "
            "(or point WIJKKOMPAS_WAREHOUSE at one)."
        )
    try:
        return duckdb.connect(str(path), read_only=True)
    except duckdb.Error as exc:
        raise NotebookError(
            f"{path} is not a DuckDB warehouse that can be read ({str(exc).splitlines()[0]}). "
            "Point --warehouse at data/warehouse/wijkkompas.duckdb (made by `make run`)."
        ) from exc


def check_consistent(con, path: Path) -> int:
    """The latest edition of a warehouse whose ``editions`` and ``indicator_values`` agree; a
    ``NotebookError`` naming both when they do not (a warehouse left by a failed build would
    give a convincing, empty analysis of an edition without figures)."""
    tables = {name for (name,) in con.execute("SELECT table_name FROM duckdb_tables()").fetchall()}
    missing = sorted({"editions", "indicator_values", "areas"} - tables)
    if missing:
        raise NotebookError(
            f"The warehouse {path} has no table {', '.join(missing)}: it is not a finished "
            "build. Run `make run` (or `wijkkompas build`) first."
        )
    listed = [e for (e,) in con.execute("SELECT edition FROM editions ORDER BY 1").fetchall()]
    computed = [
        e
        for (e,) in con.execute(
            "SELECT DISTINCT edition FROM indicator_values WHERE value IS NOT NULL ORDER BY 1"
        ).fetchall()
    ]
    if not listed or listed != computed:
        raise NotebookError(
            f"The warehouse {path} disagrees with itself: its table editions lists "
            f"{', '.join(map(str, listed)) or 'no edition'}, but indicator_values has figures "
            f"for {', '.join(map(str, computed)) or 'no edition'}. It was not left by a "
            "finished build; run `wijkkompas build` to rebuild it from data/."
        )
    return listed[-1]


@dataclass(frozen=True)
class NotebookRun:
    """What a notebook runs on: the latest edition of the warehouse, the layout and the codes of
    its areas (given as codes or names), and a sentence for the user when the layout was
    inferred or a name was read as a code (else None)."""

    edition: int
    layout: str
    note: str | None
    codes: list[str]


def plan_run(path: str | Path, areas: list[str], layout: str | None = None) -> NotebookRun:
    """The warehouse at ``path`` checked (``check_consistent``), the areas' names read as their
    codes (``resolve_names``), their layout (``resolve_layout``) and the codes checked
    (``check_areas``)."""
    with open_warehouse(path) as con:
        edition = check_consistent(con, Path(path))
        codes, layout, named = resolve_names(con, areas, layout)
        layout, inferred = resolve_layout(con, codes, layout)
        check_areas(con, codes, layout)
        return NotebookRun(edition, layout, named or inferred, codes)


def check_run(
    path: str | Path, codes: list[str], layout: str | None = None
) -> tuple[int, str, str | None]:
    """``plan_run`` as (edition, layout, note): the latest edition of the warehouse at ``path``,
    the layout of ``codes`` (codes or names of areas) and the sentence saying how it was found,
    if it was inferred, or how a name was read."""
    run = plan_run(path, codes, layout)
    return run.edition, run.layout, run.note


def layout_areas(con) -> dict[str, list[tuple[str, str, str]]]:
    """Per layout with figures in the latest edition (the CBS layout first, then the own layouts
    of ``layouts:`` in data/editions.yml, as ``dashboards.site_data.own_layouts``) the wijken
    and gebieden that the reports have: (level, code, name). The CBS layout on the latest
    edition's area year, an own layout on its own latest year (as ``load_site_data`` reads
    them). Plain SQL without parameters (with any, DuckDB imports pandas): the CLI does not
    wait for pandas to say that a code is wrong."""
    areas: dict[str, list[tuple[str, str, str]]] = {CBS: []}
    for layout, *area in con.execute(
        "SELECT layout, area_level, area_code, area_name FROM areas AS a "
        "WHERE area_level IN ('wijk', 'gebied') AND layout IN (SELECT layout FROM "
        "indicator_values WHERE edition = (SELECT max(edition) FROM editions)) AND year = CASE "
        f"WHEN layout = '{CBS}' "
        "THEN (SELECT area_year FROM editions ORDER BY edition DESC LIMIT 1) "
        "ELSE (SELECT max(year) FROM areas WHERE layout = a.layout) END "
        f"ORDER BY layout <> '{CBS}', layout, area_level DESC, area_code"
    ).fetchall():
        areas.setdefault(layout, []).append(tuple(area))
    return areas


def report_areas(con, layout: str = CBS) -> list[tuple[str, str, str]]:
    """The wijken and gebieden of ``layout`` (``layout_areas``): (level, code, name)."""
    return layout_areas(con).get(layout, [])


def _valid_codes(areas: dict[str, list[tuple[str, str, str]]]) -> str:
    lines = []
    for layout, rows in areas.items():
        lines.append(
            f"Layout {layout} ({'the default' if layout == CBS else '--layout ' + layout}):"
        )
        lines += [
            f"  Valid {level} codes: "
            + (", ".join(f"{c} ({n})" for lvl, c, n in rows if lvl == level) or "-")
            for level in ("wijk", "gebied")
        ]
    return "\n".join(lines)


ONE_LAYOUT = (
    "Two areas are compared within one layout: the areas of one layout and level share no "
    "buurt, so their survey figures come from different respondents, as the significance test "
    "of the comparison assumes. Areas of two layouts can share buurten (an own wijk is made of "
    "CBS buurten), and then respondents: that test would be wrong for them. Run the wijkanalyse "
    "notebook for each instead."
)


def check_layout(areas: dict[str, list[tuple[str, str, str]]], layout: str | None) -> None:
    """A ``NotebookError`` listing the layouts when ``layout`` is given and not one of them."""
    if layout is not None and layout not in areas:
        raise NotebookError(
            f"Unknown layout {layout!r}. The layouts of the warehouse: {', '.join(areas)} "
            f"({CBS}: the CBS wijken and gebieden, the default; the others are own layouts, "
            "`layouts:` in data/editions.yml)."
        )


def resolve_layout(con, codes: list[str], layout: str | None = None) -> tuple[str, str | None]:
    """The layout of ``codes`` and, when it was inferred to be an own layout, a sentence saying
    so. Without ``layout``: the CBS layout when it has every code (an own gebied may repeat a
    CBS gebied code; CBS's is meant unless a layout is given), else the one own layout that has
    them all.

    A ``NotebookError`` for an unknown layout (listing the layouts), an unknown code (listing
    the valid codes per layout), a code not of the given layout, codes of several own layouts
    only (``--layout`` chooses) and two codes that no one layout has both of.

    Comparing across layouts is refused. Every layout is computed from the same respondents and
    registers with the same methods, so an own wijk and a CBS wijk are comparable figures; but
    for that very reason two areas of different layouts can hold the same buurten and so the
    same respondents, and the comparison's significance test (z = (a - b) / sqrt(se_a² + se_b²))
    holds only for independent samples, which two areas of one layout and level always are
    (``ONE_LAYOUT``, said to the user)."""
    areas = layout_areas(con)
    check_layout(areas, layout)
    codes_of = {name: {code for _, code, _ in rows} for name, rows in areas.items()}
    layouts_of = {code: [n for n, known in codes_of.items() if code in known] for code in codes}
    for code, found in layouts_of.items():
        if not found:
            raise NotebookError(
                f"Unknown area code {code!r}: not a wijk or gebied of the latest edition in "
                f"any layout.\n{_valid_codes(areas)}"
            )
        if layout is not None and layout not in found:
            raise NotebookError(
                f"{code!r} is not a wijk or gebied of the layout {layout} but of the layout "
                f"{' and '.join(found)} (--layout {found[0]})."
                + (f"\n{ONE_LAYOUT}" if len(codes) > 1 else "")
                + f"\n{_valid_codes({layout: areas[layout]})}"
            )
    if layout is not None:
        return layout, None
    having = [name for name, known in codes_of.items() if set(codes) <= known]
    named = " and ".join(codes)
    if not having:
        where = "; ".join(f"{code} of {' and '.join(found)}" for code, found in layouts_of.items())
        raise NotebookError(f"{named} are areas of different layouts ({where}).\n{ONE_LAYOUT}")
    if CBS in having:
        return CBS, None
    if len(having) > 1:
        raise NotebookError(
            f"The own layouts {', '.join(having)} all have {named}: choose one with --layout."
        )
    return having[0], f"Only the own layout {having[0]} has {named}: using --layout {having[0]}."


def check_areas(con, codes: list[str], layout: str = CBS) -> list[str]:
    """The levels of ``codes`` in ``layout``; a ``NotebookError`` when one is not a wijk or
    gebied of the layout's latest area year (``resolve_layout``). Two codes are a comparison:
    two different areas of one level."""
    resolve_layout(con, codes, layout)
    level_of = {code: level for level, code, _ in report_areas(con, layout)}
    levels = [level_of[c] for c in codes]
    if len(codes) == 2 and (codes[0] == codes[1] or levels[0] != levels[1]):
        raise NotebookError(
            f"Compare two different areas of one level (two wijken or two gebieden), not "
            f"{codes[0]} ({levels[0]}) and {codes[1]} ({levels[1]})."
        )
    return levels


# -- areas by name ---------------------------------------------------------------------------
CODE_LIKE = re.compile(r"[A-Za-z]{2}\d+")  # WK001404, GB001404, EW21: an unknown one is a code
Candidate = tuple[str, str, str, str]  # layout, level, code, name


def resolve_names(
    con, values: list[str], layout: str | None = None
) -> tuple[list[str], str | None, str | None]:
    """``--area`` values as codes: a code (in any case) as the layouts write it, a name (any
    case or accents: ``name_key``) as the code of the area of that name; the layout the names
    fix (else ``layout``, for ``resolve_layout`` to infer from the codes) and a sentence saying
    how each name was read (None without names). A value like a code that no layout has stays
    as it is: ``resolve_layout`` names it with the valid codes.

    A name is looked for in ``layout``, or in every layout: the one layout that has all the
    areas given is theirs (``vergelijk --area Beijum --area Oosterparkwijk`` compares two own
    wijken). A name that is several areas' (a wijk and a gebied, or areas of two layouts that
    ``--layout`` does not choose between) is refused with each area's code, level and layout,
    except that an own gebied with a CBS gebied's name and code is CBS's without ``--layout``,
    as its code is. An unknown name is said with the nearest names."""
    areas = layout_areas(con)
    check_layout(areas, layout)
    known = {code.casefold(): code for rows in areas.values() for _, code, _ in rows}
    names = [v for v in values if v.casefold() not in known and not CODE_LIKE.fullmatch(v)]
    codes = {v: known.get(v.casefold(), v) for v in values if v not in names}
    if not names:
        return [codes[v] for v in values], layout, None
    scope = [layout] if layout else list(areas)
    found = {v: _named(areas, scope, v) for v in names}
    for value, candidates in found.items():
        if not candidates:
            raise NotebookError(_unknown_name(value, areas, layout))
    found = {v: _cbs_gebied_first(candidates) for v, candidates in found.items()}
    layouts_of = {v: {c[0] for c in found[v]} for v in names}
    layouts_of |= {v: {n for n in scope if code in _codes(areas[n])} for v, code in codes.items()}
    common = [n for n in scope if all(n in found_in for found_in in layouts_of.values())]
    if not common:
        resolve_layout(con, list(codes.values()), layout)  # a code's own problem, if it has one
        where = "; ".join(
            f"{v} of {' and '.join(sorted(ls)) or '-'}" for v, ls in layouts_of.items()
        )
        raise NotebookError(
            f"{' and '.join(values)} are areas of different layouts ({where}).\n{ONE_LAYOUT}"
        )
    for value in names:
        candidates = [c for c in found[value] if c[0] in common]
        if len(candidates) > 1:
            raise NotebookError(_ambiguous(value, candidates))
        codes[value] = candidates[0][2]
    (chosen,) = {c[0] for v in names for c in found[v] if c[0] in common}
    read = " and ".join(_read_as(found[v], chosen) for v in names)
    if layout is None and chosen != CBS:  # as resolve_layout says it of codes
        said = f"{read}. Only the own layout {chosen} has {' and '.join(values)}: using --layout "
        said += f"{chosen}."
    else:
        said = f"{read} of the layout {chosen}."
    return [codes[v] for v in values], chosen, said


def _codes(rows: list[tuple[str, str, str]]) -> set[str]:
    return {code for _, code, _ in rows}


def _named(areas: dict, scope: list[str], value: str) -> list[Candidate]:
    """Every wijk and gebied of the layouts in ``scope`` named ``value`` (``name_key``)."""
    key = name_key(value)
    return [
        (layout, level, code, name)
        for layout in scope
        for level, code, name in areas[layout]
        if name_key(name) == key
    ]


def _cbs_gebied_first(candidates: list[Candidate]) -> list[Candidate]:
    """The candidates but an own gebied that repeats a CBS candidate's code (and so its name):
    that gebied is CBS's unless ``--layout`` says otherwise, as its code is (``resolve_layout``).
    """
    cbs = {code for layout, _, code, _ in candidates if layout == CBS}
    return [c for c in candidates if c[0] == CBS or c[2] not in cbs]


def _read_as(candidates: list[Candidate], layout: str) -> str:
    """How a name was read: "Beijum is the wijk EW21"."""
    return next(
        f"{name} is the {level} {code}" for n, level, code, name in candidates if n == layout
    )


def _ambiguous(value: str, candidates: list[Candidate]) -> str:
    listed = [f"{code} ({level}, layout {n})" for n, level, code, _ in candidates]
    layouts = list(dict.fromkeys(c[0] for c in candidates))
    return (
        f"{value!r} is the name of {len(candidates)} areas: {', '.join(listed[:-1])} and "
        f"{listed[-1]}. Give the code of the one you mean (--area {candidates[0][2]})"
        + (
            f", or its layout (--layout {' or --layout '.join(layouts)})."
            if len(layouts) > 1
            else "."
        )
    )


def _unknown_name(value: str, areas: dict, layout: str | None) -> str:
    """No area of ``layout`` (or of any layout) is named ``value``: the layouts that have one of
    that name, or the nearest names, and the valid codes."""
    elsewhere = _named(areas, list(areas), value)
    if elsewhere:
        listed = ", ".join(f"{code} ({level}) of the layout {n}" for n, level, code, _ in elsewhere)
        return (
            f"{value!r} is not the name of a wijk or gebied of the layout {layout} but of "
            f"{listed} (--layout {elsewhere[0][0]}).\n{_valid_codes({layout: areas[layout]})}"
        )
    everyone = _cbs_gebied_first(
        [(n, level, code, name) for n, rows in areas.items() for level, code, name in rows]
    )
    keys = {name_key(c[3]) for c in everyone}
    key = name_key(value)
    near = {k for k in keys if key and key in k}
    near |= set(difflib.get_close_matches(key, list(keys), n=3, cutoff=0.6))
    nearest = [
        f"{name} ({code}, layout {n})" for n, _, code, name in everyone if name_key(name) in near
    ]
    return (
        f"Unknown area {value!r}: not the name or code of a wijk or gebied of the latest "
        f"edition in any layout"
        + (f"; did you mean {', '.join(nearest[:6])}?" if nearest else ".")
        + f"\n{_valid_codes(areas)}"
    )


# -- running ---------------------------------------------------------------------------------
def output_path(name: str, codes: list[str], layout: str = CBS) -> Path:
    """``notebooks/out/<notebook>_<codes>.ipynb``; for an own layout, whose gebied codes can be
    CBS's, ``<notebook>_<layout>_<codes>.ipynb``."""
    parts = codes if layout == CBS else [layout, *codes]
    return OUT_DIR / f"{Path(NOTEBOOKS[name].file).stem}_{'_'.join(parts)}.ipynb"


def run_notebook(
    name: str,
    codes: list[str],
    *,
    layout: str | None = None,
    warehouse: str | Path | None = None,
    output: Path | None = None,
    tables_out: Path | None = None,
) -> Path:
    """Run notebook ``name`` for ``codes`` of ``layout`` (default: the CBS layout, or the own
    layout that alone has the codes: ``resolve_layout``) with papermill; returns the executed
    notebook.

    The area codes and the warehouse are checked first; a failing cell stops the run after the
    notebook up to that cell was written. Either raises a ``NotebookError``."""
    spec = NOTEBOOKS[name]
    if len(codes) != len(spec.area_parameters):
        raise NotebookError(
            f"The {name} notebook takes {len(spec.area_parameters)} area code(s), got {len(codes)}."
        )
    warehouse = Path(warehouse) if warehouse else warehouse_path()
    run = plan_run(warehouse, codes, layout)
    codes, layout = run.codes, run.layout
    output = Path(output) if output else output_path(name, codes, layout)
    output.parent.mkdir(parents=True, exist_ok=True)
    parameters = dict(zip(spec.area_parameters, codes, strict=True))
    parameters |= {
        "layout": layout,
        "warehouse": str(warehouse),
        "tables_out": str(tables_out) if tables_out else None,
    }
    import papermill  # only now: a wrong code or a missing warehouse is said without waiting
    from papermill.exceptions import PapermillExecutionError
    from traitlets.config import Config

    # talk to the kernel over local sockets in a private directory of this run (not over TCP,
    # and apart from any other run: the default socket name is the same for every run)
    with tempfile.TemporaryDirectory(prefix="wijkkompas-kernel-") as sockets:
        try:
            papermill.execute_notebook(
                str(NOTEBOOK_DIR / spec.file),
                str(output),
                parameters=parameters,
                kernel_name=KERNEL,
                language="python",
                cwd=str(NOTEBOOK_DIR),
                progress_bar=False,
                config=Config({"KernelManager": {"transport": "ipc", "ip": f"{sockets}/kernel"}}),
            )
        except PapermillExecutionError as err:
            raise NotebookError(
                f"The notebook stopped with an error in cell {err.exec_count}: {err.ename}: "
                f"{err.evalue}\nThe notebook up to that cell is in {output}"
            ) from err
    return output


# -- committed notebooks are stripped --------------------------------------------------------
KEPT_CELL_METADATA = ("tags",)


def strip_notebook(nb: nbformat.NotebookNode) -> nbformat.NotebookNode:
    """The notebook without outputs, execution counts, papermill's injected parameters and
    metadata, and the kernel's version details (in place; also returned)."""
    import nbformat

    nb.cells = [c for c in nb.cells if "injected-parameters" not in c.metadata.get("tags", [])]
    for cell in nb.cells:
        if cell.cell_type == "code":
            cell.outputs = []
            cell.execution_count = None
        cell.metadata = nbformat.from_dict(
            {k: v for k, v in cell.metadata.items() if k in KEPT_CELL_METADATA and v}
        )
    kept = {"kernelspec": nb.metadata.get("kernelspec"), "language_info": {"name": "python"}}
    nb.metadata = nbformat.from_dict({k: v for k, v in kept.items() if v})
    return nb


def committed_notebooks() -> list[Path]:
    return sorted(NOTEBOOK_DIR.glob("*.ipynb"))


def strip_notebooks(paths: list[Path] | None = None, *, write: bool = True) -> list[Path]:
    """Strip the committed notebooks (default ``notebooks/*.ipynb``); returns those that were
    not stripped (and are now, when ``write``)."""
    import nbformat

    changed = []
    for path in paths or committed_notebooks():
        text = path.read_text(encoding="utf-8")
        nb = strip_notebook(nbformat.reads(text, as_version=4))
        stripped = nbformat.writes(nb) + "\n"
        if stripped != text:
            changed.append(path)
            if write:
                path.write_text(stripped, encoding="utf-8")
    return changed


# -- helpers the notebooks import ------------------------------------------------------------
def _plain(value):
    """A cell as plain JSON: numpy scalars as Python, NaN / NA / None as null."""
    import pandas as pd

    if pd.api.types.is_scalar(value) and pd.isna(value):
        return None
    return value.item() if hasattr(value, "item") else value


def write_tables(tables: dict[str, pd.DataFrame], path: str | Path) -> None:
    """The notebook's key tables as JSON: per table its columns and rows (NaN as null)."""
    data = {
        name: {
            "columns": [str(c) for c in frame.columns],
            "rows": [[_plain(v) for v in row] for row in frame.itertuples(index=False)],
        }
        for name, frame in tables.items()
    }
    Path(path).write_text(json.dumps(data, ensure_ascii=False, indent=1), encoding="utf-8")


def read_tables(path: str | Path) -> dict[str, pd.DataFrame]:
    import pandas as pd

    data = json.loads(Path(path).read_text(encoding="utf-8"))
    return {k: pd.DataFrame(t["rows"], columns=t["columns"]) for k, t in data.items()}


def figure(svg: str, caption: str, width: str = "26rem") -> str:
    """An SVG in a captioned HTML figure ``width`` wide (or the page, if narrower)."""
    return (
        f'<figure style="width:{width};max-width:100%;margin:0 1.5rem 1rem 0">{svg}'
        f"<figcaption>{escape(caption)}</figcaption></figure>"
    )


def side_by_side(*figures: str) -> str:
    return (
        '<div style="display:flex;flex-wrap:wrap;align-items:flex-start">'
        + "".join(figures)
        + "</div>"
    )


# the site's map style (dashboards/static/site.css) for the maps of dashboards.site_maps
MAP_STYLE = (
    "<style>svg.map{width:100%;height:auto}"
    "svg.map path{stroke:#fff;stroke-width:1.2;vector-effect:non-scaling-stroke}"
    "svg.locator path.ctx{fill:#e3e3e3}svg.locator path.here{fill:#8e0152;stroke:#000}</style>"
)


def area_map(geometry: dict, cells: dict[str, dict], *, label: str) -> str:
    """A map of the areas in ``cells`` (code -> title, band, neutral), framed around them and
    coloured by band; ``geometry``: code -> shapely geometry (``ctx.data.geometry['buurt']``)."""
    from dashboards.palette import FILL, band_key
    from geo.svg import MapFrame, Shape, path_data, svg_map

    codes = [c for c in cells if c in geometry]
    if not codes:
        return ""
    frame = MapFrame.around([geometry[c] for c in codes])
    shapes = [
        Shape(
            code=c,
            d=path_data(geometry[c], frame),
            title=cells[c]["title"],
            fill=FILL[band_key(cells[c].get("band"), cells[c].get("neutral", False))],
        )
        for c in codes
    ]
    return MAP_STYLE + svg_map(shapes, frame, label=label)
