"""HTTP-Redirect detached signatures between pysaml2 and Makelaar, in both directions.

pysaml2 signs the Redirect query with ``cryptography`` (saml2.sigver.RSACrypto), not with the
xmlsec1 binary; its client still wants the binary to exist at construction, so without it the
pysaml2-to-Makelaar tests are skipped.
"""

from __future__ import annotations

import base64
import shutil
from pathlib import Path
from urllib.parse import parse_qsl
from urllib.parse import quote_plus
from urllib.parse import urlsplit

import pytest
from lxml import etree
from saml2 import BINDING_HTTP_POST
from saml2 import BINDING_HTTP_REDIRECT
from saml2.client import Saml2Client
from saml2.config import SPConfig
from saml2.sigver import RSACrypto
from saml2.sigver import verify_redirect_signature
from saml2.xmldsig import SIG_RSA_SHA256

from etoegang.bindings.redirect import decode_redirect
from etoegang.bindings.redirect import encode_redirect
from etoegang.crypto.algorithms import SignatureMethod
from etoegang.errors import SignatureError
from etoegang.xml.ns import SAML
from etoegang.xml.ns import SAMLP
from keys.ring import KeyRing
from keys.ring import write_certificate
from keys.ring import write_private_key

pytestmark = pytest.mark.interop

HM_SSO = "https://hm.example.nl/broker/sso/1.13"
DV_ENTITY = "urn:etoegang:DV:00000001234567890000:entities:0001"
RELAY_STATE = "state 1/2+3"


@pytest.fixture(scope="module")
def pysaml2_url(rings: dict[str, KeyRing], tmp_path_factory: pytest.TempPathFactory) -> str:
    """A signed Redirect AuthnRequest URL made by a pysaml2 SP with the DV's signing key."""
    xmlsec1 = shutil.which("xmlsec1")
    if xmlsec1 is None:
        pytest.skip("pysaml2's client needs the xmlsec1 binary to exist")
    directory: Path = tmp_path_factory.mktemp("pysaml2-sp")
    signing = rings["dv"].signing
    write_private_key(directory / "sp.key", signing.private_key)
    write_certificate(directory / "sp.crt", signing.certificate)
    config = SPConfig()
    config.load(
        {
            "entityid": DV_ENTITY,
            "key_file": str(directory / "sp.key"),
            "cert_file": str(directory / "sp.crt"),
            "xmlsec_binary": xmlsec1,
            "service": {
                "sp": {
                    "endpoints": {
                        "assertion_consumer_service": [
                            ("https://dv.example.nl/saml/acs", BINDING_HTTP_POST)
                        ]
                    },
                    "authn_requests_signed": True,
                }
            },
        }
    )
    client = Saml2Client(config=config)
    # The Redirect binding signs the query, not the XML (bindings §3.4.4.1).
    _request_id, request = client.create_authn_request(HM_SSO, sign=False)
    info = client.apply_binding(
        BINDING_HTTP_REDIRECT,
        str(request),
        HM_SSO,
        relay_state=RELAY_STATE,
        sign=True,
        sigalg=SIG_RSA_SHA256,
    )
    location = dict(info["headers"])["Location"]
    assert isinstance(location, str)
    return location


def _replace(query: str, name: str, raw_value: str) -> str:
    pieces = [piece.split("=", 1) for piece in query.split("&")]
    return "&".join(f"{n}={raw_value if n == name else v}" for n, v in pieces)


def test_pysaml2_signed_authn_request_verifies_with_the_dv_certificate(
    pysaml2_url: str, rings: dict[str, KeyRing]
) -> None:
    dv = rings["dv"].signing.as_peer()
    message = decode_redirect(urlsplit(pysaml2_url).query, trusted=[dv], require_signature=True)
    assert message.signer == dv
    assert message.sig_alg is SignatureMethod.RSA_SHA256
    assert message.relay_state == RELAY_STATE
    assert message.element.tag == etree.QName(SAMLP, "AuthnRequest").text
    assert message.element.findtext(etree.QName(SAML, "Issuer").text) == DV_ENTITY


def test_pysaml2_request_is_refused_with_another_certificate(
    pysaml2_url: str, rings: dict[str, KeyRing]
) -> None:
    with pytest.raises(SignatureError):
        decode_redirect(
            urlsplit(pysaml2_url).query,
            trusted=[rings["hm"].signing.as_peer()],
            require_signature=True,
        )


def test_pysaml2_request_with_tampered_relay_state_is_refused(
    pysaml2_url: str, rings: dict[str, KeyRing]
) -> None:
    tampered = _replace(urlsplit(pysaml2_url).query, "RelayState", quote_plus("state 1/2+4"))
    with pytest.raises(SignatureError):
        decode_redirect(tampered, trusted=[rings["dv"].signing.as_peer()], require_signature=True)


def test_pysaml2_request_with_tampered_saml_request_is_refused(
    pysaml2_url: str, rings: dict[str, KeyRing]
) -> None:
    query = urlsplit(pysaml2_url).query
    original = dict(parse_qsl(query))["SAMLRequest"]
    # Flip one bit of the DEFLATE stream's last byte: still base64, no longer the signed octets.
    data = bytearray(base64.b64decode(original))
    data[-1] ^= 0x01
    tampered = _replace(query, "SAMLRequest", quote_plus(base64.b64encode(bytes(data)).decode()))
    with pytest.raises(SignatureError):
        decode_redirect(tampered, trusted=[rings["dv"].signing.as_peer()], require_signature=True)


@pytest.mark.parametrize("relay_state", [None, "dv state/42 +=&?"], ids=["no-relay", "relay"])
def test_makelaar_signed_redirect_verifies_in_pysaml2(
    rings: dict[str, KeyRing], relay_state: str | None
) -> None:
    hm = rings["hm"].signing
    response = etree.Element(
        etree.QName(SAMLP, "LogoutResponse"),
        nsmap={"samlp": SAMLP},
        ID="_lr1",
        Version="2.0",
        IssueInstant="2026-11-01T12:00:00Z",
    )
    url = encode_redirect(
        "https://dv.example.nl/saml/slo",
        response,
        kind="SAMLResponse",
        relay_state=relay_state,
        key=hm,
        method=SignatureMethod.RSA_SHA256,
    )
    saml_msg = dict(parse_qsl(urlsplit(url).query))
    cert_body = base64.b64encode(hm.as_peer().der).decode("ascii")
    assert verify_redirect_signature(saml_msg, RSACrypto(None), cert=cert_body) is True

    other = base64.b64encode(rings["dv"].signing.as_peer().der).decode("ascii")
    assert verify_redirect_signature(saml_msg, RSACrypto(None), cert=other) is False
