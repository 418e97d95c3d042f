"""Chat conversations and social mentions for the demo, drawn from the same drivers.

About 60 % of the chats belong to survey customers and keep some of their drivers; social
mentions are posts, retweets, replies (some from the brand) and one copy-paste spam campaign.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any, Final

import numpy as np
import pandas as pd

from pipeline.demo import chat_phrases, phrases
from pipeline.demo.drivers import (
    BY_KEY,
    DRIVERS,
    KEYS,
    LANGUAGE_SHARES,
    LANGUAGES,
    PRODUCTS,
    TEAMS,
    Label,
    Period,
    Population,
    draw_times,
    driver_probabilities,
    id_span,
)
from pipeline.demo.text import Writer

_PLATFORMS: Final = ("twitter", "facebook", "instagram", "trustpilot")
_BRAND: Final = "@NordlysTelecom"


def _iso(moment: dt.datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


def _as_datetimes(times: np.ndarray) -> list[dt.datetime]:
    return list(pd.DatetimeIndex(times).to_pydatetime())


def _segments(rng: np.random.Generator, n: int) -> tuple[np.ndarray, np.ndarray]:
    """Draw a team and a product for n records that are not survey answers."""
    team = rng.choice(len(TEAMS), size=n, p=[0.25, 0.18, 0.21, 0.20, 0.16])
    return team, rng.choice(len(PRODUCTS), size=n, p=[0.35, 0.30, 0.12, 0.23])


def _keys(writer: Writer, row: np.ndarray, limit: int) -> list[str]:
    keys = [KEYS[j] for j in np.flatnonzero(row)]
    writer.rng.shuffle(keys)
    return keys[:limit]


def _customer_turns(writer: Writer, language: str, keys: list[str], n_turns: int) -> list[str]:
    """Return ``n_turns`` customer messages: greeting, drivers, follow-ups, boilerplate."""
    chat = chat_phrases.CHAT
    content = [writer.render(chat["greeting"][language], language)] if writer.chance(0.25) else []
    described = [writer.driver(key, language) for key in keys]
    described = described or [writer.render(chat["question"][language], language)]
    content += [
        writer.noise(writer.sentence(text), band="", typo_share=0.25, emoji_share=0.04)
        for text in described
    ]
    if len(content) > n_turns:
        content = [*content[: n_turns - 1], " ".join(content[n_turns - 1 :])]
    while len(content) < n_turns:
        bank = "boilerplate" if writer.chance(0.15) else "followup"
        content.append(writer.render(chat[bank][language], language))
    return content


def _agent_turns(writer: Writer, language: str, n_turns: int) -> list[str]:
    chat, agent = chat_phrases.CHAT, writer.person()
    turns = [writer.render(chat["agent_opening"][language], language, agent=agent)]
    turns += [writer.render(chat["agent_reply"][language], language) for _ in range(n_turns - 1)]
    if n_turns > 1:
        turns[-1] = writer.render(chat["agent_closing"][language], language)
    return turns[:n_turns]


def _conversation(
    writer: Writer, language: str, keys: list[str], started: dt.datetime
) -> list[dict[str, str]]:
    """Return the messages of one conversation: a bot greeting, then customer and agent turns.

    Customer and agent alternate over 2-8 turns; the first agent reply comes 20-60 minutes
    late when the customer carries the waiting-time driver.
    """
    n_turns = 2 + int(writer.rng.random() * 7)
    customer = _customer_turns(writer, language, keys, (n_turns + 1) // 2)
    agent = _agent_turns(writer, language, n_turns // 2)
    moment = started + dt.timedelta(seconds=2 + int(writer.rng.random() * 6))
    bot = writer.render(chat_phrases.CHAT["bot"][language], language)
    messages = [{"role": "bot", "text": bot, "timestamp": _iso(moment)}]
    for turn in range(n_turns):
        if turn % 2 == 0:
            role, text, delay = "customer", customer[turn // 2], writer.rng.uniform(10, 90)
        elif turn == 1 and "waiting_time" in keys:
            role, text, delay = "agent", agent[0], writer.rng.uniform(1_200, 3_600)
        else:
            role, text, delay = "agent", agent[turn // 2], writer.rng.uniform(20, 240)
        moment += dt.timedelta(seconds=int(delay))
        messages.append({"role": role, "text": text, "timestamp": _iso(moment)})
    return messages


def _csat(writer: Writer, keys: list[str]) -> int | None:
    if writer.chance(0.25):
        return None
    latent = 4.1 + 0.5 * sum(BY_KEY[key].score_shift for key in keys) + writer.rng.gauss(0, 0.6)
    return int(min(5, max(1, round(latent))))


def draw_chats(
    n: int, population: Population, period: Period, rng: np.random.Generator, writer: Writer
) -> tuple[list[dict[str, Any]], list[Label]]:
    """Draw n conversations; about 60 % belong to survey customers, some to the same one."""
    with_id = np.flatnonzero(population.customer_id != "")
    kind = rng.choice(3, size=n, p=[0.6, 0.3, 0.1])
    if with_id.size == 0:
        kind[kind == 0], with_id = 1, np.zeros(1, dtype=int)
    linked = kind == 0
    pool_size = max(1, min(with_id.size, round(linked.sum() * 0.7)))
    pool = rng.choice(with_id, size=pool_size, replace=False)
    respondent = np.where(linked, rng.choice(pool, size=n), 0)
    first = 10_000 + id_span(population.score.size)
    others = np.char.add("K", rng.integers(first, first + max(10, n // 2), n).astype(str))
    customer_id = np.where(linked, population.customer_id[respondent], others)
    earliest = np.datetime64(period.start, "s")
    started = earliest + rng.integers(0, period.days * 86_400, n).astype("timedelta64[s]")
    room = (population.submitted[respondent] - earliest).astype(np.int64)
    before = (rng.random(n) * np.minimum(room, 10 * 86_400)).astype("timedelta64[s]")
    started = np.where(linked, population.submitted[respondent] - before, started)
    team, product = _segments(rng, n)
    team, product = (
        np.where(linked, population.team[respondent], team),
        np.where(linked, population.product[respondent], product),
    )
    recent = started >= np.datetime64(period.emerging_from, "s")
    fresh = rng.random((n, len(DRIVERS))) < driver_probabilities(
        team, product, recent, channel="chat"
    )
    kept = population.drivers[respondent] & linked[:, None] & (rng.random((n, len(DRIVERS))) < 0.6)
    language = np.where(
        linked & (rng.random(n) < 0.9),
        population.language[respondent],
        rng.choice(4, size=n, p=LANGUAGE_SHARES),
    )
    app = rng.random(n) < 0.35
    chats: list[dict[str, Any]] = []
    labels: list[Label] = []
    order = np.argsort(started, kind="stable")
    for rank, (i, moment) in enumerate(zip(order, _as_datetimes(started[order]), strict=True), 1):
        code, keys = LANGUAGES[language[i]], _keys(writer, fresh[i] | kept[i], 3)
        chats.append(
            {
                "conversation_id": f"C{rank:06d}",
                "customer_id": None if kind[i] == 2 else str(customer_id[i]),
                "started_at": _iso(moment),
                "csat": _csat(writer, keys),
                "channel": "app chat" if app[i] else "web chat",
                "messages": _conversation(writer, code, keys, moment),
            }
        )
        labels.append(("chat", f"C{rank:06d}", code, tuple(keys), tuple(keys)))
    return chats, labels


@dataclass(frozen=True)
class _Post:
    """An original mention that others may reply to or retweet."""

    id: str
    author: str
    text: str
    language: str
    keys: tuple[str, ...]
    band: str


def _post_text(writer: Writer, platform: str, language: str, keys: list[str]) -> tuple[str, str]:
    """Return an original post's text and its tone as an NPS group name."""
    kinds = {BY_KEY[key].kind for key in keys}
    if len(kinds) == 1:
        band = "promoter" if "promoter" in kinds else "detractor"
    else:
        band = "passive" if kinds else writer.pick(("detractor", "passive", "promoter"))
    clauses = writer.clauses(keys, language)
    clauses = clauses or [writer.render(phrases.GENERIC[band][language], language)]
    text = writer.noise(writer.join(clauses), band=band, typo_share=0.2, emoji_share=0.2)
    if platform != "trustpilot":
        tag = writer.pick(chat_phrases.COMPANY_TAGS)
        text = f"{tag} {text}" if writer.chance(0.5) else f"{text} {tag}"
    if writer.chance(0.1):
        slug = "".join(writer.pick("abcdefghjkmnpqrstuvwxyz23456789") for _ in range(7))
        text = f"{text} https://example.com/p/{slug}"
    return text, band


