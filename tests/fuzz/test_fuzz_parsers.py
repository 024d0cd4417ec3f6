"""Property-based fuzzing of every parser and binding with mutated genuine messages (issue 5):
each refuses with a typed ProtocolError (never another exception), and whatever is accepted
after signature verification has exactly the signed content of the genuine message.

Counts: ``EXAMPLES`` per parser in the regular run (10,000 mutated messages each).
"""

from __future__ import annotations

import base64
import copy
from datetime import UTC
from datetime import datetime

from hypothesis import HealthCheck
from hypothesis import given
from hypothesis import settings
from hypothesis import strategies as st
from lxml import etree

from etoegang.bindings import soap
from etoegang.bindings.artifact import decode as decode_artifact
from etoegang.bindings.artifact import new_artifact
from etoegang.bindings.post import decode_post
from etoegang.bindings.redirect import decode_redirect
from etoegang.clock import FixedClock
from etoegang.crypto.xmldsig import VerifyPolicy
from etoegang.crypto.xmldsig import verify
from etoegang.errors import ProtocolError
from etoegang.messages.artifact import parse_artifact_response
from etoegang.messages.authn_request import parse_authn_request
from etoegang.messages.response import parse_response
from etoegang.messages.xacml_query import parse_decision_query
from etoegang.xml.ns import DS
from etoegang.xml.parser import DOCUMENT_LIMITS
from etoegang.xml.parser import parse_xml
from metadata.catalogue_parse import parse_catalogue
from metadata.parse import parse_document
from tests.fuzz.conftest import Seeds
from tests.fuzz.mutations import byte_edit
from tests.fuzz.mutations import mutated

EXAMPLES = 10_000
FEW = 1_500  # the slower document parsers (metadata, catalogue: 10-40 KB each)
FUZZ = settings(
    max_examples=EXAMPLES, deadline=None, derandomize=True, database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow,
                           HealthCheck.data_too_large],
)


def _c14n(element: etree._Element) -> bytes:
    """What the enveloped signature covers: the element without its own ds:Signature."""
    element = copy.deepcopy(element)
    for signature in element.findall(f"{{{DS}}}Signature"):
        element.remove(signature)
    return etree.tostring(
        element, method="c14n", exclusive=True, with_comments=False,
        inclusive_ns_prefixes=["xs", "xacml-saml"],
    )


def _messages(seeds: Seeds) -> list[bytes]:
    return [seeds.authn_request, seeds.ad_response, seeds.artifact_response, seeds.soap_envelope]


def _signed_originals(seeds: Seeds) -> set[bytes]:
    return {_c14n(parse_xml(m)) for m in (seeds.authn_request, seeds.ad_response,
                                           seeds.artifact_response)}


@FUZZ
@given(data=st.data())
def test_every_parser_refuses_with_typed_errors_and_verify_accepts_only_genuine(
    seeds: Seeds, data: st.DataObject
) -> None:
    """One mutated message through parse_xml, the message parsers, soap.unwrap, the POST
    binding and verify (with the DV's and the AD's registered keys)."""
    message = data.draw(mutated(_messages(seeds)))
    harness = seeds.harness
    directory = harness.context.artifacts.directory
    trusted = (*directory.signing_certificates(harness.ad.entity_id),
               *directory.signing_certificates(harness.dv.entity_id))
    try:
        soap.unwrap(message, soap.content_type())
    except ProtocolError:
        pass
    try:
        decode_post({"SAMLRequest": base64.b64encode(message).decode()}, kind="SAMLRequest")
    except ProtocolError:
        pass
    try:
        element = parse_xml(message)
    except ProtocolError:
        return
    for parse in (parse_authn_request, parse_response, parse_artifact_response,
                  parse_decision_query):
        try:
            parse(element)
        except ProtocolError:
            pass
    try:
        verified = verify(element, VerifyPolicy(trusted=tuple(trusted)))
    except ProtocolError:
        return
    got = _c14n(verified.element)
    originals = _signed_originals(seeds)
    assert got in originals, _diff(got, originals)


def _diff(got: bytes, originals: set[bytes]) -> str:
    import difflib

    best = max(originals, key=lambda o: difflib.SequenceMatcher(None, o, got).quick_ratio())
    pieces = difflib.ndiff(best.decode().split("><"), got.decode().split("><"))
    return "\n".join(p for p in pieces if p[:1] in "+-")[:2000]


@FUZZ
@given(data=st.data())
def test_redirect_binding_never_accepts_a_changed_query(
    seeds: Seeds, data: st.DataObject
) -> None:
    harness = seeds.harness
    trusted = harness.context.artifacts.directory.signing_certificates(harness.dv.entity_id)
    query = seeds.redirect_query
    changed = byte_edit(query, data.draw(st.integers(0, 3)), data.draw(st.integers(0, 1 << 20)),
                        data.draw(st.integers(0, 255)))
    try:
        decoded = decode_redirect(changed, trusted=tuple(trusted), require_signature=True)
    except ProtocolError:
        return
    genuine = decode_redirect(query, trusted=tuple(trusted), require_signature=True)
    assert _c14n(decoded.element) == _c14n(genuine.element)
    assert decoded.relay_state == genuine.relay_state


@FUZZ
@given(raw=st.binary(min_size=0, max_size=60), text=st.text(max_size=60))
def test_artifact_decoder_refuses_only_with_typed_errors(raw: bytes, text: str) -> None:
    genuine = new_artifact("urn:etoegang:AD:00000099000000000002:entities:9001", 0).encode()
    for candidate in (base64.b64encode(raw).decode(), text, genuine[: len(text)] + text):
        try:
            decode_artifact(candidate)
        except ProtocolError:
            pass


@settings(FUZZ, max_examples=FEW)
@given(data=st.data())
def test_metadata_and_catalogue_refuse_only_with_typed_errors(
    seeds: Seeds, data: st.DataObject
) -> None:
    clock = FixedClock(datetime(2026, 11, 1, 12, tzinfo=UTC))
    document = data.draw(mutated([seeds.metadata, seeds.catalogue], max_edits=2))
    try:
        parse_document(parse_xml(document, DOCUMENT_LIMITS))
    except ProtocolError:
        pass
    try:
        parse_catalogue(document, trust=None, clock=clock)
    except ProtocolError:
        pass
