"""The editable codeframe: themes.yaml loading, saving, edits and applying them to themes."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from pipeline.errors import VerbatimError
from pipeline.themes.codeframe import (
    HEADER,
    Codeframe,
    CodeframeError,
    Seed,
    apply_codeframe,
    load_codeframe,
    resolve_theme_ids,
    save_codeframe,
    unknown_ids,
)

EXAMPLE = """\
# Verbatim codeframe: edits to the themes, kept across refits. Ids are from `verbatim themes list`.
rename:
  12: Waiting time on the phone
merge:
  15: 12        # theme 15 is folded into theme 12
hide: [7, 9]
seed:
  - name: Refund requests
    phrases: [refund, money back, pengene tilbage]
"""


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "themes.yaml"
    path.write_text(text, encoding="utf-8")
    return path


def themes_table() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "theme_id": [3, 7, 9, 12, 15, 20],
            "label": ["price", "staff", "app", "phone queue", "hold music", "old"],
            "status": ["active", "active", "active", "active", "active", "retired"],
            "parent_id": pd.array([None, None, None, None, 12, None], dtype="Int64"),
        }
    )


# Loading


def test_example_loads(tmp_path: Path) -> None:
    codeframe = load_codeframe(write(tmp_path, EXAMPLE))
    assert codeframe == Codeframe(
        rename={12: "Waiting time on the phone"},
        merge={15: 12},
        hide=frozenset({7, 9}),
        seeds=(Seed("Refund requests", ("refund", "money back", "pengene tilbage")),),
    )
    assert not codeframe.is_empty


@pytest.mark.parametrize("text", ["", "# only a comment\n", "---\n", "rename:\nhide:\n"])
def test_empty_files_and_empty_sections_are_the_empty_codeframe(tmp_path: Path, text: str) -> None:
    codeframe = load_codeframe(write(tmp_path, text))
    assert codeframe == Codeframe()
    assert codeframe.is_empty


def test_a_missing_file_is_the_empty_codeframe(tmp_path: Path) -> None:
    assert load_codeframe(tmp_path / "nowhere" / "themes.yaml") == Codeframe()


def test_ids_may_be_quoted_digits_and_names_are_stripped(tmp_path: Path) -> None:
    codeframe = load_codeframe(write(tmp_path, 'rename:\n  "12": "  Kø i telefonen  "\n'))
    assert codeframe.rename == {12: "Kø i telefonen"}


@pytest.mark.parametrize(
    ("text", "line", "field", "match"),
    [
        ("rename:\n  12: ok\nrenames:\n  3: x\n", 3, "renames", "unknown section 'renames'.*"
         "rename, merge, hide, seed"),
        ("- 12\n- 13\n", 1, "", "expected a mapping with the sections"),
        ("rename:\n  12: Fine name\n  abc: Other\n", 3, "rename.abc", "expected a theme id"),
        ("rename:\n  12: x\n", 2, "rename.12", "at least 2 characters"),
        ("rename:\n  12: " + "n" * 81 + "\n", 2, "rename.12", "at most 80 characters"),
        ("rename:\n  12: 2024\n", 2, "rename.12", "expected a name.*in quotes"),
        ("rename:\n  12:\n", 2, "rename.12", "expected a name, got nothing"),
        ("rename:\n  12: Good\n  12: Again\n", 3, "rename.12", "renamed twice"),
        ("rename:\n  -3: Minus\n", 2, "rename.-3", "0 or more"),
        ("rename: [12]\n", 1, "rename", "expected a mapping of theme id: new name"),
        ("\n\nmerge:\n  15: 12\n  16: twelve\n", 5, "merge.16", "expected a theme id"),
        ("merge:\n  15: 15\n", 2, "merge.15", "merged into itself"),
        ("merge:\n  15: 12\n  15: 13\n", 3, "merge.15", "merged twice"),
        ("merge:\n  15: 12\n  1: 2\n  12: 15\n", 4, "merge.12", r"cycle: 12 → 15 → 12"),
        ("merge:\n  1: 2\n  2: 3\n  3: 1\n", 4, "merge.3", r"cycle: 3 → 1 → 2 → 3"),
        ("hide: 7\n", 1, "hide", "expected a list of theme ids"),
        ("hide:\n  - 7\n  - 1.5\n", 3, "hide[1]", "expected a theme id"),
        ("hide: [7, yes]\n", 1, "hide[1]", "expected a theme id"),
        ("seed:\n  name: Refunds\n", 2, "seed", "expected a list of seeds"),
        ("seed:\n  - name: Refunds\n", 2, "seed[0].phrases", "the seed has no phrases"),
        ("seed:\n  - phrases: [a]\n", 2, "seed[0].name", "the seed has no name"),
        ("seed:\n  - name: Refunds\n    phrases: []\n", 3, "seed[0].phrases", "at least one"),
        ("seed:\n  - name: Refunds\n    phrases: refund\n", 3, "seed[0].phrases",
         "expected a list of phrases"),
        ("seed:\n  - name: Refunds\n    phrases: [refund, '  ']\n", 3, "seed[0].phrases[1]",
         "blank"),
        ("seed:\n  - name: Refunds\n    phrases: [refund, 404]\n", 3, "seed[0].phrases[1]",
         "expected a phrase"),
        ("seed:\n  - name: Refunds\n    phrases: [a]\n    colour: red\n", 4, "seed[0].colour",
         "'colour' is not a seed key"),
        ("seed:\n  - name: Refunds\n    phrases: [a]\n  - name: refunds\n    phrases: [b]\n", 4,
         "seed[1].name", "a seed named 'refunds' is above"),
        ("seed:\n  - name: R\n    phrases: [a]\n", 2, "seed[0].name", "at least 2 characters"),
    ],
)  # fmt: skip
def test_each_error_names_the_line_and_the_field(
    tmp_path: Path, text: str, line: int, field: str, match: str
) -> None:
    path = write(tmp_path, text)
    with pytest.raises(CodeframeError, match=match) as caught:
        load_codeframe(path)
    error = caught.value
    assert (error.path, error.line, error.field) == (path, line, field)
    assert str(error).startswith(f"{path}, line {line}")
    assert (f"field '{field}'" in str(error)) == bool(field)
    assert error.hint and str(error).endswith(error.hint)


def test_invalid_yaml_names_the_line(tmp_path: Path) -> None:
    path = write(tmp_path, "rename:\n  12: Good\n  13: Bad: colon\n")
    with pytest.raises(CodeframeError, match=r"not valid YAML.*needs quotes") as caught:
        load_codeframe(path)
    assert caught.value.line == 3
    assert isinstance(caught.value, VerbatimError)


def test_a_file_that_is_not_utf8_is_an_error(tmp_path: Path) -> None:
    path = tmp_path / "themes.yaml"
    path.write_bytes("rename:\n  12: Kø\n".encode("latin-1"))
    with pytest.raises(CodeframeError, match="UTF-8"):
        load_codeframe(path)


# Saving


def test_the_saved_file_reads_like_the_example(tmp_path: Path) -> None:
    path = tmp_path / "themes.yaml"
    save_codeframe(load_codeframe(write(tmp_path, EXAMPLE)), path)
    assert path.read_text(encoding="utf-8") == EXAMPLE.replace(
        "        # theme 15 is folded into theme 12", ""
    )


def test_only_non_empty_sections_are_written_ids_sorted(tmp_path: Path) -> None:
    path = tmp_path / "sub" / "themes.yaml"
    save_codeframe(Codeframe(hide=frozenset({30, 4, 11})), path)
    assert path.read_text(encoding="utf-8") == HEADER + "hide: [4, 11, 30]\n"
    save_codeframe(Codeframe(), path)
    assert path.read_text(encoding="utf-8") == HEADER
    assert [p.name for p in path.parent.iterdir()] == ["themes.yaml"]


def test_danish_names_survive_a_round_trip_as_is(tmp_path: Path) -> None:
    codeframe = (
        Codeframe()
        .renamed(4, "Ventetid på kundeservice")
        .renamed(5, "Større æbler, færre øl")
        .seeded("Pengene tilbage", ["få pengene tilbage", "refusion", "Åbningstider"])
    )
    path = tmp_path / "themes.yaml"
    save_codeframe(codeframe, path)
    text = path.read_text(encoding="utf-8")
    assert "Større æbler, færre øl" in text and "Åbningstider" in text and "\\x" not in text
    assert load_codeframe(path) == codeframe


@pytest.mark.parametrize(
    "name",
    ["yes", "null", "2024", "12: thirty", "- dash", "#hash", "it's \"quoted\"", "[brackets]",
     "* star", "& amp", "~ tilde", "~~", "@at", "%pct", "ends with colon:", "  padded  "],
)  # fmt: skip
def test_names_that_look_like_yaml_round_trip(tmp_path: Path, name: str) -> None:
    codeframe = Codeframe().renamed(1, name).seeded(name, [name])
    path = tmp_path / "themes.yaml"
    save_codeframe(codeframe, path)
    assert load_codeframe(path) == codeframe


_NAMES = (
    st.text(alphabet="abcæøåÆØÅ -:#'\"[]{}!&*?,|>%@`019yesnoul~\\", min_size=2, max_size=80)
    .map(str.strip)
    .filter(lambda name: len(name) >= 2)
)


@st.composite
def codeframes(draw: st.DrawFn) -> Codeframe:
    rename = draw(st.dictionaries(st.integers(0, 60), _NAMES, max_size=5))
    pairs = draw(st.lists(st.tuples(st.integers(0, 60), st.integers(0, 60)), max_size=6))
    merge = {max(a, b): min(a, b) for a, b in pairs if a != b}  # downhill only: no cycles
    hide = draw(st.frozensets(st.integers(0, 60), max_size=5))
    names = draw(st.lists(_NAMES, max_size=3, unique_by=str.casefold))
    seeds = tuple(
        Seed(name, tuple(draw(st.lists(_NAMES, min_size=1, max_size=3)))) for name in names
    )
    return Codeframe(rename=rename, merge=merge, hide=hide, seeds=seeds)


@settings(max_examples=60, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(codeframe=codeframes())
def test_load_of_save_is_the_same_codeframe(tmp_path: Path, codeframe: Codeframe) -> None:
    path = tmp_path / "themes.yaml"
    save_codeframe(codeframe, path)
    assert load_codeframe(path) == codeframe


# Edits


def test_edits_return_new_codeframes_and_leave_the_old_one() -> None:
    empty = Codeframe()
    edited = empty.renamed(12, "Phone queue").merged(15, 12).hidden(7).hidden(9).unhidden(9)
    assert empty.is_empty and empty == Codeframe()
    assert edited.rename == {12: "Phone queue"}
    assert edited.merge == {15: 12}
    assert edited.hide == frozenset({7})
    assert edited.renamed(12, "Queue").rename == {12: "Queue"}
    assert edited.unhidden(99) == edited


def test_a_codeframe_cannot_be_changed_in_place() -> None:
    codeframe = Codeframe(rename={1: "Price"})
    with pytest.raises(dataclasses.FrozenInstanceError):
        codeframe.hide = frozenset({1})  # type: ignore[misc]
    with pytest.raises(TypeError):
        codeframe.rename[2] = "Other"  # type: ignore[index]


def test_equal_codeframes_hash_alike_whatever_the_order() -> None:
    first = Codeframe(rename={1: "One", 2: "Two"}, merge={5: 1}, hide=frozenset({3}))
    second = Codeframe(rename={2: "Two", 1: "One"}, merge={5: 1}, hide=frozenset({3}))
    assert first == second and hash(first) == hash(second)
    assert first != first.hidden(4)


def test_seeding_again_under_the_same_name_replaces_the_phrases() -> None:
    codeframe = Codeframe().seeded("Refunds", ["refund"]).seeded("Delays", ["late"])
    again = codeframe.seeded("refunds", ["money back"])
    assert again.seeds == (Seed("refunds", ("money back",)), Seed("Delays", ("late",)))


def test_merge_chains_resolve_to_the_last_theme() -> None:
    codeframe = Codeframe().merged(15, 12).merged(12, 3).merged(16, 15)
    assert [codeframe.resolve(i) for i in (15, 12, 16, 3, 99)] == [3, 3, 3, 3, 99]


@pytest.mark.parametrize(
    ("merges", "source", "target", "match"),
    [
        ([], 4, 4, "theme 4 cannot be merged into itself"),
        ([(15, 12)], 12, 15, "cycle: 12 → 15 → 12"),
        ([(15, 12), (12, 3)], 3, 15, "cycle: 3 → 15 → 12 → 3"),
    ],
)
def test_merges_into_itself_or_in_a_cycle_are_rejected(
    merges: list[tuple[int, int]], source: int, target: int, match: str
) -> None:
    codeframe = Codeframe()
    for a, b in merges:
        codeframe = codeframe.merged(a, b)
    with pytest.raises(CodeframeError, match=match) as caught:
        codeframe.merged(source, target)
    assert caught.value.field == "merge" and caught.value.line is None


@pytest.mark.parametrize(
    ("build", "match"),
    [
        (lambda: Codeframe(merge={1: 2, 2: 1}), "cycle"),
        (lambda: Codeframe().renamed(3, " x "), "at least 2 characters"),
        (lambda: Codeframe().renamed(3, "two\nlines"), "one line"),
        (lambda: Codeframe().hidden(-1), "0 or more"),
        (lambda: Codeframe().seeded("Refunds", []), "non-blank phrases"),
        (lambda: Codeframe().seeded("Refunds", ["ok", " "]), "non-blank phrases"),
        (lambda: Codeframe(seeds=(Seed("Ab", ("a",)), Seed("AB", ("b",)))), "same name"),
    ],
)
def test_edits_in_code_follow_the_file_rules(build, match: str) -> None:
    with pytest.raises(CodeframeError, match=match):
        build()


# Applying


def test_apply_renames_hides_and_merges_without_touching_the_input() -> None:
    themes = themes_table()
    before = themes.copy()
    codeframe = (
        Codeframe()
        .renamed(12, "Waiting time on the phone")
        .merged(15, 12)
        .merged(12, 3)
        .hidden(7)
        .hidden(20)
        .renamed(404, "Not a theme")
        .hidden(505)
    )
    result = apply_codeframe(themes, codeframe)
    pd.testing.assert_frame_equal(themes, before)
    assert result is not themes
    by_id = result.set_index("theme_id")
    assert by_id.loc[12, "label"] == "Waiting time on the phone"
    assert by_id["label_source"].to_dict() == {
        3: "auto", 7: "auto", 9: "auto", 12: "codeframe", 15: "auto", 20: "auto"
    }  # fmt: skip
    assert by_id["status"].to_dict() == {
        3: "active", 7: "hidden", 9: "active", 12: "merged", 15: "merged", 20: "retired"
    }  # fmt: skip
    assert str(result["merged_into"].dtype) == "Int64"
    assert by_id["merged_into"].tolist() == [pd.NA, pd.NA, pd.NA, 3, 3, pd.NA]
    assert len(result) == len(themes) and list(result.index) == list(themes.index)


def test_apply_keeps_existing_label_sources_and_skips_merges_into_unknown_themes() -> None:
    themes = themes_table().assign(label_source="llm")
    result = apply_codeframe(themes, Codeframe().merged(9, 999).renamed(3, "Prices"))
    by_id = result.set_index("theme_id")
    assert by_id.loc[9, "status"] == "active" and pd.isna(by_id.loc[9, "merged_into"])
    assert by_id.loc[3, "label_source"] == "codeframe" and by_id.loc[7, "label_source"] == "llm"
    assert (themes["label_source"] == "llm").all()


def test_the_empty_codeframe_changes_nothing_but_adds_the_columns() -> None:
    themes = themes_table()
    result = apply_codeframe(themes, Codeframe())
    pd.testing.assert_frame_equal(result[themes.columns], themes)
    assert (result["label_source"] == "auto").all() and result["merged_into"].isna().all()


def test_apply_needs_the_theme_columns() -> None:
    with pytest.raises(ValueError, match="status"):
        apply_codeframe(themes_table().drop(columns="status"), Codeframe())


@pytest.mark.parametrize("dtype", [np.int64, np.int32])
def test_resolve_theme_ids_follows_merges_and_keeps_outliers(dtype: type) -> None:
    codeframe = Codeframe(merge={15: 12, 12: 3, 8: 2})
    theme_ids = np.array([15, -1, 12, 3, 8, 7, 15], dtype=dtype)
    resolved = resolve_theme_ids(theme_ids, codeframe)
    np.testing.assert_array_equal(resolved, [3, -1, 3, 3, 2, 7, 3])
    assert resolved.dtype == dtype
    np.testing.assert_array_equal(theme_ids, [15, -1, 12, 3, 8, 7, 15])
    assert resolve_theme_ids(np.array([], dtype=dtype), codeframe).size == 0
    np.testing.assert_array_equal(resolve_theme_ids(theme_ids, Codeframe()), theme_ids)


def test_unknown_ids_lists_every_mentioned_id_not_known() -> None:
    codeframe = Codeframe(
        rename={1: "One", 40: "Forty"}, merge={41: 1, 2: 42}, hide=frozenset({43, 2}),
        seeds=(Seed("Seeded", ("x",)),),
    )  # fmt: skip
    assert unknown_ids(codeframe, [1, 2, 3]) == [40, 41, 42, 43]
    assert unknown_ids(codeframe, range(100)) == []
