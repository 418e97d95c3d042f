"""Same files, same configuration and seed, same warehouse: two fresh workspaces, each filled by
its own `verbatim run` process (with its own string-hash seed), hold identical tables apart from
write times and run ids, and `verbatim compare` says so."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from pipeline.demo import generate_demo, write_demo

pytestmark = [pytest.mark.slow, pytest.mark.flows]


def _verbatim(root: Path, env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "pipeline.cli", *args],
        check=False, cwd=root, env=env, capture_output=True, text=True, timeout=600,
    )  # fmt: skip


def test_two_fresh_workspaces_on_the_same_files_hold_the_same_tables(
    api_url: str, tmp_path: Path, _user_cache: Path
) -> None:
    files = write_demo(generate_demo(n_survey=400, n_chat=120, n_social=120, seed=21), tmp_path)
    roots = [tmp_path / "first", tmp_path / "second"]
    for root, hash_seed in zip(roots, ("1", "2"), strict=True):
        for source, path in (("survey", files.survey), ("chat", files.chat),
                             ("social", files.social)):  # fmt: skip
            (root / "data" / "inbox" / source).mkdir(parents=True)
            shutil.copy(path, root / "data" / "inbox" / source / path.name)
        (root / "verbatim.toml").write_text(
            '[embed]\nmodel = "static"\n[drivers]\nresamples = 200\nmodel_resamples = 20\n'
            "[run]\nseed = 11\n",
            encoding="utf-8",
        )
        env = {**os.environ, "PREFECT_API_URL": api_url, "VERBATIM_CACHE": str(_user_cache),
               "PYTHONHASHSEED": hash_seed}  # fmt: skip
        done = _verbatim(root, env, "run", "--json")
        assert done.returncode == 0, done.stderr
        summary = json.loads(done.stdout)
        # every stochastic step ran: the workspace's own sentiment head, a theme fit, drivers
        assert summary["sentiment_head"] is not None
        assert summary["themes"]["fitted"] and summary["themes"]["themes"] > 3
        assert summary["analytics"]["themes"] > 0 and summary["analytics"]["followups"] > 0
        assert summary["status"]["seed"] == 11
        assert summary["status"]["models"]["themes"] == summary["themes"]["model_version"]
    compared = _verbatim(roots[0], env, "compare", "../second", "--json")
    report = json.loads(compared.stdout)
    assert [d["table"] for d in report["differences"]] == [], report
    assert report["identical"] and compared.returncode == 0
