"""Opinion units: the sentences of a record, split again where the opinion turns.

A record's cleaned text is split at newlines (chat turns, paragraphs), then into sentences by
spaCy's rule-based `sentencizer` on a blank pipeline of the record's language (its tokenizer
knows abbreviations such as "f.eks.", "bl.a.", "kr.", "e.g."; "und" and other codes use the
English rules). Each sentence is split again before a contrastive conjunction ("friendly staff
but the invoice was wrong" → "friendly staff" + "but the invoice was wrong"): the conjunction
stays at the start of the second unit, and a comma or dash before it is dropped. A semicolon
ends a unit too: it joins independent clauses, which often hold separate opinions ("the bill
was wrong; nobody answered the phone"). A split needs `min_side_words` words on each side.
Conjunctions that are also adverbs or other words (however, yet, though; dog, derimod,
alligevel, Danish "selv om"; likevel, derimot; dock, ändå, däremot, and Swedish "fast", which
also means "stuck") split only right after a comma, semicolon or dash; "men" only splits
Danish, Norwegian and Swedish text, never English; "but" is not split after "nothing",
"anything", "all" … or before "also". A sentence that opens with "although", "selvom",
"även om" … is split at its first comma.

Units without letters or digits are dropped, except emoji and emoticons, which join the unit
before them (or, at the start of a record, the unit after). A unit longer than
`max_unit_chars` is cut at the last space before the limit. Unit text is always a piece of the
cleaned text, with runs of whitespace made single spaces: no word is changed or added.
"""

from __future__ import annotations

import re
import unicodedata
from collections import defaultdict
from collections.abc import Iterator
from functools import lru_cache
from typing import TYPE_CHECKING, Final

import pandas as pd

from pipeline.errors import VerbatimError
from pipeline.schemas import CLEAN_TEXT, LANG, POSITION, RECORD_ID, TEXT, UNIT_ID

if TYPE_CHECKING:
    from spacy.language import Language
    from spacy.tokens import Doc, Span

#: Words each side of a contrastive conjunction needs before the sentence is split there.
MIN_SIDE_WORDS: Final = 2
#: spaCy languages with their own sentence rules; other codes ("und") use English.
SPACY_LANGUAGES: Final = ("da", "nb", "sv", "en")

_FALLBACK: Final = "en"
_UNDETERMINED: Final = "und"
_BATCH_SIZE: Final = 1000
_ANYWHERE, _AFTER_COMMA = "anywhere", "after_comma"
_CONTRASTS: Final[dict[str, dict[tuple[str, ...], str]]] = {
    "en": {
        ("but",): _ANYWHERE,
        ("although",): _ANYWHERE,
        ("whereas",): _ANYWHERE,
        ("even", "though"): _ANYWHERE,
        ("except", "that"): _ANYWHERE,
        ("though",): _AFTER_COMMA,
        ("however",): _AFTER_COMMA,
        ("yet",): _AFTER_COMMA,
    },
    "da": {
        ("men",): _ANYWHERE,
        ("selvom",): _ANYWHERE,
        ("bortset", "fra"): _ANYWHERE,
        ("selv", "om"): _AFTER_COMMA,
        ("dog",): _AFTER_COMMA,
        ("derimod",): _AFTER_COMMA,
        ("alligevel",): _AFTER_COMMA,
    },
    "nb": {
        ("men",): _ANYWHERE,
        ("selv", "om"): _ANYWHERE,
        ("selvom",): _ANYWHERE,
        ("bortsett", "fra"): _ANYWHERE,
        ("likevel",): _AFTER_COMMA,
        ("derimot",): _AFTER_COMMA,
    },
    "sv": {
        ("men",): _ANYWHERE,
        ("även", "om"): _ANYWHERE,
        ("förutom", "att"): _ANYWHERE,
        ("fast",): _AFTER_COMMA,
        ("dock",): _AFTER_COMMA,
        ("ändå",): _AFTER_COMMA,
        ("däremot",): _AFTER_COMMA,
    },
}
# Subordinators that, opening a sentence, make its first comma the turn.
_OPENERS: Final[dict[str, frozenset[tuple[str, ...]]]] = {
    "en": frozenset({("although",), ("though",), ("even", "though"), ("whereas",)}),
    "da": frozenset({("selvom",), ("selv", "om")}),
    "nb": frozenset({("selv", "om"), ("selvom",)}),
    "sv": frozenset(
        {
            ("även", "om"),
        }
    ),
}
_NOT_AFTER: Final = frozenset(
    {"nothing", "anything", "all", "everything", "none", "anyone", "everyone", "nobody", "not"}
)
_NOT_BEFORE: Final = frozenset({"also"})
_CLAUSE_MARKS: Final = frozenset({",", ";", ":", "-", "\u2013", "\u2014"})
_ALNUM = re.compile(r"[^\W_]")
_TRAILING_MARKS = re.compile("[\\s,;:\u2013\u2014-]+$")
_EMOTICON = re.compile(r"(?:[:;=8xX][-^'o]?[)(\]\[DPp/\\|*3Oo]+|<3+|\^_*\^|[)(]:)")


