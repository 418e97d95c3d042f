"""Survey exports: formats, encodings, headers, dates, scores, bad input and idempotence.

Every case asserts the reported counts and that nothing is lost: each accepted row is in
`records`, each refused row is in `rejects` with its file, line, field and reason.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import shutil
import tempfile
import zipfile
from pathlib import Path

import openpyxl
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from pipeline.config import Config, config_from_dict
from pipeline.errors import InputFileError
from pipeline.jobs.ingest import FileReport, ingest_files
from pipeline.storage.warehouse import Warehouse
from pipeline.text.redact import redact_texts
from tests.support import ingest_one

NORDIC = "Rødgrød med fløde, blåbær og æøå ÆØÅ; även åäö ÅÄÖ"


def write_csv(
    path: Path,
    rows: list[list[object]],
    *,
    delimiter: str = ",",
    encoding: str = "utf-8",
    lineterminator: str = "\n",
) -> Path:
    buffer = io.StringIO()
    csv.writer(buffer, delimiter=delimiter, lineterminator=lineterminator).writerows(rows)
    path.write_bytes(buffer.getvalue().encode(encoding))
    return path


def ingest(path: Path, cfg: Config) -> FileReport:
    return ingest_one(path, cfg, source="survey")


def stored(cfg: Config) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(records, rejects), ordered by source line."""
    with Warehouse(cfg.warehouse.path, read_only=True) as warehouse:
        records = warehouse.read_table("records").sort_values("source_line")
        rejects = warehouse.read_table("rejects").sort_values("line")
    return records.reset_index(drop=True), rejects.reset_index(drop=True)


def counts(file: FileReport) -> tuple[int, int, int, int]:
    return file.rows, file.accepted, file.rejected, file.duplicates


def utc(text: str) -> pd.Timestamp:
    return pd.Timestamp(text).tz_convert("UTC")


# --- CSV syntax and encodings ----------------------------------------------------------------


@pytest.mark.parametrize("delimiter", [",", ";", "\t"])
def test_csv_delimiter_is_detected(workspace, delimiter):
    path = write_csv(
        Path("answers.csv"),
        [
            ["id", "date", "score", "comment"],
            ["R1", "2026-03-01", "9", "Godt, men dyrt; synes jeg"],
            ["R2", "2026-03-02", "3", "Ventetid\ttil kundeservice"],
            ["R3", "2026-03-03", "7", "OK"],
        ],
        delimiter=delimiter,
    )

    file = ingest(path, workspace)

    assert counts(file) == (3, 3, 0, 0)
    records, rejects = stored(workspace)
    assert records["source_id"].tolist() == ["R1", "R2", "R3"]
    assert records["score"].tolist() == [9.0, 3.0, 7.0]
    assert records["text"].tolist() == [
        "Godt, men dyrt; synes jeg",
        "Ventetid\ttil kundeservice",
        "OK",
    ]
    assert rejects.empty


@pytest.mark.parametrize(
    ("encoding", "comment"),
    [
        ("utf-8", NORDIC),
        ("utf-8-sig", NORDIC),
        ("cp1252", NORDIC + " \u2013 50 € \u201ctak\u201d"),
        ("latin-1", NORDIC + " ½ «tak»"),
    ],
)
def test_text_encodings_come_back_as_written(workspace, encoding, comment):
    path = write_csv(
        Path("answers.csv"),
        [["id", "score", "kommentar"], ["R1", "9", comment], ["R2", "4", "Dårlig"]],
        delimiter=";",
        encoding=encoding,
    )

    file = ingest(path, workspace)

    assert counts(file) == (2, 2, 0, 0)
    records, _ = stored(workspace)
    assert records["text"].tolist() == [comment, "Dårlig"]
    assert records["source_id"].tolist() == ["R1", "R2"]


def test_cp1252_bytes_are_read_as_nordic_letters(workspace):
    path = Path("excel.csv")
    path.write_bytes(b"id;score;comment\r\nR1;9;R\xf8dgr\xf8d \xe6\xf8\xe5 \xc6\xd8\xc5\r\n")

    assert counts(ingest(path, workspace)) == (1, 1, 0, 0)
    records, _ = stored(workspace)
    assert records["text"].tolist() == ["Rødgrød æøå ÆØÅ"]


