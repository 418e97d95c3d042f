"""Topic jobs: the library a fit learns, fitting and assigning topics, listing them.

The theme jobs (`pipeline.jobs.themes`) call these inside a fit and a nightly assignment, so
topics are stored in the same model version as the sub-themes and written in the same
transactions; `verbatim themes topics` lists them.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Sequence
from typing import Any, Final

import numpy as np
import pandas as pd

from pipeline.config import Config
from pipeline.jobs.embed import Embedding
from pipeline.schemas import MODEL_VERSION, RECORD_ID, THEME_ID, TOPIC_ID, UNIT_ID
from pipeline.storage.warehouse import Warehouse, jsonable_row, open_warehouse
from pipeline.themes.codeframe import Codeframe
from pipeline.themes.model import ThemeModel
from pipeline.themes.topic_model import TopicModel
from pipeline.themes.topics import TOPIC_LANGUAGES, Topic, starter_topics

#: Most units the topic head is trained on (a seeded sample beyond that).
TOPIC_FIT_SAMPLE: Final = 10_000


def topic_library(cfg: Config, codeframe: Codeframe) -> tuple[Topic, ...]:
    """The topics a fit learns: generic, the configured packs, then the codeframe's seeds.

    A seed of ``themes.yaml`` (a name and phrases) is a topic of its own: ``codeframe`` pack,
    its name in every language, its phrases as written.
    """
    topics = starter_topics(cfg.themes.packs)
    taken = {topic.topic_id for topic in topics}
    seeds = []
    for seed in codeframe.seeds:
        key = "seed_" + "_".join(re.findall(r"\w+", seed.name.casefold()))[:40]
        if key in taken:
            continue
        taken.add(key)
        phrases = {lang: () for lang in TOPIC_LANGUAGES} | {"en": tuple(seed.phrases)}
        seeds.append(
            Topic(key, "cause", dict.fromkeys(TOPIC_LANGUAGES, seed.name), phrases, "codeframe")
        )
    return (*topics, *seeds)


def fit_topics(
    cfg: Config,
    *,
    embedding: Embedding,
    codeframe: Codeframe,
    texts: Sequence[str],
    vectors: np.ndarray,
    theme_model: ThemeModel,
) -> TopicModel | None:
    """Learn the workspace's topics from its units (None when ``themes.topics`` is off)."""
    from pipeline.themes.describe import has_content

    if not cfg.themes.topics:
        return None
    content = np.flatnonzero(has_content(texts, cfg.themes.stop_words))
    if content.size > TOPIC_FIT_SAMPLE:
        rng = np.random.default_rng(cfg.themes.seed)
        content = np.sort(rng.choice(content, TOPIC_FIT_SAMPLE, replace=False))
    chosen = [texts[int(i)] for i in content]
    sub_themes, _ = theme_model.assign(chosen, vectors[content])
    verdict = verdicts(chosen, cfg.themes.stop_words)
    library = topic_library(cfg, codeframe)
    phrase_vectors = embedding.encode(TopicModel.phrases_of(library))
    return TopicModel(
        library, discovered_share=cfg.themes.discovered_share, random_state=cfg.themes.seed
    ).fit(
        vectors[content], phrase_vectors, sub_themes=sub_themes,
        sub_theme_labels={t.theme_id: t.label for t in theme_model.leaves}, verdict=verdict,
    )  # fmt: skip


def verdicts(texts: Sequence[str], extra_stop_words: Sequence[str]) -> np.ndarray:
    """(n,) whether each text only gives a verdict (the general verdict's units)."""
    from pipeline.sentiment.lexicon import verdict_only
    from pipeline.themes.words import stop_words

    return verdict_only(list(texts), ignore=stop_words(extra_stop_words))


def carried_topics(
    topics: TopicModel,
    texts: Sequence[str],
    vectors: np.ndarray,
    sub_themes: np.ndarray,
    *,
    extra_stop_words: Sequence[str],
    churn: np.ndarray | None = None,
) -> np.ndarray:
    """(n, n_topics) the topics each unit with content carries (columns as ``topics.keys``).

    Args:
        topics: The fitted topics.
        texts: The units' texts (units with content only).
        vectors: Their embeddings.
        sub_themes: Their sub-theme ids (-1 for none).
        extra_stop_words: ``themes.stop_words`` (verdicts are read without them).
        churn: Which units the churn head flags, when known.
    """
    return topics.assign(
        vectors, sub_themes=sub_themes, verdict=verdicts(texts, extra_stop_words), churn=churn
    )


