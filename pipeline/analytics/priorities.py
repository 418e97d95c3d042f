"""The prioritised improvement list: every theme's drivers row, ranked.

For each theme (and each parent theme) the survey's NPS respondents give mentions, the share of
detractors, passives and promoters mentioning it, the theme's average unit sentiment, its impact on
NPS with interval and p-value (`pipeline.analytics.drivers.theme_impact`) and its adjusted impact
(`pipeline.analytics.drivers.key_driver_impact`). Chats and social mentions carry the same theme
ids: they add volume, chat CSAT and sentiment per theme, never NPS.

**Ranking rule.** A theme with at least ``min_mentions`` mentioning respondents is a *detractor
driver* when its impact is negative and significant (Benjamini-Hochberg q-value across the
themes of the same level under ``alpha``, which also puts its interval below 0) and a
*strength* when positive and significant; otherwise *neutral*, or *too few* below
``min_mentions``. A theme whose units mostly (``general_share``) give a verdict and name no
topic ("Very disappointing", "Ikke tilfreds", "Great experience") is *general*: it shows how
people feel, not what to fix, so it is neither ranked nor a strength. Detractor drivers are
ranked by the NPS points recoverable if their mentioners scored like everyone else (-impact,
i.e. share of respondents mentioning it times how much lower they score: volume and severity in
one number), then by mentions, then rising trend first; ``rank`` 1 is the first to fix.
Strengths are ranked the same way by impact as ``strength_rank`` (protect first). Trend and
alerts are shown next to each theme; they do not reorder it, because a rising theme's cost
shows in its impact as soon as it is there.
"""

from __future__ import annotations

from typing import Final, Literal

import numpy as np
import pandas as pd
from scipy import sparse

from pipeline.analytics.drivers import (
    benjamini_hochberg,
    key_driver_impact,
    mention_matrix,
    theme_impact,
)
from pipeline.analytics.metrics import nps_coding
from pipeline.config import DriversConfig, MetricsConfig

#: Columns of the `drivers` table, in order.
DRIVER_COLUMNS: Final = (
    "theme_id", "level", "label", "parent_id", "segment", "segment_value", "respondents",
    "flagged", "mentions", "detractors", "passives", "promoters", "detractor_share",
    "passive_share", "promoter_share", "sentiment", "nps_with", "nps_without", "nps_impact",
    "ci_low", "ci_high", "p_value", "q_value", "adjusted_impact", "adjusted_ci_low",
    "adjusted_ci_high", "detractor_coef", "promoter_coef", "recoverable", "role", "rank",
    "strength_rank", "trend", "alert", "chat_mentions", "chat_csat", "chat_sentiment",
    "social_mentions", "social_sentiment", "verdict_share", "quotes", "polarity",
)  # fmt: skip
Role = Literal["detractor_driver", "strength", "neutral", "general", "too_few"]
THEME: Final = "theme"
PARENT: Final = "parent"
TOPIC: Final = "topic"
#: Levels, each ranked and corrected for multiple testing on its own.
LEVELS: Final = (TOPIC, THEME, PARENT)
#: A topic's two drivers rows: its complaints (negative units) and its praise (positive ones).
POLARITIES: Final = ("negative", "positive")
#: Topic kinds that are shown but never ranked: they say how people feel, not what to fix.
UNRANKED_KINDS: Final = frozenset({"verdict", "churn"})


def _parent_rows(frame: pd.DataFrame, themes: pd.DataFrame) -> pd.DataFrame:
    """``frame``'s rows of leaves that have a parent, with ``theme_id`` set to the parent."""
    parent_of = themes.set_index("theme_id")["parent_id"].dropna().astype("int64")
    lifted = frame.assign(theme_id=frame["theme_id"].map(parent_of)).dropna(subset=["theme_id"])
    return lifted.astype({"theme_id": "int64"})


