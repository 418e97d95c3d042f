"""How follow-ups travel: a signed JSON POST over HTTP(S) and a message over SMTP, with retries.

`post_webhook` signs the raw body with HMAC-SHA256 (``X-Verbatim-Signature: sha256=<hex>``)
under the secret in an environment variable; `send_email` speaks SMTP with STARTTLS and an
optional login; `with_retries` repeats one attempt with exponential backoff while repeating can
help. Secrets come from the environment only, never from the configuration file. Used by
`pipeline.jobs.delivery`.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import http.client
import logging
import os
import smtplib
import ssl
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Callable
from email.message import EmailMessage
from typing import Any, Final

from pipeline import __version__
from pipeline.config import DeliveryConfig
from pipeline.errors import DeliveryError

logger = logging.getLogger(__name__)

SIGNATURE_HEADER: Final = "X-Verbatim-Signature"
TIMESTAMP_HEADER: Final = "X-Verbatim-Timestamp"
#: HTTP statuses worth repeating at once (others in 400-499 are the request's fault).
_RETRY_STATUS: Final = frozenset({408, 425, 429})
#: SMTP refusals repeating cannot fix.
_PERMANENT_SMTP: Final = (
    smtplib.SMTPAuthenticationError,
    smtplib.SMTPNotSupportedError,
    smtplib.SMTPRecipientsRefused,
    smtplib.SMTPSenderRefused,
)


def signature(body: bytes, secret: str) -> str:
    """The ``X-Verbatim-Signature`` of a webhook body: ``sha256=`` + hex HMAC-SHA256."""
    digest = hmac.new(secret.encode("utf-8"), body, hashlib.sha256).hexdigest()
    return f"sha256={digest}"


def secret_from_env(name: str, what: str, key: str) -> str:
    """The secret in environment variable ``name``.

    Raises:
        DeliveryError: When it is unset or empty; the message names the variable and the key.
    """
    value = os.environ.get(name, "")
    if not value:
        raise DeliveryError(
            f"environment variable {name} is not set: export {what} there before the run "
            f"(or name another variable in followup.delivery.{key})"
        )
    return value


def safe_url(url: str) -> str:
    """A URL's scheme, host and port only: paths and queries of webhooks often hold tokens."""
    parts = urllib.parse.urlsplit(url)
    host = parts.hostname or ""
    port = f":{parts.port}" if parts.port else ""
    return f"{parts.scheme}://{host}{port}"


class RefuseRedirects(urllib.request.HTTPRedirectHandler):
    """Treat a redirect as a refusal: urllib would follow it as a GET without the body."""

    def redirect_request(self, *args: Any, **kwargs: Any) -> None:
        """No new request: the 3xx answer is raised as an `urllib.error.HTTPError`."""
        return None


def post_webhook(body: bytes, delivery: DeliveryConfig, *, at: dt.datetime) -> None:
    """POST one signed JSON body to ``delivery.webhook_url``; any 2xx answer accepts it.

    A redirect is a refusal (the URL to configure is where it points).

    Raises:
        DeliveryError: The signing secret is not set.
        OSError: The endpoint refused (`urllib.error.HTTPError`), is unreachable or timed out.
    """
    secret = secret_from_env(delivery.secret_env, "the webhook's signing secret", "secret_env")
    request = urllib.request.Request(
        delivery.webhook_url,
        data=body,
        method="POST",
        headers={
            "Content-Type": "application/json; charset=utf-8",
            "User-Agent": f"verbatim/{__version__}",
            SIGNATURE_HEADER: signature(body, secret),
            TIMESTAMP_HEADER: str(int(at.timestamp())),
        },
    )
    opener = urllib.request.build_opener(RefuseRedirects)
    with opener.open(request, timeout=delivery.timeout_seconds) as response:
        response.read()


def send_email(message: EmailMessage, delivery: DeliveryConfig) -> None:
    """Send one message over ``delivery``'s SMTP server (STARTTLS and login as configured).

    Raises:
        DeliveryError: A login is configured but its password variable is not set.
        OSError: The server is unreachable, timed out or refused (`smtplib.SMTPException`).
    """
    password = ""
    if delivery.smtp_user:
        password = secret_from_env(
            delivery.password_env, f"the SMTP password of {delivery.smtp_user}", "password_env"
        )
    with smtplib.SMTP(
        delivery.smtp_host, delivery.smtp_port, timeout=delivery.timeout_seconds
    ) as smtp:
        if delivery.starttls:
            smtp.starttls(context=ssl.create_default_context())
        if delivery.smtp_user:
            smtp.login(delivery.smtp_user, password)
        refused = smtp.send_message(message)
    if refused:
        logger.warning("%s: refused recipients %s", message["Subject"], sorted(refused))


def _describe(error: BaseException, timeout: float) -> tuple[str, bool]:
    """What went wrong in one attempt, and whether repeating it may help."""
    if isinstance(error, DeliveryError):
        return str(error), False
    if isinstance(error, urllib.error.HTTPError):
        error.close()
        repeatable = error.code >= 500 or error.code in _RETRY_STATUS
        return f"HTTP {error.code} {error.reason}", repeatable
    reason = error.reason if isinstance(error, urllib.error.URLError) else error
    if isinstance(reason, TimeoutError):
        return f"no answer within {timeout:g} s", True
    if isinstance(error, _PERMANENT_SMTP):
        return f"{type(error).__name__}: {error}", False
    return f"{type(error).__name__}: {reason}", True


def with_retries(
    send: Callable[[], None], *, retries: int, backoff: float, timeout: float
) -> tuple[int, str | None]:
    """Call ``send`` until it succeeds: at most ``1 + retries`` times, backing off in between.

    Args:
        send: One attempt; raises `DeliveryError`, `OSError` or `http.client.HTTPException`.
        retries: Further attempts after a failed one.
        backoff: Seconds before the first retry; each later wait doubles.
        timeout: The per-attempt limit, for the message of a timed-out attempt.

    Returns:
        The attempts made, and the last attempt's error (None when it succeeded).
    """
    error = None
    for attempt in range(retries + 1):
        if attempt and backoff:
            time.sleep(backoff * 2 ** (attempt - 1))
        try:
            send()
        except (DeliveryError, OSError, http.client.HTTPException) as e:
            error, repeatable = _describe(e, timeout)
            if not repeatable:
                return attempt + 1, error
        else:
            return attempt + 1, None
    return retries + 1, error
