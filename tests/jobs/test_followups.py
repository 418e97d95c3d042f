"""The follow-up workflow: filters, done / reopen marks that survive runs, strict JSON, CSV."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest
from typer.testing import CliRunner

from pipeline.cli import app
from pipeline.config import Config, load_config
from pipeline.jobs import analytics as analytics_jobs
from pipeline.jobs.followups import FollowupFilter, followup_rows, mark_followups
from pipeline.storage.warehouse import Warehouse

runner = CliRunner()


@pytest.fixture(scope="module")
def workspace(demo_copy: Config) -> Config:
    """This module's copy of the shared demo workspace (its tests mark follow-ups)."""
    return demo_copy


def _cli(cfg: Config, *args: str) -> tuple[int, str]:
    config = str(Path(cfg.warehouse.path).parents[1] / "verbatim.toml")
    result = runner.invoke(app, ["followups", *args, "--config", config])
    return result.exit_code, result.output


def _strict(text: str) -> object:
    def refuse(constant: str) -> None:
        raise ValueError(f"not strict JSON: {constant}")

    return json.loads(text, parse_constant=refuse)


def _table(cfg: Config) -> pd.DataFrame:
    with Warehouse(cfg.warehouse.path, read_only=True) as warehouse:
        return warehouse.read_table("followups").set_index("record_id")


def test_json_is_strict_limited_and_carries_what_an_agent_needs(workspace: Config) -> None:
    code, output = _cli(workspace, "--json", "--limit", "3")
    assert code == 0, output
    rows = _strict(output)
    assert isinstance(rows, list) and len(rows) == 3
    first = rows[0]
    for key in ("comment", "language", "segments", "score", "score_type", "score_scale",
                "themes", "sentences", "churn_intent", "state", "owner", "priority"):  # fmt: skip
        assert key in first, key
    assert isinstance(first["segments"], dict)
    assert [row["priority"] for row in rows] == sorted(row["priority"] for row in rows)
    everything = _strict(_cli(workspace, "--json", "--status", "all", "--quarantined")[1])
    assert isinstance(everything, list)
    assert len(everything) == len(_table(workspace))
    wrote = [row for row in everything if row["comment"] is not None]
    assert wrote and all(row["comment"] == row["comment"].strip() for row in wrote)
    assert {row["score_scale"] for row in everything} <= {"0-10", "1-5"}


def test_done_survives_the_next_analysis_and_leaves_the_open_queue(workspace: Config) -> None:
    queue = followup_rows(workspace, FollowupFilter(limit=2), flat=False)
    first, second = queue["record_id"].tolist()
    code, output = _cli(workspace, "done", first[:8], "--note", "Called back; credit sent")
    assert code == 0, output
    assert _table(workspace).loc[first, "state"] == "done"
    analytics_jobs.update_analytics(workspace)
    after = _table(workspace)
    assert after.loc[first, "state"] == "done"
    assert after.loc[first, "note"] == "Called back; credit sent"
    assert after.loc[second, "state"] == "open"
    open_ids = followup_rows(workspace, flat=False)["record_id"].tolist()
    assert first not in open_ids and second in open_ids
    done = followup_rows(workspace, FollowupFilter(status="done"), flat=False)
    assert done["record_id"].tolist() == [first]
    mark_followups(workspace, [first], done=False)
    assert _table(workspace).loc[first, "state"] == "open"
    assert first in followup_rows(workspace, flat=False)["record_id"].tolist()


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (["--owner", "Nobody"], "no owner 'Nobody'; valid: "),
        (["done", "zz-not-an-id"], "no follow-up has the id"),
        (["--status", "closed"], "open"),
        (["--since", "yesterday"], "yesterday"),
    ],
)
def test_unknown_values_exit_2_and_name_the_valid_ones(
    workspace: Config, args: list[str], expected: str
) -> None:
    code, output = _cli(workspace, *args)
    assert code == 2
    assert expected in output


def test_filters_by_owner_and_date(workspace: Config) -> None:
    everything = followup_rows(workspace, FollowupFilter(status="all"), flat=False)
    team = str(everything["owner"].iloc[0])
    mine = followup_rows(workspace, FollowupFilter(status="all", owner=team.upper()), flat=False)
    assert len(mine) and set(mine["owner"]) == {team}
    middle = pd.to_datetime(everything["created_at"]).sort_values().iloc[len(everything) // 2]
    later = followup_rows(workspace, FollowupFilter(status="all", since=middle.date()), flat=False)
    assert 0 < len(later) < len(everything)
    assert (pd.to_datetime(later["created_at"]) >= middle.normalize()).all()


def test_the_csv_has_a_column_per_segment_and_says_no_comment(
    workspace: Config, tmp_path: Path
) -> None:
    target = tmp_path / "queue.csv"
    code, output = _cli(workspace, "--status", "all", "--out", str(target))
    assert code == 0, output
    exported = pd.read_csv(target)
    assert {"comment", "language", "score_scale", "state", "team", "product"} <= set(exported)
    assert "segments" not in exported
    assert exported["comment"].notna().all()


def test_before_any_analysis_it_says_to_run_analyse(tmp_path: Path) -> None:
    (tmp_path / "verbatim.toml").write_text(
        f'[warehouse]\npath = "{tmp_path / "data" / "warehouse.duckdb"}"\n', encoding="utf-8"
    )
    cfg = load_config(tmp_path / "verbatim.toml")
    with Warehouse(cfg.warehouse.path):
        pass
    code, output = _cli(cfg, "--json")
    assert code == 2
    assert "verbatim analyse" in output
