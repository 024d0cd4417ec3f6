"""samlp:Status: the status codes, their model, and the mapping of a failure to a typed error.

Spec: SAML core 3.2.2 (Status, StatusCode, StatusMessage); ``shared/spec/eherkenning.md`` §4.8
(allowed codes: top-level Requester/Responder, second-level AuthnFailed, RequestUnsupported,
UnknownPrincipal; a cancel is Responder + AuthnFailed with an optional StatusMessage).
NoAuthnContext and RequestDenied are outside the list of the version read but are accepted on
input anyway.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum
from typing import Final

from lxml import etree

from etoegang.errors import AuthnFailedStatus
from etoegang.errors import MessageMalformed
from etoegang.errors import NoAuthnContextStatus
from etoegang.errors import NoPassiveStatus
from etoegang.errors import RequestDeniedStatus
from etoegang.errors import RequestUnsupportedStatus
from etoegang.errors import StatusError
from etoegang.errors import UnknownPrincipalStatus
from etoegang.errors import XmlValueError
from etoegang.messages.common import Element
from etoegang.messages.common import check_sequence
from etoegang.messages.common import children
from etoegang.messages.common import req_attr
from etoegang.messages.common import slot
from etoegang.xml.ns import SAMLP
from etoegang.xml.parser import text_of

_PREFIX: Final = "urn:oasis:names:tc:SAML:2.0:status:"

STATUS: Final = f"{{{SAMLP}}}Status"
_STATUS_CODE: Final = f"{{{SAMLP}}}StatusCode"
_STATUS_MESSAGE: Final = f"{{{SAMLP}}}StatusMessage"
_STATUS_DETAIL: Final = f"{{{SAMLP}}}StatusDetail"


class StatusCode(Enum):
    """Top-level status codes (SAML core 3.2.2.2); no others are allowed at the top."""

    SUCCESS = _PREFIX + "Success"
    REQUESTER = _PREFIX + "Requester"
    RESPONDER = _PREFIX + "Responder"
    VERSION_MISMATCH = _PREFIX + "VersionMismatch"

    @classmethod
    def _missing_(cls, value: object) -> StatusCode:
        raise ValueError(f"not a top-level SAML status code: {value!r}")


class SubStatusCode(Enum):
    """Second-level status codes defined by SAML core 3.2.2.2."""

    AUTHN_FAILED = _PREFIX + "AuthnFailed"
    INVALID_ATTR_NAME_OR_VALUE = _PREFIX + "InvalidAttrNameOrValue"
    INVALID_NAMEID_POLICY = _PREFIX + "InvalidNameIDPolicy"
    NO_AUTHN_CONTEXT = _PREFIX + "NoAuthnContext"
    NO_AVAILABLE_IDP = _PREFIX + "NoAvailableIDP"
    NO_PASSIVE = _PREFIX + "NoPassive"
    NO_SUPPORTED_IDP = _PREFIX + "NoSupportedIDP"
    PARTIAL_LOGOUT = _PREFIX + "PartialLogout"
    PROXY_COUNT_EXCEEDED = _PREFIX + "ProxyCountExceeded"
    REQUEST_DENIED = _PREFIX + "RequestDenied"
    REQUEST_UNSUPPORTED = _PREFIX + "RequestUnsupported"
    REQUEST_VERSION_DEPRECATED = _PREFIX + "RequestVersionDeprecated"
    REQUEST_VERSION_TOO_HIGH = _PREFIX + "RequestVersionTooHigh"
    REQUEST_VERSION_TOO_LOW = _PREFIX + "RequestVersionTooLow"
    RESOURCE_NOT_RECOGNIZED = _PREFIX + "ResourceNotRecognized"
    TOO_MANY_RESPONSES = _PREFIX + "TooManyResponses"
    UNKNOWN_ATTR_PROFILE = _PREFIX + "UnknownAttrProfile"
    UNKNOWN_PRINCIPAL = _PREFIX + "UnknownPrincipal"
    UNSUPPORTED_BINDING = _PREFIX + "UnsupportedBinding"

    @classmethod
    def _missing_(cls, value: object) -> SubStatusCode:
        raise ValueError(f"not a second-level SAML status code: {value!r}")


@dataclass(frozen=True, slots=True)
class Status:
    """A samlp:Status. Deeper (third-level) codes are not kept."""

    top: StatusCode
    second: SubStatusCode | None = None
    #: StatusMessage: untrusted text from the peer, or our own public text on output.
    message: str | None = None
    #: A second-level code outside SAML core (SAML core allows others), kept for logs.
    other_second: str | None = None

    @property
    def is_success(self) -> bool:
        return self.top is StatusCode.SUCCESS

    @property
    def second_uri(self) -> str | None:
        return self.second.value if self.second is not None else self.other_second


SUCCESS: Final = Status(StatusCode.SUCCESS)


def build_status(parent: Element, status: Status) -> Element:
    """samlp:Status with StatusCode (and its nested second-level code) and StatusMessage."""
    element = etree.SubElement(parent, STATUS)
    code = etree.SubElement(element, _STATUS_CODE, Value=status.top.value)
    if status.second_uri is not None:
        etree.SubElement(code, _STATUS_CODE, Value=status.second_uri)
    if status.message is not None:
        etree.SubElement(element, _STATUS_MESSAGE).text = status.message
    return element


def parse_status(element: Element, where: str) -> Status:
    where = f"{where}/Status"
    check_sequence(
        element,
        [slot(_STATUS_CODE, min=1), slot(_STATUS_MESSAGE), slot(_STATUS_DETAIL)],
        where,
    )
    code = element.find(_STATUS_CODE)
    assert code is not None  # check_sequence required it
    raw_top = req_attr(code, "Value", f"{where}/StatusCode")
    try:
        top = StatusCode(raw_top)
    except ValueError as exc:
        raise MessageMalformed(
            f"{where}/StatusCode is not a top-level SAML status code", debug=raw_top[:120]
        ) from exc
    second: SubStatusCode | None = None
    other: str | None = None
    nested = children(code)
    if nested:
        if len(nested) > 1 or nested[0].tag != _STATUS_CODE:
            raise MessageMalformed(f"{where}/StatusCode may hold one nested StatusCode only")
        raw = req_attr(nested[0], "Value", f"{where}/StatusCode/StatusCode")
        try:
            second = SubStatusCode(raw)
        except ValueError:
            other = raw
    message_element = element.find(_STATUS_MESSAGE)
    message: str | None = None
    if message_element is not None:
        try:
            message = text_of(message_element) or None
        except XmlValueError as exc:
            raise MessageMalformed(f"{where}/StatusMessage must be plain text") from exc
    return Status(top=top, second=second, message=message, other_second=other)


_ERRORS: Final[dict[SubStatusCode, type[StatusError]]] = {
    SubStatusCode.AUTHN_FAILED: AuthnFailedStatus,
    SubStatusCode.NO_AUTHN_CONTEXT: NoAuthnContextStatus,
    SubStatusCode.NO_PASSIVE: NoPassiveStatus,
    SubStatusCode.REQUEST_DENIED: RequestDeniedStatus,
    SubStatusCode.REQUEST_UNSUPPORTED: RequestUnsupportedStatus,
    SubStatusCode.UNKNOWN_PRINCIPAL: UnknownPrincipalStatus,
}


def _short(uri: str) -> str:
    return uri.removeprefix(_PREFIX)


def status_error(status: Status, peer: str = "the peer") -> StatusError:
    """The typed error for a non-Success status (the codes travel on the error)."""
    error_class = _ERRORS.get(status.second, StatusError) if status.second else StatusError
    codes = _short(status.top.value)
    if status.second_uri is not None:
        codes += f"/{_short(status.second_uri)}"
    return error_class(
        f"{peer} answered with SAML status {codes}",
        debug=(status.message or "")[:200],
        top=status.top.value,
        second=status.second_uri,
        status_message=status.message,
    )


def raise_for_status(status: Status, peer: str = "the peer") -> None:
    """Return on Success; raise the matching :class:`StatusError` subclass otherwise."""
    if not status.is_success:
        raise status_error(status, peer)
