"""The warehouse's ``deliveries``: which follow-up went out on which channel, and when.

A follow-up is due on a channel while it is queued (not quarantined), its workflow state is
open (NULL counts as open), it has not expired and the channel has not delivered it yet. Each
batch's outcome is written in its own short transaction right after the batch was sent or gave
up, so a process killed midway loses at most the batch in flight.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

import pandas as pd

from pipeline.schemas import DELIVERIES, FOLLOWUPS, RECORD_ID
from pipeline.storage.database import Database

#: The follow-ups due on channel ``$channel`` at ``$now`` (a WHERE clause on alias ``f``).
_DUE = (
    "f.status = 'queued' AND coalesce(f.state, 'open') = 'open' "
    "AND (f.expires_at IS NULL OR f.expires_at > $now) "
    f'AND NOT EXISTS (SELECT 1 FROM main."{DELIVERIES.name}" d '
    f"WHERE d.{RECORD_ID} = f.{RECORD_ID} AND d.channel = $channel "
    "AND d.status = 'delivered')"
)


class DeliveryTables:
    """``deliveries``, and the follow-ups still to deliver.

    Args:
        db: The warehouse's open connection.
    """

    def __init__(self, db: Database) -> None:
        self._db = db

    def due_followups(self, channel: str, *, now: dt.datetime) -> pd.DataFrame:
        """The follow-ups ``channel`` has still to deliver, by priority.

        Args:
            channel: The delivery channel ("email", "webhook").
            now: Follow-ups whose ``expires_at`` is at or before this are not due.

        Returns:
            Every column of `followups` (redacted text only), ordered by priority.
        """
        return self._db.frame(
            f'SELECT f.* FROM main."{FOLLOWUPS.name}" f WHERE {_DUE} '
            f"ORDER BY f.priority, f.{RECORD_ID}",
            {"channel": channel, "now": now},
        )

    def count_due(self, channel: str, *, now: dt.datetime) -> int:
        """How many follow-ups ``channel`` has still to deliver (see `due_followups`)."""
        row = self._db.execute(
            f'SELECT count(*) FROM main."{FOLLOWUPS.name}" f WHERE {_DUE}',
            {"channel": channel, "now": now},
        ).fetchone()
        return int(row[0]) if row else 0

    def record_attempts(
        self,
        record_ids: Sequence[str],
        *,
        channel: str,
        target: str,
        status: str,
        attempts: int,
        started_at: dt.datetime,
        finished_at: dt.datetime,
        error: str | None = None,
    ) -> None:
        """Record one batch's outcome for each of its follow-ups, in one transaction.

        A follow-up seen on this channel before keeps its ``first_attempt_at`` and adds
        ``attempts`` to its count; a new one gets its row.

        Args:
            record_ids: The follow-ups of the batch.
            channel: The delivery channel.
            target: Where the batch went (the e-mail addresses, the webhook URL).
            status: delivered | failed.
            attempts: Attempts made for this batch in this run.
            started_at: When the batch's first attempt started.
            finished_at: When its last attempt ended (``delivered_at`` when delivered).
            error: The last attempt's error (None when delivered).
        """
        if not record_ids:
            return
        delivered_at = finished_at if status == "delivered" else None
        values = {
            "ids": list(record_ids),
            "channel": channel,
            "target": target,
            "status": status,
            "attempts": attempts,
            "started": started_at,
            "finished": finished_at,
            "delivered": delivered_at,
            "error": error,
        }
        table = f'main."{DELIVERIES.name}"'
        with self._db.transaction():
            self._db.execute(
                f"UPDATE {table} SET target = $target, status = $status, "
                "attempts = attempts + $attempts, last_attempt_at = $finished, "
                "delivered_at = $delivered::TIMESTAMPTZ, error = $error "
                f"WHERE channel = $channel AND {RECORD_ID} IN (SELECT unnest($ids::VARCHAR[]))",
                {name: value for name, value in values.items() if name != "started"},
            )
            self._db.execute(
                f"INSERT INTO {table} ({RECORD_ID}, channel, target, status, attempts, "
                "first_attempt_at, last_attempt_at, delivered_at, error) "
                "SELECT id, $channel, $target, $status, $attempts, $started, $finished, "
                "$delivered::TIMESTAMPTZ, $error "
                "FROM (SELECT DISTINCT unnest($ids::VARCHAR[]) AS id) "
                f"WHERE id NOT IN (SELECT {RECORD_ID} FROM {table} WHERE channel = $channel)",
                values,
            )

    def delivery_rows(self, channel: str | None = None) -> pd.DataFrame:
        """The ``deliveries`` rows (of one channel), oldest first."""
        where = "" if channel is None else "WHERE channel = $channel"
        return self._db.frame(
            f'SELECT * FROM main."{DELIVERIES.name}" {where} '
            f"ORDER BY first_attempt_at, channel, {RECORD_ID}",
            {} if channel is None else {"channel": channel},
        )
