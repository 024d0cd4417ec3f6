"""Signatures and trust through the roles' real endpoints (issue 5): a removed signature, an
unsigned assertion in a signed Response and the reverse, a certificate injected through
KeyInfo, an HMAC signature, SHA-1 downgrades, and a peer's valid key used for another peer's
entityID (the MR signs as the AD; the AD signs as the DV or as the HM).

Hostile signatures are real (xmlsec), so each refusal comes from Makelaar's trust policy.
When the assertion's signature is the one thing attacked, the enclosing Response is signed
again by the honest peer, so only the assertion-level defence can refuse it.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
import xmlsec

from etoegang.crypto.xmldsig import DigestMethod
from etoegang.crypto.xmldsig import KeyInfoStyle
from etoegang.crypto.xmldsig import sign
from keys.devpki import DevCa
from keys.devpki import issue
from keys.ring import KeyPair
from keys.ring import KeyRing
from tests.broker.conftest import IDP_URL
from tests.broker.conftest import Harness
from tests.security.conftest import ASSERTION
from tests.security.conftest import SIGNATURE
from tests.security.conftest import Element
from tests.security.conftest import Mutation
from tests.security.conftest import assert_one_clean_warning
from tests.security.conftest import assert_refusal_page
from tests.security.conftest import live_state
from tests.security.conftest import tampered_issue
from tests.security.test_attacks_xsw import _at_ad
from tests.security.test_attacks_xsw import _dv_attack
from tests.security.test_signature_trust import _private
from tests.security.test_signature_trust import _resign
from tests.sp_adapters.conftest import DvHarness

RSA_SHA1 = "http://www.w3.org/2000/09/xmldsig#rsa-sha1"
SHA1 = "http://www.w3.org/2000/09/xmldsig#sha1"
PREFIXES = ("xs", "xacml-saml")


@pytest.fixture(scope="module")
def attacker(dev_ca: DevCa) -> KeyPair:
    """Issued by the very CA that signs the network's metadata: that earns no trust."""
    return issue(dev_ca, "Attacker", usage="signing")


def _unsign(element: Element) -> Element:
    for signature in element.findall(SIGNATURE):
        element.remove(signature)
    return element


Change = Callable[[Element], Any]


def _changes(rings: dict[str, KeyRing], attacker: KeyPair, signer: str) -> dict[str, Change]:
    """One change each to a signed element of peer ``signer``."""
    own = rings[signer].signing
    other = rings["mr" if signer != "mr" else "ad"].signing
    hmac_key = xmlsec.Key.from_binary_data(xmlsec.constants.KeyDataHmac, own.as_peer().der)

    def resign(key: KeyPair, **options: Any) -> Change:
        return lambda e: sign(_unsign(e), key, inclusive_prefixes=PREFIXES, **options)

    return {
        "signature_removed": _unsign,
        "certificate_injected_in_key_info": resign(attacker, key_info=KeyInfoStyle.X509),
        "own_key_name_over_attacker_signature": lambda e: _named(e, attacker, own),
        "hmac_keyed_with_the_certificate": lambda e: _resign(
            e, hmac_key, method=xmlsec.constants.TransformHmacSha256.href,
            digest=DigestMethod.SHA256.value,
        ),
        "rsa_sha1_downgrade": lambda e: _resign(
            e, _private(own), method=RSA_SHA1, digest=DigestMethod.SHA256.value
        ),
        "sha1_digest_downgrade": lambda e: _resign(
            e, _private(own), method="http://www.w3.org/2001/04/xmldsig-more#rsa-sha256",
            digest=SHA1,
        ),
        "another_peers_valid_key": resign(other),
    }


def _named(element: Element, signer: KeyPair, key: KeyPair) -> Element:
    """Signed by ``signer``, but the KeyName says the honest peer's key."""
    sign(_unsign(element), signer, inclusive_prefixes=PREFIXES)
    name = element.find(f"{SIGNATURE}//{{http://www.w3.org/2000/09/xmldsig#}}KeyName")
    assert name is not None
    name.text = key.key_name
    return element


