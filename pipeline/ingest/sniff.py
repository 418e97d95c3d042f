"""Recognise an input file (format, encoding, delimiter) and read it as raw rows, in chunks.

Everything here is about bytes and syntax; what the columns mean is decided elsewhere. Raw rows
come out as frames of strings (``None`` for a missing value) with their source line numbers, so
a bad row can always be reported with file, line and field.
"""

from __future__ import annotations

import codecs
import csv
import datetime as dt
import hashlib
import json
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

import pandas as pd

from pipeline.errors import InputFileError

FileFormat = Literal["csv", "xlsx", "json", "jsonl"]
LINE = "__line__"

_BLOCK = 1 << 20
_SAMPLE_BYTES = 1 << 16
_EXTENSIONS: dict[str, FileFormat] = {
    ".csv": "csv",
    ".tsv": "csv",
    ".txt": "csv",
    ".xlsx": "xlsx",
    ".xlsm": "xlsx",
    ".json": "json",
    ".jsonl": "jsonl",
    ".ndjson": "jsonl",
}
_DELIMITERS = (",", ";", "\t", "|")
_CP1252_UNDEFINED = tuple(bytes([b]) for b in b"\x81\x8d\x8f\x90\x9d")
_TEXT_CONTROLS = frozenset(b"\t\n\r\f\v")
_EXPORT_HINT = "Export it again as CSV (UTF-8), XLSX, JSON or JSON Lines"


@dataclass(frozen=True)
class FileInfo:
    """What an input file is, found by reading it once.

    Attributes:
        path: The file.
        format: csv, xlsx, json or jsonl.
        encoding: Text encoding (None for xlsx).
        file_hash: SHA-256 of the bytes, hex.
        file_bytes: Size in bytes.
        is_empty: True when the file holds nothing but whitespace.
        nul_bytes: NUL bytes found (they are dropped when reading).
    """

    path: Path
    format: FileFormat
    encoding: str | None
    file_hash: str
    file_bytes: int
    is_empty: bool
    nul_bytes: int


@dataclass
class RawChunk:
    """Raw rows of one chunk.

    Attributes:
        rows: One row per record: a string column per source column (``None`` when missing)
            plus ``__line__``, the 1-based line (CSV, JSON Lines), row (XLSX) or item (JSON)
            where the record starts.
        malformed: Records that could not even be split into fields, as
            (line, reason, raw text) — they become rejects.
    """

    rows: pd.DataFrame
    malformed: list[tuple[int, str, str]] = field(default_factory=list)

    @property
    def n_read(self) -> int:
        """Records read in this chunk, good and malformed."""
        return len(self.rows) + len(self.malformed)


def inspect_file(path: Path) -> FileInfo:
    """Read a file once to learn its format, encoding and hash.

    Args:
        path: The input file.

    Returns:
        What the file is.

    Raises:
        InputFileError: When the file is missing, is binary, or has an unsupported format.
    """
    if not path.exists():
        raise InputFileError(path, "file not found", hint="Check the path")
    if not path.is_file():
        raise InputFileError(path, "not a regular file", hint="Pass a file, not a directory")
    scan = _scan(path)
    head = scan.head
    fmt = _detect_format(path, head)
    encoding: str | None = None
    if fmt != "xlsx":
        encoding = _detect_encoding(head, utf8_ok=scan.utf8_ok, has_cp1252_gap=scan.cp1252_gap)
        if not encoding.startswith("utf-16"):
            _refuse_binary(path, head)
    return FileInfo(
        path=path,
        format=fmt,
        encoding=encoding,
        file_hash=scan.digest,
        file_bytes=scan.size,
        is_empty=scan.only_space,
        nul_bytes=scan.nul if encoding and not encoding.startswith("utf-16") else 0,
    )


@dataclass
class _Scan:
    digest: str = ""
    head: bytes = b""
    size: int = 0
    nul: int = 0
    utf8_ok: bool = True
    cp1252_gap: bool = False
    only_space: bool = True


