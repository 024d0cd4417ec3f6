"""The back channel: SOAP over HTTP between peers, behind a small port.

``RequestsTransport`` keeps one pooled HTTP session per process (keep-alive matters: every
login resolves three to five artifacts) with connect and read timeouts, and never follows
redirects (a back-channel answer is never a redirect). Tests may plug in a transport that
calls a WSGI application directly.
"""

from __future__ import annotations

from collections.abc import Callable
from collections.abc import Iterable
from dataclasses import dataclass
from io import BytesIO
from typing import Any
from typing import Protocol

import requests

from etoegang.errors import TransportError

#: Largest back-channel answer we read (an HM ArtifactResponse is 20-40 KB).
MAX_RESPONSE_BYTES = 1024 * 1024


@dataclass(frozen=True, slots=True)
class HttpAnswer:
    status: int
    content_type: str
    body: bytes


class Transport(Protocol):
    def post(self, url: str, body: bytes, content_type: str) -> HttpAnswer:
        """POST ``body`` to ``url``; raise :class:`TransportError` when no answer comes."""
        ...


class RequestsTransport:
    """HTTP(S) with ``requests``: pooled, time-limited, no redirects, size-capped."""

    def __init__(
        self,
        *,
        connect_timeout: float = 3.0,
        read_timeout: float = 10.0,
        verify_tls: bool | str = True,
    ) -> None:
        self._session = requests.Session()
        self._timeout = (connect_timeout, read_timeout)
        self._verify = verify_tls

    def post(self, url: str, body: bytes, content_type: str) -> HttpAnswer:
        try:
            with self._session.post(
                url,
                data=body,
                headers={"Content-Type": content_type, "SOAPAction": '""'},
                timeout=self._timeout,
                allow_redirects=False,
                verify=self._verify,
                stream=True,
            ) as answer:
                data = answer.raw.read(MAX_RESPONSE_BYTES + 1, decode_content=True)
                if len(data) > MAX_RESPONSE_BYTES:
                    raise TransportError("back-channel answer too large", debug=url)
                return HttpAnswer(answer.status_code, answer.headers.get("Content-Type", ""), data)
        except requests.RequestException as exc:
            debug = f"{url}: {type(exc).__name__}"
            raise TransportError("peer did not answer", debug=debug) from exc


WsgiApp = Callable[[dict[str, Any], Callable[..., Any]], Iterable[bytes]]


class WsgiTransport:
    """Calls WSGI applications in process, routed by URL prefix (flow tests without sockets)."""

    def __init__(self, routes: dict[str, WsgiApp]) -> None:
        self._routes = routes

    def post(self, url: str, body: bytes, content_type: str) -> HttpAnswer:
        from urllib.parse import urlsplit

        app = next((a for prefix, a in self._routes.items() if url.startswith(prefix)), None)
        if app is None:
            raise TransportError("no route for back-channel URL", debug=url)
        parts = urlsplit(url)
        captured: dict[str, Any] = {}

        def start_response(
            status: str, headers: list[tuple[str, str]], exc_info: Any = None
        ) -> Any:
            captured["status"] = int(status.split(" ", 1)[0])
            captured["headers"] = dict(headers)
            return lambda _data: None

        environ = {
            "REQUEST_METHOD": "POST",
            "PATH_INFO": parts.path,
            "QUERY_STRING": parts.query,
            "SERVER_NAME": parts.hostname or "localhost",
            "SERVER_PORT": str(parts.port or (443 if parts.scheme == "https" else 80)),
            "SERVER_PROTOCOL": "HTTP/1.1",
            "CONTENT_TYPE": content_type,
            "CONTENT_LENGTH": str(len(body)),
            "wsgi.input": BytesIO(body),
            "wsgi.url_scheme": parts.scheme,
            "wsgi.errors": BytesIO(),
            "wsgi.multithread": False,
            "wsgi.multiprocess": False,
            "wsgi.run_once": False,
            "wsgi.version": (1, 0),
            "REMOTE_ADDR": "127.0.0.1",
        }
        chunks = app(environ, start_response)
        try:
            data = b"".join(chunks)
        finally:
            close = getattr(chunks, "close", None)
            if close is not None:
                close()
        headers = captured.get("headers", {})
        return HttpAnswer(captured.get("status", 500), headers.get("Content-Type", ""), data)
