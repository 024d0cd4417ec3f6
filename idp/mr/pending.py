"""One authorisation request between the query and the answer: what the register keeps while
the user chooses a mandate and gives consent (DESIGN §3).

Only an opaque id travels in the browser, in a signed, HttpOnly, SameSite=Lax cookie scoped
to ``/mr``; the rest lives in the state store under that id for at most 15 minutes. Nothing
from the query's XML is kept, only the values the answer needs. The final step takes the
entry (GETDEL), so a request is answered once.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import secrets
from dataclasses import asdict
from dataclasses import dataclass
from dataclasses import replace
from typing import Any
from typing import Final

from etoegang.state.store import StateStore
from idp.mr.inbound import CheckedQuery
from policies.loa import Loa

TTL_SECONDS: Final = 15 * 60
COOKIE: Final = "mk_mr_flow"
_VERSION: Final = 1


@dataclass(frozen=True, slots=True)
class Pending:
    """The values of a verified query that the answer needs."""

    flow_id: str
    hm: str
    acs_url: str
    query_id: str
    relay_state: str | None
    dv_entity_id: str
    service_uuid: str
    level: Loa
    #: The register's internal person pseudonym (decrypted ActingSubjectID).
    person: str
    ad_assertion_id: str
    ad_signature_value: str
    #: The chosen option key, once chosen.
    chosen: str | None = None

    @classmethod
    def of(cls, checked: CheckedQuery, relay_state: str | None) -> Pending:
        return cls(
            flow_id=secrets.token_urlsafe(32),
            hm=checked.hm,
            acs_url=checked.acs_url,
            query_id=checked.query.id,
            relay_state=relay_state,
            dv_entity_id=checked.dv_entity_id,
            service_uuid=checked.service.service_uuid,
            level=checked.level,
            person=checked.acting_subject.value if checked.acting_subject else "",
            ad_assertion_id=checked.ad.assertion.id,
            ad_signature_value=checked.ad.signature_value,
        )

    def choose(self, key: str) -> Pending:
        return replace(self, chosen=key)


def _key(flow_id: str) -> str:
    return f"mr:flow:{hashlib.sha256(flow_id.encode()).hexdigest()}"


def save(store: StateStore, pending: Pending) -> None:
    data: dict[str, Any] = asdict(pending)
    data["level"] = pending.level.urn
    data["v"] = _VERSION
    store.put(_key(pending.flow_id), json.dumps(data).encode(), TTL_SECONDS)


def _decode(raw: bytes | None) -> Pending | None:
    if raw is None:
        return None
    try:
        data = json.loads(raw)
        if data.pop("v", None) != _VERSION:
            return None
        data["level"] = Loa(data["level"])
        return Pending(**data)
    except (ValueError, TypeError, KeyError):
        return None  # an entry that does not decode is treated as missing, never half-read


def load(store: StateStore, flow_id: str) -> Pending | None:
    return _decode(store.get(_key(flow_id)))


def take(store: StateStore, flow_id: str) -> Pending | None:
    """Remove and return the entry: only one request can finish a flow."""
    return _decode(store.take(_key(flow_id)))


def cookie_value(secret: bytes, flow_id: str) -> str:
    mac = hmac.new(secret, b"mr-flow\n" + flow_id.encode(), hashlib.sha256).hexdigest()
    return f"{flow_id}.{mac}"


def flow_id_from_cookie(secret: bytes, value: str) -> str | None:
    flow_id, _, mac = value.rpartition(".")
    if not flow_id or not mac:
        return None
    expected = cookie_value(secret, flow_id).rpartition(".")[2]
    return flow_id if hmac.compare_digest(mac, expected) else None
