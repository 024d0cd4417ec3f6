"""The back-channel HTTP transport against a real HTTP server on loopback.

What matters for a back channel: the body and headers arrive as sent, an answer is returned as
received, a redirect is never followed, a slow or absent peer and an oversized answer become a
:class:`TransportError`, and the process environment's proxy settings play no part.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler
from http.server import ThreadingHTTPServer

import pytest

from etoegang.errors import TransportError
from etoegang.exchange.transport import MAX_RESPONSE_BYTES
from etoegang.exchange.transport import HttpTransport


class _Peer(BaseHTTPRequestHandler):
    """Answers by path: /echo, /redirect, /slow, /huge; records what it received."""

    received: list[tuple[str, dict[str, str], bytes]] = []
    protocol_version = "HTTP/1.1"

    def do_POST(self) -> None:  # noqa: N802 (http.server's naming)
        body = self.rfile.read(int(self.headers["Content-Length"]))
        type(self).received.append((self.path, dict(self.headers), body))
        if self.path == "/redirect":
            self._answer(302, b"", location="http://127.0.0.1:9/elsewhere")
        elif self.path == "/slow":
            time.sleep(1.5)
            self._answer(200, b"late")
        elif self.path == "/huge":
            self._answer(200, b"x" * (MAX_RESPONSE_BYTES + 10))
        else:
            self._answer(200, b"<answer>" + body + b"</answer>")

    def _answer(self, status: int, body: bytes, location: str | None = None) -> None:
        self.send_response(status)
        self.send_header("Content-Type", "text/xml; charset=utf-8")
        self.send_header("Content-Length", str(len(body)))
        if location:
            self.send_header("Location", location)
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *_args: object) -> None:
        pass


@pytest.fixture(scope="module")
def peer() -> Iterator[str]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Peer)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


def test_posts_body_and_headers_and_returns_the_answer(peer: str) -> None:
    _Peer.received.clear()
    answer = HttpTransport().post(f"{peer}/echo", b"<soap/>", "text/xml; charset=utf-8")
    assert (answer.status, answer.content_type) == (200, "text/xml; charset=utf-8")
    assert answer.body == b"<answer><soap/></answer>"
    path, headers, body = _Peer.received[-1]
    assert (path, body) == ("/echo", b"<soap/>")
    assert headers["Content-Type"] == "text/xml; charset=utf-8"
    assert headers["SOAPAction"] == '""'


def test_connections_are_reused(peer: str) -> None:
    transport = HttpTransport()
    for _ in range(3):
        assert transport.post(f"{peer}/echo", b"a", "text/xml").status == 200
    pool = transport._pool.connection_from_url(peer)
    assert pool.num_connections == 1


def test_a_redirect_is_returned_not_followed(peer: str) -> None:
    _Peer.received.clear()
    answer = HttpTransport().post(f"{peer}/redirect", b"x", "text/xml")
    assert answer.status == 302
    assert [path for path, _, _ in _Peer.received] == ["/redirect"]


def test_a_slow_peer_times_out(peer: str) -> None:
    with pytest.raises(TransportError, match="did not answer"):
        HttpTransport(read_timeout=0.3).post(f"{peer}/slow", b"x", "text/xml")


def test_an_oversized_answer_is_refused(peer: str) -> None:
    with pytest.raises(TransportError, match="too large"):
        HttpTransport().post(f"{peer}/huge", b"x", "text/xml")


def test_no_peer_listening() -> None:
    with pytest.raises(TransportError, match="did not answer"):
        HttpTransport(connect_timeout=0.5).post("http://127.0.0.1:9/ars", b"x", "text/xml")


def test_environment_proxies_are_ignored(peer: str, monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("HTTP_PROXY", "http_proxy", "HTTPS_PROXY", "https_proxy", "ALL_PROXY"):
        monkeypatch.setenv(name, "http://127.0.0.1:9")
    monkeypatch.delenv("NO_PROXY", raising=False)
    monkeypatch.delenv("no_proxy", raising=False)
    assert HttpTransport().post(f"{peer}/echo", b"p", "text/xml").body == b"<answer>p</answer>"


def test_an_explicit_proxy_is_used(peer: str) -> None:
    _Peer.received.clear()
    # The peer plays the proxy: a forward proxy receives the absolute URL as the path.
    transport = HttpTransport(proxy_url=peer)
    answer = transport.post("http://peer.invalid/echo", b"v", "text/xml")
    assert answer.status == 200
    assert _Peer.received[-1][0] == "http://peer.invalid/echo"
