"""Text rendering for the demo: phrase templates, noise, code-switching and personal data.

`Writer` expands the phrase banks of `pipeline.demo.phrases` and `pipeline.demo.chat_phrases`
(``@slot:`` lines and `` | ``-separated templates), joins driver clauses with contrast, and adds
typos, case noise, emoji, other-language clauses and fake names, e-mail addresses and phone
numbers. All randomness comes from the writer's seeded scalar generator.
"""

from __future__ import annotations

import functools
import random
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import TypeVar

import numpy as np

from pipeline.demo import chat_phrases, phrases
from pipeline.demo.drivers import BY_KEY

_T = TypeVar("_T")


@dataclass(frozen=True)
class _Bank:
    templates: tuple[str, ...]
    slots: Mapping[str, tuple[str, ...]]


def _split(text: str) -> list[str]:
    return [part.strip() for part in text.split(" | ") if part.strip()]


@functools.cache
def _parse(block: str) -> _Bank:
    """Parse a phrase block: ``@slot: a | b`` lines and lines of `` | ``-separated templates."""
    templates: list[str] = []
    slots: dict[str, list[str]] = {}
    for raw in block.splitlines():
        line = raw.strip()
        if line.startswith("@"):
            name, _, values = line[1:].partition(":")
            slots.setdefault(name.strip(), []).extend(_split(values))
        elif line:
            templates.extend(_split(line))
    return _Bank(tuple(templates), {name: tuple(values) for name, values in slots.items()})


_SLOT = re.compile(r"\{(\w+)\}")
_WORD = re.compile(r"\b[^\W\d_]{4,}\b")
_ASCII = str.maketrans({"æ": "ae", "ø": "oe", "å": "aa", "ä": "a", "ö": "o", "é": "e"})


