"""SAML 2.0 type 0x0004 artifacts, the one-time artifact store port, issuing and resolving.

Spec: ``shared/spec/eherkenning.md`` §4.1 (artifact type 0x0004; SourceID = SHA-1 of the issuer's
EntityID, mandatory in etoegang; an artifact is usable once; the ArtifactResponse status is
always Success) and §4.8; SAML bindings 3.6.4 (artifact format: TypeCode 2 bytes,
EndpointIndex 2 bytes, SourceID 20 bytes, MessageHandle 20 bytes, base64 as a whole) and
3.6.5-3.6.6 (one-time use; the issuer returns the message only to the party it was meant for).

Resolution policy (documented choice): SAML core 3.5.2 lets a responder answer an ArtifactResolve
with an ArtifactResponse that carries no message; etoegang §4.1 adds that its top-level status is
Success. So every artifact we cannot honour (malformed, not issued by us, unknown, expired,
already used, or asked for by another party than the message's recipient) yields a signed
ArtifactResponse with status Success and no message, and :class:`Resolution.outcome` says why,
for logs and metrics. The message is stored under the artifact *and* its recipient, so a request
by anyone else finds nothing and consumes nothing: a party that saw the artifact cannot destroy
it for its rightful recipient, and the recipient still resolves it exactly once.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import secrets
import threading
from collections.abc import Callable
from collections.abc import Iterable
from dataclasses import dataclass
from dataclasses import field
from datetime import datetime
from datetime import timedelta
from enum import Enum
from typing import Final
from typing import Protocol

from lxml import etree

from etoegang.clock import Clock
from etoegang.clock import IdSource
from etoegang.crypto.xmldsig import is_signed
from etoegang.errors import ArtifactError
from etoegang.errors import ArtifactStoreConflict
from etoegang.messages.artifact import ArtifactResolve
from etoegang.messages.artifact import build_artifact_response
from etoegang.xml.parser import parse_xml

__all__ = [
    "ARTIFACT_LENGTH",
    "TYPE_CODE",
    "Artifact",
    "ArtifactIssuer",
    "ArtifactResolver",
    "InMemoryOneTimeStore",
    "OneTimeStore",
    "Resolution",
    "ResolutionOutcome",
    "decode",
    "new_artifact",
    "peer_for_source_id",
    "source_id_for",
]

#: SAML bindings 3.6.4.1: the only artifact type etoegang uses (spec §4.1).
TYPE_CODE: Final = 0x0004
#: TypeCode (2) + EndpointIndex (2) + SourceID (20) + MessageHandle (20).
ARTIFACT_LENGTH: Final = 44
_ID_LENGTH: Final = 20
#: Longest base64 text we even try to decode (44 bytes encode to 60 characters).
_MAX_TEXT: Final = 128


@dataclass(frozen=True, slots=True, kw_only=True)
class Artifact:
    """A decoded SAML 2.0 type 0x0004 artifact."""

    type_code: int = TYPE_CODE
    #: Index of the issuer's ArtifactResolutionService to call (0..65535).
    endpoint_index: int
    #: SHA-1 of the issuer's EntityID: tells the receiver whom to ask.
    source_id: bytes
    #: 20 random bytes naming the stored message (SAML bindings 3.6.4.2: unguessable).
    message_handle: bytes

    def __post_init__(self) -> None:
        if self.type_code != TYPE_CODE:
            raise ArtifactError(
                "only type 0x0004 artifacts are accepted", debug=f"type {self.type_code:#06x}"
            )
        if not 0 <= self.endpoint_index <= 0xFFFF:
            raise ArtifactError("artifact endpoint index out of range")
        if len(self.source_id) != _ID_LENGTH or len(self.message_handle) != _ID_LENGTH:
            raise ArtifactError("artifact SourceID and MessageHandle must be 20 bytes each")

    def to_bytes(self) -> bytes:
        return (
            self.type_code.to_bytes(2, "big")
            + self.endpoint_index.to_bytes(2, "big")
            + self.source_id
            + self.message_handle
        )

    def encode(self) -> str:
        """The base64 form that travels as ``SAMLart`` and inside ``samlp:Artifact``."""
        return base64.b64encode(self.to_bytes()).decode("ascii")

    @property
    def store_key(self) -> str:
        """The one-time store key: SourceID and MessageHandle, hex (no secret beyond the handle)."""
        return "saml-artifact:" + (self.source_id + self.message_handle).hex()


def recipient_key(artifact: Artifact, recipient: str) -> str:
    """The store key of ``artifact``'s message for ``recipient``."""
    return f"{artifact.store_key}:{hashlib.sha256(recipient.encode('utf-8')).hexdigest()[:32]}"


