"""The nightly flow: ingest every source, enrich, embed, score sentiment, assign themes, analyse.

Each step is one task around one library call. With a Dask scheduler address the heavy steps
(enrich, embed, sentiment, theme assignment) compute their partitions on the cluster
(`flows.scaleout`); otherwise everything runs in this process. The whole run holds the
workspace's run lock and is recorded in the ``runs`` table (`pipeline.jobs.runs.PipelineRun`); each
step commits its own work, so a killed run is completed by the next one. At the end the run
summary is made once and serves both the reports (theme report, CX report, follow-up CSV under
``reports.out_dir``) and the Prefect artifacts (markdown, and a table of the improvement list).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from prefect import flow, get_run_logger, task
from prefect.artifacts import create_markdown_artifact, create_table_artifact
from prefect.cache_policies import NO_CACHE
from prefect.runtime import flow_run
from prefect.schedules import Cron
from prefect.settings import PREFECT_API_URL
from prefect.types.entrypoint import EntrypointType

from flows.scaleout import DaskMapper
from pipeline.analytics import summary
from pipeline.config import Config, load_config
from pipeline.errors import SourceUnavailableError, WarehouseLockedError
from pipeline.jobs import analytics as analytics_jobs
from pipeline.jobs import delivery as delivery_jobs
from pipeline.jobs import embed as embed_jobs
from pipeline.jobs import enrich as enrich_jobs
from pipeline.jobs import ingest as ingest_jobs
from pipeline.jobs import reports as report_jobs
from pipeline.jobs import sentiment as sentiment_jobs
from pipeline.jobs import sources as source_jobs
from pipeline.jobs import status as status_jobs
from pipeline.jobs import themes as theme_jobs
from pipeline.jobs.parallel import IN_PROCESS, Mapper
from pipeline.jobs.runs import PipelineRun
from pipeline.schemas import SOURCES


def _retry_on_io(task: Any, task_run: Any, state: Any) -> bool:
    """Retry only when the warehouse was busy, a database unreachable or the disk failed."""
    try:
        state.result()
    except (WarehouseLockedError, SourceUnavailableError, OSError):
        return True
    except Exception:
        return False
    return False


#: An I/O step: retried twice (after 5 s, then 30 s) when the warehouse was busy or I/O failed.
_io_task = task(
    cache_policy=NO_CACHE, retries=2, retry_delay_seconds=[5, 30], retry_condition_fn=_retry_on_io
)


@task(cache_policy=NO_CACHE)
def load_settings(config_path: str | None) -> Config:
    return load_config(Path(config_path) if config_path else None)


@task(
    cache_policy=NO_CACHE,
    retries=3,
    retry_delay_seconds=[5, 30, 120],
    retry_condition_fn=_retry_on_io,
)
def find_inputs(cfg: Config, source: str, override: list[str] | None) -> source_jobs.Inputs:
    return source_jobs.source_inputs(cfg, source, override)


@task(
    cache_policy=NO_CACHE,
    retries=3,
    retry_delay_seconds=[2, 10, 30],
    retry_condition_fn=_retry_on_io,
)
def ingest_source(cfg: Config, source: str, inputs: source_jobs.Inputs) -> dict[str, Any]:
    report = ingest_jobs.ingest_files(
        inputs.files, source=source, cfg=cfg, errors="report", skipped=inputs.skipped
    ).as_dict()
    get_run_logger().info(
        "%s: %d files, %d accepted, %d rejected, %d duplicates; %d files failed, %d skipped",
        source,
        len(report["files"]),
        report["accepted"],
        report["rejected"],
        report["duplicates"],
        len(report["failed_files"]),
        len(report["skipped_files"]),
    )
    return report


@_io_task
def enrich(cfg: Config, mapper: Mapper) -> dict[str, Any]:
    return enrich_jobs.enrich_pending(cfg, mapper=mapper).as_dict()


@_io_task
def embed(cfg: Config, mapper: Mapper) -> dict[str, Any]:
    return embed_jobs.embed_pending(cfg, mapper=mapper).as_dict()


@_io_task
def adapt_sentiment(cfg: Config) -> dict[str, Any] | None:
    return sentiment_jobs.ensure_weak_sentiment(cfg)


@_io_task
def score_sentiment(cfg: Config, mapper: Mapper) -> dict[str, Any]:
    return sentiment_jobs.score_sentiment(cfg, mapper=mapper).as_dict()


@_io_task
def update_themes(cfg: Config, mapper: Mapper) -> dict[str, Any]:
    return theme_jobs.update_themes(cfg, mapper=mapper).as_dict()


@task(cache_policy=NO_CACHE)
def partitions_on(cfg: Config, dask_address: str | None) -> Mapper:
    address = dask_address or cfg.run.dask_address
    return DaskMapper(address, cfg.run.partitions) if address else IN_PROCESS


@_io_task
def analyse(cfg: Config) -> dict[str, Any]:
    return analytics_jobs.update_analytics(cfg, only_if_changed=True).as_dict()


@task(cache_policy=NO_CACHE)
def summarise_run(cfg: Config, ingest: dict[str, dict[str, Any]]) -> summary.RunSummary:
    new = {source: report["accepted"] for source, report in ingest.items()}
    return report_jobs.run_summary(cfg, new_records=new)


@_io_task
def write_reports(cfg: Config, run_summary: summary.RunSummary) -> dict[str, Any] | None:
    if not cfg.reports.nightly:
        return None
    return report_jobs.write_reports(cfg, summary=run_summary).as_dict()


@task(cache_policy=NO_CACHE)
def deliver_followups(cfg: Config) -> dict[str, Any] | None:
    if not cfg.followup.delivery.nightly:
        return None
    try:
        return delivery_jobs.deliver_followups(cfg).as_dict()
    except Exception as e:  # never fails the run: what was not sent goes out next night
        get_run_logger().warning("follow-up delivery stopped; the next run retries: %s", e)
        return {"error": str(e)}


@task(cache_policy=NO_CACHE)
def publish_artifacts(run_summary: summary.RunSummary) -> dict[str, Any]:
    create_markdown_artifact(
        key="verbatim-summary", markdown=summary.summary_markdown(run_summary)
    )
    rows = summary.improvement_rows(run_summary)
    create_table_artifact(key="verbatim-improvement-list", table=rows)
    return {"drivers": len(rows), "alerts": len(run_summary.alerts)}


@task(cache_policy=NO_CACHE)
def summarise(cfg: Config) -> dict[str, Any]:
    return status_jobs.warehouse_status(cfg)


@flow(name="verbatim-nightly")
def nightly(
    config_path: str | None = None,
    sources: dict[str, list[str]] | None = None,
    wait: float | None = None,
    dask_address: str | None = None,
) -> dict[str, Any]:
    """Ingest new files, enrich them, score sentiment and themes, analyse, write the reports.

    An inbox file that cannot be used, or is not of its source's kind, never stops the run:
    the other files are ingested and the run's ``runs`` row lists it in ``failed_files`` or
    ``skipped_files``.

    Before scoring, the sentiment head is trained once on the workspace's own scored comments
    when ``sentiment.model`` is auto and there are enough of them (see ``verbatim train
    sentiment``). Themes are fitted on the first run with enough units; later runs assign new
    units to them, and refit when too many find no theme (see ``verbatim themes``). Then
    scores by segment, drivers, trends, alerts and follow-ups are recomputed (``verbatim
    analyse``) when anything they depend on changed, and the reports are written (``verbatim
    report``; ``reports.nightly = false`` turns that off). Last, the open follow-ups not yet
    delivered go to the CX teams by e-mail and webhook (``verbatim followups send``;
    ``followup.delivery.nightly = false`` turns that off); a failing endpoint never fails the run.

    Args:
        config_path: TOML configuration (default: ./verbatim.toml if present, else defaults).
        sources: Files or patterns per source, instead of the configured ones.
        wait: Seconds to wait for a run already in progress (default: ``run.lock_wait``).
        dask_address: Scheduler of a Dask cluster on which enrichment, embedding, sentiment
            and theme assignment run partitioned (default: ``run.dask_address``; none: here).
    """
    cfg = load_settings(config_path)
    mapper = partitions_on(cfg, dask_address)
    overrides = sources or {}
    log = get_run_logger().info
    with PipelineRun(cfg, flow_run_id=flow_run.get_id(), wait=wait, log=log) as run:
        ingest = {}
        for source in SOURCES:
            inputs = find_inputs(cfg, source, overrides.get(source) if sources else None)
            ingest[source] = run.lap(f"ingest_{source}", ingest_source(cfg, source, inputs))
        enriched = run.lap("enrich", enrich(cfg, mapper))
        embedded = run.lap("embed", embed(cfg, mapper))
        adapted = run.lap("sentiment_head", adapt_sentiment(cfg))
        scored = run.lap("sentiment", score_sentiment(cfg, mapper))
        themed = run.lap("themes", update_themes(cfg, mapper))
        analysed = run.lap("analytics", analyse(cfg))
        run_summary = summarise_run(cfg, ingest)
        reports = run.lap("reports", write_reports(cfg, run_summary))
        delivered = run.lap("delivery", deliver_followups(cfg))
        published = run.lap("artifacts", publish_artifacts(run_summary))
    return {
        "run_id": run.run_id,
        "interrupted_runs": run.interrupted,
        "ingest": ingest,
        "enrich": enriched,
        "embed": embedded,
        "sentiment_head": adapted,
        "sentiment": scored,
        "themes": themed,
        "analytics": analysed,
        "reports": reports,
        "delivery": delivered,
        "artifacts": published,
        "steps": run.steps,
        "status": summarise(cfg),
    }


def api_url() -> str | None:
    """The Prefect API this process talks to (None: none configured, ephemeral mode)."""
    return PREFECT_API_URL.value() or None


def serve(*, name: str, cron: str, timezone: str, config_path: str | None) -> None:
    """Serve `nightly` as deployment ``verbatim-nightly/<name>`` on the configured Prefect API.

    Blocks: this process polls the server for scheduled and manual runs and executes each in a
    subprocess (in this working directory, so workspace-relative paths hold). The entrypoint is
    the installed module, so any working directory works. Stopping it pauses the schedule.
    """
    nightly.serve(
        name=name,
        schedules=[Cron(cron, timezone=timezone)],
        parameters={"config_path": config_path},
        description="Verbatim: ingest new feedback, enrich, sentiment, themes, analytics.",
        tags=["verbatim"],
        entrypoint_type=EntrypointType.MODULE_PATH,
    )
