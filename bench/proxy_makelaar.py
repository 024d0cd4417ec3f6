"""Makelaar as a plain SAML-to-SAML proxy, for the side-by-side benchmark with SATOSA.

The broker cannot act as a plain proxy: every login it handles has the eHerkenning AD and MR legs
and artifact binding (DESIGN §6). This thin WSGI application does the plain proxy's job on top
of the protocol core the broker uses (``etoegang.xml.parser``, ``etoegang.crypto.xmldsig``,
``etoegang.clock``), as a plain WSGI application like SATOSA (no web framework), so that what
the benchmark compares is the cost of the SAML work:

1. ``POST /Saml2IDP/sso/post``: a signed AuthnRequest from the registered SP is parsed with the
   hardened parser, its signature verified against the SP's certificate only (xmlsec), Issuer,
   Destination, IssueInstant and the ACS URL checked; a new AuthnRequest to the IdP is built with
   lxml, signed (RSA-SHA256, exclusive C14N, X509 KeyInfo) and sent in a POST form. The SP's
   request ID and RelayState go into an HMAC-tagged HttpOnly cookie, as SATOSA keeps its state
   in an encrypted cookie.
2. ``POST /Saml2/acs/post``: the IdP's Response is parsed, its Status, Destination and
   InResponseTo checked, its one Assertion verified against the IdP's certificate only, then
   Issuer, Conditions (time, Audience) and the bearer SubjectConfirmation checked; a new
   Response with a new Assertion (NameID, AuthnStatement, the attributes copied) is built,
   the Assertion signed, and sent to the SP's ACS in a POST form.

What it does not do that the broker does: no metadata registry (the peers' certificates and
URLs come from the files :mod:`bench.peers.saml_peers` writes), no replay store, no discovery,
no logging per step. Settings come from ``BENCH_PROXY_DIR`` (the peer files),
``BENCH_PROXY_URL`` (its own base URL) and ``BENCH_PROXY_KEYS`` (the keys); run it with
``gunicorn bench.wsgi_role:app`` and ``BENCH_APP=bench.proxy_makelaar:app``.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import os
from collections.abc import Callable
from datetime import datetime
from datetime import timedelta
from html import escape
from http.cookies import SimpleCookie
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl

from lxml import etree

from bench.peers.saml_peers import IDP_ENTITY
from bench.peers.saml_peers import IDP_SSO
from bench.peers.saml_peers import PROXY_ACS_PATH
from bench.peers.saml_peers import PROXY_IDP_ENTITY
from bench.peers.saml_peers import PROXY_SP_ENTITY
from bench.peers.saml_peers import PROXY_SSO_PATH
from bench.peers.saml_peers import SP_ACS
from bench.peers.saml_peers import SP_ENTITY
from bench.peers.saml_peers import PeerFiles
from etoegang.clock import RandomIdSource
from etoegang.clock import SystemClock
from etoegang.clock import parse_instant
from etoegang.clock import saml_instant
from etoegang.crypto.xmldsig import KeyInfoStyle
from etoegang.crypto.xmldsig import VerifyPolicy
from etoegang.crypto.xmldsig import sign
from etoegang.crypto.xmldsig import verify
from etoegang.errors import ProtocolError
from etoegang.xml import ns
from etoegang.xml.parser import parse_xml
from etoegang.xml.parser import serialize
from etoegang.xml.parser import text_of
from keys.ring import KeyPair
from keys.ring import PeerCertificate
from keys.ring import load_certificate
from keys.ring import load_private_key

S = f"{{{ns.SAML}}}"
P = f"{{{ns.SAMLP}}}"
NSMAP = {"samlp": ns.SAMLP, "saml": ns.SAML}
SKEW = timedelta(seconds=60)
LIFETIME = timedelta(minutes=5)
SUCCESS = "urn:oasis:names:tc:SAML:2.0:status:Success"
BEARER = "urn:oasis:names:tc:SAML:2.0:cm:bearer"
TRANSIENT = "urn:oasis:names:tc:SAML:2.0:nameid-format:transient"
POST = "urn:oasis:names:tc:SAML:2.0:bindings:HTTP-POST"


class Refused(Exception):
    """The message is not acceptable; the text says why (shown as a 400 page)."""


def _form(url: str, field: str, message: etree._Element, relay_state: str | None) -> str:
    value = base64.b64encode(serialize(message)).decode("ascii")
    relay = (
        f'<input type="hidden" name="RelayState" value="{escape(relay_state)}"/>'
        if relay_state
        else ""
    )
    body = (
        "<!DOCTYPE html><html><body onload=\"document.forms[0].submit()\">"
        f'<form method="post" action="{escape(url)}">'
        f'<input type="hidden" name="{field}" value="{value}"/>{relay}'
        "<noscript><button type=\"submit\">Continue</button></noscript></form></body></html>"
    )
    return body


def _decoded(form: dict[str, str], field: str) -> etree._Element:
    raw = form.get(field, "")
    try:
        data = base64.b64decode(raw, validate=True)
    except ValueError as exc:
        raise Refused(f"{field} is not base64") from exc
    return parse_xml(data)


def _one(parent: etree._Element, path: str) -> etree._Element:
    found = parent.findall(path)
    if len(found) != 1:
        raise Refused(f"expected one {path}, found {len(found)}")
    return found[0]


def _fresh(instant: str | None, now: datetime) -> None:
    if instant is None or abs(parse_instant(instant) - now) > SKEW + LIFETIME:
        raise Refused("IssueInstant missing or out of range")


class ThinProxy:
    """The proxy's keys, peers and the two handlers."""

    def __init__(self, files: PeerFiles) -> None:
        self.base = files.proxy_url
        self.key = KeyPair(
            load_private_key(files.key("proxy")), load_certificate(files.cert("proxy"))
        )
        self.sp = VerifyPolicy(trusted=(PeerCertificate(load_certificate(files.cert("sp"))),))
        self.idp = VerifyPolicy(trusted=(PeerCertificate(load_certificate(files.cert("idp"))),))
        self.clock = SystemClock()
        self.ids = RandomIdSource()

    def sso(self, form: dict[str, str]) -> tuple[dict[str, str], str]:
        """(the login state to keep, the POST form page for the IdP)."""
        now = self.clock.now()
        inbound = _decoded(form, "SAMLRequest")
        if inbound.tag != f"{P}AuthnRequest":
            raise Refused("not an AuthnRequest")
        verify(inbound, self.sp)
        if text_of(_one(inbound, f"{S}Issuer")) != SP_ENTITY:
            raise Refused("unknown SP")
        if inbound.get("Destination") not in (None, self.base + PROXY_SSO_PATH):
            raise Refused("wrong Destination")
        if inbound.get("AssertionConsumerServiceURL") not in (None, SP_ACS):
            raise Refused("ACS URL not registered")
        _fresh(inbound.get("IssueInstant"), now)
        request_id = inbound.get("ID") or ""

        outbound_id = self.ids.new_id()
        outbound = etree.Element(
            f"{P}AuthnRequest",
            nsmap=NSMAP,
            ID=outbound_id,
            Version="2.0",
            IssueInstant=saml_instant(now),
            Destination=IDP_SSO,
            AssertionConsumerServiceURL=self.base + PROXY_ACS_PATH,
            ProtocolBinding=POST,
        )
        etree.SubElement(outbound, f"{S}Issuer").text = PROXY_SP_ENTITY
        etree.SubElement(outbound, f"{P}NameIDPolicy", Format=TRANSIENT, AllowCreate="true")
        sign(outbound, self.key, key_info=KeyInfoStyle.X509)
        login = {"ours": outbound_id, "theirs": request_id, "relay": form.get("RelayState", "")}
        return login, _form(IDP_SSO, "SAMLRequest", outbound, None)

    def acs(self, form: dict[str, str], login: dict[str, str]) -> str:
        """The POST form page for the SP."""
        now = self.clock.now()
        inbound = _decoded(form, "SAMLResponse")
        if inbound.tag != f"{P}Response":
            raise Refused("not a Response")
        if inbound.get("InResponseTo") != login["ours"]:
            raise Refused("InResponseTo does not match")
        if inbound.get("Destination") != self.base + PROXY_ACS_PATH:
            raise Refused("wrong Destination")
        status = _one(inbound, f"{P}Status/{P}StatusCode")
        if status.get("Value") != SUCCESS:
            raise Refused("the IdP did not authenticate the user")
        assertion = verify(_one(inbound, f"{S}Assertion"), self.idp).element
        if text_of(_one(assertion, f"{S}Issuer")) != IDP_ENTITY:
            raise Refused("assertion from another issuer")
        conditions = _one(assertion, f"{S}Conditions")
        not_before, not_after = conditions.get("NotBefore"), conditions.get("NotOnOrAfter")
        if not_before is not None and parse_instant(not_before) - SKEW > now:
            raise Refused("assertion not yet valid")
        if not_after is None or parse_instant(not_after) + SKEW <= now:
            raise Refused("assertion expired")
        audiences = [text_of(a) for a in conditions.iter(f"{S}Audience")]
        if PROXY_SP_ENTITY not in audiences:
            raise Refused("not meant for this proxy")
        subject = _one(assertion, f"{S}Subject")
        confirmation = _one(subject, f"{S}SubjectConfirmation")
        data = _one(confirmation, f"{S}SubjectConfirmationData")
        if (
            confirmation.get("Method") != BEARER
            or data.get("Recipient") != self.base + PROXY_ACS_PATH
            or data.get("InResponseTo") != login["ours"]
            or parse_instant(data.get("NotOnOrAfter") or "1970-01-01T00:00:00Z") + SKEW <= now
        ):
            raise Refused("bearer confirmation does not hold")
        name_id = text_of(_one(subject, f"{S}NameID"))
        context = _one(assertion, f"{S}AuthnStatement/{S}AuthnContext/{S}AuthnContextClassRef")
        attributes = [
            (
                attribute.get("Name") or "",
                attribute.get("NameFormat"),
                [text_of(v) for v in attribute.iter(f"{S}AttributeValue")],
            )
            for attribute in assertion.iter(f"{S}Attribute")
        ]
        return _form(SP_ACS, "SAMLResponse", self._response(login, name_id,
                                                            text_of(context), attributes, now),
                     login["relay"] or None)

    def _response(
        self,
        login: dict[str, str],
        name_id: str,
        context: str,
        attributes: list[tuple[str, str | None, list[str]]],
        now: datetime,
    ) -> etree._Element:
        instant, until = saml_instant(now), saml_instant(now + LIFETIME)
        response = etree.Element(
            f"{P}Response",
            nsmap=NSMAP,
            ID=self.ids.new_id(),
            Version="2.0",
            IssueInstant=instant,
            Destination=SP_ACS,
            InResponseTo=login["theirs"],
        )
        etree.SubElement(response, f"{S}Issuer").text = PROXY_IDP_ENTITY
        status = etree.SubElement(response, f"{P}Status")
        etree.SubElement(status, f"{P}StatusCode", Value=SUCCESS)
        assertion = etree.SubElement(
            response, f"{S}Assertion", ID=self.ids.new_id(), Version="2.0", IssueInstant=instant
        )
        etree.SubElement(assertion, f"{S}Issuer").text = PROXY_IDP_ENTITY
        subject = etree.SubElement(assertion, f"{S}Subject")
        etree.SubElement(
            subject, f"{S}NameID", Format=TRANSIENT, NameQualifier=PROXY_IDP_ENTITY,
            SPNameQualifier=SP_ENTITY,
        ).text = name_id
        confirmation = etree.SubElement(subject, f"{S}SubjectConfirmation", Method=BEARER)
        etree.SubElement(
            confirmation,
            f"{S}SubjectConfirmationData",
            InResponseTo=login["theirs"],
            NotOnOrAfter=until,
            Recipient=SP_ACS,
        )
        conditions = etree.SubElement(
            assertion, f"{S}Conditions", NotBefore=instant, NotOnOrAfter=until
        )
        restriction = etree.SubElement(conditions, f"{S}AudienceRestriction")
        etree.SubElement(restriction, f"{S}Audience").text = SP_ENTITY
        statement = etree.SubElement(
            assertion, f"{S}AuthnStatement", AuthnInstant=instant, SessionIndex=self.ids.new_id()
        )
        authn_context = etree.SubElement(statement, f"{S}AuthnContext")
        etree.SubElement(authn_context, f"{S}AuthnContextClassRef").text = context
        if attributes:
            attribute_statement = etree.SubElement(assertion, f"{S}AttributeStatement")
            for name, name_format, values in attributes:
                attribute = etree.SubElement(attribute_statement, f"{S}Attribute", Name=name)
                if name_format:
                    attribute.set("NameFormat", name_format)
                for value in values:
                    etree.SubElement(attribute, f"{S}AttributeValue").text = value
        sign(assertion, self.key, key_info=KeyInfoStyle.X509)
        return response


