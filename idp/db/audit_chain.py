"""The audit trail's hash chain: canonical encoding, link hash, append, guards and verification.

Every audit event is one link of a chain. Its ``hash`` is SHA-256 over a canonical encoding of
what the event records (``at``, ``actor``, ``organisation_id``, ``action``, ``object_ref``,
``details``), its position ``seq`` and the previous link's ``hash`` (``prev_hash``); the first
event chains from :data:`GENESIS_HASH`. Changing, removing or reordering any stored event breaks
the chain from that event on, which :func:`verify_chain` finds without trusting anything but the
rows. A plain hash has no secret: someone who can write the database can rebuild the whole chain,
which is why the head is also anchored outside it (``makelaar audit head``, then
``makelaar audit verify --expect-head``).

The surrogate key ``id`` is not hashed: the database assigns it at INSERT, after the hash must be
fixed, and on PostgreSQL sequence values are handed out in INSERT order, not commit order, so
the id order is not the chain order. Nothing refers to an audit event by id.

Appends are serialised by the one-row table ``audit_chain_head`` (seq and hash of the last link):
the appending transaction locks it, chains from it and moves it, and keeps the lock until it
commits or rolls back. A second writer waits, then chains from the first one's link, so two
transactions never chain from the same predecessor; a rollback takes the event and the head move
back together. The append runs in the flush of the change it records (a mapper event), so the
event commits or fails with that change.
"""

from __future__ import annotations

import hashlib
import json
import logging
import re
from collections.abc import Iterable
from collections.abc import Iterator
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC
from datetime import datetime
from enum import StrEnum
from typing import Any
from typing import Final
from typing import Protocol

from sqlalchemy import JSON
from sqlalchemy import BigInteger
from sqlalchemy import Connection
from sqlalchemy import Integer
from sqlalchemy import String
from sqlalchemy import column
from sqlalchemy import event
from sqlalchemy import select
from sqlalchemy import table
from sqlalchemy import tuple_
from sqlalchemy import update
from sqlalchemy.orm import Mapper
from sqlalchemy.orm import ORMExecuteState
from sqlalchemy.orm import Session

from idp.db.columns import UtcDateTime

#: Version of the canonical encoding; it is inside every hashed document, so an encoding made
#: by a later version can never hash like one of this version.
ENCODING_VERSION: Final = 1
#: What the first event's ``prev_hash`` is, and the head of an empty chain.
GENESIS_HASH: Final = "0" * 64
#: The one row of ``audit_chain_head``.
HEAD_ID: Final = 1

_HEX_DIGEST: Final = re.compile(r"[0-9a-f]{64}")
_REFUSED: Final = "audit events are append-only: never changed or deleted"
_log = logging.getLogger(__name__)

# Lightweight table clauses: this module needs the stored shape only, not the ORM models (which
# import this module for their guards). Column types match idp.db.models.
_HEAD: Final = table(
    "audit_chain_head", column("id", Integer), column("seq", BigInteger), column("hash", String)
)
_EVENTS: Final = table(
    "audit_event",
    column("id", Integer),
    column("seq", BigInteger),
    column("at", UtcDateTime()),
    column("actor", String),
    column("organisation_id", Integer),
    column("action", String),
    column("object_ref", String),
    column("details", JSON()),
    column("prev_hash", String),
    column("hash", String),
)


class AppendOnlyViolation(RuntimeError):
    """An audit event was about to be changed or deleted; the trail only grows."""


class ChainHeadMissing(RuntimeError):
    """``audit_chain_head`` has no row, so nothing can be chained (the migration makes it)."""


# -- encoding ----------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class AuditRecord:
    """What one audit event records: the hashed content, without its place in the chain."""

    at: datetime
    actor: str
    organisation_id: int | None
    action: str
    object_ref: str
    details: Mapping[str, Any]


@dataclass(frozen=True, slots=True)
class Link:
    """An event's place in the chain."""

    seq: int
    prev_hash: str
    hash: str


@dataclass(frozen=True, slots=True)
class ChainRow:
    """One stored audit event as :func:`verify_chain` reads it."""

    event_id: int
    seq: int
    record: AuditRecord
    prev_hash: str
    hash: str


def utc_text(at: datetime) -> str:
    """``at`` in UTC to the microsecond, as both databases keep it: ``2026-01-02T03:04:05.000006Z``.

    A naive datetime is refused: its instant is unknown, so its hash would be too.
    """
    if at.tzinfo is None or at.utcoffset() is None:
        raise ValueError("store only timezone-aware datetimes (use the injected Clock)")
    return at.astimezone(UTC).replace(tzinfo=None).isoformat(timespec="microseconds") + "Z"


