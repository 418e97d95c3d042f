"""Enrichment end to end: incremental, redacted, raw text kept apart (or not at all)."""

import json

import pytest
from typer.testing import CliRunner

from pipeline.cli import app
from pipeline.config import config_from_dict
from pipeline.jobs.enrich import enrich_pending
from pipeline.jobs.ingest import ingest_files
from pipeline.storage.warehouse import Warehouse
from pipeline.text.redact import redact_texts
from tests.pii_cases import load_cases

runner = CliRunner()

SURVEY = (
    "id,date,score,comment\n"
    "1,2026-09-01,10,Venlig og hjælpsom medarbejder. Hilsen Søren Hansen\n"
    "2,2026-09-02,2,"
    '"The staff was friendly but the invoice was wrong, mail me at a.b@example.com"\n'
    "3,2026-09-03,6,Internettet har vært nede tre ganger denne uken men kundeservice var grei\n"
    "4,2026-09-04,9,ok\n"
)
SOCIAL = "\n".join(
    json.dumps({"id": f"s{i}", "platform": "twitter", "text": text, "created_at": f"2026-09-0{i}"})
    for i, text in enumerate(
        [
            "Nordlys har den dårligste kundeservice nogensinde, jeg har ventet i to timer",
            "RT @anna: Nordlys har den dårligste kundeservice nogensinde, "
            "jeg har ventet i to timer",
            "Nordlys har den dårligste kundeservice nogensinde, jeg har ventet i to timer",
        ],
        start=1,
    )
)


def _config(tmp_path, **ingest):
    return config_from_dict({"warehouse": {"path": str(tmp_path / "w.duckdb")}, "ingest": ingest})


def _ingest(tmp_path, cfg):
    (tmp_path / "survey.csv").write_text(SURVEY, encoding="utf-8")
    (tmp_path / "social.jsonl").write_text(SOCIAL, encoding="utf-8")
    ingest_files([tmp_path / "survey.csv"], source="survey", cfg=cfg)
    ingest_files([tmp_path / "social.jsonl"], source="social", cfg=cfg)


def test_enrichment_is_incremental_and_splits_contrasts(tmp_path):
    cfg = _config(tmp_path)
    _ingest(tmp_path, cfg)
    first = enrich_pending(cfg)
    assert first.records == 7
    assert first.duplicates == 2  # the retweet and the copy-paste repeat count once
    assert first.languages.get("da", 0) >= 2
    again = enrich_pending(cfg)
    assert (again.records, again.units) == (0, 0)
    with Warehouse(cfg.warehouse.path, read_only=True) as warehouse:
        units = warehouse.read_table("opinion_units")
        enriched = warehouse.read_table("enriched_records")
    assert len(units) == first.units
    two = units[units["text"].str.contains("invoice|friendly")].sort_values("position")
    assert list(two["text"]) == [
        "The staff was friendly",
        "but the invoice was wrong, mail me at [EMAIL]",
    ]
    assert set(two["lang"]) == {"en"}
    assert enriched.set_index("record_id")["units"].sum() == len(units)


def test_raw_text_only_in_raw_records(tmp_path):
    cfg = _config(tmp_path)
    _ingest(tmp_path, cfg)
    with Warehouse(cfg.warehouse.path, read_only=True) as warehouse:
        records = warehouse.read_table("records")
        raw = warehouse.read_table("raw_records")
    assert "a.b@example.com" in " ".join(raw["text"])
    assert "Søren Hansen" in " ".join(raw["text"])
    assert not records["text"].str.contains("example.com|Søren").any()
    assert records["text"].str.contains(r"\[EMAIL\]").any()
    assert records["text"].str.contains(r"\[PERSON\]").any()


def test_keep_raw_text_off_keeps_no_raw_text(tmp_path):
    cfg = _config(tmp_path, keep_raw_text=False)
    _ingest(tmp_path, cfg)
    with Warehouse(cfg.warehouse.path, read_only=True) as warehouse:
        assert warehouse.count_rows("raw_records") == 0
        assert warehouse.count_rows("records") == 7


def test_cli_enrich_json(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "survey.csv").write_text(SURVEY, encoding="utf-8")
    assert runner.invoke(app, ["ingest", "survey", "survey.csv"]).exit_code == 0
    result = runner.invoke(app, ["enrich", "--json"])
    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout)
    assert report["records"] == 4 and report["units"] >= 4
    second = json.loads(runner.invoke(app, ["enrich", "--json"]).stdout)
    assert second["records"] == 0


@pytest.mark.parametrize("lang", ["da", "nb", "sv", "en"])
def test_cli_redact_is_the_library_on_the_labelled_set(lang):
    texts = [case.text for case in load_cases((lang,)) if "\n" not in case.text]
    result = runner.invoke(app, ["redact"], input="\n".join(texts) + "\n")
    assert result.exit_code == 0, result.output
    assert result.stdout.splitlines() == redact_texts(texts)


def test_enrichment_names_only_the_configured_languages(tmp_path):
    """[enrich] languages: Norwegian left out, the Norwegian comment reads as its look-alike."""
    cfg = config_from_dict(
        {"warehouse": {"path": str(tmp_path / "w.duckdb")}, "enrich": {"languages": ["da", "en"]}}
    )
    _ingest(tmp_path, cfg)
    report = enrich_pending(cfg)
    assert set(report.languages) <= {"da", "en", "und"}
    with Warehouse(cfg.warehouse.path, read_only=True) as warehouse:
        units = warehouse.read_table("opinion_units")
        records = warehouse.read_table("enriched_records")
    assert set(units["lang"]) <= {"da", "en", "und"}
    norwegian = records[records["clean_text"].str.startswith("Internettet har vært nede")]
    assert norwegian["lang"].tolist() == ["da"]
