"""Tests for pipeline.text.segment: sentences, contrastive splits, unit ids and positions."""

from __future__ import annotations

import re

import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from pipeline.errors import VerbatimError
from pipeline.schemas import CLEAN_TEXT, LANG, POSITION, RECORD_ID, TEXT, UNIT_ID
from pipeline.text.clean import clean_text
from pipeline.text.segment import segment_units


def _records(texts: list[str], lang: str | list[str] = "en") -> pd.DataFrame:
    langs = [lang] * len(texts) if isinstance(lang, str) else lang
    return pd.DataFrame(
        {RECORD_ID: [f"r{i}" for i in range(len(texts))], LANG: langs, CLEAN_TEXT: texts}
    )


def _units(text: str, lang: str = "en", **options: int) -> list[str]:
    return segment_units(_records([text], lang), **options)[TEXT].tolist()


@pytest.mark.parametrize(
    ("lang", "text", "expected"),
    [
        (
            "en",
            "The app crashes. Support was quick! Why so expensive?",
            ["The app crashes.", "Support was quick!", "Why so expensive?"],
        ),
        (
            "da",
            "Jeg ringede f.eks. tre gange. Det kostede 30 kr. i alt.",
            ["Jeg ringede f.eks. tre gange.", "Det kostede 30 kr. i alt."],
        ),
        ("nb", "Saken ble løst. Takk for god hjelp!", ["Saken ble løst.", "Takk for god hjelp!"]),
        (
            "sv",
            "Supporten var snabb. Priset är för högt.",
            ["Supporten var snabb.", "Priset är för högt."],
        ),
        ("und", "Fine. Nothing more to say", ["Fine.", "Nothing more to say"]),
        ("en", "Line one is here\nline two is there", ["Line one is here", "line two is there"]),
        (
            "en",
            "the router was ready in ten minutes! the internet drops out",
            ["the router was ready in ten minutes!", "the internet drops out"],
        ),
    ],
)
def test_sentences_and_lines(lang: str, text: str, expected: list[str]) -> None:
    assert _units(text, lang) == expected


@pytest.mark.parametrize(
    ("lang", "text", "expected"),
    [
        (
            "en",
            "friendly staff but the invoice was wrong",
            ["friendly staff", "but the invoice was wrong"],
        ),
        (
            "en",
            "The staff was kind and patient, but third price hike in a year!",
            ["The staff was kind and patient", "but third price hike in a year!"],
        ),
        (
            "en",
            "I am happy with the speed although the price is high",
            ["I am happy with the speed", "although the price is high"],
        ),
        (
            "en",
            "Good coverage, however the app is useless.",
            ["Good coverage", "however the app is useless."],
        ),
        (
            "en",
            "Although the staff was nice, the bill was wrong.",
            ["Although the staff was nice", "the bill was wrong."],
        ),
        (
            "da",
            "Hurtigt svar, men har ringet flere gange uden held.",
            ["Hurtigt svar", "men har ringet flere gange uden held."],
        ),
        (
            "da",
            "Jeg er tilfreds selvom prisen er høj",
            ["Jeg er tilfreds", "selvom prisen er høj"],
        ),
        (
            "da",
            "Hurtig levering, dog var pakken skadet.",
            ["Hurtig levering", "dog var pakken skadet."],
        ),
        (
            "nb",
            "Kjempegod service fra damen, men det tar lang tid å komme gjennom.",
            ["Kjempegod service fra damen", "men det tar lang tid å komme gjennom."],
        ),
        (
            "nb",
            "Jeg er fornøyd selv om prisen er høy",
            ["Jeg er fornøyd", "selv om prisen er høy"],
        ),
        (
            "nb",
            "Appen er treg, likevel er jeg fornøyd",
            ["Appen er treg", "likevel er jeg fornøyd"],
        ),
        (
            "sv",
            "möttes av ett leende i butiken, men väntade hemma en hel förmiddag",
            ["möttes av ett leende i butiken", "men väntade hemma en hel förmiddag"],
        ),
        (
            "sv",
            "Bra service, fast priset är alldeles för högt.",
            ["Bra service", "fast priset är alldeles för högt."],
        ),
        (
            "sv",
            "Jag är nöjd även om det tog lång tid",
            ["Jag är nöjd", "även om det tog lång tid"],
        ),
        (
            "sv",
            "Snabb leverans, dock var routern trasig.",
            ["Snabb leverans", "dock var routern trasig."],
        ),
    ],
)
def test_contrastive_conjunctions_split(lang: str, text: str, expected: list[str]) -> None:
    assert _units(text, lang) == expected


@pytest.mark.parametrize(
    ("lang", "text"),
    [
        ("en", "The men at the shop were rude to everyone."),
        ("en", "The button to log in does nothing."),
        ("en", "I had nothing but problems with the router."),
        ("en", "It is not only cheap but also fast."),
        ("en", "The staff, however, was nice."),
        ("en", "Cheap but slow."),
        ("en", "Not fixed yet after two weeks."),
        ("da", "Det virker dog ikke efter opdateringen."),
        ("da", "Men ikke noget særligt ud over det."),
        ("da", "Jeg ringede selv om fakturaen i går."),
        ("nb", "Billig, men treg."),
        ("sv", "Routern satt fast i väggen hela dagen."),
        ("sv", "Ingen svarade fast jag ringde tre gånger."),
        ("sv", "Det fungerar dock inte."),
        ("und", "Billig men treg men rask."),
    ],
)
def test_no_split_where_the_word_is_not_a_turn(lang: str, text: str) -> None:
    assert _units(text, lang) == [text]


