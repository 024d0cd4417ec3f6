"""Resolve an artifact at the peer that issued it (SAML bindings 3.6.3; spec §4.1).

The artifact's SourceID (SHA-1 of the issuer's entityID) names the peer; its
ArtifactResolutionService comes from that peer's metadata; the ArtifactResolve is signed with
our key; the ArtifactResponse must verify with the peer's registered key, answer our request
(InResponseTo) and carry a message. The carried message is returned *inside* the verified
ArtifactResponse tree, so everything the caller reads was covered by that signature; when the
carried message carries its own signature too, that one is verified as well.
"""

from __future__ import annotations

from dataclasses import dataclass

from lxml import etree

from etoegang.bindings import soap
from etoegang.bindings.artifact import decode
from etoegang.bindings.artifact import peer_for_source_id
from etoegang.clock import Clock
from etoegang.clock import IdSource
from etoegang.crypto.xmldsig import Verified
from etoegang.crypto.xmldsig import is_signed
from etoegang.crypto.xmldsig import sign
from etoegang.errors import ArtifactError
from etoegang.errors import ArtifactMessageError
from etoegang.errors import TransportError
from etoegang.exchange.inbound import verify_from_peer
from etoegang.exchange.peers import LocalEntity
from etoegang.exchange.peers import PeerDirectory
from etoegang.exchange.transport import Transport
from etoegang.messages.artifact import build_artifact_resolve
from etoegang.messages.artifact import parse_artifact_response


@dataclass(frozen=True, slots=True)
class ResolvedMessage:
    """The message an artifact stood for, from a verified ArtifactResponse."""

    #: The entity that issued the artifact and signed the ArtifactResponse.
    issuer: str
    #: The carried protocol message (an element inside the verified ArtifactResponse).
    element: etree._Element
    #: The carried message's own signature, when it has one (AD and MR sign their Responses).
    own_signature: Verified | None


@dataclass(frozen=True, slots=True)
class ArtifactClient:
    """Resolves artifacts that peers sent us through the browser."""

    me: LocalEntity
    directory: PeerDirectory
    transport: Transport
    clock: Clock
    ids: IdSource

    def resolve(self, artifact_text: str, *, expected_issuer: str | None = None) -> ResolvedMessage:
        """Resolve ``artifact_text`` (as received in SAMLart) and return the carried message.

        :raises ArtifactError: malformed artifact, unknown source, or no message returned.
        :raises UnexpectedIssuer: the artifact comes from another peer than expected.
        :raises SignatureError: the ArtifactResponse (or the carried message) does not verify.
        :raises TransportError: the peer did not answer.
        """
        artifact = decode(artifact_text)
        peer = peer_for_source_id(artifact, self.directory)
        if expected_issuer is not None and peer != expected_issuer:
            from etoegang.errors import UnexpectedIssuer

            raise UnexpectedIssuer("artifact from an unexpected peer", debug=peer[:120])
        url = self.directory.artifact_resolution_url(peer)
        request = build_artifact_resolve(
            issuer=self.me.entity_id,
            destination=url,
            artifact=artifact_text,
            clock=self.clock,
            ids=self.ids,
        )
        request_id = request.get("ID", "")
        sign(request, self.me.keys.signing)
        answer = self.transport.post(url, soap.envelope(request), soap.content_type())
        if answer.status != 200:
            raise TransportError(
                "artifact resolution failed", debug=f"HTTP {answer.status} from {url}"
            )
        body = soap.unwrap(answer.body, answer.content_type or "text/xml").body
        checked = verify_from_peer(body, self.directory, expected_issuer=peer)
        response = parse_artifact_response(checked.element)
        if response.in_response_to != request_id:
            raise ArtifactError(
                "ArtifactResponse does not answer our ArtifactResolve",
                debug=f"InResponseTo {response.in_response_to[:64]}",
            )
        try:
            message = response.require_message()
        except ArtifactMessageError as exc:
            raise ArtifactError(exc.public, debug=exc.debug) from exc
        own = None
        if is_signed(message):
            own = verify_from_peer(message, self.directory, expected_issuer=peer).verified
        return ResolvedMessage(issuer=peer, element=message, own_signature=own)
