"""The demo's latent model: segments, planted drivers and how records draw them.

Shared by the survey (`pipeline.demo`), the text renderer (`pipeline.demo.text`) and the chat
and social generators (`pipeline.demo.channels`); `pipeline.demo` re-exports the public names.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Final, Literal

import numpy as np
import pandas as pd

LANGUAGES: Final = ("da", "nb", "sv", "en")
TEAMS: Final = ("Support Copenhagen", "Support Oslo", "Support Stockholm", "Billing",
                 "Field Service")  # fmt: skip
PRODUCTS: Final = ("Mobile", "Broadband", "TV", "Bundle")
#: Weeks before ``end`` in which the emerging driver spikes.
EMERGING_WEEKS: Final = 5
#: Share of each of `LANGUAGES` among survey respondents and social mentions.
LANGUAGE_SHARES: Final = (0.30, 0.20, 0.20, 0.30)
_HOUR_WEIGHTS: Final = np.array(
    [1, 0.5, 0.3, 0.2, 0.2, 0.4, 1, 2, 4, 6, 7, 7, 7, 7, 6, 6, 6, 7, 8, 9, 9, 7, 5, 3], dtype=float
)
_Kind = Literal["detractor", "promoter"]


@dataclass(frozen=True)
class Driver:
    """One planted cause of a score.

    Attributes:
        key: Identifier used in ``truth.json``.
        label: Human-readable name.
        kind: "detractor" (pushes the score down) or "promoter" (pushes it up).
        prevalence: Base probability that a survey respondent has the driver, before the team,
            product and time factors.
        score_shift: Shift of the latent 0-10 score, in score points.
        team_factor: Multiplier of the prevalence per team (missing teams: 1.0).
        product_factor: Multiplier of the prevalence per product (missing products: 1.0).
        emerging_factor: Multiplier of the prevalence in the last `EMERGING_WEEKS` weeks and
            its inverse square root before them; 1.0 for drivers that do not emerge.
        concentrated_in: The segment where the driver is concentrated, for ``truth.json``.
    """

    key: str
    label: str
    kind: _Kind
    prevalence: float
    score_shift: float
    team_factor: Mapping[str, float] = field(default_factory=dict)
    product_factor: Mapping[str, float] = field(default_factory=dict)
    emerging_factor: float = 1.0
    concentrated_in: Mapping[str, str] | None = None


_SUPPORT_LOW = {"Support Copenhagen": 0.6, "Support Oslo": 0.6, "Support Stockholm": 0.6}
DRIVERS: Final = (
    Driver("waiting_time", "Long waiting time", "detractor", 0.15, -1.8,
           team_factor={"Support Oslo": 1.7, "Support Copenhagen": 1.1, "Field Service": 0.4}),
    Driver("billing_error", "Billing errors and unexpected charges", "detractor", 0.07, -2.6,
           team_factor={**_SUPPORT_LOW, "Billing": 3.0, "Field Service": 0.3},
           concentrated_in={"team": "Billing"}),
    Driver("network_outage", "Network outages and slow internet", "detractor", 0.08, -2.4,
           product_factor={"Broadband": 2.2, "Bundle": 1.2, "Mobile": 0.5, "TV": 0.6},
           concentrated_in={"product": "Broadband"}),
    Driver("technician_no_show", "Technician no-show", "detractor", 0.02, -4.5,
           team_factor={**_SUPPORT_LOW, "Billing": 0.2, "Field Service": 7.0},
           concentrated_in={"team": "Field Service"}),
    Driver("app_bugs", "App and website bugs", "detractor", 0.035, -2.2,
           product_factor={"Mobile": 1.4}, emerging_factor=5.0),
    Driver("price_increase", "Price increase", "detractor", 0.20, -0.7,
           product_factor={"TV": 1.6, "Bundle": 1.2}),
    Driver("friendly_staff", "Friendly, helpful staff", "promoter", 0.24, 1.5,
           team_factor={"Support Stockholm": 1.3, "Field Service": 0.8}),
    Driver("quick_fix", "Problem solved quickly, first time", "promoter", 0.14, 2.0,
           team_factor={"Support Copenhagen": 1.2, "Field Service": 0.7}),
    Driver("good_value", "Good value for money", "promoter", 0.10, 1.2,
           product_factor={"Mobile": 1.3, "TV": 0.7}),
    Driver("easy_setup", "Easy setup", "promoter", 0.07, 1.0,
           product_factor={"Broadband": 1.3, "Bundle": 1.3, "TV": 0.8}),
)  # fmt: skip
#: Driver keys in `DRIVERS` order (the columns of every (n, D) driver matrix).
KEYS: Final = tuple(driver.key for driver in DRIVERS)
BY_KEY: Final = {driver.key: driver for driver in DRIVERS}
#: One evaluation label: source, source_id, language, latent and mentioned driver keys.
Label = tuple[str, str, str, tuple[str, ...], tuple[str, ...]]


@dataclass(frozen=True)
class Period:
    """The demo's date range, both ends included."""

    start: dt.date
    end: dt.date

    @classmethod
    def ending(cls, end: dt.date, months: int) -> Period:
        """Return the period of ``months`` calendar months that ends on ``end``."""
        start = (pd.Timestamp(end) - pd.DateOffset(months=months)).date() + dt.timedelta(days=1)
        return cls(start, end)

    @property
    def days(self) -> int:
        """Number of days in the period."""
        return (self.end - self.start).days + 1

    @property
    def emerging_from(self) -> dt.date:
        """First day of the last `EMERGING_WEEKS` weeks, when emerging drivers spike."""
        return self.end - dt.timedelta(weeks=EMERGING_WEEKS) + dt.timedelta(days=1)


@dataclass(frozen=True)
class Population:
    """Survey respondents, sorted by submission time; arrays of length n (drivers: (n, D))."""

    language: np.ndarray
    country: np.ndarray
    team: np.ndarray
    product: np.ndarray
    submitted: np.ndarray
    customer_id: np.ndarray
    drivers: np.ndarray
    score: np.ndarray


def draw_times(rng: np.random.Generator, n: int, start: dt.date, days: int) -> np.ndarray:
    """Return n sorted datetime64[s] times in ``days`` days from ``start``, busier by day."""
    day = rng.integers(0, days, n)
    hour = rng.choice(24, size=n, p=_HOUR_WEIGHTS / _HOUR_WEIGHTS.sum())
    second = day * 86_400 + hour * 3_600 + rng.integers(0, 3_600, n)
    return np.sort(np.datetime64(start, "s") + second.astype("timedelta64[s]"))


def driver_probabilities(
    team: np.ndarray, product: np.ndarray, recent: np.ndarray, *, channel: str = "survey"
) -> np.ndarray:
    """Return the (n, D) probabilities that each record carries each driver."""
    base = np.array([driver.prevalence for driver in DRIVERS])
    if channel != "survey":
        base = base * np.array([1.4 if d.kind == "detractor" else 0.6 for d in DRIVERS])
    team_factor = np.array([[d.team_factor.get(name, 1.0) for d in DRIVERS] for name in TEAMS])
    product_factor = np.array(
        [[d.product_factor.get(name, 1.0) for d in DRIVERS] for name in PRODUCTS]
    )
    emerging = np.array([d.emerging_factor for d in DRIVERS])
    time_factor = np.where(recent[:, None], emerging, 1 / np.sqrt(emerging))
    return np.clip(base * team_factor[team] * product_factor[product] * time_factor, 0, 0.9)


def id_span(n_survey: int) -> int:
    """Survey customers are K10000 onwards; other chat customers follow them."""
    return max(50_000, 3 * n_survey)