def _scan(path: Path) -> _Scan:
    """One pass over the bytes: hash, size, NULs, the first 64 KiB, UTF-8 validity."""
    scan = _Scan()
    digest = hashlib.sha256()
    decoder = codecs.getincrementaldecoder("utf-8")()
    try:
        with path.open("rb") as handle:
            while block := handle.read(_BLOCK):
                digest.update(block)
                scan.size += len(block)
                scan.nul += block.count(0)
                if len(scan.head) < _SAMPLE_BYTES:
                    scan.head += block[: _SAMPLE_BYTES - len(scan.head)]
                scan.only_space = scan.only_space and not block.strip()
                if scan.utf8_ok:
                    try:
                        decoder.decode(block)
                    except UnicodeDecodeError:
                        scan.utf8_ok = False
                scan.cp1252_gap = scan.cp1252_gap or any(b in block for b in _CP1252_UNDEFINED)
        if scan.utf8_ok:
            decoder.decode(b"", final=True)
    except UnicodeDecodeError:
        scan.utf8_ok = False
    except OSError as e:
        raise InputFileError(path, f"cannot be read ({e.strerror})") from e
    scan.digest = digest.hexdigest()
    return scan


def _detect_format(path: Path, head: bytes) -> FileFormat:
    suffix = path.suffix.lower()
    is_zip = head.startswith(b"PK\x03\x04")
    if suffix == ".xls":
        raise InputFileError(
            path,
            "old Excel .xls workbooks are not supported",
            hint="Save it as .xlsx or CSV (UTF-8) and ingest that",
        )
    fmt = _EXTENSIONS.get(suffix)
    if fmt is None:
        first = head.lstrip(b"\xef\xbb\xbf \t\r\n")[:1]
        if is_zip:
            fmt = "xlsx"
        elif first == b"[":
            fmt = "json"
        elif first == b"{":
            fmt = "jsonl"
        else:
            fmt = "csv"
    if fmt == "xlsx" and head and not is_zip:
        raise InputFileError(path, "is not an XLSX workbook (no ZIP signature)", hint=_EXPORT_HINT)
    if fmt != "xlsx" and is_zip:
        raise InputFileError(
            path,
            f"looks like an Excel workbook or ZIP archive, not {fmt.upper()}",
            hint="Rename an Excel workbook to .xlsx, or unzip an archive first",
        )
    return fmt


def _detect_encoding(head: bytes, *, utf8_ok: bool, has_cp1252_gap: bool) -> str:
    if head.startswith(codecs.BOM_UTF8):
        return "utf-8-sig" if utf8_ok else "cp1252"
    if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return "utf-16"
    if utf8_ok:
        return "utf-8"
    return "latin-1" if has_cp1252_gap else "cp1252"


def _refuse_binary(path: Path, head: bytes) -> None:
    if not head:
        return
    controls = sum(1 for byte in head if byte < 32 and byte not in _TEXT_CONTROLS)
    # a few stray NULs in a text export are dropped when reading; binary formats (images,
    # archives, databases) carry control bytes in a far larger share
    if len(head) >= 64 and controls / len(head) > 0.10:
        raise InputFileError(
            path,
            f"holds binary data, not text ({controls} control bytes in the first "
            f"{len(head)} bytes)",
            hint=_EXPORT_HINT,
        )


def _without_nul(lines: Iterator[str]) -> Iterator[str]:
    for line in lines:
        yield line.replace("\x00", "") if "\x00" in line else line


# --- CSV --------------------------------------------------------------------------------------


