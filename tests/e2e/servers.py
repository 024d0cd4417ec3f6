"""A development network on free ports with broker, means issuer and demo DV as real processes.

Shared by the end-to-end tests and the browser test: the roles are started exactly as
``makelaar demo`` starts them (``python -m makelaar.serve``), over real sockets on 127.0.0.1.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from collections.abc import Iterator
from collections.abc import Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import pytest

from keys.devpki import DevCa
from keys.ring import KeyRing
from makelaar.demo import SERVERS
from makelaar.demo import DemoNetwork
from makelaar.demo import DemoServers
from makelaar.demo import prepare_network
from makelaar.serve import ROLES
from makelaar.serve import RoleNotAvailable
from makelaar.serve import _import_attr
from tests.ports import free_ports


def missing_pieces(servers: Sequence[str] = SERVERS) -> list[str]:
    """What this checkout lacks to run the given servers (empty when all is there)."""
    missing = []
    for server in servers:
        entry = ROLES[server]
        for modules, attr in (
            ((entry.settings_module,), "load_settings"),
            (entry.app_modules, "create_app"),
        ):
            try:
                _import_attr(modules, attr)
            except RoleNotAvailable as exc:
                missing.append(f"{server}: {exc}")
    if "idp" in servers:
        try:
            seed = importlib.import_module("idp.seed")
        except ModuleNotFoundError:
            missing.append("idp: no idp.seed module (seed(session), demo_users())")
        else:
            for attr in ("seed", "demo_users"):
                if not callable(getattr(seed, attr, None)):
                    missing.append(f"idp: idp.seed.{attr}() is missing")
    return missing


@dataclass(frozen=True, slots=True)
class RunningNetwork:
    network: DemoNetwork
    servers: DemoServers
    log_dir: Path

    @property
    def urls(self) -> dict[str, str]:
        return dict(self.network.urls)

    def logs(self, lines: int = 40) -> str:
        parts = []
        for server in self.servers.servers:
            path = self.log_dir / f"{server}.log"
            if path.exists():
                tail = path.read_text(errors="replace").splitlines()[-lines:]
                parts.append(f"--- {server} ({path}) ---\n" + "\n".join(tail))
        return "\n".join(parts)


@contextmanager
def running_network(
    directory: Path,
    *,
    rings: dict[str, KeyRing],
    ca: DevCa,
    servers: Sequence[str] = SERVERS,
    before_start: Callable[[DemoNetwork], None] | None = None,
    state_url: str = "memory://",
) -> Iterator[RunningNetwork]:
    """Build, seed and start a network in ``directory``; always stop it again (skip if the
    checkout lacks a role's entry point, with the exact piece that is missing). ``state_url``
    is the state store of the broker and the means issuer."""
    missing = missing_pieces(servers)
    if missing:
        pytest.skip("roles not complete: " + "; ".join(missing))
    ports = free_ports(3)
    urls = {name: f"http://127.0.0.1:{port}" for name, port in zip(SERVERS, ports, strict=True)}
    network, _ = prepare_network(
        directory / "net", urls=urls,
        build_options={"rings": rings, "ca": ca, "state_url": state_url},
    )
    from makelaar.commands.idp import seed_database

    if before_start is not None:
        before_start(network)  # onboarding first: the seeded mandates cover every service
    if "idp" in servers:
        seed_database(network.settings_file("idp"))
    log_dir = directory / "logs"
    running = DemoServers(network, log_dir=log_dir, servers=servers)
    running.start()
    try:
        yield RunningNetwork(network, running, log_dir)
    finally:
        running.stop()
