"""What the bridge keeps per login besides the broker's :class:`broker.state.FlowState`: the
eIDAS request sent to the node (inbound) or received from a connector (outbound), on the shared
state store under the flow's id, as versioned JSON with the flow's TTL (DESIGN §3)."""

from __future__ import annotations

import json
from dataclasses import asdict
from dataclasses import dataclass
from typing import Final
from typing import TypeVar

from etoegang.state.store import StateStore

_VERSION: Final = 1


@dataclass(frozen=True, slots=True)
class InboundRecord:
    """The eIDAS AuthnRequest the connector sent the node for one broker login."""

    flow_id: str
    request_id: str
    node_entity_id: str
    #: The eIDAS level URI asked (Comparison minimum).
    level: str


@dataclass(frozen=True, slots=True)
class ProxyRecord:
    """A foreign connector's eIDAS AuthnRequest, answered when the eH login ends."""

    flow_id: str
    connector_entity_id: str
    request_id: str
    acs_url: str
    relay_state: str | None
    level: str
    country: str
    requested: tuple[str, ...]


_R = TypeVar("_R", InboundRecord, ProxyRecord)
_PREFIX: Final = {InboundRecord: "eidas-in:", ProxyRecord: "eidas-proxy:"}


@dataclass(frozen=True, slots=True)
class RecordStore:
    store: StateStore
    ttl_seconds: int

    def put(self, record: InboundRecord | ProxyRecord) -> None:
        data = {k: list(v) if isinstance(v, tuple) else v for k, v in asdict(record).items()}
        data["_v"] = _VERSION
        key = _PREFIX[type(record)] + record.flow_id
        self.store.put(key, json.dumps(data, sort_keys=True).encode(), self.ttl_seconds)

    def get(self, cls: type[_R], flow_id: str) -> _R | None:
        raw = self.store.get(_PREFIX[cls] + flow_id)
        if raw is None:
            return None
        try:
            data = json.loads(raw)
            if data.pop("_v", None) != _VERSION:
                return None
            if "requested" in data:
                data["requested"] = tuple(data["requested"])
            return cls(**data)
        except (ValueError, TypeError):
            return None

    def delete(self, cls: type[_R], flow_id: str) -> None:
        self.store.delete(_PREFIX[cls] + flow_id)
