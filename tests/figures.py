"""Numbers on a page read as a Dutch reader reads them, independent of dashboards.i18n: the
site tests hold what a page shows against the warehouse with these."""

from __future__ import annotations

import re

FIGURE = re.compile(r"[−-]?\+?\d{1,3}(?:\.\d{3})*(?:,\d+)?")
THOUSANDS = {"x 1 000 euro": 1000}  # CBS's money (x 1 000 euro), shown in euros


def figure(text: str) -> float | None:
    """The first number of ``text`` (1.234,5; −3; +2), or None."""
    found = FIGURE.search(text.replace("\u00a0", " "))
    if found is None:
        return None
    plain = found.group().replace(".", "").replace(",", ".").replace("−", "-")
    return float(plain.replace("+", ""))


def close(shown: float | None, value, decimals: int, unit: str | None = None) -> bool:
    """Whether ``shown`` is ``value`` rounded to ``decimals`` (in euros for CBS's money)."""
    scale = THOUSANDS.get(unit or "", 1)
    return shown is not None and abs(shown - value * scale) <= scale * 10**-decimals / 2 + 1e-9
