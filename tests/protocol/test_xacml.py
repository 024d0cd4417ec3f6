"""XACMLAuthzDecisionQuery and the MR decision statement (spec §3.1, §4.7, §7).

Golden files in tests/data/saml/xacml/ are compared after exclusive C14N; regenerate them with
MAKELAAR_UPDATE_GOLDEN=1 after an intended change.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from lxml import etree

from etoegang.clock import FixedClock
from etoegang.clock import SequentialIdSource
from etoegang.crypto.xmldsig import VerifyPolicy
from etoegang.crypto.xmldsig import sign
from etoegang.crypto.xmldsig import verify
from etoegang.errors import ForbiddenElement
from etoegang.errors import MessageError
from etoegang.errors import XacmlError
from etoegang.errors import XmlValueError
from etoegang.messages import xacml as x
from etoegang.xml.ns import DS
from etoegang.xml.ns import SAML
from etoegang.xml.parser import parse_xml
from keys.ring import KeyRing
from policies.loa import Loa

DATA = Path(__file__).resolve().parent.parent / "data" / "saml" / "xacml"
HM = "urn:etoegang:HM:00000003520354760000:entities:9632"
MR = "urn:etoegang:MR:00000001234567890000:entities:9113"
MR2 = "urn:etoegang:MR:00000009999999990000:entities:9001"
DV = "urn:etoegang:DV:0000000398765432100000:entities:9009"
SERVICE_ID = "urn:etoegang:DV:0000000398765432100000:services:9009"
SERVICE_UUID = "b2ba62a6-419c-4331-8fbb-40c7b589978d"


def c14n(element: etree._Element, prefixes: tuple[str, ...] = ()) -> bytes:
    return etree.tostring(
        element,
        method="c14n",
        exclusive=True,
        with_comments=False,
        inclusive_ns_prefixes=list(prefixes) or None,
    )


def assert_golden(element: etree._Element, name: str) -> None:
    # Written as serialised (so xacml-saml stays declared for xsi:type), compared after
    # exclusive C14N with xacml-saml kept, as the MR signs it.
    path = DATA / name
    if os.environ.get("MAKELAAR_UPDATE_GOLDEN") == "1":
        path.write_bytes(etree.tostring(element) + b"\n")
    actual = c14n(element, ("xacml-saml",))
    expected = c14n(parse_xml(path.read_bytes()), ("xacml-saml",))
    assert actual == expected, f"{name} differs; MAKELAAR_UPDATE_GOLDEN=1 rewrites it"


def fixture(name: str) -> etree._Element:
    return parse_xml((DATA / name).read_bytes())


def unsigned(name: str) -> etree._Element:
    element = fixture(name)
    for signature in element.findall(f"{{{DS}}}Signature"):
        element.remove(signature)
    return element


def query(clock: FixedClock, ids: SequentialIdSource, **extra: object) -> etree._Element:
    args: dict[str, object] = dict(
        issuer=HM,
        destination="https://mr.example.nl/xacml",
        ad_assertion=fixture("signicat_ad_assertion.xml"),
        acs_index=3,
        intended_audience=DV,
        service_id=SERVICE_ID,
        service_uuid=SERVICE_UUID,
        level_of_assurance=Loa.EH3,
        clock=clock,
        ids=ids,
    )
    args.update(extra)
    return x.build_decision_query(**args)  # type: ignore[arg-type]


def permit_with_chain() -> x.DecisionStatement:
    xenc = "http://www.w3.org/2001/04/xmlenc#"
    encrypted = etree.Element(f"{{{SAML}}}EncryptedID", nsmap={"saml": SAML, "xenc": xenc})
    etree.SubElement(encrypted, f"{{{xenc}}}EncryptedData").set("Id", "_e1")
    return x.DecisionStatement(
        decision=x.Decision.PERMIT,
        obligations=(x.next_mr_obligation(MR2),),
        subject_attributes=(
            x.XacmlAttribute.string(x.ACTING_ENTITY_ID, "a" * 64 + "@" + "b" * 32, issuer=MR),
            x.XacmlAttribute(x.LEGAL_SUBJECT_ID, x.SAML_ENCRYPTED_ID, (encrypted,), MR),
            x.XacmlAttribute(x.LINKED_SIGNATURE, x.XS_BASE64, ("c2lnbmF0dXJl",), MR),
        ),
        resource_attributes=(
            x.XacmlAttribute.string(x.SERVICE_ID, SERVICE_ID),
            x.XacmlAttribute.string(x.SERVICE_UUID, SERVICE_UUID),
            x.XacmlAttribute.string(x.LEVEL_OF_ASSURANCE, Loa.EH3.urn, issuer=HM),
            x.XacmlAttribute.string(x.LEVEL_OF_ASSURANCE_USED, Loa.EH3.urn, issuer=MR),
        ),
        action=(x.XacmlAttribute.string(x.ACTION_ID, x.AUTHENTICATE),),
    )


# --- the real Signicat MR statement -----------------------------------------------------------


def test_real_signicat_mr_statement_parses_with_all_values() -> None:
    statement = x.find_decision_statement(fixture("signicat_mr_assertion.xml"))
    assert statement.decision is x.Decision.PERMIT
    assert statement.status.code is x.XacmlStatusCode.OK
    assert statement.permitted
    assert statement.obligations == () and statement.next_mr is None
    assert statement.acting_entity_id == (
        "5039c43b8e350bf6fb24382c9670debd878623680421a7b6f39ec749dfc0b4c7"
        "@0ae3c84bce4f060b25e89c0290f040d6"
    )
    assert statement.subject(x.ACTING_ENTITY_ID).issuer == MR  # type: ignore[union-attr]
    legal = statement.legal_subject_id
    assert legal is not None and legal.text == "9876543210"
    assert legal.get("NameQualifier") == "urn:etoegang:1.9:EntityConcernedID:KvKnr"
    assert statement.acting_subject_id is not None
    assert statement.linked_signature_value is not None
    assert statement.linked_signature_value.startswith("B7UHz/59RCPNI/wT3zubxSFVVlja")
    assert statement.service_id == "urn:etoegang:DV:0000000398765432100000:services:9009"
    assert statement.service_uuid == SERVICE_UUID
    assert statement.level_of_assurance is Loa.EH2PLUS
    assert statement.level_of_assurance_used is Loa.EH3
    assert statement.resource(x.LEVEL_OF_ASSURANCE_USED).issuer == MR  # type: ignore[union-attr]
    assert statement.vestigingsnr == "0000123456789"
    assert statement.subdossiernr == "1234"
    kvk = statement.resource("urn:etoegang:1.9:EntityConcernedID:KvKnr")
    assert kvk is not None and kvk.text == "9876543210"
    assert [a.text for a in statement.action] == ["Authenticate"]
    assert statement.environment == ()


def test_real_linked_signature_value_equals_the_ad_assertion_signature() -> None:
    statement = x.find_decision_statement(fixture("signicat_mr_assertion.xml"))
    ad = fixture("signicat_ad_assertion.xml")
    value = ad.find(f"{{{DS}}}Signature/{{{DS}}}SignatureValue")
    assert value is not None and value.text is not None
    assert statement.linked_signature_value == "".join(value.text.split())


def test_statement_type_prefix_must_resolve_to_the_xacml_saml_namespace() -> None:
    assertion = fixture("signicat_mr_assertion.xml")
    data = etree.tostring(assertion).replace(
        b'xmlns:xacml-saml="urn:oasis:xacml:2.0:saml:assertion:schema:os"',
        b'xmlns:xacml-saml="urn:example:evil"',
    )
    with pytest.raises(XacmlError):
        x.find_decision_statement(parse_xml(data))


# --- the query ---------------------------------------------------------------------------------


def test_query_with_ad_assertion_matches_golden(clock: FixedClock, ids: SequentialIdSource) -> None:
    assert_golden(query(clock, ids), "query_ad_assertion.xml")


def test_query_round_trip(clock: FixedClock, ids: SequentialIdSource) -> None:
    parsed = x.parse_decision_query(parse_xml(etree.tostring(query(clock, ids))))
    assert parsed.id == "_id-0001" and parsed.issuer == HM
    assert parsed.destination == "https://mr.example.nl/xacml"
    assert parsed.issue_instant == clock.now()
    assert parsed.acs_index == 3 and parsed.intended_audience == DV
    assert len(parsed.assertions) == 1
    assert c14n(parsed.assertions[0]) == c14n(fixture("signicat_ad_assertion.xml"))
    loa = next(a for a in parsed.resource_attributes if a.attribute_id == x.LEVEL_OF_ASSURANCE)
    assert loa.text == Loa.EH3.urn and loa.issuer == HM
    assert [a.text for a in parsed.action] == [x.AUTHENTICATE]
    root = parsed.element
    assert root.get("ReturnContext") == "true"
    assert root.get("Consent") is None and root.get("InputContextOnly") is None
    issuer = root.find(f"{{{SAML}}}Issuer")
    assert issuer is not None and len(issuer.attrib) == 0


def test_chain_query_carries_mr1_assertion_unchanged(
    clock: FixedClock, ids: SequentialIdSource
) -> None:
    mr1 = fixture("signicat_mr_assertion.xml")
    built = query(clock, ids, mr1_assertion=mr1)
    parsed = x.parse_decision_query(parse_xml(etree.tostring(built)))
    assert len(parsed.assertions) == 2
    ad, carried = parsed.assertions
    assert ad.get("ID") == "s273cee5425e2f5382c41826d20b098eba4696c0cf"
    # Signicat signs the MR assertion with PrefixList="xacml-saml": the copy must canonicalise
    # byte for byte as the original, and its statement must still be recognised.
    assert c14n(carried, ("xacml-saml",)) == c14n(mr1, ("xacml-saml",))
    assert x.find_decision_statement(carried).level_of_assurance_used is Loa.EH3


def test_signed_query_and_embedded_assertions_verify_after_transport(
    clock: FixedClock, ids: SequentialIdSource, rings: dict[str, KeyRing]
) -> None:
    ad = unsigned("signicat_ad_assertion.xml")
    sign(ad, rings["ad"].signing)
    # The MR1 assertion inside a parent that declares xacml-saml, as Signicat's does.
    holder = parse_xml(
        b'<w xmlns:xacml-saml="urn:oasis:xacml:2.0:saml:assertion:schema:os">'
        + etree.tostring(unsigned("signicat_mr_assertion.xml"))
        + b"</w>"
    )
    mr1 = holder[0]
    sign(mr1, rings["mr"].signing, inclusive_prefixes=("xacml-saml",))
    built = query(clock, ids, ad_assertion=ad, mr1_assertion=mr1)
    sign(built, rings["hm"].signing)
    received = parse_xml(etree.tostring(built))
    verify(received, VerifyPolicy(trusted=(rings["hm"].signing.as_peer(),)))
    parsed = x.parse_decision_query(received)
    verify(parsed.assertions[0], VerifyPolicy(trusted=(rings["ad"].signing.as_peer(),)))
    verify(parsed.assertions[1], VerifyPolicy(trusted=(rings["mr"].signing.as_peer(),)))


def _mutated(clock: FixedClock, ids: SequentialIdSource, old: bytes, new: bytes) -> etree._Element:
    data = etree.tostring(query(clock, ids))
    assert old in data
    return parse_xml(data.replace(old, new, 1))


@pytest.mark.parametrize(
    ("old", "new", "error"),
    [
        (b'ReturnContext="true"', b'ReturnContext="true" Consent="urn:x"', ForbiddenElement),
        (
            b'ReturnContext="true"',
            b'ReturnContext="true" InputContextOnly="false"',
            ForbiddenElement,
        ),
        (b'ReturnContext="true"', b'ReturnContext="false"', XacmlError),
        (
            b'<saml:Issuer xmlns:saml="urn:oasis:names:tc:SAML:2.0:assertion">',
            b'<saml:Issuer xmlns:saml="urn:oasis:names:tc:SAML:2.0:assertion" Format="urn:x">',
            XacmlError,
        ),
        (b'Version="2.0"', b'Version="1.1"', MessageError),
        (
            b"<xacml-context:Resource>",
            b"<xacml-context:Subject/><xacml-context:Resource>",
            XacmlError,
        ),
        (b"<xacml-context:AttributeValue>3<", b"<xacml-context:AttributeValue>three<", XacmlError),
    ],
    ids=[
        "consent",
        "input-context-only",
        "no-return-context",
        "issuer-format",
        "version",
        "second-subject",
        "acs-index-not-integer",
    ],
)
def test_query_parse_refuses_profile_violations(
    clock: FixedClock, ids: SequentialIdSource, old: bytes, new: bytes, error: type[Exception]
) -> None:
    with pytest.raises(error):
        x.parse_decision_query(_mutated(clock, ids, old, new))


def test_query_without_assertions_is_refused(clock: FixedClock, ids: SequentialIdSource) -> None:
    element = parse_xml(etree.tostring(query(clock, ids)))
    extensions = element[1]
    extensions.remove(extensions[2])
    with pytest.raises(XacmlError):
        x.parse_decision_query(element)


# --- the decision statement ---------------------------------------------------------------------


def test_permit_with_chain_obligation_matches_golden() -> None:
    assert_golden(x.build_decision_statement(permit_with_chain()), "statement_permit_chain.xml")


def test_permit_with_chain_obligation_round_trip() -> None:
    element = parse_xml(etree.tostring(x.build_decision_statement(permit_with_chain())))
    parsed = x.parse_decision_statement(element)
    assert parsed.permitted and parsed.next_mr == MR2
    assert parsed.obligations[0].fulfill_on is x.Decision.PERMIT
    assert parsed.level_of_assurance_used is Loa.EH3 and parsed.level_of_assurance is Loa.EH3
    assert parsed.linked_signature_value == "c2lnbmF0dXJl"
    legal = parsed.legal_subject_id
    assert legal is not None and legal.tag == f"{{{SAML}}}EncryptedID"
    assert parsed.acting_entity_id == "a" * 64 + "@" + "b" * 32


def test_deny_statement_matches_golden_and_is_not_permitted() -> None:
    deny = x.DecisionStatement(
        decision=x.Decision.DENY,
        resource_attributes=(x.XacmlAttribute.string(x.SERVICE_UUID, SERVICE_UUID),),
        action=(x.XacmlAttribute.string(x.ACTION_ID, x.AUTHENTICATE),),
    )
    built = x.build_decision_statement(deny)
    assert_golden(built, "statement_deny.xml")
    parsed = x.parse_decision_statement(parse_xml(etree.tostring(built)))
    assert parsed.decision is x.Decision.DENY and not parsed.permitted
    assert parsed.level_of_assurance_used is None and parsed.next_mr is None


def _statement_bytes() -> bytes:
    return etree.tostring(x.build_decision_statement(permit_with_chain()))


@pytest.mark.parametrize(
    ("old", "new", "error"),
    [
        (b"<xacml-context:Decision>Permit<", b"<xacml-context:Decision>Maybe<", XacmlError),
        (b"status:ok", b"status:fine", XacmlError),
        (
            b"</xacml-context:Result>",
            b"</xacml-context:Result><xacml-context:Result><xacml-context:Decision>Permit"
            b"</xacml-context:Decision></xacml-context:Result>",
            XacmlError,
        ),
        (b"c2lnbmF0dXJl", b"not*base64", XacmlError),
        (
            b">urn:etoegang:core:assurance-class:loa3</xacml-context:AttributeValue></xacml-context:"
            b"Attribute></xacml-context:Resource>",
            b">urn:etoegang:core:assurance-class:loa9</xacml-context:AttributeValue></xacml-context:"
            b"Attribute></xacml-context:Resource>",
            XacmlError,
        ),
        (b"aaaa@", b"aa<!---->aa@", XmlValueError),
    ],
    ids=["decision", "status", "two-results", "linked-signature", "loa-used", "comment-in-value"],
)
def test_statement_refusals(old: bytes, new: bytes, error: type[Exception]) -> None:
    data = _statement_bytes()
    assert old in data
    with pytest.raises(error):
        parsed = x.parse_decision_statement(parse_xml(data.replace(old, new, 1)))
        # Some refusals come from the accessor that reads the value.
        _ = (parsed.linked_signature_value, parsed.level_of_assurance_used, parsed.acting_entity_id)


def test_duplicate_single_valued_attribute_is_refused() -> None:
    statement = permit_with_chain()
    doubled = x.DecisionStatement(
        decision=statement.decision,
        resource_attributes=statement.resource_attributes
        + (x.XacmlAttribute.string(x.LEVEL_OF_ASSURANCE_USED, Loa.EH4.urn, issuer=MR),),
    )
    parsed = x.parse_decision_statement(x.build_decision_statement(doubled))
    with pytest.raises(XacmlError):
        _ = parsed.level_of_assurance_used


def test_indeterminate_with_processing_error_status() -> None:
    statement = x.DecisionStatement(
        decision=x.Decision.INDETERMINATE,
        status=x.XacmlStatus(x.XacmlStatusCode.PROCESSING_ERROR, "register unavailable"),
    )
    parsed = x.parse_decision_statement(x.build_decision_statement(statement))
    assert parsed.status == statement.status and not parsed.permitted