def source_id_for(entity_id: str) -> bytes:
    """SHA-1 of the EntityID (spec §4.1). An identifier, not a security function."""
    return hashlib.sha1(entity_id.encode("utf-8"), usedforsecurity=False).digest()


def new_artifact(
    entity_id: str,
    endpoint_index: int,
    rng: Callable[[int], bytes] = secrets.token_bytes,
) -> Artifact:
    """A fresh artifact issued by ``entity_id`` with a 20-byte random message handle."""
    handle = rng(_ID_LENGTH)
    return Artifact(
        endpoint_index=endpoint_index, source_id=source_id_for(entity_id), message_handle=handle
    )


def decode(text: str) -> Artifact:
    """Decode a received artifact strictly, or raise :class:`ArtifactError`."""
    value = text.strip()
    if not value or len(value) > _MAX_TEXT:
        raise ArtifactError("the artifact is empty or too long", debug=f"{len(value)} characters")
    try:
        raw = base64.b64decode(value.encode("ascii"), validate=True)
    except (binascii.Error, UnicodeEncodeError, ValueError) as exc:
        raise ArtifactError("the artifact is not valid base64", debug=str(exc)[:80]) from exc
    if len(raw) != ARTIFACT_LENGTH:
        raise ArtifactError("the artifact has the wrong length", debug=f"{len(raw)} bytes")
    return Artifact(
        type_code=int.from_bytes(raw[0:2], "big"),
        endpoint_index=int.from_bytes(raw[2:4], "big"),
        source_id=raw[4:24],
        message_handle=raw[24:44],
    )


def peer_for_source_id(artifact: Artifact, entity_ids: Iterable[str]) -> str:
    """The EntityID among ``entity_ids`` whose SHA-1 is the artifact's SourceID.

    The receiver of an artifact calls that peer's ArtifactResolutionService (endpoint index
    ``artifact.endpoint_index`` in its metadata), and no one else's.
    """
    for entity_id in entity_ids:
        if secrets.compare_digest(source_id_for(entity_id), artifact.source_id):
            return entity_id
    raise ArtifactError("the artifact comes from an unknown issuer", debug=artifact.source_id.hex())


# --- the one-time store -----------------------------------------------------------------------


class OneTimeStore(Protocol):
    """Short-lived values read at most once (Redis ``SET NX EX`` / ``GETDEL`` in production)."""

    def put(self, key: str, value: bytes, ttl_seconds: int) -> None:
        """Store ``value`` under a new ``key``; raise :class:`ArtifactStoreConflict` if taken."""
        ...

    def take(self, key: str) -> bytes | None:
        """Atomically get and delete: of two concurrent takes at most one gets the value."""
        ...


class InMemoryOneTimeStore:
    """A thread-safe, expiring in-process :class:`OneTimeStore` for tests and the demo."""

    def __init__(self, clock: Clock) -> None:
        self._clock = clock
        self._lock = threading.Lock()
        self._entries: dict[str, tuple[datetime, bytes]] = {}

    def put(self, key: str, value: bytes, ttl_seconds: int) -> None:
        if ttl_seconds <= 0:
            raise ValueError("ttl_seconds must be positive")
        now = self._clock.now()
        with self._lock:
            self._purge(now)
            if key in self._entries:
                raise ArtifactStoreConflict(debug="key already stored")
            self._entries[key] = (now + timedelta(seconds=ttl_seconds), bytes(value))

    def take(self, key: str) -> bytes | None:
        now = self._clock.now()
        with self._lock:
            entry = self._entries.pop(key, None)
        if entry is None or entry[0] <= now:
            return None
        return entry[1]

    def _purge(self, now: datetime) -> None:
        expired = [key for key, (until, _) in self._entries.items() if until <= now]
        for key in expired:
            del self._entries[key]


