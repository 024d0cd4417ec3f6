"""A CSV import step does not hold the audit chain's lock while it works through its rows.

Every AD login step and MR decision appends an audit event, and an append locks the chain head
until its transaction commits (idp.db.audit_chain). A 250-row import step that appended an event
per row as it went held that lock for its whole length (seconds), and logins queued behind it.
The step now appends its events at the end; an AD audit made while the step is half way
through must get the lock at once (here: within a 500 ms lock_timeout on PostgreSQL).
"""

from __future__ import annotations

import threading
from typing import Any

import pytest
from sqlalchemy import Engine
from sqlalchemy import func
from sqlalchemy import select
from sqlalchemy import text
from sqlalchemy.orm import Session

from idp.ad.accounts import audit
from idp.db.audit_chain import verify_stored
from idp.db.models import AuditEvent
from idp.db.models import Organisation
from idp.portal import csv_import
from idp.portal.tariffs import Tariffs
from tests.conftest import GOLDEN_INSTANT as AT
from tests.idp import builders

ROWS = 60


def _start_batch(engine: Engine) -> tuple[int, int]:
    with Session(engine) as db, db.begin():
        org = builders.organisation(db, AT, builders.KVK_A)
        lines = [b"voornamen;achternaam;email;mobiel;niveau;jaren;medewerker"]
        lines += [f"Jan;Jansen{i};jan{i}@a.nl;06{12000000 + i};eH3;3;ja".encode()
                  for i in range(ROWS)]
        batch, _ = csv_import.create_batch(db, org, b"\n".join(lines) + b"\n", "person:x", AT)
        csv_import.start(db, org.id, batch.id, "person:x", AT)
        return org.id, batch.id


@pytest.mark.parametrize("engine", ["postgresql"], indirect=True)
def test_an_ad_audit_is_not_held_up_by_an_import_step(
    engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    org_id, batch_id = _start_batch(engine)
    half_way, may_go_on = threading.Event(), threading.Event()
    original = getattr(csv_import, "place_new_means")  # noqa: B009 (not re-exported)
    calls = 0

    def placing(*args: Any, **kwargs: Any) -> Any:
        nonlocal calls
        calls += 1
        if calls == ROWS // 2:
            half_way.set()
            may_go_on.wait(10)
        return original(*args, **kwargs)

    monkeypatch.setattr(csv_import, "place_new_means", placing)
    failure: list[BaseException] = []

    def importer() -> None:
        try:
            with Session(engine) as db, db.begin():
                org = db.get(Organisation, org_id)
                assert org is not None
                csv_import.process_step(db, org, batch_id, at=AT, tariffs=Tariffs(),
                                        base_url="https://idp.example", limit=ROWS)
        except BaseException as exc:  # noqa: BLE001 (reported by the test below)
            failure.append(exc)

    thread = threading.Thread(target=importer)
    thread.start()
    try:
        assert half_way.wait(20), "the import step did not get half way"
        # The step is between rows 30 and 31, its transaction open: the AD's audit must not wait.
        with Session(engine) as db, db.begin():
            db.execute(text("SET LOCAL lock_timeout = '500ms'"))
            audit(db, AT, "ad.password", "ok")
    finally:
        may_go_on.set()
        thread.join(30)
    assert not failure, failure
    with Session(engine) as db:
        rows = db.scalars(select(AuditEvent).order_by(AuditEvent.seq)).all()
        placed = db.scalar(select(func.count()).where(AuditEvent.action == "portal.request.placed"))
    assert placed == ROWS
    # The AD's event committed while the step ran, so it precedes every event of the step.
    actions = [row.action for row in rows]
    assert actions.index("ad.password") < actions.index("portal.request.placed")
    with engine.connect() as connection:
        assert verify_stored(connection).intact
