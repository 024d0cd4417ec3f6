"""JSON log lines: one object per line, the request's correlation id, no personal data."""

from __future__ import annotations

import io
import json
import logging
from collections.abc import Iterator

import pytest

from broker.settings import BrokerSettings
from keys.ring import KeyRing
from makelaar.network import Network
from tests.broker.conftest import Harness
from tests.broker.conftest import make_harness
from tests.ops.conftest import BreakableStore
from web.logging_json import json_handler
from web.logging_json import scrub


@pytest.fixture()
def lines() -> Iterator[io.StringIO]:
    stream = io.StringIO()
    handler = json_handler("broker", stream)
    root = logging.getLogger()
    old_level = root.level
    root.addHandler(handler)
    root.setLevel(logging.INFO)
    try:
        yield stream
    finally:
        root.removeHandler(handler)
        root.setLevel(old_level)


def parsed(stream: io.StringIO) -> list[dict[str, object]]:
    return [json.loads(line) for line in stream.getvalue().splitlines() if line.strip()]


@pytest.fixture()
def harness(network: Network, settings: BrokerSettings, rings: dict[str, KeyRing]) -> Harness:
    return make_harness(network, settings, rings, BreakableStore)


def test_log_lines_are_json_with_the_fields_and_the_request_id(
    harness: Harness, lines: io.StringIO
) -> None:
    harness.client.environ_base["HTTP_X_REQUEST_ID"] = "req-42.a"
    started = harness.post_request(harness.dv.request())
    assert started.status_code == 302
    assert started.headers["X-Request-ID"] == "req-42.a"
    records = parsed(lines)
    assert records, "the login step logged nothing"
    for record in records:
        assert {"time", "level", "logger", "message", "role", "correlation_id"} <= set(record)
        assert record["role"] == "broker"
    assert any(r["correlation_id"] == "req-42.a" and "login" in str(r["message"])
               for r in records)


def test_without_a_request_id_the_flow_id_correlates_the_steps_of_one_login(
    harness: Harness, lines: io.StringIO
) -> None:
    assert harness.post_request(harness.dv.request()).status_code == 302
    assert harness.choose().status_code == 302
    ad_step = [r for r in parsed(lines) if "AuthnRequest to" in str(r["message"])]
    assert len(ad_step) == 1
    flow_prefix = str(ad_step[0]["message"]).split()[1].rstrip(":")
    assert ad_step[0]["correlation_id"] == flow_prefix


def test_a_forged_request_id_is_not_taken_over(harness: Harness) -> None:
    harness.client.environ_base["HTTP_X_REQUEST_ID"] = 'x"\n{"level":"ERROR"}'
    answer = harness.client.get("/healthz")
    assert answer.headers["X-Request-ID"] != 'x"\n{"level":"ERROR"}'
    assert len(answer.headers["X-Request-ID"]) == 8


def test_personal_data_never_reaches_a_log_line(lines: io.StringIO) -> None:
    log = logging.getLogger("makelaar.test")
    log.warning("user %s of KvK %s logged in with %s", "jan@example.nl", "12345678",
                "+31612345678", extra={"email": "jan@example.nl", "kvk": "12345678",
                                       "flow": "abcdef12"})
    log.info("entity urn:etoegang:DV:00000099000000000003:entities:9001 at eH3")
    first, second = parsed(lines)
    text = json.dumps(first)
    assert "jan@example.nl" not in text and "12345678" not in text and "612345678" not in text
    assert first["email"] == "[redacted]" and first["kvk"] == "[redacted]"
    assert first["flow"] == "abcdef12"
    assert second["message"] == "entity urn:etoegang:DV:00000099000000000003:entities:9001 at eH3"


def test_scrub_keeps_ids_and_blanks_identifiers() -> None:
    assert scrub("RSIN 123456789, vestiging 000012345678") == (
        "RSIN [redacted], vestiging [redacted]"
    )
    kept = "login 3fA9-xk1 at 2026-11-01T12:00:00Z"
    assert scrub(kept) == kept
