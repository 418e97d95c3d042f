"""The `verbatim` command: parses arguments, calls the library or a flow, prints with Rich.

Exit status: 0 success (a file with some bad rows is still a success: they are in `rejects`),
2 a file or the configuration cannot be used (nothing was written), 75 the warehouse is busy.
"""

from __future__ import annotations

import logging
import sys
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.progress import (
    BarColumn,
    Progress,
    SpinnerColumn,
    TextColumn,
    TimeElapsedColumn,
)
from rich.table import Table

from pipeline import __version__
from pipeline.cli_drivers import (
    alerts,
    analyse,
    drivers,
    followups,
    print_analytics_report,
    scores,
)
from pipeline.cli_sentiment import eval_app, print_score, score, sentiment, train_app
from pipeline.cli_support import (
    EXIT_UNUSABLE_INPUT,
    ConfigOption,
    JsonOption,
    Source,
    cli_config,
    err,
    handled,
    offline_prefect,
    out,
    print_json,
    run_reported,
)
from pipeline.cli_themes import print_themes_report, themes_app

app = typer.Typer(
    name="verbatim",
    help="Mine open-text customer feedback and explain why customers are detractors or promoters.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)


def _version(value: bool) -> None:
    if value:
        out.print(f"verbatim {__version__}")
        raise typer.Exit()


@app.callback()
def main(
    verbose: Annotated[
        bool, typer.Option("--verbose", "-v", help="Log progress details to stderr.")
    ] = False,
    version: Annotated[
        bool,
        typer.Option("--version", callback=_version, is_eager=True, help="Print the version."),
    ] = False,
) -> None:
    """Verbatim: self-hosted feedback analytics. Data never leaves this machine."""
    logging.basicConfig(
        level=logging.DEBUG if verbose else logging.WARNING,
        format="%(asctime)s %(name)s %(levelname)s %(message)s",
        stream=sys.stderr,
    )
    if verbose:
        for noisy in ("httpx", "httpcore", "prefect", "numba", "urllib3"):
            logging.getLogger(noisy).setLevel(logging.WARNING)


def _ingest_table(report: dict[str, Any]) -> Table:
    table = Table(title="Ingest", title_justify="left")
    for name in ("file", "rows", "accepted", "rejected", "duplicates"):
        table.add_column(name, justify="left" if name == "file" else "right")
    for item in report["files"]:
        table.add_row(
            item["path"],
            f"{item['rows']:,}",
            f"{item['accepted']:,}",
            f"{item['rejected']:,}",
            f"{item['duplicates']:,}",
        )
    return table


def print_ingest(report: dict[str, Any]) -> None:
    """Print an ingest report: the table, the balance per file, and notes."""
    out.print(_ingest_table(report))
    for item in report["files"]:
        out.print(
            f"{item['path']}: {item['accepted']:,} accepted + {item['rejected']:,} rejected + "
            f"{item['duplicates']:,} duplicates = {item['rows']:,} rows read",
            highlight=False,
        )
        for note in item["notes"]:
            out.print(f"  [dim]note:[/] {note}", highlight=False)
    if report["rejected"]:
        out.print(
            f"[yellow]{report['rejected']:,} rows were refused[/]; see them with "
            "`verbatim export rejects --out rejects.csv`"
        )


@app.command()
def ingest(
    source: Annotated[Source, typer.Argument(help="Which channel the files come from.")],
    paths: Annotated[list[Path], typer.Argument(help="Files or folders to ingest.")],
    config: ConfigOption = None,
    as_json: JsonOption = False,
) -> None:
    """Ingest survey exports, chat transcripts or social mentions into the warehouse."""
    from pipeline.jobs import ingest_files
    from pipeline.sources import expand_paths

    cfg = cli_config(config)
    files = expand_paths(paths)
    if not files:
        err.print("[bold red]error:[/] no files to ingest in the given paths")
        raise typer.Exit(EXIT_UNUSABLE_INPUT)
    with (
        handled(),
        Progress(
            SpinnerColumn(),
            TextColumn("{task.description}"),
            BarColumn(),
            TextColumn("{task.completed:,.0f} rows"),
            TimeElapsedColumn(),
            console=err,
            transient=True,
            disable=as_json or not err.is_terminal,
        ) as progress,
    ):
        task = progress.add_task("reading", total=None)

        def on_file(path: Path, size: int) -> None:
            progress.update(task, description=f"{source.value}: {path.name}", completed=0)

        report = ingest_files(
            files,
            source=source.value,
            cfg=cfg,
            on_file=on_file,
            on_progress=lambda rows: progress.advance(task, rows),
        ).as_dict()
    if as_json:
        print_json(report)
    else:
        print_ingest(report)


@app.command()
def enrich(config: ConfigOption = None, as_json: JsonOption = False) -> None:
    """Clean, language-tag and split new records into opinion units (only records not yet done)."""
    from pipeline.jobs import enrich_pending

    cfg = cli_config(config)
    run_reported(
        "enriching",
        lambda progress: enrich_pending(cfg, on_progress=progress).as_dict(),
        as_json=as_json,
        show=print_enrich,
    )


def print_enrich(report: dict[str, Any]) -> None:
    """Print an enrichment report."""
    if not report["records"]:
        out.print("Nothing to enrich: every record already has its opinion units.")
        return
    languages = ", ".join(f"{lang} {n:,}" for lang, n in sorted(report["languages"].items()))
    out.print(
        f"Enriched {report['records']:,} records into {report['units']:,} opinion units "
        f"({report['duplicates']:,} duplicates counted once). Languages: {languages}",
        highlight=False,
    )


@app.command()
def redact(
    ner: Annotated[
        bool, typer.Option("--ner/--no-ner", help="Also use spaCy NER for English names.")
    ] = False,
) -> None:
    """Redact personal data: reads lines on stdin, writes redacted lines on stdout."""
    from pipeline.text.redact import redact_texts

    batch: list[str] = []
    for line in sys.stdin:
        batch.append(line.rstrip("\n"))
        if len(batch) >= 1000:
            sys.stdout.write("".join(f"{text}\n" for text in redact_texts(batch, ner=ner)))
            batch = []
    if batch:
        sys.stdout.write("".join(f"{text}\n" for text in redact_texts(batch, ner=ner)))


def _estimate_text(estimate: dict[str, Any], unit: str = "") -> str:
    if estimate["value"] is None:
        return "no answers yet"
    margin = estimate["margin"]
    plus = f" ± {margin:.1f}" if margin is not None else ""
    return f"{estimate['value']:+.1f}{unit}{plus} (n = {estimate['n']:,})"


@app.command()
def status(config: ConfigOption = None, as_json: JsonOption = False) -> None:
    """Show records per source, the last batches and overall NPS with its margin of error."""
    from pipeline.jobs import warehouse_status

    cfg = cli_config(config)
    with handled():
        report = warehouse_status(cfg)
    if as_json:
        print_json(report)
        return
    out.print(f"[bold]Warehouse[/] {report['warehouse']}", highlight=False)
    if not report["records"]:
        out.print("No records yet: try `verbatim demo` or `verbatim ingest survey FILE`.")
        return
    counts = Table(title="Records", title_justify="left")
    counts.add_column("source")
    counts.add_column("records", justify="right")
    for source_name, n in report["records"].items():
        counts.add_row(source_name, f"{n:,}")
    out.print(counts)
    out.print(f"NPS  {_estimate_text(report['nps'])}", highlight=False)
    csat_text = _estimate_text(report["csat"], "%").lstrip("+")
    out.print(f"CSAT {csat_text}", highlight=False)
    out.print(f"Rejected rows: {report['rejects']:,}")
    out.print(_provenance_text(report), highlight=False)
    batches = Table(title="Last batches", title_justify="left")
    names = ("finished_at", "source", "file", "rows", "accepted", "rejected", "duplicates")
    for name in names:
        batches.add_column(name)
    for row in report["batches"]:
        batches.add_row(*(str(row[name]) for name in names))
    out.print(batches)
    if report["runs"]:
        out.print(_runs_table(report["runs"]))


def _provenance_text(status_report: dict[str, Any]) -> str:
    models = status_report.get("models") or {}
    return (
        f"Seed {status_report.get('seed')} · theme model {models.get('themes') or 'none yet'} · "
        f"sentiment {models.get('sentiment') or 'none yet'} · "
        f"embedder {models.get('embedder') or 'none yet'}"
    )


def _runs_table(runs: list[dict[str, Any]]) -> Table:
    table = Table(title="Last runs", title_justify="left")
    for name in ("started_at", "status", "seconds", "peak MB", "steps", "note"):
        table.add_column(name, justify="right" if name in ("seconds", "peak MB") else "left")
    for run_row in runs:
        slowest = max(run_row["steps"], key=lambda step: step["seconds"], default=None)
        note = run_row["error"] or (
            f"slowest: {slowest['step']} {slowest['seconds']:.1f} s" if slowest else ""
        )
        table.add_row(
            str(run_row["started_at"])[:19],
            run_row["status"],
            "" if run_row["seconds"] is None else f"{run_row['seconds']:.1f}",
            "" if run_row["peak_rss_mb"] is None else f"{run_row['peak_rss_mb']:,.0f}",
            str(len(run_row["steps"])),
            note,
        )
    return table


@app.command()
def compare(
    other: Annotated[
        Path,
        typer.Argument(help="Another warehouse file, or a workspace folder with data/."),
    ],
    config: ConfigOption = None,
    as_json: JsonOption = False,
) -> None:
    """Compare this workspace's tables with another's, write times and run ids aside.

    Exit 0 when every table holds the same data, 1 when some differ.
    """
    from pipeline.jobs import compare_warehouses

    cfg = cli_config(config)
    with handled():
        differences = compare_warehouses(cfg, other)
    if as_json:
        print_json(
            {
                "identical": not differences,
                "warehouses": [str(cfg.warehouse.path), str(other)],
                "differences": [
                    {
                        "table": d.table,
                        "rows": list(d.rows),
                        "columns": d.columns,
                        "missing": d.missing or None,
                    }
                    for d in differences
                ],
            }
        )
    elif not differences:
        out.print(
            f"The same data: every table of {cfg.warehouse.path} and {other} is identical "
            "(write times and run ids aside).",
            highlight=False,
        )
    else:
        out.print(f"{len(differences)} tables differ:", highlight=False)
        for difference in differences:
            out.print(f"  {difference.describe()}", highlight=False)
    if differences:
        raise typer.Exit(1)


@app.command()
def export(
    table: Annotated[str, typer.Argument(help="Warehouse table, e.g. records or rejects.")],
    out_file: Annotated[Path, typer.Option("--out", "-o", help="Target .csv or .parquet file.")],
    config: ConfigOption = None,
) -> None:
    """Export any warehouse table to CSV or Parquet (chosen by the file's extension)."""
    from pipeline.warehouse import Warehouse

    cfg = cli_config(config)
    with handled(), Warehouse(cfg.warehouse.path, read_only=True) as warehouse:
        rows = warehouse.export_table(table, out_file)
    out.print(f"Wrote {rows:,} rows of {table} to {out_file}", highlight=False)


@app.command()
def report(
    out_dir: Annotated[
        Path | None,
        typer.Option("--out", help="Folder of the reports (default: reports.out_dir)."),
    ] = None,
    config: ConfigOption = None,
    as_json: JsonOption = False,
) -> None:
    """Write the theme report, the CX report and the follow-up queue's CSV from the warehouse."""
    from pipeline.report_jobs import write_reports

    cfg = cli_config(config)
    with handled(), err.status("Writing the reports…"):
        paths = write_reports(cfg, out_dir)
    if as_json:
        print_json(paths.as_dict())
        return
    _print_reports(paths.as_dict())


def _print_reports(paths: dict[str, Any]) -> None:
    out.print("[bold]Reports[/]")
    out.print(f"  theme report  {paths['theme_report']}", highlight=False)
    out.print(f"  CX report     {paths['cx_report']}", highlight=False)
    out.print(
        f"  follow-ups    {paths['followups_csv']} ({paths['followups']:,} queued)",
        highlight=False,
    )


@app.command()
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


@app.command()
def init(
    out_file: Annotated[
        Path, typer.Option("--out", "-o", help="Where to write the starter configuration.")
    ] = Path("verbatim.toml"),
    force: Annotated[bool, typer.Option(help="Overwrite an existing file.")] = False,
) -> None:
    """Write a commented starter configuration (every key, its meaning and its default)."""
    from pipeline.starter import starter_config

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


@app.command()
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
    from pipeline.config import check_cron

    cfg = cli_config(config)
    schedule = cron or cfg.run.schedule
    try:
        check_cron(schedule)
    except ValueError as e:
        raise typer.BadParameter(str(e), param_hint="--cron") from e
    zone = timezone or cfg.run.schedule_timezone
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
        if report["files"]:
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
    out.print(f"NPS  {_estimate_text(summary['status']['nps'])}", highlight=False)
    out.print(f"Warehouse: {summary['status']['warehouse']}", highlight=False)
    out.print(_provenance_text(summary["status"]), highlight=False)
    if summary.get("reports"):
        _print_reports(summary["reports"])


@app.command()
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
        out.print(f"Demo configuration (which team owns which theme): {config}", highlight=False)
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


app.command()(sentiment)
app.command()(score)
app.command()(analyse)
app.command()(drivers)
app.command()(followups)
app.command()(alerts)
app.command()(scores)
app.add_typer(eval_app, name="eval")
app.add_typer(themes_app, name="themes")
app.add_typer(train_app, name="train")

if __name__ == "__main__":  # pragma: no cover
    app()