def canonical_encoding(seq: int, record: AuditRecord, prev_hash: str) -> bytes:
    """The exact bytes hashed for an event (encoding version 1).

    JSON with sorted keys, no whitespace and ASCII escapes, so the bytes depend only on the
    values: not on key order, on the JSON library's spacing or on a Unicode normalisation.
    """
    document = {
        "v": ENCODING_VERSION,
        "seq": seq,
        "at": utc_text(record.at),
        "actor": record.actor,
        "organisation_id": record.organisation_id,
        "action": record.action,
        "object_ref": record.object_ref,
        "details": dict(record.details),
        "prev_hash": prev_hash,
    }
    text = json.dumps(
        document, sort_keys=True, separators=(",", ":"), ensure_ascii=True, allow_nan=False
    )
    return text.encode("ascii")


def link_hash(seq: int, record: AuditRecord, prev_hash: str) -> str:
    """SHA-256 of :func:`canonical_encoding`, as 64 lower-case hex characters."""
    return hashlib.sha256(canonical_encoding(seq, record, prev_hash)).hexdigest()


def is_hex_digest(value: str) -> bool:
    """Whether ``value`` has the form of a link hash (64 lower-case hex characters)."""
    return _HEX_DIGEST.fullmatch(value) is not None


# -- append and guards -------------------------------------------------------------------------


def append(connection: Connection, record: AuditRecord) -> Link:
    """Chain ``record`` after the current head and move the head to it, in ``connection``'s
    transaction; the head stays locked until that transaction ends.

    :raises ChainHeadMissing: when ``audit_chain_head`` has no row.
    """
    head_row = _HEAD.c.id == HEAD_ID
    if connection.dialect.name == "sqlite":
        # SQLite has no row locks, and pysqlite begins a transaction only at the first write: a
        # no-op write takes the database's write lock before the head is read.
        connection.execute(update(_HEAD).where(head_row).values(seq=_HEAD.c.seq))
    head = connection.execute(
        select(_HEAD.c.seq, _HEAD.c.hash).where(head_row).with_for_update()
    ).one_or_none()
    if head is None:
        _log.error("audit event refused: the audit chain head row is missing")
        raise ChainHeadMissing(
            "the audit chain head (table audit_chain_head) has no row: migrate the database "
            "with `makelaar db upgrade`, or restore the row from a backup"
        )
    seq = int(head.seq) + 1
    link = Link(seq=seq, prev_hash=str(head.hash), hash=link_hash(seq, record, str(head.hash)))
    connection.execute(update(_HEAD).where(head_row).values(seq=link.seq, hash=link.hash))
    return link


class Chained(Protocol):
    """An ORM audit event as the guards see it."""

    def audit_record(self) -> AuditRecord: ...

    def set_link(self, link: Link) -> None: ...


def guard(event_class: type[Chained]) -> None:
    """Chain every new ``event_class`` row at INSERT; refuse every UPDATE and DELETE of one.

    The migration adds the same refusal as database triggers, for writes that bypass the ORM.
    """

    def chain(_mapper: Mapper[Any], connection: Connection, target: Chained) -> None:
        target.set_link(append(connection, target.audit_record()))

    def refuse(_mapper: Mapper[Any], _connection: Connection, _target: Chained) -> None:
        _log.warning("refused to change or delete an audit event")
        raise AppendOnlyViolation(_REFUSED)

    def refuse_bulk(state: ORMExecuteState) -> None:
        if (state.is_update or state.is_delete) and any(
            mapper.class_ is event_class for mapper in state.all_mappers
        ):
            _log.warning("refused a bulk UPDATE or DELETE of audit events")
            raise AppendOnlyViolation(_REFUSED)

    event.listen(event_class, "before_insert", chain)
    event.listen(event_class, "before_update", refuse)
    event.listen(event_class, "before_delete", refuse)
    event.listen(Session, "do_orm_execute", refuse_bulk)


# -- verification ------------------------------------------------------------------------------


class BreakKind(StrEnum):
    """How the chain is broken; each says what an operator should suspect."""

    GAP = "gap"
    LINK = "link"
    HASH = "hash"
    HEAD = "head"
    ANCHOR = "anchor"

    @property
    def meaning(self) -> str:
        return _MEANINGS[self]


_MEANINGS: Final = {
    BreakKind.GAP: "the sequence skips or repeats: an event was removed, added or moved",
    BreakKind.LINK: "prev_hash is not the previous event's hash: an event before it was "
    "changed, removed or moved",
    BreakKind.HASH: "the hash does not match the event's content: the event was changed",
    BreakKind.HEAD: "the chain head record is not the chain's last link: events were removed "
    "from the end, or the head record was changed",
    BreakKind.ANCHOR: "the expected head is not in the chain: events were removed from the end, "
    "or the chain was rewritten",
}