def test_utf16_unicode_text_from_excel(workspace):
    path = write_csv(
        Path("unicode.txt"),
        [
            ["RESPONSE_ID", "RECORDED_DATE", "Q1_NPS_SCORE", "Q2_COMMENT"],
            ["R1", "2026-03-01 10:00:00", "10", NORDIC],
            ["R2", "2026-03-01 11:00:00", "2", "Dårlig service"],
        ],
        delimiter="\t",
        encoding="utf-16",
        lineterminator="\r\n",
    )
    assert path.read_bytes()[:2] in (b"\xff\xfe", b"\xfe\xff")

    assert counts(ingest(path, workspace)) == (2, 2, 0, 0)
    records, _ = stored(workspace)
    assert records["text"].tolist() == [NORDIC, "Dårlig service"]
    assert records["score"].tolist() == [10.0, 2.0]
    assert records["created_at"].tolist() == [utc("2026-03-01T10:00Z"), utc("2026-03-01T11:00Z")]


# --- XLSX, JSON, JSON Lines ------------------------------------------------------------------


def test_xlsx_with_datetime_and_numeric_cells(workspace, make_config):
    cfg = make_config(timezone="Europe/Oslo")
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.append(["Svar-ID", "Dato", "Anbefale", "Begrunnelse"])
    sheet.append(["S1", dt.datetime(2026, 3, 1, 12, 30), 9, "Veldig bra, æøå"])
    sheet.append(["S2", dt.datetime(2026, 7, 2, 8, 0), 4.0, "Dårlig"])
    sheet.append(["S3", dt.datetime(2026, 7, 3, 8, 0), 11, "For høy"])
    workbook.save("answers.xlsx")

    file = ingest(Path("answers.xlsx"), cfg)

    assert counts(file) == (3, 2, 1, 0)
    records, rejects = stored(cfg)
    assert records["source_id"].tolist() == ["S1", "S2"]
    assert records["score"].tolist() == [9.0, 4.0]
    assert records["text"].tolist() == ["Veldig bra, æøå", "Dårlig"]
    # Oslo: UTC+1 in March, UTC+2 in July
    assert records["created_at"].tolist() == [utc("2026-03-01T11:30Z"), utc("2026-07-02T06:00Z")]
    assert records["source_line"].tolist() == [2, 3]
    assert rejects[["file", "line", "field"]].values.tolist() == [["answers.xlsx", 4, "Anbefale"]]
    assert "outside 0-10" in rejects["reason"][0]


ANSWERS = [
    {
        "id": "a",
        "score": 9,
        "comment": "Hurtig levering",
        "meta": {"store": "Aarhus", "browser": "Firefox"},
    },
    {"id": "b", "score": "3", "comment": "Langsom"},
    {"id": "c", "score": 12, "comment": "For meget"},
]


@pytest.mark.parametrize("suffix", [".json", ".jsonl"])
def test_json_array_and_json_lines(workspace, suffix):
    path = Path(f"answers{suffix}")
    if suffix == ".json":
        path.write_text(json.dumps(ANSWERS, ensure_ascii=False), encoding="utf-8")
    else:
        path.write_text("\n".join(json.dumps(item) for item in ANSWERS) + "\n", encoding="utf-8")

    file = ingest(path, workspace)

    assert counts(file) == (3, 2, 1, 0)
    records, rejects = stored(workspace)
    assert records["source_id"].tolist() == ["a", "b"]
    assert records["score"].tolist() == [9.0, 3.0]
    assert records["source_line"].tolist() == [1, 2]
    assert records["store"][0] == "Aarhus"
    assert json.loads(records["extra"][0])["meta.browser"] == "Firefox"
    assert rejects[["line", "field"]].values.tolist() == [[3, "score"]]
    assert json.loads(rejects["raw"][0])["id"] == "c"


def test_json_lines_broken_line_is_rejected_with_its_line(workspace):
    path = Path("answers.jsonl")
    path.write_text(
        '{"id": "a", "score": 9, "comment": "fint"}\n'
        '{"id": "b", "score": 8, "comment": "brok\n'
        "\n"
        "[1, 2]\n"
        '{"id": "d", "score": 1, "comment": "dårligt"}\n',
        encoding="utf-8",
    )

    file = ingest(path, workspace)

    assert counts(file) == (4, 2, 2, 0)
    records, rejects = stored(workspace)
    assert records[["source_id", "source_line"]].values.tolist() == [["a", 1], ["d", 5]]
    assert rejects["line"].tolist() == [2, 4]
    assert rejects["reason"][0].startswith("invalid JSON")
    assert rejects["raw"][0] == '{"id": "b", "score": 8, "comment": "brok'
    assert "not an object" in rejects["reason"][1]


