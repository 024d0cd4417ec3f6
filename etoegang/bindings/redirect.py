"""The SAML HTTP-Redirect binding: DEFLATE, base64, URL-encoding and the detached signature.

Spec: SAML 2.0 bindings §3.4 (§3.4.4.1: the signature covers the octets
``SAMLRequest=value&RelayState=value&SigAlg=value`` *as they appear in the URL*, in that order,
RelayState only if present) and ``shared/spec/eherkenning.md`` §4.1 (an HM may accept the DV's
AuthnRequest by Redirect), §4.2 (RelayState at most 80 bytes) and §4.3 (RSA-SHA256, no SHA-1).

Decoding never re-encodes: different encoders percent-encode differently (lower- or upper-case
hex, ``+`` or ``%20``, which characters stay bare), so the signed octets are rebuilt from the
substrings of the query string exactly as received. The detached signature is checked against
the caller's registered certificates only; an enveloped signature inside the message itself is
left to the caller (:func:`etoegang.crypto.xmldsig.verify`).
"""

from __future__ import annotations

import base64
import binascii
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Final
from typing import Literal
from urllib.parse import quote_plus
from urllib.parse import unquote_to_bytes
from urllib.parse import urlsplit

from lxml import etree

from etoegang.crypto.algorithms import SignatureMethod
from etoegang.crypto.detached import method_from_uri
from etoegang.crypto.detached import sign_octets
from etoegang.crypto.detached import verify_octets
from etoegang.errors import BindingError
from etoegang.errors import SignatureMissing
from etoegang.xml.parser import MESSAGE_LIMITS
from etoegang.xml.parser import deflate
from etoegang.xml.parser import inflate
from etoegang.xml.parser import parse_xml
from etoegang.xml.parser import serialize
from keys.ring import KeyPair
from keys.ring import PeerCertificate

__all__ = [
    "MAX_RELAY_STATE_BYTES",
    "MessageKind",
    "RedirectMessage",
    "check_kind",
    "check_relay_state",
    "decode_redirect",
    "encode_redirect",
]

#: Which message a binding parameter carries (SAML bindings §3.4.4, §3.5.4).
MessageKind = Literal["SAMLRequest", "SAMLResponse"]
_KINDS: Final = ("SAMLRequest", "SAMLResponse")

#: eHerkenning §4.2 and SAML bindings §3.4.3: RelayState "MUST NOT exceed 80 bytes".
MAX_RELAY_STATE_BYTES: Final = 80

_RELAY_STATE: Final = "RelayState"
_SIG_ALG: Final = "SigAlg"
_SIGNATURE: Final = "Signature"
_SAML_ENCODING: Final = "SAMLEncoding"
#: Bindings §3.4.4.1: the only encoding defined, and the default when SAMLEncoding is absent.
_DEFLATE_ENCODING: Final = "urn:oasis:names:tc:SAML:2.0:bindings:URL-Encoding:DEFLATE"
#: A base64 text longer than this cannot inflate to anything the parser would accept anyway
#: (DEFLATE compresses, it does not expand by more than a few bytes per block).
_MAX_ENCODED_CHARS: Final = 2 * MESSAGE_LIMITS.max_bytes
#: Longest query string decoded at all; real Redirect URLs stay far below 64 KiB.
_MAX_QUERY_BYTES: Final = 256 * 1024
#: An RSA-16384 signature is 2 KiB; anything larger is not a signature.
_MAX_SIGNATURE_BYTES: Final = 4096


@dataclass(frozen=True, slots=True)
class RedirectMessage:
    """A SAML message received by HTTP-Redirect."""

    kind: MessageKind
    #: The parsed message. Only as trustworthy as ``signer`` says.
    element: etree._Element
    relay_state: str | None
    #: The SigAlg of the detached signature, or None when the query carried none.
    sig_alg: SignatureMethod | None
    #: The registered certificate whose key verified the detached signature; None when the
    #: message was not signed or ``decode_redirect`` was asked not to verify (``trusted=None``).
    signer: PeerCertificate | None


def check_relay_state(relay_state: str | None) -> None:
    """Refuse a RelayState over 80 bytes (eHerkenning §4.2) with :class:`BindingError`."""
    if relay_state is not None and len(relay_state.encode("utf-8")) > MAX_RELAY_STATE_BYTES:
        raise BindingError(
            "RelayState too long",
            debug=f"{len(relay_state.encode('utf-8'))} > {MAX_RELAY_STATE_BYTES} bytes",
        )


