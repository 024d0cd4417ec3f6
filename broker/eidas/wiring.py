"""Build the eIDAS bridge from ``broker.yaml``'s ``eidas`` file and attach it to the broker
(called by :func:`broker.app.create_app`; nothing is served when the key is absent)."""

from __future__ import annotations

from dataclasses import dataclass

from flask import Blueprint

from broker.context import BrokerContext
from broker.eidas.context import EidasContext
from broker.eidas.context import EidasEndpoints
from broker.eidas.dispatch import ProtocolFaces
from broker.eidas.inbound import InboundBridge
from broker.eidas.proxy import ProxyService
from broker.eidas.records import RecordStore
from broker.eidas.routes import eidas_blueprint
from broker.eidas.settings import load_eidas_settings
from broker.engine import Broker
from broker.routes import Cookies
from broker.settings import BrokerSettings
from broker.state import DvProtocol
from etoegang.state import StateStore
from keys.ring import load_ring
from metadata.loading import load_registry
from metadata.loading import trust_from_files


@dataclass(frozen=True, slots=True)
class EidasWiring:
    context: EidasContext
    inbound: InboundBridge
    proxy: ProxyService


def build_eidas(
    settings: BrokerSettings, context: BrokerContext, broker: Broker, store: StateStore
) -> EidasWiring | None:
    """Load the bridge and hook it into ``broker`` (the EB back and the proxy return face)."""
    path = getattr(settings, "eidas", None)
    if path is None:
        return None
    eidas_settings = load_eidas_settings(path)
    trust = trust_from_files(eidas_settings.metadata_authorities)
    eidas = EidasContext(
        settings=eidas_settings,
        ring=load_ring(eidas_settings.keys_dir, eidas_settings.key_role),
        nodes=load_registry(eidas_settings.node_metadata, trust, context.clock),
        connectors=load_registry(eidas_settings.connector_metadata, trust, context.clock),
        endpoints=EidasEndpoints(acs=f"{settings.prefix}/eidas/acs",
                                 proxy_sso=f"{settings.prefix}/eidas/proxy/sso"),
        records=RecordStore(store, settings.flow_ttl_seconds),
        pseudonym_secret=eidas_settings.pseudonym_secret(),
        clock=context.clock,
    )
    inbound = InboundBridge(context, broker.legs, eidas)
    proxy = ProxyService(context, eidas, broker.begin)
    broker.eidas = inbound
    faces = {DvProtocol.EIDAS: proxy}
    if broker.legs.face is not None:
        faces[DvProtocol.OIDC] = broker.legs.face  # type: ignore[assignment]
    broker.legs.face = ProtocolFaces(faces)
    return EidasWiring(eidas, inbound, proxy)


def blueprint_of(wiring: EidasWiring, cookies: Cookies) -> Blueprint:
    settings = wiring.context.settings
    return eidas_blueprint(
        wiring.inbound, wiring.proxy, cookies,
        settings.own_connector_metadata.read_bytes(), settings.own_proxy_metadata.read_bytes(),
    )
