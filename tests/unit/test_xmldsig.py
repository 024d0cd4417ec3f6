"""Round trips, tampering, key selection and shape refusals of etoegang.crypto.xmldsig."""

from __future__ import annotations

import base64
from collections.abc import Callable

import pytest
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric import padding
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.hazmat.primitives.asymmetric import utils
from lxml import etree

from etoegang.crypto.algorithms import EIDAS_DIGESTS
from etoegang.crypto.algorithms import EIDAS_METHODS
from etoegang.crypto.xmldsig import DigestMethod
from etoegang.crypto.xmldsig import KeyInfoStyle
from etoegang.crypto.xmldsig import SignatureMethod
from etoegang.crypto.xmldsig import VerifyPolicy
from etoegang.crypto.xmldsig import is_signed
from etoegang.crypto.xmldsig import sign
from etoegang.crypto.xmldsig import signature_value
from etoegang.crypto.xmldsig import verify
from etoegang.errors import DuplicateId
from etoegang.errors import SignatureAlgorithmRefused
from etoegang.errors import SignatureError
from etoegang.errors import SignatureMissing
from etoegang.errors import SignatureReferenceError
from etoegang.errors import UnknownSigner
from etoegang.xml.ns import DS
from etoegang.xml.ns import EC
from etoegang.xml.ns import SAML
from etoegang.xml.ns import qname
from etoegang.xml.parser import parse_xml
from etoegang.xml.parser import serialize
from keys.devpki import DevCa
from keys.devpki import issue_ec
from keys.ring import KeyPair
from keys.ring import KeyRing

XACML_SAML = "urn:oasis:xacml:2.0:saml:assertion:schema:os"
RSA_METHODS = [m for m in SignatureMethod if not m.is_ecdsa]
EC_METHODS = [m for m in SignatureMethod if m.is_ecdsa]


@pytest.fixture(scope="module")
def ec_pair(dev_ca: DevCa) -> KeyPair:
    return issue_ec(dev_ca, "Makelaar eIDAS TEST signing")


def _assertion(assertion_id: str = "_a1", *, issuer: bool = True) -> etree._Element:
    assertion = etree.Element(
        qname(SAML, "Assertion"),
        nsmap={"saml": SAML, "xacml-saml": XACML_SAML},
        ID=assertion_id,
        Version="2.0",
        IssueInstant="2026-11-01T12:00:00Z",
    )
    if issuer:
        issuer_el = etree.SubElement(assertion, qname(SAML, "Issuer"))
        issuer_el.text = "urn:etoegang:HM:00000003244440010000:entities:9632"
    subject = etree.SubElement(assertion, qname(SAML, "Subject"))
    name_id = etree.SubElement(subject, qname(SAML, "NameID"))
    name_id.text = "urn:etoegang:1.9:EntityConcernedID:KvKnr:12345678"
    return assertion


def _signed(key: KeyPair, **options: object) -> etree._Element:
    assertion = _assertion()
    sign(assertion, key, **options)  # type: ignore[arg-type]
    return parse_xml(serialize(assertion))


def _ds(element: etree._Element, path: str) -> etree._Element:
    found = element.find(path.replace("ds:", f"{{{DS}}}"))
    assert found is not None, path
    return found


def _policy(*pairs: KeyPair) -> VerifyPolicy:
    return VerifyPolicy(tuple(pair.as_peer() for pair in pairs))


# --- round trips ------------------------------------------------------------------------------


@pytest.mark.parametrize("method", RSA_METHODS, ids=lambda m: m.name)
@pytest.mark.parametrize("digest", list(DigestMethod), ids=lambda d: d.name)
def test_rsa_methods_round_trip(
    rings: dict[str, KeyRing], method: SignatureMethod, digest: DigestMethod
) -> None:
    key = rings["hm"].signing
    received = _signed(key, method=method, digest=digest)
    verified = verify(received, _policy(key))
    assert verified.method is method
    assert (
        _ds(received, "ds:Signature/ds:SignedInfo/ds:Reference/ds:DigestMethod").get("Algorithm")
        == digest.value
    )


@pytest.mark.parametrize("method", EC_METHODS, ids=lambda m: m.name)
def test_ecdsa_methods_round_trip(ec_pair: KeyPair, method: SignatureMethod) -> None:
    received = _signed(ec_pair, method=method, digest=DigestMethod.SHA512)
    assert verify(received, _policy(ec_pair)).method is method


