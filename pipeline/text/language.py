"""Language identification for Danish, Norwegian Bokmål, Swedish and English feedback.

Every text gets one code from `LANGUAGES`, or `UNDETERMINED` ("und") when it is too short to
tell (once URLs, @mentions, e-mail addresses, redaction placeholders, digits, punctuation and
emoji are set aside), when the detector is unsure, or when py3langid is confident that it is
in another language (German, Finnish, Polish…) or no language at all. Nynorsk counts as "nb":
the pipeline treats Norwegian as one language.

Detectors are swappable parts chosen by name from `DETECTORS` and built once per process, on
first use:

- ``"langid"``: py3langid's naive-Bayes model over byte n-grams, restricted to our languages
  and run over a whole batch at once with NumPy (on one core here: about 60,000 sentences/s,
  150,000 three- or four-word texts/s, `detect_languages` included).
- ``"lingua"``: lingua-language-detector (Rust, all cores); five times slower than langid
  and, on the Danish/Norwegian pair, less accurate (`benchmarks/language.py`).
- ``"hybrid"`` (the default): langid for every text; for the few where langid's two best
  languages are close (mostly Danish against Norwegian, and short texts) its probabilities
  are blended with lingua's. On a development sample kept apart from the benchmark's this
  removed 30 % of langid's da/nb mistakes and a point of error on three- and four-word
  texts, at 50,000 sentences/s.

Hand-written Danish/Norwegian word cues (af/av, mig/meg, hvad/hva, -hed/-het…) were measured
as well; they did not improve on langid's n-grams and are not used.
"""

from __future__ import annotations

import functools
import re
import unicodedata
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Final, Protocol, TypeVar

from pipeline.text.surface import surface_form

if TYPE_CHECKING:
    import numpy as np
    from numpy.typing import NDArray

_Detector = TypeVar("_Detector")

LANGUAGES: Final = ("da", "nb", "sv", "en")
UNDETERMINED: Final = "und"
# Languages so alike that a detector splits one's texts between both (see `_codes`).
_LOOK_ALIKES: Final = {"da": "nb", "nb": "da"}
DEFAULT_DETECTOR: Final = "hybrid"

# Below this best probability over the four languages (0.25 is a coin toss) a text is "und".
MIN_CONFIDENCE: Final = 0.35
# A text whose most likely language outside ours has at least this probability is "und".
FOREIGN_CONFIDENCE: Final = 0.9
# Characters of a text the detectors read: accuracy stops improving at about 200.
MAX_CHARS: Final = 300

# py3langid codes: ours, mapped onto LANGUAGES, and the others it watches for ("zxx" is its
# "no linguistic content"): languages a Nordic company's customers write in now and then.
_LANGID_OURS: Final = {"da": "da", "no": "nb", "nn": "nb", "sv": "sv", "en": "en"}
_LANGID_OTHERS: Final = (
    "de", "nl", "fr", "es", "it", "pt", "pl", "fi", "et", "is",
    "lt", "lv", "ru", "uk", "ro", "tr", "ar", "fa", "so", "zxx",
)  # fmt: skip
_BATCH: Final = 4096

# Any whitespace-separated token holding "@" or "://" (e-mail addresses, @mentions, URLs) or
# starting a web address, and redaction placeholders such as [EMAIL] or [PERSON].
_NOISE = re.compile(r"\S*(?:@|://|\b[wW]{3}\.)\S*|\[[A-Z][A-Z_]*\]")
_NOISE_MARKS: Final = ("@", "://", "[", "www.", "WWW.")
_WORD = re.compile(r"[^\W\d_]+(?:['\u2019][^\W\d_]+)*")  # runs of letters; "don't" is one

_INSTALL_HINT = (
    "The {name!r} language detector needs {package}: `pip install {package}=={version}` "
    "(it is one of Verbatim's dependencies, so reinstalling them also works)."
)


class LanguageDetector(Protocol):
    """Anything that names the language of each text in a batch."""

    def detect(self, texts: Sequence[str], *, languages: Sequence[str] = LANGUAGES) -> list[str]:
        """Return one code from ``languages``, or "und", per text, in input order."""
        ...

    def probabilities(self, texts: Sequence[str]) -> NDArray[np.float32]:
        """Return (n_texts, 4) float32 probabilities over `LANGUAGES`, rows summing to 1."""
        ...