class State:
    """The login in progress, in an HttpOnly cookie with an HMAC-SHA256 tag (as SATOSA keeps
    its state in an encrypted cookie: no server-side store, any worker can continue a login)."""

    NAME = "makelaar_proxy"

    def __init__(self, secret: bytes) -> None:
        self.secret = secret

    def cookie(self, value: dict[str, str]) -> str:
        payload = base64.urlsafe_b64encode(json.dumps(value).encode()).decode("ascii")
        tag = hmac.new(self.secret, payload.encode(), hashlib.sha256).hexdigest()
        return f"{self.NAME}={payload}.{tag}; Path=/; HttpOnly; SameSite=None"

    def read(self, header: str) -> dict[str, str]:
        jar = SimpleCookie()
        jar.load(header)
        morsel = jar.get(self.NAME)
        if morsel is None:
            raise Refused("no login in progress")
        payload, _, tag = morsel.value.rpartition(".")
        expected = hmac.new(self.secret, payload.encode(), hashlib.sha256).hexdigest()
        if not hmac.compare_digest(tag, expected):
            raise Refused("login state was tampered with")
        value = json.loads(base64.urlsafe_b64decode(payload))
        if not isinstance(value, dict):
            raise Refused("login state is malformed")
        return {str(k): str(v) for k, v in value.items()}


