"""Cleaning of redacted feedback text, and detection of duplicates and copy-paste campaigns.

`clean_text` turns one text into what sentiment and themes should read: markup stripped
(tags, entities; <br> and block tags become line breaks), Unicode normalised (NFC; common
UTF-8-read-as-Windows-1252 mojibake such as "Ã¦" for "æ" repaired), invisible and control
characters removed, whitespace collapsed, one line per turn or paragraph and no empty lines.
Emoji and redaction placeholders ("[EMAIL]", "[PERSON]" …) are kept.

Lines that are pure boilerplate are dropped in every source: e-mail signatures ("Mvh Lars",
"Regards, James", "Med venlig hilsen" and the name lines after it; also at the end of a line
after a sentence), "Sent from my iPhone" / "Sendt fra min iPhone" / "Skickat från min iPhone"
footers, and spreadsheet formulas ("=SUM(A1)"). Chat turns made only of greetings, thanks and
acknowledgements ("hej", "super, tak", "ok thanks 🙂") are dropped too, and a greeting that
opens a longer turn ("Hi, my bill…") is removed. Social mentions lose a leading "RT @user:",
URLs and @mentions (a mention between two words becomes `MENTION_PLACEHOLDER`, so "I wrote to
@Nordlys and…" still reads); hashtags become words ("#BadService" → "Bad Service"), and a run
of tags at the start or end of a post gets a line of its own so it never merges into a
sentence. Apart from that placeholder and the split hashtags no text is added, and cleaning is
idempotent: ``clean_text(clean_text(t)) == clean_text(t)``.

`clean_records` cleans a records frame and marks duplicates: records whose `duplicate_keys`
key (the cleaned text lower-cased, without punctuation, emoji, mentions, URLs and placeholders)
equals another's are duplicates of the first record with that key. Retweets count as copies of
the original when it is in the frame. Near-duplicates (a word changed) are not detected.
"""

from __future__ import annotations

import html
import re
import unicodedata
from collections.abc import Collection, Mapping
from functools import lru_cache
from typing import Final

import pandas as pd

from pipeline.schemas import CLEAN_TEXT, DUPLICATE_OF, IS_DUPLICATE, RECORD_ID, SOURCE, TEXT

#: Survey and chat texts need at least this many normalised words to be duplicates: each is a
#: solicited answer from one customer, and identical comments of up to ~20 words ("The app
#: crashes every time I open it.") are written independently by many; only long pasted texts
#: are campaigns. Social mentions of any length count.
MIN_DUPLICATE_WORDS: Final = 25
#: What an @mention between two words of a social post becomes.
MENTION_PLACEHOLDER: Final = "[USER]"

# Passes of the normalisation loop; real texts settle in one or two.
_MAX_PASSES: Final = 4

# --- characters ----------------------------------------------------------------------------
_NEWLINES = re.compile(r"\r\n?|[\x85\u2028\u2029]")
# C0/C1 controls (not \t \n), soft hyphen, zero-width and bidi marks, BOM, U+FFFD. The
# zero-width joiner (U+200D) and emoji tag characters stay: they are part of emoji.
_INVISIBLE = re.compile(
    "[\x00-\x08\x0e-\x1f\x7f-\x84\x86-\x9f\xad\u180e\u200b\u200c\u200e\u200f"
    "\u202a-\u202e\u2060-\u2064\u2066-\u206f\ufeff\ufff9-\ufffb\ufffd]"
)
_SPACES = re.compile("[ \t\x0b\x0c\xa0\u1680\u2000-\u200a\u202f\u205f\u3000]+")

