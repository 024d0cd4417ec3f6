"""Inbound eIDAS logins end to end in process: DV -> broker (EB/connector) -> node simulator ->
broker -> DV, with the checks the bridge makes on the way."""

from __future__ import annotations

import logging
from typing import Any

import pytest

from broker.eidas.vocab import IdentifierKind
from etoegang.crypto.xmldsig import VerifyPolicy
from etoegang.crypto.xmldsig import verify
from etoegang.crypto.xmlenc import decrypt
from etoegang.messages.assertion import parse_assertion
from etoegang.messages.attributes import parse_attribute
from etoegang.messages.common import parse_name_id
from etoegang.messages.status import StatusCode
from etoegang.messages.status import SubStatusCode
from etoegang.xml.parser import serialize
from keys.ring import KeyRing
from makelaar.eidas_network import EB_ENTITY
from policies.loa import Loa
from tests.broker.helpers import assert_error_page
from tests.broker.helpers import assert_status
from tests.broker.helpers import dv_answer
from tests.eidas.conftest import World
from tests.eidas.conftest import decoded

LOW = "http://eidas.europa.eu/LoA/low"
SUBSTANTIAL = "http://eidas.europa.eu/LoA/substantial"
HIGH = "http://eidas.europa.eu/LoA/high"


def _login(world: World, **node: Any) -> tuple[object, bytes]:
    started = world.start()
    _, fields = world.at_node(started, **node)
    answer = world.to_broker(fields)
    return dv_answer(world.harness, answer), decoded(fields, "SAMLResponse")


def _delivered(world: World, rings: dict[str, KeyRing], response: object) -> dict[str, object]:
    assertion_el = response.assertion_elements[0]  # type: ignore[attr-defined]
    verified = verify(assertion_el, VerifyPolicy(trusted=world.harness.hm_certs))
    assertion = parse_assertion(verified.element)
    out: dict[str, object] = {"assertion": assertion, "xml": serialize(assertion_el)}
    for attribute in assertion.attributes:
        value = attribute.values[0]
        if value.element is not None:
            name_id = parse_name_id(decrypt(value.element, rings["dv"]), "test")
            out[attribute.name] = (name_id.value, name_id.name_qualifier)
        else:
            out[attribute.name] = value.text
    for encrypted in assertion.encrypted_attributes:
        attribute = parse_attribute(decrypt(encrypted, rings["dv"]), "test")
        out[attribute.name] = attribute.texts[0]
    return out


