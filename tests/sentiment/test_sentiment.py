"""Sentiment building blocks that need no embedder: lexicon, head, calibration, weak labels."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from pipeline.errors import InputFileError
from pipeline.ingest.labelled import parse_label_map, read_labelled
from pipeline.sentiment import aggregate_records, no_unit_records, seed_head
from pipeline.sentiment.evaluate import (
    cross_validated_proba,
    evaluate_predictions,
    restrict_to_classes,
)
from pipeline.sentiment.head import (
    LABELS,
    SoftmaxHead,
    expected_calibration_error,
    fit_temperature,
    label_codes,
)
from pipeline.sentiment.lexicon import FEATURES, lexicon_features, lexicon_polarity
from pipeline.sentiment.models import sentiment_frame, surface_rules
from pipeline.sentiment.seed import SEED_LANGUAGES, seed_examples
from pipeline.sentiment.weak import score_labels, weak_labels
from pipeline.storage.models import ModelStore, ModelStoreError


# --- lexicon --------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("text", "lang", "sign"),
    [
        ("The staff were great and very helpful", "en", 1),
        ("Terrible service, I am furious", "en", -1),
        ("Fantastisk service, tusind tak", "da", 1),
        ("Elendig kundeservice", "da", -1),
        ("Kjempebra levering, veldig fornøyd", "nb", 1),
        ("Skuffet og sint, elendig opplevelse", "nb", -1),
        ("Jättebra bemötande, mycket nöjd", "sv", 1),
        ("Usel service, mycket besviken", "sv", -1),
        ("When does my parcel ship?", "en", 0),
        ("not good at all", "en", -1),
        ("Super 👍", "und", 1),
        ("😡😡", "und", -1),
    ],
)
def test_lexicon_polarity_has_the_right_sign(text: str, lang: str, sign: int) -> None:
    polarity = lexicon_polarity(lexicon_features([text], [lang]))[0]
    assert np.sign(round(float(polarity), 6)) == sign


@pytest.mark.parametrize(
    ("text", "lang"),
    [
        ("utilfreds", "da"),
        ("meget utilfredse kunder", "da"),
        ("uhøflige ansatte", "da"),
        ("misfornøyd", "nb"),
        ("uvennlig betjening", "nb"),
        ("missnöjd", "sv"),
        ("ohjälpsam personal", "sv"),
        ("ikke tilfreds", "da"),
        ("inte nöjd", "sv"),
        ("ikkje fornøyd", "nb"),
    ],
)
def test_nordic_negating_prefixes_and_negation_read_negative(text: str, lang: str) -> None:
    polarity = lexicon_polarity(lexicon_features([text], [lang]))[0]
    assert polarity < 0, (text, polarity)


def test_negation_stops_at_the_end_of_its_clause() -> None:
    negated, separate = lexicon_polarity(
        lexicon_features(["ikke tilfreds", "ikke noget problem. tilfreds"], ["da", "da"])
    )
    assert negated < 0 < separate


@pytest.mark.parametrize(
    ("text", "lang", "sign"),
    [
        # the negator follows the verb it negates in Danish, Norwegian and Swedish
        ("Jeg angrer ikke", "nb", 1),
        ("ångrar mig inte", "sv", 1),
        ("har ikke fortrudt det", "da", 1),
        # ... but "uden"/"utan" after a word is no negation of it
        ("Toget ble innstilt uten varsel", "nb", -1),
        ("Tåget ställdes in utan förvarning", "sv", -1),
        # a negated verb of functioning is a complaint, in every language
        ("Appen virker ikke", "da", -1),
        ("Appen virker stadig ikke", "da", -1),
        ("Det funker ikke", "nb", -1),
        ("Inloggningen fungerar inte", "sv", -1),
        ("It doesn't work", "en", -1),
        ("It just works", "en", 1),
        # "neither ... nor" weighs nothing, unless nothing works
        ("Det var hverken godt eller dårligt", "da", 0),
        ("Det var verken bra eller dårlig", "nb", 0),
        ("Hverken appen eller hjemmesiden virker", "da", -1),
        # customer-service words the general lists lack
        ("Appen kraschar hela tiden", "sv", -1),
        ("Appen krasjer", "nb", -1),
        ("Appen crasher", "da", -1),
        ("Keeps crashing", "en", -1),
        ("Problemet löstes", "sv", 1),
        # typed without Nordic letters
        ("valdigt missnojd", "sv", -1),
        ("ikke fornoeyd", "nb", -1),
    ],
)
def test_service_words_and_nordic_negation(text: str, lang: str, sign: int) -> None:
    polarity = lexicon_polarity(lexicon_features([text], [lang]))[0]
    assert np.sign(round(float(polarity), 6)) == sign, (text, polarity)


def test_service_words_fill_gaps_and_stay_out_of_verdicts() -> None:
    from pipeline.sentiment import lexicon

    # the general list decides where it has the word ("forsinket" is -2 in the Norwegian core)
    assert lexicon._lexicon("nb")["forsinket"] == lexicon._general_lexicon("nb")["forsinket"]
    assert lexicon.service_words("sv")["kraschar"] < 0
    # a service word names a cause: "Crashes" is not a bare verdict, "Terrible" is
    assert lexicon.verdict_only(["Crashes", "Terrible"], ignore=frozenset()).tolist() == [
        False,
        True,
    ]


def test_a_malformed_service_word_file_names_file_and_line(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from pipeline.sentiment import lexicon

    lexicon.service_words.cache_clear()
    monkeypatch.setattr(lexicon, "_service_text", lambda lang: "-2\tcrashes\nbroken\n")
    try:
        with pytest.raises(ValueError, match=r"service_lexicon/en.tsv line 2"):
            lexicon.service_words("en")
    finally:
        lexicon.service_words.cache_clear()


def test_punctuation_and_case_never_move_a_lexicon_feature() -> None:
    texts = ["Meget utilfreds", "Elendig service", "Great staff", "Når kommer pakken?"]
    langs = ["da", "da", "en", "da"]
    base = lexicon_features(texts, langs)
    for variant in ([t + "!" for t in texts], [t.upper() for t in texts],
                    [t.lower() + "!!!" for t in texts]):  # fmt: skip
        assert np.array_equal(lexicon_features(variant, langs), base)


def test_an_undetermined_text_is_read_with_its_likely_languages() -> None:
    from pipeline.sentiment.lexicon import LEXICON_LANGUAGES, language_weights

    # "missnöjd" is only in the Swedish list: read as English it says nothing
    as_english = lexicon_features(["missnöjd"], ["und"], np.array([[0.0, 0.0, 0.0, 1.0]]))
    as_swedish = lexicon_features(["missnöjd"], ["und"], np.array([[0.0, 0.1, 0.9, 0.0]]))
    assert lexicon_polarity(as_english)[0] == 0
    assert lexicon_polarity(as_swedish)[0] < 0
    # without weights "und" is spread evenly over the four lexicons
    weights = language_weights(["und", "sv"])
    assert np.allclose(weights[0], 1 / len(LEXICON_LANGUAGES))
    assert weights[1].tolist() == [0.0, 0.0, 1.0, 0.0]
    with pytest.raises(ValueError, match="language weights"):
        lexicon_features(["a", "b"], ["en", "en"], np.ones((1, 4)))


def test_lexicon_features_shape_and_empty_text() -> None:
    features = lexicon_features(["", "?!", "hello"], ["und", "und", "en"])
    assert features.shape == (3, len(FEATURES))
    assert features[0].sum() == 0
    assert features[1, FEATURES.index("question")] == 1


# --- head and calibration -------------------------------------------------------------------
def _blobs(n: int, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    y = rng.integers(0, 3, n)
    centres = np.array([[-2.0, 0.0], [0.0, 2.0], [2.0, 0.0]])
    return centres[y] + rng.normal(0, 1.2, (n, 2)), y


def test_head_learns_and_round_trips_through_arrays() -> None:
    x, y = _blobs(900)
    head = SoftmaxHead().fit(x, y)
    proba = head.predict_proba(x)
    assert proba.shape == (900, 3)
    np.testing.assert_allclose(proba.sum(axis=1), 1.0)
    assert (proba.argmax(axis=1) == y).mean() > 0.75
    again = SoftmaxHead.from_arrays(head.to_arrays())
    np.testing.assert_allclose(again.predict_proba(x), proba)
    assert head.predict_proba(np.zeros((0, 2))).shape == (0, 3)


def test_head_refuses_a_missing_class() -> None:
    x, y = _blobs(100)
    with pytest.raises(ValueError, match="no training examples labelled neutral"):
        SoftmaxHead().fit(x[y != 1], y[y != 1])


def test_calibrated_head_has_small_calibration_error_on_new_data() -> None:
    x, y = _blobs(3000, seed=1)
    head = SoftmaxHead().fit(x[:2000], y[:2000])
    assert expected_calibration_error(head.predict_proba(x[2000:]), y[2000:]) < 0.06


def test_temperature_fixes_overconfident_logits() -> None:
    rng = np.random.default_rng(3)
    y = rng.integers(0, 3, 4000)
    logits = rng.normal(0, 1, (4000, 3))
    logits[np.arange(4000), y] += 1.0
    overconfident = logits * 6
    t = fit_temperature(overconfident, y)
    assert t > 3
    from scipy.special import softmax

    before = expected_calibration_error(softmax(overconfident, axis=1), y)
    after = expected_calibration_error(softmax(overconfident / t, axis=1), y)
    assert after < before / 3


def test_ece_of_a_perfectly_calibrated_constant_is_zero() -> None:
    proba = np.tile([0.25, 0.25, 0.5], (8, 1))
    y = np.array([2, 2, 2, 2, 0, 1, 0, 1])
    assert expected_calibration_error(proba, y) == pytest.approx(0.0)
    assert expected_calibration_error(np.zeros((0, 3)), np.array([], dtype=int)) == 0.0


def test_label_codes_reject_unknown_labels() -> None:
    assert label_codes(["positive", "negative", "neutral"]).tolist() == [2, 0, 1]
    with pytest.raises(ValueError, match="unknown sentiment label 'pos'"):
        label_codes(["pos"])


# --- result frame, surface rules, records ---------------------------------------------------
@given(st.lists(st.tuples(st.floats(0, 1), st.floats(0, 1), st.floats(0, 1)), min_size=1))
@settings(max_examples=50, deadline=None)
def test_sentiment_frame_invariants(rows: list[tuple[float, float, float]]) -> None:
    raw = np.array(rows) + 1e-9
    proba = raw / raw.sum(axis=1, keepdims=True)
    frame = sentiment_frame(proba)
    assert frame["score"].between(-1, 1).all()
    assert frame["confidence"].between(1 / 3 - 1e-4, 1).all()
    assert set(frame["label"]) <= set(LABELS)
    assert (frame["label"] == np.array(LABELS)[proba.argmax(axis=1)]).all()


@pytest.mark.parametrize(
    ("text", "label"),
    [("", "neutral"), ("   ", "neutral"), ("123 !!", "neutral"), ("😡", "negative"),
     ("👍👍 😊", "positive"), ("❤️", "positive"), ("🙄 …", "negative"), ("😊😡", "neutral")],
)  # fmt: skip
def test_texts_without_words_are_decided_by_rules(text: str, label: str) -> None:
    mask, proba = surface_rules([text, "a real sentence"])
    assert mask.tolist() == [True, False]
    assert LABELS[int(proba[0].argmax())] == label


def test_record_sentiment_aggregates_units_by_length() -> None:
    units = pd.DataFrame(
        {
            "unit_id": ["u1", "u2", "u3"],
            "record_id": ["r1", "r1", "r2"],
            "text": ["The delivery was three weeks late and nobody answered", "ok", "Love it"],
        }
    )
    unit_sentiment = sentiment_frame(
        np.array([[0.9, 0.05, 0.05], [0.1, 0.1, 0.8], [0.05, 0.05, 0.9]])
    ).assign(unit_id=units["unit_id"])
    records = aggregate_records(unit_sentiment, units).set_index("record_id")
    assert records.loc["r1", "label"] == "negative"  # the long complaint outweighs "ok"
    assert records.loc["r1", "units"] == 2
    assert records.loc["r1", "negative_units"] == 1
    assert records.loc["r1", "positive_units"] == 1
    assert records.loc["r2", "label"] == "positive"
    empty = no_unit_records(pd.DataFrame({"record_id": ["r1", "r3"]}), units)
    assert empty["record_id"].tolist() == ["r3"]
    assert empty["label"].tolist() == ["neutral"]
    assert empty["units"].tolist() == [0]


# --- weak labels ----------------------------------------------------------------------------
def test_score_labels_use_clear_promoters_and_detractors_only() -> None:
    scores = pd.Series([10, 9, 8, 7, 6, 5, 4, 0, 5, 4, 1, 3, np.nan])
    types = pd.Series(["nps"] * 8 + ["csat"] * 4 + ["nps"])
    labels = score_labels(scores, types, csat_range=(1, 5))
    assert labels.fillna("-").tolist() == [
        "positive", "positive", "-", "-", "-", "-", "negative", "negative",
        "positive", "-", "negative", "-", "-",
    ]  # fmt: skip


def test_weak_labels_drop_contradicted_units_and_take_confident_neutrals() -> None:
    from_scores = pd.Series(["positive", "positive", "negative", "negative", pd.NA], dtype="str")
    base = np.array(
        [[0.1, 0.2, 0.7], [0.8, 0.1, 0.1], [0.1, 0.8, 0.1], [0.5, 0.3, 0.2], [0.9, 0.05, 0.05]]
    )
    result = weak_labels(from_scores, base)
    assert result.labels.fillna("-").tolist() == ["positive", "-", "neutral", "negative", "-"]
    assert result.counts == {
        "from_scores": 4, "contradicted": 1, "neutral_by_base": 1, "implicit_negative": 0,
        "negative": 1, "neutral": 1, "positive": 1,
    }  # fmt: skip


def test_a_detractor_comment_read_all_neutral_teaches_its_most_negative_unit() -> None:
    # record a: a detractor whose units the base reads neutral -> its most negative one is the
    # complaint; record b: a detractor with a unit read negative keeps its neutral context;
    # record c: a detractor who only said "ved ikke" teaches nothing
    texts = ["Jeg betaler 79 kr mere end sidste år", "Routeren virker", "Elendig service",
             "Jeg bor i Aarhus", "ved ikke", "Mine børn elsker appen"]  # fmt: skip
    from_scores = pd.Series(["negative"] * 5 + ["positive"], dtype="str")
    base = np.array(
        [[0.3, 0.65, 0.05], [0.1, 0.8, 0.1], [0.9, 0.05, 0.05], [0.1, 0.8, 0.1],
         [0.2, 0.75, 0.05], [0.05, 0.15, 0.8]]
    )  # fmt: skip
    records = ["a", "a", "b", "b", "c", "d"]
    result = weak_labels(from_scores, base, records=records, texts=texts)
    assert result.labels.fillna("-").tolist() == [
        "negative", "neutral", "negative", "neutral", "-", "positive"
    ]  # fmt: skip
    assert result.counts["implicit_negative"] == 1
    # without record ids the old reading stands
    plain = weak_labels(from_scores, base)
    assert plain.labels.tolist()[0] == "neutral"


def test_a_mild_detractor_teaches_an_implicit_complaint_but_never_its_praise() -> None:
    from pipeline.sentiment.weak import mild_detractors

    scores = pd.Series([5.0, 6.0, 6.0, 7.0, 3.0])
    kinds = pd.Series(["nps", "nps", "nps", "nps", "csat"])
    assert mild_detractors(scores, kinds).tolist() == [True, True, True, False, False]
    texts = ["Tredje prisstigning i år", "Søde medarbejdere", "Hurtig levering"]
    from_scores = pd.Series([pd.NA] * 3, dtype="str")
    base = np.array([[0.3, 0.6, 0.1], [0.02, 0.08, 0.9], [0.05, 0.15, 0.8]])
    mild = np.array([True, True, True])
    result = weak_labels(from_scores, base, records=["a", "b", "b"], texts=texts, mild=mild)
    assert result.labels.fillna("-").tolist() == ["negative", "-", "-"]


# --- evaluation -----------------------------------------------------------------------------
def test_evaluation_of_three_classes_with_languages() -> None:
    gold = ["negative", "neutral", "positive", "positive"]
    proba = np.array([[0.8, 0.1, 0.1], [0.2, 0.7, 0.1], [0.1, 0.2, 0.7], [0.6, 0.2, 0.2]])
    result = evaluate_predictions(gold, proba, ["da", "da", "en", "en"])
    assert result.n == 4
    assert result.accuracy == pytest.approx(0.75)
    assert result.confusion["positive"]["negative"] == 1
    assert result.per_class_f1["neutral"] == pytest.approx(1.0)
    assert result.per_language["da"]["accuracy"] == pytest.approx(1.0)
    assert result.per_language["en"]["n"] == 2
    assert 0 <= result.ece <= 1


def test_binary_gold_restricts_predictions_to_negative_and_positive() -> None:
    proba = np.array([[0.3, 0.6, 0.1], [0.1, 0.6, 0.3]])
    result = evaluate_predictions(["negative", "positive"], proba, ["sv", "sv"])
    assert result.classes == ("negative", "positive")
    assert result.accuracy == 1.0
    restricted = restrict_to_classes(proba, ("negative", "positive"))
    np.testing.assert_allclose(restricted, [[0.75, 0, 0.25], [0.25, 0, 0.75]])


def test_cross_validation_predicts_every_row_once_without_seeing_it() -> None:
    gold = ["negative", "neutral", "positive"] * 10
    seen: list[set[int]] = []

    def fit_predict(train: np.ndarray, held: np.ndarray) -> np.ndarray:
        assert not set(train) & set(held)
        seen.append(set(held.tolist()))
        return np.tile([0.2, 0.3, 0.5], (len(held), 1))

    proba = cross_validated_proba(gold, fit_predict, folds=5)
    assert proba.shape == (30, 3)
    assert set().union(*seen) == set(range(30))
    with pytest.raises(ValueError, match="at least K rows"):
        cross_validated_proba(gold[:6], fit_predict, folds=5)


# --- labelled files -------------------------------------------------------------------------
def test_read_labelled_csv_and_jsonl_with_map_and_sign(tmp_path: Path) -> None:
    csv = tmp_path / "a.csv"
    csv.write_text("id,tekst,label\n1,Godt,pos\n2,Skidt,neg\n3,,pos\n4,Tja,\n", encoding="utf-8")
    result = read_labelled(
        [csv], text_col="tekst", label_col="label",
        mapping=parse_label_map("pos=positive,neg=negative"), allowed=LABELS,
    )  # fmt: skip
    assert result.texts == ["Godt", "Skidt"]
    assert result.labels == ["positive", "negative"]
    assert result.skipped == {str(csv): 2}
    jsonl = tmp_path / "b.jsonl"
    jsonl.write_text('{"t": "a", "v": "-3"}\n{"t": "b", "v": "0"}\n{"t": "c", "v": "2"}\n')
    signed = read_labelled(
        [jsonl], text_col="t", label_col="v", mapping={}, allowed=LABELS, by_sign=True
    )
    assert signed.labels == ["negative", "neutral", "positive"]


def test_read_labelled_names_file_line_and_field(tmp_path: Path) -> None:
    csv = tmp_path / "bad.csv"
    csv.write_text("text,label\nfine,positive\nodd,maybe\n", encoding="utf-8")
    with pytest.raises(InputFileError, match=r"bad\.csv, line 3, field 'label'.*'maybe'"):
        read_labelled([csv], text_col="text", label_col="label", mapping={}, allowed=LABELS)
    with pytest.raises(InputFileError, match="has no column 'body'"):
        read_labelled([csv], text_col="body", label_col="label", mapping={}, allowed=LABELS)
    with pytest.raises(ValueError, match="not FROM=TO"):
        parse_label_map("pos")


# --- model store and seed -------------------------------------------------------------------
def test_model_store_versions_and_latest(tmp_path: Path) -> None:
    store = ModelStore(tmp_path / "models")
    assert store.load("sentiment-weak") is None
    first = store.save("sentiment-weak", {"w": np.arange(3.0)}, {"n": 1}, version="v1")
    store.save("sentiment-weak", {"w": np.arange(4.0)}, {"n": 2}, version="v2")
    assert store.versions("sentiment-weak") == ["v1", "v2"]
    latest = store.load("sentiment-weak")
    assert latest is not None
    assert latest.version == "v2"
    assert latest.manifest["n"] == 2
    assert (first.path / "manifest.json").is_file()
    assert not [
        p for p in (tmp_path / "models" / "sentiment-weak").iterdir() if p.name.startswith(".v")
    ]
    (latest.path / "arrays.npz").write_bytes(b"broken")
    with pytest.raises(ModelStoreError, match="unreadable"):
        store.load("sentiment-weak")


def test_seed_covers_every_language_and_class() -> None:
    seed = seed_examples()
    counts = seed.groupby(["lang", "label"]).size()
    for lang in SEED_LANGUAGES:
        for label in LABELS:
            assert counts.get((lang, label), 0) >= 100, (lang, label)
    assert not seed["text"].duplicated().any()


def test_lexicon_head_is_built_once_and_cached(tmp_path: Path) -> None:
    store = ModelStore(tmp_path)
    first = seed_head("lexicon", None, "none", store)
    again = seed_head("lexicon", None, "none", store)
    assert first.version == again.version
    proba = again.predict_proba(
        ["Fantastic service, thank you!", "Awful. Never again.", "😡"], ["en", "en", "und"], None
    )
    assert [LABELS[i] for i in proba.argmax(axis=1)] == ["positive", "negative", "negative"]


def test_config_accepts_exactly_the_model_names() -> None:
    from typing import get_args

    from pipeline.config import SentimentConfig, config_from_dict
    from pipeline.errors import ConfigError
    from pipeline.sentiment import MODEL_NAMES

    annotation = SentimentConfig.model_fields["model"].annotation
    assert set(get_args(annotation)) == set(MODEL_NAMES)
    with pytest.raises(ConfigError, match=r"sentiment\.model"):
        config_from_dict({"sentiment": {"model": "bert"}})


def test_store_has_names_saved_versions_only(tmp_path: Path) -> None:
    store = ModelStore(tmp_path)
    assert not store.has("kind", "v1")
    store.save("kind", {"a": np.zeros(2)}, {}, version="v1")
    assert store.has("kind", "v1") and not store.has("kind", "v2")
