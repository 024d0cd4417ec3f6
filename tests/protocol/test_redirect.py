"""HTTP-Redirect binding (SAML bindings §3.4): round trips, detached signature, hostile queries."""

from __future__ import annotations

import base64
import re
import zlib
from urllib.parse import parse_qsl
from urllib.parse import quote_plus
from urllib.parse import urlsplit

import pytest
from lxml import etree

from etoegang.bindings.redirect import decode_redirect
from etoegang.bindings.redirect import encode_redirect
from etoegang.crypto.algorithms import SignatureMethod
from etoegang.crypto.detached import sign_octets
from etoegang.errors import BindingError
from etoegang.errors import InflateError
from etoegang.errors import SignatureAlgorithmRefused
from etoegang.errors import SignatureError
from etoegang.errors import SignatureMissing
from etoegang.errors import UnknownSigner
from etoegang.errors import XmlForbiddenConstruct
from etoegang.xml.ns import SAML
from etoegang.xml.ns import SAMLP
from etoegang.xml.parser import deflate
from etoegang.xml.parser import serialize
from keys.ring import KeyRing

HM_SSO = "https://hm.example.nl/broker/sso/1.13"
DV_ENTITY = "urn:etoegang:DV:00000001234567890000:entities:0001"
RSA_SHA1 = "http://www.w3.org/2000/09/xmldsig#rsa-sha1"


def authn_request(request_id: str = "_a1b2c3d4e5f6") -> etree._Element:
    request = etree.Element(
        etree.QName(SAMLP, "AuthnRequest"),
        nsmap={"samlp": SAMLP, "saml": SAML},
        ID=request_id,
        Version="2.0",
        IssueInstant="2026-11-01T12:00:00Z",
        Destination=HM_SSO,
        AttributeConsumingServiceIndex="4",
    )
    etree.SubElement(request, etree.QName(SAML, "Issuer")).text = DV_ENTITY
    return request


def query_of(url: str) -> str:
    return urlsplit(url).query


def params_of(query: str) -> list[tuple[str, str]]:
    return [tuple(piece.split("=", 1)) for piece in query.split("&")]  # type: ignore[misc]


def join(params: list[tuple[str, str]]) -> str:
    return "&".join(f"{name}={value}" for name, value in params)


def replace_param(query: str, name: str, raw_value: str) -> str:
    return join([(n, raw_value if n == name else v) for n, v in params_of(query)])


def b64_deflate(xml: bytes) -> str:
    return quote_plus(base64.b64encode(deflate(xml)).decode("ascii"))


@pytest.fixture(scope="module")
def signed_url(rings: dict[str, KeyRing]) -> str:
    return encode_redirect(
        HM_SSO,
        authn_request(),
        kind="SAMLRequest",
        relay_state="dv-state/42 ?&=",
        key=rings["dv"].signing,
        method=SignatureMethod.RSA_SHA256,
    )


# --- round trips --------------------------------------------------------------------------------


def test_signed_round_trip_returns_message_relay_state_and_signer(
    signed_url: str, rings: dict[str, KeyRing]
) -> None:
    dv = rings["dv"].signing.as_peer()
    message = decode_redirect(query_of(signed_url), trusted=[dv], require_signature=True)
    assert message.kind == "SAMLRequest"
    assert message.element.get("ID") == "_a1b2c3d4e5f6"
    assert message.element.findtext(etree.QName(SAML, "Issuer").text) == DV_ENTITY
    assert message.relay_state == "dv-state/42 ?&="
    assert message.sig_alg is SignatureMethod.RSA_SHA256
    assert message.signer == dv


def test_parameters_are_in_the_signed_order(signed_url: str) -> None:
    names = [name for name, _ in params_of(query_of(signed_url))]
    assert names == ["SAMLRequest", "RelayState", "SigAlg", "Signature"]


def test_unsigned_round_trip_without_relay_state() -> None:
    url = encode_redirect(
        HM_SSO, authn_request(), kind="SAMLResponse", relay_state=None, key=None
    )
    assert [name for name, _ in params_of(query_of(url))] == ["SAMLResponse"]
    message = decode_redirect(query_of(url), trusted=[], require_signature=False)
    assert message.kind == "SAMLResponse"
    assert message.relay_state is None
    assert message.sig_alg is None
    assert message.signer is None
    assert serialize(message.element) == serialize(authn_request())


