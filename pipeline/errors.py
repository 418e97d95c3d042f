"""Exception types. Every message says what went wrong and what to do about it."""

from __future__ import annotations

from pathlib import Path


class VerbatimError(Exception):
    """Base class of every error the library raises on purpose."""


class ConfigError(VerbatimError):
    """The configuration file is missing, unreadable or invalid.

    Args:
        path: The configuration file (None for defaults given in code).
        key: Dotted key that is wrong, or "" for the whole file.
        problem: What is wrong and what was expected.
    """

    def __init__(self, path: Path | None, key: str, problem: str) -> None:
        self.path = path
        self.key = key
        self.problem = problem
        where = str(path) if path else "configuration"
        if key:
            where = f"{where}: key '{key}'"
        super().__init__(f"{where}: {problem}")


class InputFileError(VerbatimError):
    """An input file cannot be read at all; nothing from it is written.

    Args:
        path: The input file.
        problem: What is wrong with it.
        hint: What the user can do about it.
        line: Line (or row, or item) where the problem was found, if any.
        field: Column or key involved, if any.
    """

    def __init__(
        self,
        path: Path | str,
        problem: str,
        *,
        hint: str = "",
        line: int | None = None,
        field: str | None = None,
    ) -> None:
        self.path = Path(path)
        self.problem = problem
        self.hint = hint
        self.line = line
        self.field = field
        places = [f"line {line}"] if line is not None else []
        if field:
            places.append(f"field '{field}'")
        reason = f"{', '.join(places)}: {problem}" if places else problem
        if hint:
            reason = f"{reason}. {hint}"
        #: The message without the file's name (for a report that names the file beside it).
        self.reason = reason
        super().__init__(f"{path}, {reason}" if places else f"{path}: {reason}")


class WarehouseError(VerbatimError):
    """The warehouse cannot be opened, read or written."""


class WarehouseLockedError(WarehouseError):
    """Another process holds the warehouse open for writing."""

    def __init__(self, path: Path) -> None:
        self.path = path
        super().__init__(
            f"{path}: the warehouse is in use by another Verbatim process (an ingest or a run). "
            "Wait for it to finish and try again; nothing was written."
        )


class SourceError(VerbatimError):
    """A configured SQL source cannot be read (bad URL, bad query, missing variable)."""


class SourceUnavailableError(SourceError):
    """A configured database cannot be reached right now (worth retrying)."""


class RunLockedError(VerbatimError):
    """Another pipeline run holds the workspace's run lock.

    Args:
        path: The lock file.
        holder: Who holds it (pid and start time), as written in the lock file.
        waited: Seconds this run waited before giving up.
    """

    def __init__(self, path: Path, holder: str, waited: float) -> None:
        self.path = path
        self.holder = holder
        who = f" ({holder})" if holder else ""
        waited_text = f" after waiting {waited:.0f} s" if waited else ""
        super().__init__(
            f"{path}: another verbatim run is in progress{who}; this run stopped{waited_text} "
            "without touching the warehouse. Wait for it to finish, or pass --wait SECONDS "
            "(run.lock_wait in verbatim.toml) to queue behind it"
        )


class UnknownTableError(WarehouseError):
    """A table name that the warehouse does not hold."""

    def __init__(self, name: str, known: list[str]) -> None:
        self.name = name
        tables = ", ".join(sorted(known)) or "(none yet)"
        super().__init__(f"no warehouse table named '{name}'. Tables: {tables}")


class NotEnoughDataError(VerbatimError):
    """Too little data to train or measure something; the message says how much is needed."""


class DeliveryError(VerbatimError):
    """A follow-up delivery channel cannot send (a missing secret, a team without addresses).

    Not worth retrying at once: the message says what to set; the next run tries again.
    """


class UnknownValueError(VerbatimError):
    """An option or argument names something that does not exist (a segment, a metric…).

    Args:
        what: What the value names ("segment", "metric").
        value: The value given.
        valid: The values that would have worked.
        hint: What the user can do to get another value, if anything.
    """

    def __init__(self, what: str, value: object, valid: list[str], *, hint: str = "") -> None:
        self.what = what
        self.value = value
        self.valid = valid
        listed = ", ".join(valid) or "none"
        message = f"no {what} {str(value)!r}; valid: {listed}"
        if hint:
            message = f"{message}. {hint}"
        super().__init__(message)


class NoAnalyticsError(VerbatimError):
    """A command reads the analytics tables, and no analysis has run in this warehouse."""

    def __init__(self) -> None:
        super().__init__("no analytics yet: run `verbatim analyse` (or `verbatim run`)")


class PersonalDataError(VerbatimError):
    """An export would write personal data, and the user did not say that is intended.

    Args:
        table: The table asked for.
        alternative: The table with the same rows, redacted.
    """

    def __init__(self, table: str, alternative: str) -> None:
        self.table = table
        super().__init__(
            f"the {table} table holds the text exactly as received, personal data (e-mail "
            f"addresses, phone numbers, names) unredacted; pass --include-personal-data to "
            f"export it anyway, or export {alternative!r}, which holds the same text redacted"
        )
