"""Browser state of the portal: the signed-in session and the short multi-step flows (login,
activation, mobile change, password reset), in the shared state store (DESIGN.md §3).

The browser holds only random ids in signed, HttpOnly, SameSite=Lax cookies on ``/portal``.
A session lasts at most one hour from the login; a flow 15 minutes. Roles are fixed at login
from the register; the register is asked again for every object an action touches.
"""

from __future__ import annotations

import json
import secrets
from dataclasses import asdict
from dataclasses import dataclass
from dataclasses import field
from dataclasses import replace
from datetime import timedelta
from typing import Any
from typing import Final

from etoegang.clock import Clock
from etoegang.clock import parse_instant
from etoegang.clock import saml_instant
from etoegang.state.store import StateStore

SESSION_COOKIE: Final = "mk_portal"
FLOW_COOKIE: Final = "mk_portal_flow"
SESSION_LIFETIME: Final = timedelta(hours=1)
FLOW_LIFETIME: Final = timedelta(minutes=15)


@dataclass(frozen=True, slots=True)
class PortalSession:
    id: str
    means_id: int
    person_id: int
    pseudonym: str
    organisation_id: int
    level: str
    administrator: bool
    operator: bool
    expires_at: str

    @property
    def actor(self) -> str:
        return f"person:{self.pseudonym}"


@dataclass(frozen=True, slots=True)
class Flow:
    id: str
    #: ``login``, ``activate``, ``mobile``, ``self_mobile`` or ``reset``.
    kind: str
    means_id: int | None = None
    request_id: int | None = None
    person_id: int | None = None
    #: The number a code was sent to (E.164). Personal data: never log.
    mobile: str | None = None
    masked: str | None = None
    stage: str = "code"
    extra: dict[str, Any] = field(default_factory=dict)


class PortalStates:
    def __init__(self, state: StateStore, clock: Clock) -> None:
        self._state = state
        self._clock = clock

    def new_session(self, **values: Any) -> PortalSession:
        session = PortalSession(
            id=secrets.token_urlsafe(24),
            expires_at=saml_instant(self._clock.now() + SESSION_LIFETIME),
            **values,
        )
        self._state.put(f"portal:session:{session.id}", json.dumps(asdict(session)).encode(),
                        int(SESSION_LIFETIME.total_seconds()))
        return session

    def session(self, session_id: str | None) -> PortalSession | None:
        if not session_id:
            return None
        data = self._state.get(f"portal:session:{session_id}")
        if data is None:
            return None
        session = PortalSession(**json.loads(data))
        if parse_instant(session.expires_at) <= self._clock.now():
            self._state.delete(f"portal:session:{session_id}")
            return None
        return session

    def end_session(self, session_id: str | None) -> None:
        if session_id:
            self._state.delete(f"portal:session:{session_id}")

    def new_flow(self, kind: str, **values: Any) -> Flow:
        flow = Flow(id=secrets.token_urlsafe(24), kind=kind, **values)
        self.save(flow)
        return flow

    def save(self, flow: Flow) -> None:
        self._state.put(f"portal:flow:{flow.id}", json.dumps(asdict(flow)).encode(),
                        int(FLOW_LIFETIME.total_seconds()))

    def flow(self, flow_id: str | None, kind: str) -> Flow | None:
        if not flow_id:
            return None
        data = self._state.get(f"portal:flow:{flow_id}")
        if data is None:
            return None
        flow = Flow(**json.loads(data))
        return flow if flow.kind == kind else None

    def update(self, flow: Flow, **changes: Any) -> Flow:
        updated = replace(flow, **changes)
        self.save(updated)
        return updated

    def finish(self, flow: Flow) -> None:
        self._state.delete(f"portal:flow:{flow.id}")
