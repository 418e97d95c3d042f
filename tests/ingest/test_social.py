"""Social mentions: field mapping, retweets and replies, metrics, no score, bad lines."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path
from typing import Any

import pandas as pd
import pytest

from pipeline.config import Config
from pipeline.errors import InputFileError
from pipeline.jobs.ingest import FileReport, ingest_files
from pipeline.storage.warehouse import Warehouse
from tests.support import ingest_one

COLUMNS = [
    "id",
    "platform",
    "author",
    "text",
    "created_at",
    "likes",
    "shares",
    "in_reply_to",
    "is_retweet",
]
MENTIONS: list[dict[str, Any]] = [
    {
        "id": "t1",
        "platform": "twitter",
        "author": "@anna",
        "text": "Elsker @brand, hurtig levering æøå",
        "created_at": "2026-03-01T08:00:00Z",
        "likes": 12,
        "shares": 3,
        "in_reply_to": None,
        "is_retweet": False,
    },
    {
        "id": "t2",
        "platform": "twitter",
        "author": "@bo",
        "text": "RT @anna: Elsker @brand",
        "created_at": "2026-03-01T09:00:00Z",
        "likes": 0,
        "shares": 0,
        "in_reply_to": None,
        "is_retweet": None,
    },
    {
        "id": "t3",
        "platform": "twitter",
        "author": "@carl",
        "text": "Helt enig!",
        "created_at": "2026-03-01T09:30:00Z",
        "likes": None,
        "shares": None,
        "in_reply_to": "t1",
        "is_retweet": False,
    },
    {
        "id": "f1",
        "platform": "facebook",
        "author": "Dorte Hansen",
        "text": "Delt opslag om kundeservice",
        "created_at": "2026-03-02T12:00:00Z",
        "likes": 5,
        "shares": 1,
        "in_reply_to": None,
        "is_retweet": True,
    },
]


def write_mentions(path: Path, items: list[dict[str, Any]]) -> Path:
    if path.suffix == ".csv":
        buffer = io.StringIO()
        writer = csv.DictWriter(buffer, fieldnames=COLUMNS, lineterminator="\n")
        writer.writeheader()
        writer.writerows(items)
        path.write_text(buffer.getvalue(), encoding="utf-8")
    else:
        lines = [
            json.dumps({k: v for k, v in item.items() if v is not None}, ensure_ascii=False)
            for item in items
        ]
        path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def ingest(path: Path, cfg: Config) -> FileReport:
    return ingest_one(path, cfg, source="social")


def stored(cfg: Config) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """(records, rejects, mentions), records and mentions in file order."""
    with Warehouse(cfg.warehouse.path, read_only=True) as warehouse:
        records = warehouse.read_table("records").sort_values("source_line")
        rejects = warehouse.read_table("rejects").sort_values("line")
        mentions = warehouse.read_table("mentions")
    records = records.reset_index(drop=True)
    mentions = mentions.set_index("record_id").loc[records["record_id"]].reset_index()
    return records, rejects.reset_index(drop=True), mentions


def counts(file: FileReport) -> tuple[int, int, int, int]:
    return file.rows, file.accepted, file.rejected, file.duplicates


@pytest.mark.parametrize("suffix", [".jsonl", ".csv"])
def test_mentions_are_mapped(workspace, suffix):
    path = write_mentions(Path(f"mentions{suffix}"), MENTIONS)

    file = ingest(path, workspace)

    assert counts(file) == (4, 4, 0, 0)
    records, rejects, mentions = stored(workspace)
    assert rejects.empty
    assert records["source_id"].tolist() == ["t1", "t2", "t3", "f1"]
    assert records["text"].tolist() == [item["text"] for item in MENTIONS]
    assert records["created_at"].tolist() == [
        pd.Timestamp(item["created_at"]) for item in MENTIONS
    ]
    assert records["score"].isna().all()
    assert set(records["score_type"]) == {"none"}
    assert records["nps_category"].isna().all()
    assert records["channel"].tolist() == ["twitter", "twitter", "twitter", "facebook"]
    assert records["source"].unique().tolist() == ["social"]
    assert mentions["platform"].tolist() == ["twitter", "twitter", "twitter", "facebook"]
    assert mentions["author"].tolist() == ["@anna", "@bo", "@carl", "Dorte Hansen"]
    assert mentions["in_reply_to"].fillna("-").tolist() == ["-", "-", "t1", "-"]
    assert mentions["is_reply"].tolist() == [False, False, True, False]
    assert mentions["is_retweet"].tolist() == [False, True, False, True]
    assert mentions["likes"].fillna(-1).tolist() == [12, 0, -1, 5]
    assert mentions["shares"].fillna(-1).tolist() == [3, 0, -1, 1]
    assert set(mentions["batch_id"]) == {file.batch_id}


@pytest.mark.parametrize(
    ("text", "is_retweet"),
    [
        ("RT @anna: god service", True),
        ("rt @anna god service", True),
        ("  RT @anna_b: god service", True),
        ("RT: god service", False),
        ("ART @anna er flot", False),
        ("Jeg giver et RT @anna", False),
        ("god service", False),
    ],
)
def test_retweet_prefix_is_recognised(workspace, text, is_retweet):
    item = {**MENTIONS[0], "text": text, "is_retweet": None}
    path = write_mentions(Path("mentions.jsonl"), [item])

    assert counts(ingest(path, workspace)) == (1, 1, 0, 0)
    _, _, mentions = stored(workspace)
    assert mentions["is_retweet"].tolist() == [is_retweet]


@pytest.mark.parametrize(
    ("flag", "is_retweet"),
    [("true", True), ("1", True), ("yes", True), ("ja", True), ("false", False), ("0", False)],
)
def test_retweet_flag_is_read(workspace, flag, is_retweet):
    path = write_mentions(Path("mentions.csv"), [{**MENTIONS[0], "is_retweet": flag}])

    assert counts(ingest(path, workspace)) == (1, 1, 0, 0)
    _, _, mentions = stored(workspace)
    assert mentions["is_retweet"].tolist() == [is_retweet]


def test_twitter_export_headers_are_recognised(workspace):
    path = Path("tweets.csv")
    path.write_text(
        "tweet_id,screen_name,tweet,created,favorite_count,retweet_count,"
        "in_reply_to_status_id,retweeted\n"
        "111,@anna,Fin service,2026-03-01 10:00,7,2,,false\n"
        "112,@bo,Enig,2026-03-01 11:00,0,0,111,false\n",
        encoding="utf-8",
    )

    assert counts(ingest(path, workspace)) == (2, 2, 0, 0)
    records, _, mentions = stored(workspace)
    assert records[["source_id", "text"]].values.tolist() == [
        ["111", "Fin service"],
        ["112", "Enig"],
    ]
    assert mentions["author"].tolist() == ["@anna", "@bo"]
    assert mentions["likes"].tolist() == [7, 0]
    assert mentions["shares"].tolist() == [2, 0]
    assert mentions["is_reply"].tolist() == [False, True]


def test_configured_columns_override_detection(workspace, make_config):
    cfg = make_config(social={"text": "body", "author": "who", "created_at": "when"})
    path = Path("mentions.csv")
    path.write_text(
        "id,text,body,who,author,when\n"
        "m1,not this,Det her er teksten,@rigtig,@forkert,01.03.2026 10:00\n",
        encoding="utf-8",
    )

    assert counts(ingest(path, cfg)) == (1, 1, 0, 0)
    records, _, mentions = stored(cfg)
    assert records["text"].tolist() == ["Det her er teksten"]
    assert records["created_at"].tolist() == [pd.Timestamp("2026-03-01T10:00Z")]
    assert mentions["author"].tolist() == ["@rigtig"]


def test_bad_mentions_are_rejected_with_line_field_and_reason(workspace):
    path = Path("mentions.jsonl")
    good = [json.dumps({k: v for k, v in m.items() if v is not None}) for m in MENTIONS[:2]]
    path.write_text(
        "\n".join(
            [
                good[0],
                '{"id": "x1", "text": "brudt',
                json.dumps({"id": "x2", "text": "   ", "created_at": "2026-03-01T10:00:00Z"}),
                json.dumps({"id": "x3", "text": "hej", "created_at": "i morgen"}),
                "",
                good[1],
                "[]",
            ]
        )
        + "\n",
        encoding="utf-8",
    )

    file = ingest(path, workspace)

    assert counts(file) == (6, 2, 4, 0)
    records, rejects, mentions = stored(workspace)
    assert records[["source_id", "source_line"]].values.tolist() == [["t1", 1], ["t2", 6]]
    assert len(mentions) == 2
    assert rejects["line"].tolist() == [2, 3, 4, 7]
    assert rejects["field"].fillna("-").tolist() == ["-", "text", "created_at", "-"]
    reasons = rejects["reason"].tolist()
    assert reasons[0].startswith("invalid JSON")
    assert reasons[1] == "the mention has no text"
    assert "'i morgen' is not a date" in reasons[2]
    assert "not an object" in reasons[3]
    assert rejects["raw"][0] == '{"id": "x1", "text": "brudt'
    assert json.loads(rejects["raw"][2])["id"] == "x3"


def test_repeated_mention_is_a_duplicate_with_one_detail_row(workspace):
    path = write_mentions(Path("mentions.jsonl"), [MENTIONS[0], MENTIONS[1], MENTIONS[0]])

    file = ingest(path, workspace)

    assert counts(file) == (3, 2, 0, 1)
    records, _, mentions = stored(workspace)
    assert len(records) == 2
    assert len(mentions) == 2


def test_overlapping_export_only_adds_new_mentions(workspace):
    first = write_mentions(Path("monday.jsonl"), MENTIONS[:3])
    second = write_mentions(Path("tuesday.csv"), MENTIONS[1:])

    report = ingest_files([first, second], source="social", cfg=workspace)

    assert [counts(file) for file in report.files] == [(3, 3, 0, 0), (3, 1, 0, 2)]
    records, _, mentions = stored(workspace)
    assert sorted(records["source_id"]) == ["f1", "t1", "t2", "t3"]
    assert len(mentions) == 4


@pytest.mark.parametrize(
    ("header", "missing"),
    [("id,author,created_at", "text"), ("id,author,text", "created at")],
)
def test_missing_text_or_date_column_refuses_the_file(workspace, header, missing):
    path = Path("mentions.csv")
    row = {"id": "m1", "author": "@a", "text": "hej", "created_at": "2026-03-01"}
    path.write_text(
        header + "\n" + ",".join(row[name] for name in header.split(",")) + "\n",
        encoding="utf-8",
    )

    with pytest.raises(InputFileError, match=rf"mentions\.csv, field .*no {missing} column"):
        ingest_files([path], source="social", cfg=workspace)
    assert not workspace.warehouse.path.exists()
