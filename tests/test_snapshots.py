import hashlib
import shutil

import pytest

from ingest.errors import InputError
from ingest.snapshots import discover_snapshots, read_sidecar, verify_snapshot, write_sidecar


def test_every_raw_file_has_a_verified_sidecar(data_dir):
    raw = data_dir / "raw"
    files = [
        p
        for p in raw.rglob("*")
        if p.is_file() and not p.name.endswith(".meta.yml") and p.name != "SOURCES.md"
    ]
    described = {p for p, _ in discover_snapshots(raw)}
    assert set(files) == described, set(files) ^ described
    for path in files:
        sidecar = verify_snapshot(path)
        assert sidecar.licence and sidecar.origin and sidecar.publisher
        if sidecar.publisher == "CBS":
            assert sidecar.licence == "CC BY 4.0" and sidecar.attribution == "Bron: CBS"


def test_survey_snapshots_are_marked_synthetic(data_dir):
    seen = []
    for path, sidecar in discover_snapshots(data_dir / "raw"):
        if sidecar.kind == "survey_export":
            assert sidecar.synthetic is True, path
            seen.append(path.name)
    assert sorted(seen) == ["wijkenquete_2018.csv", "wijkenquete_2024.csv"]


def test_changed_file_fails_with_its_name_and_both_checksums(tmp_path, data_dir):
    src = data_dir / "raw" / "cbs" / "kwb_2023_groningen_subset43cols.csv"
    copy = tmp_path / src.name
    shutil.copy(src, copy)
    shutil.copy(src.with_name(src.name + ".meta.yml"), tmp_path / (src.name + ".meta.yml"))
    verify_snapshot(copy)
    copy.write_text(copy.read_text().replace("238147", "238148"))
    with pytest.raises(InputError) as err:
        verify_snapshot(copy)
    message = str(err.value)
    assert src.name in message and "checksum" in message
    assert read_sidecar(copy).sha256 in message  # the recorded checksum
    assert hashlib.sha256(copy.read_bytes()).hexdigest() in message  # and the file's own


def test_missing_sidecar_says_how_to_create_one(tmp_path):
    path = tmp_path / "new.csv"
    path.write_text("a,b\n1,2\n")
    with pytest.raises(InputError, match="wijkkompas snapshot"):
        verify_snapshot(path)
    write_sidecar(
        path, title="t", publisher="me", licence="CC0", origin="test", kind="documentation"
    )
    assert read_sidecar(path).sha256 == hashlib.sha256(path.read_bytes()).hexdigest()
    assert verify_snapshot(path).sha256 == hashlib.sha256(path.read_bytes()).hexdigest()
