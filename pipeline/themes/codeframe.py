"""The codeframe: a person's edits to the themes, kept in ``themes.yaml`` across refits.

Themes are found by a model, but people name, merge and hide them. Those edits refer to themes
by id (``theme_id`` in the warehouse, as shown by ``verbatim themes list``) and live in a small
YAML file that survives every refit::

    rename:
      12: Waiting time on the phone
    merge:
      15: 12        # theme 15 is folded into theme 12
    hide: [7, 9]
    seed:
      - name: Refund requests
        phrases: [refund, money back, pengene tilbage]

All four sections are optional; a missing or empty file is the empty codeframe. The file is
read node by node so every error names the line and the field to fix.
"""

from __future__ import annotations

import os
import re
import tempfile
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from numbers import Integral
from pathlib import Path
from types import MappingProxyType
from typing import Any, Final, NoReturn

import numpy as np
import pandas as pd
import yaml

from pipeline.errors import VerbatimError

#: The first line of every saved codeframe.
HEADER: Final = (
    "# Verbatim codeframe: edits to the themes, kept across refits. "
    "Ids are from `verbatim themes list`.\n"
)
#: The sections of ``themes.yaml``, in the order they are written.
SECTIONS: Final = ("rename", "merge", "hide", "seed")
#: Shortest and longest theme or seed name, in characters.
NAME_MIN: Final = 2
NAME_MAX: Final = 80

_SEED_KEYS: Final = ("name", "phrases")
_TAG: Final = "tag:yaml.org,2002:"
_DIGITS: Final = re.compile(r"[0-9]+")
_NAME_HINT: Final = "give a short one-line label such as 'Waiting time on the phone'"
_CYCLE_HINT: Final = "a theme cannot end up merged into itself; remove one of these merges"
_ID_HINT: Final = "use the ids shown by `verbatim themes list`"
_TWICE_HINT: Final = "keep one of the two lines"
_PHRASES: Final = "a list of phrases, e.g. [refund, money back]"


class CodeframeError(VerbatimError):
    """The codeframe file or an edit to the codeframe is invalid.

    Args:
        path: The codeframe file (None for an edit made in code).
        line: 1-based line of the offending entry, if known.
        field: The entry involved, e.g. ``merge.15`` or ``seed[0].phrases`` ("" for the file).
        problem: What is wrong.
        hint: What to do about it.
    """

    def __init__(
        self,
        path: Path | None,
        line: int | None,
        field: str,
        problem: str,
        hint: str = "",
    ) -> None:
        self.path = path
        self.line = line
        self.field = field
        self.problem = problem
        self.hint = hint
        where = str(path) if path else "codeframe"
        if line is not None:
            where = f"{where}, line {line}"
        if field:
            where = f"{where}, field '{field}'"
        message = f"{where}: {problem}"
        if hint:
            message = f"{message}; {hint}"
        super().__init__(message)


def _name_problem(name: object) -> str | None:
    """Why ``name`` cannot name a theme or a seed (None when it can)."""
    if not isinstance(name, str):
        return f"a name must be text, got {name!r}"
    text = name.strip()
    if "\n" in text or "\r" in text:
        return "a name must fit on one line"
    if len(text) < NAME_MIN:
        return f"a name needs at least {NAME_MIN} characters, got {text!r}"
    if len(text) > NAME_MAX:
        return f"a name can have at most {NAME_MAX} characters, this one has {len(text)}"
    return None


def _id_problem(theme_id: object) -> str | None:
    """Why ``theme_id`` is not a theme id (None when it is)."""
    if isinstance(theme_id, bool) or not isinstance(theme_id, Integral):
        return f"a theme id is a whole number, got {theme_id!r}"
    if int(theme_id) < 0:
        return f"theme ids are 0 or more (-1 is the outlier theme), got {theme_id}"
    return None


