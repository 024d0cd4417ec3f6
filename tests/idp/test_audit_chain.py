"""The audit hash chain without a database: the canonical encoding (golden bytes and hash) and
:func:`verify_chain` over rows in memory, intact and tampered in each way it must notice."""

from __future__ import annotations

import hashlib
from dataclasses import replace
from datetime import UTC
from datetime import datetime
from datetime import timedelta
from datetime import timezone
from typing import Any

import pytest

from idp.db.audit_chain import GENESIS_HASH
from idp.db.audit_chain import AuditRecord
from idp.db.audit_chain import BreakKind
from idp.db.audit_chain import ChainRow
from idp.db.audit_chain import Link
from idp.db.audit_chain import canonical_encoding
from idp.db.audit_chain import link_hash
from idp.db.audit_chain import verify_chain

GOLDEN_RECORD = AuditRecord(
    at=datetime(2026, 3, 1, 14, 30, 5, 123, tzinfo=timezone(timedelta(hours=1))),
    actor="person:" + "ab" * 32,
    organisation_id=7,
    action="mandate.grant",
    object_ref="mandate:17",
    details={"services": 2, "level": "eH3", "chain": False, "note": "café", "branch": None},
)
# Written out by hand from the encoding's rules (sorted keys, no spaces, ASCII escapes, UTC with
# microseconds and a Z); the hash was checked with `printf '%s' '<bytes>' | sha256sum`.
GOLDEN_BYTES = (
    b'{"action":"mandate.grant","actor":"person:' + b"ab" * 32 + b'",'
    b'"at":"2026-03-01T13:30:05.000123Z",'
    b'"details":{"branch":null,"chain":false,"level":"eH3","note":"caf\\u00e9","services":2},'
    b'"object_ref":"mandate:17","organisation_id":7,'
    b'"prev_hash":"' + b"0" * 64 + b'","seq":1,"v":1}'
)
GOLDEN_HASH = "d110bbd53ae92f2378cabc56468bea21030aa993fcefc69a99f61ad0d6824a80"

T0 = datetime(2026, 5, 4, 9, 0, tzinfo=UTC)


def test_the_canonical_encoding_of_version_1_is_exactly_the_golden_bytes() -> None:
    assert canonical_encoding(1, GOLDEN_RECORD, GENESIS_HASH) == GOLDEN_BYTES
    assert hashlib.sha256(GOLDEN_BYTES).hexdigest() == GOLDEN_HASH
    assert link_hash(1, GOLDEN_RECORD, GENESIS_HASH) == GOLDEN_HASH


def test_the_encoding_depends_on_values_only_not_on_key_order_or_time_zone() -> None:
    reordered = replace(GOLDEN_RECORD, details=dict(reversed(list(GOLDEN_RECORD.details.items()))))
    same_instant_in_utc = replace(GOLDEN_RECORD, at=GOLDEN_RECORD.at.astimezone(UTC))
    assert link_hash(1, reordered, GENESIS_HASH) == GOLDEN_HASH
    assert link_hash(1, same_instant_in_utc, GENESIS_HASH) == GOLDEN_HASH


def test_a_naive_datetime_cannot_be_hashed() -> None:
    naive = replace(GOLDEN_RECORD, at=datetime(2026, 3, 1, 13, 30))
    with pytest.raises(ValueError, match="timezone-aware"):
        link_hash(1, naive, GENESIS_HASH)


