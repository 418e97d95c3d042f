from pathlib import Path

import pytest

from pipeline.config import (
    Config,
    DriversConfig,
    RunConfig,
    ThemesConfig,
    config_from_dict,
    load_config,
)
from pipeline.errors import ConfigError


def test_defaults_need_no_file(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    cfg = load_config()
    assert cfg == Config()
    assert cfg.warehouse.path == Path("data/warehouse.duckdb")


def test_verbatim_toml_in_the_working_directory_is_picked_up(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    Path("verbatim.toml").write_text('[warehouse]\npath = "w/x.duckdb"\n', encoding="utf-8")
    assert load_config().warehouse.path == Path("w/x.duckdb")


@pytest.mark.parametrize(
    ("values", "key", "problem"),
    [
        ({"ingest": {"chunk_rowz": 5}}, "ingest.chunk_rowz", "unknown key"),
        ({"ingest": {"chunk_rows": "many"}}, "ingest.chunk_rows", "valid integer"),
        ({"ingest": {"chunk_rows": 5}}, "ingest.chunk_rows", "greater than or equal to 100"),
        ({"ingest": {"timezone": "Mars/Olympus"}}, "ingest.timezone", "IANA time zone"),
        ({"ingest": {"survey": {"score_type": "stars"}}}, "ingest.survey.score_type", "nps"),
        (
            {"ingest": {"survey": {"segments": {"Bad Name": "x"}}}},
            "ingest.survey.segments",
            "lower-case",
        ),
        ({"metrics": {"confidence": 1.5}}, "metrics.confidence", "less than 1"),
        ({"enrich": {"languages": ["da", "de"]}}, "enrich.languages.1", "'da', 'nb', 'sv'"),
        ({"enrich": {"languages": []}}, "enrich.languages", "at least 1"),
    ],
)
def test_invalid_values_name_the_file_and_the_key(tmp_path, values, key, problem):
    path = tmp_path / "verbatim.toml"
    with pytest.raises(ConfigError, match=problem) as caught:
        config_from_dict(values, path=path)
    assert caught.value.key == key
    assert str(path) in str(caught.value)


def test_broken_toml_is_a_config_error(tmp_path):
    path = tmp_path / "bad.toml"
    path.write_text("[ingest\n", encoding="utf-8")
    with pytest.raises(ConfigError, match="not valid TOML"):
        load_config(path)


def test_missing_explicit_file_is_a_config_error(tmp_path):
    with pytest.raises(ConfigError, match="file not found"):
        load_config(tmp_path / "nope.toml")


def test_config_is_frozen_and_fingerprinted():
    cfg = Config()
    with pytest.raises(ValueError, match="frozen"):
        cfg.ingest.chunk_rows = 5  # type: ignore[misc]
    other = config_from_dict({"ingest": {"chunk_rows": 500}})
    assert cfg.fingerprint() != other.fingerprint()
    assert cfg.fingerprint() == Config().fingerprint()


def test_init_writes_a_commented_starter_that_loads_with_every_line_uncommented(
    tmp_path, monkeypatch
):
    import tomllib

    from typer.testing import CliRunner

    from pipeline.cli import app
    from pipeline.cli.starter import uncommented
    from pipeline.config import Config, config_from_dict, load_config

    monkeypatch.chdir(tmp_path)
    result = CliRunner().invoke(app, ["init"])
    assert result.exit_code == 0, result.output
    text = (tmp_path / "verbatim.toml").read_text(encoding="utf-8")
    assert load_config() == Config()  # as written: every key commented, all defaults
    for section in ("[sources]", "[ingest.survey]", "[metrics]", "[followup]", "[run]"):
        assert section in text
    assert '# schedule = "0 2 * * *"' in text and "# quarantine_days = 30" in text
    active = uncommented(text)
    assert active.count(" = ") > 60
    assert config_from_dict(tomllib.loads(active)) == Config()  # the defaults shown are real
    again = CliRunner().invoke(app, ["init"])
    assert again.exit_code == 2 and "--force" in again.output
    assert CliRunner().invoke(app, ["init", "--force"]).exit_code == 0


@pytest.mark.parametrize(
    ("values", "themes", "drivers"),
    [
        ({}, 0, 0),
        ({"run": {"seed": 7}}, 7, 7),
        ({"run": {"seed": 7}, "themes": {"seed": 3}}, 3, 7),
        ({"run": {"seed": 7}, "drivers": {"seed": 4, "resamples": 10}}, 7, 4),
        ({"themes": {"neighbors": 5}}, 0, 0),
    ],
)
def test_run_seed_is_every_stochastic_steps_seed_unless_a_section_sets_its_own(
    values: dict, themes: int, drivers: int
) -> None:
    cfg = config_from_dict(values)
    assert (cfg.themes.seed, cfg.drivers.seed) == (themes, drivers)


def test_sections_given_as_objects_take_the_run_seed_too() -> None:
    cfg = Config(run=RunConfig(seed=5), themes=ThemesConfig(neighbors=7), drivers=DriversConfig())
    assert (cfg.themes.seed, cfg.themes.neighbors, cfg.drivers.seed) == (5, 7, 5)
    kept = Config(run=RunConfig(seed=5), themes=ThemesConfig(seed=2))
    assert kept.themes.seed == 2
    # the resolved configuration saved with a model reloads to the same seeds
    assert Config.model_validate(cfg.model_dump()).themes.seed == 5


def test_a_negative_seed_is_refused() -> None:
    from pipeline.errors import ConfigError

    with pytest.raises(ConfigError, match=r"run\.seed"):
        config_from_dict({"run": {"seed": -1}})


def test_topic_packs_and_the_report_language_are_checked_where_they_are_read() -> None:
    cfg = config_from_dict({"themes": {"packs": ["telecom"]}, "report": {"language": "sv"}})
    assert cfg.themes.packs == ["telecom"] and cfg.reports.language == "sv"
    assert config_from_dict({"reports": {"language": "da"}}).reports.language == "da"
    with pytest.raises(ConfigError, match=r"themes\.packs\.0"):
        config_from_dict({"themes": {"packs": ["airline"]}})
    with pytest.raises(ConfigError, match=r"reports\.language"):
        config_from_dict({"report": {"language": "fi"}})
    with pytest.raises(ConfigError, match=r"report\.language is set in \[report\] and"):
        config_from_dict({"report": {"language": "da"}, "reports": {"language": "en"}})
