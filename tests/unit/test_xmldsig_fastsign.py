"""Signatures made without xmlsec's RSA (etoegang.crypto.fast_sign) are the ones xmlsec made.

Each scenario builds a document twice, identically. In one, ``sign`` signs the listed elements
in order; in the other, the same ds:Signature (with DigestValue and SignatureValue emptied) is
put in the same place and libxmlsec signs it, as ``sign`` did before. RSA PKCS#1 v1.5 is
deterministic, so the two documents must be byte for byte equal; RSASSA-PSS and ECDSA are
randomised, so there the DigestValues must be equal. Every signature of the final document must
then verify, after serialising and parsing, with Makelaar's ``verify`` (xmlsec), with signxml
and with python3-saml.

The scenarios are the ones where a canonical form is easy to get wrong: nested signed
assertions in an Advice, inclusive prefixes (only used inside ``xsi:type``, declared on a
descendant or on an ancestor outside the signed element), a default namespace with an
un-namespaced child (``xmlns=""``), special and non-ASCII characters, comments (the parser
refuses processing instructions), pretty-printing whitespace, ``ds`` bound by an ancestor (to
the XML-DSig namespace and to another one), and a Response inside an ArtifactResponse inside a
SOAP envelope.
"""

from __future__ import annotations

import copy
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest
import xmlsec
from cryptography.hazmat.primitives.serialization import Encoding
from lxml import etree
from onelogin.saml2.utils import OneLogin_Saml2_Utils
from signxml.algorithms import DigestAlgorithm
from signxml.algorithms import SignatureMethod as XmlSignatureMethod
from signxml.verifier import SignatureConfiguration
from signxml.verifier import XMLVerifier

from etoegang.crypto import fast_sign
from etoegang.crypto.xmldsig import DigestMethod
from etoegang.crypto.xmldsig import KeyInfoStyle
from etoegang.crypto.xmldsig import SignatureMethod
from etoegang.crypto.xmldsig import VerifyPolicy
from etoegang.crypto.xmldsig import sign
from etoegang.crypto.xmldsig import verify
from etoegang.errors import SignatureError
from etoegang.xml.ns import DS
from etoegang.xml.ns import MD
from etoegang.xml.ns import SAML
from etoegang.xml.ns import SAMLP
from etoegang.xml.ns import SOAP11
from etoegang.xml.ns import XACML_SAML
from etoegang.xml.ns import XS
from etoegang.xml.ns import XSI
from etoegang.xml.ns import qname
from etoegang.xml.parser import parse_xml
from etoegang.xml.parser import serialize
from keys.devpki import DevCa
from keys.devpki import issue_ec
from keys.ring import KeyPair
from keys.ring import KeyRing

HM = "urn:etoegang:HM:00000003244440010000:entities:9632"
AD = "urn:etoegang:AD:00000001234567890000:entities:9113"
MR = "urn:etoegang:MR:00000001234567890000:entities:9114"
XSI_TYPE = qname(XSI, "type")
#: A namespace map; ``Any`` keys because the lxml stubs do not allow the default (None) prefix.
NsMap = dict[Any, str]
SIG = qname(DS, "Signature")


@pytest.fixture(scope="module")
def ec_pair(dev_ca: DevCa) -> KeyPair:
    return issue_ec(dev_ca, "Makelaar eIDAS TEST signing")


# --- scenarios --------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Step:
    """Sign the element with this ID (in document order of the steps)."""

    element_id: str
    inclusive_prefixes: tuple[str, ...] = ()
    key_info: KeyInfoStyle = KeyInfoStyle.KEY_NAME


@dataclass(frozen=True, slots=True)
class Scenario:
    name: str
    build: Callable[[], etree._Element]
    steps: tuple[Step, ...]


def _sub(parent: etree._Element, tag: str, text: str | None = None, **attrs: str) -> etree._Element:
    node = etree.SubElement(parent, tag, attrib=attrs)
    node.text = text
    return node


def _assertion(
    parent: etree._Element | None,
    assertion_id: str,
    issuer: str,
    nsmap: NsMap | None = None,
) -> etree._Element:
    attrs = {"ID": assertion_id, "Version": "2.0", "IssueInstant": "2026-11-01T12:00:00Z"}
    if parent is None:
        assertion = etree.Element(qname(SAML, "Assertion"), attrs, nsmap=nsmap)
    else:
        assertion = etree.SubElement(parent, qname(SAML, "Assertion"), attrs, nsmap=nsmap)
    _sub(assertion, qname(SAML, "Issuer"), issuer)
    subject = _sub(assertion, qname(SAML, "Subject"))
    _sub(subject, qname(SAML, "NameID"), "urn:etoegang:1.9:EntityConcernedID:KvKnr:12345678")
    return assertion


