"""The starter topic library shipped with Verbatim: what a product manager acts on.

Sub-themes are found in the data; *topics* are the causes people act on — waiting time,
staff attitude, billing, outages — and they are known before the first comment arrives. The
library is a set of *packs* under ``pipeline/resources/codeframe/<pack>.yaml``: ``generic``
(customer-experience topics for any industry, always on) and industry packs (``telecom``,
``retail``, ``banking``, ``travel``). Every topic has a name in da, nb, sv and en and example
phrases in all four, written for Verbatim from domain knowledge (never from an evaluation
set's labels)::

    pack: telecom
    description: Telecom and utilities
    topics:
      - id: mobile_coverage
        kind: cause            # cause | verdict | churn
        name: {en: Mobile coverage and signal, da: Mobildækning og signal, ...}
        phrases:
          en: [no signal at home, ...]
          da: [...]

``kind`` separates causes from the *general verdict* ("ok", "terrible": shown, never ranked)
and from *churn threats*. A file is read node by node, so every error names the file, the
line and the key.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Final, NoReturn

import yaml

from pipeline.themes.codeframe import CodeframeError

#: Languages every topic is named and exemplified in.
TOPIC_LANGUAGES: Final = ("da", "nb", "sv", "en")
#: What a topic is: a cause to act on, the general verdict, or churn threats.
KINDS: Final = ("cause", "verdict", "churn")
#: The pack that is always on.
GENERIC: Final = "generic"

_TOPIC_KEYS: Final = ("id", "kind", "name", "phrases")
_PACK_KEYS: Final = ("pack", "description", "topics")
_ID: Final = re.compile(r"[a-z][a-z0-9_]{1,40}")
_ID_HINT: Final = "write a short snake_case id such as 'waiting_time'"
_TEXT_HINT: Final = "write text; put text that looks like a number, yes/no or a date in quotes"


class TopicLibraryError(CodeframeError):
    """A topic pack is invalid, or an unknown pack was asked for.

    Raised as ``TopicLibraryError(path, line, key, problem)``: the file (None when no file is
    involved), the 1-based line if known, the entry involved (e.g. ``topics[2].phrases.sv``,
    "" for the file) and what is wrong; ``field`` holds the key.
    """


@dataclass(frozen=True)
class Topic:
    """One topic of the library.

    Attributes:
        topic_id: Stable snake_case id, unique over all packs.
        kind: One of KINDS.
        names: Name per language of TOPIC_LANGUAGES.
        phrases: Example phrases per language (lower case, as customers write them).
        pack: The pack it comes from.
    """

    topic_id: str
    kind: str
    names: Mapping[str, str]
    phrases: Mapping[str, tuple[str, ...]]
    pack: str

    def name(self, lang: str) -> str:
        """The topic's name in ``lang`` (English for a language it has no name in)."""
        return self.names.get(lang, self.names["en"])

    def all_phrases(self) -> tuple[str, ...]:
        """Its phrases in every language, in TOPIC_LANGUAGES order."""
        return tuple(p for lang in TOPIC_LANGUAGES for p in self.phrases[lang])


@dataclass(frozen=True)
class Pack:
    """A pack of topics: its name, description and topics in file order."""

    name: str
    description: str
    topics: tuple[Topic, ...]


