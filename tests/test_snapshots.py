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


def test_a_sidecar_states_the_encoding_and_delimiter_it_detected(tmp_path, data_dir):
    """write_sidecar (``wijkkompas snapshot``, new-edition's copies) states how a delimited file
    is written; a shipped sidecar without them still works: the file is detected when read."""
    from ingest.csvfile import read_delimited

    path = tmp_path / "gebieden.csv"
    path.write_bytes("wijk_code\tgebied_name\nWK001402\tPoëziekwartier\n".encode("windows-1252"))
    sidecar = write_sidecar(path, title="t", publisher="me", licence="CC0", origin="test",
                            kind="documentation")  # fmt: skip
    assert (sidecar.encoding, sidecar.delimiter) == ("windows-1252", "\t")
    assert read_sidecar(path).delimiter == "\t"  # a tab survives the YAML
    assert read_delimited(path).rows == [["WK001402", "Poëziekwartier"]]
    # none stated: detected
    shipped = data_dir / "raw" / "registers" / "registers_2024.csv"
    assert read_sidecar(shipped).encoding is None and read_sidecar(shipped).delimiter is None
    table = read_delimited(shipped)
    assert (table.encoding, table.delimiter) == ("utf-8", ";")
    # a file that cannot be read as a table is recorded without them (its reader says why)
    broken = tmp_path / "broken.csv"
    broken.write_bytes(b"a,b\n1,2\n3;4\n")
    sidecar = write_sidecar(broken, title="t", publisher="me", licence="CC0", origin="test",
                            kind="documentation")  # fmt: skip
    assert sidecar.encoding is None and sidecar.delimiter is None


def test_an_unknown_encoding_in_a_sidecar_is_named(tmp_path):
    from ingest.csvfile import read_delimited

    path = tmp_path / "f.csv"
    path.write_text("a;b\n1;2\n", encoding="utf-8")
    (tmp_path / "f.csv.meta.yml").write_text("encoding: latin-9\n", encoding="utf-8")
    with pytest.raises(InputError) as err:
        read_delimited(path)
    assert "f.csv.meta.yml, key 'encoding': unknown encoding (found 'latin-9')" in str(err.value)
    assert "'utf-8' | 'utf-8-sig' | 'windows-1252'" in str(err.value)


def test_the_snapshot_command_records_every_kind_the_pipeline_reads(tmp_path, data_dir):
    """`wijkkompas snapshot --kind K` for every kind a sidecar may have (the RIVM extract and
    the national boundaries were once missing from the command's list)."""
    from click.testing import CliRunner

    from ingest.snapshots import SNAPSHOT_KINDS
    from pipelines.cli import main

    kinds = {s.kind for _, s in discover_snapshots(data_dir / "raw")}
    assert {"rivm_health", "national_boundaries"} <= kinds <= set(SNAPSHOT_KINDS)
    for kind in SNAPSHOT_KINDS:
        path = tmp_path / f"{kind}.csv"
        path.write_text("a,b\n1,2\n", encoding="utf-8")
        done = CliRunner().invoke(main, [
            "snapshot", str(path), "--title", "t", "--publisher", "p", "--kind", kind,
            "--licence", "CC BY 4.0", "--origin", "test",
        ])  # fmt: skip
        assert done.exit_code == 0, (kind, done.output)
        assert read_sidecar(path).kind == kind
