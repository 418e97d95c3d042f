import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from pipeline.text.language import (
    DETECTORS,
    LANGUAGES,
    UNDETERMINED,
    LangidDetector,
    detect_languages,
    strip_noise,
)

ALLOWED = {*LANGUAGES, UNDETERMINED}

DANISH = [
    "Jeg har ventet i over en time på at få svar fra jeres kundeservice.",
    "Medarbejderen var meget venlig og hjalp mig med det samme.",
    "Hvorfor skal det være så svært at opsige et abonnement?",
    "Regningen var forkert igen, og ingen har svaret på min mail.",
    "Pakken kom to dage for sent, og der manglede en del af varerne.",
    "Tak for en god oplevelse, jeg kommer gerne igen.",
]
NORWEGIAN = [
    "Jeg har ventet i over en time på å få svar fra kundeservice.",
    "Medarbeideren var veldig hyggelig og hjalp meg med en gang.",
    "Hvorfor skal det være så vanskelig å si opp et abonnement?",
    "Regningen var feil igjen, og ingen har svart på e-posten min.",
    "Pakken kom to dager for sent, og det manglet noen av varene.",
    "Takk for en fin opplevelse, jeg kommer gjerne tilbake.",
]
SWEDISH = [
    "Jag har väntat i över en timme på att få svar från kundtjänst.",
    "Personalen var väldigt trevlig och hjälpte mig direkt.",
    "Varför ska det vara så svårt att säga upp ett abonnemang?",
    "Fakturan var fel igen och ingen har svarat på mitt mejl.",
    "Leveransen tog alldeles för lång tid och paketet var skadat.",
]
ENGLISH = [
    "I waited over an hour for someone from customer service to answer.",
    "The staff were really friendly and sorted it out right away.",
    "Why is it so hard to cancel a subscription?",
    "The bill was wrong again and nobody has replied to my email.",
    "Delivery took far too long and the box was damaged.",
]
# The same complaint in Danish and in Norwegian, a few words apart.
PAIRS = [
    ("Jeg har ikke fået nogen hjælp af jeres support.", "da"),
    ("Jeg har ikke fått noen hjelp av supporten deres.", "nb"),
    ("Hvad er det, der tager så lang tid?", "da"),
    ("Hva er det som tar så lang tid?", "nb"),
    ("Jeg vil gerne købe et nyt abonnement, men hjemmesiden virker ikke.", "da"),
    ("Jeg vil gjerne kjøpe et nytt abonnement, men nettsiden virker ikke.", "nb"),
]
LABELLED = (
    [(text, "da") for text in DANISH]
    + [(text, "nb") for text in NORWEGIAN]
    + [(text, "sv") for text in SWEDISH]
    + [(text, "en") for text in ENGLISH]
    + PAIRS
)
TEXTS = [text for text, _ in LABELLED]


@pytest.mark.parametrize(("text", "expected"), LABELLED)
def test_default_detector_names_the_language(text, expected):
    assert detect_languages([text]) == [expected]


def test_a_batch_gets_the_same_answers_as_single_texts():
    assert detect_languages(TEXTS) == [code for _, code in LABELLED]


def test_noise_does_not_change_the_answer():
    noisy = "@Telia Jeg har ikke fått noen hjelp av supporten deres https://t.co/x1 [PERSON] 😡"
    assert detect_languages([noisy]) == ["nb"]


@pytest.mark.parametrize(
    "text",
    [
        "",
        "   ",
        "ok",
        "Tak!",
        "Fin service",  # two words
        "Det var ok",  # three words, eight letters
        "😀😀😀 👍👍",
        "!!! ??? ...",
        "12345 678 90 2024-01-01",
        "[PERSON] [EMAIL] [PHONE]",
        "@SAS @Norwegian https://www.sas.dk/help 10/10",
        "kontakt [PERSON] på [EMAIL] / 12 34 56 78",
    ],
)
def test_short_or_empty_texts_are_undetermined(text):
    assert detect_languages([text]) == [UNDETERMINED]


def test_thresholds_are_options():
    text = "Mycket bra service"
    assert detect_languages([text]) == ["sv"]
    assert detect_languages([text], min_words=4) == [UNDETERMINED]
    assert detect_languages([text], min_chars=20) == [UNDETERMINED]


def test_a_text_that_fits_several_languages_is_undetermined():
    # long enough, but as Danish as it is Norwegian (and close to English)
    assert detect_languages(["Fin service, tak"]) == [UNDETERMINED]


@pytest.mark.parametrize(
    "text",
    [
        "Ich bin sehr enttäuscht, der Kundendienst hat nie geantwortet.",
        "Asiakaspalvelu ei vastannut sähköpostiini ollenkaan.",
        "Obsługa klienta była bardzo pomocna, polecam wszystkim.",
    ],
)
def test_other_languages_are_undetermined(text):
    assert detect_languages([text]) == [UNDETERMINED]


