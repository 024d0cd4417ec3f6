"""Chain authorisation (spec §7): MR1 obligation, MR2 confirmation, refusals."""

from __future__ import annotations

import re
import uuid

from flask import Flask
from flask.testing import FlaskClient
from lxml import etree
from sqlalchemy import select
from werkzeug.test import TestResponse

from etoegang.messages.xacml import Decision
from idp.app import context_of
from idp.db.models import ChainMandate
from idp.db.models import ChainMandateStatus
from idp.db.models import Person
from idp.seed import CLIENT_KVK
from idp.seed import FIRM_KVK
from makelaar.network import DEMO_SERVICES
from makelaar.network import MR2_ENTITY
from makelaar.network import MR_ENTITY
from policies.chain import ChainPolicy
from policies.loa import Loa
from tests.idp_mr.harness import Answer
from tests.idp_mr.harness import FakeHm
from tests.idp_mr.harness import csrf_token
from tests.idp_mr.harness import decrypt_name_id

GRANT, PAYROLL, _ = DEMO_SERVICES
TOM = "tom@telgen.example"


def _pseudonym(app: Flask) -> str:
    with context_of(app).db() as db:
        return str(db.scalars(select(Person.pseudonym).where(Person.email == TOM)).one())


def _start(
    app: Flask, hm: FakeHm, client: FlaskClient, level: Loa = Loa.EH3
) -> tuple[etree._Element, TestResponse]:
    ad = hm.ad_assertion(_pseudonym(app), PAYROLL.service_uuid)
    artifact = hm.query_artifact(ad, service_id=PAYROLL.service_id,
                                 service_uuid=PAYROLL.service_uuid, level=level)
    return ad, client.get("/mr/sso", query_string={"SAMLart": artifact})


def _chain_key(html: str) -> str:
    found = re.findall(r'value="(c[0-9]+-[0-9]+)"', html)
    assert len(found) == 1, html
    return str(found[0])


def _mr1_chain(app: Flask, hm: FakeHm) -> tuple[etree._Element, Answer]:
    client = app.test_client()
    ad, page = _start(app, hm, client)
    html = page.get_data(as_text=True)
    assert "namens Hoveniersbedrijf Groen B.V. via Administratiekantoor Telgen" in html
    chosen = client.post("/mr/choose", data={"option": _chain_key(html),
                                             "csrf_token": csrf_token(client, app)})
    assert chosen.status_code == 303
    return ad, hm.answer(app, chosen.headers["Location"])


def _mr2(app: Flask, hm: FakeHm, ad: etree._Element, mr1: Answer) -> Answer:
    assert mr1.assertion_element is not None
    artifact = hm.query_artifact(ad, service_id=PAYROLL.service_id,
                                 service_uuid=PAYROLL.service_uuid, level=Loa.EH3,
                                 register=MR2_ENTITY, mr1=mr1.assertion_element)
    page = app.test_client().get("/mr2/sso", query_string={"SAMLart": artifact})
    assert page.status_code == 303, page.get_data(as_text=True)
    return hm.answer(app, page.headers["Location"], issuer=MR2_ENTITY)


def test_chain_permit_via_mr2_gives_the_client_for_the_dv_and_the_firm(
    app: Flask, hm: FakeHm
) -> None:
    ad, mr1 = _mr1_chain(app, hm)
    statement = mr1.statement
    assert statement is not None and statement.permitted
    assert statement.next_mr == MR2_ENTITY
    # The client is named only to MR2: the DV's key cannot open it, MR2's can.
    legal = decrypt_name_id(statement.legal_subject_id, hm.rings["mr2"])
    assert legal.value == CLIENT_KVK
    assert statement.intermediate_entity_id is not None
    assert statement.intermediate_entity_id.text == FIRM_KVK
    assert statement.acting_subject_id is not None  # for the DV
    assert mr1.assertion is not None and mr1.assertion.conditions is not None
    assert MR2_ENTITY in mr1.assertion.conditions.audiences

    mr2 = _mr2(app, hm, ad, mr1)
    final = mr2.statement
    assert final is not None and final.decision is Decision.PERMIT
    client = decrypt_name_id(final.legal_subject_id, hm.rings["dv"])
    assert (client.name_qualifier, client.value) == (
        "urn:etoegang:1.9:EntityConcernedID:KvKnr", CLIENT_KVK)
    assert final.intermediate_entity_id is not None
    assert final.intermediate_entity_id.text == FIRM_KVK
    name = final.subject("urn:etoegang:1.13:attribute-intermediate:CompanyName")
    assert name is not None and name.text == "Administratiekantoor Telgen"
    assert final.level_of_assurance_used is Loa.EH3
    assert final.linked_signature_value == statement_signature(mr1)
    assert mr2.assertion is not None and mr2.assertion.advice is not None
    assert len(mr2.assertion.advice.assertion_id_refs) == 2


