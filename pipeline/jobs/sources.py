"""Where a run's new feedback comes from: file patterns per channel, and SQL queries.

A folder (or a pattern such as ``data/inbox/survey/*``) is read for the files of the source's
extensions (`pipeline.ingest.EXTENSIONS`); its other visible files are listed as skipped, so a
stray README or picture in an inbox is reported, not ingested. A file named outright is always
given to the reader, which says why when it cannot be used.

A query (``[[sources.queries]]``) runs against its database through SQLAlchemy; its rows are
written as a CSV snapshot, ``data/queries/<name>/<name>-<UTC time>.csv``, which is then ingested
like any file of its channel: the same column mapping, rejects naming the snapshot's line and
field, duplicates (rows fetched again) counted and not added. ``:since`` in a query is bound to
the time the last ingested snapshot of that query was fetched, so a query can ask only for rows
added since. A snapshot that was written but never ingested (a killed run) is replaced by the
next fetch, which covers it.
"""

from __future__ import annotations

import datetime as dt
import glob
import os
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Final

import pandas as pd

from pipeline.config import Config, QuerySource
from pipeline.errors import SourceError, SourceUnavailableError
from pipeline.ingest import EXTENSIONS
from pipeline.jobs.ingest import FileProblem
from pipeline.schemas import BATCHES
from pipeline.storage.warehouse import open_warehouse

#: When a query has never been fetched, :since is this.
EPOCH: Final = dt.datetime(1970, 1, 1, tzinfo=dt.UTC)
_STAMP_FORMAT: Final = "%Y%m%dT%H%M%S%fZ"
_VARIABLE = re.compile(r"\$\{(\w+)\}")


def snapshot_folder(cfg: Config, name: str) -> Path:
    """Folder of one query's snapshots (beside the warehouse)."""
    return cfg.warehouse.path.parent / "queries" / name


def _stamp_of(path: Path, name: str) -> dt.datetime | None:
    stem = path.stem
    if not stem.startswith(f"{name}-"):
        return None
    try:
        return dt.datetime.strptime(stem[len(name) + 1 :], _STAMP_FORMAT).replace(tzinfo=dt.UTC)
    except ValueError:
        return None


def last_fetch(cfg: Config, query: QuerySource) -> dt.datetime:
    """When the newest ingested snapshot of ``query`` was fetched (`EPOCH` if none)."""
    folder = snapshot_folder(cfg, query.name)
    if not cfg.warehouse.path.exists():
        return EPOCH
    with open_warehouse(cfg, read_only=True) as warehouse:
        if BATCHES.name not in warehouse.table_names():
            return EPOCH
        files = warehouse.records.batch_files(containing=f"{query.name}-")
    stamps = [
        stamp
        for file in files
        if Path(file).parent.name == folder.name
        and (stamp := _stamp_of(Path(file), query.name)) is not None
    ]
    return max(stamps, default=EPOCH)


def _url(query: QuerySource, index: int) -> str:
    def variable(match: re.Match[str]) -> str:
        value = os.environ.get(match.group(1))
        if value is None:
            raise SourceError(
                f"sources.queries[{index}] ({query.name}): url needs the environment variable "
                f"{match.group(1)}, which is not set"
            )
        return value

    return _VARIABLE.sub(variable, query.url)