def _codes(
    probabilities: NDArray[np.float32],
    *,
    min_confidence: float,
    foreign: NDArray[np.bool_] | None = None,
    languages: Sequence[str] = LANGUAGES,
) -> list[str]:
    """Best language per row; "und" below `min_confidence` or where `foreign` is True.

    With ``languages`` a subset of `LANGUAGES`, a left-out language's probability goes to its
    look-alike when that one is kept (Norwegian to Danish and back: a workspace that expects no
    Norwegian reads a Danish-or-Norwegian text as Danish instead of splitting such texts) and
    is dropped otherwise, without renormalising: a Swedish text in an English-only workspace
    is "und", not English.
    """
    if tuple(languages) != LANGUAGES:
        probabilities = probabilities.copy()
        for column, code in enumerate(LANGUAGES):
            if code in languages:
                continue
            twin = _LOOK_ALIKES.get(code)
            if twin in languages:
                probabilities[:, LANGUAGES.index(twin)] += probabilities[:, column]
            probabilities[:, column] = 0.0
    best = probabilities.argmax(axis=1).tolist()
    sure = probabilities.max(axis=1) >= min_confidence
    if foreign is not None:
        sure &= ~foreign
    return [
        LANGUAGES[i] if ok else UNDETERMINED for i, ok in zip(best, sure.tolist(), strict=True)
    ]


def _install_hint(name: str, package: str, version: str) -> str:
    return _INSTALL_HINT.format(name=name, package=package, version=version)


