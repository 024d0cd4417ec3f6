"""The Flask extension a DV plugs in: ``EHerkenningSP(config, ...)`` with ``login()``,
``logout()`` and a Blueprint serving ``/saml/acs``, ``/saml/slo``, ``/saml/metadata`` and
``/saml/ars`` (spec §4.1, §4.4, §4.5, §5.1, §9).

The application registers three callbacks: ``on_login(EHerkenningLogin)``,
``on_failure(LoginFailure)`` and ``on_logout(bool)``; each returns the Flask response to show.
A cancelled login or a refused answer reaches ``on_failure`` as a typed value, never as an
exception page (§4.8, §10 item 10).

Browser binding: ``login()`` stores the pending request under a fresh opaque key in the state
store (TTL 15 minutes), sends that key as RelayState and sets it in an HMAC-signed HttpOnly
cookie; the ACS takes the pending record only when both agree, once (GETDEL), so an answer is
used at most once, only in the browser that started the login, and only for the request it
answers. The cookie is SameSite=Lax (the HM returns the artifact by a top-level GET); on an
https deployment it is SameSite=None; Secure so that a SAMLart POST to the ACS works too.
Only ids live in the browser (DESIGN §3).
"""

from __future__ import annotations

import hashlib
import hmac
import logging
import secrets
from collections.abc import Callable
from typing import Final

from flask import Blueprint
from flask import Flask
from flask import Response
from flask import g
from flask import request
from lxml import etree

from etoegang.bindings.post import post_form
from etoegang.bindings.post import post_page_headers
from etoegang.bindings.redirect import decode_redirect
from etoegang.bindings.redirect import encode_redirect
from etoegang.clock import Clock
from etoegang.clock import IdSource
from etoegang.clock import RandomIdSource
from etoegang.clock import SystemClock
from etoegang.errors import AuthnFailedStatus
from etoegang.errors import MessageError
from etoegang.errors import ProtocolError
from etoegang.errors import StatusError
from etoegang.exchange.artifact_client import ArtifactClient
from etoegang.exchange.peers import LocalEntity
from etoegang.exchange.replay import ReplayGuard
from etoegang.exchange.transport import HttpTransport
from etoegang.exchange.transport import Transport
from etoegang.messages.common import NameID
from etoegang.messages.common import NameIDFormat
from etoegang.messages.logout import LogoutRequest
from etoegang.messages.logout import LogoutResponse
from etoegang.messages.logout import build_logout_request
from etoegang.messages.logout import build_logout_response
from etoegang.messages.logout import parse_logout_request
from etoegang.messages.logout import parse_logout_response
from etoegang.messages.status import SUCCESS
from etoegang.state import store_from_url
from etoegang.state.store import StateStore
from policies.loa import Loa
from sp_adapters.eherkenning.config import PREFIX
from sp_adapters.eherkenning.config import SpConfig
from sp_adapters.eherkenning.config import config_from_settings
from sp_adapters.eherkenning.dv_metadata import dv_metadata
from sp_adapters.eherkenning.request import PendingLogin
from sp_adapters.eherkenning.request import build_login_request
from sp_adapters.eherkenning.response import verify_login
from sp_adapters.eherkenning.result import EHerkenningLogin
from sp_adapters.eherkenning.result import FailureKind
from sp_adapters.eherkenning.result import LoginFailure
from sp_adapters.settings import DvSettings
from sp_adapters.settings import RequestBinding
from web.csrf import exempt

log = logging.getLogger(__name__)

LOGIN_COOKIE: Final = "eh_login"
LOGOUT_COOKIE: Final = "eh_logout"
#: How long a started login may take (discovery, AD, MR pages) before its answer is refused.
PENDING_TTL: Final = 15 * 60

LoginHandler = Callable[[EHerkenningLogin], Response]
FailureHandler = Callable[[LoginFailure], Response]
LogoutHandler = Callable[[bool], Response]


def _default_login(result: EHerkenningLogin) -> Response:
    return Response("logged in", mimetype="text/plain")


