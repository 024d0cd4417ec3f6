"""Parser-differential signature attacks of 2024-2025 through the broker's real endpoints
(issue 5). Each models a case where two readers disagree about which element is signed:

* ruby-saml CVE-2024-45409 / CVE-2025-25291 / CVE-2025-25292: a second Assertion or Signature
  under another namespace prefix, DOCTYPE tricks, attribute duplication, ``xml:id`` vs ``ID``;
* xml-crypto CVE-2025-29774 / CVE-2025-29775: a DigestValue split by a comment, a second
  SignedInfo;
* samlify CVE-2025-47949: the genuinely signed element reused in another position.

The AD answer is changed on the SOAP back channel (an attacker on the wire); the DV's
AuthnRequest is changed in the browser's POST.
"""

from __future__ import annotations

import base64
import copy

import pytest
from lxml import etree

from etoegang.xml.ns import DS
from etoegang.xml.ns import SAML
from etoegang.xml.ns import qname
from etoegang.xml.parser import serialize
from tests.broker.conftest import Harness
from tests.security.conftest import ASSERTION
from tests.security.conftest import SIGNATURE
from tests.security.conftest import Element
from tests.security.conftest import assert_one_clean_warning
from tests.security.conftest import assert_refusal_page
from tests.security.conftest import live_state
from tests.security.conftest import raise_level
from tests.security.test_attacks_parsing import _ad_attack_any

XML_ID = "{http://www.w3.org/XML/1998/namespace}id"


def _assertion(message: Element) -> Element:
    found = message.find(f".//{ASSERTION}")
    assert found is not None
    return found


def _evil_copy(assertion: Element, prefix: str = "saml2") -> Element:
    """An unsigned copy of ``assertion`` under another prefix, with the attacker's level."""
    text = serialize(assertion).replace(b"saml:", prefix.encode() + b":").replace(
        b"xmlns:saml=", b"xmlns:" + prefix.encode() + b"="
    )
    evil = etree.fromstring(text)  # noqa: S320 - our own serialisation, for the attack
    for signature in evil.findall(SIGNATURE):
        evil.remove(signature)
    raise_level(evil)
    return evil


def second_assertion_other_prefix(message: Element) -> Element:
    genuine = _assertion(message)
    evil = _evil_copy(genuine)
    evil.set("ID", "_evil")
    genuine.addprevious(evil)
    return message


def second_signature_other_prefix(message: Element) -> Element:
    genuine = _assertion(message)
    signature = genuine.find(SIGNATURE)
    assert signature is not None
    raise_level(genuine)
    text = serialize(signature).replace(b"ds:", b"dsig:").replace(b"xmlns:ds=", b"xmlns:dsig=")
    genuine.append(etree.fromstring(text))  # noqa: S320 - our own serialisation
    return message


def xml_id_same_as_signed_id(message: Element) -> Element:
    genuine = _assertion(message)
    evil = _evil_copy(genuine, "saml")
    evil.set("ID", "_evil")
    evil.set(XML_ID, genuine.get("ID") or "")
    genuine.addprevious(evil)
    return message


def digest_value_split_by_comment(message: Element) -> Element:
    genuine = _assertion(message)
    raise_level(genuine)
    digest = genuine.find(f"{SIGNATURE}//{{{DS}}}DigestValue")
    assert digest is not None and digest.text
    value = digest.text
    digest.text = None
    comment = etree.Comment(value)
    comment.tail = "AAAA" + value[4:]
    digest.append(comment)
    return message


def second_signed_info(message: Element) -> Element:
    genuine = _assertion(message)
    signed_info = genuine.find(f"{SIGNATURE}/{{{DS}}}SignedInfo")
    assert signed_info is not None
    raise_level(genuine)
    signed_info.addnext(copy.deepcopy(signed_info))
    return message


def signed_assertion_reused_in_advice(message: Element) -> Element:
    genuine = _assertion(message)
    evil = _evil_copy(genuine, "saml")
    evil.set("ID", "_evil")
    genuine.addprevious(evil)
    advice = etree.SubElement(evil, qname(SAML, "Advice"))
    advice.append(genuine)
    return message


ATTACKS = {
    "CVE-2024-45409_second_assertion_other_prefix": second_assertion_other_prefix,
    "CVE-2024-45409_second_signature_other_prefix": second_signature_other_prefix,
    "CVE-2025-25292_xml_id_same_as_signed_id": xml_id_same_as_signed_id,
    "CVE-2025-29775_digest_value_split_by_comment": digest_value_split_by_comment,
    "CVE-2025-29774_second_signed_info": second_signed_info,
    "CVE-2025-47949_signed_assertion_reused_in_advice": signed_assertion_reused_in_advice,
}


@pytest.mark.parametrize("attack", list(ATTACKS))
def test_parser_differential_on_ad_answer_at_broker_acs_is_refused(
    harness: Harness, caplog: pytest.LogCaptureFixture, attack: str
) -> None:
    _ad_attack_any(harness, caplog, ATTACKS[attack])


def _post_raw(harness: Harness, caplog: pytest.LogCaptureFixture, raw: bytes) -> None:
    before = live_state(harness.state)
    caplog.clear()
    answer = harness.client.post(
        "/broker/sso/1.13", data={"SAMLRequest": base64.b64encode(raw).decode()}
    )
    assert_refusal_page(answer)
    assert live_state(harness.state) == before
    assert_one_clean_warning(caplog)


def test_duplicated_id_attribute_at_broker_sso_is_refused(
    harness: Harness, caplog: pytest.LogCaptureFixture
) -> None:
    """CVE-2025-25291 family: two readers pick different copies of a duplicated attribute."""
    raw = serialize(harness.dv.request()).replace(b' ID="', b' ID="_evil" ID="', 1)
    _post_raw(harness, caplog, raw)


def test_doctype_attribute_default_for_id_at_broker_sso_is_refused(
    harness: Harness, caplog: pytest.LogCaptureFixture
) -> None:
    """CVE-2025-25291/25292 family: a DTD that one parser applies and the other ignores."""
    raw = b'<!DOCTYPE samlp:AuthnRequest [<!ATTLIST samlp:AuthnRequest ' \
          b'AttributeConsumingServiceIndex CDATA "2">]>' + serialize(harness.dv.request())
    _post_raw(harness, caplog, raw)