def _string_attribute(statement: etree._Element, name: str, value: str) -> None:
    """An AttributeValue with xsi:type="xs:string", declaring xsi and xs on itself only."""
    attribute = _sub(statement, qname(SAML, "Attribute"), Name=name)
    node = etree.SubElement(attribute, qname(SAML, "AttributeValue"), nsmap={"xsi": XSI, "xs": XS})
    node.set(XSI_TYPE, "xs:string")
    node.text = value


def _advice_nested() -> etree._Element:
    response = etree.Element(
        qname(SAMLP, "Response"),
        nsmap={"samlp": SAMLP, "saml": SAML},
        ID="_resp",
        Version="2.0",
        IssueInstant="2026-11-01T12:00:00Z",
    )
    _sub(response, qname(SAML, "Issuer"), HM)
    status = _sub(response, qname(SAMLP, "Status"))
    _sub(status, qname(SAMLP, "StatusCode"), Value="urn:oasis:names:tc:SAML:2.0:status:Success")
    outer = _assertion(response, "_hm", HM)
    advice = _sub(outer, qname(SAML, "Advice"))
    ad = _assertion(advice, "_ad", AD)
    _string_attribute(_sub(ad, qname(SAML, "AttributeStatement")), "urn:etoegang:core:X", "ad")
    mr = _assertion(advice, "_mr", MR, nsmap={"xacml-saml": XACML_SAML, "xsi": XSI})
    decision = _sub(mr, qname(SAML, "Statement"))
    decision.set(XSI_TYPE, "xacml-saml:XACMLAuthzDecisionStatementType")
    _string_attribute(_sub(outer, qname(SAML, "AttributeStatement")), "urn:etoegang:core:Y", "hm")
    return response


def _inclusive_from_ancestor() -> etree._Element:
    """xacml-saml and xs are declared on an ancestor outside the signed element only."""
    holder = etree.Element(
        qname(SAMLP, "ArtifactResponse"),
        nsmap={"samlp": SAMLP, "saml": SAML, "xacml-saml": XACML_SAML, "xsi": XSI, "xs": XS},
        ID="_holder",
    )
    assertion = _assertion(holder, "_mr", MR)
    statement = _sub(assertion, qname(SAML, "Statement"))
    statement.set(XSI_TYPE, "xacml-saml:XACMLAuthzDecisionStatementType")
    value = _sub(_sub(statement, qname(SAML, "Attribute"), Name="n"), qname(SAML, "AttributeValue"))
    value.set(XSI_TYPE, "xs:string")
    value.text = "v"
    return holder


def _default_namespace() -> etree._Element:
    default: NsMap = {None: SAML}
    assertion = etree.Element(qname(SAML, "Assertion"), nsmap=default, ID="_dflt", Version="2.0")
    _sub(assertion, qname(SAML, "Issuer"), HM)
    _sub(assertion, qname(SAML, "Subject"))
    advice = _sub(assertion, qname(SAML, "Advice"))
    _sub(advice, "Unqualified", 'no namespace: xmlns="" in C14N', attr="1")
    return assertion


def _special_characters() -> etree._Element:
    assertion = _assertion(None, "_chars", HM, nsmap={"saml": SAML})
    statement = _sub(assertion, qname(SAML, "AttributeStatement"))
    attribute = _sub(
        statement,
        qname(SAML, "Attribute"),
        Name="a&b<c>d\"e'f\tg\nh\ri",
        FriendlyName="Zoë Ünïcødé — 日本語 😀",
    )
    value = _sub(attribute, qname(SAML, "AttributeValue"), "x & y < z > w \" ' \r\n ëß 😀 ]]>")
    value.addprevious(etree.Comment(" comments are not signed "))
    return assertion


def _pretty_printed() -> etree._Element:
    text = f"""<?xml version="1.0" encoding="UTF-8"?>
<samlp:Response xmlns:samlp="{SAMLP}" xmlns:saml="{SAML}" ID="_pretty" Version="2.0">
  <saml:Issuer>  {HM}  </saml:Issuer>
  <!-- a comment before the status -->
  <samlp:Status>
    <samlp:StatusCode Value="urn:oasis:names:tc:SAML:2.0:status:Success"/>
  </samlp:Status>
  <saml:Assertion ID="_pretty_a" Version="2.0">
    <saml:Issuer>{HM}</saml:Issuer>
    <saml:Subject><saml:NameID>n&#xE9;&#x9;x</saml:NameID></saml:Subject>
  </saml:Assertion>
</samlp:Response>
"""
    return parse_xml(text.encode("utf-8"))


