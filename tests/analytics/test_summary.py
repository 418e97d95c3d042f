"""The run summary names its intervals at the configured confidence."""

from __future__ import annotations

import pandas as pd
import pytest

from pipeline.analytics.summary import interval_label, summarise_tables, summary_markdown
from pipeline.schemas import ALERTS, DRIVERS, FOLLOWUPS, NPS_BY_SEGMENT


def _tables() -> dict[str, pd.DataFrame]:
    scores = pd.DataFrame(
        {
            "metric": ["nps"], "period": ["all"], "period_start": [None], "segment": ["all"],
            "segment_value": [""], "n": [400], "value": [12.5], "margin": [8.1],
            "low": [4.4], "high": [20.6],
        }
    )  # fmt: skip
    drivers = pd.DataFrame(
        {
            "theme_id": [3], "label": ["Waiting time"], "segment": ["all"], "level": ["theme"],
            "rank": [1], "strength_rank": [None], "nps_impact": [-2.5], "ci_low": [-3.4],
            "ci_high": [-1.6], "mentions": [80], "detractor_share": [0.3], "trend": ["rising"],
            "quotes": [["Waited an hour"]],
        }
    )  # fmt: skip
    alerts = pd.DataFrame({"active": pd.Series([], dtype=bool)})
    followups = pd.DataFrame({"status": ["queued"], "at_risk": [True]})
    return {NPS_BY_SEGMENT.name: scores, DRIVERS.name: drivers, ALERTS.name: alerts,
            FOLLOWUPS.name: followups}  # fmt: skip


@pytest.mark.parametrize(("confidence", "label"), [(0.9, "90%"), (0.95, "95%"), (0.975, "97.5%")])
def test_every_interval_is_labelled_with_the_configured_confidence(
    confidence: float, label: str
) -> None:
    summary = summarise_tables(_tables(), {"survey": 400}, confidence=confidence)
    text = summary_markdown(summary)
    assert interval_label(confidence) == f"{label} interval"
    assert f"({label} interval 4.4 to 20.6; n = 400)" in text
    assert f"NPS impact [{label} interval]" in text
    others = {"90%", "95%", "97.5%"} - {label}
    assert not any(f"{other} interval" in text for other in others)


def test_the_summary_counts_follow_ups_with_churn_intent() -> None:
    tables = _tables()
    tables[FOLLOWUPS.name] = pd.DataFrame(
        {
            "status": ["queued", "queued", "queued", "quarantined", "queued", "queued"],
            "at_risk": [True, True, False, True, True, True],
            "churn_intent": [True, None, False, True, True, True],
            "state": ["open", "open", "open", "open", "done", "open"],
            "expires_at": pd.to_datetime(["2999-01-01"] * 5 + ["2000-01-01"], utc=True),
        }
    )
    summary = summarise_tables(tables, {"survey": 400}, confidence=0.95)
    assert (summary.queued, summary.at_risk, summary.churn_intent) == (3, 2, 1)
    # done, expired and quarantined follow-ups are nobody's call any more
    assert "3 open for a call-back, 2 of them at risk, 1 saying they are leaving" in (
        summary_markdown(summary)
    )