class LangidDetector:
    """py3langid's model, restricted to da, no, nn, sv and en, over a whole batch at once.

    py3langid reads a text one byte at a time in a Python loop through its n-gram automaton.
    This class advances the automaton of every text in a batch together, one NumPy step per
    byte position (texts sorted by length), then scores all texts with one sparse product:
    the same probabilities as py3langid's own `rank`, six to eight times faster. It reads the
    model arrays of py3langid 0.4.0 (`tk_nextmove`, `tk_row`, `tk_output`, `nb_ptc`, `nb_pc`),
    hence the pinned version; a test compares both.

    Besides our languages the model scores twenty others; a text that is most likely one of
    them with probability `foreign_confidence` or more is "und".

    Args:
        min_confidence: Below this best probability a text is "und".
        foreign_confidence: From this probability of another language a text is "und".
        max_chars: Characters of each text that are read.
    """

    def __init__(
        self,
        *,
        min_confidence: float = MIN_CONFIDENCE,
        foreign_confidence: float = FOREIGN_CONFIDENCE,
        max_chars: int = MAX_CHARS,
    ) -> None:
        try:
            import numpy as np
            from py3langid.langid import MODEL_FILE, LanguageIdentifier
        except ImportError as e:
            raise ImportError(_install_hint("langid", "py3langid", "0.4.0")) from e
        self.min_confidence = min_confidence
        self.foreign_confidence = foreign_confidence
        self.max_chars = max_chars
        model = LanguageIdentifier.from_model_file(MODEL_FILE, norm_probs=True)
        model.set_languages([*_LANGID_OURS, *_LANGID_OTHERS])
        classes = list(model.nb_classes)
        self._ours = np.array([classes.index(code) for code in _LANGID_OURS])
        self._others = np.array([classes.index(code) for code in _LANGID_OTHERS])
        # our model columns -> LANGUAGES; Bokmål ("no") and Nynorsk ("nn") both become "nb"
        self._merge = np.zeros((len(_LANGID_OURS), len(LANGUAGES)), dtype=np.float32)
        for column, code in enumerate(_LANGID_OURS.values()):
            self._merge[column, LANGUAGES.index(code)] = 1.0
        self._table = np.asarray(model.nb_ptc, dtype=np.float32)
        self._prior = np.asarray(model.nb_pc, dtype=np.float32)
        self._next = np.frombuffer(model.tk_nextmove, dtype=f"u{model.tk_nextmove.itemsize}")
        row = np.frombuffer(model.tk_row, dtype=f"u{model.tk_row.itemsize}")
        self._row = row.astype(np.int64) << 8
        self._feature = np.asarray(model.tk_output, dtype=np.int64)

    def _encode(self, text: str) -> bytes:
        # py3langid's own preparation: all-caps text lowercased, NFC, UTF-8
        text = text[: self.max_chars]
        if text.isupper():
            text = text.lower()
        return unicodedata.normalize("NFC", text).encode("utf-8", errors="surrogatepass")

    def _log_scores(self, encoded: list[bytes]) -> NDArray[np.float32]:
        """Length-scaled naive-Bayes scores, (n_texts, n_model_languages)."""
        import numpy as np
        from scipy import sparse

        lengths = np.fromiter(map(len, encoded), dtype=np.int64, count=len(encoded))
        order = np.argsort(-lengths, kind="stable")
        lengths = lengths[order]
        width = int(lengths[0]) if len(lengths) else 0
        data = np.zeros((width, len(encoded)), dtype=np.uint8)  # one row per byte position
        for column, index in enumerate(order):
            data[: lengths[column], column] = np.frombuffer(encoded[index], dtype=np.uint8)
        # at byte position j the first reading[j] texts (sorted by length) are still read
        reading = np.searchsorted(-lengths, -np.arange(width), side="left")
        states = np.zeros(len(encoded), dtype=np.int64)
        rows, features = [np.zeros(0, np.int64)], [np.zeros(0, np.int64)]
        for j in range(width):
            k = int(reading[j])
            state = self._next[self._row[states[:k]] + data[j, :k]].astype(np.int64)
            states[:k] = state
            feature = self._feature[state]
            hits = np.flatnonzero(feature >= 0)
            rows.append(hits)
            features.append(feature[hits])
        row_index, feature_index = np.concatenate(rows), np.concatenate(features)
        counts = sparse.csr_matrix(
            (np.ones(len(row_index), dtype=np.float32), (row_index, feature_index)),
            shape=(len(encoded), self._table.shape[0]),
        )
        counts.sum_duplicates()
        np.log1p(counts.data, out=counts.data)
        scores = np.asarray(counts @ self._table, dtype=np.float32) + self._prior
        scores[np.diff(counts.indptr) == 0] = 0.0  # no n-gram known at all: uniform
        scores /= np.sqrt(np.maximum(lengths, 1)).astype(np.float32)[:, None]  # py3langid's
        unsorted = np.empty_like(scores)
        unsorted[order] = scores
        return unsorted

    def _score(self, texts: Sequence[str]) -> tuple[NDArray[np.float32], NDArray[np.bool_]]:
        """Probabilities over `LANGUAGES` (n_texts, 4) and whether each text is foreign."""
        import numpy as np

        probabilities = np.zeros((len(texts), len(LANGUAGES)), dtype=np.float32)
        foreign = np.zeros(len(texts), dtype=bool)
        for start in range(0, len(texts), _BATCH):
            batch = slice(start, start + _BATCH)
            scores = self._log_scores([self._encode(text) for text in texts[batch]])
            scores = np.exp(scores - scores.max(axis=1, keepdims=True))
            ours = scores[:, self._ours]
            best_other = scores[:, self._others].max(axis=1)
            foreign[batch] = best_other >= self.foreign_confidence * scores.sum(axis=1)
            merged = (ours / ours.sum(axis=1, keepdims=True)) @ self._merge
            # no evidence at all: a coin toss, not Norwegian for having two columns
            merged[ours.max(axis=1) == ours.min(axis=1)] = 1.0 / len(LANGUAGES)
            probabilities[batch] = merged
        return probabilities, foreign

    def probabilities(self, texts: Sequence[str]) -> NDArray[np.float32]:
        """Return (n_texts, 4) float32 probabilities over `LANGUAGES`, rows summing to 1."""
        return self._score(texts)[0]

    def detect(self, texts: Sequence[str], *, languages: Sequence[str] = LANGUAGES) -> list[str]:
        """Return one code from ``languages``, or "und", per text, in input order."""
        probabilities, foreign = self._score(texts)
        return _codes(
            probabilities, min_confidence=self.min_confidence, foreign=foreign, languages=languages
        )


