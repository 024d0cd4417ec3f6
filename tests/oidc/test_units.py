"""The OIDC face's pure parts: the error tables, the level rules, the flow state, client
registrations and settings."""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import UTC
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest
import yaml

from broker.errors import OIDC_ERROR
from broker.errors import SAML_STATUS
from broker.errors import BrokerError
from broker.errors import ErrorKind
from broker.network import BrokerNetwork
from broker.oidc.claims import acr_for
from broker.oidc.claims import level_request
from broker.oidc.clients import demo_registrations
from broker.oidc.clients import load_clients
from broker.oidc.clients import write_clients_file
from broker.settings import ConfigError
from broker.settings import load_settings
from broker.state import DvBinding
from broker.state import DvProtocol
from broker.state import FlowState
from broker.state import OidcReturn
from broker.state import decode
from broker.state import encode
from etoegang.clock import FixedClock
from keys.ring import KeyRing
from makelaar.network import DEMO_SERVICES
from makelaar.network import DV_ENTITY
from makelaar.network import Network
from metadata.loading import load_catalogue
from metadata.loading import load_registry
from metadata.loading import trust_from_files
from policies.loa import Loa
from tests.oidc.conftest import DV_URL

#: RFC 6749 §4.1.2.1 codes plus OIDC Core §3.1.2.6 and OpenID Connect Core Error Code 1.0.
OAUTH_AUTHORIZATION_ERRORS = {
    "invalid_request", "unauthorized_client", "access_denied", "unsupported_response_type",
    "invalid_scope", "server_error", "temporarily_unavailable", "login_required",
    "unmet_authentication_requirements",
}


def test_every_error_kind_is_in_the_saml_and_the_oidc_table() -> None:
    assert set(SAML_STATUS) == set(ErrorKind) == set(OIDC_ERROR)
    for kind in ErrorKind:
        error = OIDC_ERROR[kind]
        # Unrecoverable on one face is unrecoverable on the other: a page, never a redirect.
        assert (error is None) == (not SAML_STATUS[kind].recoverable), kind
        assert error is None or error in OAUTH_AUTHORIZATION_ERRORS


@pytest.mark.parametrize(
    ("catalogue", "acr_values", "claims", "required", "essential"),
    [
        (Loa.EH3, None, None, Loa.EH3, ()),
        (Loa.EH3, Loa.EH2PLUS.urn, None, Loa.EH2PLUS, ()),
        (Loa.EH3, f"{Loa.EH4.urn} urn:other", None, Loa.EH3, ()),
        (Loa.EH3, None, {"id_token": {"acr": {"essential": True, "value": Loa.EH2.urn}}},
         Loa.EH2, (Loa.EH2,)),
        (Loa.EH4, None, {"userinfo": {"acr": {"essential": True,
                                              "values": [Loa.EH4.urn, Loa.EH3.urn]}}},
         Loa.EH3, (Loa.EH3, Loa.EH4)),
        (Loa.EH3, None, {"id_token": {"acr": {"values": [Loa.EH4.urn]}}}, Loa.EH3, ()),
    ],
    ids=["catalogue", "lowered", "raise-ignored", "essential-value", "essential-values",
         "not-essential"],
)
def test_the_catalogue_level_is_the_floor_a_request_may_lower(
    catalogue: Loa, acr_values: str | None, claims: dict[str, Any] | None, required: Loa,
    essential: tuple[Loa, ...],
) -> None:
    asked = level_request(catalogue, acr_values, json.dumps(claims) if claims else None)
    assert asked.required is required
    assert asked.essential == essential


@pytest.mark.parametrize(
    "claims",
    [
        {"id_token": {"acr": {"essential": True, "values": [Loa.EH4.urn]}}},
        {"id_token": {"acr": {"essential": True, "values": ["urn:not-a-level"]}}},
        {"id_token": {"acr": {"essential": True, "value": Loa.EH1.urn}}},
    ],
    ids=["above", "unknown", "eh1"],
)
def test_an_essential_acr_the_service_cannot_reach_is_refused(claims: dict[str, Any]) -> None:
    with pytest.raises(BrokerError) as caught:
        level_request(Loa.EH3, None, json.dumps(claims))
    assert OIDC_ERROR[caught.value.kind] == "unmet_authentication_requirements"


def test_a_malformed_claims_parameter_is_an_invalid_request() -> None:
    with pytest.raises(BrokerError) as caught:
        level_request(Loa.EH3, None, "{not json")
    assert OIDC_ERROR[caught.value.kind] == "invalid_request"


def test_acr_states_the_achieved_level_or_the_highest_requested_one_it_meets() -> None:
    assert acr_for(Loa.EH3, ()) == Loa.EH3.urn
    assert acr_for(Loa.EH3, (Loa.EH2, Loa.EH2PLUS, Loa.EH4)) == Loa.EH2PLUS.urn
    with pytest.raises(BrokerError) as caught:
        acr_for(Loa.EH2, (Loa.EH3,))
    assert OIDC_ERROR[caught.value.kind] == "unmet_authentication_requirements"


