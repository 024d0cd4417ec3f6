"""The authorisation register over HTTP: the fake HM sends the XACML query by artifact, the
user answers the pages, and the HM resolves and checks the MR's answer."""

from __future__ import annotations

import logging
import re

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select
from werkzeug.test import TestResponse

from etoegang.messages.status import StatusCode
from etoegang.messages.status import SubStatusCode
from etoegang.messages.xacml import Decision
from idp.app import context_of
from idp.db.models import Person
from idp.seed import BAKERY_KVK
from idp.seed import BRANCH_CENTRE
from makelaar.network import DEMO_SERVICES
from makelaar.network import DV_ENTITY
from makelaar.network import HM_ENTITY
from makelaar.network import DemoService
from policies.loa import Loa
from tests.idp_mr.harness import Answer
from tests.idp_mr.harness import FakeHm
from tests.idp_mr.harness import csrf_token
from tests.idp_mr.harness import decrypt_name_id

GRANT, PAYROLL, PERMIT = DEMO_SERVICES


def pseudonym_of(app: Flask, email: str) -> str:
    with context_of(app).db() as db:
        person = db.scalars(select(Person).where(Person.email == email)).one()
        return str(person.pseudonym)


def start(
    app: Flask,
    hm: FakeHm,
    client: FlaskClient,
    email: str,
    service: DemoService = GRANT,
    level: Loa | None = None,
    relay: str = "flow-1",
) -> TestResponse:
    ad = hm.ad_assertion(pseudonym_of(app, email), service.service_uuid,
                         level=max(service.loa, Loa.EH3))
    artifact = hm.query_artifact(ad, service_id=service.service_id,
                                 service_uuid=service.service_uuid, level=level or service.loa)
    return client.get("/mr/sso", query_string={"SAMLart": artifact, "RelayState": relay})


def test_one_mandate_gives_a_permit_with_the_kvk_number_for_the_dv(app: Flask, hm: FakeHm) -> None:
    client = app.test_client()
    page = start(app, hm, client, "anna@goudenkorst.example")
    assert page.status_code == 303
    answer = hm.answer(app, page.headers["Location"])
    assert answer.relay_state == "flow-1"
    assert answer.response.status.is_success
    assert answer.statement is not None and answer.statement.decision is Decision.PERMIT
    legal = decrypt_name_id(answer.statement.legal_subject_id, hm.rings["dv"])
    assert (legal.name_qualifier, legal.value) == (
        "urn:etoegang:1.9:EntityConcernedID:KvKnr", BAKERY_KVK)
    acting = decrypt_name_id(answer.statement.acting_subject_id, hm.rings["dv"])
    assert acting.name_qualifier == "urn:etoegang:1.13:EntityConcernedID:Pseudo"
    assert acting.value == answer.statement.acting_entity_id
    assert answer.statement.level_of_assurance_used is Loa.EH3
    assert answer.statement.level_of_assurance is Loa.EH2PLUS
    assert answer.statement.vestigingsnr is None
    assert answer.assertion is not None and answer.assertion.conditions is not None
    assert answer.assertion.conditions.audiences == (HM_ENTITY, DV_ENTITY)
    assert answer.assertion.advice is not None
    assert len(answer.assertion.advice.assertion_id_refs) == 1


def test_pseudonym_is_stable_across_logins_and_differs_per_company(app: Flask, hm: FakeHm) -> None:
    client = app.test_client()
    first = hm.answer(app, start(app, hm, client, "anna@goudenkorst.example").headers["Location"])
    second = hm.answer(app, start(app, hm, client, "anna@goudenkorst.example").headers["Location"])
    assert first.statement is not None and second.statement is not None
    assert first.statement.acting_entity_id == second.statement.acting_entity_id
    assert first.statement.linked_signature_value != second.statement.linked_signature_value
    # Carla acts for the bakery: another person, same company -> same representation part.
    page = start(app, hm, client, "carla@klusbedrijfjansen.example")
    option = _option_for(page.get_data(as_text=True), "Bakkerij")
    carla = _choose(app, hm, client, option)
    assert carla.statement is not None and carla.statement.acting_entity_id is not None
    anna_id = first.statement.acting_entity_id or ""
    assert carla.statement.acting_entity_id.split("@")[1] == anna_id.split("@")[1]
    assert carla.statement.acting_entity_id.split("@")[0] != anna_id.split("@")[0]


def _option_for(html: str, name: str) -> str:
    for value, label in re.findall(r'value="([^"]+)" required[^>]*>\s*<label[^>]*>(.*?)</label>',
                                   html, re.S):
        if name in label:
            return str(value)
    raise AssertionError(f"no option for {name}")


