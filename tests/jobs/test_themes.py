"""Themes in the warehouse: fit, nightly assignment, refits, the codeframe, the CLI."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from typer.testing import CliRunner

from pipeline.cli import app
from pipeline.config import Config, config_from_dict
from pipeline.jobs import themes as theme_jobs
from pipeline.jobs.enrich import enrich_pending
from pipeline.jobs.ingest import ingest_files
from pipeline.storage.models import ModelStore
from pipeline.storage.themes import ThemeTables
from pipeline.storage.warehouse import Warehouse
from tests.theme_data import phrase_units

runner = CliRunner()
TABLES = ("themes", "unit_themes", "record_themes", "theme_lineage", "opinion_units")


def _config(root: Path, cache: Path, **themes: object) -> Config:
    return config_from_dict(
        {
            "warehouse": {"path": str(root / "data" / "warehouse.duckdb")},
            "embed": {"model": "static", "cache_dir": str(cache)},
            "themes": {"codeframe": str(root / "themes.yaml"), **themes},
        }
    )


@pytest.fixture
def cfg(_user_cache: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Config:
    monkeypatch.chdir(tmp_path)
    return _config(tmp_path, _user_cache)


def _ingest(cfg: Config, texts: list[str], path: Path, *, first_id: int = 1) -> None:
    rows = ["Respondent ID,Submitted,How likely are you to recommend us? (0-10),Comment"]
    for i, text in enumerate(texts, first_id):
        rows.append(f'R{i},2026-08-{1 + i % 28:02d},{i % 11},"{text}"')
    path.write_text("\n".join(rows) + "\n", encoding="utf-8")
    report = ingest_files([path], source="survey", cfg=cfg)
    assert report.accepted == len(texts)
    enrich_pending(cfg)


def _tables(cfg: Config) -> dict[str, pd.DataFrame]:
    with Warehouse(cfg.warehouse.path, read_only=True) as warehouse:
        return {name: warehouse.read_table(name) for name in TABLES}


@pytest.fixture
def themed(cfg: Config, tmp_path: Path) -> Config:
    units = phrase_units(5, seed=1)
    texts = units["text"].tolist()
    # Records with two units about different topics: their themes are the union.
    texts += [
        "The parcel arrived two weeks late. The staff in the shop were friendly and helpful.",
        "Jeg blev trukket to gange for samme faktura. Pakken kom to uger for sent.",
    ]
    _ingest(cfg, texts, tmp_path / "survey.csv")
    report = theme_jobs.update_themes(cfg)
    assert report.fitted and report.reason == "first fit"
    return cfg


def test_first_run_fits_stores_and_assigns_every_unit(themed: Config) -> None:
    tables = _tables(themed)
    units, unit_themes, themes = tables["opinion_units"], tables["unit_themes"], tables["themes"]
    assert set(unit_themes["unit_id"]) == set(units["unit_id"])
    content = unit_themes["has_content"]
    assert unit_themes.loc[content, "theme_id"].notna().mean() >= 0.9
    leaves = themes[~themes["is_parent"]]
    assert len(leaves) >= 3 and (themes["status"] == "active").all()
    assert set(unit_themes["theme_id"].dropna().astype(int)) <= set(leaves["theme_id"])
    assert (themes["model_version"] == unit_themes["model_version"].iloc[0]).all()
    assert leaves["size"].sum() == unit_themes["theme_id"].notna().sum()
    assert themes["keywords"].map(len).min() >= 1
    assert themes["quotes"].map(len).max() == 3
    assert set(tables["theme_lineage"]["event"]) == {"new"}

    stored = ModelStore(Path("models")).load(theme_jobs.THEME_KIND)
    assert stored is not None
    manifest = stored.manifest
    assert manifest["data"]["units"] > 0 and len(manifest["data"]["fingerprint"]) == 16
    assert {"bertopic", "hdbscan", "umap-learn", "scikit-learn"} <= set(manifest["libraries"])
    assert manifest["config"]["min_units"] == 50 and manifest["embedder"].startswith("static")
    assert {"coverage", "themes", "topic_diversity", "npmi_coherence"} <= set(manifest["metrics"])


def test_record_themes_are_the_union_of_their_units_themes(themed: Config) -> None:
    tables = _tables(themed)
    unit_themes, record_themes = tables["unit_themes"], tables["record_themes"]
    expected = (
        unit_themes.dropna(subset=["theme_id"])
        .groupby(["record_id", "theme_id"])
        .size()
        .rename("units")
        .reset_index()
    )
    merged = record_themes.merge(expected, on=["record_id", "theme_id"], how="outer")
    assert (merged["units_x"] == merged["units_y"]).all()
    assert record_themes.groupby("record_id").size().max() >= 2, "a record can have two themes"


def test_nightly_runs_assign_only_new_units_to_the_same_model(
    themed: Config, tmp_path: Path
) -> None:
    version = _tables(themed)["unit_themes"]["model_version"].iloc[0]
    again = theme_jobs.update_themes(themed)
    assert (again.fitted, again.units, again.model_version) == (False, 0, version)

    _ingest(
        themed,
        ["Pakket kom två veckor för sent", "The courier never delivered"],
        tmp_path / "more.csv",
        first_id=1000,
    )
    report = theme_jobs.update_themes(themed)
    assert (report.fitted, report.units, report.model_version) == (False, 2, version)
    assert report.embedded == 2
    tables = _tables(themed)
    assert len(tables["unit_themes"]) == len(tables["opinion_units"])


def test_refit_keeps_theme_ids_and_names_and_records_the_lineage(themed: Config) -> None:
    before = _tables(themed)
    refit_cfg = themed.model_copy(update={"themes": themed.themes.model_copy(update={"seed": 5})})
    report = theme_jobs.fit_themes(refit_cfg, reason="refit requested")
    after = _tables(themed)
    joined = before["unit_themes"].merge(after["unit_themes"], on="unit_id")
    assigned = joined["theme_id_x"].notna() | joined["theme_id_y"].notna()
    same = (joined["theme_id_x"] == joined["theme_id_y"]).fillna(False)
    assert same[assigned].mean() >= 0.9
    assert report.lineage.get("kept", 0) >= 3
    lineage = after["theme_lineage"]
    assert set(lineage["model_version"]) == {
        before["unit_themes"]["model_version"].iloc[0],
        report.model_version,
    }
    kept = before["themes"].merge(after["themes"], on="theme_id")
    assert (kept["label_x"] == kept["label_y"]).all()
    assert len(ModelStore(Path("models")).versions(theme_jobs.THEME_KIND)) == 2


def test_codeframe_edits_apply_at_once_and_survive_a_refit(themed: Config) -> None:
    leaves = _tables(themed)["themes"].query("not is_parent").sort_values("size")
    small, big, other = (int(i) for i in leaves["theme_id"].iloc[[0, -1, -2]])
    theme_jobs.edit_codeframe(themed, lambda c: c.renamed(big, "Levering og pakker"), ids=[big])
    theme_jobs.edit_codeframe(themed, lambda c: c.merged(small, other), ids=[small, other])
    theme_jobs.edit_codeframe(themed, lambda c: c.hidden(other), ids=[other])
    assert "Levering og pakker" in Path(themed.themes.codeframe).read_text(encoding="utf-8")

    def check() -> None:
        tables = _tables(themed)
        themes = tables["themes"].set_index("theme_id")
        assert themes.loc[big, "label"] == "Levering og pakker"
        assert themes.loc[big, "label_source"] == "codeframe"
        assert themes.loc[small, "status"] == "merged"
        assert themes.loc[small, "merged_into"] == other
        assert themes.loc[other, "status"] == "hidden"
        unit_themes = tables["unit_themes"]
        assert not (unit_themes["theme_id"] == small).any()
        moved = unit_themes["model_theme_id"] == small
        assert (unit_themes.loc[moved, "theme_id"] == other).all()
        assert not (tables["record_themes"]["theme_id"] == small).any()

    check()
    theme_jobs.fit_themes(themed, reason="refit requested")
    check()


def test_editing_an_unknown_theme_is_a_clear_error(themed: Config) -> None:
    with pytest.raises(theme_jobs.ThemeError, match="no theme 9999"):
        theme_jobs.edit_codeframe(themed, lambda c: c.hidden(9999), ids=[9999])


def test_too_many_units_without_a_theme_trigger_a_refit(
    cfg: Config, tmp_path: Path, _user_cache: Path
) -> None:
    strict = _config(tmp_path, _user_cache, refit_unassigned_share=0.05)
    _ingest(
        strict,
        phrase_units(5, topics=("delivery", "billing"))["text"].tolist(),
        tmp_path / "first.csv",
    )
    first = theme_jobs.update_themes(strict)
    assert first.fitted
    staff = phrase_units(5, topics=("staff",), seed=3)["text"].tolist()
    _ingest(strict, staff, tmp_path / "second.csv", first_id=5000)
    second = theme_jobs.update_themes(strict)
    assert second.fitted and second.reason.startswith("unassigned share")
    assert second.model_version != first.model_version


def test_no_themes_before_there_is_enough_feedback(cfg: Config, tmp_path: Path) -> None:
    _ingest(cfg, ["The parcel was late", "Friendly staff"], tmp_path / "tiny.csv")
    report = theme_jobs.update_themes(cfg)
    assert report.skipped.startswith("themes need at least 50 units")
    assert _tables(cfg)["themes"].empty


def test_a_model_stored_before_a_crash_gets_its_themes_written_next_run(
    themed: Config, monkeypatch: pytest.MonkeyPatch
) -> None:
    def crash(*_: object, **__: object) -> None:
        raise RuntimeError("killed")

    with monkeypatch.context() as patch:
        patch.setattr(ThemeTables, "write_themes", crash)
        with pytest.raises(RuntimeError, match="killed"):
            theme_jobs.fit_themes(themed, reason="refit requested")
    latest = ModelStore(Path("models")).latest_version(theme_jobs.THEME_KIND)
    report = theme_jobs.update_themes(themed)
    assert report.model_version == latest
    tables = _tables(themed)
    assert set(tables["unit_themes"]["model_version"]) == {latest}
    assert latest in set(tables["theme_lineage"]["model_version"])


# --- the CLI ----------------------------------------------------------------------------------


@pytest.fixture
def cli_workspace(themed: Config, tmp_path: Path, _user_cache: Path) -> Path:
    (tmp_path / "verbatim.toml").write_text(
        f'[embed]\nmodel = "static"\ncache_dir = "{_user_cache.as_posix()}"\n', encoding="utf-8"
    )
    return tmp_path


def test_cli_list_show_rename_merge_hide_and_refit(cli_workspace: Path) -> None:
    listed = runner.invoke(app, ["themes", "list", "--json"])
    assert listed.exit_code == 0, listed.output
    themes = json.loads(listed.stdout)
    assert {"theme_id", "label", "parent_id", "size", "status", "keywords"} <= set(themes[0])
    leaves = [t for t in themes if not t["is_parent"]]
    first, second = leaves[0]["theme_id"], leaves[1]["theme_id"]

    shown = runner.invoke(app, ["themes", "show", str(first), "--json"])
    assert shown.exit_code == 0, shown.output
    detail = json.loads(shown.stdout)
    assert detail["theme_id"] == first and len(detail["quotes"]) == 3 and detail["lineage"]

    for args in (
        ["rename", str(first), "Ventetid"],
        ["merge", str(second), str(first)],
        ["hide", str(first)],
        ["hide", str(first), "--undo"],
    ):
        result = runner.invoke(app, ["themes", *args])
        assert result.exit_code == 0, result.output
    table = runner.invoke(app, ["themes", "list"])
    assert "Ventetid" in table.stdout

    refit = runner.invoke(app, ["themes", "refit", "--json"])
    assert refit.exit_code == 0, refit.output
    report = json.loads(refit.stdout)
    assert report["fitted"] and report["reason"] == "refit requested"
    listed_after = runner.invoke(app, ["themes", "list", "--json"])
    after = {t["theme_id"]: t for t in json.loads(listed_after.stdout)}
    assert after[first]["label"] == "Ventetid"
    assert second not in after or after[second]["status"] == "merged"

    missing = runner.invoke(app, ["themes", "show", "9999"])
    assert missing.exit_code == 2 and "no theme 9999" in missing.output


def test_cli_eval_themes_reports_agreement_with_gold_labels(cli_workspace: Path) -> None:
    units = phrase_units(5, seed=2)
    units.loc[units.index[:3], "topic"] = "Can't Tell"
    units.to_csv("gold.csv", index=False)
    result = runner.invoke(
        app,
        [
            "eval",
            "themes",
            "--data",
            "gold.csv",
            "--text-col",
            "text",
            "--label-col",
            "topic",
            "--exclude",
            "Can't Tell",
            "--json",
        ],
    )
    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout)
    assert {"nmi", "ari", "purity", "n_themes", "topic_diversity", "npmi_coherence"} <= set(report)
    assert report["n"] == len(units) - 3
    assert report["purity"] >= 0.8 and report["nmi"] > 0.3
    missing = runner.invoke(
        app, ["eval", "themes", "--data", "gold.csv", "--text-col", "body", "--label-col", "topic"]
    )
    assert missing.exit_code == 2 and "has no column 'body'" in missing.output
    np.testing.assert_equal(report["skipped"]["gold.csv"], 3)