@lru_cache(maxsize=8)
def _sentencizer(code: str) -> Language:
    """Return a blank spaCy pipeline with a sentencizer for one language (built once)."""
    import spacy

    nlp = spacy.blank(code)
    nlp.add_pipe("sentencizer")
    return nlp


@lru_cache(maxsize=8)
def _hint(code: str) -> re.Pattern[str]:
    """Return a pattern that finds lines worth checking for contrastive conjunctions."""
    words = sorted({phrase[0] for phrase in _CONTRASTS[code]}, key=len, reverse=True)
    return re.compile(rf"(?<!\w)(?:{'|'.join(words)})(?!\w)", re.IGNORECASE)


def _rules_language(lang: object) -> str:
    """Return the spaCy language whose rules segment a record of language `lang`."""
    return lang if isinstance(lang, str) and lang in SPACY_LANGUAGES else _FALLBACK


def _phrase_at(lowers: list[str], index: int, phrases: dict[tuple[str, ...], str]) -> int:
    """Return the token length of the conjunction starting at `index` (0 if none)."""
    for length in (2, 1):
        if index + length <= len(lowers) and tuple(lowers[index : index + length]) in phrases:
            return length
    return 0


def _contrast_starts(sent: Span, code: str, min_side_words: int) -> list[int]:
    """Return the token indices (in the doc) where new units start inside one sentence."""
    phrases, openers = _CONTRASTS[code], _OPENERS[code]
    tokens = list(sent)
    lowers = [token.lower_ for token in tokens]
    is_word = [bool(_ALNUM.search(token.text)) for token in tokens]
    words_after = [0] * (len(tokens) + 1)
    for i in range(len(tokens) - 1, -1, -1):
        words_after[i] = words_after[i + 1] + is_word[i]
    starts: list[int] = []
    opener = _phrase_at(lowers, 0, phrases)
    if opener and tuple(lowers[:opener]) in openers:
        for i in range(opener, len(tokens)):
            if lowers[i] == ",":
                left = sum(is_word[opener:i])
                if left >= min_side_words and words_after[i + 1] >= min_side_words:
                    starts.append(i + 1)
                break
    piece_start = starts[-1] if starts else 0
    skip = opener if not starts else 0
    i = max(1, piece_start + skip)
    while i < len(tokens):
        length = _phrase_at(lowers, i, phrases)
        if not length:
            i += 1
            continue
        mode = phrases[tuple(lowers[i : i + length])]
        previous = lowers[i - 1]
        following = lowers[i + length] if i + length < len(tokens) else ""
        left = sum(is_word[piece_start + skip : i])
        right = words_after[i + length]
        allowed = (mode == _ANYWHERE or previous in _CLAUSE_MARKS) and not (
            lowers[i] == "but" and (previous in _NOT_AFTER or following in _NOT_BEFORE)
        )
        # "X, however, Y" is often parenthetical ("The staff, however, was nice")
        need = min_side_words + (mode == _AFTER_COMMA and following == ",")
        if allowed and left >= need and right >= need:
            starts.append(i)
            piece_start, skip = i, length
        i += length
    return [sent.start + start for start in starts]


def _semicolon_starts(sent: Span, min_side_words: int) -> list[int]:
    """Return the token indices (in the doc) just after semicolons that end a clause."""
    tokens = list(sent)
    is_word = [bool(_ALNUM.search(token.text)) for token in tokens]
    starts: list[int] = []
    piece_start = 0
    for i, token in enumerate(tokens):
        if token.text != ";":
            continue
        left, right = sum(is_word[piece_start:i]), sum(is_word[i + 1 :])
        if left >= min_side_words and right >= min_side_words:
            starts.append(i + 1)
            piece_start = i + 1
    return [sent.start + start for start in starts]


def _is_emoji(text: str) -> bool:
    """Whether a token or piece without letters carries an emoji or emoticon."""
    return any(unicodedata.category(char) in ("So", "Sk") for char in text) or bool(
        _EMOTICON.search(text)
    )


def _pieces(doc: Doc, code: str, min_side_words: int) -> Iterator[str]:
    """Yield the raw text pieces of one line: sentences split at contrastive conjunctions."""
    hint = _hint(code).search(doc.text) is not None
    semicolon = ";" in doc.text
    boundaries: list[int] = []
    for sent in doc.sents:
        start = sent.start
        # an emoji right after "!" or "." belongs to the sentence it closes
        while boundaries and start < sent.end and _is_emoji(doc[start].text):
            if _ALNUM.search(doc[start].text) or doc[start].is_punct:
                break
            start += 1
        if start < sent.end:
            boundaries.append(start)
        if semicolon and len(sent) > 2 * min_side_words:
            boundaries.extend(_semicolon_starts(sent, min_side_words))
        if hint and len(sent) > 2 * min_side_words:
            boundaries.extend(_contrast_starts(sent, code, min_side_words))
    boundaries = sorted(set(boundaries) | {0})
    ends = [*boundaries[1:], len(doc)]
    for first, stop in zip(boundaries, ends, strict=True):
        if first < stop:
            span = doc[first:stop]
            yield _TRAILING_MARKS.sub("", span.text)


