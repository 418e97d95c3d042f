"""Churn intent per opinion unit: "overvejer at skifte", "sier opp", "funderar på att byta".

A customer who says they are leaving, thinking of leaving, switching to a competitor or
cancelling their subscription is at risk whatever their score. Each unit gets a probability of
churn intent from a logistic head on its sentence embedding plus a few cue features, trained on
the churn sentences shipped with Verbatim (``pipeline/resources/churn_seed/<lang>.tsv``: written
for the project in da, nb, sv and en, half of the non-churn ones deliberately close — switching a
router, cancelling one order, "I switched *to* you") — and on the sentiment seed sentences as
everyday feedback without churn, so the head meets churn at a realistic rate. The cues are
word patterns in the four languages: a verb of leaving with what is left (provider,
subscription, account, also in compounds), the same verb denied ("I would never leave you"),
"never … again" and "last time", back to the old provider or to a competitor, fixed phrases
("I'm done with you", "mistet en kunde"), a word of intent ("overvejer", "vurderer",
"funderar", "thinking about"), signs of staying (another plan *with you*, a new address, "no
regrets"), and a question. Without an embedder (the ``lexicon`` model) the
head reads the cues alone.

``churn_intent`` is the probability at or over the head's threshold, the cut that maximised F1
on five-fold predictions over the training sentences.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from functools import cache
from typing import Any, Final, Self

import numpy as np
import pandas as pd

from pipeline.sentiment.seed import resource_text, tsv_fingerprint, tsv_rows
from pipeline.text.surface import surface_form

#: Languages with a churn seed file.
CHURN_LANGUAGES: Final = ("da", "nb", "sv", "en")

# What is left: the relationship (also in compounds: elaftale, strømleverandør, teleselskab),
# not a router or one order.
_RELATION = (
    r"(?:\w*(?:udbyder|leverandør|leverantör|selskab|selskap|bolag|abonnement|abonnemang|"
    r"aftale|avtale|avtal|kontrakt|konto|bank|forsikring|försäkring|operatør|operatör|"
    r"provider|supplier|insurer|carrier|network|subscription|account|contract|membership|"
    r"policy|konkurrent|competitor)\w*|you|jer|dere|jeres|deres|elsewhere|andetsteds|"
    r"annetsteds|någon annanstans|annat bolag|anden|annen)"
)
_LEAVE_VERB = (
    r"(?:skift\w*|opsig\w*|opsag\w*|sig\w* op|siger op|sagt op|sa opp|si\w* opp|sagt opp|"
    r"oppsig\w*|bytt?\w*|byta|byter|bytte|säg\w* upp|sagt upp|uppsäg\w*|forlad\w*|"
    r"forlat\w*|lämna\w*|switch\w*|cancel\w*|terminat\w*|leav\w*|quit\w*|clos\w*|"
    r"luk\w*|stäng\w*|avslutt\w*|avsluta\w*|drop\w*|ditch\w*|mov\w*|flytt\w*|gå\w*|go\w*|"
    r"find\w*|finn\w*|hitta\w*|look\w*|kig\w*|se\w* etter|kolla\w*|tak\w*)"
)
_NEGATOR = r"(?:never|not|won't|wouldn't|aldrig|aldri|ikke|ikkje|inte|ej)"
_CUE_PATTERNS: Final = {
    # a verb of leaving, close to what is left
    "leave": re.compile(r"\b" + _LEAVE_VERB + r"\b(?:\W+\w+){0,4}?\W+" + _RELATION + r"\b"),
    # intending to leave, with or without what is left: "overvejer at skifte", "thinking about
    # switching", "funderar på att byta", "vurderer å si opp"
    "intends": re.compile(
        r"\b(?:overvej\w*|tænker på|taenker paa|vurder\w*|tenker på|funder\w*|tänker|"
        r"överväg\w*|considering|consider|thinking|think about|planning|plan to|about to|"
        r"going to|gonna|planlægg\w*|planlegg\w*|planer\w*|kommer til at|kommer til å|"
        r"kommer att|har tænkt|har tenkt|har tänkt|ready to|klar til|klar til å|redo att)\b"
        r"(?:\W+\w+){0,3}?\W+(?:skift\w*|bytt?\w*|byta|byter|opsig\w*|sig\w* op|si opp|"
        r"säga upp|switch\w*|cancel\w*|leav\w*|quit\w*|forlad\w*|forlat\w*|lämna\w*|"
        r"avslutt\w*|avsluta\w*|terminat\w*)\b"
    ),
    # ... denied: "I would never leave you", "jeg kommer aldri til å forlate dere"
    "denied": re.compile(r"\b" + _NEGATOR + r"\b(?:\W+\w+){0,3}?\W+" + _LEAVE_VERB + r"\b"),
    # never ... again: "never shopping here again", "handler aldrig her igen"
    "never_again": re.compile(
        r"\b(?:never|aldrig|aldri)\b(?:\W+\w+){0,5}?\W+(?:again|igen|igjen|mer|mere)\b"
        r"|\bsidste gang\b|\bsiste gang\b|\bsista gången\b|\blast time\b"
    ),
    # back to the old one, or already with the competitor
    "elsewhere": re.compile(
        r"\b(?:back|tilbage|tilbake|tillbaka)\W+(?:\w+\W+){0,2}?(?:old|gamle|gamla)\b"
        r"|\b(?:konkurrent\w*|competitor\w*|another provider|another bank|anden udbyder|"
        r"annen leverandør|annan leverantör|annat bolag)\b"
    ),
    # fixed phrases of leaving
    "phrase": re.compile(
        r"\b(?:lost a customer|mistet en kunde|tabt en kunde|mista en kunde|förlorat en kund|"
        r"förlorade en kund|done with (?:you|this)|færdig med jer|ferdig med dere|"
        r"klar med er|färdig med er|taking my business|"
        r"goodbye|farvel|hej då|ha det bra|så er det slut|nu räcker det|nu er det nok|"
        r"i'm done|jeg er færdig|jeg er ferdig|jag är klar|nok er nok|"
        r"så går jeg|så går jag|så går jeg|i'm gone|er væk|er borte|är borta)\b"
    ),
    # staying: a change inside the company ("another plan with you"), or a move of house
    "staying": re.compile(
        r"\b(?:hos jer|hos dere|hos er|hos os|hos oss|with you|with us|i appen|in the app|"
        r"ny adresse|nye adresse|ny adress|nya adress|new address|new flat|ny lejlighed|"
        r"ny leilighet|ny lägenhet|har ikke fortrudt|angrer ikke|ångrar mig inte|no regrets|"
        r"don't regret|fortsætte|fortsette|fortsätta|staying|blir værende|bliver)\b"
    ),
    # a word of intent or of a decision
    "intent": re.compile(
        r"\b(?:overvej\w*|tænker på|vurder\w*|tenker på|funder\w*|tänker|"
        r"överväg\w*|considering|consider|thinking|think about|planning|plan to|about to|"
        r"going to|gonna|will|planlægg\w*|planlegg\w*|planer\w*|kommer til at|kommer til å|"
        r"kommer att|har tænkt|har tenkt|har tänkt|seriously|alvorligt|seriøst|allvarligt|"
        r"snart|soon|nu|nå|now|hvis|if|om|unless|medmindre|med mindre|already|allerede|redan)\b"
    ),
}
#: The cues that speak of leaving (the others qualify them).
LEAVING_CUES: Final = ("leave", "intends", "never_again", "elsewhere", "phrase")
#: Names of the cue features, in column order.
CUES: Final = (*_CUE_PATTERNS, "leave_and_intent", "question")
# Cues are scaled by this next to unit-length embeddings.
_CUE_WEIGHT: Final = 1.0


def is_question(text: str) -> bool:
    """Whether a unit asks ("How do I cancel my subscription?")."""
    return surface_form(text).endswith("?")


def churn_cues(texts: Sequence[str]) -> np.ndarray:
    """Cue features of each text's `surface_form`: see the module docstring.

    Returns:
        (n, len(CUES)) float array of 0/1.
    """
    out = np.zeros((len(texts), len(CUES)))
    for row, text in enumerate(texts):
        form = surface_form(text)
        found = {name: bool(pattern.search(form)) for name, pattern in _CUE_PATTERNS.items()}
        out[row] = (
            *found.values(),
            found["leave"] and found["intent"],
            is_question(text),
        )
    return out


def _seed_text(lang: str) -> str:
    return resource_text("churn_seed", lang)


@cache
def churn_examples() -> pd.DataFrame:
    """The shipped churn sentences: ``text``, ``churn`` (0/1) and ``lang``.

    Raises:
        ValueError: When a seed file holds a malformed line (a packaging error).
    """
    rows = [
        (text, int(flag), lang)
        for text, flag, lang in tsv_rows("churn_seed", _seed_text, CHURN_LANGUAGES, {"0", "1"})
    ]
    return pd.DataFrame(rows, columns=["text", "churn", "lang"]).drop_duplicates("text")


def churn_fingerprint() -> str:
    """A short hash of the shipped churn sentences (changes when they change)."""
    return tsv_fingerprint(_seed_text, CHURN_LANGUAGES)


class ChurnHead:
    """Logistic regression on [embedding, cue features] (or the cues alone).

    Args:
        uses_embeddings: Read embeddings too (False: cues only).
        c: Inverse regularisation strength.
        random_state: Seed of the solver.
    """

    def __init__(self, *, uses_embeddings: bool = True, c: float = 4.0, random_state: int = 0):
        self.uses_embeddings = uses_embeddings
        self.c = c
        self.random_state = random_state

    def _features(self, texts: Sequence[str], embeddings: np.ndarray | None) -> np.ndarray:
        cues = _CUE_WEIGHT * churn_cues(texts)
        if not self.uses_embeddings:
            return cues
        if embeddings is None or len(embeddings) != len(texts):
            raise ValueError("the churn head needs one embedding per text")
        return np.hstack([np.asarray(embeddings, dtype=np.float64), cues])

    def fit(self, texts: Sequence[str], embeddings: np.ndarray | None, y: np.ndarray) -> Self:
        """Learn the weights, and the threshold that maximises F1 on out-of-fold predictions.

        The training sentences over-represent churn (a real workspace has a few percent), so
        the decision threshold is learned from five-fold predictions on them, not fixed at 0.5.
        """
        from sklearn.linear_model import LogisticRegression
        from sklearn.model_selection import StratifiedKFold

        features = self._features(texts, embeddings)
        labels = np.asarray(y, dtype=int)

        def model() -> LogisticRegression:
            return LogisticRegression(C=self.c, max_iter=2_000, random_state=self.random_state)

        held_out = np.zeros(len(labels))
        folds = StratifiedKFold(5, shuffle=True, random_state=self.random_state)
        for train, held in folds.split(features, labels):
            fold = model().fit(features[train], labels[train])
            held_out[held] = fold.predict_proba(features[held])[:, 1]
        self.threshold_ = _best_threshold(labels, held_out)
        fitted = model().fit(features, labels)
        self.coef_ = fitted.coef_[0].astype(np.float64)
        self.intercept_ = float(fitted.intercept_[0])
        return self

    def predict(self, texts: Sequence[str], embeddings: np.ndarray | None) -> np.ndarray:
        """Churn intent per text, (n,) bool: the probability at or over ``threshold_``."""
        return self.predict_proba(texts, embeddings) >= self.threshold_

    def predict_proba(self, texts: Sequence[str], embeddings: np.ndarray | None) -> np.ndarray:
        """Probability of churn intent per text, (n,)."""
        if len(texts) == 0:
            return np.zeros(0)
        logits = self._features(texts, embeddings) @ self.coef_ + self.intercept_
        return 1.0 / (1.0 + np.exp(-logits))

    def to_arrays(self) -> dict[str, np.ndarray]:
        """The fitted state as named arrays (no pickles)."""
        return {
            "coef": self.coef_,
            "intercept": np.array([self.intercept_]),
            "threshold": np.array([self.threshold_]),
            "uses_embeddings": np.array([self.uses_embeddings]),
        }

    @classmethod
    def from_arrays(cls, arrays: dict[str, Any]) -> ChurnHead:
        """Rebuild a fitted head from :meth:`to_arrays` output."""
        head = cls(uses_embeddings=bool(arrays["uses_embeddings"][0]))
        head.coef_ = np.asarray(arrays["coef"], dtype=np.float64)
        head.intercept_ = float(arrays["intercept"][0])
        head.threshold_ = float(arrays["threshold"][0])
        return head


def _best_threshold(labels: np.ndarray, probability: np.ndarray) -> float:
    """The probability cut with the best F1 (the midpoint between neighbouring scores)."""
    order = np.argsort(-probability, kind="stable")
    hits = np.cumsum(labels[order])
    predicted = np.arange(1, len(labels) + 1)
    f1 = 2 * hits / (predicted + labels.sum())
    best = int(np.argmax(f1))
    below = probability[order[best + 1]] if best + 1 < len(order) else 0.0
    return float((probability[order[best]] + below) / 2)


def churn_frame(probability: np.ndarray, threshold: float) -> pd.DataFrame:
    """``churn_intent`` (at or over ``threshold``) and ``churn_probability`` (rounded)."""
    return pd.DataFrame(
        {
            "churn_intent": probability >= threshold,
            "churn_probability": np.round(probability, 4),
        }
    )
