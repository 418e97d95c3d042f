"""The warehouse's theme tables: units to fit and assign, themes, lineage, record themes."""

from __future__ import annotations

import pandas as pd
import pyarrow as pa

from pipeline.schemas import (
    ENRICHED_RECORDS,
    MODEL_VERSION,
    OPINION_UNITS,
    RECORD_ID,
    RECORD_THEMES,
    RECORD_TOPICS,
    THEME_ID,
    THEME_LINEAGE,
    THEMES,
    TOPIC_ID,
    TOPICS,
    UNIT_ID,
    UNIT_SENTIMENT,
    UNIT_THEMES,
    UNIT_TOPICS,
)
from pipeline.storage.database import Database

_LIST_COLUMNS = ("keywords", "quotes")


class ThemeTables:
    """``themes``, ``unit_themes``, ``record_themes``, ``theme_lineage`` and the topic tables.

    Topics (``topics``, ``unit_topics``, ``record_topics``) take their ids from the same
    sequence as themes, so an id names one thing whatever the level.

    Args:
        db: The warehouse's open connection.
    """

    def __init__(self, db: Database) -> None:
        self._db = db

    def theme_fit_units(self) -> pd.DataFrame:
        """Units a theme model is fitted on: those of records that are not duplicates.

        Returns:
            Frame with unit_id, record_id, text, lang, ordered by unit_id.
        """
        return self._db.execute(
            f"SELECT u.{UNIT_ID}, u.{RECORD_ID}, u.text, u.lang "
            f'FROM main."{OPINION_UNITS.name}" u '
            f'JOIN main."{ENRICHED_RECORDS.name}" e USING ({RECORD_ID}) '
            f"WHERE NOT e.is_duplicate ORDER BY u.{UNIT_ID}"
        ).df()

    def pending_theme_units(self, model_version: str, limit: int) -> pd.DataFrame:
        """Units (duplicates included) not yet assigned by ``model_version``.

        Returns:
            Frame with unit_id, record_id, text, lang; at most ``limit`` rows.
        """
        return self._db.execute(
            f"SELECT u.{UNIT_ID}, u.{RECORD_ID}, u.text, u.lang "
            f'FROM main."{OPINION_UNITS.name}" u '
            f'LEFT JOIN main."{UNIT_THEMES.name}" t USING ({UNIT_ID}) '
            f"WHERE t.{UNIT_ID} IS NULL OR t.{MODEL_VERSION} <> ? "
            f"ORDER BY u.{UNIT_ID} LIMIT ?",
            [model_version, limit],
        ).df()

    def theme_assignments(self) -> pd.DataFrame:
        """Each unit's current model theme: unit_id, model_theme_id (assigned units only)."""
        return self._db.execute(
            f'SELECT {UNIT_ID}, model_theme_id FROM main."{UNIT_THEMES.name}" '
            "WHERE model_theme_id IS NOT NULL"
        ).df()

    def unassigned_share(self, model_version: str) -> tuple[float, int]:
        """(share of units with content that ``model_version`` left without a theme, units).

        Only units assigned by that version count.
        """
        row = self._db.execute(
            "SELECT count(*) FILTER (WHERE model_theme_id IS NULL), count(*) "
            f'FROM main."{UNIT_THEMES.name}" WHERE has_content AND {MODEL_VERSION} = ?',
            [model_version],
        ).fetchone()
        unassigned, total = (int(row[0]), int(row[1])) if row else (0, 0)
        return (unassigned / total if total else 0.0), total

    def has_theme_version(self, model_version: str) -> bool:
        """Whether the themes of ``model_version`` were written (its lineage exists)."""
        row = self._db.execute(
            f'SELECT count(*) FROM main."{THEME_LINEAGE.name}" WHERE {MODEL_VERSION} = ?',
            [model_version],
        ).fetchone()
        return bool(row and row[0])

    def max_theme_id(self) -> int:
        """The largest theme or topic id ever used (0 when there is none)."""
        row = self._db.execute(
            f'SELECT greatest(coalesce((SELECT max({THEME_ID}) FROM main."{THEMES.name}"), 0), '
            f'coalesce((SELECT max({TOPIC_ID}) FROM main."{TOPICS.name}"), 0))'
        ).fetchone()
        return int(row[0]) if row and row[0] is not None else 0

    def write_topics(self, topics: pd.DataFrame) -> None:
        """Replace the `topics` table (sizes recounted), in one transaction."""
        with self._db.transaction():
            self._db.execute(f'DELETE FROM main."{TOPICS.name}"')
            self._db.insert(TOPICS.name, topics)
            self._refresh_topic_sizes()

    def topic_ids(self) -> dict[str, int]:
        """Topic key -> topic id, of every topic ever used."""
        rows = self._db.execute(
            f'SELECT topic_key, {TOPIC_ID} FROM main."{TOPICS.name}"'
        ).fetchall()
        return {str(key): int(topic_id) for key, topic_id in rows}

    def topic_units(self, unit_ids: list[str]) -> pd.DataFrame:
        """unit_id, churn_intent (False when not scored yet) of these units."""
        return self._db.execute(
            f"SELECT u.{UNIT_ID}, coalesce(s.churn_intent, false) AS churn_intent "
            f"FROM (SELECT unnest(?::VARCHAR[]) AS {UNIT_ID}) u "
            f'LEFT JOIN main."{UNIT_SENTIMENT.name}" s USING ({UNIT_ID})',
            [unit_ids],
        ).df()

    def lineage_of(self, theme_id: int) -> pd.DataFrame:
        """The `theme_lineage` rows that name ``theme_id`` (as the theme or where it came from)."""
        return self._db.frame(
            f'SELECT * FROM main."{THEME_LINEAGE.name}" WHERE {THEME_ID} = ? OR from_theme_id = ?',
            [theme_id, theme_id],
        )

    def records_with_any(self, theme_ids: list[int]) -> int:
        """How many records carry at least one of ``theme_ids``."""
        row = self._db.execute(
            f'SELECT count(DISTINCT {RECORD_ID}) FROM main."{RECORD_THEMES.name}" '
            f"WHERE {THEME_ID} IN (SELECT unnest(?::INTEGER[]))",
            [theme_ids],
        ).fetchone()
        return int(row[0]) if row else 0

    def write_themes(self, themes: pd.DataFrame, lineage: pd.DataFrame) -> None:
        """Replace the `themes` table and add a model version's lineage, in one transaction."""
        table = pa.Table.from_pandas(themes, preserve_index=False)
        for name in _LIST_COLUMNS:
            if name in themes.columns:
                index = table.schema.get_field_index(name)
                table = table.set_column(
                    index, name, pa.array(themes[name].map(list).tolist(), pa.list_(pa.string()))
                )
        with self._db.transaction():
            self._db.execute(f'DELETE FROM main."{THEMES.name}"')
            self._db.insert(THEMES.name, table)
            if not lineage.empty:
                versions = lineage[MODEL_VERSION].unique().tolist()
                self._db.execute(
                    f'DELETE FROM main."{THEME_LINEAGE.name}" WHERE {MODEL_VERSION} IN '
                    f"(SELECT unnest(?::VARCHAR[]))",
                    [versions],
                )
                self._db.insert(THEME_LINEAGE.name, lineage)
            self._refresh_sizes()

    def write_unit_themes(
        self, unit_themes: pd.DataFrame, unit_topics: pd.DataFrame | None = None
    ) -> None:
        """Replace these units' themes (and topics) and their records', in one transaction.

        Args:
            unit_themes: One row per unit (`unit_themes` columns).
            unit_topics: The same units' topics (`unit_topics` columns), or None to leave
                their topics as they are.
        """
        if unit_themes.empty:
            return
        with self._db.transaction():
            self._db.register("_assigned", unit_themes[[UNIT_ID, RECORD_ID]])
            try:
                self._db.execute(
                    f'DELETE FROM main."{UNIT_THEMES.name}" WHERE {UNIT_ID} IN '
                    f"(SELECT {UNIT_ID} FROM _assigned)"
                )
                self._db.insert(UNIT_THEMES.name, unit_themes)
                records = f"SELECT DISTINCT {RECORD_ID} FROM _assigned"
                self._rebuild_record_themes(records)
                if unit_topics is not None:
                    self._db.execute(
                        f'DELETE FROM main."{UNIT_TOPICS.name}" WHERE {UNIT_ID} IN '
                        f"(SELECT {UNIT_ID} FROM _assigned)"
                    )
                    if not unit_topics.empty:
                        self._db.insert(UNIT_TOPICS.name, unit_topics)
                    self._rebuild_record_topics(records)
            finally:
                self._db.unregister("_assigned")
            self._refresh_sizes()
            if unit_topics is not None:
                self._refresh_topic_sizes()

    def _rebuild_record_topics(self, records_query: str) -> None:
        self._db.execute(
            f'DELETE FROM main."{RECORD_TOPICS.name}" WHERE {RECORD_ID} IN ({records_query})'
        )
        self._db.execute(
            f'INSERT INTO main."{RECORD_TOPICS.name}" '
            f"SELECT {RECORD_ID}, {TOPIC_ID}, count(*)::INTEGER "
            f'FROM main."{UNIT_TOPICS.name}" WHERE {RECORD_ID} IN ({records_query}) '
            f"GROUP BY {RECORD_ID}, {TOPIC_ID}"
        )

    def _refresh_topic_sizes(self) -> None:
        self._db.execute(
            f'UPDATE main."{TOPICS.name}" t SET size = coalesce((SELECT count(*) '
            f'FROM main."{UNIT_TOPICS.name}" u WHERE u.{TOPIC_ID} = t.{TOPIC_ID}), 0)'
        )

    def resolve_unit_themes(self, resolved: dict[int, int]) -> None:
        """Set every unit's theme_id from its model theme, and rebuild `record_themes`.

        Codeframe merges change which theme a unit shows; one transaction.

        Args:
            resolved: model theme id → theme id shown, for every model theme that changes;
                ids not listed map to themselves.
        """
        mapping = pd.DataFrame(
            {"model_theme_id": list(resolved), THEME_ID: list(resolved.values())}, dtype="int64"
        )
        with self._db.transaction():
            self._db.register("_resolved", mapping)
            try:
                self._db.execute(
                    f'UPDATE main."{UNIT_THEMES.name}" u SET {THEME_ID} = '
                    f"coalesce((SELECT r.{THEME_ID} FROM _resolved r "
                    "WHERE r.model_theme_id = u.model_theme_id), u.model_theme_id)"
                )
            finally:
                self._db.unregister("_resolved")
            self._rebuild_record_themes(None)
            self._refresh_sizes()

    def _rebuild_record_themes(self, records_query: str | None) -> None:
        where = f"WHERE {RECORD_ID} IN ({records_query})" if records_query else ""
        self._db.execute(f'DELETE FROM main."{RECORD_THEMES.name}" {where}')
        condition = f"AND {RECORD_ID} IN ({records_query})" if records_query else ""
        self._db.execute(
            f'INSERT INTO main."{RECORD_THEMES.name}" '
            f"SELECT {RECORD_ID}, {THEME_ID}, count(*)::INTEGER "
            f'FROM main."{UNIT_THEMES.name}" WHERE {THEME_ID} IS NOT NULL {condition} '
            f"GROUP BY {RECORD_ID}, {THEME_ID}"
        )

    def _refresh_sizes(self) -> None:
        """Theme sizes from the units now assigned; a parent counts its children's units."""
        self._db.execute(
            f'UPDATE main."{THEMES.name}" t SET size = coalesce((SELECT count(*) '
            f'FROM main."{UNIT_THEMES.name}" u WHERE u.{THEME_ID} = t.{THEME_ID}), 0) '
            "WHERE NOT t.is_parent"
        )
        self._db.execute(
            f'UPDATE main."{THEMES.name}" t SET size = coalesce((SELECT sum(c.size) '
            f'FROM main."{THEMES.name}" c WHERE c.parent_id = t.{THEME_ID}), 0) '
            "WHERE t.is_parent"
        )
