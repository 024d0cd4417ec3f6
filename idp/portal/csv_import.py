"""Requests for many colleagues at once from a CSV file (issue 8): a preview with one message
per bad row, processing in batches with visible progress, and idempotency.

The file is checked as a whole first (encoding, header, size) and every row on its own through
the same parser as the single form (:func:`idp.portal.forms.parse_new_means`), plus two checks
across rows: an address twice in the file, and an address that already has a request at that
level. Nothing is created until the administrator starts the batch; then each step creates up
to ``limit`` requests under a short lease, so two browsers (or nodes) never process the same
batch at once. The same file again (by SHA-256) is the same batch, and every request has a
unique row key (:func:`idp.portal.means_requests.row_key`), so nothing is ever created twice.
"""

from __future__ import annotations

import csv
import hashlib
import io
from collections.abc import Sequence
from dataclasses import dataclass
from dataclasses import field
from datetime import datetime
from datetime import timedelta
from typing import Final

from sqlalchemy import or_
from sqlalchemy import select
from sqlalchemy import update
from sqlalchemy.orm import Session

from idp.db.models import Organisation
from idp.portal import mails
from idp.portal.audit import deferred as deferred_audit
from idp.portal.audit import record
from idp.portal.errors import Conflict
from idp.portal.errors import Forbidden
from idp.portal.errors import Invalid
from idp.portal.errors import NotFound
from idp.portal.forms import parse_level
from idp.portal.forms import parse_new_means
from idp.portal.means_requests import existing_key
from idp.portal.means_requests import place_new_means
from idp.portal.means_requests import row_key
from idp.portal.models import BatchStatus
from idp.portal.models import ImportBatch
from idp.portal.models import ImportRow
from idp.portal.tariffs import Tariffs
from idp.portal.tariffs import means_price
from policies.loa import Loa

MAX_ROWS: Final = 10_000
BATCH_SIZE: Final = 250
LEASE: Final = timedelta(seconds=120)

#: Column names accepted in the header (Dutch and English), mapped to form fields.
COLUMNS: Final = {
    "voornamen": "given_names",
    "voornaam": "given_names",
    "given_names": "given_names",
    "tussenvoegsel": "surname_prefix",
    "surname_prefix": "surname_prefix",
    "achternaam": "surname",
    "surname": "surname",
    "e-mail": "email",
    "email": "email",
    "e-mailadres": "email",
    "mobiel": "mobile",
    "mobile": "mobile",
    "niveau": "level",
    "level": "level",
    "jaren": "years",
    "geldigheid": "years",
    "years": "years",
    "medewerker": "employee",
    "employee": "employee",
    "identiteit_gecontroleerd": "identity_confirmed",
    "identity_confirmed": "identity_confirmed",
}
REQUIRED: Final = ("given_names", "surname", "email", "mobile", "level", "years", "employee")
#: The order in which a row's problems are listed.
FIELD_ORDER: Final = ("given_names", "surname", "email", "mobile", "level", "years", "employee")


@dataclass(frozen=True, slots=True)
class ParsedRow:
    line: int
    data: dict[str, str]
    errors: tuple[str, ...] = ()
    values: dict[str, int] = field(default_factory=dict)


def _decode(data: bytes) -> str:
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        # Excel in Dutch saves "CSV (puntkomma gescheiden)" in Windows-1252.
        return data.decode("cp1252", errors="strict")


def parse_file(data: bytes) -> list[ParsedRow]:
    """Every data row with its problems; raises :class:`Invalid` (``file``) for the file."""
    try:
        text = _decode(data)
    except UnicodeDecodeError as exc:
        raise Invalid({"file": "portal.csv.encoding"}) from exc
    lines = text.splitlines()
    if not lines or not lines[0].strip():
        raise Invalid({"file": "portal.csv.empty"})
    delimiter = ";" if lines[0].count(";") >= lines[0].count(",") else ","
    reader = csv.reader(io.StringIO(text), delimiter=delimiter)
    header = [COLUMNS.get(name.strip().lower(), "") for name in next(reader)]
    if any(name not in header for name in REQUIRED):
        raise Invalid({"file": "portal.csv.header"})
    rows: list[ParsedRow] = []
    first_line: dict[str, int] = {}
    for cells in reader:
        line = reader.line_num
        if not any(cell.strip() for cell in cells):
            continue
        if len(rows) >= MAX_ROWS:
            raise Invalid({"file": "portal.csv.too_many"})
        values_of = {name: cell.strip() for name, cell in zip(header, cells, strict=False) if name}
        errors: list[str] = []
        try:
            item = parse_new_means(values_of)
        except Invalid as exc:
            errors = [exc.errors[name] for name in FIELD_ORDER if name in exc.errors]
            email = None
        else:
            email = item.email
            values_of["email"] = item.email
        values: dict[str, int] = {}
        if email is not None:
            if email in first_line:
                errors.append("portal.csv.duplicate")
                values["first"] = first_line[email]
            else:
                first_line[email] = line
        rows.append(ParsedRow(line, values_of, tuple(errors), values))
    if not rows:
        raise Invalid({"file": "portal.csv.empty"})
    return rows


