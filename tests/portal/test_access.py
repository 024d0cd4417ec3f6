"""Who may see and change what (issue 8: "an administrator of company A can see or change
nothing of company B"): every portal endpoint that names an object refuses another
organisation's administrator with 403 and changes nothing; lists, the audit trail and the login
history show only the own organisation; every form needs its CSRF token."""

from __future__ import annotations

import io
from typing import Any

import pytest
from sqlalchemy import select

from idp.app import context_of
from idp.db.models import AuditEvent
from idp.db.models import ChainMandate
from idp.db.models import Mandate
from idp.db.models import Means
from idp.db.models import Person
from idp.portal.models import ImportBatch
from idp.portal.models import MeansRequest
from makelaar.network import DEMO_SERVICES
from tests.portal.harness import ADMIN_A
from tests.portal.harness import ADMIN_B
from tests.portal.harness import KVK_B
from tests.portal.harness import USER_A
from tests.portal.harness import Portal

SERVICE = str(DEMO_SERVICES[0].service_uuid).lower()

#: Every endpoint of the portal that acts on one object, with how to call it.
OBJECT_ENDPOINTS: dict[str, tuple[str, str, dict[str, str]]] = {
    "portal.cancel_request": ("POST", "/portal/requests/{request}/cancel", {}),
    "portal.resend_request": ("POST", "/portal/requests/{request}/resend", {}),
    "portal.import_status": ("GET", "/portal/import/{batch}", {}),
    "portal.import_start": ("POST", "/portal/import/{batch}/start", {}),
    "portal.means_detail": ("GET", "/portal/means/{means}", {}),
    "portal.means_revoke": ("POST", "/portal/means/{means}/revoke", {"confirm": "ja"}),
    "portal.means_upgrade": ("POST", "/portal/means/{means}/upgrade",
                             {"level": "eH3", "action": "place", "identity_confirmed": "ja"}),
    "portal.means_renew": ("POST", "/portal/means/{means}/renew",
                           {"years": "1", "action": "place"}),
    "portal.means_email": ("POST", "/portal/means/{means}/email",
                           {"email": "evil@bouw-b.nl"}),
    "portal.means_mobile": ("POST", "/portal/means/{means}/mobile", {"mobile": "0611112222"}),
    "portal.mandate_revoke": ("POST", "/portal/mandates/{mandate}/revoke", {}),
    "portal.mandate_renew": ("POST", "/portal/mandates/{mandate}/renew",
                             {"years": "1", "action": "place"}),
    "portal.chain_decide": ("POST", "/portal/chain-mandates/{chain}/approve", {}),
    "portal.chain_revoke": ("POST", "/portal/chain-mandates/{chain}/revoke", {}),
}
#: Endpoints that need no object of an organisation (lists of the own one, forms, public).
OTHER_ENDPOINTS = {
    "portal.home", "portal.login", "portal.login_code", "portal.logout", "portal.new_request",
    "portal.pending", "portal.upload", "portal.means_list", "portal.mandate_list",
    "portal.mandate_new", "portal.chain_list", "portal.chain_new", "portal.audit_trail",
    "portal.login_history", "portal.orders", "portal.company_data", "portal.activate",
    "portal.activate_code", "portal.activate_password", "portal.activate_done",
    "portal.verify_email", "portal.mobile_link", "portal.mobile_code", "portal.reset_start",
    "portal.reset_link", "portal.reset_code", "portal.reset_password", "portal.revoke_left",
    "portal.me", "portal.me_password", "portal.me_mobile", "portal.me_mobile_code",
    "portal.operator_home", "portal.operator_validation", "portal.operator_case",
    "portal.operator_chain", "portal.static",
}


def objects_of_a(portal: Portal) -> dict[str, int]:
    """Organisation A's administrator makes one of everything."""
    portal.login(ADMIN_A)
    new = {"given_names": "Piet", "surname": "Pot", "email": "piet@bakkerij-a.nl",
           "mobile": "0612121212", "level": "eH2+", "years": "1", "employee": "ja",
           "action": "place"}
    portal.post("/portal/requests/new", new)
    portal.client.post("/portal/import", content_type="multipart/form-data", data={
        "csrf_token": portal.token(),
        "file": (io.BytesIO(b"voornamen;achternaam;email;mobiel;niveau;jaren;medewerker\n"
                            b"Q;Q;q@bakkerij-a.nl;0613131313;eH2;1;ja\n"), "a.csv")})
    with context_of(portal.app).db() as db:
        user = db.scalars(select(Person).where(Person.email == USER_A)).one()
        means = db.scalars(select(Means).where(Means.person_id == user.id)).one()
    portal.post("/portal/mandates/new", {"person": str(user.id), "services": SERVICE,
                                         "level": "eH2", "years": "1", "action": "place"})
    portal.post("/portal/chain-mandates/new", {"direction": "receive", "kvk": "90000077",
                                               "name": "Klant C", "services": SERVICE,
                                               "level": "eH3", "years": "1"})
    with context_of(portal.app).db() as db:
        ids = {
            "request": db.scalars(select(MeansRequest.id)).one(),
            "batch": db.scalars(select(ImportBatch.id)).one(),
            "means": means.id,
            "mandate": db.scalars(select(Mandate.id)).one(),
            "chain": db.scalars(select(ChainMandate.id)).one(),
        }
    portal.logout()
    return ids


