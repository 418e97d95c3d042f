"""The warehouse's analytics tables: reads for drivers, trends and follow-ups, and their writes."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping

import pandas as pd
import pyarrow as pa

from pipeline.errors import WarehouseError
from pipeline.schemas import (
    ANALYTICS_TABLES,
    CREATED_AT,
    ENRICHED_RECORDS,
    FOLLOWUPS,
    OPINION_UNITS,
    RECORD_ID,
    RECORD_SENTIMENT,
    RECORDS,
    SOURCE,
    TABLES,
    THEME_ID,
    THEMES,
    TOPIC_ID,
    TOPICS,
    UNIT_ID,
    UNIT_SENTIMENT,
    UNIT_THEMES,
    UNIT_TOPICS,
)
from pipeline.storage.database import Database
from pipeline.storage.runs import write_state

#: Columns holding lists, written as DuckDB LIST values.
_LIST_TYPES = {
    "quotes": pa.list_(pa.string()),
    "themes": pa.list_(pa.string()),
    "sentences": pa.list_(pa.string()),
    "risk_reasons": pa.list_(pa.string()),
    "theme_ids": pa.list_(pa.int32()),
}


def _arrow(frame: pd.DataFrame) -> pa.Table:
    """The frame as Arrow, list columns typed (an empty list stays an empty list)."""
    plain = frame.drop(columns=[c for c in _LIST_TYPES if c in frame.columns])
    table = pa.Table.from_pandas(plain, preserve_index=False)
    for name, kind in _LIST_TYPES.items():
        if name in frame.columns:
            values = [list(v) if isinstance(v, list | tuple) else [] for v in frame[name]]
            table = table.append_column(name, pa.array(values, kind))
    return table


class AnalyticsTables:
    """``nps_by_segment``, ``drivers``, ``theme_trends``, ``alerts`` and ``followups``.

    Args:
        db: The warehouse's open connection.
    """

    def __init__(self, db: Database) -> None:
        self._db = db

    def analytics_records(self, segments: Iterable[str]) -> pd.DataFrame:
        """Every record with what analytics needs.

        Args:
            segments: Segment columns wanted; those the warehouse lacks are skipped.

        Returns:
            record_id, source, customer_id, created_at, score, score_type, nps_category,
            the segment columns, lang and is_duplicate (NULL before enrichment), sentiment and
            sentiment_label (the record's; NULL before scoring).
        """
        present = set(self._db.columns(RECORDS.name))
        wanted = [s for s in dict.fromkeys(segments) if s in present and s != "lang"]
        extra = "".join(f', r."{name}"' for name in wanted)
        return self._db.execute(
            f"SELECT r.{RECORD_ID}, r.source, r.customer_id, r.created_at, r.score, "
            f"r.score_type, r.nps_category{extra}, e.lang, e.is_duplicate, s.score AS sentiment, "
            f"s.label AS sentiment_label "
            f'FROM main."{RECORDS.name}" r '
            f'LEFT JOIN main."{ENRICHED_RECORDS.name}" e USING ({RECORD_ID}) '
            f'LEFT JOIN main."{RECORD_SENTIMENT.name}" s USING ({RECORD_ID}) '
            f"ORDER BY r.created_at, r.{RECORD_ID}"
        ).df()

    def theme_mentions(self) -> pd.DataFrame:
        """Each record's themes: record_id, theme_id, units, sentiment (mean unit score)."""
        return self._db.execute(
            f"SELECT t.{RECORD_ID}, t.{THEME_ID}, count(*)::BIGINT AS units, "
            "coalesce(avg(s.score), 0.0) AS sentiment "
            f'FROM main."{UNIT_THEMES.name}" t '
            f'LEFT JOIN main."{UNIT_SENTIMENT.name}" s USING ({UNIT_ID}) '
            f"WHERE t.{THEME_ID} IS NOT NULL GROUP BY ALL ORDER BY 1, 2"
        ).df()

    def topic_mentions(self) -> pd.DataFrame:
        """Each record's topics by the tone of its units.

        Returns:
            record_id, topic_id, polarity (negative | neutral | positive: the sentiment label
            of the units; a record can mention a topic in more than one tone), units,
            sentiment (mean unit score).
        """
        return self._db.execute(
            f"SELECT t.{RECORD_ID}, t.{TOPIC_ID}, coalesce(s.label, 'neutral') AS polarity, "
            "count(*)::BIGINT AS units, coalesce(avg(s.score), 0.0) AS sentiment "
            f'FROM main."{UNIT_TOPICS.name}" t '
            f'LEFT JOIN main."{UNIT_SENTIMENT.name}" s USING ({UNIT_ID}) '
            "GROUP BY ALL ORDER BY 1, 2, 3"
        ).df()

    def analytics_topics(self) -> pd.DataFrame:
        """The `topics` table's id, key, label, kind and status."""
        return self._db.execute(
            f"SELECT {TOPIC_ID}, topic_key, label, kind, status "
            f'FROM main."{TOPICS.name}" ORDER BY {TOPIC_ID}'
        ).df()

    def topic_quote_candidates(self, per_topic: int = 10) -> pd.DataFrame:
        """Quote candidates per topic, as `quote_candidates` gives them per theme.

        Returns:
            topic_id, nps_category, text, similarity (to the unit's sub-theme), neutral,
            label (the unit's sentiment).
        """
        return self._db.execute(
            f"SELECT {TOPIC_ID}, nps_category, text, similarity, neutral, label FROM ("
            f"  SELECT t.{TOPIC_ID}, r.nps_category, u.text, "
            "   max(coalesce(h.similarity, 0)) AS similarity, "
            "   bool_and(s.label = 'neutral') AS neutral, any_value(s.label) AS label "
            f'  FROM main."{UNIT_TOPICS.name}" t '
            f'  JOIN main."{OPINION_UNITS.name}" u USING ({UNIT_ID}) '
            f'  JOIN main."{RECORDS.name}" r ON r.{RECORD_ID} = t.{RECORD_ID} '
            f'  JOIN main."{UNIT_SENTIMENT.name}" s ON s.{UNIT_ID} = t.{UNIT_ID} '
            f'  LEFT JOIN main."{UNIT_THEMES.name}" h ON h.{UNIT_ID} = t.{UNIT_ID} '
            "  WHERE r.score_type = 'nps' AND ("
            "    (r.nps_category = 'detractor' AND s.label IN ('negative', 'neutral')) OR "
            "    (r.nps_category = 'promoter' AND s.label = 'positive') OR "
            "    r.nps_category = 'passive') "
            "  GROUP BY t.topic_id, r.nps_category, u.text) "
            f"QUALIFY row_number() OVER (PARTITION BY {TOPIC_ID}, nps_category, label "
            "ORDER BY neutral, similarity DESC, text) <= ? ORDER BY 1, 2, 5, 4 DESC, 3",
            [per_topic],
        ).df()

    def quote_candidates(self, per_theme: int = 10) -> pd.DataFrame:
        """Detractors' negative and promoters' positive units, most typical first.

        A detractor's unit read neutral is a candidate too, after the negative ones: an
        implicit complaint ("third price rise this year") is the reason as much as a negative
        word is. Passives' units are candidates for a theme that has nothing else.

        Returns:
            theme_id, nps_category, text, similarity, neutral (read neutral): up to
            ``per_theme`` distinct texts per theme and category.
        """
        return self._db.execute(
            f"SELECT {THEME_ID}, nps_category, text, similarity, neutral FROM ("
            f"  SELECT t.{THEME_ID}, r.nps_category, u.text, max(t.similarity) AS similarity, "
            "   bool_and(s.label = 'neutral') AS neutral "
            f'  FROM main."{UNIT_THEMES.name}" t '
            f'  JOIN main."{OPINION_UNITS.name}" u USING ({UNIT_ID}) '
            f'  JOIN main."{RECORDS.name}" r ON r.{RECORD_ID} = t.{RECORD_ID} '
            f'  JOIN main."{UNIT_SENTIMENT.name}" s ON s.{UNIT_ID} = t.{UNIT_ID} '
            f"  WHERE t.{THEME_ID} IS NOT NULL AND r.score_type = 'nps' AND ("
            "    (r.nps_category = 'detractor' AND s.label IN ('negative', 'neutral')) OR "
            "    (r.nps_category = 'promoter' AND s.label = 'positive') OR "
            "    r.nps_category = 'passive') "
            "  GROUP BY ALL) "
            f"QUALIFY row_number() OVER (PARTITION BY {THEME_ID}, nps_category "
            "ORDER BY neutral, similarity DESC, text) <= ? ORDER BY 1, 2, 5, 4 DESC, 3",
            [per_theme],
        ).df()

    def theme_unit_sample(self, per_theme: int = 200) -> pd.DataFrame:
        """Up to ``per_theme`` units of each theme (a fixed pseudo-random choice).

        Returns:
            theme_id, text.
        """
        return self._db.execute(
            f"SELECT t.{THEME_ID}, u.text "
            f'FROM main."{UNIT_THEMES.name}" t '
            f'JOIN main."{OPINION_UNITS.name}" u USING ({UNIT_ID}) '
            f"WHERE t.{THEME_ID} IS NOT NULL "
            f"QUALIFY row_number() OVER (PARTITION BY t.{THEME_ID} ORDER BY hash(t.{UNIT_ID})) "
            "<= ? ORDER BY 1",
            [per_theme],
        ).df()

    def units_of(self, record_ids: list[str]) -> pd.DataFrame:
        """The units of these records: record_id, position, text, label, score, churn_intent."""
        if not record_ids:
            return pd.DataFrame(
                columns=[RECORD_ID, "position", "text", "label", "score", "churn_intent"]
            )
        return self._db.execute(
            f"SELECT u.{RECORD_ID}, u.position, u.text, s.label, s.score, s.churn_intent "
            f'FROM main."{OPINION_UNITS.name}" u '
            f'LEFT JOIN main."{UNIT_SENTIMENT.name}" s USING ({UNIT_ID}) '
            f"WHERE u.{RECORD_ID} IN (SELECT unnest(?::VARCHAR[])) ORDER BY 1, 2",
            [record_ids],
        ).df()

    def analytics_themes(self) -> pd.DataFrame:
        """The `themes` table's id, label, parent, is_parent, status and keywords."""
        return self._db.execute(
            f"SELECT {THEME_ID}, label, parent_id, is_parent, status, keywords "
            f'FROM main."{THEMES.name}" ORDER BY {THEME_ID}'
        ).df()

    def record_windows(self) -> pd.DataFrame:
        """Per source: records, and the first and last ``created_at``."""
        return self._db.execute(
            f"SELECT {SOURCE}, count(*)::BIGINT AS records, min({CREATED_AT}) AS first, "
            f'max({CREATED_AT}) AS last FROM main."{RECORDS.name}" GROUP BY ALL ORDER BY 1'
        ).df()

    def _reset(self, name: str) -> None:
        """Empty a table.

        A rebuilt table is recreated, so its columns are exactly the schema's; `followups`
        keeps its table and gains new columns when the warehouse opens (`ensure_schema`).
        """
        if name in ANALYTICS_TABLES:
            self._db.execute(f'DROP TABLE IF EXISTS main."{name}"')
            self._db.execute(TABLES[name].ddl())
        else:
            self._db.execute(f'DELETE FROM main."{name}"')

    def analytics_inputs(self) -> str:
        """A digest of the rows analytics reads.

        Counts and latest write times of records, enrichment, sentiment and theme assignments,
        and every theme's name, status and place.
        """
        parts = [
            f"SELECT count(*) || ':' || coalesce(max({stamp})::VARCHAR, '') FROM main.\"{name}\""
            for name, stamp in (
                (RECORDS.name, "ingested_at"),
                (ENRICHED_RECORDS.name, "enriched_at"),
                (RECORD_SENTIMENT.name, "scored_at"),
                (UNIT_THEMES.name, "assigned_at"),
                (UNIT_TOPICS.name, "assigned_at"),
            )
        ]
        parts.append(
            "SELECT coalesce(md5(string_agg(concat_ws(',', theme_id, label, status, parent_id, "
            f"merged_into, model_version), ';' ORDER BY theme_id, model_version)), '') "
            f'FROM main."{THEMES.name}"'
        )
        parts.append(
            "SELECT coalesce(md5(string_agg(concat_ws(',', topic_id, label, status, "
            f"model_version), ';' ORDER BY topic_id)), '') FROM main.\"{TOPICS.name}\""
        )
        row = self._db.execute(
            "SELECT concat_ws('|', " + ", ".join(f"({part})" for part in parts) + ")"
        ).fetchone()
        return str(row[0]) if row else ""

    def write_analytics(
        self,
        tables: Mapping[str, pd.DataFrame],
        *,
        state: Mapping[str, str] | None = None,
        now: dt.datetime | None = None,
    ) -> None:
        """Replace the analytics tables given (and `followups`) in one transaction.

        Args:
            tables: Table name -> its complete new content; names from `ANALYTICS_TABLES`
                or ``followups``.
            state: `pipeline_state` values written in the same transaction (the inputs'
                fingerprint), so they never describe tables that were not written.
            now: Time stamp of the state values (default: now).

        Raises:
            ValueError: For a table that is not an analytics table.
            WarehouseError: When DuckDB refuses the rows; nothing is written then.
        """
        allowed = {*ANALYTICS_TABLES, FOLLOWUPS.name}
        unknown = set(tables) - allowed
        if unknown:
            raise ValueError(f"not analytics tables: {sorted(unknown)}")
        with self._db.transaction():
            for name, frame in tables.items():
                self._reset(name)
                if frame.empty:
                    continue
                columns = [c for c in TABLES[name].columns if c in frame.columns]
                if not columns:
                    raise WarehouseError(
                        f"{name}: the rows given have none of the table's columns "
                        f"({', '.join(map(str, frame.columns))})"
                    )
                self._db.insert(name, _arrow(frame[columns]))
            for key, value in (state or {}).items():
                write_state(self._db, key, value, now or dt.datetime.now(dt.UTC))
