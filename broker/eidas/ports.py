"""The small interface through which :mod:`broker.engine` hands a DV's request to the eIDAS
bridge (kept apart so the engine does not import the bridge's machinery)."""

from __future__ import annotations

from typing import TYPE_CHECKING
from typing import Protocol

if TYPE_CHECKING:
    from broker.legs import Reply
    from broker.outcomes import Outcome
    from broker.state import FlowState
    from etoegang.messages.authn_request import AuthnRequest
    from metadata.catalogue import ServiceView


class InboundPort(Protocol):
    def wanted(self, request: AuthnRequest) -> bool:
        """Whether the DV asked for eIDAS (Scoping/IDPList names the EB)."""
        ...

    def start(self, flow: FlowState, service: ServiceView, reply: Reply) -> Outcome:
        """Store the login and send the person to the eIDAS node (or refuse the service)."""
        ...
