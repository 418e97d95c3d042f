"""Theme jobs: fit, assign, refit with stable ids, codeframe edits, evaluation.

Like every module of :mod:`pipeline.jobs`, these join the pure theme stages to the warehouse and
the model store, so ``verbatim themes …`` and the nightly flow do exactly the same thing.

Order of writes in a (re)fit, so that a crash anywhere leaves something the next run finishes:
the model is stored first (its manifest holds the final ids and the lineage), then the `themes`
and `theme_lineage` rows (one transaction), then units are assigned chunk by chunk (each chunk
one transaction). A run that finds a stored model whose themes were never written writes them;
units not yet assigned by the current model are simply pending.
"""

from __future__ import annotations

import datetime as dt
import functools
import hashlib
import logging
import time
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field
from importlib import metadata
from typing import Any, Final

import numpy as np
import pandas as pd

from pipeline.config import Config
from pipeline.errors import NotEnoughDataError, VerbatimError
from pipeline.jobs.embed import Embedding
from pipeline.jobs.parallel import IN_PROCESS, Mapper, split_frame
from pipeline.jobs.topics import fit_topics, model_state, unit_topics
from pipeline.schemas import MODEL_VERSION, RECORD_ID, THEME_ID, UNIT_ID
from pipeline.storage.models import ModelStore, StoredModel
from pipeline.storage.warehouse import Warehouse, jsonable_row, open_warehouse
from pipeline.themes.codeframe import Codeframe, load_codeframe, save_codeframe, unknown_ids
from pipeline.themes.model import SeedTheme, ThemeModel
from pipeline.themes.rows import (
    apply_topic_codeframe,
    lineage_rows,
    moved_sub_themes,
    theme_rows,
    topic_ids,
    topic_rows,
)
from pipeline.themes.topic_model import TopicModel

logger = logging.getLogger(__name__)

#: Model store kind of theme models (a version holds the sub-themes and the topics).
THEME_KIND: Final = "themes"
_LIBRARIES: Final = (
    "bertopic",
    "umap-learn",
    "hdbscan",
    "scikit-learn",
    "numpy",
    "sentence-transformers",
    "torch",
)


class ThemeError(VerbatimError):
    """A theme command cannot do what was asked (unknown id, no model yet)."""


@dataclass
class ThemesReport:
    """What one theme run did."""

    model_version: str = ""
    skipped: str = ""
    fitted: bool = False
    reason: str = ""
    units: int = 0
    assigned: int = 0
    unassigned: int = 0
    embedded: int = 0
    reused_embeddings: int = 0
    unassigned_share: float = 0.0
    themes: int = 0
    topics: int = 0
    topic_coverage: float = 0.0
    lineage: dict[str, int] = field(default_factory=dict)
    metrics: dict[str, Any] = field(default_factory=dict)

    def as_dict(self) -> dict[str, Any]:
        """The `--json` shape."""
        return asdict(self)


# --- the model -----------------------------------------------------------------------------


def _store(cfg: Config) -> ModelStore:
    return ModelStore(cfg.models.dir)


def load_theme_model(cfg: Config) -> tuple[ThemeModel, str] | None:
    """The latest stored theme model and its version, or None before the first fit."""
    stored = _store(cfg).load(THEME_KIND)
    if stored is None:
        return None
    return ThemeModel.from_arrays(stored.arrays, stored.manifest, cfg.themes), stored.version


def _models(cfg: Config, stored: StoredModel) -> tuple[ThemeModel, TopicModel | None]:
    """The sub-theme model of a stored version, and its topics.

    The topics are None for a version fitted before topics existed: the next theme run adds
    them (`add_topics`).
    """
    topics = TopicModel.from_arrays(stored.arrays, stored.manifest.get("topic_model", {}))
    return ThemeModel.from_arrays(stored.arrays, stored.manifest, cfg.themes), topics


def _codeframe(cfg: Config) -> Codeframe:
    return load_codeframe(cfg.themes.codeframe)


