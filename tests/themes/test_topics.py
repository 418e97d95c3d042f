"""The shipped topic library: every pack valid, named and exemplified in four languages."""

from __future__ import annotations

from pathlib import Path

import pytest

from pipeline.themes.topics import (
    GENERIC,
    KINDS,
    TOPIC_LANGUAGES,
    TopicLibraryError,
    pack_names,
    read_pack,
    shipped_pack,
    starter_topics,
)

GOOD = """\
pack: demo
description: A pack for tests
topics:
  - id: waiting_time
    kind: cause
    name: {en: Waiting time, da: Ventetid, nb: Ventetid, sv: Väntetid}
    phrases:
      en: [long wait]
      da: [lang ventetid]
      nb: [lang ventetid]
      sv: [lång väntetid]
"""


def test_every_shipped_pack_is_valid_and_complete() -> None:
    names = pack_names()
    assert names[0] == GENERIC
    assert {"telecom", "retail", "banking", "travel", "hospitality"} <= set(names)
    # the configuration offers exactly the shipped industry packs
    from typing import get_args

    from pipeline.config import IndustryPack

    assert set(get_args(IndustryPack)) == set(names) - {GENERIC}
    for name in names:
        pack = shipped_pack(name)
        assert pack.name == name and pack.topics
        for topic in pack.topics:
            assert topic.kind in KINDS
            for lang in TOPIC_LANGUAGES:
                assert topic.names[lang].strip()
                assert len(topic.phrases[lang]) >= 10, (topic.topic_id, lang)
                assert all(p == p.lower() for p in topic.phrases[lang])


def test_the_generic_pack_separates_causes_verdicts_and_churn() -> None:
    topics = {t.topic_id: t for t in shipped_pack(GENERIC).topics}
    assert topics["general_verdict"].kind == "verdict"
    assert topics["churn_threat"].kind == "churn"
    causes = [t for t in topics.values() if t.kind == "cause"]
    assert len(causes) >= 10
    # a name per language, each in its own language (no two-language labels)
    waiting = topics["waiting_time"]
    assert waiting.name("da") != waiting.name("en")
    assert waiting.name("fi") == waiting.name("en")


def test_starter_topics_are_generic_then_the_chosen_packs() -> None:
    generic = starter_topics()
    assert {t.pack for t in generic} == {GENERIC}
    with_telecom = starter_topics(["telecom", "telecom", GENERIC])
    assert with_telecom[: len(generic)] == generic
    assert {t.pack for t in with_telecom[len(generic) :]} == {"telecom"}
    ids = [t.topic_id for t in starter_topics(pack_names())]
    assert len(ids) == len(set(ids))
    with pytest.raises(TopicLibraryError, match="no such pack; choose from generic"):
        starter_topics(["telco"])


def test_a_valid_file_reads(tmp_path: Path) -> None:
    pack = read_pack(tmp_path / "demo.yaml", GOOD)
    (topic,) = pack.topics
    assert topic.topic_id == "waiting_time" and topic.phrases["sv"] == ("lång väntetid",)
    assert topic.all_phrases() == ("lang ventetid", "lang ventetid", "lång väntetid", "long wait")


@pytest.mark.parametrize(
    ("change", "line", "key", "problem"),
    [
        (("kind: cause", "kind: reason"), 5, "topics[0].kind", "not one of cause, verdict"),
        (("id: waiting_time", "id: Waiting Time"), 4, "topics[0].id", "not a valid id"),
        ((", sv: Väntetid}", "}"), 6, "topics[0].name", "missing sv"),
        (("sv: [lång väntetid]", "sv: []"), 11, "topics[0].phrases.sv", "non-empty list"),
        (("en: [long wait]", "en: [long wait, Long wait]"), 8, "topics[0].phrases.en", "twice"),
        (("en: [long wait]", "en: [yes]"), 8, "topics[0].phrases.en", "expected text"),
        (("    kind: cause", "    kind: cause\n    colour: red"), 6, "topics[0].colour",
         "unknown key"),
        (("description: A pack for tests\n", ""), 1, "", "missing description"),
    ],
)  # fmt: skip
def test_a_bad_file_names_file_line_and_key(
    tmp_path: Path, change: tuple[str, str], line: int, key: str, problem: str
) -> None:
    path = tmp_path / "bad.yaml"
    with pytest.raises(TopicLibraryError) as caught:
        read_pack(path, GOOD.replace(*change))
    error = caught.value
    assert (error.path, error.line, error.field) == (path, line, key)
    assert problem in str(error) and str(path) in str(error)


def test_broken_yaml_and_a_missing_file(tmp_path: Path) -> None:
    with pytest.raises(TopicLibraryError, match=r"line 2.*not valid YAML"):
        read_pack(tmp_path / "x.yaml", "pack: a\n  - : [\n")
    with pytest.raises(TopicLibraryError, match="cannot read the file"):
        read_pack(tmp_path / "missing.yaml")
    with pytest.raises(TopicLibraryError, match="twice"):
        read_pack(tmp_path / "x.yaml", GOOD + GOOD[GOOD.index("  - id") :])
