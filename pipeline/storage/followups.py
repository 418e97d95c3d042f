"""The warehouse's follow-up workflow: agents' actions (`followup_actions`) and their marks.

The `followups` table is rebuilt by every analysis; what agents did lives in
`followup_actions`, which nothing rebuilds, so a follow-up marked done stays done through
nightly runs and refits. Marking also updates the `followups` row at once (same transaction),
so the queue shows it before the next analysis.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

import pandas as pd

from pipeline.errors import VerbatimError
from pipeline.schemas import (
    CLEAN_TEXT,
    ENRICHED_RECORDS,
    FOLLOWUP_ACTIONS,
    FOLLOWUPS,
    RECORD_ID,
    RECORDS,
)
from pipeline.storage.database import Database

#: Fewest characters of a record id that `resolve` accepts as a prefix.
MIN_PREFIX = 6


class FollowupTables:
    """``followup_actions`` and the workflow columns of ``followups``.

    Args:
        db: The warehouse's open connection.
    """

    def __init__(self, db: Database) -> None:
        self._db = db

    def actions(self) -> pd.DataFrame:
        """Every action, oldest first: record_id, action, note, acted_at, acted_by."""
        return self._db.frame(
            f'SELECT * FROM main."{FOLLOWUP_ACTIONS.name}" ORDER BY acted_at, {RECORD_ID}'
        )

    def comments_of(self, record_ids: Sequence[str]) -> pd.DataFrame:
        """record_id and text of these records: the enriched (cleaned, redacted) text.

        A record not enriched yet gives the text as ingested (redacted at ingest).
        """
        return self._db.frame(
            f"SELECT r.{RECORD_ID}, coalesce(e.{CLEAN_TEXT}, r.text) AS text "
            f'FROM main."{RECORDS.name}" r '
            f'LEFT JOIN main."{ENRICHED_RECORDS.name}" e USING ({RECORD_ID}) '
            f"WHERE r.{RECORD_ID} IN (SELECT unnest(?::VARCHAR[]))",
            [list(record_ids)],
        )

    def resolve(self, ids: Sequence[str]) -> list[str]:
        """The follow-ups' record ids that ``ids`` name (whole ids or unique prefixes).

        Raises:
            VerbatimError: For an id that names no follow-up, or a prefix naming several.
        """
        known = self._db.frame(f'SELECT {RECORD_ID} FROM main."{FOLLOWUPS.name}"')[RECORD_ID]
        resolved = []
        for given in ids:
            wanted = given.strip()
            if wanted in set(known):
                resolved.append(wanted)
                continue
            matches = (
                sorted(known[known.str.startswith(wanted)]) if len(wanted) >= MIN_PREFIX else []
            )
            if len(matches) == 1:
                resolved.append(matches[0])
            elif len(matches) > 1:
                raise VerbatimError(
                    f"follow-up id {given!r} is the start of {len(matches)} ids "
                    f"({', '.join(matches[:3])}, …): give more characters"
                )
            else:
                raise VerbatimError(
                    f"no follow-up has the id {given!r} (a record id, or its first "
                    f"{MIN_PREFIX}+ characters); list them with `verbatim followups --status all`"
                )
        return resolved

    def record_action(
        self,
        record_ids: Sequence[str],
        *,
        action: str,
        state: str,
        note: str | None,
        at: dt.datetime,
        by: str | None,
    ) -> None:
        """Log one action per follow-up and set their rows' state, note and done time.

        Args:
            record_ids: Follow-ups (record ids, as `resolve` returns them).
            action: "done" or "reopened".
            state: The rows' new ``state`` ("done", or "open"/"expired" for a reopened one).
            note: The agent's note (kept with a done follow-up).
            at: When.
            by: Who (the operating-system user).
        """
        if not record_ids:
            return
        actions = pd.DataFrame(
            {
                RECORD_ID: list(record_ids),
                "action": action,
                "note": note,
                "acted_at": pd.Timestamp(at),
                "acted_by": by,
            }
        )
        done = action == "done"
        with self._db.transaction():
            self._db.insert(FOLLOWUP_ACTIONS.name, actions)
            self._db.execute(
                f'UPDATE main."{FOLLOWUPS.name}" SET state = ?, note = ?, done_at = ? '
                f"WHERE {RECORD_ID} IN (SELECT unnest(?::VARCHAR[]))",
                [state, note if done else None, at if done else None, list(record_ids)],
            )

    def states_of(self, record_ids: Sequence[str]) -> pd.DataFrame:
        """record_id, created_at, expires_at and state of these follow-ups."""
        return self._db.frame(
            f"SELECT {RECORD_ID}, created_at, expires_at, state "
            f'FROM main."{FOLLOWUPS.name}" WHERE {RECORD_ID} IN (SELECT unnest(?::VARCHAR[]))',
            [list(record_ids)],
        )
