"""Field parsers shared by the readers: dates, scores, ids, and the reject bookkeeping.

Each parser works on a whole column at once and returns the parsed values together with a
reason per row that failed (``None`` where the row is fine), so one pass yields both the
records and the rejects.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Iterable, Sequence

import numpy as np
import pandas as pd

from pipeline.ingest.sniff import LINE

_ISO_OFFSET = re.compile(r"(?:Z|[+-]\d\d:?\d\d)$", re.IGNORECASE)
_DATE_FORMATS_DAYFIRST = (
    "%d.%m.%Y %H:%M:%S",
    "%d.%m.%Y %H:%M",
    "%d.%m.%Y",
    "%d/%m/%Y %H:%M:%S",
    "%d/%m/%Y %H:%M",
    "%d/%m/%Y",
    "%d-%m-%Y %H:%M:%S",
    "%d-%m-%Y %H:%M",
    "%d-%m-%Y",
    "%d.%m.%y %H:%M",
    "%d.%m.%y",
    "%Y/%m/%d %H:%M:%S",
    "%Y/%m/%d",
)
_SCORE_PATTERN = re.compile(r"^\s*([+-]?\d+(?:[.,]\d+)?)\s*(?:(?:[-\u2013:=]|\()\s*\D.*)?$")
_EARLIEST = pd.Timestamp("1990-01-01", tz="UTC")


def _strip(values: pd.Series) -> pd.Series:
    """Strip whitespace; empty strings become missing. Returns pandas' string dtype."""
    text = values.astype("str").str.strip()
    return text.where(text != "")


def parse_datetimes(
    values: pd.Series, *, dayfirst: bool = True, timezone: str = "UTC"
) -> tuple[pd.Series, pd.Series]:
    """Parse timestamps written in ISO 8601, dd.mm.yyyy or dd/mm/yyyy, with or without a time.

    Timestamps without an offset are read in ``timezone``; all results are UTC.

    Args:
        values: Raw text per row (missing allowed).
        dayfirst: Read 01/02/2026 as 1 February (False: 2 January).
        timezone: IANA zone for timestamps that carry no offset.

    Returns:
        (timestamps as datetime64[us, UTC] with NaT where missing or bad, reason per row or None).
    """
    text = _strip(values)
    parsed = pd.Series(pd.NaT, index=values.index, dtype="datetime64[us, UTC]")
    present = text.notna()
    has_offset = present & _as_str(text).str.contains(_ISO_OFFSET.pattern, case=False).fillna(
        False
    ).astype(bool)
    if has_offset.any():
        aware = pd.to_datetime(text[has_offset], format="ISO8601", utc=True, errors="coerce")
        parsed[has_offset] = aware.dt.as_unit("us")
    naive_mask = present & ~has_offset
    if naive_mask.any():
        naive = pd.Series(pd.NaT, index=text[naive_mask].index, dtype="datetime64[us]")
        remaining = text[naive_mask]
        formats = _likely_first(remaining, ("ISO8601", *_date_formats(dayfirst=dayfirst)))
        for fmt in formats:
            if remaining.empty:
                break
            attempt = pd.to_datetime(remaining, format=fmt, errors="coerce")
            good = attempt.notna()
            naive[good[good].index] = attempt[good].dt.as_unit("us")
            remaining = remaining[~good]
        localized = naive.dt.tz_localize(
            timezone, ambiguous=np.ones(len(naive), dtype=bool), nonexistent="shift_forward"
        ).dt.tz_convert("UTC")
        parsed[naive_mask] = localized.dt.as_unit("us")
    reasons = pd.Series(None, index=values.index, dtype="object")
    reasons[~present] = "date is empty"
    bad = present & parsed.isna()
    reasons[bad] = text[bad].map(
        lambda v: (
            f"date '{_clip(v)}' is not a date (expected ISO 8601, dd.mm.yyyy or "
            "dd/mm/yyyy, optionally with a time)"
        )
    )
    latest = pd.Timestamp.now(tz="UTC") + pd.Timedelta(days=2)
    implausible = parsed.notna() & ((parsed < _EARLIEST) | (parsed > latest))
    reasons[implausible] = parsed[implausible].map(
        # components, not strftime: a year such as 0 is outside what strftime can write
        lambda v: f"date {v.year:04d}-{v.month:02d}-{v.day:02d} is outside 1990-01-01 .. today"
    )
    parsed[implausible] = pd.NaT
    return parsed, reasons


