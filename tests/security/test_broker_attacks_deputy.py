"""Confused deputy between two DVs (issue 5, broker-specific).

A second DV ("DV B", its own OIN, keys and one service) is onboarded next to the demo DV
("DV A") with ``makelaar dv onboard``. The broker must keep the two apart: an artifact for DV A
is resolved by DV A only (and is not used up by DV B's try), DV B cannot borrow DV A's ACS or
service index, and an MR or AD assertion made out to DV A is not delivered in DV B's login.
"""

from __future__ import annotations

import argparse
import dataclasses
import logging
import shutil
from collections.abc import Iterator
from datetime import UTC
from datetime import datetime
from typing import Any

import pytest

from broker.settings import BrokerSettings
from etoegang.clock import FixedClock
from etoegang.errors import ArtifactError
from etoegang.messages.response import parse_response
from etoegang.messages.status import StatusCode
from etoegang.messages.status import SubStatusCode
from etoegang.state import InMemoryStateStore
from keys.ring import KeyRing
from makelaar.commands import dv as dv_command
from makelaar.network import DV_ENTITY
from makelaar.network import HM_ENTITY
from makelaar.network import Network
from tests.broker.conftest import DV_ACS
from tests.broker.conftest import SSO
from tests.broker.conftest import Harness
from tests.broker.conftest import make_harness
from tests.broker.fakes import FakeDv
from tests.broker.helpers import assert_error_page
from tests.broker.helpers import assert_status
from tests.broker.helpers import snapshot
from tests.security.conftest import assert_one_clean_warning
from tests.sp_adapters.other_sps import OtherSp
from tests.sp_adapters.other_sps import make_other_sp

DV_B_OIN = "00000099000000000021"
DV_B_URL = "http://127.0.0.1:8821"
DV_B_ACS = f"{DV_B_URL}/saml/acs"


@pytest.fixture(scope="module")
def dv_b(
    network: Network,
    settings: BrokerSettings,
    rings: dict[str, KeyRing],
    tmp_path_factory: pytest.TempPathFactory,
) -> tuple[BrokerSettings, OtherSp]:
    """The broker's settings with DV B onboarded, and DV B."""
    base = tmp_path_factory.mktemp("two-dvs")
    shutil.copytree(network.directory / "metadata", base / "metadata")
    shutil.copy(network.catalogue_file, base / "catalogue.xml")
    clock = FixedClock(datetime.now(UTC))
    sp = make_other_sp("Tweede", DV_B_OIN, 8821, rings["eb"], network, base / "dv-b", clock,
                       post_acs=False)
    arguments = argparse.Namespace(
        metadata=sp.metadata, catalogue=sp.catalogue, registry=base / "metadata",
        broker_catalogue=None, hm_keys=network.keys_dir, authority=[network.ca_file],
    )
    assert dv_command._onboard(arguments, clock) == 0  # noqa: SLF001 - the command's body
    registered = base / "metadata" / dv_command.registry_name(sp.settings.entity_id)
    changed = dataclasses.replace(
        settings, metadata=(*settings.metadata, registered), catalogue=base / "catalogue.xml"
    )
    return changed, sp


@dataclasses.dataclass
class TwoDvs:
    harness: Harness
    other: FakeDv
    entity_id: str

    def for_dv_b(self) -> None:
        """The fake AD and MR answer as they would for a request of DV B."""
        ring = self.other.ring
        self.harness.ad.dv_entity_id = self.entity_id
        self.harness.mr.dv_entity_id = self.entity_id
        self.harness.mr.dv_encryption = ring.encryption.as_peer()


@pytest.fixture()
def two(
    network: Network,
    dv_b: tuple[BrokerSettings, OtherSp],
    rings: dict[str, KeyRing],
) -> Iterator[TwoDvs]:
    changed, sp = dv_b
    harness = make_harness(network, changed, rings, InMemoryStateStore)
    other = FakeDv(
        sp.settings.entity_id, rings["eb"], directory=harness.dv.directory, clock=harness.clock,
        transport=harness.dv.transport, hm_entity_id=HM_ENTITY, ars_url=f"{DV_B_URL}/saml/ars",
        sso_url=SSO, acs_url=DV_B_ACS,
    )
    harness.dv.transport._routes[f"{DV_B_URL}/"] = other.wsgi  # type: ignore[attr-defined]  # noqa: SLF001
    yield TwoDvs(harness, other, sp.settings.entity_id)


