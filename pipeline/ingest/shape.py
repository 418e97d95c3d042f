"""What kind of feedback a file looks like, so a file given as the wrong source is noticed.

A survey export given as ``social`` loses its scores; chat transcripts given as ``survey`` lose
their turns; a survey export given as ``chat`` is refused row by row. Readers do as they are
told, so the shape of the file is sniffed from its columns (or keys) and a mismatch is named in
a warning, or in the hint of a refusal.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from itertools import islice
from pathlib import Path
from typing import Final

import pandas as pd

from pipeline.errors import InputFileError
from pipeline.ingest.chat import KEYS as CHAT_KEYS
from pipeline.ingest.columns import resolve_columns
from pipeline.ingest.normalize import optional_text
from pipeline.ingest.sniff import FileInfo, RawChunk, inspect_file, iter_json_objects, open_table

_SAMPLE_ROWS: Final = 200
#: A score column's values lie on one of the survey scales (NPS 0-10, CSAT 1-5, CES 1-7).
_SCORE_RANGE: Final = (0.0, 10.0)
_SOCIAL_FIELDS: Final = ("platform", "author", "in_reply_to", "is_retweet", "likes", "shares")
_DESCRIPTIONS: Final = {
    "survey": "a survey export",
    "chat": "chat transcripts",
    "social": "social mentions",
}
#: What is lost when a file of one shape (second) is ingested as another source (first).
_CONSEQUENCES: Final = {
    ("social", "survey"): "its scores are not kept",
    ("chat", "survey"): "its rows have no list of messages and are refused",
    ("chat", "social"): "its rows have no list of messages and are refused",
    ("survey", "chat"): "the conversations are not split into customer, agent and bot turns",
    ("social", "chat"): "the conversations are not split into customer, agent and bot turns",
    ("survey", "social"): "platform, author and replies are not kept as mention details",
}


@dataclass(frozen=True)
class Shape:
    """The source a file looks like, and the columns (or keys) that say so.

    Attributes:
        source: survey, chat or social.
        evidence: The telling column or key names, as in the file.
        keys: True when the file is JSON (the names are keys, not columns).
    """

    source: str
    evidence: tuple[str, ...]
    keys: bool = False

    def describe(self) -> str:
        """What the file looks like: "a survey export (columns score, comment)"."""
        kind = "keys" if self.keys else "columns"
        if len(self.evidence) == 1:
            kind = kind[:-1]
        return f"{_DESCRIPTIONS[self.source]} ({kind} {', '.join(self.evidence)})"


def file_shape(info: FileInfo) -> Shape | None:
    """Sniff which source a readable file looks like from its first rows.

    Chat transcripts hold a list of message objects under a messages key; a survey export has a
    score column with values on a 0-10 scale; social mentions have no score but platform,
    author, reply or like columns (two of them at least).

    Args:
        info: The inspected file.

    Returns:
        The shape, or None when the file does not clearly look like any source.

    Raises:
        InputFileError: When the file cannot be read as a table.
    """
    if info.is_empty:
        return None
    is_json = info.format in ("json", "jsonl")
    if is_json:
        key = _messages_key(islice(iter_json_objects(info), _SAMPLE_ROWS))
        if key is not None:
            return Shape("chat", (key,), keys=True)
    header, chunks = open_table(info, chunk_rows=_SAMPLE_ROWS)
    sample = (next(chunks, None) or RawChunk(pd.DataFrame(columns=header))).rows
    columns = resolve_columns(
        header,
        sample,
        path=info.path,
        fields=("score", "text", *_SOCIAL_FIELDS),
        configured={},
        configured_segments={},
        config_prefix="ingest",
        detect_segments=False,
    ).fields
    score = columns["score"]
    if score and _on_a_score_scale(sample[score] if score in sample else None):
        evidence = (score, columns["text"]) if columns["text"] else (score,)
        return Shape("survey", evidence, keys=is_json)
    social = tuple(column for name in _SOCIAL_FIELDS if (column := columns[name]))
    if len(social) >= 2:  # one alone ("user", "site") is common in any export
        return Shape("social", social, keys=is_json)
    return None


def _messages_key(objects: Iterator[tuple[int, dict | None, str]]) -> str | None:
    names = CHAT_KEYS["messages"]
    for _, item, _ in objects:
        for key, value in (item or {}).items():
            if key.lower() in names and isinstance(value, list) and value:
                if all(isinstance(message, dict) for message in value):
                    return str(key)
    return None


def _on_a_score_scale(values: pd.Series | None) -> bool:
    if values is None or values.empty:
        return True  # a header without rows: the name decides
    numbers = pd.to_numeric(optional_text(values), errors="coerce").dropna()
    low, high = _SCORE_RANGE
    return not numbers.empty and bool(numbers.between(low, high).mean() >= 0.9)


def shape_of_path(path: Path) -> Shape | None:
    """`file_shape` of a file on disk; None when it cannot be read at all."""
    try:
        return file_shape(inspect_file(path))
    except InputFileError:  # unreadable: the reader's own refusal says why
        return None


def mismatch_advice(shape: Shape) -> str:
    """The hint for a refused file that looks like another source's file."""
    return f"It looks like {shape.describe()}: ingest it with `verbatim ingest {shape.source}`"


def mismatch_warning(path: Path, shape: Shape, *, source: str) -> str:
    """The warning for a file ingested as ``source`` that looks like another source's file.

    For example "survey.csv looks like a survey export (columns score, comment) but was
    ingested as social: its scores are not kept; ingest it with `verbatim ingest survey`".
    """
    consequence = _CONSEQUENCES.get((source, shape.source), "")
    return (
        f"{path} looks like {shape.describe()} but was ingested as {source}"
        f"{': ' + consequence if consequence else ''}; "
        f"ingest it with `verbatim ingest {shape.source}`"
    )
