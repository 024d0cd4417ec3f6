"""Assertions shared by the broker tests."""

from __future__ import annotations

from typing import Any

from etoegang.messages.response import Response
from etoegang.messages.response import parse_response
from etoegang.messages.status import StatusCode
from etoegang.messages.status import SubStatusCode
from etoegang.state import InMemoryStateStore
from tests.broker.conftest import DV_ACS
from tests.broker.conftest import Harness


def snapshot(harness: Harness) -> dict[str, bytes | None]:
    """Every live key of the in-memory state store and its value."""
    store = harness.state
    assert isinstance(store, InMemoryStateStore)
    keys = list(store._entries)  # noqa: SLF001 - test inspection of the fake store
    return {key: store.get(key) for key in keys if store.get(key) is not None}


def artifacts(harness: Harness) -> set[str]:
    return {key for key in snapshot(harness) if key.startswith("artifact:")}


def flows(harness: Harness) -> set[str]:
    return {key for key in snapshot(harness) if key.startswith("flow:")}


def assert_error_page(answer: Any, status: int) -> None:
    """An unrecoverable error: an HTML page with the status, and never a redirect."""
    assert answer.status_code == status, answer.get_data(as_text=True)[:500]
    assert "Location" not in answer.headers
    assert answer.mimetype == "text/html"


def dv_answer(harness: Harness, answer: Any) -> Response:
    """The broker's answer to the DV: a redirect to the DV's ACS, resolved and verified."""
    assert answer.status_code == 302, answer.get_data(as_text=True)[:500]
    location = answer.headers["Location"]
    assert location.startswith(DV_ACS + "?"), location
    return parse_response(harness.dv.hm_response(location, harness.hm_certs))


def assert_status(
    response: Response, top: StatusCode, second: SubStatusCode | None = None
) -> None:
    assert response.status.top is top, response.status
    assert response.status.second is second, response.status
    assert not response.assertion_elements