@pytest.mark.parametrize(
    ("seq", "change", "prev_hash"),
    [
        (2, {}, GENESIS_HASH),
        (1, {"at": GOLDEN_RECORD.at + timedelta(microseconds=1)}, GENESIS_HASH),
        (1, {"actor": "system"}, GENESIS_HASH),
        (1, {"organisation_id": None}, GENESIS_HASH),
        (1, {"organisation_id": 8}, GENESIS_HASH),
        (1, {"action": "mandate.revoke"}, GENESIS_HASH),
        (1, {"object_ref": "mandate:18"}, GENESIS_HASH),
        (1, {"details": {**GOLDEN_RECORD.details, "services": 3}}, GENESIS_HASH),
        (1, {"details": {**GOLDEN_RECORD.details, "chain": 0}}, GENESIS_HASH),
        (1, {}, "1" * 64),
    ],
    ids=["seq", "at", "actor", "org-none", "org", "action", "object", "details", "bool-int",
         "prev"],
)
def test_every_hashed_field_changes_the_hash(
    seq: int, change: dict[str, Any], prev_hash: str
) -> None:
    assert link_hash(seq, replace(GOLDEN_RECORD, **change), prev_hash) != GOLDEN_HASH


# -- verification ------------------------------------------------------------------------------


def record(n: int) -> AuditRecord:
    return AuditRecord(
        at=T0 + timedelta(seconds=n),
        actor="system",
        organisation_id=n % 2 or None,
        action="means.expire",
        object_ref=f"means:{n}",
        details={"n": n},
    )


def chain(length: int) -> list[ChainRow]:
    rows, prev = [], GENESIS_HASH
    for seq in range(1, length + 1):
        digest = link_hash(seq, record(seq), prev)
        rows.append(ChainRow(event_id=100 + seq, seq=seq, record=record(seq), prev_hash=prev,
                             hash=digest))
        prev = digest
    return rows


def head_of(rows: list[ChainRow]) -> Link:
    return Link(seq=rows[-1].seq, prev_hash="", hash=rows[-1].hash) if rows else Link(
        0, "", GENESIS_HASH
    )


def test_an_intact_chain_verifies_and_reports_its_head() -> None:
    rows = chain(5)
    outcome = verify_chain(rows, head=head_of(rows))
    assert outcome.intact and outcome.first_break is None
    assert (outcome.rows_checked, outcome.last_seq, outcome.last_hash) == (5, 5, rows[-1].hash)


def test_an_empty_chain_with_the_genesis_head_is_intact() -> None:
    outcome = verify_chain([], head=Link(0, "", GENESIS_HASH), expect_head=GENESIS_HASH)
    assert outcome.intact and (outcome.rows_checked, outcome.last_hash) == (0, GENESIS_HASH)


@pytest.mark.parametrize(
    "change",
    [
        {"details": {"n": 99}},
        {"action": "mandate.revoke"},
        {"actor": "person:" + "cd" * 32},
        {"at": T0 + timedelta(days=1)},
    ],
    ids=["details", "action", "actor", "at"],
)
def test_a_changed_middle_event_breaks_its_own_hash(change: dict[str, Any]) -> None:
    rows = chain(5)
    rows[2] = replace(rows[2], record=replace(rows[2].record, **change))
    problem = verify_chain(rows, head=head_of(rows)).first_break
    assert problem is not None
    assert (problem.kind, problem.seq, problem.event_id) == (BreakKind.HASH, 3, 103)
    assert problem.found == rows[2].hash
    assert problem.expected == link_hash(3, rows[2].record, rows[2].prev_hash)


def test_a_changed_event_with_a_recomputed_hash_breaks_the_next_link() -> None:
    rows = chain(5)
    forged = replace(rows[2].record, action="mandate.revoke")
    rows[2] = replace(rows[2], record=forged, hash=link_hash(3, forged, rows[2].prev_hash))
    problem = verify_chain(rows, head=head_of(rows)).first_break
    assert problem is not None and (problem.kind, problem.seq) == (BreakKind.LINK, 4)
    assert (problem.expected, problem.found) == (rows[2].hash, rows[3].prev_hash)


def test_a_removed_middle_event_is_a_gap() -> None:
    rows = chain(5)
    del rows[2]
    problem = verify_chain(rows, head=head_of(rows)).first_break
    assert problem is not None and (problem.kind, problem.seq) == (BreakKind.GAP, 4)
    assert (problem.expected, problem.found) == ("seq 3", "seq 4")


