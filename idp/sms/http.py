"""The production SMS gateway adapter: a JSON POST to a configurable HTTPS endpoint.

Request: ``POST <endpoint>`` with ``{"to": "+316...", "text": "...", "reference": "..."}`` and
HTTP Basic credentials (or a bearer token). Answers: 2xx sent; 401/403 bad credentials (no
retry); 429 and 5xx, time-outs and connection errors are retried with exponential back-off up to
``max_attempts``; any other 4xx is a refusal (no retry). Connect and read time-outs are set
on every call and redirects are never followed. Neither the number nor the text is logged.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass

import requests

from idp.sms.gateway import SmsAuthError
from idp.sms.gateway import SmsMessage
from idp.sms.gateway import SmsRejected
from idp.sms.gateway import SmsUnavailable

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class HttpGatewayConfig:
    endpoint: str
    username: str = ""
    #: The password or API key; read from a secret file by the caller, never from YAML.
    password: str = ""
    #: A bearer token instead of Basic credentials.
    token: str = ""
    connect_timeout: float = 3.0
    read_timeout: float = 5.0
    max_attempts: int = 3
    #: The first back-off in seconds; doubled after every failed attempt, at most ``backoff_max``.
    backoff: float = 0.5
    backoff_max: float = 4.0

    def __post_init__(self) -> None:
        if not self.endpoint.startswith(("https://", "http://")):
            raise ValueError("the SMS gateway endpoint must be an http(s) URL")
        if self.max_attempts < 1:
            raise ValueError("max_attempts must be at least 1")


class HttpSmsGateway:
    """:class:`idp.sms.gateway.SmsGateway` over HTTP, with retries."""

    def __init__(
        self,
        config: HttpGatewayConfig,
        *,
        session: requests.Session | None = None,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.config = config
        self._session = session or requests.Session()
        self._sleep = sleep

    def _headers(self) -> dict[str, str]:
        headers = {"Content-Type": "application/json", "Accept": "application/json"}
        if self.config.token:
            headers["Authorization"] = f"Bearer {self.config.token}"
        return headers

    def _auth(self) -> tuple[str, str] | None:
        if self.config.token or not self.config.username:
            return None
        return (self.config.username, self.config.password)

    def send(self, message: SmsMessage) -> None:
        config = self.config
        delay = config.backoff
        last = "no attempt"
        for attempt in range(1, config.max_attempts + 1):
            try:
                answer = self._session.post(
                    config.endpoint,
                    json={"to": message.to, "text": message.text, "reference": message.reference},
                    headers=self._headers(),
                    auth=self._auth(),
                    timeout=(config.connect_timeout, config.read_timeout),
                    allow_redirects=False,
                )
            except requests.RequestException as exc:
                last = type(exc).__name__
            else:
                status = answer.status_code
                answer.close()
                if 200 <= status < 300:
                    log.info("sms %s sent (attempt %d)", message.reference, attempt)
                    return
                if status in (401, 403):
                    log.error("sms gateway refused our credentials (HTTP %d)", status)
                    raise SmsAuthError(f"HTTP {status}")
                if status != 429 and status < 500:
                    log.warning("sms %s refused (HTTP %d)", message.reference, status)
                    raise SmsRejected(f"HTTP {status}")
                last = f"HTTP {status}"
            log.warning("sms %s attempt %d failed: %s", message.reference, attempt, last)
            if attempt < config.max_attempts:
                self._sleep(delay)
                delay = min(delay * 2, config.backoff_max)
        raise SmsUnavailable(f"gave up after {config.max_attempts} attempts: {last}")
