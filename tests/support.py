"""Helpers shared by the tests: ingesting one file, an analysed workspace for the reports."""

from __future__ import annotations

from pathlib import Path
from typing import Final

from pipeline.config import Config, load_config
from pipeline.jobs import FileReport, ingest_files


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


def build_report_workspace(root: Path, cache: Path) -> Config:
    """A small analysed demo workspace under ``root`` with a ``verbatim.toml``.

    The demo's three channels (400 survey answers, 120 chats, 120 posts) plus detractor
    comments from `HOSTILE_COMMENTS`, run through every stage up to analytics; the reports are
    written to ``root/reports``. The configuration is the file's, so a notebook or a command
    started in ``root`` sees the same warehouse.
    """
    from pipeline import analytics_jobs, jobs, theme_jobs
    from pipeline.demo import generate_demo, write_demo

    (root / "verbatim.toml").write_text(
        f'[warehouse]\npath = "{root / "data" / "warehouse.duckdb"}"\n'
        f'[embed]\nmodel = "static"\ncache_dir = "{cache}"\n'
        "[drivers]\nresamples = 200\nmodel_resamples = 5\n"
        '[followup]\nowners = {"1" = "Billing", "2" = "Delivery"}\n'
        f'[reports]\nout_dir = "{root / "reports"}"\n',
        encoding="utf-8",
    )
    cfg = load_config(root / "verbatim.toml")
    paths = write_demo(generate_demo(n_survey=400, n_chat=120, n_social=120, seed=5), root)
    hostile = root / "hostile.csv"
    rows = [
        f'h{i},2026-09-{10 + i:02d},{i % 3},"{comment.replace(chr(34), chr(34) * 2)}"'
        for i, comment in enumerate(HOSTILE_COMMENTS)
    ]
    hostile.write_text("id,date,score,comment\n" + "\n".join(rows) + "\n", encoding="utf-8")
    for source, files in (
        ("survey", [paths.survey, hostile]),
        ("chat", [paths.chat]),
        ("social", [paths.social]),
    ):
        jobs.ingest_files(files, source=source, cfg=cfg)
    jobs.enrich_pending(cfg)
    jobs.score_sentiment(cfg, models_dir=root / "models")
    theme_jobs.update_themes(cfg, models_dir=root / "models")
    analytics_jobs.update_analytics(cfg)
    return cfg