def _ds_bound_by_ancestor() -> etree._Element:
    catalogue = etree.Element(
        qname(MD, "EntitiesDescriptor"), nsmap={"md": MD, "ds": DS}, ID="_entities"
    )
    entity = _sub(catalogue, qname(MD, "EntityDescriptor"), ID="_entity", entityID=HM)
    _sub(entity, qname(MD, "Extensions"))
    return catalogue


def _ds_prefix_taken_by_ancestor() -> etree._Element:
    holder = etree.Element("Holder", nsmap={"ds": "urn:example:not-xmldsig"})
    _sub(holder, "{urn:example:not-xmldsig}Note", "ds means something else here")
    _assertion(holder, "_taken", HM)
    return holder


def _soap_envelope() -> etree._Element:
    envelope = etree.Element(
        qname(SOAP11, "Envelope"),
        nsmap={"SOAP-ENV": SOAP11, "samlp": SAMLP, "saml": SAML, "xs": XS, "xsi": XSI},
    )
    body = _sub(envelope, qname(SOAP11, "Body"))
    artifact_response = _sub(
        body, qname(SAMLP, "ArtifactResponse"), ID="_ar", Version="2.0", InResponseTo="_req"
    )
    _sub(artifact_response, qname(SAML, "Issuer"), HM)
    status = _sub(artifact_response, qname(SAMLP, "Status"))
    _sub(status, qname(SAMLP, "StatusCode"), Value="urn:oasis:names:tc:SAML:2.0:status:Success")
    response = _sub(artifact_response, qname(SAMLP, "Response"), ID="_r", Version="2.0")
    _sub(response, qname(SAML, "Issuer"), HM)
    assertion = _assertion(response, "_as", HM)
    statement = _sub(assertion, qname(SAML, "AttributeStatement"))
    value = _sub(_sub(statement, qname(SAML, "Attribute"), Name="n"), qname(SAML, "AttributeValue"))
    value.set(XSI_TYPE, "xs:string")
    value.text = "Ærø & <co>"
    return envelope


SCENARIOS = [
    Scenario(
        "advice-nested",
        _advice_nested,
        (Step("_ad", ("xs",)), Step("_mr", ("xacml-saml",)), Step("_hm", ("xs",)), Step("_resp")),
    ),
    Scenario(
        "inclusive-from-ancestor",
        _inclusive_from_ancestor,
        (Step("_mr", ("xacml-saml", "xs")), Step("_holder")),
    ),
    Scenario("default-namespace", _default_namespace, (Step("_dflt"),)),
    Scenario("special-characters", _special_characters, (Step("_chars", ("xs",)),)),
    Scenario("pretty-printed", _pretty_printed, (Step("_pretty_a"), Step("_pretty"))),
    Scenario(
        "ds-bound-by-ancestor",
        _ds_bound_by_ancestor,
        (Step("_entity", (), KeyInfoStyle.X509), Step("_entities", (), KeyInfoStyle.X509)),
    ),
    Scenario("ds-prefix-taken-by-ancestor", _ds_prefix_taken_by_ancestor, (Step("_taken"),)),
    Scenario(
        "soap-envelope",
        _soap_envelope,
        (Step("_as", ("xs",)), Step("_r"), Step("_ar")),
    ),
]


# --- signing both ways ------------------------------------------------------------------------


def _by_id(root: etree._Element, element_id: str) -> etree._Element:
    found = [node for node in root.iter() if node.get("ID") == element_id]
    assert len(found) == 1, element_id
    return found[0]


def _xmlsec_sign_like(
    root: etree._Element, fast_signed: etree._Element, step: Step, key: KeyPair
) -> None:
    """Put ``fast_signed``'s ds:Signature, values emptied, in the same place and let xmlsec sign."""
    element = _by_id(root, step.element_id)
    signature = fast_signed.find(SIG)
    assert signature is not None
    template = copy.deepcopy(signature)
    digest_value = template.find(f"{{{DS}}}SignedInfo/{{{DS}}}Reference/{{{DS}}}DigestValue")
    value = template.find(qname(DS, "SignatureValue"))
    assert digest_value is not None and value is not None
    digest_value.text = None
    value.text = None
    element.insert(fast_signed.index(signature), template)
    context = xmlsec.SignatureContext()
    context.register_id(element, "ID")
    context.key = key.xmlsec_key()
    inserted = element.find(SIG)
    assert inserted is not None
    context.sign(inserted)


