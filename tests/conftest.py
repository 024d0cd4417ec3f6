"""Shared fixtures: a development PKI made once per test session, fixed clocks and ID sources."""

from __future__ import annotations

from datetime import UTC
from datetime import datetime

import pytest

from etoegang.clock import FixedClock
from etoegang.clock import SequentialIdSource
from keys.devpki import DevCa
from keys.devpki import new_ca
from keys.devpki import new_ring
from keys.ring import KeyRing
from tests.redis_servers import redis_cluster  # noqa: F401 - session fixture, shared by all
from tests.redis_servers import redis_sentinel  # noqa: F401 - session fixture, shared by all
from tests.redis_servers import redis_sentinel_failover  # noqa: F401 - one per test
from tests.redis_servers import redis_tls_cluster  # noqa: F401 - session fixture, shared by all
from tests.redis_servers import redis_tls_files  # noqa: F401 - session fixture, shared by all
from tests.redis_servers import redis_tls_sentinel  # noqa: F401 - session fixture, shared by all

#: The instant golden files are made at.
GOLDEN_INSTANT = datetime(2026, 11, 1, 12, 0, 0, tzinfo=UTC)


#: Test certificates are valid from here (before GOLDEN_INSTANT, and before today).
CERTS_FROM = datetime(2026, 1, 1, tzinfo=UTC)


@pytest.fixture(scope="session")
def dev_ca() -> DevCa:
    return new_ca(now=CERTS_FROM)


@pytest.fixture(scope="session")
def rings(dev_ca: DevCa) -> dict[str, KeyRing]:
    """One key ring per role, made once per session (RSA key generation is slow)."""
    return {
        role: new_ring(dev_ca, role, now=CERTS_FROM)
        for role in ("hm", "ad", "mr", "mr2", "dv", "eb")
    }


@pytest.fixture()
def clock() -> FixedClock:
    return FixedClock(GOLDEN_INSTANT)


@pytest.fixture()
def ids() -> SequentialIdSource:
    return SequentialIdSource()