def detect_delimiter(sample: str) -> str:
    """Pick the delimiter (comma, semicolon, tab or pipe) that splits a sample most consistently.

    Args:
        sample: The first kilobytes of the decoded file.

    Returns:
        The delimiter; a comma when the file has a single column.
    """
    lines = sample.splitlines(keepends=True)
    if len(lines) > 1 and not sample.endswith(("\n", "\r")):
        lines = lines[:-1]
    best, best_key = ",", (0.0, 1)
    for delimiter in _DELIMITERS:
        records = list(csv.reader(lines[:200], delimiter=delimiter))
        records = [record for record in records if any(cell.strip() for cell in record)]
        if not records:
            continue
        width = len(records[0])
        if width < 2:
            continue
        agree = sum(1 for record in records if len(record) == width) / len(records)
        key = (round(agree, 2), width)
        if key > best_key:
            best, best_key = delimiter, key
    return best


def unique_header(names: list[str]) -> list[str]:
    """Make header names non-empty and unique ("Comment", "Comment (2)", "column_5")."""
    seen: dict[str, int] = {}
    result = []
    for index, raw in enumerate(names, start=1):
        name = (raw or "").replace("\x00", "").strip() or f"column_{index}"
        count = seen.get(name, 0) + 1
        seen[name] = count
        result.append(name if count == 1 else f"{name} ({count})")
    return result


def _rows_frame(header: list[str], rows: list[list[Any]], lines: list[int]) -> pd.DataFrame:
    frame = pd.DataFrame(rows, columns=header, dtype="object")
    frame[LINE] = pd.Series(lines, dtype="int64")
    return frame


def iter_csv(info: FileInfo, *, chunk_rows: int) -> tuple[list[str], Iterator[RawChunk]]:
    """Open a CSV file: its header, and its records in chunks.

    Args:
        info: The inspected file.
        chunk_rows: Records per chunk.

    Returns:
        The header (unique names) and an iterator of chunks.
    """
    csv.field_size_limit(2**31 - 1)
    encoding = info.encoding or "utf-8"
    with info.path.open(encoding=encoding, newline="") as handle:
        sample = handle.read(_SAMPLE_BYTES).replace("\x00", "")
    delimiter = detect_delimiter(sample)
    header_reader = csv.reader(
        _without_nul(iter(sample.splitlines(keepends=True))), delimiter=delimiter
    )
    first = next((row for row in header_reader if any(cell.strip() for cell in row)), [])
    header = unique_header(first)
    return header, _csv_chunks(info, header, delimiter=delimiter, chunk_rows=chunk_rows)


def _csv_chunks(
    info: FileInfo, header: list[str], *, delimiter: str, chunk_rows: int
) -> Iterator[RawChunk]:
    encoding = info.encoding or "utf-8"
    width = len(header)
    with info.path.open(encoding=encoding, newline="") as handle:
        source: Iterator[str] = _without_nul(iter(handle)) if info.nul_bytes else handle
        reader = csv.reader(source, delimiter=delimiter)
        previous_end = 0
        for record in reader:  # skip to the header: the first record with any content
            previous_end = reader.line_num
            if "".join(record).strip():
                break
        rows: list[list[Any]] = []
        lines: list[int] = []
        malformed: list[tuple[int, str, str]] = []
        for record in reader:
            start, previous_end = previous_end + 1, reader.line_num
            if len(record) == width:  # the common case, kept cheap
                if any(record):
                    rows.append(record)
                    lines.append(start)
            elif not "".join(record).strip():
                continue
            elif len(record) > width and any(cell.strip() for cell in record[width:]):
                raw = delimiter.join(record)
                malformed.append(
                    (start, f"row has {len(record)} fields but the header has {width}", raw)
                )
            else:
                cells: list[str | None] = list(record[:width])
                cells += [None] * (width - len(cells))
                rows.append(cells)
                lines.append(start)
            if len(rows) + len(malformed) >= chunk_rows:
                yield RawChunk(_rows_frame(header, rows, lines), malformed)
                rows, lines, malformed = [], [], []
        if rows or malformed:
            yield RawChunk(_rows_frame(header, rows, lines), malformed)


# --- XLSX -------------------------------------------------------------------------------------


def _cell_text(value: Any) -> str | None:
    if value is None:
        return None
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, dt.datetime | dt.date | dt.time):
        return value.isoformat()
    text = str(value)
    return text if text.strip() else None


