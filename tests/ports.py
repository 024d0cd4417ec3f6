"""Free loopback ports for the servers tests start (Redis nodes, role processes, proxies)."""

from __future__ import annotations

import socket
from contextlib import ExitStack


def free_ports(count: int) -> list[int]:
    """Ports the kernel just handed out (all bound at once, so they differ), then released."""
    with ExitStack() as stack:
        sockets = []
        for _ in range(count):
            s = stack.enter_context(socket.socket(socket.AF_INET, socket.SOCK_STREAM))
            s.bind(("127.0.0.1", 0))
            sockets.append(s)
        return [int(s.getsockname()[1]) for s in sockets]


def free_port() -> int:
    """One free port."""
    (port,) = free_ports(1)
    return port
