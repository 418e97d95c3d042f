"""The surface form a model reads: case and exclamation marks folded away.

"ELENDIG SERVICE!!!", "Elendig service!" and "elendig service" say the same thing; a model
that sees them differently learns the punctuation and casing of its training sentences
instead of their meaning (the seed sentences had nearly every "!" on a positive one). Every
embedding, lexicon feature and n-gram is computed on :func:`surface_form`, so shouting or an
added "!" can never change a label or a vector.
"""

from __future__ import annotations

import re
from typing import Final

# A run of full stops and exclamation marks holding at least one "!" ("!!!", "!.", ".!").
_EXCLAIMED: Final = re.compile(r"\s*[.!¡]*[!¡][.!¡]*")
# "?." left where "?!" was.
_QUESTION_DOT: Final = re.compile(r"\?\.+")
_TRAILING_STOPS: Final = re.compile(r"[\s.]+$")
_SPACES: Final = re.compile(r"\s+")


def surface_form(text: str) -> str:
    """The text lower-cased, exclamation marks read as full stops, closing stops dropped.

    Args:
        text: A cleaned opinion unit or comment.

    Returns:
        The form every model reads; ``surface_form(t + "!") == surface_form(t)`` and
        ``surface_form(t.upper()) == surface_form(t.lower())`` for any ``t`` whose letters
        have simple case mappings (every da/nb/sv/en letter).
    """
    folded = _EXCLAIMED.sub(".", text.lower())
    folded = _QUESTION_DOT.sub("?", folded)
    folded = _TRAILING_STOPS.sub("", folded)
    return _SPACES.sub(" ", folded).strip()


# Answers that say there is nothing to say, in da/nb/sv/en (compared on the surface form
# without punctuation).
_NON_ANSWERS: Final = frozenset(
    {
        "no comment", "no comments", "nothing", "nothing to add", "nothing to say", "none",
        "n/a", "na", "nil", "test", "don't know", "dont know", "idk", "no idea", "pass",
        "ingen kommentar", "ingen kommentarer", "intet", "intet at tilføje", "ikke noget",
        "ved ikke", "ved det ikke", "aner det ikke", "ingen", "inga kommentarer",
        "ingenting", "ingenting å tilføye", "ingenting å si", "vet ikke",
        "vet ikkje", "veit ikkje", "vet inte", "inget", "inget att tillägga", "inget att säga",
        "ingen aning", "nej", "nei", "no", "nope", "-", "--", "x", "+1", ".", "nej tak",
        "nei takk", "nej tack", "no thanks", "no thank you",
    }
)  # fmt: skip
_PUNCTUATION: Final = re.compile(r"[^\w\s/+'-]|(?<!\w)-(?!\w)(?=.)")


def is_non_answer(text: str) -> bool:
    """Whether a text says there is nothing to say: "ved ikke", "no comment", "n/a", "test".

    Args:
        text: An opinion unit or a whole comment.

    Returns:
        True for an answer in da/nb/sv/en that holds no opinion and no content.
    """
    form = surface_form(text)
    if form in _NON_ANSWERS:
        return True
    return _SPACES.sub(" ", _PUNCTUATION.sub(" ", form)).strip() in _NON_ANSWERS
