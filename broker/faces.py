"""The small interface a login's DV-facing protocol implements to end it (DESIGN §2: "the OIDC
face is the same flow with a different front").

:meth:`broker.legs.Legs.finish` gathers what a complete login established (:class:`LoginFacts`)
and hands it to the face the flow came in by; a recoverable failure goes the same way. The SAML
face is the existing code in :mod:`broker.legs` (an HM assertion in a signed Response by
artifact); :mod:`broker.oidc.face` answers with an authorization code or an OAuth error. The
facts carry the identifiers exactly as the MR made them: EncryptedIDs for the DV, never
decrypted here (spec §3.3).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from lxml import etree

from broker.errors import BrokerError
from broker.outcomes import CookieChange
from broker.outcomes import Outcome
from broker.state import BrokerSession
from broker.state import FlowState
from policies.loa import Loa


@dataclass(frozen=True, slots=True)
class LoginFacts:
    """Everything a complete login established, protocol-neutral."""

    flow: FlowState
    achieved: Loa
    authn_instant: datetime
    #: The broker SSO session the login created or extended (None when SSO is not allowed).
    session: BrokerSession | None
    #: The acting person's specific pseudonym for this DV, in clear in the MR's statement
    #: (``urn:etoegang:core:ActingEntityID``, spec §3.1).
    acting_entity_id: str | None
    #: EncryptedIDs made by the MR for the DV's catalogue ServiceCertificate (spec §3.3).
    acting_subject_id: etree._Element | None
    legal_subject_id: etree._Element | None
    vestigingsnr: str | None
    intermediate_kvk: etree._Element | str | None
    intermediate_name: str | None


class ReturnFace(Protocol):
    """How a login that did not come in by SAML ends."""

    def succeed(self, facts: LoginFacts, cookies: tuple[CookieChange, ...]) -> Outcome:
        """Answer the requester after a complete login (the flow is already ended)."""
        ...

    def refuse(
        self, flow: FlowState, exc: BrokerError, cookies: tuple[CookieChange, ...]
    ) -> Outcome:
        """Answer the requester with a recoverable failure (the flow is already ended)."""
        ...
