"""/metrics after logins through the broker test harness: the counters moved, and label values
outside the declared sets never appear."""

from __future__ import annotations

import pytest
from prometheus_client.parser import text_string_to_metric_families

from broker.settings import BrokerSettings
from keys.ring import KeyRing
from makelaar.network import AD_ENTITY
from makelaar.network import Network
from tests.broker.conftest import SERVICE_EH2PLUS
from tests.broker.conftest import Harness
from tests.broker.conftest import make_harness
from tests.ops.conftest import BreakableStore
from web import metrics


def scrape(harness: Harness) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    answer = harness.client.get("/metrics")
    assert answer.status_code == 200
    assert answer.headers["Content-Type"].startswith("text/plain")
    samples: dict[tuple[str, tuple[tuple[str, str], ...]], float] = {}
    for family in text_string_to_metric_families(answer.get_data(as_text=True)):
        for sample in family.samples:
            samples[(sample.name, tuple(sorted(sample.labels.items())))] = sample.value
    return samples


def value(samples: dict[tuple[str, tuple[tuple[str, str], ...]], float], name: str,
          **labels: str) -> float:
    return samples.get((name, tuple(sorted(labels.items()))), 0.0)


@pytest.fixture()
def harness(network: Network, settings: BrokerSettings, rings: dict[str, KeyRing]) -> Harness:
    return make_harness(network, settings, rings, BreakableStore)


def test_a_login_moves_the_login_and_leg_counters(harness: Harness) -> None:
    # the level label is the achieved level (the fake AD answers at eH3 for an eH2+ service)
    success = {"outcome": "success", "level": "eH3", "issuer": AD_ENTITY,
               "service": SERVICE_EH2PLUS.service_id}
    before = scrape(harness)
    final = harness.login(harness.dv.request(service_index=SERVICE_EH2PLUS.index))
    assert final.status_code == 302
    after = scrape(harness)
    assert value(after, "makelaar_logins_total", **success) == (
        value(before, "makelaar_logins_total", **success) + 1
    )
    for leg in ("dv_request", "ad", "mr"):
        assert value(after, "makelaar_leg_seconds_count", leg=leg) >= (
            value(before, "makelaar_leg_seconds_count", leg=leg) + 1
        ), leg


def test_a_cancel_is_counted_with_its_error_kind(harness: Harness) -> None:
    cancelled = {"outcome": "user_cancelled", "level": SERVICE_EH2PLUS.loa.label,
                 "issuer": "none", "service": SERVICE_EH2PLUS.service_id}
    before = value(scrape(harness), "makelaar_logins_total", **cancelled)
    assert harness.post_request(harness.dv.request()).status_code == 302
    assert harness.choose(cancel=True).status_code == 302
    assert value(scrape(harness), "makelaar_logins_total", **cancelled) == before + 1


def test_metadata_and_certificate_gauges_are_exported(harness: Harness) -> None:
    assert harness.client.get("/readyz").status_code == 200
    samples = scrape(harness)
    ages = {dict(labels)["peer"] for (name, labels) in samples
            if name == "makelaar_metadata_age_seconds"}
    assert AD_ENTITY in ages
    left = [v for (name, _), v in samples.items() if name == "makelaar_certificate_days_left"]
    assert left and all(v > 0 for v in left)


def test_label_values_outside_the_declared_sets_become_other() -> None:
    before = metrics.LOGINS.labels("other", "other", "other", "other")._value.get()
    metrics.observe_login("<script>", "eH9", "urn:evil", "urn:etoegang:DV:1:services:666")
    assert metrics.LOGINS.labels("other", "other", "other", "other")._value.get() == before + 1


def test_sms_and_lockout_helpers_count() -> None:
    sent = metrics.SMS.labels(result="sent")._value.get()
    failed = metrics.SMS.labels(result="failed")._value.get()
    locks = metrics.CODE_LOCKOUTS._value.get()
    metrics.observe_sms(sent=True)
    metrics.observe_sms(sent=False)
    metrics.observe_code_check(locked=False)
    metrics.observe_code_check(locked=True)
    assert metrics.SMS.labels(result="sent")._value.get() == sent + 1
    assert metrics.SMS.labels(result="failed")._value.get() == failed + 1
    assert metrics.CODE_LOCKOUTS._value.get() == locks + 1