def _sign_both_ways(
    scenario: Scenario, key: KeyPair, method: SignatureMethod, digest: DigestMethod
) -> tuple[etree._Element, etree._Element]:
    fast, reference = scenario.build(), scenario.build()
    assert serialize(fast) == serialize(reference)
    for step in scenario.steps:
        element = _by_id(fast, step.element_id)
        sign(
            element,
            key,
            method=method,
            digest=digest,
            key_info=step.key_info,
            inclusive_prefixes=step.inclusive_prefixes,
        )
        _xmlsec_sign_like(reference, element, step, key)
    return fast, reference


def _digest_values(root: etree._Element) -> list[str | None]:
    return [node.text for node in root.iter(qname(DS, "DigestValue"))]


# --- independent verifiers --------------------------------------------------------------------


def _pem(key: KeyPair) -> str:
    return key.certificate.public_bytes(Encoding.PEM).decode("ascii")


def _signxml_location(root: etree._Element, element: etree._Element) -> str:
    """The ElementPath of ``element`` below ``root`` (IDs make sibling Assertions distinct)."""
    if element is root:
        return "./"
    path = [*reversed(list(element.iterancestors()))][1:] + [element]
    steps = [f"{node.tag}[@ID='{node.get('ID')}']" if node.get("ID") else node.tag for node in path]
    return "./" + "".join(f"{step}/" for step in steps)


def _verify_everywhere(
    document: bytes,
    steps: tuple[Step, ...],
    key: KeyPair,
    method: SignatureMethod,
    digest: DigestMethod,
) -> None:
    received = parse_xml(document)
    policy = VerifyPolicy((key.as_peer(),))
    for step in steps:
        element = _by_id(received, step.element_id)
        verified = verify(element, policy)
        assert verified.element is element and verified.method is method

        result = XMLVerifier().verify(
            document,
            x509_cert=_pem(key),
            id_attribute="ID",
            expect_config=SignatureConfiguration(
                location=_signxml_location(received, element),
                expect_references=1,
                signature_methods=frozenset({XmlSignatureMethod(method.value)}),
                digest_algorithms=frozenset({DigestAlgorithm(digest.value)}),
            ),
        )
        signed = getattr(result, "signed_xml", None)
        assert signed is not None and signed.get("ID") == step.element_id

        xpath = f"//*[@ID='{step.element_id}']/ds:Signature"
        assert OneLogin_Saml2_Utils.validate_sign(
            document.decode("utf-8"), cert=_pem(key), xpath=xpath, raise_exceptions=True
        )


# --- tests ------------------------------------------------------------------------------------

DETERMINISTIC = [
    (SignatureMethod.RSA_SHA256, DigestMethod.SHA256),
    (SignatureMethod.RSA_SHA512, DigestMethod.SHA512),  # a DigestValue of two base64 lines
]
RANDOMISED = [
    (SignatureMethod.RSA_PSS_SHA256, DigestMethod.SHA256, "rsa"),
    (SignatureMethod.RSA_PSS_SHA512, DigestMethod.SHA512, "rsa"),
    (SignatureMethod.ECDSA_SHA256, DigestMethod.SHA256, "ec"),
]


@pytest.mark.parametrize("scenario", SCENARIOS, ids=lambda s: s.name)
@pytest.mark.parametrize(("method", "digest"), DETERMINISTIC, ids=lambda v: v.name)
def test_fast_signature_is_byte_for_byte_what_xmlsec_makes(
    rings: dict[str, KeyRing], scenario: Scenario, method: SignatureMethod, digest: DigestMethod
) -> None:
    key = rings["hm"].signing
    fast, reference = _sign_both_ways(scenario, key, method, digest)
    assert serialize(fast) == serialize(reference)
    assert len(_digest_values(fast)) == len(scenario.steps)


@pytest.mark.parametrize("scenario", SCENARIOS, ids=lambda s: s.name)
def test_fast_signature_verifies_with_xmlsec_signxml_and_python3_saml(
    rings: dict[str, KeyRing], scenario: Scenario
) -> None:
    key = rings["hm"].signing
    fast, _ = _sign_both_ways(scenario, key, SignatureMethod.RSA_SHA256, DigestMethod.SHA256)
    _verify_everywhere(
        serialize(fast), scenario.steps, key, SignatureMethod.RSA_SHA256, DigestMethod.SHA256
    )


