"""The user's own pages (issue 8): see means and mandates, change password and mobile number,
reset a forgotten password by e-mail and SMS; and the operator forms."""

from __future__ import annotations

from sqlalchemy import select

from idp.app import context_of
from idp.db.models import Means
from idp.db.models import MeansStatus
from idp.db.models import Organisation
from idp.db.models import Person
from idp.portal.models import OperatorCase
from idp.portal.models import Order
from tests.portal.harness import ADMIN_A
from tests.portal.harness import KVK_A
from tests.portal.harness import NEW_PASSWORD
from tests.portal.harness import OPERATOR
from tests.portal.harness import PASSWORD
from tests.portal.harness import USER_A
from tests.portal.harness import USER_A_EH2
from tests.portal.harness import Portal


def test_a_user_sees_their_means(portal: Portal) -> None:
    portal.login(USER_A)
    page = portal.get("/portal/me")
    assert "Bakkerij A B.V." in page.text and "eH2+" in page.text and "Actief" in page.text
    assert "Active" in portal.get("/portal/me?lang=en").text


def test_change_password_checks_the_current_one_and_the_policy(portal: Portal,
                                                              other: Portal) -> None:
    portal.login(USER_A)
    wrong = portal.post("/portal/me/password", {"current": "nope", "password": NEW_PASSWORD,
                                                "repeat": NEW_PASSWORD})
    assert wrong.status_code == 400 and "Het huidige wachtwoord klopt niet." in wrong.text
    common = portal.post("/portal/me/password", {"current": PASSWORD,
                                                 "password": "Zomer2025zomer!",
                                                 "repeat": "Zomer2025zomer!"})
    assert "Dit wachtwoord wordt te vaak gebruikt." in common.text
    ok = portal.post("/portal/me/password", {"current": PASSWORD, "password": NEW_PASSWORD,
                                             "repeat": NEW_PASSWORD})
    assert ok.status_code == 303
    assert other.login(USER_A, PASSWORD).status_code == 401
    assert other.login(USER_A, NEW_PASSWORD).status_code == 303


def test_change_own_mobile_after_the_code(portal: Portal) -> None:
    portal.login(USER_A)
    portal.tick()
    portal.post("/portal/me/mobile", {"mobile": "06 10 20 30 40"})
    assert portal.sms_to() == "+31610203040"
    assert portal.post("/portal/me/mobile/code", {"code": portal.last_code()}
                       ).status_code == 303
    with context_of(portal.app).db() as db:
        means = db.scalars(select(Means).join(Person).where(Person.email == USER_A)).one()
        assert means.credential is not None
        assert means.credential.mobile_e164 == "+31610203040"


def test_forgotten_password_by_mail_and_sms(portal: Portal, other: Portal) -> None:
    unknown = portal.post("/portal/reset", {"email": "niemand@example.nl"})
    known = portal.post("/portal/reset", {"email": USER_A})
    assert "Als dit adres bij ons bekend is" in known.text
    assert unknown.text == known.text  # no account enumeration
    assert [m["to"] for m in portal.mails()] == [USER_A]
    link = portal.link_in(portal.last_mail(USER_A))
    portal.tick()
    assert portal.post(link).status_code == 303
    assert portal.get("/portal/reset/password").status_code == 400  # code first
    assert portal.post("/portal/reset/code", {"code": portal.last_code()}).status_code == 303
    done = portal.post("/portal/reset/password", {"password": NEW_PASSWORD,
                                                  "repeat": NEW_PASSWORD})
    assert done.status_code == 200
    assert other.login(USER_A, NEW_PASSWORD).status_code == 303
    assert portal.post(link).status_code == 410


def test_eh2_reset_needs_only_the_link(portal: Portal) -> None:
    portal.post("/portal/reset", {"email": USER_A_EH2})
    answer = portal.post(portal.link_in(portal.last_mail(USER_A_EH2)))
    assert answer.headers["Location"].endswith("/portal/reset/password")


def test_company_data_change_is_priced_handled_by_the_operator_and_mailed(
        portal: Portal) -> None:
    portal.login(ADMIN_A)
    form = portal.get("/portal/company")
    assert "€ 12,50" in form.text
    empty = portal.post("/portal/company", {})
    assert empty.status_code == 400
    assert portal.post("/portal/company", {"trade_name": "Bakkerij Aa"}).status_code == 303
    with context_of(portal.app).db() as db:
        assert db.scalars(select(Order.amount_cents)).all() == [1250]
        case = db.scalars(select(OperatorCase)).one()
    portal.logout()
    portal.login(OPERATOR)
    assert "Bakkerij Aa" in portal.get("/portal/operator").text
    assert portal.post(f"/portal/operator/cases/{case.id}/approve").status_code == 303
    with context_of(portal.app).db() as db:
        org = db.scalars(select(Organisation).where(Organisation.kvk_number == KVK_A)).one()
        assert org.name == "Bakkerij Aa"
    assert "uitgevoerd" in portal.last_mail(ADMIN_A)["subject"]


def test_revocation_of_a_holder_who_left_by_the_public_form(portal: Portal) -> None:
    bad = portal.post("/portal/revoke-left", {"kvk": "123", "holder_email": "x",
                                              "reply_to": ""})
    assert bad.status_code == 400 and 'href="#kvk"' in bad.text
    sent = portal.post("/portal/revoke-left", {"kvk": KVK_A, "holder_email": USER_A,
                                               "reply_to": "directie@bakkerij-a.nl"})
    assert sent.status_code == 200
    with context_of(portal.app).db() as db:
        case = db.scalars(select(OperatorCase)).one()
    portal.login(OPERATOR)
    portal.post(f"/portal/operator/cases/{case.id}/approve")
    with context_of(portal.app).db() as db:
        means = db.scalars(select(Means).join(Person).where(Person.email == USER_A)).one()
        assert means.status is MeansStatus.REVOKED
    assert portal.last_mail("directie@bakkerij-a.nl")


def test_a_password_may_not_contain_the_e_mail_name(portal: Portal) -> None:
    portal.login(ADMIN_A)
    answer = portal.post("/portal/me/password", {"current": PASSWORD,
                                                 "password": "anna is my name forever",
                                                 "repeat": "anna is my name forever"})
    assert "Het wachtwoord mag uw e-mailadres niet bevatten." in answer.text
