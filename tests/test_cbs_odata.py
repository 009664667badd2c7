"""The online CBS loader, against recorded OData responses served on 127.0.0.1."""

from __future__ import annotations

import json
import re
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qs, urlparse

import pytest

from ingest.cbs import load_crosswalk, read_kerncijfers
from ingest.cbs_odata import fetch_kerncijfers
from ingest.snapshots import verify_snapshot

FIXTURES = Path(__file__).parent / "fixtures" / "cbs_odata"
ROOT = Path(__file__).resolve().parents[1]


class RecordedCBS(BaseHTTPRequestHandler):
    requests: list[str] = []

    def do_GET(self):  # noqa: N802 - http.server API
        url = urlparse(self.path)
        RecordedCBS.requests.append(self.path)
        match = re.fullmatch(r"/ODataFeed/odata/(\w+)/(\w*)", url.path)
        file = FIXTURES / match.group(1) / f"{match.group(2) or 'index'}.json" if match else None
        if file is None or not file.exists():
            self.send_error(404)
            return
        body = json.loads(file.read_text(encoding="utf-8"))
        query = parse_qs(url.query).get("$filter", [""])[0]
        wanted = re.fullmatch(r"substringof\('(\w+)',WijkenEnBuurten\)", query)
        if wanted:
            body["value"] = [r for r in body["value"] if wanted.group(1) in r["WijkenEnBuurten"]]
        payload = json.dumps(body).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        self.wfile.write(payload)

    def log_message(self, *args):
        pass


@pytest.fixture()
def cbs_server():
    server = ThreadingHTTPServer(("127.0.0.1", 0), RecordedCBS)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    RecordedCBS.requests = []
    yield f"127.0.0.1:{server.server_address[1]}"
    server.shutdown()


def test_fetch_writes_a_snapshot_the_pipeline_reads(cbs_server, tmp_path):
    out = tmp_path / "kwb_2024_fetched.csv"
    fetch_kerncijfers("85984NED", "GM0014", 2024, out, catalog_url=cbs_server, https=False)
    sidecar = verify_snapshot(out)
    assert sidecar.table_id == "85984NED" and sidecar.licence == "CC BY 4.0"
    assert "2025-03-27" in sidecar.origin  # the table's own modification date
    assert any("%24filter=substringof" in r for r in RecordedCBS.requests)

    frame = read_kerncijfers(out, year=2024, scheme="statline", crosswalk=load_crosswalk())
    pop = frame[frame.variable == "population"].set_index("area_code")["value"]
    assert pop["GM0014"] == 243768 and pop["WK001400"] == 24920
    assert "GM0106" not in pop.index  # another gemeente is not kept
    names = frame.drop_duplicates("area_code").set_index("area_code")["area_name"]
    assert names["WK001419"] == "Glimmen-Onnen-Noordlaren"


def test_fetch_cli_reports_an_unreachable_table(cbs_server, tmp_path):
    from tests.conftest import run_cli

    result = run_cli(
        "fetch-cbs",
        "--table",
        "99999NED",
        "--year",
        "2024",
        "--out",
        str(tmp_path / "x.csv"),
        "--catalog-url",
        cbs_server,
        "--http",
    )
    assert result.returncode == 1
    assert "CBS did not serve the table" in result.stderr
    assert "'99999NED'" in result.stderr and "404" in result.stderr
    assert "Check the table id (e.g. 85984NED" in result.stderr
    assert "Traceback" not in result.stderr + result.stdout
    assert not (tmp_path / "x.csv").exists() and not list(tmp_path.iterdir())
