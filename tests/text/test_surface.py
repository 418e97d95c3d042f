"""The surface form every model reads: casing and exclamation marks never matter."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from pipeline.text.surface import surface_form

# Letters of the four languages (simple case mappings), digits, punctuation, emoji, spaces.
_TEXT = st.text(
    alphabet=st.sampled_from(list("abcxyzæøåäöéABCXYZÆØÅÄÖÉ019 .,!?¡'-😡👍\n")), max_size=40
)


@pytest.mark.parametrize(
    ("text", "form"),
    [
        ("Meget utilfreds!", "meget utilfreds"),
        ("Meget utilfreds.", "meget utilfreds"),
        ("ELENDIG SERVICE!!!", "elendig service"),
        ("Hvad?!", "hvad?"),
        ("Great!!! Love it!", "great. love it"),
        ("Wait... what", "wait... what"),
        ("  ok  ", "ok"),
        ("Bad 😡!", "bad 😡"),
    ],
)
def test_examples(text: str, form: str) -> None:
    assert surface_form(text) == form


@given(_TEXT)
def test_an_appended_exclamation_mark_changes_nothing(text: str) -> None:
    assert surface_form(text + "!") == surface_form(text)
    assert surface_form(text + "!!!") == surface_form(text)


@given(_TEXT)
def test_case_changes_nothing(text: str) -> None:
    assert surface_form(text.upper()) == surface_form(text.lower()) == surface_form(text)


@given(_TEXT)
def test_the_form_is_a_fixed_point(text: str) -> None:
    assert surface_form(surface_form(text)) == surface_form(text)


@pytest.mark.parametrize(
    "text",
    [
        "ved ikke",
        "Ingen kommentarer.",
        "n/a",
        "-",
        "test.",
        "No comment!",
        "vet inte",
        "nej tak",
        "ingenting å tilføye",
        "+1",
    ],
)
def test_non_answers(text: str) -> None:
    from pipeline.text.surface import is_non_answer

    assert is_non_answer(text)


@pytest.mark.parametrize(
    "text",
    ["ok", "Lang ventetid", "nej, det virker ikke", "I don't know why it fails", "Ikke god"],
)
def test_answers(text: str) -> None:
    from pipeline.text.surface import is_non_answer

    assert not is_non_answer(text)
