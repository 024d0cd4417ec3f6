"""The portal's services on both databases (SQLite and the real PostgreSQL): tokens, request
placing and its idempotency, CSV batches, chain mandates by BSN, renewal reminders and the
migrated schema."""

from __future__ import annotations

from datetime import timedelta

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import Engine
from sqlalchemy import select
from sqlalchemy.orm import Session
from sqlalchemy.orm import sessionmaker

from etoegang.clock import FixedClock
from idp.db.models import Base
from idp.db.models import ChainMandateStatus
from idp.db.models import LegalForm
from idp.db.models import Means
from idp.db.models import MeansStatus
from idp.db.session import upgrade_to_head
from idp.mail.gateway import MailMessage
from idp.portal import chain_mandates
from idp.portal import csv_import
from idp.portal import means_requests
from idp.portal import tokens
from idp.portal.errors import Conflict
from idp.portal.errors import TokenInvalid
from idp.portal.forms import parse_new_means
from idp.portal.models import PortalRole
from idp.portal.models import RenewalReminder
from idp.portal.models import Role
from idp.portal.models import TokenPurpose
from idp.portal.renewal import send_reminders
from idp.portal.tariffs import Tariffs
from policies.loa import Loa
from tests.conftest import GOLDEN_INSTANT
from tests.idp import builders

AT = GOLDEN_INSTANT
ROW = {"given_names": "Jan", "surname": "Jansen", "email": "jan@a.nl", "mobile": "0612345678",
       "level": "eH3", "years": "3", "employee": "ja"}


def test_the_migrated_schema_with_the_portal_equals_the_models(empty_engine: Engine) -> None:
    upgrade_to_head(empty_engine)
    with empty_engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        assert list(compare_metadata(context, Base.metadata)) == []
    assert "means_request" in Base.metadata.tables


def test_a_token_is_used_once_and_expires(session: Session) -> None:
    raw = tokens.issue(session, TokenPurpose.PASSWORD_RESET, AT)
    assert tokens.peek(session, raw, TokenPurpose.PASSWORD_RESET, AT).used_at is None
    with pytest.raises(TokenInvalid) as wrong_purpose:
        tokens.consume(session, raw, TokenPurpose.ACTIVATE, AT)
    assert wrong_purpose.value.reason == "unknown"
    assert tokens.consume(session, raw, TokenPurpose.PASSWORD_RESET, AT).used_at == AT
    with pytest.raises(TokenInvalid) as used:
        tokens.consume(session, raw, TokenPurpose.PASSWORD_RESET, AT)
    assert used.value.reason == "used"
    late = tokens.issue(session, TokenPurpose.PASSWORD_RESET, AT)
    with pytest.raises(TokenInvalid) as expired:
        tokens.consume(session, late, TokenPurpose.PASSWORD_RESET, AT + timedelta(hours=1))
    assert expired.value.reason == "expired"


def test_placing_a_request_twice_is_refused_and_cancel_releases_it(session: Session) -> None:
    org = builders.organisation(session, AT, builders.KVK_A)
    item = parse_new_means(ROW)
    placed = means_requests.place_new_means(session, organisation=org, actor="person:x",
                                            item=item, at=AT, tariffs=Tariffs(),
                                            base_url="https://idp")
    assert placed.price.total_cents == 5500
    assert "https://idp/portal/activate/" in placed.mail.body
    with pytest.raises(Conflict):
        means_requests.place_new_means(session, organisation=org, actor="person:x", item=item,
                                       at=AT, tariffs=Tariffs(), base_url="https://idp")
    means_requests.cancel(session, org.id, placed.request_id, "person:x", AT)
    means = session.scalars(select(Means)).one()
    assert means.status is MeansStatus.REVOKED
    again = means_requests.place_new_means(session, organisation=org, actor="person:x",
                                           item=item, at=AT, tariffs=Tariffs(),
                                           base_url="https://idp")
    assert again.request_id != placed.request_id
    assert [r.id for r in means_requests.pending(session, org.id)] == [again.request_id]


def test_a_csv_batch_is_the_same_batch_for_the_same_file(session: Session) -> None:
    org = builders.organisation(session, AT, builders.KVK_A)
    data = (b"voornamen;achternaam;email;mobiel;niveau;jaren;medewerker\n"
            b"Jan;Jansen;jan@a.nl;0612345678;eH3;3;ja\n"
            b"Piet;Puk;piet@;0612345679;eH3;3;ja\n")
    batch, before = csv_import.create_batch(session, org, data, "person:x", AT)
    assert (before, batch.total_rows, batch.valid_rows) == (False, 2, 1)
    csv_import.start(session, org.id, batch.id, "person:x", AT)
    mails = csv_import.process_step(session, org, batch.id, at=AT, tariffs=Tariffs(),
                                    base_url="https://idp")
    assert [m.to for m in mails] == ["jan@a.nl"]
    assert batch.status.value == "done" and batch.created_rows == 1
    same, before = csv_import.create_batch(session, org, data, "person:x", AT)
    assert (same.id, before) == (batch.id, True)
    # A step on a finished batch does nothing.
    assert csv_import.process_step(session, org, batch.id, at=AT, tariffs=Tariffs(),
                                   base_url="https://idp") == []


def test_a_chain_mandate_for_an_eenmanszaak_by_bsn(session: Session) -> None:
    intermediary = builders.organisation(session, AT, builders.KVK_B, name="Kantoor")
    form = chain_mandates.parse_chain(
        {"direction": "receive", "bsn": builders.BSN_A, "name": "Kapper", "level": "eH3",
         "years": "2"}, ["ab3bbd26-8d04-50ab-b439-a09ca752f99d"],
        ["ab3bbd26-8d04-50ab-b439-a09ca752f99d"])
    chain = chain_mandates.register(session, intermediary, form, "person:x", AT)
    assert chain.status is ChainMandateStatus.PENDING
    assert chain.client.legal_form is LegalForm.EENMANSZAAK and chain.client.kvk_number is None
    assert chain_mandates.pending_without_administrator(session) == [chain]
    chain_mandates.decide_as_operator(session, chain.id, True, "person:op", AT)
    assert chain_mandates.display_status(chain, AT) == "active"
    assert chain_mandates.display_status(chain, AT + timedelta(days=800)) == "expired"
    assert [c.id for c in chain_mandates.received(session, intermediary.id)] == [chain.id]


class _Mailer:
    def __init__(self) -> None:
        self.sent: list[MailMessage] = []

    def send(self, message: MailMessage) -> None:
        self.sent.append(message)


def test_renewal_reminders_are_sent_once(engine: Engine) -> None:
    sessions = sessionmaker(bind=engine, expire_on_commit=False)
    with sessions() as db, db.begin():
        org = builders.organisation(db, AT, builders.KVK_A)
        admin = builders.person(db, AT, "beheer@a.nl")
        db.add(PortalRole(person=admin, organisation_id=org.id, role=Role.ADMINISTRATOR,
                          created_at=AT))
        holder = builders.person(db, AT, "houder@a.nl")
        start = AT - timedelta(days=340)
        builders.means(db, AT, holder, org, level=Loa.EH3, years=1, valid_from=start)
    mailer = _Mailer()
    first = send_reminders(sessions, mailer, FixedClock(AT), "https://idp", lambda: "ref")
    second = send_reminders(sessions, mailer, FixedClock(AT), "https://idp", lambda: "ref")
    assert (first.sent, second.sent, second.already) == (1, 0, 1)
    assert [m.to for m in mailer.sent] == ["beheer@a.nl"]
    with sessions() as db:
        assert len(db.scalars(select(RenewalReminder)).all()) == 1
