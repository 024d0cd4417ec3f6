"""Requesting a means for one colleague, its activation (e-mail link, SMS code, own password),
the operator's identity-document validation, pending requests and cancel (issue 8)."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from sqlalchemy import select

from idp.app import context_of
from idp.db.models import AuditEvent
from idp.db.models import Means
from idp.db.models import MeansStatus
from idp.portal.models import MeansRequest
from idp.portal.models import Order
from idp.portal.models import PortalToken
from idp.portal.models import RequestStatus
from tests.portal.harness import ADMIN_A
from tests.portal.harness import NEW_PASSWORD
from tests.portal.harness import OPERATOR
from tests.portal.harness import Portal

NEW = {
    "given_names": "Dirk", "surname_prefix": "van", "surname": "Dam",
    "email": "Dirk@Bakkerij-A.nl", "mobile": "06-55 55 55 55", "level": "eH3", "years": "3",
    "employee": "ja", "identity_confirmed": "ja",
}


def place(portal: Portal, **changes: str) -> Any:
    data = {**NEW, **changes}
    quote = portal.post("/portal/requests/new", {**data, "action": "quote"})
    assert quote.status_code == 200
    return quote, portal.post("/portal/requests/new", {**data, "action": "place"})


def activate(browser: Portal, email: str, password: str = NEW_PASSWORD) -> Any:
    link = browser.link_in(browser.last_mail(email))
    assert browser.get(link).status_code == 200
    browser.tick()
    started = browser.post(link)
    assert started.status_code == 303
    assert browser.post("/portal/activate/code", {"code": browser.last_code()}
                        ).status_code == 303
    return browser.post("/portal/activate/password", {"password": password, "repeat": password})


def requests_of(portal: Portal) -> list[MeansRequest]:
    with context_of(portal.app).db() as db:
        return list(db.scalars(select(MeansRequest).order_by(MeansRequest.id)))


def test_the_price_is_shown_before_the_request_is_placed(portal: Portal) -> None:
    portal.login(ADMIN_A)
    quote, placed = place(portal)
    # eH3 for 3 years: 3 x EUR 15.00 + EUR 10.00 identification.
    assert "€ 55,00" in quote.text
    assert "Aanvraag plaatsen" in quote.text
    assert placed.status_code == 303
    assert "/portal/requests?done=request_placed" in placed.headers["Location"]
    with context_of(portal.app).db() as db:
        order = db.scalars(select(Order)).one()
    assert order.level is not None
    assert (order.amount_cents, order.years, order.level.label) == (5500, 3, "eH3")
    english = portal.post("/portal/requests/new?lang=en", {**NEW, "action": "quote"})
    assert "€55.00" in english.text and "Place the request" in english.text


def test_form_errors_are_listed_and_linked_to_their_fields(portal: Portal) -> None:
    portal.login(ADMIN_A)
    answer = portal.post("/portal/requests/new", {**NEW, "email": "geen-adres",
                                                  "mobile": "020 1234567", "level": "eH9"})
    assert answer.status_code == 400
    assert 'href="#email"' in answer.text and 'href="#mobile"' in answer.text
    assert 'aria-invalid="true"' in answer.text
    assert "Vul een geldig e-mailadres in, zoals naam@bedrijf.nl." in answer.text
    assert requests_of(portal) == []


def test_employee_activation_makes_the_means_active_at_once(portal: Portal, other: Portal
                                                            ) -> None:
    portal.login(ADMIN_A)
    place(portal)
    assert "Wacht op bevestiging e-mailadres" in portal.get("/portal/requests").text
    done = activate(other, "dirk@bakkerij-a.nl")
    assert done.status_code == 303 and "state=active" in done.headers["Location"]
    assert other.sms_to() == "+31655555555"
    [request] = requests_of(portal)
    assert request.status is RequestStatus.COMPLETED
    with context_of(portal.app).db() as db:
        means = db.get(Means, request.means_id)
        assert means is not None and means.status is MeansStatus.ACTIVE
        assert means.identity_document_validated
    assert "actief" in other.last_mail("dirk@bakkerij-a.nl")["subject"]
    # The new means logs in (the AD's own password check and code store).
    other.client.delete_cookie("mk_portal_flow", path="/portal")
    assert other.login("dirk@bakkerij-a.nl", NEW_PASSWORD).status_code == 303
    assert "Mijn eHerkenningsmiddel" in other.get("/portal/me").text


def test_the_verification_link_works_once(portal: Portal, other: Portal) -> None:
    portal.login(ADMIN_A)
    place(portal)
    link = other.link_in(other.last_mail("dirk@bakkerij-a.nl"))
    assert other.post(link).status_code == 303
    again = other.post(link)
    assert again.status_code == 410
    assert "Deze link is al gebruikt" in again.text
    assert other.get(link).status_code == 410


def test_an_expired_link_is_refused(portal: Portal, other: Portal) -> None:
    portal.login(ADMIN_A)
    place(portal)
    link = other.link_in(other.last_mail("dirk@bakkerij-a.nl"))
    portal.clock.move_to(portal.clock.now() + timedelta(days=7, seconds=1))
    answer = other.post(link)
    assert answer.status_code == 410 and "Deze link is verlopen" in answer.text
    assert requests_of(portal)[0].status is RequestStatus.AWAITING_EMAIL


def test_tokens_are_stored_only_as_hashes(portal: Portal) -> None:
    portal.login(ADMIN_A)
    place(portal)
    raw = portal.link_in(portal.last_mail("dirk@bakkerij-a.nl")).rsplit("/", 1)[1]
    with context_of(portal.app).db() as db:
        stored = db.scalars(select(PortalToken.token_hash)).one()
    assert raw not in stored and len(stored) == 64


def test_the_password_policy_refuses_short_and_common_passwords(portal: Portal,
                                                                other: Portal) -> None:
    portal.login(ADMIN_A)
    place(portal)
    short = activate(other, "dirk@bakkerij-a.nl", "kort")
    assert short.status_code == 400
    assert "Het wachtwoord moet minstens 12 tekens hebben." in short.text
    for common in ("Welkom2024!!", "wachtwoord123", "qwertyuiop12", "P4ssw0rd1234"):
        answer = other.post("/portal/activate/password", {"password": common, "repeat": common})
        assert answer.status_code == 400, common
        assert "Dit wachtwoord wordt te vaak gebruikt." in answer.text
    mismatch = other.post("/portal/activate/password", {"password": NEW_PASSWORD,
                                                        "repeat": NEW_PASSWORD + "x"})
    assert "De twee wachtwoorden zijn niet gelijk." in mismatch.text
    ok = other.post("/portal/activate/password", {"password": NEW_PASSWORD,
                                                  "repeat": NEW_PASSWORD})
    assert ok.status_code == 303


def test_a_wrong_sms_code_does_not_activate(portal: Portal, other: Portal) -> None:
    portal.login(ADMIN_A)
    place(portal)
    other.post(other.link_in(other.last_mail("dirk@bakkerij-a.nl")))
    wrong = other.post("/portal/activate/code", {"code": "000000" if other.last_code() !=
                                                 "000000" else "111111"})
    assert wrong.status_code == 401 and "Deze code klopt niet." in wrong.text
    assert other.get("/portal/activate/password").status_code == 400
    assert requests_of(portal)[0].status is RequestStatus.AWAITING_CODE


def test_non_employee_at_eh3_waits_for_the_operator(portal: Portal, other: Portal) -> None:
    portal.login(ADMIN_A)
    place(portal, employee="nee", identity_confirmed="")
    done = activate(other, "dirk@bakkerij-a.nl")
    assert "state=waiting" in done.headers["Location"]
    [request] = requests_of(portal)
    assert request.status is RequestStatus.AWAITING_VALIDATION
    # The means cannot log in yet.
    blocked = other.login("dirk@bakkerij-a.nl", NEW_PASSWORD)
    assert blocked.status_code == 403 and "nog niet actief" in blocked.text
    # An administrator is not an operator.
    assert portal.get("/portal/operator").status_code == 403
    operator = Portal(portal.app, portal.app.test_client(), portal.clock, portal.sms_outbox,
                      portal.mail_outbox)
    operator.login(OPERATOR)
    page = operator.get("/portal/operator")
    assert "Dirk" in page.text
    approved = operator.post(f"/portal/operator/validations/{request.id}/approve")
    assert approved.status_code == 303
    assert requests_of(portal)[0].status is RequestStatus.COMPLETED
    assert other.login("dirk@bakkerij-a.nl", NEW_PASSWORD).status_code == 303


def test_the_operator_can_reject_a_validation(portal: Portal, other: Portal) -> None:
    portal.login(ADMIN_A)
    place(portal, level="eH4", employee="ja")
    activate(other, "dirk@bakkerij-a.nl")
    [request] = requests_of(portal)
    assert request.status is RequestStatus.AWAITING_VALIDATION  # eH4: always the operator
    portal.logout()
    portal.login(OPERATOR)
    assert portal.post(f"/portal/operator/validations/{request.id}/reject").status_code == 303
    assert requests_of(portal)[0].status is RequestStatus.REJECTED
    assert "afgewezen" in portal.last_mail("dirk@bakkerij-a.nl")["subject"]


def test_a_pending_request_can_be_cancelled_and_its_link_dies(portal: Portal,
                                                              other: Portal) -> None:
    portal.login(ADMIN_A)
    place(portal)
    [request] = requests_of(portal)
    pending = portal.get("/portal/requests")
    assert "Lopende aanvragen" in pending.text and "Dirk" in pending.text
    cancelled = portal.post(f"/portal/requests/{request.id}/cancel")
    assert cancelled.status_code == 303
    assert "Dirk" not in portal.get("/portal/requests").text
    assert other.post(other.link_in(other.last_mail("dirk@bakkerij-a.nl"))).status_code == 410
    again = portal.post(f"/portal/requests/{request.id}/cancel")
    assert again.status_code == 409
    # The key is released: the same request may be placed again.
    _, placed = place(portal)
    assert placed.status_code == 303


def test_the_same_request_twice_creates_nothing_new(portal: Portal) -> None:
    portal.login(ADMIN_A)
    place(portal)
    _, twice = place(portal)
    assert twice.status_code == 409 and "Deze aanvraag bestaat al." in twice.text
    assert len(requests_of(portal)) == 1


def test_a_lost_activation_link_can_be_sent_again(portal: Portal, other: Portal) -> None:
    portal.login(ADMIN_A)
    place(portal)
    first = other.link_in(other.last_mail("dirk@bakkerij-a.nl"))
    [request] = requests_of(portal)
    assert portal.post(f"/portal/requests/{request.id}/resend").status_code == 303
    second = other.link_in(other.last_mail("dirk@bakkerij-a.nl"))
    assert first != second
    assert other.post(first).status_code == 410
    assert activate(other, "dirk@bakkerij-a.nl").status_code == 303


def test_audit_events_of_a_request_carry_no_personal_data(portal: Portal, other: Portal
                                                          ) -> None:
    portal.login(ADMIN_A)
    place(portal)
    activate(other, "dirk@bakkerij-a.nl")
    with context_of(portal.app).db() as db:
        events = list(db.scalars(select(AuditEvent).where(AuditEvent.action.like("portal.%"))))
    text = repr([(e.actor, e.object_ref, e.details) for e in events]).lower()
    assert {"portal.request.placed", "portal.activation.completed"} <= {e.action for e in events}
    for personal in ("dirk", "dam", "@", "655555555", "+316"):
        assert personal not in text
