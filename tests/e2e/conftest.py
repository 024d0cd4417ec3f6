"""Fixtures of the end-to-end tests: one running network per test session (per xdist worker)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from keys.devpki import DevCa
from keys.ring import KeyRing
from tests.e2e.servers import RunningNetwork
from tests.e2e.servers import running_network


@pytest.fixture(scope="session")
def live(
    tmp_path_factory: pytest.TempPathFactory, rings: dict[str, KeyRing], dev_ca: DevCa
) -> Iterator[RunningNetwork]:
    """Broker, means issuer and demo DV, each a process of its own on a free port."""
    with running_network(tmp_path_factory.mktemp("e2e"), rings=rings, ca=dev_ca) as net:
        yield net


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(
    item: pytest.Item, call: pytest.CallInfo[None]
) -> Iterator[None]:
    # A failed end-to-end test shows the servers' last log lines next to its traceback.
    report = yield
    if report.failed and "live" in getattr(item, "funcargs", {}):
        net = item.funcargs["live"]
        if isinstance(net, RunningNetwork):
            report.sections.append(("server logs", net.logs()))
    return report
