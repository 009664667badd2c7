"""One build at a time: every command that writes a gemeente's warehouse, its data or its site
holds that gemeente's build lock, and a second one refuses at once, saying who holds it.

The lock is an OS file lock (``flock``) on a small file beside the published warehouse
(``wijkkompas.lock``) and one beside the site (``.site.lock``): the kernel releases it when the
process ends, however it ends, so a crashed or killed build (``kill -9``) leaves no lock that
stops the next one. The file only says who holds the lock (pid, command, since when) for the
message; a file without a holding process means nothing.

Held per process and re-entrant: the command takes it before it changes anything (before a new
gemeente's inputs are generated, before ``new-edition`` copies a file), the runner and Dagster's
executor (:mod:`pipelines.build_executor`, for runs launched from the Dagster UI) take it again
within the same process without blocking themselves. Read-only commands (``check`` on its own
copies, ``notebook``, ``make serve``) take no lock and keep working during a build.

This module imports nothing heavy: the command takes the lock within a second of starting.
"""

from __future__ import annotations

import fcntl
import json
import os
import socket
import sys
import time
from contextlib import ExitStack, contextmanager
from datetime import datetime
from pathlib import Path

# the exit code of a command refused because a build is running (sysexits' EX_TEMPFAIL: a
# temporary failure, try again later), so that a scheduler can tell it from a failed build
EXIT_BUILD_RUNNING = 75

_held: dict[Path, list] = {}  # lock file -> [descriptor, depth, folders it created] held here


class BuildRunning(RuntimeError):
    """Another process holds the build lock of this gemeente."""

    def __init__(self, lock: Path, holder: dict) -> None:
        self.lock = lock
        self.holder = holder
        super().__init__(self._message())

    def _message(self) -> str:
        pid = self.holder.get("pid")
        started = self.holder.get("started")
        since = ""
        if started:
            when = datetime.fromisoformat(started)
            since = f" since {when:%H:%M}" + (
                "" if when.date() == datetime.now().date() else f" on {when:%Y-%m-%d}"
            )
        who = ", ".join(
            part
            for part in (
                f"pid {pid}" if pid else "",
                f"`{self.holder['command']}`" if self.holder.get("command") else "",
                f"on {self.holder['host']}"
                if self.holder.get("host") not in (None, _host())
                else "",
            )
            if part
        )
        stop = f" (kill {pid})" if pid else ""
        return (
            f"A build is running{since}" + (f" ({who})" if who else "") + f"; wait for it or "
            f"stop it{stop}. Only one build of a gemeente runs at a time: it holds {self.lock}. "
            "Nothing was changed."
        )


def _host() -> str:
    return socket.gethostname()


def lock_files(warehouse: Path, site: Path) -> list[Path]:
    """The lock files of a gemeente: beside its published warehouse and beside its site."""
    return [warehouse.with_suffix(".lock"), site.with_name(f".{site.name}.lock")]


def _holder(lock: Path) -> dict:
    """Who holds ``lock``, as its holder wrote it (it may not have written it yet)."""
    for _ in range(20):
        try:
            text = lock.read_text(encoding="utf-8").strip()
        except OSError:
            text = ""
        if text:
            try:
                return json.loads(text)
            except ValueError:
                pass
        time.sleep(0.05)
    return {}


def _acquire(lock: Path, command: str) -> None:
    lock = lock.resolve()
    if lock in _held:
        _held[lock][1] += 1
        return
    created = [d for d in (lock.parent, *lock.parent.parents) if not d.exists()]
    lock.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(lock, os.O_RDWR | os.O_CREAT, 0o644)  # not truncated: it names the holder
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        os.close(fd)
        raise BuildRunning(lock, _holder(lock)) from None
    holder = {
        "pid": os.getpid(),
        "command": command,
        "started": datetime.now().isoformat(timespec="seconds"),
        "host": _host(),
    }
    os.ftruncate(fd, 0)
    os.pwrite(fd, json.dumps(holder).encode(), 0)
    _held[lock] = [fd, 1, created]


def _release(lock: Path) -> None:
    lock = lock.resolve()
    entry = _held[lock]
    entry[1] -= 1
    if entry[1] == 0:
        del _held[lock]
        os.ftruncate(entry[0], 0)  # no holder any more (the lock goes with the descriptor)
        if entry[2]:  # a gemeente whose folders the lock made (its first build) ...
            _remove_if_alone(lock, entry[2])
        os.close(entry[0])


def _remove_if_alone(lock: Path, created: list[Path]) -> None:
    """... and that got nothing else (its inputs were refused): leave no trace of it."""
    folder = lock.parent
    if all(p.name.endswith(".lock") for p in folder.iterdir()):
        lock.unlink(missing_ok=True)
    for directory in created:  # deepest first
        try:
            directory.rmdir()
        except OSError:
            return  # not empty: the build wrote there


def command_line() -> str:
    """This process's command as the user typed it: ``wijkkompas build --gemeente GM0344``."""
    name = Path(sys.argv[0]).name
    if name == "-c":  # a Python program given on its command line (a test runner's worker)
        return "python -c"
    if name in ("cli.py", "__main__.py", "-m") or name.startswith("python"):
        name = "wijkkompas"
    return " ".join([name, *sys.argv[1:]])


@contextmanager
def build_lock(gemeenten: list[str], command: str | None = None):
    """Hold the build lock of every gemeente of ``gemeenten`` (codes) for the block; raise
    :class:`BuildRunning` at once, holding none, when another process holds one of them."""
    from pipelines.settings import gemeente_scope, published_warehouse_path, site_dir

    files: list[Path] = []
    for code in gemeenten:
        with gemeente_scope(code):
            files += lock_files(published_warehouse_path(), site_dir())
    with ExitStack() as stack:
        for lock in sorted(set(files)):  # one order for every process: no deadlock
            _acquire(lock, command or command_line())
            stack.callback(_release, lock)
        yield


def holds_lock(warehouse: Path, site: Path) -> bool:
    """Whether this process holds the build lock of the gemeente of ``warehouse``/``site``."""
    return all(lock.resolve() in _held for lock in lock_files(warehouse, site))
