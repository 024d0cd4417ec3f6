"""Fixtures of the browser test: the same running network as the end-to-end tests."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from keys.devpki import DevCa
from keys.ring import KeyRing
from tests.e2e.servers import RunningNetwork
from tests.e2e.servers import running_network


@pytest.fixture(scope="module")
def browser_network(
    tmp_path_factory: pytest.TempPathFactory, rings: dict[str, KeyRing], dev_ca: DevCa
) -> Iterator[RunningNetwork]:
    with running_network(tmp_path_factory.mktemp("browser"), rings=rings, ca=dev_ca) as net:
        yield net
