"""Properties of the HTTP-Redirect binding: any RelayState and message text round-trips signed,
and any change to a signed parameter breaks the signature."""

from __future__ import annotations

from urllib.parse import quote_plus
from urllib.parse import urlsplit

import pytest
from hypothesis import HealthCheck
from hypothesis import assume
from hypothesis import given
from hypothesis import settings
from hypothesis import strategies as st
from lxml import etree

from etoegang.bindings.redirect import MAX_RELAY_STATE_BYTES
from etoegang.bindings.redirect import decode_redirect
from etoegang.bindings.redirect import encode_redirect
from etoegang.errors import SignatureError
from etoegang.xml.ns import SAML
from etoegang.xml.ns import SAMLP
from keys.ring import KeyRing

# Text XML 1.0 can carry: no surrogates, no C0 controls but tab, newline, carriage return.
xml_text = st.text(
    st.characters(
        exclude_categories=["Cs"],
        exclude_characters=[chr(c) for c in range(32) if c not in (9, 10, 13)] + ["\ufffe"],
    ),
    max_size=40,
)
relay_states = st.text(st.characters(exclude_categories=["Cs"]), max_size=40).filter(
    lambda s: len(s.encode("utf-8")) <= MAX_RELAY_STATE_BYTES
)

_SETTINGS = settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)


def _request(provider_name: str) -> etree._Element:
    request = etree.Element(
        etree.QName(SAMLP, "AuthnRequest"),
        nsmap={"samlp": SAMLP, "saml": SAML},
        ID="_p1",
        Version="2.0",
        IssueInstant="2026-11-01T12:00:00Z",
        ProviderName=provider_name,
    )
    etree.SubElement(request, etree.QName(SAML, "Issuer")).text = provider_name
    return request


@pytest.fixture(scope="module")
def dv(rings: dict[str, KeyRing]) -> KeyRing:
    return rings["dv"]


@_SETTINGS
@given(relay_state=relay_states, text=xml_text)
def test_signed_redirect_round_trips(dv: KeyRing, relay_state: str, text: str) -> None:
    url = encode_redirect(
        "https://hm.example.nl/sso", _request(text), kind="SAMLRequest",
        relay_state=relay_state, key=dv.signing,
    )
    message = decode_redirect(
        urlsplit(url).query, trusted=[dv.signing.as_peer()], require_signature=True
    )
    assert message.relay_state == relay_state
    assert message.element.get("ProviderName") == text
    assert message.element.findtext(etree.QName(SAML, "Issuer").text) == text


@_SETTINGS
@given(relay_state=relay_states, other=relay_states)
def test_any_other_relay_state_breaks_the_signature(
    dv: KeyRing, relay_state: str, other: str
) -> None:
    assume(other != relay_state)
    url = encode_redirect(
        "https://hm.example.nl/sso", _request("x"), kind="SAMLRequest",
        relay_state=relay_state, key=dv.signing,
    )
    pieces = [piece.split("=", 1) for piece in urlsplit(url).query.split("&")]
    tampered = "&".join(
        f"{name}={quote_plus(other) if name == 'RelayState' else value}" for name, value in pieces
    )
    with pytest.raises(SignatureError):
        decode_redirect(tampered, trusted=[dv.signing.as_peer()], require_signature=True)
