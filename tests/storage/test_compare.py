"""Comparing two warehouses: the same data compare equal whatever their stamps and row order."""

from __future__ import annotations

import pandas as pd

from pipeline.schemas import TABLES
from pipeline.storage.compare import comparable_tables, table_differences


def _tables(version: str, batch: str, score: float = 0.5) -> dict[str, pd.DataFrame]:
    sentiment = pd.DataFrame(
        {
            "unit_id": ["u2", "u1"],
            "record_id": ["r1", "r1"],
            "label": ["positive", "negative"],
            "score": [score, -0.25],
            "model": ["weak", "weak"],
            "model_version": [version, version],
            "scored_at": pd.Timestamp.now(tz="UTC"),
        }
    )
    records = pd.DataFrame(
        {
            "record_id": ["r1"],
            "batch_id": [f"survey-{batch}-3b5493fe"],
            "ingested_at": pd.Timestamp.now(tz="UTC"),
        }
    )
    return {"unit_sentiment": sentiment, "records": records}


def test_warehouses_of_the_same_data_compare_equal_whatever_their_stamps_and_order() -> None:
    first = _tables("20261203T093635248329Z", "20261203T093337030280")
    second = _tables("20261204T010203000001Z", "20261204T010200000000")
    second["unit_sentiment"] = second["unit_sentiment"].iloc[::-1]
    assert table_differences(first, second) == []
    cells = comparable_tables(first)["unit_sentiment"]
    assert "scored_at" not in cells.columns
    assert set(cells["model_version"]) == {"<stamp 2>"}  # the batch's stamp is older: rank 1


def test_a_value_that_differs_is_named_with_its_table_and_column() -> None:
    first = _tables("20261203T093635248329Z", "20261203T093337030280")
    second = _tables("20261203T093635248329Z", "20261203T093337030280", score=0.5 + 1e-12)
    [difference] = table_differences(first, second)
    assert (difference.table, difference.columns) == ("unit_sentiment", {"score": 1})
    assert "score (1)" in difference.describe()


def test_rows_paired_differently_are_a_difference_even_when_every_column_matches() -> None:
    first = _tables("20261203T093635248329Z", "20261203T093337030280")
    second = {name: frame.copy() for name, frame in first.items()}
    second["unit_sentiment"]["label"] = ["negative", "positive"]
    [difference] = table_differences(first, second)
    assert difference.table == "unit_sentiment" and difference.columns == {}


def test_a_missing_table_is_reported() -> None:
    first = _tables("20261203T093635248329Z", "20261203T093337030280")
    second = {"records": first["records"]}
    [difference] = table_differences(first, second)
    assert (difference.table, difference.missing) == ("unit_sentiment", "second")


def test_volatile_columns_are_real_columns_of_their_tables() -> None:
    for table in TABLES.values():
        assert set(table.volatile) <= set(table.columns), table.name
