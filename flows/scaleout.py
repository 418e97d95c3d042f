"""Scale-out: the heavy steps' partitions as Prefect tasks on a Dask cluster (prefect-dask).

`DaskMapper` is the `pipeline.jobs.parallel.Mapper` the nightly flow hands to the heavy steps
when a Dask scheduler address is configured: each partition runs as a `compute_partition` task
through `DaskTaskRunner` on the cluster's workers, and the results come back in order to the
flow's process, which alone reads and writes the warehouse.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from prefect import task
from prefect.cache_policies import NO_CACHE
from prefect_dask import DaskTaskRunner

#: Partitions per worker when `run.partitions` is 0.
PARTITIONS_PER_WORKER = 2


@task(cache_policy=NO_CACHE)
def compute_partition(fn: Callable[[Any], Any], item: Any) -> Any:
    return fn(item)


class DaskMapper:
    """Runs partitions on the Dask cluster at ``address``.

    Args:
        address: The scheduler, e.g. ``tcp://dask-scheduler:8786``.
        partitions: Partitions per chunk; 0 = two per worker the cluster has now.
    """

    def __init__(self, address: str, partitions: int = 0) -> None:
        from distributed import Client

        self.address = address
        with Client(address, timeout=30) as client:
            workers = len(client.scheduler_info()["workers"])
        self.workers = workers
        self.partitions = partitions or max(1, PARTITIONS_PER_WORKER * workers)

    def __call__(self, fn: Callable[[Any], Any], items: Sequence[Any]) -> list[Any]:
        if not items:
            return []
        with DaskTaskRunner(address=self.address) as runner:
            futures = [
                runner.submit(compute_partition, parameters={"fn": fn, "item": item})
                for item in items
            ]
            return [future.result() for future in futures]
