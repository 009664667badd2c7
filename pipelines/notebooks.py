"""The notebooks for the area teams (``notebooks/``): run one with papermill for an area, check
the area code and the warehouse first, strip outputs before a notebook is committed, and the
few helpers the notebooks import (the key tables as JSON, SVG figures, a map of buurten).

The committed notebooks are templates: no outputs, no execution counts, no papermill metadata
(``strip_notebooks``). A run writes ``notebooks/out/<name>_<codes>.ipynb`` (git-ignored)."""

from __future__ import annotations

import json
import tempfile
from dataclasses import dataclass
from html import escape
from pathlib import Path
from typing import TYPE_CHECKING

from pipelines.settings import PROJECT_ROOT, warehouse_path

if TYPE_CHECKING:  # pandas, nbformat and papermill are imported where used: the CLI stays quick
    import nbformat
    import pandas as pd

NOTEBOOK_DIR = PROJECT_ROOT / "notebooks"
OUT_DIR = NOTEBOOK_DIR / "out"
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


def warehouse_edition(path: str | Path) -> int:
    """The latest edition of the warehouse at ``path``, checked (``check_consistent``)."""
    with open_warehouse(path) as con:
        return check_consistent(con, Path(path))


def report_areas(con) -> list[tuple[str, str, str]]:
    """The wijken and gebieden of the latest edition (CBS layout): (level, code, name)."""
    return con.execute(
        "SELECT area_level, area_code, area_name FROM areas "
        "WHERE layout = 'cbs' AND area_level IN ('wijk', 'gebied') AND year = "
        "(SELECT area_year FROM editions ORDER BY edition DESC LIMIT 1) "
        "ORDER BY area_level DESC, area_code"
    ).fetchall()


def check_areas(con, codes: list[str]) -> list[str]:
    """The levels of ``codes``; a ``NotebookError`` naming the code and listing the valid wijk
    and gebied codes when one is not a wijk or gebied of the latest edition. Two codes are a
    comparison: two different areas of one level."""
    areas = report_areas(con)
    level_of = {code: level for level, code, _ in areas}
    for code in codes:
        if code not in level_of:
            listed = {
                level: ", ".join(f"{c} ({n})" for lvl, c, n in areas if lvl == level)
                for level in ("wijk", "gebied")
            }
            raise NotebookError(
                f"Unknown area code {code!r}: not a wijk or gebied of the latest edition.\n"
                f"Valid wijk codes: {listed['wijk'] or '-'}\n"
                f"Valid gebied codes: {listed['gebied'] or '-'}"
            )
    levels = [level_of[c] for c in codes]
    if len(codes) == 2 and (codes[0] == codes[1] or levels[0] != levels[1]):
        raise NotebookError(
            f"Compare two different areas of one level (two wijken or two gebieden), not "
            f"{codes[0]} ({levels[0]}) and {codes[1]} ({levels[1]})."
        )
    return levels


# -- running ---------------------------------------------------------------------------------
def output_path(name: str, codes: list[str]) -> Path:
    return OUT_DIR / f"{Path(NOTEBOOKS[name].file).stem}_{'_'.join(codes)}.ipynb"


def run_notebook(
    name: str,
    codes: list[str],
    *,
    warehouse: str | Path | None = None,
    output: Path | None = None,
    tables_out: Path | None = None,
) -> Path:
    """Run notebook ``name`` for ``codes`` with papermill; returns the executed notebook.

    The area codes and the warehouse are checked first; a failing cell stops the run after the
    notebook up to that cell was written. Either raises a ``NotebookError``."""
    spec = NOTEBOOKS[name]
    if len(codes) != len(spec.area_parameters):
        raise NotebookError(
            f"The {name} notebook takes {len(spec.area_parameters)} area code(s), got {len(codes)}."
        )
    warehouse = Path(warehouse) if warehouse else warehouse_path()
    with open_warehouse(warehouse) as con:
        check_consistent(con, warehouse)
        check_areas(con, codes)
    output = Path(output) if output else output_path(name, codes)
    output.parent.mkdir(parents=True, exist_ok=True)
    parameters = dict(zip(spec.area_parameters, codes, strict=True))
    parameters |= {
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
