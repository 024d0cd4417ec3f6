"""What the AD, MR and MR2 legs share when they check a peer's answer: how a refused answer
maps onto an ErrorKind, the one-assertion rule, and the replay check of the assertion ID."""

from __future__ import annotations

from lxml import etree

from broker.errors import BrokerError
from broker.errors import ErrorKind
from etoegang.errors import InResponseToMismatch
from etoegang.errors import ProtocolError
from etoegang.errors import ReplayError
from etoegang.errors import SignatureError
from etoegang.errors import XmlError
from etoegang.exchange.replay import ReplayGuard
from etoegang.messages.assertion import Assertion
from etoegang.messages.response import Response


def upstream_error(exc: ProtocolError) -> BrokerError:
    """The broker's error for an answer the protocol core refused."""
    debug = f"{exc.code}: {exc.debug or exc.public}"
    # Issue 5: a signature that fails, or an answer to another request, is not this login's
    # answer (an attack on the browser's login): unrecoverable, the login is kept.
    if isinstance(exc, SignatureError):
        return BrokerError(ErrorKind.BAD_SIGNATURE, debug=debug)
    if isinstance(exc, InResponseToMismatch):
        return BrokerError(ErrorKind.STEP_OUT_OF_ORDER, debug=debug)
    if isinstance(exc, XmlError) or isinstance(exc.__cause__, XmlError):  # a comment in a value
        return BrokerError(ErrorKind.UNDECODABLE, debug=debug)
    return BrokerError(ErrorKind.UPSTREAM_INVALID, debug=debug)


def single_assertion(response: Response, role: str) -> etree._Element:
    """The one plain Assertion an AD or MR Response carries (spec §4.6, §4.7)."""
    if len(response.assertion_elements) != 1 or response.encrypted_assertions:
        raise BrokerError(ErrorKind.UPSTREAM_INVALID, debug=f"{role} Response needs one Assertion")
    return response.assertion_elements[0]


def first_use(replay: ReplayGuard, issuer: str, assertion: Assertion) -> None:
    """Accept each peer assertion once, remembered while it could still be accepted."""
    not_after = assertion.conditions.not_on_or_after if assertion.conditions else None
    try:
        replay.first_use(issuer, assertion.id, not_after)
    except ReplayError as exc:
        raise BrokerError(ErrorKind.REPLAY, debug=assertion.id[:64]) from exc