def test_signed_assertion_verifies_after_serialising_and_parsing(rings: dict[str, KeyRing]) -> None:
    key = rings["hm"].signing
    assertion = _assertion()
    signature = sign(assertion, key)
    assert assertion[1] is signature  # right after saml:Issuer
    assert [etree.QName(c).localname for c in signature] == [
        "SignedInfo",
        "SignatureValue",
        "KeyInfo",
    ]
    key_info = _ds(signature, "ds:KeyInfo")
    assert [etree.QName(c).localname for c in key_info] == ["KeyName"]
    assert key_info[0].text == key.key_name
    received = parse_xml(serialize(assertion))
    verified = verify(received, _policy(key))
    assert verified.element is received
    assert verified.signer == key.as_peer()
    assert verified.signature_value == signature_value(received)


def test_signature_goes_first_without_an_issuer(rings: dict[str, KeyRing]) -> None:
    assertion = _assertion(issuer=False)
    signature = sign(assertion, rings["hm"].signing)
    assert assertion[0] is signature
    assert is_signed(assertion)


def test_x509_style_carries_only_the_certificate(rings: dict[str, KeyRing]) -> None:
    key = rings["hm"].signing
    received = _signed(key, key_info=KeyInfoStyle.X509)
    key_info = _ds(received, "ds:Signature/ds:KeyInfo")
    assert [etree.QName(c).localname for c in key_info] == ["X509Data"]
    certificate = _ds(key_info, "ds:X509Data/ds:X509Certificate").text or ""
    assert base64.b64decode(certificate) == key.as_peer().der
    assert verify(received, _policy(key)).signer == key.as_peer()


def test_inclusive_prefixes_are_written_and_honoured(rings: dict[str, KeyRing]) -> None:
    key = rings["hm"].signing
    received = _signed(key, inclusive_prefixes=("xacml-saml", "xs"))
    transform = _ds(received, "ds:Signature/ds:SignedInfo/ds:Reference/ds:Transforms")[1]
    inclusive = transform.find(qname(EC, "InclusiveNamespaces"))
    assert inclusive is not None and inclusive.get("PrefixList") == "xacml-saml xs"
    assert verify(received, _policy(key)).element is received


def test_pss_is_really_pss_with_salt_of_hash_length(rings: dict[str, KeyRing]) -> None:
    key = rings["hm"].signing
    received = _signed(key, method=SignatureMethod.RSA_PSS_SHA256)
    signed_info = etree.tostring(
        _ds(received, "ds:Signature/ds:SignedInfo"), method="c14n", exclusive=True
    )
    public = key.certificate.public_key()
    assert isinstance(public, rsa.RSAPublicKey)
    pss = padding.PSS(mgf=padding.MGF1(hashes.SHA256()), salt_length=32)
    public.verify(base64.b64decode(signature_value(received)), signed_info, pss, hashes.SHA256())


def test_ecdsa_signature_value_is_raw_r_and_s(ec_pair: KeyPair) -> None:
    received = _signed(ec_pair, method=SignatureMethod.ECDSA_SHA256)
    signed_info = etree.tostring(
        _ds(received, "ds:Signature/ds:SignedInfo"), method="c14n", exclusive=True
    )
    raw = base64.b64decode(signature_value(received))
    assert len(raw) == 64
    der = utils.encode_dss_signature(
        int.from_bytes(raw[:32], "big"), int.from_bytes(raw[32:], "big")
    )
    public = ec_pair.certificate.public_key()
    assert isinstance(public, ec.EllipticCurvePublicKey)
    public.verify(der, signed_info, ec.ECDSA(hashes.SHA256()))


def test_eidas_policy_refuses_pkcs1_v15(rings: dict[str, KeyRing]) -> None:
    key = rings["hm"].signing
    eidas = VerifyPolicy(
        (key.as_peer(),), allowed_methods=EIDAS_METHODS, allowed_digests=EIDAS_DIGESTS
    )
    with pytest.raises(SignatureAlgorithmRefused):
        verify(_signed(key), eidas)
    assert verify(
        _signed(key, method=SignatureMethod.RSA_PSS_SHA512, digest=DigestMethod.SHA512), eidas
    )


def test_sign_refuses_an_element_without_id_or_already_signed(rings: dict[str, KeyRing]) -> None:
    key = rings["hm"].signing
    no_id = etree.Element(qname(SAML, "Assertion"))
    with pytest.raises(ValueError):
        sign(no_id, key)
    assertion = _assertion()
    sign(assertion, key)
    with pytest.raises(ValueError):
        sign(assertion, key)


