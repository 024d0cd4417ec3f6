"""A requests adapter standing in for a peer's own URL (an SP's ACS, an RP's redirect URI):
it answers 200 in this process and remembers every request, so a test can read what the
browser was sent there without running a server."""

from __future__ import annotations

from typing import Any

import requests


class Catcher(requests.adapters.BaseAdapter):
    """Mount on a session for the peer's URL prefix; ``caught`` lists the requests."""

    def __init__(self) -> None:
        super().__init__()
        self.caught: list[requests.PreparedRequest] = []

    def send(
        self, request: requests.PreparedRequest, stream: bool = False,
        timeout: float | tuple[float, float] | tuple[float, None] | None = None,
        verify: bool | str = True, cert: Any = None, proxies: Any = None,
    ) -> requests.Response:
        self.caught.append(request)
        response = requests.Response()
        response.status_code = 200
        response.url = str(request.url)
        response.headers["Content-Type"] = "text/html"
        response._content = b"<html><body><p>caught by the test peer</p></body></html>"
        response.request = request
        return response

    def close(self) -> None:
        pass
