"""OIDC client registrations: a client is one DV service (its catalogue entry), with its
public JWKS and exact redirect URIs (issue 6; docs/oidc.md "Registering a client").

The registrations live in a YAML file named by the broker setting ``oidc_clients`` and are
checked at start-up against the signed catalogue and the registered DV metadata, every problem
reported at once (STYLE §4.7). ``client_id`` is the ServiceID, so the catalogue entry (level,
ECTA sets, ServiceCertificate, SSO support) applies unchanged. :func:`registration_entry` and
:func:`write_clients_file` let the network builder write a registration.

:class:`OidcClient` implements the methods authlib calls on a client (``ClientMixin``).
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Iterable
from collections.abc import Mapping
from collections.abc import Sequence
from dataclasses import dataclass
from dataclasses import field
from pathlib import Path
from typing import Any
from typing import Final
from urllib.parse import urlsplit

import yaml
from joserfc.jwk import KeySet

from broker.network import BrokerNetwork
from broker.oidc.keys import CLIENT_ALGS
from broker.oidc.keys import ID_TOKEN_ALGS
from broker.oidc.keys import client_key_set
from broker.oidc.keys import public_jwks
from broker.settings import ConfigError
from etoegang.errors import ProtocolError
from keys.ring import KeyPair
from metadata.identifiers import parse_entity_id

#: The one scope this provider knows: everything else is in the catalogue entry.
SCOPE: Final = "openid"
PRIVATE_KEY_JWT: Final = "private_key_jwt"
SECRET_METHODS: Final = ("client_secret_basic", "client_secret_post")
_KEYS: Final = {
    "client_id",
    "dv_entity_id",
    "redirect_uris",
    "post_logout_redirect_uris",
    "backchannel_logout_uri",
    "jwks",
    "jwks_file",
    "token_endpoint_auth_method",
    "client_secret_file",
    "id_token_signed_response_alg",
    "require_pushed_authorization_requests",
    "require_signed_request_object",
}


@dataclass(frozen=True, slots=True, eq=False)
class OidcClient:
    """One registered client: a DV service speaking OpenID Connect."""

    #: The ServiceID of the catalogue entry (``urn:etoegang:DV:<OIN>:services:<n>``).
    client_id: str
    #: The DV's EntityID: the IntendedAudience toward AD and MR; the MR encrypts for it.
    dv_entity_id: str
    #: Exactly these URIs, compared as strings (RFC 9700 §2.1: no patterns, no prefixes).
    redirect_uris: tuple[str, ...]
    post_logout_redirect_uris: tuple[str, ...] = ()
    backchannel_logout_uri: str | None = None
    #: The client's public keys (client assertions and request objects are checked with them).
    keys: KeySet | None = None
    token_endpoint_auth_method: str = PRIVATE_KEY_JWT
    #: SHA-256 of the client secret; only for ``client_secret_*`` clients.
    secret_digest: bytes | None = field(default=None, repr=False)
    id_token_signed_response_alg: str = "RS256"  # noqa: S105 - an algorithm name
    require_pushed_authorization_requests: bool = False
    require_signed_request_object: bool = False

    # --- authlib ClientMixin -------------------------------------------------------------------

    @property
    def client_metadata(self) -> dict[str, Any]:
        return {
            "redirect_uris": list(self.redirect_uris),
            "post_logout_redirect_uris": list(self.post_logout_redirect_uris),
            "id_token_signed_response_alg": self.id_token_signed_response_alg,
        }

    def get_client_id(self) -> str:
        return self.client_id

    def get_default_redirect_uri(self) -> str | None:
        # OIDC Core §3.1.2.1: redirect_uri is REQUIRED; no default is ever assumed.
        return None

    def get_allowed_scope(self, scope: str | None) -> str:
        wanted = (scope or "").split()
        return SCOPE if SCOPE in wanted else ""

    def check_redirect_uri(self, redirect_uri: str) -> bool:
        return redirect_uri in self.redirect_uris

    def check_client_secret(self, client_secret: str) -> bool:
        if self.secret_digest is None:
            return False
        digest = hashlib.sha256(client_secret.encode()).digest()
        return hmac.compare_digest(digest, self.secret_digest)

    def check_endpoint_auth_method(self, method: str, endpoint: str) -> bool:
        return method == self.token_endpoint_auth_method

    def check_response_type(self, response_type: str) -> bool:
        return response_type == "code"

    def check_grant_type(self, grant_type: str) -> bool:
        return grant_type == "authorization_code"


class ClientRegistry:
    """The registered clients by client_id."""

    def __init__(self, clients: Iterable[OidcClient]) -> None:
        self._clients = {client.client_id: client for client in clients}

    def get(self, client_id: str | None) -> OidcClient | None:
        if not isinstance(client_id, str):
            return None
        return self._clients.get(client_id)

    def __iter__(self) -> Any:
        return iter(self._clients.values())

    def __len__(self) -> int:
        return len(self._clients)


def is_acceptable_uri(uri: str, *, allow_http: bool) -> bool:
    """An absolute http(s) URI without fragment; plain http only on a development network
    (the broker itself on http) or for a loopback host (RFC 8252 §7.3)."""
    try:
        parts = urlsplit(uri)
    except ValueError:
        return False
    if parts.fragment or not parts.hostname or parts.scheme not in ("https", "http"):
        return False
    if parts.scheme == "http" and not allow_http:
        return parts.hostname in ("127.0.0.1", "localhost", "::1")
    return True


def _strings(value: Any) -> tuple[str, ...] | None:
    if isinstance(value, list) and all(isinstance(v, str) and v for v in value):
        return tuple(value)
    return None


def _path(base: Path, value: str) -> Path:
    path = Path(value)
    return path if path.is_absolute() else base / path


def _client(
    entry: Mapping[str, Any], base: Path, network: BrokerNetwork, allow_http: bool,
    problems: list[str],
) -> OidcClient | None:
    name = str(entry.get("client_id", "?"))
    before = len(problems)

    def bad(text: str) -> None:
        problems.append(f"client {name}: {text}")

    for key in sorted(set(entry) - _KEYS):
        bad(f"unknown key {key!r}")
    client_id = entry.get("client_id")
    dv = entry.get("dv_entity_id")
    if not isinstance(client_id, str) or not isinstance(dv, str):
        bad("client_id and dv_entity_id are required strings")
        return None
    try:
        service = network.service(client_id)
        network.dv(dv)
        if parse_entity_id(dv).oin != service.dv_oin:
            bad(f"the service belongs to OIN {service.dv_oin}, not to {dv}")
        if service.encryption_certificate is None:
            bad("the catalogue entry has no ServiceCertificate to encrypt identifiers for")
    except ProtocolError as exc:
        bad(f"{exc.public} (client_id must be a catalogue ServiceID, dv_entity_id a DV)")
    redirects = _strings(entry.get("redirect_uris"))
    if not redirects:
        bad("redirect_uris must be a non-empty list of URIs")
    logout_uris = _strings(entry.get("post_logout_redirect_uris", [])) or ()
    backchannel = entry.get("backchannel_logout_uri")
    for uri in (*(redirects or ()), *logout_uris, *([backchannel] if backchannel else [])):
        if not isinstance(uri, str) or not is_acceptable_uri(uri, allow_http=allow_http):
            bad(f"{uri!r} is not an absolute https URI without fragment")
    keys: KeySet | None = None
    raw_jwks = entry.get("jwks")
    if "jwks_file" in entry:
        try:
            raw_jwks = yaml.safe_load(_path(base, str(entry["jwks_file"])).read_text())
        except (OSError, yaml.YAMLError) as exc:
            bad(f"jwks_file: {exc}")
    method = entry.get("token_endpoint_auth_method", PRIVATE_KEY_JWT)
    if method not in (PRIVATE_KEY_JWT, *SECRET_METHODS):
        bad(f"token_endpoint_auth_method {method!r}: private_key_jwt or client_secret_*")
    if isinstance(raw_jwks, dict):
        try:
            keys = client_key_set(raw_jwks)
        except ValueError as exc:
            bad(f"jwks: {exc}")
    elif method == PRIVATE_KEY_JWT or raw_jwks is not None:
        bad("jwks (or jwks_file) with the client's public keys is required")
    digest: bytes | None = None
    if method in SECRET_METHODS:
        # Secrets only where an operator configured one (issue 6); never generated here.
        secret_file = entry.get("client_secret_file")
        if not isinstance(secret_file, str):
            bad(f"{method} needs client_secret_file")
        else:
            try:
                secret = _path(base, secret_file).read_text().strip()
                if len(secret) < 32:
                    bad("the client secret must have at least 32 characters")
                digest = hashlib.sha256(secret.encode()).digest()
            except OSError as exc:
                bad(f"client_secret_file: {exc}")
    elif "client_secret_file" in entry:
        bad("client_secret_file is only for client_secret_basic or client_secret_post")
    alg = entry.get("id_token_signed_response_alg", "RS256")
    if alg not in ID_TOKEN_ALGS:
        bad(f"id_token_signed_response_alg must be one of {', '.join(ID_TOKEN_ALGS)}")
    flags = {}
    for flag in ("require_pushed_authorization_requests", "require_signed_request_object"):
        value = entry.get(flag, False)
        if not isinstance(value, bool):
            bad(f"{flag} must be true or false")
        flags[flag] = bool(value)
    if len(problems) > before:
        return None
    return OidcClient(
        client_id=client_id,
        dv_entity_id=dv,
        redirect_uris=redirects or (),
        post_logout_redirect_uris=logout_uris,
        backchannel_logout_uri=backchannel,
        keys=keys,
        token_endpoint_auth_method=method,
        secret_digest=digest,
        id_token_signed_response_alg=alg,
        **flags,
    )


def load_clients(path: Path, network: BrokerNetwork, *, allow_http: bool) -> ClientRegistry:
    """Read and check the registrations file.

    :param allow_http: accept plain-http URIs on any host (a development network whose
        broker itself runs on http); otherwise only https and loopback http.
    :raises ConfigError: with every problem found.
    """
    try:
        data = yaml.safe_load(path.read_text())
    except (OSError, yaml.YAMLError) as exc:
        raise ConfigError([f"oidc_clients: {exc}"]) from exc
    if not isinstance(data, dict) or set(data) != {"clients"} or not isinstance(
        data["clients"], list
    ):
        raise ConfigError(["oidc_clients: the file must hold one key 'clients' with a list"])
    problems: list[str] = []
    clients: list[OidcClient] = []
    seen: set[str] = set()
    for entry in data["clients"]:
        if not isinstance(entry, dict):
            problems.append("oidc_clients: every client must be a mapping")
            continue
        client = _client(entry, path.parent, network, allow_http, problems)
        if client is None:
            continue
        if client.client_id in seen:
            problems.append(f"client {client.client_id}: registered twice")
        seen.add(client.client_id)
        clients.append(client)
    if problems:
        raise ConfigError(problems)
    return ClientRegistry(clients)


# --- writing registrations (the network builder, `makelaar`) ----------------------------------


def registration_entry(
    *,
    service_id: str,
    dv_entity_id: str,
    redirect_uris: Sequence[str],
    signing_keys: Sequence[KeyPair],
    post_logout_redirect_uris: Sequence[str] = (),
    backchannel_logout_uri: str | None = None,
) -> dict[str, Any]:
    """One client registration (a mapping for :func:`write_clients_file`) for a DV service,
    with the public halves of the DV's signing keys (current and next) as its JWKS."""
    entry: dict[str, Any] = {
        "client_id": service_id,
        "dv_entity_id": dv_entity_id,
        "redirect_uris": list(redirect_uris),
        "jwks": public_jwks(tuple(signing_keys)),
        "token_endpoint_auth_method": PRIVATE_KEY_JWT,
        "id_token_signed_response_alg": "RS256",
    }
    if post_logout_redirect_uris:
        entry["post_logout_redirect_uris"] = list(post_logout_redirect_uris)
    if backchannel_logout_uri:
        entry["backchannel_logout_uri"] = backchannel_logout_uri
    return entry