# --- markup --------------------------------------------------------------------------------
_BLOCK_TAGS: Final = "br|p|div|li|ul|ol|tr|table|h[1-6]|blockquote|pre|hr|section|article"
_INLINE_TAGS: Final = (
    "b|i|u|s|em|strong|span|a|font|small|big|sub|sup|code|img|mark|del|ins|strike|center|"
    "td|th|tbody|thead|html|body|head|title|meta|label|abbr|cite|q|tt"
)
_SCRIPT = re.compile(r"<(script|style)\b[^>]*>.*?</\1\s*>", re.IGNORECASE | re.DOTALL)
_COMMENT = re.compile(r"<!--.*?-->", re.DOTALL)
_BLOCK_TAG = re.compile(rf"</?(?:{_BLOCK_TAGS})\b[^<>]*>", re.IGNORECASE)
_INLINE_TAG = re.compile(rf"</?(?:{_INLINE_TAGS})\b[^<>]*>", re.IGNORECASE)

# --- social --------------------------------------------------------------------------------
_HANDLE: Final = r"(?<![\w.@#])@[A-Za-z0-9_](?:[\w.]*\w)?(?:@(?:[\w.]*\w)?)*"
_URL: Final = r"(?:https?://|www\.)[^\s<>\"]*[^\s<>\".,;:!?)\]'»]"
_HASHTAG: Final = r"(?<![\w&#])#\w+"
_RETWEET = re.compile(rf"^\s*RT\s*{_HANDLE}\s*:?\s*")
_TAG_ITEM: Final = rf"(?:{_HASHTAG}|(?:via\s+)?{_HANDLE}|{_URL})"
_LEADING_TAGS = re.compile(rf"^(?:{_TAG_ITEM}[\s:,]*)+")
_TRAILING_TAGS = re.compile(rf"(?:\s*{_TAG_ITEM})+[\s.!]*$")
_INLINE_SOCIAL = re.compile(rf"{_HASHTAG}|(?i:via\s+)?{_HANDLE}|{_URL}")
_WORD_BEFORE = re.compile(r"\w[ \t]+$")
_WORD_AFTER = re.compile(r"[ \t]+\w")
_CAMEL = re.compile(r"(?<=[a-zß-öø-ÿ]{2})(?=[A-ZÀ-ÖØ-Þ][a-zß-öø-ÿ])|_+")
_SPACE_BEFORE_PUNCT = re.compile(r"\s+(?=[,.;:!?…)])")
_LEADING_PUNCT = re.compile(r"^[\s,.;:!?…-]+(?=\w)")

# --- boilerplate lines -----------------------------------------------------------------------
_SIGNOFF: Final = (
    r"(?i:(?:med\s+)?(?:venlig|vennlig|vänlig|venlige|vennlige|vänliga|bedste|beste|bästa|"
    r"kærlig|kjærlig|mange|de\s+bedste|de\s+beste)\s+(?:hilsen|hilsener|hilsner|hälsning|"
    r"hälsningar)|hilsen|hilsner|hälsningar|hälsning|m\.?v\.?h\.?|mvg\.?|vh\.?|"
    r"(?:best|kind|warm|warmest|many)\s+regards|regards|best\s+wishes|"
    r"(?:yours\s+)?sincerely|cheers)"
)
_NAME: Final = r"(?:[A-ZÀ-ÖØ-Þ][\w'\u2019-]*\.?|\[PERSON\])"
_SIGNATURE: Final = (
    rf"{_SIGNOFF}(?:[\s,:-]+(?i:fra\s+|från\s+|from\s+)?{_NAME}(?:\s+{_NAME}){{0,2}})?"
)
_DEVICE: Final = (
    r"(?i:iphone|ipad|android|samsung|galaxy|outlook|mobile|mobil|phone|telefon|e-?mail|"
    r"gmail|yahoo|huawei|pixel|xiaomi|tablet|ios|windows|mac|mail)(?!\w)"
)
_SENT_FROM: Final = (
    r"(?:(?i:sent|sendt|skickat|skickad)\s+(?i:from|fra|från|via|with|med)\s+"
    rf"(?i:(?:my|min|mitt|mi)\s+)?(?:[\w-]+\s+)?{_DEVICE}[\w .-]{{0,30}}"
    r"|(?i:get|hent|hämta|skaff)\s+(?i:outlook)\s+(?i:for|til|för)\s+\w+)"
)
# A signature or footer at the end of a line, after a sentence (or at the start of the line).
_TRAILING_BOILERPLATE = re.compile(
    rf"(?:^|(?<=[^\w\s])\s*)(?:{_SIGNATURE}|{_SENT_FROM})"
    r"(?P<tail>[^\w\[]*)$"
)
_BOILERPLATE_HINT = re.compile(
    r"hils|häls|m\.?v\.?h|mvg|vh|regards|wishes|sincerely|cheers|sent|sendt|skick|outlook",
    re.IGNORECASE,
)
_NAME_LINE = re.compile(rf"^{_NAME}(?:\s+{_NAME}){{0,2}}[\s.!]*$")
_FORMULA = re.compile(
    r"^[=@+]\s*[A-Z][A-Z0-9.]*\(.*\)\s*$|^=\s*[\d\s+\-*/^().,;:$A-Z]*\d[\d\s+\-*/^().,;:$A-Z]*$"
)