@dataclass(frozen=True, slots=True)
class Break:
    """The first place the chain does not hold."""

    kind: BreakKind
    #: The event where the chain breaks (None when the break is at the end of the chain).
    seq: int | None
    event_id: int | None
    expected: str
    found: str

    def describe(self) -> str:
        where = "end of chain" if self.seq is None else f"seq {self.seq} (event id {self.event_id})"
        return f"{where}: {self.kind.meaning}; expected {self.expected}, found {self.found}"


@dataclass(frozen=True, slots=True)
class Verification:
    """The outcome of walking the chain."""

    #: Events read, the broken one included.
    rows_checked: int
    #: Seq and hash of the last event read (0 and the genesis value for an empty chain).
    last_seq: int
    last_hash: str
    first_break: Break | None

    @property
    def intact(self) -> bool:
        return self.first_break is None


def verify_chain(
    rows: Iterable[ChainRow], *, head: Link | None, expect_head: str | None = None
) -> Verification:
    """Walk ``rows`` (in seq order), recompute every hash and stop at the first break.

    :param head: the stored head record (its ``seq`` and ``hash``; None when it is missing). It
        must be one of the chain's links: events appended while the walk runs may follow it.
    :param expect_head: a head hash anchored elsewhere earlier; it must still be in the chain,
        which detects a tail cut off together with a rewound head record.
    """
    checked, last_seq, last_hash = 0, 0, GENESIS_HASH
    head_seen = head is not None and head.seq == 0 and head.hash == GENESIS_HASH
    anchor_seen = expect_head in (None, GENESIS_HASH)
    for row in rows:
        checked += 1
        found = _row_break(row, last_seq, last_hash)
        if found is None and head is not None and row.seq == head.seq:
            head_seen = True
            if row.hash != head.hash:
                found = Break(BreakKind.HEAD, row.seq, row.event_id, head.hash, row.hash)
        if found is not None:
            return Verification(checked, last_seq, last_hash, found)
        last_seq, last_hash = row.seq, row.hash
        anchor_seen = anchor_seen or row.hash == expect_head
    end = f"the chain ending at seq {last_seq} ({last_hash})"
    problem: Break | None = None
    if head is None:
        problem = Break(BreakKind.HEAD, None, None, "a head record", "none")
    elif not head_seen:
        problem = Break(BreakKind.HEAD, None, None, f"seq {head.seq} ({head.hash})", end)
    elif not anchor_seen:
        problem = Break(BreakKind.ANCHOR, None, None, f"a link {expect_head}", end)
    return Verification(checked, last_seq, last_hash, problem)


def _row_break(row: ChainRow, last_seq: int, last_hash: str) -> Break | None:
    if row.seq != last_seq + 1:
        return Break(BreakKind.GAP, row.seq, row.event_id, f"seq {last_seq + 1}", f"seq {row.seq}")
    if row.prev_hash != last_hash:
        return Break(BreakKind.LINK, row.seq, row.event_id, last_hash, row.prev_hash)
    computed = link_hash(row.seq, row.record, row.prev_hash)
    if row.hash != computed:
        return Break(BreakKind.HASH, row.seq, row.event_id, computed, row.hash)
    return None


# -- reading the stored chain ------------------------------------------------------------------


def read_head(connection: Connection) -> Link | None:
    """The stored head record as a link (``prev_hash`` is not kept there and is left empty)."""
    row = connection.execute(
        select(_HEAD.c.seq, _HEAD.c.hash).where(_HEAD.c.id == HEAD_ID)
    ).one_or_none()
    return None if row is None else Link(seq=int(row.seq), prev_hash="", hash=str(row.hash))


def read_rows(connection: Connection, batch_size: int = 1000) -> Iterator[ChainRow]:
    """Every stored event in chain order, fetched in batches so memory stays flat.

    Keyed on (seq, id), not seq alone, so that a duplicated seq (possible only with the unique
    constraint dropped) is read too and reported, not skipped.
    """
    after: tuple[int, int] | None = None
    while True:
        statement = select(_EVENTS).order_by(_EVENTS.c.seq, _EVENTS.c.id).limit(batch_size)
        if after is not None:
            statement = statement.where(tuple_(_EVENTS.c.seq, _EVENTS.c.id) > after)
        batch = connection.execute(statement).all()
        for row in batch:
            yield ChainRow(
                event_id=row.id,
                seq=row.seq,
                record=AuditRecord(
                    at=row.at,
                    actor=row.actor,
                    organisation_id=row.organisation_id,
                    action=row.action,
                    object_ref=row.object_ref,
                    details=row.details,
                ),
                prev_hash=row.prev_hash,
                hash=row.hash,
            )
        if len(batch) < batch_size:
            return
        after = (batch[-1].seq, batch[-1].id)


def verify_stored(connection: Connection, expect_head: str | None = None) -> Verification:
    """:func:`verify_chain` over the database at ``connection``.

    The head is read before the events, so events appended meanwhile only extend the walk.
    """
    head = read_head(connection)
    return verify_chain(read_rows(connection), head=head, expect_head=expect_head)