@pytest.mark.parametrize(
    ("lang", "text", "expected"),
    [
        (
            "da",
            "Der har været nedbrud i tre dage; ventetiden på chatten er alt for lang.",
            ["Der har været nedbrud i tre dage", "ventetiden på chatten er alt for lang."],
        ),
        (
            "en",
            "never again; the app crashes all the time; the bill was wrong",
            ["never again", "the app crashes all the time", "the bill was wrong"],
        ),
        (
            "en",
            "Friendly staff; but the bill was wrong",
            ["Friendly staff", "but the bill was wrong"],
        ),
        # too short on one side: "Good; fine" and a short list stay one unit
        ("en", "Good; fine", ["Good; fine"]),
        ("sv", "Bra; snabbt och enkelt", ["Bra; snabbt och enkelt"]),
        # a winking emoticon is not a clause boundary
        ("en", "Great support ;) thanks a lot", ["Great support ;) thanks a lot"]),
    ],
)
def test_semicolons_end_units(lang: str, text: str, expected: list[str]) -> None:
    assert _units(text, lang) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Great service! 😊", ["Great service! 😊"]),
        (
            "Great service! 😊 Thanks for the quick fix.",
            ["Great service! 😊", "Thanks for the quick fix."],
        ),
        ("Elendig service.\n😡", ["Elendig service. 😡"]),
        ("😡\nThe app crashes all the time", ["😡 The app crashes all the time"]),
        ("👍", ["👍"]),
        ("Fine :)", ["Fine :)"]),
        ("...\n!!!\nOK then.", ["OK then."]),
        ("Good.\n - . \nBad.", ["Good.", "Bad."]),
    ],
)
def test_emoji_attach_and_punctuation_drops(text: str, expected: list[str]) -> None:
    assert _units(text) == expected


def test_long_units_are_cut_at_a_space() -> None:
    text = " ".join(f"word{i}" for i in range(100))
    units = _units(text, max_unit_chars=60)
    assert all(len(unit) <= 60 for unit in units)
    assert " ".join(units) == text


def test_a_word_longer_than_the_limit_stays_whole() -> None:
    assert _units("x" * 80 + " tail", max_unit_chars=50) == ["x" * 80, "tail"]


def test_ids_positions_and_columns() -> None:
    records = _records(
        ["Good. Bad coverage but it works in the end. Fine!", "", "Kun én sætning", "   "],
        ["en", "da", "da", "sv"],
    )
    before = records.copy(deep=True)
    units = segment_units(records)
    pd.testing.assert_frame_equal(records, before)
    assert list(units.columns) == [UNIT_ID, RECORD_ID, POSITION, TEXT, LANG]
    assert units[RECORD_ID].tolist() == ["r0", "r0", "r0", "r0", "r2"]
    assert units[POSITION].tolist() == [0, 1, 2, 3, 0]
    assert units[UNIT_ID].tolist() == ["r0-0", "r0-1", "r0-2", "r0-3", "r2-0"]
    assert units[LANG].tolist() == ["en"] * 4 + ["da"]
    assert units[UNIT_ID].is_unique
    pd.testing.assert_frame_equal(units, segment_units(records))


def test_text_column_and_missing_lang_are_accepted() -> None:
    records = pd.DataFrame({RECORD_ID: ["a"], TEXT: ["Good staff but slow internet here."]})
    units = segment_units(records)
    assert units[TEXT].tolist() == ["Good staff", "but slow internet here."]
    assert units[LANG].tolist() == ["und", "und"]


def test_empty_input() -> None:
    units = segment_units(_records([]))
    assert len(units) == 0
    assert list(units.columns) == [UNIT_ID, RECORD_ID, POSITION, TEXT, LANG]


def test_missing_text_column_raises() -> None:
    with pytest.raises(VerbatimError, match="clean_text"):
        segment_units(pd.DataFrame({RECORD_ID: ["a"]}))


@pytest.mark.parametrize("option", [{"max_unit_chars": 0}, {"min_side_words": 0}])
def test_bad_options_raise(option: dict[str, int]) -> None:
    with pytest.raises(ValueError, match="at least 1"):
        segment_units(_records(["x"]), **option)


def _words(text: str) -> list[str]:
    return re.findall(r"\w+", text)


def _is_subsequence(part: list[str], whole: list[str]) -> bool:
    remaining = iter(whole)
    return all(word in remaining for word in part)


_FEEDBACK = st.lists(
    st.sampled_from(
        [
            "God service",
            "men",
            "but",
            "dog",
            ",",
            ". ",
            "!",
            "\n",
            "😡",
            "🙂",
            ":)",
            "fast",
            "however",
            "selv om",
            "även om",
            "although",
            "Hilsen Lars",
            "RT @x:",
            "#BadService",
            "[PERSON]",
            "f.eks.",
            "kr.",
            " ",
            "prisen er høj",
            "the invoice was wrong",
            "...",
        ]
    ),
    max_size=30,
).map("".join)


@settings(max_examples=150, deadline=None)
@given(
    text=st.one_of(st.text(max_size=200), _FEEDBACK),
    lang=st.sampled_from(["da", "nb", "sv", "en", "und"]),
    source=st.sampled_from(["survey", "chat", "social"]),
)
def test_units_invent_nothing(text: str, lang: str, source: str) -> None:
    cleaned = clean_text(text, source=source)
    assert clean_text(cleaned, source=source) == cleaned
    units = segment_units(_records([cleaned], lang))
    unit_words = [word for unit in units[TEXT] for word in _words(unit)]
    assert _is_subsequence(unit_words, _words(cleaned))
    assert units[POSITION].tolist() == list(range(len(units)))
