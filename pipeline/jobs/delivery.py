"""Deliver follow-ups where CX teams work: an e-mail digest per owning team and a signed webhook.

`deliver_followups` sends every follow-up that is due (queued, open, not expired, not yet
delivered on that channel: `pipeline.storage.deliveries`) on each configured channel of
``[followup.delivery]``:

- **email** (on when ``smtp_host`` is set): one digest per owning team
  (`pipeline.reports.digest.email_digest`) to ``recipients[team]`` or else
  ``default_recipients``, over SMTP with STARTTLS (``starttls``) and a login when ``smtp_user``
  is set (the password from the environment variable ``password_env``). A team with no address
  is not skipped: its follow-ups are recorded as failed ("no recipients for team …") and go
  out on the first run after an address is configured.
- **webhook** (on when ``webhook_url`` is set): POSTs of ``batch_size`` follow-ups
  (`pipeline.reports.digest.webhook_payload`), signed with HMAC-SHA256 of the raw body under
  the secret in the environment variable ``secret_env``: header ``X-Verbatim-Signature:
  sha256=<hex>``, plus ``X-Verbatim-Timestamp`` (Unix seconds of the attempt).

Each message or POST (a *batch*) is tried ``1 + retries`` times, waiting ``backoff_seconds``
and then twice as long each time, every attempt bounded by ``timeout_seconds``; a refusal that
repeating cannot fix (HTTP 4xx other than 408, 425 and 429, an SMTP login or address refused,
a missing secret) is not repeated. Right after a batch is sent or given up, its follow-ups'
``deliveries`` rows are written in their own short transaction. Delivery is therefore
**at least once**: a follow-up is never sent again on a channel once recorded delivered, and
a process killed after a batch went out but before its rows were written sends that one batch
again next time (receivers de-duplicate by ``record_id``). A failing endpoint never raises: its
follow-ups are recorded failed, reported, and tried again by the next run.
"""

from __future__ import annotations

import datetime as dt
import logging
import time
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, Final

import pandas as pd

from pipeline.config import Config, DeliveryConfig
from pipeline.errors import DeliveryError, RunLockedError
from pipeline.jobs.runs import RunLock
from pipeline.jobs.transports import post_webhook, safe_url, send_email, with_retries
from pipeline.reports.digest import email_digest, followup_items, webhook_payload
from pipeline.storage.warehouse import open_warehouse

logger = logging.getLogger(__name__)

EMAIL: Final = "email"
WEBHOOK: Final = "webhook"
#: The delivery channels, in the order they are sent and reported.
CHANNELS: Final = (EMAIL, WEBHOOK)
DELIVERED: Final = "delivered"
FAILED: Final = "failed"
#: A channel's report status: not configured; all sent (or nothing due); some failed; another
#: delivery held the lock, so nothing was tried.
OFF, OK, SOME_FAILED, BUSY = "off", "ok", "failed", "busy"


@dataclass
class ChannelReport:
    """What one channel did in one `deliver_followups` call.

    Attributes:
        channel: email | webhook.
        status: off (not configured) | ok (everything due was delivered, or nothing was due)
            | failed (some follow-ups were not delivered; the next run retries them) | busy
            (another delivery was running; nothing was tried).
        target: The SMTP server or the webhook's scheme and host (never its path or query,
            which may carry a token).
        delivered: Follow-ups delivered now.
        failed: Follow-ups whose batch failed now.
        pending: Follow-ups still due afterwards (the failed ones included).
        attempts: Messages or POSTs attempted, retries included.
        errors: The distinct errors, each naming its batch.
    """

    channel: str
    status: str = OFF
    target: str = ""
    delivered: int = 0
    failed: int = 0
    pending: int = 0
    attempts: int = 0
    errors: list[str] = field(default_factory=list)


@dataclass
class DeliveryReport:
    """What `deliver_followups` did, per channel."""

    email: ChannelReport
    webhook: ChannelReport
    seconds: float = 0.0

    @property
    def channels(self) -> tuple[ChannelReport, ...]:
        """The channel reports, email first."""
        return (self.email, self.webhook)

    @property
    def configured(self) -> bool:
        """Whether any channel is configured."""
        return any(report.status != OFF for report in self.channels)

    @property
    def failed(self) -> int:
        """Follow-ups not delivered by this call, over all channels."""
        return sum(report.failed for report in self.channels)

    def as_dict(self) -> dict[str, Any]:
        """Totals (``delivered``, ``failed``, ``pending``) and one dict per channel."""
        return {
            "configured": self.configured,
            "delivered": sum(report.delivered for report in self.channels),
            "failed": self.failed,
            "pending": sum(report.pending for report in self.channels),
            "seconds": round(self.seconds, 3),
            EMAIL: asdict(self.email),
            WEBHOOK: asdict(self.webhook),
        }


@dataclass(frozen=True)
class Batch:
    """One e-mail digest or one webhook POST, and the follow-ups it carries."""

    channel: str
    label: str
    target: str
    items: list[dict[str, Any]]
    recipients: tuple[str, ...] = ()

    @property
    def record_ids(self) -> list[str]:
        """The follow-ups' record ids."""
        return [str(item["record_id"]) for item in self.items]


def delivery_lock_path(cfg: Config) -> Path:
    """The lock that keeps two deliveries of one workspace from sending the same follow-ups."""
    warehouse = cfg.warehouse.path
    return warehouse.with_name(f"{warehouse.name}.delivery.lock")


