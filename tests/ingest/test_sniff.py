"""Recognising input files: format, encoding, delimiter, header, and raw rows with lines."""

from __future__ import annotations

import codecs
import csv
import datetime as dt
import hashlib
import io
import re
import zipfile
from pathlib import Path

import openpyxl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from pipeline.errors import InputFileError
from pipeline.ingest.sniff import (
    LINE,
    detect_delimiter,
    flatten_object,
    inspect_file,
    iter_json_objects,
    open_table,
    unique_header,
)


def _file(tmp_path: Path, name: str, content: bytes) -> Path:
    path = tmp_path / name
    path.write_bytes(content)
    return path


@pytest.mark.parametrize(
    ("sample", "expected"),
    [
        ("id,score,comment\n1,9,godt\n2,3,skidt\n", ","),
        ("id;score;comment\n1;9;godt, men dyrt\n2;3;skidt\n", ";"),
        ("id\tscore\tcomment\n1\t9\tgodt; fint, ok\n", "\t"),
        ("id|score|comment\n1|9|godt\n", "|"),
        (
            '"Hvor sandsynligt er det, at du vil anbefale os?";Begrundelse\n9;"Godt, hurtigt"\n',
            ";",
        ),
        ("id,score,comment\n1,9,godt\n2,3,unfinished li", ","),
        ("comment\nkun en kolonne\n", ","),
        ("", ","),
    ],
)
def test_detect_delimiter(sample, expected):
    assert detect_delimiter(sample) == expected


@pytest.mark.parametrize(
    ("names", "expected"),
    [
        (["id", "score"], ["id", "score"]),
        ([" Comment ", "Comment", "Comment"], ["Comment", "Comment (2)", "Comment (3)"]),
        (["id", "", "  ", "a\x00b"], ["id", "column_2", "column_3", "ab"]),
    ],
)
def test_unique_header(names, expected):
    assert unique_header(names) == expected


@pytest.mark.parametrize(
    ("content", "encoding"),
    [
        ("id,comment\n1,blåbær\n".encode(), "utf-8"),
        (codecs.BOM_UTF8 + "id,comment\n1,blåbær\n".encode(), "utf-8-sig"),
        ("id,comment\n1,blåbær\n".encode("utf-16"), "utf-16"),
        (codecs.BOM_UTF16_BE + "id,comment\n1,blåbær\n".encode("utf-16-be"), "utf-16"),
        ("id,comment\n1,blåbær \u2013 5 €\n".encode("cp1252"), "cp1252"),
        (b"id,comment\n1,bl\xe5b\xe6r \x81\n", "latin-1"),
        (b"id,comment\n1,plain ascii\n", "utf-8"),
    ],
)
def test_inspect_file_detects_the_encoding(tmp_path, content, encoding):
    info = inspect_file(_file(tmp_path, "answers.csv", content))

    assert info.encoding == encoding
    assert info.format == "csv"
    assert info.file_bytes == len(content)
    assert info.file_hash == hashlib.sha256(content).hexdigest()
    assert not info.is_empty


def test_utf8_split_across_read_blocks_is_still_utf8(tmp_path):
    # "ø" is two bytes; put its first byte at the end of the first 1 MiB block
    content = b"id,comment\n1," + b"x" * ((1 << 20) - 14) + "ø\n".encode()
    assert content[(1 << 20) - 1 : (1 << 20) + 1] == "ø".encode()

    assert inspect_file(_file(tmp_path, "answers.csv", content)).encoding == "utf-8"


@pytest.mark.parametrize(
    ("name", "content", "expected"),
    [
        ("a.csv", b"id,score\n1,9\n", "csv"),
        ("a.TSV", b"id\tscore\n1\t9\n", "csv"),
        ("a.txt", b"id;score\n1;9\n", "csv"),
        ("a.json", b'[{"id": 1}]', "json"),
        ("a.jsonl", b'{"id": 1}\n', "jsonl"),
        ("a.ndjson", b'{"id": 1}\n', "jsonl"),
        ("export", b'  [{"id": 1}]', "json"),
        ("export.dat", b'\xef\xbb\xbf{"id": 1}\n', "jsonl"),
        ("export.dat", b"id,score\n1,9\n", "csv"),
    ],
)
def test_inspect_file_detects_the_format(tmp_path, name, content, expected):
    assert inspect_file(_file(tmp_path, name, content)).format == expected


