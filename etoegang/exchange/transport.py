"""The back channel: SOAP over HTTP between peers, behind a small port.

``HttpTransport`` keeps one pool of HTTP connections per process (keep-alive matters: every
login resolves three to five artifacts) with connect and read timeouts, and never follows
redirects (a back-channel answer is never a redirect). Tests may plug in a transport that
calls a WSGI application directly.
"""

from __future__ import annotations

from collections.abc import Callable
from collections.abc import Iterable
from dataclasses import dataclass
from io import BytesIO
from pathlib import Path
from typing import Any
from typing import Protocol

import urllib3

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


class HttpTransport:
    """HTTP(S) with urllib3: pooled, time-limited, no redirects, no retries, size-capped.

    urllib3 rather than ``requests``: ``requests`` re-reads every ``*_proxy`` variable of the
    process environment on each call (about a third of a back-channel call's CPU time in the
    broker's profile). A back channel between registered peers goes where the metadata says,
    so the environment is never consulted; a forward proxy, where a network needs one, is
    configured explicitly with ``proxy_url``.
    """

    def __init__(
        self,
        *,
        connect_timeout: float = 3.0,
        read_timeout: float = 10.0,
        verify_tls: bool | str = True,
        proxy_url: str | None = None,
        pool_size: int = 8,
    ) -> None:
        options: dict[str, Any] = {
            "maxsize": pool_size,
            "retries": False,
            "timeout": urllib3.Timeout(connect=connect_timeout, read=read_timeout),
        }
        if verify_tls is False:
            options["cert_reqs"] = "CERT_NONE"
        else:
            options["cert_reqs"] = "CERT_REQUIRED"
            if isinstance(verify_tls, str):
                options["ca_certs"] = verify_tls
        self._pool: urllib3.PoolManager = (
            urllib3.ProxyManager(proxy_url, **options)
            if proxy_url
            else urllib3.PoolManager(**options)
        )

    def post(self, url: str, body: bytes, content_type: str) -> HttpAnswer:
        try:
            answer = self._pool.request(
                "POST",
                url,
                body=body,
                headers={"Content-Type": content_type, "SOAPAction": '""'},
                redirect=False,
                preload_content=False,
            )
        except (urllib3.exceptions.HTTPError, ValueError) as exc:
            raise _no_answer(url, exc) from exc
        try:
            data = answer.read(MAX_RESPONSE_BYTES + 1, decode_content=True)
        except urllib3.exceptions.HTTPError as exc:
            answer.close()
            raise _no_answer(url, exc) from exc
        if len(data) > MAX_RESPONSE_BYTES:
            # Not drained back into the pool: the rest of an oversized answer is never read.
            answer.close()
            raise TransportError("back-channel answer too large", debug=url)
        answer.release_conn()
        return HttpAnswer(answer.status, answer.headers.get("Content-Type", ""), data)


def back_channel(ca_file: Path | None = None, proxy_url: str | None = None) -> HttpTransport:
    """The transport a role's settings ask for (back_channel_ca_file, back_channel_proxy)."""
    return HttpTransport(
        verify_tls=str(ca_file) if ca_file is not None else True, proxy_url=proxy_url
    )


def _no_answer(url: str, exc: Exception) -> TransportError:
    return TransportError("peer did not answer", debug=f"{url}: {type(exc).__name__}")


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
