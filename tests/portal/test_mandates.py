"""Mandates and chain mandates in the portal (issue 8), including a client eenmanszaak known by
BSN, and what an intermediary sees of the chain mandates its clients gave it."""

from __future__ import annotations

import uuid
from datetime import timedelta

from sqlalchemy import select

from idp.app import context_of
from idp.db.models import AuditEvent
from idp.db.models import Branch
from idp.db.models import ChainMandate
from idp.db.models import ChainMandateStatus
from idp.db.models import Mandate
from idp.db.models import MandateStatus
from idp.db.models import Organisation
from idp.db.models import Person
from idp.db.repositories import find_mandates
from makelaar.network import DEMO_SERVICES
from policies.loa import Loa
from tests.portal.harness import ADMIN_A
from tests.portal.harness import ADMIN_B
from tests.portal.harness import KVK_A
from tests.portal.harness import KVK_B
from tests.portal.harness import OPERATOR
from tests.portal.harness import USER_A
from tests.portal.harness import Portal

SERVICE = str(DEMO_SERVICES[1].service_uuid).lower()
BSN = "111222333"


def person_id(portal: Portal, email: str) -> int:
    with context_of(portal.app).db() as db:
        return int(db.scalars(select(Person.id).where(Person.email == email)).one())


def test_add_a_mandate_for_a_branch_shows_the_price_first_and_the_mr_finds_it(
        portal: Portal) -> None:
    portal.login(ADMIN_A)
    with context_of(portal.app).db() as db:
        branch = db.scalars(select(Branch)).one()
    form = {"person": str(person_id(portal, USER_A)), "services": SERVICE, "level": "eH3",
            "branch": str(branch.id), "years": "2"}
    page = portal.get("/portal/mandates/new")
    assert SERVICE in page.text and "Filiaal Centrum" in page.text
    quote = portal.post("/portal/mandates/new", {**form, "action": "quote"})
    assert "€ 30,00" in quote.text  # EUR 15.00 per year at eH3, 2 years
    assert portal.post("/portal/mandates/new", {**form, "action": "place"}).status_code == 303
    with context_of(portal.app).db() as db:
        found = find_mandates(db, person_id(portal, USER_A), uuid.UUID(SERVICE),
                              Loa.EH3, portal.clock.now())
        assert [m.branch_id for m in found] == [branch.id]
    assert "Filiaal Centrum" in portal.get("/portal/mandates").text


def test_a_mandate_form_with_problems_names_each_field(portal: Portal) -> None:
    portal.login(ADMIN_A)
    answer = portal.post("/portal/mandates/new", {"person": str(person_id(portal, ADMIN_B)),
                                                  "level": "eH3", "years": "9"})
    assert answer.status_code == 400
    for field in ("person", "services", "years"):
        assert f'href="#{field}"' in answer.text


def test_revoke_a_mandate(portal: Portal) -> None:
    portal.login(ADMIN_A)
    form = {"person": str(person_id(portal, USER_A)), "services": SERVICE, "level": "eH2",
            "years": "1", "action": "place"}
    portal.post("/portal/mandates/new", form)
    with context_of(portal.app).db() as db:
        mandate = db.scalars(select(Mandate)).one()
    assert portal.post(f"/portal/mandates/{mandate.id}/revoke").status_code == 303
    with context_of(portal.app).db() as db:
        assert db.get(Mandate, mandate.id).status is MandateStatus.REVOKED  # type: ignore[union-attr]
    assert portal.post(f"/portal/mandates/{mandate.id}/revoke").status_code == 409


def test_a_client_authorises_an_intermediary_at_once(portal: Portal, other: Portal) -> None:
    portal.login(ADMIN_A)
    answer = portal.post("/portal/chain-mandates/new", {
        "direction": "give", "kvk": KVK_B, "services": SERVICE, "level": "eH3", "years": "1"})
    assert answer.status_code == 303
    with context_of(portal.app).db() as db:
        chain = db.scalars(select(ChainMandate)).one()
        assert chain.status is ChainMandateStatus.ACTIVE
    other.login(ADMIN_B)
    page = other.get("/portal/chain-mandates")
    received = page.text.split('id="chains-received"', 1)[1]
    assert "Bakkerij A B.V." in received and "Actief" in received


