"""The `themes` and `theme_lineage` rows of a fitted model, with the codeframe applied."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterable, Mapping, Sequence

import numpy as np
import pandas as pd

from pipeline.schemas import MODEL_VERSION, THEME_ID
from pipeline.themes.align import LineageEvent
from pipeline.themes.codeframe import Codeframe, apply_codeframe
from pipeline.themes.model import Theme
from pipeline.themes.topic_model import TopicInfo

#: Columns of the `themes` table, in order.
THEME_COLUMNS = (
    THEME_ID,
    "label",
    "keywords",
    "parent_id",
    "size",
    MODEL_VERSION,
    "status",
    "auto_label",
    "label_source",
    "quotes",
    "is_parent",
    "merged_into",
    "seed",
    "first_version",
    "updated_at",
    "topic_id",
)


def theme_rows(
    themes: Sequence[Theme],
    version: str,
    previous: pd.DataFrame,
    codeframe: Codeframe,
    *,
    now: dt.datetime,
    topic_of: Mapping[int, int] | None = None,
) -> pd.DataFrame:
    """Every theme's row: the model's themes active, earlier ones no longer fitted retired.

    Args:
        themes: The model's themes (final ids).
        version: The model version.
        previous: The `themes` table as it was (may be empty).
        codeframe: Edits to apply (names, merges, hidden themes).
        now: Time stamp for ``updated_at``.
        topic_of: Sub-theme id -> the id of the topic it belongs to (a parent: its first
            child's topic).

    Returns:
        Frame with :data:`THEME_COLUMNS`.
    """
    topics = dict(topic_of or {})
    for t in themes:
        if t.parent_id is not None and t.parent_id not in topics and t.theme_id in topics:
            topics[t.parent_id] = topics[t.theme_id]
    first = (
        dict(zip(previous[THEME_ID].astype(int), previous["first_version"], strict=True))
        if not previous.empty
        else {}
    )
    rows = [
        {
            THEME_ID: t.theme_id,
            "label": t.label,
            "keywords": list(t.keywords),
            "parent_id": t.parent_id,
            "size": t.size,
            MODEL_VERSION: version,
            "status": "active",
            "auto_label": t.label,
            "label_source": "seed" if t.seed else "auto",
            "quotes": list(t.quotes),
            "is_parent": t.is_parent,
            "merged_into": None,
            "seed": t.seed,
            "first_version": first.get(t.theme_id, version),
            "updated_at": now,
            "topic_id": topics.get(t.theme_id),
        }
        for t in themes
    ]
    fitted = {t.theme_id for t in themes}
    if not previous.empty:
        retired = previous[~previous[THEME_ID].astype(int).isin(fitted)].copy()
        retired["status"] = "retired"
        retired["size"] = 0
        retired["merged_into"] = None
        retired["label"] = retired["auto_label"]
        retired["label_source"] = retired["seed"].map(lambda s: "seed" if s else "auto")
        if "topic_id" not in retired.columns:
            retired["topic_id"] = None
        rows += [
            {str(key): value for key, value in row.items()}
            for row in retired[list(THEME_COLUMNS)].to_dict("records")
        ]
    frame = pd.DataFrame(rows, columns=list(THEME_COLUMNS))
    for name in (THEME_ID, "parent_id", "merged_into", "size", "topic_id"):
        frame[name] = frame[name].astype("Int64")
    frame["updated_at"] = pd.to_datetime(frame["updated_at"], utc=True)
    return apply_codeframe(frame, codeframe).sort_values(THEME_ID, ignore_index=True)


def lineage_rows(
    events: Sequence[LineageEvent], version: str, *, now: dt.datetime
) -> pd.DataFrame:
    """`theme_lineage` rows of one fit."""
    frame = pd.DataFrame(
        [
            {
                MODEL_VERSION: version,
                "event": e.event,
                THEME_ID: e.theme_id,
                "from_theme_id": e.from_theme_id,
                "similarity": e.similarity,
                "share": e.share,
                "created_at": now,
            }
            for e in events
        ],
        columns=[
            MODEL_VERSION,
            "event",
            THEME_ID,
            "from_theme_id",
            "similarity",
            "share",
            "created_at",
        ],
    )
    frame[THEME_ID] = frame[THEME_ID].astype("Int64")
    frame["from_theme_id"] = frame["from_theme_id"].astype("Int64")
    frame["similarity"] = frame["similarity"].astype("Float64")
    frame["share"] = frame["share"].astype("Float64")
    frame["created_at"] = pd.to_datetime(frame["created_at"], utc=True)
    return frame


#: Columns of the `topics` table, in order.
TOPIC_COLUMNS = (
    "topic_id", "topic_key", "label", "kind", "pack", "names", "size", MODEL_VERSION, "status",
    "first_version", "updated_at",
)  # fmt: skip


def topic_ids(keys: Sequence[str], previous: pd.DataFrame, next_id: int) -> dict[str, int]:
    """Each topic key's id: the id it had before, else a new one counting up from ``next_id``.

    Args:
        keys: The model's topic keys.
        previous: The `topics` table as it was (may be empty).
        next_id: First id never used by a theme or a topic.
    """
    known = (
        dict(zip(previous["topic_key"], previous["topic_id"].astype(int), strict=True))
        if not previous.empty
        else {}
    )
    ids = {}
    for key in keys:
        if key in known:
            ids[key] = known[key]
        else:
            ids[key] = next_id
            next_id += 1
    return ids


def topic_rows(
    topics: Sequence[TopicInfo],
    ids: Mapping[str, int],
    version: str,
    previous: pd.DataFrame,
    codeframe: Codeframe,
    *,
    language: str,
    now: dt.datetime,
) -> pd.DataFrame:
    """Every topic's row: the model's topics active (or hidden), earlier ones retired.

    Args:
        topics: The model's topics.
        ids: Topic key -> id (`topic_ids`).
        version: The model version.
        previous: The `topics` table as it was (may be empty).
        codeframe: Renames and hides by id apply to topics as to themes.
        language: Language of the labels (``reports.language``).
        now: Time stamp for ``updated_at``.

    Returns:
        Frame with :data:`TOPIC_COLUMNS`.
    """
    first = (
        dict(zip(previous["topic_key"], previous["first_version"], strict=True))
        if not previous.empty
        else {}
    )
    rows = [
        {
            "topic_id": ids[topic.key],
            "topic_key": topic.key,
            "label": "",
            "kind": topic.kind,
            "pack": topic.pack,
            "names": json.dumps(dict(topic.names), ensure_ascii=False, sort_keys=True),
            "size": 0,
            MODEL_VERSION: version,
            "status": "active",
            "first_version": first.get(topic.key, version),
            "updated_at": now,
        }
        for topic in topics
    ]
    live = {topic.key for topic in topics}
    if not previous.empty:
        for row in previous[~previous["topic_key"].isin(live)].to_dict("records"):
            rows.append({**{str(k): v for k, v in row.items()}, "status": "retired", "size": 0})
    frame = pd.DataFrame(rows, columns=list(TOPIC_COLUMNS))
    frame["topic_id"] = frame["topic_id"].astype("int64")
    frame["size"] = frame["size"].astype("int64")
    frame["updated_at"] = pd.to_datetime(frame["updated_at"], utc=True)
    return apply_topic_codeframe(frame, codeframe, language=language).sort_values(
        "topic_id", ignore_index=True
    )


def apply_topic_codeframe(
    topics: pd.DataFrame, codeframe: Codeframe, *, language: str
) -> pd.DataFrame:
    """`topics` rows with the codeframe's names and hidden topics applied.

    Args:
        topics: ``topic_id``, ``topic_key``, ``names`` (JSON) and ``status`` at least.
        codeframe: Its renames and hides, by id (topic ids never overlap theme ids).
        language: ``reports.language``.

    Returns:
        A new frame: ``label`` the codeframe's name, else the topic's name in ``language``
        (English, then the key); ``status`` retired where it was, else hidden or active.
    """
    names = topics["names"].map(json.loads)
    ids = topics["topic_id"].astype(int)
    labels = [
        codeframe.rename.get(i, found.get(language) or found.get("en") or key)
        for i, found, key in zip(ids, names, topics["topic_key"], strict=True)
    ]
    hidden = np.where(ids.isin(list(codeframe.hide)), "hidden", "active")
    status = np.where(topics["status"] == "retired", "retired", hidden)
    return topics.assign(label=labels, status=status)


def moved_sub_themes(codeframe: Codeframe, topic_ids: Iterable[int]) -> dict[int, int]:
    """Sub-theme id -> topic id, for each sub-theme ``themes.yaml`` merges into a topic."""
    topics = set(topic_ids)
    return {source: target for source, target in codeframe.merge.items() if target in topics}
