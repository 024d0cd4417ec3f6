"""A :class:`broker.faces.ReturnFace` that hands a login to the face of the protocol it came in
by: OIDC (:mod:`broker.oidc.face`) or an eIDAS connector (:mod:`broker.eidas.proxy`), the third
return-channel kind next to SAML (which :mod:`broker.legs` answers itself)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from broker.errors import BrokerError
from broker.errors import ErrorKind
from broker.faces import LoginFacts
from broker.faces import ReturnFace
from broker.outcomes import CookieChange
from broker.outcomes import ErrorPage
from broker.outcomes import Outcome
from broker.state import DvProtocol
from broker.state import FlowState


@dataclass(frozen=True, slots=True)
class ProtocolFaces:
    faces: Mapping[DvProtocol, ReturnFace]

    def succeed(self, facts: LoginFacts, cookies: tuple[CookieChange, ...]) -> Outcome:
        face = self.faces.get(facts.flow.protocol)
        if face is None:
            return ErrorPage(ErrorKind.INTERNAL, 500, cookies)
        return face.succeed(facts, cookies)

    def refuse(
        self, flow: FlowState, exc: BrokerError, cookies: tuple[CookieChange, ...]
    ) -> Outcome:
        face = self.faces.get(flow.protocol)
        if face is None:
            return ErrorPage(exc.kind, exc.wire.http_status, cookies)
        return face.refuse(flow, exc, cookies)