def _default_failure(failure: LoginFailure) -> Response:
    return Response(failure.public, status=400, mimetype="text/plain")


def _default_logout(complete: bool) -> Response:
    return Response("logged out", mimetype="text/plain")


class EHerkenningSP:
    """One DV's eHerkenning service provider inside a Flask application."""

    def __init__(
        self,
        config: SpConfig,
        *,
        secret: bytes,
        state: StateStore,
        clock: Clock | None = None,
        ids: IdSource | None = None,
        transport: Transport | None = None,
        metadata: Callable[[], bytes] | None = None,
    ) -> None:
        self.config = config
        self._secret = hashlib.sha256(b"eherkenning-sp\n" + secret).digest()
        self.state = state
        self.clock = clock or SystemClock()
        self.ids = ids or RandomIdSource()
        self.transport = transport or HttpTransport()
        self._metadata = metadata
        self._on_login: LoginHandler = _default_login
        self._on_failure: FailureHandler = _default_failure
        self._on_logout: LogoutHandler = _default_logout
        self.replay = ReplayGuard(state, self.clock, namespace="sp-replay")
        self.artifacts = ArtifactClient(
            LocalEntity(config.entity_id, config.ring, config.ars_url, self.clock),
            config.directory,
            self.transport,
            self.clock,
            self.ids,
        )

    @classmethod
    def from_settings(
        cls,
        settings: DvSettings,
        *,
        clock: Clock | None = None,
        transport: Transport | None = None,
        state: StateStore | None = None,
    ) -> EHerkenningSP:
        """The adapter as ``dv.yaml`` describes it (keys and metadata loaded and checked now).

        :raises ConfigError: keys or metadata cannot be used.
        """
        clock = clock or SystemClock()
        config = config_from_settings(settings, clock)
        ids = RandomIdSource()
        return cls(
            config,
            secret=settings.secret(),
            state=state if state is not None else store_from_url(settings.state_url, clock=clock),
            clock=clock,
            ids=ids,
            transport=transport,
            metadata=lambda: dv_metadata(settings, config.keys, clock, ids),
        )

    # --- wiring -------------------------------------------------------------------------------

    def on_login(self, handler: LoginHandler) -> LoginHandler:
        self._on_login = handler
        return handler

    def on_failure(self, handler: FailureHandler) -> FailureHandler:
        self._on_failure = handler
        return handler

    def on_logout(self, handler: LogoutHandler) -> LogoutHandler:
        self._on_logout = handler
        return handler

    def blueprint(self) -> Blueprint:
        bp = Blueprint("eherkenning", __name__, url_prefix=PREFIX)
        acs = _exempt(self._acs)
        bp.add_url_rule("/acs", "acs", acs, methods=["GET", "POST"])
        bp.add_url_rule("/slo", "slo", _exempt(self._slo), methods=["GET"])
        bp.add_url_rule("/metadata", "metadata", self._serve_metadata, methods=["GET"])
        bp.add_url_rule("/ars", "ars", _exempt(self._ars), methods=["POST"])
        return bp

    def init_app(self, app: Flask) -> None:
        app.register_blueprint(self.blueprint())
        app.extensions["eherkenning"] = self

    # --- cookies ------------------------------------------------------------------------------

    def _sign(self, key: str) -> str:
        mac = hmac.new(self._secret, key.encode(), hashlib.sha256).hexdigest()[:32]
        return f"{key}.{mac}"

    def _cookie_key(self, name: str) -> str | None:
        value = request.cookies.get(name, "")
        key, _, mac = value.rpartition(".")
        if not key or not hmac.compare_digest(self._sign(key), value):
            return None
        return key

    def _set_cookie(self, response: Response, name: str, key: str) -> None:
        secure = self.config.base_url.startswith("https://")
        response.set_cookie(
            name,
            self._sign(key),
            max_age=PENDING_TTL,
            httponly=True,
            secure=secure,
            samesite="None" if secure else "Lax",
            path=PREFIX,
        )

    # --- login --------------------------------------------------------------------------------

    def login(
        self,
        service_index: int,
        relay_state: str | None = None,
        force_authn: bool = False,
        loa: Loa | None = None,
        ad: str | None = None,
    ) -> Response:
        """Start a login for one of our services: the POST page or the Redirect to the HM.

        :param relay_state: the application's own value, returned on the result (kept here,
            never sent to the HM).
        """
        binding = self.config.request_binding
        built = build_login_request(
            self.config,
            service_index,
            clock=self.clock,
            ids=self.ids,
            relay_state=relay_state,
            force_authn=force_authn,
            loa=loa,
            ad=ad,
            binding=binding,
        )
        key = secrets.token_urlsafe(24)
        self.state.put(f"sp:login:{key}", built.pending.to_bytes(), PENDING_TTL)
        log.info("authn request %s for service %s", built.pending.request_id, service_index)
        if binding is RequestBinding.REDIRECT:
            url = encode_redirect(
                built.destination,
                built.element,
                kind="SAMLRequest",
                relay_state=key,
                key=self.config.keys.signing,
            )
            response = _see_other(url)
        else:
            nonce = g.get("csp_nonce") or secrets.token_urlsafe(16)
            lang = g.get("lang", "nl")
            page = post_form(
                built.destination,
                kind="SAMLRequest",
                message=built.element,
                relay_state=key,
                nonce=nonce,
                lang=lang if lang in ("nl", "en") else "nl",
            )
            response = Response(page, headers=post_page_headers(nonce))
        self._set_cookie(response, LOGIN_COOKIE, key)
        return response

    def _fail(self, kind: FailureKind, public: str, code: str, **extra: str | None) -> Response:
        response = self._on_failure(LoginFailure(kind, public, code, **extra))
        response.delete_cookie(LOGIN_COOKIE, path=PREFIX)
        return response

    def _acs(self) -> Response:
        artifact = request.values.get("SAMLart", "")
        relay = request.values.get("RelayState", "")
        if not artifact:
            return self._fail(FailureKind.INVALID, "no SAMLart in the request", "no_artifact")
        key = self._cookie_key(LOGIN_COOKIE)
        if key is None or not hmac.compare_digest(key, relay):
            log.warning("acs: no login of this browser matches the RelayState")
            return self._fail(
                FailureKind.INVALID, "this login was not started in this browser", "no_login"
            )
        raw = self.state.take(f"sp:login:{key}")
        if raw is None:
            return self._fail(
                FailureKind.INVALID, "this login expired or was completed already", "no_login"
            )
        pending = PendingLogin.from_bytes(raw)
        try:
            resolved = self.artifacts.resolve(artifact, expected_issuer=self.config.hm.entity_id)
            result = verify_login(
                self.config, resolved, pending, clock=self.clock, replay=self.replay
            )
        except StatusError as exc:
            kind = FailureKind.CANCELLED if isinstance(exc, AuthnFailedStatus) else (
                FailureKind.REFUSED
            )
            log.info("login %s ended with status %s", pending.request_id, exc.second or exc.top)
            return self._fail(
                kind,
                exc.public,
                exc.code,
                status_top=exc.top,
                status_second=exc.second,
                relay_state=pending.relay_state,
            )
        except (ProtocolError, KeyError) as exc:
            code = exc.code if isinstance(exc, ProtocolError) else "unknown_service"
            debug = exc.debug if isinstance(exc, ProtocolError) else str(exc)
            log.warning("login %s refused: %s (%s)", pending.request_id, code, debug[:300])
            public = exc.public if isinstance(exc, ProtocolError) else "unknown service"
            return self._fail(
                FailureKind.INVALID, public, code, relay_state=pending.relay_state
            )
        response = self._on_login(result)
        response.delete_cookie(LOGIN_COOKIE, path=PREFIX)
        return response

    # --- logout (spec §9) ---------------------------------------------------------------------

    def logout(self, login: EHerkenningLogin) -> Response:
        """Send a signed LogoutRequest to the HM (Redirect); ``on_logout`` runs on the answer.

        Without an HM SLO endpoint the local session ends at once (``on_logout(False)``).
        """
        destination = self.config.hm.slo_redirect
        if destination is None:
            return self._on_logout(False)
        fmt = NameIDFormat(login.name_id_format) if login.name_id_format else None
        message = LogoutRequest(
            id=self.ids.new_id(),
            issue_instant=self.clock.now(),
            issuer=self.config.entity_id,
            name_id=NameID(login.name_id, fmt, login.name_id_qualifier),
            destination=destination,
            session_indexes=(login.session_index,) if login.session_index else (),
        )
        key = secrets.token_urlsafe(24)
        self.state.put(f"sp:logout:{key}", message.id.encode(), PENDING_TTL)
        url = encode_redirect(
            destination,
            build_logout_request(message),
            kind="SAMLRequest",
            relay_state=key,
            key=self.config.keys.signing,
        )
        response = _see_other(url)
        self._set_cookie(response, LOGOUT_COOKIE, key)
        return response

    def _slo(self) -> Response:
        hm = self.config.hm.entity_id
        try:
            received = decode_redirect(
                request.query_string.decode("latin-1"),
                trusted=self.config.directory.signing_certificates(hm),
                require_signature=True,
            )
            if received.kind == "SAMLRequest":
                return self._hm_logout(received.element, received.relay_state)
            answer = parse_logout_response(received.element)
            if answer.issuer != hm:
                raise MessageError("LogoutResponse not from the HM")
            if answer.destination not in (None, self.config.slo_url):
                raise MessageError("LogoutResponse addressed elsewhere")
            key = self._cookie_key(LOGOUT_COOKIE)
            expected = self.state.take(f"sp:logout:{key}") if key else None
            if (
                key is None
                or received.relay_state != key
                or expected is None
                or answer.in_response_to != expected.decode()
            ):
                raise MessageError("LogoutResponse answers no logout of this browser")
        except ProtocolError as exc:
            log.warning("slo refused: %s (%s)", exc.code, exc.debug[:200])
            response = self._on_logout(False)
        else:
            response = self._on_logout(answer.status.is_success)
        response.delete_cookie(LOGOUT_COOKIE, path=PREFIX)
        return response

    def _hm_logout(self, element: etree._Element, relay_state: str | None) -> Response:
        """The HM ends the session (logout started elsewhere): answer Success, end ours."""
        incoming = parse_logout_request(element)
        if incoming.issuer != self.config.hm.entity_id:
            raise MessageError("LogoutRequest not from the HM")
        self._on_logout(True)
        destination = self.config.hm.slo_redirect or ""
        answer = LogoutResponse(
            id=self.ids.new_id(),
            issue_instant=self.clock.now(),
            status=SUCCESS,
            issuer=self.config.entity_id,
            in_response_to=incoming.id,
            destination=destination,
        )
        url = encode_redirect(
            destination,
            build_logout_response(answer),
            kind="SAMLResponse",
            relay_state=relay_state,
            key=self.config.keys.signing,
        )
        return _see_other(url)

    # --- metadata and artifact service --------------------------------------------------------

    def _serve_metadata(self) -> Response:
        if self._metadata is None:
            return Response("no metadata configured", status=404, mimetype="text/plain")
        return Response(self._metadata(), mimetype="application/samlmetadata+xml")

    def _ars(self) -> Response:
        # Requests are sent by POST or Redirect; nothing is ever issued by artifact, so every
        # ArtifactResolve gets a SOAP fault (the endpoint exists because the metadata lists it).
        from etoegang.bindings import soap

        body = soap.fault(soap.FaultCode.SENDER, "no artifacts are issued by this DV")
        return Response(body, status=500, content_type=soap.content_type())


def _see_other(url: str) -> Response:
    return Response(status=303, headers={"Location": url})


def _exempt(view: Callable[[], Response]) -> Callable[[], Response]:
    """Protocol endpoints take cross-site requests by design: no CSRF token (web.csrf)."""

    def wrapped() -> Response:
        return view()

    wrapped.__name__ = view.__name__
    exempt(wrapped)
    return wrapped
