"""atheris target: XML-DSig verification of a message signed with a throw-away development
key; any input that verifies must carry exactly the genuine signed content."""

from __future__ import annotations

import copy

from lxml import etree

from etoegang.crypto.xmldsig import VerifyPolicy
from etoegang.crypto.xmldsig import sign
from etoegang.crypto.xmldsig import verify
from etoegang.xml.ns import DS
from etoegang.xml.ns import SAML
from etoegang.xml.ns import SAMLP
from etoegang.xml.ns import qname
from etoegang.xml.parser import parse_xml
from etoegang.xml.parser import serialize
from fuzz._run import run
from keys.devpki import issue
from keys.devpki import new_ca


def _covered(element: etree._Element) -> bytes:
    element = copy.deepcopy(element)
    for signature in element.findall(qname(DS, "Signature")):
        element.remove(signature)
    return etree.tostring(element, method="c14n", exclusive=True, with_comments=False)


def _genuine() -> tuple[bytes, VerifyPolicy]:
    key = issue(new_ca(), "Fuzz signer", usage="signing")
    message = etree.Element(qname(SAMLP, "Response"), nsmap={"samlp": SAMLP, "saml": SAML},
                            ID="_fuzz1", Version="2.0", IssueInstant="2026-11-01T12:00:00Z")
    etree.SubElement(message, qname(SAML, "Issuer")).text = "urn:etoegang:AD:1:entities:1"
    sign(message, key)
    return serialize(message), VerifyPolicy(trusted=(key.as_peer(),))


GENUINE, POLICY = _genuine()
EXPECTED = _covered(parse_xml(GENUINE))


def target(data: bytes) -> object:
    verified = verify(parse_xml(data), POLICY)
    if _covered(verified.element) != EXPECTED:
        raise AssertionError("verify accepted changed signed content")
    return verified


if __name__ == "__main__":
    print("seed:", GENUINE.decode()[:80], "...")
    run(target)
