"""samlp:LogoutRequest and samlp:LogoutResponse for Single Logout.

Spec: SAML core 3.7 (LogoutRequest: BaseID|NameID|EncryptedID, SessionIndex*; Reason,
NotOnOrAfter) and 3.2.2 (LogoutResponse is a plain StatusResponseType);
``shared/spec/eherkenning.md`` §9 (DV -> HM -> AD logout; the DV-HM message details are not
published, so this follows SAML core and the SessionIndex the HM puts in its AuthnStatement).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Final

from lxml import etree

from etoegang.errors import MessageMalformed
from etoegang.messages.common import ENCRYPTED_ID
from etoegang.messages.common import ISSUER
from etoegang.messages.common import NAME_ID
from etoegang.messages.common import VERSION
from etoegang.messages.common import Element
from etoegang.messages.common import NameID
from etoegang.messages.common import build_issuer
from etoegang.messages.common import build_name_id
from etoegang.messages.common import carry_all
from etoegang.messages.common import check_sequence
from etoegang.messages.common import children
from etoegang.messages.common import find_all
from etoegang.messages.common import opt_attr
from etoegang.messages.common import opt_instant
from etoegang.messages.common import parse_issuer
from etoegang.messages.common import parse_name_id
from etoegang.messages.common import read_header
from etoegang.messages.common import set_instant
from etoegang.messages.common import set_opt
from etoegang.messages.common import slot
from etoegang.messages.common import value_of
from etoegang.messages.response import build_status_response_header
from etoegang.messages.response import read_status_response
from etoegang.messages.status import Status
from etoegang.xml.graft import finish
from etoegang.xml.ns import DS
from etoegang.xml.ns import SAML
from etoegang.xml.ns import SAMLP
from etoegang.xml.ns import qname

LOGOUT_REQUEST: Final = qname(SAMLP, "LogoutRequest")
LOGOUT_RESPONSE: Final = qname(SAMLP, "LogoutResponse")
_SIGNATURE = qname(DS, "Signature")
_EXTENSIONS = qname(SAMLP, "Extensions")
_BASE_ID = qname(SAML, "BaseID")
_SESSION_INDEX = qname(SAMLP, "SessionIndex")

#: LogoutRequest/@Reason values of SAML core 3.7.3.
REASON_USER: Final = "urn:oasis:names:tc:SAML:2.0:logout:user"
REASON_ADMIN: Final = "urn:oasis:names:tc:SAML:2.0:logout:admin"


@dataclass(frozen=True, slots=True)
class LogoutRequest:
    id: str
    issue_instant: datetime
    issuer: str
    #: The NameID of the session's assertion, or an opaque saml:EncryptedID.
    name_id: NameID | Element
    destination: str | None = None
    session_indexes: tuple[str, ...] = ()
    not_on_or_after: datetime | None = None
    reason: str | None = None
    consent: str | None = None


@dataclass(frozen=True, slots=True)
class LogoutResponse:
    id: str
    issue_instant: datetime
    status: Status
    issuer: str | None = None
    in_response_to: str | None = None
    destination: str | None = None
    consent: str | None = None


def build_logout_request(request: LogoutRequest) -> Element:
    """The unsigned samlp:LogoutRequest in schema order."""
    node = etree.Element(LOGOUT_REQUEST, nsmap={"samlp": SAMLP, "saml": SAML})
    node.set("ID", request.id)
    node.set("Version", VERSION)
    set_instant(node, "IssueInstant", request.issue_instant)
    set_opt(node, "Destination", request.destination)
    set_opt(node, "Consent", request.consent)
    set_opt(node, "Reason", request.reason)
    set_instant(node, "NotOnOrAfter", request.not_on_or_after)
    build_issuer(node, request.issuer)
    if isinstance(request.name_id, NameID):
        build_name_id(node, request.name_id)
    else:
        carry_all(node, [request.name_id])
    for index in request.session_indexes:
        etree.SubElement(node, _SESSION_INDEX).text = index
    return finish(node)


def parse_logout_request(element: Element) -> LogoutRequest:
    """Read a samlp:LogoutRequest the caller has verified."""
    if element.tag != LOGOUT_REQUEST:
        raise MessageMalformed("expected a samlp:LogoutRequest", debug=str(element.tag)[:120])
    request_id, issue_instant = read_header(element, "LogoutRequest")
    where = f"LogoutRequest {request_id}"
    check_sequence(
        element,
        [
            slot(ISSUER, min=1),
            slot(_SIGNATURE),
            slot(_EXTENSIONS),
            # BaseID is abstract and unused in eHerkenning: only NameID or EncryptedID.
            slot(NAME_ID, ENCRYPTED_ID, min=1),
            slot(_SESSION_INDEX, max=None),
        ],
        where,
    )
    issuer = ""
    name_id: NameID | Element | None = None
    for child in children(element):
        if child.tag == ISSUER:
            issuer = parse_issuer(child, where)
        elif child.tag == NAME_ID:
            name_id = parse_name_id(child, f"{where}/NameID")
        elif child.tag == ENCRYPTED_ID:
            name_id = child
    assert name_id is not None  # check_sequence required it
    return LogoutRequest(
        id=request_id,
        issue_instant=issue_instant,
        issuer=issuer,
        name_id=name_id,
        destination=opt_attr(element, "Destination", where),
        session_indexes=tuple(
            value_of(s, f"{where}/SessionIndex") for s in find_all(element, _SESSION_INDEX)
        ),
        not_on_or_after=opt_instant(element, "NotOnOrAfter", where),
        reason=opt_attr(element, "Reason", where),
        consent=opt_attr(element, "Consent", where),
    )


def build_logout_response(response: LogoutResponse) -> Element:
    """The unsigned samlp:LogoutResponse."""
    return build_status_response_header(
        LOGOUT_RESPONSE,
        response.id,
        response.issue_instant,
        response.issuer,
        response.in_response_to,
        response.destination,
        response.consent,
        response.status,
    )


def parse_logout_response(element: Element, *, allow_extensions: bool = False) -> LogoutResponse:
    """Read a samlp:LogoutResponse the caller has verified."""
    if element.tag != LOGOUT_RESPONSE:
        raise MessageMalformed("expected a samlp:LogoutResponse", debug=str(element.tag)[:120])
    message_id, issue_instant, issuer, in_response_to, destination, consent, status = (
        read_status_response(
            element, "LogoutResponse", allow_extensions=allow_extensions, extra=[]
        )
    )
    return LogoutResponse(
        id=message_id,
        issue_instant=issue_instant,
        status=status,
        issuer=issuer,
        in_response_to=in_response_to,
        destination=destination,
        consent=consent,
    )
