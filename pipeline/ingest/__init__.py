"""Readers: an input file becomes accepted records and rejects, chunk by chunk.

Each source has a planner (recognise the file, map its columns, refuse it when it cannot be
read at all) and a reader (yield validated chunks). Nothing here writes anywhere.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Final

from pipeline.config import IngestConfig
from pipeline.errors import InputFileError
from pipeline.ingest.base import IngestChunk, SourcePlan
from pipeline.ingest.chat import plan_chat, read_chat
from pipeline.ingest.privacy import redact_chunk
from pipeline.ingest.shape import file_shape, mismatch_advice, mismatch_warning, shape_of_path
from pipeline.ingest.social import plan_social, read_social
from pipeline.ingest.survey import plan_survey, read_survey

Planner = Callable[..., SourcePlan]
Reader = Callable[..., Iterator[IngestChunk]]

PLANNERS: dict[str, Planner] = {"survey": plan_survey, "chat": plan_chat, "social": plan_social}
READERS: dict[str, Reader] = {"survey": read_survey, "chat": read_chat, "social": read_social}

_TABULAR: Final = (".csv", ".tsv", ".xlsx", ".xlsm", ".json", ".jsonl", ".ndjson")
#: The file extensions of each source, which a folder of its inputs is read for. A ``.txt``
#: file is read as delimited text when it is named, but in a folder it is a README or a note.
EXTENSIONS: Final[dict[str, tuple[str, ...]]] = {
    "survey": _TABULAR,
    "chat": (".json", ".jsonl", ".ndjson"),
    "social": _TABULAR,
}

__all__ = ["EXTENSIONS", "IngestChunk", "SourcePlan", "plan_file", "read_file"]


def plan_file(path: Path, *, source: str, cfg: IngestConfig) -> SourcePlan:
    """Recognise an input file of a source kind (survey, chat or social) and map its fields.

    A file that looks like another source's (a survey export given as social, chat
    transcripts given as survey) is still planned as ``source``, with a warning that names
    what it looks like and what is lost; when it is refused, the refusal's hint names the
    source to use instead.

    Raises:
        InputFileError: When the file cannot be read at all.
        ValueError: For an unknown source kind.
    """
    if source not in PLANNERS:
        raise ValueError(f"unknown source '{source}'; expected one of {', '.join(PLANNERS)}")
    try:
        plan = PLANNERS[source](path, cfg=cfg)
    except InputFileError as refused:
        shape = shape_of_path(path)
        if shape is None or shape.source == source:
            raise
        raise InputFileError(
            path,
            refused.problem,
            hint=mismatch_advice(shape),
            line=refused.line,
            field=refused.field,
        ) from refused
    shape = file_shape(plan.info)
    if shape is None or shape.source == source:
        return plan
    if source == "survey" and shape.source == "social" and plan.columns.fields.get("score"):
        return plan  # it has a score: a survey export with social-looking extras
    warning = mismatch_warning(plan.info.path, shape, source=source)
    return dataclasses.replace(plan, warnings=(*plan.warnings, warning))


def read_file(
    plan: SourcePlan, *, cfg: IngestConfig, batch_id: str, ingested_at: dt.datetime
) -> Iterator[IngestChunk]:
    """Read a planned file: validated, redacted chunks of records and rejects.

    Personal data is redacted in every chunk before it leaves this function (see
    `pipeline.ingest.privacy`); the raw record text travels only as `raw_records` detail rows.
    """
    chunks = READERS[plan.source](plan, cfg=cfg, batch_id=batch_id, ingested_at=ingested_at)
    for chunk in chunks:
        yield redact_chunk(chunk, keep_raw_text=cfg.keep_raw_text, batch_id=batch_id)
