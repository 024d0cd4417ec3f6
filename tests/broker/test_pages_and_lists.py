"""Discovery page (Dutch and English), the signed AUC8 list, the error tables and settings."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from broker.errors import PUBLIC_TEXT
from broker.errors import SAML_STATUS
from broker.errors import ErrorKind
from broker.errors import status_for
from broker.settings import ConfigError
from broker.settings import load_settings
from broker.state import FlowState
from broker.state import decode
from broker.state import encode
from broker.texts import TEXTS
from etoegang.crypto.xmldsig import VerifyPolicy
from etoegang.crypto.xmldsig import verify
from etoegang.messages.status import StatusCode
from etoegang.messages.status import SubStatusCode
from etoegang.xml.parser import parse_xml
from makelaar.network import AD_ENTITY
from makelaar.network import Network
from policies.loa import Loa
from tests.broker.conftest import SERVICE_EH2PLUS
from tests.broker.conftest import SERVICE_EH4
from tests.broker.conftest import Harness
from tests.broker.helpers import assert_error_page
from tests.broker.helpers import flows


def test_discovery_page_in_dutch_names_dv_service_and_ads(harness: Harness) -> None:
    harness.post_request(harness.dv.request(service_index=1))
    text = harness.client.get("/broker/discovery").get_data(as_text=True)
    assert 'lang="nl"' in text
    assert "Kies uw inlogmiddel" in text and "Onthoud mijn keuze" in text
    assert "Gemeente Voorbeeldstad" in text and SERVICE_EH2PLUS.name_nl in text
    assert "Makelaar Middelen (demo)" in text and f'value="{AD_ENTITY}"' in text
    assert "<legend>" in text and 'type="radio"' in text


def test_discovery_page_in_english(harness: Harness) -> None:
    harness.post_request(harness.dv.request(service_index=1))
    text = harness.client.get("/broker/discovery?lang=en").get_data(as_text=True)
    assert 'lang="en"' in text
    assert "Choose your login means" in text and "Remember my choice" in text
    assert SERVICE_EH2PLUS.name_en in text


def test_cancel_on_the_discovery_page_answers_authn_failed(harness: Harness) -> None:
    from tests.broker.helpers import assert_status
    from tests.broker.helpers import dv_answer

    harness.post_request(harness.dv.request(), relay="rs")
    answer = harness.choose(cancel=True)
    assert "RelayState=rs" in answer.headers["Location"]
    assert_status(dv_answer(harness, answer), StatusCode.RESPONDER, SubStatusCode.AUTHN_FAILED)
    assert not flows(harness)


def test_discovery_without_flow_is_an_error_page(harness: Harness) -> None:
    assert_error_page(harness.client.get("/broker/discovery"), 400)


def test_discovery_post_without_csrf_token_is_refused(harness: Harness) -> None:
    harness.post_request(harness.dv.request())
    harness.client.get("/broker/discovery")
    before = set(flows(harness))
    answer = harness.client.post("/broker/discovery", data={"ad": AD_ENTITY})
    assert answer.status_code == 400
    assert set(flows(harness)) == before


def test_auc8_list_is_signed_and_lists_the_ads_reaching_the_level(harness: Harness) -> None:
    answer = harness.client.get(f"/broker/services/{SERVICE_EH4.service_uuid}/ads")
    assert answer.status_code == 200
    root = parse_xml(answer.data)
    verify(root, VerifyPolicy(trusted=harness.hm_certs))
    entries = root.findall("{urn:makelaar:auc8:1}AuthenticationService")
    assert [e.get("EntityID") for e in entries] == [AD_ENTITY]
    assert root.get("LevelOfAssurance") == Loa.EH4.urn
    assert harness.client.get("/broker/services/unknown/ads").status_code == 404


def test_every_error_kind_has_a_wire_form_text_and_page_texts() -> None:
    for kind in ErrorKind:
        wire = SAML_STATUS[kind]
        assert kind in PUBLIC_TEXT and PUBLIC_TEXT[kind].isascii()
        for lang in ("nl", "en"):
            assert f"broker.error.{kind.value}" in TEXTS[lang]
        if wire.recoverable:
            status = status_for(kind)
            assert status.top in (StatusCode.REQUESTER, StatusCode.RESPONDER)
            # spec §4.8: only AuthnFailed and RequestUnsupported as second level
            assert status.second in (
                None, SubStatusCode.AUTHN_FAILED, SubStatusCode.REQUEST_UNSUPPORTED
            )
        else:
            assert wire.http_status in (400, 403)
            with pytest.raises(ValueError):
                status_for(kind)


def test_unrecoverable_kinds_are_exactly_the_unsafe_ones() -> None:
    unrecoverable = {kind for kind, wire in SAML_STATUS.items() if not wire.recoverable}
    assert {
        ErrorKind.UNKNOWN_REQUESTER,
        ErrorKind.BAD_SIGNATURE,
        ErrorKind.BAD_RETURN_CHANNEL,
        ErrorKind.REPLAY,
        ErrorKind.MESSAGE_EXPIRED,
        ErrorKind.FLOW_MISSING_OR_EXPIRED,
    } <= unrecoverable
    assert ErrorKind.USER_CANCELLED not in unrecoverable


def test_settings_file_of_the_network_loads(network: Network) -> None:
    settings = load_settings(network.settings_file("broker"))
    assert settings.entity_id.startswith("urn:etoegang:HM:")
    assert settings.sso_session_seconds <= 7200


def test_settings_report_every_problem_at_once(network: Network, tmp_path: Path) -> None:
    data = yaml.safe_load(network.settings_file("broker").read_text())
    data.pop("catalogue")
    data["surprise"] = 1
    data["sso_session_seconds"] = 99999
    data["metadata"] = ["/nowhere.xml"]
    path = tmp_path / "broker.yaml"
    path.write_text(yaml.safe_dump(data))
    with pytest.raises(ConfigError) as caught:
        load_settings(path)
    text = "\n".join(caught.value.problems)
    assert "missing key 'catalogue'" in text
    assert "unknown key 'surprise'" in text
    assert "sso_session_seconds" in text
    assert "/nowhere.xml" in text
    assert len(caught.value.problems) == 4


def test_flow_state_round_trips_through_json(harness: Harness) -> None:
    harness.post_request(harness.dv.request(service_index=2))
    key = next(iter(flows(harness)))
    data = harness.state.get(key)
    assert data is not None
    flow = decode(FlowState, data)
    assert flow.required_loa is Loa.EH3
    assert encode(flow) == data
    with pytest.raises(ValueError):
        decode(FlowState, data.replace(b'"_v":1', b'"_v":0'))