def iter_xlsx(info: FileInfo, *, chunk_rows: int) -> tuple[list[str], Iterator[RawChunk]]:
    """Open the first worksheet of an XLSX workbook: its header and its rows in chunks."""
    rows_iter = _xlsx_rows(info.path)
    header: list[str] = []
    header_row = 0
    for number, values in rows_iter:
        if any(value is not None for value in values):
            header = unique_header([_cell_text(value) or "" for value in values])
            header_row = number
            break
    return header, _xlsx_chunks(info.path, header, header_row, chunk_rows=chunk_rows)


def _xlsx_rows(path: Path) -> Iterator[tuple[int, tuple[Any, ...]]]:
    try:
        import openpyxl
        from openpyxl.utils.exceptions import InvalidFileException
    except ImportError as e:  # pragma: no cover - openpyxl is a dependency
        raise InputFileError(path, "XLSX needs openpyxl", hint="pip install openpyxl") from e
    try:
        workbook = openpyxl.load_workbook(path, read_only=True, data_only=True)
    except (InvalidFileException, KeyError, OSError, ValueError) as e:
        raise InputFileError(
            path, f"is not a readable XLSX workbook ({e})", hint=_EXPORT_HINT
        ) from e
    try:
        sheet = workbook.worksheets[0]
        yield from enumerate(sheet.iter_rows(values_only=True), start=1)
    finally:
        workbook.close()


def _xlsx_chunks(
    path: Path, header: list[str], header_row: int, *, chunk_rows: int
) -> Iterator[RawChunk]:
    width = len(header)
    rows: list[list[Any]] = []
    lines: list[int] = []
    for number, values in _xlsx_rows(path):
        if number <= header_row:
            continue
        cells = [_cell_text(value) for value in values[:width]]
        if not any(cell is not None for cell in cells):
            continue
        cells += [None] * (width - len(cells))
        rows.append(cells)
        lines.append(number)
        if len(rows) >= chunk_rows:
            yield RawChunk(_rows_frame(header, rows, lines))
            rows, lines = [], []
    if rows:
        yield RawChunk(_rows_frame(header, rows, lines))


# --- JSON and JSON Lines ----------------------------------------------------------------------


def iter_json_objects(info: FileInfo) -> Iterator[tuple[int, dict[str, Any] | None, str]]:
    """Yield each JSON object of a JSON or JSON Lines file.

    A JSON file may hold an array of objects, one object, or an object with one list of
    objects under a key (``{"responses": [...]}``). A JSON Lines file holds one object per
    line; blank lines are skipped.

    Yields:
        (line or item number, the object or None when it is broken, the reason or "" when fine).
        For a broken object the reason says why, and the raw text is in the third element
        prefixed by the reason and a newline.

    Raises:
        InputFileError: When a JSON (not Lines) file is not valid JSON.
    """
    encoding = info.encoding or "utf-8"
    if info.format == "jsonl":
        yield from _jsonl_objects(info.path, encoding)
        return
    text = info.path.read_text(encoding=encoding).replace("\x00", "")
    if not text.strip():
        return
    try:
        document = json.loads(text)
    except json.JSONDecodeError as e:
        if e.msg == "Extra data":
            yield from _jsonl_objects(info.path, encoding)
            return
        raise InputFileError(
            info.path,
            f"is not valid JSON ({e.msg} at column {e.colno})",
            line=e.lineno,
            hint="Fix the file, or export one object per line as JSON Lines (.jsonl)",
        ) from e
    items = _json_items(document)
    if items is None:
        raise InputFileError(
            info.path,
            "holds JSON but not a list of objects",
            hint="Give an array of objects, or JSON Lines with one object per line",
        )
    for number, item in enumerate(items, start=1):
        if isinstance(item, dict):
            yield number, item, ""
        else:
            yield number, None, f"item {number} is a {type(item).__name__}, not an object"