def test_json_that_is_not_a_list_of_objects_is_refused(workspace):
    path = Path("answers.json")
    path.write_text('{"id": "a", "score": 9,', encoding="utf-8")

    with pytest.raises(InputFileError, match=r"answers\.json.*not valid JSON"):
        ingest_files([path], source="survey", cfg=workspace)
    assert not workspace.warehouse.path.exists()


# --- header detection ------------------------------------------------------------------------


@pytest.mark.parametrize(
    "header",
    [
        ["Response ID", "How likely are you to recommend us to a friend?", "Comment"],
        ["Svar-ID", "Hvor sandsynligt er det, at du vil anbefale os?", "Begrundelse"],
        ["Svar-ID", "Score", "Kommentar"],
        ["Svar-ID", "Anbefale", "Begrunnelse"],
        ["SvarsID", "Hur sannolikt är det att du skulle rekommendera oss?", "Motivering"],
        ["RESPONSE_ID", "Q1_NPS_SCORE", "Q2_COMMENT"],
    ],
)
def test_headers_are_recognised_in_four_languages(workspace, header):
    path = write_csv(
        Path("answers.csv"),
        [header, ["R1", "9", "Hurtigt og venligt"], ["R2", "0", "Aldrig igen"]],
        delimiter=";",
    )

    file = ingest(path, workspace)

    assert counts(file) == (2, 2, 0, 0)
    records, _ = stored(workspace)
    assert records["source_id"].tolist() == ["R1", "R2"]
    assert records["score"].tolist() == [9.0, 0.0]
    assert records["score_type"].unique().tolist() == ["nps"]
    assert records["text"].tolist() == ["Hurtigt og venligt", "Aldrig igen"]


@pytest.mark.parametrize("category_header", ["NPS", "Q1_NPS_GROUP", "Q1_NPS_SCORE_NPS_GROUP"])
def test_numeric_score_wins_over_a_category_column(workspace, category_header):
    path = write_csv(
        Path("qualtrics.csv"),
        [
            ["RESPONSE_ID", "RECORDED_DATE", category_header, "Q1_NPS_SCORE", "Q2_COMMENT"],
            ["R1", "2026-03-01 10:00:00", "Promoter", "10", "Fint"],
            ["R2", "2026-03-01 10:05:00", "Detractor", "2", "Dårlig"],
            ["R3", "2026-03-01 10:10:00", "Passive", "7", "Middel"],
        ],
    )

    file = ingest(path, workspace)

    assert counts(file) == (3, 3, 0, 0)
    records, _ = stored(workspace)
    assert records["score"].tolist() == [10.0, 2.0, 7.0]
    assert records["nps_category"].tolist() == ["promoter", "detractor", "passive"]
    assert records["created_at"][0] == utc("2026-03-01T10:00Z")
    assert [json.loads(extra)[category_header] for extra in records["extra"]] == [
        "Promoter",
        "Detractor",
        "Passive",
    ]


def test_configured_columns_override_detection(workspace, make_config):
    cfg = make_config(survey={"id": "Nummer", "score": "Karakter", "text": "notat"})
    path = write_csv(
        Path("answers.csv"),
        [
            ["Nummer", "score", "comment", "Karakter", "Notat"],
            ["A1", "1", "not this comment", "9", "this one"],
        ],
    )

    assert counts(ingest(path, cfg)) == (1, 1, 0, 0)
    records, _ = stored(cfg)
    assert records[["source_id", "score", "text"]].values.tolist() == [["A1", 9.0, "this one"]]
    assert json.loads(records["extra"][0]) == {"score": "1", "comment": "not this comment"}


def test_configured_column_that_is_missing_is_named(workspace, make_config):
    cfg = make_config(survey={"score": "Rating"})
    path = write_csv(Path("answers.csv"), [["id", "score", "comment"], ["A1", "9", "fint"]])

    with pytest.raises(InputFileError, match=r"answers\.csv.*'Rating'.*ingest\.survey\.score"):
        ingest_files([path], source="survey", cfg=cfg)
    assert not cfg.warehouse.path.exists()