def test_unsigned_round_trip_with_relay_state() -> None:
    url = encode_redirect(HM_SSO, authn_request(), kind="SAMLRequest", relay_state="é 1", key=None)
    message = decode_redirect(query_of(url), trusted=None, require_signature=False)
    assert message.relay_state == "é 1"


@pytest.mark.parametrize(
    "method",
    [SignatureMethod.RSA_SHA384, SignatureMethod.RSA_SHA512, SignatureMethod.RSA_PSS_SHA256,
     SignatureMethod.RSA_PSS_SHA512],
    ids=lambda m: m.name,
)
def test_every_rsa_method_round_trips(method: SignatureMethod, rings: dict[str, KeyRing]) -> None:
    url = encode_redirect(
        HM_SSO, authn_request(), kind="SAMLRequest", relay_state=None,
        key=rings["dv"].signing, method=method,
    )
    message = decode_redirect(
        query_of(url), trusted=[rings["dv"].signing.as_peer()], require_signature=True
    )
    assert message.sig_alg is method


def test_location_with_query_string_keeps_it_and_verifies(rings: dict[str, KeyRing]) -> None:
    url = encode_redirect(
        HM_SSO + "?tenant=a", authn_request(), kind="SAMLRequest", relay_state="x",
        key=rings["dv"].signing,
    )
    assert url.startswith(HM_SSO + "?tenant=a&SAMLRequest=")
    message = decode_redirect(
        query_of(url), trusted=[rings["dv"].signing.as_peer()], require_signature=True
    )
    assert message.relay_state == "x"


def test_parameter_order_on_the_wire_does_not_matter(
    signed_url: str, rings: dict[str, KeyRing]
) -> None:
    reordered = join(list(reversed(params_of(query_of(signed_url)))))
    message = decode_redirect(
        reordered, trusted=[rings["dv"].signing.as_peer()], require_signature=True
    )
    assert message.relay_state == "dv-state/42 ?&="


def test_next_key_in_trusted_list_is_found(signed_url: str, rings: dict[str, KeyRing]) -> None:
    ring = rings["dv"]
    assert ring.signing_next is not None
    trusted = [ring.signing_next.as_peer(), ring.signing.as_peer()]
    message = decode_redirect(query_of(signed_url), trusted=trusted, require_signature=True)
    assert message.signer == ring.signing.as_peer()


# --- the signature covers the octets as received -------------------------------------------------


def test_signature_over_lower_case_hex_octets_verifies(rings: dict[str, KeyRing]) -> None:
    # ADFS-style encoders write %2b, not %2B; the signature covers what they wrote.
    payload = re.sub(r"%[0-9A-F]{2}", lambda m: m.group(0).lower(),
                     b64_deflate(serialize(authn_request())))
    sig_alg = "http%3a%2f%2fwww.w3.org%2f2001%2f04%2fxmldsig-more%23rsa-sha256"
    signed = f"SAMLRequest={payload}&RelayState=a%2fb&SigAlg={sig_alg}"
    signature = sign_octets(signed.encode("ascii"), rings["dv"].signing, SignatureMethod.RSA_SHA256)
    query = signed + "&Signature=" + quote_plus(base64.b64encode(signature).decode("ascii"))
    assert "%2f" in query
    dv = rings["dv"].signing.as_peer()
    message = decode_redirect(query, trusted=[dv], require_signature=True)
    assert message.relay_state == "a/b"


def test_re_encoding_the_octets_breaks_the_signature(
    signed_url: str, rings: dict[str, KeyRing]
) -> None:
    lowered = re.sub(r"%[0-9A-F]{2}", lambda m: m.group(0).lower(), query_of(signed_url))
    with pytest.raises(SignatureError):
        decode_redirect(lowered, trusted=[rings["dv"].signing.as_peer()], require_signature=True)


@pytest.mark.parametrize(
    ("name", "raw_value"),
    [
        ("SAMLRequest", b64_deflate(serialize(authn_request("_other0000001")))),
        ("RelayState", "dv-state%2F43+%3F%26%3D"),
        ("SigAlg", quote_plus(SignatureMethod.RSA_SHA512.value)),
    ],
    ids=["SAMLRequest", "RelayState", "SigAlg"],
)
def test_changing_one_parameter_breaks_the_signature(
    signed_url: str, rings: dict[str, KeyRing], name: str, raw_value: str
) -> None:
    tampered = replace_param(query_of(signed_url), name, raw_value)
    assert tampered != query_of(signed_url)
    with pytest.raises(SignatureError):
        decode_redirect(tampered, trusted=[rings["dv"].signing.as_peer()], require_signature=True)


