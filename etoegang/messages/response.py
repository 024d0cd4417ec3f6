"""samlp:Response: the answer to an AuthnRequest, carrying a status and assertions.

Spec: SAML core 3.2.2 (StatusResponseType) and 3.3.3 (Response); ``shared/spec/eherkenning.md``
§4.5 (HM -> DV: Issuer without Format or qualifiers, Extensions MUST NOT be present, Status per
§4.8) and §4.6 (AD -> HM).

Parsing returns the assertions as opaque elements: each must be verified on its own
(``xmldsig.verify``) before :func:`etoegang.messages.assertion.parse_assertion` reads it, so
nothing here hands out assertion values that no signature has covered.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Final

from lxml import etree

from etoegang.errors import ForbiddenElement
from etoegang.errors import MessageMalformed
from etoegang.messages.assertion import ASSERTION
from etoegang.messages.assertion import ENCRYPTED_ASSERTION
from etoegang.messages.assertion import Assertion
from etoegang.messages.assertion import build_assertion
from etoegang.messages.common import ISSUER
from etoegang.messages.common import VERSION
from etoegang.messages.common import Element
from etoegang.messages.common import build_issuer
from etoegang.messages.common import carry_all
from etoegang.messages.common import check_id
from etoegang.messages.common import check_sequence
from etoegang.messages.common import children
from etoegang.messages.common import find_all
from etoegang.messages.common import opt_attr
from etoegang.messages.common import parse_issuer
from etoegang.messages.common import read_header
from etoegang.messages.common import set_instant
from etoegang.messages.common import set_opt
from etoegang.messages.common import slot
from etoegang.messages.status import STATUS
from etoegang.messages.status import Status
from etoegang.messages.status import build_status
from etoegang.messages.status import parse_status
from etoegang.xml.graft import finish
from etoegang.xml.ns import DS
from etoegang.xml.ns import SAML
from etoegang.xml.ns import SAMLP
from etoegang.xml.ns import qname

RESPONSE: Final = qname(SAMLP, "Response")
_SIGNATURE = qname(DS, "Signature")
_EXTENSIONS = qname(SAMLP, "Extensions")


@dataclass(frozen=True, slots=True)
class Response:
    """A samlp:Response.

    On output ``assertions`` may mix :class:`Assertion` values (built unsigned) and elements
    (typically assertions already signed with ``xmldsig.sign``, copied unchanged). On input
    they are always the received elements, still to be verified.
    """

    id: str
    issue_instant: datetime
    status: Status
    issuer: str | None = None
    in_response_to: str | None = None
    destination: str | None = None
    consent: str | None = None
    assertions: tuple[Assertion | Element, ...] = ()
    encrypted_assertions: tuple[Element, ...] = ()

    @property
    def assertion_elements(self) -> tuple[Element, ...]:
        """The assertions that are elements (all of them on a parsed response)."""
        return tuple(a for a in self.assertions if not isinstance(a, Assertion))


def build_status_response_header(
    tag: str,
    message_id: str,
    issue_instant: datetime,
    issuer: str | None,
    in_response_to: str | None,
    destination: str | None,
    consent: str | None,
    status: Status,
) -> Element:
    """The StatusResponseType part shared by Response and LogoutResponse (no Extensions)."""
    node = etree.Element(tag, nsmap={"samlp": SAMLP, "saml": SAML})
    node.set("ID", message_id)
    node.set("Version", VERSION)
    set_instant(node, "IssueInstant", issue_instant)
    set_opt(node, "Destination", destination)
    set_opt(node, "InResponseTo", in_response_to)
    set_opt(node, "Consent", consent)
    if issuer is not None:
        build_issuer(node, issuer)
    build_status(node, status)
    return node


def build_response(response: Response) -> Element:
    """The unsigned samlp:Response; sign assertions before and the response after building."""
    node = build_status_response_header(
        RESPONSE,
        response.id,
        response.issue_instant,
        response.issuer,
        response.in_response_to,
        response.destination,
        response.consent,
        response.status,
    )
    for assertion in response.assertions:
        if isinstance(assertion, Assertion):
            build_assertion(assertion, node)
        else:
            carry_all(node, [assertion])
    carry_all(node, response.encrypted_assertions)
    return finish(node)


def read_status_response(
    element: Element, where: str, *, allow_extensions: bool, extra: list[str]
) -> tuple[str, datetime, str | None, str | None, str | None, str | None, Status]:
    """Header, Issuer and Status of a StatusResponseType, in schema order.

    :returns: (ID, IssueInstant, Issuer, InResponseTo, Destination, Consent, Status).
    """
    message_id, issue_instant = read_header(element, where)
    where = f"{where} {message_id}"
    slots = [slot(ISSUER), slot(_SIGNATURE), slot(_EXTENSIONS), slot(STATUS, min=1)]
    if extra:
        slots.append(slot(*extra, max=None))
    check_sequence(element, slots, where)
    if not allow_extensions and find_all(element, _EXTENSIONS):
        raise ForbiddenElement(f"{where}: Extensions MUST NOT be present (eHerkenning §4.5)")
    issuer_element = element.find(ISSUER)
    issuer = parse_issuer(issuer_element, where) if issuer_element is not None else None
    in_response_to = opt_attr(element, "InResponseTo", where)
    if in_response_to is not None:
        check_id(in_response_to, f"{where}/@InResponseTo")
    status_element = element.find(STATUS)
    assert status_element is not None  # check_sequence required it
    return (
        message_id,
        issue_instant,
        issuer,
        in_response_to,
        opt_attr(element, "Destination", where),
        opt_attr(element, "Consent", where),
        parse_status(status_element, where),
    )


def parse_response(element: Element, *, allow_extensions: bool = False) -> Response:
    """Read a samlp:Response the caller has verified (or that a verified envelope covers).

    :param allow_extensions: accept samlp:Extensions (never for an HM response, §4.5).
    """
    if element.tag != RESPONSE:
        raise MessageMalformed("expected a samlp:Response", debug=str(element.tag)[:120])
    message_id, issue_instant, issuer, in_response_to, destination, consent, status = (
        read_status_response(
            element,
            "Response",
            allow_extensions=allow_extensions,
            extra=[ASSERTION, ENCRYPTED_ASSERTION],
        )
    )
    return Response(
        id=message_id,
        issue_instant=issue_instant,
        status=status,
        issuer=issuer,
        in_response_to=in_response_to,
        destination=destination,
        consent=consent,
        assertions=tuple(c for c in children(element) if c.tag == ASSERTION),
        encrypted_assertions=tuple(c for c in children(element) if c.tag == ENCRYPTED_ASSERTION),
    )