KINDS = (
    "signature_removed",
    "certificate_injected_in_key_info",
    "own_key_name_over_attacker_signature",
    "hmac_keyed_with_the_certificate",
    "rsa_sha1_downgrade",
    "sha1_digest_downgrade",
    "another_peers_valid_key",
)


def _on_assertion(change: Change, resigner: KeyPair) -> Mutation:
    """Change the assertion's signature, then let the honest peer sign its Response again."""

    def mutate(message: Element) -> Element:
        assertion = message.find(f".//{ASSERTION}")
        assert assertion is not None
        change(assertion)
        sign(_unsign(message), resigner, inclusive_prefixes=PREFIXES)
        return message

    return mutate


def _on_root(change: Change) -> Mutation:
    def mutate(message: Element) -> Element:
        change(message)
        return message

    return mutate


def _ad_attack(harness: Harness, caplog: pytest.LogCaptureFixture, mutate: Mutation) -> None:
    request, relay, uuid = _at_ad(harness)
    before = live_state(harness.state)
    caplog.clear()
    with tampered_issue(harness.ad, mutate):
        url = harness.ad.answer(request, relay, service_uuid=uuid)
    answer = harness.follow(url)
    assert_refusal_page(answer, 403)
    assert live_state(harness.state) == before
    assert_one_clean_warning(caplog)
    honest = harness.follow(harness.ad.answer(request, relay, service_uuid=uuid))
    assert honest.headers["Location"].startswith(f"{IDP_URL}/mr/")


@pytest.mark.parametrize("kind", KINDS)
def test_ad_assertion_signature_attack_at_broker_acs_is_refused(
    harness: Harness, caplog: pytest.LogCaptureFixture, rings: dict[str, KeyRing],
    attacker: KeyPair, kind: str,
) -> None:
    """signature_removed here is 'an unsigned assertion in a signed Response'."""
    change = _changes(rings, attacker, "ad")[kind]
    _ad_attack(harness, caplog, _on_assertion(change, rings["ad"].signing))


@pytest.mark.parametrize("kind", KINDS)
def test_ad_response_signature_attack_at_broker_acs_is_refused(
    harness: Harness, caplog: pytest.LogCaptureFixture, rings: dict[str, KeyRing],
    attacker: KeyPair, kind: str,
) -> None:
    """signature_removed here is 'a signed assertion in an unsigned Response' (spec §4.3:
    every message is signed by its sender, also inside an ArtifactResponse)."""
    change = _changes(rings, attacker, "ad")[kind]
    _ad_attack(harness, caplog, _on_root(change))


def test_mr_signs_as_the_ad_at_broker_acs_is_refused(
    harness: Harness, caplog: pytest.LogCaptureFixture, rings: dict[str, KeyRing]
) -> None:
    """Response and assertion say Issuer AD and are signed with the MR's registered key."""
    mr = rings["mr"].signing
    _ad_attack(harness, caplog, _on_assertion(
        lambda e: sign(_unsign(e), mr, inclusive_prefixes=PREFIXES), mr
    ))


def test_artifact_response_signed_with_the_mrs_key_for_the_ad_is_refused(
    harness: Harness, caplog: pytest.LogCaptureFixture, rings: dict[str, KeyRing]
) -> None:
    """The AD's ArtifactResolutionService answers with the MR's (valid, registered) key."""
    request, relay, uuid = _at_ad(harness)
    url = harness.ad.answer(request, relay, service_uuid=uuid)
    before = live_state(harness.state)
    service = harness.ad.service
    object.__setattr__(service.me, "ring", rings["mr"])
    caplog.clear()
    try:
        answer = harness.follow(url)
    finally:
        object.__setattr__(service.me, "ring", rings["ad"])
    assert_refusal_page(answer, 403)
    assert live_state(harness.state) == before
    assert_one_clean_warning(caplog)


