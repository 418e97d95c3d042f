"""Analytics in the warehouse: scores by segment, drivers, trends, alerts, follow-ups, the CLI."""

from __future__ import annotations

import json
from pathlib import Path

import duckdb
import pandas as pd
import pytest
from typer.testing import CliRunner

from pipeline.cli import app
from pipeline.config import Config, config_from_dict
from pipeline.errors import WarehouseError
from pipeline.jobs import analytics as analytics_jobs
from pipeline.jobs import ingest as ingest_jobs
from pipeline.jobs import themes as theme_jobs
from pipeline.jobs.analytics import DRIVER_JSON_KEYS
from pipeline.schemas import ANALYTICS_TABLES, FOLLOWUPS
from pipeline.storage.warehouse import Warehouse
from tests.support import NPS_ANSWERS

runner = CliRunner()


def _config(root: Path, cache: Path) -> Config:
    return config_from_dict(
        {
            "warehouse": {"path": str(root / "data" / "warehouse.duckdb")},
            "models": {"dir": str(root / "models")},
            "embed": {"model": "static", "cache_dir": str(cache)},
            "themes": {"codeframe": str(root / "themes.yaml")},
            "drivers": {"resamples": 200, "model_resamples": 5},
            "followup": {"owners": {"1": "Billing"}},
        }
    )


@pytest.fixture(scope="module")
def analysed(demo_copy: Config) -> Config:
    """This module's copy of the shared demo workspace (its tests rerun and edit analytics)."""
    return demo_copy


def _read(cfg: Config, table: str) -> pd.DataFrame:
    with Warehouse(cfg.warehouse.path, read_only=True) as warehouse:
        return warehouse.read_table(table)


def test_every_analytics_table_is_written(analysed: Config) -> None:
    # a small data set has no alert to raise (tests/test_trends.py checks them)
    for table in (*set(ANALYTICS_TABLES) - {"alerts"}, FOLLOWUPS.name):
        assert not _read(analysed, table).empty, table
    scores = _read(analysed, "nps_by_segment")
    overall = scores[(scores["metric"] == "nps") & (scores["period"] == "all")
                     & (scores["segment"] == "all")]  # fmt: skip
    assert overall["n"].tolist() == [NPS_ANSWERS]
    assert {"csat", "nps"} <= set(scores["metric"])
    assert {"team", "product", "lang", "source"} <= set(scores["segment"])
    weekly = scores[(scores["period"] == "week")]
    assert pd.to_datetime(weekly["period_start"]).dt.weekday.eq(0).all()
    assert (scores.loc[scores["flagged"], "rank"].isna()).all()


def test_drivers_cover_every_active_theme_and_parent(analysed: Config) -> None:
    drivers = _read(analysed, "drivers")
    themes = _read(analysed, "themes")
    topics = _read(analysed, "topics")
    overall = drivers[drivers["segment"] == "all"]
    sub_themes = overall[overall["level"] != "topic"]
    assert set(sub_themes["theme_id"]) == set(themes.loc[themes["status"] == "active", "theme_id"])
    by_topic = overall[overall["level"] == "topic"]
    live = set(topics.loc[topics["status"] == "active", "topic_id"])
    assert set(by_topic["theme_id"]) == live  # every topic: its complaints and its praise
    assert by_topic.groupby("theme_id")["polarity"].apply(set).eq({"negative", "positive"}).all()
    assert (overall["ci_low"] <= overall["nps_impact"]).all()
    assert (overall["nps_impact"] <= overall["ci_high"]).all()
    ranked = overall[overall["rank"].notna()]
    assert (ranked["role"] == "detractor_driver").all()
    assert {"team", "product"} <= set(drivers["segment"])


