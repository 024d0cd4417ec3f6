"""The broker's error model: one :class:`ErrorKind` per way a login can fail, and the one table
that says how each kind reaches the DV (spec §4.8, STYLE §4.6).

Two families (Sweden Connect's split):

* **recoverable** kinds are answered to the DV with a signed SAML Response whose top-level
  status says whose fault it was (Requester or Responder) and whose second-level status is one
  that spec §4.8 allows (AuthnFailed or RequestUnsupported);
* **unrecoverable** kinds (the request cannot be answered safely: unknown DV, bad signature,
  unregistered ACS, replay, expired, missing flow, ...) end on an error page with HTTP 400 or
  403 and never redirect anywhere.

Spec §4.8 allows only AuthnFailed, RequestUnsupported (and UnknownPrincipal for BSNk) as
second-level codes, so the STYLE table's NoAuthnContext/RequestDenied rows are mapped onto
AuthnFailed here: "the user could not be authenticated (at the level needed)". A level asked
above the catalogue is Requester/RequestUnsupported ("understood but unsupported"). There is no
catch-all: an unexpected exception becomes ``INTERNAL`` (Responder, no second level).
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum
from typing import Final

from etoegang.messages.status import Status
from etoegang.messages.status import StatusCode
from etoegang.messages.status import SubStatusCode


class ErrorKind(Enum):
    """Every way a broker login can end in failure."""

    REQUEST_INVALID = "request_invalid"
    SERVICE_UNKNOWN = "service_unknown"
    LOA_UNSUPPORTED = "loa_unsupported"
    PASSIVE_NOT_POSSIBLE = "passive_not_possible"
    NO_MEANS_FOR_LOA = "no_means_for_loa"
    USER_CANCELLED = "user_cancelled"
    AUTHN_FAILED = "authn_failed"
    LOA_NOT_MET = "loa_not_met"
    NOT_AUTHORISED = "not_authorised"
    UPSTREAM_INVALID = "upstream_invalid"
    UPSTREAM_UNAVAILABLE = "upstream_unavailable"
    INTERNAL = "internal"
    # -- unrecoverable: error page, never a protocol answer --------------------------------
    UNKNOWN_REQUESTER = "unknown_requester"
    BAD_SIGNATURE = "bad_signature"
    BAD_RETURN_CHANNEL = "bad_return_channel"
    BAD_DESTINATION = "bad_destination"
    REPLAY = "replay"
    MESSAGE_EXPIRED = "message_expired"
    FLOW_MISSING_OR_EXPIRED = "flow_missing_or_expired"
    STEP_OUT_OF_ORDER = "step_out_of_order"
    UNDECODABLE = "undecodable"


@dataclass(frozen=True, slots=True)
class WireForm:
    """How one kind reaches the DV: a SAML status, or (unrecoverable) only an HTTP page."""

    http_status: int
    top: StatusCode | None = None
    second: SubStatusCode | None = None

    @property
    def recoverable(self) -> bool:
        return self.top is not None


_REQ: Final = StatusCode.REQUESTER
_RESP: Final = StatusCode.RESPONDER
_UNSUPPORTED: Final = SubStatusCode.REQUEST_UNSUPPORTED
_FAILED: Final = SubStatusCode.AUTHN_FAILED

#: The one table: every ErrorKind, its SAML status toward the DV or its error page status.
SAML_STATUS: Final[dict[ErrorKind, WireForm]] = {
    ErrorKind.REQUEST_INVALID: WireForm(400, _REQ, _UNSUPPORTED),
    ErrorKind.SERVICE_UNKNOWN: WireForm(400, _REQ, _UNSUPPORTED),
    ErrorKind.LOA_UNSUPPORTED: WireForm(400, _REQ, _UNSUPPORTED),
    ErrorKind.PASSIVE_NOT_POSSIBLE: WireForm(400, _REQ, _UNSUPPORTED),
    ErrorKind.NO_MEANS_FOR_LOA: WireForm(400, _RESP, _FAILED),
    ErrorKind.USER_CANCELLED: WireForm(400, _RESP, _FAILED),
    ErrorKind.AUTHN_FAILED: WireForm(400, _RESP, _FAILED),
    ErrorKind.LOA_NOT_MET: WireForm(400, _RESP, _FAILED),
    ErrorKind.NOT_AUTHORISED: WireForm(400, _RESP, _FAILED),
    ErrorKind.UPSTREAM_INVALID: WireForm(502, _RESP, _FAILED),
    ErrorKind.UPSTREAM_UNAVAILABLE: WireForm(502, _RESP),
    ErrorKind.INTERNAL: WireForm(500, _RESP),
    ErrorKind.UNKNOWN_REQUESTER: WireForm(403),
    ErrorKind.BAD_SIGNATURE: WireForm(403),
    ErrorKind.BAD_RETURN_CHANNEL: WireForm(400),
    ErrorKind.BAD_DESTINATION: WireForm(400),
    ErrorKind.REPLAY: WireForm(400),
    ErrorKind.MESSAGE_EXPIRED: WireForm(400),
    ErrorKind.FLOW_MISSING_OR_EXPIRED: WireForm(400),
    ErrorKind.STEP_OUT_OF_ORDER: WireForm(400),
    ErrorKind.UNDECODABLE: WireForm(400),
}

#: The same table for the OIDC face (STYLE §4.6): the ``error`` code of the authorization
#: error response (RFC 6749 §4.1.2.1; ``unmet_authentication_requirements`` from OpenID Connect
#: Core Error Code 1.0; ``login_required`` for ``prompt=none``, OIDC Core §3.1.2.6), or None
#: for an unrecoverable kind: an error page, never a redirect to the client.
OIDC_ERROR: Final[dict[ErrorKind, str | None]] = {
    ErrorKind.REQUEST_INVALID: "invalid_request",
    ErrorKind.SERVICE_UNKNOWN: "invalid_request",
    ErrorKind.LOA_UNSUPPORTED: "unmet_authentication_requirements",
    ErrorKind.PASSIVE_NOT_POSSIBLE: "login_required",
    ErrorKind.NO_MEANS_FOR_LOA: "unmet_authentication_requirements",
    ErrorKind.USER_CANCELLED: "access_denied",
    ErrorKind.AUTHN_FAILED: "access_denied",
    ErrorKind.LOA_NOT_MET: "unmet_authentication_requirements",
    ErrorKind.NOT_AUTHORISED: "access_denied",
    ErrorKind.UPSTREAM_INVALID: "server_error",
    ErrorKind.UPSTREAM_UNAVAILABLE: "temporarily_unavailable",
    ErrorKind.INTERNAL: "server_error",
    ErrorKind.UNKNOWN_REQUESTER: None,
    ErrorKind.BAD_SIGNATURE: None,
    ErrorKind.BAD_RETURN_CHANNEL: None,
    ErrorKind.BAD_DESTINATION: None,
    ErrorKind.REPLAY: None,
    ErrorKind.MESSAGE_EXPIRED: None,
    ErrorKind.FLOW_MISSING_OR_EXPIRED: None,
    ErrorKind.STEP_OUT_OF_ORDER: None,
    ErrorKind.UNDECODABLE: None,
}

#: The StatusMessage sent to the DV per kind: ASCII, public, never a peer's text (STYLE §4.6 b).
PUBLIC_TEXT: Final[dict[ErrorKind, str]] = {
    ErrorKind.REQUEST_INVALID: "The AuthnRequest is not acceptable.",
    ErrorKind.SERVICE_UNKNOWN: "The requested service is not in the service catalogue.",
    ErrorKind.LOA_UNSUPPORTED: "The requested level of assurance is not supported.",
    ErrorKind.PASSIVE_NOT_POSSIBLE: "Passive authentication is not supported.",
    ErrorKind.NO_MEANS_FOR_LOA: "No means issuer reaches the required level.",
    ErrorKind.USER_CANCELLED: "The user cancelled.",
    ErrorKind.AUTHN_FAILED: "The user could not be authenticated.",
    ErrorKind.LOA_NOT_MET: "The required level of assurance was not reached.",
    ErrorKind.NOT_AUTHORISED: "No authorisation was found for this service.",
    ErrorKind.UPSTREAM_INVALID: "A means issuer sent an answer that was refused.",
    ErrorKind.UPSTREAM_UNAVAILABLE: "A means issuer could not be reached.",
    ErrorKind.INTERNAL: "Internal error.",
    ErrorKind.UNKNOWN_REQUESTER: "The requester is not registered.",
    ErrorKind.BAD_SIGNATURE: "The signature of the message is not valid.",
    ErrorKind.BAD_RETURN_CHANNEL: "The AssertionConsumerService is not registered.",
    ErrorKind.BAD_DESTINATION: "The message is not addressed to this endpoint.",
    ErrorKind.REPLAY: "The message was received before.",
    ErrorKind.MESSAGE_EXPIRED: "The message has expired.",
    ErrorKind.FLOW_MISSING_OR_EXPIRED: "The login has expired or is unknown.",
    ErrorKind.STEP_OUT_OF_ORDER: "This step of the login was already done.",
    ErrorKind.UNDECODABLE: "The message could not be read.",
}


class BrokerError(Exception):
    """A failed login step. ``public`` may be shown; ``debug`` goes to the log only."""

    def __init__(self, kind: ErrorKind, public: str = "", *, debug: str = "") -> None:
        self.kind = kind
        self.public = public or PUBLIC_TEXT[kind]
        self.debug = debug
        super().__init__(f"{kind.value}: {self.public}" + (f" ({debug})" if debug else ""))

    @property
    def wire(self) -> WireForm:
        return SAML_STATUS[self.kind]

    @property
    def recoverable(self) -> bool:
        return self.wire.recoverable


def status_for(kind: ErrorKind) -> Status:
    """The SAML status a recoverable kind is answered with.

    :raises ValueError: for an unrecoverable kind (a programming error: those never reach a DV).
    """
    wire = SAML_STATUS[kind]
    if wire.top is None:
        raise ValueError(f"{kind.value} is unrecoverable and has no SAML status")
    return Status(top=wire.top, second=wire.second, message=PUBLIC_TEXT[kind])
