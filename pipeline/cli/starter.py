"""The commented starter configuration that `verbatim init` writes.

It is generated from the configuration model itself (`pipeline.config.Config`): every section,
every key with its description and its default, commented out. The file is valid as written (all
defaults), and uncommenting any line gives that key its default, so it can never drift from what
the loader accepts.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any, Final

from pydantic import BaseModel

from pipeline.config import Config

#: What the file says first.
HEADER: Final = """\
# Verbatim configuration. Every key is optional: what is commented out takes the default shown.
# Uncomment a line and change its value to set it; `verbatim run --config FILE` (or this file,
# named verbatim.toml, in the working directory) reads it. An unknown key or a wrong type stops
# every command with the file, the key and what was expected.
#
# The settings most teams change first:
#   [sources]                where new files arrive, per channel (glob patterns), and SQL queries
#   [ingest.survey]          which column holds the score, the comment, the date, the segments
#   [metrics] segments       the segments scores and drivers are broken down by
#   [followup] owners        which team owns which theme; quarantine_days between call-backs
#   [run] schedule           when `verbatim deploy` runs the nightly flow
#   [reports] out_dir        where every run writes the theme report, CX report and follow-ups
"""


def _toml_value(value: Any) -> str | None:
    """``value`` as a TOML value, or None when TOML cannot hold it (an unset key)."""
    rendered: str | None = None
    if isinstance(value, bool):
        rendered = "true" if value else "false"
    elif isinstance(value, int | float):
        rendered = repr(value)
    elif isinstance(value, str | Path):
        rendered = json.dumps(str(value), ensure_ascii=False)
    elif isinstance(value, list | tuple):
        items = [_toml_value(item) for item in value]
        rendered = "[" + ", ".join(item for item in items if item is not None) + "]"
    elif isinstance(value, dict):
        pairs = [
            f"{json.dumps(str(k), ensure_ascii=False)} = {_toml_value(v)}"
            for k, v in value.items()
            if _toml_value(v) is not None
        ]
        rendered = "{" + ", ".join(pairs) + "}"
    return rendered


def _section(model: BaseModel, name: str, lines: list[str]) -> None:
    kind = type(model)
    nested: list[tuple[str, BaseModel]] = []
    doc = (kind.__doc__ or "").strip().splitlines()
    lines += ["", f"[{name}]"]
    if doc:
        lines.append(f"# {doc[0]}")
    for key, info in kind.model_fields.items():
        value = getattr(model, key)
        if isinstance(value, BaseModel):
            nested.append((key, value))
            continue
        if info.description:
            lines.append(f"# {info.description}")
        rendered = _toml_value(value)
        if rendered is None:
            lines.append(f"# {key} =   (not set by default; give it a value to set it)")
        else:
            lines.append(f"# {key} = {rendered}")
    for key, value in nested:
        _section(value, f"{name}.{key}", lines)


def starter_config(cfg: Config | None = None) -> str:
    """The commented starter file for ``cfg`` (default: the built-in defaults)."""
    cfg = cfg or Config()
    lines = [HEADER.rstrip("\n")]
    for key in type(cfg).model_fields:
        _section(getattr(cfg, key), key, lines)
    return "\n".join(lines) + "\n"


def uncommented(text: str) -> str:
    """The starter file with every ``# key = value`` line made active (what tests load)."""
    active = []
    for line in text.splitlines():
        body = line[2:] if line.startswith("# ") else line
        if (
            line.startswith("# ")
            and " = " in body
            and "(not set by default" not in body
            and (body.split(" = ", 1)[0].replace("_", "").isalnum())
        ):
            active.append(body)
        elif not line.startswith("#"):
            active.append(line)
    return "\n".join(active) + "\n"
