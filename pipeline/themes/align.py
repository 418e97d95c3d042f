"""Stable theme ids across refits: match new themes to old ones, record what happened.

A refit clusters the units afresh. Each new cluster is matched to at most one old theme by the
similarity of their centroids plus the overlap of their keywords (Hungarian assignment on
``cosine + 0.5 * keyword Jaccard``). A pair is accepted when the centroids are at least
``match_similarity`` alike and the pair is the best for both sides or shares keywords. A
matched old theme keeps its id and name (the model then starts from its centroid); unmatched
clusters become new themes. Once units are assigned, their movements between ids tell what
happened to each theme (:func:`lineage`):

* ``kept``: the theme kept its id.
* ``split``: a new theme got most of its units from an old theme that lives on.
* ``merged``: an old theme that is gone sent most of its units into one theme.
* ``retired``: an old theme that is gone, its units scattered.
* ``new``: a new theme with no single origin (``from_theme_id`` names the origin when that
  theme is gone).

Without unit movements (no units were assigned before), the most similar centroid stands in.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Final

import numpy as np

#: Weight of keyword overlap next to centroid cosine in the matching score.
KEYWORD_WEIGHT: Final = 0.5
#: Keyword overlap (Jaccard) that confirms a pair which is not mutually best.
KEYWORD_CONFIRM: Final = 0.2
#: Share of units that makes one theme the origin (split) or destination (merge) of another.
FLOW_SHARE: Final = 0.5
#: Keywords compared.
TOP_KEYWORDS: Final = 10


@dataclass(frozen=True)
class ThemeSet:
    """Themes of one level (leaves or parents) of one model.

    Attributes:
        ids: Theme ids, (n,) int.
        centroids: (n, dim) L2-normalised centroids in the same order.
        keywords: Keywords per theme, best first.
        labels: Labels per theme.
    """

    ids: np.ndarray
    centroids: np.ndarray
    keywords: Sequence[Sequence[str]]
    labels: Sequence[str]


@dataclass(frozen=True)
class LineageEvent:
    """One row of ``theme_lineage``."""

    event: str
    theme_id: int
    from_theme_id: int | None
    similarity: float | None
    share: float | None = None


@dataclass
class Alignment:
    """How new themes map onto the ids in use.

    Attributes:
        mapping: New model's id → final id.
        labels: Final id → label kept from the old theme.
        events: Lineage events.
        next_id: The next unused id after this alignment.
    """

    mapping: dict[int, int] = field(default_factory=dict)
    labels: dict[int, str] = field(default_factory=dict)
    events: list[LineageEvent] = field(default_factory=list)
    next_id: int = 1


def _jaccard(a: Sequence[str], b: Sequence[str]) -> float:
    left, right = set(a[:TOP_KEYWORDS]), set(b[:TOP_KEYWORDS])
    return len(left & right) / len(left | right) if left or right else 0.0


def _cosine(old: ThemeSet, new: ThemeSet) -> np.ndarray:
    if not len(old.ids) or not len(new.ids):
        return np.zeros((len(old.ids), len(new.ids)))
    return np.asarray(old.centroids @ new.centroids.T, dtype=np.float64)


def match_themes(old: ThemeSet, new: ThemeSet, *, match_similarity: float) -> dict[int, int]:
    """Pairs of (new position → old position) that are the same theme.

    Args:
        old: The themes in use.
        new: Freshly found themes.
        match_similarity: Least centroid cosine for a pair.

    Returns:
        Position in ``new`` → position in ``old``, for matched themes only.
    """
    if not len(old.ids) or not len(new.ids):
        return {}
    from scipy.optimize import linear_sum_assignment

    cosine = _cosine(old, new)
    overlap = np.array([[_jaccard(a, b) for b in new.keywords] for a in old.keywords])
    score = cosine + KEYWORD_WEIGHT * overlap.reshape(cosine.shape)
    rows, cols = linear_sum_assignment(-score)
    matched: dict[int, int] = {}
    for i, j in zip(rows.tolist(), cols.tolist(), strict=True):
        mutual = score[i].argmax() == j and score[:, j].argmax() == i
        confirmed = mutual or overlap.reshape(cosine.shape)[i, j] >= KEYWORD_CONFIRM
        if cosine[i, j] >= match_similarity and confirmed:
            matched[j] = i
    return matched


def lineage(
    old: ThemeSet,
    final: ThemeSet,
    *,
    flows: Mapping[tuple[int, int], int] | None,
    match_similarity: float,
) -> list[LineageEvent]:
    """What happened to each old theme and where each final theme came from.

    Args:
        old: The themes before the refit.
        final: The themes after it (an id shared with ``old`` is a kept theme).
        flows: Units per (old id, final id), from units assigned before and after.
        match_similarity: Least centroid cosine that stands in for unit movements.

    Returns:
        One event per final theme and one per old theme that is gone.
    """
    cosine = _cosine(old, final)
    old_ids = [int(i) for i in old.ids]
    final_ids = [int(i) for i in final.ids]
    surviving = set(old_ids) & set(final_ids)
    counts = np.zeros((len(old_ids), len(final_ids)))
    old_pos = {t: i for i, t in enumerate(old_ids)}
    final_pos = {t: j for j, t in enumerate(final_ids)}
    for (before, after), n in (flows or {}).items():
        if before in old_pos and after in final_pos:
            counts[old_pos[before], final_pos[after]] += n
    use_flows = counts.sum() > 0
    events: list[LineageEvent] = []
    for j, theme_id in enumerate(final_ids):
        if theme_id in surviving:
            i = old_pos[theme_id]
            events.append(LineageEvent("kept", theme_id, theme_id, _round(cosine[i, j])))
            continue
        origin, share = _strongest(counts[:, j], cosine[:, j], use_flows, match_similarity)
        if origin is None:
            events.append(LineageEvent("new", theme_id, None, None))
            continue
        kind = "split" if old_ids[origin] in surviving else "new"
        events.append(
            LineageEvent(kind, theme_id, old_ids[origin], _round(cosine[origin, j]), share)
        )
    for i, theme_id in enumerate(old_ids):
        if theme_id in surviving:
            continue
        target, share = _strongest(counts[i], cosine[i], use_flows, match_similarity)
        if target is None:
            events.append(LineageEvent("retired", theme_id, None, None))
        else:
            events.append(
                LineageEvent(
                    "merged", final_ids[target], theme_id, _round(cosine[i, target]), share
                )
            )
    return events


def _round(value: float) -> float:
    return round(float(value), 4)


def _strongest(
    counts: np.ndarray, cosine: np.ndarray, use_flows: bool, threshold: float
) -> tuple[int | None, float | None]:
    """The other side most units moved to or from (≥ half), else the most similar centroid."""
    if not len(counts):
        return None, None
    if use_flows:
        total = counts.sum()
        if total == 0:
            return None, None
        best = int(counts.argmax())
        share = float(counts[best] / total)
        return (best, round(share, 4)) if share >= FLOW_SHARE else (None, None)
    best = int(cosine.argmax())
    return (best, None) if cosine[best] >= threshold else (None, None)


def align_themes(
    old: ThemeSet, new: ThemeSet, *, next_id: int, match_similarity: float
) -> Alignment:
    """Ids for freshly found themes: old ids for matched themes, fresh ids for the rest.

    Used for parent themes (leaves are aligned inside the model fit). Lineage is judged by
    centroid similarity.

    Args:
        old: The themes in use.
        new: The new themes (provisional ids).
        next_id: First id never used before.
        match_similarity: Least centroid cosine for a match.

    Returns:
        The id mapping, kept labels, lineage events and the next unused id.
    """
    matched = match_themes(old, new, match_similarity=match_similarity)
    result = Alignment(next_id=next_id)
    for j, provisional in enumerate(int(i) for i in new.ids):
        if j in matched:
            final = int(old.ids[matched[j]])
            result.labels[final] = str(old.labels[matched[j]])
        else:
            final = result.next_id
            result.next_id += 1
        result.mapping[provisional] = final
    final_set = ThemeSet(
        np.array([result.mapping[int(i)] for i in new.ids], dtype=np.int64),
        new.centroids,
        new.keywords,
        new.labels,
    )
    result.events = lineage(old, final_set, flows=None, match_similarity=match_similarity)
    return result