def test_changing_the_signature_breaks_it(signed_url: str, rings: dict[str, KeyRing]) -> None:
    query = query_of(signed_url)
    signature = bytearray(base64.b64decode(dict(parse_qsl(query))["Signature"]))
    signature[10] ^= 0x01
    tampered = replace_param(
        query, "Signature", quote_plus(base64.b64encode(bytes(signature)).decode("ascii"))
    )
    with pytest.raises(SignatureError):
        decode_redirect(tampered, trusted=[rings["dv"].signing.as_peer()], require_signature=True)


def test_dropping_the_relay_state_breaks_the_signature(
    signed_url: str, rings: dict[str, KeyRing]
) -> None:
    without = join([(n, v) for n, v in params_of(query_of(signed_url)) if n != "RelayState"])
    with pytest.raises(SignatureError):
        decode_redirect(without, trusted=[rings["dv"].signing.as_peer()], require_signature=True)


def test_untrusted_certificate_is_refused(signed_url: str, rings: dict[str, KeyRing]) -> None:
    with pytest.raises(SignatureError):
        decode_redirect(
            query_of(signed_url), trusted=[rings["hm"].signing.as_peer()], require_signature=True
        )


def test_no_registered_certificates_is_an_unknown_signer(signed_url: str) -> None:
    with pytest.raises(UnknownSigner):
        decode_redirect(query_of(signed_url), trusted=[], require_signature=True)


def test_unsigned_message_refused_when_signature_required() -> None:
    url = encode_redirect(HM_SSO, authn_request(), kind="SAMLRequest", relay_state="x", key=None)
    with pytest.raises(SignatureMissing):
        decode_redirect(query_of(url), trusted=[], require_signature=True)


def test_stripping_the_signature_is_refused_when_required(
    signed_url: str, rings: dict[str, KeyRing]
) -> None:
    stripped = join(
        [(n, v) for n, v in params_of(query_of(signed_url)) if n not in ("SigAlg", "Signature")]
    )
    with pytest.raises(SignatureMissing):
        decode_redirect(stripped, trusted=[rings["dv"].signing.as_peer()], require_signature=True)


def test_sha1_sig_alg_is_refused(signed_url: str, rings: dict[str, KeyRing]) -> None:
    tampered = replace_param(query_of(signed_url), "SigAlg", quote_plus(RSA_SHA1))
    with pytest.raises(SignatureAlgorithmRefused):
        decode_redirect(tampered, trusted=[rings["dv"].signing.as_peer()], require_signature=True)


def test_unknown_sig_alg_is_refused(signed_url: str, rings: dict[str, KeyRing]) -> None:
    tampered = replace_param(query_of(signed_url), "SigAlg", "urn%3Anone")
    with pytest.raises(SignatureAlgorithmRefused):
        decode_redirect(tampered, trusted=[rings["dv"].signing.as_peer()], require_signature=True)


def test_ecdsa_signature_round_trips(dev_ca: object) -> None:
    from keys.devpki import issue_ec

    pair = issue_ec(dev_ca, "ec-signer")  # type: ignore[arg-type]
    url = encode_redirect(
        HM_SSO, authn_request(), kind="SAMLRequest", relay_state=None, key=pair,
        method=SignatureMethod.ECDSA_SHA256,
    )
    message = decode_redirect(query_of(url), trusted=[pair.as_peer()], require_signature=True)
    assert message.sig_alg is SignatureMethod.ECDSA_SHA256


def test_signing_with_a_method_for_another_key_type_is_refused(rings: dict[str, KeyRing]) -> None:
    with pytest.raises(SignatureAlgorithmRefused):
        encode_redirect(
            HM_SSO, authn_request(), kind="SAMLRequest", relay_state=None,
            key=rings["dv"].signing, method=SignatureMethod.ECDSA_SHA256,
        )


# --- malformed and hostile queries --------------------------------------------------------------


def test_deflate_bomb_is_refused() -> None:
    bomb = b"<a>" + b" " * (20 * 1024 * 1024) + b"</a>"
    compressed = zlib.compressobj(9, zlib.DEFLATED, -15)
    data = compressed.compress(bomb) + compressed.flush()
    assert len(data) < 100 * 1024
    query = "SAMLRequest=" + quote_plus(base64.b64encode(data).decode("ascii"))
    with pytest.raises(InflateError):
        decode_redirect(query, trusted=None, require_signature=False)