def test_unmapped_columns_are_kept_in_extra(workspace):
    notes = ["linje\u2028skift", "næste\x85linje", "https://example.com/a?b=1", 'citat "x"']
    path = write_csv(
        Path("answers.csv"),
        [
            ["id", "score", "comment", "note"],
            *[[f"R{i}", "9", "fint", n] for i, n in enumerate(notes)],
        ],
    )

    assert counts(ingest(path, workspace)) == (4, 4, 0, 0)
    records, _ = stored(workspace)
    assert [json.loads(extra) for extra in records["extra"]] == [{"note": n} for n in notes]


# --- dates -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "timezone", "expected"),
    [
        ("2026-03-02", "UTC", "2026-03-02T00:00Z"),
        ("2026-03-02", "Europe/Oslo", "2026-03-01T23:00Z"),
        ("2026-03-02 14:30", "Europe/Copenhagen", "2026-03-02T13:30Z"),
        ("2026-07-02T14:30:00", "Europe/Stockholm", "2026-07-02T12:30Z"),
        ("2026-07-02T14:30:00Z", "Europe/Oslo", "2026-07-02T14:30Z"),
        ("2026-07-02T14:30:00+02:00", "UTC", "2026-07-02T12:30Z"),
        ("2026-07-02T14:30:00-05:00", "Europe/Oslo", "2026-07-02T19:30Z"),
        ("02.07.2026", "Europe/Oslo", "2026-07-01T22:00Z"),
        ("02.07.2026 14:30", "UTC", "2026-07-02T14:30Z"),
        ("02/07/2026", "UTC", "2026-07-02T00:00Z"),
        ("02/07/2026 14:30:15", "Europe/Copenhagen", "2026-07-02T12:30:15Z"),
    ],
)
def test_dates_are_parsed_and_stored_in_utc(workspace, make_config, raw, timezone, expected):
    cfg = make_config(timezone=timezone)
    path = write_csv(
        Path("answers.csv"),
        [["id", "date", "score", "comment"], ["R1", raw, "8", "fint"], ["R2", raw, "9", "godt"]],
    )

    assert counts(ingest(path, cfg)) == (2, 2, 0, 0)
    records, _ = stored(cfg)
    assert records["created_at"].tolist() == [utc(expected)] * 2
    assert str(records["created_at"].dtype).endswith("UTC]")


@pytest.mark.parametrize(
    ("raw", "reason"),
    [
        ("", "date is empty"),
        ("i går", "is not a date"),
        ("31.02.2026", "is not a date"),
        ("1985-01-01", "outside 1990-01-01"),
        # year 0 is outside what strftime can write: the reason is still written
        ("0000-01-01", "date 0000-01-01 is outside 1990-01-01"),
    ],
)
def test_bad_date_is_rejected_with_reason(workspace, raw, reason):
    path = write_csv(
        Path("answers.csv"),
        [
            ["id", "date", "score", "comment"],
            ["R1", "2026-01-01", "8", "fint"],
            ["R2", "2026-01-02", "9", "godt"],
            ["R3", raw, "9", "hmm"],
            ["R4", "2026-01-03", "1", "dårligt"],
        ],
    )

    assert counts(ingest(path, workspace)) == (4, 3, 1, 0)
    records, rejects = stored(workspace)
    assert records["source_id"].tolist() == ["R1", "R2", "R4"]
    assert rejects[["file", "line", "field"]].values.tolist() == [["answers.csv", 4, "date"]]
    assert reason in rejects["reason"][0]
    assert json.loads(rejects["raw"][0])["id"] == "R3"


def test_without_a_date_column_the_ingest_time_is_used(workspace):
    path = write_csv(Path("answers.csv"), [["id", "score", "comment"], ["R1", "9", "fint"]])
    before = pd.Timestamp.now(tz="UTC")

    file = ingest(path, workspace)

    assert any("no date column" in note for note in file.notes)
    records, _ = stored(workspace)
    assert before <= records["created_at"][0] <= pd.Timestamp.now(tz="UTC")
    assert records["created_at"][0] == records["ingested_at"][0]


# --- scores ----------------------------------------------------------------------------------

GOOD_ROWS = [["G1", "9", "godt"], ["G2", "8", "fint"], ["G3", "2", "skidt"], ["G4", "10", "top"]]


def survey_with(row: list[str]) -> Path:
    return write_csv(Path("answers.csv"), [["id", "score", "comment"], *GOOD_ROWS, row])