def check_kind(kind: str) -> MessageKind:
    """``kind`` as a :data:`MessageKind`, or :class:`BindingError`."""
    if kind == "SAMLRequest":
        return "SAMLRequest"
    if kind == "SAMLResponse":
        return "SAMLResponse"
    raise BindingError("unknown SAML binding parameter", debug=repr(kind)[:40])


def _encode(value: str) -> str:
    # Form encoding with upper-case hex, byte for byte what Python's urlencode gives: several
    # peers (pysaml2, python3-saml by default) rebuild the signed octets by re-encoding the
    # decoded values that way instead of using the octets received, so we emit exactly that.
    return quote_plus(value, safe="")


# --- encoding ---------------------------------------------------------------------------------


def encode_redirect(
    location: str,
    message: etree._Element,
    *,
    kind: MessageKind,
    relay_state: str | None,
    key: KeyPair | None,
    method: SignatureMethod = SignatureMethod.RSA_SHA256,
) -> str:
    """The full URL that carries ``message`` to ``location`` by HTTP-Redirect.

    :param location: the endpoint from the peer's metadata; it may already have a query string,
        to which the SAML parameters are appended (they alone are covered by the signature).
    :param key: our signing key, or None for an unsigned message.
    :param method: the SigAlg used when ``key`` is given.
    """
    kind = check_kind(kind)
    check_relay_state(relay_state)
    payload = base64.b64encode(deflate(serialize(message))).decode("ascii")
    parts = [f"{kind}={_encode(payload)}"]
    if relay_state is not None:
        parts.append(f"{_RELAY_STATE}={_encode(relay_state)}")
    if key is not None:
        parts.append(f"{_SIG_ALG}={_encode(method.value)}")
        # Bindings §3.4.4.1: sign the octets of the parameters in exactly this order and form.
        signed = "&".join(parts).encode("ascii")
        signature = base64.b64encode(sign_octets(signed, key, method)).decode("ascii")
        parts.append(f"{_SIGNATURE}={_encode(signature)}")
    query = "&".join(parts)
    base, _, fragment = location.partition("#")
    if fragment:
        raise BindingError("endpoint location has a fragment", debug=location[:120])
    if not urlsplit(base).query:
        return f"{base.rstrip('?')}?{query}"
    return f"{base.rstrip('&')}&{query}"


# --- decoding ---------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class _Param:
    #: The whole ``name=value`` substring as received (the octets the signature covers).
    raw: bytes
    value: bytes


def _unquote(octets: bytes) -> bytes:
    # application/x-www-form-urlencoded: '+' is a space, then %XX escapes.
    return unquote_to_bytes(octets.replace(b"+", b" "))


def _split_query(query: bytes) -> dict[str, _Param]:
    params: dict[str, _Param] = {}
    for piece in query.split(b"&"):
        if not piece:
            continue
        raw_name, _, raw_value = piece.partition(b"=")
        try:
            name = _unquote(raw_name).decode("ascii")
        except UnicodeDecodeError as exc:
            raise BindingError("malformed query string", debug="non-ASCII parameter name") from exc
        if name in params:
            # Two SAMLRequests (or RelayStates) leave it to chance which one a signature
            # check and which one the later processing reads: refuse them all.
            raise BindingError("duplicate query parameter", debug=name[:40])
        params[name] = _Param(raw=piece, value=_unquote(raw_value))
    return params


def _text(param: _Param, name: str) -> str:
    try:
        return param.value.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise BindingError(f"{name} is not UTF-8") from exc


def _b64(value: bytes, name: str, limit: int) -> bytes:
    if len(value) > limit:
        raise BindingError(f"{name} too large", debug=f"{len(value)} > {limit} characters")
    try:
        return base64.b64decode(value, validate=True)
    except (binascii.Error, ValueError) as exc:
        raise BindingError(f"{name} is not valid base64", debug=str(exc)[:80]) from exc


def _message_param(params: dict[str, _Param]) -> tuple[MessageKind, _Param]:
    present = [kind for kind in _KINDS if kind in params]
    if not present:
        raise BindingError("no SAMLRequest or SAMLResponse in the query string")
    if len(present) > 1:
        raise BindingError("both SAMLRequest and SAMLResponse in the query string")
    kind = check_kind(present[0])
    return kind, params[kind]


