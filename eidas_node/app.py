"""The simulator's Flask application: country choice, test identities, both directions.

* ``POST /eidas-node/proxy/sso``: the broker's connector AuthnRequest (verified with the
  broker's registered connector keys); then ``/eidas-node/country`` and
  ``/eidas-node/identity`` let the tester pick a country, an identity and the level to answer
  (a lower one tests the broker's refusal), or cancel; the answer goes back by POST.
* ``/eidas-node/connector``: "log in at a foreign service with your Dutch company": a signed
  AuthnRequest by POST to the broker's proxy service; ``POST /eidas-node/connector/acs`` shows
  what came back (decrypted with our key).
* ``GET /eidas-node/proxy/metadata``, ``/eidas-node/connector/metadata``: our signed metadata.
"""

from __future__ import annotations

import logging
import secrets
from collections.abc import Callable
from dataclasses import dataclass
from dataclasses import field

from flask import Flask
from flask import Response
from flask import g
from flask import redirect
from flask import render_template
from flask import request
from flask import session

import web
from eidas_node import protocol
from eidas_node import vocab
from eidas_node.identities import COUNTRIES
from eidas_node.identities import IDENTITIES
from eidas_node.identities import identity
from eidas_node.protocol import Answer
from eidas_node.protocol import IncomingRequest
from eidas_node.settings import NodeSettings
from eidas_node.texts import TEXTS
from eidas_node.vocab import Level
from etoegang.bindings.post import post_form
from etoegang.clock import Clock
from etoegang.clock import IdSource
from etoegang.clock import RandomIdSource
from etoegang.clock import SystemClock
from etoegang.errors import ProtocolError
from etoegang.messages.status import Status
from etoegang.messages.status import StatusCode
from etoegang.messages.status import SubStatusCode
from etoegang.xml.parser import serialize
from keys.ring import load_ring
from metadata.loading import load_registry
from metadata.loading import trust_from_files
from metadata.model import Binding
from web import csrf
from web import i18n
from web.app import render_error

log = logging.getLogger(__name__)


@dataclass
class _Pending:
    """Requests in progress (a simulator: one process, memory only)."""

    inbound: dict[str, IncomingRequest] = field(default_factory=dict)
    outbound: dict[str, str] = field(default_factory=dict)