@pytest.mark.parametrize(
    ("raw", "score", "category"),
    [
        ("0", 0.0, "detractor"),
        ("6", 6.0, "detractor"),
        ("7", 7.0, "passive"),
        ("8", 8.0, "passive"),
        ("9", 9.0, "promoter"),
        ("10", 10.0, "promoter"),
        ("  9  ", 9.0, "promoter"),
        ("\t7 ", 7.0, "passive"),
        ("10 - Extremely likely", 10.0, "promoter"),
        ("0 \u2013 Slet ikke sandsynligt", 0.0, "detractor"),
        ("9,0", 9.0, "promoter"),
    ],
)
def test_score_is_parsed_and_categorised(workspace, raw, score, category):
    file = ingest(survey_with(["X", raw, "kommentar"]), workspace)

    assert counts(file) == (5, 5, 0, 0)
    records, _ = stored(workspace)
    row = records[records["source_id"] == "X"].iloc[0]
    assert (row["score"], row["nps_category"], row["score_type"]) == (score, category, "nps")


@pytest.mark.parametrize(
    ("raw", "reason"),
    [
        ("11", "score 11 is outside 0-10"),
        ("-1", "score -1 is outside 0-10"),
        ("100", "score 100 is outside 0-10"),
        ("7.5", "score 7.5 is not a whole number"),
        ("abc", "score 'abc' is not a number"),
        ("ti", "score 'ti' is not a number"),
    ],
)
def test_bad_score_is_rejected_with_reason(workspace, raw, reason):
    file = ingest(survey_with(["X", raw, "kommentar"]), workspace)

    assert counts(file) == (5, 4, 1, 0)
    records, rejects = stored(workspace)
    assert "X" not in records["source_id"].tolist()
    assert rejects[["file", "line", "field", "reason"]].values.tolist() == [
        ["answers.csv", 6, "score", reason]
    ]
    assert json.loads(rejects["raw"][0]) == {"id": "X", "score": raw, "comment": "kommentar"}


def test_comment_without_score_is_kept_with_a_null_score(workspace):
    file = ingest(survey_with(["X", "", "Bare en kommentar"]), workspace)

    assert counts(file) == (5, 5, 0, 0)
    records, _ = stored(workspace)
    row = records[records["source_id"] == "X"].iloc[0]
    assert pd.isna(row["score"])
    assert pd.isna(row["nps_category"])
    assert row["text"] == "Bare en kommentar"


def test_score_without_comment_is_kept_with_empty_text(workspace):
    file = ingest(survey_with(["X", "7", "   "]), workspace)

    assert counts(file) == (5, 5, 0, 0)
    records, _ = stored(workspace)
    assert records[records["source_id"] == "X"]["text"].tolist() == [""]


def test_row_with_neither_score_nor_comment_is_rejected(workspace):
    file = ingest(survey_with(["X", " ", ""]), workspace)

    assert counts(file) == (5, 4, 1, 0)
    _, rejects = stored(workspace)
    assert rejects[["line", "field"]].values.tolist() == [[6, "comment"]]
    assert "neither a score nor a comment" in rejects["reason"][0]


# --- bad input -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("content", "empty"), [(b"", True), (b"\n\n  \r\n", True), (b"\xef\xbb\xbf", False)]
)
def test_empty_file_reads_no_rows(workspace, content, empty, read_table):
    path = Path("empty.csv")
    path.write_bytes(content)

    file = ingest(path, workspace)

    assert counts(file) == (0, 0, 0, 0)
    assert ("the file is empty" in file.notes) == empty
    assert read_table(workspace, "records").empty
    assert read_table(workspace, "rejects").empty


@pytest.mark.parametrize(
    "content",
    [
        "id,date,score,comment\n",
        "id,date,score,comment",
        "\ufeffid;dato;score;kommentar\r\n\r\n\r\n",
        "[]",
    ],
)
def test_header_only_file_reads_no_rows(workspace, content, read_table):
    path = Path("header.json" if content == "[]" else "header.csv")
    path.write_text(content, encoding="utf-8")

    file = ingest(path, workspace)

    assert counts(file) == (0, 0, 0, 0)
    assert read_table(workspace, "records").empty
    assert read_table(workspace, "rejects").empty


