"""`verbatim ingest`, `enrich`, `redact`, `status`, `compare` and `export`: the warehouse."""

from __future__ import annotations

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

from pipeline.cli.support import (
    EXIT_PARTIAL,
    EXIT_UNUSABLE_INPUT,
    ConfigOption,
    JsonOption,
    Source,
    cli_config,
    err,
    handled,
    out,
    print_json,
    run_reported,
)


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
    """Print an ingest report: the table, the balance per file, notes, and the files not used.

    Failed files and warnings go to stderr, skipped files to stdout.
    """
    if report["files"]:
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
    for item in report.get("skipped_files", []):
        out.print(f"[dim]skipped:[/] {item['file']} ({item['reason']})", highlight=False)
    for note in report.get("notes", []):
        err.print(f"[bold yellow]warning:[/] {note}", highlight=False, soft_wrap=True)
    for item in report.get("failed_files", []):
        err.print(
            f"[bold red]error:[/] {item['file']}: {item['reason']} (not ingested)",
            highlight=False,
            soft_wrap=True,
        )


def ingest_status(report: dict[str, Any]) -> int:
    """Exit status of an ingest: 0 every file used, 1 some could not be, 2 none could."""
    if not report["failed_files"]:
        return 0
    return EXIT_PARTIAL if report["files"] else EXIT_UNUSABLE_INPUT


def ingest(
    source: Annotated[Source, typer.Argument(help="Which channel the files come from.")],
    paths: Annotated[list[Path], typer.Argument(help="Files or folders to ingest.")],
    config: ConfigOption = None,
    as_json: JsonOption = False,
) -> None:
    """Ingest survey exports, chat transcripts or social mentions into the warehouse.

    Each file stands alone: one that cannot be used is named with the reason and the others
    are ingested. A folder is read for the source's files (survey and social: .csv, .tsv,
    .xlsx, .xlsm, .json, .jsonl, .ndjson; chat: .json, .jsonl, .ndjson); its other files are
    listed as skipped. Exit 0 when every file was ingested, 1 when some could not be, 2 when
    none could (nothing was written).
    """
    from pipeline.jobs.ingest import ingest_files
    from pipeline.jobs.sources import gather_inputs

    cfg = cli_config(config)
    inputs = gather_inputs(paths, source=source.value)
    if not inputs.files:
        for item in inputs.skipped:
            err.print(f"[dim]skipped:[/] {item.file} ({item.reason})", highlight=False)
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
            inputs.files,
            source=source.value,
            cfg=cfg,
            on_file=on_file,
            on_progress=lambda rows: progress.advance(task, rows),
            errors="report",
            skipped=inputs.skipped,
        ).as_dict()
    if as_json:
        print_json(report)
    else:
        print_ingest(report)
    status = ingest_status(report)
    if status:
        raise typer.Exit(status)


def enrich(config: ConfigOption = None, as_json: JsonOption = False) -> None:
    """Clean, language-tag and split new records into opinion units (only records not yet done)."""
    from pipeline.jobs.enrich import enrich_pending

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


def estimate_text(estimate: dict[str, Any], unit: str = "") -> str:
    """A score with its margin and n ("+18.2 ± 2.2 (n = 5,000)"), from its JSON shape."""
    if estimate["value"] is None:
        return "no answers yet"
    margin = estimate["margin"]
    plus = f" ± {margin:.1f}" if margin is not None else ""
    return f"{estimate['value']:+.1f}{unit}{plus} (n = {estimate['n']:,})"


def status(config: ConfigOption = None, as_json: JsonOption = False) -> None:
    """Show records per source, the last batches and overall NPS with its margin of error."""
    from pipeline.jobs.status import warehouse_status

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
    out.print(f"NPS  {estimate_text(report['nps'])}", highlight=False)
    csat_text = estimate_text(report["csat"], "%").lstrip("+")
    out.print(f"CSAT {csat_text}", highlight=False)
    out.print(f"Rejected rows: {report['rejects']:,}")
    out.print(provenance_text(report), highlight=False)
    batches = Table(title="Last batches", title_justify="left")
    names = ("finished_at", "source", "file", "rows", "accepted", "rejected", "duplicates")
    for name in names:
        batches.add_column(name)
    for row in report["batches"]:
        batches.add_row(*(str(row[name]) for name in names))
    out.print(batches)
    if report["runs"]:
        out.print(_runs_table(report["runs"]))


def provenance_text(status_report: dict[str, Any]) -> str:
    """The seed and the models behind the results, from `verbatim status`'s JSON shape."""
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
    from pipeline.jobs.status import compare_warehouses

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


def export(
    table: Annotated[str, typer.Argument(help="Warehouse table, e.g. records or rejects.")],
    out_file: Annotated[Path, typer.Option("--out", "-o", help="Target .csv or .parquet file.")],
    include_personal_data: Annotated[
        bool,
        typer.Option(
            "--include-personal-data",
            help="Allow raw_records, the text as received with personal data unredacted.",
        ),
    ] = False,
    config: ConfigOption = None,
) -> None:
    """Export any warehouse table to CSV or Parquet (chosen by the file's extension).

    An unknown table exits 2 listing the tables; raw_records (the one table holding text
    unredacted) exits 2 unless --include-personal-data is given.
    """
    from pipeline.jobs.status import export_table

    cfg = cli_config(config)
    with handled():
        rows = export_table(cfg, table, out_file, include_personal_data=include_personal_data)
    out.print(f"Wrote {rows:,} rows of {table} to {out_file}", highlight=False)