def _nothing_started(harness: Harness, before: dict[str, Any]) -> None:
    assert {k for k in snapshot(harness) if k.startswith(("flow:", "session:"))} == {
        k for k in before if k.startswith(("flow:", "session:"))
    }


def test_artifact_for_dv_a_gives_dv_b_no_message(two: TwoDvs) -> None:
    harness = two.harness
    location = harness.login().headers["Location"]
    assert location.startswith(DV_ACS)
    with pytest.raises(ArtifactError):
        two.other.resolve(location)


def test_artifact_for_dv_a_still_resolves_for_dv_a_after_dv_b_tried(two: TwoDvs) -> None:
    harness = two.harness
    location = harness.login().headers["Location"]
    with pytest.raises(ArtifactError):
        two.other.resolve(location)
    response = harness.dv.hm_response(location, harness.hm_certs)
    assert response.get("InResponseTo") is not None


def test_dv_b_cannot_have_its_answer_sent_to_dv_a_s_acs(
    two: TwoDvs, caplog: pytest.LogCaptureFixture
) -> None:
    harness = two.harness
    before = snapshot(harness)
    with caplog.at_level(logging.WARNING):
        answer = harness.post_request(two.other.request(acs_url=DV_ACS))
    assert_error_page(answer, 400)
    assert DV_ACS not in answer.get_data(as_text=True)
    assert snapshot(harness) == before
    assert_one_clean_warning(caplog)


def test_dv_b_cannot_use_a_service_index_only_dv_a_has(two: TwoDvs) -> None:
    harness = two.harness
    before = snapshot(harness)
    answer = harness.post_request(two.other.request(service_index=2))
    assert answer.status_code == 302 and answer.headers["Location"].startswith(DV_B_ACS + "?")
    response = two.other.hm_response(answer.headers["Location"], harness.hm_certs)
    assert_status(
        parse_response(response), StatusCode.REQUESTER, SubStatusCode.REQUEST_UNSUPPORTED
    )
    _nothing_started(harness, before)


def test_dv_b_index_1_means_dv_b_s_own_service(two: TwoDvs) -> None:
    harness = two.harness
    assert harness.post_request(two.other.request(service_index=1)).status_code == 302
    request, _ = harness.ad.receive(harness.choose().headers["Location"])
    names = {e.get("Name"): e[0].text for e in request.other_extensions}
    assert names["urn:etoegang:core:ServiceID"] == f"urn:etoegang:DV:{DV_B_OIN}:services:1"
    assert names["urn:etoegang:core:IntendedAudience"] == two.entity_id


def _dv_b_to_mr(two: TwoDvs) -> Any:
    harness = two.harness
    assert harness.post_request(two.other.request(service_index=1)).status_code == 302
    return harness.ad_leg(harness.choose())


def test_honest_dv_b_login_completes(two: TwoDvs) -> None:
    two.for_dv_b()
    final = two.harness.mr_leg(_dv_b_to_mr(two))
    assert final.headers["Location"].startswith(DV_B_ACS + "?")
    response = parse_response(two.other.hm_response(final.headers["Location"],
                                                    two.harness.hm_certs))
    assert response.status.is_success


def test_mr_statement_made_out_to_dv_a_is_not_delivered_to_dv_b(
    two: TwoDvs, caplog: pytest.LogCaptureFixture
) -> None:
    two.for_dv_b()
    two.harness.mr.dv_entity_id = DV_ENTITY  # the MR's IntendedAudience: the other DV
    to_mr = _dv_b_to_mr(two)
    with caplog.at_level(logging.WARNING):
        answer = two.harness.mr_leg(to_mr)
    _refused_to_dv_b(two, answer)
    assert_one_clean_warning(caplog)


def test_ad_assertion_made_out_to_dv_a_is_not_used_for_dv_b(
    two: TwoDvs, caplog: pytest.LogCaptureFixture
) -> None:
    two.for_dv_b()
    two.harness.ad.dv_entity_id = DV_ENTITY
    with caplog.at_level(logging.WARNING):
        answer = _dv_b_to_mr(two)
    _refused_to_dv_b(two, answer)
    assert_one_clean_warning(caplog)


def _refused_to_dv_b(two: TwoDvs, answer: Any) -> None:
    assert answer.status_code == 302 and answer.headers["Location"].startswith(DV_B_ACS + "?")
    response = parse_response(two.other.hm_response(answer.headers["Location"],
                                                    two.harness.hm_certs))
    assert_status(response, StatusCode.RESPONDER, SubStatusCode.AUTHN_FAILED)
    assert not any(k.startswith(("flow:", "session:")) for k in snapshot(two.harness))