class LinguaDetector:
    """lingua-language-detector restricted to Danish, Bokmål, Nynorsk, Swedish and English.

    Batches run on all cores (lingua's own thread pool). Unlike langid it cannot tell that a
    text is in another language: it always picks the closest of ours.

    Args:
        min_confidence: Below this best probability a text is "und".
        max_chars: Characters of each text that are read.
    """

    def __init__(
        self, *, min_confidence: float = MIN_CONFIDENCE, max_chars: int = MAX_CHARS
    ) -> None:
        try:
            from lingua import Language, LanguageDetectorBuilder
        except ImportError as e:
            raise ImportError(_install_hint("lingua", "lingua-language-detector", "2.1.1")) from e
        self.min_confidence = min_confidence
        self.max_chars = max_chars
        languages = {
            Language.DANISH: "da",
            Language.BOKMAL: "nb",
            Language.NYNORSK: "nb",
            Language.SWEDISH: "sv",
            Language.ENGLISH: "en",
        }
        self._column = {language: LANGUAGES.index(code) for language, code in languages.items()}
        self._model = (
            LanguageDetectorBuilder.from_languages(*languages)
            .with_preloaded_language_models()
            .build()
        )

    def probabilities(self, texts: Sequence[str]) -> NDArray[np.float32]:
        """Return (n_texts, 4) float32 probabilities over `LANGUAGES`, rows summing to 1."""
        import numpy as np

        # lingua (Rust) rejects lone surrogates, which a broken export can leave behind
        clipped = [
            text[: self.max_chars].encode("utf-8", "replace").decode("utf-8") for text in texts
        ]
        results = self._model.compute_language_confidence_values_in_parallel(clipped)
        probabilities = np.zeros((len(texts), len(LANGUAGES)), dtype=np.float32)
        for row, values in enumerate(results):
            for value in values:
                probabilities[row, self._column[value.language]] += value.value
        probabilities[probabilities.sum(axis=1) == 0] = 1.0 / len(LANGUAGES)
        return probabilities

    def detect(self, texts: Sequence[str], *, languages: Sequence[str] = LANGUAGES) -> list[str]:
        """Return one code from ``languages``, or "und", per text, in input order."""
        return _codes(
            self.probabilities(texts), min_confidence=self.min_confidence, languages=languages
        )


class HybridDetector:
    """langid for every text; where it is unsure, its probabilities blended with lingua's.

    Args:
        margin: langid decides alone when its best probability leads the second best by at
            least this much (about 4 % of texts of five words or more fall below 0.3, and a
            quarter of three- and four-word texts).
        lingua_weight: Weight of lingua's probabilities in the blend.
        min_confidence: Below this best probability a text is "und".
    """

    def __init__(
        self,
        *,
        margin: float = 0.3,
        lingua_weight: float = 0.3,
        min_confidence: float = MIN_CONFIDENCE,
    ) -> None:
        self.margin = margin
        self.lingua_weight = lingua_weight
        self.min_confidence = min_confidence
        self._langid = _shared(LangidDetector)
        self._lingua = _shared(LinguaDetector)

    def probabilities(self, texts: Sequence[str]) -> NDArray[np.float32]:
        """Return (n_texts, 4) float32 probabilities over `LANGUAGES`, rows summing to 1."""
        return self._score(texts)[0]

    def _score(self, texts: Sequence[str]) -> tuple[NDArray[np.float32], NDArray[np.bool_]]:
        import numpy as np

        probabilities, foreign = self._langid._score(texts)
        two_best = np.sort(probabilities, axis=1)[:, -2:]
        unsure = np.flatnonzero((two_best[:, 1] - two_best[:, 0] < self.margin) & ~foreign)
        if len(unsure):
            second = self._lingua.probabilities([texts[i] for i in unsure.tolist()])
            weight = self.lingua_weight
            probabilities[unsure] = (1 - weight) * probabilities[unsure] + weight * second
        return probabilities, foreign

    def detect(self, texts: Sequence[str], *, languages: Sequence[str] = LANGUAGES) -> list[str]:
        """Return one code from ``languages``, or "und", per text, in input order."""
        probabilities, foreign = self._score(texts)
        return _codes(
            probabilities, min_confidence=self.min_confidence, foreign=foreign, languages=languages
        )


DETECTORS: dict[str, Callable[..., LanguageDetector]] = {
    "hybrid": HybridDetector,
    "langid": LangidDetector,
    "lingua": LinguaDetector,
}


@functools.cache
def _shared(factory: Callable[[], _Detector]) -> _Detector:
    """The detector `factory` makes with its default options, built once per process."""
    return factory()


