"""Parsers refuse what the schema and the eHerkenning profile refuse, with a named rule, and
accept the variants real peers send."""

from __future__ import annotations

import pytest

from etoegang.errors import ForbiddenElement
from etoegang.errors import MessageError
from etoegang.errors import MessageMalformed
from etoegang.errors import UnsupportedVersion
from etoegang.messages import AuthnContextComparison
from etoegang.messages import parse_assertion
from etoegang.messages import parse_authn_request
from etoegang.messages import parse_logout_request
from etoegang.messages import parse_response
from etoegang.xml.ns import XS
from etoegang.xml.ns import qname
from etoegang.xml.parser import parse_xml

NS = (
    'xmlns:samlp="urn:oasis:names:tc:SAML:2.0:protocol" '
    'xmlns:saml="urn:oasis:names:tc:SAML:2.0:assertion"'
)
ISSUER = "<saml:Issuer>urn:etoegang:DV:00000003987654321000:entities:9009</saml:Issuer>"
HEAD = 'ID="_r1" Version="2.0" IssueInstant="2026-11-01T12:00:00Z"'


def request(attrs: str = "", body: str = ISSUER, head: str = HEAD) -> str:
    return f"<samlp:AuthnRequest {NS} {head} {attrs}>{body}</samlp:AuthnRequest>"


def assertion(
    body: str, head: str = 'ID="_a1" Version="2.0" IssueInstant="2026-11-01T12:00:00Z"'
) -> str:
    return f"<saml:Assertion {NS} {head}>{ISSUER}{body}</saml:Assertion>"


def response(body: str) -> str:
    status = (
        '<samlp:Status><samlp:StatusCode Value="urn:oasis:names:tc:SAML:2.0:status:Success"/>'
        "</samlp:Status>"
    )
    return f"<samlp:Response {NS} {HEAD}>{ISSUER}{body}{status}</samlp:Response>"


def test_a_minimal_authn_request_parses() -> None:
    parsed = parse_authn_request(parse_xml(request()))
    assert parsed.id == "_r1" and parsed.force_authn is None


@pytest.mark.parametrize(
    ("xml", "error", "words"),
    [
        (
            request(head='ID="_r1" Version="1.1" IssueInstant="2026-11-01T12:00:00Z"'),
            UnsupportedVersion,
            "Version",
        ),
        (request(head='ID="_r1" IssueInstant="2026-11-01T12:00:00Z"'), MessageMalformed, "Version"),
        (request(head='Version="2.0" IssueInstant="2026-11-01T12:00:00Z"'), MessageMalformed, "ID"),
        (
            request(head='ID="1abc" Version="2.0" IssueInstant="2026-11-01T12:00:00Z"'),
            MessageMalformed,
            "xs:ID",
        ),
        (
            request(head='ID="_r1" Version="2.0" IssueInstant="yesterday"'),
            MessageMalformed,
            "xs:dateTime",
        ),
        (request('ForceAuthn="yes"'), MessageMalformed, "true, false, 1 or 0"),
        (request('AssertionConsumerServiceIndex="65536"'), MessageMalformed, "unsigned short"),
        (request('AttributeConsumingServiceIndex="-1"'), MessageMalformed, "unsigned short"),
        (
            request('AssertionConsumerServiceIndex="1" AssertionConsumerServiceURL="https://x"'),
            MessageMalformed,
            "must not combine",
        ),
        (request('Destination=""'), MessageMalformed, "must not be empty"),
        (request(body=""), MessageMalformed, "Issuer"),
        (request(body=ISSUER + ISSUER), MessageMalformed, "Issuer"),
        (
            request(
                body='<saml:Issuer Format="urn:oasis:names:tc:SAML:2.0:nameid-format:persistent">'
                "x</saml:Issuer>"
            ),
            MessageMalformed,
            "entity",
        ),
        (
            request(body="<saml:Issuer>urn:x<!-- -->.evil</saml:Issuer>"),
            MessageMalformed,
            "plain value",
        ),
        (
            request(body=ISSUER + "<samlp:Scoping/><samlp:NameIDPolicy/>"),
            MessageMalformed,
            "NameIDPolicy",
        ),
        (
            request(
                body=ISSUER + '<samlp:RequestedAuthnContext Comparison="atleast">'
                "<saml:AuthnContextClassRef>urn:x</saml:AuthnContextClassRef>"
                "</samlp:RequestedAuthnContext>"
            ),
            MessageMalformed,
            "Comparison",
        ),
        (
            request(body=ISSUER + "<samlp:RequestedAuthnContext/>"),
            MessageMalformed,
            "AuthnContextClassRef",
        ),
        (request(body=ISSUER + "<samlp:Extensions/>"), MessageMalformed, "empty"),
        (
            request(body=ISSUER + '<samlp:NameIDPolicy Format="urn:example:weird"/>'),
            MessageMalformed,
            "NameID format",
        ),
        (
            request(body=ISSUER + "<samlp:Scoping><samlp:IDPList/></samlp:Scoping>"),
            MessageMalformed,
            "IDPEntry",
        ),
        (
            "<samlp:LogoutRequest " + NS + " " + HEAD + ">" + ISSUER + "</samlp:LogoutRequest>",
            MessageMalformed,
            "AuthnRequest",
        ),
    ],
    ids=[
        "version-1.1",
        "no-version",
        "no-id",
        "id-starts-with-digit",
        "bad-instant",
        "boolean-yes",
        "index-too-large",
        "index-negative",
        "index-and-url",
        "empty-destination",
        "no-issuer",
        "two-issuers",
        "issuer-format",
        "comment-in-issuer",
        "out-of-order",
        "bad-comparison",
        "empty-authn-context",
        "empty-extensions",
        "unknown-nameid-format",
        "empty-idplist",
        "wrong-element",
    ],
)
def test_authn_request_refusals_name_the_rule(
    xml: str, error: type[MessageError], words: str
) -> None:
    with pytest.raises(error) as caught:
        parse_authn_request(parse_xml(xml))
    assert words in caught.value.public


