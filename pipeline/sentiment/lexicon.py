"""Lexicon features: AFINN (Danish, English), VADER (English), emoji, and core Nordic words.

The AFINN word lists are read from the installed ``afinn`` package; VADER comes from
``vadersentiment``. Swedish and Norwegian have no packaged lexicon, so Norwegian uses the Danish
AFINN list (the written languages share most of their vocabulary) and both get a small core list
written for this project.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Final

import numpy as np

if TYPE_CHECKING:
    from vaderSentiment.vaderSentiment import SentimentIntensityAnalyzer

#: Names of the columns of :func:`lexicon_features`, in order.
FEATURES: Final = (
    "lex_positive",
    "lex_negative",
    "vader_compound",
    "emoji_positive",
    "emoji_negative",
    "question",
    "exclamation",
    "length",
)

_NEGATORS: Final = frozenset(
    {
        "not", "no", "never", "nothing", "nobody", "cannot", "cant", "dont", "didnt",
        "doesnt", "isnt", "wasnt", "wont", "arent", "havent", "hasnt", "ikke", "ikkje",
        "ingen", "intet", "aldrig", "aldri", "inte", "ej", "inget", "inga", "icke",
    }
)  # fmt: skip
_NEGATION_REACH: Final = 3

# Core words for Swedish and Norwegian (valence -5..5), written for this project.
_CORE_SV: Final = {
    "bra": 2, "jättebra": 3, "toppen": 3, "utmärkt": 4, "fantastisk": 4, "fantastiskt": 4,
    "underbar": 4, "härlig": 3, "härligt": 3, "nöjd": 2, "nöjda": 2, "glad": 2, "snabb": 1,
    "snabbt": 1, "smidigt": 2, "smidig": 2, "trevlig": 2, "trevligt": 2, "vänlig": 2,
    "hjälpsam": 2, "proffsig": 2, "proffsigt": 2, "rekommenderar": 2, "rekommendera": 2,
    "tack": 2, "tacksam": 2, "bäst": 3, "perfekt": 3, "enkelt": 1, "prisvärt": 2, "gott": 2,
    "god": 2, "skön": 2, "superb": 4, "imponerad": 3, "älskar": 3, "dålig": -2, "dåligt": -2,
    "dåliga": -2, "usel": -3, "uselt": -3, "sämst": -3, "sämre": -2, "besviken": -2,
    "besvikna": -2, "besvikelse": -2, "missnöjd": -2, "arg": -3, "irriterad": -2,
    "katastrof": -4, "katastrofalt": -4, "värdelös": -3, "värdelöst": -3, "oförskämd": -3,
    "otrevlig": -2, "otrevligt": -2, "långsam": -2, "långsamt": -2, "dyrt": -1, "dyr": -1,
    "problem": -1, "fel": -1, "krånglig": -2, "krångligt": -2, "aldrig": -1, "tråkig": -2,
    "tråkigt": -2, "hemsk": -3, "hemskt": -3, "bedrövligt": -3, "oacceptabelt": -3,
    "försenad": -2, "försenat": -2, "trasig": -2, "trasigt": -2, "klagomål": -2,
}  # fmt: skip
_CORE_NB: Final = {
    "bra": 2, "kjempebra": 3, "supert": 3, "utmerket": 4, "fantastisk": 4, "flott": 3,
    "fornøyd": 2, "glad": 2, "rask": 1, "raskt": 1, "greit": 1, "hyggelig": 2, "vennlig": 2,
    "hjelpsom": 2, "hjelpsomme": 2, "anbefaler": 2, "anbefale": 2, "takk": 2, "takknemlig": 2,
    "best": 3, "perfekt": 3, "enkelt": 1, "elsker": 3, "herlig": 3, "nydelig": 3,
    "dårlig": -2, "dårlige": -2, "elendig": -3, "elendige": -3, "verst": -3, "verre": -2,
    "skuffet": -2, "skuffende": -2, "skuffelse": -2, "misfornøyd": -2, "sint": -3,
    "irritert": -2, "katastrofe": -4, "ubrukelig": -3, "frekk": -3, "uhøflig": -2,
    "treg": -2, "tregt": -2, "dyrt": -1, "dyr": -1, "problem": -1, "problemer": -1, "feil": -1,
    "tungvint": -2, "kjedelig": -2, "forferdelig": -3, "uakseptabelt": -3, "forsinket": -2,
    "ødelagt": -2, "klage": -2, "håpløst": -3, "håpløs": -3, "trist": -2,
}  # fmt: skip

# Emoji polarity, written for this project (the lexicons cover ASCII emoticons only).
_EMOJI_POSITIVE: Final = frozenset(
    "😀😃😄😁😆😊☺🙂😍🥰😘😻❤💕💖💙💚💛💜🧡👍👏🙌🙏🎉🥳⭐🌟✨💯✅🤩😎👌💪🤗"
)
_EMOJI_NEGATIVE: Final = frozenset("😠😡🤬😤😞😒😔😟😕🙁☹😣😖😫😩😢😭😱🤮🤢💩👎🙄😑😐💔❌⛔😬🥵🤦")

_WORD: Final = re.compile(r"[^\W\d_]+(?:['\u2019][^\W\d_]+)?", re.UNICODE)


def _afinn_file(name: str) -> Path:
    import afinn

    return Path(afinn.__file__).parent / "data" / name


@cache
def _afinn(language: str) -> dict[str, float]:
    """AFINN's word list for ``da`` or ``en``: word (or phrase) → valence."""
    name = {"da": "AFINN-da-32.txt", "en": "AFINN-en-165.txt"}[language]
    table: dict[str, float] = {}
    for line in _afinn_file(name).read_text(encoding="utf-8").splitlines():
        word, _, value = line.rpartition("\t")
        if word:
            table[word.lower()] = float(value)
    return table


