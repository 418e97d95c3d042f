"""Delivery command: `verbatim followups send` (e-mail digests per team and the webhook)."""

from __future__ import annotations

from typing import Any

import typer
from rich.table import Table

from pipeline.cli.support import (
    EXIT_BUSY,
    ConfigOption,
    JsonOption,
    cli_config,
    err,
    handled,
    out,
    print_json,
)

#: Exit status when some follow-ups were not delivered (the next run retries them).
EXIT_NOT_DELIVERED = 1
NO_CHANNEL = (
    "no delivery channel configured: set followup.delivery.smtp_host or webhook_url in "
    "verbatim.toml"
)


def print_delivery_report(report: dict[str, Any]) -> None:
    """One row per channel: delivered, failed, still pending; then each error."""
    from pipeline.jobs.delivery import CHANNELS

    table = Table("channel", "status", "target", "delivered", "failed", "pending", "attempts")
    for channel in CHANNELS:
        row = report[channel]
        table.add_row(
            channel,
            row["status"],
            row["target"] or "-",
            f"{row['delivered']:,}",
            f"{row['failed']:,}",
            f"{row['pending']:,}",
            f"{row['attempts']:,}",
        )
    out.print(table)
    for channel in CHANNELS:
        for error in report[channel]["errors"]:
            err.print(f"[bold red]{channel}:[/] {error}", highlight=False, soft_wrap=True)
    if report["failed"]:
        err.print(
            f"{report['failed']:,} follow-ups were not delivered; the next run (or `verbatim "
            "followups send`) tries them again.",
            highlight=False,
        )


def send(config: ConfigOption = None, as_json: JsonOption = False) -> None:
    """Send the open follow-ups not yet delivered: an e-mail digest per team, the webhook.

    Exit status 0 when everything due was delivered (or nothing was due, or no channel is
    configured), 1 when some deliveries failed (they are recorded and tried again next time),
    75 when another delivery was running (nothing was sent).
    """
    from pipeline.jobs.delivery import BUSY, CHANNELS, deliver_followups

    cfg = cli_config(config)
    with handled():
        report = deliver_followups(cfg).as_dict()
    if as_json:
        print_json(report)
    elif not report["configured"]:
        out.print(NO_CHANNEL, highlight=False)
    else:
        print_delivery_report(report)
    if report["failed"]:
        raise typer.Exit(EXIT_NOT_DELIVERED)
    if any(report[channel]["status"] == BUSY for channel in CHANNELS):
        raise typer.Exit(EXIT_BUSY)
