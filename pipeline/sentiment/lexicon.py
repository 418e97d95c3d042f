"""Lexicon features: AFINN (Danish, English), VADER (English), emoji, and core Nordic words.

The AFINN word lists are read from the installed ``afinn`` package; VADER comes from
``vadersentiment``. Swedish and Norwegian have no packaged lexicon, so Norwegian uses the Danish
AFINN list (the written languages share most of their vocabulary) and both get a small core list
written for this project. Every language also reads a list of customer-service words written for
this project (``pipeline/resources/service_lexicon/<lang>.tsv``: crashes, kraschar, ventetid,
innstilt, problemfrit…), which fills gaps in the general lists and never overrides them; it is
kept out of :func:`verdict_only`, since these words name a cause, not only a verdict.

Every text is read in its `surface_form` (lower case, "!" as "."), so casing and exclamation
marks never move a feature. Negation ("ikke", "inte", "ikkje", "not"…) reaches the next three
words within its clause, in every language, and in Danish, Norwegian and Swedish also the verb
just before it ("angrer ikke", "virker stadig ikke", "ångrar mig inte": the negator follows the
finite verb there). A negated verb of functioning ("doesn't work", "virker ikke", "funkar
inte") reads as a clear complaint, not as a mild "not good". A Nordic word missing from the
lists is looked up without its negating prefix ("u-", "o-", "mis(s)-": utilfreds, uhøflig,
ohjälpsam, misfornøyd, missnöjd take the opposite of the stem's valence, inflected or not), and
as typed without its Nordic letters (missnojd). A
text of undetermined language (``und``: mostly short ones) is read with the lexicons of the
candidate languages, weighted by the language detector's probabilities.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Final

import numpy as np

from pipeline.sentiment.seed import resource_text, seed_examples, tsv_fingerprint, tsv_rows
from pipeline.text.surface import surface_form

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
    "length",
)

#: Languages with a lexicon, in the column order of language weights (`text.language.LANGUAGES`).
LEXICON_LANGUAGES: Final = ("da", "nb", "sv", "en")

_NEGATORS: Final = frozenset(
    {
        "not", "no", "never", "nothing", "nobody", "cannot", "cant", "dont", "didnt",
        "doesnt", "isnt", "wasnt", "wont", "arent", "havent", "hasnt", "ikke", "ikkje",
        "ingen", "intet", "aldrig", "aldri", "inte", "ej", "inget", "inga", "icke",
        "ingenting", "hverken", "varken", "verken", "none", "neither", "nor", "without",
        "uden", "uten", "utan",
    }
)  # fmt: skip
_NEGATION_REACH: Final = 3
# Languages whose negator follows the finite verb it negates ("jeg angrer ikke"), and those
# negators: not "uden" ("aflyst uden varsel" is no negated cancellation), nor "ingen" ("alt
# fint ingen kø" is no negated "fint").
_POSTVERBAL_NEGATION: Final = frozenset({"da", "nb", "sv"})
_POSTVERBAL_NEGATORS: Final = frozenset({"ikke", "ikkje", "inte", "icke", "ej", "aldrig", "aldri"})
# Words that may stand between that verb and its negator ("virker stadig ikke", "ångrar mig inte").
_BETWEEN_VERB_AND_NEGATOR: Final = frozenset(
    {
        "jeg", "jag", "du", "han", "hun", "hon", "den", "det", "vi", "i", "ni", "de", "man",
        "mig", "meg", "dig", "deg", "sig", "seg", "os", "oss", "jer", "dere", "er", "dem",
        "stadig", "stadigvæk", "fortsat", "fortsatt", "fortfarande", "endnu", "ennå", "ännu",
        "heller", "jo", "ju", "nu", "nå", "just", "bare", "bara", "lige", "egentlig",
        "egentligen", "altså", "alltså",
    }
)  # fmt: skip
# Verbs of functioning: negated, they are a clear complaint ("it doesn't work"), not a mild one.
_FUNCTIONING: Final = frozenset(
    {
        "work", "works", "worked", "working", "function", "functions", "virker", "virkede",
        "virke", "virket", "fungerer", "fungerede", "fungere", "fungerte", "funker", "funket",
        "funke", "fungerar", "fungerade", "fungera", "funkar", "funkade", "funka",
    }
)  # fmt: skip
_NEGATED_FUNCTIONING: Final = -2.0
# "Neither good nor bad", "hverken godt eller dårligt": the rest of the clause weighs nothing
# (but "neither the app nor the site works" is still a complaint).
_NEITHER: Final = frozenset({"neither", "hverken", "verken", "varken"})
# Valences a line of a service-word file may start with.
_VALENCES: Final = tuple(str(v) for v in range(-5, 6))
# Negating prefixes of Nordic adjectives, longest first: u-tilfreds, o-trevlig, miss-nöjd.
_NEGATING_PREFIXES: Final = {
    "da": ("mis", "u"),
    "nb": ("mis", "u"),
    "sv": ("miss", "o"),
}
# Inflection endings tried on the stem behind a negating prefix (uhøflige -> høflig).
_NORDIC_ENDINGS: Final = ("ende", "ede", "ene", "na", "ne", "et", "en", "er", "e", "t", "a")
# The shortest stem a prefix or an ending is stripped down to.
_MIN_STEM: Final = 4

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
# Words and the clause breaks that end a negation's reach.
_TOKEN: Final = re.compile(r"[^\W\d_]+(?:['\u2019][^\W\d_]+)?|[.,;:?!]", re.UNICODE)
_CLAUSE_BREAKS: Final = frozenset({".", ",", ";", ":", "?", "!", "but", "men", "mens"})


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


# Danish spellings and their Bokmål counterparts, applied to the Danish list to read Norwegian:
# dejlig -> deilig, glæde -> glede, høj -> høy, tåbelig -> tåpelig, svag -> svak,
# kedelig -> kjedelig, skøn -> skjøn(n) (a doubled final consonant is not guessed),
# kærlighed -> kjærlighet. (Soft d is left alone: glad stays glad.)
_DA_TO_NB: Final = (
    (re.compile(r"ej"), "ei"),
    (re.compile(r"øj"), "øy"),
    (re.compile(r"æ"), "e"),
    (re.compile(r"hed$"), "het"),
    (re.compile(r"(?<=[aeiouyæøå])b(?=[aeiouyæøå]|$)"), "p"),
    (re.compile(r"(?<=[aeouyæøå])g(?=[aeiouyæøå]|$)"), "k"),
    (re.compile(r"^(s?)k(?=[eiyø])"), r"\1kj"),
)


def _bokmal_spellings(word: str) -> set[str]:
    """The Bokmål spellings a Danish word may have: each rule applied or not, in order."""
    forms = {word}
    for pattern, replacement in _DA_TO_NB:
        forms |= {pattern.sub(replacement, form) for form in forms}
    return forms - {word}


def _service_text(lang: str) -> str:
    return resource_text("service_lexicon", lang)


@cache
def service_words(lang: str) -> dict[str, float]:
    """The shipped customer-service words of a language (word or two-word phrase → valence).

    Raises:
        ValueError: When a file holds a malformed line (a packaging error).
    """
    lang = lang if lang in LEXICON_LANGUAGES else "en"
    rows = tsv_rows("service_lexicon", _service_text, [lang], _VALENCES)
    return {word.lower(): float(value) for word, value, _ in rows}


def lexicon_fingerprint() -> str:
    """A short hash of the shipped service-word files (changes when they change)."""
    return tsv_fingerprint(_service_text, LEXICON_LANGUAGES)


@cache
def _lexicon(lang: str) -> dict[str, float]:
    """The word list used for a language.

    General words, then service words where missing, then words also as typed without their
    Nordic letters (missnojd, fornoeyd).
    """
    table = dict(_general_lexicon(lang))
    for word, value in service_words(lang).items():
        table.setdefault(word, value)
    taken = _known_words()
    for word, value in list(table.items()):
        for form in _ascii_spellings(word) - taken:
            table.setdefault(form, value)
    return table


# How Nordic letters are typed on a keyboard without them: dropped marks, or two letters.
_PLAIN: Final = str.maketrans({"ø": "o", "å": "a", "ä": "a", "ö": "o", "é": "e"})
_DIGRAPHS: Final = str.maketrans({"æ": "ae", "ø": "oe", "å": "aa", "ä": "ae", "ö": "oe", "é": "e"})
# A form typed without Nordic letters is read only from this length on ("hån" -> "han").
_MIN_ASCII_FORM: Final = 5


@cache
def _known_words() -> frozenset[str]:
    """Real words of the four languages: the shipped sentences and every list.

    An ASCII spelling that is one of them is not read as the Nordic word ("vänlig" is not
    "vanlig").
    """
    words = {word for text in seed_examples()["text"] for word in _WORD.findall(text.lower())}
    for lang in LEXICON_LANGUAGES:
        words |= set(_general_lexicon(lang)) | set(service_words(lang))
    return frozenset(words)


def _ascii_spellings(word: str) -> set[str]:
    """A word as typed without æ, ø, å, ä, ö (missnöjd -> missnojd; fornøyd -> fornoeyd)."""
    if word.isascii():
        return set()
    forms = {word.translate(_PLAIN), word.translate(_DIGRAPHS)}
    return {form for form in forms if form.isascii() and len(form) >= _MIN_ASCII_FORM}


@cache
def _general_lexicon(lang: str) -> dict[str, float]:
    """The general word list of a language (unknown languages get English's).

    Norwegian reads the Danish list, its words also in their likely Bokmål spellings (a
    spelling that is itself a Danish word keeps the Danish valence), then its own core list.
    """
    if lang in {"da", "nb", "sv"}:
        danish = _afinn("da")
        table = dict(danish)
        if lang == "nb":
            for word, value in danish.items():
                if " " in word:
                    continue
                for form in _bokmal_spellings(word):
                    table.setdefault(form, value)
        table.update({"nb": _CORE_NB, "sv": _CORE_SV}.get(lang, {}))
        return table
    return _afinn("en")


@cache
def _vader() -> SentimentIntensityAnalyzer:
    from vaderSentiment.vaderSentiment import SentimentIntensityAnalyzer

    return SentimentIntensityAnalyzer()


def _lookup(word: str, table: dict[str, float], lang: str) -> float:
    """A word's valence; a Nordic word not in the list also as its stem's opposite.

    "uhøflige" is not in the Danish list: without its negating prefix and inflection ending it
    is "høflig" (+2), so it reads -2. Inflection endings are stripped only behind a negating
    prefix (stripping them from every word cost 1 point of macro-F1 on LCC's Danish sentences).
    """
    value = table.get(word)
    if value is not None or lang not in _NEGATING_PREFIXES:
        return value or 0.0
    for prefix in _NEGATING_PREFIXES[lang]:
        stem = word[len(prefix) :]
        if word.startswith(prefix) and len(stem) >= _MIN_STEM:
            positive = max(table.get(stem, 0.0), _stripped(stem, table))
            if positive > 0:
                return -positive  # utilfreds: the opposite of tilfreds
    return 0.0


def _stripped(word: str, table: dict[str, float]) -> float:
    for ending in _NORDIC_ENDINGS:
        stem = word[: -len(ending)]
        if word.endswith(ending) and len(stem) >= _MIN_STEM and stem in table:
            return table[stem]
    return 0.0


def _word_valences(tokens: list[str], table: dict[str, float], lang: str) -> tuple[float, float]:
    """Sum of positive and of negative valence, with two-word phrases and negation."""
    values: list[float] = []
    negated_until = -1
    # The last valence read without negation in this clause: (its slot in values, its word,
    # the index of its last token), for a negator that follows its verb.
    last: tuple[int, str, int] | None = None
    neither = False
    i = 0
    while i < len(tokens):
        word = tokens[i]
        if word in _CLAUSE_BREAKS:
            negated_until, last, neither = -1, None, False
            i += 1
            continue
        if word in _NEITHER:
            neither = True
        if neither:
            values.append(_NEGATED_FUNCTIONING if word in _FUNCTIONING else 0.0)
            i += 1
            continue
        if word in _NEGATORS or word.endswith(("n't", "n\u2019t")):
            negated_until = i + _NEGATION_REACH
            if (
                word in _POSTVERBAL_NEGATORS
                and lang in _POSTVERBAL_NEGATION
                and last is not None
                and _negates_back(tokens, last[2], i)
            ):
                values[last[0]] = _negated(values[last[0]], last[1])
            last = None
            i += 1
            continue
        if i + 1 < len(tokens) and f"{word} {tokens[i + 1]}" in table:
            value = table[f"{word} {tokens[i + 1]}"]
            i += 1
        else:
            value = _lookup(word, table, lang)
        if i <= negated_until and (value or word in _FUNCTIONING):
            value = _negated(value, word)
        elif value or word in _FUNCTIONING:
            last = (len(values), word, i)
        values.append(value)
        i += 1
    positive = sum(value for value in values if value > 0)
    negative = -sum(value for value in values if value < 0)
    return positive, negative


def _negates_back(tokens: list[str], verb: int, negator: int) -> bool:
    """Whether the negator at ``negator`` follows the valence word ending at ``verb``."""
    between = tokens[verb + 1 : negator]
    return len(between) <= 2 and all(word in _BETWEEN_VERB_AND_NEGATOR for word in between)


def _negated(value: float, word: str) -> float:
    """The valence of a negated word.

    "Not great" is mildly negative, not the opposite of great; a negated verb of functioning
    ("doesn't work") is a clear complaint.
    """
    if word in _FUNCTIONING:
        return _NEGATED_FUNCTIONING
    return -0.5 * value


def language_weights(langs: Sequence[str]) -> np.ndarray:
    """One-hot weights over LEXICON_LANGUAGES; ``und`` (or any other code) spread evenly.

    Returns:
        (n, 4) float array, rows summing to 1.
    """
    weights = np.full((len(langs), len(LEXICON_LANGUAGES)), 1 / len(LEXICON_LANGUAGES))
    for row, lang in enumerate(langs):
        if lang in LEXICON_LANGUAGES:
            weights[row] = 0.0
            weights[row, LEXICON_LANGUAGES.index(lang)] = 1.0
    return weights


def lexicon_features(
    texts: Sequence[str], langs: Sequence[str], weights: np.ndarray | None = None
) -> np.ndarray:
    """Lexicon and surface features of each text.

    Args:
        texts: The texts (opinion units or whole comments).
        langs: Their ISO 639-1 language codes.
        weights: (n, 4) weights over LEXICON_LANGUAGES for each text (the language
            detector's probabilities over the workspace's languages for an ``und`` text);
            default one-hot by ``langs``, with ``und`` spread evenly over the four.

    Returns:
        (n, len(FEATURES)) float32 array, columns as :data:`FEATURES`; valence sums are
        squashed with ``log1p`` so long texts do not dominate. Each text is read in its
        `surface_form`.
    """
    if weights is None:
        weights = language_weights(langs)
    if len(weights) != len(texts):
        raise ValueError(f"{len(weights)} language weights for {len(texts)} texts")
    out = np.zeros((len(texts), len(FEATURES)), dtype=np.float32)
    vader = _vader()
    for row, text in enumerate(texts):
        form = surface_form(text)
        tokens = _TOKEN.findall(form.replace("\u2019", "'"))
        positive = negative = compound = 0.0
        for column, lang in enumerate(LEXICON_LANGUAGES):
            weight = float(weights[row, column])
            if weight <= 0:
                continue
            pos, neg = _word_valences(tokens, _lexicon(lang), lang)
            positive += weight * pos
            negative += weight * neg
            if lang == "en":
                compound += weight * vader.polarity_scores(form)["compound"]
        chars = set(text)
        words = sum(token not in _CLAUSE_BREAKS for token in tokens)
        out[row] = (
            np.log1p(positive),
            np.log1p(negative),
            compound,
            min(len(chars & _EMOJI_POSITIVE), 3),
            min(len(chars & _EMOJI_NEGATIVE), 3),
            "?" in chars,
            np.log1p(words),
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
        words |= {
            word for word, value in _general_lexicon(lang).items() if value and " " not in word
        }
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
