"""Delivering follow-ups: a real SMTP server and a real HTTP server on loopback.

Each follow-up goes out once per channel, whatever fails or repeats; a failing endpoint is
recorded, reported and retried by the next call, never raised.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import json
import socket
import threading
import time
from collections.abc import Callable, Iterator
from email import message_from_bytes
from email.message import Message
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
import typer
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword
from typer.testing import CliRunner

from pipeline.analytics.followup import FOLLOWUP_COLUMNS
from pipeline.cli.delivery import NO_CHANNEL, send
from pipeline.config import Config, config_from_dict
from pipeline.jobs import delivery as delivery_jobs
from pipeline.jobs.delivery import deliver_followups
from pipeline.jobs.runs import RunLock
from pipeline.reports.digest import ITEM_FIELDS
from pipeline.schemas import FOLLOWUPS
from pipeline.storage.warehouse import Warehouse

NOW = dt.datetime(2024, 5, 20, 6, 0, tzinfo=dt.UTC)
SECRET = "s3cret"


@pytest.fixture(autouse=True)
def _environment(monkeypatch: pytest.MonkeyPatch) -> None:
    """Loopback is never proxied; the webhook secret is set, the SMTP password is not."""
    for name in ("http_proxy", "HTTP_PROXY", "https_proxy", "HTTPS_PROXY", "all_proxy"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("VERBATIM_WEBHOOK_SECRET", SECRET)
    monkeypatch.delenv("VERBATIM_SMTP_PASSWORD", raising=False)


def _followup(record_id: str, owner: str, priority: int, **values: Any) -> dict[str, Any]:
    row: dict[str, Any] = dict.fromkeys(FOLLOWUP_COLUMNS)
    row.update(
        record_id=record_id, customer_id=f"c-{record_id}", source="survey",
        created_at=pd.Timestamp("2024-05-10", tz="UTC"), score=3.0, score_type="nps",
        reason="detractor", theme_ids=[1], themes=["Invoice errors"],
        sentences=["The invoice was wrong."], owner=owner, churn_intent=False, at_risk=False,
        risk_reasons=[], customer_records=1, negative_chats=0, low_csat_answers=0,
        status="queued", priority=priority, listed_at=pd.Timestamp("2024-05-11", tz="UTC"),
        score_scale="0-10", comment=None, language="en", segments='{"country": "DK"}',
        state="open", expires_at=pd.Timestamp("2024-06-09", tz="UTC"),
    )  # fmt: skip
    row.update(values)
    return row


def _store(cfg: Config, rows: list[dict[str, Any]]) -> None:
    frame = pd.DataFrame(rows, columns=list(FOLLOWUP_COLUMNS))
    with Warehouse(cfg.warehouse.path) as warehouse:
        warehouse.analytics.write_analytics({FOLLOWUPS.name: frame})


def _deliveries(cfg: Config) -> pd.DataFrame:
    with Warehouse(cfg.warehouse.path, read_only=True) as warehouse:
        return warehouse.deliveries.delivery_rows()


@pytest.fixture
def configure(tmp_path: Path) -> Callable[..., Config]:
    """A Config whose warehouse is in tmp_path; keyword arguments go to [followup.delivery]."""

    def make(**delivery: Any) -> Config:
        settings = {"retries": 2, "backoff_seconds": 0, "timeout_seconds": 2, **delivery}
        return config_from_dict(
            {
                "warehouse": {"path": str(tmp_path / "data" / "warehouse.duckdb")},
                "followup": {"delivery": settings},
            }
        )

    return make


# --- a real SMTP server ---------------------------------------------------------------------


class Inbox:
    """aiosmtpd handler keeping every message it accepts."""

    def __init__(self) -> None:
        self.messages: list[Message] = []
        self.envelopes: list[list[str]] = []
        self.logins: list[tuple[str, str]] = []

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        self.messages.append(message_from_bytes(envelope.original_content))
        self.envelopes.append(list(envelope.rcpt_tos))
        return "250 OK"

    def authenticate(self, server: Any, session: Any, envelope: Any, mechanism: str,
                     auth_data: Any) -> AuthResult:  # fmt: skip
        assert isinstance(auth_data, LoginPassword)
        login, password = auth_data.login.decode(), auth_data.password.decode()
        self.logins.append((login, password))
        return AuthResult(success=password == "pw")


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.fixture
def smtp_server() -> Iterator[tuple[Inbox, int]]:
    """A real SMTP server on loopback (no STARTTLS; AUTH offered without TLS)."""
    inbox = Inbox()
    port = _free_port()
    controller = Controller(
        inbox, hostname="127.0.0.1", port=port, authenticator=inbox.authenticate,
        auth_require_tls=False,
    )  # fmt: skip
    controller.start()
    try:
        yield inbox, port
    finally:
        controller.stop()


def _text(message: Message) -> str:
    part = next(p for p in message.walk() if p.get_content_type() == "text/plain")
    payload = part.get_payload(decode=True)
    assert isinstance(payload, bytes)
    return payload.decode(part.get_content_charset() or "utf-8")


def test_one_digest_per_team_to_its_recipients_and_never_twice(
    configure: Callable[..., Config], smtp_server: tuple[Inbox, int]
) -> None:
    inbox, port = smtp_server
    cfg = configure(
        smtp_host="127.0.0.1", smtp_port=port, starttls=False, sender="verbatim@example.com",
        recipients={"Billing": ["billing@example.com"]}, default_recipients=["cx@example.com"],
    )  # fmt: skip
    _store(cfg, [
        _followup("r1", "Billing", 1, at_risk=True, risk_reasons=["churn intent"],
                  comment="Wrong invoice again"),
        _followup("r2", "Support", 2),
        _followup("r3", "Billing", 3),
    ])  # fmt: skip

    report = deliver_followups(cfg, now=NOW).as_dict()

    assert report["email"] | {"errors": []} == {
        "channel": "email", "status": "ok", "target": f"127.0.0.1:{port}", "delivered": 3,
        "failed": 0, "pending": 0, "attempts": 2, "errors": [],
    }  # fmt: skip
    assert report["webhook"]["status"] == "off"
    subjects = {m["Subject"]: (m["To"], envelope) for m, envelope in
                zip(inbox.messages, inbox.envelopes, strict=True)}  # fmt: skip
    assert subjects == {
        "Verbatim: 2 follow-ups for Billing (1 at risk)": (
            "billing@example.com",
            ["billing@example.com"],
        ),
        "Verbatim: 1 follow-up for Support (0 at risk)": ("cx@example.com", ["cx@example.com"]),
    }
    billing = _text(inbox.messages[0])
    assert "Wrong invoice again" in billing and "no comment" in billing
    assert any(p.get_content_type() == "text/html" for p in inbox.messages[0].walk())
    rows = _deliveries(cfg)
    assert set(rows["status"]) == {"delivered"} and sorted(rows["record_id"]) == ["r1", "r2", "r3"]
    assert (rows["attempts"] == 1).all()

    again = deliver_followups(cfg, now=NOW).as_dict()
    assert (again["delivered"], again["failed"], again["pending"]) == (0, 0, 0)
    assert len(inbox.messages) == 2


def test_only_queued_open_unexpired_follow_ups_are_delivered(
    configure: Callable[..., Config], smtp_server: tuple[Inbox, int]
) -> None:
    inbox, port = smtp_server
    cfg = configure(smtp_host="127.0.0.1", smtp_port=port, starttls=False,
                    default_recipients=["cx@example.com"])  # fmt: skip
    _store(cfg, [
        _followup("due", "Billing", 1),
        _followup("held", "Billing", 2, status="quarantined", quarantined_by="due"),
        _followup("done", "Billing", 3, state="done"),
        _followup("expired", "Billing", 4, state="expired"),
        _followup("old", "Billing", 5, expires_at=NOW - dt.timedelta(days=1)),
    ])  # fmt: skip
    report = deliver_followups(cfg, now=NOW)
    assert report.email.delivered == 1
    assert list(_deliveries(cfg)["record_id"]) == ["due"]
    assert "Verbatim: 1 follow-up" in inbox.messages[0]["Subject"]


def test_login_with_the_password_from_the_environment(
    configure: Callable[..., Config], smtp_server: tuple[Inbox, int],
    monkeypatch: pytest.MonkeyPatch,
) -> None:  # fmt: skip
    inbox, port = smtp_server
    cfg = configure(smtp_host="127.0.0.1", smtp_port=port, starttls=False, smtp_user="cx",
                    default_recipients=["cx@example.com"])  # fmt: skip
    _store(cfg, [_followup("r1", "Billing", 1)])

    missing = deliver_followups(cfg, now=NOW)
    assert (missing.email.status, missing.email.failed, missing.email.attempts) == ("failed", 1, 1)
    assert "VERBATIM_SMTP_PASSWORD is not set" in missing.email.errors[0]
    assert inbox.messages == []

    monkeypatch.setenv("VERBATIM_SMTP_PASSWORD", "pw")
    report = deliver_followups(cfg, now=NOW)
    assert report.email.delivered == 1
    assert inbox.logins == [("cx", "pw")]
    row = _deliveries(cfg).iloc[0]
    assert (row["status"], row["attempts"], row["error"]) == ("delivered", 2, None)


def test_a_team_without_addresses_is_recorded_failed_and_the_others_delivered(
    configure: Callable[..., Config], smtp_server: tuple[Inbox, int]
) -> None:
    inbox, port = smtp_server
    cfg = configure(smtp_host="127.0.0.1", smtp_port=port, starttls=False,
                    recipients={"Billing": ["billing@example.com"]})  # fmt: skip
    _store(cfg, [_followup("r1", "Billing", 1), _followup("r2", "Support", 2)])
    report = deliver_followups(cfg, now=NOW)
    assert (report.email.delivered, report.email.failed, report.email.pending) == (1, 1, 1)
    assert report.email.errors == [
        "digest for Support: no recipients for team Support: set "
        'followup.delivery.recipients ("Support" = ["…"]) or followup.delivery.default_recipients'
    ]
    assert len(inbox.messages) == 1


def test_starttls_refused_by_the_server_is_not_repeated(
    configure: Callable[..., Config], smtp_server: tuple[Inbox, int]
) -> None:
    _, port = smtp_server
    cfg = configure(smtp_host="127.0.0.1", smtp_port=port, starttls=True,
                    default_recipients=["cx@example.com"])  # fmt: skip
    _store(cfg, [_followup("r1", "Billing", 1)])
    report = deliver_followups(cfg, now=NOW)
    assert (report.email.failed, report.email.attempts) == (1, 1)
    assert "STARTTLS" in report.email.errors[0]


# --- a real HTTP server ---------------------------------------------------------------------


class Endpoint:
    """What the webhook receiver does: answers given in turn (then 200), an optional delay."""

    def __init__(self, answers: list[int] | None = None, delay: float = 0.0) -> None:
        self.answers = list(answers or [])
        self.delay = delay
        self.requests: list[dict[str, Any]] = []
        self.lock = threading.Lock()


def _handler(endpoint: Endpoint) -> type[BaseHTTPRequestHandler]:
    class Receiver(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers["Content-Length"]))
            expected = "sha256=" + hmac.new(SECRET.encode(), body, hashlib.sha256).hexdigest()
            signed = hmac.compare_digest(self.headers["X-Verbatim-Signature"], expected)
            with endpoint.lock:
                endpoint.requests.append(
                    {"body": json.loads(body), "signed": signed, "headers": dict(self.headers)}
                )
                status = endpoint.answers.pop(0) if endpoint.answers else 200
            time.sleep(endpoint.delay)
            status = status if signed else 401
            self.send_response(status)
            if 300 <= status < 400:
                self.send_header("Location", "/elsewhere")
            self.send_header("Content-Length", "0")
            self.end_headers()

        def log_message(self, format: str, *args: Any) -> None:
            return

    return Receiver


@pytest.fixture
def http_server() -> Iterator[Callable[..., tuple[Endpoint, str]]]:
    """Start real HTTP servers on loopback: ``start(answers, delay) -> (endpoint, url)``."""
    servers: list[ThreadingHTTPServer] = []

    def start(answers: list[int] | None = None, delay: float = 0.0) -> tuple[Endpoint, str]:
        endpoint = Endpoint(answers, delay)
        server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(endpoint))
        threading.Thread(target=server.serve_forever, daemon=True).start()
        servers.append(server)
        return endpoint, f"http://127.0.0.1:{server.server_port}/hooks/verbatim?token=x"

    yield start
    for server in servers:
        server.shutdown()
        server.server_close()


def _items(endpoint: Endpoint) -> list[str]:
    return [item["record_id"] for r in endpoint.requests for item in r["body"]["followups"]]


def test_webhook_posts_signed_batches_of_batch_size(
    configure: Callable[..., Config], http_server: Callable[..., tuple[Endpoint, str]]
) -> None:
    endpoint, url = http_server()
    cfg = configure(webhook_url=url, batch_size=2)
    _store(cfg, [_followup(f"r{i}", "Billing", i) for i in range(1, 6)])
    report = deliver_followups(cfg, now=NOW)
    assert (report.webhook.delivered, report.webhook.attempts, report.webhook.pending) == (5, 3, 0)
    assert report.webhook.target == f"http://127.0.0.1:{url.split(':')[2].split('/')[0]}"
    assert [r["signed"] for r in endpoint.requests] == [True, True, True]
    assert [r["body"]["count"] for r in endpoint.requests] == [2, 2, 1]
    assert _items(endpoint) == ["r1", "r2", "r3", "r4", "r5"]
    first = endpoint.requests[0]
    assert tuple(first["body"]["followups"][0]) == ITEM_FIELDS
    assert first["body"]["followups"][0]["segments"] == {"country": "DK"}
    assert first["headers"]["Content-Type"] == "application/json; charset=utf-8"
    assert first["headers"]["X-Verbatim-Timestamp"] == str(int(NOW.timestamp()))
    deliver_followups(cfg, now=NOW)
    assert len(endpoint.requests) == 3


def test_a_server_that_fails_twice_then_accepts(
    configure: Callable[..., Config], http_server: Callable[..., tuple[Endpoint, str]]
) -> None:
    endpoint, url = http_server([500, 500])
    cfg = configure(webhook_url=url, retries=3)
    _store(cfg, [_followup("r1", "Billing", 1)])
    report = deliver_followups(cfg, now=NOW)
    assert (report.webhook.status, report.webhook.delivered, report.webhook.attempts) == (
        "ok", 1, 3,
    )  # fmt: skip
    assert len(endpoint.requests) == 3
    row = _deliveries(cfg).iloc[0]
    assert (row["status"], row["attempts"], row["error"]) == ("delivered", 3, None)
    assert row["delivered_at"] == pd.Timestamp(NOW)


def test_a_failing_server_is_recorded_and_retried_by_the_next_call(
    configure: Callable[..., Config], http_server: Callable[..., tuple[Endpoint, str]]
) -> None:
    endpoint, url = http_server([503, 503])
    cfg = configure(webhook_url=url, retries=1)
    _store(cfg, [_followup("r1", "Billing", 1)])
    failed = deliver_followups(cfg, now=NOW)
    assert (failed.webhook.status, failed.webhook.failed, failed.webhook.pending) == (
        "failed", 1, 1,
    )  # fmt: skip
    assert failed.webhook.errors == ["POST 1 (1 follow-up): HTTP 503 Service Unavailable"]
    row = _deliveries(cfg).iloc[0]
    assert (row["status"], row["attempts"]) == ("failed", 2)
    assert pd.isna(row["delivered_at"])

    later = NOW + dt.timedelta(days=1)
    report = deliver_followups(cfg, now=later)
    assert (report.webhook.delivered, report.webhook.pending) == (1, 0)
    row = _deliveries(cfg).iloc[0]
    assert (row["status"], row["attempts"], row["error"]) == ("delivered", 3, None)
    assert (row["first_attempt_at"], row["last_attempt_at"]) == (pd.Timestamp(NOW),
                                                                 pd.Timestamp(later))  # fmt: skip
    assert len(endpoint.requests) == 3


@pytest.mark.parametrize(
    ("answer", "error"), [(400, "HTTP 400 Bad Request"), (302, "HTTP 302 Found")]
)
def test_a_client_error_or_a_redirect_is_not_repeated(
    configure: Callable[..., Config], http_server: Callable[..., tuple[Endpoint, str]],
    answer: int, error: str,
) -> None:  # fmt: skip
    endpoint, url = http_server([answer])
    cfg = configure(webhook_url=url, retries=3)
    _store(cfg, [_followup("r1", "Billing", 1)])
    report = deliver_followups(cfg, now=NOW)
    assert (report.webhook.failed, report.webhook.attempts) == (1, 1)
    assert report.webhook.errors == [f"POST 1 (1 follow-up): {error}"]
    assert len(endpoint.requests) == 1


def test_a_server_slower_than_the_timeout(
    configure: Callable[..., Config], http_server: Callable[..., tuple[Endpoint, str]]
) -> None:
    _, url = http_server(delay=1.0)
    cfg = configure(webhook_url=url, retries=0, timeout_seconds=0.2)
    _store(cfg, [_followup("r1", "Billing", 1)])
    started = time.perf_counter()
    report = deliver_followups(cfg, now=NOW)
    assert time.perf_counter() - started < 1.0
    assert report.webhook.errors == ["POST 1 (1 follow-up): no answer within 0.2 s"]
    assert _deliveries(cfg).iloc[0]["status"] == "failed"


def test_an_unreachable_server_and_a_missing_secret_are_failures_not_errors(
    configure: Callable[..., Config], monkeypatch: pytest.MonkeyPatch
) -> None:
    cfg = configure(webhook_url=f"http://127.0.0.1:{_free_port()}/hook", retries=1)
    _store(cfg, [_followup("r1", "Billing", 1)])
    unreachable = deliver_followups(cfg, now=NOW)
    assert (unreachable.webhook.failed, unreachable.webhook.attempts) == (1, 2)
    assert "Connection refused" in unreachable.webhook.errors[0]

    monkeypatch.delenv("VERBATIM_WEBHOOK_SECRET")
    missing = deliver_followups(cfg, now=NOW)
    assert (missing.webhook.failed, missing.webhook.attempts) == (1, 1)
    assert "environment variable VERBATIM_WEBHOOK_SECRET is not set" in missing.webhook.errors[0]
    assert _deliveries(cfg).iloc[0]["attempts"] == 3


def test_a_crash_midway_keeps_the_batches_sent_and_the_next_call_sends_the_rest(
    configure: Callable[..., Config], http_server: Callable[..., tuple[Endpoint, str]],
    monkeypatch: pytest.MonkeyPatch,
) -> None:  # fmt: skip
    endpoint, url = http_server()
    cfg = configure(webhook_url=url, batch_size=2)
    _store(cfg, [_followup(f"r{i}", "Billing", i) for i in range(1, 6)])
    post = delivery_jobs.post_webhook
    calls: list[int] = []

    def crash_after_one_batch(*args: Any, **kwargs: Any) -> None:
        calls.append(1)
        if len(calls) > 1:
            raise RuntimeError("killed")
        post(*args, **kwargs)

    monkeypatch.setattr(delivery_jobs, "post_webhook", crash_after_one_batch)
    with pytest.raises(RuntimeError, match="killed"):
        deliver_followups(cfg, now=NOW)
    assert sorted(_deliveries(cfg)["record_id"]) == ["r1", "r2"]

    monkeypatch.setattr(delivery_jobs, "post_webhook", post)
    report = deliver_followups(cfg, now=NOW)
    assert report.webhook.delivered == 3
    assert _items(endpoint) == ["r1", "r2", "r3", "r4", "r5"]
    assert set(_deliveries(cfg)["status"]) == {"delivered"}


def test_both_channels_deliver_independently(
    configure: Callable[..., Config], smtp_server: tuple[Inbox, int],
    http_server: Callable[..., tuple[Endpoint, str]],
) -> None:  # fmt: skip
    inbox, port = smtp_server
    _, url = http_server([500, 500, 500])
    cfg = configure(smtp_host="127.0.0.1", smtp_port=port, starttls=False,
                    default_recipients=["cx@example.com"], webhook_url=url)  # fmt: skip
    _store(cfg, [_followup("r1", "Billing", 1)])
    report = deliver_followups(cfg, now=NOW).as_dict()
    assert (report["delivered"], report["failed"], report["pending"]) == (1, 1, 1)
    assert len(inbox.messages) == 1
    rows = _deliveries(cfg).set_index("channel")["status"].to_dict()
    assert rows == {"email": "delivered", "webhook": "failed"}


def test_a_second_delivery_at_the_same_time_sends_nothing(
    configure: Callable[..., Config], http_server: Callable[..., tuple[Endpoint, str]]
) -> None:
    endpoint, url = http_server()
    cfg = configure(webhook_url=url)
    _store(cfg, [_followup("r1", "Billing", 1)])
    with RunLock(delivery_jobs.delivery_lock_path(cfg)):
        report = deliver_followups(cfg, now=NOW)
    assert report.webhook.status == "busy"
    assert "another delivery is in progress" in report.webhook.errors[0]
    assert endpoint.requests == []


def test_nothing_configured_is_off() -> None:
    report = deliver_followups(config_from_dict({}))
    assert not report.configured
    assert {channel.status for channel in report.channels} == {"off"}


# --- the command ------------------------------------------------------------------------------


def _cli() -> typer.Typer:
    app = typer.Typer()
    app.command()(send)
    return app


def _toml(path: Path, cfg_dir: Path, delivery: str) -> Path:
    warehouse = (cfg_dir / "data" / "warehouse.duckdb").as_posix()
    path.write_text(f'[warehouse]\npath = "{warehouse}"\n\n[followup.delivery]\n{delivery}\n')
    return path


def test_send_command_exit_status(
    tmp_path: Path, configure: Callable[..., Config],
    http_server: Callable[..., tuple[Endpoint, str]],
) -> None:  # fmt: skip
    runner = CliRunner()
    nothing = runner.invoke(_cli(), ["--config", str(_toml(tmp_path / "a.toml", tmp_path, ""))])
    assert nothing.exit_code == 0 and NO_CHANNEL in " ".join(nothing.output.split())

    endpoint, url = http_server([500])
    _store(configure(), [_followup("r1", "Billing", 1, expires_at=None)])
    settings = f'webhook_url = "{url}"\nretries = 0\nbackoff_seconds = 0'
    config = str(_toml(tmp_path / "b.toml", tmp_path, settings))
    failed = runner.invoke(_cli(), ["--config", config, "--json"])
    assert failed.exit_code == 1, failed.output
    assert json.loads(failed.stdout)["webhook"]["failed"] == 1
    sent = runner.invoke(_cli(), ["--config", config])
    assert sent.exit_code == 0, sent.output
    assert len(endpoint.requests) == 2
