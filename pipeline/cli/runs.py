"""`verbatim run`, `deploy`, `demo`, `report` and `init`: whole runs and their outputs."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer

from pipeline.cli.analytics import (
    Level,
    print_analytics_report,
)
from pipeline.cli.sentiment import print_score
from pipeline.cli.support import (
    EXIT_UNUSABLE_INPUT,
    ConfigOption,
    JsonOption,
    cli_config,
    err,
    handled,
    offline_prefect,
    out,
    print_json,
)
from pipeline.cli.themes import print_themes_report
from pipeline.cli.workspace import estimate_text, print_enrich, print_ingest, provenance_text


def report(
    out_dir: Annotated[
        Path | None,
        typer.Option("--out", help="Folder of the reports (default: reports.out_dir)."),
    ] = None,
    level: Annotated[
        Level | None,
        typer.Option("--level", help="Topics (default), sub-themes (theme) or their parents."),
    ] = None,
    config: ConfigOption = None,
    as_json: JsonOption = False,
) -> None:
    """Write the theme report, the CX report and the follow-up queue's CSV from the warehouse.

    Exits 2 when no analysis has run yet (the reports would have nothing to show).
    """
    from pipeline.jobs.analytics import require_analytics
    from pipeline.jobs.reports import write_reports

    cfg = cli_config(config)
    with handled(), err.status("Writing the reports…"):
        require_analytics(cfg)
        paths = write_reports(cfg, out_dir, level=level.value if level else None)
    if as_json:
        print_json(paths.as_dict())
        return
    print_reports(paths.as_dict())


def print_reports(paths: dict[str, Any]) -> None:
    """Print where the reports were written."""
    out.print("[bold]Reports[/]")
    out.print(f"  theme report  {paths['theme_report']}", highlight=False)
    out.print(f"  CX report     {paths['cx_report']}", highlight=False)
    out.print(
        f"  follow-ups    {paths['followups_csv']} ({paths['followups']:,} open)",
        highlight=False,
    )


def run(
    config: ConfigOption = None,
    as_json: JsonOption = False,
    wait: Annotated[
        float | None,
        typer.Option(
            help="Seconds to wait when another run of this workspace is in progress "
            "(default: run.lock_wait, 0 = stop at once)."
        ),
    ] = None,
    dask_address: Annotated[
        str | None,
        typer.Option(
            "--dask-address",
            help="Scheduler of a Dask cluster (tcp://host:8786) on which enrichment, embedding, "
            "sentiment and theme assignment run partitioned (default: run.dask_address).",
        ),
    ] = None,
) -> None:
    """Run the nightly flow once (every stage that exists) with Prefect's local API."""
    cfg_path = config
    cli_config(cfg_path)
    offline_prefect()
    from flows.nightly import nightly

    with handled(), err.status("Running the nightly flow…"):
        summary = nightly(
            config_path=str(cfg_path) if cfg_path else None, wait=wait, dask_address=dask_address
        )
    if as_json:
        print_json(summary)
    else:
        _print_run(summary)


def init(
    out_file: Annotated[
        Path, typer.Option("--out", "-o", help="Where to write the starter configuration.")
    ] = Path("verbatim.toml"),
    force: Annotated[bool, typer.Option(help="Overwrite an existing file.")] = False,
) -> None:
    """Write a commented starter configuration (every key, its meaning and its default)."""
    from pipeline.cli.starter import starter_config

    if out_file.exists() and not force:
        err.print(
            f"[bold red]error:[/] {out_file} exists; pass --force to overwrite it or --out to "
            "write elsewhere.",
            highlight=False,
        )
        raise typer.Exit(EXIT_UNUSABLE_INPUT)
    out_file.parent.mkdir(parents=True, exist_ok=True)
    out_file.write_text(starter_config(), encoding="utf-8")
    out.print(
        f"Wrote {out_file}: every key is commented out with its default; uncomment what you "
        "change. `verbatim run` reads verbatim.toml from the working directory.",
        highlight=False,
    )


