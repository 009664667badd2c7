"""Dagster's executor for the build job, holding the build lock of the run's gemeenten for the
whole run (:mod:`pipelines.build_lock`).

A run launched from the Dagster UI (``make dagster``) or by ``wijkkompas build --workers N``
is orchestrated by Dagster's own executor (in-process or multiprocess); this one wraps it and
takes the lock in the orchestrating process before the first step starts, so such a run and a
``wijkkompas build`` of the same gemeente never write at the same time: whichever comes second
fails at once, saying who holds the lock. The step processes of a multiprocess run write under
the lock their orchestrator holds. (``wijkkompas build`` without workers runs the job with
``execute_in_process``, which always runs in-process; the command holds the lock itself.)
"""

from __future__ import annotations

import dagster as dg

from pipelines.build_lock import build_lock


class OneBuildAtATime(dg.Executor):
    """Dagster's executor ``inner``, run while this process holds the run's build locks."""

    def __init__(self, inner: dg.Executor) -> None:
        self.inner = inner

    @property
    def retries(self):
        return self.inner.retries

    @property
    def step_dependency_config(self):
        return self.inner.step_dependency_config

    def execute(self, plan_context, execution_plan):
        from pipelines.partitions import keys_of_tags

        run = plan_context.dagster_run
        gemeenten = sorted({g for g, _ in keys_of_tags(run.tags)})
        command = f"Dagster run {run.run_id[:8]} of job {run.job_name}"
        with build_lock(gemeenten, command):
            yield from self.inner.execute(plan_context, execution_plan)


def _requirements(config):
    return dg.multiple_process_executor_requirements() if "multiprocess" in config else []


@dg.executor(
    name="one_build_at_a_time",
    config_schema=dg.multi_or_in_process_executor.config_schema,
    requirements=_requirements,
)
def one_build_at_a_time(init_context) -> dg.Executor:
    """Dagster's multi-or-in-process executor (the same configuration), holding the build lock
    of the run's gemeenten for the whole run."""
    return OneBuildAtATime(dg.multi_or_in_process_executor.executor_creation_fn(init_context))
