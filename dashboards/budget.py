"""Page weight: what a browser downloads for one page of the site, counted from the files.

A page's weight is its HTML plus every file of the site it loads (stylesheets, scripts,
images), each once. The plotly.js bundle is shared by every page and cached after the first,
so the budget counts it apart.
"""

from __future__ import annotations

import re
from pathlib import Path

SHARED_BUNDLE = "plotly.min.js"
RESOURCE = re.compile(r'<(?:script[^>]*\ssrc|link[^>]*\shref|img[^>]*\ssrc)="([^"#?]+)"')


def resources(page: Path) -> list[Path]:
    """Local files a page loads (not links to other pages)."""
    html = page.read_text(encoding="utf-8")
    found = []
    for match in RESOURCE.finditer(html):
        tag = match.group(0)
        if tag.startswith("<link") and 'rel="stylesheet"' not in tag:
            continue
        found.append((page.parent / match.group(1)).resolve())
    return found


def page_weight(page: Path) -> dict:
    """Bytes of the page and its resources, with and without the shared plotly bundle."""
    files = resources(page)
    shared = sum(f.stat().st_size for f in files if f.name == SHARED_BUNDLE)
    own = page.stat().st_size + sum(f.stat().st_size for f in files if f.name != SHARED_BUNDLE)
    return {"page": page, "bytes": own, "shared_bytes": shared, "resources": files}