def _likely_first(text: pd.Series, formats: Sequence[str]) -> list[str]:
    """Order formats by how many of the first values they parse (one export, one format)."""
    sample = text.head(50)
    hits = {
        fmt: int(pd.to_datetime(sample, format=fmt, errors="coerce").notna().sum())
        for fmt in formats
    }
    return sorted(formats, key=lambda fmt: -hits[fmt])


def _date_formats(*, dayfirst: bool) -> tuple[str, ...]:
    if dayfirst:
        return _DATE_FORMATS_DAYFIRST
    return tuple(
        fmt.replace("%d/%m", "%m/%d").replace("%d-%m", "%m-%d") for fmt in _DATE_FORMATS_DAYFIRST
    )


def date_share(values: pd.Series) -> float:
    """Share of non-empty values that parse as timestamps (0 when there are none)."""
    text = _strip(values).dropna()
    if text.empty:
        return 0.0
    parsed, _ = parse_datetimes(text)
    return float(parsed.notna().mean())


def parse_scores(
    values: pd.Series, *, score_range: tuple[int, int], whole: bool, label: str = "score"
) -> tuple[pd.Series, pd.Series]:
    """Parse numeric scores: "9", " 9 ", "9,0", "10 - Extremely likely".

    Args:
        values: Raw text per row (missing allowed: the score stays NaN, no reason).
        score_range: Inclusive (low, high).
        whole: Refuse non-integers (NPS answers are whole numbers).
        label: Field name used in reasons.

    Returns:
        (scores as float64 with NaN where missing or bad, reason per row or None).
    """
    text = _strip(values)
    numbers = _leading_numbers(text)
    scores = pd.to_numeric(numbers, errors="coerce").astype("float64")
    reasons = pd.Series(None, index=values.index, dtype="object")
    present = text.notna()
    not_number = present & scores.isna()
    reasons[not_number] = text[not_number].map(lambda v: f"{label} '{_clip(v)}' is not a number")
    low, high = score_range
    outside = scores.notna() & ((scores < low) | (scores > high))
    reasons[outside] = scores[outside].map(lambda v: f"{label} {v:g} is outside {low}-{high}")
    if whole:
        fractional = scores.notna() & ~outside & (scores % 1 != 0)
        reasons[fractional] = scores[fractional].map(
            lambda v: f"{label} {v:g} is not a whole number"
        )
    scores[reasons.notna()] = np.nan
    return scores, reasons


def _as_str(text: pd.Series) -> pd.Series:
    """The same values as pandas' string dtype (vectorised string methods)."""
    return text.astype("str")


def _leading_numbers(text: pd.Series) -> pd.Series:
    """The number a score cell starts with ("10 - Extremely likely" -> "10"), else missing."""
    found = _as_str(text).str.extract(_SCORE_PATTERN, expand=False)
    return found.str.replace(",", ".", regex=False)


def numeric_share(values: pd.Series) -> float:
    """Share of non-empty values that read as a number (0 when there are none)."""
    text = _strip(values).dropna()
    if text.empty:
        return 0.0
    return float(_leading_numbers(text).notna().mean())


def nps_categories(scores: pd.Series) -> pd.Series:
    """Map 0-10 scores to promoter (9-10), passive (7-8), detractor (0-6); NaN stays missing."""
    categories = pd.Series(None, index=scores.index, dtype="object")
    categories[scores >= 9] = "promoter"
    categories[(scores >= 7) & (scores < 9)] = "passive"
    categories[scores < 7] = "detractor"
    return categories


def clean_text(values: pd.Series) -> pd.Series:
    """Comment text as stored: missing becomes "", surrounding whitespace is removed."""
    return _strip(values).fillna("").astype("object")


def optional_text(values: pd.Series) -> pd.Series:
    """Stripped text, missing where empty (ids, segments)."""
    return _strip(values)


