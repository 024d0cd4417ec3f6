"""Delivery by HTTP-POST when the DV's chosen ACS has that binding, and Scoping preselection."""

from __future__ import annotations

import base64
import dataclasses
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest
from lxml import etree

from broker.settings import BrokerSettings
from etoegang.clock import RandomIdSource
from etoegang.clock import SystemClock
from etoegang.crypto.xmldsig import VerifyPolicy
from etoegang.crypto.xmldsig import verify
from etoegang.messages.authn_request import IDPEntry
from etoegang.messages.authn_request import Scoping
from etoegang.messages.response import parse_response
from etoegang.state import InMemoryStateStore
from etoegang.xml.ns import MD
from etoegang.xml.parser import parse_xml
from keys.ring import KeyRing
from makelaar.network import AD_ENTITY
from makelaar.network import DEMO_SERVICES
from makelaar.network import DV_OIN
from makelaar.network import Network
from metadata.build import build_entity
from metadata.build import sign_metadata
from metadata.build import to_bytes
from metadata.inputs import DvInput
from metadata.inputs import DvService
from metadata.model import LocalizedText
from metadata.model import Organisation
from tests.broker.conftest import IDP_URL
from tests.broker.conftest import Harness
from tests.broker.conftest import make_harness

DV2 = f"urn:etoegang:DV:{DV_OIN}:entities:9002"
DV2_URL = "http://dv2.test"
DV2_POST_ACS = f"{DV2_URL}/saml/acs-post"


def _dv2_metadata(path: Path, ring: KeyRing) -> Path:
    """A second DV entity of the demo DV (same services) whose ACS index 2 is HTTP-POST."""
    element = build_entity(
        DvInput(
            entity_id=DV2,
            base_url=DV2_URL,
            keys=ring,
            organisation=Organisation.single("DV2", "DV2", DV2_URL),
            contacts=(),
            oin=DV_OIN,
            services=tuple(
                DvService(s.index, (LocalizedText("nl", s.name_nl),), is_default=s.index == 1)
                for s in DEMO_SERVICES
            ),
            valid_for=timedelta(days=30),
        ),
        SystemClock(),
        RandomIdSource(),
    )
    sp = element.find(f"{{{MD}}}SPSSODescriptor")
    assert sp is not None
    acs = sp.find(f"{{{MD}}}AssertionConsumerService")
    assert acs is not None
    post = etree.Element(f"{{{MD}}}AssertionConsumerService")
    post.set("Binding", "urn:oasis:names:tc:SAML:2.0:bindings:HTTP-POST")
    post.set("Location", DV2_POST_ACS)
    post.set("index", "2")
    acs.addnext(post)
    path.write_bytes(to_bytes(sign_metadata(element, ring.signing)))
    return path


@pytest.fixture()
def dv2_harness(
    network: Network, settings: BrokerSettings, rings: dict[str, KeyRing], tmp_path: Path
) -> Iterator[Harness]:
    extra = _dv2_metadata(tmp_path / "dv2.xml", rings["dv"])
    widened = dataclasses.replace(settings, metadata=(*settings.metadata, extra))
    harness = make_harness(network, widened, rings, InMemoryStateStore)
    harness.dv.entity_id = DV2
    harness.dv.acs_url = DV2_POST_ACS
    # The AD and MR make their assertions out to the DV in the query's IntendedAudience.
    harness.ad.dv_entity_id = harness.mr.dv_entity_id = DV2
    yield harness


def test_post_binding_acs_gets_an_auto_submitting_form(dv2_harness: Harness) -> None:
    harness = dv2_harness
    request = harness.dv.request(service_index=1, acs_index=2)
    started = harness.post_request(request, relay="dv2-state")
    assert started.status_code == 302, started.get_data(as_text=True)
    final = harness.mr_leg(harness.ad_leg(harness.choose()))
    assert final.status_code == 200
    page = final.get_data(as_text=True)
    assert f'action="{DV2_POST_ACS}"' in page
    assert 'name="RelayState" value="dv2-state"' in page
    nonce = final.headers["Content-Security-Policy"].split("'nonce-")[1].split("'")[0]
    assert f'nonce="{nonce}"' in page
    value = page.split('name="SAMLResponse" value="')[1].split('"')[0]
    response_el = parse_xml(base64.b64decode(value))
    verify(response_el, VerifyPolicy(trusted=harness.hm_certs))
    response = parse_response(response_el)
    assert response.status.is_success and response.destination == DV2_POST_ACS
    assert response.in_response_to == request.get("ID")


def test_scoping_preselects_an_admitted_ad(harness: Harness) -> None:
    request = harness.dv.request(scoping=Scoping(idp_entries=(IDPEntry(AD_ENTITY),)))
    assert harness.post_request(request).status_code == 302
    skipped = harness.client.get("/broker/discovery")
    assert skipped.status_code == 302
    assert skipped.headers["Location"].startswith(f"{IDP_URL}/ad/sso")


def test_scoping_to_an_unknown_ad_shows_the_list(harness: Harness) -> None:
    unknown = "urn:etoegang:AD:00000099000000000042:entities:9001"
    request = harness.dv.request(scoping=Scoping(idp_entries=(IDPEntry(unknown),)))
    assert harness.post_request(request).status_code == 302
    assert harness.client.get("/broker/discovery").status_code == 200
