"""Compare two warehouses' contents, leaving out what says when and by which run (pure).

Two workspaces that ingest the same files with the same configuration and seed must hold the
same data: the same records, units, embeddings, sentiment, themes, assignments, drivers and
follow-ups. What may differ is bookkeeping: each table's ``volatile`` columns (write times,
run ids, durations) and the time stamps inside batch ids and model versions
(``survey-20261203T093337030280-3b5493fe``, ``20261203T093826354321Z``). Those stamps are
replaced by their rank among all the stamps of their own warehouse, so the first model fitted
in one workspace is compared with the first fitted in the other.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Final

import numpy as np
import pandas as pd

from pipeline.schemas import TABLES

#: A write-time stamp inside a batch id or model version.
STAMP: Final = re.compile(r"\d{8}T\d{6}\d*Z?")


@dataclass(frozen=True)
class TableDifference:
    """How one table differs between two warehouses.

    Attributes:
        table: The table's name.
        rows: Row counts (first warehouse, second warehouse).
        columns: Columns whose values differ, each with how many rows differ (row order
            aside); empty when only the row counts differ or the table is missing.
        missing: Which side lacks the table ("first", "second"), else "".
    """

    table: str
    rows: tuple[int, int]
    columns: dict[str, int]
    missing: str = ""

    def describe(self) -> str:
        """One line for people."""
        if self.missing:
            return f"{self.table}: missing in the {self.missing} warehouse"
        parts = [f"{self.table}: rows {self.rows[0]:,} / {self.rows[1]:,}"]
        if self.columns:
            parts.append(
                "differ in " + ", ".join(f"{name} ({n:,})" for name, n in self.columns.items())
            )
        return "; ".join(parts)


def _stamps(tables: Mapping[str, pd.DataFrame]) -> dict[str, str]:
    """Every stamp in the tables' text cells -> its rank token (``<stamp 1>``, …)."""
    found: set[str] = set()
    for name, frame in tables.items():
        for column in frame.columns.difference(_volatile(name)):
            for value in _texts(frame[column]):
                found.update(STAMP.findall(value))
    return {stamp: f"<stamp {rank}>" for rank, stamp in enumerate(sorted(found), start=1)}


def _volatile(name: str) -> list[str]:
    table = TABLES.get(name)
    return list(table.volatile) if table else []


def _texts(column: pd.Series) -> list[str]:
    """The strings in a column, including those inside list cells."""
    texts: list[str] = []
    for value in column.dropna():
        if isinstance(value, str):
            texts.append(value)
        elif isinstance(value, list | tuple | np.ndarray):
            texts.extend(item for item in value if isinstance(item, str))
    return texts


def _canonical(value: Any, stamps: Mapping[str, str]) -> str:
    """A cell as text that compares equal exactly when the values are equal."""
    if isinstance(value, str):
        return STAMP.sub(lambda match: stamps.get(match.group(0), "<stamp>"), value)
    if isinstance(value, list | tuple | np.ndarray):
        return "[" + ", ".join(_canonical(item, stamps) for item in value) + "]"
    if value is None or (isinstance(value, float) and np.isnan(value)) or value is pd.NaT:
        return "null"
    if isinstance(value, float | np.floating):
        return float(value).hex()
    return repr(value)


def comparable_tables(tables: Mapping[str, pd.DataFrame]) -> dict[str, pd.DataFrame]:
    """The tables without their volatile columns, stamps ranked, rows in a canonical order.

    Args:
        tables: Table name -> its rows, as read from one warehouse.

    Returns:
        Table name -> a frame of canonical text cells (floats exactly, as hex), sorted.
    """
    stamps = _stamps(tables)
    result = {}
    for name, frame in tables.items():
        kept = [column for column in frame.columns if column not in _volatile(name)]
        cells = pd.DataFrame(
            {column: [_canonical(value, stamps) for value in frame[column]] for column in kept},
            index=pd.RangeIndex(len(frame)),
        )
        if kept:
            cells = cells.sort_values(kept, kind="stable").reset_index(drop=True)
        result[name] = cells
    return result


def table_differences(
    first: Mapping[str, pd.DataFrame], second: Mapping[str, pd.DataFrame]
) -> list[TableDifference]:
    """The tables whose data differ between two warehouses (empty: the same data).

    Args:
        first: Table name -> rows of the first warehouse.
        second: The same for the second.

    Returns:
        One `TableDifference` per table that differs, in table-name order.
    """
    left, right = comparable_tables(first), comparable_tables(second)
    differences = []
    for name in sorted(set(left) | set(right)):
        if name not in left or name not in right:
            side = "first" if name not in left else "second"
            rows = (len(left.get(name, ())), len(right.get(name, ())))
            differences.append(TableDifference(name, rows, {}, missing=side))
            continue
        a, b = left[name], right[name]
        rows = (len(a), len(b))
        columns: dict[str, int] = {}
        for column in sorted(set(a.columns) | set(b.columns)):
            if column not in a.columns or column not in b.columns:
                columns[column] = max(rows)
                continue
            x, y = sorted(a[column]), sorted(b[column])
            changed = sum(p != q for p, q in zip(x, y, strict=False)) + abs(len(x) - len(y))
            if changed:
                columns[column] = changed
        if columns or rows[0] != rows[1] or not a.equals(b):
            differences.append(TableDifference(name, rows, columns))
    return differences
