"""One DuckDB connection, with the warehouse's one transaction idiom and one insert helper.

Every table group of the warehouse (`pipeline.storage.warehouse.Warehouse`) works through the
same `Database`; nothing outside `pipeline.storage` sees the connection.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import Any

import duckdb
import pandas as pd
import pyarrow as pa

from pipeline.errors import WarehouseError


def qualified(table: str) -> str:
    """``main."table"`` for a bare warehouse table name; a qualified name as it is."""
    return table if "." in table else f'main."{table}"'


def with_string_dtype(frame: pd.DataFrame) -> pd.DataFrame:
    """Text columns as pandas' string dtype: checked in O(1) and handed to DuckDB as Arrow."""
    text_columns = [name for name in frame.columns if frame[name].dtype == object]
    return frame.astype(dict.fromkeys(text_columns, "str"))


class Database:
    """An open DuckDB connection.

    Args:
        con: The connection; the `Database` owns it from now on (`close` closes it).
    """

    def __init__(self, con: duckdb.DuckDBPyConnection) -> None:
        self._con = con
        self._depth = 0

    def execute(self, sql: str, params: Sequence[Any] | dict[str, Any] | None = None) -> Any:
        """Run one statement; the result is DuckDB's cursor (``.df()``, ``.fetchall()``, …)."""
        return self._con.execute(sql, params) if params is not None else self._con.execute(sql)

    def frame(
        self, sql: str, params: Sequence[Any] | dict[str, Any] | None = None
    ) -> pd.DataFrame:
        """The rows of a query as a frame."""
        return self.execute(sql, params).df()

    def arrow(self, sql: str, params: dict[str, Any] | None = None) -> pa.Table:
        """The rows of a query as an Arrow table (no pandas conversion: vectors stay flat)."""
        relation = self._con.sql(sql, params=params)
        # duckdb 2 names it to_arrow_table; 1.x arrow.
        fetch = getattr(relation, "to_arrow_table", None) or getattr(relation, "arrow")  # noqa: B009
        table: pa.Table = fetch()
        return table

    def tables(self) -> list[str]:
        """Every table of the warehouse (not the connection's temporary staging tables)."""
        rows = self.execute(
            "SELECT table_name FROM information_schema.tables WHERE table_schema = 'main' "
            "AND table_catalog = current_database() ORDER BY table_name"
        ).fetchall()
        return [row[0] for row in rows]

    def columns(self, table: str, *, catalog: str | None = None) -> list[str]:
        """Column names of a table (of its staged twin with catalog "temp"), in order."""
        name = table if catalog is None else f"staged_{table}"
        rows = self.execute(
            "SELECT column_name FROM information_schema.columns WHERE table_schema = 'main' "
            "AND table_catalog = coalesce(?, current_database()) AND table_name = ? "
            "ORDER BY ordinal_position",
            [catalog, name],
        ).fetchall()
        return [row[0] for row in rows]

    def register(self, name: str, rows: pd.DataFrame | pa.Table) -> None:
        """Make ``rows`` queryable as the view ``name`` on this connection."""
        self._con.register(name, rows)

    def unregister(self, name: str) -> None:
        """Drop the view ``name``."""
        self._con.unregister(name)

    @contextmanager
    def registered(self, name: str, rows: pd.DataFrame | pa.Table) -> Iterator[None]:
        """``rows`` queryable as ``name`` inside the block."""
        self.register(name, rows)
        try:
            yield
        finally:
            self.unregister(name)

    @contextmanager
    def transaction(self) -> Iterator[None]:
        """Commit the block's writes together, or none of them on any exception.

        A transaction inside another one joins it: only the outermost block commits.
        """
        if self._depth:
            self._depth += 1
            try:
                yield
            finally:
                self._depth -= 1
            return
        self._con.begin()
        self._depth = 1
        try:
            yield
        except BaseException:
            self._con.rollback()
            raise
        else:
            self._con.commit()
        finally:
            self._depth = 0

    def insert(self, table: str, rows: pd.DataFrame | pa.Table) -> None:
        """Append ``rows`` to ``table``, matching columns by name (nothing for no rows).

        Raises:
            WarehouseError: When DuckDB refuses the rows (a missing column, a wrong type).
        """
        if len(rows) == 0:
            return
        target = qualified(table)
        self._con.register("_incoming_rows", rows)
        try:
            self._con.execute(f"INSERT INTO {target} BY NAME SELECT * FROM _incoming_rows")
        except duckdb.Error as e:
            raise WarehouseError(f"writing to table {target} failed: {e}") from e
        finally:
            self._con.unregister("_incoming_rows")

    def close(self) -> None:
        """Close the connection."""
        self._con.close()