def _cut(text: str, max_chars: int) -> list[str]:
    """Cut a unit at the last space before `max_chars` (a longer single word stays whole)."""
    parts: list[str] = []
    while len(text) > max_chars:
        cut = text.rfind(" ", 0, max_chars + 1)
        if cut <= 0:
            cut = text.find(" ", max_chars)
            if cut < 0:
                break
        parts.append(text[:cut])
        text = text[cut + 1 :]
    parts.append(text)
    return parts


def _units_of(pieces: list[str], max_chars: int) -> list[str]:
    """Attach emoji-only pieces to a neighbour, drop empty ones, cut long ones."""
    units: list[str] = []
    pending = ""
    for piece in pieces:
        text = " ".join(piece.split())
        if not text:
            continue
        if not _ALNUM.search(text):
            if not _is_emoji(text):
                continue
            if units:
                units[-1] = f"{units[-1]} {text}"
            else:
                pending = f"{pending} {text}".strip()
            continue
        units.append(f"{pending} {text}".strip() if pending else text)
        pending = ""
    if pending:
        units.append(pending)
    return [part for unit in units for part in _cut(unit, max_chars) if part]


def segment_units(
    records: pd.DataFrame,
    *,
    max_unit_chars: int = 400,
    min_side_words: int = MIN_SIDE_WORDS,
) -> pd.DataFrame:
    """Split records into opinion units.

    Args:
        records: Frame with record_id, lang (da, nb, sv, en or und; missing means und) and
            clean_text (or text when there is no clean_text column); not modified.
        max_unit_chars: Longest unit, in characters; longer ones are cut at a space.
        min_side_words: Words needed on each side of a contrastive conjunction to split there.

    Returns:
        New frame with one row per unit, in record order then position: unit_id
        ("{record_id}-{position}", stable for the same input), record_id, position (int32,
        0-based, consecutive per record), text and lang (the record's). Records with empty text
        have no units.

    Raises:
        VerbatimError: `records` has no text column.
        ValueError: `max_unit_chars` or `min_side_words` is below 1.
    """
    if max_unit_chars < 1 or min_side_words < 1:
        raise ValueError(
            f"max_unit_chars and min_side_words must be at least 1, got {max_unit_chars} and "
            f"{min_side_words}"
        )
    column = CLEAN_TEXT if CLEAN_TEXT in records.columns else TEXT
    if column not in records.columns:
        raise VerbatimError(
            f"segment_units needs a '{CLEAN_TEXT}' (or '{TEXT}') column; the frame has "
            f"{list(records.columns)}. Run clean_records first."
        )
    texts = records[column].to_numpy()
    langs = (
        records[LANG].astype("object").fillna(_UNDETERMINED).to_numpy()
        if LANG in records.columns
        else [_UNDETERMINED] * len(records)
    )
    lines_by_code: dict[str, list[str]] = defaultdict(list)
    owners_by_code: dict[str, list[int]] = defaultdict(list)
    for row, text in enumerate(texts):
        if not isinstance(text, str) or not text:
            continue
        code = _rules_language(langs[row])
        for line in text.split("\n"):
            if line.strip():
                lines_by_code[code].append(line)
                owners_by_code[code].append(row)
    pieces: dict[int, list[str]] = defaultdict(list)
    for code, lines in lines_by_code.items():
        nlp = _sentencizer(code)
        owners = owners_by_code[code]
        for owner, doc in zip(owners, nlp.pipe(lines, batch_size=_BATCH_SIZE), strict=True):
            pieces[owner].extend(_pieces(doc, code, min_side_words))
    ids = records[RECORD_ID].astype("object").to_numpy()
    unit_ids: list[str] = []
    record_ids: list[object] = []
    positions: list[int] = []
    unit_texts: list[str] = []
    unit_langs: list[object] = []
    for row in sorted(pieces):
        for position, unit in enumerate(_units_of(pieces[row], max_unit_chars)):
            unit_ids.append(f"{ids[row]}-{position}")
            record_ids.append(ids[row])
            positions.append(position)
            unit_texts.append(unit)
            unit_langs.append(langs[row])
    return pd.DataFrame(
        {
            UNIT_ID: pd.Series(unit_ids, dtype="object"),
            RECORD_ID: pd.Series(record_ids, dtype="object"),
            POSITION: pd.Series(positions, dtype="int32"),
            TEXT: pd.Series(unit_texts, dtype="object"),
            LANG: pd.Series(unit_langs, dtype="object"),
        }
    )


__all__ = ["MIN_SIDE_WORDS", "SPACY_LANGUAGES", "segment_units"]
