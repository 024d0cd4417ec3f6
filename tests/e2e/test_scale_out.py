"""Two broker instances sharing one Redis serve one login between them, and survive each other.

Both instances are processes of their own (``python -m makelaar.serve broker``) with the same
settings file, so they have the same entity id and base URL; the metadata names one broker URL,
so a small reverse proxy on that URL hands each request to the next instance in turn (round
robin), and only to the survivor once an instance has been killed. The state lives in the
machine's Redis (127.0.0.1:6379) under a prefix of this test run only, deleted at the end.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace

import pytest

from idp import seed
from keys.devpki import DevCa
from keys.ring import KeyRing
from makelaar.walkthrough import LoginPlan
from makelaar.walkthrough import Outcome
from makelaar.walkthrough import Walkthrough
from tests.e2e.cluster import Cluster
from tests.e2e.cluster import broker_cluster
from tests.e2e.cluster import keys_of
from tests.e2e.cluster import redis_client
from tests.e2e.people import twin_email

pytestmark = pytest.mark.e2e

ANNA = "anna@goudenkorst.example"  # eH3 means, one mandate for the bakery (whole company)
EH3 = 2  # the demo DV's service index
TAGS = ["scale1", "scale2", "scale3"]


@pytest.fixture(scope="module")
def cluster(
    tmp_path_factory: pytest.TempPathFactory, rings: dict[str, KeyRing], dev_ca: DevCa
) -> Iterator[Cluster]:
    with broker_cluster(tmp_path_factory.mktemp("scale-out"), rings=rings, ca=dev_ca,
                        twins={ANNA: TAGS}, name="scale-out") as running:
        yield running


def _plan(tag: str, stop_at: tuple[str, ...] = ()) -> LoginPlan:
    return LoginPlan(email=twin_email(ANNA, tag), password=seed.DEMO_PASSWORD,
                     service_index=EH3, stop_at=stop_at)


def _assert_logged_in(outcome: Outcome, cluster: Cluster) -> None:
    assert outcome.logged_in, (
        f"not logged in; steps {outcome.steps}, ended at {outcome.page.url} "
        f"({outcome.page.status}): {outcome.page.text[:400]}\n{cluster.logs()}"
    )
    assert outcome.received, "the DV shows nothing it received"


def test_logins_whose_steps_alternate_between_two_broker_instances_succeed(
    cluster: Cluster,
) -> None:
    before = dict(cluster.backends.served)
    for tag in TAGS[:2]:
        walk = Walkthrough(cluster.network.urls["dv"], cluster.network.sms_outbox)
        _assert_logged_in(walk.login(_plan(tag)), cluster)
    served = {n: c - before.get(n, 0) for n, c in cluster.backends.served.items()}
    # Round robin over every broker request: each instance served steps of these logins.
    assert served.get("A", 0) >= 2 and served.get("B", 0) >= 2, served
    assert keys_of(redis_client(), cluster.prefix), "the login state is not in the shared Redis"


def test_a_login_finishes_on_the_survivor_after_its_instance_is_killed_mid_login(
    cluster: Cluster,
) -> None:
    walk = Walkthrough(cluster.network.urls["dv"], cluster.network.sms_outbox)
    plan = _plan(TAGS[2], stop_at=("ad-login",))
    served_by_a = cluster.backends.served.get("A", 0)
    halfway = walk.login(plan)
    # Discovery is done and the AD asked for credentials: its answer has not reached a broker.
    assert halfway.steps_seen[-2:] == ["discovery", "ad-login"], halfway.steps
    assert cluster.backends.served.get("A", 0) > served_by_a, "A served part of this login"

    cluster.kill("A")
    cluster.backends.only("B")
    served_by_b = cluster.backends.served.get("B", 0)
    outcome = walk.follow(halfway.page, replace(plan, stop_at=()))

    _assert_logged_in(outcome, cluster)
    assert cluster.brokers["A"].poll() is not None, "instance A should be dead"
    assert cluster.backends.served["B"] > served_by_b, "B served the rest of the login"