# --- issuing and resolving --------------------------------------------------------------------

# Stored value: recipient EntityID, a newline, then the serialised signed message.
_SEPARATOR: Final = b"\n"


@dataclass(frozen=True, slots=True)
class ArtifactIssuer:
    """Stores our signed messages under new artifacts for one recipient each."""

    entity_id: str
    store: OneTimeStore
    #: SAML bindings 3.6.5: artifacts are short-lived; the browser hop takes seconds.
    ttl_seconds: int = 120
    rng: Callable[[int], bytes] = field(default=secrets.token_bytes)

    def issue(
        self, message: etree._Element, *, recipient: str, endpoint_index: int = 0
    ) -> Artifact:
        """Store the signed ``message`` for ``recipient`` and return its artifact.

        :raises ValueError: the message is not signed (spec §4.3: every message is signed).
        """
        if not is_signed(message):
            raise ValueError("only signed messages are issued by artifact")
        if not recipient or "\n" in recipient:
            raise ValueError("recipient must be an EntityID")
        artifact = new_artifact(self.entity_id, endpoint_index, self.rng)
        payload = recipient.encode("utf-8") + _SEPARATOR + etree.tostring(message)
        self.store.put(recipient_key(artifact, recipient), payload, self.ttl_seconds)
        return artifact


class ResolutionOutcome(Enum):
    """Why an ArtifactResponse carries its message or none (for logs and metrics)."""

    RESOLVED = "resolved"
    MALFORMED = "malformed"
    NOT_OURS = "not_ours"
    #: Unknown, expired, already used, or asked for by another party than its recipient.
    UNKNOWN = "unknown_or_used"
    WRONG_REQUESTER = "wrong_requester"


@dataclass(frozen=True, slots=True)
class Resolution:
    """The unsigned ArtifactResponse to sign and send, and what happened."""

    response: etree._Element
    outcome: ResolutionOutcome


@dataclass(frozen=True, slots=True)
class ArtifactResolver:
    """Our ArtifactResolutionService: answers verified ArtifactResolve messages once each."""

    entity_id: str
    store: OneTimeStore
    clock: Clock
    ids: IdSource

    def resolve(self, request: ArtifactResolve) -> Resolution:
        """Take the message for ``request.artifact`` once and wrap it in an ArtifactResponse.

        ``request`` must come from an ArtifactResolve whose signature the caller verified
        against the keys of ``request.issuer``; the response is unsigned (sign it with
        ``xmldsig.sign`` before sending).
        """
        outcome, message = self._take(request)
        response = build_artifact_response(
            issuer=self.entity_id,
            in_response_to=request.id,
            message=message,
            clock=self.clock,
            ids=self.ids,
        )
        return Resolution(response, outcome)

    def _take(self, request: ArtifactResolve) -> tuple[ResolutionOutcome, etree._Element | None]:
        try:
            artifact = decode(request.artifact)
        except ArtifactError:
            return ResolutionOutcome.MALFORMED, None
        if not secrets.compare_digest(artifact.source_id, source_id_for(self.entity_id)):
            return ResolutionOutcome.NOT_OURS, None
        # SAML bindings 3.6.6: the message goes only to the party it was issued for; another
        # requester looks under another key, finds nothing and consumes nothing.
        payload = self.store.take(recipient_key(artifact, request.issuer))
        if payload is None:
            return ResolutionOutcome.UNKNOWN, None
        recipient, _, data = payload.partition(_SEPARATOR)
        if recipient.decode("utf-8") != request.issuer:  # cannot happen: the key names it
            return ResolutionOutcome.WRONG_REQUESTER, None
        return ResolutionOutcome.RESOLVED, parse_xml(data)
