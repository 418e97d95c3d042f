"""Enrichment as one stage: records -> cleaned, language-tagged records and opinion units.

The steps (cleaning, language, segmentation, per-unit language, optional NER redaction) are
the functions of the sibling modules; this module only chains them, so every step can also be
used and measured on its own.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass

import pandas as pd

from pipeline.config import EnrichConfig, RedactConfig
from pipeline.schemas import (
    CLEAN_TEXT,
    DUPLICATE_OF,
    ENRICHED_AT,
    IS_DUPLICATE,
    LANG,
    RECORD_ID,
    TEXT,
    UNIT_ID,
)
from pipeline.text.clean import clean_records, duplicate_keys
from pipeline.text.language import UNDETERMINED, detect_languages
from pipeline.text.redact import redact_texts
from pipeline.text.segment import segment_units


@dataclass(frozen=True)
class Enrichment:
    """Result of enriching a batch of records.

    Attributes:
        records: One row per input record: record_id, clean_text, lang, is_duplicate,
            duplicate_of, units, enriched_at.
        units: Opinion units: unit_id, record_id, position, text, lang.
    """

    records: pd.DataFrame
    units: pd.DataFrame


def enrich_records(
    records: pd.DataFrame,
    *,
    cfg: EnrichConfig,
    redact: RedactConfig,
    earlier: Mapping[str, str] | None = None,
    now: dt.datetime | None = None,
) -> Enrichment:
    """Clean, tag and segment records.

    Duplicates (retweets, copy-paste campaigns, repeated texts) keep their enriched row but
    yield no opinion units, so each opinion counts once.

    Args:
        records: Frame with record_id, source and (already redacted) text.
        cfg: Enrichment options.
        redact: Redaction options (``ner`` adds spaCy person-name redaction on units).
        earlier: Duplicate keys of records enriched before, mapped to their record_id (see
            `duplicate_index`), so that a campaign spread over several runs counts once.
        now: Timestamp stored as enriched_at (default: the current time).

    Returns:
        The enriched records and their opinion units.
    """
    cleaned = clean_records(records, earlier=earlier, drop_hashtags=cfg.drop_hashtags)
    return tag_and_segment(cleaned, cfg=cfg, redact=redact, now=now)


def tag_and_segment(
    cleaned: pd.DataFrame,
    *,
    cfg: EnrichConfig,
    redact: RedactConfig,
    now: dt.datetime | None = None,
) -> Enrichment:
    """The second half of `enrich_records`, on records `clean_records` already cleaned.

    Language tags, opinion units (of originals only) and their languages, NER redaction when
    asked. Each record is handled on its own, so a chunk split into partitions gives the same
    result partition by partition (what scale-out relies on).

    Args:
        cleaned: `clean_records` output (record_id, clean_text, is_duplicate, duplicate_of).
        cfg: Enrichment options.
        redact: Redaction options.
        now: Timestamp stored as enriched_at (default: the current time).
    """
    record_langs = detect_languages(
        list(cleaned[CLEAN_TEXT]),
        detector=cfg.language_detector,
        min_words=cfg.min_words,
        languages=cfg.languages,
    )
    cleaned = cleaned.assign(**{LANG: record_langs})
    originals = cleaned[~cleaned[IS_DUPLICATE].astype(bool)]
    units = segment_units(originals, max_unit_chars=cfg.max_unit_chars)
    if len(units):
        unit_langs = pd.Series(
            detect_languages(
                list(units[TEXT]),
                detector=cfg.language_detector,
                min_words=cfg.min_words,
                languages=cfg.languages,
            ),
            index=units.index,
        )
        units = units.assign(**{LANG: unit_langs.where(unit_langs != UNDETERMINED, units[LANG])})
        if redact.ner:
            units = units.assign(
                **{TEXT: redact_texts(list(units[TEXT]), ner=True, languages=list(units[LANG]))}
            )
    counts = units.groupby(RECORD_ID)[UNIT_ID].count() if len(units) else pd.Series(dtype=int)
    stamp = pd.Timestamp(now or dt.datetime.now(dt.UTC)).tz_convert("UTC").as_unit("us")
    enriched = pd.DataFrame(
        {
            RECORD_ID: cleaned[RECORD_ID].astype("object"),
            CLEAN_TEXT: cleaned[CLEAN_TEXT].astype("object"),
            LANG: cleaned[LANG].astype("object"),
            IS_DUPLICATE: cleaned[IS_DUPLICATE].astype(bool),
            DUPLICATE_OF: cleaned[DUPLICATE_OF].astype("object"),
            "units": cleaned[RECORD_ID].map(counts).fillna(0).astype("int32"),
            ENRICHED_AT: stamp,
        }
    ).reset_index(drop=True)
    return Enrichment(records=enriched, units=units.reset_index(drop=True))


def duplicate_index(enriched: pd.DataFrame, *, sources: pd.Series) -> dict[str, str]:
    """Duplicate keys of enriched original records, mapped to their record_id.

    Args:
        enriched: Frame with record_id, clean_text and is_duplicate.
        sources: Each record's source, aligned with ``enriched``.

    Returns:
        Key -> record_id, for passing as ``earlier`` to `enrich_records`.
    """
    originals = ~enriched[IS_DUPLICATE].astype(bool)
    keys = duplicate_keys(enriched[CLEAN_TEXT][originals], sources=sources[originals])
    ids = enriched[RECORD_ID][originals]
    return {key: rid for key, rid in zip(keys, ids, strict=True) if key}
