"""The `verbatim` command: parses arguments, calls the jobs or a flow, prints with Rich.

One Typer module per command group, joined here: `workspace` (ingest, enrich, redact, status,
compare, export), `runs` (report, run, init, deploy, demo), `sentiment`, `analytics`, `followups`
(the queue, done, reopen, send), `themes`.

Exit status: 0 success (a file with some bad rows is still a success: they are in `rejects`),
1 a partial success (`ingest`: some files were ingested, others could not be used and are named
with the reason; `compare`: the warehouses differ; `followups send`: some deliveries failed and
are tried again), 2 the input or the configuration cannot be
used (`ingest`: no file could be; nothing was written), 75 the warehouse is busy.

The same in every command:

- An unknown value (a segment, metric, period, level, owner, theme, topic or follow-up id,
  table) exits 2 with
  the valid values listed, or with the command that lists them (``verbatim themes list``).
  Enum options are refused by Typer with their choices; everything else raises
  `pipeline.errors.UnknownValueError` (or a `VerbatimError` naming the way to list the
  values) in the jobs layer, which `handled` turns into exit 2.
- A command that shows the analytics tables (``drivers``, ``scores``, ``alerts``,
  ``followups``, ``report``) exits 2 with "no analytics yet: run `verbatim analyse` (or
  `verbatim run`)" (``followups``: "no follow-ups yet: …") when no analysis has run.
  ``alerts`` with an analysis that found nothing exits 0 and says so, naming the past alerts
  when only those exist: "none looked for" and "none found" never look alike.
- ``--json`` prints one strict JSON document (`support.print_json`): no NaN or Infinity,
  missing values are null.
- ``export raw_records`` (the text as received, personal data unredacted) needs
  ``--include-personal-data``; ``records`` holds the same text redacted.
"""

from __future__ import annotations

import logging
import sys
from typing import Annotated

import typer

from pipeline import __version__
from pipeline.cli.analytics import alerts, analyse, drivers, scores
from pipeline.cli.followups import followups_app
from pipeline.cli.runs import demo, deploy, init, report, run
from pipeline.cli.sentiment import eval_app, score, sentiment, train_app
from pipeline.cli.support import out
from pipeline.cli.themes import themes_app
from pipeline.cli.workspace import compare, enrich, export, ingest, redact, status

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


# in the order `verbatim --help` lists them
for command in (
    ingest, enrich, redact, status, compare, export, report, run, init, deploy, demo,
    sentiment, score, analyse, drivers, alerts, scores,
):  # fmt: skip
    app.command()(command)
app.add_typer(followups_app, name="followups")
app.add_typer(eval_app, name="eval")
app.add_typer(themes_app, name="themes")
app.add_typer(train_app, name="train")