def snapshot(portal: Portal) -> Any:
    with context_of(portal.app).db() as db:
        return (
            [(r.status, r.row_key) for r in db.scalars(select(MeansRequest))],
            [(m.status, m.level, m.valid_until) for m in db.scalars(select(Means))],
            [(m.status, m.valid_until) for m in db.scalars(select(Mandate))],
            [c.status for c in db.scalars(select(ChainMandate))],
            [(b.status, b.created_rows) for b in db.scalars(select(ImportBatch))],
        )


def test_every_portal_endpoint_is_classified(portal: Portal) -> None:
    endpoints = {rule.endpoint for rule in portal.app.url_map.iter_rules()
                 if rule.endpoint.startswith("portal.")}
    assert endpoints == set(OBJECT_ENDPOINTS) | OTHER_ENDPOINTS


@pytest.mark.parametrize("endpoint", sorted(OBJECT_ENDPOINTS))
def test_another_organisations_administrator_is_refused(portal: Portal, other: Portal,
                                                        endpoint: str) -> None:
    ids = objects_of_a(portal)
    before = snapshot(portal)
    mails = len(portal.mails())
    other.login(ADMIN_B)
    method, path, data = OBJECT_ENDPOINTS[endpoint]
    url = path.format(**ids)
    answer = other.get(url) if method == "GET" else other.post(url, data)
    assert answer.status_code == 403, url
    assert "hoort bij een andere organisatie" in answer.text
    assert snapshot(portal) == before
    assert len(portal.mails()) == mails


def test_lists_show_only_the_own_organisation(portal: Portal, other: Portal) -> None:
    objects_of_a(portal)
    other.login(ADMIN_B)
    for path in ("/portal/requests", "/portal/means", "/portal/mandates",
                 "/portal/chain-mandates", "/portal/orders"):
        text = other.get(path).text
        for name in ("Piet", "Bob", "Anna", "Klant C"):
            assert name not in text, (path, name)


def test_audit_trail_and_login_history_belong_to_their_organisation(portal: Portal,
                                                                    other: Portal) -> None:
    objects_of_a(portal)
    portal.login(ADMIN_A)
    trail = portal.get("/portal/audit")
    assert trail.status_code == 200
    assert "Middel aangevraagd" in trail.text and "Anna Test" in trail.text
    logins = portal.get("/portal/logins")
    assert "Inloggen portaal" in logins.text
    other.login(ADMIN_B)
    b_trail = other.get("/portal/audit").text
    assert "Middel aangevraagd" not in b_trail and "Anna" not in b_trail
    assert "Anna" not in other.get("/portal/logins").text
    # A user without the role sees neither.
    user = Portal(portal.app, portal.app.test_client(), portal.clock, portal.sms_outbox,
                  portal.mail_outbox)
    user.login(USER_A)
    assert user.get("/portal/audit").status_code == 403
    assert user.get("/portal/logins").status_code == 403


def test_the_login_history_shows_the_ad_login_events(portal: Portal) -> None:
    portal.login(ADMIN_A)
    with context_of(portal.app).db() as db, db.begin():
        means = db.scalars(select(Means).join(Person).where(Person.email == USER_A)).one()
        db.add(AuditEvent(at=portal.clock.now(), actor="ad", action="ad.password",
                          object_ref=f"means:{means.id}", organisation_id=means.organisation_id,
                          details={"outcome": "bad_credentials"}))
    page = portal.get("/portal/logins").text
    assert "Inloggen: wachtwoord" in page and "Bob Test" in page
    assert "outcome=bad_credentials" in page


def test_an_administrator_below_eh3_is_no_administrator(portal: Portal) -> None:
    with context_of(portal.app).db() as db, db.begin():
        means = db.scalars(select(Means).join(Person).where(Person.email == ADMIN_A)).one()
        means.level = __import__("policies.loa").loa.Loa.EH2PLUS
    portal.login(ADMIN_A)
    assert portal.get("/portal/requests").status_code == 403
    assert "eH3 of hoger" in portal.get("/portal/").text


def test_pages_need_a_login(portal: Portal) -> None:
    answer = portal.get("/portal/means")
    assert answer.status_code == 303
    assert answer.headers["Location"].startswith("/portal/login?next=")


def test_a_post_without_the_csrf_token_is_refused_and_changes_nothing(portal: Portal) -> None:
    ids = objects_of_a(portal)
    portal.login(ADMIN_A)
    before = snapshot(portal)
    answer = portal.client.post(f"/portal/means/{ids['means']}/revoke", data={"confirm": "ja"})
    assert answer.status_code == 400
    forged = portal.client.post(f"/portal/requests/{ids['request']}/cancel",
                                data={"csrf_token": "0" * 64})
    assert forged.status_code == 400
    assert snapshot(portal) == before
    login = portal.client.post("/portal/login", data={"email": ADMIN_B, "password": "x"})
    assert login.status_code == 400


def test_a_next_parameter_never_leaves_the_portal(portal: Portal) -> None:
    portal.tick()
    answer = portal.post("/portal/login?next=https://evil.example/",
                         {"email": "carl@bakkerij-a.nl", "password": "correct horse battery 7",
                          "next": "//evil.example/"})
    assert answer.status_code == 303
    assert answer.headers["Location"] == "/portal/"


def test_chain_registration_by_b_for_a_client_is_only_a_request(portal: Portal,
                                                               other: Portal) -> None:
    other.login(ADMIN_B)
    other.post("/portal/chain-mandates/new", {"direction": "give", "kvk": "90000001",
                                              "services": SERVICE, "level": "eH3",
                                              "years": "1"})
    with context_of(portal.app).db() as db:
        chain = db.scalars(select(ChainMandate)).one()
        # B gave the mandate as client to A: A is the intermediary, B the client.
        assert chain.client.kvk_number == KVK_B
