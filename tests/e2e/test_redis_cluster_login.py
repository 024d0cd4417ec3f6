"""A complete eHerkenning login with all shared state in a three-node Redis Cluster.

Broker, means issuer and demo DV run as processes of their own (as in test_logins.py); the
state store of the broker and of the means issuer is ``redis+cluster://`` naming the three
nodes of the private cluster that ``tests/redis_servers.py`` starts on loopback, under a key
prefix of this module only. The test stops the login halfway to see its state in the cluster,
lets it finish, checks what the DV received and which state remains, and the fixture removes
the prefix's keys from every node at the end.
"""

from __future__ import annotations

import uuid
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from dataclasses import replace

import pytest

from idp import seed
from keys.devpki import DevCa
from keys.ring import KeyRing
from makelaar.walkthrough import LoginPlan
from makelaar.walkthrough import Walkthrough
from tests.e2e.servers import RunningNetwork
from tests.e2e.servers import running_network
from tests.redis_servers import ClusterNodes

pytestmark = pytest.mark.e2e

ANNA = "anna@goudenkorst.example"  # eH3 means, one mandate for the bakery (whole company)
EH3 = 2  # the demo DV's service index


@dataclass(frozen=True, slots=True)
class ClusterNetwork:
    net: RunningNetwork
    cluster: ClusterNodes
    prefix: str

    def keys(self) -> dict[int, list[str]]:
        """This network's state keys (prefix removed), as each cluster node holds them."""
        return {
            port: [key.decode()[len(self.prefix):] for key in keys]
            for port, keys in self.cluster.keys_per_node(self.prefix).items()
        }

    def kinds(self) -> Counter[str]:
        """How many keys of each kind (``flow``, ``session``, ...) the whole cluster holds."""
        return Counter(
            key.split(":", 1)[0] for keys in self.keys().values() for key in keys
        )


@pytest.fixture(scope="module")
def on_cluster(
    tmp_path_factory: pytest.TempPathFactory,
    rings: dict[str, KeyRing],
    dev_ca: DevCa,
    redis_cluster: ClusterNodes,
) -> Iterator[ClusterNetwork]:
    prefix = f"makelaar-test-cluster-login-{uuid.uuid4().hex}:"
    url = redis_cluster.url(prefix, socket_timeout="5", socket_connect_timeout="2")
    with running_network(tmp_path_factory.mktemp("cluster-login"), rings=rings, ca=dev_ca,
                         state_url=url) as net:
        yield ClusterNetwork(net, redis_cluster, prefix)
    # Only this module's keys, node by node; never a flush of the cluster.
    redis_cluster.delete_prefix(prefix)
    leftover = redis_cluster.keys_per_node(prefix)
    assert not any(leftover.values()), f"cluster keys of {prefix} left behind: {leftover}"


def test_a_login_keeps_its_state_in_the_redis_cluster(on_cluster: ClusterNetwork) -> None:
    net = on_cluster.net
    assert not any(on_cluster.keys().values()), "the prefix is not empty before the login"
    walk = Walkthrough(net.urls["dv"], net.network.sms_outbox)
    plan = LoginPlan(email=ANNA, password=seed.DEMO_PASSWORD, service_index=EH3,
                     stop_at=("ad-login",))

    halfway = walk.login(plan)
    assert halfway.steps_seen[-2:] == ["discovery", "ad-login"], (halfway.steps, net.logs())
    during = on_cluster.keys()
    held = [key for keys in during.values() for key in keys]
    # The broker's login transaction and the means issuer's, both in the cluster.
    assert sum(key.startswith("flow:") for key in held) == 1, during
    assert sum(key.startswith("ad:tx:") for key in held) == 1, during

    outcome = walk.follow(halfway.page, replace(plan, stop_at=()))
    assert outcome.logged_in, (
        f"not logged in; steps {outcome.steps}, ended at {outcome.page.url} "
        f"({outcome.page.status}): {outcome.page.text[:400]}\n{net.logs()}"
    )
    got = outcome.received
    assert got["company"] == seed.BAKERY_KVK
    assert got["loa"] == "eH3"
    assert seed.BRANCH_CENTRE not in got["branch"]

    after = on_cluster.keys()
    left = [key for keys in after.values() for key in keys]
    # Both login transactions are closed (single use); what stays is what outlives a login:
    # the SSO sessions and the replay cache of message IDs.
    assert not [key for key in left if key.startswith(("flow:", "ad:tx:"))], after
    kinds = on_cluster.kinds()
    assert kinds["session"] == 1 and kinds["replay"] >= 2, kinds
    # Spread over the nodes by slot (about 15 keys: all on one node has odds ~ 3 * 3^-15).
    assert sum(1 for keys in after.values() if keys) >= 2, after
    # Every key the login left has a TTL, so the cluster forgets it without help.
    admin = on_cluster.cluster.client()
    ttls = {key: admin.pttl(on_cluster.prefix + key) for key in left}
    assert all(ttl > 0 for ttl in ttls.values()), ttls
    admin.close()