def _reply(writer: Writer, original: _Post) -> tuple[str, str, tuple[str, ...]]:
    """Return a reply's author ("" for a customer), text and the drivers it mentions."""
    code = original.language
    if original.band == "detractor" and writer.chance(0.35):
        return _BRAND, f"{original.author} {chat_phrases.SOCIAL['brand_reply'][code]}", ()
    keys = original.keys[:1] if writer.chance(0.5) else ()
    body = writer.sentence(writer.render(chat_phrases.SOCIAL["agree"][code], code))
    body += "".join(f" {writer.sentence(writer.driver(key, code))}" for key in keys)
    return "", f"{original.author} {body}", keys


def draw_mentions(
    n: int, period: Period, rng: np.random.Generator, writer: Writer
) -> tuple[list[dict[str, Any]], list[Label], list[str]]:
    """Draw n mentions: posts, retweets, replies and one copy-paste spam campaign.

    Returns:
        The mentions in time order, their labels and the ids of the spam posts.
    """
    n_spam = min(20, max(2, n // 20)) if n >= 20 else 0
    spam_start = period.start + dt.timedelta(days=int(rng.integers(0, max(1, period.days - 2))))
    regular = draw_times(rng, n - n_spam, period.start, period.days)
    times = np.concatenate([regular, draw_times(rng, n_spam, spam_start, 2)])
    order = np.argsort(times, kind="stable")
    platform = rng.choice(len(_PLATFORMS), size=n, p=[0.4, 0.25, 0.15, 0.2])
    language = rng.choice(len(LANGUAGES), size=n, p=LANGUAGE_SHARES)
    team, product = _segments(rng, n)
    recent = times >= np.datetime64(period.emerging_from, "s")
    chances = driver_probabilities(team, product, recent, channel="social")
    drivers = rng.random((n, len(DRIVERS))) < chances
    likes, shares = rng.geometric(0.25, n) - 1, rng.geometric(0.6, n) - 1
    viral = np.where(rng.random(n) < 0.02, 20, 1)
    taken, posts, spam_ids = {_BRAND}, list[_Post](), list[str]()
    mentions: list[dict[str, Any]] = []
    labels: list[Label] = []
    for rank, (i, moment) in enumerate(zip(order, _as_datetimes(times[order]), strict=True), 1):
        mention_id, where, author = f"S{rank:06d}", _PLATFORMS[platform[i]], _handle(writer, taken)
        reply_to, retweet = None, False
        keys: tuple[str, ...] = ()
        if i >= n - n_spam:
            where, code, text = writer.pick(_PLATFORMS[:3]), "da", chat_phrases.SPAM_TEXT
            spam_ids.append(mention_id)
        elif posts and where == "twitter" and writer.chance(0.08):
            original = writer.pick(posts)
            text, retweet = f"RT {original.author}: {original.text}", True
            code, keys = original.language, original.keys
        elif posts and writer.chance(0.12):
            original = writer.pick(posts)
            brand, text, keys = _reply(writer, original)
            author, reply_to, code = brand or author, original.id, original.language
        else:
            code, keys = LANGUAGES[language[i]], tuple(_keys(writer, drivers[i], 2))
            text, band = _post_text(writer, where, code, list(keys))
            posts.append(_Post(mention_id, author, text, code, keys, band))
        boost = 0 if retweet else int(viral[i])
        mentions.append(
            {"id": mention_id, "platform": where, "author": author, "text": text,
             "created_at": _iso(moment), "likes": boost * int(likes[i]),
             "shares": boost * int(shares[i]), "in_reply_to": reply_to, "is_retweet": retweet}
        )  # fmt: skip
        labels.append(("social", mention_id, code, keys, keys))
    return mentions, labels, spam_ids


def _handle(writer: Writer, taken: set[str]) -> str:
    """Return a fake ``@handle`` not used before in this data set."""
    handle = f"@{writer.handle()}"
    while handle in taken:
        handle = f"@{writer.handle()}"
    taken.add(handle)
    return handle
