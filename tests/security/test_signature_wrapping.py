"""XML signature wrapping (XSW1..XSW8, Somorovsky et al. 2012, as SAMLRaider builds them).

Each attack starts from a genuine message built and signed here, moves or copies the signed
element once, and checks that verifying the element a victim would trust is refused with a
typed SignatureError. Every attack is also run with the duplicate-ID defence switched off, to
show that the remaining checks (reference, shape, xmlsec) refuse it too.
"""

from __future__ import annotations

import copy
from collections.abc import Callable
from collections.abc import Iterator

import pytest
from lxml import etree

import etoegang.crypto.xmldsig as xmldsig
from etoegang.crypto.xmldsig import Verified
from etoegang.crypto.xmldsig import VerifyPolicy
from etoegang.crypto.xmldsig import sign
from etoegang.crypto.xmldsig import verify
from etoegang.errors import DuplicateId
from etoegang.errors import SignatureError
from etoegang.errors import SignatureMissing
from etoegang.errors import SignatureReferenceError
from etoegang.xml.ns import DS
from etoegang.xml.ns import SAML
from etoegang.xml.ns import SAMLP
from etoegang.xml.ns import qname
from etoegang.xml.parser import parse_xml
from etoegang.xml.parser import serialize
from keys.ring import KeyPair
from keys.ring import KeyRing

EVIL = "urn:etoegang:1.9:EntityConcernedID:KvKnr:66666666"
GENUINE = "urn:etoegang:1.9:EntityConcernedID:KvKnr:12345678"
SIGNATURE = qname(DS, "Signature")
NAME_ID = qname(SAML, "NameID")
ASSERTION = qname(SAML, "Assertion")
RESPONSE = qname(SAMLP, "Response")
NSMAP = {"saml": SAML, "samlp": SAMLP}
INSTANT = "2026-11-01T12:00:00Z"


# --- genuine messages -------------------------------------------------------------------------


def _issuer(parent: etree._Element, entity: str) -> None:
    etree.SubElement(parent, qname(SAML, "Issuer")).text = entity


def _status(parent: etree._Element) -> None:
    status = etree.SubElement(parent, qname(SAMLP, "Status"))
    etree.SubElement(
        status, qname(SAMLP, "StatusCode"), Value="urn:oasis:names:tc:SAML:2.0:status:Success"
    )


def build_assertion(
    assertion_id: str, issuer: str = "urn:etoegang:HM:00000003244440010000:entities:9632"
) -> etree._Element:
    """An eHerkenning-shaped assertion: Issuer, Subject/NameID, Conditions, AttributeStatement."""
    assertion = etree.Element(
        ASSERTION, nsmap=NSMAP, ID=assertion_id, Version="2.0", IssueInstant=INSTANT
    )
    _issuer(assertion, issuer)
    subject = etree.SubElement(assertion, qname(SAML, "Subject"))
    name_id = etree.SubElement(
        subject, NAME_ID, Format="urn:oasis:names:tc:SAML:2.0:nameid-format:persistent"
    )
    name_id.text = GENUINE
    conditions = etree.SubElement(
        assertion, qname(SAML, "Conditions"), NotBefore=INSTANT, NotOnOrAfter="2026-11-01T12:02:00Z"
    )
    restriction = etree.SubElement(conditions, qname(SAML, "AudienceRestriction"))
    etree.SubElement(
        restriction, qname(SAML, "Audience")
    ).text = "urn:etoegang:DV:00000001234567890000:entities:0001"
    statement = etree.SubElement(assertion, qname(SAML, "AttributeStatement"))
    attribute = etree.SubElement(
        statement, qname(SAML, "Attribute"), Name="urn:etoegang:core:ServiceID"
    )
    etree.SubElement(
        attribute, qname(SAML, "AttributeValue")
    ).text = "urn:etoegang:DV:00000001234567890000:services:0001"
    return assertion


def build_response(assertion: etree._Element, response_id: str = "_response1") -> etree._Element:
    response = etree.Element(
        RESPONSE, nsmap=NSMAP, ID=response_id, Version="2.0", IssueInstant=INSTANT
    )
    _issuer(response, "urn:etoegang:HM:00000003244440010000:entities:9632")
    _status(response)
    response.append(assertion)
    return response