def test_a_removed_first_event_is_a_gap() -> None:
    rows = chain(3)[1:]
    problem = verify_chain(rows, head=head_of(rows)).first_break
    assert problem is not None and (problem.kind, problem.seq) == (BreakKind.GAP, 2)


def test_a_reordered_pair_is_found() -> None:
    rows = chain(5)
    # The events swap places, each taking the other's seq (as an UPDATE of seq would).
    third, fourth = rows[2], rows[3]
    rows[2], rows[3] = replace(fourth, seq=3), replace(third, seq=4)
    problem = verify_chain(rows, head=head_of(rows)).first_break
    assert problem is not None and (problem.kind, problem.seq) == (BreakKind.LINK, 3)
    # Read in the wrong order with their own seqs, the sequence itself breaks.
    rows = chain(5)
    rows[2], rows[3] = rows[3], rows[2]
    problem = verify_chain(rows, head=head_of(chain(5))).first_break
    assert problem is not None and (problem.kind, problem.seq) == (BreakKind.GAP, 4)


def test_a_duplicated_event_is_a_gap() -> None:
    rows = chain(4)
    rows.insert(2, replace(rows[1], event_id=999))
    problem = verify_chain(rows, head=head_of(chain(4))).first_break
    assert problem is not None and (problem.kind, problem.event_id) == (BreakKind.GAP, 999)


def test_a_cut_tail_is_found_by_the_head_record() -> None:
    rows = chain(5)
    head = head_of(rows)
    outcome = verify_chain(rows[:3], head=head)
    problem = outcome.first_break
    assert problem is not None and (problem.kind, problem.seq) == (BreakKind.HEAD, None)
    assert problem.expected == f"seq 5 ({head.hash})"
    assert str(rows[2].hash) in problem.found and outcome.rows_checked == 3


def test_a_cut_tail_with_a_rewound_head_is_found_only_by_the_anchor() -> None:
    rows = chain(5)
    anchor = rows[-1].hash
    cut = rows[:3]
    assert verify_chain(cut, head=head_of(cut)).intact  # nothing inside the database tells
    problem = verify_chain(cut, head=head_of(cut), expect_head=anchor).first_break
    assert problem is not None and problem.kind is BreakKind.ANCHOR
    assert problem.expected == f"a link {anchor}" and cut[-1].hash in problem.found


def test_an_anchor_older_than_the_head_is_still_in_the_chain() -> None:
    rows = chain(5)
    assert verify_chain(rows, head=head_of(rows), expect_head=rows[1].hash).intact
    assert verify_chain(rows, head=head_of(rows), expect_head=GENESIS_HASH).intact


def test_a_head_record_that_disagrees_with_its_event_is_found() -> None:
    rows = chain(5)
    problem = verify_chain(rows, head=Link(5, "", "e" * 64)).first_break
    assert problem is not None and (problem.kind, problem.seq) == (BreakKind.HEAD, 5)
    assert (problem.expected, problem.found) == ("e" * 64, rows[4].hash)


def test_a_missing_head_record_is_found() -> None:
    problem = verify_chain(chain(2), head=None).first_break
    assert problem is not None and problem.kind is BreakKind.HEAD and problem.found == "none"


def test_events_appended_after_the_head_was_read_are_checked_and_accepted() -> None:
    rows = chain(5)
    outcome = verify_chain(rows, head=head_of(rows[:3]))
    assert outcome.intact and outcome.last_seq == 5


def test_a_break_describes_where_and_what() -> None:
    rows = chain(3)
    rows[1] = replace(rows[1], record=replace(rows[1].record, action="x"))
    problem = verify_chain(rows, head=head_of(rows)).first_break
    assert problem is not None
    text = problem.describe()
    assert text.startswith("seq 2 (event id 102): the hash does not match the event's content")
    assert f"expected {problem.expected}, found {rows[1].hash}" in text
