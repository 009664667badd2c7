"""Atomic publication: a run builds the whole site in a staging directory beside ``site/`` and
swaps it in only at the end, when every blocking check has passed. A failed run never touches
the published site; readers see either the old site or the new one, never a mix.

On Linux the swap is one ``renameat2(RENAME_EXCHANGE)`` call (atomic); elsewhere it is two
renames (the site is missing for an instant, never half-written).
"""

from __future__ import annotations

import ctypes
import ctypes.util
import os
import shutil
from pathlib import Path

RENAME_EXCHANGE = 2
AT_FDCWD = -100


def fresh_staging(staging: Path) -> Path:
    """An empty staging directory (a previous, failed run's leftovers are removed)."""
    if staging.exists():
        shutil.rmtree(staging)
    staging.mkdir(parents=True)
    return staging


def _exchange(a: Path, b: Path) -> bool:
    """Atomically swap two directories; False when the system cannot."""
    libc_name = ctypes.util.find_library("c")
    if not libc_name:
        return False
    libc = ctypes.CDLL(libc_name, use_errno=True)
    renameat2 = getattr(libc, "renameat2", None)
    if renameat2 is None:
        return False
    done = renameat2(AT_FDCWD, os.fsencode(a), AT_FDCWD, os.fsencode(b), RENAME_EXCHANGE)
    return done == 0


def publish(staging: Path, site: Path) -> None:
    """Make ``staging`` the site; the previous site is removed afterwards."""
    if not staging.is_dir():
        raise FileNotFoundError(f"nothing to publish: {staging} does not exist")
    if not site.exists():
        site.parent.mkdir(parents=True, exist_ok=True)
        staging.rename(site)
        return
    if _exchange(staging, site):
        shutil.rmtree(staging)  # now holds the previous site
        return
    previous = site.with_name(f".{site.name}.previous")
    if previous.exists():
        shutil.rmtree(previous)
    site.rename(previous)
    try:
        staging.rename(site)
    except OSError:
        previous.rename(site)
        raise
    shutil.rmtree(previous)
