"""Theme impact on NPS and the key-driver model: hand-computed cases and invariants."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import sparse, stats

from pipeline.analytics import drivers
from pipeline.analytics.metrics import nps_coding


def _marks(columns: list[list[int]]) -> sparse.csr_matrix:
    return sparse.csr_matrix(np.array(columns, dtype=float).T)


def test_nps_coding_maps_categories() -> None:
    assert nps_coding([0, 6, 7, 8, 9, 10]).tolist() == [-1, -1, 0, 0, 1, 1]


@pytest.mark.parametrize("bad", [[11], [-1], [float("nan")]])
def test_nps_coding_refuses_scores_outside_the_scale(bad: list[float]) -> None:
    with pytest.raises(ValueError, match=r"0\.\.10"):
        nps_coding(bad)


def test_impact_on_a_tiny_table_matches_the_hand_computation() -> None:
    # six respondents: 10, 9, 8, 3, 2, 5 -> NPS (2 - 3) / 6 = -16.67
    coding = nps_coding([10, 9, 8, 3, 2, 5])
    # theme 0: mentioned by the two detractors scoring 3 and 2; the others: 10, 9, 8, 5 -> +25
    # theme 1: mentioned by 10 and 3; the others: 9, 8, 2, 5 -> (1 - 2) / 4 = -25
    marks = _marks([[0, 0, 0, 1, 1, 0], [1, 0, 0, 1, 0, 0], [0, 0, 0, 0, 0, 0]])
    result = drivers.theme_impact(coding, marks, resamples=200)
    assert result["mentions"].tolist() == [2, 2, 0]
    assert result.loc[0, "nps_impact"] == pytest.approx(-100 / 6 - 25)
    assert result.loc[0, "nps_with"] == pytest.approx(-100)
    assert result.loc[0, "nps_without"] == pytest.approx(25)
    assert result.loc[1, "nps_impact"] == pytest.approx(-100 / 6 + 25)
    # nobody mentions theme 2: no impact, a zero-width interval, nothing to test
    assert result.loc[2, ["nps_impact", "ci_low", "ci_high"]].tolist() == [0, 0, 0]
    assert result.loc[2, "p_value"] == 1.0


def test_impact_is_share_times_gap() -> None:
    rng = np.random.default_rng(3)
    coding = rng.choice([-1.0, 0.0, 1.0], size=400)
    mentioned = rng.random(400) < 0.2
    result = drivers.theme_impact(coding, _marks([mentioned.astype(int).tolist()]), resamples=50)
    gap = coding[mentioned].mean() - coding[~mentioned].mean()
    assert result.loc[0, "nps_impact"] == pytest.approx(100 * mentioned.mean() * gap)


def test_p_value_is_welchs_t_test_of_the_coding() -> None:
    rng = np.random.default_rng(5)
    coding = rng.choice([-1.0, 0.0, 1.0], size=300, p=[0.3, 0.3, 0.4])
    mentioned = rng.random(300) < 0.3
    coding[mentioned] = rng.choice([-1.0, 0.0, 1.0], size=mentioned.sum(), p=[0.6, 0.2, 0.2])
    result = drivers.theme_impact(coding, _marks([mentioned.astype(int).tolist()]), resamples=50)
    expected = stats.ttest_ind(coding[mentioned], coding[~mentioned], equal_var=False).pvalue
    assert result.loc[0, "p_value"] == pytest.approx(expected)
    assert result.loc[0, "p_value"] < 0.01


def test_bootstrap_interval_covers_a_known_effect() -> None:
    rng = np.random.default_rng(11)
    n = 3000
    mentioned = rng.random(n) < 0.2
    promoter = np.where(mentioned, 0.2, 0.5)
    detractor = np.where(mentioned, 0.5, 0.2)
    draw = rng.random(n)
    coding = np.select([draw < promoter, draw > 1 - detractor], [1.0, -1.0], 0.0)
    result = drivers.theme_impact(coding, _marks([mentioned.astype(int).tolist()]))
    # expected impact: 0.2 x (NPS with -30 - NPS without +30) = -12 points
    row = result.loc[0]
    assert row["ci_low"] < row["nps_impact"] < row["ci_high"]
    assert row["ci_low"] < -12 < row["ci_high"]
    assert row["ci_high"] - row["ci_low"] < 6


@st.composite
def _survey(draw: st.DrawFn) -> tuple[np.ndarray, sparse.csr_matrix]:
    """Scores and who mentioned which theme; the last theme is mentioned by nobody."""
    n = draw(st.integers(min_value=1, max_value=60))
    scores = draw(st.lists(st.integers(0, 10), min_size=n, max_size=n))
    themes = draw(st.integers(min_value=1, max_value=4))
    cells = np.array(draw(st.lists(st.booleans(), min_size=n * themes, max_size=n * themes)))
    silent = np.zeros((n, 1), dtype=bool)
    return np.array(scores), sparse.csr_matrix(
        np.hstack([cells.reshape(n, themes), silent]).astype(float)
    )


@given(_survey())
@settings(max_examples=60, deadline=None)
def test_invariants_interval_contains_estimate_and_silent_themes_have_no_impact(
    survey: tuple[np.ndarray, sparse.csr_matrix],
) -> None:
    scores, marks = survey
    result = drivers.theme_impact(nps_coding(scores), marks, resamples=30)
    assert (result["ci_low"] <= result["nps_impact"]).all()
    assert (result["nps_impact"] <= result["ci_high"]).all()
    assert result["nps_impact"].between(-200, 200).all()
    assert result["p_value"].between(0, 1).all()
    last = result.iloc[-1]
    assert (last["nps_impact"], last["ci_low"], last["ci_high"], last["mentions"]) == (0, 0, 0, 0)


@given(_survey())
@settings(max_examples=30, deadline=None)
def test_key_driver_interval_contains_estimate_and_silent_themes_have_none(
    survey: tuple[np.ndarray, sparse.csr_matrix],
) -> None:
    scores, marks = survey
    tone = marks.multiply(-0.5).tocsr()
    result = drivers.key_driver_impact(nps_coding(scores), marks, tone, resamples=5)
    assert (result["adjusted_ci_low"] <= result["adjusted_impact"] + 1e-12).all()
    assert (result["adjusted_impact"] <= result["adjusted_ci_high"] + 1e-12).all()
    assert result["adjusted_impact"].iloc[-1] == 0


def test_key_driver_model_does_not_double_count_a_companion_theme() -> None:
    rng = np.random.default_rng(7)
    n = 4000
    cause = rng.random(n) < 0.2
    # the companion is mentioned with the cause most of the time but has no effect itself
    companion = np.where(cause, rng.random(n) < 0.8, rng.random(n) < 0.05)
    unrelated = rng.random(n) < 0.15
    latent = 8.5 - 4.0 * cause + rng.normal(0, 1.2, n)
    scores = np.clip(np.round(latent), 0, 10)
    coding = nps_coding(scores)
    marks = sparse.csr_matrix(np.column_stack([cause, companion, unrelated]).astype(float))
    tone = sparse.csr_matrix(marks.shape)
    raw = drivers.theme_impact(coding, marks, resamples=200)
    adjusted = drivers.key_driver_impact(coding, marks, tone, resamples=40)
    # alone, the companion looks like a strong driver; held against the cause it is not
    assert raw.loc[1, "ci_high"] < -5
    assert abs(adjusted.loc[1, "adjusted_impact"]) < 0.25 * abs(raw.loc[1, "nps_impact"])
    assert adjusted.loc[0, "adjusted_impact"] < -10
    assert adjusted.loc[0, "adjusted_ci_high"] < 0
    assert adjusted.loc[0, "detractor_coef"] > 0 > adjusted.loc[0, "promoter_coef"]


def test_mention_matrix_ignores_unknown_records_and_themes() -> None:
    mentions = pd.DataFrame(
        {"record_id": ["a", "b", "b", "zz", "a"], "theme_id": [1, 2, 1, 1, 99],
         "sentiment": [-0.5, 0.5, 0.25, 1.0, 1.0]}
    )  # fmt: skip
    marks = drivers.mention_matrix(pd.Index(["a", "b", "c"]), mentions, [1, 2])
    assert marks.toarray().tolist() == [[1, 0], [1, 1], [0, 0]]
    tone = drivers.mention_matrix(pd.Index(["a", "b", "c"]), mentions, [1, 2], value="sentiment")
    assert tone.toarray().tolist() == [[-0.5, 0], [0.25, 0.5], [0, 0]]


def test_benjamini_hochberg_matches_the_textbook_example() -> None:
    p = np.array([0.01, 0.04, 0.03, 0.005])
    assert drivers.benjamini_hochberg(p).tolist() == pytest.approx([0.02, 0.04, 0.04, 0.02])


def test_key_driver_interval_does_not_depend_on_how_many_processes_refit() -> None:
    rng = np.random.default_rng(4)
    n = drivers.PARALLEL_FROM + 500
    mentioned = sparse.csr_matrix((rng.random((n, 3)) < 0.2).astype(float))
    tone = mentioned.multiply(rng.uniform(-1, 1, (n, 3))).tocsr()
    coding = rng.choice([-1, 0, 1], n, p=[0.3, 0.3, 0.4]).astype(float)
    here = drivers.key_driver_impact(coding, mentioned, tone, resamples=12, seed=5, jobs=1)
    spread = drivers.key_driver_impact(coding, mentioned, tone, resamples=12, seed=5, jobs=2)
    pd.testing.assert_frame_equal(here, spread)
    assert (here["adjusted_ci_low"] <= here["adjusted_impact"]).all()
