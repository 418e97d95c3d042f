"""Tests for pipeline.text.clean: cleaning rules per source and duplicate detection."""

from __future__ import annotations

import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from pipeline.schemas import CLEAN_TEXT, DUPLICATE_OF, IS_DUPLICATE, RECORD_ID, SOURCE, TEXT
from pipeline.text.clean import MENTION_PLACEHOLDER, clean_records, clean_text, duplicate_keys


def _records(texts: list[str], sources: list[str] | None = None) -> pd.DataFrame:
    return pd.DataFrame(
        {
            RECORD_ID: [f"r{i}" for i in range(len(texts))],
            SOURCE: sources or ["survey"] * len(texts),
            TEXT: texts,
        }
    )


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            "<b>Tak for en flink og professionel behandling!</b>",
            "Tak for en flink og professionel behandling!",
        ),
        (
            "Usel service! Omöjligt att få tag på någon hos er.<br>",
            "Usel service! Omöjligt att få tag på någon hos er.",
        ),
        ("<p>Veldig fornøyd</p><p>Rask levering</p>", "Veldig fornøyd\nRask levering"),
        ("Price &amp; quality &lt;3", "Price & quality <3"),
        ("Fint<br/>men dyrt", "Fint\nmen dyrt"),
        ("Dyr &amp;amp; langsom", "Dyr & langsom"),
        ("<i>Bra</i> <script>alert(1)</script>service", "Bra service"),
        ("I <3 the new app", "I <3 the new app"),
    ],
)
def test_markup_is_stripped(text: str, expected: str) -> None:
    assert clean_text(text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Jeg er  meget\ttilfreds", "Jeg er meget tilfreds"),
        ("Hurtig\u00a0hjælp\u200b!", "Hurtig hjælp!"),
        ("  God service \r\n\r\n\r\nMen dyrt  ", "God service\nMen dyrt"),
        ("Bra\x00 service\x07", "Bra service"),
        ("Cafe\u0301 og gra\u030ad", "Café og gråd"),  # NFC
        ("Prisen er hÃ¸j og Ã¦rgerlig", "Prisen er høj og ærgerlig"),  # noqa: RUF001
        ("Dårlig ðŸ˜¡ â€“ virkelig", "Dårlig 😡 – virkelig"),  # noqa: RUF001
        ("Ærlig talt, så er øl og ål fine", "Ærlig talt, så er øl og ål fine"),
        ("Sämst i Göteborg, än så länge", "Sämst i Göteborg, än så länge"),
    ],
)
def test_whitespace_and_unicode(text: str, expected: str) -> None:
    assert clean_text(text) == expected


@pytest.mark.parametrize("source", ["survey", "chat", "social"])
@pytest.mark.parametrize(
    "text",
    [
        "Elendig service 😡",
        "Great experience 👍🏽",
        "Kan varmt anbefales ❤️",
        "Familien er glad 👨\u200d👩\u200d👧",
        "Toppen! 😊🙏",
    ],
)
def test_emoji_survive(text: str, source: str) -> None:
    assert clean_text(text, source=source) == text


@pytest.mark.parametrize("source", ["survey", "chat", "social"])
@pytest.mark.parametrize(
    "text",
    [
        "Ring til [PERSON] på [PHONE]",
        "Skriv til [EMAIL], tak for hjælpen med sagen",
        "See [URL] for the broken page",
    ],
)
def test_placeholders_are_kept(text: str, source: str) -> None:
    assert clean_text(text, source=source) == text


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            "RT @line82: Det är tredje prishöjningen på ett år.",
            "Det är tredje prishöjningen på ett år.",
        ),
        ("RT @a: RT @b.c_1: Elendig service", "Elendig service"),
        ("@NordlysTelecom Dere har økt prisen med 30 kr.", "Dere har økt prisen med 30 kr."),
        ("Hastigheten er elendig. 🤬 @NordlysTelecom", "Hastigheten er elendig. 🤬"),
        ("@emma.9200 Håller med!", "Håller med!"),
        ("Thanks @NordlysTelecom, the app is down", "Thanks, the app is down"),
        (
            "I wrote to @NordlysTelecom and nobody answered",
            f"I wrote to {MENTION_PLACEHOLDER} and nobody answered",
        ),
        ("The #BadService continues", "The Bad Service continues"),
        ("Elendig #kundeservice i dag", "Elendig kundeservice i dag"),
        ("Det er greit. #NordlysTelecom", "Det er greit.\nNordlys Telecom"),
        (
            "#nordlys A bit disappointed by the price rise",
            "nordlys\nA bit disappointed by the price rise",
        ),
        ("Se her https://example.com/p/jnc8cf7 for detaljer", "Se her for detaljer"),
        ("Klik her: https://example.org/x #nordlys #gratis", "Klik her:\nnordlys gratis"),
        ("Look at [URL] #fail", "Look at [URL]\nfail"),
        ("Kundtjänst var bra via @someone", "Kundtjänst var bra"),
        ("C# and e-mail me@example.com stay", "C# and e-mail me@example.com stay"),
    ],
)
def test_social_markers(text: str, expected: str) -> None:
    assert clean_text(text, source="social") == expected


