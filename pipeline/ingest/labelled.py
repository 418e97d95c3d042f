"""Reading labelled evaluation files (CSV, XLSX, JSON, JSON Lines): texts and gold labels."""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Final

import pandas as pd

from pipeline.errors import InputFileError
from pipeline.ingest.sniff import LINE, inspect_file, open_table

_CHUNK_ROWS: Final = 50_000


@dataclass
class LabelledTexts:
    """Texts with gold labels read from one or more files.

    Attributes:
        texts: The texts, in file order.
        labels: Their labels after mapping.
        skipped: Rows left out because the label or the text was empty, per file.
        flags: The ``flag_col`` value of each kept row (empty without one).
        groups: The ``group_col`` value of each kept row (empty without one).
    """

    texts: list[str] = field(default_factory=list)
    labels: list[str] = field(default_factory=list)
    flags: list[bool] = field(default_factory=list)
    groups: list[str] = field(default_factory=list)
    skipped: dict[str, int] = field(default_factory=dict)


_FLAGS = {"1": True, "0": False, "true": True, "false": False, "yes": True, "no": False}


def parse_label_map(spec: str | None) -> dict[str, str]:
    """Parse ``neg=negative,pos=positive`` into a dict (keys compared case-insensitively).

    Raises:
        ValueError: For an entry without ``=``.
    """
    if not spec:
        return {}
    mapping: dict[str, str] = {}
    for part in spec.split(","):
        key, sep, value = part.partition("=")
        if not sep or not key.strip() or not value.strip():
            raise ValueError(f"--map entry {part!r} is not FROM=TO")
        mapping[key.strip().lower()] = value.strip().lower()
    return mapping


def _map_label(raw: str, mapping: Mapping[str, str], *, by_sign: bool) -> str:
    value = raw.strip()
    if by_sign:
        number = float(value.replace(",", "."))
        return "positive" if number > 0 else "negative" if number < 0 else "neutral"
    return mapping.get(value.lower(), value.lower())


def read_labelled(
    paths: Sequence[Path],
    *,
    text_col: str,
    label_col: str,
    mapping: Mapping[str, str],
    allowed: Sequence[str] | None,
    by_sign: bool = False,
    exclude: Collection[str] = (),
    flag_col: str | None = None,
    group_col: str | None = None,
) -> LabelledTexts:
    """Read texts and labels; rows with an empty label or text are skipped and counted.

    Args:
        paths: Input files.
        text_col: Column (or JSON key) holding the text.
        label_col: Column holding the gold label.
        mapping: Raw label (lower-cased) → one of ``allowed``.
        allowed: The labels a mapped value must be; None accepts any label.
        by_sign: Labels are numbers: > 0 positive, < 0 negative, 0 neutral.
        exclude: Labels (after mapping, lower case) whose rows are skipped and counted.
        flag_col: A 0/1 (or true/false, yes/no) column read into ``flags`` as well (e.g. the
            gold churn intent).
        group_col: A column read into ``groups`` as text (e.g. the gold language).

    Returns:
        The texts and labels.

    Raises:
        InputFileError: For a missing column, or a label that maps to nothing allowed (naming
            the file, line and field).
    """
    result = LabelledTexts()
    for path in paths:
        info = inspect_file(path)
        header, chunks = open_table(info, chunk_rows=_CHUNK_ROWS)
        columns = {name.strip(): name for name in header}
        optional = [name for name in (flag_col, group_col) if name]
        for wanted in (text_col, label_col, *optional):
            if wanted not in columns:
                raise InputFileError(
                    path,
                    f"has no column '{wanted}'",
                    field=wanted,
                    hint=f"Columns found: {', '.join(columns) or 'none'}",
                )
        skipped = 0
        for chunk in chunks:
            rows: pd.DataFrame = chunk.rows
            skipped += len(chunk.malformed)
            flags = rows[columns[flag_col]] if flag_col else [None] * len(rows)
            groups = rows[columns[group_col]] if group_col else [None] * len(rows)
            for line, text, raw, flag, group in zip(
                rows[LINE],
                rows[columns[text_col]],
                rows[columns[label_col]],
                flags,
                groups,
                strict=True,
            ):
                if raw is None or not str(raw).strip() or text is None or not str(text).strip():
                    skipped += 1
                    continue
                try:
                    label = _map_label(str(raw), mapping, by_sign=by_sign)
                except ValueError:
                    label = ""
                if label in exclude:
                    skipped += 1
                    continue
                if allowed is not None and label not in allowed:
                    raise InputFileError(
                        path,
                        f"label {str(raw)!r} is not one of {', '.join(allowed)}",
                        line=int(line),
                        field=label_col,
                        hint="Map it with --map FROM=TO,... (or --sign for numeric labels)",
                    )
                if flag_col:
                    value = str(flag or "").strip().lower()
                    if value not in _FLAGS:
                        raise InputFileError(
                            path,
                            f"{flag!r} is not 0/1, true/false or yes/no",
                            line=int(line),
                            field=flag_col,
                        )
                    result.flags.append(_FLAGS[value])
                if group_col:
                    result.groups.append(str(group or "").strip())
                result.texts.append(str(text))
                result.labels.append(label)
        result.skipped[str(path)] = skipped
    return result
