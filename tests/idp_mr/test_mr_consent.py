"""Consent for represented-party attributes (spec §3.4): shown with purpose, per attribute,
nothing released without it."""

from __future__ import annotations

import dataclasses

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from etoegang.crypto.xmlenc import decrypt
from etoegang.messages.assertion import parse_assertion
from etoegang.messages.status import StatusCode
from etoegang.messages.status import SubStatusCode
from etoegang.xml.parser import text_of
from idp.app import context_of
from idp.db.models import Person
from idp.seed import BAKERY_KVK
from makelaar.network import DEMO_SERVICES
from metadata.catalogue import CatalogueRequestedAttribute
from metadata.model import LocalizedText
from tests.idp_mr.harness import Answer
from tests.idp_mr.harness import FakeHm
from tests.idp_mr.harness import csrf_token

GRANT = DEMO_SERVICES[0]
NAME = "urn:etoegang:1.11:attribute-represented:CompanyName"
KVK = "urn:etoegang:1.11:attribute-represented:KvKnr"
VAT = "urn:etoegang:1.11:attribute-represented:VATRegistrationNumber"
FIRST_NAME = "urn:etoegang:1.9:attribute:FirstName"


def _purpose(text: str) -> tuple[LocalizedText, ...]:
    return (LocalizedText("nl", text), LocalizedText("en", text + " (en)"))


def _ask(app: Flask) -> None:
    """Make the grant service ask for represented attributes (and one the AD gives)."""
    context = context_of(app)
    wanted = (
        CatalogueRequestedAttribute(NAME, True, _purpose("Om uw aanvraag op naam te zetten")),
        CatalogueRequestedAttribute(KVK, False, _purpose("Voor de controle")),
        CatalogueRequestedAttribute(VAT, False, _purpose("Voor de btw")),
        CatalogueRequestedAttribute(FIRST_NAME, True, _purpose("Aanhef")),
    )
    providers = []
    for provider in context.catalogue.providers:
        definitions = tuple(
            dataclasses.replace(d, requested_attributes=wanted)
            if any(i.service_id == GRANT.service_id and i.instance_of == d.uuid
                   for i in provider.instances) else d
            for d in provider.definitions
        )
        providers.append(dataclasses.replace(provider, definitions=definitions))
    catalogue = dataclasses.replace(context.catalogue, providers=tuple(providers))
    app.extensions["idp"] = dataclasses.replace(context, catalogue=catalogue)


def _start(app: Flask, hm: FakeHm, client: FlaskClient) -> str:
    _ask(app)
    with context_of(app).db() as db:
        anna = str(db.scalars(select(Person.pseudonym).where(
            Person.email == "anna@goudenkorst.example")).one())
    ad = hm.ad_assertion(anna, GRANT.service_uuid)
    artifact = hm.query_artifact(ad, service_id=GRANT.service_id,
                                 service_uuid=GRANT.service_uuid, level=GRANT.loa)
    page = client.get("/mr/sso", query_string={"SAMLart": artifact})
    assert page.status_code == 200
    return page.get_data(as_text=True)


def _released(hm: FakeHm, answer: Answer) -> dict[str, str]:
    assert answer.assertion_element is not None
    assertion = parse_assertion(answer.assertion_element)
    values = {}
    for encrypted in assertion.encrypted_attributes:
        attribute = decrypt(encrypted, hm.rings["dv"])
        value = attribute[0]
        values[attribute.get("Name", "")] = text_of(value)
    return values


def test_consent_page_shows_each_attribute_with_its_purpose(app: Flask, hm: FakeHm) -> None:
    html = _start(app, hm, app.test_client())
    assert "Gegevens delen" in html
    assert "Bedrijfsnaam" in html and "Om uw aanvraag op naam te zetten" in html
    assert "Bakkerij De Gouden Korst B.V." in html
    assert "verplicht" in html and "optioneel" in html
    assert "Dit gegeven kunnen wij niet leveren." in html  # the VAT number
    assert "FirstName" not in html  # the AD's attribute, not the MR's to ask


def test_consent_given_releases_the_attributes_encrypted_for_the_dv(
    app: Flask, hm: FakeHm
) -> None:
    client = app.test_client()
    _start(app, hm, client)
    page = client.post("/mr/consent", data={"consent": [NAME, KVK],
                                            "csrf_token": csrf_token(client, app)})
    assert page.status_code == 303
    answer = hm.answer(app, page.headers["Location"])
    assert answer.statement is not None and answer.statement.permitted
    assert _released(hm, answer) == {NAME: "Bakkerij De Gouden Korst B.V.", KVK: BAKERY_KVK}


def test_declined_optional_attribute_is_left_out(app: Flask, hm: FakeHm) -> None:
    client = app.test_client()
    _start(app, hm, client)
    page = client.post("/mr/consent", data={"consent": [NAME],
                                            "csrf_token": csrf_token(client, app)})
    answer = hm.answer(app, page.headers["Location"])
    assert _released(hm, answer) == {NAME: "Bakkerij De Gouden Korst B.V."}


def test_declined_required_attribute_stops_the_login(app: Flask, hm: FakeHm) -> None:
    client = app.test_client()
    _start(app, hm, client)
    page = client.post("/mr/consent", data={"consent": [KVK],
                                            "csrf_token": csrf_token(client, app)})
    html = page.get_data(as_text=True)
    assert page.status_code == 200 and "Inloggen gestopt" in html and "Bedrijfsnaam" in html
    stop = client.post("/mr/cancel", data={"reason": "consent",
                                           "csrf_token": csrf_token(client, app)})
    answer = hm.answer(app, stop.headers["Location"])
    assert answer.assertion is None
    assert answer.response.status.top is StatusCode.RESPONDER
    assert answer.response.status.second is SubStatusCode.AUTHN_FAILED


def test_consent_page_in_english(app: Flask, hm: FakeHm) -> None:
    client = app.test_client()
    client.set_cookie("lang", "en")
    html = _start(app, hm, client)
    assert "Share information" in html and "Company name" in html
    assert "Om uw aanvraag op naam te zetten (en)" in html
