"""Same data and seed, same results: the workspace seed, the seeded eigensolver behind UMAP's
layout, and the comparison of two warehouses that leaves bookkeeping out."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
import pytest

from pipeline.config import Config, DriversConfig, RunConfig, ThemesConfig, config_from_dict
from pipeline.reproducibility import comparable_tables, table_differences
from pipeline.schemas import TABLES
from pipeline.themes.cluster import find_clusters, seeded_eigensolver, umap_reducer
from tests.theme_data import blob_units

# --- the workspace seed ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("values", "themes", "drivers"),
    [
        ({}, 0, 0),
        ({"run": {"seed": 7}}, 7, 7),
        ({"run": {"seed": 7}, "themes": {"seed": 3}}, 3, 7),
        ({"run": {"seed": 7}, "drivers": {"seed": 4, "resamples": 10}}, 7, 4),
        ({"themes": {"neighbors": 5}}, 0, 0),
    ],
)
def test_run_seed_is_every_stochastic_steps_seed_unless_a_section_sets_its_own(
    values: dict, themes: int, drivers: int
) -> None:
    cfg = config_from_dict(values)
    assert (cfg.themes.seed, cfg.drivers.seed) == (themes, drivers)


def test_sections_given_as_objects_take_the_run_seed_too() -> None:
    cfg = Config(run=RunConfig(seed=5), themes=ThemesConfig(neighbors=7), drivers=DriversConfig())
    assert (cfg.themes.seed, cfg.themes.neighbors, cfg.drivers.seed) == (5, 7, 5)
    kept = Config(run=RunConfig(seed=5), themes=ThemesConfig(seed=2))
    assert kept.themes.seed == 2
    # the resolved configuration saved with a model reloads to the same seeds
    assert Config.model_validate(cfg.model_dump()).themes.seed == 5


def test_a_negative_seed_is_refused() -> None:
    from pipeline.errors import ConfigError

    with pytest.raises(ConfigError, match=r"run\.seed"):
        config_from_dict({"run": {"seed": -1}})


# --- UMAP's spectral layout ------------------------------------------------------------------


def _complete_graph_laplacian(n: int) -> Any:
    """UMAP's normalised Laplacian of n identical units: a complete graph, every weight 1."""
    from scipy import sparse

    graph = sparse.coo_matrix((np.ones((n, n)) - np.eye(n)).astype(np.float32))
    degree = np.sqrt(np.asarray(graph.sum(axis=0)).squeeze())
    scale = sparse.spdiags(1.0 / degree, 0, n, n)
    return sparse.identity(n, dtype=np.float64) - scale * graph * scale


def test_arpack_restarts_are_drawn_from_the_seed_inside_the_context() -> None:
    from scipy.sparse import linalg

    laplacian = _complete_graph_laplacian(12)

    def layout() -> np.ndarray:
        # UMAP's call (umap/spectral.py): the all-ones start is an exact eigenvector of this
        # Laplacian, so ARPACK restarts from a random vector; unseeded, every call differs
        _, vectors = linalg.eigsh(
            laplacian, 6, which="SM", ncv=13, tol=1e-4, v0=np.ones(12), maxiter=60
        )
        return vectors

    with seeded_eigensolver(3):
        first = layout()
    with seeded_eigensolver(3):
        second = layout()
    np.testing.assert_array_equal(first, second)
    assert not hasattr(linalg.eigsh, "__wrapped__"), "the patch ends with the context"


def test_the_layout_of_units_with_identical_copies_is_the_same_in_every_fit() -> None:
    # many customers write the same short comment: their identical embeddings form graph
    # components of their own, whose spectral layout came from fresh OS entropy (umap-learn
    # issue 1277) and moved the themes from run to run
    _, vectors, _, _ = blob_units(["delivery", "billing", "app", "staff"], 60, seed=4)
    # five short comments far from every topic, each written by more customers than UMAP has
    # neighbours: each is a component of its own whose edges all weigh 1
    short = np.random.default_rng(9).normal(size=(5, vectors.shape[1])).astype(np.float32)
    copies = np.vstack([np.repeat(short[[k]], 16 + 3 * k, axis=0) for k in range(5)])
    vectors = np.vstack([vectors, copies])
    cfg = ThemesConfig(seed=0)
    layouts = []
    for _ in range(2):
        with seeded_eigensolver(cfg.seed):
            layouts.append(umap_reducer(len(vectors), cfg=cfg).fit_transform(vectors))
    np.testing.assert_array_equal(layouts[0], layouts[1])


def test_clusters_are_the_same_in_every_fit() -> None:
    texts, vectors, _, _ = blob_units(["delivery", "billing", "app", "staff"], 60, seed=4)
    cfg = ThemesConfig(seed=0)
    runs = [find_clusters(texts, vectors, cfg=cfg, min_size=15) for _ in range(2)]
    np.testing.assert_array_equal(runs[0][1], runs[1][1])
    assert len(set(runs[0][1].tolist()) - {-1}) == 4


# --- comparing two warehouses -------------------------------------------------------------


def _tables(version: str, batch: str, score: float = 0.5) -> dict[str, pd.DataFrame]:
    sentiment = pd.DataFrame(
        {
            "unit_id": ["u2", "u1"],
            "record_id": ["r1", "r1"],
            "label": ["positive", "negative"],
            "score": [score, -0.25],
            "model": ["weak", "weak"],
            "model_version": [version, version],
            "scored_at": pd.Timestamp.now(tz="UTC"),
        }
    )
    records = pd.DataFrame(
        {
            "record_id": ["r1"],
            "batch_id": [f"survey-{batch}-3b5493fe"],
            "ingested_at": pd.Timestamp.now(tz="UTC"),
        }
    )
    return {"unit_sentiment": sentiment, "records": records}


def test_warehouses_of_the_same_data_compare_equal_whatever_their_stamps_and_order() -> None:
    first = _tables("20261203T093635248329Z", "20261203T093337030280")
    second = _tables("20261204T010203000001Z", "20261204T010200000000")
    second["unit_sentiment"] = second["unit_sentiment"].iloc[::-1]
    assert table_differences(first, second) == []
    cells = comparable_tables(first)["unit_sentiment"]
    assert "scored_at" not in cells.columns
    assert set(cells["model_version"]) == {"<stamp 2>"}  # the batch's stamp is older: rank 1


def test_a_value_that_differs_is_named_with_its_table_and_column() -> None:
    first = _tables("20261203T093635248329Z", "20261203T093337030280")
    second = _tables("20261203T093635248329Z", "20261203T093337030280", score=0.5 + 1e-12)
    [difference] = table_differences(first, second)
    assert (difference.table, difference.columns) == ("unit_sentiment", {"score": 1})
    assert "score (1)" in difference.describe()


def test_rows_paired_differently_are_a_difference_even_when_every_column_matches() -> None:
    first = _tables("20261203T093635248329Z", "20261203T093337030280")
    second = {name: frame.copy() for name, frame in first.items()}
    second["unit_sentiment"]["label"] = ["negative", "positive"]
    [difference] = table_differences(first, second)
    assert difference.table == "unit_sentiment" and difference.columns == {}


def test_a_missing_table_is_reported() -> None:
    first = _tables("20261203T093635248329Z", "20261203T093337030280")
    second = {"records": first["records"]}
    [difference] = table_differences(first, second)
    assert (difference.table, difference.missing) == ("unit_sentiment", "second")


def test_volatile_columns_are_real_columns_of_their_tables() -> None:
    for table in TABLES.values():
        assert set(table.volatile) <= set(table.columns), table.name
