"""Topics in the warehouse: fit, upgrade of a workspace without topics, refits, codeframe."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest

from pipeline.config import Config, config_from_dict
from pipeline.jobs import themes as theme_jobs
from pipeline.jobs.analytics import update_analytics
from pipeline.jobs.enrich import enrich_pending
from pipeline.jobs.ingest import ingest_files
from pipeline.storage.warehouse import Warehouse
from pipeline.themes.codeframe import load_codeframe
from tests.theme_data import phrase_units

TABLES = ("themes", "unit_themes", "topics", "unit_topics", "record_topics", "theme_lineage")


def _config(root: Path, cache: Path, *, language: str = "en", **themes: object) -> Config:
    return config_from_dict(
        {
            "warehouse": {"path": str(root / "data" / "warehouse.duckdb")},
            "embed": {"model": "static", "cache_dir": str(cache)},
            "themes": {"codeframe": str(root / "themes.yaml"), **themes},
            "report": {"language": language},
        }
    )


def _ingest(cfg: Config, texts: list[str], path: Path) -> None:
    rows = ["Respondent ID,Submitted,How likely are you to recommend us? (0-10),Comment"]
    for i, text in enumerate(texts, 1):
        rows.append(f'R{i},2026-08-{1 + i % 28:02d},{i % 11},"{text}"')
    path.write_text("\n".join(rows) + "\n", encoding="utf-8")
    ingest_files([path], source="survey", cfg=cfg)
    enrich_pending(cfg)


def _tables(cfg: Config) -> dict[str, pd.DataFrame]:
    with Warehouse(cfg.warehouse.path, read_only=True) as warehouse:
        return {name: warehouse.read_table(name) for name in TABLES}


TEXTS = [
    *phrase_units(5, seed=1)["text"].tolist(),
    "I waited an hour on the phone and the bill was still wrong.",
    "Jeg ventede en time i telefonkøen, og regningen var stadig forkert.",
]


@pytest.fixture
def workspace(_user_cache: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(tmp_path)
    _ingest(_config(tmp_path, _user_cache), TEXTS, tmp_path / "survey.csv")
    return tmp_path


def test_a_fit_gives_every_unit_with_content_topics_with_ids_no_theme_has(
    workspace: Path, _user_cache: Path
) -> None:
    cfg = _config(workspace, _user_cache)
    report = theme_jobs.update_themes(cfg)
    assert report.topics >= 13 and report.topic_coverage >= 0.85
    tables = _tables(cfg)
    topics, themes = tables["topics"], tables["themes"]
    assert set(topics["topic_id"]).isdisjoint(themes["theme_id"])
    assert {"waiting_time", "billing", "general_verdict", "churn_threat"} <= set(
        topics["topic_key"]
    )
    assert topics.set_index("topic_key").loc["waiting_time", "label"] == (
        "Waiting time and reachability"
    )
    content = tables["unit_themes"].loc[tables["unit_themes"]["has_content"], "unit_id"]
    carried = tables["unit_topics"]
    assert content.isin(carried["unit_id"]).mean() >= 0.85
    assert set(carried["topic_id"]) <= set(topics["topic_id"])
    assert not carried.duplicated(["unit_id", "topic_id"]).any()
    leaves = themes[~themes["is_parent"] & (themes["status"] == "active")]
    assert leaves["topic_id"].notna().all() and set(leaves["topic_id"]) <= set(topics["topic_id"])
    sizes = carried.groupby("topic_id").size()
    assert (topics.set_index("topic_id")["size"].reindex(sizes.index) == sizes).all()
    by_record = tables["record_topics"].groupby("record_id")["topic_id"].apply(set)
    by_unit = carried.groupby("record_id")["topic_id"].apply(set)
    assert by_record.sort_index().equals(by_unit.sort_index())


def test_labels_are_in_the_report_language(workspace: Path, _user_cache: Path) -> None:
    cfg = _config(workspace, _user_cache, language="da")
    theme_jobs.update_themes(cfg)
    topics = _tables(cfg)["topics"].set_index("topic_key")
    assert topics.loc["waiting_time", "label"] == "Ventetid og tilgængelighed"
    assert json.loads(topics.loc["billing", "names"])["sv"].startswith("Fakturering")


def test_a_workspace_without_topics_gets_them_and_keeps_every_theme(
    workspace: Path, _user_cache: Path
) -> None:
    before_cfg = _config(workspace, _user_cache, topics=False)
    theme_jobs.update_themes(before_cfg)
    before = _tables(before_cfg)
    assert before["topics"].empty and before["unit_topics"].empty
    theme_jobs.edit_codeframe(
        before_cfg, lambda c: c.renamed(int(before["themes"]["theme_id"].iloc[0]), "Kept name"),
        ids=[int(before["themes"]["theme_id"].iloc[0])],
    )  # fmt: skip
    before = _tables(before_cfg)

    cfg = _config(workspace, _user_cache)
    report = theme_jobs.update_themes(cfg)
    assert report.reason == "topics added to an existing workspace"
    after = _tables(cfg)
    keep = ["theme_id", "label", "keywords", "parent_id", "is_parent", "status", "first_version"]
    pd.testing.assert_frame_equal(
        before["themes"][keep].sort_values("theme_id", ignore_index=True),
        after["themes"][keep].sort_values("theme_id", ignore_index=True),
    )
    old = before["unit_themes"].set_index("unit_id")[["theme_id", "has_content"]].sort_index()
    new = after["unit_themes"].set_index("unit_id")[["theme_id", "has_content"]].sort_index()
    pd.testing.assert_frame_equal(old, new)
    assert len(after["unit_topics"]) >= len(new[new["has_content"]]) * 0.85
    kept = after["theme_lineage"]
    assert (kept.loc[kept["model_version"] == report.model_version, "event"] == "kept").all()
    assert theme_jobs.update_themes(cfg).model_version == report.model_version  # done once


def test_refits_keep_topic_ids_and_codeframe_edits_reach_topics(
    workspace: Path, _user_cache: Path
) -> None:
    cfg = _config(workspace, _user_cache)
    theme_jobs.update_themes(cfg)
    first = _tables(cfg)["topics"].set_index("topic_key")["topic_id"]
    waiting, billing = int(first["waiting_time"]), int(first["billing"])
    theme_jobs.edit_codeframe(cfg, lambda c: c.renamed(waiting, "Kø og ventetid"), ids=[waiting])
    theme_jobs.edit_codeframe(cfg, lambda c: c.hidden(billing), ids=[billing])
    theme_jobs.update_themes(cfg, refit=True)
    after = _tables(cfg)
    topics = after["topics"].set_index("topic_key")
    assert topics["topic_id"].reindex(first.index).equals(first)  # same ids after a refit
    assert topics.loc["waiting_time", "label"] == "Kø og ventetid"
    assert topics.loc["billing", "status"] == "hidden"
    assert set(after["topics"]["topic_id"]).isdisjoint(after["themes"]["theme_id"])
    assert load_codeframe(cfg.themes.codeframe).rename[waiting] == "Kø og ventetid"


def test_drivers_default_to_topics_and_keep_sub_themes(workspace: Path, _user_cache: Path) -> None:
    cfg = _config(workspace, _user_cache)
    theme_jobs.update_themes(cfg)
    update_analytics(cfg)
    with Warehouse(cfg.warehouse.path, read_only=True) as warehouse:
        drivers = warehouse.read_table("drivers")
    levels = set(drivers["level"])
    assert {"topic", "theme"} <= levels
    topic_rows = drivers[drivers["level"] == "topic"]
    assert set(topic_rows["polarity"]) == {"negative", "positive"}
    verdict = _tables(cfg)["topics"].set_index("topic_key").loc["general_verdict", "topic_id"]
    assert topic_rows.loc[topic_rows["theme_id"] == verdict, "rank"].isna().all()
