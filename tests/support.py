"""Helpers shared by the tests: ingesting one file, an analysed workspace for the reports."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Final

from pipeline.config import Config, load_config
from pipeline.jobs.ingest import FileReport, ingest_files


def ingest_one(path: Path, cfg: Config, *, source: str) -> FileReport:
    """Ingest one file and check the counting invariant on the way."""
    report = ingest_files([path], source=source, cfg=cfg)
    [file] = report.files
    assert file.accepted + file.rejected + file.duplicates == file.rows
    return file


#: Comments that try script injection and spreadsheet formulas; entity-escaped ones become the
#: literal characters when cleaned, so they reach the reports as text.
HOSTILE_COMMENTS: Final = (
    "&lt;script&gt;alert('xss-script')&lt;/script&gt; The invoice was wrong again, very bad",
    "&lt;img src=x onerror=alert('xss-img')&gt; I waited an hour on the phone, terrible",
    "&lt;a href=\"javascript:alert('xss-link')\"&gt;click&lt;/a&gt; the app keeps crashing",
    '=HYPERLINK("http://evil.example","click") billing error, charged twice',
    "+SUM(A1:A2) the refund never came, awful service",
    "-2+3 the delivery was late and the box was broken",
    "@cmd the support agent was rude and unhelpful",
)


#: The demo data of `build_demo_workspace` (regenerate it to know what went in).
DEMO: Final = {"n_survey": 400, "n_chat": 120, "n_social": 120, "seed": 5}


#: Detractor comments with personal data besides what the demo generator writes: every table
#: but `raw_records` must hold them redacted (tests/jobs/test_privacy.py).
PERSONAL_COMMENTS: Final = (
    "Skriv til jens.hansen@example.dk eller ring +45 87 65 43 21, fakturaen er stadig forkert",
    "Min e-post er kari.nordmann@example.no, mobil 912 34 567, og ingen har ringt tilbake",
    "Please reply to pat.smith@example.co.uk or call 07700 900 123, the refund never came",
)
#: NPS answers in it: the demo's, and one per hostile and personal comment.
NPS_ANSWERS: Final = 400 + len(HOSTILE_COMMENTS) + len(PERSONAL_COMMENTS)


def build_demo_workspace(root: Path, cache: Path) -> Config:
    """A small analysed demo workspace under ``root`` with a ``verbatim.toml``.

    The demo's three channels (400 survey answers, 120 chats, 120 posts) plus detractor
    comments from `HOSTILE_COMMENTS` and `PERSONAL_COMMENTS`, run through every stage up to
    analytics; the reports are written to ``root/reports``. The configuration is the file's,
    so a notebook or a command started in ``root`` sees the same warehouse.
    """
    from pipeline.demo import generate_demo, write_demo
    from pipeline.jobs import analytics as analytics_jobs
    from pipeline.jobs import enrich as enrich_jobs
    from pipeline.jobs import ingest as ingest_jobs
    from pipeline.jobs import sentiment as sentiment_jobs
    from pipeline.jobs import themes as theme_jobs

    (root / "verbatim.toml").write_text(
        f'[warehouse]\npath = "{root / "data" / "warehouse.duckdb"}"\n'
        f'[models]\ndir = "{root / "models"}"\n'
        f'[themes]\ncodeframe = "{root / "themes.yaml"}"\n'
        f'[embed]\nmodel = "static"\ncache_dir = "{cache}"\n'
        "[drivers]\nresamples = 200\nmodel_resamples = 5\n"
        '[followup]\nowners = {"1" = "Billing", "2" = "Delivery"}\n'
        "max_age_days = 36500  # the demo's feedback is from 2026: none expires in tests\n"
        f'[reports]\nout_dir = "{root / "reports"}"\n',
        encoding="utf-8",
    )
    cfg = load_config(root / "verbatim.toml")
    paths = write_demo(generate_demo(**DEMO), root)
    hostile = root / "hostile.csv"
    rows = [
        f'h{i},2026-09-{10 + i:02d},{i % 3},"{comment.replace(chr(34), chr(34) * 2)}"'
        for i, comment in enumerate((*HOSTILE_COMMENTS, *PERSONAL_COMMENTS))
    ]
    hostile.write_text("id,date,score,comment\n" + "\n".join(rows) + "\n", encoding="utf-8")
    for source, files in (
        ("survey", [paths.survey, hostile]),
        ("chat", [paths.chat]),
        ("social", [paths.social]),
    ):
        ingest_jobs.ingest_files(files, source=source, cfg=cfg)
    enrich_jobs.enrich_pending(cfg)
    sentiment_jobs.score_sentiment(cfg)
    theme_jobs.update_themes(cfg)
    analytics_jobs.update_analytics(cfg)
    return cfg


def workspace_root(cfg: Config) -> Path:
    """The folder of a workspace built by `build_demo_workspace` (its ``verbatim.toml``)."""
    return cfg.warehouse.path.parent.parent


def copy_workspace(cfg: Config, root: Path) -> Config:
    """Copy a `build_demo_workspace` workspace to ``root``; its configuration points there."""
    source = workspace_root(cfg)
    shutil.copytree(source, root)
    config = root / "verbatim.toml"
    config.write_text(
        config.read_text(encoding="utf-8").replace(str(source), str(root)), encoding="utf-8"
    )
    return load_config(config)
