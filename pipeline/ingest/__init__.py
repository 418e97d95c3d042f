"""Readers: an input file becomes accepted records and rejects, chunk by chunk.

Each source has a planner (recognise the file, map its columns, refuse it when it cannot be
read at all) and a reader (yield validated chunks). Nothing here writes anywhere.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterator
from pathlib import Path

from pipeline.config import IngestConfig
from pipeline.ingest.base import IngestChunk, SourcePlan
from pipeline.ingest.chat import plan_chat, read_chat
from pipeline.ingest.privacy import redact_chunk
from pipeline.ingest.social import plan_social, read_social
from pipeline.ingest.survey import plan_survey, read_survey

Planner = Callable[..., SourcePlan]
Reader = Callable[..., Iterator[IngestChunk]]

PLANNERS: dict[str, Planner] = {"survey": plan_survey, "chat": plan_chat, "social": plan_social}
READERS: dict[str, Reader] = {"survey": read_survey, "chat": read_chat, "social": read_social}

__all__ = ["IngestChunk", "SourcePlan", "plan_file", "read_file"]


def plan_file(path: Path, *, source: str, cfg: IngestConfig) -> SourcePlan:
    """Recognise an input file of a source kind (survey, chat or social) and map its fields.

    Raises:
        InputFileError: When the file cannot be read at all.
        ValueError: For an unknown source kind.
    """
    if source not in PLANNERS:
        raise ValueError(f"unknown source '{source}'; expected one of {', '.join(PLANNERS)}")
    return PLANNERS[source](path, cfg=cfg)


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
