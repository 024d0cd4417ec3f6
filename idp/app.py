"""The means issuer's web application: AD, MR and MR2 on one server, one Flask app.

``create_app`` takes validated settings (and, for tests, a clock, ID source, transport and
state store) and wires the context; each role's blueprint (``idp.ad.views``,
``idp.mr.views``, ``idp.mr2.views``) receives it through ``app.extensions["idp"]``.
"""

from __future__ import annotations

import importlib
import logging

from flask import Flask

import web
from etoegang.bindings.artifact import ArtifactIssuer
from etoegang.bindings.artifact import ArtifactResolver
from etoegang.clock import Clock
from etoegang.clock import IdSource
from etoegang.clock import RandomIdSource
from etoegang.clock import SystemClock
from etoegang.exchange.artifact_client import ArtifactClient
from etoegang.exchange.artifact_service import ArtifactService
from etoegang.exchange.peers import LocalEntity
from etoegang.exchange.replay import ReplayGuard
from etoegang.exchange.stores import StateOneTimeStore
from etoegang.exchange.transport import Transport
from etoegang.exchange.transport import back_channel as http_back_channel
from etoegang.state import store_from_url
from etoegang.state.store import StateStore
from idp.context import EntityKit
from idp.context import IdpContext
from idp.db.session import make_engine
from idp.db.session import make_session_factory
from idp.db.session import upgrade_to_head
from idp.settings import IdpSettings
from keys.ring import load_ring
from metadata.directory import RegistryDirectory
from metadata.loading import catalogue_signers
from metadata.loading import load_catalogue
from metadata.loading import load_registry
from metadata.loading import trust_from_files
from policies.chain import load_chain_policy
from web import ops

log = logging.getLogger(__name__)

#: Blueprint modules, each exposing ``blueprint``; a missing one is skipped (not built yet).
BLUEPRINTS: tuple[str, ...] = (
    "idp.ad.views",
    "idp.mr.views",
    "idp.mr2.views",
    "idp.sms.views",
    "idp.published",
    "idp.portal.views",
    "idp.mail.views",
)

#: Where each entity's ArtifactResolutionService lives: the URL our metadata publishes
#: (metadata.build's default paths, one per interface version), which peers put in Destination.
ARS_PATHS = {"ad": "/ad/ars/1.13", "mr": "/mr/ars/1.13", "mr2": "/mr2/ars/1.13"}


def create_app(
    settings: IdpSettings,
    *,
    clock: Clock | None = None,
    ids: IdSource | None = None,
    transport: Transport | None = None,
    state: StateStore | None = None,
    migrate: bool = True,
) -> Flask:
    clock = clock or SystemClock()
    ids = ids or RandomIdSource()
    transport = transport or http_back_channel(
        settings.back_channel_ca_file, settings.back_channel_proxy
    )
    state = state if state is not None else store_from_url(settings.state_url, clock=clock)
    trust = trust_from_files(settings.metadata_authorities)
    registry = load_registry(settings.metadata, trust, clock)
    directory = RegistryDirectory(registry)
    catalogue = load_catalogue(
        settings.catalogue,
        catalogue_signers(settings.catalogue_signer_metadata, trust, clock),
        clock,
    )
    engine = make_engine(settings.db_url)
    if migrate:
        upgrade_to_head(engine)
    artifacts = StateOneTimeStore(state)

    def kit(role: str, entity_id: str) -> EntityKit:
        me = LocalEntity(
            entity_id, load_ring(settings.keys_dir, role), settings.base_url + ARS_PATHS[role],
            clock,
        )
        return EntityKit(
            me=me,
            client=ArtifactClient(me, directory, transport, clock, ids),
            issuer=ArtifactIssuer(entity_id, artifacts),
            service=ArtifactService(
                me, directory, ArtifactResolver(entity_id, artifacts, clock, ids)
            ),
        )

    context = IdpContext(
        base_url=settings.base_url,
        ad=kit("ad", settings.ad_entity_id),
        mr=kit("mr", settings.mr_entity_id),
        mr2=kit("mr2", settings.mr2_entity_id),
        registry=registry,
        directory=directory,
        catalogue=catalogue,
        db=make_session_factory(engine),
        state=state,
        replay=ReplayGuard(state, clock),
        clock=clock,
        ids=ids,
        demo_mode=settings.demo_mode,
    )
    app = Flask(__name__)
    app.extensions["idp"] = context
    app.extensions["idp_settings"] = settings
    app.extensions["idp_chain_policy"] = load_chain_policy(settings.chain_policy_file)
    pseudonym_secret = settings.pseudonym_secret()
    if pseudonym_secret is not None:
        app.extensions["idp_pseudonym_secret"] = pseudonym_secret
    web.install(app, secret=settings.secret_key(), role_name="Makelaar Middelen")
    for name in BLUEPRINTS:
        try:
            module = importlib.import_module(name)
        except ModuleNotFoundError as exc:
            if exc.name == name or (exc.name and name.startswith(exc.name + ".")):
                log.warning("blueprint %s not available", name)
                continue
            raise
        app.register_blueprint(module.blueprint)
    # Health, readiness, metrics and the 503 page (web.ops, docs/operations.md).
    ops.declare_network(registry, catalogue)
    def key_check(role: str, me: LocalEntity) -> ops.Check:
        return ops.keys_check(ops.ring_loader(settings.keys_dir, role), live=lambda: me.keys)

    ops.install_ops(app, role="idp", readiness=(
        ops.state_store_check(state), ops.database_check(context.db),
        *(key_check(role, kit.me) for role, kit in (("ad", context.ad), ("mr", context.mr),
                                                     ("mr2", context.mr2)))))
    return app


def context_of(app: Flask) -> IdpContext:
    context: IdpContext = app.extensions["idp"]
    return context