_GREETINGS: Final = (
    "hej", "hejsa", "hejsan", "hejhej", "hei", "heisann", "hallo", "halløj", "hallå", "hello",
    "hi", "hey", "goddag", "god dag", "god morgen", "godmorgen", "god morgon", "godmorgon",
    "good morning", "good afternoon", "good evening", "tjena", "dav",
)  # fmt: skip
_COURTESIES: Final = (
    *_GREETINGS,
    "tak", "takk", "tack", "thanks", "thank you", "thx", "ty", "tusind tak", "tusen takk",
    "tusen tack", "mange tak", "mange takk", "tak skal du have", "takk skal du ha",
    "tack så mycket", "thanks a lot", "thank you very much", "thanks so much", "many thanks",
    "ok", "okay", "okej", "okey", "oki", "k", "kk", "alright", "all right",
)  # fmt: skip
_FILLERS: Final = (
    "for hjælpen", "for hjelpen", "för hjälpen", "for the help", "for your help", "for det",
    "för det", "for that", "for now", "så meget", "så mye", "fint", "fine", "super", "supert",
    "great", "toppen", "perfekt", "perfect", "godt", "good", "nice", "flot", "fedt", "bra",
    "ja", "jo", "yes", "yep", "jep", "jepp", "javel", "så", "og", "and", "och", "igen", "again",
    "jeg venter", "jag väntar", "i'll wait", "i will wait", "til dig", "til deg", "till dig",
    "again", "you", "dig", "deg", "dere", "jer", "er",
)  # fmt: skip
_LEADING_GREETING = re.compile(
    r"^(?:(?:hej|hejsa|hejsan|hei|heisann|hallo|halløj|hallå|hello|hi|hey|goddag)"
    r"(?![\w'])[\s,.!:;-]*)+(?=\w)",
    re.IGNORECASE,
)
_NON_WORD = re.compile(r"[^\w\s']+|_")

# --- duplicates ----------------------------------------------------------------------------
_KEY_NOISE = re.compile(rf"{_URL}|{_HANDLE}|\[[A-Z_]+\]|[\W_]+")


@lru_cache(maxsize=1)
def _courtesy_patterns() -> tuple[re.Pattern[str], re.Pattern[str]]:
    """Return (a line made only of courtesies and fillers, a courtesy in it)."""

    def alternation(phrases: tuple[str, ...]) -> str:
        ordered = sorted(set(phrases), key=len, reverse=True)
        return "|".join(re.escape(phrase).replace(r"\ ", r"\s+") for phrase in ordered)

    every = alternation(_COURTESIES + _FILLERS)
    only = re.compile(rf"^\s*(?:(?:{every})(?:\s+|$))+$")
    core = re.compile(rf"(?:^|\s)(?:{alternation(_COURTESIES)})(?:\s|$)")
    return only, core