def email_batches(items: Sequence[dict[str, Any]], delivery: DeliveryConfig) -> list[Batch]:
    """One digest per owning team, teams in the order of their most urgent follow-up."""
    teams: dict[str, list[dict[str, Any]]] = {}
    for item in items:
        teams.setdefault(str(item["owner"]), []).append(item)
    batches = []
    for team, theirs in teams.items():
        recipients = tuple(delivery.recipients.get(team) or delivery.default_recipients)
        label = f"digest for {team}"
        batches.append(Batch(EMAIL, label, ", ".join(recipients), theirs, recipients))
    return batches


def _count(n: int) -> str:
    return f"{n} follow-up" if n == 1 else f"{n} follow-ups"


def webhook_batches(items: Sequence[dict[str, Any]], delivery: DeliveryConfig) -> list[Batch]:
    """POSTs of ``batch_size`` follow-ups each, by priority."""
    size = delivery.batch_size
    target = safe_url(delivery.webhook_url)
    return [
        Batch(WEBHOOK, f"POST {number} ({_count(len(chunk))})", target, list(chunk))
        for number, chunk in enumerate(
            (items[start : start + size] for start in range(0, len(items), size)), 1
        )
    ]


def _sender(
    batch: Batch, delivery: DeliveryConfig, clock: Callable[[], dt.datetime]
) -> Callable[[], None]:
    """One attempt at sending ``batch``."""
    if batch.channel == WEBHOOK:
        body = webhook_payload(batch.items, sent_at=clock())
        return lambda: post_webhook(body, delivery, at=clock())
    team = str(batch.items[0]["owner"])
    if not batch.recipients:
        message = (
            f"no recipients for team {team}: set followup.delivery.recipients "
            f'("{team}" = ["…"]) or followup.delivery.default_recipients'
        )

        def refuse() -> None:
            raise DeliveryError(message)

        return refuse
    digest = email_digest(
        team, batch.items, sender=delivery.sender, recipients=batch.recipients, now=clock()
    )
    return lambda: send_email(digest, delivery)


def _deliver(
    batch: Batch, cfg: Config, report: ChannelReport, clock: Callable[[], dt.datetime]
) -> None:
    """Send one batch with retries, record its outcome at once, and count it in ``report``."""
    delivery = cfg.followup.delivery
    started = clock()
    attempts, error = with_retries(
        _sender(batch, delivery, clock),
        retries=delivery.retries,
        backoff=delivery.backoff_seconds,
        timeout=delivery.timeout_seconds,
    )
    with open_warehouse(cfg) as warehouse:
        warehouse.deliveries.record_attempts(
            batch.record_ids,
            channel=batch.channel,
            target=batch.target,
            status=FAILED if error else DELIVERED,
            attempts=attempts,
            started_at=started,
            finished_at=clock(),
            error=error,
        )
    report.attempts += attempts
    if error is None:
        report.delivered += len(batch.items)
        logger.info("%s %s: delivered after %d attempts", batch.channel, batch.label, attempts)
        return
    report.failed += len(batch.items)
    report.status = SOME_FAILED
    message = f"{batch.label}: {error}"
    if message not in report.errors:
        report.errors.append(message)
    logger.warning(
        "%s %s failed after %d attempts: %s", batch.channel, batch.label, attempts, error
    )


def deliver_followups(cfg: Config, *, now: dt.datetime | None = None) -> DeliveryReport:
    """Send the due follow-ups on every configured channel (see the module doc).

    Args:
        cfg: The configuration (``[followup.delivery]``, the warehouse).
        now: The time of every attempt and record (default: the clock at each); follow-ups
            expired by then are not sent.

    Returns:
        Per channel: delivered, failed and still pending follow-ups, attempts and errors;
        channels not configured are "off".

    Raises:
        WarehouseError: When the warehouse cannot be read or written (an endpoint's failure
            never raises: it is recorded and reported).
    """
    began = time.perf_counter()
    delivery = cfg.followup.delivery

    def clock() -> dt.datetime:
        return now if now is not None else dt.datetime.now(dt.UTC)

    report = DeliveryReport(ChannelReport(EMAIL), ChannelReport(WEBHOOK))
    if delivery.smtp_host:
        report.email.status = OK
        report.email.target = f"{delivery.smtp_host}:{delivery.smtp_port}"
    if delivery.webhook_url:
        report.webhook.status = OK
        report.webhook.target = safe_url(delivery.webhook_url)
    active = [channel for channel in report.channels if channel.status == OK]
    if not active:
        return report
    lock = RunLock(delivery_lock_path(cfg), wait=0)
    try:
        lock.acquire()
    except RunLockedError as e:
        for channel in active:
            channel.status = BUSY
            channel.errors.append(f"another delivery is in progress ({e.holder}); nothing sent")
        return report
    try:
        with open_warehouse(cfg) as warehouse:
            due = {
                channel.channel: warehouse.deliveries.due_followups(channel.channel, now=clock())
                for channel in active
            }
        for channel in active:
            _deliver_channel(due[channel.channel], cfg, channel, clock)
        with open_warehouse(cfg) as warehouse:
            for channel in active:
                channel.pending = warehouse.deliveries.count_due(channel.channel, now=clock())
    finally:
        lock.release()
    report.seconds = time.perf_counter() - began
    return report


def _deliver_channel(
    followups: pd.DataFrame, cfg: Config, report: ChannelReport, clock: Callable[[], dt.datetime]
) -> None:
    items = followup_items(followups)
    split = email_batches if report.channel == EMAIL else webhook_batches
    for batch in split(items, cfg.followup.delivery):
        _deliver(batch, cfg, report, clock)
