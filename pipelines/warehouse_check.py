"""A damaged warehouse is named at once: before a command works on the warehouse, DuckDB reads
every block of it.

A disk fault or an interrupted copy leaves a DuckDB file whose blocks no longer match their
checksums; DuckDB then raises an IO error ("Corrupt database file: computed checksum … does not
match stored checksum …") on the first query that touches such a block, which may be many steps
into a build. Reading every column of every table once (DuckDB checks each block's checksum as
it reads it) finds the damage in well under a second for a gemeente's warehouse, before any
step runs, any copy is made or the site is touched.

The warehouse holds only what the build derives from the inputs in ``data/`` (and the history
of past quality results, ``quality_results``), so the remedy is always the same: rebuild it
from scratch (``wijkkompas build --from-scratch``), which publishes a new warehouse and site
when every blocking rule passes.
"""

from __future__ import annotations

from pathlib import Path

# what DuckDB says of a file it cannot read as a database (a damaged block or header)
DAMAGE_SIGNS = (
    "Corrupt database file",
    "not a valid DuckDB database file",
    "does not match stored checksum",
    "Could not read enough bytes",
)


class DamagedWarehouse(RuntimeError):
    """The warehouse file cannot be read: its blocks do not match their checksums."""

    def __init__(self, path: Path, cause: str, rebuild: str, data: Path | None = None) -> None:
        self.path = Path(path)
        self.cause = cause
        self.rebuild = rebuild
        source = f" from {data}" if data else " from data/"
        super().__init__(
            f"The warehouse {self.path} is damaged: DuckDB cannot read it ({cause}).\n"
            f"It holds only what the build derives{source} (plus the history of past quality "
            "results, quality_results, which a rebuild loses), so nothing in it is lost for "
            f"good. Rebuild it from scratch with:\n    {rebuild}\n"
            "The published site was not touched; the damaged file is replaced when the rebuild "
            "passes."
        )


def is_damage(message: str) -> bool:
    """Whether an error message of DuckDB says a file is damaged."""
    return any(sign in message for sign in DAMAGE_SIGNS)


DUCKDB_MAGIC = (8, b"DUCK")  # where a DuckDB file says what it is


def is_duckdb_file(path: Path) -> bool:
    """Whether ``path`` starts as a DuckDB database does (damaged or not)."""
    offset, magic = DUCKDB_MAGIC
    with Path(path).open("rb") as fh:
        return fh.read(offset + len(magic))[offset:] == magic


def damage_of(path: Path) -> str | None:
    """What DuckDB says when it reads every block of the database ``path``, or None when it
    reads all of it (or there is no file yet)."""
    import duckdb

    path = Path(path)
    if not path.exists():
        return None
    try:
        with duckdb.connect(str(path), read_only=True) as con:
            tables = con.execute(
                "SELECT schema_name, table_name FROM duckdb_tables() WHERE NOT temporary"
            ).fetchall()
            for schema, table in tables:
                # every column of every row: DuckDB verifies each block it reads
                con.execute(
                    f'SELECT count(*), sum(hash(COLUMNS(*))) FROM "{schema}"."{table}"'
                ).fetchall()
    except duckdb.Error as err:
        message = str(err).strip().splitlines()[0] if str(err).strip() else type(err).__name__
        if is_damage(message):
            return message
        raise  # another problem (a lock held by another process): said as it is
    return None


def rebuild_command(code: str) -> str:
    """The command that rebuilds gemeente ``code``'s warehouse from its inputs alone."""
    from pipelines.settings import is_default

    return "wijkkompas build --from-scratch" + ("" if is_default(code) else f" --gemeente {code}")


def verify_warehouse(
    path: Path, rebuild: str, data: Path | None = None, *, chosen: bool = False
) -> None:
    """Raise :class:`DamagedWarehouse` naming ``path`` and the ``rebuild`` command when DuckDB
    cannot read every block of it. A file the user ``chosen`` (``--warehouse``) that is no
    DuckDB database at all is left to the command to name as such, not called damaged."""
    if chosen and Path(path).is_file() and not is_duckdb_file(path):
        return
    damage = damage_of(path)
    if damage is not None:
        raise DamagedWarehouse(path, damage, rebuild, data)
