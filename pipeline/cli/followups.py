"""`verbatim followups`: the call-back queue, and `done` / `reopen` to work it."""

from __future__ import annotations

import datetime as dt
from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.table import Column, Table

from pipeline.cli.delivery import send
from pipeline.cli.support import ConfigOption, JsonOption, cli_config, handled, out, print_json

followups_app = typer.Typer(
    help="Detractors to call back, by priority; `done ID` closes one (see `followups --help`).",
    no_args_is_help=False,
    invoke_without_command=True,
)

IdsArgument = Annotated[
    list[str], typer.Argument(help="Follow-up ids (record ids, or their first 6+ characters).")
]
#: Rows the table shows when no --limit is given (JSON and --out give all).
SHOWN = 20


class Status(StrEnum):
    """Workflow states of `verbatim followups --status`."""

    open = "open"
    done = "done"
    expired = "expired"
    all = "all"


def _said(row: dict[str, Any]) -> str:
    if row["comment"] is None:
        return "[dim]no comment[/]"
    if row["sentences"]:
        return "\n".join(f"“{s}”" for s in row["sentences"])
    return f"[dim]“{row['comment']}” (no complaint stated)[/]"


def _who(row: dict[str, Any]) -> str:
    parts = [row["language"], *row["segments"].values()]
    details = " · ".join(str(p) for p in parts if p)
    return (
        f"{row['customer_id'] or '-'}\n[dim]{details}[/]"
        if details
        else (row["customer_id"] or "-")
    )


def _score(row: dict[str, Any]) -> str:
    scale = f"/{row['score_scale'].split('-')[-1]}" if row["score_scale"] else ""
    return f"{row['score']:g}{scale} {row['score_type'].upper()}"


def _print_queue(rows: list[dict[str, Any]], total: int, status: str) -> None:
    what = {"all": "all"}.get(status, status)
    table = Table(
        "#", "id", "customer", "score", "owner", Column("topics", ratio=1),
        Column("what they said", ratio=3), "risk",
        title=f"Follow-ups — {what} ({total:,})", show_lines=True,
    )  # fmt: skip
    for row in rows:
        risk = ", ".join(row["risk_reasons"])
        state = "" if row["state"] == "open" else f"\n[dim]{row['state']}[/]"
        table.add_row(
            str(row["priority"]), row["record_id"][:10] + state, _who(row), _score(row),
            row["owner"], ", ".join(row["themes"]) or "-", _said(row),
            f"[bold red]{risk}[/]" if risk else "",
        )  # fmt: skip
    out.print(table)
    if total > len(rows):
        out.print(
            f"{len(rows)} of {total:,} shown (--limit N, or --out FILE for all). "
            "Close one: verbatim followups done ID --note TEXT",
            style="dim",
            highlight=False,
        )


@followups_app.callback()
def followups(  # noqa: PLR0917 - typer passes options positionally
    ctx: typer.Context,
    status: Annotated[
        Status,
        typer.Option("--status", help="open (default), done, expired or all."),
    ] = Status.open,
    owner: Annotated[
        str | None, typer.Option("--owner", help="Only this owning team's follow-ups.")
    ] = None,
    since: Annotated[
        dt.datetime | None,
        typer.Option("--since", formats=["%Y-%m-%d"], help="Only feedback from this day on."),
    ] = None,
    quarantined: Annotated[
        bool, typer.Option("--quarantined", help="Include quarantined follow-ups.")
    ] = False,
    limit: Annotated[
        int | None,
        typer.Option(min=1, help=f"At most this many (default: {SHOWN} printed, all in JSON)."),
    ] = None,
    out_file: Annotated[
        Path | None, typer.Option("--out", "-o", help="Write them to a .csv or .parquet file.")
    ] = None,
    config: ConfigOption = None,
    as_json: JsonOption = False,
) -> None:
    """Detractors to call back, by priority: comment, topics, key sentences, owner, risk."""
    if ctx.invoked_subcommand is not None:
        return
    from pipeline.jobs.followups import FollowupFilter, followup_json, followup_rows

    cfg = cli_config(config)
    printed = not as_json and out_file is None
    chosen = FollowupFilter(
        status=status.value, owner=owner, since=since.date() if since else None,
        include_quarantined=quarantined, limit=None if printed else limit,
    )  # fmt: skip
    with handled():
        rows = followup_rows(cfg, chosen, out=out_file, flat=False)
    if out_file is not None:
        out.print(f"Wrote {len(rows):,} follow-ups to {out_file}", highlight=False)
        return
    if as_json:
        print_json(followup_json(rows))
        return
    if rows.empty:
        out.print(
            f"No {'' if status == Status.all else status.value + ' '}follow-ups"
            + (f" for {owner}" if owner else "")
            + (f" since {since:%Y-%m-%d}" if since else "")
            + ". Other states: --status open|done|expired|all; held back: --quarantined.",
            highlight=False,
        )
        return
    shown = followup_json(rows.head(limit or SHOWN))
    _print_queue(shown, len(rows), status.value)


@followups_app.command("done")
def done(
    ids: Annotated[
        list[str], typer.Argument(help="Follow-up ids (record ids, or 6+ first characters).")
    ],
    note: Annotated[
        str | None, typer.Option("--note", "-n", help="What was done, kept with it.")
    ] = None,
    config: ConfigOption = None,
    as_json: JsonOption = False,
) -> None:
    """Mark follow-ups done; they leave the open queue and stay done through every run."""
    from pipeline.jobs.followups import mark_followups

    cfg = cli_config(config)
    with handled():
        marked = mark_followups(cfg, ids, done=True, note=note)
    if as_json:
        print_json(marked)
        return
    for row in marked:
        out.print(f"{row['record_id']}: done" + (f" — {note}" if note else ""), highlight=False)


followups_app.command("send")(send)


@followups_app.command("reopen")
def reopen(
    ids: Annotated[
        list[str], typer.Argument(help="Follow-up ids (record ids, or 6+ first characters).")
    ],
    config: ConfigOption = None,
    as_json: JsonOption = False,
) -> None:
    """Put follow-ups marked done back in the queue (expired when their time has passed)."""
    from pipeline.jobs.followups import mark_followups

    cfg = cli_config(config)
    with handled():
        marked = mark_followups(cfg, ids, done=False)
    if as_json:
        print_json(marked)
        return
    for row in marked:
        out.print(f"{row['record_id']}: {row['state']}", highlight=False)
