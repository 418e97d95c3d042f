"""Enrichment job: clean, tag languages, flag duplicates, split new records into opinion units."""

from __future__ import annotations

import datetime as dt
import functools
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from pipeline.config import Config
from pipeline.jobs.parallel import IN_PROCESS, Mapper, split_frame
from pipeline.storage.warehouse import open_warehouse


@dataclass
class EnrichReport:
    """What one enrichment run did."""

    records: int = 0
    units: int = 0
    duplicates: int = 0
    languages: dict[str, int] = field(default_factory=dict)

    def as_dict(self) -> dict[str, Any]:
        """The `--json` shape."""
        return asdict(self)


def enrich_pending(
    cfg: Config,
    *,
    on_progress: Callable[[int], None] | None = None,
    mapper: Mapper = IN_PROCESS,
) -> EnrichReport:
    """Enrich every record that has no enrichment yet, chunk by chunk (re-running is a no-op).

    Cleaning and duplicate marking run here, in order (a duplicate may sit in another
    partition); language tagging and segmentation run per partition through ``mapper``.

    Args:
        cfg: Configuration.
        on_progress: Called with the number of records enriched after each chunk.
        mapper: Where partitions are computed (`pipeline.jobs.parallel`); default here.

    Returns:
        Counts of records, units, duplicates and records per language.
    """
    from pipeline.text.clean import clean_records
    from pipeline.text.enrich import Enrichment, duplicate_index, tag_and_segment

    report = EnrichReport()
    with open_warehouse(cfg) as warehouse:
        recent = warehouse.enrichment.recent_originals(cfg.enrich.duplicate_window_days)
        earlier = duplicate_index(recent, sources=recent["source"])
        while True:
            pending = warehouse.enrichment.pending_records(cfg.enrich.chunk_rows)
            if pending.empty:
                break
            cleaned = clean_records(
                pending, earlier=earlier, drop_hashtags=cfg.enrich.drop_hashtags
            )
            compute = functools.partial(
                tag_and_segment, cfg=cfg.enrich, redact=cfg.redact, now=dt.datetime.now(dt.UTC)
            )
            parts = mapper(compute, split_frame(cleaned, mapper.partitions))
            result = Enrichment(
                records=pd.concat([part.records for part in parts], ignore_index=True),
                units=pd.concat([part.units for part in parts], ignore_index=True),
            )
            warehouse.enrichment.write_enrichment(result.records, result.units)
            earlier.update(duplicate_index(result.records, sources=pending["source"]))
            report.records += len(result.records)
            report.units += len(result.units)
            report.duplicates += int(result.records["is_duplicate"].sum())
            for lang, n in result.records["lang"].value_counts().items():
                report.languages[str(lang)] = report.languages.get(str(lang), 0) + int(n)
            if on_progress is not None:
                on_progress(len(result.records))
    return report


def reading_weights(cfg: Config, texts: Sequence[str], langs: Sequence[str]) -> np.ndarray:
    """(n, 4) language weights the lexicons read each text with (see `language_weights`)."""
    from pipeline.text.language import language_weights

    return language_weights(
        texts, langs, detector=cfg.enrich.language_detector, languages=cfg.enrich.languages
    )


def prepare_texts(
    cfg: Config, texts: Sequence[str], *, source: str
) -> tuple[list[str], list[str]]:
    """Clean texts as enrichment does and name their languages."""
    from pipeline.text.clean import clean_text
    from pipeline.text.language import detect_languages

    cleaned = [clean_text(text, source=source) for text in texts]
    langs = detect_languages(
        cleaned,
        detector=cfg.enrich.language_detector,
        min_words=cfg.enrich.min_words,
        languages=cfg.enrich.languages,
    )
    return cleaned, langs
