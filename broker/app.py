"""``create_app``: wire the broker from validated settings (STYLE §4.7, Flask factory).

Everything is loaded and checked before the app serves anything (STYLE §4.1 "fail at
start-up"): our key ring, every peer's signed metadata, the service catalogue (signed by us,
the HM: its signers are our own signing certificates), our own metadata (for our ACS index),
and the state store. Tests pass their own clock, ID source, back-channel transport and state
store; production uses the system clock, random IDs, pooled HTTP and ``state_url``.
"""

from __future__ import annotations

import logging
from datetime import timedelta

from flask import Flask

import web
from broker.auc8 import Auc8
from broker.context import BrokerContext
from broker.context import Endpoints
from broker.eidas.texts import TEXTS as EIDAS_TEXTS
from broker.eidas.wiring import blueprint_of as eidas_blueprint_of
from broker.eidas.wiring import build_eidas
from broker.engine import Broker
from broker.errors import ErrorKind
from broker.network import BrokerNetwork
from broker.oidc.authorize import Authorizer
from broker.oidc.routes import oidc_blueprint
from broker.oidc.texts import TEXTS as OIDC_TEXTS
from broker.oidc.wiring import build_oidc
from broker.outcomes import CookieName
from broker.routes import Cookies
from broker.routes import blueprint
from broker.settings import BrokerSettings
from broker.settings import ConfigError
from broker.slo import SingleLogout
from broker.state import StateRepository
from broker.texts import TEXTS
from etoegang.bindings.artifact import ArtifactIssuer
from etoegang.bindings.artifact import ArtifactResolver
from etoegang.clock import Clock
from etoegang.clock import IdSource
from etoegang.clock import RandomIdSource
from etoegang.clock import SystemClock
from etoegang.errors import MetadataError
from etoegang.exchange.artifact_client import ArtifactClient
from etoegang.exchange.artifact_service import ArtifactService
from etoegang.exchange.peers import LocalEntity
from etoegang.exchange.replay import ReplayGuard
from etoegang.exchange.stores import StateOneTimeStore
from etoegang.exchange.transport import Transport
from etoegang.exchange.transport import back_channel as http_back_channel
from etoegang.state import StateStore
from etoegang.state import store_from_url
from keys.ring import load_ring
from metadata.directory import RegistryDirectory
from metadata.loading import load_catalogue
from metadata.loading import load_registry
from metadata.loading import trust_from_files
from metadata.trust import load_metadata
from web import i18n
from web import ops

log = logging.getLogger(__name__)

VERSION = "1.13"


def _endpoints(settings: BrokerSettings, acs_index: int) -> Endpoints:
    prefix = settings.prefix
    return Endpoints(
        sso=f"{prefix}/sso/{VERSION}",
        acs=f"{prefix}/acs/{VERSION}",
        ars=f"{prefix}/ars/{VERSION}",
        slo=f"{prefix}/slo/{VERSION}",
        discovery=f"{prefix}/discovery",
        acs_index=acs_index,
    )


def create_app(
    settings: BrokerSettings,
    *,
    clock: Clock | None = None,
    ids: IdSource | None = None,
    transport: Transport | None = None,
    state: StateStore | None = None,
) -> Flask:
    """The broker's Flask application.

    :raises ConfigError: our own metadata does not list our ACS.
    :raises MetadataError, CatalogueError: a peer's metadata or the catalogue is refused.
    """
    clock = clock or SystemClock()
    ids = ids or RandomIdSource()
    keys = load_ring(settings.keys_dir, settings.key_role)
    trust = trust_from_files(settings.metadata_authorities)
    registry = load_registry(settings.metadata, trust, clock)
    signers = tuple(pair.as_peer() for pair in keys.published_signing())
    catalogue = load_catalogue(settings.catalogue, signers, clock)
    own_bytes = settings.catalogue_signer_metadata.read_bytes()
    own = [e for e in load_metadata(own_bytes, trust, clock) if e.entity_id == settings.entity_id]
    acs_url = f"{settings.prefix}/acs/{VERSION}"
    try:
        if not own or own[0].sp is None:
            raise MetadataError("our own metadata has no SPSSODescriptor")
        acs_index = own[0].sp.acs_by_url(acs_url).index
    except MetadataError as exc:
        raise ConfigError([f"catalogue_signer_metadata: {exc.public} ({acs_url})"]) from exc
    if acs_index is None:
        raise ConfigError([f"catalogue_signer_metadata: our ACS {acs_url} has no index"])
    endpoints = _endpoints(settings, acs_index)

    store = state if state is not None else store_from_url(settings.state_url, clock=clock)
    directory = RegistryDirectory(registry)
    me = LocalEntity(settings.entity_id, keys, endpoints.ars, clock)
    one_time = StateOneTimeStore(store)
    back_channel = (
        transport
        if transport is not None
        else http_back_channel(settings.back_channel_ca_file, settings.back_channel_proxy)
    )
    context = BrokerContext(
        entity_id=settings.entity_id,
        ring=keys,
        endpoints=endpoints,
        network=BrokerNetwork(registry, catalogue),
        repo=StateRepository(store, settings.flow_ttl_seconds, settings.sso_session_seconds),
        artifacts=ArtifactClient(me, directory, back_channel, clock, ids),
        issuer=ArtifactIssuer(settings.entity_id, one_time),
        service=ArtifactService(
            me, directory, ArtifactResolver(settings.entity_id, one_time, clock, ids)
        ),
        replay=ReplayGuard(store, clock),
        clock=clock,
        ids=ids,
        skew=timedelta(seconds=settings.clock_skew_seconds),
        request_max_age=timedelta(seconds=settings.request_max_age_seconds),
        session_seconds=settings.sso_session_seconds,
    )

    app = Flask(__name__)
    secret = settings.secret()
    app.config["SECRET_KEY"] = secret
    web.install(app, secret=secret, role_name="Makelaar")
    i18n.register(TEXTS)
    cookies = Cookies(secret, secure=settings.base_url.startswith("https://"))
    # The OIDC face (docs/oidc.md), when clients are registered: same flow, other front.
    oidc = build_oidc(settings, context, store, back_channel)
    broker = Broker(context, oidc.face if oidc is not None else None)
    # The eIDAS bridge (docs/eidas.md), when configured: the EB back and the proxy face.
    eidas = build_eidas(settings, context, broker, store)
    if eidas is not None:
        i18n.register(EIDAS_TEXTS)
        app.register_blueprint(eidas_blueprint_of(eidas, cookies))
    app.register_blueprint(
        blueprint(broker, SingleLogout(context), Auc8(context), cookies, own_bytes)
    )
    if oidc is not None:
        i18n.register(OIDC_TEXTS)
        authorizer = Authorizer(
            broker, oidc.server, oidc.registry, oidc.pushed, oidc.tokens, oidc.urls, clock
        )
        app.register_blueprint(oidc_blueprint(oidc, authorizer, cookies))
        app.extensions["oidc"] = oidc
    app.extensions["broker"] = context
    # Health, readiness, metrics and the 503 page (web.ops, docs/operations.md).
    ops.declare_network(registry, catalogue, outcomes=(kind.value for kind in ErrorKind))
    ops.install_ops(app, role="broker", flow_id=lambda: cookies.read(CookieName.FLOW), readiness=(
        ops.state_store_check(store), ops.keys_check(ops.ring_loader(
            settings.keys_dir, settings.key_role), live=lambda: context.keys)))
    log.info(
        "broker %s ready: %d peers, catalogue %s",
        settings.entity_id,
        len(registry),
        catalogue.version,
    )
    return app