def test_unknown_algorithm_uris_are_refused_as_values() -> None:
    with pytest.raises(SignatureAlgorithmRefused):
        SignatureMethod("http://www.w3.org/2000/09/xmldsig#rsa-sha1")
    with pytest.raises(SignatureAlgorithmRefused):
        DigestMethod("http://www.w3.org/2001/04/xmldsig-more#md5")


# --- tampering and keys -----------------------------------------------------------------------

Tamper = Callable[[etree._Element], None]


def _change_text(element: etree._Element) -> None:
    name_id = element.find(f"{{{SAML}}}Subject/{{{SAML}}}NameID")
    assert name_id is not None
    name_id.text = "urn:etoegang:1.9:EntityConcernedID:KvKnr:87654321"


def _change_attribute(element: etree._Element) -> None:
    element.set("IssueInstant", "2026-11-02T12:00:00Z")


def _add_element(element: etree._Element) -> None:
    etree.SubElement(element, qname(SAML, "AttributeStatement"))


@pytest.mark.parametrize(
    "tamper", [_change_text, _change_attribute, _add_element], ids=lambda f: f.__name__
)
def test_tampering_breaks_the_signature(rings: dict[str, KeyRing], tamper: Tamper) -> None:
    key = rings["hm"].signing
    received = _signed(key)
    tamper(received)
    with pytest.raises(SignatureError) as caught:
        verify(parse_xml(serialize(received)), _policy(key))
    assert type(caught.value) is SignatureError


def test_wrong_key_is_refused(rings: dict[str, KeyRing]) -> None:
    received = _signed(rings["hm"].signing)
    with pytest.raises(UnknownSigner):
        verify(received, _policy(rings["ad"].signing))


def test_key_rollover_next_key_is_trusted(rings: dict[str, KeyRing]) -> None:
    ring = rings["hm"]
    assert ring.signing_next is not None
    policy = VerifyPolicy(tuple(pair.as_peer() for pair in ring.published_signing()))
    assert verify(_signed(ring.signing), policy).signer == ring.signing.as_peer()
    assert verify(_signed(ring.signing_next), policy).signer == ring.signing_next.as_peer()


def test_without_key_info_every_trusted_key_is_tried(rings: dict[str, KeyRing]) -> None:
    ring = rings["hm"]
    assert ring.signing_next is not None
    received = _signed(ring.signing_next)
    _ds(received, "ds:Signature").remove(_ds(received, "ds:Signature/ds:KeyInfo"))
    policy = VerifyPolicy((ring.signing.as_peer(), ring.signing_next.as_peer()))
    assert verify(received, policy).signer == ring.signing_next.as_peer()


def test_sha1_key_name_selects_the_certificate(rings: dict[str, KeyRing]) -> None:
    import hashlib

    key = rings["hm"].signing
    received = _signed(key)
    sha1 = hashlib.sha1(key.as_peer().der).hexdigest().upper()  # noqa: S324 - a KeyName, not a digest
    _ds(received, "ds:Signature/ds:KeyInfo/ds:KeyName").text = sha1
    assert verify(received, _policy(rings["ad"].signing, key)).signer == key.as_peer()


# --- shape refusals ---------------------------------------------------------------------------


def _signature(element: etree._Element) -> etree._Element:
    return _ds(element, "ds:Signature")


def _transforms(element: etree._Element) -> etree._Element:
    return _ds(element, "ds:Signature/ds:SignedInfo/ds:Reference/ds:Transforms")


def _move_signature_into_subject(element: etree._Element) -> None:
    subject = element.find(qname(SAML, "Subject"))
    assert subject is not None
    subject.append(_signature(element))


def _second_signature(element: etree._Element) -> None:
    import copy

    element.append(copy.deepcopy(_signature(element)))


def _whole_document_reference(element: etree._Element) -> None:
    _ds(element, "ds:Signature/ds:SignedInfo/ds:Reference").set("URI", "")


def _two_references(element: etree._Element) -> None:
    import copy

    reference = _ds(element, "ds:Signature/ds:SignedInfo/ds:Reference")
    reference.addnext(copy.deepcopy(reference))


def _object(element: etree._Element) -> None:
    etree.SubElement(_signature(element), qname(DS, "Object"))


def _key_info_with(local: str) -> Tamper:
    def add(element: etree._Element) -> None:
        etree.SubElement(_ds(element, "ds:Signature/ds:KeyInfo"), qname(DS, local))

    add.__name__ = f"_key_info_with_{local}"
    return add