def wire(element: etree._Element) -> etree._Element:
    """Serialise and parse again through the hardened parser, as the victim receives it."""
    return parse_xml(serialize(element))


def signed_response(hm: KeyPair) -> etree._Element:
    """samlp:Response signed by the HM, holding an assertion signed by the HM."""
    assertion = build_assertion("_assertion1")
    sign(assertion, hm)
    response = build_response(assertion)
    sign(response, hm)
    return wire(response)


def signed_response_with_advice(hm: KeyPair, ad: KeyPair) -> etree._Element:
    """An HM assertion whose saml:Advice holds the AD's signed assertion (§4.5/§4.6 shape)."""
    inner = build_assertion(
        "_ad_assertion1", issuer="urn:etoegang:AD:00000003244440010000:entities:1"
    )
    sign(inner, ad)
    outer = build_assertion("_hm_assertion1")
    advice = etree.Element(qname(SAML, "Advice"))
    advice.append(inner)
    conditions = outer.find(qname(SAML, "Conditions"))
    assert conditions is not None
    conditions.addnext(advice)
    sign(outer, hm)
    response = build_response(outer)
    sign(response, hm)
    return wire(response)


def signed_artifact_response(hm: KeyPair) -> etree._Element:
    """samlp:ArtifactResponse signed by the HM around a signed Response with a signed assertion."""
    assertion = build_assertion("_assertion1")
    sign(assertion, hm)
    response = build_response(assertion)
    sign(response, hm)
    artifact_response = etree.Element(
        qname(SAMLP, "ArtifactResponse"),
        nsmap=NSMAP,
        ID="_artresp1",
        Version="2.0",
        IssueInstant=INSTANT,
    )
    _issuer(artifact_response, "urn:etoegang:HM:00000003244440010000:entities:9632")
    _status(artifact_response)
    artifact_response.append(response)
    sign(artifact_response, hm)
    return wire(artifact_response)


# --- the eight wrapping variants --------------------------------------------------------------


def _signature_of(element: etree._Element) -> etree._Element:
    signature = element.find(SIGNATURE)
    assert signature is not None
    return signature


def _unsigned_copy(element: etree._Element) -> etree._Element:
    clone = copy.deepcopy(element)
    clone.remove(_signature_of(clone))
    return clone


def _make_evil(element: etree._Element) -> None:
    for name_id in element.iter(NAME_ID):
        name_id.text = EVIL


def _parent(element: etree._Element) -> etree._Element:
    parent = element.getparent()
    assert parent is not None
    return parent


def xsw1(target: etree._Element) -> etree._Element:
    """The target turns evil under a new ID; its unsigned original goes inside its Signature."""
    clone = _unsigned_copy(target)
    _make_evil(target)
    target.set("ID", "_evil_ID")
    _signature_of(target).append(clone)
    return target


def xsw2(target: etree._Element) -> etree._Element:
    """As XSW1, but the original sits before the Signature as a detached sibling."""
    clone = _unsigned_copy(target)
    _make_evil(target)
    target.set("ID", "_evil_ID")
    signature = _signature_of(target)
    signature.addprevious(clone)
    return target


def xsw3(target: etree._Element) -> etree._Element:
    """An unsigned evil copy with a new ID goes before the genuine signed element."""
    evil = _unsigned_copy(target)
    _make_evil(evil)
    evil.set("ID", "_evil_ID")
    target.addprevious(evil)
    return evil


def xsw4(target: etree._Element) -> etree._Element:
    """An unsigned evil copy takes the genuine element's place and wraps it."""
    evil = _unsigned_copy(target)
    _make_evil(evil)
    evil.set("ID", "_evil_ID")
    target.addprevious(evil)
    evil.append(target)
    return evil


def xsw5(target: etree._Element) -> etree._Element:
    """The signed element turns evil under a new ID; an unsigned original is appended at the end."""
    clone = _unsigned_copy(target)
    _make_evil(target)
    target.set("ID", "_evil_ID")
    _parent(target).append(clone)
    return target


def xsw6(target: etree._Element) -> etree._Element:
    """As XSW5, but the unsigned original goes inside the evil element's Signature."""
    clone = _unsigned_copy(target)
    _make_evil(target)
    target.set("ID", "_evil_ID")
    _signature_of(target).append(clone)
    return target


