"""Partitioned execution of the heavy steps: the library side of scale-out.

The heavy steps (enrichment, embedding, sentiment, theme assignment) read their pending rows from
the warehouse, compute on them with a pure function, and write the results back. With a
`Mapper` they split each chunk into partitions and hand the pure part to the mapper; reads and
writes stay in the calling process, which owns the warehouse. `IN_PROCESS` (the default) runs
the partitions here, one after the other; the nightly flow passes a mapper that runs them as
Prefect tasks on a Dask cluster (``run.dask_address``). The functions handed over are
module-level functions bound with `functools.partial`, so they pickle to other processes.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Sequence
from typing import Any, Final, Protocol, TypeVar

import numpy as np
import pandas as pd

_T = TypeVar("_T")
_R = TypeVar("_R")


class Mapper(Protocol):
    """Applies a function to every partition, possibly elsewhere; results in partition order."""

    #: How many partitions a chunk should be split into.
    partitions: int

    def __call__(self, fn: Callable[[Any], Any], items: Sequence[Any]) -> list[Any]:
        """Return ``[fn(item) for item in items]``, computed wherever the mapper runs them."""
        ...


class InProcess:
    """The default mapper: one partition, computed in this process."""

    partitions = 1

    def __call__(self, fn: Callable[[_T], _R], items: Sequence[_T]) -> list[_R]:
        """Apply ``fn`` to each item here."""
        return [fn(item) for item in items]


IN_PROCESS: Final = InProcess()


def split_frame(frame: pd.DataFrame, parts: int, *, by: str | None = None) -> list[pd.DataFrame]:
    """Split ``frame`` into at most ``parts`` contiguous, non-empty partitions, in order.

    Args:
        frame: Rows to split.
        parts: Wanted number of partitions (fewer when there are fewer rows or groups).
        by: Column whose equal values stay in one partition (e.g. a record's units).
    """
    if frame.empty or parts <= 1:
        return [frame] if not frame.empty else []
    keys = frame[by] if by else pd.Series(np.arange(len(frame)), index=frame.index)
    codes = pd.factorize(keys, sort=False)[0]
    n_groups = int(codes.max()) + 1
    bounds = np.linspace(0, n_groups, min(parts, n_groups) + 1).round().astype(int)
    pieces = []
    for low, high in itertools.pairwise(bounds):
        piece = frame[(codes >= low) & (codes < high)]
        if not piece.empty:
            pieces.append(piece)
    return pieces
