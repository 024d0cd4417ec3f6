"""The checks every role applies to a received Response and assertion, after verification.

Spec: SAML core 2.5.1 (validity window), 2.5.1.4 (audiences), 3.2.2 (Destination,
InResponseTo); SAML profiles 4.1.4.2-4.1.4.3 (a Web SSO assertion needs a bearer confirmation
with Recipient, InResponseTo and NotOnOrAfter, an AudienceRestriction naming the relying party,
and an AuthnStatement); ``shared/spec/eherkenning.md`` §4.5 and DESIGN.md §5 ("every assertion's
audience, recipient, destination, InResponseTo and validity window checked").

What is accepted is written down in one frozen :class:`AssertionExpectations` (signxml's
``SignatureConfiguration`` idea); time comes from an injected clock. Every refusal names the
rule in words a DV developer can act on.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from datetime import timedelta

from etoegang.clock import Clock
from etoegang.clock import saml_instant
from etoegang.errors import AssertionExpired
from etoegang.errors import AssertionNotYetValid
from etoegang.errors import AssertionRefused
from etoegang.errors import AudienceMismatch
from etoegang.errors import DestinationMismatch
from etoegang.errors import InResponseToMismatch
from etoegang.errors import MissingAuthnStatement
from etoegang.errors import NoBearerConfirmation
from etoegang.errors import RecipientMismatch
from etoegang.errors import WrongIssuer
from etoegang.messages.assertion import Assertion
from etoegang.messages.assertion import SubjectConfirmation
from etoegang.messages.assertion import SubjectConfirmationMethod
from etoegang.messages.response import Response
from etoegang.messages.status import raise_for_status


@dataclass(frozen=True, slots=True)
class AssertionExpectations:
    """What the receiver accepts in one assertion."""

    #: The EntityID the assertion must be issued by (from metadata, never from the message).
    issuer: str
    #: Our own EntityID, which every AudienceRestriction must name. None only for assertions
    #: that by spec carry no audience (the MR's XACML assertion, §4.7).
    audience: str | None
    #: Our ACS URL, which the bearer confirmation's Recipient must equal.
    recipient: str | None = None
    #: The ID of our request; None for a flow that sent none (then none may be claimed).
    in_response_to: str | None = None
    #: Allowed difference between our clock and the issuer's.
    max_clock_skew: timedelta = timedelta(seconds=60)
    #: The oldest IssueInstant accepted, whatever NotOnOrAfter says. None: no limit.
    max_lifetime: timedelta | None = timedelta(minutes=10)
    #: Require a bearer SubjectConfirmation (SAML profiles 4.1.4.2). False for assertions that
    #: are not Web SSO assertions, such as the MR's XACML assertion.
    require_bearer: bool = True
    #: Require an AuthnStatement (SAML profiles 4.1.4.2).
    require_authn_statement: bool = True


def _fmt(at: datetime) -> str:
    return saml_instant(at)


def _check_window(
    what: str,
    not_before: datetime | None,
    not_on_or_after: datetime | None,
    now: datetime,
    skew: timedelta,
) -> None:
    if not_before is not None and now + skew < not_before:
        raise AssertionNotYetValid(
            f"{what} is not valid before {_fmt(not_before)} (now {_fmt(now)}); "
            "check the clocks of both servers"
        )
    if not_on_or_after is not None and now - skew >= not_on_or_after:
        raise AssertionExpired(f"{what} expired at {_fmt(not_on_or_after)} (now {_fmt(now)})")


def _check_confirmation(
    confirmation: SubjectConfirmation,
    expect: AssertionExpectations,
    now: datetime,
    where: str,
) -> None:
    if expect.recipient is not None and confirmation.recipient != expect.recipient:
        raise RecipientMismatch(
            f"{where}: bearer confirmation Recipient {confirmation.recipient!r} is not "
            f"this endpoint {expect.recipient!r}"
        )
    _check_in_response_to(confirmation.in_response_to, expect.in_response_to, where)
    if confirmation.not_on_or_after is None:
        raise AssertionRefused(
            f"{where}: bearer confirmation lacks NotOnOrAfter (SAML profiles 4.1.4.2)"
        )
    _check_window(
        f"{where} bearer confirmation",
        confirmation.not_before,
        confirmation.not_on_or_after,
        now,
        expect.max_clock_skew,
    )


def _check_in_response_to(got: str | None, expected: str | None, where: str) -> None:
    if got == expected:
        return
    if expected is None:
        raise InResponseToMismatch(f"{where} answers request {got!r}, but none was sent")
    raise InResponseToMismatch(
        f"{where} answers request {got!r}, not the request {expected!r} that was sent"
    )


def check_assertion(
    assertion: Assertion, expectations: AssertionExpectations, clock: Clock
) -> None:
    """Raise a typed :class:`AssertionRefused` unless the assertion meets the expectations.

    Call it on the parsed assertion of the element ``xmldsig.verify`` returned.
    """
    expect = expectations
    now = clock.now()
    skew = expect.max_clock_skew
    where = f"assertion {assertion.id}"
    if assertion.issuer != expect.issuer:
        raise WrongIssuer(
            f"{where} is issued by {assertion.issuer!r}, expected {expect.issuer!r}"
        )
    if assertion.issue_instant > now + skew:
        raise AssertionNotYetValid(
            f"{where} is issued in the future ({_fmt(assertion.issue_instant)}, now "
            f"{_fmt(now)}); check the clocks of both servers"
        )
    lifetime = expect.max_lifetime
    if lifetime is not None and assertion.issue_instant + lifetime + skew < now:
        raise AssertionExpired(
            f"{where} was issued at {_fmt(assertion.issue_instant)}, longer ago than the "
            f"{int(lifetime.total_seconds())} s accepted"
        )
    conditions = assertion.conditions
    if expect.audience is not None:
        if conditions is None or not conditions.audience_restrictions:
            raise AudienceMismatch(f"{where} has no audience restriction (SAML profiles 4.1.4.2)")
        for restriction in conditions.audience_restrictions:
            if expect.audience not in restriction:
                raise AudienceMismatch(
                    f"{where} audience does not include {expect.audience} "
                    f"(it names {', '.join(restriction)[:300]})"
                )
    if conditions is not None:
        _check_window(where, conditions.not_before, conditions.not_on_or_after, now, skew)
    if expect.require_bearer:
        bearers = [
            c
            for c in assertion.subject_confirmations
            if c.method is SubjectConfirmationMethod.BEARER
        ]
        if not bearers:
            raise NoBearerConfirmation(
                f"{where} has no bearer SubjectConfirmation (SAML profiles 4.1.4.2)"
            )
        # SAML profiles 4.1.4.3: at least one bearer confirmation must hold; report the first
        # failure when none does.
        first_error: AssertionRefused | None = None
        for confirmation in bearers:
            try:
                _check_confirmation(confirmation, expect, now, where)
            except AssertionRefused as exc:
                first_error = first_error or exc
                continue
            first_error = None
            break
        if first_error is not None:
            raise first_error
    if expect.require_authn_statement and not assertion.authn_statements:
        raise MissingAuthnStatement(f"{where} has no AuthnStatement (SAML profiles 4.1.4.2)")
    for statement in assertion.authn_statements:
        ends = statement.session_not_on_or_after
        if ends is not None and now - skew >= ends:
            raise AssertionExpired(f"{where}: the authentication session ended at {_fmt(ends)}")


def check_response(
    response: Response,
    *,
    destination: str,
    in_response_to: str | None,
    issuer: str,
) -> None:
    """Check a parsed Response's envelope, then its status.

    :param destination: the URL the response arrived at (our ACS URL).
    :param in_response_to: the ID of our request (None if we sent none).
    :param issuer: the EntityID we sent the request to.
    :raises WrongIssuer, DestinationMismatch, InResponseToMismatch: the envelope is not ours.
    :raises StatusError: (a subclass per second-level code) the status is not Success.
    """
    where = f"response {response.id}"
    if response.issuer != issuer:
        raise WrongIssuer(f"{where} is issued by {response.issuer!r}, expected {issuer!r}")
    if response.destination != destination:
        # SAML bindings 3.5.5.2: a signed response must carry Destination; eHerkenning §4.5
        # requires it always.
        raise DestinationMismatch(
            f"{where} is addressed to {response.destination!r}, not to this endpoint "
            f"{destination!r}"
        )
    _check_in_response_to(response.in_response_to, in_response_to, where)
    raise_for_status(response.status, peer=issuer)
