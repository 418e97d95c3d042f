"""The warehouse's bookkeeping: ``runs`` (one row per pipeline run) and ``pipeline_state``."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any

import pandas as pd

from pipeline.schemas import PIPELINE_STATE, RECORD_SENTIMENT, RUNS, UNIT_THEMES
from pipeline.storage.database import Database

#: `pipeline_state` key: the embedder (``name@version``) that embedded units last.
EMBEDDER_STATE = "embedder"

#: Columns of `runs` a running run may update.
_RUN_UPDATES = frozenset(
    {"finished_at", "status", "seconds", "peak_rss_mb", "steps", "model_version",
     "sentiment_model", "embedder", "error", "flow_run_id", "skipped_files", "failed_files"}
)  # fmt: skip


class RunTables:
    """``runs`` and ``pipeline_state``.

    Args:
        db: The warehouse's open connection.
    """

    def __init__(self, db: Database) -> None:
        self._db = db

    def insert_run(self, row: Mapping[str, Any]) -> None:
        """Add a run's row (status ``running``)."""
        self._db.insert(
            RUNS.name, pd.DataFrame([{name: row[name] for name in RUNS.columns if name in row}])
        )

    def update_run(self, run_id: str, **values: Any) -> None:
        """Set some columns of one run (``finished_at``, ``status``, ``steps``, …)."""
        unknown = set(values) - _RUN_UPDATES
        if unknown:
            raise ValueError(f"runs columns that cannot be updated: {sorted(unknown)}")
        if not values:
            return
        sets = ", ".join(f'"{name}" = ?' for name in values)
        self._db.execute(
            f'UPDATE main."{RUNS.name}" SET {sets} WHERE run_id = ?', [*values.values(), run_id]
        )

    def interrupt_stale_runs(self, now: dt.datetime) -> list[str]:
        """Mark runs still ``running`` as ``interrupted``; call only while holding the run lock.

        A run that holds the lock cannot be running elsewhere, so a ``running`` row left behind
        is one whose process died (killed, power cut) before it could say so.

        Returns:
            The ids of the runs so marked.
        """
        rows = self._db.execute(
            f"UPDATE main.\"{RUNS.name}\" SET status = 'interrupted', finished_at = ?, "
            "error = coalesce(error, 'the process ended before the run finished (killed?); "
            "the next run resumed from the last committed step') "
            "WHERE status = 'running' RETURNING run_id",
            [now],
        ).fetchall()
        return sorted(row[0] for row in rows)

    def recent_runs(self, limit: int = 10) -> pd.DataFrame:
        """The latest ``limit`` runs, newest first (every column of ``runs``)."""
        return self._db.execute(
            f'SELECT * FROM main."{RUNS.name}" ORDER BY started_at DESC, run_id DESC LIMIT ?',
            [limit],
        ).df()

    def models_in_use(self) -> dict[str, str | None]:
        """The models behind the current results.

        Returns:
            ``themes`` (the theme model version that assigned last), ``sentiment``
            (``name@version`` that scored last) and ``embedder`` (``name@version`` that
            embedded last); None for a stage that has not run.
        """
        theme = self._db.execute(
            f'SELECT model_version FROM main."{UNIT_THEMES.name}" '
            "ORDER BY assigned_at DESC LIMIT 1"
        ).fetchone()
        sentiment = self._db.execute(
            f"SELECT model || '@' || model_version FROM main.\"{RECORD_SENTIMENT.name}\" "
            "ORDER BY scored_at DESC LIMIT 1"
        ).fetchone()
        return {
            "themes": theme[0] if theme else None,
            "sentiment": sentiment[0] if sentiment else None,
            "embedder": self.state(EMBEDDER_STATE),
        }

    def state(self, key: str) -> str | None:
        """The value stored under ``key`` in ``pipeline_state``, or None."""
        row = self._db.execute(
            f'SELECT value FROM main."{PIPELINE_STATE.name}" WHERE key = ?', [key]
        ).fetchone()
        return None if row is None else str(row[0])

    def set_state(self, key: str, value: str, now: dt.datetime) -> None:
        """Store ``value`` under ``key`` (inside the caller's transaction, if any)."""
        write_state(self._db, key, value, now)


def write_state(db: Database, key: str, value: str, now: dt.datetime) -> None:
    """Store ``value`` under ``key`` in `pipeline_state` (inside the caller's transaction)."""
    with db.transaction():
        db.execute(f'DELETE FROM main."{PIPELINE_STATE.name}" WHERE key = ?', [key])
        db.insert(
            PIPELINE_STATE.name, pd.DataFrame([{"key": key, "value": value, "updated_at": now}])
        )