def test_zip_without_a_known_suffix_is_taken_for_a_workbook(tmp_path):
    workbook = openpyxl.Workbook()
    workbook.save(tmp_path / "export")

    assert inspect_file(tmp_path / "export").format == "xlsx"


@pytest.mark.parametrize(
    ("content", "is_empty"),
    [(b"", True), (b" \n\t\r\n", True), (b"id\n", False), (codecs.BOM_UTF8, False)],
)
def test_empty_files(tmp_path, content, is_empty):
    assert inspect_file(_file(tmp_path, "a.csv", content)).is_empty is is_empty


def test_nul_bytes_are_counted(tmp_path):
    content = b"id,comment\n" + b"1,some text with a nul \x00 here\n" * 3

    assert inspect_file(_file(tmp_path, "a.csv", content)).nul_bytes == 3


def _zip_bytes() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("a.csv", "id\n1\n")
    return buffer.getvalue()


@pytest.mark.parametrize(
    ("name", "content", "match"),
    [
        ("a.xls", b"\xd0\xcf\x11\xe0" + b"\x00" * 60, r"a\.xls: old Excel \.xls workbooks"),
        ("a.csv", bytes(range(256)) * 8, r"a\.csv: holds binary data"),
        ("a.csv", b"\x89PNG\r\n\x1a\n" + b"\x00\x01\x02" * 40, r"a\.csv: holds binary data"),
        ("a.csv", _zip_bytes(), r"a\.csv: looks like an Excel workbook or ZIP archive, not CSV"),
        ("a.json", _zip_bytes(), r"a\.json: looks like .* not JSON"),
        ("a.xlsx", b"id,score\n1,9\n", r"a\.xlsx: is not an XLSX workbook"),
    ],
)
def test_unreadable_files_are_refused(tmp_path, name, content, match):
    with pytest.raises(InputFileError, match=match):
        inspect_file(_file(tmp_path, name, content))


def test_missing_file_is_refused(tmp_path):
    with pytest.raises(InputFileError, match=r"nope\.csv: file not found\. Check the path"):
        inspect_file(tmp_path / "nope.csv")


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        ('[{"a": 1}, {"a": 2}]', [(1, {"a": 1}), (2, {"a": 2})]),
        ('{"a": 1}', [(1, {"a": 1})]),
        ('{"responses": [{"a": 1}, {"a": 2}], "count": 2}', [(1, {"a": 1}), (2, {"a": 2})]),
        ('{"a": 1}\n{"a": 2}\n', [(1, {"a": 1}), (2, {"a": 2})]),
        ("[]", []),
    ],
)
def test_json_shapes(tmp_path, content, expected):
    info = inspect_file(_file(tmp_path, "a.json", content.encode()))

    assert [(number, item) for number, item, _ in iter_json_objects(info)] == expected


def test_json_array_item_that_is_not_an_object(tmp_path):
    info = inspect_file(_file(tmp_path, "a.json", b'[{"a": 1}, "text", 3]'))

    assert list(iter_json_objects(info)) == [
        (1, {"a": 1}, ""),
        (2, None, "item 2 is a str, not an object"),
        (3, None, "item 3 is a int, not an object"),
    ]


@pytest.mark.parametrize(
    ("content", "match"),
    [("[1, 2", r"a\.json, line 1: is not valid JSON"), ("42", "holds JSON but not a list")],
)
def test_invalid_json_document_is_refused(tmp_path, content, match):
    info = inspect_file(_file(tmp_path, "a.json", content.encode()))

    with pytest.raises(InputFileError, match=match):
        list(iter_json_objects(info))


