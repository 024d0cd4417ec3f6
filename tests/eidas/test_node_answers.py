"""Answers from an eIDAS node that the broker must refuse (spec §8.2, RIA crypto profile), and
the two signature methods it must accept."""

from __future__ import annotations

import base64

from broker.eidas.messages import attribute_values
from eidas_node.identities import identity
from eidas_node.protocol import Answer
from eidas_node.protocol import build_answer
from eidas_node.vocab import Level
from eidas_node.vocab import Signing
from etoegang.crypto.xmldsig import SignatureMethod
from etoegang.crypto.xmlenc import CBC_COMPAT_PROFILE
from etoegang.messages.authn_request import parse_authn_request
from etoegang.messages.status import StatusCode
from etoegang.messages.status import SubStatusCode
from etoegang.xml.parser import parse_xml
from etoegang.xml.parser import serialize
from keys.ring import KeyRing
from makelaar.eidas_network import urls_of
from tests.broker.conftest import HM_URL
from tests.broker.helpers import assert_error_page
from tests.broker.helpers import assert_status
from tests.broker.helpers import dv_answer
from tests.eidas.conftest import NODE_URL
from tests.eidas.conftest import World
from tests.eidas.conftest import decoded
from tests.eidas.conftest import post_fields

URLS = urls_of(HM_URL, NODE_URL)


def _answer(world: World, rings: dict[str, KeyRing], *, request_id: str | None = None,
            signing: Signing = Signing.ECDSA, **options: object) -> tuple[dict[str, str], str]:
    """Start a login and answer it directly with a crafted node Response."""
    _, fields = post_fields(world.start())
    request = parse_authn_request(parse_xml(decoded(fields, "SAMLRequest")))
    element = build_answer(
        Answer(URLS["node_proxy"], URLS["connector_acs"], URLS["connector"],
               request_id or request.id, Level.SUBSTANTIAL, identity("it-1").attributes),
        ring=rings["eidas-node"], signing=signing,
        recipient=rings["eb"].encryption.as_peer(), clock=world.harness.clock,
        ids=world.harness.context.ids, **options,  # type: ignore[arg-type]
    )
    return ({"SAMLResponse": base64.b64encode(serialize(element)).decode(),
             "RelayState": fields["RelayState"]}, request.id)


def test_ecdsa_signed_answer_is_accepted(world: World, eidas_rings: dict[str, KeyRing]) -> None:
    fields, _ = _answer(world, eidas_rings, signing=Signing.ECDSA)
    assert world.to_broker(fields).status_code == 302


def test_rsa_pss_signed_answer_is_accepted(world: World, eidas_rings: dict[str, KeyRing]) -> None:
    fields, _ = _answer(world, eidas_rings, signing=Signing.RSA_PSS)
    assert world.to_broker(fields).status_code == 302


def test_pkcs1_v15_signature_is_refused(world: World, eidas_rings: dict[str, KeyRing]) -> None:
    fields, _ = _answer(world, eidas_rings, signing=Signing.RSA_PSS,
                        method=SignatureMethod.RSA_SHA256)
    assert_error_page(world.to_broker(fields), 403)


def test_sha1_signature_is_refused(world: World, eidas_rings: dict[str, KeyRing]) -> None:
    fields, _ = _answer(world, eidas_rings, signing=Signing.RSA_PSS)
    xml = base64.b64decode(fields["SAMLResponse"]).replace(
        b"http://www.w3.org/2007/05/xmldsig-more#sha256-rsa-MGF1",
        b"http://www.w3.org/2000/09/xmldsig#rsa-sha1", 1)
    fields["SAMLResponse"] = base64.b64encode(xml).decode()
    assert_error_page(world.to_broker(fields), 403)


def test_unsigned_response_is_refused(world: World, eidas_rings: dict[str, KeyRing]) -> None:
    fields, _ = _answer(world, eidas_rings, sign_response=False)
    assert_error_page(world.to_broker(fields), 403)


def test_answer_signed_by_another_key_is_refused(
    world: World, eidas_rings: dict[str, KeyRing]
) -> None:
    wrong = {**eidas_rings, "eidas-node": KeyRing(signing=eidas_rings["mr"].signing,
                                                  encryption=eidas_rings["mr"].encryption)}
    fields, _ = _answer(world, wrong, signing=Signing.RSA_PSS)
    assert_error_page(world.to_broker(fields), 403)


def test_cbc_encrypted_assertion_is_refused(world: World, eidas_rings: dict[str, KeyRing]) -> None:
    fields, _ = _answer(world, eidas_rings, profile=CBC_COMPAT_PROFILE)
    response = dv_answer(world.harness, world.to_broker(fields))
    assert_status(response, StatusCode.RESPONDER, SubStatusCode.AUTHN_FAILED)


def test_answer_to_another_request_is_refused(
    world: World, eidas_rings: dict[str, KeyRing]
) -> None:
    fields, _ = _answer(world, eidas_rings, request_id="_another-request-0123456789")
    assert_error_page(world.to_broker(fields), 400)


def test_replayed_answer_is_refused(world: World, eidas_rings: dict[str, KeyRing]) -> None:
    fields, _ = _answer(world, eidas_rings)
    assert world.to_broker(fields).status_code == 302
    assert_error_page(world.to_broker(fields), 400)


def test_attribute_values_reads_first_texts() -> None:
    from etoegang.messages.assertion import Assertion
    from etoegang.messages.assertion import Attribute
    from etoegang.messages.assertion import AttributeValue
    from tests.conftest import GOLDEN_INSTANT

    assertion = Assertion("_a" * 3, GOLDEN_INSTANT, "x", attributes=(
        Attribute("n", (AttributeValue(" v "),)),))
    assert attribute_values(assertion) == {"n": "v"}
