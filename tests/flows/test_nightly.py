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
    (workspace / "verbatim.toml").write_text(
        '[embed]\nmodel = "static"\n'
        "[followup]\nmax_age_days = 36500  # feedback of 2026-09 stays open whenever this runs\n",
        encoding="utf-8",
    )


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


def _check_reports(workspace, *runs):
    """Every run ends with both reports and the follow-up export, at reports.out_dir."""
    for run_result in runs:
        reports = run_result["reports"]
        assert reports["theme_report"] == "data/reports/theme-report.html"
        assert reports["cx_report"] == "data/reports/cx-report.html"
        assert reports["followups"] == 1
    page = (workspace / "data" / "reports" / "theme-report.html").read_text(encoding="utf-8")
    assert "Verbatim theme report" in page and "No theme costs NPS points" in page
    assert (workspace / "data" / "reports" / "followups.csv").read_text().count("\n") == 2


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
    assert first["delivery"]["configured"] is False  # no [followup.delivery] channel set

    second = nightly()
    assert second["ingest"]["survey"]["accepted"] == 0
    assert second["ingest"]["survey"]["duplicates"] == 3
    assert second["status"]["records"] == {"chat": 1, "survey": 2}
    assert second["sentiment"]["records"] == 0
    # nothing new: the sentiment model is not even loaded, analytics is not recomputed
    assert second["sentiment"]["model"] == first["sentiment"]["model"]
    assert second["analytics"]["skipped"] == "nothing new since the last analysis"
    assert first["analytics"]["skipped"] is None

    from pipeline.config import load_config
    from pipeline.jobs.runs import recent_runs

    runs = recent_runs(load_config())
    assert [run["run_id"] for run in runs] == [second["run_id"], first["run_id"]]
    assert all(run["status"] == "completed" for run in runs)
    steps = [step["step"] for step in runs[0]["steps"]]
    assert steps == [
        "ingest_survey", "ingest_chat", "ingest_social", "enrich", "embed", "sentiment_head",
        "sentiment", "themes", "analytics", "reports", "delivery", "artifacts",
    ]  # fmt: skip
    _check_reports(tmp_path, first, second)
    assert runs[1]["steps"][0]["counts"]["accepted"] == 2
    assert runs[0]["flow_run_id"]

    from prefect.client.orchestration import get_client

    # the filter body in full: this Prefect's read_artifacts sends nulls its server refuses
    keys = ["verbatim-summary", "verbatim-improvement-list"]
    body = {"artifacts": {"key": {"any_": keys}}, "flow_runs": {}, "task_runs": {},
            "limit": 10, "offset": 0, "sort": "CREATED_DESC"}  # fmt: skip
    with get_client(sync_client=True) as client:
        artifacts = client.request("POST", "/artifacts/filter", json=body).json()
    latest = {}
    for artifact in artifacts:  # newest first
        latest.setdefault(artifact["key"], artifact)
    assert {key: a["type"] for key, a in latest.items()} == {
        "verbatim-summary": "markdown",
        "verbatim-improvement-list": "table",
    }
    summary = latest["verbatim-summary"]
    assert summary["flow_run_id"] == runs[0]["flow_run_id"]
    assert "NPS" in summary["data"] and "| survey | 2 | 0 |" in summary["data"]


def test_nightly_takes_explicit_sources(harness, tmp_path, monkeypatch):
    from flows.nightly import nightly

    monkeypatch.chdir(tmp_path)
    _fast_embedder(tmp_path)
    _write_inputs(tmp_path / "elsewhere")
    summary = nightly(sources={"survey": [str(tmp_path / "elsewhere" / "survey")]})
    assert summary["ingest"]["survey"]["accepted"] == 2
    assert summary["ingest"]["chat"]["files"] == []


def test_a_bad_inbox_file_is_recorded_and_never_fails_the_run(harness, tmp_path, monkeypatch):
    from flows.nightly import nightly
    from pipeline.config import load_config
    from pipeline.jobs.runs import recent_runs

    monkeypatch.chdir(tmp_path)
    _fast_embedder(tmp_path)
    inbox = tmp_path / "data" / "inbox"
    _write_inputs(inbox)
    (inbox / "survey" / "README.txt").write_text("Weekly NPS exports go here.\n")
    (inbox / "survey" / "broken.csv").write_bytes(b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 4)

    summary = nightly()

    survey = summary["ingest"]["survey"]
    assert survey["accepted"] == 2
    assert [item["file"] for item in survey["failed_files"]] == ["data/inbox/survey/broken.csv"]
    [run] = recent_runs(load_config())
    assert run["status"] == "completed"
    [failed] = run["failed_files"]
    assert (failed["file"], failed["source"]) == ("data/inbox/survey/broken.csv", "survey")
    assert "binary data" in failed["reason"]
    assert [item["file"] for item in run["skipped_files"]] == ["data/inbox/survey/README.txt"]