@lru_cache(maxsize=1)
def _mojibake() -> re.Pattern[str]:
    """Return a pattern for UTF-8 byte sequences that were decoded as Windows-1252."""
    continuation = "".join(
        re.escape(bytes([byte]).decode("cp1252", errors="ignore") or chr(byte))
        for byte in range(0x80, 0xC0)
    )
    return re.compile(
        rf"[\xc2-\xdf][{continuation}]|[\xe0-\xef][{continuation}]{{2}}"
        rf"|[\xf0-\xf4][{continuation}]{{3}}"
    )


def _repair(match: re.Match[str]) -> str:
    """Decode one mojibake sequence back to the character it stood for, if it is one."""
    raw = bytearray()
    for char in match.group():
        try:
            raw += char.encode("cp1252")
        except UnicodeEncodeError:
            raw += char.encode("latin-1")
    try:
        char = raw.decode("utf-8")
    except UnicodeDecodeError:
        return match.group()
    # Only Latin, punctuation and emoji: a CJK result means the letters were meant as typed.
    return char if ord(char) < 0x3000 or ord(char) >= 0x1F000 else match.group()


def _normalise_once(text: str) -> str:
    """Strip markup, repair mojibake, drop invisible characters, NFC (one pass)."""
    text = _NEWLINES.sub("\n", text)
    if "<" in text:
        text = _SCRIPT.sub("", text)
        text = _COMMENT.sub("", text)
        text = _BLOCK_TAG.sub("\n", text)
        text = _INLINE_TAG.sub("", text)
    if "&" in text:
        text = html.unescape(text)
    if not text.isascii():
        text = _mojibake().sub(_repair, text)
        text = _INVISIBLE.sub("", text)
        if not unicodedata.is_normalized("NFC", text):
            text = unicodedata.normalize("NFC", text)
    else:
        text = _INVISIBLE.sub("", text)
    return _NEWLINES.sub("\n", text)


def _normalise(text: str, *, social: bool, drop_tags: frozenset[str]) -> str:
    """Normalise (and for social posts, strip markers) until the text stops changing.

    A pass can reveal work for the next one: entities inside entities ("&amp;lt;"), a tag
    behind a hashtag ("<#p>"), a marker behind a removed mention ("!@x#tag").
    """
    for _ in range(_MAX_PASSES):
        done = _normalise_once(text)
        if social:
            lines = done.split("\n")
            done = "\n".join(_clean_social_line(line, drop_tags=drop_tags) for line in lines)
        if done == text:
            break
        text = done
    return text


def _hashtag_words(text: str, *, drop_tags: frozenset[str]) -> str:
    """Turn "#BadService" into "Bad Service", drop URLs, @mentions and `drop_tags`.

    A mention between two words ("I wrote to @Nordlys and …") becomes `MENTION_PLACEHOLDER`
    so that the sentence still reads; elsewhere it is removed.
    """

    def replace(match: re.Match[str]) -> str:
        token = match.group()
        if token.startswith("#"):
            if token[1:].lower() in drop_tags:
                return ""
            return _CAMEL.sub(" ", token[1:]).strip()
        if token.startswith("@") and _WORD_BEFORE.search(text, 0, match.start()):
            if _WORD_AFTER.match(text, match.end()):
                return MENTION_PLACEHOLDER
        return ""

    return _INLINE_SOCIAL.sub(replace, text)


def _clean_social_line(line: str, *, drop_tags: frozenset[str]) -> str:
    """Clean one line of a social mention: tags, mentions, URLs and retweet prefix."""
    if "#" not in line and "@" not in line and "http" not in line and "www." not in line:
        return line
    while True:
        stripped = _RETWEET.sub("", line)
        if stripped == line:
            break
        line = stripped
    parts: list[str] = []
    leading = _LEADING_TAGS.match(line)
    if leading:
        parts.append(_hashtag_words(leading.group(), drop_tags=drop_tags))
        line = line[leading.end() :]
    trailing = _TRAILING_TAGS.search(line)
    tail = ""
    if trailing:
        tail = _hashtag_words(trailing.group(), drop_tags=drop_tags)
        line = line[: trailing.start()]
    parts.extend((_hashtag_words(line, drop_tags=drop_tags), tail))
    return "\n".join(_tidy(part) for part in parts)


