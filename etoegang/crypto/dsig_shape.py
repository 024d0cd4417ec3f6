"""The shape a received ds:Signature must have before xmlsec is asked to verify it.

Spec: ``shared/spec/eherkenning.md`` §4.3 (enveloped, exclusive C14N, SHA-256, KeyName or X509
KeyInfo) and §8.2 (eIDAS algorithms). Everything not on this narrow list is refused *before*
any cryptography runs, which closes the known signature-wrapping and transform attacks by
construction rather than by hoping the verifier resolves references the way we read them:

* exactly one ds:Signature, a direct child of the element the caller will trust;
* no ID value twice in the document (an ID resolved by xmlsec must be the one we look at);
* exactly one Reference, whose URI is ``#`` + that element's own ID;
* transforms exactly [enveloped-signature, exc-c14n], exc-c14n as CanonicalizationMethod;
* signature and digest method on the caller's allow-list;
* no ds:Object, no Manifest, and a KeyInfo holding at most one KeyName and one X509Data with a
  single X509Certificate (a key is never *taken* from KeyInfo, only selected with it).
"""

from __future__ import annotations

import base64
import binascii
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any
from typing import Final
from typing import cast

from lxml import etree

from etoegang.crypto.algorithms import ENVELOPED
from etoegang.crypto.algorithms import EXC_C14N
from etoegang.crypto.algorithms import DigestMethod
from etoegang.crypto.algorithms import SignatureMethod
from etoegang.errors import DuplicateId
from etoegang.errors import SignatureAlgorithmRefused
from etoegang.errors import SignatureError
from etoegang.errors import SignatureMissing
from etoegang.errors import SignatureReferenceError
from etoegang.xml.ns import DS
from etoegang.xml.ns import EC
from etoegang.xml.ns import qname

SIGNATURE = qname(DS, "Signature")
SIGNED_INFO = qname(DS, "SignedInfo")
SIGNATURE_VALUE = qname(DS, "SignatureValue")
KEY_INFO = qname(DS, "KeyInfo")
KEY_NAME = qname(DS, "KeyName")
X509_DATA = qname(DS, "X509Data")
X509_CERTIFICATE = qname(DS, "X509Certificate")
C14N_METHOD = qname(DS, "CanonicalizationMethod")
SIGNATURE_METHOD = qname(DS, "SignatureMethod")
REFERENCE = qname(DS, "Reference")
TRANSFORMS = qname(DS, "Transforms")
TRANSFORM = qname(DS, "Transform")
DIGEST_METHOD = qname(DS, "DigestMethod")
DIGEST_VALUE = qname(DS, "DigestValue")
INCLUSIVE_NAMESPACES = qname(EC, "InclusiveNamespaces")

#: Attribute local names that act as IDs somewhere in SAML, XML-DSig, XML-Enc or metadata.
ID_ATTRIBUTE_NAMES = frozenset({"ID", "Id", "id", "AssertionID"})


@dataclass(frozen=True, slots=True)
class SignatureShape:
    """What the accepted shape of a ds:Signature told us."""

    signature: etree._Element
    method: SignatureMethod
    digest: DigestMethod
    signature_value: str
    key_name: str | None
    certificate_der: bytes | None


def children(element: etree._Element) -> list[etree._Element]:
    """Element children only: comments and PIs are not structure (exc-c14n drops comments)."""
    return [child for child in element if isinstance(child.tag, str)]


def direct_signatures(element: etree._Element) -> list[etree._Element]:
    return [child for child in element if child.tag == SIGNATURE]


#: Every ID-like attribute of a document, in document order, in one pass of libxml2's XPath
#: (a Python loop over every attribute of every element cost more than the signature check).
_ID_ATTRIBUTES: Final = etree.XPath(
    "//@*[" + " or ".join(f"local-name()='{name}'" for name in sorted(ID_ATTRIBUTE_NAMES)) + "]"
)


def _ids(root: etree._Element) -> Iterator[tuple[str, etree._Element]]:
    for value in cast(list[Any], _ID_ATTRIBUTES(root)):
        yield str(value).strip(), value.getparent()


def check_unique_ids(element: etree._Element) -> None:
    """Refuse a document in which any ID value occurs twice, in any ID-like attribute."""
    seen: set[str] = set()
    for value, node in _ids(element.getroottree().getroot()):
        if value in seen:
            raise DuplicateId(
                "the message contains a duplicate ID",
                debug=f"{value!r} again on {etree.QName(node).localname}",
            )
        seen.add(value)


def _only(parent: etree._Element, tag: str) -> etree._Element:
    found = [child for child in children(parent) if child.tag == tag]
    if len(found) != 1:
        raise SignatureError(
            "malformed signature", debug=f"{len(found)} x {etree.QName(tag).localname}"
        )
    return found[0]


def _algorithm(node: etree._Element) -> str:
    return (node.get("Algorithm") or "").strip()


def _check_exc_c14n(node: etree._Element, where: str) -> None:
    if _algorithm(node) != EXC_C14N:
        raise SignatureAlgorithmRefused(
            "canonicalisation not accepted", debug=f"{where}: {_algorithm(node)!r}"
        )
    inner = children(node)
    if len(inner) > 1 or any(child.tag != INCLUSIVE_NAMESPACES for child in inner):
        raise SignatureAlgorithmRefused("canonicalisation parameters not accepted", debug=where)