def fetch_query(
    cfg: Config, query: QuerySource, *, index: int = 0, now: dt.datetime | None = None
) -> Path | None:
    """Run one query and write its rows as a snapshot CSV; None when it returned no rows.

    Raises:
        SourceUnavailableError: The database cannot be reached (the flow retries this).
        SourceError: The URL, the query or the driver is wrong.
    """
    import sqlalchemy
    from sqlalchemy import exc

    where = f"sources.queries[{index}] ({query.name})"
    since = last_fetch(cfg, query)
    started = now or dt.datetime.now(dt.UTC)
    statement = sqlalchemy.text(query.query)
    params = {"since": since} if ":since" in query.query else {}
    try:
        engine = sqlalchemy.create_engine(_url(query, index))
    except (exc.ArgumentError, exc.NoSuchModuleError, ImportError) as e:
        raise SourceError(f"{where}: url is not a usable SQLAlchemy URL ({e})") from e
    try:
        try:
            connection = engine.connect()
        except exc.SQLAlchemyError as e:
            # cannot connect: down, unreachable, locked, wrong credentials; worth retrying
            raise SourceUnavailableError(f"{where}: cannot read the database ({e})") from e
        with connection:
            rows = pd.read_sql_query(statement, connection, params=params)
    except (exc.SQLAlchemyError, pd.errors.DatabaseError) as e:
        raise SourceError(f"{where}: the query failed ({e})") from e
    finally:
        engine.dispose()
    folder = snapshot_folder(cfg, query.name)
    for stale in folder.glob(f"{query.name}-*.csv"):  # written, never ingested: covered now
        stamp = _stamp_of(stale, query.name)
        if stamp is not None and stamp > since:
            stale.unlink()
    if rows.empty:
        return None
    folder.mkdir(parents=True, exist_ok=True)
    target = folder / f"{query.name}-{started.strftime(_STAMP_FORMAT)}.csv"
    partial = target.with_suffix(".csv.partial")
    rows.to_csv(partial, index=False)
    partial.replace(target)
    return target


@dataclass
class Inputs:
    """A source's input files, and the files found beside them that are not of its kind.

    Attributes:
        files: Files to ingest, in order.
        skipped: Visible files of the given folders and patterns without the source's
            extensions (hidden files are left out silently).
    """

    files: list[Path] = field(default_factory=list)
    skipped: list[FileProblem] = field(default_factory=list)


def _literal_suffix(pattern: str) -> str:
    """The extension a glob pattern names outright ("*.txt" -> ".txt"; "*" or "*.*" -> "")."""
    suffix = Path(pattern).suffix.lower()
    return "" if any(char in suffix for char in "*?[") else suffix


def gather_inputs(paths: Iterable[str | Path], *, source: str) -> Inputs:
    """Expand folders (their visible files, sorted) and glob patterns to a source's files.

    Files named outright are kept whatever their extension. Of a folder's files and a
    pattern's matches, those with the source's extensions are kept and the others listed as
    skipped, unless the pattern names their extension itself (``exports/*.txt``). Paths that
    match nothing are kept as given, so the reader reports them as not found.

    Args:
        paths: Files, folders and glob patterns.
        source: survey, chat or social.

    Returns:
        The files to ingest and the files skipped.
    """
    extensions = EXTENSIONS[source]
    reason = f"not a {source} file: a folder is read for {', '.join(extensions)} files"
    inputs = Inputs()

    def sort(found: list[Path], *, wanted: tuple[str, ...]) -> None:
        for path in found:
            if path.suffix.lower() in wanted:
                inputs.files.append(path)
            else:
                inputs.skipped.append(FileProblem(str(path), source, reason))

    for item in paths:
        path = Path(item)
        if path.is_dir():
            found = sorted(p for p in path.iterdir() if p.is_file() and not p.name.startswith("."))
            sort(found, wanted=extensions)
        elif any(char in str(item) for char in "*?["):
            found = sorted(Path(p) for p in glob.glob(str(item)) if Path(p).is_file())
            named = _literal_suffix(str(item))
            sort(found, wanted=(*extensions, named) if named else extensions)
        else:
            inputs.files.append(path)
    return inputs


def source_inputs(cfg: Config, source: str, override: Sequence[str] | None = None) -> Inputs:
    """A run's inputs for one channel: the given paths, or the configured patterns and queries.

    Files come first (expanded patterns, see `gather_inputs`), then one fresh snapshot per
    query of that channel that returned rows.
    """
    if override is not None:
        return gather_inputs(override, source=source)
    inputs = gather_inputs(getattr(cfg.sources, source), source=source)
    for index, query in enumerate(cfg.sources.queries):
        if query.source == source:
            snapshot = fetch_query(cfg, query, index=index)
            if snapshot is not None:
                inputs.files.append(snapshot)
    return inputs
