"""The model store: fitted artifacts as versioned folders, each with a ``manifest.json``.

Layout: ``<root>/<kind>/<version>/manifest.json`` plus ``arrays.npz``. Versions are written to a
temporary folder first and renamed into place, so a crash never leaves a half-written model;
``<root>/<kind>/LATEST`` names the version in use. Arrays are loaded with ``allow_pickle=False``.
"""

from __future__ import annotations

import json
import os
import shutil
import tempfile
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np

from pipeline.errors import VerbatimError

_ARRAYS = "arrays.npz"
_MANIFEST = "manifest.json"
_LATEST = "LATEST"


class ModelStoreError(VerbatimError):
    """A stored model is missing or unreadable."""


@dataclass(frozen=True)
class StoredModel:
    """One stored model version."""

    kind: str
    version: str
    path: Path
    manifest: dict[str, Any]
    arrays: dict[str, np.ndarray]


class ModelStore:
    """Versioned model folders under ``root`` (``models/`` in a workspace).

    Args:
        root: The store's folder; created on the first save.
    """

    def __init__(self, root: Path) -> None:
        self.root = root

    def save(
        self,
        kind: str,
        arrays: dict[str, np.ndarray],
        manifest: dict[str, Any],
        *,
        version: str | None = None,
    ) -> StoredModel:
        """Write a new version of ``kind`` and make it the latest.

        Args:
            kind: The model's kind, e.g. ``sentiment-weak``.
            arrays: Named numeric arrays (no object arrays).
            manifest: JSON-serialisable facts about the model (training data, metrics, config).
            version: The version name; default a UTC timestamp.

        Returns:
            The stored model.
        """
        version = version or datetime.now(UTC).strftime("%Y%m%dT%H%M%S%fZ")
        folder = self.root / kind
        folder.mkdir(parents=True, exist_ok=True)
        full = {"kind": kind, "version": version, **manifest}
        work = Path(tempfile.mkdtemp(prefix=f".{version}-", dir=folder))
        try:
            # numpy's stub types **arrays against its allow_pickle flag.
            np.savez(work / _ARRAYS, **arrays)  # type: ignore[arg-type]
            (work / _MANIFEST).write_text(json.dumps(full, indent=2, default=str) + "\n")
            target = folder / version
            if target.exists():
                shutil.rmtree(target)
            os.replace(work, target)
        except BaseException:
            shutil.rmtree(work, ignore_errors=True)
            raise
        latest = folder / f".{_LATEST}.tmp"
        latest.write_text(version + "\n")
        os.replace(latest, folder / _LATEST)
        return StoredModel(kind, version, folder / version, full, dict(arrays))

    def latest_version(self, kind: str) -> str | None:
        """The version marked latest for ``kind``, or None when none was saved."""
        marker = self.root / kind / _LATEST
        if not marker.is_file():
            return None
        return marker.read_text().strip() or None

    def load(self, kind: str, version: str | None = None) -> StoredModel | None:
        """Load a version of ``kind`` (the latest by default); None when there is none.

        Raises:
            ModelStoreError: When the version's files are missing or unreadable.
        """
        version = version or self.latest_version(kind)
        if version is None:
            return None
        path = self.root / kind / version
        try:
            manifest = json.loads((path / _MANIFEST).read_text())
            with np.load(path / _ARRAYS, allow_pickle=False) as data:
                arrays = {name: data[name] for name in data.files}
        except (OSError, ValueError) as e:
            raise ModelStoreError(
                f"{path}: stored model is unreadable ({e}); delete the folder and train again"
            ) from e
        return StoredModel(kind, version, path, manifest, arrays)

    def has(self, kind: str, version: str) -> bool:
        """Whether ``version`` of ``kind`` is stored."""
        return not version.startswith(".") and (self.root / kind / version).is_dir()

    def versions(self, kind: str) -> list[str]:
        """All stored versions of ``kind``, oldest first."""
        folder = self.root / kind
        if not folder.is_dir():
            return []
        return sorted(
            p.name for p in folder.iterdir() if p.is_dir() and not p.name.startswith(".")
        )