def _choose(app: Flask, hm: FakeHm, client: FlaskClient, option: str) -> Answer:
    token = csrf_token(client, app)
    answer = client.post("/mr/choose", data={"option": option, "csrf_token": token})
    assert answer.status_code == 303, answer.get_data(as_text=True)
    return hm.answer(app, answer.headers["Location"])


def test_several_mandates_show_a_choice_and_the_chosen_company_is_permitted(
    app: Flask, hm: FakeHm
) -> None:
    client = app.test_client()
    page = start(app, hm, client, "carla@klusbedrijfjansen.example")
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    assert "Kies voor wie u handelt" in html
    assert "Klusbedrijf Jansen" in html and "Bakkerij De Gouden Korst B.V." in html
    assert 'type="radio"' in html and "csrf_token" in html
    answer = _choose(app, hm, client, _option_for(html, "Bakkerij"))
    assert answer.statement is not None
    legal = decrypt_name_id(answer.statement.legal_subject_id, hm.rings["dv"])
    assert legal.value == BAKERY_KVK


def test_branch_mandate_gives_the_vestigingsnummer(app: Flask, hm: FakeHm) -> None:
    client = app.test_client()
    answer = hm.answer(app, start(app, hm, client, "bram@goudenkorst.example").headers["Location"])
    assert answer.statement is not None and answer.statement.permitted
    assert answer.statement.vestigingsnr == BRANCH_CENTRE
    assert answer.statement.level_of_assurance_used is Loa.EH2PLUS


def test_no_mandate_at_the_level_shows_who_can_grant_it_then_answers_deny(
    app: Flask, hm: FakeHm
) -> None:
    client = app.test_client()
    page = start(app, hm, client, "anna@goudenkorst.example", service=PERMIT)
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    assert "Geen machtiging" in html and "eH4" in html
    assert "Vraag uw beheerder bij Bakkerij De Gouden Korst B.V." in html
    assert "lager niveau (eH3)" in html
    answer_page = client.post("/mr/deny", data={"csrf_token": csrf_token(client, app)})
    assert answer_page.status_code == 303
    answer = hm.answer(app, answer_page.headers["Location"])
    assert answer.response.status.is_success
    assert answer.statement is not None and answer.statement.decision is Decision.DENY
    assert answer.statement.legal_subject_id is None and answer.statement.acting_subject_id is None
    # The flow is single-use: a second press finds nothing.
    again = client.post("/mr/deny", data={"csrf_token": csrf_token(client, app)})
    assert again.status_code == 400


def test_cancel_on_the_choice_page_answers_authn_failed(app: Flask, hm: FakeHm) -> None:
    client = app.test_client()
    start(app, hm, client, "carla@klusbedrijfjansen.example")
    page = client.post("/mr/cancel", data={"csrf_token": csrf_token(client, app)})
    answer = hm.answer(app, page.headers["Location"])
    assert answer.response.status.top is StatusCode.RESPONDER
    assert answer.response.status.second is SubStatusCode.AUTHN_FAILED
    assert answer.response.status.message == "The user cancelled."
    assert answer.assertion is None


def test_choice_without_csrf_token_is_refused_and_changes_nothing(app: Flask, hm: FakeHm) -> None:
    client = app.test_client()
    html = start(app, hm, client, "carla@klusbedrijfjansen.example").get_data(as_text=True)
    option = _option_for(html, "Bakkerij")
    refused = client.post("/mr/choose", data={"option": option})
    assert refused.status_code == 400
    answer = _choose(app, hm, client, option)
    assert answer.statement is not None and answer.statement.permitted


def test_choice_page_in_english(app: Flask, hm: FakeHm) -> None:
    client = app.test_client()
    client.set_cookie("lang", "en")
    html = start(app, hm, client, "carla@klusbedrijfjansen.example").get_data(as_text=True)
    assert "Choose whom you act for" in html and '<html lang="en">' in html
    assert "KvK number" in html


def test_deny_page_in_english(app: Flask, hm: FakeHm) -> None:
    client = app.test_client()
    client.set_cookie("lang", "en")
    html = start(app, hm, client, "anna@goudenkorst.example", service=PERMIT).get_data(as_text=True)
    assert "You have no mandate for Hazardous substances permit at level eH4." in html


def test_logs_carry_no_identifiers(
    app: Flask, hm: FakeHm, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    client = app.test_client()
    answer = hm.answer(app, start(app, hm, client, "bram@goudenkorst.example").headers["Location"])
    assert answer.statement is not None and answer.statement.acting_entity_id is not None
    text = caplog.text
    assert "mr permit" in text
    for secret in (BAKERY_KVK, BRANCH_CENTRE, pseudonym_of(app, "bram@goudenkorst.example"),
                   answer.statement.acting_entity_id, "bram@"):
        assert secret not in text
