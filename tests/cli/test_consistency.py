"""What every command does alike: unknown values, no analytics yet, personal data in exports."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
from typer.testing import CliRunner

from pipeline.cli import app
from pipeline.config import Config
from tests.support import workspace_root

runner = CliRunner()

SURVEY = (
    "id,date,score,comment,team\n"
    "1,2026-09-01,2,Write to me at jane.doe@example.com the invoice is wrong,Billing\n"
    "2,2026-09-02,9,Fine,Support\n"
)


def _said(result: Any) -> str:
    """What the command printed, stdout and stderr, with Rich's boxes and wrapping undone."""
    return " ".join(result.output.replace("│", " ").split())


@pytest.fixture
def ingested(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A workspace with two answers ingested and nothing analysed."""
    monkeypatch.chdir(tmp_path)
    Path("answers.csv").write_text(SURVEY, encoding="utf-8")
    result = runner.invoke(app, ["ingest", "survey", "answers.csv"])
    assert result.exit_code == 0, result.output
    return tmp_path


@pytest.fixture
def analysed(demo_copy: Config, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The shared analysed demo workspace (a private copy), as the working directory."""
    root = workspace_root(demo_copy)
    monkeypatch.chdir(root)
    return root


# --- unknown values ---------------------------------------------------------------------------


#: Command line -> what its message must hold.
UNKNOWN_VALUES = [
    (["scores", "--segment", "nosuch"], ["no segment 'nosuch'", "valid:", "team", "all"]),
    (["scores", "--metric", "nosuch"], ["'nps'", "'csat'", "'ces'"]),
    (["scores", "--period", "year"], ["'all'", "'week'", "'month'"]),
    (["drivers", "--segment", "nosuch"], ["no segment 'nosuch'", "team", "drivers.segments"]),
    (["drivers", "--level", "nosuch"], ["'topic'", "'theme'", "'parent'"]),
    (["alerts", "--level", "nosuch"], ["'topic'", "'theme'", "'parent'"]),
    (["report", "--level", "nosuch"], ["'topic'", "'theme'", "'parent'"]),
    (["themes", "show", "99999"], ["no theme 99999", "verbatim themes list"]),
    (["themes", "rename", "99999", "X"], ["no theme 99999", "verbatim themes list"]),
    (["themes", "merge", "99999", "99998"], ["no theme 99998, 99999", "verbatim themes list"]),
    (["themes", "hide", "99999"], ["no theme 99999", "verbatim themes list"]),
    (["export", "nosuch", "--out", "x.csv"], ["no warehouse table named 'nosuch'", "records"]),
    (["ingest", "nosuch", "x.csv"], ["'survey'", "'chat'", "'social'"]),
    (["deploy", "--timezone", "Mars/Base"], ["not an IANA time zone"]),
    (["deploy", "--cron", "every day"], ["--cron"]),
]


@pytest.mark.parametrize(
    ("args", "expected"), [pytest.param(*case, id=" ".join(case[0])) for case in UNKNOWN_VALUES]
)
def test_an_unknown_value_exits_2_listing_the_valid_ones(
    analysed: Path, args: list[str], expected: list[str]
) -> None:
    result = runner.invoke(app, args)
    assert result.exit_code == 2, result.output
    said = _said(result)
    for text in expected:
        assert text in said


def test_an_unknown_sentiment_model_exits_2_listing_the_models(analysed: Path) -> None:
    result = runner.invoke(app, ["sentiment", "--model", "nosuch"], input="fine\n")
    assert result.exit_code == 2
    assert "'nosuch' is not one of auto, ensemble, embedding, lexicon, weak" in _said(result)


def test_a_known_segment_still_works(analysed: Path) -> None:
    result = runner.invoke(app, ["scores", "--segment", "team"])
    assert result.exit_code == 0, result.output
    assert "Billing" in result.stdout


# --- no analytics yet ---------------------------------------------------------------------------

ANALYTICS_COMMANDS = [
    ["drivers"], ["drivers", "--json"], ["scores"], ["scores", "--json"],
    ["scores", "--segment", "team"], ["alerts"], ["alerts", "--json"], ["alerts", "--all"],
    ["report"], ["report", "--json"],
]  # fmt: skip


@pytest.mark.parametrize("args", ANALYTICS_COMMANDS, ids=" ".join)
def test_analytics_commands_before_any_analysis_say_what_to_run(
    ingested: Path, args: list[str]
) -> None:
    result = runner.invoke(app, args)
    assert result.exit_code == 2, result.output
    assert "no analytics yet: run `verbatim analyse` (or `verbatim run`)" in _said(result)
    assert not result.stdout.strip(), "nothing on stdout: no half a table, no empty JSON"
    assert not Path("data/reports").exists()


def test_alerts_after_an_analysis_that_found_none_say_so(analysed: Path) -> None:
    result = runner.invoke(app, ["alerts"])
    assert result.exit_code == 0, result.output
    assert "No alerts: the last analysis found no topic emerging or spiking" in _said(result)
    as_json = runner.invoke(app, ["alerts", "--json"])
    assert as_json.exit_code == 0, as_json.output
    assert json.loads(as_json.stdout) == []


def test_alerts_none_active_names_the_past_ones(
    analysed: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from pipeline.jobs import analytics

    def alert_rows(cfg: Config, *, active_only: bool, level: str) -> list[dict[str, Any]]:
        return [] if active_only else [{"theme_id": 1, "active": False}] * 2

    monkeypatch.setattr(analytics, "alert_rows", alert_rows)
    result = runner.invoke(app, ["alerts"])
    assert result.exit_code == 0, result.output
    assert "No active alerts; 2 past alerts (`verbatim alerts --all` lists them)" in _said(result)


# --- personal data ------------------------------------------------------------------------------


@pytest.mark.parametrize("name", ["raw.csv", "raw.parquet"])
def test_export_raw_records_needs_include_personal_data(ingested: Path, name: str) -> None:
    refused = runner.invoke(app, ["export", "raw_records", "--out", name])
    assert refused.exit_code == 2
    said = _said(refused)
    assert "--include-personal-data" in said and "unredacted" in said
    assert "export 'records', which holds the same text redacted" in said
    assert not Path(name).exists()
    allowed = runner.invoke(
        app, ["export", "raw_records", "--out", name, "--include-personal-data"]
    )
    assert allowed.exit_code == 0, allowed.output
    raw = pd.read_csv(name) if name.endswith(".csv") else pd.read_parquet(name)
    assert raw["text"].str.contains("jane.doe@example.com").any()


def test_the_redacted_alternative_exports_without_the_flag(ingested: Path) -> None:
    result = runner.invoke(app, ["export", "records", "--out", "records.csv"])
    assert result.exit_code == 0, result.output
    records = pd.read_csv("records.csv")
    assert not records["text"].str.contains("jane.doe@example.com").any()
