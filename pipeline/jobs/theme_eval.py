"""Theme and topic quality against gold labels (`verbatim eval themes`)."""

from __future__ import annotations

import time
from collections.abc import Sequence
from typing import Any

import numpy as np

from pipeline.config import Config
from pipeline.jobs.embed import Embedding
from pipeline.jobs.topics import topic_agreement_of
from pipeline.schemas import THEME_ID
from pipeline.themes.model import ThemeModel


def evaluate_themes(
    cfg: Config,
    texts: Sequence[str],
    gold: Sequence[str | frozenset[str]],
    *,
    source: str = "survey",
) -> dict[str, Any]:
    """Fit themes on labelled texts and measure them against the labels.

    Each text is one unit (cleaned as enrichment cleans it, its language detected), so the
    measures compare one theme per text with its gold label(s).

    Args:
        cfg: Configuration (``themes`` and ``embed`` settings are the ones measured).
        texts: The texts.
        gold: One label per text, or a set of labels (then purity accepts any of them).
        source: Cleaning rules (social drops @mentions and links).

    Returns:
        nmi, ari, purity, n_themes, coverage, n, n_single, best_share (per label), the same
        for parent themes under ``parents``, topic_diversity, npmi_coherence, min_theme_size,
        embedder and seconds; under ``topics`` the topic level (`themes.packs` and the
        generic pack, learned on these texts as a workspace learns them): nmi, ari, purity
        of each text's main topic, coverage, multi_share (two or more topics), n_topics and
        best_f1 per label (None when ``themes.topics`` is off).
    """
    from pipeline.jobs.enrich import prepare_texts
    from pipeline.themes.evaluate import theme_agreement

    started = time.perf_counter()
    cleaned, langs = prepare_texts(cfg, texts, source=source)
    embedding = Embedding(cfg)
    vectors = embedding.encode(cleaned)
    embedded = time.perf_counter()
    model = ThemeModel(cfg.themes, encode=embedding.encode).fit(cleaned, vectors, langs)
    leaves = theme_agreement(model.labels_, gold, min_theme_size=model.min_size_)
    topics = topic_agreement_of(
        cfg, embedding=embedding, texts=cleaned, vectors=vectors, model=model, gold=gold
    )
    parent_of = {t.theme_id: t.parent_id or t.theme_id for t in model.leaves}
    parents = theme_agreement(
        np.array([parent_of.get(int(t), t) for t in model.labels_]),
        gold,
        min_theme_size=model.min_size_,
    )
    return {
        **leaves.as_dict(),
        "parents": parents.as_dict(),
        "topic_diversity": model.metrics_["topic_diversity"],
        "npmi_coherence": model.metrics_["npmi_coherence"],
        "min_theme_size": model.min_size_,
        "themes": [
            {THEME_ID: t.theme_id, "label": t.label, "size": t.size, "parent_id": t.parent_id}
            for t in model.leaves
        ],
        "topics": topics,
        "embedder": embedding.embedder_id,
        "embed_seconds": round(embedded - started, 1),
        "seconds": round(time.perf_counter() - started, 1),
    }
