"""The parsers read real HM messages (Signicat 2023, Connectis 2020) as brokers send them.

The examples' signatures cannot verify (the keys are not ours; one was changed by decryption),
so these tests parse without verifying: they show shapes, not trust.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from lxml import etree

from etoegang.messages import Assertion
from etoegang.messages import NameIDFormat
from etoegang.messages import StatusCode
from etoegang.messages import parse_assertion
from etoegang.messages import parse_response
from etoegang.messages.common import children
from etoegang.xml.ns import SAML
from etoegang.xml.ns import SAMLP
from etoegang.xml.ns import XS
from etoegang.xml.ns import qname
from etoegang.xml.parser import parse_xml
from policies.loa import Loa

EXAMPLES = Path("/work/shared/spec/examples")
SIGNICAT = EXAMPLES / "hm-artifactresponse-signicat-2023-decrypted.xml"
CONNECTIS = EXAMPLES / "hm-response-connectis-2020-encrypted.xml"

pytestmark = pytest.mark.skipif(not SIGNICAT.exists(), reason="spec examples not mounted")


def _hm_assertion(path: Path) -> tuple[Assertion, str]:
    root = parse_xml(path.read_bytes())
    element = root if root.tag == qname(SAMLP, "Response") else root.find(qname(SAMLP, "Response"))
    assert element is not None
    response = parse_response(element)
    assert response.status.top is StatusCode.SUCCESS
    (assertion_element,) = response.assertion_elements
    assert response.destination is not None
    return parse_assertion(assertion_element), response.destination


def test_signicat_2023_hm_assertion_reads_as_sent() -> None:
    assertion, destination = _hm_assertion(SIGNICAT)
    assert assertion.issuer == "urn:etoegang:HM:00000003244440010000:entities:9713"
    assert assertion.conditions is not None
    assert assertion.conditions.audiences == (
        "urn:etoegang:DV:0000000398765432100000:entities:9009",
    )
    name_id = assertion.name_id
    assert name_id is not None and name_id.format is NameIDFormat.TRANSIENT
    assert name_id.name_qualifier == "urn:etoegang:AD:00000001234567890000:entities:9113"
    (confirmation,) = assertion.subject_confirmations
    assert confirmation.recipient == destination
    assert confirmation.in_response_to == "_d8230c16a9e8386d6ddca7d98867350615e59dc0"
    statement = assertion.authn_statement
    assert statement is not None and statement.loa is Loa.EH3
    assert statement.session_index == "dd222286-41db-4d40-9c97-951e9aab0d92"
    assert statement.authenticating_authorities == (
        "urn:etoegang:AD:00000001234567890000:entities:9113",
    )
    service_id = assertion.attribute("urn:etoegang:core:ServiceID")
    assert service_id is not None
    assert service_id.texts == ("urn:etoegang:DV:0000000398765432100000:services:9009",)
    assert service_id.values[0].xsi_type == qname(XS, "string")  # written as xsd:string
    uuid = assertion.attribute("urn:etoegang:core:ServiceUUID")
    assert uuid is not None and uuid.texts == ("b2ba62a6-419c-4331-8fbb-40c7b589978d",)
    # Decrypted in this example: the identifier is a NameID element, kept as an element.
    legal = assertion.attribute("urn:etoegang:core:LegalSubjectID")
    assert legal is not None and legal.values[0].element is not None
    assert (
        legal.values[0].element.get("NameQualifier") == "urn:etoegang:1.9:EntityConcernedID:KvKnr"
    )


def test_signicat_2023_advice_holds_the_ad_and_mr_assertions_unchanged() -> None:
    assertion, _ = _hm_assertion(SIGNICAT)
    assert assertion.advice is not None
    assert len(assertion.advice.assertions) == 2
    ad, mr = (parse_assertion(a) for a in assertion.advice.assertions)
    assert ad.issuer == "urn:etoegang:AD:00000001234567890000:entities:9113"
    assert mr.issuer == "urn:etoegang:MR:00000001234567890000:entities:9113"
    assert ad.conditions is not None and len(ad.conditions.audiences) == 3
    assert ad.authn_statement is not None
    assert ad.authn_statement.authenticating_authorities == ("00000001234567890000",)
    acting = ad.attribute("urn:etoegang:core:ActingSubjectID")
    assert acting is not None and acting.values[0].is_encrypted_id
    encrypted = acting.values[0].element
    assert encrypted is not None and [etree.QName(c).localname for c in children(encrypted)] == [
        "EncryptedData",
        "EncryptedKey",
    ]
    # The MR assertion points at the AD assertion and carries the XACML statement opaquely.
    assert mr.advice is not None and mr.advice.assertion_id_refs == (ad.id,)
    (statement,) = mr.other_statements
    assert statement.tag == qname(SAML, "Statement")
    assert mr.conditions is not None and mr.conditions.audience_restrictions == ()


def test_connectis_2020_hm_assertion_reads_as_sent() -> None:
    assertion, destination = _hm_assertion(CONNECTIS)
    assert assertion.issuer == "urn:etoegang:HM:00000003244440010000:entities:9619"
    assert assertion.conditions is not None
    assert assertion.conditions.audiences == ("urn:etoegang:DV:00000003519026720000:entities:9009",)
    name_id = assertion.name_id
    assert name_id is not None and name_id.format is NameIDFormat.PERSISTENT
    assert name_id.name_qualifier == "urn:etoegang:MR:00000003244440010000:entities:9133"
    assert assertion.subject_confirmations[0].recipient == destination
    statement = assertion.authn_statement
    assert statement is not None and statement.loa is Loa.EH2PLUS
    assert statement.authenticating_authorities == (
        "urn:etoegang:AD:00000003244440010000:entities:9133",
    )
    kvk = assertion.attribute("urn:etoegang:1.9:EntityConcernedID:KvKnr")
    assert kvk is not None and kvk.texts == ("24444001",)
    service_uuid = assertion.attribute("urn:etoegang:core:ServiceUUID")
    assert service_uuid is not None and service_uuid.texts == (
        "b2ba62a6-419c-4331-8fbb-40c7b589978d",
    )
    assert assertion.advice is not None and len(assertion.advice.assertions) == 2


def test_connectis_2020_advice_keeps_encrypted_ids_opaque() -> None:
    assertion, _ = _hm_assertion(CONNECTIS)
    assert assertion.advice is not None
    ad, mr = (parse_assertion(a) for a in assertion.advice.assertions)
    # Seven fractional digits, as .NET writes them, are read (to the microsecond).
    assert ad.issue_instant.microsecond == 941114
    acting = ad.attribute("urn:etoegang:core:ActingSubjectID")
    assert acting is not None and acting.values[0].is_encrypted_id
    element = acting.values[0].element
    assert element is not None
    key = element.find("{http://www.w3.org/2001/04/xmlenc#}EncryptedKey")
    assert key is not None
    assert key.get("Recipient") == "urn:etoegang:MR:00000003244440010000:entities:9133"
    representation = ad.attribute("urn:etoegang:core:Representation")
    assert representation is not None and representation.texts == ("1",)
    assert mr.advice is not None and mr.advice.assertion_id_refs == (ad.id,)
    assert len(mr.other_statements) == 1