def write_clients_file(path: Path, entries: Sequence[Mapping[str, Any]]) -> Path:
    """Write the registrations file the broker setting ``oidc_clients`` names."""
    path.write_text(yaml.safe_dump({"clients": [dict(e) for e in entries]}, sort_keys=False))
    return path


def demo_registrations(
    *,
    dv_url: str,
    dv_entity_id: str,
    service_ids: Sequence[str],
    signing_keys: Sequence[KeyPair],
) -> list[dict[str, Any]]:
    """The demo DV's registrations: one client per service, all with the demo DV's callback,
    logout and back-channel URLs (``sp_adapters/oidc_client.py`` serves them)."""
    base = dv_url.rstrip("/")
    return [
        registration_entry(
            service_id=service_id,
            dv_entity_id=dv_entity_id,
            redirect_uris=(f"{base}/oidc/callback",),
            signing_keys=signing_keys,
            post_logout_redirect_uris=(f"{base}/",),
            backchannel_logout_uri=f"{base}/oidc/backchannel-logout",
        )
        for service_id in service_ids
    ]


__all__ = [
    "CLIENT_ALGS",
    "ClientRegistry",
    "OidcClient",
    "demo_registrations",
    "is_acceptable_uri",
    "load_clients",
    "registration_entry",
    "write_clients_file",
]
