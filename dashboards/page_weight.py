"""Page weight: what a browser downloads for one page of the site, counted from the files
(``page_weight``) and measured in Chromium on a cold load (``cold_load``).

A page's weight is its HTML plus every file of the site it loads (stylesheets, scripts,
images), each once: a first visit on a phone downloads all of it, so all of it counts.
"""

from __future__ import annotations

import re
from pathlib import Path

PAGE_BUDGET = 400 * 1024  # bytes a wijk, gebied or buurt page may transfer on a cold load
LOAD_BUDGET_MS = 2000.0  # to the load event, CPU 4x slower (a mid-range phone)
RESOURCE = re.compile(r'<(?:script[^>]*\ssrc|link[^>]*\shref|img[^>]*\ssrc)="([^"#?]+)"')


def resources(page: Path) -> list[Path]:
    """Local files a page loads (not links to other pages)."""
    html = page.read_text(encoding="utf-8")
    found = []
    for match in RESOURCE.finditer(html):
        tag = match.group(0)
        if tag.startswith("<link") and not ('rel="stylesheet"' in tag or 'rel="icon"' in tag):
            continue
        found.append((page.parent / match.group(1)).resolve())
    return found


def page_weight(page: Path) -> dict:
    """Bytes of the page and every resource it loads."""
    files = resources(page)
    total = page.stat().st_size + sum(f.stat().st_size for f in files)
    return {"page": page, "bytes": total, "resources": files}


def cold_load(browser, url: str, *, viewport: dict, cpu_throttle: float = 4.0, javascript=True):
    """Load ``url`` once in a fresh context with the cache off and the CPU slowed down
    ``cpu_throttle`` times (Chromium DevTools protocol), as a first visit on a phone would.
    Returns the bytes transferred (every response, headers included, as the network counted
    them), the time to the load event in ms, the requests made and those that failed (an error
    status or a network failure), with the page still open for more checks (``page``,
    ``close()``)."""
    context = browser.new_context(viewport=viewport, java_script_enabled=javascript)
    page = context.new_page()
    cdp = context.new_cdp_session(page)
    transferred: dict[str, float] = {}
    urls: dict[str, str] = {}
    failed: list[str] = []
    cdp.on(
        "Network.requestWillBeSent", lambda e: urls.__setitem__(e["requestId"], e["request"]["url"])
    )
    cdp.on(
        "Network.loadingFinished",
        lambda e: transferred.__setitem__(e["requestId"], e["encodedDataLength"]),
    )
    cdp.on(
        "Network.loadingFailed",
        lambda e: failed.append(f"{urls.get(e['requestId'], '?')}: {e.get('errorText')}"),
    )
    cdp.on(
        "Network.responseReceived",
        lambda e: (
            failed.append(f"{e['response']['url']}: HTTP {e['response']['status']}")
            if e["response"]["status"] >= 400
            else None
        ),
    )
    cdp.send("Network.enable")
    cdp.send("Network.setCacheDisabled", {"cacheDisabled": True})
    cdp.send("Emulation.setCPUThrottlingRate", {"rate": cpu_throttle})
    page.goto(url, wait_until="load")
    load_ms = page.evaluate(
        "() => { const n = performance.getEntriesByType('navigation')[0];"
        " return n.loadEventEnd - n.startTime; }"
    )
    page.wait_for_timeout(300)  # late requests (a favicon) are counted too
    return {
        "bytes": int(sum(transferred.values())),
        "load_ms": float(load_ms),
        "requests": sorted(set(urls.values())),
        "failed": failed,
        "page": page,
        "close": context.close,
    }
