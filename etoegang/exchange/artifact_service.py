"""Our ArtifactResolutionService: answer a peer's signed ArtifactResolve over SOAP, once.

The request must verify with the requesting peer's registered key; the message is handed only
to the peer it was issued for, and only once (:class:`etoegang.bindings.artifact.ArtifactResolver`).
Malformed or unverifiable requests get a SOAP fault; they never consume an artifact.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import timedelta

from etoegang.bindings import soap
from etoegang.bindings.artifact import ArtifactResolver
from etoegang.bindings.artifact import ResolutionOutcome
from etoegang.crypto.xmldsig import sign
from etoegang.errors import ProtocolError
from etoegang.exchange.inbound import verify_from_peer
from etoegang.exchange.peers import LocalEntity
from etoegang.exchange.peers import PeerDirectory
from etoegang.messages.artifact import parse_artifact_resolve

log = logging.getLogger(__name__)

#: An ArtifactResolve is sent the moment the artifact arrives; minutes old means played back.
MAX_REQUEST_AGE = timedelta(minutes=5)
CLOCK_SKEW = timedelta(seconds=60)

#: Prefixes used in attribute values of carried messages (xsi:type, XACML DataType).
_QNAME_PREFIXES = ("xs", "xacml-saml")


@dataclass(frozen=True, slots=True)
class SoapAnswer:
    status: int
    content_type: str
    body: bytes
    outcome: ResolutionOutcome | None


@dataclass(frozen=True, slots=True)
class ArtifactService:
    me: LocalEntity
    directory: PeerDirectory
    resolver: ArtifactResolver

    def handle(self, body: bytes, content_type: str) -> SoapAnswer:
        """Answer one HTTP POST to our ArtifactResolutionService."""
        try:
            message = soap.unwrap(body, content_type)
        except ProtocolError as exc:
            log.warning("artifact resolve refused: %s", exc.code)
            fault = soap.fault(soap.FaultCode.SENDER, exc.public)
            return SoapAnswer(500, soap.content_type(), fault, None)
        version = message.version
        try:
            checked = verify_from_peer(message.body, self.directory)
            request = parse_artifact_resolve(checked.element)
            destination = request.destination
            if destination is not None and destination != self.me.artifact_resolution_url:
                raise ProtocolError("ArtifactResolve Destination is not this endpoint")
            # A stale or future-dated request is refused (a recorded one cannot be played back
            # later; the artifact itself is one-time and short-lived anyway).
            now = self.resolver.clock.now()
            if not now - MAX_REQUEST_AGE <= request.issue_instant <= now + CLOCK_SKEW:
                raise ProtocolError(
                    "ArtifactResolve is too old or from the future",
                    debug=f"IssueInstant {request.issue_instant.isoformat()}",
                )
        except ProtocolError as exc:
            log.warning("artifact resolve refused: %s (%s)", exc.code, exc.debug)
            code = soap.FaultCode.SENDER
            return SoapAnswer(
                soap.fault_http_status(code, version),
                soap.content_type(version),
                soap.fault(code, exc.public, version),
                None,
            )
        resolution = self.resolver.resolve(request)
        # The carried message may hold QNames in content (xsi:type="xs:string"): exclusive
        # C14N would leave their namespace declarations unsigned (issue 5 fuzzing found a
        # changed xmlns:xs that still verified), so those prefixes are signed inclusively.
        sign(resolution.response, self.me.keys.signing, inclusive_prefixes=_QNAME_PREFIXES)
        log.info("artifact resolve from %s: %s", request.issuer, resolution.outcome.value)
        return SoapAnswer(
            200,
            soap.content_type(version),
            soap.envelope(resolution.response, version),
            resolution.outcome,
        )