def _cycle(merge: Mapping[int, int], source: int) -> list[int] | None:
    """The merge chain from ``source`` back to itself, or None when it ends elsewhere."""
    chain = [source]
    seen = {source}
    current = merge.get(source)
    while current is not None:
        chain.append(current)
        if current == source:
            return chain
        if current in seen:
            return None  # a cycle further down the chain; reported from its own source
        seen.add(current)
        current = merge.get(current)
    return None


def _arrows(chain: Iterable[int]) -> str:
    return " → ".join(str(theme_id) for theme_id in chain)


def _invalid(field: str, problem: str, hint: str) -> NoReturn:
    """Reject an edit made in code (no file, no line)."""
    raise CodeframeError(None, None, field, problem, hint)


@dataclass(frozen=True)
class Seed:
    """A theme a person expects, described by phrases (a guided-topic seed).

    Attributes:
        name: The theme's name, 2 to 80 characters, surrounding spaces removed.
        phrases: Words or phrases that mark the theme, at least one, none blank.
    """

    name: str
    phrases: tuple[str, ...]

    def __post_init__(self) -> None:
        problem = _name_problem(self.name)
        if problem:
            _invalid("seed.name", problem, _NAME_HINT)
        phrases = (self.phrases,) if isinstance(self.phrases, str) else tuple(self.phrases)
        if not phrases or not all(isinstance(p, str) and p.strip() for p in phrases):
            _invalid("seed.phrases", f"expected non-blank phrases, got {phrases!r}", _PHRASES)
        object.__setattr__(self, "name", self.name.strip())
        object.__setattr__(self, "phrases", tuple(phrase.strip() for phrase in phrases))


@dataclass(frozen=True)
class Codeframe:
    """Edits to the themes by theme id; immutable, every edit returns a new codeframe.

    Attributes:
        rename: New name per theme id.
        merge: Target per merged theme id (the source's units go to the target); no cycles.
        hide: Theme ids not shown in reports.
        seeds: Themes a person expects, for guided fitting; names unique in any case.
    """

    rename: Mapping[int, str] = field(default_factory=dict)
    merge: Mapping[int, int] = field(default_factory=dict)
    hide: frozenset[int] = frozenset()
    seeds: tuple[Seed, ...] = ()

    def __post_init__(self) -> None:
        for theme_id, name in self.rename.items():
            problem = _id_problem(theme_id) or _name_problem(name)
            if problem:
                _invalid(f"rename.{theme_id}", problem, _NAME_HINT)
        for source, target in self.merge.items():
            problem = _id_problem(source) or _id_problem(target)
            if problem:
                _invalid(f"merge.{source}", problem, _ID_HINT)
        for theme_id in self.hide:
            problem = _id_problem(theme_id)
            if problem:
                _invalid("hide", problem, _ID_HINT)
        merge = {int(k): int(v) for k, v in sorted(self.merge.items())}
        for source in merge:
            chain = _cycle(merge, source)
            if chain:
                _invalid("merge", f"merges form a cycle: {_arrows(chain)}", _CYCLE_HINT)
        seeds = tuple(self.seeds)
        if len({seed.name.casefold() for seed in seeds}) < len(seeds):
            _invalid("seed", "two seeds have the same name", "give each seed its own name")
        rename = {int(k): v.strip() for k, v in sorted(self.rename.items())}
        object.__setattr__(self, "rename", MappingProxyType(rename))
        object.__setattr__(self, "merge", MappingProxyType(merge))
        object.__setattr__(self, "hide", frozenset(int(theme_id) for theme_id in self.hide))
        object.__setattr__(self, "seeds", seeds)

    def __hash__(self) -> int:
        return hash((tuple(self.rename.items()), tuple(self.merge.items()), self.hide, self.seeds))

    @property
    def is_empty(self) -> bool:
        """True when the codeframe holds no edit at all."""
        return not (self.rename or self.merge or self.hide or self.seeds)

    def renamed(self, theme_id: int, name: str) -> Codeframe:
        """This codeframe with theme ``theme_id`` named ``name`` (replacing an earlier name)."""
        return replace(self, rename={**self.rename, theme_id: name})

    def merged(self, source: int, target: int) -> Codeframe:
        """This codeframe with theme ``source`` folded into theme ``target``.

        Raises:
            CodeframeError: With field ``merge`` when ``source`` is ``target`` or when
                ``target`` is already merged, directly or along a chain, into ``source``.
        """
        if source == target:
            _invalid("merge", f"theme {source} cannot be merged into itself", "pick another one")
        merge = {**self.merge, source: target}
        chain = _cycle(merge, source)
        if chain:
            problem = f"merging theme {source} into {target} makes a cycle: {_arrows(chain)}"
            _invalid("merge", problem, _CYCLE_HINT)
        return replace(self, merge=merge)

    def hidden(self, theme_id: int) -> Codeframe:
        """This codeframe with theme ``theme_id`` hidden."""
        return replace(self, hide=self.hide | {theme_id})

    def unhidden(self, theme_id: int) -> Codeframe:
        """This codeframe with theme ``theme_id`` shown again (no change if it was not hidden)."""
        return replace(self, hide=self.hide - {theme_id})

    def seeded(self, name: str, phrases: Iterable[str]) -> Codeframe:
        """This codeframe with a seed theme; a seed of the same name (any case) is replaced."""
        seed = Seed(name, tuple(phrases))
        key = seed.name.casefold()
        seeds = [seed if old.name.casefold() == key else old for old in self.seeds]
        if seed not in seeds:
            seeds.append(seed)
        return replace(self, seeds=tuple(seeds))

    def resolve(self, theme_id: int) -> int:
        """The theme that ``theme_id``'s units end up in, following merge chains.

        Example: with ``15 → 12`` and ``12 → 3``, ``resolve(15) == 3``; an unmerged id resolves
        to itself.
        """
        current = int(theme_id)
        while current in self.merge:
            current = self.merge[current]
        return current


