"""Browser-test harness: a local static server, Debian chromium through Playwright, a log of
everything a page did wrong, axe-core accessibility checks and screenshot helpers.

Nothing here downloads anything: chromium comes from apt (``/usr/bin/chromium``) and axe-core
from ``tests/browser/node_modules`` (``make browser-deps`` installs both). Every request to an
origin other than the served site is blocked and recorded, so no traffic leaves the machine.

Typical use::

    with serve(site_dir) as base_url, browser() as b:
        with open_page(b, base_url + "index.html") as (page, log):
            assert not log.problems(), log.report()
            bad = serious_or_critical(run_axe(page))
            assert not bad, format_violations(bad)
            assert nonblank_fraction(page.screenshot()) > 0.05
"""

from __future__ import annotations

import functools
import http.server
import io
import re
import threading
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

ROOT = Path(__file__).resolve().parents[2]
BROWSER_DIR = Path(__file__).resolve().parent
AXE_JS = BROWSER_DIR / "node_modules" / "axe-core" / "axe.min.js"
CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
SCREENSHOT_DIR = ROOT / "screenshots"

DESKTOP = {"width": 1280, "height": 900}
MOBILE = {"width": 390, "height": 844}

MIME_TYPES = {
    ".html": "text/html",
    ".js": "text/javascript",
    ".mjs": "text/javascript",
    ".css": "text/css",
    ".svg": "image/svg+xml",
    ".json": "application/json",
    ".geojson": "application/geo+json",
    ".csv": "text/csv",
    ".parquet": "application/vnd.apache.parquet",
    ".wasm": "application/wasm",
    ".png": "image/png",
    ".ico": "image/x-icon",
    ".txt": "text/plain",
    ".woff2": "font/woff2",
}


# --------------------------------------------------------------------------- static server


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    extensions_map = {**http.server.SimpleHTTPRequestHandler.extensions_map, **MIME_TYPES}

    def end_headers(self) -> None:
        self.send_header("Cache-Control", "no-store")
        super().end_headers()

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - stdlib signature
        pass


class _QuietServer(http.server.ThreadingHTTPServer):
    daemon_threads = True

    def handle_error(self, request, client_address) -> None:
        # The browser closing a keep-alive connection mid-response is not our business.
        pass


@contextmanager
def serve(directory: Path | str) -> Iterator[str]:
    """Serve ``directory`` on 127.0.0.1 (a free port) in a background thread.

    Yields the base URL, e.g. ``http://127.0.0.1:41234/``; the server stops on exit."""
    directory = Path(directory)
    if not directory.is_dir():
        raise FileNotFoundError(f"nothing to serve: {directory} is not a directory")
    handler = functools.partial(_QuietHandler, directory=str(directory))
    server = _QuietServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, name="harness-http", daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)


# --------------------------------------------------------------------------- browser


_shared: list[Any] = []  # the browser of the outermost browser() still open


@contextmanager
def browser() -> Iterator[Any]:
    """Launch headless Debian chromium through Playwright (sync API); yields the ``Browser``.

    Playwright's sync API runs one instance per thread, so a nested ``browser()`` (say a module
    fixture inside a session fixture) yields the browser that is already open."""
    if _shared:
        yield _shared[0]
        return
    from playwright.sync_api import sync_playwright

    if not CHROMIUM.exists():
        raise RuntimeError(f"{CHROMIUM} is missing: run `make browser-deps` (apt chromium)")
    with sync_playwright() as pw:
        b = pw.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS, headless=True)
        _shared.append(b)
        try:
            yield b
        finally:
            _shared.clear()
            b.close()


def origin(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}".lower()


