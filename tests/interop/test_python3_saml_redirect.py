"""HTTP-Redirect detached signatures between python3-saml (OneLogin) and Makelaar, both ways.

python3-saml needs no web request object: its request data is a plain dict. It signs the query
octets with libxmlsec (``sign_binary``), a second implementation next to pysaml2's.
"""

from __future__ import annotations

import base64
from typing import Any
from urllib.parse import parse_qsl
from urllib.parse import quote_plus
from urllib.parse import urlsplit

import pytest
from cryptography.hazmat.primitives.serialization import Encoding
from lxml import etree
from onelogin.saml2.auth import OneLogin_Saml2_Auth
from onelogin.saml2.constants import OneLogin_Saml2_Constants as Constants
from onelogin.saml2.utils import OneLogin_Saml2_Utils

from etoegang.bindings.redirect import decode_redirect
from etoegang.bindings.redirect import encode_redirect
from etoegang.crypto.algorithms import SignatureMethod
from etoegang.errors import SignatureError
from etoegang.xml.ns import SAML
from etoegang.xml.ns import SAMLP
from keys.ring import KeyPair
from keys.ring import KeyRing

pytestmark = pytest.mark.interop

HM_SSO = "https://hm.example.nl/broker/sso/1.13"
HM_ENTITY = "urn:etoegang:HM:00000003520354760000:entities:9632"
DV_ENTITY = "urn:etoegang:DV:00000001234567890000:entities:0001"
RELAY_STATE = "state 1/2+3"


def _pem(pair: KeyPair) -> str:
    return pair.certificate.public_bytes(Encoding.PEM).decode("ascii")


def _settings(dv: KeyPair, hm: KeyPair) -> dict[str, Any]:
    """A python3-saml SP (the DV) that knows the HM as its IdP."""
    return {
        "strict": True,
        "debug": False,
        "sp": {
            "entityId": DV_ENTITY,
            "assertionConsumerService": {
                "url": "https://dv.example.nl/saml/acs",
                "binding": Constants.BINDING_HTTP_POST,
            },
            "singleLogoutService": {
                "url": "https://dv.example.nl/saml/slo",
                "binding": Constants.BINDING_HTTP_REDIRECT,
            },
            "x509cert": _pem(dv),
            "privateKey": dv.private_pem().decode("ascii"),
        },
        "idp": {
            "entityId": HM_ENTITY,
            "singleSignOnService": {"url": HM_SSO, "binding": Constants.BINDING_HTTP_REDIRECT},
            "x509cert": _pem(hm),
        },
        "security": {
            "authnRequestsSigned": True,
            "signatureAlgorithm": Constants.RSA_SHA256,
            "digestAlgorithm": Constants.SHA256,
            "rejectDeprecatedAlgorithm": True,
        },
    }


def _request_data(**extra: Any) -> dict[str, Any]:
    return {
        "https": "on",
        "http_host": "dv.example.nl",
        "script_name": "/saml/slo",
        "get_data": {},
        "post_data": {},
        **extra,
    }


@pytest.fixture(scope="module")
def python3_saml_url(rings: dict[str, KeyRing]) -> str:
    auth = OneLogin_Saml2_Auth(
        _request_data(), old_settings=_settings(rings["dv"].signing, rings["hm"].signing)
    )
    url = auth.login(return_to=RELAY_STATE)
    assert isinstance(url, str)
    return url


def _replace(query: str, name: str, raw_value: str) -> str:
    pieces = [piece.split("=", 1) for piece in query.split("&")]
    return "&".join(f"{n}={raw_value if n == name else v}" for n, v in pieces)


def test_python3_saml_signed_authn_request_verifies(
    python3_saml_url: str, rings: dict[str, KeyRing]
) -> None:
    dv = rings["dv"].signing.as_peer()
    message = decode_redirect(
        urlsplit(python3_saml_url).query, trusted=[dv], require_signature=True
    )
    assert message.signer == dv
    assert message.relay_state == RELAY_STATE
    assert message.element.tag == etree.QName(SAMLP, "AuthnRequest").text
    assert message.element.findtext(etree.QName(SAML, "Issuer").text) == DV_ENTITY


def test_python3_saml_request_with_tampered_relay_state_is_refused(
    python3_saml_url: str, rings: dict[str, KeyRing]
) -> None:
    tampered = _replace(urlsplit(python3_saml_url).query, "RelayState", quote_plus("other"))
    with pytest.raises(SignatureError):
        decode_redirect(tampered, trusted=[rings["dv"].signing.as_peer()], require_signature=True)


