import datetime as dt
import math

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from pipeline.analytics import metrics

counts = st.integers(min_value=0, max_value=2_000)


@given(promoters=counts, passives=counts, detractors=counts)
def test_nps_is_bounded_and_its_interval_contains_it(promoters, passives, detractors):
    estimate = metrics.nps_counts(promoters, passives, detractors)
    n = promoters + passives + detractors
    assert estimate.n == n
    if n == 0:
        assert estimate.value is None and estimate.margin is None
        return
    assert -100.0 <= estimate.value <= 100.0
    assert estimate.margin >= 0.0
    assert -100.0 <= estimate.low <= estimate.value <= estimate.high <= 100.0
    assert estimate.value == pytest.approx(100.0 * (promoters - detractors) / n)


@given(promoters=counts, passives=counts, detractors=counts)
def test_nps_is_symmetric_when_promoters_and_detractors_swap(promoters, passives, detractors):
    forward = metrics.nps_counts(promoters, passives, detractors)
    backward = metrics.nps_counts(detractors, passives, promoters)
    if forward.n == 0:
        return
    assert backward.value == pytest.approx(-forward.value, abs=1e-9)
    assert backward.margin == pytest.approx(forward.margin)


@given(st.lists(st.integers(min_value=0, max_value=10), min_size=1, max_size=300))
@settings(max_examples=60)
def test_nps_margin_uses_the_variance_of_the_plus_minus_coding(scores):
    coded = np.select([np.array(scores) >= 9, np.array(scores) <= 6], [1.0, -1.0], 0.0)
    expected = 100 * 1.959963984540054 * math.sqrt(coded.var() / len(coded))
    assert metrics.nps(scores).margin == pytest.approx(expected, rel=1e-9, abs=1e-9)


@pytest.mark.parametrize(
    ("scores", "value"),
    [
        ([10, 9, 8, 7, 6, 0], 0.0),
        ([10, 10, 10, 10], 100.0),
        ([0, 1, 2, 3, 4, 5, 6], -100.0),
        ([9, 7, 3, None, float("nan")], 0.0),
    ],
)
def test_nps_known_values(scores, value):
    assert metrics.nps(scores).value == pytest.approx(value)


def test_nps_margin_shrinks_with_more_answers():
    small = metrics.nps([10, 8, 3] * 10)
    large = metrics.nps([10, 8, 3] * 1000)
    assert large.margin < small.margin
    assert large.value == pytest.approx(small.value)


def test_wider_confidence_gives_wider_margin():
    scores = [10, 9, 8, 6, 2, 10, 7]
    assert metrics.nps(scores, confidence=0.99).margin > metrics.nps(scores).margin


@pytest.mark.parametrize("bad", [[11], [-1], [3, 12.5]])
def test_nps_refuses_scores_outside_0_10(bad):
    with pytest.raises(ValueError, match=r"0\.\.10"):
        metrics.nps(bad)


@given(st.lists(st.integers(min_value=1, max_value=5), max_size=400))
def test_csat_is_a_bounded_percentage_with_a_wilson_interval(scores):
    estimate = metrics.csat(scores)
    if not scores:
        assert estimate.value is None
        return
    assert 0.0 <= estimate.low <= estimate.value <= estimate.high <= 100.0
    assert estimate.value == pytest.approx(100 * sum(s >= 4 for s in scores) / len(scores))
    assert estimate.margin > 0.0


def test_csat_all_satisfied_still_has_uncertainty():
    estimate = metrics.csat([5, 4, 5])
    assert estimate.value == 100.0
    assert estimate.low < 100.0


@given(st.lists(st.integers(min_value=1, max_value=7), min_size=2, max_size=300))
@settings(deadline=None)
def test_ces_mean_lies_in_its_interval_and_on_the_scale(scores):
    estimate = metrics.ces(scores)
    assert 1.0 <= estimate.low <= estimate.value <= estimate.high <= 7.0
    assert estimate.value == pytest.approx(np.mean(scores))


def test_confidence_must_be_sensible():
    with pytest.raises(ValueError, match="confidence"):
        metrics.nps([10], confidence=1.5)


# --- per period and segment ----------------------------------------------------------------


def _responses(rows):
    """rows: (score_type, score, created_at ISO, team)."""
    return pd.DataFrame(
        {
            "score_type": [r[0] for r in rows],
            "score": [r[1] for r in rows],
            "created_at": pd.to_datetime([r[2] for r in rows], utc=True),
            "team": [r[3] for r in rows],
        }
    )


def test_nps_by_segment_hand_computed_per_team_with_small_teams_flagged():
    rows = [("nps", s, "2026-09-02T10:00", "A") for s in [10, 10, 9, 8, 3]]
    rows += [("nps", s, "2026-09-03T10:00", "B") for s in [0, 2, 9]]
    rows += [("nps", 10, "2026-09-03T10:00", None), ("csat", 5, "2026-09-03T10:00", "A")]
    table = metrics.nps_by_segment(_responses(rows), segments=["team"], periods=["all"], min_n=4)
    nps = table[table["metric"] == "nps"].set_index(["segment", "segment_value"])
    assert list(table.columns) == list(metrics.SEGMENT_METRIC_COLUMNS)
    everyone = nps.loc[("all", "")]
    assert everyone["n"] == 9 and everyone["value"] == pytest.approx(100 * (5 - 3) / 9)
    team_a = nps.loc[("team", "A")]
    assert team_a["value"] == pytest.approx(40.0)  # (3 - 1) / 5
    assert (team_a["promoters"], team_a["passives"], team_a["detractors"]) == (3, 1, 1)
    assert team_a["margin"] == pytest.approx(metrics.nps([10, 10, 9, 8, 3]).margin)
    assert not team_a["flagged"] and team_a["rank"] == 1
    team_b = nps.loc[("team", "B")]
    assert team_b["flagged"] and pd.isna(team_b["rank"])
    csat = table[table["metric"] == "csat"]
    assert csat["value"].tolist() == [100.0, 100.0]


def test_weeks_start_on_monday_in_the_configured_timezone():
    # Sunday 23:30 UTC is already Monday in Copenhagen
    rows = [("nps", 10, "2026-09-06T23:30", "A"), ("nps", 0, "2026-09-06T12:00", "A")]
    table = metrics.nps_by_segment(
        _responses(rows), segments=[], periods=["week", "month"], timezone="Europe/Copenhagen"
    )
    weeks = table[(table["period"] == "week")].set_index("period_start")["value"]
    assert weeks.to_dict() == {
        dt.date(2026, 8, 31): -100.0,
        dt.date(2026, 9, 7): 100.0,
    }
    months = table[table["period"] == "month"]
    assert months["period_start"].tolist() == [dt.date(2026, 9, 1)]


def test_nps_arrays_match_the_scalar_formula():
    value, margin = metrics.nps_arrays(np.array([3, 0]), np.array([1, 0]), np.array([5, 4]))
    assert value.tolist() == pytest.approx([40.0, 0.0])
    assert margin[0] == pytest.approx(metrics.nps([10, 10, 9, 8, 3]).margin)
    assert margin[1] == 0.0
