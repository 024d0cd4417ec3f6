"""Whole logins through the broker with fake peers: DV -> HM -> AD -> MR (-> MR2) -> DV."""

from __future__ import annotations

from etoegang.crypto.xmldsig import VerifyPolicy
from etoegang.crypto.xmldsig import verify
from etoegang.messages.assertion import parse_assertion
from etoegang.messages.checks import AssertionExpectations
from etoegang.messages.checks import check_assertion
from etoegang.messages.checks import check_response
from etoegang.messages.response import parse_response
from makelaar.network import AD_ENTITY
from makelaar.network import DV_ENTITY
from makelaar.network import HM_ENTITY
from policies.loa import Loa
from tests.broker.conftest import DV_ACS
from tests.broker.conftest import SERVICE_EH2PLUS
from tests.broker.conftest import Harness
from tests.broker.fakes import query_of


def test_eh2plus_login_reaches_the_dv_with_a_verifiable_hm_assertion(harness: Harness) -> None:
    request = harness.dv.request(service_index=1)
    final = harness.login(request, relay="dv-state-1", loa=Loa.EH3)
    assert final.status_code == 302, final.get_data(as_text=True)
    location = final.headers["Location"]
    assert location.startswith(DV_ACS + "?")
    assert query_of(location)["RelayState"] == "dv-state-1"
    response_el = harness.dv.hm_response(location, harness.hm_certs)
    response = parse_response(response_el)
    check_response(response, destination=DV_ACS, in_response_to=request.get("ID"),
                   issuer=HM_ENTITY)
    verified = verify(response.assertion_elements[0], VerifyPolicy(trusted=harness.hm_certs))
    assertion = parse_assertion(verified.element)
    check_assertion(
        assertion,
        AssertionExpectations(issuer=HM_ENTITY, audience=DV_ENTITY, recipient=DV_ACS,
                              in_response_to=request.get("ID")),
        harness.clock,
    )
    assert assertion.name_id is not None and assertion.name_id.name_qualifier == AD_ENTITY
    statement = assertion.authn_statement
    assert statement is not None
    assert statement.loa is Loa.EH3
    assert statement.authenticating_authorities == (AD_ENTITY,)
    names = {a.name for a in assertion.attributes}
    assert {"urn:etoegang:core:ServiceID", "urn:etoegang:core:ServiceUUID",
            "urn:etoegang:core:ActingSubjectID", "urn:etoegang:core:LegalSubjectID"} <= names
    assert assertion.attribute("urn:etoegang:core:ServiceID").texts == (  # type: ignore[union-attr]
        SERVICE_EH2PLUS.service_id,
    )
    # The AD and MR assertions are in Advice, unchanged: their own signatures still verify.
    assert assertion.advice is not None and len(assertion.advice.assertions) == 2
    ad_assertion, mr_assertion = assertion.advice.assertions
    verify(ad_assertion, VerifyPolicy(trusted=harness.ad.directory.signing_certificates(AD_ENTITY)))
