"""Every check of etoegang.messages.checks: one case that passes and one that is refused."""

from __future__ import annotations

import dataclasses
from datetime import timedelta

import pytest

from etoegang.clock import FixedClock
from etoegang.errors import AssertionExpired
from etoegang.errors import AssertionNotYetValid
from etoegang.errors import AssertionRefused
from etoegang.errors import AudienceMismatch
from etoegang.errors import AuthnFailedStatus
from etoegang.errors import DestinationMismatch
from etoegang.errors import InResponseToMismatch
from etoegang.errors import MissingAuthnStatement
from etoegang.errors import NoAuthnContextStatus
from etoegang.errors import NoBearerConfirmation
from etoegang.errors import NoPassiveStatus
from etoegang.errors import RecipientMismatch
from etoegang.errors import RequestDeniedStatus
from etoegang.errors import RequestUnsupportedStatus
from etoegang.errors import StatusError
from etoegang.errors import UnknownPrincipalStatus
from etoegang.errors import WrongIssuer
from etoegang.messages import Assertion
from etoegang.messages import AssertionExpectations
from etoegang.messages import AuthnStatement
from etoegang.messages import Conditions
from etoegang.messages import NameID
from etoegang.messages import Response
from etoegang.messages import Status
from etoegang.messages import StatusCode
from etoegang.messages import SubjectConfirmation
from etoegang.messages import SubjectConfirmationMethod
from etoegang.messages import SubStatusCode
from etoegang.messages import check_assertion
from etoegang.messages import check_response
from etoegang.messages import raise_for_status
from policies.loa import Loa

HM = "urn:etoegang:HM:00000003244440010000:entities:9713"
AD = "urn:etoegang:AD:00000001234567890000:entities:9113"
DV = "urn:etoegang:DV:0000000398765432100000:entities:9009"
ACS = "https://dv.example.nl/saml/acs"
REQUEST_ID = "_request-1"

EXPECT = AssertionExpectations(issuer=HM, audience=DV, recipient=ACS, in_response_to=REQUEST_ID)


@pytest.fixture()
def good(clock: FixedClock) -> Assertion:
    now = clock.now()
    return Assertion(
        id="_a1",
        issue_instant=now,
        issuer=HM,
        subject=NameID("user"),
        subject_confirmations=(
            SubjectConfirmation(
                recipient=ACS, in_response_to=REQUEST_ID, not_on_or_after=now + timedelta(minutes=2)
            ),
        ),
        conditions=Conditions(now - timedelta(seconds=5), now + timedelta(minutes=2), ((DV,),)),
        authn_statements=(AuthnStatement(now, Loa.EH3.urn, authenticating_authorities=(AD,)),),
    )


def replace_confirmation(assertion: Assertion, **changes: object) -> Assertion:
    confirmation = dataclasses.replace(assertion.subject_confirmations[0], **changes)  # type: ignore[arg-type]
    return dataclasses.replace(assertion, subject_confirmations=(confirmation,))


def test_a_good_assertion_passes(good: Assertion, clock: FixedClock) -> None:
    check_assertion(good, EXPECT, clock)


def test_wrong_issuer_is_refused(good: Assertion, clock: FixedClock) -> None:
    with pytest.raises(WrongIssuer, match="expected 'urn:etoegang:HM"):
        check_assertion(dataclasses.replace(good, issuer=AD), EXPECT, clock)


def test_missing_audience_restriction_is_refused(good: Assertion, clock: FixedClock) -> None:
    assert good.conditions is not None
    no_audience = dataclasses.replace(good.conditions, audience_restrictions=())
    with pytest.raises(AudienceMismatch, match="no audience restriction"):
        check_assertion(dataclasses.replace(good, conditions=no_audience), EXPECT, clock)
    with pytest.raises(AudienceMismatch):
        check_assertion(dataclasses.replace(good, conditions=None), EXPECT, clock)


def test_audience_must_be_in_every_restriction(good: Assertion, clock: FixedClock) -> None:
    assert good.conditions is not None
    both = dataclasses.replace(good.conditions, audience_restrictions=((DV, HM), (AD, DV)))
    check_assertion(dataclasses.replace(good, conditions=both), EXPECT, clock)
    other = dataclasses.replace(good.conditions, audience_restrictions=((DV,), (AD,)))
    with pytest.raises(AudienceMismatch, match=f"audience does not include {DV}"):
        check_assertion(dataclasses.replace(good, conditions=other), EXPECT, clock)


def test_audience_check_is_skipped_only_when_no_audience_is_expected(
    good: Assertion, clock: FixedClock
) -> None:
    expect = dataclasses.replace(EXPECT, audience=None)
    check_assertion(dataclasses.replace(good, conditions=None), expect, clock)


