"""Feedback units for the theme tests, written in code.

Two kinds: ``blob_units`` gives texts with their own topic words and embeddings drawn around one
direction per topic (the model's logic, exactly and fast); ``phrase_units`` gives real sentences
about five topics in Danish, Norwegian, Swedish and English for a real embedder.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

TOPIC_WORDS = {
    "delivery": ["delivery", "parcel", "courier", "late", "driver", "depot"],
    "billing": ["invoice", "charged", "twice", "refund", "card", "bill"],
    "app": ["app", "login", "crashes", "update", "screen", "password"],
    "staff": ["friendly", "helpful", "staff", "polite", "smile", "patient"],
    "price": ["price", "expensive", "increase", "cheaper", "subscription", "cost"],
    "network": ["network", "outage", "signal", "slow", "internet", "router"],
}
NO_CONTENT = ["...", "!!!", "👍", "og", "the", "n/a", "-", "123"]


def blob_units(
    topics: list[str],
    per_topic: int,
    *,
    seed: int = 0,
    dim: int = 48,
    spread: float = 0.35,
) -> tuple[list[str], np.ndarray, list[str], list[str]]:
    """Units of well-separated topics: (texts, (n, dim) embeddings, topic per unit, langs).

    Every topic has its own random direction; units lie around it with Gaussian noise
    (``spread`` per dimension, relative to a unit-length direction). Texts use three of the
    topic's words in random order, so c-TF-IDF keywords can be checked.
    """
    rng = np.random.default_rng(seed)
    directions = rng.normal(size=(len(topics), dim))
    directions /= np.linalg.norm(directions, axis=1, keepdims=True)
    texts: list[str] = []
    vectors: list[np.ndarray] = []
    labels: list[str] = []
    langs: list[str] = []
    for k, topic in enumerate(topics):
        words = TOPIC_WORDS[topic]
        for i in range(per_topic):
            chosen = rng.choice(words, size=3, replace=False)
            texts.append(f"{chosen[0]} {chosen[1]} and {chosen[2]} number {i}")
            vectors.append(directions[k] + rng.normal(scale=spread / np.sqrt(dim), size=dim))
            labels.append(topic)
            langs.append("en")
    return texts, np.vstack(vectors).astype(np.float32), labels, langs


# (topic → language → sentences); the same meaning in every language.
PHRASES: dict[str, dict[str, list[str]]] = {
    "delivery": {
        "en": [
            "The parcel arrived two weeks late",
            "The courier never delivered my package",
            "My delivery was stuck at the depot for days",
            "The driver left the parcel in the rain",
        ],
        "da": [
            "Pakken kom to uger for sent",
            "Budet leverede aldrig min pakke",
            "Min levering sad fast på lageret i flere dage",
            "Chaufføren efterlod pakken i regnen",
        ],
        "nb": [
            "Pakken kom to uker for sent",
            "Budet leverte aldri pakken min",
            "Leveringen min sto fast på lageret i flere dager",
            "Sjåføren la igjen pakken i regnet",
        ],
        "sv": [
            "Paketet kom två veckor för sent",
            "Budet levererade aldrig mitt paket",
            "Min leverans satt fast på lagret i flera dagar",
            "Chauffören lämnade paketet i regnet",
        ],
    },
    "billing": {
        "en": [
            "I was charged twice for the same invoice",
            "The bill had fees nobody told me about",
            "I am still waiting for my refund",
            "Money was taken from my card twice",
        ],
        "da": [
            "Jeg blev trukket to gange for samme faktura",
            "Regningen havde gebyrer som ingen fortalte mig om",
            "Jeg venter stadig på min refusion",
            "Der blev trukket penge fra mit kort to gange",
        ],
        "nb": [
            "Jeg ble trukket to ganger for samme faktura",
            "Regningen hadde gebyrer ingen fortalte meg om",
            "Jeg venter fortsatt på refusjonen min",
            "Det ble trukket penger fra kortet mitt to ganger",
        ],
        "sv": [
            "Jag blev debiterad två gånger för samma faktura",
            "Räkningen hade avgifter som ingen berättade om",
            "Jag väntar fortfarande på min återbetalning",
            "Pengar drogs från mitt kort två gånger",
        ],
    },
    "staff": {
        "en": [
            "The staff in the shop were friendly and helpful",
            "The agent on the phone was very patient with me",
            "Lovely service from a polite employee",
            "The support person explained everything kindly",
        ],
        "da": [
            "Personalet i butikken var venlige og hjælpsomme",
            "Medarbejderen i telefonen var meget tålmodig med mig",
            "Dejlig service fra en høflig medarbejder",
            "Supporteren forklarede alt venligt",
        ],
        "nb": [
            "Personalet i butikken var vennlige og hjelpsomme",
            "Medarbeideren på telefonen var veldig tålmodig med meg",
            "Nydelig service fra en høflig ansatt",
            "Supporten forklarte alt vennlig",
        ],
        "sv": [
            "Personalen i butiken var vänliga och hjälpsamma",
            "Handläggaren i telefon var mycket tålmodig med mig",
            "Härlig service från en artig anställd",
            "Supporten förklarade allt vänligt",
        ],
    },
}


def phrase_units(
    per_sentence: int, *, seed: int = 0, topics: tuple[str, ...] = ("delivery", "billing", "staff")
) -> pd.DataFrame:
    """Sentences in four languages, each repeated with small variations.

    Returns:
        Frame with text, lang, topic.
    """
    rng = np.random.default_rng(seed)
    openers = {
        "en": ["", "Honestly, ", "Well, ", "Sadly "],
        "da": ["", "Ærligt talt, ", "Nå, ", "Desværre "],
        "nb": ["", "Ærlig talt, ", "Vel, ", "Dessverre "],
        "sv": ["", "Ärligt talat, ", "Nåväl, ", "Tyvärr "],
    }
    rows = []
    for topic in topics:
        for lang, sentences in PHRASES[topic].items():
            for sentence in sentences:
                for _ in range(per_sentence):
                    opener = str(rng.choice(openers[lang]))
                    text = opener + (sentence[0].lower() + sentence[1:] if opener else sentence)
                    rows.append(
                        {
                            "text": text + str(rng.choice([".", "!", ""])),
                            "lang": lang,
                            "topic": topic,
                        }
                    )
    order = rng.permutation(len(rows))
    return pd.DataFrame(rows).iloc[order].reset_index(drop=True)