def theme_levels(
    themes: pd.DataFrame, mentions: pd.DataFrame
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Active themes and parents, and mentions at both levels.

    Args:
        themes: ``theme_id``, ``label``, ``parent_id``, ``is_parent``, ``status``.
        mentions: Leaf mentions: ``record_id``, ``theme_id``, ``units``, ``sentiment``.

    Returns:
        (catalogue with ``level``, mentions of leaves and parents). A parent's mention of a
        record joins its children's; its sentiment is their unit-weighted mean.
    """
    live = themes[themes["status"] == "active"]
    catalogue = live[["theme_id", "label", "parent_id"]].assign(
        level=np.where(live["is_parent"], PARENT, THEME)
    )
    leaves = mentions[mentions["theme_id"].isin(catalogue.loc[catalogue["level"] == THEME,
                                                              "theme_id"])]  # fmt: skip
    up = _parent_rows(leaves, catalogue)
    parents = pooled_mentions(up)
    both = pd.concat([leaves, parents[leaves.columns.intersection(parents.columns)]])
    return catalogue.reset_index(drop=True), both.reset_index(drop=True)


#: How a topic's complaints and praise rows are called, per report language.
POLARITY_WORDS: Final = {
    "en": {"negative": "complaints", "positive": "praise"},
    "da": {"negative": "klager", "positive": "ros"},
    "nb": {"negative": "klager", "positive": "ros"},
    "sv": {"negative": "klagomål", "positive": "beröm"},
}


def driver_title(label: str, polarity: object, language: str = "en") -> str:
    """A drivers row's title: the label, and for a topic row whether it is complaints or praise.

    Example: ``driver_title("Ventetid", "negative", "da") == "Ventetid — klager"``.
    """
    words = POLARITY_WORDS.get(language, POLARITY_WORDS["en"])
    if isinstance(polarity, str) and polarity in words:
        return f"{label} — {words[polarity]}"
    return str(label)


def headline_level(
    drivers: pd.DataFrame, language: str = "en", level: str | None = None
) -> pd.DataFrame:
    """The drivers rows reports and summaries show: topics, or sub-themes without topics.

    A topic row's ``label`` becomes its title (`driver_title`: "Price and value —
    complaints"), so every reader shows the same words.

    Args:
        drivers: The `drivers` table (any segments).
        language: ``reports.language``.
        level: "topic", "theme" or "parent" (`shown_level`).
    """
    rows = drivers[drivers["level"] == shown_level(drivers, level)]
    return rows.assign(label=driver_titles(rows, language))


def shown_level(drivers: pd.DataFrame, level: str | None = None) -> str:
    """The level to show: the one asked for (topics by default), themes where no topic is."""
    if level in (None, TOPIC) and not (drivers["level"] == TOPIC).any():
        return THEME  # topics switched off (themes.topics = false), or none fitted yet
    return level or TOPIC


def driver_titles(rows: pd.DataFrame, language: str = "en") -> list[str]:
    """`driver_title` of each drivers row (its label where the frame has no ``polarity``)."""
    polarities = rows["polarity"] if "polarity" in rows else [None] * len(rows)
    return [
        driver_title(label, polarity, language)
        for label, polarity in zip(rows["label"], polarities, strict=True)
    ]


def topic_levels(
    topics: pd.DataFrame, mentions: pd.DataFrame
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Active topics as drivers entries: each one's complaints and its praise.

    A topic speaks of something people praise or blame ("price and value" holds both the
    price rise and the good deal), so its effect on NPS is measured twice: over the records
    whose units about it read negative, and over those whose units read positive. Inside the
    drivers computation the praise entry is keyed by the negated topic id (so the two entries
    stay apart); `drivers_report` gives the table back with the topic id and ``polarity``.

    Args:
        topics: ``topic_id``, ``label``, ``kind``, ``status``.
        mentions: ``record_id``, ``topic_id``, ``polarity``, ``units``, ``sentiment``.

    Returns:
        (catalogue: ``theme_id`` (signed), ``label``, ``parent_id``, ``level`` "topic",
        ``polarity``, ``kind``; mentions: ``record_id``, ``theme_id`` (signed), ``units``,
        ``sentiment``).
    """
    live = topics[topics["status"] == "active"]
    catalogue = pd.concat(
        [live.assign(polarity=polarity) for polarity in POLARITIES], ignore_index=True
    )
    catalogue = pd.DataFrame(
        {
            "theme_id": topic_entry_ids(catalogue["topic_id"], catalogue["polarity"]),
            "label": catalogue["label"].to_numpy(),
            "parent_id": pd.array([pd.NA] * len(catalogue), dtype="Int64"),
            "level": TOPIC,
            "polarity": catalogue["polarity"].to_numpy(),
            "kind": catalogue["kind"].to_numpy(),
        }
    )
    chosen = mentions[
        mentions["polarity"].isin(POLARITIES) & mentions["topic_id"].isin(live["topic_id"])
    ]
    entries = pd.DataFrame(
        {
            "record_id": chosen["record_id"].to_numpy(),
            "theme_id": topic_entry_ids(chosen["topic_id"], chosen["polarity"]),
            "units": chosen["units"].to_numpy(),
            "sentiment": chosen["sentiment"].to_numpy(),
        }
    )
    return catalogue, entries


def topic_entry_ids(topic_ids: pd.Series, polarities: pd.Series) -> np.ndarray:
    """The key of a topic's drivers entry: its id for its complaints, negated for its praise."""
    ids = topic_ids.astype("int64").to_numpy()
    return np.where(polarities.to_numpy() == "positive", -ids, ids)


def topic_quotes(candidates: pd.DataFrame) -> pd.DataFrame:
    """Topic quote candidates keyed as `topic_levels` keys its entries.

    A unit read positive speaks for the topic's praise (negated id), any other for its
    complaints.

    Args:
        candidates: ``topic_id``, ``nps_category``, ``text``, ``similarity``, ``neutral``,
            ``label``.

    Returns:
        ``theme_id`` (signed), ``nps_category``, ``text``, ``similarity``, ``neutral``.
    """
    return pd.DataFrame(
        {
            "theme_id": topic_entry_ids(candidates["topic_id"], candidates["label"]),
            "nps_category": candidates["nps_category"].to_numpy(),
            "text": candidates["text"].to_numpy(),
            "similarity": candidates["similarity"].to_numpy(dtype=float),
            "neutral": candidates["neutral"].to_numpy(),
        }
    )


def topic_routes(topics: pd.DataFrame, whole: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Cause topics as follow-ups route them: (mentions, a themes-shaped catalogue).

    The general verdict and churn threats name nothing a team could fix, so they neither
    route nor list. A topic's key is its one keyword, so ``followup.owners`` can name a topic
    by key (``waiting_time = "Contact centre"``), label or id.

    Args:
        topics: Active topics: ``topic_id``, ``topic_key``, ``label``, ``kind``, ``status``.
        whole: `whole_topic_mentions`.
    """
    causes = topics[~topics["kind"].isin(UNRANKED_KINDS)]
    catalogue = pd.DataFrame(
        {
            "theme_id": causes["topic_id"].astype("int64").to_numpy(),
            "label": causes["label"].to_numpy(),
            "parent_id": pd.array([pd.NA] * len(causes), dtype="Int64"),
            "status": causes["status"].to_numpy(),
            "keywords": [[key] for key in causes["topic_key"]],
        }
    )
    return whole[whole["theme_id"].isin(catalogue["theme_id"])], catalogue


def whole_topic_mentions(mentions: pd.DataFrame) -> pd.DataFrame:
    """Topic mentions in any tone, one row per record and topic (for trends and alerts).

    Returns:
        ``record_id``, ``theme_id`` (the topic id), ``units``, ``sentiment`` (unit-weighted).
    """
    return pooled_mentions(mentions, "topic_id")


def pooled_mentions(mentions: pd.DataFrame, key: str = "theme_id") -> pd.DataFrame:
    """One row per record and ``key``: units summed, sentiment their unit-weighted mean.

    Returns:
        ``record_id``, ``theme_id`` (the ``key`` values), ``units``, ``sentiment``.
    """
    if mentions.empty:
        return pd.DataFrame(columns=["record_id", "theme_id", "units", "sentiment"])
    pooled = (
        mentions.assign(weighted=mentions["sentiment"] * mentions["units"])
        .groupby(["record_id", key], as_index=False)
        .agg(units=("units", "sum"), weighted=("weighted", "sum"))
    )
    return pd.DataFrame(
        {
            "record_id": pooled["record_id"],
            "theme_id": pooled[key].astype("int64"),
            "units": pooled["units"],
            "sentiment": pooled["weighted"] / pooled["units"],
        }
    )


def _category_shares(coding: np.ndarray, marks: sparse.csr_matrix) -> pd.DataFrame:
    """Counts of each NPS category among mentioners, and each category's share mentioning."""
    table = {}
    for name, value in (("detractor", -1.0), ("passive", 0.0), ("promoter", 1.0)):
        members = (coding == value).astype(float)
        count = np.asarray(marks.T @ members).ravel()
        table[f"{name}s"] = count.astype(int)
        with np.errstate(invalid="ignore", divide="ignore"):
            table[f"{name}_share"] = count / members.sum()
    return pd.DataFrame(table)


def _channel_columns(
    catalogue: pd.DataFrame, mentions: pd.DataFrame, records: pd.DataFrame,
    csat_scale: tuple[int, int],
) -> pd.DataFrame:  # fmt: skip
    """Chat mentions, chat CSAT (% top two boxes) and sentiment; social mentions, sentiment.

    Indexed by theme id, in ``catalogue`` order.
    """
    joined = mentions.merge(records[["record_id", "source", "score_type", "score"]],
                            on="record_id")  # fmt: skip
    chat = joined[joined["source"] == "chat"]
    social = joined[joined["source"] == "social"]
    rated = chat[(chat["score_type"] == "csat") & chat["score"].notna()]
    satisfied = (rated["score"] >= csat_scale[1] - 1).astype(float)
    columns = pd.DataFrame(
        {
            "chat_mentions": chat.groupby("theme_id")["record_id"].nunique(),
            "chat_csat": 100 * satisfied.groupby(rated["theme_id"]).mean(),
            "chat_sentiment": chat.groupby("theme_id")["sentiment"].mean(),
            "social_mentions": social.groupby("theme_id")["record_id"].nunique(),
            "social_sentiment": social.groupby("theme_id")["sentiment"].mean(),
        }
    )
    columns = columns.reindex(catalogue["theme_id"])
    for name in ("chat_mentions", "social_mentions"):
        columns[name] = columns[name].fillna(0).astype("int64")
    return columns


def _roles(table: pd.DataFrame, settings: DriversConfig) -> pd.Series:
    enough = (table["mentions"] >= settings.min_mentions) & ~table["flagged"]
    significant = table["q_value"] < settings.alpha
    return pd.Series(
        np.select(
            [~enough, significant & (table["nps_impact"] < 0),
             significant & (table["nps_impact"] > 0)],
            ["too_few", "detractor_driver", "strength"],
            "neutral",
        ),
        index=table.index,
    )  # fmt: skip


def rank_drivers(table: pd.DataFrame) -> pd.DataFrame:
    """Set ``rank`` (detractor drivers) and ``strength_rank`` per segment value and level."""
    ranked = table.assign(
        rank=pd.Series(pd.NA, index=table.index, dtype="Int64"),
        strength_rank=pd.Series(pd.NA, index=table.index, dtype="Int64"),
        _rising=table["trend"].eq("rising").astype(int),
    )
    for role, column, ascending in (
        ("detractor_driver", "rank", True),
        ("strength", "strength_rank", False),
    ):
        chosen = ranked[ranked["role"] == role].sort_values(
            ["nps_impact", "mentions", "_rising"], ascending=[ascending, False, False]
        )
        order = chosen.groupby(["segment", "segment_value", "level"], sort=False).cumcount() + 1
        ranked.loc[order.index, column] = order
    for column in ("rank", "strength_rank"):
        ranked[column] = ranked[column].astype("Int64")
    return ranked.drop(columns="_rising")


def driver_table(
    respondents: pd.DataFrame,
    catalogue: pd.DataFrame,
    mentions: pd.DataFrame,
    *,
    settings: DriversConfig,
    metrics: MetricsConfig,
    segment: str = "all",
    segment_value: str = "",
    key_drivers: bool = True,
) -> pd.DataFrame:
    """Drivers rows for one group of respondents, every theme and parent in ``catalogue``.

    Args:
        respondents: One row per NPS answer: ``record_id``, ``score`` (0-10).
        catalogue: `theme_levels`' catalogue (``theme_id``, ``label``, ``parent_id``,
            ``level``).
        mentions: `theme_levels`' mentions (``record_id``, ``theme_id``, ``sentiment``).
        settings: Estimation and ranking settings (``[drivers]``).
        metrics: Interval confidence and the smallest group ranked (``[metrics]``).
        segment: Segment column the group belongs to ("all" for everyone).
        segment_value: The group's value ("" for everyone).
        key_drivers: Fit the key-driver model too (the overall table; not per segment).

    Returns:
        The survey part of `DRIVER_COLUMNS` (no channels, trend, quotes, rank).
    """
    coding = nps_coding(respondents["score"])
    ids = catalogue["theme_id"].tolist()
    marks = mention_matrix(respondents["record_id"], mentions, ids)
    tone = mention_matrix(respondents["record_id"], mentions, ids, value="sentiment")
    impact = theme_impact(
        coding, marks, resamples=settings.resamples, confidence=metrics.confidence,
        seed=settings.seed,
    )  # fmt: skip
    table = pd.concat(
        [catalogue.reset_index(drop=True), impact, _category_shares(coding, marks)], axis=1
    )
    table["respondents"] = coding.size
    table["flagged"] = coding.size < metrics.min_n
    table["segment"], table["segment_value"] = segment, segment_value
    with np.errstate(invalid="ignore", divide="ignore"):
        sums = np.asarray(tone.sum(axis=0)).ravel()
        table["sentiment"] = np.where(impact["mentions"] > 0, sums / impact["mentions"], np.nan)
    table["q_value"] = np.nan
    for level in LEVELS:
        rows = table["level"] == level
        if rows.any():
            table.loc[rows, "q_value"] = benjamini_hochberg(table.loc[rows, "p_value"].to_numpy())
    if key_drivers:
        for level in LEVELS:
            columns = np.flatnonzero(table["level"].to_numpy() == level)
            if columns.size == 0:
                continue
            adjusted = key_driver_impact(
                coding, marks[:, columns], tone[:, columns], c=settings.regularisation,
                resamples=settings.model_resamples, confidence=metrics.confidence,
                seed=settings.seed, jobs=settings.jobs,
            )  # fmt: skip
            for name in adjusted.columns:
                table.loc[columns, name] = adjusted[name].to_numpy()
    table["recoverable"] = np.maximum(-table["nps_impact"], 0.0)
    table["role"] = _roles(table, settings)
    return table


def verdict_shares(
    sample: pd.DataFrame, themes: pd.DataFrame, *, ignore: frozenset[str]
) -> pd.Series:
    """theme_id -> share of its units that only give a verdict (parents pool their children).

    Args:
        sample: Units of each leaf theme: ``theme_id``, ``text``.
        themes: ``theme_id``, ``parent_id``.
        ignore: Words that carry no topic (the theme stop words).
    """
    from pipeline.sentiment.lexicon import verdict_only

    if sample.empty:
        return pd.Series(dtype=float)
    flags = sample.assign(verdict=verdict_only(sample["text"].tolist(), ignore=ignore))
    both = pd.concat([flags, _parent_rows(flags, themes)])
    return both.groupby("theme_id")["verdict"].mean()


def _quotes(catalogue: pd.DataFrame, candidates: pd.DataFrame, roles: pd.Series) -> pd.Series:
    """theme_id -> three quotes for each theme.

    Detractors' negative units for a detractor driver (then their units read neutral, optional
    ``neutral`` column), promoters' positive units for a strength, else the most typical units
    of either, else passives' units (a theme mentioned by passives only); units that name a
    topic before those that only give a verdict (optional ``verdict`` column), then the most
    typical.
    """
    pool = pd.concat([candidates, _parent_rows(candidates, catalogue)])
    if "verdict" not in pool.columns:
        pool = pool.assign(verdict=False)
    if "neutral" not in pool.columns:
        pool = pool.assign(neutral=False)
    pool = pool.assign(neutral=pool["neutral"].fillna(False).astype(bool))
    # text breaks ties in similarity, so the same units always give the same quotes
    pool = pool.sort_values(
        ["neutral", "verdict", "similarity", "text"],
        ascending=[True, True, False, True],
        kind="stable",
    )
    # the same sentence typed twice ("SISTE FAKTURA VAR FEIL", "siste faktura var feil.") once
    pool = pool.assign(_said=pool["text"].str.casefold().str.replace(r"[\W_]+", " ", regex=True)
                       .str.strip()).drop_duplicates(["theme_id", "_said"])  # fmt: skip
    wanted = {"detractor_driver": ["detractor"], "strength": ["promoter"]}
    quotes = []
    for theme_id, role in zip(catalogue["theme_id"], roles, strict=True):
        mine = pool[pool["theme_id"] == theme_id]
        preferred = mine[mine["nps_category"].isin(wanted.get(role, ["detractor", "promoter"]))]
        if preferred.empty:
            preferred = mine[mine["nps_category"] == "passive"]
        quotes.append(preferred["text"].head(3).tolist())
    return pd.Series(quotes, index=catalogue["theme_id"].to_numpy())


def drivers_report(
    respondents: pd.DataFrame,
    themes: pd.DataFrame,
    mentions: pd.DataFrame,
    records: pd.DataFrame,
    *,
    settings: DriversConfig,
    metrics: MetricsConfig,
    trend: pd.Series | None = None,
    alerts: pd.DataFrame | None = None,
    quote_candidates: pd.DataFrame | None = None,
    verdicts: pd.Series | None = None,
    csat_scale: tuple[int, int] = (1, 5),
    topics: pd.DataFrame | None = None,
    topic_mentions: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """The `drivers` table: every active topic, theme and parent, overall and per segment value.

    Args:
        respondents: NPS answers: ``record_id``, ``score`` and the segment columns.
        themes: The `themes` table.
        mentions: Leaf mentions of every record (all channels): ``record_id``, ``theme_id``,
            ``units``, ``sentiment``.
        records: Every record: ``record_id``, ``source``, ``score_type``, ``score``.
        settings: Estimation and ranking settings (``[drivers]``); its ``segments`` are the
            columns the analysis is repeated for (no key-driver model there; a value with
            fewer than ``metrics.min_n`` respondents is flagged and not ranked).
        metrics: Interval confidence and the smallest group ranked (``[metrics]``).
        trend: theme_id -> "rising" | "falling" | "steady".
        alerts: Active alerts (``theme_id``, ``kind``).
        quote_candidates: ``theme_id``, ``nps_category``, ``text``, ``similarity``.
        verdicts: theme_id -> share of units that only give a verdict (`verdict_shares`).
        csat_scale: Chat CSAT scale; the top two answers count as satisfied.
        topics: The `topics` table (``topic_id``, ``label``, ``kind``, ``status``): topic
            rows (level topic, one per polarity, see `topic_levels`); verdict and churn
            topics are general, never ranked.
        topic_mentions: ``record_id``, ``topic_id``, ``polarity``, ``units``, ``sentiment``.
        quote_candidates: may hold topic entries keyed as `topic_levels` keys them.

    Returns:
        `DRIVER_COLUMNS`, ranked (see the module docstring).
    """
    catalogue, both = theme_levels(themes, mentions)
    catalogue = catalogue.assign(polarity=None, kind=None)
    if topics is not None and topic_mentions is not None:
        topic_catalogue, topic_both = topic_levels(topics, topic_mentions)
        catalogue = pd.concat([topic_catalogue, catalogue], ignore_index=True)
        both = pd.concat([topic_both, both], ignore_index=True)
    survey = both[both["record_id"].isin(respondents["record_id"])]
    parts = [driver_table(respondents, catalogue, survey, settings=settings, metrics=metrics)]
    for segment in settings.segments:
        if segment not in respondents.columns:
            continue
        values = respondents[segment].astype("string").str.strip()
        for value, group in respondents.groupby(values[values.fillna("") != ""]):
            parts.append(
                driver_table(group, catalogue, survey, settings=settings, metrics=metrics,
                             segment=segment, segment_value=str(value), key_drivers=False)
            )  # fmt: skip
    table = pd.concat(parts, ignore_index=True)
    channels = _channel_columns(catalogue, both, records, csat_scale)
    table = table.merge(channels, left_on="theme_id", right_index=True, how="left")
    # a topic's praise entry is keyed by its negated id; trends and alerts are per topic
    plain = table["theme_id"].abs()
    table["trend"] = plain.map(trend if trend is not None else {}).fillna("steady")
    active = (
        {}
        if alerts is None or alerts.empty
        else dict(zip(alerts["theme_id"], alerts["kind"], strict=True))
    )
    table["alert"] = plain.map(active)
    table["verdict_share"] = table["theme_id"].map(verdicts if verdicts is not None else {})
    general = (table["verdict_share"] >= settings.general_share) & (table["role"] != "too_few")
    general |= table["kind"].isin(UNRANKED_KINDS) & (table["role"] != "too_few")
    table.loc[general, "role"] = "general"
    overall = table.iloc[: len(catalogue)]
    quotes = (
        _quotes(catalogue, quote_candidates, overall["role"])
        if quote_candidates is not None
        else pd.Series([[] for _ in range(len(catalogue))], index=catalogue["theme_id"])
    )
    table["quotes"] = table["theme_id"].map(quotes)
    table = rank_drivers(table)
    table["theme_id"] = table["theme_id"].abs()
    for name in DRIVER_COLUMNS:
        if name not in table.columns:
            table[name] = np.nan
    return table[list(DRIVER_COLUMNS)]