def statement_signature(answer: Answer) -> str:
    from etoegang.crypto.xmldsig import signature_value

    assert answer.assertion_element is not None
    return signature_value(answer.assertion_element)


def test_mr2_denies_when_the_chain_mandate_was_revoked_meanwhile(app: Flask, hm: FakeHm) -> None:
    ad, mr1 = _mr1_chain(app, hm)
    with context_of(app).db() as db:
        chain = db.scalars(select(ChainMandate)).one()
        chain.status = ChainMandateStatus.REVOKED
        db.commit()
    try:
        mr2 = _mr2(app, hm, ad, mr1)
    finally:
        with context_of(app).db() as db:
            db.scalars(select(ChainMandate)).one().status = ChainMandateStatus.ACTIVE
            db.commit()
    assert mr2.statement is not None and mr2.statement.decision is Decision.DENY
    assert mr2.statement.legal_subject_id is None


def test_mr2_refuses_an_mr1_assertion_used_twice(app: Flask, hm: FakeHm) -> None:
    ad, mr1 = _mr1_chain(app, hm)
    assert _mr2(app, hm, ad, mr1).statement is not None
    again = _mr2(app, hm, ad, mr1)
    assert again.statement is None
    assert again.response.status.second_uri is not None
    assert again.response.status.second_uri.endswith("RequestUnsupported")


def test_chain_is_not_offered_at_eh1(app: Flask, hm: FakeHm) -> None:
    client = app.test_client()
    _, page = _start(app, hm, client, level=Loa.EH1)
    # Only the firm itself is left, so the MR answers at once for the firm, without a chain.
    assert page.status_code == 303
    answer = hm.answer(app, page.headers["Location"])
    assert answer.statement is not None and answer.statement.next_mr is None
    assert decrypt_name_id(answer.statement.legal_subject_id, hm.rings["dv"]).value == FIRM_KVK


def test_chain_is_not_offered_for_a_service_that_refuses_chains(app: Flask, hm: FakeHm) -> None:
    app.extensions["idp_chain_policy"] = ChainPolicy(
        frozenset({str(uuid.UUID(PAYROLL.service_uuid))})
    )
    client = app.test_client()
    _, page = _start(app, hm, client)
    assert page.status_code == 303
    answer = hm.answer(app, page.headers["Location"])
    assert answer.statement is not None and answer.statement.next_mr is None


def test_mr2_refuses_a_chain_for_a_service_that_refuses_chains(app: Flask, hm: FakeHm) -> None:
    ad, mr1 = _mr1_chain(app, hm)
    app.extensions["idp_chain_policy"] = ChainPolicy(
        frozenset({str(uuid.UUID(PAYROLL.service_uuid))})
    )
    mr2 = _mr2(app, hm, ad, mr1)
    assert mr2.statement is not None and mr2.statement.decision is Decision.DENY


def test_mr1_does_not_confirm_chains_itself(app: Flask, hm: FakeHm) -> None:
    """A chain query sent to MR1 (which is not the next MR) is refused."""
    ad, mr1 = _mr1_chain(app, hm)
    assert mr1.assertion_element is not None
    artifact = hm.query_artifact(ad, service_id=PAYROLL.service_id,
                                 service_uuid=PAYROLL.service_uuid, level=Loa.EH3,
                                 register=MR_ENTITY, mr1=mr1.assertion_element)
    page = app.test_client().get("/mr/sso", query_string={"SAMLart": artifact})
    answer = hm.answer(app, page.headers["Location"])
    assert answer.statement is None and not answer.response.status.is_success