def _raw_query(query_string: str | bytes) -> bytes:
    if isinstance(query_string, str):
        try:
            raw = query_string.encode("latin-1")
        except UnicodeEncodeError as exc:
            # Werkzeug's raw query, decoded as latin-1, always encodes back; a str with wider
            # characters was decoded by someone else and no longer holds the received octets.
            raise BindingError(
                "malformed query string", debug="not the raw query string (characters > 0xFF)"
            ) from exc
    else:
        raw = bytes(query_string)
    if len(raw) > _MAX_QUERY_BYTES:
        raise BindingError("query string too long", debug=f"{len(raw)} bytes")
    return raw[1:] if raw.startswith(b"?") else raw


def decode_redirect(
    query_string: str | bytes,
    *,
    trusted: Sequence[PeerCertificate] | None,
    require_signature: bool,
) -> RedirectMessage:
    """Decode, and verify the detached signature of, a message received by HTTP-Redirect.

    :param query_string: the RAW query string as received, e.g. werkzeug's
        ``request.query_string.decode("latin-1")`` (never a re-encoded ``request.args``).
    :param trusted: the sender's certificates from its registered metadata. ``None`` skips the
        signature check (for a first look at the Issuer to find those certificates); the result
        then has ``signer=None`` and must be decoded again with them before it is trusted.
    :param require_signature: refuse a message without a detached signature.
    :raises BindingError: malformed binding (missing or both message parameters, duplicate
        parameters, bad base64, RelayState over 80 bytes, Signature without SigAlg, ...).
    :raises InflateError: not DEFLATE, or inflating past the message size cap (deflate bomb).
    :raises SignatureMissing: unsigned and ``require_signature``.
    :raises SignatureAlgorithmRefused: a SigAlg not on the allow-list (SHA-1 included).
    :raises SignatureError: the signature does not verify with any trusted certificate.
    :raises XmlError: the inflated message is refused by the hardened parser.
    """
    if require_signature and trusted is None:
        raise ValueError("require_signature needs the trusted certificates to check it with")
    params = _split_query(_raw_query(query_string))
    kind, message = _message_param(params)
    encoding = params.get(_SAML_ENCODING)
    if encoding is not None and _text(encoding, _SAML_ENCODING) != _DEFLATE_ENCODING:
        raise BindingError("unsupported SAMLEncoding", debug=encoding.value[:80].decode("latin-1"))

    relay_param = params.get(_RELAY_STATE)
    relay_state = _text(relay_param, _RELAY_STATE) if relay_param is not None else None
    check_relay_state(relay_state)

    sig_alg_param = params.get(_SIG_ALG)
    signature_param = params.get(_SIGNATURE)
    if signature_param is not None and sig_alg_param is None:
        raise BindingError("Signature without SigAlg")
    if sig_alg_param is not None and signature_param is None:
        raise BindingError("SigAlg without Signature")

    sig_alg: SignatureMethod | None = None
    signer: PeerCertificate | None = None
    if sig_alg_param is not None and signature_param is not None:
        sig_alg = method_from_uri(_text(sig_alg_param, _SIG_ALG))
        signature = _b64(signature_param.value, _SIGNATURE, 2 * _MAX_SIGNATURE_BYTES)
        if trusted is not None:
            # Bindings §3.4.4.1: the octets as received, in the order SAMLRequest/SAMLResponse,
            # RelayState (only if present), SigAlg, whatever order they arrived in.
            pieces = [message.raw]
            if relay_param is not None:
                pieces.append(relay_param.raw)
            pieces.append(sig_alg_param.raw)
            signer = verify_octets(b"&".join(pieces), signature, trusted, sig_alg)
    elif require_signature:
        raise SignatureMissing("the message must be signed", debug="no Signature parameter")

    deflated = _b64(message.value, kind, _MAX_ENCODED_CHARS)
    element = parse_xml(inflate(deflated, MESSAGE_LIMITS.max_bytes), MESSAGE_LIMITS)
    return RedirectMessage(
        kind=kind, element=element, relay_state=relay_state, sig_alg=sig_alg, signer=signer
    )
