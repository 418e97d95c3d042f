"""Theme agreement measures against gold labels."""

from __future__ import annotations

import numpy as np
import pytest

from pipeline.themes.evaluate import OUTLIER, theme_agreement


def test_a_perfect_partition_scores_one_whatever_the_ids() -> None:
    gold = ["late"] * 30 + ["staff"] * 20 + ["price"] * 10
    themes = [7] * 30 + [3] * 20 + [9] * 10
    result = theme_agreement(themes, gold)
    assert (result.nmi, result.ari, result.purity, result.coverage) == (1.0, 1.0, 1.0, 1.0)
    assert result.n_themes == 3 and result.n == result.n_single == 60
    assert result.best_share == {"late": 1.0, "price": 1.0, "staff": 1.0}


def test_random_themes_score_near_zero() -> None:
    rng = np.random.default_rng(0)
    gold = rng.choice(["a", "b", "c", "d"], 4000).tolist()
    result = theme_agreement(rng.integers(0, 4, 4000), gold)
    assert result.nmi < 0.01 and abs(result.ari) < 0.01
    assert 0.25 <= result.purity < 0.3


def test_one_theme_for_everything_has_majority_purity_and_no_information() -> None:
    gold = ["a"] * 70 + ["b"] * 30
    result = theme_agreement([0] * 100, gold)
    assert result.purity == 0.7 and result.nmi == 0.0 and result.n_themes == 1


def test_outliers_count_as_wrong_and_lower_coverage() -> None:
    gold = ["a"] * 10 + ["b"] * 10
    themes = [0] * 10 + [1] * 5 + [OUTLIER] * 5
    result = theme_agreement(themes, gold, min_theme_size=5)
    assert result.coverage == 0.75 and result.purity == 0.75 and result.n_themes == 2


def test_sets_of_labels_count_when_the_majority_is_among_them() -> None:
    gold = [{"food"}, {"food", "price"}, {"price"}, {"service"}, {"service", "food"}]
    themes = [0, 0, 1, 2, 2]
    result = theme_agreement(themes, gold, min_theme_size=1)
    # theme 0 -> food (2/2), theme 1 -> price (1/1), theme 2 -> service (2/2)
    assert result.purity == 1.0
    assert result.n_single == 3


def test_best_share_per_label_ignores_small_themes() -> None:
    gold = ["late"] * 8 + ["staff"] * 2 + ["late"] * 3
    themes = [0] * 10 + [1] * 3
    result = theme_agreement(themes, gold, min_theme_size=5)
    assert result.best_share == {"late": 0.8, "staff": 0.2}


def test_lengths_must_match() -> None:
    with pytest.raises(ValueError, match="2 themes for 3 gold labels"):
        theme_agreement([0, 1], ["a", "b", "c"])
    assert theme_agreement([], []).n == 0


def test_stop_words_cover_every_language_and_the_placeholders() -> None:
    from pipeline.themes.words import stop_words

    words = stop_words(["Nordlys", " "])
    for word in ("og", "ikke", "och", "inte", "the", "and", "jeg", "jag"):
        assert word in words, word
    for placeholder in ("person", "email", "phone"):
        assert placeholder in words
    assert "nordlys" in words and "" not in words
    for content in ("levering", "leverans", "delivery", "faktura", "invoice"):
        assert content not in words