class Writer:
    """Renders phrase templates and adds noise, with a seeded scalar random generator."""

    def __init__(self, seed: np.random.SeedSequence) -> None:
        self.rng = random.Random(int(seed.generate_state(1)[0]))

    def pick(self, items: Sequence[_T]) -> _T:
        """Return one of ``items``, uniformly at random."""
        return items[int(self.rng.random() * len(items))]

    def chance(self, probability: float) -> bool:
        """Return True with the given probability."""
        return self.rng.random() < probability

    def render(self, block: str, language: str, **values: str) -> str:
        """Fill a random template of ``block``; ``values`` fix slots, the rest are drawn."""
        bank, common = _parse(block), _parse(phrases.COMMON[language]).slots

        def fill(match: re.Match[str]) -> str:
            name = match.group(1)
            return (
                values[name] if name in values else self.pick(bank.slots.get(name) or common[name])
            )

        return _SLOT.sub(fill, self.pick(bank.templates))

    def driver(self, key: str, language: str) -> str:
        """Render a driver, now and then in another language (code-switching)."""
        if self.chance(0.04):
            language = "en" if language != "en" else self.pick(("da", "nb", "sv"))
        return self.render(phrases.DRIVER_PHRASES[key][language], language)

    def sentence(self, text: str, *, final: bool = True) -> str:
        """Capitalise a clause and end it with a full stop, "!" or (if final) sometimes nothing."""
        text = text[:1].upper() + text[1:]
        return text if text[-1:] in "?!." else text + self.pick("....!" + " " * final).strip()

    def join(self, clauses: Sequence[str], separator: str = " ") -> str:
        """Join clauses into sentences; with "; " they become one long sentence."""
        if separator == "; ":
            return self.sentence("; ".join(clauses))
        ends = [self.sentence(clause, final=False) for clause in clauses[:-1]]
        return separator.join([*ends, self.sentence(clauses[-1])])

    def clauses(self, keys: Sequence[str], language: str) -> list[str]:
        """One clause per driver; a promoter and a detractor are often joined by "but"."""
        positive = [key for key in keys if BY_KEY[key].kind == "promoter"]
        negative = [key for key in keys if BY_KEY[key].kind == "detractor"]
        clauses: list[str] = []
        if positive and negative and self.chance(0.7):
            pair = [self.driver(positive.pop(0), language), self.driver(negative.pop(0), language)]
            first, second = pair if self.chance(0.6) else pair[::-1]
            contrast = phrases.CONTRAST[language]
            if first.endswith("?"):
                clauses.append(f"{first} {contrast.capitalize()} {second}")
            else:
                clauses.append(f"{first}, {contrast} {second}")
        clauses += [self.driver(key, language) for key in positive + negative]
        self.rng.shuffle(clauses)
        return clauses

    def typos(self, text: str, rate: float) -> str:
        """Drop, swap or double one letter in a share ``rate`` of the words of 4+ letters."""

        def garble(match: re.Match[str]) -> str:
            word = match.group(0)
            if not self.chance(rate):
                return word
            i = int(self.rng.random() * (len(word) - 1))
            return self.pick(
                (word[:i] + word[i + 1 :], word[:i] + word[i + 1] + word[i] + word[i + 2 :],
                 word[: i + 1] + word[i:])
            )  # fmt: skip

        return _WORD.sub(garble, text)

    def noise(self, text: str, *, band: str, typo_share: float, emoji_share: float) -> str:
        """Typos in some texts, lower/upper case now and then, an emoji sometimes."""
        if self.chance(typo_share):
            text = self.typos(text, 0.12)
        draw = self.rng.random()
        if draw < 0.05:
            text = text.lower()
        elif draw < 0.07 and band == "detractor":
            text = text.upper()
        if self.chance(emoji_share):
            mood = {"promoter": "positive", "passive": "neutral"}.get(band, "negative")
            text = f"{text} {self.pick(chat_phrases.EMOJI[mood])}"
        return text

    def person(self) -> str:
        """Return a fake first name."""
        return self.pick(chat_phrases.NAMES)

    def handle(self) -> str:
        """Return a fake user name (no ``@``): a first name in ASCII, maybe digits."""
        name = self.person().lower().translate(_ASCII)
        digits = str(int(self.rng.random() * 10 ** (1 + int(self.rng.random() * 4))))
        return f"{name}{self.pick(('', '_', '.'))}{digits}"

    def personal_data(self, kind: str, language: str) -> str:
        """Render a sentence with a fake first name, e-mail address or phone number."""
        if kind == "email":
            domain = self.pick(("example.com", "example.org", "mail.example.com"))
            value = f"{self.handle()}@{domain}"
        elif kind == "phone":
            pattern = self.pick(chat_phrases.PHONES[language])
            value = "".join(str(int(self.rng.random() * 10)) if c == "#" else c for c in pattern)
        else:
            value = self.person()
        return self.render(chat_phrases.PII[kind][language], language, **{kind: value})


def append_sentence(text: str, addition: str) -> str:
    """Append a sentence, closing the previous one with a full stop if it is open."""
    return f"{text}{'. ' if text[-1:].isalnum() else ' '}{addition}"


def render_comment(
    writer: Writer, language: str, band: str, keys: list[str], newline: bool
) -> str:
    """Write one survey comment that mentions ``keys`` (or a generic one if there are none)."""
    generic = phrases.GENERIC[band][language]
    clauses = writer.clauses(keys, language) if keys else [writer.render(generic, language)]
    if keys and writer.chance(0.12):
        clauses.insert(0, writer.render(generic, language))
    kinds = {BY_KEY[key].kind for key in keys}
    if band == "passive" and len(kinds) == 1 and writer.chance(0.5):
        tone = "after_negative" if "detractor" in kinds else "after_positive"
        clauses.append(writer.render(phrases.HEDGE[tone][language], language))
    if newline and len(clauses) == 1:
        clauses.append(writer.render(generic, language))
    text = writer.join(clauses, "\n" if newline else writer.pick((" ", " ", " ", "; ")))
    return writer.noise(text, band=band, typo_share=0.15, emoji_share=0.06)