def test_authn_request_accepts_numeric_booleans_and_requested_attributes() -> None:
    extension = (
        '<samlp:Extensions><esp:RequestedAttributes xmlns:esp="urn:etoegang:1.9:samlp-extension" '
        'xmlns:md="urn:oasis:names:tc:SAML:2.0:metadata">'
        '<md:RequestedAttribute Name="urn:etoegang:1.9:attribute:FirstName" isRequired="1"/>'
        '<md:RequestedAttribute Name="urn:etoegang:1.9:attribute:Initials"/>'
        "</esp:RequestedAttributes></samlp:Extensions>"
    )
    context = (
        "<samlp:RequestedAuthnContext>"
        "<saml:AuthnContextClassRef>urn:etoegang:core:assurance-class:loa2plus"
        "</saml:AuthnContextClassRef></samlp:RequestedAuthnContext>"
    )
    parsed = parse_authn_request(
        parse_xml(request('ForceAuthn="1" IsPassive="0"', body=ISSUER + extension + context))
    )
    assert parsed.force_authn is True and parsed.is_passive is False
    assert [(a.name, a.is_required) for a in parsed.requested_attributes] == [
        ("urn:etoegang:1.9:attribute:FirstName", True),
        ("urn:etoegang:1.9:attribute:Initials", False),
    ]
    assert parsed.requested_authn_context is not None
    # SAML core 3.3.2.2.1: an absent Comparison means exact.
    assert parsed.requested_authn_context.comparison is AuthnContextComparison.EXACT


def test_response_with_extensions_is_refused_unless_allowed() -> None:
    xml = response("<samlp:Extensions><x xmlns='urn:example'/></samlp:Extensions>")
    with pytest.raises(ForbiddenElement, match="Extensions MUST NOT be present"):
        parse_response(parse_xml(xml))
    assert parse_response(parse_xml(xml), allow_extensions=True).id == "_r1"


def test_response_with_an_assertion_before_the_status_is_refused() -> None:
    xml = response(assertion(""))
    with pytest.raises(MessageMalformed, match="lacks the required Status"):
        parse_response(parse_xml(xml))


def test_response_with_an_unknown_top_level_status_is_refused() -> None:
    xml = response("").replace("status:Success", "status:AuthnFailed")
    with pytest.raises(MessageMalformed, match="top-level SAML status"):
        parse_response(parse_xml(xml))