def test_brand_hashtags_can_be_dropped() -> None:
    text = "#Nordlys Det virker ikke #BadService #NORDLYSTELECOM"
    cleaned = clean_text(text, source="social", drop_hashtags=["nordlys", "#NordlysTelecom"])
    assert cleaned == "Det virker ikke\nBad Service"
    records = _records([text], ["social"])
    assert clean_records(records, drop_hashtags={"nordlys", "nordlystelecom"})[
        CLEAN_TEXT
    ].tolist() == [cleaned]


def test_social_rules_only_apply_to_social() -> None:
    assert clean_text("The #BadService @x", source="survey") == "The #BadService @x"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("hej\nMin faktura er forkert\ntak", "Min faktura er forkert"),
        (
            "hei\nBredbåndet har vært nede hele helgen\ntakk for hjelpen 🙂",
            "Bredbåndet har vært nede hele helgen",
        ),
        (
            "hejsan\nBredbandet har inte fungerat sedan måndag!\ntoppen, tack",
            "Bredbandet har inte fungerat sedan måndag!",
        ),
        ("Hi!\nThe app keeps crashing.\nok thanks!!", "The app keeps crashing."),
        ("hello\nthanks\nok\nokay 👍\nsuper, tak", ""),
        ("Det virker stadig ikke\nSendt fra min iPhone", "Det virker stadig ikke"),
        (
            "Skickat från min iPhone\nDet fungerar fortfarande inte",
            "Det fungerar fortfarande inte",
        ),
        ("It still doesn't work\nSent from Outlook for Android", "It still doesn't work"),
        ("Ventetiden er for lang\nMed venlig hilsen\nLars Jensen", "Ventetiden er for lang"),
        ("The router is broken\nBest regards\n[PERSON]", "The router is broken"),
        ("Hej, jeg har et spørgsmål om min regning", "jeg har et spørgsmål om min regning"),
        ("Tak. Hilsen Lars", ""),
        ("fint", "fint"),
        ("tak for ingenting", "tak for ingenting"),
        (
            "thanks for nothing, the router is still dead",
            "thanks for nothing, the router is still dead",
        ),
    ],
)
def test_chat_boilerplate_is_dropped(text: str, expected: str) -> None:
    assert clean_text(text, source="chat") == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Det er greit! Vennlig hilsen Mads.", "Det er greit!"),
        ("Fin oplevelse! Hilsen Jørgen!", "Fin oplevelse!"),
        ("Helt i sin ordning. Mvh Magnus", "Helt i sin ordning."),
        ("Very happy. Regards, Elin.", "Very happy."),
        ("Instabil uppkoppling. Mvh. Ingrid Berg", "Instabil uppkoppling."),
        ("Regards, James", ""),
        (". Regards, David!", ""),
        ("Lang ventetid. 🤷 Hilsen Mads!", "Lang ventetid. 🤷"),
        ("Great. Sent from my iPhone", "Great."),
        ("Hilsen fra en sur kunde", "Hilsen fra en sur kunde"),
        ("Best wishes to the whole team!", "Best wishes to the whole team!"),
        (
            "I was sent from one agent to another on the phone",
            "I was sent from one agent to another on the phone",
        ),
        ("=SUM(A1)", ""),
        ('=HYPERLINK("https://example.com";"klik her")', ""),
        ("=1+1", ""),
        ("=)", "=)"),
        ("Tak for hjælpen", "Tak for hjælpen"),
    ],
)
def test_survey_signatures_footers_formulas(text: str, expected: str) -> None:
    assert clean_text(text, source="survey") == expected


@pytest.mark.parametrize("value", [None, float("nan"), ""])
def test_missing_text_is_empty(value: object) -> None:
    assert clean_text(value) == ""  # type: ignore[arg-type]


def test_campaign_counts_once() -> None:
    spam = (
        "🔥 Skift til Nordlys i dag og få 3 måneder GRATIS! Klik her: https://x.org/{i} #nordlys"
    )
    texts = ["Elendig service i dag"] + [spam.format(i=i) for i in range(20)]
    cleaned = clean_records(_records(texts, ["social"] * len(texts)))
    assert not cleaned[IS_DUPLICATE].iloc[:2].any()
    assert cleaned[IS_DUPLICATE].iloc[2:].all()
    assert (cleaned[DUPLICATE_OF].iloc[2:] == "r1").all()
    assert cleaned[DUPLICATE_OF].iloc[:2].isna().all()