def test_flatten_object():
    item = {"id": 7, "ok": True, "meta": {"store": "Aarhus", "geo": {"lat": 56.1}}, "tags": ["a"]}

    assert flatten_object(item) == {
        "id": "7",
        "ok": "true",
        "meta.store": "Aarhus",
        "meta.geo.lat": "56.1",
        "tags": '["a"]',
    }


def test_csv_chunks_carry_line_numbers(tmp_path):
    lines = ["id,comment", *[f"{i},svar {i}" for i in range(250)]]
    path = _file(tmp_path, "a.csv", "\n".join(lines).encode())

    header, chunks = open_table(inspect_file(path), chunk_rows=100)
    chunks = list(chunks)

    assert header == ["id", "comment"]
    assert [len(chunk.rows) for chunk in chunks] == [100, 100, 50]
    assert chunks[0].rows[LINE].iloc[0] == 2
    assert chunks[2].rows[LINE].iloc[-1] == 251
    assert chunks[2].rows["comment"].iloc[-1] == "svar 249"


def test_csv_header_after_blank_lines_and_malformed_rows(tmp_path):
    path = _file(tmp_path, "a.csv", b"\n\nid;comment\n1;ok\n2;for;mange;felter\n\n3;ok\n")

    header, chunks = open_table(inspect_file(path), chunk_rows=100)
    [chunk] = list(chunks)

    assert header == ["id", "comment"]
    assert chunk.rows[LINE].tolist() == [4, 7]
    assert chunk.malformed == [(5, "row has 4 fields but the header has 2", "2;for;mange;felter")]
    assert chunk.n_read == 3


def test_xlsx_rows_are_read_as_text_with_sheet_row_numbers(tmp_path):
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.append([])
    sheet.append(["id", "date", "score", "ok", "comment"])
    sheet.append([1, dt.datetime(2026, 3, 1, 12, 30), 9.0, True, "fint"])
    sheet.append([None, None, None, None, None])
    sheet.append([2, dt.date(2026, 3, 2), 7.5, False, "   "])
    workbook.save(tmp_path / "a.xlsx")

    header, chunks = open_table(inspect_file(tmp_path / "a.xlsx"), chunk_rows=100)
    [chunk] = list(chunks)

    assert header == ["id", "date", "score", "ok", "comment"]
    assert chunk.rows.drop(columns=LINE).values.tolist() == [
        ["1", "2026-03-01T12:30:00", "9", "true", "fint"],
        ["2", "2026-03-02T00:00:00", "7.5", "false", None],
    ]
    assert chunk.rows[LINE].tolist() == [3, 5]


# --- invariants ------------------------------------------------------------------------------

CELL = st.text(alphabet=st.sampled_from(list("abæøå 09;,|\t\"'\n\r")), max_size=12)
TABLE = st.lists(st.tuples(CELL, CELL), min_size=1, max_size=20)


def _breaks(text: str) -> int:
    return len(re.findall(r"\r\n|\r|\n", text))


@settings(max_examples=60, deadline=None)
@given(table=TABLE, delimiter=st.sampled_from([",", ";", "\t", "|"]))
def test_csv_rows_round_trip_with_their_start_lines(tmp_path_factory, table, delimiter):
    rows = [[f"R{i}", a, b] for i, (a, b) in enumerate(table)]
    buffer = io.StringIO()
    csv.writer(buffer, delimiter=delimiter).writerows([["id", "first", "second"], *rows])
    path = tmp_path_factory.mktemp("sniff") / "a.csv"
    path.write_text(buffer.getvalue(), encoding="utf-8", newline="")

    header, chunks = open_table(inspect_file(path), chunk_rows=7)
    frames = [chunk.rows for chunk in chunks]

    assert header == ["id", "first", "second"]
    read = [
        [cell or "" for cell in row]
        for frame in frames
        for row in frame.drop(columns=LINE).values.tolist()
    ]
    assert read == rows
    starts, line = [], 2
    for row in rows:
        starts.append(line)
        line += 1 + sum(_breaks(cell) for cell in row)
    assert [n for frame in frames for n in frame[LINE].tolist()] == starts
