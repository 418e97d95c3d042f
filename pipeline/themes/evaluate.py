"""Agreement between themes and gold labels: NMI, ARI, purity, and per-label best theme.

Gold labels may be sets (a restaurant sentence about food *and* price): purity counts a unit as
right when its theme's majority label is among its own labels. NMI and ARI need one label per
unit and are computed on the units that have exactly one.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Hashable, Sequence
from dataclasses import asdict, dataclass, field
from typing import Any

import numpy as np

#: The theme of a unit no theme fits (BERTopic's outlier topic).
OUTLIER = -1


@dataclass(frozen=True)
class ThemeAgreement:
    """How well themes reproduce gold labels.

    Attributes:
        n: Units compared (outliers included).
        n_single: Units with exactly one gold label (those NMI and ARI are computed on).
        n_themes: Distinct themes, the outlier theme not counted.
        nmi: Normalised mutual information (arithmetic mean), outliers as their own theme.
        ari: Adjusted Rand index, same units.
        purity: Share of units whose theme's majority label is one of the unit's own labels;
            outliers count as wrong.
        coverage: Share of units with a theme (not an outlier).
        best_share: Per gold label, the largest share of one theme's units carrying that label
            among themes with at least ``min_theme_size`` units (how cleanly it got a theme).
    """

    n: int
    n_single: int
    n_themes: int
    nmi: float
    ari: float
    purity: float
    coverage: float
    best_share: dict[str, float] = field(default_factory=dict)

    def as_dict(self) -> dict[str, Any]:
        """The `--json` shape."""
        return asdict(self)


def _as_sets(gold: Sequence[Hashable | frozenset[Any] | set[Any]]) -> list[frozenset[Any]]:
    return [
        frozenset(label) if isinstance(label, set | frozenset) else frozenset([label])
        for label in gold
    ]


def theme_agreement(
    themes: Sequence[int] | np.ndarray,
    gold: Sequence[Hashable | frozenset[Any] | set[Any]],
    *,
    min_theme_size: int = 10,
) -> ThemeAgreement:
    """Compare a theme per unit with the unit's gold label (or set of labels).

    Args:
        themes: Theme id per unit; OUTLIER (-1) for none.
        gold: A label, or a set of labels, per unit.
        min_theme_size: Smallest theme considered for ``best_share``.

    Returns:
        The agreement figures.

    Raises:
        ValueError: When the lengths differ.
    """
    from sklearn.metrics import adjusted_rand_score, normalized_mutual_info_score

    assigned = np.asarray(themes, dtype=np.int64)
    sets = _as_sets(gold)
    if len(assigned) != len(sets):
        raise ValueError(f"{len(assigned)} themes for {len(sets)} gold labels")
    if len(assigned) == 0:
        return ThemeAgreement(0, 0, 0, 0.0, 0.0, 0.0, 0.0)

    members: dict[int, list[int]] = {}
    for i, theme in enumerate(assigned.tolist()):
        members.setdefault(theme, []).append(i)
    right = 0
    best_share: dict[str, float] = {}
    for theme, rows in members.items():
        counts = Counter(label for i in rows for label in sets[i])
        if theme == OUTLIER or not counts:
            continue
        majority = counts.most_common(1)[0][0]
        right += sum(majority in sets[i] for i in rows)
        if len(rows) >= min_theme_size:
            for label, count in counts.items():
                share = count / len(rows)
                if share > best_share.get(str(label), 0.0):
                    best_share[str(label)] = round(share, 4)

    single = [i for i, labels in enumerate(sets) if len(labels) == 1]
    if single:
        labels = [next(iter(sets[i])) for i in single]
        nmi = float(normalized_mutual_info_score(labels, assigned[single]))
        ari = float(adjusted_rand_score(labels, assigned[single]))
    else:
        nmi = ari = 0.0
    return ThemeAgreement(
        n=len(assigned),
        n_single=len(single),
        n_themes=len(set(members) - {OUTLIER}),
        nmi=round(nmi, 4),
        ari=round(ari, 4),
        purity=round(right / len(assigned), 4),
        coverage=round(float((assigned != OUTLIER).mean()), 4),
        best_share=dict(sorted(best_share.items())),
    )


def topic_agreement(
    assigned: np.ndarray,
    primary: np.ndarray,
    gold: Sequence[Hashable | frozenset[Any] | set[Any]],
    keys: Sequence[str],
) -> dict[str, Any]:
    """Topic-level agreement with gold labels: several topics per unit allowed.

    Args:
        assigned: (n, n_topics) boolean: the topics each unit carries.
        primary: (n,) each unit's most probable topic (column index; -1 for none), the one
            NMI and purity compare (one topic per unit, as gold has one label per unit).
        gold: A label, or a set of labels, per unit.
        keys: Topic key per column.

    Returns:
        nmi, ari, purity, coverage (share of units with a topic), multi_share (share with two
        or more), n_topics (topics carried by any unit), best_f1 (per gold label: the topic
        whose units best match the label's, F1 over units; with its key, precision, recall).
    """
    sets = _as_sets(gold)
    single = theme_agreement(np.where(assigned.any(axis=1), primary, OUTLIER), sets,
                             min_theme_size=1)  # fmt: skip
    best_f1: dict[str, dict[str, Any]] = {}
    labels = sorted({label for labels in sets for label in labels}, key=str)
    for label in labels:
        wanted = np.array([label in labels_ for labels_ in sets])
        best: dict[str, Any] = {"topic": "", "f1": 0.0, "precision": 0.0, "recall": 0.0}
        for column, key in enumerate(keys):
            carried = assigned[:, column]
            hit = int((carried & wanted).sum())
            if not hit:
                continue
            precision, recall = hit / int(carried.sum()), hit / int(wanted.sum())
            f1 = 2 * precision * recall / (precision + recall)
            if f1 > best["f1"]:
                best = {"topic": key, "f1": round(f1, 4), "precision": round(precision, 4),
                        "recall": round(recall, 4)}  # fmt: skip
        best_f1[str(label)] = best
    return {
        "nmi": single.nmi,
        "ari": single.ari,
        "purity": single.purity,
        "coverage": float(assigned.any(axis=1).mean()) if len(assigned) else 0.0,
        "multi_share": float((assigned.sum(axis=1) >= 2).mean()) if len(assigned) else 0.0,
        "n_topics": int(assigned.any(axis=0).sum()),
        "best_f1": best_f1,
    }
