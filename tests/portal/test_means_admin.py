"""An administrator's work on means (issue 8): upgrade with the steps each level needs, revoke
(the next login is refused), renew, change e-mail or mobile number only after verification."""

from __future__ import annotations

from sqlalchemy import select

from idp.app import context_of
from idp.db.models import Means
from idp.db.models import MeansStatus
from idp.db.models import Person
from idp.portal.models import MeansRequest
from idp.portal.models import Order
from idp.portal.models import RequestStatus
from policies.loa import Loa
from tests.portal.harness import ADMIN_A
from tests.portal.harness import OPERATOR
from tests.portal.harness import PASSWORD
from tests.portal.harness import USER_A
from tests.portal.harness import USER_A_EH2
from tests.portal.harness import Portal


def means_of(portal: Portal, email: str) -> Means:
    with context_of(portal.app).db() as db:
        means = db.scalars(select(Means).join(Person).where(Person.email == email)).one()
        means.credential  # noqa: B018
        means.person  # noqa: B018
        return means


def test_upgrade_from_eh2plus_to_eh3_for_a_checked_employee_is_immediate(portal: Portal,
                                                                         other: Portal) -> None:
    portal.login(ADMIN_A)
    means = means_of(portal, USER_A)
    quote = portal.post(f"/portal/means/{means.id}/upgrade",
                        {"level": "eH3", "identity_confirmed": "ja", "action": "quote"})
    # (EUR 15.00 - EUR 10.00) x 3 whole years left + EUR 10.00 identification.
    assert quote.status_code == 200 and "€ 25,00" in quote.text
    done = portal.post(f"/portal/means/{means.id}/upgrade",
                       {"level": "eH3", "identity_confirmed": "ja", "action": "place"})
    assert done.status_code == 303 and "done=upgraded" in done.headers["Location"]
    upgraded = means_of(portal, USER_A)
    assert upgraded.level is Loa.EH3 and upgraded.identity_document_validated
    assert "opgewaardeerd" in portal.last_mail(USER_A)["subject"]
    with context_of(portal.app).db() as db:
        assert db.scalars(select(Order.amount_cents)).all() == [2500]
    # The user's next portal login is at eH3.
    other.login(USER_A)
    assert "niveau eH3" in other.get("/portal/").text


def test_upgrade_to_eh4_waits_for_the_operator(portal: Portal) -> None:
    portal.login(ADMIN_A)
    means = means_of(portal, USER_A)
    answer = portal.post(f"/portal/means/{means.id}/upgrade",
                         {"level": "eH4", "identity_confirmed": "ja", "action": "place"})
    assert "done=upgrade_waits" in answer.headers["Location"]
    assert means_of(portal, USER_A).level is Loa.EH2PLUS
    assert "Opwaardering" in portal.get("/portal/requests").text
    portal.logout()
    portal.login(OPERATOR)
    with context_of(portal.app).db() as db:
        request = db.scalars(select(MeansRequest)).one()
    portal.post(f"/portal/operator/validations/{request.id}/approve")
    assert means_of(portal, USER_A).level is Loa.EH4


def test_upgrade_needs_a_verified_mobile_and_a_higher_level(portal: Portal) -> None:
    portal.login(ADMIN_A)
    eh2 = means_of(portal, USER_A_EH2)
    refused = portal.post(f"/portal/means/{eh2.id}/upgrade", {"level": "eH2+",
                                                              "action": "place"})
    assert refused.status_code == 409
    assert "geverifieerd mobiel nummer" in refused.text
    lower = portal.post(f"/portal/means/{means_of(portal, USER_A).id}/upgrade",
                        {"level": "eH2", "action": "quote"})
    assert lower.status_code == 400 and "Kies een hoger niveau" in lower.text


