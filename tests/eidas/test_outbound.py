"""Outbound: a foreign connector (the node simulator) sends a Dutch business through the
broker's proxy service, the normal eHerkenning login runs (fake AD and MR), and the connector
gets LegalPersonIdentifier NL/<country>/<KvK> in an AES-GCM encrypted assertion."""

from __future__ import annotations

import base64

from eidas_node.vocab import Level
from etoegang.crypto.xmlenc import decrypt
from etoegang.xml.parser import parse_xml
from keys.ring import KeyRing
from makelaar.eidas_network import NODE_COUNTRY
from makelaar.eidas_network import PROXY_DV_ENTITY
from makelaar.network import AD_ENTITY
from policies.loa import Loa
from tests.broker.fakes import FakeMr
from tests.broker.helpers import assert_error_page
from tests.eidas.conftest import World
from tests.eidas.conftest import csrf_of
from tests.eidas.conftest import post_fields

XENC11_GCM = "http://www.w3.org/2009/xmlenc11#aes256-gcm"


def _proxy_mr(world: World, rings: dict[str, KeyRing]) -> FakeMr:
    """The MR of this login encrypts for the proxy service (the "DV" of an outbound login)."""
    mr = world.harness.mr
    mr.dv_entity_id = PROXY_DV_ENTITY
    mr.dv_encryption = rings["eb"].encryption.as_peer()
    return mr


def _start(world: World, level: Level = Level.SUBSTANTIAL) -> tuple[str, dict[str, str]]:
    page = world.browser.get("/eidas-node/connector")
    return post_fields(world.browser.post(
        "/eidas-node/connector", data={"csrf_token": csrf_of(page), "level": level.value}))


def test_dutch_company_logs_in_at_a_foreign_service(
    world: World, eidas_rings: dict[str, KeyRing]
) -> None:
    harness = world.harness
    action, fields = _start(world)
    assert action.endswith("/broker/eidas/proxy/sso")
    started = harness.client.post("/broker/eidas/proxy/sso", data=fields)
    assert started.status_code == 302, started.get_data(as_text=True)[:300]
    ad_request, relay = harness.ad.receive(harness.choose(AD_ENTITY).headers["Location"])
    assert ad_request.requested_authn_context.class_refs == (Loa.EH3.urn,)  # type: ignore[union-attr]
    assert ad_request.force_authn is True
    after_ad = harness.follow(harness.ad.answer(
        ad_request, relay, loa=Loa.EH3,
        service_uuid=next(str(e[0].text) for e in ad_request.other_extensions
                          if e.get("Name") == "urn:etoegang:core:ServiceUUID"),
        audiences=(harness.ad.hm_entity_id, PROXY_DV_ENTITY, harness.ad.mr_entity_id)))
    final = harness.mr_leg(after_ad, peer=_proxy_mr(world, eidas_rings), legal_kvk="12345678")
    action, answer = post_fields(final)
    assert action.endswith("/eidas-node/connector/acs")
    xml = base64.b64decode(answer["SAMLResponse"])
    assert XENC11_GCM.encode() in xml and b"12345678" not in xml
    # The connector (and only it) can read the answer.
    encrypted = parse_xml(xml).find(".//{urn:oasis:names:tc:SAML:2.0:assertion}EncryptedAssertion")
    assert encrypted is not None
    plain = decrypt(encrypted, eidas_rings["eidas-node"])
    assert f"NL/{NODE_COUNTRY}/12345678".encode() in __import__("lxml.etree").etree.tostring(plain)
    result = world.browser.post("/eidas-node/connector/acs", data=answer)
    text = result.get_data(as_text=True)
    assert result.status_code == 200, text[:500]
    assert f"NL/{NODE_COUNTRY}/12345678" in text
    assert "http://eidas.europa.eu/LoA/substantial" in text


def test_unregistered_connector_is_refused(world: World, eidas_rings: dict[str, KeyRing]) -> None:
    from eidas_node.protocol import build_connector_request
    from etoegang.xml.parser import serialize
    from makelaar.eidas_network import urls_of
    from tests.broker.conftest import HM_URL

    element = build_connector_request(
        issuer="https://connector.example/metadata",
        destination=urls_of(HM_URL, "http://x")["proxy_sso"], level=Level.HIGH, requested=(),
        ring=eidas_rings["eidas-node"], signing=__import__("eidas_node.vocab").vocab.Signing.ECDSA,
        clock=world.harness.clock, ids=world.harness.context.ids)
    fields = {"SAMLRequest": base64.b64encode(serialize(element)).decode()}
    assert_error_page(world.harness.client.post("/broker/eidas/proxy/sso", data=fields), 403)
