"""The eIDAS test harness: a development network with the eIDAS parts (once per session), the
broker with fake DV/AD/MR peers (tests/broker), and the eIDAS node simulator app, all in process
with a shared fixed clock; a browser is played by moving the POST forms between the apps."""

from __future__ import annotations

import base64
import html
import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient

from broker.settings import BrokerSettings
from broker.settings import load_settings
from eidas_node.app import create_app as create_node
from eidas_node.settings import load_node_settings
from etoegang.messages.authn_request import IDPEntry
from etoegang.messages.authn_request import Scoping
from etoegang.state import InMemoryStateStore
from keys.devpki import DevCa
from keys.ring import KeyRing
from makelaar.eidas_network import EB_ENTITY
from makelaar.eidas_network import EIDAS_SERVICE_INDEX
from makelaar.eidas_network import node_ring
from makelaar.network import Network
from makelaar.network import build_network
from tests.broker.conftest import DV_URL
from tests.broker.conftest import HM_URL
from tests.broker.conftest import IDP_URL
from tests.broker.conftest import Harness
from tests.broker.conftest import make_harness
from tests.conftest import CERTS_FROM

NODE_URL = "http://node.test"
EIDAS_ACS = f"{HM_URL}/broker/eidas/acs"
_FIELD = re.compile(r'name="(SAMLRequest|SAMLResponse|RelayState)" value="([^"]*)"')
_ACTION = re.compile(r'<form[^>]*action="([^"]+)"')


@pytest.fixture(scope="session")
def eidas_rings(rings: dict[str, KeyRing], dev_ca: DevCa) -> dict[str, KeyRing]:
    return {**rings, "eidas-node": node_ring(dev_ca, CERTS_FROM)}


@pytest.fixture(scope="session")
def eidas_network(
    tmp_path_factory: pytest.TempPathFactory, dev_ca: DevCa, eidas_rings: dict[str, KeyRing]
) -> Network:
    return build_network(
        tmp_path_factory.mktemp("eidas-net"),
        urls={"broker": HM_URL, "idp": IDP_URL, "dv": DV_URL, "eidas-node": NODE_URL},
        rings=eidas_rings,
        ca=dev_ca,
    )


@pytest.fixture(scope="session")
def eidas_settings(eidas_network: Network) -> BrokerSettings:
    return load_settings(eidas_network.settings_file("broker"))


def post_fields(page: Any) -> tuple[str, dict[str, str]]:
    """The action and the SAML fields of an auto-submitting POST binding page."""
    text = page.get_data(as_text=True)
    assert page.status_code == 200, text[:500]
    action = _ACTION.search(text)
    assert action is not None, text[:500]
    return html.unescape(action.group(1)), {k: html.unescape(v) for k, v in _FIELD.findall(text)}


def csrf_of(page: Any) -> str:
    text: str = page.get_data(as_text=True)
    return text.split('name="csrf_token" value="')[1].split('"')[0]


def decoded(fields: dict[str, str], kind: str) -> bytes:
    return base64.b64decode(fields[kind])


@dataclass
class World:
    harness: Harness
    node: Flask
    browser: FlaskClient  # the browser at the node

    def start(
        self,
        service_index: int = EIDAS_SERVICE_INDEX,
        *,
        scoping: bool = True,
        request_id: str | None = None,
        dv: Any = None,
    ) -> Any:
        request = (dv or self.harness.dv).request(
            service_index=service_index,
            scoping=Scoping((IDPEntry(EB_ENTITY),)) if scoping else None,
            request_id=request_id,
        )
        return self.harness.post_request(request)

    def at_node(self, started: Any, *, country: str = "ES", identity: str = "es-1",
                level: str | None = None, cancel: bool = False) -> tuple[str, dict[str, str]]:
        """Take the broker's POST to the node, choose, and return the node's POST form."""
        action, fields = post_fields(started)
        assert action == f"{NODE_URL}/eidas-node/proxy/sso"
        assert self.browser.post("/eidas-node/proxy/sso", data=fields).status_code == 303
        page = self.browser.get("/eidas-node/country")
        self.browser.post("/eidas-node/country",
                          data={"csrf_token": csrf_of(page), "country": country})
        page = self.browser.get("/eidas-node/identity")
        data = {"csrf_token": csrf_of(page), "identity": identity,
                "action": "cancel" if cancel else "login"}
        if level is not None:
            data["level"] = level
        return post_fields(self.browser.post("/eidas-node/identity", data=data))

    def to_broker(self, fields: dict[str, str]) -> Any:
        return self.harness.client.post("/broker/eidas/acs", data=fields)


@pytest.fixture()
def world(
    eidas_network: Network, eidas_settings: BrokerSettings, eidas_rings: dict[str, KeyRing]
) -> Iterator[World]:
    harness = make_harness(eidas_network, eidas_settings, eidas_rings, InMemoryStateStore)
    node = create_node(load_node_settings(eidas_network.settings_file("eidas-node")),
                       clock=harness.clock)
    node.config["TESTING"] = True
    yield World(harness, node, node.test_client())