class _Reader:
    """Turns the composed YAML nodes of one pack file into a Pack, or fails with a line."""

    def __init__(self, path: Path) -> None:
        self.path = path

    def fail(self, node: yaml.Node | None, key: str, problem: str) -> NoReturn:
        line = None if node is None else node.start_mark.line + 1
        raise TopicLibraryError(self.path, line, key, problem)

    def mapping(self, node: yaml.Node, key: str, allowed: Sequence[str]) -> dict[str, yaml.Node]:
        if not isinstance(node, yaml.MappingNode):
            self.fail(node, key, f"expected a mapping with {', '.join(allowed)}")
        out: dict[str, yaml.Node] = {}
        for name, value in node.value:
            label = f"{key}.{name.value}" if key else str(name.value)
            if not isinstance(name, yaml.ScalarNode) or name.value not in allowed:
                self.fail(name, label, f"unknown key; expected one of {', '.join(allowed)}")
            if name.value in out:
                self.fail(name, label, "given twice; keep one")
            out[name.value] = value
        missing = [name for name in allowed if name not in out]
        if missing:
            self.fail(node, key, f"missing {', '.join(missing)}")
        return out

    def text(self, node: yaml.Node, key: str) -> str:
        if not (isinstance(node, yaml.ScalarNode) and node.tag.endswith(":str")):
            self.fail(node, key, f"expected text; {_TEXT_HINT}")
        value = str(node.value).strip()
        if not value or "\n" in value:
            self.fail(node, key, "expected one non-empty line of text")
        return value

    def per_language(self, node: yaml.Node, key: str) -> dict[str, yaml.Node]:
        return self.mapping(node, key, TOPIC_LANGUAGES)

    def topic(self, node: yaml.Node, key: str, pack: str) -> Topic:
        fields = self.mapping(node, key, _TOPIC_KEYS)
        topic_id = self.text(fields["id"], f"{key}.id")
        if not _ID.fullmatch(topic_id):
            self.fail(fields["id"], f"{key}.id", f"'{topic_id}' is not a valid id; {_ID_HINT}")
        kind = self.text(fields["kind"], f"{key}.kind")
        if kind not in KINDS:
            self.fail(fields["kind"], f"{key}.kind", f"'{kind}' is not one of {', '.join(KINDS)}")
        names = {
            lang: self.text(value, f"{key}.name.{lang}")
            for lang, value in self.per_language(fields["name"], f"{key}.name").items()
        }
        phrases: dict[str, tuple[str, ...]] = {}
        for lang, value in self.per_language(fields["phrases"], f"{key}.phrases").items():
            label = f"{key}.phrases.{lang}"
            if not isinstance(value, yaml.SequenceNode) or not value.value:
                self.fail(value, label, "expected a non-empty list of phrases")
            found = [self.text(item, label).lower() for item in value.value]
            if len(set(found)) < len(found):
                twice = sorted({p for p in found if found.count(p) > 1})
                self.fail(value, label, f"{', '.join(twice)} given twice; keep one")
            phrases[lang] = tuple(found)
        return Topic(topic_id, kind, names, phrases, pack)

    def pack(self, text: str) -> Pack:
        try:
            root = yaml.compose(text, Loader=yaml.SafeLoader)
        except yaml.YAMLError as exc:
            mark = getattr(exc, "problem_mark", None)
            line = mark.line + 1 if mark is not None else None
            raise TopicLibraryError(self.path, line, "", f"not valid YAML: {exc}") from exc
        if root is None:
            self.fail(None, "", "the file is empty")
        fields = self.mapping(root, "", _PACK_KEYS)
        name = self.text(fields["pack"], "pack")
        description = self.text(fields["description"], "description")
        if not isinstance(fields["topics"], yaml.SequenceNode) or not fields["topics"].value:
            self.fail(fields["topics"], "topics", "expected a non-empty list of topics")
        topics = tuple(
            self.topic(node, f"topics[{i}]", name) for i, node in enumerate(fields["topics"].value)
        )
        _unique(topics, self)
        return Pack(name, description, topics)


def _unique(topics: Iterable[Topic], reader: _Reader | None = None) -> None:
    seen: set[str] = set()
    for topic in topics:
        if topic.topic_id in seen:
            problem = f"topic id '{topic.topic_id}' is used twice; ids must be unique"
            if reader is not None:
                reader.fail(None, "topics", problem)
            raise TopicLibraryError(None, None, topic.topic_id, problem)
        seen.add(topic.topic_id)


def read_pack(path: Path, text: str | None = None) -> Pack:
    """Read and validate one pack file.

    Args:
        path: The file (named in errors).
        text: Its content, when already read.

    Raises:
        TopicLibraryError: Naming the file, line and key of the first problem.
    """
    if text is None:
        try:
            text = path.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            raise TopicLibraryError(path, None, "", f"cannot read the file: {exc}") from exc
    return _Reader(path).pack(text)


def _folder() -> Path:
    return Path(str(resources.files("pipeline") / "resources" / "codeframe"))


def pack_names() -> tuple[str, ...]:
    """The shipped packs: ``generic`` first, then the industry packs by name."""
    names = sorted(path.stem for path in _folder().glob("*.yaml"))
    return (GENERIC, *(name for name in names if name != GENERIC))


@cache
def shipped_pack(name: str) -> Pack:
    """A shipped pack by name.

    Raises:
        TopicLibraryError: For an unknown pack (listing the valid ones).
    """
    if name not in pack_names():
        raise TopicLibraryError(
            None, None, name, f"no such pack; choose from {', '.join(pack_names())}"
        )
    path = _folder() / f"{name}.yaml"
    return read_pack(path)


def starter_topics(packs: Sequence[str] = ()) -> tuple[Topic, ...]:
    """The generic topics, then those of each industry pack asked for (in the given order).

    Raises:
        TopicLibraryError: For an unknown pack, or one topic id in two packs.
    """
    chosen = [GENERIC, *(name for name in dict.fromkeys(packs) if name != GENERIC)]
    topics = tuple(topic for name in chosen for topic in shipped_pack(name).topics)
    _unique(topics)
    return topics