@pytest.mark.parametrize(
    ("body", "words"),
    [
        ("<saml:Subject/>", "empty"),
        ("<saml:Conditions><saml:Condition/></saml:Conditions>", "unsupported"),
        ("<saml:Conditions><saml:AudienceRestriction/></saml:Conditions>", "Audience"),
        (
            "<saml:Conditions><saml:AudienceRestriction><saml:Audience/></saml:AudienceRestriction>"
            "</saml:Conditions>",
            "must not be empty",
        ),
        ("<saml:Advice/><saml:Conditions/>", "Conditions"),
        (
            '<saml:Subject><saml:SubjectConfirmation Method="urn:example:other"/></saml:Subject>',
            "Method",
        ),
        (
            '<saml:Subject><saml:NameID Format="urn:example:weird">x</saml:NameID></saml:Subject>',
            "NameID format",
        ),
        (
            "<saml:Subject><saml:NameID>admin@x.nl<!---->.evil.nl</saml:NameID></saml:Subject>",
            "plain value",
        ),
        (
            '<saml:AttributeStatement><saml:Attribute Name="a"><saml:AttributeValue '
            'xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" xsi:type="zz:string">v'
            "</saml:AttributeValue></saml:Attribute></saml:AttributeStatement>",
            "undeclared prefix",
        ),
        (
            '<saml:AttributeStatement><saml:Attribute Name="a"><saml:AttributeValue>v<saml:NameID>x'
            "</saml:NameID></saml:AttributeValue></saml:Attribute></saml:AttributeStatement>",
            "exactly one element",
        ),
        ("<saml:AttributeStatement/>", "Attribute"),
        ('<saml:AuthnStatement AuthnInstant="2026-11-01T12:00:00Z"/>', "AuthnContext"),
        (
            '<saml:AuthnStatement AuthnInstant="2026-11-01T12:00:00Z"><saml:AuthnContext>'
            "<saml:AuthenticatingAuthority>x</saml:AuthenticatingAuthority></saml:AuthnContext>"
            "</saml:AuthnStatement>",
            "AuthnContextClassRef",
        ),
        ("<saml:Advice><saml:Subject/></saml:Advice>", "Advice may not contain Subject"),
    ],
    ids=[
        "empty-subject",
        "unknown-condition",
        "empty-audience-restriction",
        "empty-audience",
        "advice-before-conditions",
        "unknown-method",
        "unknown-nameid-format",
        "comment-in-nameid",
        "undeclared-xsi-type-prefix",
        "mixed-attribute-value",
        "empty-attribute-statement",
        "authn-without-context",
        "authn-without-class-ref",
        "saml-element-in-advice",
    ],
)
def test_assertion_refusals_name_the_rule(body: str, words: str) -> None:
    with pytest.raises(MessageMalformed) as caught:
        parse_assertion(parse_xml(assertion(body)))
    assert words in caught.value.public


def test_assertion_with_wrong_version_is_refused() -> None:
    xml = assertion("", head='ID="_a1" Version="3.0" IssueInstant="2026-11-01T12:00:00Z"')
    with pytest.raises(UnsupportedVersion):
        parse_assertion(parse_xml(xml))


def test_assertion_statements_may_come_in_any_order_and_xsi_type_resolves_to_a_qname() -> None:
    body = (
        '<saml:AuthnStatement AuthnInstant="2026-11-01T11:59:58.1234567Z"><saml:AuthnContext>'
        "<saml:AuthnContextClassRef>urn:example:other</saml:AuthnContextClassRef>"
        "</saml:AuthnContext></saml:AuthnStatement>"
        '<saml:AttributeStatement><saml:Attribute Name="urn:etoegang:core:Representation">'
        '<saml:AttributeValue xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" '
        'xmlns:xsd="http://www.w3.org/2001/XMLSchema" xsi:type="xsd:boolean">1'
        "</saml:AttributeValue></saml:Attribute></saml:AttributeStatement>"
    )
    parsed = parse_assertion(parse_xml(assertion(body)))
    value = parsed.attributes[0].values[0]
    assert value.text == "1" and value.xsi_type == qname(XS, "boolean")
    statement = parsed.authn_statement
    assert statement is not None and statement.loa is None  # not an eH level: kept, not mapped
    assert statement.authn_instant.microsecond == 123456


def test_logout_request_needs_a_name_id() -> None:
    xml = (
        f"<samlp:LogoutRequest {NS} {HEAD}>{ISSUER}<samlp:SessionIndex>s</samlp:SessionIndex>"
        "</samlp:LogoutRequest>"
    )
    with pytest.raises(MessageMalformed, match="NameID"):
        parse_logout_request(parse_xml(xml))