MAX_FORM_BYTES = 512 * 1024


def _form_fields(environ: dict[str, Any]) -> dict[str, str]:
    if environ.get("CONTENT_TYPE", "").split(";")[0].strip() != "application/x-www-form-urlencoded":
        raise Refused("expected a form POST")
    try:
        length = int(environ.get("CONTENT_LENGTH") or 0)
    except ValueError as exc:
        raise Refused("bad Content-Length") from exc
    if length > MAX_FORM_BYTES:
        raise Refused("form too large")
    body = environ["wsgi.input"].read(length).decode("ascii", "replace")
    return dict(parse_qsl(body, keep_blank_values=True, max_num_fields=8))


class ProxyApp:
    """The two endpoints as a plain WSGI application (SATOSA is one too: no web framework)."""

    def __init__(self, files: PeerFiles, secret: bytes) -> None:
        self.proxy = ThinProxy(files)
        self.state = State(secret)

    def __call__(
        self, environ: dict[str, Any], start_response: Callable[..., Any]
    ) -> list[bytes]:
        path, method = environ.get("PATH_INFO", ""), environ.get("REQUEST_METHOD", "")
        headers = [("Cache-Control", "no-store")]
        try:
            if method == "POST" and path == PROXY_SSO_PATH:
                login, body = self.proxy.sso(_form_fields(environ))
                headers.append(("Set-Cookie", self.state.cookie(login)))
            elif method == "POST" and path == PROXY_ACS_PATH:
                login = self.state.read(environ.get("HTTP_COOKIE", ""))
                body = self.proxy.acs(_form_fields(environ), login)
                headers.append(("Set-Cookie", f"{State.NAME}=; Path=/; Max-Age=0"))
            elif method == "GET" and path == "/":
                body = "ok"
            else:
                start_response("404 Not Found", [("Content-Type", "text/plain")])
                return [b"not found"]
        except Refused as exc:
            start_response("400 Bad Request", [("Content-Type", "text/plain; charset=utf-8")])
            return [f"refused: {exc}".encode()]
        except ProtocolError as exc:
            start_response("400 Bad Request", [("Content-Type", "text/plain; charset=utf-8")])
            return [f"refused: {exc.public}".encode()]
        data = body.encode("utf-8")
        headers.append(("Content-Type", "text/html; charset=utf-8"))
        headers.append(("Content-Length", str(len(data))))
        start_response("200 OK", headers)
        return [data]


def create_app(files: PeerFiles, secret: bytes) -> ProxyApp:
    return ProxyApp(files, secret)


def _from_env() -> ProxyApp:
    directory = Path(os.environ["BENCH_PROXY_DIR"])
    files = PeerFiles(
        directory, os.environ["BENCH_PROXY_URL"].rstrip("/"), Path(os.environ["BENCH_PROXY_KEYS"])
    )
    return create_app(files, (directory / "proxy.secret").read_bytes())


app = _from_env() if "BENCH_PROXY_DIR" in os.environ else None