def _c14n_method(uri: str) -> Tamper:
    def change(element: etree._Element) -> None:
        _ds(element, "ds:Signature/ds:SignedInfo/ds:CanonicalizationMethod").set("Algorithm", uri)

    change.__name__ = f"_c14n_{uri.rsplit('/', 1)[-1]}"
    return change


def _reference_transform(uri: str) -> Tamper:
    def change(element: etree._Element) -> None:
        _transforms(element)[1].set("Algorithm", uri)

    change.__name__ = f"_transform_{uri.rsplit('/', 1)[-1]}"
    return change


def _only_enveloped(element: etree._Element) -> None:
    transforms = _transforms(element)
    transforms.remove(transforms[1])


def _hmac_output_length(element: etree._Element) -> None:
    method = _ds(element, "ds:Signature/ds:SignedInfo/ds:SignatureMethod")
    etree.SubElement(method, qname(DS, "HMACOutputLength")).text = "8"


@pytest.mark.parametrize(
    ("tamper", "error"),
    [
        (_move_signature_into_subject, SignatureMissing),
        (_second_signature, SignatureReferenceError),
        (_whole_document_reference, SignatureReferenceError),
        (_two_references, SignatureReferenceError),
        (_object, SignatureError),
        (_key_info_with("RetrievalMethod"), SignatureError),
        (_key_info_with("KeyValue"), SignatureError),
        (_key_info_with("X509Data"), SignatureError),
        (
            _c14n_method("http://www.w3.org/TR/2001/REC-xml-c14n-20010315"),
            SignatureAlgorithmRefused,
        ),
        (
            _c14n_method("http://www.w3.org/2001/10/xml-exc-c14n#WithComments"),
            SignatureAlgorithmRefused,
        ),
        (
            _reference_transform("http://www.w3.org/TR/2001/REC-xml-c14n-20010315"),
            SignatureAlgorithmRefused,
        ),
        (
            _reference_transform("http://www.w3.org/2001/10/xml-exc-c14n#WithComments"),
            SignatureAlgorithmRefused,
        ),
        (
            _reference_transform("http://www.w3.org/2000/09/xmldsig#base64"),
            SignatureAlgorithmRefused,
        ),
        (_only_enveloped, SignatureAlgorithmRefused),
        (_hmac_output_length, SignatureAlgorithmRefused),
    ],
    ids=lambda value: getattr(value, "__name__", str(value)),
)
def test_signature_shapes_outside_the_profile_are_refused(
    rings: dict[str, KeyRing], tamper: Tamper, error: type[SignatureError]
) -> None:
    key = rings["hm"].signing
    received = _signed(key)
    tamper(received)
    with pytest.raises(SignatureError) as caught:
        verify(parse_xml(serialize(received)), _policy(key))
    assert type(caught.value) is error


@pytest.mark.parametrize("attribute", ["ID", "Id", "id", "AssertionID", f"{{{DS}}}Id"])
def test_duplicate_id_anywhere_is_refused(rings: dict[str, KeyRing], attribute: str) -> None:
    key = rings["hm"].signing
    received = _signed(key)
    extension = etree.SubElement(received, qname(SAML, "Advice"))
    extension.set(attribute, "_a1")
    with pytest.raises(DuplicateId):
        verify(parse_xml(serialize(received)), _policy(key))


def test_unsigned_element_has_no_signature_value(rings: dict[str, KeyRing]) -> None:
    assertion = _assertion()
    assert not is_signed(assertion)
    with pytest.raises(SignatureMissing):
        signature_value(assertion)
    with pytest.raises(SignatureMissing):
        verify(assertion, _policy(rings["hm"].signing))


def test_an_element_replaced_in_memory_by_one_with_the_same_id_signs_and_verifies(
    rings: dict[str, KeyRing],
) -> None:
    """libxml2's ID table keeps the removed element; sign and verify must still work."""
    import copy

    key = rings["hm"].signing
    holder = etree.Element(qname(SAML, "Advice"))
    original = _assertion()
    holder.append(original)
    sign(original, key)
    assert verify(original, _policy(key)).element is original
    replacement = copy.deepcopy(original)
    holder.remove(original)
    holder.append(replacement)
    assert verify(replacement, _policy(key)).element is replacement
    unsigned = _assertion()
    holder.remove(replacement)
    holder.append(unsigned)
    signature = sign(unsigned, key)
    assert signature.getparent() is unsigned
    assert verify(parse_xml(serialize(holder))[0], _policy(key)).signer == key.as_peer()
