import json
import re
from pathlib import Path

import pandas as pd
import pytest
from typer.testing import CliRunner

from pipeline.cli import app

runner = CliRunner()

SURVEY = (
    "Respondent ID;Submitted;Hvor sandsynligt er det, at du vil anbefale os? (0-10);"
    "Kommentar;Team\n"
    "R1;01.08.2026 10:15;10;Super service;Support\n"
    "R2;02.08.2026;3;Ventetiden var alt for lang;Support\n"
    "R3;03.08.2026;eleven;?;Billing\n"
    "R4;04.08.2026;8;OK;Billing\n"
    "R1;01.08.2026 10:15;10;Super service;Support\n"
)


@pytest.fixture
def workspace(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "answers.csv").write_text(SURVEY, encoding="utf-8")
    return tmp_path


def _json(result) -> dict:
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


#: The top-level commands and groups, a public interface: scripts depend on these names.
COMMANDS = (
    "ingest", "enrich", "redact", "status", "compare", "export", "report", "run", "init",
    "deploy", "demo", "sentiment", "score", "analyse", "drivers", "followups", "alerts",
    "scores", "eval", "themes", "train",
)  # fmt: skip


def test_help_lists_exactly_the_commands_there_are():
    import typer.main

    result = runner.invoke(app, ["--help"], terminal_width=200)
    assert result.exit_code == 0
    listed = re.findall(r"^│ ([a-z][a-z-]*) ", result.stdout, flags=re.M)
    registered = list(typer.main.get_group(app).commands)
    assert listed == registered
    assert sorted(registered) == sorted(COMMANDS)


def test_ingest_json_reports_counts_per_file_and_in_total(workspace):
    report = _json(runner.invoke(app, ["ingest", "survey", "answers.csv", "--json"]))
    assert report["files"][0]["path"] == "answers.csv"
    assert {k: report["files"][0][k] for k in ("rows", "accepted", "rejected", "duplicates")} == {
        "rows": 5,
        "accepted": 3,
        "rejected": 1,
        "duplicates": 1,
    }
    assert (report["accepted"], report["rejected"], report["duplicates"]) == (3, 1, 1)


def test_ingest_table_output_states_the_balance(workspace):
    result = runner.invoke(app, ["ingest", "survey", "answers.csv"])
    assert result.exit_code == 0, result.output
    assert "3 accepted + 1 rejected + 1 duplicates = 5 rows read" in result.stdout
    assert "verbatim export rejects" in result.stdout


def test_reingest_is_a_no_op(workspace):
    runner.invoke(app, ["ingest", "survey", "answers.csv"])
    report = _json(runner.invoke(app, ["ingest", "survey", "answers.csv", "--json"]))
    assert (report["accepted"], report["duplicates"]) == (0, 5)
    status = _json(runner.invoke(app, ["status", "--json"]))
    assert status["records"] == {"survey": 3}


def test_unreadable_file_exits_2_naming_the_file_and_writes_nothing(workspace):
    (workspace / "scores.csv").write_text("id;score\n1;9\n", encoding="utf-8")
    result = runner.invoke(app, ["ingest", "survey", "scores.csv"])
    assert result.exit_code == 2
    assert "scores.csv" in result.stderr
    assert "comment" in result.stderr.lower() or "text" in result.stderr.lower()
    assert not (workspace / "data" / "warehouse.duckdb").exists()


def test_missing_file_exits_2(workspace):
    result = runner.invoke(app, ["ingest", "chat", "nope.jsonl"])
    assert result.exit_code == 2
    assert "nope.jsonl: file not found" in result.stderr


def test_status_json_has_records_and_nps_with_margin(workspace):
    runner.invoke(app, ["ingest", "survey", "answers.csv"])
    status = _json(runner.invoke(app, ["status", "--json"]))
    assert status["records"] == {"survey": 3}
    nps = status["nps"]
    assert nps["n"] == 3
    assert nps["value"] == pytest.approx(0.0)
    assert nps["margin"] > 0
    assert status["batches"][0]["rows"] == 5
    # nothing enriched or analysed yet: the seed is named, no model is behind any result
    assert status["seed"] == 0
    assert status["models"] == {"themes": None, "sentiment": None, "embedder": None}


