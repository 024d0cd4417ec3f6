"""Shared machinery of the attack suite (issue 5): the broker harness and the DV adapter harness
re-used as they are, the XML signature wrapping permutations, ways to tamper with a genuine
message on its way (before the honest peer issues it, or on the SOAP back channel), and the
checks every attack test makes on what the victim did: a refusal, no state created, nothing
consumed, one warning without personal data.
"""

from __future__ import annotations

import copy
import logging
from collections.abc import Callable
from collections.abc import Iterable
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest
from lxml import etree

from etoegang.bindings.artifact import _SEPARATOR
from etoegang.bindings.artifact import new_artifact
from etoegang.bindings.artifact import recipient_key
from etoegang.state import InMemoryStateStore
from etoegang.state import StateStore
from etoegang.xml.ns import DS
from etoegang.xml.ns import SAML
from etoegang.xml.ns import SAMLP
from etoegang.xml.ns import qname
from etoegang.xml.parser import parse_xml
from etoegang.xml.parser import serialize
from policies.loa import Loa
from tests.broker.conftest import harness  # noqa: F401 - fixture re-exported
from tests.broker.conftest import network  # noqa: F401 - fixture re-exported
from tests.broker.conftest import settings  # noqa: F401 - fixture re-exported
from tests.sp_adapters.conftest import dv  # noqa: F401 - fixture re-exported
from tests.sp_adapters.conftest import now_clock  # noqa: F401 - fixture re-exported
from tests.sp_adapters.conftest import sp_network  # noqa: F401 - fixture re-exported
from tests.sp_adapters.conftest import verifying_settings  # noqa: F401 - fixture re-exported

Element = etree._Element
Mutation = Callable[[Element], Element]

SIGNATURE = qname(DS, "Signature")
ISSUER = qname(SAML, "Issuer")
ASSERTION = qname(SAML, "Assertion")
NAME_ID = qname(SAML, "NameID")
EXTENSIONS = qname(SAMLP, "Extensions")
ADVICE = qname(SAML, "Advice")

#: Values that must never appear in a log line (the fakes' personal data and identifiers).
PERSONAL = (
    "12345678",  # the KvK number the fake MRs encrypt for the DV
    "ad-session-subject-1",  # the fake AD's NameID
    "ad-internal-pseudonym-1",
    "a" * 64,  # pseudonyms
    "hm-transient-1",
    "@",  # no e-mail address at all
)


# --- what an attacker changes ----------------------------------------------------------------


def raise_level(element: Element) -> None:
    """The attacker's one semantic change: every eH3 in the message becomes eH4, and a
    request asks for another service."""
    for node in element.iter():
        if not isinstance(node.tag, str):
            continue
        if node.text is not None and node.text.strip() == Loa.EH3.urn:
            node.text = Loa.EH4.urn
        if node.get("AttributeConsumingServiceIndex") is not None:
            node.set("AttributeConsumingServiceIndex", "2")


def _unsigned(element: Element) -> Element:
    clone = copy.deepcopy(element)
    for signature in clone.findall(SIGNATURE):
        clone.remove(signature)
    return clone


def _signature(element: Element) -> Element:
    signature = element.find(SIGNATURE)
    assert signature is not None, "the genuine element is signed"
    return signature


def _parent(target: Element) -> Element:
    """The target's parent; a root target is first put inside an evil holder of its kind."""
    parent = target.getparent()
    if parent is not None:
        return parent
    nsmap: Any = target.nsmap
    attrib: Any = dict(target.attrib)
    holder = etree.Element(target.tag, attrib=attrib, nsmap=nsmap)
    holder.set("ID", "_evil_holder")
    issuer = target.find(ISSUER)
    if issuer is not None:
        holder.append(copy.deepcopy(issuer))
    holder.append(target)
    return holder


def xsw(variant: int, target: Element, evil: Callable[[Element], None] = raise_level) -> Element:
    """Apply XSW ``variant`` (1-8, Somorovsky et al. 2012 as SAMLRaider builds them) to the
    signed ``target``; return the root of the attacked document."""
    clone = _unsigned(target)
    if variant in (1, 2, 5, 6, 8):
        signed_original = copy.deepcopy(target)
        evil(target)
        if variant != 8:
            target.set("ID", "_evil_" + (target.get("ID") or ""))
        signature = _signature(target)
        if variant == 1:
            signature.append(clone)
        elif variant == 2:
            signature.addprevious(clone)
        elif variant == 5:
            _parent(target).append(clone)
        elif variant == 6:
            signature.append(signed_original)
        else:
            etree.SubElement(signature, qname(DS, "Object")).append(clone)
    elif variant in (3, 4):
        evil(clone)
        clone.set("ID", "_evil_" + (target.get("ID") or ""))
        parent = _parent(target)
        parent.insert(parent.index(target), clone)
        if variant == 4:
            clone.append(target)
    elif variant == 7:
        evil(clone)
        parent = _parent(target)
        extensions = etree.Element(EXTENSIONS)
        parent.insert(parent.index(target), extensions)
        extensions.append(clone)
    else:  # pragma: no cover - the parametrisations only use 1..8
        raise ValueError(variant)
    return target.getroottree().getroot()


