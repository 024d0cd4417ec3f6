"""Verify a message from a registered peer: the Issuer only *selects* whose keys to try.

The Issuer text is read before verification solely to look up that peer's certificates in
its registered metadata; the signature must then verify with one of those, so a message that
names peer A but is signed with peer B's valid key is refused (spec §4.3; DESIGN §5).
"""

from __future__ import annotations

from dataclasses import dataclass

from lxml import etree

from etoegang.crypto.xmldsig import Verified
from etoegang.crypto.xmldsig import VerifyPolicy
from etoegang.crypto.xmldsig import verify
from etoegang.errors import MessageError
from etoegang.errors import UnexpectedIssuer
from etoegang.exchange.peers import PeerDirectory
from etoegang.xml.ns import SAML
from etoegang.xml.ns import qname
from etoegang.xml.parser import text_of

_ISSUER = qname(SAML, "Issuer")


@dataclass(frozen=True, slots=True)
class PeerMessage:
    """A message whose signature verified with its issuer's registered key."""

    issuer: str
    verified: Verified

    @property
    def element(self) -> etree._Element:
        return self.verified.element


def issuer_of(element: etree._Element) -> str:
    """The text of the element's own saml:Issuer child (unverified: for key lookup only)."""
    issuers = [child for child in element if child.tag == _ISSUER]
    if len(issuers) != 1:
        raise MessageError("the message needs exactly one Issuer")
    value = text_of(issuers[0])
    if not value:
        raise MessageError("the Issuer is empty")
    return value


def verify_from_peer(
    element: etree._Element,
    directory: PeerDirectory,
    *,
    expected_issuer: str | None = None,
) -> PeerMessage:
    """Verify ``element``'s enveloped signature with its issuer's registered keys.

    :param expected_issuer: when given, any other issuer is refused before any key is tried.
    :raises UnexpectedIssuer: the issuer is not the expected one.
    :raises SignatureError: (subclasses) missing, malformed or not verifying signature.
    :raises ProtocolError: the issuer is not registered.
    """
    issuer = issuer_of(element)
    if expected_issuer is not None and issuer != expected_issuer:
        raise UnexpectedIssuer("message from an unexpected peer", debug=issuer[:120])
    verified = verify(element, VerifyPolicy(trusted=directory.signing_certificates(issuer)))
    return PeerMessage(issuer=issuer, verified=verified)