def file_hash(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def create_batch(db: Session, organisation: Organisation, data: bytes, actor: str,
                 at: datetime) -> tuple[ImportBatch, bool]:
    """The batch of this file (``True``: uploaded before, nothing new was made)."""
    digest = file_hash(data)
    found = db.scalars(select(ImportBatch).where(
        ImportBatch.organisation_id == organisation.id, ImportBatch.file_hash == digest)).first()
    if found is not None:
        return found, True
    parsed = parse_file(data)
    rows: list[ImportRow] = []
    for row in parsed:
        errors = list(row.errors)
        if not errors:
            level = Loa.from_label(_level_label(row.data["level"]))
            if existing_key(db, organisation.id, row_key(organisation.id, row.data["email"],
                                                         level.label)) is not None:
                errors.append("portal.csv.exists")
        rows.append(ImportRow(line=row.line, data=row.data, errors=" ".join(errors),
                              error_values=row.values))
    batch = ImportBatch(
        organisation_id=organisation.id, file_hash=digest, status=BatchStatus.PREVIEW,
        total_rows=len(rows), valid_rows=sum(1 for r in rows if not r.errors),
        created_by=actor, created_at=at, rows=rows,
    )
    db.add(batch)
    db.flush()
    record(db, at, actor, "portal.import.uploaded", f"import:{batch.id}", organisation.id,
           rows=batch.total_rows, valid=batch.valid_rows)
    return batch, False


def _level_label(text: str) -> str:
    level = parse_level(text)
    assert level is not None
    return level.label


def batch_of(db: Session, organisation_id: int, batch_id: int) -> ImportBatch:
    batch = db.get(ImportBatch, batch_id)
    if batch is None:
        raise NotFound("portal.error.not_found")
    if batch.organisation_id != organisation_id:
        raise Forbidden("portal.error.forbidden")
    return batch


def bad_rows(db: Session, batch_id: int) -> Sequence[ImportRow]:
    return db.scalars(select(ImportRow).where(ImportRow.batch_id == batch_id,
                                              ImportRow.errors != "").order_by(ImportRow.line)
                      ).all()


def good_rows(db: Session, batch_id: int, limit: int) -> Sequence[ImportRow]:
    return db.scalars(select(ImportRow).where(ImportRow.batch_id == batch_id,
                                              ImportRow.errors == "").order_by(ImportRow.line)
                      .limit(limit)).all()


def total_price(db: Session, batch_id: int, tariffs: Tariffs) -> int:
    total = 0
    for row in db.scalars(select(ImportRow).where(ImportRow.batch_id == batch_id,
                                                  ImportRow.errors == "")):
        item = parse_new_means(row.data)
        total += means_price(tariffs, item.level, item.years).total_cents
    return total


def start(db: Session, organisation_id: int, batch_id: int, actor: str, at: datetime) -> None:
    batch = batch_of(db, organisation_id, batch_id)
    if batch.status is not BatchStatus.PREVIEW:
        return  # started before: starting again changes nothing
    batch.status = BatchStatus.PROCESSING if batch.valid_rows else BatchStatus.DONE
    record(db, at, actor, "portal.import.started", f"import:{batch.id}", organisation_id,
           rows=batch.valid_rows)


def process_step(db: Session, organisation: Organisation, batch_id: int, *, at: datetime,
                 tariffs: Tariffs, base_url: str, limit: int = BATCH_SIZE
                 ) -> list[mails.Outgoing]:
    """Create up to ``limit`` requests of a started batch; the mails to send after commit."""
    taken = db.execute(
        update(ImportBatch)
        .where(ImportBatch.id == batch_id, ImportBatch.organisation_id == organisation.id,
               ImportBatch.status == BatchStatus.PROCESSING,
               or_(ImportBatch.lease_until.is_(None), ImportBatch.lease_until < at))
        .values(lease_until=at + LEASE)
        .execution_options(synchronize_session=False)
    )
    if getattr(taken, "rowcount", 0) != 1:
        return []
    batch = db.get(ImportBatch, batch_id)
    assert batch is not None
    db.refresh(batch)
    rows = db.scalars(select(ImportRow).where(ImportRow.batch_id == batch_id,
                                              ImportRow.errors == "", ImportRow.done.is_(False))
                      .order_by(ImportRow.line).limit(limit)).all()
    outgoing: list[mails.Outgoing] = []
    created = 0
    # The batch's counters are written once per step: a dirty batch in every row's flush
    # would make each flush walk its 2,000-row collection.
    actor = batch.created_by
    # The rows' audit events are appended together at the end of the step, so the audit
    # chain's lock is held for the last moment of the step, not all of it (AD logins wait on it).
    with deferred_audit(db) as audit_events:
        for row in rows:
            item = parse_new_means(row.data)
            mark = len(audit_events)
            try:
                with db.begin_nested():
                    placed = place_new_means(db, organisation=organisation, actor=actor,
                                             item=item, at=at, tariffs=tariffs,
                                             base_url=base_url, batch_id=batch_id)
            except Conflict:
                del audit_events[mark:]
                row.errors = "portal.csv.exists"
            else:
                row.request_id = placed.request_id
                created += 1
                outgoing.append(placed.mail)
            row.done = True
    batch.created_rows += created
    batch.processed_rows += len(rows)
    remaining = db.scalars(select(ImportRow.id).where(
        ImportRow.batch_id == batch_id, ImportRow.errors == "", ImportRow.done.is_(False)
    ).limit(1)).first()
    if remaining is None:
        batch.status = BatchStatus.DONE
        record(db, at, batch.created_by, "portal.import.done", f"import:{batch.id}",
               organisation.id, created=batch.created_rows)
    batch.lease_until = None
    return outgoing