def _build(name: str) -> LanguageDetector:
    return _shared(DETECTORS[name])


def strip_noise(text: str) -> str:
    """Remove what says nothing about the language: URLs, e-mails, @mentions, placeholders.

    Args:
        text: Any text.

    Returns:
        The text without those parts, whitespace collapsed to single spaces.
    """
    if any(mark in text for mark in _NOISE_MARKS):  # rare: skip the regex for most texts
        text = _NOISE.sub(" ", text)
    return " ".join(text.split())


def detect_languages(
    texts: Sequence[str],
    *,
    detector: str = DEFAULT_DETECTOR,
    min_words: int = 3,
    min_chars: int = 12,
    languages: Sequence[str] = LANGUAGES,
) -> list[str]:
    """Name the language of each text.

    Args:
        texts: Feedback texts (records or opinion units), any length.
        detector: A key of `DETECTORS`.
        min_words: Texts with fewer words get "und". Words are runs of letters counted once
            URLs, @mentions, e-mail addresses and placeholders such as "[EMAIL]" are removed,
            so digits, punctuation and emoji never count.
        min_chars: Texts with fewer letters than this get "und".
        languages: The languages expected (a subset of `LANGUAGES`, the default): a text is
            named one of them, or "und".

    Returns:
        One code per text, in input order: one of ``languages``, or "und" when the text is
        too short, the detector is unsure or the text is in another language.

    Raises:
        ValueError: If `detector` is not a key of `DETECTORS`, or ``languages`` is empty or
            names a language outside `LANGUAGES`.
    """
    if detector not in DETECTORS:
        raise ValueError(
            f"Unknown language detector {detector!r}; choose one of: {', '.join(DETECTORS)}."
        )
    if not languages or set(languages) - set(LANGUAGES):
        raise ValueError(
            f"Languages must be some of {', '.join(LANGUAGES)}; got {list(languages)!r}."
        )
    languages = tuple(code for code in LANGUAGES if code in set(languages))
    # the surface form: shouting or an added "!" never changes a text's language
    cleaned = [surface_form(strip_noise(text)) for text in texts]
    keep = []
    for i, text in enumerate(cleaned):
        words = _WORD.findall(text)
        if len(words) >= min_words and sum(map(len, words)) >= min_chars:
            keep.append(i)
    codes = [UNDETERMINED] * len(texts)
    if keep:
        found = _build(detector).detect([cleaned[i] for i in keep], languages=languages)
        for i, code in zip(keep, found, strict=True):
            codes[i] = code
    return codes


def language_weights(
    texts: Sequence[str],
    codes: Sequence[str],
    *,
    detector: str = DEFAULT_DETECTOR,
    languages: Sequence[str] = LANGUAGES,
) -> NDArray[np.float64]:
    """How much each text is in each of `LANGUAGES`: what a lexicon should read it as.

    A text with a language code is all that language. An "und" text (mostly short: "Meget
    utilfreds!") is spread over ``languages`` (the workspace's) by the detector's
    probabilities restricted to them; a text the detector knows nothing of (no letters), evenly.

    Args:
        texts: The texts.
        codes: Their codes from `detect_languages`.
        detector: A key of `DETECTORS`.
        languages: The workspace's languages (a subset of `LANGUAGES`).

    Returns:
        (n, len(LANGUAGES)) float64, rows summing to 1, columns in `LANGUAGES` order.
    """
    import numpy as np

    allowed = np.array([code in set(languages) for code in LANGUAGES], dtype=float)
    if not allowed.any():
        raise ValueError(f"Languages must be some of {', '.join(LANGUAGES)}; got {languages!r}.")
    weights = np.zeros((len(texts), len(LANGUAGES)))
    unsure = []
    for row, code in enumerate(codes):
        if code in LANGUAGES:
            weights[row, LANGUAGES.index(code)] = 1.0
        else:
            unsure.append(row)
    if unsure:
        found = _build(detector).probabilities(
            [surface_form(strip_noise(texts[i])) for i in unsure]
        )
        restricted = np.asarray(found, dtype=float) * allowed
        totals = restricted.sum(axis=1, keepdims=True)
        even = allowed / allowed.sum()
        weights[unsure] = np.where(totals > 0, restricted / np.maximum(totals, 1e-12), even)
    return weights
