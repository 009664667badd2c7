"""The browser-test harness itself, against tiny pages in tmp_path, in real Debian chromium."""

from __future__ import annotations

import io
import socket
import urllib.error
import urllib.request
from pathlib import Path

import pytest
from PIL import Image

from tests.browser.harness import (
    AXE_JS,
    SCREENSHOT_DIR,
    browser,
    format_violations,
    nonblank_fraction,
    open_page,
    run_axe,
    save_screenshot,
    serious_or_critical,
    serve,
)

SVG = """<svg width="400" height="300" viewBox="0 0 400 300" role="img"
  aria-labelledby="map-title"><title id="map-title">Drie wijken</title>
  <polygon points="20,20 380,40 200,280" fill="#0b6e6e" stroke="#222"/></svg>"""


def page_html(body: str, head: str = "") -> str:
    return (
        '<!doctype html><html lang="nl"><head><meta charset="utf-8">'
        f"<title>Harnastest</title>{head}</head><body><main><h1>Wijkkompas</h1>"
        f"{body}</main></body></html>"
    )


@pytest.fixture(scope="module")
def chromium():
    with browser() as b:
        yield b


@pytest.fixture()
def site(tmp_path: Path) -> Path:
    Image.new("RGB", (8, 8), (200, 40, 40)).save(tmp_path / "dot.png")
    return tmp_path


def test_clean_accessible_page_has_no_problems_and_no_axe_violations(chromium, site):
    (site / "index.html").write_text(page_html(f"<p>Een kaart.</p>{SVG}"))
    with serve(site) as base, open_page(chromium, base + "index.html") as (page, log):
        assert log.problems() == [], log.report()
        assert log.requests == [base + "index.html"]
        violations = run_axe(page)
        assert violations == [], format_violations(violations)
        assert nonblank_fraction(page.screenshot()) > 0.01


def test_console_errors_exceptions_and_missing_files_are_captured(chromium, site):
    script = '<script>console.error("kapot: " + 42); null.boom;</script>'
    (site / "index.html").write_text(page_html(SVG + script + '<script src="weg.js"></script>'))
    with serve(site) as base, open_page(chromium, base + "index.html") as (page, log):
        assert any("kapot: 42" in m for m in log.console_errors), log.report()
        assert len(log.page_errors) == 1 and "TypeError" in log.page_errors[0], log.report()
        assert log.failed_requests == [f"GET {base}weg.js: HTTP 404"]
        assert log.external_requests == []
        assert len(log.problems()) >= 3
        assert "kapot: 42" in log.report()


def test_external_requests_are_recorded_and_blocked(chromium, site):
    # A second "origin" on this machine: a listening socket nobody accepts on. Had the browser
    # sent anything there, the connection would be waiting in its backlog.
    with socket.socket() as spy:
        spy.bind(("127.0.0.1", 0))
        spy.listen(8)
        spy_url = f"http://127.0.0.1:{spy.getsockname()[1]}/spy.js"
        body = (
            f'<img src="https://example.org/x.png" alt="extern">{SVG}'
            f'<img src="dot.png" alt="lokaal"><script src="{spy_url}"></script>'
        )
        (site / "index.html").write_text(page_html(body))
        with serve(site) as base, open_page(chromium, base + "index.html") as (page, log):
            assert log.external_requests == ["https://example.org/x.png", spy_url]
            assert log.console_errors == [] and log.failed_requests == [], log.report()
            assert f"external request (blocked): {spy_url}" in log.problems()
            loaded = page.evaluate("[...document.images].map(i => i.naturalWidth)")
            assert loaded == [0, 8]  # the external image never arrived, the local one did
        spy.setblocking(False)
        with pytest.raises(BlockingIOError):
            spy.accept()


def test_axe_reports_image_without_alt_as_critical(chromium, site):
    (site / "index.html").write_text(page_html(f'{SVG}<img src="dot.png">'))
    with serve(site) as base, open_page(chromium, base + "index.html") as (page, log):
        assert log.problems() == [], log.report()
        bad = serious_or_critical(run_axe(page))
    assert [(v["id"], v["impact"]) for v in bad] == [("image-alt", "critical")]
    message = format_violations(bad)
    assert "image-alt [critical] Images must have alternative text" in message
    assert '<img src="dot.png">' in message
    assert "axe/4.14/image-alt" in message


def test_axe_runs_under_a_content_security_policy(chromium, site):
    csp = '<meta http-equiv="Content-Security-Policy" content="default-src \'self\'">'
    (site / "index.html").write_text(page_html('<img src="dot.png">', head=csp))
    with serve(site) as base, open_page(chromium, base + "index.html") as (page, log):
        assert [v["id"] for v in run_axe(page)] == ["image-alt"]
        assert log.problems() == [], log.report()  # injecting axe left no trace in the log


def test_nonblank_fraction_of_blank_and_drawn_pages(chromium, site):
    (site / "blank.html").write_text("<!doctype html><title>leeg</title><body></body>")
    (site / "svg.html").write_text(page_html(SVG))
    with serve(site) as base:
        with open_page(chromium, base + "blank.html") as (page, _):
            assert nonblank_fraction(page.screenshot()) == 0.0
        with open_page(chromium, base + "svg.html", viewport={"width": 500, "height": 400}) as (
            page,
            _,
        ):
            shot = page.screenshot()
            polygon = page.locator("svg").screenshot()
            path = save_screenshot(page, "harness selftest/svg")
    assert 0.05 < nonblank_fraction(shot) < 0.6
    assert nonblank_fraction(polygon) > 0.2
    assert path == SCREENSHOT_DIR / "harness_selftest_svg.png"
    assert Image.open(path).size == (500, 400)


def test_nonblank_fraction_decodes_rgba_and_palette_pngs():
    img = Image.new("RGBA", (10, 10), (255, 255, 255, 255))
    for x in range(5):
        img.putpixel((x, 0), (0, 0, 0, 255))
    for mode in ("RGBA", "RGB", "P", "L"):
        buf = io.BytesIO()
        img.convert("RGB").convert(mode).save(buf, format="PNG")
        assert nonblank_fraction(buf.getvalue()) == pytest.approx(0.05), mode


def test_server_mime_types_and_shutdown(tmp_path):
    expected = {
        "a.js": "text/javascript",
        "a.svg": "image/svg+xml",
        "a.json": "application/json",
        "a.csv": "text/csv",
        "a.parquet": "application/vnd.apache.parquet",
        "index.html": "text/html",
    }
    for name in expected:
        (tmp_path / name).write_bytes(b"x")
    with serve(tmp_path) as base:
        assert base.startswith("http://127.0.0.1:") and base.endswith("/")
        for name, mime in expected.items():
            with urllib.request.urlopen(base + name, timeout=5) as response:
                assert response.headers.get_content_type() == mime, name
    with pytest.raises(urllib.error.URLError):
        urllib.request.urlopen(base + "index.html", timeout=2)


def test_axe_core_is_installed_from_the_lockfile():
    assert AXE_JS.is_file(), "run `make browser-deps`"
    assert "axe v4.14.1" in AXE_JS.read_text(encoding="utf-8")[:200]