@dataclass
class PageLog:
    """What one page did: filled in by :func:`open_page` while the page lives."""

    base_origin: str
    requests: list[str] = field(default_factory=list)
    console_errors: list[str] = field(default_factory=list)
    page_errors: list[str] = field(default_factory=list)
    failed_requests: list[str] = field(default_factory=list)
    external_requests: list[str] = field(default_factory=list)
    _bad_responses: set[str] = field(default_factory=set, repr=False)

    def is_external(self, url: str) -> bool:
        if url.startswith(("data:", "blob:", "about:")):
            return False
        return origin(url) != self.base_origin

    def problems(self) -> list[str]:
        """Every console error, uncaught exception, failed request and external request."""
        return (
            [f"console error: {m}" for m in self.console_errors]
            + [f"uncaught exception: {m}" for m in self.page_errors]
            + [f"failed request: {m}" for m in self.failed_requests]
            + [f"external request (blocked): {u}" for u in self.external_requests]
        )

    def report(self) -> str:
        problems = self.problems()
        if not problems:
            return f"page log for {self.base_origin}: clean ({len(self.requests)} requests)"
        return f"page log for {self.base_origin}:\n" + "\n".join(f"  - {p}" for p in problems)


@contextmanager
def open_page(
    browser: Any,
    url: str,
    *,
    viewport: dict[str, int] | None = None,
    base_url: str | None = None,
    wait_for_idle: bool = True,
    **context_options: Any,
) -> Iterator[tuple[Any, PageLog]]:
    """Open ``url`` in a fresh browser context; yields ``(page, log)`` once the page has loaded
    and the network is idle.

    Requests to any origin other than ``base_url``'s (default: ``url``'s) are aborted before they
    leave the browser and listed in ``log.external_requests``. ``context_options`` go to
    ``browser.new_context`` (defaults: Dutch locale, Amsterdam time zone, service workers
    blocked so that every request passes the router)."""
    log = PageLog(base_origin=origin(base_url or url))
    options = {
        "viewport": viewport or DESKTOP,
        "locale": "nl-NL",
        "timezone_id": "Europe/Amsterdam",
        "service_workers": "block",
        **context_options,
    }
    context = browser.new_context(**options)
    try:

        def block(route: Any) -> None:
            log.external_requests.append(route.request.url)
            route.abort("blockedbyclient")

        context.route(log.is_external, block)
        page = context.new_page()
        page.on("request", lambda r: log.requests.append(r.url))
        page.on("console", lambda m: _on_console(log, m))
        page.on("pageerror", lambda e: log.page_errors.append(_describe_error(e)))
        page.on("requestfailed", lambda r: _on_request_failed(log, r))
        page.on("response", lambda r: _on_response(log, r))
        page.goto(url, wait_until="load")
        if wait_for_idle:
            page.wait_for_load_state("networkidle")
        yield page, log
    finally:
        context.close()


def _on_console(log: PageLog, message: Any) -> None:
    if message.type != "error":
        return
    loc = message.location or {}
    if loc.get("url") and log.is_external(loc["url"]):
        return  # "Failed to load resource" for a request we blocked: in external_requests
    where = f" ({loc.get('url')}:{loc.get('lineNumber')})" if loc.get("url") else ""
    log.console_errors.append(f"{message.text}{where}")


def _describe_error(error: Any) -> str:
    stack = getattr(error, "stack", None) or ""
    first_frames = "\n".join(stack.splitlines()[1:4])
    text = f"{getattr(error, 'name', 'Error')}: {getattr(error, 'message', error)}"
    return f"{text}\n{first_frames}" if first_frames else text


def _on_request_failed(log: PageLog, request: Any) -> None:
    if log.is_external(request.url):
        return  # already in external_requests (we aborted it)
    if request.url in log._bad_responses:
        return  # an HTTP error status, already listed; chromium then aborts scripts too
    log.failed_requests.append(f"{request.method} {request.url}: {request.failure}")


def _on_response(log: PageLog, response: Any) -> None:
    if response.status >= 400 and not log.is_external(response.url):
        log._bad_responses.add(response.url)
        log.failed_requests.append(
            f"{response.request.method} {response.url}: HTTP {response.status}"
        )


# --------------------------------------------------------------------------- accessibility


_HAS_CSP_META = "!!document.querySelector('meta[http-equiv=\"Content-Security-Policy\" i]')"