def _library_versions() -> dict[str, str]:
    versions = {}
    for name in _LIBRARIES:
        try:
            versions[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            versions[name] = "not installed"
    return versions


def _previous_labels(warehouse: Warehouse, unit_ids: Sequence[str]) -> np.ndarray:
    """Each unit's model theme id as assigned now (-1 for none)."""
    before = warehouse.themes.theme_assignments()
    labels = pd.Series(-1, index=pd.Index(list(unit_ids), name=UNIT_ID), dtype="int64")
    if before.empty:
        return labels.to_numpy()
    known = before.set_index(UNIT_ID)["model_theme_id"].astype("int64")
    known = known[known.index.isin(labels.index)]
    labels.loc[known.index] = known.to_numpy()
    return labels.to_numpy()


def fit_themes(
    cfg: Config,
    *,
    reason: str = "first fit",
    fresh: bool = False,
    on_progress: Callable[[int], None] | None = None,
) -> ThemesReport:
    """Fit a theme model on every unit, align it with the previous one, assign all units.

    Args:
        cfg: Configuration.
        reason: Why (recorded in the manifest): first fit, refit by hand, unassigned share.
        fresh: Cluster from scratch; old themes only lend ids and names to matching new ones
            (default: start from the themes in use and add themes for new content).
        on_progress: Called with units assigned after each chunk.

    Returns:
        The report, with the new model version and lineage counts.

    Raises:
        NotEnoughDataError: Too few units with content to fit.
    """
    embedding = Embedding(cfg)
    report = ThemesReport(fitted=True, reason=reason)
    started = time.perf_counter()
    with open_warehouse(cfg) as warehouse:
        units = warehouse.themes.theme_fit_units()
        texts = units["text"].tolist()
        vectors = embedding.cached(warehouse, texts, report)
        codeframe = _codeframe(cfg)
        seeds = [
            SeedTheme(seed.name, seed.phrases, embedding.encode(list(seed.phrases)))
            for seed in codeframe.seeds
        ]
        previous = load_theme_model(cfg)
        previous_model = previous[0] if previous else None
        known = [t.theme_id for t in previous_model.themes_] if previous_model else []
        model = ThemeModel(cfg.themes, seeds=seeds, encode=embedding.encode).fit(
            texts,
            vectors,
            units["lang"].tolist(),
            previous=previous_model,
            previous_labels=_previous_labels(warehouse, units[UNIT_ID].tolist()),
            next_id=max([warehouse.themes.max_theme_id(), *known]) + 1,
            fresh=fresh,
        )
        topics = fit_topics(
            cfg, embedding=embedding, codeframe=codeframe, texts=texts, vectors=vectors,
            theme_model=model,
        )  # fmt: skip
        arrays, manifest = model_state(model, topics)
        fingerprint = hashlib.sha256("\n".join(sorted(units[UNIT_ID])).encode()).hexdigest()[:16]
        manifest |= {
            "reason": reason,
            "fresh": fresh,
            "embedder": embedding.embedder_id,
            "data": {"units": len(units), "fingerprint": fingerprint},
            "libraries": _library_versions(),
            "fit_seconds": round(time.perf_counter() - started, 1),
            "random_seed": cfg.themes.seed,
            "verbatim_config": cfg.model_dump(mode="json"),
        }
        report.metrics = dict(model.metrics_)
        for event in model.lineage_:
            report.lineage[event.event] = report.lineage.get(event.event, 0) + 1
        _store_and_assign(
            cfg, warehouse, (model, topics), (arrays, manifest), embedding=embedding,
            codeframe=codeframe, report=report, on_progress=on_progress,
        )  # fmt: skip
    return report


def _store_and_assign(
    cfg: Config,
    warehouse: Warehouse,
    models: tuple[ThemeModel, TopicModel | None],
    state: tuple[dict[str, np.ndarray], dict[str, Any]],
    *,
    embedding: Embedding,
    codeframe: Codeframe,
    report: ThemesReport,
    on_progress: Callable[[int], None] | None,
) -> None:
    """Store a model version (its arrays and manifest), write its rows, assign every unit."""
    model, topics = models
    stored = _store(cfg).save(THEME_KIND, *state)
    report.model_version = stored.version
    topic_id_of = _write_model_themes(
        warehouse, model=model, version=stored.version, manifest=stored.manifest,
        codeframe=codeframe, topics=topics, cfg=cfg,
    )  # fmt: skip
    _assign_pending(
        warehouse, model, stored.version, embedding=embedding, codeframe=codeframe,
        report=report, on_progress=on_progress, topics=topics, topic_id_of=topic_id_of,
    )  # fmt: skip


def add_topics(cfg: Config, *, on_progress: Callable[[int], None] | None = None) -> ThemesReport:
    """Give a workspace fitted before topics existed its topics, keeping its themes.

    The stored theme model is kept exactly: its themes become the sub-themes of the new
    topics, with the same ids, labels, lineage and codeframe edits. A new model version holds
    both (its lineage: every theme kept), and every unit is assigned again under it.

    Raises:
        ThemeError: When there is no theme model yet.
    """
    stored_old = _store(cfg).load(THEME_KIND)
    if stored_old is None:
        raise ThemeError("no theme model yet; `verbatim themes fit` fits one")
    model, _ = _models(cfg, stored_old)
    old_version = stored_old.version
    embedding = Embedding(cfg)
    report = ThemesReport(fitted=True, reason="topics added to an existing workspace")
    with open_warehouse(cfg) as warehouse:
        units = warehouse.themes.theme_fit_units()
        texts = units["text"].tolist()
        vectors = embedding.cached(warehouse, texts, report)
        codeframe = _codeframe(cfg)
        topics = fit_topics(
            cfg, embedding=embedding, codeframe=codeframe, texts=texts, vectors=vectors,
            theme_model=model,
        )  # fmt: skip
        arrays, manifest = model_state(model, topics)
        manifest = {**stored_old.manifest, **manifest}
        manifest["lineage"] = [
            {"event": "kept", "theme_id": t.theme_id, "from_theme_id": t.theme_id,
             "similarity": 1.0, "share": 1.0}
            for t in model.themes_
        ]  # fmt: skip
        manifest |= {"reason": report.reason, "previous_version": old_version}
        report.lineage = {"kept": len(model.themes_)}
        _store_and_assign(
            cfg, warehouse, (model, topics), (arrays, manifest),
            embedding=embedding, codeframe=codeframe, report=report, on_progress=on_progress,
        )  # fmt: skip
    return report


def _write_model_themes(
    warehouse: Warehouse,
    *,
    model: ThemeModel,
    version: str,
    manifest: dict[str, Any],
    codeframe: Codeframe,
    topics: TopicModel | None,
    cfg: Config,
) -> dict[str, int]:
    """Write the `topics`, `themes` and `theme_lineage` rows of a model version.

    Topics first: a crash between the two leaves topics whose themes the next run writes.

    Returns:
        Topic key -> topic id.
    """
    from pipeline.themes.align import LineageEvent

    now = dt.datetime.now(dt.UTC)
    previous = warehouse.read_table("themes")
    ids: dict[str, int] = {}
    topic_of: dict[int, int] = {}
    if topics is not None:
        before = warehouse.read_table("topics")
        next_id = max([warehouse.themes.max_theme_id(), *(t.theme_id for t in model.themes_)])
        ids = topic_ids(topics.keys, before, next_id + 1)
        warehouse.themes.write_topics(
            topic_rows(topics.topics_, ids, version, before, codeframe,
                       language=cfg.reports.language, now=now)
        )  # fmt: skip
        topic_of = {theme: ids[key] for theme, key in topics.sub_theme_topic_.items()}
        topic_of |= moved_sub_themes(codeframe, ids.values())
    rows = theme_rows(model.themes_, version, previous, codeframe, now=now, topic_of=topic_of)
    events = [LineageEvent(**event) for event in manifest.get("lineage", [])]
    warehouse.themes.write_themes(rows, lineage_rows(events, version, now=now))
    return ids


def assign_partition(
    model: ThemeModel, part: tuple[list[str], np.ndarray, list[str]]
) -> tuple[np.ndarray, np.ndarray]:
    """Theme ids and similarities of one partition's units (texts, embeddings, languages)."""
    texts, vectors, langs = part
    return model.assign(texts, vectors, langs)


def _assign_pending(
    warehouse: Warehouse,
    model: ThemeModel,
    version: str,
    *,
    embedding: Embedding,
    codeframe: Codeframe,
    report: ThemesReport,
    on_progress: Callable[[int], None] | None,
    mapper: Mapper = IN_PROCESS,
    topics: TopicModel | None = None,
    topic_id_of: dict[str, int] | None = None,
) -> None:
    """Assign every unit not yet assigned by ``version``: its sub-theme and its topics.

    ``topic_id_of`` maps topic keys to topic ids (`_write_model_themes`).
    """
    from pipeline.themes.codeframe import resolve_theme_ids

    chunk = model.cfg.chunk_units
    while True:
        units = warehouse.themes.pending_theme_units(version, chunk)
        if units.empty:
            break
        texts = units["text"].tolist()
        vectors = embedding.cached(warehouse, texts, report)
        parts = split_frame(units.reset_index(drop=True), mapper.partitions)
        assigned = mapper(
            functools.partial(assign_partition, model),
            [(part["text"].tolist(), vectors[part.index.to_numpy()], part["lang"].tolist())
             for part in parts],
        )  # fmt: skip
        ids = np.concatenate([part_ids for part_ids, _ in assigned])
        similarity = np.concatenate([part_sims for _, part_sims in assigned])
        has_theme = ids >= 0
        content = similarity > 0
        resolved = resolve_theme_ids(ids, codeframe)
        unit_themes = pd.DataFrame(
            {
                UNIT_ID: units[UNIT_ID].astype("str"),
                RECORD_ID: units[RECORD_ID].astype("str"),
                THEME_ID: pd.array(np.where(has_theme, resolved, 0), dtype="Int64"),
                "model_theme_id": pd.array(np.where(has_theme, ids, 0), dtype="Int64"),
                "similarity": similarity.astype(float),
                "has_content": content,
                MODEL_VERSION: version,
                "assigned_at": dt.datetime.now(dt.UTC),
            }
        )
        unit_themes.loc[~has_theme, [THEME_ID, "model_theme_id"]] = pd.NA
        assigned_topics = None
        if topics is not None:
            assigned_topics = unit_topics(
                warehouse, units=units, vectors=vectors, sub_themes=ids, content=content,
                topics=topics, ids=topic_id_of or {}, version=version,
                extra_stop_words=model.cfg.stop_words,
            )  # fmt: skip
        warehouse.themes.write_unit_themes(unit_themes, assigned_topics)
        if assigned_topics is not None:
            report.topic_coverage += float(assigned_topics[UNIT_ID].nunique())
        report.units += len(units)
        report.assigned += int(has_theme.sum())
        report.unassigned += int((~has_theme & content).sum())
        if on_progress is not None:
            on_progress(len(units))
    report.unassigned_share, _ = warehouse.themes.unassigned_share(version)
    report.themes = len(model.leaves)
    if topics is not None:
        report.topics = len(topics.topics_)
        with_content = report.assigned + report.unassigned
        report.topic_coverage = report.topic_coverage / with_content if with_content else 0.0


def update_themes(
    cfg: Config,
    *,
    refit: bool = False,
    on_progress: Callable[[int], None] | None = None,
    mapper: Mapper = IN_PROCESS,
) -> ThemesReport:
    """The nightly theme step: assign new units, fitting or refitting when needed.

    A model is fitted when there is none; refitted when asked, or when more than
    ``themes.refit_unassigned_share`` of the units with content found no theme.

    Returns:
        The report of the assignment (and of the refit, when one ran).

    Returns ``skipped`` (and does nothing) when there is no model yet and too few units to
    fit one: themes start once enough feedback has arrived.

    Raises:
        NotEnoughDataError: A refit was asked for and there are too few units.
    """
    stored = _store(cfg).load(THEME_KIND)
    if stored is None or refit:
        reason = "refit requested" if stored is not None else "first fit"
        try:
            return fit_themes(cfg, reason=reason, on_progress=on_progress)
        except NotEnoughDataError as e:
            if stored is not None:
                raise
            return ThemesReport(skipped=str(e))
    model, topics = _models(cfg, stored)
    version = stored.version
    if topics is None and cfg.themes.topics:
        logger.info("the theme model %s has no topics: adding them, themes kept", version)
        return add_topics(cfg, on_progress=on_progress)
    embedding = Embedding(cfg)
    report = ThemesReport(model_version=version)
    codeframe = _codeframe(cfg)
    with open_warehouse(cfg) as warehouse:
        if not warehouse.themes.has_theme_version(version):
            ids = _write_model_themes(
                warehouse, model=model, version=version, manifest=stored.manifest,
                codeframe=codeframe, topics=topics, cfg=cfg,
            )  # fmt: skip
        else:
            ids = warehouse.themes.topic_ids()
        _assign_pending(
            warehouse,
            model,
            version,
            embedding=embedding,
            codeframe=codeframe,
            report=report,
            on_progress=on_progress,
            mapper=mapper,
            topics=topics if cfg.themes.topics else None,
            topic_id_of=ids,
        )
    threshold = cfg.themes.refit_unassigned_share
    if report.unassigned_share > threshold:
        logger.info(
            "%.0f%% of units with content have no theme (threshold %.0f%%): refitting",
            100 * report.unassigned_share,
            100 * threshold,
        )
        return fit_themes(
            cfg,
            reason=f"unassigned share {report.unassigned_share:.2f} > {threshold:.2f}",
            on_progress=on_progress,
        )
    return report


# --- reading and editing ---------------------------------------------------------------------


def list_themes(cfg: Config, *, include_retired: bool = False) -> list[dict[str, Any]]:
    """The themes, parents first, largest first, as plain dicts.

    Returns:
        theme_id, label, parent_id, is_parent, size, status, keywords, topic_id (the topic it
        belongs to), model_version per theme.
    """
    with open_warehouse(cfg, read_only=True) as warehouse:
        themes = warehouse.read_table("themes")
    if not include_retired:
        themes = themes[themes["status"] != "retired"]
    themes = themes.sort_values(["is_parent", "size"], ascending=[False, False])
    columns = [
        THEME_ID, "label", "parent_id", "is_parent", "size", "status", "keywords", "topic_id",
    ]  # fmt: skip
    return [jsonable_row(row) for row in themes[[*columns, MODEL_VERSION]].to_dict("records")]


def show_theme(cfg: Config, theme_id: int) -> dict[str, Any]:
    """One theme: its row, children (not retired), lineage, and the records that carry it.

    A parent's records are those carrying any of its children.

    Raises:
        ThemeError: When no theme has this id.
    """
    with open_warehouse(cfg, read_only=True) as warehouse:
        themes = warehouse.read_table("themes")
        row = themes[themes[THEME_ID] == theme_id]
        if row.empty:
            raise ThemeError(f"no theme {theme_id}; `verbatim themes list` shows the ids")
        lineage = warehouse.themes.lineage_of(theme_id)
        children = themes[(themes["parent_id"] == theme_id) & (themes["status"] != "retired")]
        members = [theme_id, *children[THEME_ID].astype(int).tolist()]
        records = warehouse.themes.records_with_any(members)
    theme = jsonable_row(row.iloc[0].to_dict())
    return {
        **theme,
        "records": records,
        "children": [
            {THEME_ID: int(c[THEME_ID]), "label": c["label"], "size": int(c["size"])}
            for _, c in children.iterrows()
        ],
        "lineage": [jsonable_row(r) for r in lineage.to_dict("records")],
    }


def edit_codeframe(
    cfg: Config, edit: Callable[[Codeframe], Codeframe], *, ids: Sequence[int]
) -> Codeframe:
    """Apply one edit to ``themes.yaml`` and to the warehouse at once.

    Args:
        cfg: Configuration (``themes.codeframe`` names the file).
        edit: The change, e.g. ``lambda c: c.renamed(12, "Waiting time")``.
        ids: Theme ids the edit refers to; each must exist.

    Returns:
        The saved codeframe.

    Raises:
        ThemeError: For an id that is not a theme.
    """
    with open_warehouse(cfg) as warehouse:
        themes = warehouse.read_table("themes")
        missing = unknown_ids(Codeframe(hide=frozenset(ids)), _known_ids(warehouse, themes))
        if missing:
            raise ThemeError(
                f"no theme {', '.join(map(str, missing))}; `verbatim themes list` shows the "
                "sub-theme ids, `verbatim themes topics` the topic ids"
            )
        codeframe = edit(_codeframe(cfg))
        save_codeframe(codeframe, cfg.themes.codeframe)
        _apply_codeframe(warehouse, themes, codeframe, cfg)
    return codeframe


def _known_ids(warehouse: Warehouse, themes: pd.DataFrame) -> pd.Series:
    """Every theme and topic id (the codeframe edits both by id)."""
    topics = warehouse.read_table("topics")
    return pd.concat(
        [themes[THEME_ID].astype(int), topics["topic_id"].astype(int)], ignore_index=True
    )


def apply_codeframe_file(cfg: Config) -> list[int]:
    """Apply ``themes.yaml`` as it is now (after a person edited it by hand).

    Returns:
        Ids the codeframe names that are not themes (they are ignored).
    """
    codeframe = _codeframe(cfg)
    with open_warehouse(cfg) as warehouse:
        themes = warehouse.read_table("themes")
        _apply_codeframe(warehouse, themes, codeframe, cfg)
        known = _known_ids(warehouse, themes)
    return unknown_ids(codeframe, known)


def _apply_codeframe(
    warehouse: Warehouse, themes: pd.DataFrame, codeframe: Codeframe, cfg: Config
) -> None:
    """Apply the codeframe to sub-themes and topics alike (ids never overlap).

    A sub-theme merged into a *topic* id moves under that topic; its units keep their
    sub-theme.
    """
    from pipeline.themes.codeframe import apply_codeframe

    topics = warehouse.read_table("topics")
    if not topics.empty:
        warehouse.themes.write_topics(
            apply_topic_codeframe(topics, codeframe, language=cfg.reports.language)
        )
        moved = moved_sub_themes(codeframe, topics["topic_id"].astype(int))
        if moved and not themes.empty:
            themes = themes.assign(
                topic_id=themes[THEME_ID].map(moved).fillna(themes["topic_id"]).astype("Int64")
            )
    if themes.empty:
        return
    base = themes.assign(
        label=themes["auto_label"],
        label_source=themes["seed"].map(lambda s: "seed" if isinstance(s, str) and s else "auto"),
        merged_into=pd.array([pd.NA] * len(themes), dtype="Int64"),
        status=themes["status"].where(themes["status"] == "retired", "active"),
    )
    edited = apply_codeframe(base, codeframe)
    warehouse.themes.write_themes(edited, pd.DataFrame())
    theme_ids = edited[THEME_ID].astype(int).tolist()
    warehouse.themes.resolve_unit_themes({i: codeframe.resolve(i) for i in theme_ids})


# --- evaluation ------------------------------------------------------------------------------