def test_drivers_json_lists_every_theme_with_the_promised_keys(analysed: Config) -> None:
    with pytest.MonkeyPatch.context() as patch:
        patch.chdir(Path(analysed.warehouse.path).parents[1])
        result = runner.invoke(app, ["drivers", "--json"])
        assert result.exit_code == 0, result.output
        rows = json.loads(result.stdout)
        segment = runner.invoke(app, ["drivers", "--segment", "team", "--json"])
        unknown = runner.invoke(app, ["drivers", "--segment", "store"])
        table = runner.invoke(app, ["drivers", "--level", "parent"])
        themes = json.loads(runner.invoke(app, ["drivers", "--level", "theme", "--json"]).stdout)
    drivers = _read(analysed, "drivers")
    overall = drivers[drivers["segment"] == "all"]
    assert len(rows) == (overall["level"] == "topic").sum()  # topics by default
    assert {row["level"] for row in rows} == {"topic"}
    assert all(row["title"].startswith(row["label"] + " — ") for row in rows)
    assert len(themes) == (overall["level"] == "theme").sum()
    assert {row["polarity"] for row in themes} == {None}
    for key in ("theme_id", "label", "mentions", "detractor_share", "promoter_share",
                "nps_impact", "ci_low", "ci_high", "p_value", "rank"):  # fmt: skip
        assert all(key in row for row in rows), key
    assert set(DRIVER_JSON_KEYS) <= set(rows[0])
    ranks = [row["rank"] for row in rows if row["rank"] is not None]
    assert ranks == list(range(1, len(ranks) + 1))
    assert {row["segment_value"] for row in json.loads(segment.stdout)} >= {"Billing"}
    assert unknown.exit_code == 2 and "drivers.segments" in unknown.output
    assert table.exit_code == 0 and "Fix first" in table.output


def test_followups_export_has_no_personal_data(analysed: Config, tmp_path: Path) -> None:
    target = tmp_path / "callbacks.csv"
    with pytest.MonkeyPatch.context() as patch:
        patch.chdir(Path(analysed.warehouse.path).parents[1])
        result = runner.invoke(app, ["followups", "--out", str(target)])
    assert result.exit_code == 0, result.output
    exported = pd.read_csv(target)
    followups = _read(analysed, "followups")
    assert len(exported) == int((followups["status"] == "queued").sum()) > 0
    assert set(exported["reason"]) <= {"detractor", "low_csat"}
    text = target.read_text(encoding="utf-8")
    with duckdb.connect(str(analysed.warehouse.path), read_only=True) as con:
        raw = con.execute("SELECT text FROM raw_records").df()["text"]
    emails = raw.str.extractall(r"([\w.+-]+@[\w-]+\.[\w.]+)")[0].unique()
    assert len(emails) > 0, "the demo plants e-mail addresses"
    assert not [email for email in emails if email in text]


def test_followup_decisions_survive_a_rerun(analysed: Config) -> None:
    before = _read(analysed, "followups").set_index("record_id")
    analytics_jobs.update_analytics(analysed)
    after = _read(analysed, "followups").set_index("record_id")
    assert after.loc[before.index, "status"].equals(before["status"])
    assert after.loc[before.index, "listed_at"].equals(before["listed_at"])


def test_scores_and_alerts_commands(analysed: Config) -> None:
    with pytest.MonkeyPatch.context() as patch:
        patch.chdir(Path(analysed.warehouse.path).parents[1])
        scores = runner.invoke(app, ["scores", "--segment", "team", "--json"])
        printed = runner.invoke(app, ["scores", "--metric", "csat", "--period", "month"])
        alerts = runner.invoke(app, ["alerts", "--all", "--json"])
        themes = runner.invoke(app, ["alerts", "--all", "--level", "theme", "--json"])
    assert scores.exit_code == 0 and printed.exit_code == 0, printed.output
    assert {row["level"] for row in json.loads(alerts.stdout)} <= {"topic"}
    assert {row["level"] for row in json.loads(themes.stdout)} <= {"theme"}
    rows = json.loads(scores.stdout)
    assert {row["segment_value"] for row in rows} >= {"Billing", "Field Service"}
    assert all(row["margin"] is not None for row in rows)
    assert alerts.exit_code == 0 and isinstance(json.loads(alerts.stdout), list)


def test_a_failed_write_leaves_the_previous_results(analysed: Config) -> None:
    before = _read(analysed, "drivers")
    broken = {"drivers": before.head(0), "theme_trends": pd.DataFrame({"nonsense": [1]})}
    with Warehouse(analysed.warehouse.path) as warehouse, pytest.raises(WarehouseError):
        warehouse.analytics.write_analytics(broken)
    assert len(_read(analysed, "drivers")) == len(before)


