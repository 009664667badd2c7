"""The gemeente's inputs: data/ for the default gemeente, generated for any other one."""

from __future__ import annotations

import dagster as dg

from ingest.snapshots import discover_snapshots
from pipelines.gemeente_inputs import ensure_inputs
from pipelines.partitions import compass_asset
from pipelines.settings import current_gemeente, data_dir, editions_config, raw_dir


@compass_asset(group_name="inputs", kinds={"csv", "yaml"})
def gemeente_inputs() -> dg.MaterializeResult:
    """The inputs of the gemeente: data/ for the default gemeente (kept by hand); for another
    gemeente ``gemeenten/<code>/data/``, generated from the national CBS file on its first build
    (pipelines/gemeente_inputs.py: its CBS rows, wijk names, one gebied per wijk, a SYNTHETIC
    survey wave and register export) and kept as it is on later builds."""
    code = current_gemeente()
    generated = ensure_inputs(code)
    snapshots = discover_snapshots(raw_dir())
    return dg.MaterializeResult(
        metadata={
            "gemeente": f"{code} {editions_config().gemeente_name}",
            "path": dg.MetadataValue.path(str(data_dir())),
            "generated_now": generated,
            "snapshots": len(snapshots),
            "synthetic_snapshots": sum(s.synthetic for _, s in snapshots),
            "editions": ", ".join(str(e.edition) for e in editions_config().editions),
        }
    )