def content_ids(parts: Iterable[pd.Series]) -> pd.Series:
    """Content hash per row over the given columns: the id of a record whose file has none."""
    columns = [part.astype("object").where(part.notna(), "").astype(str) for part in parts]
    blobs = ["\x1f".join(values) for values in zip(*columns, strict=True)]
    return pd.Series(
        ["h-" + hashlib.blake2b(blob.encode(), digest_size=10).hexdigest() for blob in blobs],
        index=columns[0].index,
        dtype="object",
    )


def record_ids(source: str, source_ids: pd.Series) -> pd.Series:
    """Stable record id from the source kind and the source's own id."""
    prefix = f"{source}\x1f"
    blake2b = hashlib.blake2b
    return pd.Series(
        [blake2b((prefix + sid).encode(), digest_size=10).hexdigest() for sid in source_ids],
        index=source_ids.index,
        dtype="object",
    )


def first_reason(*reason_columns: tuple[str, pd.Series]) -> tuple[pd.Series, pd.Series]:
    """Combine per-field reasons: for each row the first failing (field, reason), else None.

    Args:
        reason_columns: (field name, reasons) pairs in order of precedence.

    Returns:
        (field per row or None, reason per row or None).
    """
    index = reason_columns[0][1].index
    fields = pd.Series(None, index=index, dtype="object")
    reasons = pd.Series(None, index=index, dtype="object")
    for name, column in reason_columns:
        take = reasons.isna() & column.notna()
        fields[take] = name
        reasons[take] = column[take]
    return fields, reasons


def raw_json(rows: pd.DataFrame) -> pd.Series:
    """The raw row as a JSON object of its source columns (line number excluded)."""
    columns = [name for name in rows.columns if name != LINE]
    records = rows[columns].astype("object").where(rows[columns].notna(), None)
    return pd.Series(
        [
            json.dumps(dict(zip(columns, values, strict=True)), ensure_ascii=False)
            for values in records.itertuples(index=False, name=None)
        ],
        index=rows.index,
        dtype="object",
    )


def extra_json(rows: pd.DataFrame, columns: list[str]) -> pd.Series:
    """Unmapped source columns per row as one JSON object each (None when there are none).

    Empty cells are kept as ``null`` or ``""``, so the row can be rebuilt as it was read.
    """
    if not columns or rows.empty:
        return pd.Series(None, index=rows.index, dtype="object")
    lines = rows[columns].to_json(orient="records", lines=True, force_ascii=False)
    # split on "\n" only: splitlines() also breaks at U+2028 / U+0085, which JSON leaves as is
    return pd.Series(lines.rstrip("\n").split("\n"), index=rows.index, dtype="object")


def rejects_frame(
    rows: pd.DataFrame,
    fields: pd.Series,
    reasons: pd.Series,
    *,
    file: str,
    malformed: Sequence[tuple[int, str, str]] = (),
) -> pd.DataFrame:
    """Build reject rows: the failed rows of a chunk plus records that could not be split.

    Args:
        rows: Raw rows of the chunk (with ``__line__``).
        fields: Failing field per row (None where fine).
        reasons: Reason per row (None where fine).
        file: The input file, as shown to the user.
        malformed: (line, reason, raw text) of records that could not be parsed at all.

    Returns:
        Frame with file, line, field, reason, raw.
    """
    failed = reasons.notna()
    bad_rows = rows[failed]
    parts = [
        pd.DataFrame(
            {
                "file": file,
                "line": bad_rows[LINE].astype("Int64"),
                "field": fields[failed].astype("object"),
                "reason": reasons[failed].astype("object"),
                "raw": raw_json(bad_rows) if len(bad_rows) else pd.Series(dtype="object"),
            }
        )
    ]
    if malformed:
        parts.append(
            pd.DataFrame(
                {
                    "file": file,
                    "line": pd.array([line for line, _, _ in malformed], dtype="Int64"),
                    "field": pd.Series([None] * len(malformed), dtype="object"),
                    "reason": [reason for _, reason, _ in malformed],
                    "raw": [raw for _, _, raw in malformed],
                }
            )
        )
    frames = [part for part in parts if len(part)]
    if not frames:
        return parts[0].iloc[0:0].reset_index(drop=True)
    return pd.concat(frames, ignore_index=True)


def _clip(value: object, limit: int = 40) -> str:
    text = str(value)
    return text if len(text) <= limit else text[: limit - 1] + "…"
