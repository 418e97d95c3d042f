"""What every `verbatim` command shares: consoles, options, error handling, JSON output."""

from __future__ import annotations

import json
import os
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.progress import Progress, SpinnerColumn, TextColumn, TimeElapsedColumn

from pipeline.config import Config, load_config
from pipeline.errors import (
    ConfigError,
    InputFileError,
    RunLockedError,
    VerbatimError,
    WarehouseLockedError,
)
from pipeline.schemas import plain_value

out = Console()
err = Console(stderr=True)

EXIT_PARTIAL = 1
EXIT_UNUSABLE_INPUT = 2
EXIT_BUSY = 75

ConfigOption = Annotated[
    Path | None,
    typer.Option(
        "--config", "-c", help="TOML configuration (default: ./verbatim.toml if present)."
    ),
]
JsonOption = Annotated[
    bool, typer.Option("--json", help="Print one JSON object instead of tables.")
]


class Source(StrEnum):
    """Feedback channels."""

    survey = "survey"
    chat = "chat"
    social = "social"


@contextmanager
def handled() -> Iterator[None]:
    """Turn library errors into one clear message and an exit status."""
    try:
        yield
    except (InputFileError, ConfigError) as e:
        err.print(f"[bold red]error:[/] {e}", highlight=False, soft_wrap=True)
        raise typer.Exit(EXIT_UNUSABLE_INPUT) from e
    except (WarehouseLockedError, RunLockedError) as e:
        err.print(f"[bold red]busy:[/] {e}", highlight=False, soft_wrap=True)
        raise typer.Exit(EXIT_BUSY) from e
    except VerbatimError as e:
        err.print(f"[bold red]error:[/] {e}", highlight=False, soft_wrap=True)
        raise typer.Exit(EXIT_UNUSABLE_INPUT) from e


def cli_config(path: Path | None) -> Config:
    """Load the configuration, exiting with a clear message when it is unusable."""
    with handled():
        return load_config(path)


def offline_prefect() -> None:
    """Settings for running flows on a machine without internet (before Prefect is imported).

    Prefect's local API sends anonymous usage telemetry by default; offline that only logs
    errors, and data never leaves the customer's machines anyway. A user's own setting wins.
    """
    os.environ.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")


def print_json(payload: Any) -> None:
    """Print one strict JSON document on stdout (no Rich markup).

    Values go through `plain_value` (NaN, infinities and missing values become null, numpy
    numbers and timestamps plain ones); anything else JSON has no type for (a path, a date)
    is written as its text. ``allow_nan=False`` makes a NaN that slipped through an error
    rather than output no JSON parser accepts.
    """
    text = json.dumps(
        plain_value(payload), ensure_ascii=False, default=str, indent=2, allow_nan=False
    )
    sys.stdout.write(text + "\n")


def run_reported(
    label: str,
    job: Callable[[Callable[[int], None]], dict[str, Any]],
    *,
    as_json: bool,
    show: Callable[[dict[str, Any]], None],
) -> None:
    """Run a job under a record-counting spinner, then print its report (JSON or ``show``).

    Args:
        label: What the spinner says ("enriching").
        job: Runs the job, given a callback that counts records done; returns the report.
        as_json: Print the report as JSON (and show no spinner).
        show: Prints the report for people.
    """
    with handled(), record_progress(label, quiet=as_json) as progress:
        task = progress.add_task(label, total=None)
        report = job(lambda n: progress.advance(task, n))
    if as_json:
        print_json(report)
    else:
        show(report)


def record_progress(label: str, *, quiet: bool) -> Progress:
    """A stderr spinner counting records ("enriching 1,200 records"); off when quiet or piped."""
    return Progress(
        SpinnerColumn(),
        TextColumn(label),
        TextColumn("{task.completed:,.0f} records"),
        TimeElapsedColumn(),
        console=err,
        transient=True,
        disable=quiet or not err.is_terminal,
    )