def test_foreign_person_reaches_the_dv_with_a_pseudonym_and_attributes(
    world: World, eidas_rings: dict[str, KeyRing], caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    response, node_xml = _login(world)
    assert b"ES/NL/02635542Y" in node_xml or b"EncryptedAssertion" in node_xml
    got = _delivered(world, eidas_rings, response)
    assertion = got["assertion"]
    statement = assertion.authn_statement  # type: ignore[attr-defined]
    assert statement.authenticating_authorities == (EB_ENTITY,)
    assert statement.loa is Loa.EH3
    assert assertion.name_id.name_qualifier == EB_ENTITY  # type: ignore[attr-defined]
    assert assertion.advice is None  # type: ignore[attr-defined]
    acting_pair = got["urn:etoegang:core:ActingSubjectID"]
    assert isinstance(acting_pair, tuple)
    acting, qualifier = acting_pair
    assert qualifier == IdentifierKind.PSEUDO_1_13.value
    assert len(acting) == 64 and int(acting, 16) >= 0
    assert got["urn:etoegang:1.9:attribute:FirstName"] == "Javier"
    assert got["urn:etoegang:1.9:attribute:FamilyName"] == "García Fernández"
    assert got["urn:etoegang:1.9:attribute:DateOfBirth"] == "1975-03-14"
    assert "urn:etoegang:core:LegalSubjectID" not in got
    # The raw eIDAS identifier is in neither the HM assertion nor the logs.
    assert b"02635542Y" not in got["xml"]  # type: ignore[operator]
    assert "02635542Y" not in caplog.text


def test_pseudonym_is_stable_per_dv(world: World, eidas_rings: dict[str, KeyRing]) -> None:
    first = _delivered(world, eidas_rings, _login(world)[0])
    second = _delivered(world, eidas_rings, _login(world)[0])
    other = _delivered(world, eidas_rings, _login(world, identity="es-1")[0])
    key = "urn:etoegang:core:ActingSubjectID"
    assert first[key] == second[key] == other[key]
    german = _delivered(world, eidas_rings, _login(world, country="DE", identity="de-1")[0])
    assert german[key] != first[key]
    assert german["urn:etoegang:1.11:attribute:BirthName"] == "Gabler"


def test_pseudonym_differs_per_dv() -> None:
    from broker.eidas.mapping import pseudonym

    secret = b"k" * 32
    one = pseudonym(secret, "ES/NL/02635542Y", "00000099000000000003")
    assert one == pseudonym(secret, "ES/NL/02635542Y", "00000099000000000003")
    assert one != pseudonym(secret, "ES/NL/02635542Y", "00000099000000000004")
    assert one != pseudonym(secret, "ES/NL/02635542Z", "00000099000000000003")


def test_legal_person_maps_to_eidas_legal_identifier_and_company_name(
    world: World, eidas_rings: dict[str, KeyRing]
) -> None:
    response, _ = _login(world, country="BE", identity="be-company")
    got = _delivered(world, eidas_rings, response)
    assert got["urn:etoegang:core:LegalSubjectID"] == (
        "BE/NL/0123456789", IdentifierKind.EIDAS_LEGAL.value)
    assert got["urn:etoegang:1.11:attribute-represented:CompanyName"] == "Chocolaterie Dupont NV"
    assert "urn:etoegang:core:ActingSubjectID" in got


def test_lower_level_than_asked_is_refused(world: World) -> None:
    started = world.start()
    _, fields = world.at_node(started, level=LOW)
    response = dv_answer(world.harness, world.to_broker(fields))
    assert_status(response, StatusCode.RESPONDER, SubStatusCode.AUTHN_FAILED)


def test_higher_level_is_accepted_and_asserted_as_its_eh_level(
    world: World, eidas_rings: dict[str, KeyRing]
) -> None:
    response, _ = _login(world, level=HIGH)
    got = _delivered(world, eidas_rings, response)
    assert got["assertion"].authn_statement.loa is Loa.EH4  # type: ignore[attr-defined]


def test_service_not_classified_eidas_inbound_ends_on_an_error_page(world: World) -> None:
    answer = world.start(service_index=2)
    assert_error_page(answer, 400)
    assert "eidas_not_inbound" in answer.get_data(as_text=True)


def test_cancel_at_the_node_is_answered_to_the_dv(world: World) -> None:
    started = world.start()
    _, fields = world.at_node(started, cancel=True)
    response = dv_answer(world.harness, world.to_broker(fields))
    assert_status(response, StatusCode.RESPONDER, SubStatusCode.AUTHN_FAILED)


def test_the_request_is_the_eidas_profile(world: World) -> None:
    from etoegang.messages.authn_request import parse_authn_request
    from etoegang.xml.parser import parse_xml
    from tests.eidas.conftest import post_fields

    _, fields = post_fields(world.start())
    element = parse_xml(decoded(fields, "SAMLRequest"))
    request = parse_authn_request(element)
    assert request.force_authn is True and request.is_passive is False
    assert request.name_id_policy is not None and request.name_id_policy.allow_create
    assert request.requested_authn_context is not None
    assert request.requested_authn_context.class_refs == (SUBSTANTIAL,)
    assert request.requested_authn_context.comparison.value == "minimum"
    text = serialize(element).decode()
    assert "sha256-rsa-MGF1" in text
    sp_type = element.find(".//{http://eidas.europa.eu/saml-extensions}SPType")
    assert sp_type is not None and sp_type.text == "public"
    for name in ("PersonIdentifier", "CurrentFamilyName", "CurrentGivenName", "DateOfBirth"):
        assert f'FriendlyName="{name}"' in text