def test_nul_bytes_are_dropped_and_the_row_kept(workspace):
    path = Path("answers.csv")
    path.write_bytes(
        b"id,score,comment\n"
        b"R1,9,go\x00od service\n"
        b"R2,5,helt fint men langsom levering\n"
        b"R3,7,ok pris og god kvalitet\n"
    )

    file = ingest(path, workspace)

    assert counts(file) == (3, 3, 0, 0)
    assert "1 NUL bytes were dropped" in file.notes
    records, _ = stored(workspace)
    assert records["text"][0] == "good service"


def test_huge_comment_is_rejected_and_kept_raw(workspace):
    huge = "x" * 3_000_000
    path = write_csv(
        Path("answers.csv"),
        [["id", "score", "comment"], ["R1", "9", "fint"], ["R2", "3", huge], ["R3", "8", "ok"]],
    )

    file = ingest(path, workspace)

    assert counts(file) == (3, 2, 1, 0)
    records, rejects = stored(workspace)
    assert records["source_id"].tolist() == ["R1", "R3"]
    assert rejects[["line", "field"]].values.tolist() == [[3, "comment"]]
    assert "3,000,000 characters" in rejects["reason"][0]
    assert "100,000 (ingest.max_text_chars)" in rejects["reason"][0]
    assert json.loads(rejects["raw"][0])["comment"] == huge


@pytest.mark.parametrize("newline", ["\n", "\r\n"])
def test_embedded_newlines_keep_line_numbers_at_the_record_start(workspace, newline):
    path = Path("answers.csv")
    path.write_bytes(
        newline.join(
            [
                "id,score,comment",
                'R1,9,"første linje',
                "anden linje",
                'tredje linje"',
                "R2,8,en linje",
                'R3,42,"to',
                'linjer"',
                "R4,7,slut",
                "",
            ]
        ).encode()
    )

    file = ingest(path, workspace)

    assert counts(file) == (4, 3, 1, 0)
    records, rejects = stored(workspace)
    assert records[["source_id", "source_line"]].values.tolist() == [
        ["R1", 2],
        ["R2", 5],
        ["R4", 8],
    ]
    assert records["text"][0] == newline.join(["første linje", "anden linje", "tredje linje"])
    assert rejects[["line", "field"]].values.tolist() == [[6, "score"]]


@pytest.mark.parametrize("with_ids", [True, False])
def test_duplicate_rows_in_one_file_are_counted(workspace, with_ids):
    header = ["id", "date", "score", "comment"] if with_ids else ["date", "score", "comment"]
    rows = [
        ["R1", "2026-01-01", "9", "godt"],
        ["R2", "2026-01-01", "3", "skidt"],
        ["R1", "2026-01-01", "9", "godt"],
        ["R2", "2026-01-01", "3", "skidt"],
        ["R1", "2026-01-01", "9", "godt"],
    ]
    if not with_ids:
        rows = [row[1:] for row in rows]
    path = write_csv(Path("answers.csv"), [header, *rows])

    file = ingest(path, workspace)

    assert counts(file) == (5, 2, 0, 3)
    records, _ = stored(workspace)
    assert records["source_line"].tolist() == [2, 3]
    assert records["text"].tolist() == ["godt", "skidt"]


def test_row_with_more_fields_than_the_header_is_rejected(workspace):
    path = Path("answers.csv")
    path.write_text(
        "id,score,comment\nR1,9,godt\nR2,3,skidt,ekstra,felter\nR3,8\nR4,7,ok,,\n",
        encoding="utf-8",
    )

    file = ingest(path, workspace)

    assert counts(file) == (4, 3, 1, 0)
    records, rejects = stored(workspace)
    assert records[["source_id", "text"]].values.tolist() == [
        ["R1", "godt"],
        ["R3", ""],
        ["R4", "ok"],
    ]
    assert rejects[["line", "reason", "raw"]].values.tolist() == [
        [3, "row has 5 fields but the header has 3", "R2,3,skidt,ekstra,felter"]
    ]
    assert pd.isna(rejects["field"][0])


@pytest.mark.parametrize(
    "comment",
    [
        "<script>alert(1)</script>",
        '=HYPERLINK("http://evil.example","klik")',
        "+1-2",
        "-2+3",
        "@SUM(A1)",
        "'; DROP TABLE records; --",
        "{{ 7*7 }} ${jndi:ldap://x}",
    ],
)
def test_markup_and_formulas_are_stored_verbatim(workspace, comment):
    path = write_csv(Path("answers.csv"), [["id", "score", "comment"], ["R1", "9", comment]])

    assert counts(ingest(path, workspace)) == (1, 1, 0, 0)
    records, _ = stored(workspace)
    assert records["text"].tolist() == [comment]