def test_an_eenmanszaak_client_registered_by_bsn_is_pending_until_approved(
        portal: Portal) -> None:
    portal.login(ADMIN_B)  # the intermediary
    answer = portal.post("/portal/chain-mandates/new", {
        "direction": "receive", "bsn": BSN, "name": "Kapsalon Knip", "services": SERVICE,
        "level": "eH2+", "years": "3"})
    assert answer.status_code == 303
    page = portal.get("/portal/chain-mandates")
    assert "Kapsalon Knip" in page.text and "eenmanszaak, op BSN" in page.text
    assert "In afwachting" in page.text
    assert BSN not in page.text
    with context_of(portal.app).db() as db:
        client = db.scalars(select(Organisation).where(Organisation.bsn == BSN)).one()
        assert client.kvk_number is None and client.legal_form.value == "eenmanszaak"
        events = db.scalars(select(AuditEvent.details).where(
            AuditEvent.action == "portal.chain.registered")).all()
        assert all(BSN not in str(details) for details in events)
        chain = db.scalars(select(ChainMandate)).one()
    # The intermediary cannot approve it itself.
    assert portal.post(f"/portal/chain-mandates/{chain.id}/approve").status_code == 403
    # The client has no administrator here: the operator approves.
    portal.logout()
    portal.login(OPERATOR)
    assert "Kapsalon Knip" in portal.get("/portal/operator").text
    assert portal.post(f"/portal/operator/chain-mandates/{chain.id}/approve").status_code == 303
    with context_of(portal.app).db() as db:
        assert db.get(ChainMandate, chain.id).status is ChainMandateStatus.ACTIVE  # type: ignore[union-attr]


def test_the_client_administrator_approves_and_the_intermediary_sees_it(portal: Portal,
                                                                         other: Portal) -> None:
    other.login(ADMIN_B)
    other.post("/portal/chain-mandates/new", {
        "direction": "receive", "kvk": KVK_A, "services": SERVICE, "level": "eH3", "years": "1"})
    with context_of(portal.app).db() as db:
        chain = db.scalars(select(ChainMandate)).one()
    portal.login(ADMIN_A)
    given = portal.get("/portal/chain-mandates").text.split('id="chains-given"', 1)[1]
    assert "Bouw B B.V." in given and "Goedkeuren" in given
    assert portal.post(f"/portal/chain-mandates/{chain.id}/approve").status_code == 303
    assert "Actief" in other.get("/portal/chain-mandates").text
    # After its end date the intermediary sees it as expired.
    portal.clock.move_to(portal.clock.now() + timedelta(days=400))
    other.login(ADMIN_B)
    assert "Verlopen" in other.get("/portal/chain-mandates").text
    assert "Expired" in other.get("/portal/chain-mandates?lang=en").text


def test_either_party_revokes_a_chain_mandate(portal: Portal, other: Portal) -> None:
    portal.login(ADMIN_A)
    portal.post("/portal/chain-mandates/new", {
        "direction": "give", "kvk": KVK_B, "services": SERVICE, "level": "eH3", "years": "1"})
    with context_of(portal.app).db() as db:
        chain = db.scalars(select(ChainMandate)).one()
    other.login(ADMIN_B)
    assert other.post(f"/portal/chain-mandates/{chain.id}/revoke").status_code == 303
    assert "Ingetrokken" in portal.get("/portal/chain-mandates").text


def test_chain_form_problems(portal: Portal) -> None:
    portal.login(ADMIN_A)
    answer = portal.post("/portal/chain-mandates/new", {
        "direction": "give", "bsn": "123456789", "services": SERVICE, "level": "eH3",
        "years": "1"})
    assert answer.status_code == 400
    assert "Dit BSN is ongeldig" in answer.text
    self_chain = portal.post("/portal/chain-mandates/new", {
        "direction": "give", "kvk": KVK_A, "services": SERVICE, "level": "eH3", "years": "1"})
    assert "Uw organisatie kan zichzelf niet machtigen." in self_chain.text
