"""dv.yaml is read exactly as the network writes it, every problem reported at once; and the
logout round trip with the HM's signed LogoutResponse."""

from __future__ import annotations

from pathlib import Path
from urllib.parse import parse_qs
from urllib.parse import urlsplit

import pytest
from flask import Response

from etoegang.bindings.redirect import decode_redirect
from etoegang.bindings.redirect import encode_redirect
from etoegang.clock import FixedClock
from etoegang.clock import RandomIdSource
from etoegang.messages.logout import LogoutResponse
from etoegang.messages.logout import build_logout_response
from etoegang.messages.logout import parse_logout_request
from etoegang.messages.status import SUCCESS
from keys.ring import KeyRing
from makelaar.network import DV_ENTITY
from makelaar.network import HM_ENTITY
from makelaar.network import Network
from sp_adapters.settings import AdviceTrust
from sp_adapters.settings import RequestBinding
from sp_adapters.settings import SettingsError
from sp_adapters.settings import load_settings
from tests.sp_adapters.conftest import DvHarness
from tests.sp_adapters.conftest import make_harness
from tests.sp_adapters.conftest import write_settings


def test_network_settings_load_with_safe_defaults(sp_network: Network) -> None:
    settings = load_settings(sp_network.settings_file("dv"))
    assert settings.entity_id == DV_ENTITY
    assert [s.index for s in settings.services] == [1, 2, 3]
    assert settings.service(3).loa.label == "eH4"
    # the network lists the AD and MR metadata, so the DV checks the Advice chain itself
    assert settings.advice_trust is AdviceTrust.VERIFY
    assert settings.request_binding is RequestBinding.POST
    assert settings.oin == "00000099000000000003"


def test_every_problem_is_reported_at_once(sp_network: Network, tmp_path: Path) -> None:
    path = write_settings(
        sp_network, tmp_path / "dv.yaml", colour="blue", hm_metadata="/nonexistent.xml",
        request_binding="artifact", advice_trust="verify",
        services=[{"index": 1, "service_id": "urn:x", "service_uuid": "u", "name_nl": "a",
                   "name_en": "b", "loa": "eH9"}],
    )
    with pytest.raises(SettingsError) as caught:
        load_settings(path)
    text = "\n".join(caught.value.problems)
    assert "unknown key 'colour'" in text
    # unknown keys stop early; fix that and the rest are listed together
    path = write_settings(
        sp_network, tmp_path / "dv2.yaml", hm_metadata="/nonexistent.xml",
        request_binding="artifact", advice_trust="verify", secret_key_file=None,
        services=[{"index": 1, "service_id": "urn:x", "service_uuid": "u", "name_nl": "a",
                   "name_en": "b", "loa": "eH9"}],
    )
    with pytest.raises(SettingsError) as caught:
        load_settings(path)
    assert caught.value.problems == ("missing key 'secret_key_file'",)
    path = write_settings(
        sp_network, tmp_path / "dv3.yaml", hm_metadata="/nonexistent.xml",
        request_binding="artifact", advice_trust="verify", advice_metadata=None,
        services=[{"index": 1, "service_id": "urn:x", "service_uuid": "u", "name_nl": "a",
                   "name_en": "b", "loa": "eH9"}],
    )
    with pytest.raises(SettingsError) as caught:
        load_settings(path)
    problems = "\n".join(caught.value.problems)
    for part in ("hm_metadata: /nonexistent.xml does not exist", "request_binding",
                 "services[0].service_id", "services[0].loa", "verify needs advice_metadata"):
        assert part in problems
    assert len(caught.value.problems) >= 5


def test_logout_sends_a_signed_request_and_accepts_the_hm_answer(
    dv: DvHarness, rings: dict[str, KeyRing]
) -> None:
    dv.login()
    (login,) = dv.logins
    with dv.app.test_request_context():
        out = dv.sp.logout(login)
    cookie = out.headers["Set-Cookie"].split(";", 1)[0]
    location = out.headers["Location"]
    assert location.startswith("http://127.0.0.1:8801/broker/slo/1.13?")
    received = decode_redirect(urlsplit(location).query,
                               trusted=(rings["dv"].signing.as_peer(),), require_signature=True)
    request = parse_logout_request(received.element)
    assert request.issuer == DV_ENTITY and request.session_indexes == ("session-1",)
    answer = build_logout_response(LogoutResponse(
        RandomIdSource().new_id(), dv.hm.clock.now(), SUCCESS, HM_ENTITY, request.id,
        "http://127.0.0.1:8803/saml/slo"))
    url = encode_redirect("http://127.0.0.1:8803/saml/slo", answer, kind="SAMLResponse",
                          relay_state=received.relay_state, key=rings["hm"].signing)
    logged_out: list[bool] = []
    def record(complete: bool) -> Response:
        logged_out.append(complete)
        return Response("logged out")

    dv.sp.on_logout(record)
    name, value = cookie.split("=", 1)
    dv.client.set_cookie(name, value, path="/saml")
    dv.client.get("/saml/slo?" + urlsplit(url).query)
    assert logged_out == [True]
    # the same answer again is not accepted
    dv.client.set_cookie(name, value, path="/saml")
    dv.client.get("/saml/slo?" + urlsplit(url).query)
    assert logged_out == [True, False]
    assert parse_qs(urlsplit(location).query)["SigAlg"]


def test_redirect_binding_sends_a_detached_signature(
    sp_network: Network, rings: dict[str, KeyRing], tmp_path: Path, now_clock: FixedClock
) -> None:
    path = write_settings(sp_network, tmp_path / "dv.yaml", request_binding="redirect")
    harness = make_harness(load_settings(path), sp_network, rings, now_clock)
    out = harness.client.get("/start/3")
    assert out.status_code == 303
    location = out.headers["Location"]
    received = decode_redirect(urlsplit(location).query,
                               trusted=(rings["dv"].signing.as_peer(),), require_signature=True)
    assert received.element.get("AttributeConsumingServiceIndex") == "3"
    assert received.element.get("Destination") == "http://127.0.0.1:8801/broker/sso/1.13"
    assert received.relay_state is not None and len(received.relay_state) <= 80