def _tidy(text: str) -> str:
    """Close the gaps that removed mentions and URLs leave ("Thanks , the …")."""
    text = _SPACE_BEFORE_PUNCT.sub("", _SPACES.sub(" ", text))
    return _LEADING_PUNCT.sub("", text).strip()


def _keep_symbols(tail: str) -> str:
    """Keep the emoji (not the punctuation) that followed a removed signature."""
    kept = "".join(
        char for char in tail if not char.isspace() and unicodedata.category(char)[0] != "P"
    )
    return f" {kept}" if kept else ""


def _strip_trailing_boilerplate(line: str) -> tuple[str, bool]:
    """Remove signatures and "Sent from" footers at the end of a line.

    Returns:
        The line without them, and whether the whole line was boilerplate.
    """
    if not _BOILERPLATE_HINT.search(line):
        return line, False
    changed = False
    while True:
        match = _TRAILING_BOILERPLATE.search(line)
        if not match:
            break
        line = (line[: match.start()] + _keep_symbols(match.group("tail"))).strip()
        changed = True
    return line, changed and not any(char.isalnum() for char in line)


def _is_courtesy(line: str) -> bool:
    """Whether a chat turn is only greetings, thanks and acknowledgements."""
    words = _NON_WORD.sub(" ", line.lower())
    only, core = _courtesy_patterns()
    return bool(only.match(words)) and bool(core.search(words))


def _clean_lines(text: str, *, source: str) -> list[str]:
    """Apply the per-line rules; return the lines that remain, without empty ones."""
    kept: list[str] = []
    after_signoff = False
    for raw in text.split("\n"):
        line = _SPACES.sub(" ", raw).strip()
        if not line:
            continue
        if after_signoff and _NAME_LINE.match(line):
            continue
        line, whole = _strip_trailing_boilerplate(line)
        if whole or not line:
            after_signoff = after_signoff or whole
            continue
        if _FORMULA.match(line):
            continue
        if source == "chat":
            line = _chat_line(line)
            if not line:
                continue
        kept.append(line)
        after_signoff = False
    return kept


def _chat_line(line: str) -> str:
    """Drop a courtesy-only turn; strip greetings at the start of one that says more."""
    while line:
        if _is_courtesy(line):
            return ""
        stripped = _LEADING_GREETING.sub("", line)
        stripped, whole = _strip_trailing_boilerplate(stripped)
        if whole or stripped == line:
            return "" if whole else line
        line = stripped
    return line


def clean_text(text: str, *, source: str = "survey", drop_hashtags: Collection[str] = ()) -> str:
    """Clean one redacted feedback text.

    Args:
        text: The text as ingested (already PII-redacted). None or NaN count as "".
        source: "survey", "chat" (one customer turn per line) or "social"; selects the
            source-specific rules described in the module docstring.
        drop_hashtags: Hashtags (without "#", any case) that social posts lose entirely
            instead of keeping as words: the brand's own tags ("nordlys") carry no opinion
            and would otherwise become opinion units of their own.

    Returns:
        The cleaned text: one line per kept turn or paragraph, single spaces, no empty lines;
        "" when nothing but boilerplate was left.
    """
    if not isinstance(text, str) or not text:
        return ""
    drop_tags = frozenset(tag.lower().lstrip("#") for tag in drop_hashtags)
    text = _normalise(text, social=source == "social", drop_tags=drop_tags)
    return "\n".join(_clean_lines(text, source=source))


def _duplicate_key(text: str) -> str:
    """Return the normalised form of one cleaned text (see `duplicate_keys`)."""
    return _KEY_NOISE.sub(" ", text.lower().replace("#", "")).strip()