@pytest.mark.parametrize(
    ("texts", "expected"),
    [
        (
            [
                "Konkurrencedygtige priser. #nordlys",
                "RT @joergen_2: Konkurrencedygtige priser. #nordlys",
            ],
            [None, "r0"],
        ),
        (
            ["RT @joergen_2: Konkurrencedygtige priser.", "Konkurrencedygtige priser."],
            ["r1", None],
        ),
        (["RT @joergen_2: Konkurrencedygtige priser."], [None]),
        (
            [
                "@NordlysTelecom Elendig service!",
                "Elendig service 😡 #Nordlys",
                "ELENDIG   SERVICE",
            ],
            [None, None, "r0"],
        ),
        (["Pris 100 kr", "Pris 200 kr"], [None, None]),
    ],
)
def test_retweets_and_copies(texts: list[str], expected: list[str | None]) -> None:
    cleaned = clean_records(_records(texts, ["social"] * len(texts)))
    assert cleaned[DUPLICATE_OF].tolist() == expected
    assert cleaned[IS_DUPLICATE].tolist() == [value is not None for value in expected]


def test_short_survey_comments_are_not_duplicates() -> None:
    long = " ".join(["The router was delivered late and the installation took hours"] * 3)
    texts = ["Good service.", "Good service.", long, long]
    cleaned = clean_records(_records(texts))
    assert cleaned[DUPLICATE_OF].tolist() == [None, None, None, "r2"]


def test_earlier_batches_are_matched() -> None:
    texts = ["Skift til Nordlys i dag og få 3 måneder gratis"]
    records = _records(texts, ["social"])
    key = duplicate_keys(pd.Series(texts), sources=pd.Series(["social"]))[0]
    cleaned = clean_records(records, earlier={key: "old-1"})
    assert cleaned[DUPLICATE_OF].tolist() == ["old-1"]


def test_clean_records_shape_and_no_mutation() -> None:
    records = _records(
        ["<b>Bra</b>", "hej\nDet virker ikke", "RT @a: Fint #nordlys"],
        ["survey", "chat", "social"],
    )
    records.index = [10, 11, 12]
    before = records.copy(deep=True)
    cleaned = clean_records(records)
    pd.testing.assert_frame_equal(records, before)
    assert list(cleaned.columns) == [RECORD_ID, CLEAN_TEXT, IS_DUPLICATE, DUPLICATE_OF]
    assert list(cleaned.index) == [10, 11, 12]
    assert cleaned[CLEAN_TEXT].tolist() == ["Bra", "Det virker ikke", "Fint\nnordlys"]
    assert cleaned[IS_DUPLICATE].dtype == bool


def test_empty_frame() -> None:
    cleaned = clean_records(_records([]))
    assert len(cleaned) == 0
    assert list(cleaned.columns) == [RECORD_ID, CLEAN_TEXT, IS_DUPLICATE, DUPLICATE_OF]


@settings(max_examples=300, deadline=None)
@given(text=st.text(max_size=200), source=st.sampled_from(["survey", "chat", "social"]))
def test_clean_text_is_idempotent(text: str, source: str) -> None:
    once = clean_text(text, source=source)
    assert clean_text(once, source=source) == once


_FEEDBACK = st.lists(
    st.sampled_from(
        [
            "hej",
            "Tak!",
            "RT @x_1:",
            "@NordlysTelecom",
            "#BadService",
            "https://x.dk/a?b=1",
            "<b>",
            "</p>",
            "&amp;",
            "Mvh",
            "Lars",
            "Hilsen",
            "Sent from my iPhone",
            "\n",
            ", ",
            ". ",
            "men",
            "but",
            "😡",
            "[PERSON]",
            "=SUM(A1)",
            "\u00c3\u00b8",
            "\u200b",
            "service",
            "god",
            "Regards,",
            "ok",
            "\r\n",
            "  ",
            "dårlig",
            "\t",
            "&lt;b&gt;",
            "via",
            "fast",
        ]
    ),
    max_size=25,
).map("".join)


@settings(max_examples=300, deadline=None)
@given(text=_FEEDBACK, source=st.sampled_from(["survey", "chat", "social"]))
def test_clean_text_is_idempotent_on_feedback_like_text(text: str, source: str) -> None:
    once = clean_text(text, source=source)
    assert clean_text(once, source=source) == once