def xsw7(target: etree._Element) -> etree._Element:
    """An unsigned evil copy with the genuine ID hides in an Extensions element before it."""
    extensions = etree.Element(qname(etree.QName(_parent(target)).namespace or SAMLP, "Extensions"))
    target.addprevious(extensions)
    evil = _unsigned_copy(target)
    _make_evil(evil)
    extensions.append(evil)
    return evil


def xsw8(target: etree._Element) -> etree._Element:
    """The signed element turns evil keeping its ID; the original goes in a ds:Object."""
    clone = _unsigned_copy(target)
    _make_evil(target)
    holder = etree.SubElement(_signature_of(target), qname(DS, "Object"))
    holder.append(clone)
    return target


Attack = Callable[[etree._Element], etree._Element]
ATTACKS: dict[str, Attack] = {
    "XSW1": xsw1,
    "XSW2": xsw2,
    "XSW3": xsw3,
    "XSW4": xsw4,
    "XSW5": xsw5,
    "XSW6": xsw6,
    "XSW7": xsw7,
    "XSW8": xsw8,
}


# --- helpers ----------------------------------------------------------------------------------


def attacked(message: etree._Element, target: etree._Element, attack: Attack) -> etree._Element:
    """Apply ``attack`` to ``target`` in ``message``, send it over the wire, return the evil one."""
    evil = attack(target)
    path: list[int] = []
    node = evil
    while (parent := node.getparent()) is not None:
        path.insert(0, parent.index(node))
        node = parent
    evil_received = wire(message)
    for index in path:
        evil_received = evil_received[index]
    # What the victim would read from the element it trusts is the attacker's.
    assert EVIL in [name_id.text for name_id in evil_received.iter(NAME_ID)]
    return evil_received