def test_recipient_mismatch_is_refused(good: Assertion, clock: FixedClock) -> None:
    with pytest.raises(RecipientMismatch, match="is not this endpoint"):
        check_assertion(
            replace_confirmation(good, recipient="https://evil.example/acs"), EXPECT, clock
        )


def test_in_response_to_mismatch_is_refused(good: Assertion, clock: FixedClock) -> None:
    with pytest.raises(InResponseToMismatch, match="not the request '_request-1'"):
        check_assertion(replace_confirmation(good, in_response_to="_other"), EXPECT, clock)


def test_in_response_to_is_refused_when_no_request_was_sent(
    good: Assertion, clock: FixedClock
) -> None:
    with pytest.raises(InResponseToMismatch, match="none was sent"):
        check_assertion(good, dataclasses.replace(EXPECT, in_response_to=None), clock)
    unsolicited = replace_confirmation(good, in_response_to=None)
    check_assertion(unsolicited, dataclasses.replace(EXPECT, in_response_to=None), clock)


def test_not_yet_valid_is_refused_beyond_the_skew(good: Assertion, clock: FixedClock) -> None:
    assert good.conditions is not None
    start = clock.now() + timedelta(seconds=30)
    within = dataclasses.replace(good.conditions, not_before=start)
    check_assertion(dataclasses.replace(good, conditions=within), EXPECT, clock)
    beyond = dataclasses.replace(good.conditions, not_before=clock.now() + timedelta(minutes=2))
    with pytest.raises(AssertionNotYetValid, match="check the clocks"):
        check_assertion(dataclasses.replace(good, conditions=beyond), EXPECT, clock)


def test_issue_instant_in_the_future_is_refused(good: Assertion, clock: FixedClock) -> None:
    later = dataclasses.replace(good, issue_instant=clock.now() + timedelta(minutes=5))
    with pytest.raises(AssertionNotYetValid, match="issued in the future"):
        check_assertion(later, EXPECT, clock)


def test_expired_conditions_are_refused(good: Assertion, clock: FixedClock) -> None:
    clock.move_to(clock.now() + timedelta(minutes=2, seconds=30))  # within the 60 s skew
    check_assertion(good, EXPECT, clock)
    clock.move_to(clock.now() + timedelta(seconds=31))
    with pytest.raises(AssertionExpired, match="expired at"):
        check_assertion(good, EXPECT, clock)


def test_expired_bearer_confirmation_is_refused(good: Assertion, clock: FixedClock) -> None:
    short = replace_confirmation(good, not_on_or_after=clock.now() - timedelta(minutes=2))
    with pytest.raises(AssertionExpired, match="bearer confirmation expired"):
        check_assertion(short, EXPECT, clock)


def test_bearer_confirmation_without_not_on_or_after_is_refused(
    good: Assertion, clock: FixedClock
) -> None:
    with pytest.raises(AssertionRefused, match="lacks NotOnOrAfter"):
        check_assertion(replace_confirmation(good, not_on_or_after=None), EXPECT, clock)


def test_assertion_older_than_the_max_lifetime_is_refused(
    good: Assertion, clock: FixedClock
) -> None:
    old = clock.now() - timedelta(minutes=20)
    assert good.conditions is not None
    stale = dataclasses.replace(
        good,
        issue_instant=old,
        conditions=dataclasses.replace(good.conditions, not_before=old),
    )
    with pytest.raises(AssertionExpired, match="longer ago than the 600 s"):
        check_assertion(stale, EXPECT, clock)
    check_assertion(stale, dataclasses.replace(EXPECT, max_lifetime=timedelta(minutes=30)), clock)


def test_ended_session_is_refused(good: Assertion, clock: FixedClock) -> None:
    ended = AuthnStatement(
        clock.now(), Loa.EH3.urn, session_not_on_or_after=clock.now() - timedelta(hours=1)
    )
    with pytest.raises(AssertionExpired, match="session ended"):
        check_assertion(dataclasses.replace(good, authn_statements=(ended,)), EXPECT, clock)


def test_missing_bearer_confirmation_is_refused(good: Assertion, clock: FixedClock) -> None:
    holder = replace_confirmation(good, method=SubjectConfirmationMethod.HOLDER_OF_KEY)
    with pytest.raises(NoBearerConfirmation, match="no bearer SubjectConfirmation"):
        check_assertion(holder, EXPECT, clock)
    check_assertion(holder, dataclasses.replace(EXPECT, require_bearer=False), clock)