def test_analytics_before_any_theme_still_scores_and_follows_up(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, _user_cache: Path
) -> None:
    monkeypatch.chdir(tmp_path)
    cfg = _config(tmp_path, _user_cache)
    survey = tmp_path / "s.csv"
    survey.write_text(
        "id,date,score,comment,customer\n1,2026-09-01,10,Great,K1\n2,2026-09-02,2,Slow,K2\n",
        encoding="utf-8",
    )
    ingest_jobs.ingest_files([survey], source="survey", cfg=cfg)
    report = analytics_jobs.update_analytics(cfg)
    assert report.respondents == 2 and report.themes == 0
    assert report.followups == 1
    assert _read(cfg, "drivers").empty
    with pytest.raises(Exception, match="no drivers yet"):
        analytics_jobs.driver_rows(cfg)


def test_analytics_tables_follow_the_current_schema(tmp_path: Path) -> None:
    with Warehouse(tmp_path / "w.duckdb"):
        pass
    with duckdb.connect(str(tmp_path / "w.duckdb")) as con:
        # a warehouse written by an older version: fewer columns
        con.execute("DROP TABLE drivers")
        con.execute("CREATE TABLE drivers (theme_id INTEGER)")
        con.execute("ALTER TABLE followups DROP COLUMN listed_at")
    with Warehouse(tmp_path / "w.duckdb") as warehouse:
        warehouse.analytics.write_analytics(
            {"drivers": pd.DataFrame(), "followups": pd.DataFrame()}
        )
        assert "verdict_share" in warehouse.columns("drivers")
        assert "listed_at" in warehouse.columns("followups")
        with pytest.raises(ValueError, match="not analytics tables"):
            warehouse.analytics.write_analytics({"records": pd.DataFrame()})


def test_analytics_skips_when_nothing_it_reads_changed(analysed: Config) -> None:
    first = analytics_jobs.update_analytics(analysed, only_if_changed=True)
    again = analytics_jobs.update_analytics(analysed, only_if_changed=True)
    assert again.skipped == "nothing new since the last analysis"
    # the skipped report counts the tables as they are
    assert (again.respondents, again.themes, again.followups) == (
        first.respondents,
        first.themes,
        first.followups,
    )
    drivers = _read(analysed, "drivers")
    theme_id = int(drivers.loc[drivers["level"] == "theme", "theme_id"].iloc[0])
    theme_jobs.edit_codeframe(
        analysed, lambda c: c.renamed(theme_id, "Renamed by a test"), ids=[theme_id]
    )
    renamed = analytics_jobs.update_analytics(analysed, only_if_changed=True)
    assert renamed.skipped is None
    labels = _read(analysed, "drivers").set_index("theme_id")["label"]
    assert (labels.loc[[theme_id]] == "Renamed by a test").all()
    # another day is another analysis (trends, alerts and follow-up windows move)
    later = pd.Timestamp.now(tz="UTC") + pd.Timedelta(days=1)
    moved = analytics_jobs.update_analytics(
        analysed, only_if_changed=True, now=later.to_pydatetime()
    )
    assert moved.skipped is None


def test_run_summary_markdown_and_improvement_rows(analysed: Config) -> None:
    from pipeline.analytics.summary import improvement_rows, summary_markdown
    from pipeline.jobs.reports import run_summary

    summary = run_summary(analysed, new_records={"survey": 12})
    text = summary_markdown(summary)
    nps = summary.scores["nps"]
    assert f"**{nps.value:.1f}** ± {nps.margin:.1f}" in text
    assert f"n = {nps.n:,}" in text and nps.n == NPS_ANSWERS
    assert f"| survey | {NPS_ANSWERS} | 12 |" in text
    rows = improvement_rows(summary)
    drivers = _read(analysed, "drivers")
    ranked = drivers[(drivers["segment"] == "all") & (drivers["level"] == "topic")]
    ranked = ranked[ranked["rank"].notna()].sort_values("rank")
    assert [row["theme_id"] for row in rows] == ranked["theme_id"].head(10).tolist()
    for row in rows:
        assert row["ci_low"] <= row["nps_impact"] <= row["ci_high"]
        assert f"| {row['rank']} |" in text
    # what produced the figures: the seed and the models behind them
    assert summary.seed == analysed.run.seed == 0
    models = summary.models
    assert models["themes"] and models["sentiment"] and models["embedder"]
    assert models["embedder"].startswith("static@")
    assert f"Produced by: seed 0; theme model {models['themes']}; sentiment " in text
