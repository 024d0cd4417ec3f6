"""The two test peers of the proxy benchmark, written with pysaml2, and the files both proxies read.

The service provider and the identity provider run inside the benchmark's client process (their
CPU is the client's, never a proxy's); they are the same code, keys and settings for every proxy
measured, and only the proxy's base URL differs. They speak plain SAML 2.0 Web Browser SSO with
the HTTP-POST binding both ways:

- the SP sends a signed AuthnRequest (RSA-SHA256, exclusive C14N) to the proxy's SSO endpoint;
- the IdP accepts only a signed AuthnRequest from the proxy, and answers with a Response whose
  Assertion is signed (the Response itself is not);
- the SP accepts only a signed Assertion from the proxy (``want_assertions_signed``).

:func:`write_files` makes a small PKI (one CA, a key per party) and every party's SAML metadata
(made by pysaml2 from the same settings the parties run with), so both proxies and both peers
trust exactly the same certificates. The URLs of the peers are never fetched: the client takes
each POST form meant for them and hands its contents to the peer object directly.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from saml2 import BINDING_HTTP_POST
from saml2.client import Saml2Client
from saml2.config import IdPConfig
from saml2.config import SPConfig
from saml2.metadata import entity_descriptor
from saml2.saml import NAMEID_FORMAT_TRANSIENT
from saml2.saml import NameID
from saml2.server import Server
from saml2.xmldsig import DIGEST_SHA256
from saml2.xmldsig import SIG_RSA_SHA256

from keys.devpki import issue
from keys.devpki import new_ca
from keys.ring import write_certificate
from keys.ring import write_private_key

SP_ENTITY = "https://sp.bench.invalid/sp"
SP_ACS = "https://sp.bench.invalid/acs"
IDP_ENTITY = "https://idp.bench.invalid/idp"
IDP_SSO = "https://idp.bench.invalid/sso"
#: The proxy's two faces: an IdP towards the SP, an SP towards the IdP.
PROXY_IDP_ENTITY = "https://proxy.bench.invalid/idp"
PROXY_SP_ENTITY = "https://proxy.bench.invalid/sp"
#: Paths of the proxy's endpoints (SATOSA's: the frontend's SSO endpoint sits under the backend's
#: name, ``Saml2``; the backend's ACS is configured).
PROXY_SSO_PATH = "/Saml2/sso/post"
PROXY_ACS_PATH = "/Saml2/acs/post"
XMLSEC = "/usr/bin/xmlsec1"
IDENTITY: dict[str, list[str]] = {
    "uid": ["jdoe"],
    "mail": ["jdoe@example.org"],
    "givenName": ["Jane"],
    "sn": ["Doe"],
    "displayName": ["Jane Doe"],
}


@dataclass(frozen=True, slots=True)
class PeerFiles:
    """Metadata of one benchmark setup (per proxy base URL) and the keys all setups share."""

    directory: Path
    proxy_url: str
    keys_dir: Path

    def key(self, party: str) -> Path:
        return self.keys_dir / f"{party}.key"

    def cert(self, party: str) -> Path:
        return self.keys_dir / f"{party}.crt"

    def metadata(self, party: str) -> Path:
        return self.directory / f"{party}.xml"


def _sp_config(files: PeerFiles) -> dict[str, Any]:
    return {
        "entityid": SP_ENTITY,
        "key_file": str(files.key("sp")),
        "cert_file": str(files.cert("sp")),
        "xmlsec_binary": XMLSEC,
        "metadata": {"local": [str(files.metadata("proxy-idp"))]},
        "accepted_time_diff": 60,
        "allow_unknown_attributes": True,
        "service": {
            "sp": {
                "endpoints": {"assertion_consumer_service": [(SP_ACS, BINDING_HTTP_POST)]},
                "authn_requests_signed": True,
                "want_assertions_signed": True,
                "want_response_signed": False,
                "name_id_format": NAMEID_FORMAT_TRANSIENT,
                "signing_algorithm": SIG_RSA_SHA256,
                "digest_algorithm": DIGEST_SHA256,
            }
        },
    }


def _idp_config(files: PeerFiles) -> dict[str, Any]:
    return {
        "entityid": IDP_ENTITY,
        "key_file": str(files.key("idp")),
        "cert_file": str(files.cert("idp")),
        "xmlsec_binary": XMLSEC,
        "metadata": {"local": [str(files.metadata("proxy-sp"))]},
        "accepted_time_diff": 60,
        "service": {
            "idp": {
                "endpoints": {"single_sign_on_service": [(IDP_SSO, BINDING_HTTP_POST)]},
                "want_authn_requests_signed": True,
                "name_id_format": [NAMEID_FORMAT_TRANSIENT],
                "policy": {"default": {"lifetime": {"minutes": 15}, "name_form":
                                       "urn:oasis:names:tc:SAML:2.0:attrname-format:uri"}},
            }
        },
    }


def proxy_sp_config(files: PeerFiles) -> dict[str, Any]:
    """The proxy's SP face, as pysaml2 settings (also what SATOSA's backend runs with)."""
    return {
        "entityid": PROXY_SP_ENTITY,
        "key_file": str(files.key("proxy")),
        "cert_file": str(files.cert("proxy")),
        "xmlsec_binary": XMLSEC,
        "metadata": {"local": [str(files.metadata("idp"))]},
        "accepted_time_diff": 60,
        "service": {
            "sp": {
                "endpoints": {
                    "assertion_consumer_service": [
                        (files.proxy_url + PROXY_ACS_PATH, BINDING_HTTP_POST)
                    ]
                },
                "authn_requests_signed": True,
                "want_assertions_signed": True,
                "want_response_signed": False,
                "allow_unsolicited": False,
                "name_id_format": NAMEID_FORMAT_TRANSIENT,
            }
        },
    }


def proxy_idp_config(files: PeerFiles) -> dict[str, Any]:
    """The proxy's IdP face, as pysaml2 settings (also what SATOSA's frontend runs with)."""
    return {
        "entityid": PROXY_IDP_ENTITY,
        "key_file": str(files.key("proxy")),
        "cert_file": str(files.cert("proxy")),
        "xmlsec_binary": XMLSEC,
        "metadata": {"local": [str(files.metadata("sp"))]},
        "accepted_time_diff": 60,
        "service": {
            "idp": {
                "endpoints": {
                    "single_sign_on_service": [
                        (files.proxy_url + PROXY_SSO_PATH, BINDING_HTTP_POST)
                    ]
                },
                "want_authn_requests_signed": True,
                "name_id_format": [NAMEID_FORMAT_TRANSIENT],
                "policy": {
                    "default": {
                        "lifetime": {"minutes": 15},
                        "name_form": "urn:oasis:names:tc:SAML:2.0:attrname-format:uri",
                        "sign_response": False,
                        "sign_assertion": True,
                        "encrypt_assertion": False,
                    }
                },
            }
        },
    }


def _metadata(config: dict[str, Any], kind: str) -> bytes:
    loaded = (SPConfig() if kind == "sp" else IdPConfig()).load(dict(config, metadata={}))
    return str(entity_descriptor(loaded)).encode("utf-8")


def write_keys(keys_dir: Path) -> None:
    """Keys for SP, IdP and proxy under one CA (every proxy measured uses the same)."""
    keys_dir.mkdir(parents=True, exist_ok=True)
    ca = new_ca()
    for party in ("sp", "idp", "proxy"):
        pair = issue(ca, f"bench {party}", usage="signing")
        write_private_key(keys_dir / f"{party}.key", pair.private_key)
        write_certificate(keys_dir / f"{party}.crt", pair.certificate)


def write_files(directory: Path, proxy_url: str, keys_dir: Path) -> PeerFiles:
    """Every party's metadata for a proxy at ``proxy_url``, with the keys in ``keys_dir``."""
    directory.mkdir(parents=True, exist_ok=True)
    files = PeerFiles(directory, proxy_url.rstrip("/"), keys_dir)
    if not files.key("proxy").exists():
        write_keys(keys_dir)
    files.metadata("sp").write_bytes(_metadata(_sp_config(files), "sp"))
    files.metadata("idp").write_bytes(_metadata(_idp_config(files), "idp"))
    files.metadata("proxy-sp").write_bytes(_metadata(proxy_sp_config(files), "sp"))
    files.metadata("proxy-idp").write_bytes(_metadata(proxy_idp_config(files), "idp"))
    return files