def test_an_oidc_flow_state_survives_the_store() -> None:
    now = datetime(2026, 11, 1, 12, tzinfo=UTC)
    flow = FlowState(
        flow_id="f", created_at=now, expires_at=now, dv_entity_id=DV_ENTITY,
        dv_request_id="oidc-1", relay_state=None, dv_acs_url=f"{DV_URL}/cb",
        dv_binding=DvBinding.ARTIFACT, dv_name="DV", service_id="s", service_uuid="u",
        service_name_nl="n", service_name_en="e", catalogue_loa=Loa.EH3,
        required_loa=Loa.EH3, force_authn=False, sso_allowed=True,
        protocol=DvProtocol.OIDC,
        oidc=OidcReturn("c", f"{DV_URL}/cb", "st", None, "x" * 43, "openid", Loa.EH3.urn),
    )
    assert decode(FlowState, encode(flow)) == flow
    saml = replace(flow, protocol=DvProtocol.SAML, oidc=None)
    assert decode(FlowState, encode(saml)) == saml


# --- registrations ----------------------------------------------------------------------------


@pytest.fixture(scope="module")
def broker_network(oidc_network: Network, rings: dict[str, KeyRing]) -> BrokerNetwork:
    clock = FixedClock(datetime.now(UTC))
    trust = trust_from_files([oidc_network.ca_file])
    files = [oidc_network.metadata_file(role) for role in ("ad", "mr", "mr2", "dv")]
    signers = tuple(pair.as_peer() for pair in rings["hm"].published_signing())
    return BrokerNetwork(load_registry(files, trust, clock),
                         load_catalogue(oidc_network.catalogue_file, signers, clock))


def _registrations(rings: dict[str, KeyRing]) -> list[dict[str, Any]]:
    return demo_registrations(dv_url=DV_URL, dv_entity_id=DV_ENTITY,
                              service_ids=[DEMO_SERVICES[0].service_id],
                              signing_keys=rings["dv"].published_signing())


def test_the_demo_registration_loads(
    tmp_path: Path, broker_network: BrokerNetwork, rings: dict[str, KeyRing]
) -> None:
    path = write_clients_file(tmp_path / "clients.yaml", _registrations(rings))
    registry = load_clients(path, broker_network, allow_http=False)
    client = registry.get(DEMO_SERVICES[0].service_id)
    assert client is not None
    assert client.check_redirect_uri(f"{DV_URL}/oidc/callback")
    assert not client.check_redirect_uri(f"{DV_URL}/oidc/callback/")
    assert client.keys is not None and len(client.keys.keys) == 2


def test_every_problem_of_a_registration_is_reported_at_once(
    tmp_path: Path, broker_network: BrokerNetwork, rings: dict[str, KeyRing]
) -> None:
    entry = _registrations(rings)[0]
    private = rings["dv"].signing
    from joserfc.jwk import RSAKey

    entry.update({
        "colour": "blue",
        "redirect_uris": ["http://dv.example/cb", "https://dv.example/cb#frag"],
        "jwks": {"keys": [RSAKey.import_key(private.private_pem()).as_dict(private=True)]},
        "id_token_signed_response_alg": "HS256",
    })
    other = dict(_registrations(rings)[0], client_id="urn:etoegang:DV:00000099000000000003:"
                 "services:99")
    secret = dict(_registrations(rings)[0], token_endpoint_auth_method="client_secret_basic")
    path = tmp_path / "clients.yaml"
    path.write_text(yaml.safe_dump({"clients": [entry, other, secret]}))
    with pytest.raises(ConfigError) as caught:
        load_clients(path, broker_network, allow_http=False)
    text = "\n".join(caught.value.problems)
    for expected in ("unknown key 'colour'", "http://dv.example/cb", "#frag",
                     "private key material", "id_token_signed_response_alg",
                     "services:99", "needs client_secret_file"):
        assert expected in text, (expected, text)


def test_a_configured_client_secret_is_checked_in_constant_time_form(
    tmp_path: Path, broker_network: BrokerNetwork, rings: dict[str, KeyRing]
) -> None:
    (tmp_path / "secret").write_text("s" * 40)
    entry = dict(_registrations(rings)[0], token_endpoint_auth_method="client_secret_post",
                 client_secret_file="secret")
    path = write_clients_file(tmp_path / "clients.yaml", [entry])
    client = load_clients(path, broker_network, allow_http=False).get(entry["client_id"])
    assert client is not None
    assert client.check_client_secret("s" * 40)
    assert not client.check_client_secret("s" * 39)
    assert client.check_endpoint_auth_method("client_secret_post", "token")
    assert not client.check_endpoint_auth_method("private_key_jwt", "token")


def test_broker_settings_know_the_oidc_keys(tmp_path: Path, oidc_network: Network) -> None:
    data = yaml.safe_load(oidc_network.settings_file("broker").read_text())
    data.update({"oidc_clients": str(oidc_network.directory / "oidc-clients.yaml"),
                 "oidc_code_seconds": 30})
    good = tmp_path / "good.yaml"
    good.write_text(yaml.safe_dump(data))
    settings = load_settings(good)
    assert settings.oidc_clients is not None and settings.oidc_code_seconds == 30
    data.update({"oidc_code_seconds": 600, "oidc_clients": str(tmp_path / "missing.yaml")})
    bad = tmp_path / "bad.yaml"
    bad.write_text(yaml.safe_dump(data))
    with pytest.raises(ConfigError) as caught:
        load_settings(bad)
    assert len(caught.value.problems) == 2