def test_a_revoked_means_cannot_log_in_any_more(portal: Portal, other: Portal) -> None:
    portal.login(ADMIN_A)
    means = means_of(portal, USER_A)
    unconfirmed = portal.post(f"/portal/means/{means.id}/revoke")
    assert unconfirmed.status_code == 400 and 'href="#confirm"' in unconfirmed.text
    assert means_of(portal, USER_A).status is MeansStatus.ACTIVE
    revoked = portal.post(f"/portal/means/{means.id}/revoke", {"confirm": "ja"})
    assert revoked.status_code == 303
    assert means_of(portal, USER_A).status is MeansStatus.REVOKED
    answer = other.login(USER_A)
    assert answer.status_code == 403 and "Dit middel is opgezegd." in answer.text


def test_renewal_starts_a_new_period_and_is_an_order(portal: Portal) -> None:
    portal.login(ADMIN_A)
    means = means_of(portal, USER_A)
    form = portal.get(f"/portal/means/{means.id}/renew")
    assert form.status_code == 200 and 'value="3" checked' in form.text
    portal.post(f"/portal/means/{means.id}/renew", {"years": "5", "action": "place"})
    renewed = means_of(portal, USER_A)
    assert renewed.valid_from == portal.clock.now()
    assert renewed.valid_until.year == portal.clock.now().year + 5
    with context_of(portal.app).db() as db:
        assert db.scalars(select(Order.amount_cents)).all() == [5000]


def test_an_e_mail_change_takes_effect_only_after_the_link(portal: Portal,
                                                           other: Portal) -> None:
    portal.login(ADMIN_A)
    means = means_of(portal, USER_A)
    taken = portal.post(f"/portal/means/{means.id}/email", {"email": ADMIN_A})
    assert taken.status_code == 400 and "al in gebruik" in taken.text
    started = portal.post(f"/portal/means/{means.id}/email", {"email": "bob.new@bakkerij-a.nl"})
    assert started.status_code == 303
    assert means_of(portal, USER_A).person.email == USER_A  # not yet
    link = other.link_in(other.last_mail("bob.new@bakkerij-a.nl"))
    assert other.post(link).status_code == 200
    with context_of(portal.app).db() as db:
        assert db.scalars(select(Person).where(Person.email == "bob.new@bakkerij-a.nl")).one()
    assert other.post(link).status_code == 410
    assert other.login("bob.new@bakkerij-a.nl", PASSWORD).status_code == 303


def test_a_mobile_change_takes_effect_only_after_the_sms_code(portal: Portal,
                                                              other: Portal) -> None:
    portal.login(ADMIN_A)
    means = means_of(portal, USER_A)
    bad = portal.post(f"/portal/means/{means.id}/mobile", {"mobile": "+49 170 1234567"})
    assert bad.status_code == 400
    portal.post(f"/portal/means/{means.id}/mobile", {"mobile": "06 99 88 77 66"})
    link = other.link_in(other.last_mail(USER_A))
    other.tick()
    assert other.post(link).status_code == 303
    assert other.sms_to() == "+31699887766"
    assert means_of(portal, USER_A).credential.mobile_e164 == "+31633333333"  # type: ignore[union-attr]
    wrong = other.post("/portal/mobile/code", {"code": "12345"})
    assert wrong.status_code == 401
    assert other.post("/portal/mobile/code", {"code": other.last_code()}).status_code == 200
    assert means_of(portal, USER_A).credential.mobile_e164 == "+31699887766"  # type: ignore[union-attr]


def test_cancelled_upgrade_leaves_the_level(portal: Portal) -> None:
    portal.login(ADMIN_A)
    means = means_of(portal, USER_A)
    portal.post(f"/portal/means/{means.id}/upgrade", {"level": "eH4", "action": "place"})
    with context_of(portal.app).db() as db:
        request = db.scalars(select(MeansRequest)).one()
    portal.post(f"/portal/requests/{request.id}/cancel")
    with context_of(portal.app).db() as db:
        assert db.get(MeansRequest, request.id).status is RequestStatus.CANCELLED  # type: ignore[union-attr]
    assert means_of(portal, USER_A).status is MeansStatus.ACTIVE
