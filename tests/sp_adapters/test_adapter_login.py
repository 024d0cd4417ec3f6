"""The DV adapter against a fake HM: what a correct login yields, and every refusal."""

from __future__ import annotations

from datetime import timedelta

from etoegang.crypto.xmldsig import VerifyPolicy
from etoegang.crypto.xmldsig import verify
from keys.ring import KeyRing
from makelaar.network import AD_ENTITY
from makelaar.network import DV_ENTITY
from policies.loa import Loa
from sp_adapters.eherkenning import CompanyIdType
from sp_adapters.eherkenning import FailureKind
from tests.sp_adapters.conftest import DvHarness
from tests.sp_adapters.fake_hm import BRANCH
from tests.sp_adapters.fake_hm import INTERMEDIARY_KVK
from tests.sp_adapters.fake_hm import INTERMEDIARY_NAME
from tests.sp_adapters.fake_hm import KVK
from tests.sp_adapters.fake_hm import PSEUDONYM
from tests.sp_adapters.fake_hm import Scenario


def test_happy_path_gives_decrypted_company_pseudonym_level_and_branch(dv: DvHarness) -> None:
    response = dv.login(Scenario(branch=BRANCH))
    assert response.status_code == 200, dv.failures
    (login,) = dv.logins
    assert login.company_id == KVK
    assert login.company_id_type is CompanyIdType.KVKNR
    assert login.acting_pseudonym == PSEUDONYM
    assert login.loa is Loa.EH3
    assert login.branch == BRANCH
    assert login.intermediary_kvk is None and login.intermediary_name is None
    assert login.service_id == dv.settings.service(1).service_id
    assert login.service_uuid == dv.settings.service(1).service_uuid
    assert login.authenticating_authority == AD_ENTITY
    assert login.session_index == "session-1"
    assert login.name_id == "hm-transient-1"
    assert login.relay_state == "/after"


def test_authn_request_is_signed_and_names_service_acs_and_hm(
    dv: DvHarness, rings: dict[str, KeyRing]
) -> None:
    request, relay = dv.start(2, force="1")
    verify(request, VerifyPolicy(trusted=(rings["dv"].signing.as_peer(),)))
    assert request.get("Destination") == "http://127.0.0.1:8801/broker/sso/1.13"
    assert request.get("AttributeConsumingServiceIndex") == "2"
    assert request.get("AssertionConsumerServiceIndex") == "1"
    assert request.get("AssertionConsumerServiceURL") is None
    assert request.get("ForceAuthn") == "true"
    assert request.findtext("{urn:oasis:names:tc:SAML:2.0:assertion}Issuer") == DV_ENTITY
    assert 0 < len(relay.encode()) <= 80


def test_chain_authorisation_yields_the_intermediary(dv: DvHarness) -> None:
    dv.login(Scenario(chain=True))
    (login,) = dv.logins
    assert login.company_id == KVK
    assert login.intermediary_kvk == INTERMEDIARY_KVK
    assert login.intermediary_name == INTERMEDIARY_NAME


def test_cancelled_login_is_a_typed_failure_not_an_exception(dv: DvHarness) -> None:
    response = dv.login(Scenario(cancel=True))
    assert response.status_code == 400
    (failure,) = dv.failures
    assert failure.kind is FailureKind.CANCELLED and failure.cancelled
    assert failure.status_second == "urn:oasis:names:tc:SAML:2.0:status:AuthnFailed"
    assert failure.relay_state == "/after"
    assert dv.logins == []


def _refused(dv: DvHarness, scenario: Scenario, code: str) -> None:
    response = dv.login(scenario)
    assert response.status_code == 400
    assert dv.logins == []
    (failure,) = dv.failures
    assert failure.kind is FailureKind.INVALID
    assert failure.code == code, failure


def test_tampered_hm_assertion_is_refused(dv: DvHarness) -> None:
    _refused(dv, Scenario(tamper_assertion=True), "signature_invalid")


def test_unsigned_hm_assertion_is_refused_although_the_envelope_is_signed(dv: DvHarness) -> None:
    _refused(dv, Scenario(sign_assertion=False), "signature_missing")


def test_assertion_for_another_audience_is_refused(dv: DvHarness) -> None:
    _refused(dv, Scenario(audience="urn:etoegang:DV:00000099000000000009:entities:9001"),
             "audience_mismatch")


def test_answer_to_another_request_is_refused(dv: DvHarness) -> None:
    _refused(dv, Scenario(in_response_to="_not-our-request"), "in_response_to_mismatch")


def test_expired_assertion_is_refused(dv: DvHarness) -> None:
    old = dv.hm.clock.now() - timedelta(minutes=30)
    _refused(dv, Scenario(issued_at=old), "assertion_expired")


def test_advice_ad_assertion_with_a_bad_signature_is_refused(dv: DvHarness) -> None:
    _refused(dv, Scenario(bad_ad_signature=True), "advice_chain_refused")
    assert "registered keys" in dv.failures[0].public


def test_linked_declaration_signature_mismatch_is_refused(dv: DvHarness) -> None:
    _refused(dv, Scenario(linked_mismatch=True), "advice_chain_refused")
    assert "LinkedDeclarationSignatureValue" in dv.failures[0].public


def test_identifier_encrypted_for_another_key_gives_a_clear_error(
    dv: DvHarness, rings: dict[str, KeyRing]
) -> None:
    _refused(dv, Scenario(encrypt_for=rings["mr"].encryption), "decryption_failed")
    assert "ServiceCertificate" in dv.failures[0].public


def test_replayed_artifact_is_refused(dv: DvHarness) -> None:
    request, relay = dv.start(1)
    artifact = dv.hm.answer(request, dv.settings.service(1).service_uuid)
    query = {"SAMLart": artifact, "RelayState": relay}
    assert dv.client.get("/saml/acs", query_string=query).status_code == 200
    again = dv.client.get("/saml/acs", query_string=query)
    assert again.status_code == 400
    assert dv.failures[-1].code == "no_login"
    # A fresh login in the same browser with the old artifact: the HM has nothing any more.
    _, relay2 = dv.start(1)
    third = dv.client.get("/saml/acs", query_string={"SAMLart": artifact, "RelayState": relay2})
    assert third.status_code == 400
    assert len(dv.logins) == 1
    assert dv.hm.resolutions == 2


def test_level_below_the_service_level_is_refused(dv: DvHarness) -> None:
    request, relay = dv.start(2)  # service 2 is eH3
    artifact = dv.hm.answer(request, dv.settings.service(2).service_uuid, Scenario(loa=Loa.EH2))
    response = dv.client.get("/saml/acs", query_string={"SAMLart": artifact, "RelayState": relay})
    assert response.status_code == 400
    assert "needs eH3" in dv.failures[0].public


def test_answer_in_another_browser_is_refused(dv: DvHarness) -> None:
    request, relay = dv.start(1)
    artifact = dv.hm.answer(request, dv.settings.service(1).service_uuid)
    other = dv.app.test_client()
    response = other.get("/saml/acs", query_string={"SAMLart": artifact, "RelayState": relay})
    assert response.status_code == 400
    assert dv.failures[0].code == "no_login"
    assert dv.hm.resolutions == 0
    # Never resolved, the artifact still completes the login in the browser that started it.
    right = dv.client.get("/saml/acs", query_string={"SAMLart": artifact, "RelayState": relay})
    assert right.status_code == 200 and len(dv.logins) == 1