class _Reader:
    """Turns the composed YAML nodes of one file into a Codeframe, or fails with a line."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.constructor = yaml.constructor.SafeConstructor()

    def fail(self, node: yaml.Node, field: str, problem: str, hint: str) -> NoReturn:
        raise CodeframeError(self.path, node.start_mark.line + 1, field, problem, hint)

    @staticmethod
    def is_scalar(node: yaml.Node, kind: str) -> bool:
        return isinstance(node, yaml.ScalarNode) and node.tag == f"{_TAG}{kind}"

    def expected(self, node: yaml.Node, field: str, what: str, hint: str = "") -> NoReturn:
        if isinstance(node, yaml.MappingNode | yaml.SequenceNode):
            got = "a mapping" if isinstance(node, yaml.MappingNode) else "a list"
        else:
            got = "nothing" if self.is_scalar(node, "null") else repr(node.value)
        self.fail(node, field, f"expected {what}, got {got}", hint or f"write {what}")

    def pairs(self, node: yaml.Node, field: str, what: str) -> list[tuple[yaml.Node, yaml.Node]]:
        if self.is_scalar(node, "null"):
            return []
        if not isinstance(node, yaml.MappingNode):
            self.expected(node, field, what)
        return list(node.value)

    def items(self, node: yaml.Node, field: str, what: str) -> list[yaml.Node]:
        if self.is_scalar(node, "null"):
            return []
        if not isinstance(node, yaml.SequenceNode):
            self.expected(node, field, what)
        return list(node.value)

    def theme_id(self, node: yaml.Node, field: str) -> int:
        value: Any = None
        if self.is_scalar(node, "int"):
            value = self.constructor.construct_object(node)
        elif self.is_scalar(node, "str") and _DIGITS.fullmatch(node.value.strip()):
            value = int(node.value.strip())
        if value is None:
            self.expected(node, field, "a theme id (a whole number)", _ID_HINT)
        problem = _id_problem(value)
        if problem:
            self.fail(node, field, problem, _ID_HINT)
        return int(value)

    def text(self, node: yaml.Node, field: str, what: str) -> str:
        if not self.is_scalar(node, "str"):
            hint = "write text; put text that looks like a number, yes/no or a date in quotes"
            self.expected(node, field, what, hint)
        return str(node.value)

    def name(self, node: yaml.Node, field: str) -> str:
        name = self.text(node, field, "a name")
        problem = _name_problem(name)
        if problem:
            self.fail(node, field, problem, _NAME_HINT)
        return name.strip()

    def rename(self, node: yaml.Node) -> dict[int, str]:
        rename: dict[int, str] = {}
        for key, value in self.pairs(node, "rename", "a mapping of theme id: new name"):
            theme_id = self.theme_id(key, f"rename.{key.value}")
            if theme_id in rename:
                self.fail(key, f"rename.{theme_id}", "the theme is renamed twice", _TWICE_HINT)
            rename[theme_id] = self.name(value, f"rename.{theme_id}")
        return rename

    def merge(self, node: yaml.Node) -> dict[int, int]:
        merge: dict[int, int] = {}
        keys: dict[int, yaml.Node] = {}
        for key, value in self.pairs(node, "merge", "a mapping of theme id: target theme id"):
            source = self.theme_id(key, f"merge.{key.value}")
            if source in merge:
                self.fail(key, f"merge.{source}", "the theme is merged twice", _TWICE_HINT)
            merge[source] = self.theme_id(value, f"merge.{source}")
            if merge[source] == source:
                problem = f"theme {source} is merged into itself"
                self.fail(
                    key, f"merge.{source}", problem, "remove the line or pick another target"
                )
            keys[source] = key
        for source, key in reversed(keys.items()):  # the line written last closes the cycle
            chain = _cycle(merge, source)
            if chain:
                problem = f"merges form a cycle: {_arrows(chain)}"
                self.fail(key, f"merge.{source}", problem, _CYCLE_HINT)
        return merge

    def hide(self, node: yaml.Node) -> frozenset[int]:
        items = self.items(node, "hide", "a list of theme ids, e.g. [7, 9]")
        return frozenset(self.theme_id(item, f"hide[{i}]") for i, item in enumerate(items))

    def seeds(self, node: yaml.Node) -> tuple[Seed, ...]:
        seeds: list[Seed] = []
        for i, item in enumerate(self.items(node, "seed", "a list of seeds")):
            where = f"seed[{i}]"
            found: dict[str, yaml.Node] = {}
            for key, value in self.pairs(item, where, "a mapping with name and phrases"):
                if key.value not in _SEED_KEYS or key.value in found:
                    how = "appears twice" if key.value in found else "is not a seed key"
                    hint = "a seed has only the keys name and phrases"
                    self.fail(key, f"{where}.{key.value}", f"'{key.value}' {how}", hint)
                found[key.value] = value
            for key in _SEED_KEYS:
                if key not in found:
                    hint = "a seed needs a name and a list of phrases"
                    self.fail(item, f"{where}.{key}", f"the seed has no {key}", hint)
            name = self.name(found["name"], f"{where}.name")
            if any(seed.name.casefold() == name.casefold() for seed in seeds):
                hint = "give each seed its own name, or join their phrases"
                self.fail(found["name"], f"{where}.name", f"a seed named {name!r} is above", hint)
            seeds.append(Seed(name, self.phrases(found["phrases"], f"{where}.phrases")))
        return tuple(seeds)

    def phrases(self, node: yaml.Node, field: str) -> tuple[str, ...]:
        items = self.items(node, field, _PHRASES)
        if not items:
            self.fail(node, field, "a seed needs at least one phrase", f"write {_PHRASES}")
        phrases = []
        for j, item in enumerate(items):
            phrase = self.text(item, f"{field}[{j}]", "a phrase").strip()
            if not phrase:
                self.fail(item, f"{field}[{j}]", "the phrase is blank", "remove it")
            phrases.append(phrase)
        return tuple(phrases)

    def codeframe(self, root: yaml.Node | None) -> Codeframe:
        if root is None or self.is_scalar(root, "null"):
            return Codeframe()
        allowed = ", ".join(SECTIONS)
        sections: dict[str, yaml.Node] = {}
        for key, value in self.pairs(root, "", f"a mapping with the sections {allowed}"):
            name = str(key.value) if isinstance(key, yaml.ScalarNode) else "?"
            if name not in SECTIONS:
                self.fail(key, name, f"unknown section '{name}'", f"the sections are {allowed}")
            if name in sections:
                self.fail(key, name, f"section '{name}' appears twice", "join the two into one")
            sections[name] = value
        null = yaml.ScalarNode(f"{_TAG}null", "")
        return Codeframe(
            rename=self.rename(sections.get("rename", null)),
            merge=self.merge(sections.get("merge", null)),
            hide=self.hide(sections.get("hide", null)),
            seeds=self.seeds(sections.get("seed", null)),
        )


def load_codeframe(path: Path) -> Codeframe:
    """Read and check a codeframe file.

    Args:
        path: The ``themes.yaml`` file; it need not exist.

    Returns:
        The codeframe; empty when the file is missing or empty.

    Raises:
        CodeframeError: When the file cannot be read, is not YAML, or breaks a rule (an id that
            is not a whole number, a name shorter than 2 or longer than 80 characters, a seed
            without phrases, two seeds of one name, merges in a cycle…); the error names the
            line and the field.
    """
    path = Path(path)
    if not path.exists():
        return Codeframe()
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as e:
        hint = "check it is a readable file saved as UTF-8"
        raise CodeframeError(path, None, "", f"cannot read the file ({e})", hint) from e
    try:
        root = yaml.compose(text, Loader=yaml.SafeLoader)
    except yaml.YAMLError as e:
        mark = getattr(e, "problem_mark", None)
        problem = f"not valid YAML ({getattr(e, 'problem', None) or e})"
        hint = "fix the line; text containing ': ' or starting with a symbol needs quotes"
        raise CodeframeError(path, mark.line + 1 if mark else None, "", problem, hint) from e
    return _Reader(path).codeframe(root)


class _Dumper(yaml.SafeDumper):
    """Indents lists under their key, as people write them."""

    def increase_indent(self, flow: bool = False, indentless: bool = False) -> None:
        super().increase_indent(flow, False)


def _dump(section: Mapping[str, Any], *, flow: bool | None) -> str:
    options = {"allow_unicode": True, "sort_keys": False, "width": 99}
    return str(yaml.dump(dict(section), Dumper=_Dumper, default_flow_style=flow, **options))


def codeframe_text(codeframe: Codeframe) -> str:
    """The ``themes.yaml`` text of a codeframe: header, then the non-empty sections by id.

    Args:
        codeframe: The codeframe to write.

    Returns:
        YAML text, lists of ids and phrases on one line each.
    """
    parts = [HEADER]
    if codeframe.rename:
        parts.append(_dump({"rename": dict(sorted(codeframe.rename.items()))}, flow=False))
    if codeframe.merge:
        parts.append(_dump({"merge": dict(sorted(codeframe.merge.items()))}, flow=False))
    if codeframe.hide:
        parts.append(_dump({"hide": sorted(codeframe.hide)}, flow=None))
    if codeframe.seeds:
        seeds = [{"name": seed.name, "phrases": list(seed.phrases)} for seed in codeframe.seeds]
        parts.append(_dump({"seed": seeds}, flow=None))
    return "".join(parts)


def save_codeframe(codeframe: Codeframe, path: Path) -> None:
    """Write a codeframe to ``path`` atomically (a reader sees the old file or the new one).

    Args:
        codeframe: The codeframe to write; ``load_codeframe`` reads back an equal one.
        path: The ``themes.yaml`` file; its folder is created when missing.

    Raises:
        CodeframeError: When the file cannot be written.
    """
    path = Path(path)
    text = codeframe_text(codeframe)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        handle, temporary = tempfile.mkstemp(
            prefix=f".{path.name}.", suffix=".tmp", dir=path.parent
        )
        try:
            with os.fdopen(handle, "w", encoding="utf-8", newline="\n") as out:
                out.write(text)
                out.flush()
                os.fsync(out.fileno())
            os.replace(temporary, path)
        except BaseException:
            Path(temporary).unlink(missing_ok=True)
            raise
    except OSError as e:
        raise CodeframeError(
            path, None, "", f"cannot write the file ({e.strerror})", "check the folder is writable"
        ) from e


_THEME_COLUMNS: Final = ("theme_id", "label", "status", "parent_id")


def apply_codeframe(themes: pd.DataFrame, codeframe: Codeframe) -> pd.DataFrame:
    """Apply a codeframe's renames, hides and merges to a themes table.

    Ids the codeframe mentions that are not in ``themes`` are ignored, and so is a merge whose
    resolved target is not in ``themes``. Retired themes keep status ``retired`` (a rename
    still changes their label). A theme both hidden and merged is ``merged``.

    Args:
        themes: One row per theme with at least ``theme_id`` (int), ``label`` (str),
            ``status`` ("active", "hidden", "merged" or "retired") and ``parent_id``
            (nullable Int64). Not modified.
        codeframe: The edits.

    Returns:
        A new frame, same rows and index, with ``label``, ``status``, ``label_source``
        ("codeframe" for renamed themes; otherwise the existing value, or "auto" when the
        column is new) and ``merged_into`` (nullable Int64: the resolved target of merged
        themes; otherwise the existing value, or missing when the column is new).

    Raises:
        ValueError: When a required column is missing.
    """
    missing = [column for column in _THEME_COLUMNS if column not in themes.columns]
    if missing:
        raise ValueError(f"themes has no column {', '.join(missing)}")
    result = themes.copy()
    ids = result["theme_id"]
    known = set(ids.tolist())
    if "label_source" not in result.columns:
        result["label_source"] = "auto"
    if "merged_into" in result.columns:
        result["merged_into"] = result["merged_into"].astype("Int64")
    else:
        result["merged_into"] = pd.Series(pd.NA, index=result.index, dtype="Int64")
    editable = result["status"].ne("retired")

    rename = {theme_id: name for theme_id, name in codeframe.rename.items() if theme_id in known}
    renamed = ids.isin(list(rename))
    result.loc[renamed, "label"] = ids[renamed].map(rename)
    result.loc[renamed, "label_source"] = "codeframe"

    hidden = ids.isin(sorted(codeframe.hide)) & editable
    result.loc[hidden, "status"] = "hidden"

    targets = {source: codeframe.resolve(source) for source in codeframe.merge if source in known}
    targets = {source: target for source, target in targets.items() if target in known}
    merged = ids.isin(list(targets)) & editable
    result.loc[merged, "status"] = "merged"
    result.loc[merged, "merged_into"] = ids[merged].map(targets).astype("Int64")
    return result


def resolve_theme_ids(theme_ids: np.ndarray, codeframe: Codeframe) -> np.ndarray:
    """Map every merged theme id to the theme its units end up in.

    Args:
        theme_ids: Theme id per unit, any integer dtype and shape; -1 (outlier) stays -1.
        codeframe: The edits; only its merges are used.

    Returns:
        A new array of the same shape and dtype.
    """
    ids = np.asarray(theme_ids)
    result = ids.copy()
    if not codeframe.merge or ids.size == 0:
        return result
    sources = np.array(sorted(codeframe.merge), dtype=np.int64)
    targets = np.array([codeframe.resolve(source) for source in sources], dtype=np.int64)
    position = np.clip(np.searchsorted(sources, ids), 0, len(sources) - 1)
    hit = sources[position] == ids
    result[hit] = targets[position[hit]]
    return result


def unknown_ids(codeframe: Codeframe, known: Iterable[int]) -> list[int]:
    """Theme ids the codeframe mentions that are not among ``known``.

    Args:
        codeframe: The edits; rename ids, merge sources and targets, and hidden ids count.
        known: The theme ids that exist (e.g. the warehouse's ``theme_id`` column).

    Returns:
        The unknown ids, sorted.
    """
    mentioned = {*codeframe.rename, *codeframe.merge, *codeframe.merge.values(), *codeframe.hide}
    return sorted(mentioned - {int(theme_id) for theme_id in known})