@pytest.mark.parametrize(
    ("rows", "missing"),
    [
        ([["id", "date", "comment"], ["R1", "2026-01-01", "godt"]], "score"),
        ([["id", "date", "score"], ["R1", "2026-01-01", "9"]], "text"),
        ([["id", "NPS group", "comment"], ["R1", "Promoter", "godt"]], "score"),
    ],
)
def test_missing_required_column_refuses_the_file(workspace, rows, missing):
    path = write_csv(Path("answers.csv"), rows)

    with pytest.raises(InputFileError, match=rf"answers\.csv, field '{missing}': no {missing}"):
        ingest_files([path], source="survey", cfg=workspace)
    assert not workspace.warehouse.path.exists()


def _png() -> bytes:
    return b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(256)) * 4


def _zip() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("answers.csv", "id,score,comment\nR1,9,godt\n")
    return buffer.getvalue()


@pytest.mark.parametrize(
    ("name", "content", "match"),
    [
        ("answers.xls", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 100, "old Excel .xls"),
        ("picture.csv", _png(), "binary data"),
        ("archive.csv", _zip(), "ZIP archive"),
        ("fake.xlsx", b"id,score,comment\nR1,9,godt\n", "not an XLSX workbook"),
        ("archive.xlsx", _zip(), "not a readable XLSX workbook"),
        ("missing.csv", None, "file not found"),
    ],
)
def test_unreadable_file_is_refused_and_nothing_written(workspace, name, content, match):
    good = write_csv(Path("good.csv"), [["id", "score", "comment"], ["R1", "9", "godt"]])
    path = Path(name)
    if content is not None:
        path.write_bytes(content)

    with pytest.raises(InputFileError, match=rf"{name.replace('.', '[.]')}: .*{match}"):
        ingest_files([good, path], source="survey", cfg=workspace)
    assert not workspace.warehouse.path.exists()


def test_a_directory_is_refused(workspace):
    Path("folder.csv").mkdir()

    with pytest.raises(InputFileError, match="not a regular file"):
        ingest_files([Path("folder.csv")], source="survey", cfg=workspace)


# --- chunks, idempotence ---------------------------------------------------------------------


def test_chunks_keep_line_numbers_duplicates_and_rejects(workspace, make_config):
    cfg = make_config(chunk_rows=100)
    rows = [["id", "score", "comment"]]
    for i in range(300):
        score = "11" if i % 50 == 7 else str(i % 11)
        rows.append([f"R{i % 250}", score, f"svar {i % 250}"])
    path = write_csv(Path("answers.csv"), rows)

    file = ingest(path, cfg)

    # R7 is refused twice (lines 9 and 259); R0..R49 come back once more from line 252 on
    assert counts(file) == (300, 245, 6, 49)
    records, rejects = stored(cfg)
    assert len(records) == 245
    assert rejects["line"].tolist() == [9, 59, 109, 159, 209, 259]
    assert set(rejects["reason"]) == {"score 11 is outside 0-10"}
    rejected_ids = {json.loads(raw)["id"] for raw in rejects["raw"]}
    assert rejected_ids == {"R7", "R57", "R107", "R157", "R207"}
    assert set(records["source_id"]) | rejected_ids == {f"R{i}" for i in range(250)}
    line_of = dict(zip(records["source_id"], records["source_line"], strict=True))
    assert line_of["R0"] == 2
    assert line_of["R249"] == 251


def test_reingesting_the_same_file_is_a_no_op(workspace):
    path = write_csv(
        Path("answers.csv"),
        [
            ["id", "score", "comment"],
            ["R1", "9", "godt"],
            ["R2", "x", "skidt"],
            ["R1", "9", "godt"],
        ],
    )
    first = ingest(path, workspace)
    before = stored(workspace)

    second = ingest(path, workspace)

    assert counts(first) == (3, 1, 1, 1)
    assert counts(second) == (3, 0, 0, 3)
    assert second.already_ingested
    assert second.batch_id == first.batch_id
    after = stored(workspace)
    pd.testing.assert_frame_equal(after[0], before[0])
    pd.testing.assert_frame_equal(after[1], before[1])
    with Warehouse(workspace.warehouse.path, read_only=True) as warehouse:
        assert warehouse.count_rows("batches") == 1


