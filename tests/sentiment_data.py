"""Synthetic scored comments for the sentiment tests, written in code.

A made-up furniture webshop whose customers praise and complain in domain phrases that carry
no sentiment words ("sat in the depot for nine days", "was on my doorstep the next morning"):
a general-purpose lexicon reads almost all of them as neutral, while the customers' own NPS
scores say which are complaints. A head trained on those scores should learn the difference.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

# (subject, negative predicates, positive predicates, neutral statements) per language.
_PHRASES: dict[str, dict[str, list[str]]] = {
    "en": {
        "subject": ["The sofa", "My order", "The parcel", "The dining table", "The bookcase"],
        "negative": [
            "sat in the depot for nine days",
            "was charged twice on my card",
            "came without the screws",
            "still has not arrived after three weeks",
            "was left in the rain by the driver",
            "needed four calls before anyone answered",
        ],
        "positive": [
            "was on my doorstep the next morning",
            "came with spare screws and a drawing",
            "arrived a day earlier than promised",
            "was carried up to the fourth floor for us",
            "was refunded within the hour",
            "fits the living room perfectly",
        ],
        "neutral": [
            "I ordered it in March",
            "it was delivered to the pickup point",
            "we live on the second floor",
            "I paid with an invoice",
        ],
    },
    "da": {
        "subject": ["Sofaen", "Min ordre", "Pakken", "Spisebordet", "Reolen"],
        "negative": [
            "lå på lageret i ni dage",
            "blev trukket to gange på mit kort",
            "kom uden skruerne",
            "er stadig ikke kommet efter tre uger",
            "blev efterladt i regnen af chaufføren",
            "krævede fire opkald før nogen tog telefonen",
        ],
        "positive": [
            "stod på trappen næste morgen",
            "kom med ekstra skruer og en tegning",
            "kom en dag før det lovede",
            "blev båret op på fjerde sal for os",
            "blev refunderet inden for en time",
            "passer perfekt i stuen",
        ],
        "neutral": [
            "jeg bestilte den i marts",
            "den blev leveret til pakkeshoppen",
            "vi bor på anden sal",
            "jeg betalte med faktura",
        ],
    },
    "nb": {
        "subject": ["Sofaen", "Bestillingen min", "Pakken", "Spisebordet", "Bokhylla"],
        "negative": [
            "ble liggende på lageret i ni dager",
            "ble trukket to ganger på kortet mitt",
            "kom uten skruene",
            "har fortsatt ikke kommet etter tre uker",
            "ble satt igjen i regnet av sjåføren",
            "krevde fire telefoner før noen svarte",
        ],
        "positive": [
            "sto på trappa neste morgen",
            "kom med ekstra skruer og en tegning",
            "kom en dag før det som var lovet",
            "ble båret opp i fjerde etasje for oss",
            "ble refundert innen en time",
            "passer perfekt i stua",
        ],
        "neutral": [
            "jeg bestilte den i mars",
            "den ble levert til hentestedet",
            "vi bor i andre etasje",
            "jeg betalte med faktura",
        ],
    },
    "sv": {
        "subject": ["Soffan", "Min beställning", "Paketet", "Matbordet", "Bokhyllan"],
        "negative": [
            "låg på lagret i nio dagar",
            "drogs två gånger på mitt kort",
            "kom utan skruvarna",
            "har fortfarande inte kommit efter tre veckor",
            "lämnades i regnet av chauffören",
            "krävde fyra samtal innan någon svarade",
        ],
        "positive": [
            "stod på trappan nästa morgon",
            "kom med extra skruvar och en ritning",
            "kom en dag tidigare än utlovat",
            "bars upp till fjärde våningen åt oss",
            "återbetalades inom en timme",
            "passar perfekt i vardagsrummet",
        ],
        "neutral": [
            "jag beställde den i mars",
            "den levererades till ombudet",
            "vi bor på andra våningen",
            "jag betalade med faktura",
        ],
    },
}
LANGUAGES = tuple(_PHRASES)


def scored_comments(n: int, *, seed: int = 0, split: str = "train") -> pd.DataFrame:
    """Comments with the gold sentiment they were written with and an NPS score to match.

    Subjects are split: ``train`` comments are about the first three, ``test`` comments about
    the last two, so no test comment occurs in training (the complaints themselves recur, as
    they do in a customer's real feedback).

    Args:
        n: Number of comments.
        seed: Random seed.
        split: ``train`` or ``test``.

    Returns:
        Frame with text, lang, gold (negative / neutral / positive) and nps (0-10).
    """
    rng = np.random.default_rng(seed)
    rows = []
    for _ in range(n):
        lang = LANGUAGES[rng.integers(len(LANGUAGES))]
        phrases = _PHRASES[lang]
        gold = ("negative", "positive", "neutral")[rng.choice(3, p=[0.4, 0.4, 0.2])]
        if gold == "neutral":
            text = str(rng.choice(phrases["neutral"]))
            text = text[0].upper() + text[1:] + "."
            nps = int(rng.integers(0, 11))
        else:
            subjects = phrases["subject"][:3] if split == "train" else phrases["subject"][3:]
            text = f"{rng.choice(subjects)} {rng.choice(phrases[gold])}."
            nps = int(rng.integers(0, 4)) if gold == "negative" else int(rng.integers(9, 11))
        rows.append({"text": text, "lang": lang, "gold": gold, "nps": nps})
    return pd.DataFrame(rows)