def _json_items(document: Any) -> list[Any] | None:
    if isinstance(document, list):
        return document
    if isinstance(document, dict):
        lists = [value for value in document.values() if isinstance(value, list)]
        if len(lists) == 1 and all(isinstance(item, dict) for item in lists[0]):
            return lists[0]
        return [document]
    return None


def _jsonl_objects(path: Path, encoding: str) -> Iterator[tuple[int, dict[str, Any] | None, str]]:
    with path.open(encoding=encoding, newline="") as handle:
        for number, line in enumerate(handle, start=1):
            text = line.replace("\x00", "").strip()
            if not text:
                continue
            try:
                item = json.loads(text)
            except json.JSONDecodeError as e:
                yield number, None, f"invalid JSON ({e.msg} at column {e.colno})\n{text}"
                continue
            if isinstance(item, dict):
                yield number, item, ""
            else:
                yield number, None, f"a JSON {type(item).__name__}, not an object\n{text}"


def malformed_entry(number: int, problem: str) -> tuple[int, str, str]:
    """Split a broken entry of `iter_json_objects` into (line, reason, raw text)."""
    reason, _, raw = problem.partition("\n")
    return number, reason, raw


def flatten_object(item: dict[str, Any], prefix: str = "") -> dict[str, str | None]:
    """Flatten nested objects to dotted keys and every value to text (lists become JSON)."""
    flat: dict[str, str | None] = {}
    for key, value in item.items():
        name = f"{prefix}{key}"
        if isinstance(value, dict):
            flat.update(flatten_object(value, f"{name}."))
        elif isinstance(value, list):
            flat[name] = json.dumps(value, ensure_ascii=False)
        else:
            flat[name] = _cell_text(value)
    return flat


def iter_json_table(info: FileInfo, *, chunk_rows: int) -> tuple[list[str], Iterator[RawChunk]]:
    """Open a JSON / JSON Lines file of flat records as a table: header and chunks.

    The header is every key seen in the first ``chunk_rows`` objects, in order of appearance.
    """
    objects = iter_json_objects(info)
    first: list[tuple[int, dict[str, Any] | None, str]] = []
    for entry in objects:
        first.append(entry)
        if len(first) >= chunk_rows:
            break
    header: list[str] = []
    seen: set[str] = set()
    for _, item, _ in first:
        for key in flatten_object(item or {}):
            if key not in seen:
                seen.add(key)
                header.append(key)

    def chunks() -> Iterator[RawChunk]:
        batch = first
        while batch:
            yield _json_chunk(header, batch)
            batch = [entry for _, entry in zip(range(chunk_rows), objects, strict=False)]

    return header, chunks()


def _json_chunk(
    header: list[str], entries: list[tuple[int, dict[str, Any] | None, str]]
) -> RawChunk:
    flats: list[dict[str, str | None]] = []
    lines: list[int] = []
    malformed: list[tuple[int, str, str]] = []
    for number, item, problem in entries:
        if item is None:
            malformed.append(malformed_entry(number, problem))
            continue
        flats.append(flatten_object(item))
        lines.append(number)
    # keys first seen after the header was read are kept too (they end up in `extra`)
    names = list(header)
    known = set(names)
    for flat in flats:
        for key in flat:
            if key not in known:
                known.add(key)
                names.append(key)
    rows = [[flat.get(name) for name in names] for flat in flats]
    return RawChunk(_rows_frame(names, rows, lines), malformed)


def open_table(info: FileInfo, *, chunk_rows: int) -> tuple[list[str], Iterator[RawChunk]]:
    """Open any tabular input (CSV, XLSX, JSON, JSON Lines): its header and its chunks."""
    if info.is_empty:
        return [], iter(())
    if info.format == "csv":
        return iter_csv(info, chunk_rows=chunk_rows)
    if info.format == "xlsx":
        return iter_xlsx(info, chunk_rows=chunk_rows)
    return iter_json_table(info, chunk_rows=chunk_rows)
