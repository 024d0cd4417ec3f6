"""Typed SAML 2.0 message models of the browser-SSO messages Makelaar sends and receives.

Spec: SAML core 2-3 and ``shared/spec/eherkenning.md`` §4 and §9. Each message has a frozen
dataclass, a ``build_xxx(msg) -> element`` (lxml builders, schema order, unsigned: signing is
the caller's next step) and a ``parse_xxx(element) -> msg`` that reads an element the caller has
already verified. :mod:`etoegang.messages.checks` holds the checks every role applies after
parsing.
"""

from __future__ import annotations

from etoegang.messages.assertion import Advice
from etoegang.messages.assertion import Assertion
from etoegang.messages.assertion import Attribute
from etoegang.messages.assertion import AttributeValue
from etoegang.messages.assertion import AuthnStatement
from etoegang.messages.assertion import SubjectConfirmation
from etoegang.messages.assertion import SubjectConfirmationMethod
from etoegang.messages.assertion import build_assertion
from etoegang.messages.assertion import parse_assertion
from etoegang.messages.authn_request import AuthnContextComparison
from etoegang.messages.authn_request import AuthnRequest
from etoegang.messages.authn_request import IDPEntry
from etoegang.messages.authn_request import NameIDPolicy
from etoegang.messages.authn_request import RequestedAttribute
from etoegang.messages.authn_request import RequestedAuthnContext
from etoegang.messages.authn_request import Scoping
from etoegang.messages.authn_request import build_authn_request
from etoegang.messages.authn_request import parse_authn_request
from etoegang.messages.checks import AssertionExpectations
from etoegang.messages.checks import check_assertion
from etoegang.messages.checks import check_response
from etoegang.messages.common import Conditions
from etoegang.messages.common import NameID
from etoegang.messages.common import NameIDFormat
from etoegang.messages.logout import LogoutRequest
from etoegang.messages.logout import LogoutResponse
from etoegang.messages.logout import build_logout_request
from etoegang.messages.logout import build_logout_response
from etoegang.messages.logout import parse_logout_request
from etoegang.messages.logout import parse_logout_response
from etoegang.messages.response import Response
from etoegang.messages.response import build_response
from etoegang.messages.response import parse_response
from etoegang.messages.status import Status
from etoegang.messages.status import StatusCode
from etoegang.messages.status import SubStatusCode
from etoegang.messages.status import raise_for_status
from etoegang.messages.status import status_error

__all__ = [
    "Advice",
    "Assertion",
    "AssertionExpectations",
    "Attribute",
    "AttributeValue",
    "AuthnContextComparison",
    "AuthnRequest",
    "AuthnStatement",
    "Conditions",
    "IDPEntry",
    "LogoutRequest",
    "LogoutResponse",
    "NameID",
    "NameIDFormat",
    "NameIDPolicy",
    "RequestedAttribute",
    "RequestedAuthnContext",
    "Response",
    "Scoping",
    "Status",
    "StatusCode",
    "SubStatusCode",
    "SubjectConfirmation",
    "SubjectConfirmationMethod",
    "build_assertion",
    "build_authn_request",
    "build_logout_request",
    "build_logout_response",
    "build_response",
    "check_assertion",
    "check_response",
    "parse_assertion",
    "parse_authn_request",
    "parse_logout_request",
    "parse_logout_response",
    "parse_response",
    "raise_for_status",
    "status_error",
]
