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