@pytest.fixture()
def without_duplicate_id_check(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    monkeypatch.setattr(xmldsig, "check_unique_ids", lambda element: None)
    yield


def refused(element: etree._Element, policy: VerifyPolicy) -> SignatureError:
    with pytest.raises(SignatureError) as caught:
        verify(element, policy)
    return caught.value


def hm_policy(rings: dict[str, KeyRing]) -> VerifyPolicy:
    return VerifyPolicy((rings["hm"].signing.as_peer(),))


def _response_attack(
    rings: dict[str, KeyRing], name: str, level: str
) -> tuple[etree._Element, etree._Element]:
    message = signed_response(rings["hm"].signing)
    target = message if level == "response" else message.find(ASSERTION)
    assert target is not None
    return message, attacked(message, target, ATTACKS[name])


# --- the genuine messages verify --------------------------------------------------------------


def test_genuine_messages_verify_at_every_level(rings: dict[str, KeyRing]) -> None:
    hm, ad = rings["hm"].signing, rings["ad"].signing
    response = signed_response(hm)
    assertion = response.find(ASSERTION)
    assert assertion is not None
    assert verify(response, hm_policy(rings)).element is response
    assert verify(assertion, hm_policy(rings)).element is assertion
    advised = signed_response_with_advice(hm, ad)
    inner = advised.find(f"{ASSERTION}/{qname(SAML, 'Advice')}/{ASSERTION}")
    assert inner is not None
    assert verify(inner, VerifyPolicy((ad.as_peer(),))).element is inner
    artifact = signed_artifact_response(hm)
    nested = artifact.find(RESPONSE)
    assert nested is not None
    assert verify(artifact, hm_policy(rings)).element is artifact
    assert verify(nested, hm_policy(rings)).element is nested


# --- XSW1..XSW8 on a Response with a signed Assertion -----------------------------------------


def test_xsw1_evil_response_with_original_inside_its_signature(rings: dict[str, KeyRing]) -> None:
    _, evil = _response_attack(rings, "XSW1", "response")
    assert type(refused(evil, hm_policy(rings))) is DuplicateId


def test_xsw2_evil_response_with_original_as_detached_sibling(rings: dict[str, KeyRing]) -> None:
    _, evil = _response_attack(rings, "XSW2", "response")
    assert type(refused(evil, hm_policy(rings))) is DuplicateId


def test_xsw3_unsigned_evil_assertion_before_the_genuine_one(rings: dict[str, KeyRing]) -> None:
    message, evil = _response_attack(rings, "XSW3", "assertion")
    assert message is not None and evil is not None
    received = _parent(evil)
    assert type(refused(evil, hm_policy(rings))) is SignatureMissing
    # The Response signature covers the whole message, so the Response is refused too.
    refused(received, hm_policy(rings))
    genuine: Verified = verify(received.findall(ASSERTION)[1], hm_policy(rings))
    assert genuine.element is not evil and genuine.element.findtext(f".//{NAME_ID}") == GENUINE


def test_xsw4_evil_assertion_wraps_the_genuine_one(rings: dict[str, KeyRing]) -> None:
    _, evil = _response_attack(rings, "XSW4", "assertion")
    assert type(refused(evil, hm_policy(rings))) is SignatureMissing
    moved = evil.find(ASSERTION)
    assert moved is not None
    verified = verify(moved, hm_policy(rings))
    assert verified.element is moved and verified.element is not evil


def test_xsw5_signed_assertion_altered_with_unsigned_original_appended(
    rings: dict[str, KeyRing],
) -> None:
    _, evil = _response_attack(rings, "XSW5", "assertion")
    assert type(refused(evil, hm_policy(rings))) is SignatureReferenceError


def test_xsw6_signed_assertion_altered_with_original_inside_signature(
    rings: dict[str, KeyRing],
) -> None:
    _, evil = _response_attack(rings, "XSW6", "assertion")
    assert type(refused(evil, hm_policy(rings))) is SignatureError


def test_xsw7_evil_assertion_with_genuine_id_in_extensions(rings: dict[str, KeyRing]) -> None:
    _, evil = _response_attack(rings, "XSW7", "assertion")
    assert type(refused(evil, hm_policy(rings))) is DuplicateId


def test_xsw8_altered_assertion_keeps_id_original_in_ds_object(rings: dict[str, KeyRing]) -> None:
    _, evil = _response_attack(rings, "XSW8", "assertion")
    assert type(refused(evil, hm_policy(rings))) is DuplicateId


@pytest.mark.parametrize("name", sorted(ATTACKS))
@pytest.mark.usefixtures("without_duplicate_id_check")
def test_each_variant_is_refused_even_without_the_duplicate_id_check(
    rings: dict[str, KeyRing], name: str
) -> None:
    level = "response" if name in ("XSW1", "XSW2") else "assertion"
    _, evil = _response_attack(rings, name, level)
    refused(evil, hm_policy(rings))


# --- the same variants inside saml:Advice and inside an ArtifactResponse -----------------------


@pytest.mark.parametrize("checks", ["all", "no-duplicate-id"])
@pytest.mark.parametrize("name", sorted(ATTACKS))
def test_xsw_inside_advice(
    rings: dict[str, KeyRing], name: str, checks: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    if checks == "no-duplicate-id":
        monkeypatch.setattr(xmldsig, "check_unique_ids", lambda element: None)
    hm, ad = rings["hm"].signing, rings["ad"].signing
    message = signed_response_with_advice(hm, ad)
    target = message.find(f"{ASSERTION}/{qname(SAML, 'Advice')}/{ASSERTION}")
    assert target is not None
    evil = attacked(message, target, ATTACKS[name])
    refused(evil, VerifyPolicy((ad.as_peer(),)))
    # The HM's assertion around the Advice no longer verifies either.
    outer = evil.getroottree().getroot().find(ASSERTION)
    assert outer is not None
    refused(outer, hm_policy(rings))


@pytest.mark.parametrize("checks", ["all", "no-duplicate-id"])
@pytest.mark.parametrize("name", sorted(ATTACKS))
def test_xsw_inside_artifact_response(
    rings: dict[str, KeyRing], name: str, checks: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    if checks == "no-duplicate-id":
        monkeypatch.setattr(xmldsig, "check_unique_ids", lambda element: None)
    message = signed_artifact_response(rings["hm"].signing)
    target = message.find(RESPONSE)
    assert target is not None
    evil = attacked(message, target, ATTACKS[name])
    assert evil.tag == RESPONSE
    refused(evil, hm_policy(rings))
    refused(evil.getroottree().getroot(), hm_policy(rings))