def run_axe(page: Any, options: dict[str, Any] | None = None) -> list[dict[str, Any]]:
    """Run axe-core on the whole document; returns the list of violations (axe's own dicts:
    ``id``, ``impact``, ``help``, ``helpUrl``, ``nodes`` ...)."""
    if not AXE_JS.exists():
        raise RuntimeError(f"{AXE_JS} is missing: run `make browser-deps` (npm ci)")
    if not page.evaluate("typeof window.axe === 'object'"):
        if page.evaluate(_HAS_CSP_META):
            # A Content-Security-Policy would refuse an injected <script> (and log a console
            # error); evaluating through the DevTools protocol is not subject to it.
            page.evaluate(AXE_JS.read_text(encoding="utf-8"))
        else:
            page.add_script_tag(path=str(AXE_JS))
    opts = {"resultTypes": ["violations"], **(options or {})}
    return page.evaluate("async (opts) => (await axe.run(document, opts)).violations", opts)


def serious_or_critical(violations: Iterable[dict[str, Any]]) -> list[dict[str, Any]]:
    return [v for v in violations if v.get("impact") in {"serious", "critical"}]


def format_violations(violations: Iterable[dict[str, Any]], max_nodes: int = 3) -> str:
    """Human-readable axe violations: rule, impact, help, and the first few offending nodes."""
    lines: list[str] = []
    for v in violations:
        nodes = v.get("nodes", [])
        lines.append(f"{v['id']} [{v.get('impact')}] {v.get('help')} ({len(nodes)} nodes)")
        lines.append(f"  {v.get('helpUrl', '')}")
        for node in nodes[:max_nodes]:
            target = " ".join(str(t) for t in node.get("target", []))
            html = _shorten(node.get("html", ""), 160)
            lines.append(f"  - {target}: {html}")
            summary = (node.get("failureSummary") or "").splitlines()
            if len(summary) > 1:
                lines.append(f"      {_shorten(summary[1].strip(), 200)}")
        if len(nodes) > max_nodes:
            lines.append(f"  ... and {len(nodes) - max_nodes} more")
    return "\n".join(lines) if lines else "no axe violations"


def _shorten(text: str, limit: int) -> str:
    text = re.sub(r"\s+", " ", text).strip()
    return text if len(text) <= limit else text[: limit - 1] + "…"


# --------------------------------------------------------------------------- pixels


SAMPLE_ABOVE = 4_000_000  # pixels: a larger (full-page) shot is sampled on a 3 x 3 grid


def nonblank_fraction(png_bytes: bytes) -> float:
    """Fraction of pixels whose colour differs from the most common (background) colour (of a
    full-page shot of tens of millions of pixels: every third pixel of every third row)."""
    import numpy as np
    from PIL import Image

    with Image.open(io.BytesIO(png_bytes)) as img:
        rgb = np.asarray(img.convert("RGB"), dtype=np.uint32)
    if rgb.shape[0] * rgb.shape[1] > SAMPLE_ABOVE:
        rgb = rgb[::3, ::3]
    if rgb.size == 0:
        return 0.0
    packed = (rgb[..., 0] << 16) | (rgb[..., 1] << 8) | rgb[..., 2]
    _, counts = np.unique(packed, return_counts=True)
    return float(1.0 - counts.max() / packed.size)


def save_screenshot(page: Any, name: str) -> Path:
    """Write a full-page PNG to ``screenshots/<name>.png`` at the project root; returns the path."""
    safe = re.sub(r"[^A-Za-z0-9._-]+", "_", name).strip("._") or "page"
    SCREENSHOT_DIR.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOT_DIR / f"{safe}.png"
    page.screenshot(path=str(path), full_page=True, animations="disabled")
    return path


_SMALL_TEXT = """(limit) => {
  const small = [];
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  let n;
  while ((n = walker.nextNode())) {
    const el = n.parentElement;
    if (!n.textContent.trim() || !el || !el.getClientRects().length) continue;
    if (el.closest('title')) continue;
    let size = parseFloat(getComputedStyle(el).fontSize);
    const svg = el.closest('svg');  // SVG text scales with its drawing
    if (svg && svg.viewBox.baseVal && svg.viewBox.baseVal.width)
      size *= svg.getBoundingClientRect().width / svg.viewBox.baseVal.width;
    const text = n.textContent.trim().slice(0, 40);
    if (size < limit - 0.05) small.push(text + ' (' + size.toFixed(1) + ' px)');
  }
  return small;
}"""


def text_smaller_than(page: Any, px: float) -> list[str]:
    """Visible text on the page (SVG text at its drawn size) smaller than ``px`` pixels."""
    return page.evaluate(_SMALL_TEXT, px)