def test_not_deflate_is_refused() -> None:
    query = "SAMLRequest=" + quote_plus(base64.b64encode(b"<not deflated/>").decode("ascii"))
    with pytest.raises(InflateError):
        decode_redirect(query, trusted=None, require_signature=False)


@pytest.mark.parametrize("duplicate", ["SAMLRequest", "RelayState", "SigAlg", "Signature"])
def test_duplicate_parameter_is_refused(
    signed_url: str, rings: dict[str, KeyRing], duplicate: str
) -> None:
    params = params_of(query_of(signed_url))
    value = dict(params)[duplicate]
    query = join([*params, (duplicate, value)])
    with pytest.raises(BindingError, match="duplicate"):
        decode_redirect(query, trusted=[rings["dv"].signing.as_peer()], require_signature=True)


def test_duplicate_hidden_by_percent_encoded_name_is_refused(signed_url: str) -> None:
    query = query_of(signed_url) + "&SAML%52equest=" + b64_deflate(b"<x/>")
    with pytest.raises(BindingError, match="duplicate"):
        decode_redirect(query, trusted=None, require_signature=False)


def test_relay_state_of_81_bytes_is_refused_on_decode() -> None:
    query = f"SAMLRequest={b64_deflate(serialize(authn_request()))}&RelayState={'r' * 81}"
    with pytest.raises(BindingError, match="RelayState"):
        decode_redirect(query, trusted=None, require_signature=False)


def test_relay_state_of_80_bytes_is_accepted() -> None:
    query = f"SAMLRequest={b64_deflate(serialize(authn_request()))}&RelayState={'r' * 80}"
    assert decode_redirect(query, trusted=None, require_signature=False).relay_state == "r" * 80


def test_relay_state_over_80_bytes_is_refused_on_encode() -> None:
    with pytest.raises(BindingError, match="RelayState"):
        # 41 two-byte characters: 41 characters, 82 bytes.
        encode_redirect(HM_SSO, authn_request(), kind="SAMLRequest", relay_state="é" * 41, key=None)


def test_missing_message_parameter_is_refused() -> None:
    with pytest.raises(BindingError, match="no SAMLRequest"):
        decode_redirect("RelayState=x", trusted=None, require_signature=False)


def test_both_message_parameters_are_refused() -> None:
    value = b64_deflate(serialize(authn_request()))
    with pytest.raises(BindingError, match="both"):
        decode_redirect(
            f"SAMLRequest={value}&SAMLResponse={value}", trusted=None, require_signature=False
        )


def test_bad_base64_is_refused() -> None:
    with pytest.raises(BindingError, match="base64"):
        decode_redirect("SAMLRequest=%%%not-base64", trusted=None, require_signature=False)


def test_signature_without_sig_alg_is_refused(signed_url: str) -> None:
    query = join([(n, v) for n, v in params_of(query_of(signed_url)) if n != "SigAlg"])
    with pytest.raises(BindingError, match="Signature without SigAlg"):
        decode_redirect(query, trusted=None, require_signature=False)


def test_sig_alg_without_signature_is_refused(signed_url: str) -> None:
    query = join([(n, v) for n, v in params_of(query_of(signed_url)) if n != "Signature"])
    with pytest.raises(BindingError, match="SigAlg without Signature"):
        decode_redirect(query, trusted=None, require_signature=False)


def test_unknown_saml_encoding_is_refused() -> None:
    query = f"SAMLRequest={b64_deflate(serialize(authn_request()))}&SAMLEncoding=urn%3Ax"
    with pytest.raises(BindingError, match="SAMLEncoding"):
        decode_redirect(query, trusted=None, require_signature=False)


def test_inflated_doctype_is_refused_by_the_parser() -> None:
    xml = b'<!DOCTYPE a [<!ENTITY x "y">]><a>&x;</a>'
    with pytest.raises(XmlForbiddenConstruct):
        decode_redirect(f"SAMLRequest={b64_deflate(xml)}", trusted=None, require_signature=False)


def test_decoded_unicode_instead_of_raw_query_is_refused() -> None:
    with pytest.raises(BindingError, match="malformed"):
        decode_redirect("SAMLRequest=x&RelayState=€", trusted=None, require_signature=False)


def test_require_signature_without_trusted_certificates_is_a_programming_error() -> None:
    with pytest.raises(ValueError, match="trusted"):
        decode_redirect("SAMLRequest=x", trusted=None, require_signature=True)
