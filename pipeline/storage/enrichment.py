"""The warehouse's enrichment tables: records still to enrich, and their opinion units."""

from __future__ import annotations

import pandas as pd

from pipeline.schemas import ENRICHED_RECORDS, OPINION_UNITS, RECORD_ID, RECORDS
from pipeline.storage.database import Database, with_string_dtype


class EnrichmentTables:
    """``enriched_records`` and ``opinion_units``.

    Args:
        db: The warehouse's open connection.
    """

    def __init__(self, db: Database) -> None:
        self._db = db

    def pending_records(self, limit: int) -> pd.DataFrame:
        """Up to ``limit`` records that have not been enriched yet (oldest first).

        Returns:
            Frame with record_id, source, text.
        """
        return self._db.execute(
            f'SELECT r.{RECORD_ID}, r.source, r.text FROM main."{RECORDS.name}" r '
            f'ANTI JOIN main."{ENRICHED_RECORDS.name}" e USING ({RECORD_ID}) '
            f"ORDER BY r.created_at, r.{RECORD_ID} LIMIT ?",
            [limit],
        ).df()

    def recent_originals(self, days: int) -> pd.DataFrame:
        """Enriched, non-duplicate records created in the last ``days`` days.

        Returns:
            Frame with record_id, source, clean_text, is_duplicate.
        """
        return self._db.execute(
            f"SELECT e.{RECORD_ID}, r.source, e.clean_text, e.is_duplicate "
            f'FROM main."{ENRICHED_RECORDS.name}" e JOIN main."{RECORDS.name}" r '
            f"USING ({RECORD_ID}) WHERE NOT e.is_duplicate AND r.created_at >= "
            "(SELECT max(created_at) FROM main.records) - to_days(CAST(? AS INTEGER)) "
            f"ORDER BY r.created_at, e.{RECORD_ID}",
            [days],
        ).df()

    def write_enrichment(self, enriched: pd.DataFrame, units: pd.DataFrame) -> None:
        """Write enriched records and their opinion units in one transaction."""
        with self._db.transaction():
            self._db.insert(ENRICHED_RECORDS.name, with_string_dtype(enriched))
            self._db.insert(OPINION_UNITS.name, with_string_dtype(units))