def _check_transforms(reference: etree._Element) -> None:
    transforms = [child for child in children(reference) if child.tag == TRANSFORMS]
    if len(transforms) != 1:
        raise SignatureAlgorithmRefused("reference transforms not accepted", debug="no Transforms")
    steps = children(transforms[0])
    if any(step.tag != TRANSFORM for step in steps):
        raise SignatureAlgorithmRefused("reference transforms not accepted", debug="not Transform")
    uris = [_algorithm(step) for step in steps]
    if uris != [ENVELOPED, EXC_C14N]:
        raise SignatureAlgorithmRefused("reference transforms not accepted", debug=repr(uris))
    if children(steps[0]):
        raise SignatureAlgorithmRefused("reference transforms not accepted", debug="enveloped+")
    _check_exc_c14n(steps[1], "Reference")


def _check_reference(
    signed_info: etree._Element, own_id: str, digests: frozenset[DigestMethod]
) -> DigestMethod:
    references = [child for child in children(signed_info) if child.tag == REFERENCE]
    if len(references) != 1:
        raise SignatureReferenceError(
            "the signature must cover exactly one element", debug=f"{len(references)} References"
        )
    reference = references[0]
    if reference.get("URI") != f"#{own_id}":
        raise SignatureReferenceError(
            "the signature does not cover this element",
            debug=f"URI {reference.get('URI')!r}, element ID {own_id!r}",
        )
    tags = [child.tag for child in children(reference)]
    if tags != [TRANSFORMS, DIGEST_METHOD, DIGEST_VALUE]:
        raise SignatureError("malformed signature reference", debug=repr(tags))
    _check_transforms(reference)
    digest_method = _only(reference, DIGEST_METHOD)
    if children(digest_method):
        raise SignatureAlgorithmRefused("digest parameters not accepted")
    digest = DigestMethod(_algorithm(digest_method))
    if digest not in digests:
        raise SignatureAlgorithmRefused("digest algorithm not accepted", debug=digest.value)
    return digest


def _check_key_info(signature: etree._Element) -> tuple[str | None, bytes | None]:
    key_infos = [child for child in children(signature) if child.tag == KEY_INFO]
    if not key_infos:
        return None, None
    parts = children(key_infos[0])
    tags = [part.tag for part in parts]
    if any(tag not in (KEY_NAME, X509_DATA) for tag in tags) or len(set(tags)) != len(tags):
        raise SignatureError(
            "KeyInfo may hold only KeyName or X509Data",
            debug=repr([etree.QName(tag).localname for tag in tags]),
        )
    name: str | None = None
    der: bytes | None = None
    for part in parts:
        if part.tag == KEY_NAME:
            if children(part):
                raise SignatureError("malformed KeyName")
            name = (part.text or "").strip()
            continue
        certificates = children(part)
        if len(certificates) != 1 or certificates[0].tag != X509_CERTIFICATE:
            raise SignatureError("X509Data may hold only one X509Certificate")
        text = "".join((certificates[0].text or "").split())
        try:
            der = base64.b64decode(text, validate=True)
        except (binascii.Error, ValueError) as exc:
            raise SignatureError("malformed X509Certificate") from exc
    return name, der


def check_shape(
    element: etree._Element,
    own_id: str,
    methods: frozenset[SignatureMethod],
    digests: frozenset[DigestMethod],
) -> SignatureShape:
    """Find the one direct-child ds:Signature of ``element`` and check it has the accepted shape."""
    signatures = direct_signatures(element)
    if not signatures:
        raise SignatureMissing(
            "the element is not signed", debug=f"{etree.QName(element).localname} ID={own_id!r}"
        )
    if len(signatures) > 1:
        raise SignatureReferenceError("the element carries more than one signature")
    signature = signatures[0]
    tags = [child.tag for child in children(signature)]
    if tags not in ([SIGNED_INFO, SIGNATURE_VALUE], [SIGNED_INFO, SIGNATURE_VALUE, KEY_INFO]):
        raise SignatureError(
            "malformed signature (ds:Object and other content are refused)",
            debug=repr([etree.QName(tag).localname for tag in tags]),
        )
    signed_info = _only(signature, SIGNED_INFO)
    info_tags = [child.tag for child in children(signed_info)]
    if info_tags[:2] != [C14N_METHOD, SIGNATURE_METHOD] or any(
        tag != REFERENCE for tag in info_tags[2:]
    ):
        raise SignatureError("malformed SignedInfo", debug=repr(info_tags))
    _check_exc_c14n(_only(signed_info, C14N_METHOD), "SignedInfo")
    method_node = _only(signed_info, SIGNATURE_METHOD)
    if children(method_node):
        # HMACOutputLength and friends: nothing we accept takes parameters.
        raise SignatureAlgorithmRefused("signature method parameters not accepted")
    method = SignatureMethod(_algorithm(method_node))
    if method not in methods:
        raise SignatureAlgorithmRefused("signature algorithm not accepted", debug=method.value)
    digest = _check_reference(signed_info, own_id, digests)
    value = "".join((_only(signature, SIGNATURE_VALUE).text or "").split())
    if not value:
        raise SignatureError("empty SignatureValue")
    key_name, der = _check_key_info(signature)
    return SignatureShape(signature, method, digest, value, key_name, der)


def check_no_foreign_signature(element: etree._Element, own_id: str, own: etree._Element) -> None:
    """Refuse when any other ds:Signature in the document claims to cover this element.

    An honest document has exactly one signature per signed element; a second one that names
    our ID elsewhere in the tree is the trace of a wrapping attempt.
    """
    root = element.getroottree().getroot()
    for signature in root.iter(SIGNATURE):
        if signature is own:
            continue
        for reference in signature.iter(REFERENCE):
            if reference.get("URI") == f"#{own_id}":
                raise SignatureReferenceError(
                    "another signature in the message names this element",
                    debug=f"ID {own_id!r}",
                )