def deploy(
    config: ConfigOption = None,
    cron: Annotated[
        str | None,
        typer.Option(help='Cron schedule, five fields (default: run.schedule, "0 2 * * *").'),
    ] = None,
    name: Annotated[
        str | None, typer.Option(help="Deployment name (default: run.deployment, nightly).")
    ] = None,
    timezone: Annotated[
        str | None,
        typer.Option(help="Time zone of the schedule (default: run.schedule_timezone)."),
    ] = None,
) -> None:
    """Serve the nightly flow as a scheduled deployment on a Prefect server (blocks)."""
    from pipeline.config import check_cron, check_zone

    cfg = cli_config(config)
    schedule = cron or cfg.run.schedule
    try:
        check_cron(schedule)
    except ValueError as e:
        raise typer.BadParameter(str(e), param_hint="--cron") from e
    zone = timezone or cfg.run.schedule_timezone
    try:
        check_zone(zone)
    except ValueError as e:
        raise typer.BadParameter(str(e), param_hint="--timezone") from e
    offline_prefect()
    from flows.nightly import api_url, serve

    api = api_url()
    if not api:
        err.print(
            "[bold red]error:[/] verbatim deploy serves the flow to a Prefect server, and none is "
            "configured. Start one (`prefect server start`), then point Verbatim at it: "
            "`prefect config set PREFECT_API_URL=http://127.0.0.1:4200/api` (or export "
            "PREFECT_API_URL). See the README, *Scheduling*.",
            highlight=False,
            soft_wrap=True,
        )
        raise typer.Exit(EXIT_UNUSABLE_INPUT)
    deployment = name or cfg.run.deployment
    config_path = str(config.resolve()) if config else None
    err.print(
        f"Serving deployment verbatim-nightly/{deployment} on {api}, schedule '{schedule}' "
        f"({zone}), working directory {Path.cwd()}. Ctrl+C stops it (and pauses the schedule).",
        highlight=False,
        soft_wrap=True,
    )
    with handled():
        serve(name=deployment, cron=schedule, timezone=zone, config_path=config_path)


def _print_run(summary: dict[str, Any]) -> None:
    for source_name, report in summary["ingest"].items():
        if report["files"] or report.get("failed_files") or report.get("skipped_files"):
            out.print(f"[bold]{source_name}[/]")
            print_ingest(report)
    print_enrich(summary["enrich"])
    head = summary.get("sentiment_head")
    if head:
        counts = head["weak_labels"]
        out.print(
            f"Trained the sentiment head on your own scores ({head['version']}): "
            f"{counts['negative']:,} negative, {counts['neutral']:,} neutral, "
            f"{counts['positive']:,} positive units.",
            highlight=False,
        )
    print_score(summary["sentiment"])
    if "themes" in summary:
        print_themes_report(summary["themes"])
    if summary.get("analytics"):
        print_analytics_report(summary["analytics"])
    out.print(f"NPS  {estimate_text(summary['status']['nps'])}", highlight=False)
    out.print(f"Warehouse: {summary['status']['warehouse']}", highlight=False)
    out.print(provenance_text(summary["status"]), highlight=False)
    if summary.get("reports"):
        print_reports(summary["reports"])


def demo(
    out_dir: Annotated[
        Path, typer.Option("--out", help="Where the generated demo files are written.")
    ] = Path("data/demo"),
    seed: Annotated[int, typer.Option(help="Random seed of the generator.")] = 7,
    config: ConfigOption = None,
) -> None:
    """Generate the multi-channel demo data set and run everything on it."""
    from pipeline.demo import generate_demo, write_demo, write_demo_config

    with err.status("Generating demo data (survey, chat, social)…"):
        paths = write_demo(generate_demo(seed=seed), out_dir)
    out.print(f"Demo data written to {out_dir}/ (truth file: {paths.truth})", highlight=False)
    if config is None:
        config = write_demo_config(out_dir)
        out.print(
            f"Demo configuration (topic packs, which team owns which topic): {config}",
            highlight=False,
        )
    cfg = cli_config(config)
    offline_prefect()
    from flows.nightly import nightly

    sources = {
        "survey": [str(paths.survey)],
        "chat": [str(paths.chat)],
        "social": [str(paths.social)],
    }
    with handled(), err.status("Running the nightly flow on the demo data…"):
        summary = nightly(config_path=str(config), sources=sources)
    _print_run(summary)
    out.print("\n[bold]Results[/]")
    out.print(f"  warehouse   {cfg.warehouse.path}", highlight=False)
    out.print(f"  demo inputs {out_dir}", highlight=False)
    out.print(f"  truth       {paths.truth}", highlight=False)
    out.print(
        "Next: open the theme report in a browser, or try `verbatim drivers`, "
        "`verbatim followups`, `verbatim themes list`."
    )