XSW_VARIANTS = tuple(range(1, 9))


def wrap_assertion(variant: int) -> Mutation:
    """XSW on the first saml:Assertion of a message."""

    def mutate(message: Element) -> Element:
        target = message.find(f".//{ASSERTION}")
        assert target is not None
        return xsw(variant, target)

    return mutate


def wrap_root(variant: int) -> Mutation:
    def mutate(message: Element) -> Element:
        return xsw(variant, message)

    return mutate


# --- tampering with a genuine message on its way ---------------------------------------------


class _TamperingIssuer:
    """Stands in for an honest peer's ArtifactIssuer: the message is changed once, after the
    peer signed it and before it is stored (what a compromised or buggy peer would send)."""

    def __init__(self, real: Any, mutate: Mutation) -> None:
        self.real = real
        self.mutate = mutate

    def issue(self, message: Element, *, recipient: str, endpoint_index: int = 0) -> Any:
        attacked = self.mutate(parse_xml(serialize(message)))
        # As ArtifactIssuer.issue, without its own refusal to store an unsigned message.
        artifact = new_artifact(self.real.entity_id, endpoint_index)
        payload = recipient.encode() + _SEPARATOR + etree.tostring(attacked)
        self.real.store.put(recipient_key(artifact, recipient), payload, self.real.ttl_seconds)
        return artifact


@contextmanager
def tampered_issue(peer: Any, mutate: Mutation) -> Iterator[None]:
    real = peer.issuer
    peer.issuer = _TamperingIssuer(real, mutate)
    try:
        yield
    finally:
        peer.issuer = real


def soap_body_mitm(app: Any, mutate: Mutation) -> Any:
    """A WSGI middleware that changes the SAML message in a SOAP answer (back-channel MITM)."""

    def middleware(environ: dict[str, Any], start_response: Any) -> Iterable[bytes]:
        captured: dict[str, Any] = {}

        def capture(status: str, headers: list[tuple[str, str]], exc_info: Any = None) -> Any:
            captured["status"], captured["headers"] = status, headers
            return lambda _data: None

        body = b"".join(app(environ, capture))
        envelope = parse_xml(body)
        soap_body = envelope[-1]
        message = soap_body[0]
        attacked = mutate(message).getroottree().getroot()
        if attacked.tag != envelope.tag:
            soap_body.remove(message)
            soap_body.append(attacked)
        start_response(captured["status"], captured["headers"])
        return [serialize(envelope)]

    return middleware


# --- what the victim did -----------------------------------------------------------------------


def live_state(store: StateStore) -> dict[str, bytes]:
    assert isinstance(store, InMemoryStateStore)
    keys = list(store._entries)  # noqa: SLF001 - inspecting the in-process store
    return {key: value for key in keys if (value := store.get(key)) is not None}


def new_keys(before: dict[str, bytes], after: dict[str, bytes]) -> set[str]:
    return {key for key in after if key not in before}


def warnings_of(caplog: pytest.LogCaptureFixture) -> list[logging.LogRecord]:
    return [r for r in caplog.records if r.levelno >= logging.WARNING]


def assert_one_clean_warning(
    caplog: pytest.LogCaptureFixture, extra_personal: Iterable[str] = ()
) -> logging.LogRecord:
    """Exactly one warning-level event, and it carries no personal data."""
    found = warnings_of(caplog)
    assert len(found) == 1, [f"{r.name}: {r.getMessage()}" for r in found]
    text = found[0].getMessage()
    for value in (*PERSONAL, *extra_personal):
        assert value not in text, (value, text)
    return found[0]


def assert_refusal_page(answer: Any, *statuses: int) -> None:
    """An error page (or SOAP fault): a 4xx, never a 500, never a redirect."""
    allowed = statuses or (400, 403)
    assert answer.status_code in allowed, (answer.status_code, answer.get_data(as_text=True)[:400])
    assert "Location" not in answer.headers


__all__ = [
    "XSW_VARIANTS",
    "assert_one_clean_warning",
    "assert_refusal_page",
    "live_state",
    "new_keys",
    "raise_level",
    "soap_body_mitm",
    "tampered_issue",
    "warnings_of",
    "wrap_assertion",
    "wrap_root",
    "xsw",
]