def test_compare_names_the_tables_that_differ_and_exits_1(workspace, monkeypatch):
    runner.invoke(app, ["ingest", "survey", "answers.csv"])
    twin, other = workspace / "twin", workspace / "other"
    for root, text in ((twin, SURVEY), (other, SURVEY.replace("Super service", "Super servis"))):
        root.mkdir()
        (root / "answers.csv").write_text(text, encoding="utf-8")
        monkeypatch.chdir(root)
        assert runner.invoke(app, ["ingest", "survey", "answers.csv"]).exit_code == 0
    monkeypatch.chdir(workspace)
    same = runner.invoke(app, ["compare", "twin"])
    assert same.exit_code == 0, same.output
    assert "The same data" in same.stdout
    differs = runner.invoke(app, ["compare", "other/data/warehouse.duckdb", "--json"])
    assert differs.exit_code == 1, differs.output
    report = json.loads(differs.stdout)
    assert not report["identical"]
    tables = {d["table"]: d for d in report["differences"]}
    assert tables["records"]["columns"]["text"] == 1  # R1 (its repeat is a duplicate)
    assert tables["records"]["rows"] == [3, 3]


def test_compare_with_no_warehouse_there_is_a_clear_error(workspace, tmp_path):
    result = runner.invoke(app, ["compare", str(tmp_path / "nowhere")])
    assert result.exit_code == 2
    assert "no warehouse there" in result.stderr


def test_status_without_a_warehouse_is_empty_not_an_error(workspace):
    status = _json(runner.invoke(app, ["status", "--json"]))
    assert status["records"] == {}
    assert status["nps"]["n"] == 0


@pytest.mark.parametrize("name", ["records.csv", "records.parquet"])
def test_export_writes_csv_or_parquet(workspace, name):
    runner.invoke(app, ["ingest", "survey", "answers.csv"])
    result = runner.invoke(app, ["export", "records", "--out", f"out/{name}"])
    assert result.exit_code == 0, result.output
    path = Path("out") / name
    exported = pd.read_csv(path) if name.endswith(".csv") else pd.read_parquet(path)
    assert sorted(exported["source_id"]) == ["R1", "R2", "R4"]


def test_export_rejects_keeps_line_field_and_reason(workspace):
    runner.invoke(app, ["ingest", "survey", "answers.csv"])
    runner.invoke(app, ["export", "rejects", "--out", "rejects.csv"])
    rejects = pd.read_csv("rejects.csv")
    assert rejects.loc[0, "line"] == 4
    assert "anbefale" in rejects.loc[0, "field"]
    assert "not a number" in rejects.loc[0, "reason"]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["export", "nosuchtable", "--out", "x.csv"], "no warehouse table named 'nosuchtable'"),
        (["export", "records", "--out", "x.xlsx"], "unsupported export format"),
    ],
)
def test_export_errors_exit_2(workspace, args, message):
    runner.invoke(app, ["ingest", "survey", "answers.csv"])
    result = runner.invoke(app, args)
    assert result.exit_code == 2
    assert message in result.stderr


def test_bad_config_key_exits_2_and_names_the_key(workspace):
    Path("bad.toml").write_text("[ingest]\nchunk_rowz = 10\n", encoding="utf-8")
    result = runner.invoke(app, ["ingest", "survey", "answers.csv", "--config", "bad.toml"])
    assert result.exit_code == 2
    assert "bad.toml" in result.stderr
    assert "ingest.chunk_rowz" in result.stderr


def test_configured_column_mapping_is_used(workspace):
    Path("map.toml").write_text(
        '[ingest.survey]\ntext = "Team"\nsegments = { unit = "Kommentar" }\n', encoding="utf-8"
    )
    result = runner.invoke(app, ["ingest", "survey", "answers.csv", "--config", "map.toml"])
    assert result.exit_code == 0, result.output
    runner.invoke(app, ["export", "records", "--out", "r.csv", "--config", "map.toml"])
    records = pd.read_csv("r.csv")
    assert set(records["text"]) == {"Support", "Billing"}
    assert "Super service" in set(records["unit"])


def test_version():
    result = runner.invoke(app, ["--version"])
    assert result.exit_code == 0
    assert result.stdout.startswith("verbatim ")
