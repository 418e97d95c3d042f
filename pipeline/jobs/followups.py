"""Follow-up jobs: the queue as CX agents read it (filtered, flat or JSON) and their marks.

`followup_rows` reads the stored `followups` table (written by the analytics job), filtered
by state, owning team and date; `mark_followups` records that an agent closed (or reopened)
follow-ups, in `followup_actions`, so the mark survives every later run.
"""

from __future__ import annotations

import datetime as dt
import getpass
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Final

import pandas as pd

from pipeline.analytics.followup import (
    DONE,
    DONE_ACTION,
    EXPIRED,
    FOLLOWUP_COLUMNS,
    OPEN,
    QUEUED,
    REOPENED_ACTION,
    STATES,
    current_states,
    parse_segments,
)
from pipeline.config import Config
from pipeline.errors import UnknownValueError, VerbatimError
from pipeline.jobs.analytics import analytics_ran
from pipeline.schemas import FOLLOWUPS
from pipeline.storage.warehouse import Warehouse, jsonable_row, open_warehouse

#: ``--status`` values: a workflow state, or every follow-up.
STATUS_CHOICES: Final = (*STATES, "all")
#: List columns, joined with " | " in the flat (CSV) form.
_LISTS: Final = ("theme_ids", "themes", "sentences", "risk_reasons")


@dataclass(frozen=True)
class FollowupFilter:
    """Which follow-ups to show.

    Attributes:
        status: A workflow state (open, done, expired) or "all".
        owner: Only this owning team (case-insensitive); None: every team.
        since: Only feedback given on or after this day (UTC); None: any day.
        include_quarantined: Quarantined follow-ups too (held back for a customer already
            queued).
        limit: At most this many (by priority); None: all.
    """

    status: str = OPEN
    owner: str | None = None
    since: dt.date | None = None
    include_quarantined: bool = False
    limit: int | None = None


def _require_analysis(warehouse: Warehouse) -> None:
    if not analytics_ran(warehouse) and warehouse.count_rows(FOLLOWUPS.name) == 0:
        raise VerbatimError(
            "no follow-ups yet: no analysis has run in this workspace; run `verbatim analyse` "
            "(or `verbatim run`) first"
        )


def owners_of(followups: pd.DataFrame, cfg: Config) -> list[str]:
    """Every owning team a follow-up can have: the configured ones and those in the table."""
    teams = [*cfg.followup.owners.values(), cfg.followup.default_owner]
    if not followups.empty:
        teams.extend(followups["owner"].dropna().astype(str))
    return sorted(set(teams), key=str.casefold)


def select_followups(
    followups: pd.DataFrame,
    chosen: FollowupFilter,
    *,
    cfg: Config,
    now: dt.datetime | None = None,
) -> pd.DataFrame:
    """The follow-ups ``chosen`` names, by priority.

    Raises:
        UnknownValueError: For an unknown status or owning team (the message lists the valid ones).
    """
    if chosen.status not in STATUS_CHOICES:
        raise UnknownValueError("follow-up status", chosen.status, list(STATUS_CHOICES))
    table = followups.assign(state=current_states(followups, now or dt.datetime.now(dt.UTC)))
    if chosen.owner is not None:
        teams = owners_of(followups, cfg)
        wanted = chosen.owner.strip().casefold()
        if wanted not in {team.casefold() for team in teams}:
            raise UnknownValueError(
                "owner",
                chosen.owner,
                teams,
                hint="Teams come from followup.owners and followup.default_owner.",
            )
        table = table[table["owner"].str.casefold() == wanted]
    if chosen.status != "all":
        table = table[table["state"] == chosen.status]
    if not chosen.include_quarantined:
        table = table[table["status"] == QUEUED]
    if chosen.since is not None:
        since = pd.Timestamp(chosen.since, tz="UTC")
        table = table[pd.to_datetime(table["created_at"], utc=True) >= since]
    table = table.sort_values("priority")
    if chosen.limit is not None:
        table = table.head(chosen.limit)
    return table.reindex(columns=list(FOLLOWUP_COLUMNS)).reset_index(drop=True)