@cache
def _lexicon(lang: str) -> dict[str, float]:
    """The word list used for a language (unknown languages get English's)."""
    if lang in {"da", "nb", "sv"}:
        table = dict(_afinn("da"))
        table.update({"nb": _CORE_NB, "sv": _CORE_SV}.get(lang, {}))
        return table
    return _afinn("en")


@cache
def _vader() -> SentimentIntensityAnalyzer:
    from vaderSentiment.vaderSentiment import SentimentIntensityAnalyzer

    return SentimentIntensityAnalyzer()


def _word_valences(words: list[str], table: dict[str, float]) -> tuple[float, float]:
    """Sum of positive and of negative valence, with two-word phrases and negation."""
    positive = negative = 0.0
    negated_until = -1
    i = 0
    while i < len(words):
        word = words[i]
        if word in _NEGATORS or word.endswith(("n't", "n\u2019t")):
            negated_until = i + _NEGATION_REACH
            i += 1
            continue
        value = 0.0
        if i + 1 < len(words) and f"{word} {words[i + 1]}" in table:
            value = table[f"{word} {words[i + 1]}"]
            i += 1
        else:
            value = table.get(word, 0.0)
        if value and i <= negated_until:
            value = -0.5 * value  # "not great" is mildly negative, not the opposite of great
        if value > 0:
            positive += value
        else:
            negative -= value
        i += 1
    return positive, negative


def lexicon_features(texts: Sequence[str], langs: Sequence[str]) -> np.ndarray:
    """Lexicon and surface features of each text.

    Args:
        texts: The texts (opinion units or whole comments).
        langs: Their ISO 639-1 language codes (``und`` is treated as English).

    Returns:
        (n, len(FEATURES)) float32 array, columns as :data:`FEATURES`; valence sums are
        squashed with ``log1p`` so long texts do not dominate.
    """
    out = np.zeros((len(texts), len(FEATURES)), dtype=np.float32)
    vader = _vader()
    for row, (text, lang) in enumerate(zip(texts, langs, strict=True)):
        words = _WORD.findall(text.lower().replace("\u2019", "'"))
        positive, negative = _word_valences(words, _lexicon(lang))
        compound = vader.polarity_scores(text)["compound"] if lang in {"en", "und"} else 0.0
        chars = set(text)
        out[row] = (
            np.log1p(positive),
            np.log1p(negative),
            compound,
            min(len(chars & _EMOJI_POSITIVE), 3),
            min(len(chars & _EMOJI_NEGATIVE), 3),
            "?" in chars,
            "!" in chars,
            np.log1p(len(words)),
        )
    return out


def lexicon_polarity(features: np.ndarray) -> np.ndarray:
    """A single polarity per row from :func:`lexicon_features`: positive minus negative.

    Returns:
        (n,) float array; > 0 leans positive, < 0 negative, 0 neutral.
    """
    idx = {name: i for i, name in enumerate(FEATURES)}
    return (
        features[:, idx["lex_positive"]]
        - features[:, idx["lex_negative"]]
        + features[:, idx["vader_compound"]]
        + features[:, idx["emoji_positive"]]
        - features[:, idx["emoji_negative"]]
    )


#: Nouns that name the verdict rather than a topic ("bad experience", "dårlig oplevelse").
_VERDICT_WORDS: Final = frozenset(
    {
        "experience", "experiences", "oplevelse", "oplevelsen", "opplevelse", "opplevelsen",
        "upplevelse", "upplevelsen", "overall", "generelt", "generellt", "totalt", "samlet",
        "helhet", "helheten", "helhed", "helheden", "company", "firma", "firmaet", "selskab",
        "selskabet", "selskap", "selskapet", "företaget", "företag", "thing", "things",
        # intensifiers and moments that add no topic ("super disappointed today")
        "super", "totally", "absolutely", "completely", "extremely", "seriously", "truly",
        "pretty", "today", "tonight", "yesterday", "again", "virkelig", "virkeligt", "utrolig",
        "utroligt", "otroligt", "otrolig", "veldig", "mycket", "jätte", "ganske", "ret",
        "igen", "igjen", "idag",
    }
)  # fmt: skip


@cache
def _polar_words() -> frozenset[str]:
    """Single words with a valence in any of the four languages' lists."""
    words = set()
    for lang in ("da", "nb", "sv", "en"):
        words |= {word for word, value in _lexicon(lang).items() if value and " " not in word}
    return frozenset(words)


def verdict_only(texts: Sequence[str], *, ignore: frozenset[str]) -> np.ndarray:
    """Whether each text only gives a verdict ("Very disappointing!", "Ikke tilfreds").

    A text is a verdict when it has at least one word with a valence (in the Danish,
    Norwegian, Swedish or English list) and every other word is in ``ignore`` (stop words), a
    negator, or a noun that names the verdict itself ("experience", "oplevelse"). "The staff
    were friendly" is not: "staff" says what it is about.

    Args:
        texts: Opinion units.
        ignore: Words that carry no topic (lower case).

    Returns:
        (n,) bool array.
    """
    polar = _polar_words()
    neutral = ignore | _NEGATORS | _VERDICT_WORDS | {"s", "t", "d", "m"}  # it's, don't, I'm
    result = np.zeros(len(texts), dtype=bool)
    for row, text in enumerate(texts):
        words = _WORD.findall(text.lower().replace("\u2019", "'"))
        rated = [word in polar for word in words]
        result[row] = any(rated) and all(
            r or word in neutral or all(part in neutral for part in word.split("'") if part)
            for word, r in zip(words, rated, strict=True)
        )
    return result