@pytest.mark.parametrize("kind", KINDS)
def test_dv_request_signature_attack_at_broker_sso_is_refused(
    harness: Harness, caplog: pytest.LogCaptureFixture, rings: dict[str, KeyRing],
    attacker: KeyPair, kind: str,
) -> None:
    genuine = harness.dv.request()
    attacked = harness.dv.request(request_id=genuine.get("ID"))
    _changes(rings, attacker, "dv")[kind](attacked)
    before = live_state(harness.state)
    caplog.clear()
    answer = harness.post_request(attacked)
    assert_refusal_page(answer, 403)
    assert live_state(harness.state) == before, "no flow, the request ID not used up"
    assert_one_clean_warning(caplog)
    assert harness.post_request(genuine).status_code == 302


def test_ad_key_signing_as_the_dv_at_broker_sso_is_refused(
    harness: Harness, caplog: pytest.LogCaptureFixture, rings: dict[str, KeyRing]
) -> None:
    before = live_state(harness.state)
    answer = harness.post_request(harness.dv.request(key=rings["ad"].signing))
    assert_refusal_page(answer, 403)
    assert live_state(harness.state) == before
    assert_one_clean_warning(caplog)


@pytest.mark.parametrize("kind", KINDS)
def test_hm_assertion_signature_attack_at_dv_acs_is_refused(
    dv: DvHarness, caplog: pytest.LogCaptureFixture, rings: dict[str, KeyRing],
    attacker: KeyPair, kind: str,
) -> None:
    change = _changes(rings, attacker, "hm")[kind]
    _dv_attack(dv, caplog, _on_assertion(change, rings["hm"].signing))


@pytest.mark.parametrize("kind", KINDS)
def test_hm_response_signature_attack_at_dv_acs_is_refused(
    dv: DvHarness, caplog: pytest.LogCaptureFixture, rings: dict[str, KeyRing],
    attacker: KeyPair, kind: str,
) -> None:
    change = _changes(rings, attacker, "hm")[kind]
    _dv_attack(dv, caplog, _on_root(change))


def test_changed_xs_namespace_in_carried_message_breaks_the_artifact_response_signature(
    harness: Harness,
) -> None:
    """A QName in content (xsi:type="xs:string") makes xmlns:xs meaningful: the
    ArtifactResponse signature must cover it (found by the fuzz suite; fixed in
    etoegang.exchange.artifact_service by signing xs/xacml-saml inclusively)."""
    from etoegang.bindings import soap
    from etoegang.crypto.xmldsig import VerifyPolicy
    from etoegang.crypto.xmldsig import verify
    from etoegang.errors import SignatureError
    from etoegang.xml.parser import parse_xml

    request, relay, uuid = _at_ad(harness)
    url = harness.ad.answer(request, relay, service_uuid=uuid)
    routes = harness.dv.transport._routes  # type: ignore[attr-defined]  # noqa: SLF001
    honest = routes[f"{IDP_URL}/ad/"]
    bodies: list[bytes] = []

    def record(environ: dict[str, Any], start_response: Any) -> Any:
        body = b"".join(honest(environ, start_response))
        bodies.append(body)
        return [body]

    routes[f"{IDP_URL}/ad/"] = record
    try:
        harness.follow(url)
    finally:
        routes[f"{IDP_URL}/ad/"] = honest
    changed = bodies[0].replace(
        b'xmlns:xs="http://www.w3.org/2001/XMLSchema"', b'xmlns:xs="urn:evil:types"'
    )
    assert changed != bodies[0]
    artifact_response = soap.unwrap(changed, soap.content_type()).body
    trusted = harness.context.artifacts.directory.signing_certificates(harness.ad.entity_id)
    with pytest.raises(SignatureError):
        verify(parse_xml(serialize_(artifact_response)), VerifyPolicy(trusted=tuple(trusted)))


def serialize_(element: Element) -> bytes:
    from etoegang.xml.parser import serialize

    return serialize(element)
