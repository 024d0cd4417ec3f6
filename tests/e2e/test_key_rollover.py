"""A scheduled signing-key rollover across two broker instances, without downtime.

Two broker processes share the machine's Redis behind a round-robin proxy (tests.e2e.cluster).
Before they start, ``hm-signing-next.activation`` schedules the broker's next signing key a few
seconds ahead. Logins before the instant, one login that starts before and finishes after it,
and logins after it all succeed with their steps alternating between the instances; the demo
DV shows the KeyName of the HM certificate whose signature over the assertion it verified,
which is the current key before the instant and the next key from the instant on. Neither
instance is restarted in between: each switches by itself, and its readiness metrics then
report the new key in use.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from dataclasses import dataclass
from dataclasses import replace
from datetime import UTC
from datetime import datetime
from datetime import timedelta

import pytest
import requests
from prometheus_client.parser import text_string_to_metric_families

from idp import seed
from keys.devpki import DevCa
from keys.ring import KeyRing
from keys.rollover import write_activation
from makelaar.walkthrough import LoginPlan
from makelaar.walkthrough import Outcome
from makelaar.walkthrough import Walkthrough
from tests.e2e.cluster import Cluster
from tests.e2e.cluster import broker_cluster
from tests.e2e.people import twin_email

pytestmark = pytest.mark.e2e

ANNA = "anna@goudenkorst.example"  # eH3 means, one mandate for the bakery (whole company)
EH3 = 2  # the demo DV's service index
# One twin per login: the means issuer sends one SMS code per number per 30 seconds.
BEFORE = ["rollover-before1", "rollover-before2"]
SPAN = "rollover-span"
AFTER = ["rollover-after1", "rollover-after2"]
#: Seconds from the brokers' start to the activation instant.
LEAD = 8
#: Seconds that must be left before the instant once both brokers answer; otherwise the
#: machine was slow, and the brokers get a later instant and a (rolling) restart.
MIN_LEFT = 4.5
ATTEMPTS = 3


@dataclass(frozen=True, slots=True)
class Rollover:
    cluster: Cluster
    #: The activation instant of the next signing key.
    at: datetime
    current: str
    upcoming: str


def _seconds_left(at: datetime) -> float:
    return (at - datetime.now(UTC)).total_seconds()


@pytest.fixture(scope="module")
def rollover(
    tmp_path_factory: pytest.TempPathFactory, rings: dict[str, KeyRing], dev_ca: DevCa
) -> Iterator[Rollover]:
    ring = rings["hm"]
    assert ring.signing_next is not None, "the broker needs a next signing key to roll over to"
    instants: list[datetime] = []

    def schedule(cluster: Cluster) -> None:
        at = datetime.now(UTC).replace(microsecond=0) + timedelta(seconds=LEAD)
        write_activation(cluster.keys_dir, "hm", "signing", at)
        instants.append(at)

    with broker_cluster(
        tmp_path_factory.mktemp("key-rollover"), rings=rings, ca=dev_ca,
        twins={ANNA: [*BEFORE, SPAN, *AFTER]}, name="key-rollover", before_brokers=schedule,
    ) as cluster:
        tries = 1
        while _seconds_left(instants[-1]) < MIN_LEFT:
            if tries == ATTEMPTS:
                pytest.fail(f"the brokers took too long to start {ATTEMPTS} times in a row")
            cluster.stop_brokers()
            schedule(cluster)
            cluster.start_brokers()
            tries += 1
        cluster.backends.served.clear()
        yield Rollover(cluster, instants[-1], ring.signing.key_name, ring.signing_next.key_name)


def _plan(tag: str, stop_at: tuple[str, ...] = ()) -> LoginPlan:
    return LoginPlan(email=twin_email(ANNA, tag), password=seed.DEMO_PASSWORD,
                     service_index=EH3, stop_at=stop_at)


def _walk(rollover: Rollover) -> Walkthrough:
    network = rollover.cluster.network
    return Walkthrough(network.urls["dv"], network.sms_outbox)


def _signed_with(outcome: Outcome, rollover: Rollover) -> str:
    """The KeyName the DV verified the HM assertion with, as its result page shows it."""
    assert outcome.logged_in, (
        f"not logged in; steps {outcome.steps}, ended at {outcome.page.url} "
        f"({outcome.page.status}): {outcome.page.text[:400]}\n{rollover.cluster.logs()}"
    )
    return outcome.received["hm-key"]


def _served_since(rollover: Rollover, before: dict[str, int]) -> dict[str, int]:
    now = rollover.cluster.backends.snapshot()
    return {name: now.get(name, 0) - before.get(name, 0) for name in ("A", "B")}


def _key_in_use(port: int, key_name: str) -> float | None:
    """``makelaar_key_in_use`` of one signing key at one instance (after a readiness check,
    which sets it)."""
    assert requests.get(f"http://127.0.0.1:{port}/readyz", timeout=10).status_code == 200
    text = requests.get(f"http://127.0.0.1:{port}/metrics", timeout=10).text
    for family in text_string_to_metric_families(text):
        for sample in family.samples:
            if sample.name == "makelaar_key_in_use" and sample.labels == {
                "use": "signing", "key_name": key_name[:16]
            }:
                return float(sample.value)
    return None


def test_logins_before_across_and_after_the_activation_succeed_with_the_right_key(
    rollover: Rollover,
) -> None:
    assert rollover.current != rollover.upcoming

    # Before the instant: the DV verifies the current key.
    served = rollover.cluster.backends.snapshot()
    for tag in BEFORE:
        outcome = _walk(rollover).login(_plan(tag))
        assert _signed_with(outcome, rollover) == rollover.current
        assert _seconds_left(rollover.at) > 0, "the login did not finish before the instant"
    before = _served_since(rollover, served)
    assert before["A"] >= 2 and before["B"] >= 2, before

    # Across the instant: started before (discovery, AD login page), finished after.
    served = rollover.cluster.backends.snapshot()
    walk = _walk(rollover)
    plan = _plan(SPAN, stop_at=("ad-login",))
    halfway = walk.login(plan)
    assert halfway.steps_seen[-2:] == ["discovery", "ad-login"], halfway.steps
    assert _seconds_left(rollover.at) > 0, "the login did not start before the instant"
    # The instances' clocks drop sub-seconds; the instant is a whole second of this machine.
    time.sleep(max(0.0, _seconds_left(rollover.at)) + 1.2)
    outcome = walk.follow(halfway.page, replace(plan, stop_at=()))
    assert _signed_with(outcome, rollover) == rollover.upcoming
    across = _served_since(rollover, served)
    assert across["A"] >= 1 and across["B"] >= 1, across

    # After the instant: the next key, on both instances, neither of them restarted.
    served = rollover.cluster.backends.snapshot()
    for tag in AFTER:
        outcome = _walk(rollover).login(_plan(tag))
        assert _signed_with(outcome, rollover) == rollover.upcoming
    after = _served_since(rollover, served)
    assert after["A"] >= 2 and after["B"] >= 2, after
    for name, process in rollover.cluster.brokers.items():
        assert process.poll() is None, f"instance {name} stopped"
        port = rollover.cluster.backends.ports[name]
        assert _key_in_use(port, rollover.upcoming) == 1, name
        assert _key_in_use(port, rollover.current) == 0, name
