"""The demo DV "Gemeente Voorbeeldstad": three services, each with an "Inloggen met
eHerkenning" button, a page showing what the login delivered, logout, and the pages for a
cancelled or failed login. Built only on :mod:`sp_adapters.eherkenning` and :mod:`web`.

The browser holds one opaque session id (HttpOnly, SameSite=Lax); the login result itself sits
in the adapter's state store for at most two hours (spec §9: no session longer than that).
Buttons are ordinary form POSTs with a CSRF token, so the page works without JavaScript.
"""

from __future__ import annotations

import json
import secrets
from typing import Final

from flask import Flask
from flask import Response
from flask import render_template
from flask import request

import web
from etoegang.clock import Clock
from etoegang.exchange.transport import Transport
from etoegang.state.store import StateStore
from keys.ring import load_ring
from sp_adapters.demo.texts import TEXTS
from sp_adapters.eherkenning import EHerkenningLogin
from sp_adapters.eherkenning import EHerkenningSP
from sp_adapters.eherkenning import FailureKind
from sp_adapters.eherkenning import LoginFailure
from sp_adapters.oidc_client import EHerkenningOidc
from sp_adapters.oidc_client import OidcLogin
from sp_adapters.settings import DvSettings
from web import i18n
from web import ops
from web.app import render_error

SESSION_COOKIE: Final = "dv_session"
SESSION_TTL: Final = 2 * 60 * 60


def _see_other(location: str) -> Response:
    return Response(status=303, headers={"Location": location})


def create_app(
    settings: DvSettings,
    *,
    clock: Clock | None = None,
    transport: Transport | None = None,
    state: StateStore | None = None,
    oidc_issuer: str | None = None,
) -> Flask:
    """The demo DV application; keys and metadata are loaded (and checked) here.

    :param oidc_issuer: the broker's OIDC issuer; with it every service also offers
        "Inloggen met eHerkenning (OpenID Connect)" (docs/oidc.md).
    """
    i18n.register(TEXTS)
    sp = EHerkenningSP.from_settings(settings, clock=clock, transport=transport, state=state)
    app = Flask(__name__)
    web.install(app, secret=settings.secret(), role_name="Gemeente Voorbeeldstad")
    sp.init_app(app)
    store = sp.state
    oidc = None
    oidc_issuer = oidc_issuer if oidc_issuer is not None else settings.oidc_issuer
    if oidc_issuer is not None:
        oidc = EHerkenningOidc(
            issuer=oidc_issuer, base_url=settings.base_url,
            client_ids={s.index: s.service_id for s in settings.services},
            keys=load_ring(settings.keys_dir, settings.key_role), state=store,
            secret=settings.secret(), clock=clock,
        )
        oidc.init_app(app)

    def current() -> tuple[str, EHerkenningLogin] | None:
        session = request.cookies.get(SESSION_COOKIE, "")
        raw = store.get(f"dv:session:{session}") if session else None
        if raw is None:
            return None
        return session, EHerkenningLogin.from_dict(json.loads(raw))

    def message(title: str, text: str, status: int = 200, alert: bool = False) -> Response:
        body = render_template("demo/message.html", title=i18n.translate(title),
                               text=i18n.translate(text), link=i18n.translate("dv.home"),
                               alert=alert)
        return Response(body, status=status, mimetype="text/html")

    @app.get("/")
    def home() -> str:
        return render_template("demo/home.html", services=settings.services,
                               oidc=oidc is not None)

    @app.route("/saml/login", methods=["GET", "POST"])
    def login() -> Response:
        raw = request.values.get("service", "")
        if not raw.isdigit() or int(raw) not in {s.index for s in settings.services}:
            return render_error(400, i18n.translate("dv.failed"))
        return sp.login(int(raw), relay_state="/result")

    @sp.on_login
    def logged_in(result: EHerkenningLogin) -> Response:
        return start_session(result)[1]

    def start_session(result: EHerkenningLogin) -> tuple[str, Response]:
        session = secrets.token_urlsafe(32)
        store.put(f"dv:session:{session}", json.dumps(result.as_dict()).encode(), SESSION_TTL)
        response = _see_other(result.relay_state or "/result")
        response.set_cookie(SESSION_COOKIE, session, httponly=True, samesite="Lax",
                            secure=settings.base_url.startswith("https://"), path="/")
        return session, response

    @sp.on_failure
    def failed(failure: LoginFailure) -> Response:
        if failure.kind is FailureKind.CANCELLED:
            return message("dv.cancelled", "dv.cancelled_text")
        if failure.kind is FailureKind.REFUSED:
            return message("dv.failed", "dv.refused", status=403, alert=True)
        return message("dv.failed", "dv.failed_text", status=400, alert=True)

    if oidc is not None:
        oidc_client = oidc

        @app.post("/oidc/login")
        def oidc_login() -> Response:
            raw = request.form.get("service", "")
            if not raw.isdigit() or int(raw) not in oidc_client.client_ids:
                return render_error(400, i18n.translate("dv.failed"))
            return oidc_client.login(int(raw), relay_state="/result")

        @oidc_client.on_login
        def oidc_logged_in(login: OidcLogin) -> Response:
            session, response = start_session(login.result)
            store.put(f"dv:oidc-id-token:{session}", login.id_token.encode(), SESSION_TTL)
            if login.sid:
                store.put(f"dv:oidc-sid:{login.sid}", session.encode(), SESSION_TTL)
            return response

        oidc_client.on_failure(failed)

        @oidc_client.on_logout
        def oidc_logged_out(sid: str) -> None:
            session = store.take(f"dv:oidc-sid:{sid}")
            if session is not None:
                store.delete(f"dv:session:{session.decode()}")

    @app.get("/result")
    def result() -> Response | str:
        found = current()
        if found is None:
            return message("dv.failed", "dv.not_logged_in", status=401)
        _, login_result = found
        index = int(login_result.service_id.rsplit(":", 1)[1])
        service = settings.service(index)
        return render_template("demo/result.html", login=login_result,
                               service_name=service.name(i18n.current_language()))

    @app.post("/logout")
    def logout() -> Response:
        found = current()
        if found is None:
            return _see_other("/")
        session, login_result = found
        # The local session ends now, whatever the HM answers (spec §9: destroy, then redirect).
        store.delete(f"dv:session:{session}")
        id_token = store.take(f"dv:oidc-id-token:{session}")
        if oidc is not None and id_token is not None:
            # Logged in by OIDC: RP-initiated logout at the broker (docs/oidc.md).
            response = _see_other(oidc.logout_url(id_token.decode(), settings.base_url + "/"))
            response.delete_cookie(SESSION_COOKIE, path="/")
            return response
        response = sp.logout(login_result)
        response.delete_cookie(SESSION_COOKIE, path="/")
        return response

    @sp.on_logout
    def logged_out(complete: bool) -> Response:
        response = message("dv.logged_out", "dv.logged_out_text")
        response.delete_cookie(SESSION_COOKIE, path="/")
        return response

    @app.get("/privacy")
    def privacy() -> Response:
        return message("dv.privacy", "dv.privacy_text")

    app.extensions["dv_settings"] = settings
    # Health, readiness, metrics and the 503 page (web.ops, docs/operations.md).
    ops.install_ops(app, role="dv", readiness=(
        ops.state_store_check(store), ops.keys_check(ops.ring_loader(
            settings.keys_dir, settings.key_role), live=lambda: sp.config.keys)))
    return app
