"""The production HTTP SMS gateway adapter against a stub server on 127.0.0.1, and the
development outbox."""

from __future__ import annotations

import base64
import json
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from dataclasses import field
from http.server import BaseHTTPRequestHandler
from http.server import ThreadingHTTPServer
from pathlib import Path

import pytest

from etoegang.clock import FixedClock
from idp.sms.gateway import SmsAuthError
from idp.sms.gateway import SmsMessage
from idp.sms.gateway import SmsRejected
from idp.sms.gateway import SmsUnavailable
from idp.sms.http import HttpGatewayConfig
from idp.sms.http import HttpSmsGateway
from idp.sms.outbox import OutboxGateway
from idp.sms.outbox import read_outbox
from tests.conftest import GOLDEN_INSTANT

MESSAGE = SmsMessage("+31612345678", "Uw code is 123456", "_ref-1")


@dataclass
class Stub:
    """Answers with the next status of ``statuses`` (the last one repeats)."""

    statuses: list[int]
    hang: threading.Event = field(default_factory=threading.Event)
    hang_first: int = 0
    requests: list[tuple[dict[str, str], bytes]] = field(default_factory=list)
    url: str = ""


@pytest.fixture()
def stub() -> Iterator[Stub]:
    state = Stub(statuses=[200])

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:  # noqa: N802  (http.server's name)
            body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
            state.requests.append((dict(self.headers), body))
            if len(state.requests) <= state.hang_first:
                state.hang.wait(5)  # longer than the client's read timeout
                return
            status = state.statuses[min(len(state.requests), len(state.statuses)) - 1]
            self.send_response(status)
            self.send_header("Content-Length", "2")
            self.end_headers()
            self.wfile.write(b"{}")

        def log_message(self, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    state.url = f"http://127.0.0.1:{server.server_address[1]}/send"
    yield state
    state.hang.set()
    server.shutdown()
    server.server_close()


def _gateway(stub: Stub, sleeps: list[float], **config: object) -> HttpSmsGateway:
    settings = HttpGatewayConfig(
        endpoint=stub.url, username="makelaar", password="s3cret",  # noqa: S106
        **config,  # type: ignore[arg-type]
    )
    return HttpSmsGateway(settings, sleep=sleeps.append)


def test_a_message_is_posted_as_json_with_basic_credentials(stub: Stub) -> None:
    _gateway(stub, []).send(MESSAGE)
    headers, body = stub.requests[0]
    assert json.loads(body) == {"to": "+31612345678", "text": "Uw code is 123456",
                                "reference": "_ref-1"}
    assert headers["Authorization"] == "Basic " + base64.b64encode(b"makelaar:s3cret").decode()


def test_a_503_is_retried_with_growing_back_off(stub: Stub) -> None:
    stub.statuses = [503, 503, 200]
    sleeps: list[float] = []
    _gateway(stub, sleeps).send(MESSAGE)
    assert len(stub.requests) == 3 and sleeps == [0.5, 1.0]


def test_a_gateway_that_keeps_failing_gives_up(stub: Stub) -> None:
    stub.statuses = [503]
    sleeps: list[float] = []
    with pytest.raises(SmsUnavailable):
        _gateway(stub, sleeps).send(MESSAGE)
    assert len(stub.requests) == 3 and sleeps == [0.5, 1.0]


def test_a_timeout_is_retried_and_then_reported(stub: Stub) -> None:
    stub.hang_first = 2
    sleeps: list[float] = []
    with pytest.raises(SmsUnavailable, match="ReadTimeout"):
        _gateway(stub, sleeps, read_timeout=0.2, max_attempts=2).send(MESSAGE)
    assert len(stub.requests) == 2 and sleeps == [0.5]


def test_bad_credentials_are_not_retried(stub: Stub) -> None:
    stub.statuses = [401]
    with pytest.raises(SmsAuthError):
        _gateway(stub, []).send(MESSAGE)
    assert len(stub.requests) == 1


def test_a_refused_message_is_not_retried(stub: Stub) -> None:
    stub.statuses = [400]
    with pytest.raises(SmsRejected):
        _gateway(stub, []).send(MESSAGE)
    assert len(stub.requests) == 1


def test_the_outbox_appends_one_json_line_per_message(tmp_path: Path) -> None:
    path = tmp_path / "out" / "sms.jsonl"
    outbox = OutboxGateway(path, FixedClock(GOLDEN_INSTANT))
    outbox.send(MESSAGE)
    outbox.send(SmsMessage("+31612340000", "tweede", "_ref-2"))
    entries = read_outbox(path)
    assert [e.reference for e in entries] == ["_ref-2", "_ref-1"]
    assert entries[1].at == "2026-11-01T12:00:00Z" and entries[1].text == MESSAGE.text
    assert path.stat().st_mode & 0o777 == 0o600
