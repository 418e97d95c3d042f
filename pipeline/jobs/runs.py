"""Pipeline runs: one at a time per workspace, each recorded in the ``runs`` table.

`PipelineRun` is what the nightly flow (and anything else that runs the stages in sequence)
wraps its steps in::

    with PipelineRun(cfg) as run:
        enriched = run.lap("enrich", jobs.enrich_pending(cfg).as_dict())

Entering takes the workspace's run lock (a file beside the warehouse, held with an OS lock, so
a killed run releases it at once), marks runs a killed process left ``running`` as
``interrupted``, and adds this run's row. Each `PipelineRun.lap` closes a step: its wall
time, the peak memory of this process during it, and the counts from the step's report go
into the row's ``steps``; the ``skipped_files`` and ``failed_files`` of a step's report (an
ingest's inbox files not of the source's kind, and those it could not use) go into the row's
columns of those names. Leaving sets ``completed`` or ``failed`` (with the error), the theme
model version, sentiment model and embedder in use, and releases the lock; the row also holds
the workspace seed, so every figure traces back to what produced it. Every stage commits its own
work, so a killed run loses nothing: the next run finds what is still pending and does it.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import os
import socket
import threading
import time
import uuid
from collections.abc import Callable, Mapping
from pathlib import Path
from types import TracebackType
from typing import Any, Final, TypeVar

from pipeline.config import Config
from pipeline.errors import RunLockedError
from pipeline.storage.warehouse import Warehouse, jsonable_row, open_warehouse

logger = logging.getLogger(__name__)
_T = TypeVar("_T")
#: How often the memory sampler looks at the process's resident memory, in seconds.
SAMPLE_SECONDS: Final = 0.1
#: Longest text kept of a failed run's error.
_ERROR_CHARS: Final = 2000
#: Lists of files ({file, source, reason}) a step's report may hold, kept in `runs` columns.
FILE_LISTS: Final = ("skipped_files", "failed_files")


def lock_path(cfg: Config) -> Path:
    """The run lock of the workspace whose warehouse ``cfg`` names."""
    warehouse = cfg.warehouse.path
    return warehouse.with_name(f"{warehouse.name}.run.lock")


class RunLock:
    """The workspace's run lock: only one run at a time writes the warehouse.

    The lock is an OS file lock (``flock``), released by the operating system when the holding
    process dies, so a killed run never leaves a stale lock. The file also names its holder
    (pid, host, start time) for the message a second run prints.

    Args:
        path: The lock file (created with its folder).
        wait: Seconds to wait for another run to finish before giving up; 0 gives up at once.
    """

    def __init__(self, path: Path, *, wait: float = 0.0) -> None:
        from filelock import FileLock

        self.path = path
        self.wait = wait
        path.parent.mkdir(parents=True, exist_ok=True)
        self._lock = FileLock(str(path), timeout=wait, is_singleton=False)
        self._info = path.with_name(f"{path.name}.holder")

    def acquire(self) -> None:
        """Take the lock, waiting up to ``wait`` seconds.

        Raises:
            RunLockedError: Another run still holds it.
        """
        from filelock import Timeout

        try:
            self._lock.acquire(timeout=self.wait, poll_interval=0.2)
        except Timeout:
            raise RunLockedError(self.path, self.holder(), self.wait) from None
        started = dt.datetime.now(dt.UTC).isoformat(timespec="seconds")
        self._info.write_text(
            f"pid {os.getpid()} on {socket.gethostname()}, started {started}", encoding="utf-8"
        )

    def release(self) -> None:
        """Release the lock (idempotent)."""
        if self._lock.is_locked:
            self._lock.release()

    def holder(self) -> str:
        """Who holds (or last held) the lock, as its holder wrote it; "" when unknown."""
        try:
            return self._info.read_text(encoding="utf-8").strip()
        except OSError:
            return ""

    def __enter__(self) -> RunLock:
        self.acquire()
        return self

    def __exit__(self, *exc: object) -> None:
        self.release()


class MemorySampler:
    """Peak resident memory of this process, sampled in a background thread.

    `take_peak` returns the highest resident set size seen since the previous call (at least
    the current one), so each step of a run gets its own peak.
    """

    def __init__(self, interval: float = SAMPLE_SECONDS) -> None:
        import psutil

        self._process = psutil.Process()
        self._interval = interval
        self._peak = self._rss()
        self._overall = self._peak
        self._stop = threading.Event()
        self._guard = threading.Lock()
        self._thread = threading.Thread(target=self._run, name="verbatim-rss", daemon=True)

    def _rss(self) -> int:
        return int(self._process.memory_info().rss)

    def _run(self) -> None:
        while not self._stop.wait(self._interval):
            rss = self._rss()
            with self._guard:
                self._peak = max(self._peak, rss)
                self._overall = max(self._overall, rss)

    def start(self) -> MemorySampler:
        """Start sampling."""
        self._thread.start()
        return self

    def stop(self) -> None:
        """Stop sampling (idempotent)."""
        self._stop.set()
        if self._thread.is_alive():
            self._thread.join()

    def take_peak(self) -> float:
        """Peak MB since the previous call, and start a new interval."""
        rss = self._rss()
        with self._guard:
            peak = max(self._peak, rss)
            self._overall = max(self._overall, peak)
            self._peak = rss
        return peak / 2**20

    @property
    def overall(self) -> float:
        """Peak MB since sampling started."""
        with self._guard:
            return max(self._overall, self._rss()) / 2**20


def step_counts(report: object) -> dict[str, Any]:
    """The countable part of a step's report: scalars as they are, lists and dicts by size.

    Reports are dicts (``as_dict()``), or None for a step that did nothing; nested reports
    (ingest per source) keep their scalars one level down.
    """
    if report is None:
        return {}
    if hasattr(report, "as_dict"):
        report = report.as_dict()
    if not isinstance(report, Mapping):
        return {"value": str(report)}
    counts: dict[str, Any] = {}
    for key, value in report.items():
        if isinstance(value, bool | int | float | str) or value is None:
            counts[str(key)] = value
        elif isinstance(value, list | tuple):
            counts[str(key)] = len(value)
        elif isinstance(value, Mapping) and all(
            isinstance(v, bool | int | float | str) or v is None for v in value.values()
        ):
            counts[str(key)] = dict(value)
    return counts


class PipelineRun:
    """One recorded run of the pipeline's steps; use as a context manager (see module doc).

    Args:
        cfg: Configuration (the warehouse path, the memory limit and ``run.lock_wait``).
        flow_run_id: The orchestrator's id of this run (Prefect's flow run id), if any.
        wait: Seconds to wait for another run's lock; None uses ``run.lock_wait``.
        log: Where "step … done" lines go besides this module's logger (the flow passes its
            run logger, so they show in the orchestrator's UI).
    """

    def __init__(
        self,
        cfg: Config,
        *,
        flow_run_id: str | None = None,
        wait: float | None = None,
        log: Callable[[str], object] | None = None,
    ) -> None:
        self.cfg = cfg
        self.log = log
        self.flow_run_id = flow_run_id
        self.lock = RunLock(lock_path(cfg), wait=cfg.run.lock_wait if wait is None else wait)
        self.run_id = ""
        self.steps: list[dict[str, Any]] = []
        self.files: dict[str, list[Any]] = {name: [] for name in FILE_LISTS}
        self.interrupted: list[str] = []
        self._sampler: MemorySampler | None = None
        self._started = 0.0
        self._mark = 0.0

    def _warehouse(self) -> Warehouse:
        return open_warehouse(self.cfg)

    def __enter__(self) -> PipelineRun:
        self.lock.acquire()
        try:
            now = dt.datetime.now(dt.UTC)
            self.run_id = f"{now:%Y%m%dT%H%M%S}-{uuid.uuid4().hex[:8]}"
            with self._warehouse() as warehouse:
                self.interrupted = warehouse.runs.interrupt_stale_runs(now)
                warehouse.runs.insert_run(
                    {
                        "run_id": self.run_id,
                        "flow_run_id": self.flow_run_id,
                        "started_at": now,
                        "status": "running",
                        "steps": "[]",
                        **{name: "[]" for name in FILE_LISTS},
                        "config_hash": self.cfg.fingerprint(),
                        "seed": self.cfg.run.seed,
                        "host": socket.gethostname(),
                        "pid": os.getpid(),
                    }
                )
        except BaseException:
            self.lock.release()
            raise
        self._sampler = MemorySampler().start()
        self._started = self._mark = time.perf_counter()
        return self

    def lap(self, step: str, report: _T) -> _T:
        """Close ``step`` (it ran since the previous lap) and record it; returns ``report``.

        The step's counts go into ``steps``; the report's ``skipped_files`` and
        ``failed_files`` lists, if any, are added to the run's columns of those names.
        """
        now = time.perf_counter()
        peak = self._sampler.take_peak() if self._sampler else None
        self.steps.append(
            {
                "step": step,
                "seconds": round(now - self._mark, 3),
                "peak_rss_mb": None if peak is None else round(peak, 1),
                "counts": step_counts(report),
            }
        )
        files = {
            name: found for name in FILE_LISTS if (found := _file_list(report, name)) is not None
        }
        for name, found in files.items():
            self.files[name] += found
        with self._warehouse() as warehouse:
            warehouse.runs.update_run(
                self.run_id,
                steps=json.dumps(self.steps, default=str),
                **{name: json.dumps(self.files[name], default=str) for name in files},
            )
        message = f"run {self.run_id}: step {step} done in {now - self._mark:.1f} s"
        logger.info(message)
        if self.log is not None:
            self.log(message)
        self._mark = time.perf_counter()
        return report

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        try:
            peak = self._sampler.overall if self._sampler else None
            if self._sampler:
                self._sampler.stop()
            error = None
            if exc is not None:
                after = self.steps[-1]["step"] if self.steps else "the start"
                error = f"{type(exc).__name__} after {after}: {exc}"[:_ERROR_CHARS]
            with self._warehouse() as warehouse:
                models = warehouse.runs.models_in_use()
                warehouse.runs.update_run(
                    self.run_id,
                    finished_at=dt.datetime.now(dt.UTC),
                    status="completed" if exc is None else "failed",
                    seconds=round(time.perf_counter() - self._started, 3),
                    peak_rss_mb=None if peak is None else round(peak, 1),
                    steps=json.dumps(self.steps, default=str),
                    model_version=models["themes"],
                    sentiment_model=models["sentiment"],
                    embedder=models["embedder"],
                    error=error,
                )
        finally:
            self.lock.release()


def _file_list(report: object, name: str) -> list[Any] | None:
    """The list ``name`` of a step's report (a mapping, or an object with ``as_dict``)."""
    if hasattr(report, "as_dict"):
        report = report.as_dict()
    if not isinstance(report, Mapping):
        return None
    found = report.get(name)
    return list(found) if isinstance(found, list | tuple) else None


def recent_runs(cfg: Config, *, limit: int = 10) -> list[dict[str, Any]]:
    """The latest runs, newest first (empty before the first run).

    ``steps``, ``skipped_files`` and ``failed_files`` are parsed (lists; the file lists are
    empty for a run recorded before they were kept).
    """
    if not cfg.warehouse.path.exists():
        return []
    with open_warehouse(cfg, read_only=True) as warehouse:
        if "runs" not in warehouse.table_names():
            return []
        frame = warehouse.runs.recent_runs(limit)
    rows = [jsonable_row(row) for row in frame.to_dict(orient="records")]
    for row in rows:
        row["steps"] = json.loads(row["steps"] or "[]")
        for name in FILE_LISTS:
            row[name] = json.loads(row.get(name) or "[]")
    return rows
