"""What the ``wijkkompas`` command says when something goes wrong: one paragraph naming what was
wrong and what to do, never a traceback. Selections (asset names, editions) are checked before a
run starts, so a typo is named with the valid choices instead of failing inside Dagster."""

from __future__ import annotations

import difflib
import tempfile
import traceback
from pathlib import Path

ERROR_LOG = Path(tempfile.gettempdir()) / "wijkkompas-last-error.txt"


class SelectionError(ValueError):
    """An asset or edition the build does not have."""


def asset_names() -> list[str]:
    from pipelines.definitions import defs

    return sorted(k.to_user_string() for k in defs.resolve_asset_graph().get_all_asset_keys())


def check_selection(select: list[str]) -> None:
    """Raise a SelectionError naming each unknown asset, the nearest valid names, and for a
    name like ``survey_export_2018`` the partitioned asset and its ``--edition``."""
    if not select:
        return
    from pipelines.settings import editions_config

    names = asset_names()
    editions = {str(e.edition) for e in editions_config().editions}
    for name in select:
        if name in names:
            continue
        stem, _, suffix = name.rpartition("_")
        if name.startswith("raw_"):
            hint = (
                "a raw file is staged by the asset of its kind: cbs_snapshots (CBS "
                "kerncijfers), boundary_snapshots (boundaries) or register_exports (registers)"
            )
        elif stem in names and suffix.isdigit():
            hint = (
                f"{stem} is one asset partitioned by edition: --select {stem} --edition {suffix}"
                + ("" if suffix in editions else f" (editions: {', '.join(sorted(editions))})")
            )
        else:
            near = difflib.get_close_matches(name, names, n=3, cutoff=0.6)
            hint = f"did you mean {' or '.join(near)}?" if near else "no asset has a similar name"
        raise SelectionError(
            f"Unknown asset {name!r} in --select: {hint}\nThe assets are: {', '.join(names)}"
        )


def check_editions(editions: list[int]) -> None:
    if not editions:
        return
    from pipelines.settings import editions_config

    known = [e.edition for e in editions_config().editions]
    unknown = [e for e in editions if e not in known]
    if unknown:
        raise SelectionError(
            f"Unknown edition(s) {', '.join(map(str, unknown))} in --edition: data/editions.yml "
            f"has {', '.join(map(str, known))}."
        )


def _caused_by(err: BaseException | None, kinds: tuple) -> bool:
    """Whether ``err`` or anything in its chain of causes is one of ``kinds``."""
    while err is not None:
        if isinstance(err, kinds):
            return True
        err = err.__cause__ or err.__context__
    return False


def _network_error(err: BaseException) -> bool:
    """No answer from CBS: no network, an unknown host, a refused connection, a time-out."""
    import socket

    import requests  # comes with cbsodata

    return _caused_by(
        err,
        (ConnectionError, socket.gaierror, TimeoutError,
         requests.exceptions.ConnectionError, requests.exceptions.Timeout),
    )  # fmt: skip


def _http_error(err: BaseException) -> bool:
    """CBS answered, with an HTTP error (an unknown table: 404)."""
    import requests

    return _caused_by(err, (requests.exceptions.HTTPError,))


def user_message(err: BaseException, command: str) -> str:
    """One paragraph for ``err`` raised by ``wijkkompas COMMAND``."""
    from ingest.errors import InputError

    if isinstance(err, InputError | SelectionError):
        return f"Not done: {err}"
    if command == "fetch-cbs" and _http_error(err):
        return (
            f"CBS did not serve the table: {_first_line(err)}\n"
            "Check the table id (e.g. 85984NED for the kerncijfers 2024) on StatLine."
        )
    if command == "fetch-cbs" and _network_error(err):
        return (
            f"Could not reach CBS: {_first_line(err)}\n"
            "fetch-cbs is the only command that goes online. Without a network, download the "
            "table from StatLine (CSV) elsewhere, then record it with `wijkkompas snapshot FILE "
            "--kind cbs_kerncijfers --scheme statline ...` or pass it to `wijkkompas new-edition "
            "--cbs FILE`."
        )
    if _damaged_database(err):
        from pipelines.settings import default_gemeente, warehouse_path
        from pipelines.warehouse_check import DamagedWarehouse, rebuild_command

        damaged = DamagedWarehouse(
            warehouse_path(), _first_line(err), rebuild_command(default_gemeente())
        )
        return f"Not done: {damaged}"
    if isinstance(err, FileNotFoundError):
        return f"Not done: file not found: {err.filename or _first_line(err)}"
    if isinstance(err, PermissionError):
        return f"Not done: no permission to read or write {err.filename or _first_line(err)}"
    ERROR_LOG.write_text(
        "".join(traceback.format_exception(type(err), err, err.__traceback__)), encoding="utf-8"
    )
    return (
        f"Unexpected error in `wijkkompas {command}`: {type(err).__name__}: {_first_line(err)}\n"
        f"This is a bug in Wijkkompas, not in your data. The full traceback is in {ERROR_LOG}; "
        "please report it with that file."
    )


def _damaged_database(err: BaseException) -> bool:
    """A DuckDB error that says a database file is damaged (a checksum mismatch)."""
    import duckdb

    from pipelines.warehouse_check import is_damage

    while err is not None:
        if isinstance(err, duckdb.Error) and is_damage(str(err)):
            return True
        err = err.__cause__ or err.__context__
    return False


def _first_line(err: BaseException) -> str:
    text = str(err).strip()
    return text.splitlines()[0] if text else type(err).__name__
