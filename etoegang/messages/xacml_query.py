"""The HM -> MR message: the XACMLAuthzDecisionQuery (build and parse).

Spec: ``shared/spec/eherkenning.md`` §4.7 (HM <-> MR) and §7 (the chain query to MR2); OASIS
SAML 2.0 profile of XACML 2.0 (schema ``xacml-samlp``, ``...:schema:os``).

Derived (the HM-MR and chain pages could not be read in full; from the XACML-SAML schemas and
§3.1/§4.7/§7): the query's shape (RequestAbstractType + ``ReturnContext="true"`` + one
xacml-context:Request); the Extensions attribute ids ``urn:etoegang:core:`` +
``AssertionConsumerServiceIndex`` / ``IntendedAudience`` / ``Assertions`` (bare names accepted
on input) and their data types (xs:integer, xs:anyURI, ``...assertion#Assertion``, one
AttributeValue per assertion); Issuer = HM on the requested LevelOfAssurance (§3.1).

Embedded assertions are carried with :func:`etoegang.xml.graft.graft`, so their signatures
still verify. The public names live in :mod:`etoegang.messages.xacml`.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Final

from lxml import etree

from etoegang.clock import Clock
from etoegang.clock import IdSource
from etoegang.clock import parse_instant
from etoegang.clock import saml_instant
from etoegang.errors import ForbiddenElement
from etoegang.errors import UnsupportedVersion
from etoegang.errors import XacmlError
from etoegang.messages.xacml_context import ACS_INDEX
from etoegang.messages.xacml_context import ACTION_ID
from etoegang.messages.xacml_context import ASSERTIONS
from etoegang.messages.xacml_context import AUTHENTICATE
from etoegang.messages.xacml_context import CORE_PREFIX
from etoegang.messages.xacml_context import INTENDED_AUDIENCE
from etoegang.messages.xacml_context import LEVEL_OF_ASSURANCE
from etoegang.messages.xacml_context import SAML_ASSERTION
from etoegang.messages.xacml_context import SERVICE_ID
from etoegang.messages.xacml_context import SERVICE_UUID
from etoegang.messages.xacml_context import XS_ANY_URI
from etoegang.messages.xacml_context import XS_INTEGER
from etoegang.messages.xacml_context import XacmlAttribute
from etoegang.messages.xacml_context import add_attribute
from etoegang.messages.xacml_context import add_request
from etoegang.messages.xacml_context import child_elements
from etoegang.messages.xacml_context import parse_attributes
from etoegang.messages.xacml_context import parse_request
from etoegang.messages.xacml_context import required
from etoegang.xml.graft import graft
from etoegang.xml.ns import DS
from etoegang.xml.ns import SAML
from etoegang.xml.ns import SAMLP
from etoegang.xml.ns import XACML_CONTEXT as CTX
from etoegang.xml.ns import XACML_SAMLP
from etoegang.xml.ns import qname
from etoegang.xml.parser import text_of
from policies.loa import Loa

_QUERY: Final = qname(XACML_SAMLP, "XACMLAuthzDecisionQuery")
_NSMAP: Final = {"xacmlp": XACML_SAMLP}


@dataclass(frozen=True, slots=True)
class DecisionQuery:
    """A parsed XACMLAuthzDecisionQuery. Read it only from a verified element."""

    id: str
    issue_instant: datetime
    issuer: str
    destination: str | None
    acs_index: int
    intended_audience: str
    #: The AD assertion, and for a chain the MR1 assertion after it (opaque, to verify).
    assertions: tuple[etree._Element, ...]
    subject_attributes: tuple[XacmlAttribute, ...]
    resource_attributes: tuple[XacmlAttribute, ...]
    action: tuple[XacmlAttribute, ...]
    environment: tuple[XacmlAttribute, ...]
    element: etree._Element


def _common_root_check(element: etree._Element) -> None:
    if element.get("Version") != "2.0":
        raise UnsupportedVersion(debug=f"Version={element.get('Version')!r}")


def _action() -> tuple[XacmlAttribute, ...]:
    return (XacmlAttribute.string(ACTION_ID, AUTHENTICATE),)


def build_decision_query(
    *,
    issuer: str,
    destination: str,
    ad_assertion: etree._Element,
    acs_index: int,
    intended_audience: str,
    service_id: str,
    service_uuid: str,
    level_of_assurance: Loa,
    clock: Clock,
    ids: IdSource,
    mr1_assertion: etree._Element | None = None,
    subject_attributes: Sequence[XacmlAttribute] = (),
    extra_resource_attributes: Sequence[XacmlAttribute] = (),
) -> etree._Element:
    """An unsigned XACMLAuthzDecisionQuery (§4.7); sign it with ``xmldsig.sign``.

    ``mr1_assertion`` makes it the chain query to MR2 (§7). Assertions are copied unchanged.
    """
    root = etree.Element(_QUERY, nsmap=_NSMAP)
    root.set("ID", ids.new_id())
    root.set("Version", "2.0")
    root.set("IssueInstant", saml_instant(clock.now()))
    root.set("Destination", destination)
    root.set("ReturnContext", "true")
    # Each element declares its own namespace, so none comes into scope of the carried
    # assertions (their signatures may list prefixes in InclusiveNamespaces).
    etree.SubElement(root, qname(SAML, "Issuer"), nsmap={"saml": SAML}).text = issuer
    extensions = etree.SubElement(root, qname(SAMLP, "Extensions"), nsmap={"samlp": SAMLP})
    carried: list[etree._Element] = []
    assertions = (ad_assertion,) if mr1_assertion is None else (ad_assertion, mr1_assertion)
    for attribute in (
        XacmlAttribute(ACS_INDEX, XS_INTEGER, (str(acs_index),)),
        XacmlAttribute(INTENDED_AUDIENCE, XS_ANY_URI, (intended_audience,)),
        XacmlAttribute(ASSERTIONS, SAML_ASSERTION, assertions),
    ):
        add_attribute(extensions, attribute, qname(CTX, "Attribute"), carried)
    resource = (
        XacmlAttribute.string(SERVICE_ID, service_id),
        XacmlAttribute.string(SERVICE_UUID, service_uuid),
        XacmlAttribute.string(LEVEL_OF_ASSURANCE, level_of_assurance.urn, issuer=issuer),
        *extra_resource_attributes,
    )
    add_request(root, subject_attributes, resource, _action(), (), carried)
    return graft(root, carried)


def _extension(attributes: Sequence[XacmlAttribute], name: str) -> XacmlAttribute:
    found = [a for a in attributes if a.attribute_id in (CORE_PREFIX + name, name)]
    if len(found) != 1:
        raise XacmlError("the query Extensions need exactly one attribute", debug=name)
    return found[0]


def parse_decision_query(element: etree._Element) -> DecisionQuery:
    """Read an XACMLAuthzDecisionQuery (§4.7) or raise a typed :class:`MessageError`."""
    if element.tag != _QUERY:
        raise XacmlError("not an XACMLAuthzDecisionQuery", debug=etree.QName(element).localname)
    _common_root_check(element)
    for forbidden in ("Consent", "InputContextOnly"):
        if element.get(forbidden) is not None:
            raise ForbiddenElement(f"{forbidden} must not be present on the query")
    if element.get("ReturnContext") not in ("true", "1"):
        raise XacmlError("the query must ask for ReturnContext")
    children = child_elements(element)
    tags = [child.tag for child in children]
    expected = [
        qname(SAML, "Issuer"),
        qname(DS, "Signature"),
        qname(SAMLP, "Extensions"),
        qname(CTX, "Request"),
    ]
    if qname(DS, "Signature") not in tags:
        expected.remove(qname(DS, "Signature"))
    if tags != expected:
        raise XacmlError("the query elements are missing or out of order")
    issuer_element, extensions, request = children[0], children[-2], children[-1]
    if issuer_element.get("Format") is not None or not text_of(issuer_element):
        raise XacmlError("the query Issuer must be the HM EntityID without Format")
    ext_attributes = parse_attributes(extensions)
    assertion_values = _extension(ext_attributes, "Assertions").values
    if (
        not assertion_values
        or len(assertion_values) > 2
        or any(isinstance(v, str) or v.tag != qname(SAML, "Assertion") for v in assertion_values)
    ):
        raise XacmlError("Assertions must hold the AD assertion (and the MR1 assertion)")
    try:
        acs_index = int(_extension(ext_attributes, "AssertionConsumerServiceIndex").text)
    except ValueError as exc:
        raise XacmlError("AssertionConsumerServiceIndex is not an integer") from exc
    context = parse_request(request)
    return DecisionQuery(
        id=required(element, "ID"),
        issue_instant=parse_instant(required(element, "IssueInstant")),
        issuer=text_of(issuer_element),
        destination=element.get("Destination"),
        acs_index=acs_index,
        intended_audience=_extension(ext_attributes, "IntendedAudience").text,
        assertions=tuple(v for v in assertion_values if not isinstance(v, str)),
        subject_attributes=context.subject,
        resource_attributes=context.resource,
        action=context.action,
        environment=context.environment,
        element=element,
    )