def test_python3_saml_request_with_tampered_saml_request_is_refused(
    python3_saml_url: str, rings: dict[str, KeyRing]
) -> None:
    query = urlsplit(python3_saml_url).query
    data = bytearray(base64.b64decode(dict(parse_qsl(query))["SAMLRequest"]))
    data[-1] ^= 0x01
    tampered = _replace(query, "SAMLRequest", quote_plus(base64.b64encode(bytes(data)).decode()))
    with pytest.raises(SignatureError):
        decode_redirect(tampered, trusted=[rings["dv"].signing.as_peer()], require_signature=True)


def test_lower_case_hex_signed_by_libxmlsec_verifies(rings: dict[str, KeyRing]) -> None:
    """An ADFS-style peer: python3-saml's lower-case escaping, signed over those very octets."""
    dv = rings["dv"].signing
    auth = OneLogin_Saml2_Auth(_request_data(), old_settings=_settings(dv, rings["hm"].signing))
    request = etree.Element(
        etree.QName(SAMLP, "AuthnRequest"),
        nsmap={"samlp": SAMLP, "saml": SAML},
        ID="_lower1",
        Version="2.0",
        IssueInstant="2026-11-01T12:00:00Z",
    )
    etree.SubElement(request, etree.QName(SAML, "Issuer")).text = DV_ENTITY
    payload = OneLogin_Saml2_Utils.deflate_and_base64_encode(etree.tostring(request))
    signed = auth._build_sign_query(  # the octets it signs, lower-case hex
        payload, RELAY_STATE, Constants.RSA_SHA256, "SAMLRequest", lowercase_urlencoding=True
    )
    assert "%2f" in signed and "%2F" not in signed
    signature = OneLogin_Saml2_Utils.sign_binary(signed, dv.private_pem().decode("ascii"))
    query = f"{signed}&Signature={quote_plus(base64.b64encode(signature).decode('ascii'))}"
    message = decode_redirect(query, trusted=[dv.as_peer()], require_signature=True)
    assert message.element.get("ID") == "_lower1"
    assert message.relay_state == RELAY_STATE


def _makelaar_logout_response(hm: KeyPair, relay_state: str | None) -> str:
    response = etree.Element(
        etree.QName(SAMLP, "LogoutResponse"),
        nsmap={"samlp": SAMLP, "saml": SAML},
        ID="_lr1",
        Version="2.0",
        IssueInstant="2026-11-01T12:00:00Z",
        Destination="https://dv.example.nl/saml/slo",
    )
    etree.SubElement(response, etree.QName(SAML, "Issuer")).text = HM_ENTITY
    return encode_redirect(
        "https://dv.example.nl/saml/slo",
        response,
        kind="SAMLResponse",
        relay_state=relay_state,
        key=hm,
        method=SignatureMethod.RSA_SHA256,
    )


@pytest.mark.parametrize("from_raw_query", [False, True], ids=["re-encoded", "raw-query"])
@pytest.mark.parametrize("relay_state", [None, "dv state/42 +=&?"], ids=["no-relay", "relay"])
def test_makelaar_signed_redirect_verifies_in_python3_saml(
    rings: dict[str, KeyRing], relay_state: str | None, from_raw_query: bool
) -> None:
    url = _makelaar_logout_response(rings["hm"].signing, relay_state)
    query = urlsplit(url).query
    get_data = dict(parse_qsl(query))
    extra = {"query_string": query, "validate_signature_from_qs": True} if from_raw_query else {}
    settings = _settings(rings["dv"].signing, rings["hm"].signing)
    auth = OneLogin_Saml2_Auth(_request_data(get_data=get_data, **extra), old_settings=settings)
    assert auth.validate_response_signature(get_data) is True, auth.get_errors()

    # The same message checked against another certificate fails there too.
    wrong = _settings(rings["dv"].signing, rings["dv"].signing)
    other = OneLogin_Saml2_Auth(_request_data(get_data=get_data, **extra), old_settings=wrong)
    assert other.validate_response_signature(get_data) is False


def test_makelaar_signature_checks_with_validate_binary_sign(rings: dict[str, KeyRing]) -> None:
    hm = rings["hm"].signing
    query = urlsplit(_makelaar_logout_response(hm, "x y")).query
    signed_octets, _, signature = query.rpartition("&Signature=")
    raw_signature = base64.b64decode(dict(parse_qsl(f"s={signature}"))["s"])
    assert OneLogin_Saml2_Utils.validate_binary_sign(
        signed_octets, raw_signature, _pem(hm), Constants.RSA_SHA256
    )