def create_app(settings: NodeSettings, *, clock: Clock | None = None,
               ids: IdSource | None = None) -> Flask:
    clock = clock or SystemClock()
    ids = ids or RandomIdSource()
    ring = load_ring(settings.keys_dir, settings.key_role)
    trust = trust_from_files(settings.metadata_authorities)
    peers = load_registry([settings.broker_connector_metadata, settings.broker_proxy_metadata],
                          trust, clock)
    connector_id = next(e for e in peers if peers.get(e).sp is not None)
    proxy_id = next(e for e in peers if peers.get(e).idp is not None)
    broker_sp = peers.get(connector_id).sp
    broker_idp = peers.get(proxy_id).idp
    assert broker_sp is not None and broker_idp is not None
    broker_acs = next(a.location for a in broker_sp.assertion_consumers
                      if a.binding is Binding.HTTP_POST)
    broker_proxy_sso = broker_idp.sso(Binding.HTTP_POST).location
    sso_url = f"{settings.prefix}/proxy/sso"
    acs_url = f"{settings.prefix}/connector/acs"
    pending = _Pending()
    own = {"proxy": settings.own_proxy_metadata.read_bytes(),
           "connector": settings.own_connector_metadata.read_bytes()}

    app = Flask(__name__)
    secret = settings.secret()
    app.config["SECRET_KEY"] = secret
    web.install(app, secret=secret, role_name="eIDAS node simulator")
    i18n.register(TEXTS)

    def protocol_view(view: Callable[[], Response | str]) -> Callable[[], Response | str]:
        csrf.exempt(view)
        return view

    def post(url: str, kind: str, message: bytes, relay: str | None) -> Response:
        page = post_form(url, kind="SAMLResponse" if kind == "SAMLResponse" else "SAMLRequest",
                         message=message, relay_state=relay, nonce=g.csp_nonce,
                         lang=i18n.current_language())
        return Response(page, mimetype="text/html")

    def current() -> IncomingRequest | None:
        return pending.inbound.get(str(session.get("pending", "")))

    @app.route("/")
    def home() -> str:
        return render_template("eidas_node/home.html")

    @app.route("/eidas-node/proxy/sso", methods=["POST"])
    @protocol_view
    def proxy_sso() -> Response:
        try:
            incoming = protocol.receive_request(
                request.form, peers.signing_certificates(connector_id), sso_url, connector_id)
        except (ProtocolError, ValueError) as exc:
            log.warning("node: AuthnRequest refused: %s", getattr(exc, "code", "value"))
            return render_error(400, "AuthnRequest refused", reference="eidas_node_request")
        token = secrets.token_urlsafe(16)
        pending.inbound[token] = incoming
        session["pending"] = token
        return redirect("/eidas-node/country", code=303)  # type: ignore[return-value]

    @app.route("/eidas-node/country", methods=["GET", "POST"])
    def country() -> Response | str:
        incoming = current()
        if incoming is None:
            return render_error(400, "no request in progress")
        if request.method == "POST" and request.form.get("country") in COUNTRIES:
            session["country"] = request.form["country"]
            return redirect("/eidas-node/identity", code=303)  # type: ignore[return-value]
        return render_template("eidas_node/country.html", countries=COUNTRIES,
                               level=incoming.level.label)

    def answer_for(incoming: IncomingRequest, level: Level,
                   attributes: tuple[tuple[str, str], ...]) -> Answer:
        return Answer(settings.proxy_entity_id, broker_acs, connector_id, incoming.request_id,
                      level, attributes)

    @app.route("/eidas-node/identity", methods=["GET", "POST"])
    def choose_identity() -> Response | str:
        incoming = current()
        chosen_country = str(session.get("country", ""))
        if incoming is None:
            return render_error(400, "no request in progress")
        if request.method == "GET":
            return render_template(
                "eidas_node/identity.html",
                identities=[i for i in IDENTITIES if i.country == chosen_country],
                levels=list(Level), requested=incoming.level)
        pending.inbound.pop(str(session.pop("pending", "")), None)
        # The connector's key in use now (its announced activation decides during a rollover).
        recipient = peers.encryption_certificate(connector_id, clock.now())
        if request.form.get("action") == "cancel":
            status = Status(StatusCode.RESPONDER, SubStatusCode.AUTHN_FAILED,
                            "The user cancelled.")
            element = protocol.build_failure(answer_for(incoming, incoming.level, ()), status,
                                             ring=ring, signing=settings.signing, clock=clock,
                                             ids=ids)
        else:
            try:
                person = identity(request.form.get("identity", ""))
                level = Level(request.form.get("level", incoming.level.value))
            except (KeyError, ValueError):
                return render_error(400, "unknown identity or level")
            element = protocol.build_answer(
                answer_for(incoming, level, person.attributes), ring=ring,
                signing=settings.signing, recipient=recipient, clock=clock, ids=ids)
        return post(broker_acs, "SAMLResponse", serialize(element), incoming.relay_state)

    @app.route("/eidas-node/connector", methods=["GET", "POST"])
    def connector() -> Response | str:
        if request.method == "GET":
            return render_template("eidas_node/connector.html", levels=list(Level))
        try:
            level = Level(request.form.get("level", Level.SUBSTANTIAL.value))
        except ValueError:
            return render_error(400, "unknown level")
        element = protocol.build_connector_request(
            issuer=settings.connector_entity_id, destination=broker_proxy_sso, level=level,
            requested=((vocab.LEGAL_PERSON_IDENTIFIER, True),
                       (vocab.LEGAL_NAME, True),
                       (vocab.REPRESENTATIVE_ID, False)),
            ring=ring, signing=settings.signing, clock=clock, ids=ids)
        relay = secrets.token_urlsafe(16)
        pending.outbound[relay] = element.get("ID") or ""
        return post(broker_proxy_sso, "SAMLRequest", serialize(element), relay)

    @app.route("/eidas-node/connector/acs", methods=["POST"])
    @protocol_view
    def connector_acs() -> Response | str:
        relay = request.form.get("RelayState", "")
        try:
            result, _ = protocol.read_answer(
                request.form, trusted=peers.signing_certificates(proxy_id), ring=ring,
                issuer=proxy_id, acs_url=acs_url, audience=settings.connector_entity_id,
                request_id=pending.outbound.pop(relay, None), clock=clock)
        except ProtocolError as exc:
            log.warning("node: answer refused: %s", exc.code)
            return render_error(400, "answer refused", reference=exc.code)
        return render_template("eidas_node/result.html", result=result)

    @app.route("/eidas-node/proxy/metadata")
    def proxy_metadata() -> Response:
        return Response(own["proxy"], content_type="application/samlmetadata+xml")

    @app.route("/eidas-node/connector/metadata")
    def connector_metadata() -> Response:
        return Response(own["connector"], content_type="application/samlmetadata+xml")

    return app
