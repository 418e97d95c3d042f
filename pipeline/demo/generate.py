"""Built-in demo data: survey answers, chat transcripts and social mentions with known causes.

The data belong to "Nordlys Telecom", a fictional mobile, broadband and TV operator in Denmark,
Norway and Sweden. Every survey respondent carries zero or more latent *drivers* (long waiting
time, billing errors, friendly staff, ...). The NPS score is drawn around a base level shifted by
the drivers' ``score_shift`` values, so the true effect of every driver is known; the comment
mentions most (not all) of the respondent's drivers, phrased from the templates in
`pipeline.demo.phrases` in Danish, Norwegian Bokmål, Swedish or English, with typos, case noise,
emoji, mixed languages, contrast ("nice staff, but the bill was wrong"), personal data and a
little markup. Chats and social mentions reuse the same drivers and phrasing.

`generate_demo` returns everything in memory, deterministic for a seed; `write_demo` writes the
public file formats the ingest readers expect (``survey.csv``, ``chat.jsonl``, ``social.jsonl``)
and the answer key (``truth.json``).

This module draws the survey and computes the answer key. The drivers, segments and period live
in `pipeline.demo.drivers` (re-exported here), the text renderer in `pipeline.demo.text` and the
chat and social generators in `pipeline.demo.channels`.
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Final

import numpy as np
import pandas as pd

from pipeline.demo import chat_phrases
from pipeline.demo.channels import draw_chats, draw_mentions
from pipeline.demo.drivers import (
    DRIVERS,
    EMERGING_WEEKS,
    KEYS,
    LANGUAGE_SHARES,
    LANGUAGES,
    PRODUCTS,
    TEAMS,
    Driver,
    Label,
    Period,
    Population,
    draw_times,
    driver_probabilities,
    id_span,
)
from pipeline.demo.text import Writer, append_sentence, render_comment

__all__ = [
    "DEFAULT_END",
    "DRIVERS",
    "EMERGING_WEEKS",
    "LANGUAGES",
    "PRODUCTS",
    "SCORE_HEADER",
    "SURVEY_COLUMNS",
    "TEAMS",
    "DemoData",
    "DemoPaths",
    "Driver",
    "generate_demo",
    "write_demo",
]

DEFAULT_END: Final = dt.date(2026, 10, 31)
SCORE_HEADER: Final = "How likely are you to recommend Nordlys to a friend or colleague? (0-10)"
SURVEY_COLUMNS: Final = ("Respondent ID", "Customer ID", "Submitted", SCORE_HEADER, "NPS Group",
                         "Comment", "Team", "Product", "Country")  # fmt: skip

_COUNTRIES: Final[dict[str, dict[str, float]]] = {
    "da": {"DK": 0.86, "NO": 0.04, "SE": 0.03, "DE": 0.04, "GB": 0.03},
    "nb": {"NO": 0.88, "DK": 0.05, "SE": 0.04, "GB": 0.03},
    "sv": {"SE": 0.84, "FI": 0.09, "NO": 0.04, "DK": 0.03},
    "en": {"DK": 0.24, "NO": 0.14, "SE": 0.20, "GB": 0.15, "FI": 0.09, "DE": 0.07, "US": 0.06,
           "NL": 0.05},
}  # fmt: skip
_HOME_TEAM: Final = {"DK": 0, "NO": 1, "SE": 2, "FI": 2}
_BASE_SCORE: Final = 8.3
_SCORE_NOISE: Final = 1.45
_TEAM_OFFSET: Final = np.array([0.0, -0.2, 0.2, -0.1, -0.3])
_EMPTY_SHARE: Final = 0.15
_IRRELEVANT_SHARE: Final = 0.05
_MENTION_PROBABILITY: Final = 0.85

_SHIFTS: Final = np.array([driver.score_shift for driver in DRIVERS])


@dataclass(frozen=True, eq=False)
class DemoData:
    """A generated demo data set.

    Attributes:
        survey: One row per survey answer, columns `SURVEY_COLUMNS`; the score column is int64,
            every other column str ("" where a value is missing).
        chats: One JSON-serialisable dict per chat conversation (the ``chat.jsonl`` objects).
        mentions: One JSON-serialisable dict per social mention (the ``social.jsonl`` objects).
        truth: The answer key (the ``truth.json`` object); see `generate_demo`.
        labels: One row per record of all three sources, for evaluation: ``source``
            ("survey" | "chat" | "social"), ``source_id`` (Respondent ID, conversation_id or
            id), ``language``, ``latent`` (tuple of driver keys the record carries) and
            ``mentioned`` (tuple of driver keys its text actually expresses). Not written by
            `write_demo`.
    """

    survey: pd.DataFrame
    chats: list[dict[str, Any]]
    mentions: list[dict[str, Any]]
    truth: dict[str, Any]
    labels: pd.DataFrame


@dataclass(frozen=True)
class DemoPaths:
    """Where `write_demo` put each file."""

    survey: Path
    chat: Path
    social: Path
    truth: Path


# --- survey -----------------------------------------------------------------------------------


def _band(score: int) -> str:
    if score >= 9:
        return "promoter"
    return "passive" if score >= 7 else "detractor"


def _draw_population(n: int, period: Period, rng: np.random.Generator) -> Population:
    language = rng.choice(len(LANGUAGES), size=n, p=LANGUAGE_SHARES)
    country = np.empty(n, dtype=object)
    for index, code in enumerate(LANGUAGES):
        where = language == index
        names, weights = zip(*_COUNTRIES[code].items(), strict=True)
        country[where] = rng.choice(names, size=int(where.sum()), p=np.array(weights))
    home = np.array([_HOME_TEAM.get(code, -1) for code in country])
    roaming = (home < 0) | (rng.random(n) < 0.12)
    support = np.where(roaming, rng.choice(3, size=n, p=[0.5, 0.2, 0.3]), home)
    draw = rng.random(n)
    team = np.where(draw < 0.20, 3, np.where(draw < 0.36, 4, support))
    field_service = team == 4
    product = np.where(
        field_service,
        rng.choice(4, size=n, p=[0.05, 0.50, 0.15, 0.30]),
        rng.choice(4, size=n, p=[0.38, 0.27, 0.12, 0.23]),
    )
    submitted = draw_times(rng, n, period.start, period.days)
    recent = submitted >= np.datetime64(period.emerging_from, "s")
    drivers = rng.random((n, len(DRIVERS))) < driver_probabilities(team, product, recent)
    latent = _BASE_SCORE + _TEAM_OFFSET[team] + drivers @ _SHIFTS + rng.normal(0, _SCORE_NOISE, n)
    numbers = rng.choice(np.arange(10_000, 10_000 + id_span(n)), size=n, replace=False)
    customer_id = np.where(rng.random(n) < 0.06, "", np.char.add("K", numbers.astype(str)))
    return Population(
        language=language,
        country=country,
        team=team,
        product=product,
        submitted=submitted,
        customer_id=customer_id.astype(object),
        drivers=drivers,
        score=np.clip(np.rint(latent), 0, 10).astype(np.int64),
    )


def _write_comments(
    population: Population, writer: Writer, rng: np.random.Generator
) -> tuple[list[str], np.ndarray]:
    """Return the comments and the (n, D) bool matrix of drivers each comment mentions."""
    n = population.score.size
    draw = rng.random(n)
    kind = (draw >= _EMPTY_SHARE).astype(int) + (draw >= _EMPTY_SHARE + _IRRELEVANT_SHARE)
    newline = rng.random(n) < 0.013
    extra = rng.choice(4, size=n, p=[0.932, 0.04, 0.014, 0.014])
    mentioned = np.zeros_like(population.drivers)
    comments: list[str] = []
    for i in range(n):
        language, band = LANGUAGES[population.language[i]], _band(int(population.score[i]))
        if kind[i] == 0:
            comments.append("")
            continue
        if kind[i] == 1:
            text = writer.render(chat_phrases.IRRELEVANT[language], language)
        else:
            carried = list(np.flatnonzero(population.drivers[i]))
            writer.rng.shuffle(carried)
            chosen = [j for j in carried if writer.chance(_MENTION_PROBABILITY)][:3]
            mentioned[i, chosen] = True
            text = render_comment(
                writer, language, band, [KEYS[j] for j in chosen], bool(newline[i])
            )
        if extra[i]:
            pii = ("name", "email", "phone")[extra[i] - 1]
            text = append_sentence(text, writer.sentence(writer.personal_data(pii, language)))
        comments.append(text)
    return _with_markup(comments, mentioned, writer, rng), mentioned


def _with_markup(
    texts: list[str], mentioned: np.ndarray, writer: Writer, rng: np.random.Generator
) -> list[str]:
    """Wrap a handful of comments in HTML and replace a few mention-free ones by formulas."""
    comments = list(texts)
    filled = np.flatnonzero([bool(text) for text in comments])
    n_markup = min(filled.size, max(2, round(len(comments) * 0.0012)))
    for i in rng.choice(filled, size=n_markup, replace=False):
        comments[i] = writer.pick(chat_phrases.MARKUP).replace("{text}", comments[i])
    plain = np.flatnonzero(~mentioned.any(axis=1))
    n_formula = min(plain.size, max(2, round(len(comments) * 0.0006)))
    for i in rng.choice(plain, size=n_formula, replace=False):
        comments[i] = writer.pick(chat_phrases.FORMULAS)
    return comments


def _survey_frame(population: Population, comments: list[str]) -> pd.DataFrame:
    n = population.score.size
    submitted = pd.DatetimeIndex(population.submitted)
    groups = {"promoter": "Promoter", "passive": "Passive", "detractor": "Detractor"}
    return pd.DataFrame(
        {
            "Respondent ID": [f"R{i:06d}" for i in range(1, n + 1)],
            "Customer ID": population.customer_id.astype(str),
            "Submitted": submitted.strftime("%d.%m.%Y %H:%M").astype(str),
            SCORE_HEADER: population.score,
            "NPS Group": [groups[_band(int(score))] for score in population.score],
            "Comment": pd.Series(comments, dtype=str),
            "Team": [TEAMS[i] for i in population.team],
            "Product": [PRODUCTS[i] for i in population.product],
            "Country": population.country.astype(str),
        },
        columns=list(SURVEY_COLUMNS),
    )


# --- truth and public API ---------------------------------------------------------------------


def _nps(scores: np.ndarray) -> float | None:
    """Return % promoters (9-10) minus % detractors (0-6) of 0-10 scores; None if empty."""
    if scores.size == 0:
        return None
    return round(float(100 * (np.mean(scores >= 9) - np.mean(scores <= 6))), 4)


def _impact(scores: np.ndarray, has: np.ndarray, suffix: str = "") -> dict[str, float | None]:
    overall, without = _nps(scores), _nps(scores[~has])
    impact = None if overall is None or without is None else round(overall - without, 4)
    return {
        f"true_nps_impact{suffix}": impact,
        f"nps_with{suffix}": _nps(scores[has]),
        f"nps_without{suffix}": without,
    }


def _truth(
    population: Population, mentioned: np.ndarray, *, seed: int, period: Period,
    counts: dict[str, int], spam_ids: list[str],
) -> dict[str, Any]:  # fmt: skip
    """Return the answer key; see `generate_demo` for the definitions."""
    scores = population.score
    drivers = [
        {
            "key": driver.key,
            "label": driver.label,
            "kind": driver.kind,
            "prevalence": round(float(population.drivers[:, j].mean()), 4),
            "mentions": int(mentioned[:, j].sum()),
            "score_shift": driver.score_shift,
            **_impact(scores, mentioned[:, j]),
            **_impact(scores, population.drivers[:, j], "_latent"),
            "emerging_from": (
                period.emerging_from.isoformat() if driver.emerging_factor != 1.0 else None
            ),
            "concentrated_in": dict(driver.concentrated_in) if driver.concentrated_in else None,
        }
        for j, driver in enumerate(DRIVERS)
    ]
    shares = np.bincount(population.language, minlength=len(LANGUAGES)) / scores.size
    return {
        "seed": seed,
        "generated_for": "Verbatim demo",
        "period": {"start": period.start.isoformat(), "end": period.end.isoformat()},
        "counts": counts,
        "nps": {
            "overall": _nps(scores),
            "promoters": int((scores >= 9).sum()),
            "passives": int(((scores >= 7) & (scores <= 8)).sum()),
            "detractors": int((scores <= 6).sum()),
        },
        "drivers": drivers,
        "languages": {code: round(float(x), 4) for code, x in zip(LANGUAGES, shares, strict=True)},
        "social": {"spam_text": chat_phrases.SPAM_TEXT, "spam_ids": spam_ids},
    }


def _survey_labels(population: Population, mentioned: np.ndarray) -> list[Label]:
    def keys(row: np.ndarray) -> tuple[str, ...]:
        return tuple(KEYS[j] for j in np.flatnonzero(row))

    return [
        ("survey", f"R{i:06d}", LANGUAGES[population.language[i - 1]], keys(latent), keys(seen))
        for i, (latent, seen) in enumerate(zip(population.drivers, mentioned, strict=True), 1)
    ]


def generate_demo(
    *,
    n_survey: int = 5000,
    n_chat: int = 1000,
    n_social: int = 2000,
    seed: int = 7,
    end: dt.date | None = None,
    months: int = 6,
) -> DemoData:
    """Generate the demo data set in memory; the same arguments give the same data.

    Each source draws from its own random stream, so the survey does not change with
    ``n_chat`` or ``n_social`` (chats link to survey customers, so they change with
    ``n_survey``).

    The answer key ``truth`` holds, per driver (``truth["drivers"]``): ``prevalence``, the share
    of survey respondents carrying the driver (latent); ``mentions``, the number of respondents
    whose comment expresses it; ``score_shift``, its generative shift of the latent 0-10 score;
    ``true_nps_impact`` = NPS(all respondents) - NPS(respondents whose comment does *not* mention
    the driver), in NPS points, with ``nps_with`` / ``nps_without`` the NPS of those whose
    comment does / does not mention it: this is what a text pipeline can recover, since a
    respondent whose comment is empty or silent about a driver still carries its score effect;
    ``true_nps_impact_latent``, ``nps_with_latent`` and ``nps_without_latent`` are the same over
    the latent assignment. ``emerging_from`` is the first day of the driver's spike (or None)
    and ``concentrated_in`` the segment where it is concentrated (or None). NPS values are None
    for an empty group. Also in ``truth``: the overall NPS and group counts, the survey's
    language shares, and the spam campaign's text and mention ids.

    Args:
        n_survey: Number of survey answers (NPS 0-10).
        n_chat: Number of chat conversations (CSAT 1-5 or missing).
        n_social: Number of social mentions (no score).
        seed: Random seed.
        end: Last day of the period; default `DEFAULT_END`, so output never depends on today.
        months: Length of the period in calendar months, ending on ``end``.

    Returns:
        The survey frame, chats, mentions, answer key and per-record labels.

    Raises:
        ValueError: If a count is negative, ``n_survey`` is 0 or ``months`` is below 1.
    """
    if n_survey < 1 or n_chat < 0 or n_social < 0 or months < 1:
        raise ValueError(
            f"generate_demo needs n_survey >= 1, n_chat >= 0, n_social >= 0 and months >= 1; "
            f"got n_survey={n_survey}, n_chat={n_chat}, n_social={n_social}, months={months}"
        )
    period = Period.ending(end or DEFAULT_END, months)
    streams = np.random.SeedSequence(seed).spawn(3)
    rng = [np.random.default_rng(stream) for stream in streams]
    population = _draw_population(n_survey, period, rng[0])
    comments, mentioned = _write_comments(population, Writer(streams[0]), rng[0])
    survey = _survey_frame(population, comments)
    chats, chat_labels = draw_chats(n_chat, population, period, rng[1], Writer(streams[1]))
    mentions, social_labels, spam_ids = draw_mentions(n_social, period, rng[2], Writer(streams[2]))
    labels = pd.DataFrame(
        _survey_labels(population, mentioned) + chat_labels + social_labels,
        columns=["source", "source_id", "language", "latent", "mentioned"],
    )
    counts = {"survey": n_survey, "chat": n_chat, "social": n_social}
    truth = _truth(
        population, mentioned, seed=seed, period=period, counts=counts, spam_ids=spam_ids
    )
    return DemoData(survey, chats, mentions, truth, labels)


def _write_jsonl(path: Path, items: list[dict[str, Any]]) -> None:
    with path.open("w", encoding="utf-8", newline="\n") as stream:
        for item in items:
            stream.write(json.dumps(item, ensure_ascii=False) + "\n")


def write_demo(demo: DemoData, out_dir: Path) -> DemoPaths:
    """Write the demo files into ``out_dir`` (created if missing), replacing older ones.

    ``survey.csv`` is a Nordic Excel-style export: semicolon-separated, UTF-8 with BOM, CRLF
    line ends, fields quoted where needed (comments hold semicolons, quotes and newlines).
    ``chat.jsonl`` and ``social.jsonl`` hold one JSON object per line (UTF-8, not ASCII-escaped)
    and ``truth.json`` the answer key (indented).

    Args:
        demo: Data from `generate_demo`.
        out_dir: Folder to write into.

    Returns:
        The paths of the four files.
    """
    out_dir.mkdir(parents=True, exist_ok=True)
    paths = DemoPaths(
        survey=out_dir / "survey.csv",
        chat=out_dir / "chat.jsonl",
        social=out_dir / "social.jsonl",
        truth=out_dir / "truth.json",
    )
    demo.survey.to_csv(
        paths.survey, sep=";", index=False, encoding="utf-8-sig", lineterminator="\r\n"
    )
    _write_jsonl(paths.chat, demo.chats)
    _write_jsonl(paths.social, demo.mentions)
    paths.truth.write_text(
        json.dumps(demo.truth, indent=2, ensure_ascii=False) + "\n", encoding="utf-8"
    )
    return paths


#: Who owns what in the demo company: topic keys of the starter codeframe -> team. Routing
#: by topic key keeps working whatever ids the topics get (``followup.owners``).
DEMO_OWNERS: Final = {
    "Billing": ("billing",),
    "Field Service": ("delivery",),
    "Network operations": ("reliability", "internet_speed", "mobile_coverage", "tv_streaming"),
    "Digital": ("digital",),
    "Pricing": ("price_value",),
    "Contact centre": ("waiting_time",),
}  # fmt: skip
#: The industry packs the demo company (a telecom operator) uses.
DEMO_PACKS: Final = ("telecom",)


#: Days of the demo's latest feedback its follow-up queue keeps open.
DEMO_OPEN_DAYS: Final = 30


def write_demo_config(
    out_dir: Path, *, end: dt.date = DEFAULT_END, today: dt.date | None = None
) -> Path:
    """Write ``verbatim.toml`` for the demo into ``out_dir``: topic packs, owners, queue age.

    The demo's feedback ends on ``end``, usually weeks before ``today``; its follow-ups expire
    ``DEMO_OPEN_DAYS`` after that end rather than after today, so the CX queue shows the last
    month of the demo as open and the earlier months as expired.
    """
    out_dir.mkdir(parents=True, exist_ok=True)
    age = max((today or dt.datetime.now(dt.UTC).date()) - end, dt.timedelta(0)).days
    max_age = age + DEMO_OPEN_DAYS
    path = out_dir / "verbatim.toml"
    owners = ", ".join(
        f"{json.dumps(word, ensure_ascii=False)} = {json.dumps(team)}"
        for team, words in DEMO_OWNERS.items()
        for word in words
    )
    packs = ", ".join(json.dumps(pack) for pack in DEMO_PACKS)
    path.write_text(
        "# Written by `verbatim demo`: the demo company is a telecom operator, and its teams\n"
        "# own these topics (by topic key).\n"
        "# Pass it to later commands to keep them: --config " + str(path) + "\n"
        "[themes]\n"
        f"packs = [{packs}]\n"
        'stop_words = ["nordlys", "telecom"]  # the brand: a mention of it names no topic\n\n'
        "[followup]\n"
        f"owners = {{{owners}}}\n"
        f"# the demo's feedback ends on {end.isoformat()}: the follow-ups of its last "
        f"{DEMO_OPEN_DAYS} days are open\n"
        f"max_age_days = {max_age}\n",
        encoding="utf-8",
    )
    return path