@pytest.mark.parametrize("scenario", SCENARIOS, ids=lambda s: s.name)
@pytest.mark.parametrize(("method", "digest", "kind"), RANDOMISED, ids=lambda v: str(v))
def test_randomised_methods_digest_like_xmlsec_and_verify_everywhere(
    rings: dict[str, KeyRing],
    ec_pair: KeyPair,
    scenario: Scenario,
    method: SignatureMethod,
    digest: DigestMethod,
    kind: str,
) -> None:
    key = ec_pair if kind == "ec" else rings["hm"].signing
    fast, reference = _sign_both_ways(scenario, key, method, digest)
    # Each DigestValue covers the inner signatures, whose values differ run to run; only the
    # innermost ones can be compared across the two documents. Verification covers the rest.
    first = scenario.steps[0].element_id
    assert _digest_values(_by_id(fast, first)) == _digest_values(_by_id(reference, first))
    _verify_everywhere(serialize(fast), scenario.steps, key, method, digest)


def test_a_prefix_declared_only_through_nsmap_is_still_included(rings: dict[str, KeyRing]) -> None:
    """lxml drops inclusive prefixes it has not seen in the (per-thread) name dictionary; a
    prefix only declared through ``nsmap=`` and never parsed must still reach the C14N. The
    prefix is new in every run, so no earlier test can have put it in the dictionary."""
    prefix = f"p{uuid.uuid4().hex}"
    element = etree.Element(qname(SAML, "Assertion"), nsmap={"saml": SAML}, ID="_n")
    value = etree.SubElement(element, qname(SAML, "AttributeValue"), nsmap={"xsi": XSI, prefix: XS})
    value.set(XSI_TYPE, f"{prefix}:string")
    canonical = fast_sign.exc_c14n(element, (prefix,))
    assert f'xmlns:{prefix}="{XS}"'.encode() in canonical
    assert canonical == fast_sign.exc_c14n(parse_xml(serialize(element)), (prefix,))
    sign(element, rings["hm"].signing, inclusive_prefixes=(prefix,))
    assert verify(parse_xml(serialize(element)), VerifyPolicy((rings["hm"].signing.as_peer(),)))


def test_base64_is_wrapped_like_xmlsec() -> None:
    assert fast_sign.b64_lines(b"\x00" * 48) == "A" * 64
    assert fast_sign.b64_lines(b"\x00" * 49) == "A" * 64 + "\nAA=="
    assert fast_sign.b64_lines(b"") == ""


def test_a_key_that_cannot_make_the_method_is_refused_and_the_element_left_alone(
    rings: dict[str, KeyRing], ec_pair: KeyPair
) -> None:
    for key, method in (
        (rings["hm"].signing, SignatureMethod.ECDSA_SHA256),
        (ec_pair, SignatureMethod.RSA_SHA256),
        (ec_pair, SignatureMethod.RSA_PSS_SHA256),
    ):
        element = _assertion(None, "_x", HM, nsmap={"saml": SAML})
        before = serialize(element)
        with pytest.raises(SignatureError) as caught:
            sign(element, key, method=method)
        assert type(caught.value) is SignatureError
        assert caught.value.public == "could not sign"
        assert serialize(element) == before


def test_an_inclusive_prefix_that_is_no_ncname_is_refused(rings: dict[str, KeyRing]) -> None:
    element = _assertion(None, "_x", HM, nsmap={"saml": SAML})
    before = serialize(element)
    with pytest.raises(ValueError):
        sign(element, rings["hm"].signing, inclusive_prefixes=("#default",))
    assert serialize(element) == before


def test_the_reference_digest_does_not_depend_on_where_the_signature_goes(
    rings: dict[str, KeyRing],
) -> None:
    """The digest is taken before insertion; the enveloped transform must see the same bytes
    once the signature sits after the Issuer (tail text around it included)."""
    element = _pretty_printed()
    assertion = _by_id(element, "_pretty_a")
    before = fast_sign.exc_c14n(assertion)
    signature = sign(assertion, rings["hm"].signing)
    assert signature.getprevious() is not None
    assert signature.getprevious().tag == qname(SAML, "Issuer")  # type: ignore[union-attr]
    assert signature.tail is None
    detached = copy.deepcopy(assertion)
    detached.remove(detached.find(SIG))  # type: ignore[arg-type]
    assert fast_sign.exc_c14n(detached) == before
