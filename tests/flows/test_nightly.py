import json

import pytest

pytestmark = [pytest.mark.slow, pytest.mark.flows]


@pytest.fixture(scope="module")
def harness(tmp_path_factory):
    from prefect.settings import PREFECT_LOCAL_STORAGE_PATH, temporary_settings
    from prefect.testing.utilities import prefect_test_harness

    storage = tmp_path_factory.mktemp("prefect-results")
    with temporary_settings({PREFECT_LOCAL_STORAGE_PATH: storage}), prefect_test_harness():
        yield


def _fast_embedder(workspace):
    """The static embedder keeps the flow tests fast; e5 is tested in test_embed.py."""
    (workspace / "verbatim.toml").write_text('[embed]\nmodel = "static"\n', encoding="utf-8")


def _write_inputs(folder):
    (folder / "survey").mkdir(parents=True)
    (folder / "chat").mkdir()
    (folder / "survey" / "a.csv").write_text(
        "id,date,score,comment\n1,2026-09-01,10,Great\n2,2026-09-02,2,Slow\n3,bad,5,x\n",
        encoding="utf-8",
    )
    chat = {
        "conversation_id": "c1",
        "started_at": "2026-09-01T10:00:00Z",
        "csat": 4,
        "messages": [
            {"role": "bot", "text": "Hej! Hvordan kan jeg hjælpe?"},
            {"role": "customer", "text": "Min regning er forkert"},
            {"role": "agent", "text": "Det retter jeg"},
        ],
    }
    (folder / "chat" / "c.jsonl").write_text(json.dumps(chat) + "\n", encoding="utf-8")


def test_nightly_ingests_configured_sources_once(harness, tmp_path, monkeypatch):
    from flows.nightly import nightly

    monkeypatch.chdir(tmp_path)
    _fast_embedder(tmp_path)
    _write_inputs(tmp_path / "data" / "inbox")

    first = nightly()
    assert first["ingest"]["survey"]["accepted"] == 2
    assert first["ingest"]["survey"]["rejected"] == 1
    assert first["ingest"]["chat"]["accepted"] == 1
    assert first["ingest"]["social"]["files"] == []
    assert first["status"]["records"] == {"chat": 1, "survey": 2}
    assert first["status"]["nps"]["n"] == 2
    assert first["enrich"]["records"] == 3
    assert first["sentiment_head"] is None  # too few scored comments to adapt the head yet
    assert first["sentiment"]["records"] == 3
    assert first["sentiment"]["model"].startswith("ensemble@")
    assert first["themes"]["skipped"].startswith("themes need at least 50 units")
    # no themes yet: scores by segment and follow-ups all the same (the detractor, score 2)
    assert first["analytics"]["respondents"] == 2 and first["analytics"]["themes"] == 0
    assert first["analytics"]["followups"] == 1

    second = nightly()
    assert second["ingest"]["survey"]["accepted"] == 0
    assert second["ingest"]["survey"]["duplicates"] == 3
    assert second["status"]["records"] == {"chat": 1, "survey": 2}
    assert second["sentiment"]["records"] == 0


def test_nightly_takes_explicit_sources(harness, tmp_path, monkeypatch):
    from flows.nightly import nightly

    monkeypatch.chdir(tmp_path)
    _fast_embedder(tmp_path)
    _write_inputs(tmp_path / "elsewhere")
    summary = nightly(sources={"survey": [str(tmp_path / "elsewhere" / "survey")]})
    assert summary["ingest"]["survey"]["accepted"] == 2
    assert summary["ingest"]["chat"]["files"] == []