@pytest.mark.parametrize("name", list(DETECTORS))
def test_every_detector_answers_once_per_text_in_order(name):
    texts = [*TEXTS, "", "ok", "😀", TEXTS[0]]
    codes = detect_languages(texts, detector=name)
    assert len(codes) == len(texts)
    assert set(codes) <= ALLOWED
    assert codes[-1] == codes[0]
    assert detect_languages(texts[::-1], detector=name) == codes[::-1]
    assert detect_languages([], detector=name) == []


@pytest.mark.parametrize("name", list(DETECTORS))
def test_every_detector_follows_the_protocol(name):
    from pipeline.text.language import _build

    codes = _build(name).detect(TEXTS[:3])
    assert isinstance(codes, list) and len(codes) == 3 and set(codes) <= ALLOWED


def test_unknown_detector_is_refused_with_the_choices():
    with pytest.raises(ValueError, match=r"'fasttext'.*hybrid, langid, lingua"):
        detect_languages(["Tak for hjælpen i dag"], detector="fasttext")


def test_batched_langid_matches_py3langid():
    from py3langid.langid import MODEL_FILE, LanguageIdentifier

    reference = LanguageIdentifier.from_model_file(MODEL_FILE, norm_probs=True)
    reference.set_languages(["da", "no", "nn", "sv", "en"])
    texts = [*TEXTS, "SKAL DET VÆRE SÅ SVÆRT", "Ok"]
    detector = LangidDetector(max_chars=10_000)
    for text, row in zip(texts, detector.probabilities(texts), strict=True):
        rank = dict(reference.rank(text))
        expected = [rank["da"], rank["no"] + rank["nn"], rank["sv"], rank["en"]]
        assert row == pytest.approx(expected, abs=1e-4)
    # no n-gram at all: even odds, where py3langid's two Norwegian columns would favour "nb"
    assert detector.probabilities(["x"])[0] == pytest.approx([0.25] * 4)


def test_strip_noise_keeps_the_words():
    text = "@SAS mail a.b@c.dk, se https://x.dk/a?b=1 og www.sas.dk [PERSON]  svarede ikke"
    assert strip_noise(text) == "mail se og svarede ikke"


@given(st.lists(st.text(max_size=60), max_size=8))
@settings(max_examples=40, deadline=None)
def test_any_text_gets_one_allowed_code(texts):
    codes = detect_languages(texts)
    assert len(codes) == len(texts)
    assert set(codes) <= ALLOWED


@pytest.mark.parametrize("name", sorted(DETECTORS))
def test_configured_languages_restrict_the_answers(name):
    """Without Norwegian among the expected languages, the da/nb look-alikes all read Danish."""
    texts = DANISH + NORWEGIAN + [text for text, _ in PAIRS]
    codes = detect_languages(texts, detector=name, languages=["da", "en"])
    assert set(codes) <= {"da", "en", UNDETERMINED}
    assert codes.count("da") >= len(texts) - 2
    # a language left out with no look-alike kept is not forced onto another: "und"
    english_only = detect_languages(ENGLISH + SWEDISH, detector=name, languages=["en"])
    assert english_only == ["en"] * len(ENGLISH) + [UNDETERMINED] * len(SWEDISH)


def test_all_four_languages_is_the_default():
    assert detect_languages(TEXTS, languages=list(reversed(LANGUAGES))) == detect_languages(TEXTS)


@pytest.mark.parametrize("languages", [[], ["da", "de"], ["fi"]])
def test_unknown_or_no_languages_are_refused(languages):
    with pytest.raises(ValueError, match="Languages must be some of da, nb, sv, en"):
        detect_languages(TEXTS[:2], languages=languages)


def test_the_configuration_names_exactly_the_detectors_there_are() -> None:
    from typing import get_args

    from pipeline.config import LanguageDetector, config_from_dict
    from pipeline.errors import ConfigError
    from pipeline.text.language import DETECTORS

    assert set(get_args(LanguageDetector)) == set(DETECTORS)
    with pytest.raises(ConfigError, match=r"enrich\.language_detector"):
        config_from_dict({"enrich": {"language_detector": "fasttext"}})


def test_language_weights_one_hot_for_known_and_spread_for_undetermined() -> None:
    import numpy as np

    from pipeline.text.language import LANGUAGES, language_weights

    texts = ["Jeg er meget tilfreds med jeres service", "Meget utilfreds!", "👍", "ok"]
    codes = ["da", "und", "und", "und"]
    weights = language_weights(texts, codes, languages=["da", "sv"])
    assert weights.shape == (4, len(LANGUAGES))
    assert np.allclose(weights.sum(axis=1), 1)
    assert weights[0].tolist() == [1.0, 0.0, 0.0, 0.0]
    # undetermined texts only get the workspace's languages
    assert np.allclose(weights[1:, [LANGUAGES.index("nb"), LANGUAGES.index("en")]], 0)
    assert weights[1, LANGUAGES.index("da")] > weights[1, LANGUAGES.index("sv")]


def test_language_weights_refuse_unknown_languages() -> None:
    from pipeline.text.language import language_weights

    with pytest.raises(ValueError, match="Languages must be"):
        language_weights(["x"], ["und"], languages=["fi"])