def test_overlapping_export_only_adds_new_answers(workspace):
    header = ["id", "date", "score", "comment"]
    monday = write_csv(
        Path("monday.csv"),
        [header, *[[f"R{i}", "2026-01-05", "9", f"svar {i}"] for i in range(1, 5)]],
    )
    tuesday = write_csv(
        Path("tuesday.csv"),
        [header, *[[f"R{i}", "2026-01-05", "9", f"svar {i}"] for i in range(3, 7)]],
    )

    report = ingest_files([monday, tuesday], source="survey", cfg=workspace)

    assert [counts(file) for file in report.files] == [(4, 4, 0, 0), (4, 2, 0, 2)]
    records, _ = stored(workspace)
    assert sorted(records["source_id"]) == [f"R{i}" for i in range(1, 7)]
    assert records.groupby("source_file").size().to_dict() == {"monday.csv": 4, "tuesday.csv": 2}


# --- invariants ------------------------------------------------------------------------------


def read_raw_texts(cfg, record_ids) -> list[str]:
    with Warehouse(cfg.warehouse.path, read_only=True) as warehouse:
        raw = warehouse.read_table("raw_records").set_index("record_id")["text"]
    return [raw[rid] for rid in record_ids]


COMMENT_TEXT = st.text(
    alphabet=st.sampled_from(list("abcxyzÆØÅæøåÄÖäöé 0123456789;,.\"'/!?-\n\r\t\u2028\x85")),
    max_size=40,
)
ANSWER_ROWS = st.lists(
    st.tuples(st.integers(0, 10), COMMENT_TEXT, COMMENT_TEXT), min_size=1, max_size=12
)


@settings(
    max_examples=15,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(answers=ANSWER_ROWS, delimiter=st.sampled_from([",", ";", "\t"]))
def test_csv_round_trip_and_idempotent_reingest(answers, delimiter):
    with tempfile.TemporaryDirectory() as folder:
        root = Path(folder)
        cfg = config_from_dict(
            {
                "warehouse": {"path": str(root / "warehouse.duckdb")},
                "ingest": {"survey": {"id": "id", "score": "score", "text": "comment"}},
            }
        )
        rows = [
            [f"R{i}", str(score), comment, note]
            for i, (score, comment, note) in enumerate(answers)
        ]
        # "\r\n" so that the csv module quotes a lone "\r" inside a comment
        path = write_csv(
            root / "answers.csv",
            [["id", "score", "comment", "note"], *rows],
            delimiter=delimiter,
            lineterminator="\r\n",
        )

        file = ingest(path, cfg)
        records, rejects = stored(cfg)

        assert counts(file) == (len(rows), len(rows), 0, 0)
        assert rejects.empty
        assert records["source_id"].tolist() == [row[0] for row in rows]
        assert records["score"].tolist() == [float(score) for score, _, _ in answers]
        comments = [comment.strip() for _, comment, _ in answers]
        # the text as received lives in raw_records; records hold it redacted
        raw = read_raw_texts(cfg, records["record_id"])
        assert raw == comments
        assert records["text"].tolist() == redact_texts(comments)
        notes = [json.loads(extra).get("note") or "" for extra in records["extra"]]
        kept = [
            (got, note)
            for got, (_, _, note) in zip(notes, answers, strict=True)
            if redact_texts([note]) == [note]
        ]
        assert all(got == note for got, note in kept)

        copy = root / "copy.csv"
        shutil.copy(path, copy)
        with copy.open("a", encoding="utf-8") as handle:
            handle.write("\n")
        again = ingest(copy, cfg)
        assert counts(again) == (len(rows), 0, 0, len(rows))
        pd.testing.assert_frame_equal(stored(cfg)[0], records)


def test_a_comment_that_reads_as_year_0_is_just_a_comment(workspace):
    # found by Hypothesis: "/1" parses as a date in year 0 while the columns are sniffed
    path = write_csv(
        Path("answers.csv"), [["id", "date", "score", "comment"], ["R1", "2026-01-01", "0", "/1"]]
    )
    assert counts(ingest(path, workspace)) == (1, 1, 0, 0)
    records, _ = stored(workspace)
    assert records["text"].tolist() == ["/1"]