def model_state(
    model: ThemeModel, topics: TopicModel | None
) -> tuple[dict[str, np.ndarray], dict[str, Any]]:
    """The arrays and manifest of a theme model version.

    The sub-themes' and, when fitted, the topics' (their manifest part under ``topic_model``).
    """
    arrays, manifest = model.to_arrays()
    if topics is not None:
        topic_arrays, topic_manifest = topics.to_arrays()
        arrays |= topic_arrays
        manifest |= {"topic_model": topic_manifest}
    return arrays, manifest


def unit_topics(
    warehouse: Warehouse,
    *,
    units: pd.DataFrame,
    vectors: np.ndarray,
    sub_themes: np.ndarray,
    content: np.ndarray,
    topics: TopicModel,
    ids: dict[str, int],
    version: str,
    extra_stop_words: Sequence[str],
) -> pd.DataFrame:
    """The `unit_topics` rows of one chunk of units (those with content)."""
    index = np.flatnonzero(content)
    texts = units["text"].to_numpy()[index].tolist()
    unit_ids = units[UNIT_ID].to_numpy()[index].astype(str)
    flags = warehouse.themes.topic_units(unit_ids.tolist()).set_index(UNIT_ID)
    churn = flags["churn_intent"].reindex(unit_ids).fillna(False).to_numpy(dtype=bool)
    assigned = carried_topics(
        topics, texts, vectors[index], sub_themes[index], extra_stop_words=extra_stop_words,
        churn=churn,
    )  # fmt: skip
    rows, columns = np.nonzero(assigned)
    keys = np.array([ids[key] for key in topics.keys], dtype=np.int64)
    return pd.DataFrame(
        {
            UNIT_ID: units[UNIT_ID].to_numpy()[index][rows].astype(str),
            RECORD_ID: units[RECORD_ID].to_numpy()[index][rows].astype(str),
            TOPIC_ID: keys[columns],
            MODEL_VERSION: version,
            "assigned_at": dt.datetime.now(dt.UTC),
        }
    )


def topic_agreement_of(
    cfg: Config,
    *,
    embedding: Embedding,
    texts: Sequence[str],
    vectors: np.ndarray,
    model: ThemeModel,
    gold: Sequence[str | frozenset[str]],
) -> dict[str, Any] | None:
    """Topic-level agreement of texts with gold labels (every text a unit)."""
    from pipeline.themes.describe import has_content
    from pipeline.themes.evaluate import topic_agreement

    topics = fit_topics(
        cfg,
        embedding=embedding,
        codeframe=Codeframe(),
        texts=texts,
        vectors=vectors,
        theme_model=model,
    )
    if topics is None:
        return None
    content = has_content(texts, cfg.themes.stop_words)
    sub_themes, _ = model.assign(texts, vectors)
    assigned = np.zeros((len(texts), len(topics.keys)), dtype=bool)
    index = np.flatnonzero(content)
    chosen = [texts[int(i)] for i in index]
    assigned[index] = carried_topics(
        topics, chosen, vectors[index], sub_themes[index], extra_stop_words=cfg.themes.stop_words
    )
    primary = np.full(len(texts), -1)
    primary[index] = topics.primary(vectors[index], assigned[index])
    return topic_agreement(assigned, primary, gold, topics.keys)


def list_topics(cfg: Config, *, include_retired: bool = False) -> list[dict[str, Any]]:
    """The topics, largest first, each with its sub-themes (largest first), as plain dicts.

    Returns:
        topic_id, topic_key, label, kind, pack, size (units carrying it), status, and
        sub_themes (theme_id, label, size of each active sub-theme that belongs to it).
    """
    with open_warehouse(cfg, read_only=True) as warehouse:
        topics = warehouse.read_table("topics")
        themes = warehouse.read_table("themes")
    if topics.empty:
        return []
    if not include_retired:
        topics = topics[topics["status"] != "retired"]
    leaves = themes[~themes["is_parent"].astype(bool) & (themes["status"] == "active")]
    leaves = leaves.sort_values("size", ascending=False)
    rows = []
    for topic in topics.sort_values("size", ascending=False).to_dict("records"):
        mine = leaves[leaves["topic_id"] == topic["topic_id"]]
        sub_themes = [
            {THEME_ID: int(t), "label": str(label), "size": int(size)}
            for t, label, size in zip(mine[THEME_ID], mine["label"], mine["size"], strict=True)
        ]
        keep = ["topic_id", "topic_key", "label", "kind", "pack", "size", "status"]
        rows.append(jsonable_row({key: topic[key] for key in keep} | {"sub_themes": sub_themes}))
    return rows
