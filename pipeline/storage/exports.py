"""Exports to CSV and Parquet, with no text cell a spreadsheet would run as a formula.

A CSV cell that starts with ``=``, ``+``, ``-`` or ``@`` (or a tab or carriage return, which
some spreadsheets skip before looking) is read by Excel, LibreOffice and Google Sheets as a
formula: a customer comment like ``=HYPERLINK("http://evil", "click")`` would become a live
link in the CX team's follow-up sheet. Such text cells are written with a leading apostrophe,
which every spreadsheet shows as plain text (OWASP's advice on CSV injection). Numbers are left
alone: only text columns are touched.
"""

from __future__ import annotations

from pathlib import Path
from typing import Final

from pipeline.errors import WarehouseError
from pipeline.storage.database import Database

#: First characters that make a spreadsheet read a cell as a formula.
FORMULA_PREFIXES: Final = ("=", "+", "-", "@", "\t", "\r")


def neutralise_formula(value: str) -> str:
    """``value`` with a leading apostrophe when a spreadsheet would read it as a formula."""
    return "'" + value if value.startswith(FORMULA_PREFIXES) else value


def neutralise_formula_sql(column: str, kind: str = "VARCHAR") -> str:
    """A DuckDB select-list item giving ``column`` like `neutralise_formula` (text columns).

    Args:
        column: The column's name (quoted here).
        kind: Its DuckDB type: only VARCHAR columns change; others pass as they are.
    """
    quoted = '"' + column.replace('"', '""') + '"'
    if kind != "VARCHAR":
        return quoted
    starts = " OR ".join(
        f"starts_with({quoted}, chr({ord(prefix)}))" for prefix in FORMULA_PREFIXES
    )
    return f"CASE WHEN {starts} THEN '''' || {quoted} ELSE {quoted} END AS {quoted}"


#: File extension -> DuckDB COPY format.
EXPORT_FORMATS: Final = {".csv": "csv", ".parquet": "parquet", ".pq": "parquet"}


def copy_to(db: Database, source: str, out: Path) -> None:
    """COPY a table or registered view to CSV or Parquet, chosen by the file's extension.

    Every CSV's text cells go through `neutralise_formula_sql`.

    Raises:
        WarehouseError: For an unsupported extension.
    """
    fmt = EXPORT_FORMATS.get(out.suffix.lower())
    if fmt is None:
        raise WarehouseError(
            f"{out}: unsupported export format '{out.suffix}'; use .csv or .parquet"
        )
    out.parent.mkdir(parents=True, exist_ok=True)
    options = "FORMAT csv, HEADER true" if fmt == "csv" else "FORMAT parquet"
    if fmt == "csv":
        described = db.execute(f"DESCRIBE SELECT * FROM {source}").fetchall()
        columns = [neutralise_formula_sql(str(name), str(kind)) for name, kind, *_ in described]
        source = f"(SELECT {', '.join(columns)} FROM {source})"
    target = str(out).replace("'", "''")
    db.execute(f"COPY {source} TO '{target}' ({options})")