def flat_followups(followups: pd.DataFrame, segments: Sequence[str]) -> pd.DataFrame:
    """The follow-ups for a spreadsheet: lists joined with " | ", one column per segment."""
    flat = followups.copy()
    for name in _LISTS:
        flat[name] = flat[name].map(
            lambda values: " | ".join(str(v) for v in values) if values is not None else ""
        )
    parsed = flat["segments"].map(parse_segments)
    wanted = [name for name in segments if name not in flat.columns and name != "lang"]
    for name in wanted:
        flat[name] = parsed.map(lambda found, key=name: found.get(key))
    flat["comment"] = flat["comment"].fillna("no comment")
    return flat.drop(columns="segments")


def followup_json(followups: pd.DataFrame) -> list[dict[str, Any]]:
    """The follow-ups as strict-JSON objects: lists as lists, segments as an object."""
    rows = []
    for row in followups.to_dict("records"):
        plain = jsonable_row(row)
        plain["segments"] = parse_segments(row["segments"])
        rows.append(plain)
    return rows


def followup_rows(
    cfg: Config,
    chosen: FollowupFilter | None = None,
    *,
    out: Path | None = None,
    flat: bool = True,
    require_analysis: bool = True,
) -> pd.DataFrame:
    """The stored follow-ups ``chosen`` names (default: the open queue), by priority.

    Args:
        cfg: The configuration.
        chosen: Which ones (state, owner, date, quarantined, limit).
        out: Also write them (flat) to this .csv or .parquet file.
        flat: Lists joined and segments as columns (`flat_followups`); else the table's rows.
        require_analysis: Refuse when no analysis has run (the reports write an empty queue).

    Raises:
        VerbatimError: When no analysis has run, or for an unknown owner or status.
        WarehouseError: For an unsupported file extension.
    """
    chosen = chosen or FollowupFilter()
    with open_warehouse(cfg, read_only=True) as warehouse:
        if require_analysis:
            _require_analysis(warehouse)
        selected = select_followups(warehouse.read_table(FOLLOWUPS.name), chosen, cfg=cfg)
        shaped = flat_followups(selected, cfg.metrics.segments)
        if out is not None:
            warehouse.export_frame(shaped, out)
    return shaped if flat else selected


def mark_followups(
    cfg: Config,
    ids: Sequence[str],
    *,
    done: bool = True,
    note: str | None = None,
    now: dt.datetime | None = None,
) -> list[dict[str, Any]]:
    """Mark follow-ups done (with a note) or reopen them; the mark survives every later run.

    Args:
        cfg: The configuration.
        ids: Record ids of follow-ups, or unique prefixes of at least six characters.
        done: True: done; False: reopen (open again, or expired when its time has passed).
        note: What was done ("called back, credit note sent").
        now: When (default: now).

    Returns:
        One dict per follow-up: record_id and its new state.

    Raises:
        VerbatimError: When no analysis has run or an id names no single follow-up.
    """
    stamp = now or dt.datetime.now(dt.UTC)
    try:
        user: str | None = getpass.getuser()
    except (KeyError, OSError):
        user = None
    with open_warehouse(cfg) as warehouse:
        _require_analysis(warehouse)
        record_ids = list(dict.fromkeys(warehouse.followups.resolve(ids)))
        if done:
            warehouse.followups.record_action(
                record_ids, action=DONE_ACTION, state=DONE, note=note, at=stamp, by=user
            )
            return [{"record_id": r, "state": DONE, "note": note} for r in record_ids]
        states = warehouse.followups.states_of(record_ids)
        expired = pd.to_datetime(states["expires_at"], utc=True) <= pd.Timestamp(stamp)
        result: list[dict[str, Any]] = []
        for state in (OPEN, EXPIRED):
            chosen = states.loc[expired == (state == EXPIRED), "record_id"].tolist()
            warehouse.followups.record_action(
                chosen, action=REOPENED_ACTION, state=state, note=note, at=stamp, by=user
            )
            result.extend({"record_id": r, "state": state, "note": None} for r in chosen)
    return result
