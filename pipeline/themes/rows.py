"""The `themes` and `theme_lineage` rows of a fitted model, with the codeframe applied."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

import pandas as pd

from pipeline.schemas import MODEL_VERSION, THEME_ID
from pipeline.themes.align import LineageEvent
from pipeline.themes.codeframe import Codeframe, apply_codeframe
from pipeline.themes.model import Theme

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
)


def theme_rows(
    themes: Sequence[Theme],
    version: str,
    previous: pd.DataFrame,
    codeframe: Codeframe,
    *,
    now: dt.datetime,
) -> pd.DataFrame:
    """Every theme's row: the model's themes active, earlier ones no longer fitted retired.

    Args:
        themes: The model's themes (final ids).
        version: The model version.
        previous: The `themes` table as it was (may be empty).
        codeframe: Edits to apply (names, merges, hidden themes).
        now: Time stamp for ``updated_at``.

    Returns:
        Frame with :data:`THEME_COLUMNS`.
    """
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
        rows += [
            {str(key): value for key, value in row.items()}
            for row in retired[list(THEME_COLUMNS)].to_dict("records")
        ]
    frame = pd.DataFrame(rows, columns=list(THEME_COLUMNS))
    for name in (THEME_ID, "parent_id", "merged_into", "size"):
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