def test_one_good_bearer_confirmation_among_several_is_enough(
    good: Assertion, clock: FixedClock
) -> None:
    bad = dataclasses.replace(good.subject_confirmations[0], recipient="https://other/acs")
    check_assertion(
        dataclasses.replace(good, subject_confirmations=(bad, good.subject_confirmations[0])),
        EXPECT,
        clock,
    )
    with pytest.raises(RecipientMismatch):
        check_assertion(dataclasses.replace(good, subject_confirmations=(bad, bad)), EXPECT, clock)


def test_missing_authn_statement_is_refused(good: Assertion, clock: FixedClock) -> None:
    bare = dataclasses.replace(good, authn_statements=())
    with pytest.raises(MissingAuthnStatement):
        check_assertion(bare, EXPECT, clock)
    check_assertion(bare, dataclasses.replace(EXPECT, require_authn_statement=False), clock)


# --- Response ---------------------------------------------------------------------------------


@pytest.fixture()
def response(clock: FixedClock) -> Response:
    return Response(
        id="_r1",
        issue_instant=clock.now(),
        status=Status(StatusCode.SUCCESS),
        issuer=HM,
        in_response_to=REQUEST_ID,
        destination=ACS,
    )


def test_a_good_response_passes(response: Response) -> None:
    check_response(response, destination=ACS, in_response_to=REQUEST_ID, issuer=HM)


def test_response_from_another_issuer_is_refused(response: Response) -> None:
    with pytest.raises(WrongIssuer):
        check_response(
            dataclasses.replace(response, issuer=None),
            destination=ACS,
            in_response_to=REQUEST_ID,
            issuer=HM,
        )


def test_response_for_another_destination_is_refused(response: Response) -> None:
    with pytest.raises(DestinationMismatch, match="not to this endpoint"):
        check_response(
            response,
            destination="https://dv.example.nl/other",
            in_response_to=REQUEST_ID,
            issuer=HM,
        )
    with pytest.raises(DestinationMismatch):
        check_response(
            dataclasses.replace(response, destination=None),
            destination=ACS,
            in_response_to=REQUEST_ID,
            issuer=HM,
        )


def test_response_to_another_request_is_refused(response: Response) -> None:
    with pytest.raises(InResponseToMismatch):
        check_response(response, destination=ACS, in_response_to="_mine", issuer=HM)


def test_response_with_a_cancel_status_raises_authn_failed_with_the_codes(
    response: Response,
) -> None:
    cancelled = dataclasses.replace(
        response,
        status=Status(StatusCode.RESPONDER, SubStatusCode.AUTHN_FAILED, "The user cancelled."),
    )
    with pytest.raises(AuthnFailedStatus) as caught:
        check_response(cancelled, destination=ACS, in_response_to=REQUEST_ID, issuer=HM)
    error = caught.value
    assert error.top == StatusCode.RESPONDER.value
    assert error.second == SubStatusCode.AUTHN_FAILED.value
    assert error.status_message == "The user cancelled."
    assert "Responder/AuthnFailed" in error.public
    assert "cancelled" not in error.public  # the peer's text stays out of the public message


@pytest.mark.parametrize(
    ("second", "error"),
    [
        (SubStatusCode.AUTHN_FAILED, AuthnFailedStatus),
        (SubStatusCode.NO_AUTHN_CONTEXT, NoAuthnContextStatus),
        (SubStatusCode.NO_PASSIVE, NoPassiveStatus),
        (SubStatusCode.REQUEST_DENIED, RequestDeniedStatus),
        (SubStatusCode.REQUEST_UNSUPPORTED, RequestUnsupportedStatus),
        (SubStatusCode.UNKNOWN_PRINCIPAL, UnknownPrincipalStatus),
        (SubStatusCode.INVALID_NAMEID_POLICY, StatusError),
        (None, StatusError),
    ],
    ids=lambda v: getattr(v, "name", getattr(v, "__name__", str(v))),
)
def test_each_failure_status_raises_its_typed_error(
    second: SubStatusCode | None, error: type[StatusError]
) -> None:
    with pytest.raises(error) as caught:
        raise_for_status(Status(StatusCode.REQUESTER, second))
    assert type(caught.value) is error
    assert caught.value.second == (second.value if second else None)


def test_unknown_second_level_status_keeps_its_uri() -> None:
    with pytest.raises(StatusError) as caught:
        raise_for_status(Status(StatusCode.RESPONDER, other_second="urn:example:Cancel"))
    assert type(caught.value) is StatusError and caught.value.second == "urn:example:Cancel"


def test_success_status_does_not_raise() -> None:
    raise_for_status(Status(StatusCode.SUCCESS))
