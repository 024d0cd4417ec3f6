"""AD flow over HTTP: password and SMS code to a signed AD assertion, and every refusal
giving the right page or status while changing nothing else (issue 3, "What it must show")."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from etoegang.crypto.xmlenc import decrypt
from etoegang.errors import DecryptionError
from etoegang.messages.common import NameIDFormat
from etoegang.messages.common import parse_name_id
from etoegang.messages.status import StatusCode
from etoegang.messages.status import SubStatusCode
from idp.app import context_of
from idp.db.models import AuditEvent
from idp.db.models import Person
from makelaar.network import AD_ENTITY
from makelaar.network import DV_ENTITY
from makelaar.network import HM_ENTITY
from makelaar.network import MR_ENTITY
from policies.loa import Loa
from tests.idp_ad.harness import Harness

ACS = "http://127.0.0.1:8801/broker/acs/1.13"


def _audit(hm: Harness) -> list[tuple[str, str, str]]:
    with context_of(hm.app).db() as db:
        rows = db.scalars(select(AuditEvent).order_by(AuditEvent.id)).all()
        return [(r.action, r.object_ref, str(r.details.get("outcome"))) for r in rows]


def _logged_in_with_code(hm: Harness, email: str = "eh2plus@example.nl", **start: object) -> str:
    assert hm.start(**start).status_code == 303  # type: ignore[arg-type]
    response = hm.login(email)
    assert response.status_code == 303 and "/ad/code" in response.headers["Location"]
    done = hm.code(hm.last_code())
    assert done.status_code == 303
    location: str = done.headers["Location"]
    return location


def test_password_and_code_give_a_signed_ad_assertion_for_hm_dv_and_mr(hm: Harness) -> None:
    started = hm.start(relay_state="state-42")
    assert started.status_code == 303 and started.headers["Location"].endswith("/ad/login")
    page = hm.client.get("/ad/login").get_data(as_text=True)
    assert "Gemeente Voorbeeldstad" in page and "Subsidie aanvragen" in page
    sent = hm.login("eh2plus@example.nl")
    assert sent.status_code == 303
    code_page = hm.client.get(sent.headers["Location"]).get_data(as_text=True)
    assert "+31 6 ** ** ** 78" in code_page and "Gemeente Voorbeeldstad" in code_page
    done = hm.code(hm.last_code())
    assert done.status_code == 303 and done.headers["Location"].startswith(ACS + "?SAMLart=")

    answer = hm.answer(done.headers["Location"])
    assert answer.relay_state == "state-42"
    assert answer.response.status.is_success
    assert answer.response.destination == ACS
    assert answer.response.in_response_to == hm.sent_ids[-1]
    assertion = answer.assertion
    assert assertion is not None and assertion.issuer == AD_ENTITY
    assert assertion.conditions is not None
    assert assertion.conditions.audiences == (HM_ENTITY, DV_ENTITY, MR_ENTITY)
    now = hm.clock.now()
    assert assertion.conditions.not_before == now - timedelta(seconds=5)
    assert assertion.conditions.not_on_or_after == now + timedelta(minutes=10)
    confirmation = assertion.subject_confirmations[0]
    assert confirmation.recipient == ACS and confirmation.in_response_to == hm.sent_ids[-1]
    assert assertion.name_id is not None
    assert assertion.name_id.format is NameIDFormat.TRANSIENT
    statement = assertion.authn_statement
    assert statement is not None and statement.loa is Loa.EH2PLUS
    assert statement.authenticating_authorities == (AD_ENTITY,)
    assert statement.session_index
    texts = {a.name: a.texts for a in assertion.attributes}
    assert texts["urn:etoegang:core:Representation"] == ("true",)
    assert texts["urn:etoegang:core:ServiceUUID"] == (hm.service(1).service_uuid,)
    assert texts["urn:etoegang:core:AuthorizationRegistryID"] == (MR_ENTITY,)

    acting = assertion.attribute("urn:etoegang:core:ActingSubjectID")
    assert acting is not None and acting.values[0].is_encrypted_id
    encrypted = acting.values[0].element
    assert encrypted is not None
    name_id = parse_name_id(decrypt(encrypted, hm.rings["mr"]), "ActingSubjectID")
    with context_of(hm.app).db() as db:
        person = db.scalars(select(Person).where(Person.email == "eh2plus@example.nl")).one()
    assert name_id.value == person.pseudonym
    assert name_id.name_qualifier == "urn:etoegang:1.13:EntityConcernedID:Pseudo"
    for other in ("hm", "dv", "ad"):
        with pytest.raises(DecryptionError):
            decrypt(encrypted, hm.rings[other])
    assert hm.store.artifacts_issued == 1
    assert ("ad.assertion", "means:2", "issued") in _audit(hm)


def test_the_pseudonym_is_stable_per_means_across_logins(hm: Harness) -> None:
    first = hm.answer(_logged_in_with_code(hm, force=True)).assertion
    hm.clock.move_to(hm.clock.now() + timedelta(seconds=31))  # past the SMS resend window
    second = hm.answer(_logged_in_with_code(hm, force=True)).assertion
    assert first is not None and second is not None and first.name_id and second.name_id
    assert first.name_id.value == second.name_id.value
    assert first.id != second.id


def test_wrong_password_and_unknown_address_get_one_generic_message(hm: Harness) -> None:
    hm.start()
    wrong = hm.login("eh2plus@example.nl", "wrong password")
    unknown = hm.login("nobody@example.nl", "wrong password")
    for response in (wrong, unknown):
        body = response.get_data(as_text=True)
        assert response.status_code == 401
        assert "Het e-mailadres of het wachtwoord is niet juist." in body
        assert 'aria-describedby="login-error"' in body
    assert hm.store.artifacts_issued == 0 and hm.sms_count() == 0
    assert [a for a in _audit(hm) if a[0] == "ad.password"] == [
        ("ad.password", "means:unknown", "bad_credentials")
    ] * 2


def test_too_many_wrong_passwords_lock_the_account_even_for_the_right_one(hm: Harness) -> None:
    hm.start()
    for _ in range(5):
        assert hm.login("eh2plus@example.nl", "nope").status_code == 401
    locked = hm.login("eh2plus@example.nl")
    assert locked.status_code == 429 and "Te veel mislukte pogingen" in locked.get_data(
        as_text=True
    )
    assert hm.sms_count() == 0 and hm.store.artifacts_issued == 0


def test_wrong_code_says_how_many_tries_are_left(hm: Harness) -> None:
    hm.start()
    hm.login("eh2plus@example.nl")
    right = hm.last_code()
    wrong = "000000" if right != "000000" else "111111"
    response = hm.code(wrong)
    assert response.status_code == 401
    assert "nog 4 poging" in response.get_data(as_text=True)
    assert hm.store.artifacts_issued == 0
    assert ("ad.code", "means:2", "wrong") in _audit(hm)


def test_expired_code_is_refused(hm: Harness) -> None:
    hm.start()
    hm.login("eh2plus@example.nl")
    code = hm.last_code()
    hm.clock.move_to(hm.clock.now() + timedelta(minutes=5, seconds=1))
    response = hm.code(code)
    assert response.status_code == 401 and "verlopen" in response.get_data(as_text=True)
    assert hm.store.artifacts_issued == 0


def test_a_used_code_cannot_be_used_again(hm: Harness) -> None:
    _logged_in_with_code(hm)
    assert hm.store.artifacts_issued == 1
    code = hm.last_code()
    from web import csrf

    again = hm.client.post("/ad/code", data={csrf.FIELD: hm.token("/ad/login"), "code": code})
    assert again.status_code == 400
    assert hm.store.artifacts_issued == 1


def test_the_sixth_try_is_refused_even_with_the_right_code(hm: Harness) -> None:
    hm.start()
    hm.login("eh2plus@example.nl")
    right = hm.last_code()
    wrong = "000000" if right != "000000" else "111111"
    for _ in range(4):
        assert hm.code(wrong).status_code == 401
    fifth = hm.code(wrong)
    assert fifth.status_code == 429 and "Te veel pogingen" in fifth.get_data(as_text=True)
    sixth = hm.code(right)
    assert sixth.status_code == 429 and "Te veel pogingen" in sixth.get_data(as_text=True)
    assert hm.store.artifacts_issued == 0


def test_means_below_the_required_level_gets_the_upgrade_page(hm: Harness) -> None:
    hm.start(index=2)  # eH3 service
    response = hm.login("eh2plus@example.nl")
    body = response.get_data(as_text=True)
    assert response.status_code == 403
    assert "eH3" in body and "eH2+" in body and "beheerder van uw organisatie" in body
    assert hm.sms_count() == 0 and hm.store.artifacts_issued == 0
    assert ("ad.password", "means:2", "level_too_low") in _audit(hm)


@pytest.mark.parametrize(
    ("email", "text", "outcome"),
    [
        ("revoked@example.nl", "ingetrokken", "revoked"),
        ("expired@example.nl", "verlopen", "expired"),
    ],
    ids=["revoked", "expired"],
)
def test_revoked_and_expired_means_cannot_log_in(hm: Harness, email: str, text: str,
                                                 outcome: str) -> None:
    hm.start()
    response = hm.login(email)
    assert response.status_code == 403 and text in response.get_data(as_text=True)
    assert hm.sms_count() == 0 and hm.store.artifacts_issued == 0
    assert [a[2] for a in _audit(hm)] == [outcome]


def test_means_without_a_verified_mobile_number_is_told_so(hm: Harness) -> None:
    hm.start(index=2)
    response = hm.login("nomobile@example.nl")
    assert response.status_code == 403
    assert "mobiel nummer" in response.get_data(as_text=True)
    assert hm.store.artifacts_issued == 0


def test_cancel_answers_responder_authn_failed(hm: Harness) -> None:
    hm.start(relay_state="back")
    response = hm.cancel()
    assert response.status_code == 303
    answer = hm.answer(response.headers["Location"])
    status = answer.response.status
    assert status.top is StatusCode.RESPONDER and status.second is SubStatusCode.AUTHN_FAILED
    assert status.message == "The user cancelled."
    assert answer.relay_state == "back" and answer.assertion is None
    # the transaction is gone: a second cancel answers nothing
    assert hm.cancel().status_code == 400
    assert hm.store.artifacts_issued == 1


def test_eh2_means_logs_in_without_a_code(hm: Harness) -> None:
    hm.start(index=1, loa=Loa.EH2)
    response = hm.login("eh2@example.nl")
    assert response.status_code == 303 and response.headers["Location"].startswith(ACS)
    assertion = hm.answer(response.headers["Location"]).assertion
    assert assertion is not None and assertion.authn_statement is not None
    assert assertion.authn_statement.loa is Loa.EH2
    assert hm.sms_count() == 0


def test_pages_are_dutch_by_default_and_english_on_request(hm: Harness) -> None:
    hm.start()
    dutch = hm.client.get("/ad/login").get_data(as_text=True)
    assert 'lang="nl"' in dutch and "Wachtwoord" in dutch and "Gemeente Voorbeeldstad" in dutch
    assert 'autocomplete="current-password"' in dutch and 'for="email"' in dutch
    english = hm.client.get("/ad/login?lang=en").get_data(as_text=True)
    assert 'lang="en"' in english and "Password" in english
    assert "Municipality of Exampletown" in english and "Apply for a grant" in english
    wrong = hm.login("eh2plus@example.nl", "nope").get_data(as_text=True)
    assert "The e-mail address or the password is not correct." in wrong


def test_form_posts_without_csrf_token_are_refused_and_change_nothing(hm: Harness) -> None:
    hm.start()
    hm.client.get("/ad/login")
    response = hm.client.post("/ad/login", data={"email": "eh2plus@example.nl",
                                                  "password": "x"})
    assert response.status_code == 400
    cancel = hm.client.post("/ad/cancel", data={})
    assert cancel.status_code == 400
    assert _audit(hm) == [] and hm.store.artifacts_issued == 0
    # the login still works afterwards
    assert hm.login("eh2plus@example.nl").status_code == 303
