"""Decide which source column is which field, from the configuration or from the headers.

Survey tools name columns in many ways ("Q1_NPS_SCORE", "Hvor sandsynligt er det…",
"Kommentar", "Begrundelse", "RecordedDate"). A header is matched against names in English,
Danish, Norwegian and Swedish; where several columns match, the values decide (the numeric column
wins the score, the date-like column the date, the longest text the comment).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from pipeline.errors import InputFileError
from pipeline.ingest.normalize import date_share, numeric_share
from pipeline.schemas import SEGMENT_COLUMNS

_CAMEL = re.compile(r"(?<=[a-zæøåäö])(?=[A-ZÆØÅÄÖ])")
_WORD = re.compile(r"[^\W_]+")


@dataclass(frozen=True)
class Names:
    """How a field is usually called: whole names (spaces and punctuation removed) and words."""

    exact: frozenset[str]
    words: frozenset[str] = frozenset()


def _names(exact: str, words: str = "") -> Names:
    return Names(frozenset(exact.split()), frozenset(words.split()))


ID_WORDS = frozenset("id nr no number nummer num".split())
FIELD_NAMES: dict[str, Names] = {
    "id": _names(
        "id responseid respondentid respondent response answerid svarid svarsid besvarelsesid "
        "besvarelseid submissionid recordid interviewid surveyresponseid responsnummer "
        "conversationid chatid ticketid sessionid mentionid tweetid postid statusid"
    ),
    "customer_id": _names(
        "customerid customer customerno customernumber customernr kundeid kundenummer kundenr "
        "kundnummer kundnr kundid clientid userid accountid accountnumber kontonummer "
        "medlemsnummer memberid contactid kunde kund",
        "customer kunde kund client klient user account member medlem contact",
    ),
    "created_at": _names(
        "date dato datum created createdat creationdate submitted submittedat submitdate "
        "timestamp time tid tidspunkt recordeddate enddate startdate completed completedat "
        "completiondate responsedate answerdate svardato svarsdato svarsdatum besvaret "
        "besvarad besvart tweetcreated postedat posted published publishedat datetime "
        "startedat sentat",
        "date dato datum timestamp created submitted completed tidspunkt posted",
    ),
    "score": _names(
        "nps npsscore score rating recommend likelihood anbefale anbefaling rekommendera "
        "rekommendation csat csatscore ces cesscore betyg karakter vurdering",
        "nps score rating recommend likely likelihood anbefale anbefaler anbefalje "
        "sandsynlighed sandsynligt sandsynlig sannsynlighet sannsynlig rekommendera "
        "rekommenderar rekommendation sannolikhet sannolikt csat ces effort satisfaction "
        "satisfied tilfredshed tilfredshet tilfreds nöjd nöjdhet betyg karakter vurdering "
        "indsats innsats ansträngning anstrengelse",
    ),
    "text": _names(
        "comment comments feedback text verbatim kommentar kommentarer begrundelse begrunnelse "
        "motivering fritekst fritext answer review message opentext remarks tweet content body "
        "post",
        "comment comments feedback text verbatim why reason kommentar kommentarer begrundelse "
        "begrunnelse motivering motivation fritekst fritext årsag årsak anledning hvorfor "
        "varför remark remarks review anmeldelse recension omdöme message besked melding "
        "meddelande tekst explain forklar beskriv improve forbedre förbättra tweet",
    ),
    "platform": _names(
        "platform network socialnetwork site medium kilde källa",
        "platform network",
    ),
    "author": _names(
        "author user username handle screenname forfatter författare bruger bruker användare "
        "authorhandle userhandle",
        "author handle username",
    ),
    "in_reply_to": _names(
        "inreplyto inreplytoid inreplytostatusid replyto replytoid parentid inreplytotweetid"
    ),
    "is_retweet": _names("isretweet retweet retweeted isshare reshare isrepost repost"),
    "likes": _names("likes likecount favorites favoritecount favourites reactions"),
    "shares": _names("shares sharecount retweets retweetcount reposts"),
}
SEGMENT_NAMES: dict[str, Names] = {
    "team": _names("team teams teamname hold", "team"),
    "department": _names(
        "department dept afdeling avdeling avdelning division enhed enhet",
        "department afdeling avdeling avdelning division",
    ),
    "product": _names(
        "product products produkt produkter plan abonnement subscription productname",
        "product produkt",
    ),
    "country": _names(
        "country land market marked marknad countrycode", "country land market marked marknad"
    ),
    "channel": _names("channel kanal touchpoint", "channel kanal"),
    "region": _names("region area område omrade", "region"),
    "store": _names("store shop butik butikk branch filial location", "store butik butikk"),
}
CSAT_WORDS = frozenset(
    "csat satisfaction satisfied tilfredshed tilfredshet tilfreds nöjd nöjdhet".split()
)
CES_WORDS = frozenset(
    "ces effort indsats innsats ansträngning anstrengelse easy nemt lett enkelt".split()
)


def header_words(header: str) -> list[str]:
    """Lower-case words of a header ("Q1_NPS_Score" -> ["q1", "nps", "score"])."""
    return [word.lower() for word in _WORD.findall(_CAMEL.sub(" ", header))]


def match_strength(header: str, names: Names) -> int:
    """How well a header matches a field: 3 exact, 2 exact after a prefix, 1 by a word, 0 not."""
    words = header_words(header)
    if not words:
        return 0
    if "".join(words) in names.exact:
        return 3
    if any("".join(words[start:]) in names.exact for start in range(1, len(words))):
        return 2
    return 1 if names.words.intersection(words) else 0


def _is_customer_id(header: str) -> bool:
    return match_strength(header, FIELD_NAMES["customer_id"]) > 0


def _is_id(header: str) -> bool:
    strength = match_strength(header, FIELD_NAMES["id"])
    return strength >= 2 or (
        bool(ID_WORDS.intersection(header_words(header))) and not _is_customer_id(header)
    )


@dataclass(frozen=True)
class ColumnMap:
    """Source column per field (None when absent) and segment columns.

    Attributes:
        fields: Field name -> source column header or None.
        segments: Segment name -> source column header.
    """

    fields: Mapping[str, str | None]
    segments: Mapping[str, str]

    def used(self) -> set[str]:
        """Every source column this map reads."""
        return {name for name in self.fields.values() if name} | set(self.segments.values())


def _check_configured(path: Path, header: list[str], key: str, column: str) -> str:
    if column in header:
        return column
    lowered = {name.lower(): name for name in header}
    if column.lower() in lowered:
        return lowered[column.lower()]
    raise InputFileError(
        path,
        f"column '{column}' (set by {key} in the configuration) is not in the file",
        field=column,
        hint=f"The file's columns are: {', '.join(header) or '(none)'}",
    )


def _best(
    header: list[str],
    names: Names,
    taken: set[str],
    *,
    accept: Callable[[str, int], bool] | None = None,
) -> str | None:
    ranked = []
    for position, column in enumerate(header):
        if column in taken:
            continue
        strength = match_strength(column, names)
        if strength and (accept is None or accept(column, strength)):
            ranked.append((strength, -position, column))
    return max(ranked)[2] if ranked else None


def resolve_columns(
    header: list[str],
    sample: pd.DataFrame,
    *,
    path: Path,
    fields: tuple[str, ...],
    configured: Mapping[str, str | None],
    configured_segments: Mapping[str, str],
    config_prefix: str,
    detect_segments: bool = True,
) -> ColumnMap:
    """Map fields to source columns.

    Args:
        header: The file's column names.
        sample: The first rows, used to tell numeric, date and text columns apart.
        path: The file, for error messages.
        fields: Fields to look for, in order of precedence.
        configured: Field -> column given in the configuration (None: detect).
        configured_segments: Segment name -> column given in the configuration.
        config_prefix: Configuration section, for error messages ("ingest.survey").
        detect_segments: Also look for the standard segment columns by name.

    Returns:
        The column map.

    Raises:
        InputFileError: When a configured column is not in the file.
    """
    taken: set[str] = set()
    found: dict[str, str | None] = {}
    for field_name in fields:
        column = configured.get(field_name)
        if column:
            resolved = _check_configured(path, header, f"{config_prefix}.{field_name}", column)
            found[field_name] = resolved
            taken.add(resolved)
    segments = {
        name: _check_configured(path, header, f"{config_prefix}.segments.{name}", column)
        for name, column in configured_segments.items()
    }
    taken |= set(segments.values())

    def share(column: str, measure: Callable[[pd.Series], float]) -> float:
        if column not in sample.columns:
            return 0.0
        # a header-only file has no values to judge by: the header names decide
        return measure(sample[column]) if len(sample) else 1.0

    # A header that names the field outright (strength >= 2) needs less proof from the values
    # than one that merely contains a telling word: "date" with a few bad dates is still the
    # date column (its bad rows are rejected with reasons), "NPS Group" full of words is not
    # the score.
    accept: dict[str, Callable[[str, int], bool]] = {
        "score": lambda c, strength: share(c, numeric_share) >= (0.5 if strength >= 2 else 0.8),
        "created_at": lambda c, strength: strength >= 2 or share(c, date_share) >= 0.8,
        "id": lambda c, strength: _is_id(c),
        "likes": lambda c, strength: share(c, numeric_share) >= 0.8,
        "shares": lambda c, strength: share(c, numeric_share) >= 0.8,
    }
    for field_name in fields:
        if field_name in found or field_name == "text":
            continue
        names = FIELD_NAMES[field_name]
        best = _best(header, names, taken, accept=accept.get(field_name))
        found[field_name] = best
        if best:
            taken.add(best)
    if "text" in fields and "text" not in found:
        found["text"] = _text_column(header, sample, taken)
        if found["text"]:
            taken.add(found["text"])
    if detect_segments:
        for name in SEGMENT_COLUMNS:
            if name in segments:
                continue
            column = _best(header, SEGMENT_NAMES[name], taken)
            if column:
                segments[name] = column
                taken.add(column)
    return ColumnMap(fields={name: found.get(name) for name in fields}, segments=segments)


def _text_column(header: list[str], sample: pd.DataFrame, taken: set[str]) -> str | None:
    candidates = []
    for position, column in enumerate(header):
        if column in taken or column not in sample.columns:
            continue
        strength = match_strength(column, FIELD_NAMES["text"])
        if not strength:
            continue
        values = sample[column].dropna().astype(str)
        if len(values) and (numeric_share(values) > 0.5 or date_share(values) > 0.5):
            continue
        mean_length = float(values.str.len().mean()) if len(values) else 0.0
        candidates.append((mean_length, strength, -position, column))
    return max(candidates)[3] if candidates else None


def score_type_from_header(header: str) -> str:
    """Guess the scale from the score column's header: csat, ces, or nps (the default)."""
    words = set(header_words(header))
    if words & CSAT_WORDS:
        return "csat"
    if words & CES_WORDS:
        return "ces"
    return "nps"