class TestSp:
    """The service provider: makes signed AuthnRequests, checks the proxy's Responses."""

    def __init__(self, files: PeerFiles) -> None:
        config = SPConfig().load(_sp_config(files))
        self.client = Saml2Client(config)

    def request(self) -> tuple[str, dict[str, str]]:
        """(request ID, POST fields for the proxy's SSO endpoint)."""
        request_id, info = self.client.prepare_for_authenticate(
            entityid=PROXY_IDP_ENTITY,
            binding=BINDING_HTTP_POST,
            relay_state="bench",
            sign=True,
            sigalg=SIG_RSA_SHA256,
            digest_alg=DIGEST_SHA256,
        )
        return str(request_id), _form_fields(info)

    def accept(self, saml_response: str, request_id: str) -> dict[str, list[str]]:
        """The attributes of a verified Response to ``request_id`` (raises when it is not)."""
        response = self.client.parse_authn_request_response(
            saml_response, BINDING_HTTP_POST, outstanding={request_id: "bench"}
        )
        if response is None:
            raise ValueError("the SP refused the Response")
        identity: dict[str, list[str]] = response.get_identity()
        return identity


class TestIdp:
    """The identity provider: checks the proxy's AuthnRequest and answers for one user."""

    def __init__(self, files: PeerFiles) -> None:
        self.server = Server(config=IdPConfig().load(_idp_config(files)))

    def answer(self, saml_request: str, relay_state: str) -> tuple[str, dict[str, str]]:
        """(where to POST, the fields) for a signed AuthnRequest from the proxy."""
        request = self.server.parse_authn_request(saml_request, BINDING_HTTP_POST)
        message = request.message
        # parse_authn_request verified the signature (want_authn_requests_signed); this makes
        # sure there was one to verify.
        if message.signature is None:
            raise ValueError("the IdP refused an unsigned AuthnRequest")
        destination = str(message.assertion_consumer_service_url)
        response = self.server.create_authn_response(
            dict(IDENTITY),
            in_response_to=message.id,
            destination=destination,
            sp_entity_id=message.issuer.text,
            name_id=NameID(format=NAMEID_FORMAT_TRANSIENT, text="bench-user-1"),
            authn={
                "class_ref": "urn:oasis:names:tc:SAML:2.0:ac:classes:PasswordProtectedTransport",
                "authn_auth": IDP_ENTITY,
            },
            sign_response=False,
            sign_assertion=True,
            sign_alg=SIG_RSA_SHA256,
            digest_alg=DIGEST_SHA256,
        )
        info = self.server.apply_binding(
            BINDING_HTTP_POST, str(response), destination, relay_state, response=True
        )
        return destination, _form_fields(info)


def _form_fields(info: dict[str, Any]) -> dict[str, str]:
    """The hidden fields of pysaml2's auto-submitting POST form."""
    from makelaar.walkthrough import parse_page

    body = info.get("data") or ""
    if isinstance(body, list):
        body = "".join(body)
    page = parse_page("https://peer.bench.invalid/", 200, str(body))
    if not page.forms:
        raise ValueError("no POST form from pysaml2")
    return {c.name: c.value for c in page.forms[0].controls if c.kind == "hidden"}