def duplicate_keys(
    clean_texts: pd.Series, *, sources: pd.Series, min_words: int = MIN_DUPLICATE_WORDS
) -> pd.Series:
    """Return the text by which records are compared for duplicates.

    The key is the cleaned text lower-cased without URLs, @mentions, placeholders, hashtag
    signs, punctuation, emoji and extra whitespace (digits are kept). Survey and chat texts
    with fewer than `min_words` key words get no key: short comments are common phrases that
    many customers write independently.

    Args:
        clean_texts: Cleaned texts (the output of `clean_text`).
        sources: The records' sources, aligned with `clean_texts`.
        min_words: Words a survey or chat text needs to have a key.

    Returns:
        The keys, aligned with `clean_texts`; None where a record cannot be a duplicate.
    """
    keys = pd.Series(
        [_duplicate_key(text) for text in clean_texts], index=clean_texts.index, dtype="object"
    )
    words = keys.str.count(" ") + 1
    eligible = (keys != "") & ((sources.to_numpy() == "social") | (words >= min_words))
    return keys.where(eligible, None)


def clean_records(
    records: pd.DataFrame,
    *,
    min_duplicate_words: int = MIN_DUPLICATE_WORDS,
    earlier: Mapping[str, str] | None = None,
    drop_hashtags: Collection[str] = (),
) -> pd.DataFrame:
    """Clean every record's text and mark duplicates and copy-paste campaigns.

    A record is a duplicate when its `duplicate_keys` key equals another record's; each group
    of equal keys keeps its first record in frame order, preferring a record that is not a
    retweet ("RT @user: …" in a social mention), and the others name it in ``duplicate_of``.
    Near-duplicates that differ in words are not detected.

    Args:
        records: Frame with record_id, source and text columns; not modified.
        min_duplicate_words: Words a survey or chat text needs before it can be a duplicate.
        earlier: Keys of records seen in earlier batches, mapped to their record_id; a record
            whose key is here is a duplicate of that record.
        drop_hashtags: Hashtags social posts lose entirely (see `clean_text`).

    Returns:
        New frame, same index and order: record_id, clean_text, is_duplicate (bool),
        duplicate_of (record_id or None).
    """
    texts = records[TEXT].astype("object")
    sources = records[SOURCE].astype("object").fillna("survey")
    cache: dict[tuple[str, str], str] = {}
    drop_tags = frozenset(tag.lower().lstrip("#") for tag in drop_hashtags)
    cleaned: list[str] = []
    for text, source in zip(texts.to_numpy(), sources.to_numpy(), strict=True):
        key = (text if isinstance(text, str) else "", source)
        if key not in cache:
            cache[key] = clean_text(key[0], source=source, drop_hashtags=drop_tags)
        cleaned.append(cache[key])
    clean = pd.Series(cleaned, index=records.index, dtype="object")
    keys = duplicate_keys(clean, sources=sources, min_words=min_duplicate_words)
    retweet = (sources == "social") & texts.fillna("").str.match(_RETWEET.pattern)
    ids = records[RECORD_ID].astype("object")
    candidates = pd.DataFrame(
        {"key": keys.to_numpy(), "retweet": retweet.to_numpy(), RECORD_ID: ids.to_numpy()}
    ).dropna(subset=["key"])
    first = (
        candidates.sort_values("retweet", kind="stable")
        .drop_duplicates("key")
        .set_index("key")[RECORD_ID]
    )
    if earlier:
        known = {str(key): str(record_id) for key, record_id in first.items()}
        known.update(earlier)
        first = pd.Series(known, dtype="object")
    original = keys.map(first).astype("object")
    repeated = (original.notna() & (original != ids)).to_numpy()
    duplicate_of = pd.Series(
        [value if flag else None for value, flag in zip(original, repeated, strict=True)],
        index=records.index,
        dtype="object",
    )
    return pd.DataFrame(
        {
            RECORD_ID: ids,
            CLEAN_TEXT: clean,
            IS_DUPLICATE: duplicate_of.notna().astype(bool),
            DUPLICATE_OF: duplicate_of,
        },
        index=records.index,
    )


__all__ = [
    "MENTION_PLACEHOLDER",
    "MIN_DUPLICATE_WORDS",
    "clean_records",
    "clean_text",
    "duplicate_keys",
]
